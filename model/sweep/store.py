"""The sweep store: every finished run on disk at once, tidy Parquet tables, nothing kept for the end.

Layout of a sweep folder::

    manifest.json             spec, root seed, versions, git commit, sessions (start/end times)
    design.parquet            sampled designs only: the design matrix (input of the SALib analysis)
    journal.jsonl             runs finished since the last part was written (one JSON line per run)
    runs/part-000001.parquet  the runs table, one row per run, in chunks
    timeseries/part-000001.parquet   the long time-series table (run_id, step, metrics...), if asked

Durability: the parent process is the only writer. A finished run is first appended to the journal
with a single ``write`` (it survives Ctrl-C, ``kill -9`` of the parent or of a worker; after a power
loss the last seconds may have to be re-run, which gives the same rows). Every ``chunk_rows`` runs
(or ``flush_seconds``) the buffered runs become a Parquet part: written under a temporary name,
fsync'ed, renamed atomically (time series part first, runs part last: the runs part is the commit
point), and the journal is emptied. ``RunStore.open`` repairs whatever an interruption left: it
removes temporary files and time-series parts without their runs part, and turns journal lines not
yet in a part into a part. A run id is therefore stored at most once, and a resumed sweep skips
exactly the stored ones.

Undefined values: an outcome that is undefined in a run (NaN in the model, e.g. ``loser_winner_ratio``
without winners) is null in the Parquet tables, as is every outcome of a failed run (tell them apart by
``status``); pandas reads null in a float column as NaN. The journal and the manifest are strict JSON
(``model.cli.dump_json``: null, never a bare ``NaN``).

Readers (``read_runs``, ``read_timeseries``) sort by run id, so a table never depends on the number
of workers or the order in which runs finished. ``elapsed_s`` (wall time of the run) is the only
column that differs between two executions of the same sweep.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from ..cli import dump_json
from .spec import INTEGER_METRICS, SweepSpec, param_kind
from .worker import STATUS_FAILED, RunOutput

if TYPE_CHECKING:
    import pandas as pd
    import pyarrow as pa

MANIFEST = "manifest.json"
JOURNAL = "journal.jsonl"
DESIGN = "design.parquet"
RUNS = "runs"
TIMESERIES = "timeseries"
#: Columns that vary between executions of the same sweep (leave them out when comparing tables).
TIMING_COLUMNS = ("elapsed_s",)


# ====================================================================== schemas
def runs_schema(spec: SweepSpec) -> pa.Schema:
    """Columns of the runs table: ids, varied parameters, seed, status, error, outcomes, elapsed_s."""
    import pyarrow as pa

    fields = [pa.field("run_id", pa.int64(), nullable=False), pa.field("point", pa.int64(), nullable=False),
              pa.field("replicate", pa.int64(), nullable=False), pa.field("seed", pa.int64(), nullable=False)]
    fields += [pa.field(name, _param_type(name)) for name in spec.varied]
    fields += [pa.field("status", pa.string(), nullable=False), pa.field("error", pa.string())]
    fields += [pa.field(name, _metric_type(name)) for name in spec.outcomes]
    fields.append(pa.field("elapsed_s", pa.float64()))
    return pa.schema(fields)


def timeseries_schema(spec: SweepSpec) -> pa.Schema | None:
    """Columns of the time-series table (``None`` when the spec keeps no time series)."""
    import pyarrow as pa

    if not spec.timeseries_every:
        return None
    fields = [pa.field("run_id", pa.int64(), nullable=False), pa.field("step", pa.int64(), nullable=False)]
    fields += [pa.field(name, _metric_type(name)) for name in spec.timeseries_metrics]
    return pa.schema(fields)


def _param_type(name: str) -> pa.DataType:
    import pyarrow as pa

    return {"int": pa.int64(), "float": pa.float64(), "bool": pa.bool_()}.get(param_kind(name), pa.string())


def _metric_type(name: str) -> pa.DataType:
    import pyarrow as pa

    return pa.int64() if name in INTEGER_METRICS else pa.float64()


# ====================================================================== writer
class RunStore:
    """The parent's writer: ``open`` (repairs), ``add`` each finished run, ``close``."""

    def __init__(self, root: str | Path, spec: SweepSpec, *, chunk_rows: int = 1000, flush_seconds: float = 30.0,
                 timeseries_chunk_rows: int = 100_000) -> None:
        self.root = Path(root)
        self.spec = spec
        self.runs_schema = runs_schema(spec)
        self.timeseries_schema = timeseries_schema(spec)
        self.chunk_rows = max(1, int(chunk_rows))
        self.flush_seconds = float(flush_seconds)
        self.timeseries_chunk_rows = max(1, int(timeseries_chunk_rows))
        #: stored[run_id] is True once the run is in the journal or a part (a bitmap: flat memory).
        self.stored = np.zeros(spec.n_runs, dtype=bool)
        self.failed_ids: set[int] = set()
        self._rows: list[dict[str, Any]] = []
        self._series: list[tuple[int, pa.RecordBatch]] = []  # Arrow, not Python floats: 8 bytes a value
        self._series_rows = 0
        self._last_flush = time.monotonic()
        self._sequence = 0
        self._journal: int | None = None

    @property
    def n_stored(self) -> int:
        return int(self.stored.sum())

    def open(self, *, retry_failed: bool = False) -> None:
        """Create the folders, repair what an interruption left, and start the journal."""
        runs_dir, series_dir = self.root / RUNS, self.root / TIMESERIES
        runs_dir.mkdir(parents=True, exist_ok=True)
        if self.timeseries_schema is not None:
            series_dir.mkdir(exist_ok=True)
        for folder in (runs_dir, series_dir):
            for leftover in folder.glob(".*.tmp"):
                leftover.unlink()
        run_parts = {p.name for p in runs_dir.glob("part-*.parquet")}
        for orphan in series_dir.glob("part-*.parquet"):  # killed between the two renames of a flush
            if orphan.name not in run_parts:
                orphan.unlink()
        self._sequence = max((_part_number(name) for name in run_parts), default=0)
        for part in sorted(runs_dir.glob("part-*.parquet")):
            self._mark(_read_parquet(part, ["run_id", "status"]).to_pydict(), part)
        if retry_failed and self.failed_ids:
            self._drop_failed_parts()
        journal = self.root / JOURNAL
        for record in _read_journal(journal):
            output = RunOutput(record["row"], record.get("ts"))
            if retry_failed and output.row["status"] == STATUS_FAILED:
                continue
            self._buffer(output)
        self.flush()  # recovered runs go into a part before the journal is emptied
        self._journal = os.open(journal, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_TRUNC, 0o644)

    def _mark(self, columns: dict[str, list[Any]], part: Path) -> None:
        for run_id, status in zip(columns["run_id"], columns["status"], strict=True):
            if not 0 <= run_id < self.stored.size:
                raise ValueError(f"{part} holds run id {run_id}, outside this sweep's 0..{self.stored.size - 1}")
            if self.stored[run_id]:
                raise ValueError(f"run id {run_id} is stored twice ({part}); the store is corrupt")
            self.stored[run_id] = True
            if status == STATUS_FAILED:
                self.failed_ids.add(run_id)

    def _drop_failed_parts(self) -> None:
        """``--retry-failed``: rewrite each part without its failed rows (their runs are then run again)."""
        import pyarrow.compute as pc

        for part in sorted((self.root / RUNS).glob("part-*.parquet")):
            table = _read_parquet(part)
            keep = pc.not_equal(table["status"], STATUS_FAILED)
            if pc.all(keep).as_py():
                continue
            kept = table.filter(keep)
            if kept.num_rows:
                _write_atomically(kept, part)
            else:  # a part of failed runs only has no time-series rows either
                part.unlink()
        for run_id in self.failed_ids:
            self.stored[run_id] = False
        self.failed_ids.clear()

    def add(self, output: RunOutput) -> bool:
        """Store one finished run (journal now, a part soon); False if its id is already stored."""
        run_id = output.row["run_id"]
        if self.stored[run_id]:
            return False
        line = dump_json({"row": output.row, "ts": output.timeseries}, compact=True) + "\n"
        _write_all(self._journal, line.encode())  # type: ignore[arg-type]
        self._buffer(output)
        if (len(self._rows) >= self.chunk_rows or self._series_rows >= self.timeseries_chunk_rows
                or time.monotonic() - self._last_flush >= self.flush_seconds):
            self.flush()
        return True

    def _buffer(self, output: RunOutput) -> None:
        run_id = output.row["run_id"]
        if self.stored[run_id]:  # a journal line whose part was written just before an interruption
            return
        self.stored[run_id] = True
        if output.row["status"] == STATUS_FAILED:
            self.failed_ids.add(run_id)
        self._rows.append(output.row)
        if output.timeseries is not None and self.timeseries_schema is not None:
            batch = _series_batch(run_id, output.timeseries, self.timeseries_schema)
            self._series.append((run_id, batch))
            self._series_rows += batch.num_rows

    def flush(self) -> None:
        """Write the buffered runs as a new part (time series first, runs part last), then empty the journal."""
        self._last_flush = time.monotonic()
        if not self._rows:
            return
        import pyarrow as pa

        self._sequence += 1
        name = f"part-{self._sequence:06d}.parquet"
        if self._series:
            self._series.sort(key=lambda item: item[0])
            table = pa.Table.from_batches([batch for _, batch in self._series], schema=self.timeseries_schema)
            _write_atomically(table, self.root / TIMESERIES / name)
        runs = pa.Table.from_pylist(self._rows, schema=self.runs_schema).sort_by("run_id")
        _write_atomically(runs, self.root / RUNS / name)
        for folder in (TIMESERIES, RUNS):  # both renames durable before the journal lines go
            _fsync_dir(self.root / folder)
        if self._journal is not None:  # (while opening, the journal is emptied once it is reopened)
            os.ftruncate(self._journal, 0)
        self._rows.clear()
        self._series.clear()
        self._series_rows = 0

    def close(self) -> None:
        """Write what is buffered and close the journal (safe to call twice)."""
        if self._journal is None:
            return
        self.flush()
        os.close(self._journal)
        self._journal = None
        (self.root / JOURNAL).unlink(missing_ok=True)


def _series_batch(run_id: int, series: dict[str, list[Any]], schema: pa.Schema) -> pa.RecordBatch:
    import pyarrow as pa

    columns = {"run_id": [run_id] * len(series["step"]), **{name: series[name] for name in schema.names[1:]}}
    return pa.RecordBatch.from_pydict(columns, schema=schema)


def _series_table(series: list[tuple[int, dict[str, list[Any]]]], schema: pa.Schema) -> pa.Table:
    import pyarrow as pa

    batches = [_series_batch(run_id, table, schema) for run_id, table in sorted(series, key=lambda item: item[0])]
    return pa.Table.from_batches(batches, schema=schema)


def _write_atomically(table: pa.Table, target: Path) -> None:
    import pyarrow.parquet as pq

    temporary = target.with_name(f".{target.name}.tmp")
    pq.write_table(table, temporary, compression="zstd")
    with temporary.open("rb") as handle:
        os.fsync(handle.fileno())
    temporary.replace(target)


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        view = view[written:]


def _fsync_dir(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:  # some systems cannot open folders; the rename is still atomic there
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _part_number(name: str) -> int:
    return int(name.removeprefix("part-").removesuffix(".parquet"))


def _read_parquet(path: Path, columns: Sequence[str] | None = None) -> pa.Table:
    import pyarrow.parquet as pq

    return pq.read_table(path, columns=list(columns) if columns else None)


def _read_journal(path: Path) -> Iterator[dict[str, Any]]:
    """Complete journal lines; a line torn by an interruption is skipped (its run is simply run again)."""
    try:
        handle = path.open("rb")
    except FileNotFoundError:
        return
    with handle:
        for line in handle:
            if not line.endswith(b"\n"):
                continue
            try:
                yield json.loads(line)
            except ValueError:
                continue


# ====================================================================== manifest
def read_manifest(path: str | Path) -> dict[str, Any]:
    """The manifest of a sweep folder; ValueError (one line) if the folder holds no sweep."""
    manifest = Path(path) / MANIFEST
    try:
        return json.loads(manifest.read_text())
    except FileNotFoundError:
        raise ValueError(f"{str(path)!r} holds no sweep (no {MANIFEST})") from None
    except (OSError, ValueError) as error:
        raise ValueError(f"cannot read {manifest}: {error}") from None


def write_manifest(path: str | Path, manifest: dict[str, Any]) -> None:
    """Write the manifest atomically."""
    target = Path(path) / MANIFEST
    temporary = target.with_name(f".{MANIFEST}.tmp")
    temporary.write_text(dump_json(manifest, indent=2) + "\n")
    temporary.replace(target)


def spec_of(path: str | Path) -> SweepSpec:
    """The specification recorded in a sweep folder's manifest."""
    return SweepSpec.from_dict(read_manifest(path)["spec"], source=f"{Path(path) / MANIFEST}")


# ====================================================================== readers
def read_runs_table(path: str | Path, columns: Sequence[str] | None = None) -> pa.Table:
    """The runs table as a pyarrow Table, sorted by run id (parts plus journal of an interrupted sweep)."""
    import pyarrow as pa

    root = Path(path)
    spec = spec_of(root)
    schema = runs_schema(spec)
    # the journal is read before the parts: a flush in between can only duplicate rows, not lose them
    journal_rows = [record["row"] for record in _read_journal(root / JOURNAL)]
    tables = [_read_parquet(part) for part in sorted((root / RUNS).glob("part-*.parquet"))]
    in_parts = {run_id for table in tables for run_id in table["run_id"].to_pylist()}
    journal_rows = list({row["run_id"]: row for row in journal_rows if row["run_id"] not in in_parts}.values())
    if journal_rows:
        tables.append(pa.Table.from_pylist(journal_rows, schema=schema))
    table = pa.concat_tables(tables) if tables else schema.empty_table()
    table = table.sort_by("run_id")
    return table.select(list(columns)) if columns else table


def read_runs(path: str | Path, columns: Sequence[str] | None = None) -> pd.DataFrame:
    """The runs table as a pandas DataFrame: one row per stored run, sorted by run id.

    Integer columns use pandas' nullable ``Int64`` so that a count stays an integer even where a
    failed run has no value (``<NA>``); the dtypes are the same whether or not a run failed.
    """
    import pandas as pd
    import pyarrow as pa

    return read_runs_table(path, columns).to_pandas(types_mapper={pa.int64(): pd.Int64Dtype()}.get)


def stored_run_ids(path: str | Path) -> np.ndarray:
    """Run ids stored so far (sorted), cheap enough to poll a running sweep."""
    return np.asarray(read_runs_table(path, ["run_id"])["run_id"].to_numpy(), dtype=np.int64)


def _timeseries_dataset(root: Path):
    import pyarrow.dataset as ds

    schema = timeseries_schema(spec_of(root))
    if schema is None:
        raise ValueError(f"the sweep in {str(root)!r} kept no time series (timeseries_every = 0)")
    journal = [record for record in _read_journal(root / JOURNAL) if record.get("ts")]
    parts = sorted((root / TIMESERIES).glob("part-*.parquet"))
    sources = [ds.dataset(parts, schema=schema, format="parquet")] if parts else []
    if journal:
        in_parts = _run_ids_in(parts)
        unique = {r["row"]["run_id"]: r for r in journal if r["row"]["run_id"] not in in_parts}
        sources.append(ds.dataset(_series_table([(rid, r["ts"]) for rid, r in unique.items()], schema)))
    if not sources:
        return ds.dataset(schema.empty_table()), schema
    return (sources[0] if len(sources) == 1 else ds.dataset(sources)), schema


def _run_ids_in(parts: Iterable[Path]) -> set[int]:
    ids: set[int] = set()
    for part in parts:
        ids.update(_read_parquet(part, ["run_id"])["run_id"].to_pylist())
    return ids


def read_timeseries(path: str | Path, run_ids: Iterable[int] | None = None,
                    columns: Sequence[str] | None = None) -> pd.DataFrame:
    """The long time-series table (run_id, step, metrics...), sorted by run id and step.

    ``run_ids`` selects runs and ``columns`` metrics, both read from disk selectively.
    """
    import pyarrow.compute as pc

    dataset, _ = _timeseries_dataset(Path(path))
    wanted = None if columns is None else list(dict.fromkeys(["run_id", "step", *columns]))
    where = None if run_ids is None else pc.field("run_id").isin(sorted({int(r) for r in run_ids}))
    table = dataset.to_table(columns=wanted, filter=where)
    return table.sort_by([("run_id", "ascending"), ("step", "ascending")]).to_pandas()


# ====================================================================== export
def export_csv(path: str | Path, out: str | Path | None = None, *, batch_rows: int = 500_000) -> list[Path]:
    """Write ``runs.csv`` (and ``timeseries.csv``) sorted by run id; each file appears complete or not at all.

    The time series is written in run-id ranges of about ``batch_rows`` rows, so memory stays bounded
    whatever the size of the sweep.
    """
    import pyarrow.compute as pc
    import pyarrow.csv as pacsv

    root = Path(path)
    spec = spec_of(root)
    target = Path(out) if out is not None else root
    target.mkdir(parents=True, exist_ok=True)
    written = []
    runs_csv = target / "runs.csv"
    temporary = runs_csv.with_name(".runs.csv.tmp")
    pacsv.write_csv(read_runs_table(root), temporary)
    temporary.replace(runs_csv)
    written.append(runs_csv)
    if spec.timeseries_every:
        dataset, schema = _timeseries_dataset(root)
        series_csv = target / "timeseries.csv"
        temporary = series_csv.with_name(".timeseries.csv.tmp")
        rows_per_run = spec.steps // spec.timeseries_every + 2
        span = max(1, batch_rows // rows_per_run)
        try:
            with pacsv.CSVWriter(temporary, schema) as writer:
                for first in range(0, spec.n_runs, span):
                    where = (pc.field("run_id") >= first) & (pc.field("run_id") < first + span)
                    batch = dataset.to_table(filter=where)
                    if batch.num_rows:
                        writer.write_table(batch.sort_by([("run_id", "ascending"), ("step", "ascending")]))
            temporary.replace(series_csv)
        finally:
            temporary.unlink(missing_ok=True)
        written.append(series_csv)
    return written
