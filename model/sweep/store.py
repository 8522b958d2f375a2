"""The sweep store: every finished run on disk at once, tidy Parquet tables, nothing kept for the end.

Layout of a sweep folder::

    manifest.json             spec, root seed, versions, git commit, sessions (start/end times)
    design.parquet            sampled designs only: the design matrix (input of the SALib analysis)
    journal.jsonl             runs finished since the last part was written (one JSON line per run)
    runs/part-000001.parquet  the runs table, one row per run, in chunks
    timeseries/part-000001.parquet   the long time-series table (run_id, step, metrics...), if asked

The folder format, its lock, durability, repair and verification are those of every results folder
(``model.store``: one writer at a time, a journal, Parquet parts published atomically with the runs
part as the commit point, ``engagement verify``); this module adds the sweep's schemas and readers.

Undefined values: an outcome that is undefined in a run (NaN in the model, e.g. ``loser_winner_ratio``
without winners) is null in the Parquet tables, as is every outcome of a failed run (tell them apart by
``status``); pandas reads null in a float column as NaN. The journal and the manifest are strict JSON
(``model.cli.dump_json``: null, never a bare ``NaN``).

Readers (``read_runs``, ``read_timeseries``) sort by run id, so a table never depends on the number
of workers or the order in which runs finished. ``elapsed_s`` (wall time of the run) is the only
column that differs between two executions of the same sweep.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from ..params import PARAM_NAMES
from ..store import JOURNAL, MANIFEST, RUNS, StoreError, TableStore, read_table, write_manifest
from ..store import export_csv as _export_csv
from ..store import read_manifest as _read_manifest
from .spec import INTEGER_METRICS, SweepSpec, param_kind
from .worker import RunOutput

if TYPE_CHECKING:
    import pandas as pd
    import pyarrow as pa

__all__ = ["DESIGN", "JOURNAL", "MANIFEST", "RUNS", "TIMESERIES", "TIMING_COLUMNS", "RunStore", "export_csv",
           "read_companies", "read_manifest", "read_runs", "read_runs_table", "read_timeseries", "runs_schema", "spec_of",
           "stored_run_ids", "timeseries_schema", "write_manifest"]
DESIGN = "design.parquet"
TIMESERIES = "timeseries"
COMPANIES = "companies"
#: Columns that vary between executions of the same sweep (leave them out when comparing tables).
TIMING_COLUMNS = ("elapsed_s",)


# ====================================================================== schemas
def runs_schema(spec: SweepSpec, extra_outcomes: Sequence[str] = ()) -> pa.Schema:
    """Columns of the runs table: ids, varied parameters, seed, status, error, outcomes, elapsed_s.

    ``extra_outcomes``: further numbers a run function returns (stored as float columns)."""
    import pyarrow as pa

    fields = [pa.field("run_id", pa.int64(), nullable=False), pa.field("point", pa.int64(), nullable=False),
              pa.field("replicate", pa.int64(), nullable=False), pa.field("seed", pa.int64(), nullable=False)]
    fields += [pa.field(name, _param_type(name)) for name in spec.varied]
    fields += [pa.field("status", pa.string(), nullable=False), pa.field("error", pa.string())]
    fields += [pa.field(name, _metric_type(name)) for name in spec.outcomes]
    fields += [pa.field(name, pa.float64()) for name in extra_outcomes if name not in spec.outcomes]
    fields.append(pa.field("elapsed_s", pa.float64()))
    # every other parameter too (fixed in the spec or at its default): a row is a complete record of its run
    fields += [pa.field(name, _param_type(name)) for name in PARAM_NAMES if name not in spec.varied]
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
class RunStore(TableStore):
    """The sweep's writer: ``model.store.TableStore`` with the spec's schemas (runs, time series)."""

    def __init__(self, root: str | Path, spec: SweepSpec, *, chunk_rows: int = 1000, flush_seconds: float = 30.0,
                 timeseries_chunk_rows: int = 100_000, extra_outcomes: Sequence[str] = ()) -> None:
        schemas = {RUNS: runs_schema(spec, extra_outcomes)}
        if (series := timeseries_schema(spec)) is not None:
            schemas[TIMESERIES] = series
        super().__init__(root, spec.n_runs, schemas, chunk_rows=chunk_rows, flush_seconds=flush_seconds,
                         table_chunk_rows=timeseries_chunk_rows)
        self.spec = spec

    def add_output(self, output: RunOutput) -> bool:
        """Store one finished run (journal now, a part soon); False if its id is already stored."""
        return self.add(output.row["run_id"], {RUNS: output.row, TIMESERIES: output.timeseries,
                                               COMPANIES: output.companies})


# ====================================================================== manifest
def read_manifest(path: str | Path) -> dict[str, Any]:
    """The manifest of a sweep folder; ValueError (one line) if the folder holds no sweep."""
    manifest = _read_manifest(path)
    if not isinstance(manifest.get("spec"), dict):
        raise StoreError(f"{str(path)!r} holds no sweep (its {MANIFEST} has no spec)")
    return manifest


def spec_of(path: str | Path) -> SweepSpec:
    """The specification recorded in a sweep folder's manifest."""
    return SweepSpec.from_dict(read_manifest(path)["spec"], source=f"{Path(path) / MANIFEST}")


# ====================================================================== readers
def read_runs_table(path: str | Path, columns: Sequence[str] | None = None) -> pa.Table:
    """The runs table as a pyarrow Table, sorted by run id (parts plus journal of an interrupted sweep)."""
    manifest = read_manifest(path)
    spec = SweepSpec.from_dict(manifest["spec"], source=f"{Path(path) / MANIFEST}")
    schema = runs_schema(spec, manifest.get("extra_outcomes", ()))
    table = read_table(path, RUNS, schema=schema)
    return table.select(list(columns)) if columns is not None else table


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


def read_companies(path: str | Path, run_ids: Iterable[int] | None = None) -> pd.DataFrame:
    """The company-level table of a sweep run with ``--companies``: one row per company ever in the market
    of each run (``run_id``, then ``model.metrics.COMPANY_COLUMNS``), sorted by run id."""
    root = Path(path)
    if not read_manifest(root).get("companies"):
        raise StoreError(f"the sweep in {str(root)!r} kept no company table (run it with --companies)")
    return read_table(root, COMPANIES, run_ids=run_ids).to_pandas()


def _timeseries_schema_of(root: Path) -> pa.Schema:
    schema = timeseries_schema(spec_of(root))
    if schema is None:
        raise StoreError(f"the sweep in {str(root)!r} kept no time series (timeseries_every = 0)")
    return schema


def read_timeseries(path: str | Path, run_ids: Iterable[int] | None = None,
                    columns: Sequence[str] | None = None) -> pd.DataFrame:
    """The long time-series table (run_id, step, metrics...), sorted by run id and step.

    ``run_ids`` selects runs and ``columns`` metrics, both read from disk selectively.
    """
    root = Path(path)
    schema = _timeseries_schema_of(root)
    wanted = None if columns is None else list(dict.fromkeys(["step", *columns]))
    table = read_table(root, TIMESERIES, columns=wanted, run_ids=run_ids, schema=schema)
    return table.sort_by([("run_id", "ascending"), ("step", "ascending")]).to_pandas()


# ====================================================================== export
def export_csv(path: str | Path, out: str | Path | None = None, *, batch_rows: int = 500_000) -> list[Path]:
    """Write ``runs.csv`` (and ``timeseries.csv``) sorted by run id (``model.store.export_csv``)."""
    read_manifest(path)
    return _export_csv(path, out, batch_rows=batch_rows)
