"""The one results-folder format of ``engagement run``, ``experiment`` and ``sweep``, and ``engagement verify``.

Layout of a results folder::

    manifest.json            kind (run, experiment, sweep), provenance, status, what the tables are
    .lock                    the writer's lock (an OS file lock; the file holds the writer's pid)
    journal.jsonl            runs finished since the last part was written (only while a writer works)
    runs/part-000001.parquet one row per run (``run_id`` first), in parts: the commit point of a part
    NAME/part-000001.parquet further long tables of the same runs (time series, companies...), if any
    *.png, *.svg             figures (experiments, runs)

Writing. One writer at a time: ``claim`` takes an exclusive ``flock`` on ``.lock`` that the kernel
releases when its holder dies, so a killed writer never blocks the next one and a second live writer
is refused in one line naming the holder's pid. Under the lock, leftovers of a killed writer (hidden
``.staging-*`` folders and ``.*.tmp`` files) are removed. A folder that already holds results is
refused unless the caller resumes (``--resume``) or replaces it (``--overwrite``).

Durability (``TableStore``). A finished run is appended to the journal with one ``write``; every
``chunk_rows`` runs (or ``flush_seconds``) the buffered runs become one Parquet part per table, each
written under a temporary name, fsync'ed and renamed, the runs part last. The runs part's metadata
lists the row count of every sibling part, so a missing or truncated sibling is detected. ``open``
checks every part and moves any part group that does not verify into ``quarantine/``; its runs are
then simply run again (a run's seed depends only on its id, so the rows come out identical).

Reading. ``read_table`` reads the parts with ``pyarrow.dataset`` plus the journal's runs not yet in a
part, sorted by run id (stable: a run's rows keep their order); ``verify`` lists every problem in one
line each, and readers for analysis (``require_verified``) refuse a folder that does not verify.
"""

from __future__ import annotations

import argparse
import contextlib
import errno
import fcntl
import json
import os
import shutil
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Self

import numpy as np

if TYPE_CHECKING:
    import pandas as pd
    import pyarrow as pa

FORMAT = "engagement-results/2"
MANIFEST = "manifest.json"
JOURNAL = "journal.jsonl"
LOCK = ".lock"
RUNS = "runs"
KEY = "run_id"
QUARANTINE = "quarantine"
STATUS_FAILED = "failed"
#: Metadata key, in each runs part, of the sibling parts' row counts.
_SIBLINGS = b"engagement.siblings"
#: Entries of a results folder that are not results (an otherwise empty folder may hold them).
_NOT_RESULTS = {LOCK}


class StoreError(ValueError):
    """A results folder cannot be used as asked: reported as one line, exit status 2."""


# ====================================================================== one writer at a time
class FolderLock:
    """An exclusive ``flock`` on ``FOLDER/.lock``; the kernel releases it when the holder dies."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._fd: int | None = None
        #: the folder did not exist before ``claim``: ``abandon`` removes it again
        self.created = False

    def acquire(self) -> FolderLock:
        path = self.folder / LOCK
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _read_pid(fd)
            os.close(fd)
            who = f"process {holder}" if holder else "another process"
            raise StoreError(f"{str(self.folder)!r} is being written by {who}; wait until it has finished "
                             f"(or stop it), then use --resume") from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        self._fd = fd
        return self

    def release(self) -> None:
        if self._fd is not None:
            with contextlib.suppress(OSError):
                os.ftruncate(self._fd, 0)
            os.close(self._fd)  # closing the descriptor releases the flock
            self._fd = None

    def abandon(self) -> None:
        """Release the lock after a refusal: a folder created for nothing is removed again."""
        self.release()
        if self.created and not results_in(self.folder):
            shutil.rmtree(self.folder, ignore_errors=True)

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()


def _read_pid(fd: int) -> int | None:
    try:
        text = os.pread(fd, 32, 0).decode().strip()
        return int(text) if text else None
    except (OSError, ValueError):
        return None


def claim(folder: str | Path, *, resume: bool = False, overwrite: bool = False,
          option: str = "--out") -> FolderLock:
    """Lock ``folder`` for writing (creating it), clean a killed writer's leftovers, apply the policy.

    A folder holding results is refused unless ``resume`` (continue it) or ``overwrite`` (the caller
    replaces its contents). Returns the held lock; release it (or use it as a context manager).
    """
    if resume and overwrite:
        raise StoreError("--resume and --overwrite exclude each other: continue the results or replace them")
    if str(folder).strip() == "":
        raise StoreError(f"{option} is empty; name a folder")
    folder = Path(folder)
    if folder.exists() and not folder.is_dir():
        raise StoreError(f"output folder {str(folder)!r} ({option}) is a file, not a folder")
    try:
        created = not folder.exists()
        folder.mkdir(parents=True, exist_ok=True)
        lock = FolderLock(folder)
        lock.created = created
        lock.acquire()
    except StoreError:
        raise
    except OSError as error:
        raise StoreError(f"output folder {str(folder)!r} ({option}) is not writable: {error.strerror}") from None
    try:
        remove_leftovers(folder)
        held = results_in(folder)
        if held and not (resume or overwrite):
            what = _describe_manifest(folder)
            raise StoreError(f"{str(folder)!r} already holds {what}; pass --resume to continue it, --overwrite "
                             f"to replace it, or choose another folder")
    except BaseException:
        lock.abandon()
        raise
    return lock


def results_in(folder: Path) -> list[str]:
    """Names of the entries of ``folder`` that are results (everything but the lock)."""
    try:
        return sorted(entry.name for entry in folder.iterdir() if entry.name not in _NOT_RESULTS)
    except FileNotFoundError:
        return []


def remove_leftovers(folder: Path) -> list[Path]:
    """Remove what a killed writer left: hidden staging folders and temporary files (returns them)."""
    removed = []
    for entry in list(folder.iterdir()):
        if entry.name.startswith(".staging-") or (entry.name.startswith(".") and entry.name.endswith(".tmp")):
            if entry.is_dir():
                shutil.rmtree(entry, ignore_errors=True)
            else:
                entry.unlink(missing_ok=True)
            removed.append(entry)
        elif entry.is_dir() and not entry.name.startswith("."):
            for temporary in entry.glob(".*.tmp"):
                temporary.unlink(missing_ok=True)
                removed.append(temporary)
    return removed


def clear(folder: Path) -> None:
    """Remove every result of ``folder`` (``--overwrite`` of a sweep; the caller holds the lock)."""
    for name in results_in(folder):
        entry = folder / name
        if entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry)
        else:
            entry.unlink()


def replace_contents(folder: Path, staging: Path) -> None:
    """Make ``folder`` hold exactly what ``staging`` holds: the old results stay until the new ones are
    complete, then stale entries are removed and each new entry is renamed into place (``--overwrite``)."""
    new = {entry.name for entry in staging.iterdir()}
    for name in results_in(folder):
        entry = folder / name
        if name == staging.name or name in new:  # (mkdtemp gives an absolute path, the folder may be relative)
            continue
        if entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry)
        else:
            entry.unlink()
    publish(staging, folder)


def publish(staging: Path, out: Path) -> None:
    """Move every entry of a finished staging folder into ``out`` (each rename is atomic)."""
    for item in sorted(staging.iterdir()):
        target = out / item.name
        if target.is_dir() and not target.is_symlink():
            shutil.rmtree(target)
        item.replace(target)
    shutil.rmtree(staging, ignore_errors=True)
    fsync_dir(out)


def _describe_manifest(folder: Path) -> str:
    try:
        manifest = json.loads((folder / MANIFEST).read_text())
    except (OSError, ValueError):
        return "files"
    kind = manifest.get("kind") or ("sweep" if "spec" in manifest else "experiment" if "experiment" in manifest
                                    else "results")
    status = manifest.get("status")
    return f"a {status} {kind}" if isinstance(status, str) else f"a {kind}"


# ====================================================================== manifest
def read_manifest(folder: str | Path) -> dict[str, Any]:
    """The manifest of a results folder; StoreError (one line) if it is missing or unreadable."""
    path = Path(folder) / MANIFEST
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise StoreError(f"{str(folder)!r} holds no results ({MANIFEST} missing)") from None
    except (OSError, ValueError) as error:
        raise StoreError(f"cannot read {path}: {_first_line(error)}") from None
    if not isinstance(manifest, dict):
        raise StoreError(f"cannot read {path}: not a JSON object")
    return manifest


def write_manifest(folder: str | Path, manifest: Mapping[str, Any]) -> None:
    """Write the manifest atomically (strict JSON: an undefined value is null)."""
    from .cli import dump_json

    write_bytes_atomically(Path(folder) / MANIFEST, (dump_json(manifest, indent=2) + "\n").encode())


def write_bytes_atomically(target: Path, data: bytes) -> None:
    temporary = target.with_name(f".{target.name}.tmp")
    try:
        with temporary.open("wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        temporary.replace(target)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


# ====================================================================== the table store (writer)
class TableStore:
    """The writer of a results folder's tables: ``open`` (checks and repairs), ``add`` each run, ``close``.

    ``schemas`` gives each table's Arrow schema, or ``None`` to take it from the first run that has the
    table. Each run is ``add``-ed with a dict of tables: the ``runs`` row as a dict, every other table as
    columns (dict of lists, a pandas DataFrame or an Arrow table).
    """

    def __init__(self, root: str | Path, n_runs: int, schemas: Mapping[str, pa.Schema | None] | None = None, *,
                 chunk_rows: int = 1000, flush_seconds: float = 30.0, table_chunk_rows: int = 200_000) -> None:
        self.root = Path(root)
        self.n_runs = int(n_runs)
        self.schemas: dict[str, pa.Schema | None] = dict(schemas or {})
        self.schemas.setdefault(RUNS, None)
        self.chunk_rows = max(1, int(chunk_rows))
        self.flush_seconds = float(flush_seconds)
        self.table_chunk_rows = max(1, int(table_chunk_rows))
        self.stored = np.zeros(self.n_runs, dtype=bool)
        self.failed_ids: set[int] = set()
        self.repairs: list[str] = []
        self._rows: list[dict[str, Any]] = []
        self._tables: dict[str, list[tuple[int, pa.Table]]] = {}
        self._table_rows = 0
        self._last_flush = time.monotonic()
        self._sequence = 0
        self._journal: int | None = None

    @property
    def n_stored(self) -> int:
        return int(self.stored.sum())

    # -------------------------------------------------------------- opening: check, repair, replay
    def open(self, *, retry_failed: bool = False) -> None:
        """Check every stored part, quarantine what does not verify, replay the journal, start a new one."""
        (self.root / RUNS).mkdir(parents=True, exist_ok=True)
        remove_leftovers(self.root)
        groups = _part_groups(self.root)
        for number in sorted(groups):
            files = groups[number]
            problem, ids, statuses = _check_group(self.root, number, files, self.n_runs, self.stored)
            if problem is not None:
                self._quarantine(files, problem)
                continue
            self.stored[ids] = True
            self.failed_ids.update(int(i) for i, s in zip(ids, statuses, strict=True) if s == STATUS_FAILED)
            self._sequence = max(self._sequence, number)
        for table, path in _stray_files(self.root, groups):
            self._quarantine({table: path}, "not a part of this store")
        if retry_failed and self.failed_ids:
            self._drop_failed()
        for record, problem in _journal_records(self.root / JOURNAL, self.n_runs):
            if problem is None and not (retry_failed and _row_failed(record)):
                self._buffer(int(record["id"]), record["tables"])
        self.flush()  # recovered runs go into a part before the journal is emptied
        self._journal = os.open(self.root / JOURNAL, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_TRUNC, 0o644)

    def _quarantine(self, files: Mapping[str, Path], problem: str) -> None:
        target = self.root / QUARANTINE
        target.mkdir(exist_ok=True)
        for table, path in files.items():
            if path.exists():
                path.replace(target / f"{table}-{path.name}")
        self.repairs.append(f"{', '.join(str(p.relative_to(self.root)) for p in files.values())}: {problem}; "
                            f"moved to {QUARANTINE}/, its runs are run again")

    def _drop_failed(self) -> None:
        """``--retry-failed``: rewrite each part group without its failed runs (they are run again)."""
        import pyarrow.compute as pc

        failed = sorted(self.failed_ids)
        for _number, files in sorted(_part_groups(self.root).items()):
            runs = _read_parquet(files[RUNS])
            drop = pc.is_in(runs[KEY], value_set=_pa().array(failed, _pa().int64()))
            if not pc.any(drop).as_py():
                continue
            kept = runs.filter(pc.invert(drop))
            siblings = {}
            for table, path in files.items():
                if table != RUNS:
                    part = _read_parquet(path)
                    siblings[table] = part.filter(pc.is_in(part[KEY], value_set=kept[KEY]))
            if kept.num_rows == 0:
                for path in files.values():
                    path.unlink()
                continue
            for table, part in siblings.items():
                write_parquet_atomically(part, files[table])
            write_parquet_atomically(_with_siblings(kept, {t: p.num_rows for t, p in siblings.items()}), files[RUNS])
        self.stored[failed] = False
        self.failed_ids.clear()

    # -------------------------------------------------------------- adding runs
    def add(self, run_id: int, tables: Mapping[str, Any]) -> bool:
        """Store one finished run (journal now, a part soon); False if its id is already stored."""
        from .cli import dump_json

        run_id = int(run_id)
        if not 0 <= run_id < self.n_runs:
            raise StoreError(f"run id {run_id} is outside this store's 0..{self.n_runs - 1}")
        if self.stored[run_id]:
            return False
        plain = {name: _columns(value) if name != RUNS else dict(value) for name, value in tables.items()}
        line = dump_json({"id": run_id, "tables": plain}, compact=True) + "\n"
        _write_all(self._journal, line.encode())  # type: ignore[arg-type]
        self._buffer(run_id, plain)
        if (len(self._rows) >= self.chunk_rows or self._table_rows >= self.table_chunk_rows
                or time.monotonic() - self._last_flush >= self.flush_seconds):
            self.flush()
        return True

    def _buffer(self, run_id: int, tables: Mapping[str, Any]) -> None:
        if self.stored[run_id]:  # a journal line whose part was written just before an interruption
            return
        row = {KEY: run_id, **{k: v for k, v in dict(tables[RUNS]).items() if k != KEY}}
        self.stored[run_id] = True
        if row.get("status") == STATUS_FAILED:
            self.failed_ids.add(run_id)
        self._rows.append(row)
        for name, columns in tables.items():
            if name == RUNS or columns is None:
                continue
            table = self._as_table(name, run_id, columns)
            if table.num_rows:
                self._tables.setdefault(name, []).append((run_id, table))
                self._table_rows += table.num_rows

    def _as_table(self, name: str, run_id: int, columns: Any) -> pa.Table:
        pa = _pa()
        table = _arrow(columns)
        if KEY in table.column_names:
            table = table.drop_columns([KEY])
        table = table.add_column(0, KEY, pa.array(np.full(table.num_rows, run_id, dtype=np.int64)))
        schema = self.schemas.get(name)
        if schema is None:
            return table
        return _conform(table, schema)

    def flush(self) -> None:
        """Write the buffered runs as one part per table (runs last), then empty the journal."""
        self._last_flush = time.monotonic()
        if not self._rows:
            return
        pa = _pa()
        self._sequence += 1
        name = f"part-{self._sequence:06d}.parquet"
        counts = {}
        for table_name, items in sorted(self._tables.items()):
            items.sort(key=lambda item: item[0])
            tables = [table for _, table in items]
            table = (pa.concat_tables(tables, promote_options="permissive") if len(tables) > 1 else tables[0])
            (self.root / table_name).mkdir(exist_ok=True)
            write_parquet_atomically(table, self.root / table_name / name)
            counts[table_name] = table.num_rows
        rows = sorted(self._rows, key=lambda row: row[KEY])
        schema = self.schemas.get(RUNS)
        runs = pa.Table.from_pylist(rows, schema=schema) if schema is not None else _rows_table(rows)
        write_parquet_atomically(_with_siblings(runs, counts), self.root / RUNS / name)
        for folder in {*self._tables, RUNS}:  # every rename durable before the journal lines go
            fsync_dir(self.root / folder)
        if self._journal is not None:
            os.ftruncate(self._journal, 0)
        self._rows.clear()
        self._tables.clear()
        self._table_rows = 0

    def close(self) -> None:
        """Write what is buffered and close the journal (safe to call twice)."""
        if self._journal is None:
            return
        try:
            self.flush()
        finally:
            os.close(self._journal)
            self._journal = None
        (self.root / JOURNAL).unlink(missing_ok=True)


# ====================================================================== checking parts
def _part_groups(root: Path) -> dict[int, dict[str, Path]]:
    """Part files by part number, then table name, for every part number that has a runs part."""
    groups: dict[int, dict[str, Path]] = {}
    for path in sorted((root / RUNS).glob("part-*.parquet")):
        number = _part_number(path.name)
        if number is not None and path.is_file():
            groups.setdefault(number, {})[RUNS] = path
    for folder in sorted(root.iterdir()):
        if not folder.is_dir() or folder.name in (RUNS, QUARANTINE) or folder.name.startswith("."):
            continue
        for path in sorted(folder.glob("part-*.parquet")):
            number = _part_number(path.name)
            if number in groups and path.is_file():
                groups[number][folder.name] = path
    return groups


def _stray_files(root: Path, groups: Mapping[int, Mapping[str, Path]]) -> list[tuple[str, Path]]:
    """Entries of table folders that are no part of a group: foreign files, folders, orphan parts (a table's
    part whose runs part is missing: killed between two renames of a flush)."""
    known = {path for files in groups.values() for path in files.values()}
    tables = {RUNS} | {name for files in groups.values() for name in files}
    folders = [root / RUNS] + sorted(folder for folder in root.iterdir() if folder.is_dir() and folder.name != RUNS
                                      and folder.name != QUARANTINE and not folder.name.startswith("."))
    strays = []
    for folder in folders:
        # in a table's folder anything foreign is stray; elsewhere (figures/, analysis/) only Parquet parts
        entries = folder.iterdir() if folder.name in tables else folder.glob("part-*.parquet")
        strays += [(folder.name, entry) for entry in sorted(entries)
                   if not entry.name.startswith(".") and entry not in known]
    return strays


def _check_group(root: Path, number: int, files: Mapping[str, Path], n_runs: int,
                 stored: np.ndarray) -> tuple[str | None, np.ndarray, list[Any]]:
    """(problem or None, run ids, statuses) of one part group."""
    import pyarrow.parquet as pq

    empty = np.zeros(0, dtype=np.int64)
    try:
        runs = pq.read_table(files[RUNS])
    except Exception as error:  # noqa: BLE001 - any unreadable file is one problem, not a traceback
        return f"unreadable ({_first_line(error)})", empty, []
    if KEY not in runs.column_names:
        return f"has no {KEY} column", empty, []
    ids = np.asarray(runs[KEY].to_numpy(zero_copy_only=False))
    if ids.dtype.kind not in "iu":
        return f"{KEY} is not a whole number", empty, []
    if ids.size and (ids.min() < 0 or ids.max() >= n_runs):
        bad = int(ids[(ids < 0) | (ids >= n_runs)][0])
        return f"holds run id {bad}, outside 0..{n_runs - 1}", empty, []
    if np.unique(ids).size != ids.size or (ids.size and stored[ids].any()):
        return "holds a run id stored twice", empty, []
    metadata = runs.schema.metadata or {}
    expected = json.loads(metadata[_SIBLINGS]) if _SIBLINGS in metadata else None
    for table, path in files.items():
        if table == RUNS:
            continue
        try:
            part_ids = pq.read_table(path, columns=[KEY])[KEY].to_numpy()
        except Exception as error:  # noqa: BLE001
            return f"{table} part unreadable ({_first_line(error)})", empty, []
        if not np.isin(part_ids, ids).all():
            return f"{table} part holds runs that its runs part lacks", empty, []
        if expected is not None and expected.get(table) != part_ids.size:
            return f"{table} part has {part_ids.size} rows, {expected.get(table)} were written", empty, []
    if expected is not None:
        for table, rows in expected.items():
            if table not in files and rows:
                return f"{table} part with {rows} rows is missing", empty, []
    statuses = runs["status"].to_pylist() if "status" in runs.column_names else [None] * ids.size
    return None, ids, statuses


def _journal_records(path: Path, n_runs: int) -> Iterator[tuple[dict[str, Any], str | None]]:
    """Each complete journal line as (record, problem); a torn last line is skipped silently."""
    try:
        handle = path.open("rb")
    except FileNotFoundError:
        return
    with handle:
        for number, line in enumerate(handle, 1):
            if not line.endswith(b"\n"):
                continue  # torn by an interruption: its run is simply run again
            try:
                record = json.loads(line)
            except ValueError:
                yield {}, f"journal line {number} is not JSON"
                continue
            if not (isinstance(record, dict) and isinstance(record.get("tables"), dict)
                    and isinstance(record["tables"].get(RUNS), dict)
                    and isinstance(record.get("id"), int) and not isinstance(record.get("id"), bool)):
                yield {}, f"journal line {number} is not a stored run"
                continue
            if not 0 <= record["id"] < n_runs:
                yield {}, f"journal line {number} holds run id {record['id']}, outside 0..{n_runs - 1}"
                continue
            yield record, None


def _row_failed(record: Mapping[str, Any]) -> bool:
    return record["tables"][RUNS].get("status") == STATUS_FAILED


# ====================================================================== reading
def read_table(folder: str | Path, name: str = RUNS, *, columns: Sequence[str] | None = None,
               run_ids: Iterable[int] | None = None, schema: pa.Schema | None = None) -> pa.Table:
    """Table ``name`` of a results folder as an Arrow table, sorted by run id (stable within a run).

    Reads the parts with ``pyarrow.dataset`` (only the ``columns`` and ``run_ids`` asked for) plus the
    journal's runs not yet in a part (a sweep that is running or was interrupted).
    """
    import pyarrow.compute as pc
    import pyarrow.dataset as ds

    pa = _pa()
    root = Path(folder)
    n_runs = int(read_manifest(root).get("n_runs") or 0)
    journal = [record for record, problem in _journal_records(root / JOURNAL, n_runs or 1 << 62) if not problem]
    groups = _part_groups(root) if (root / RUNS).is_dir() else {}
    parts = [files[name] for _, files in sorted(groups.items()) if name in files]
    schemas = [_part_schema(path) for path in parts]
    if schema is None:
        schema = pa.unify_schemas(schemas, promote_options="permissive") if schemas else None
    wanted = None if columns is None else list(dict.fromkeys([KEY, *columns]))
    where = None if run_ids is None else pc.field(KEY).isin(sorted({int(r) for r in run_ids}))
    tables = []
    if parts:
        tables.append(ds.dataset(parts, schema=schema, format="parquet").to_table(columns=wanted, filter=where))
    in_parts = set()
    if journal:
        for path in (files[RUNS] for files in groups.values()):
            in_parts.update(_pa_read_ids(path))
        wanted_ids = None if run_ids is None else {int(r) for r in run_ids}
        extra = []
        for record in {r["id"]: r for r in journal if r["id"] not in in_parts}.values():
            if wanted_ids is not None and record["id"] not in wanted_ids:
                continue
            value = record["tables"].get(name)
            if value is None:
                continue
            table = (_rows_table([{KEY: record["id"], **value}]) if name == RUNS
                     else _arrow(value).add_column(0, KEY, pa.array([record["id"]] * _length(value), pa.int64())))
            extra.append(_conform(table, schema) if schema is not None else table)
        if extra:
            journal_table = pa.concat_tables(extra, promote_options="permissive")
            if wanted is not None:
                journal_table = journal_table.select([c for c in wanted if c in journal_table.column_names])
            tables.append(journal_table)
    if not tables:
        if schema is None:
            raise StoreError(f"{str(root)!r} holds no table '{name}'")
        empty = schema.empty_table()
        return empty.select(wanted) if wanted else empty
    table = pa.concat_tables(tables, promote_options="permissive") if len(tables) > 1 else tables[0]
    order = pc.sort_indices(table, sort_keys=[(KEY, "ascending")])
    return table.take(order)


def read_frame(folder: str | Path, name: str = RUNS, **kwargs: Any) -> pd.DataFrame:
    """``read_table`` as pandas; whole-number columns as nullable ``Int64`` (a failed run's count is <NA>)."""
    import pandas as pd

    pa = _pa()
    return read_table(folder, name, **kwargs).to_pandas(types_mapper={pa.int64(): pd.Int64Dtype()}.get)


def table_names(folder: str | Path) -> list[str]:
    """The tables stored in a results folder (``runs`` first)."""
    root = Path(folder)
    names = {name for files in _part_groups(root).values() for name in files} if (root / RUNS).is_dir() else set()
    return sorted(names, key=lambda name: (name != RUNS, name))


def stored_ids(folder: str | Path) -> np.ndarray:
    """Run ids stored so far, sorted."""
    return np.asarray(read_table(folder, RUNS, columns=[])[KEY].to_numpy(), dtype=np.int64)


def _part_schema(path: Path) -> pa.Schema:
    import pyarrow.parquet as pq

    return pq.read_schema(path).remove_metadata()


def _pa_read_ids(path: Path) -> list[int]:
    import pyarrow.parquet as pq

    return pq.read_table(path, columns=[KEY])[KEY].to_pylist()


# ====================================================================== verify
def verify(folder: str | Path) -> list[str]:
    """Every problem of a results folder, one line each (empty when it verifies)."""
    root = Path(folder)
    problems: list[str] = []
    try:
        manifest = read_manifest(root)
    except StoreError as error:
        return [str(error)]
    n_runs = manifest.get("n_runs")
    if not isinstance(n_runs, int) or isinstance(n_runs, bool) or n_runs < 0:
        return [f"{root / MANIFEST}: n_runs is missing or not a whole number"]
    status = manifest.get("status")
    if status not in ("complete", None):
        problems.append(f"{root / MANIFEST}: status is '{status}' (resume it with --resume)")
    if (root / RUNS).is_dir():
        stored = np.zeros(n_runs, dtype=bool)
        groups = _part_groups(root)
        for number in sorted(groups):
            problem, ids, _ = _check_group(root, number, groups[number], n_runs, stored)
            if problem is not None:
                problems.append(f"{groups[number][RUNS].relative_to(root)}: {problem}")
            else:
                stored[ids] = True
        for table, path in _stray_files(root, groups):
            problems.append(f"{path.relative_to(root)}: not a part of this store ({table})")
        for record, problem in _journal_records(root / JOURNAL, n_runs):
            if problem is not None:
                problems.append(f"{JOURNAL}: {problem}")
            elif stored[record["id"]]:
                continue
            else:
                stored[record["id"]] = True
        expected = np.ones(n_runs, dtype=bool)
        shard = manifest.get("shard")
        if isinstance(shard, list) and len(shard) == 2:  # one task of a job array holds every n-th run id
            expected[:] = False
            expected[int(shard[0])::int(shard[1])] = True
        missing_ids = np.flatnonzero(expected & ~stored)
        if missing_ids.size and status == "complete":
            problems.append(f"{missing_ids.size} of {int(expected.sum())} runs are not stored "
                            f"(first: run id {int(missing_ids[0])})")
    elif n_runs and not (root / "figure_data").is_dir():  # committed experiments keep figures and their data
        problems.append(f"{RUNS}/: missing; {n_runs} runs were expected")
    for name in manifest.get("figures", []) or []:
        if not (root / name).is_file():
            problems.append(f"{name}: figure listed in the manifest is missing")
    return problems


def require_verified(folder: str | Path, *, allow_incomplete: bool = False) -> None:
    """StoreError (one line: the first problem and how many there are) unless ``folder`` verifies."""
    problems = verify(folder)
    if allow_incomplete:
        problems = [p for p in problems if "status is" not in p and "are not stored" not in p]
    if problems:
        more = f" (and {len(problems) - 1} more problems)" if len(problems) > 1 else ""
        raise StoreError(f"{str(folder)!r} does not verify: {problems[0]}{more}; see `engagement verify {folder}`")


def add_verify_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("folder", metavar="DIR", help="a results folder (of a run, an experiment or a sweep)")


def verify_main(args: argparse.Namespace) -> int:
    """``engagement verify DIR``: one line per problem; exit 0 when the folder verifies, 1 otherwise."""
    if not Path(args.folder).is_dir():
        raise StoreError(f"{args.folder!r} is not a folder")
    problems = verify(args.folder)
    for problem in problems:
        print(f"{args.folder}: {problem}")
    if problems:
        print(f"{len(problems)} problem{'s' if len(problems) != 1 else ''}; `--resume` recomputes every run "
              f"that is not verifiably stored")
        return 1
    manifest = read_manifest(args.folder)
    tables = table_names(args.folder) if (Path(args.folder) / RUNS).is_dir() else []
    held = (f"tables: {', '.join(tables)}" if tables
            else "figures and the data they are drawn from; rerun the experiment for its tables")
    print(f"{args.folder}: ok ({manifest.get('kind', 'results')}, {manifest.get('n_runs')} runs, {held})")
    return 0


# ====================================================================== Arrow helpers
def _pa():
    import pyarrow as pa

    return pa


def _columns(value: Any) -> dict[str, list[Any]] | None:
    """A table as plain columns (for the JSON journal)."""
    if value is None:
        return None
    if isinstance(value, Mapping):
        return {str(k): list(np.asarray(v).tolist()) if not isinstance(v, list) else v for k, v in value.items()}
    if hasattr(value, "to_pydict"):
        return value.to_pydict()
    if hasattr(value, "to_dict"):  # pandas
        return {str(column): value[column].tolist() for column in value.columns}
    raise TypeError(f"cannot store a table of type {type(value).__name__}")


def _length(columns: Mapping[str, list[Any]]) -> int:
    return len(next(iter(columns.values()))) if columns else 0


def _arrow(value: Any) -> pa.Table:
    pa = _pa()
    if isinstance(value, pa.Table):
        return value
    if isinstance(value, Mapping):
        return pa.table({k: pa.array(v, from_pandas=True) for k, v in value.items()})
    return pa.Table.from_pandas(value, preserve_index=False)


def _rows_table(rows: list[dict[str, Any]]) -> pa.Table:
    pa = _pa()
    names = list(dict.fromkeys(name for row in rows for name in row))
    return pa.table({name: pa.array([row.get(name) for row in rows], from_pandas=True) for name in names})


def _conform(table: pa.Table, schema: pa.Schema) -> pa.Table:
    """``table`` with ``schema``'s columns and types where it can be cast; extra columns are kept."""
    pa = _pa()
    columns, fields = [], []
    for field in schema:
        if field.name in table.column_names:
            column = table[field.name]
            with contextlib.suppress(pa.ArrowInvalid, pa.ArrowNotImplementedError):
                column = column.cast(field.type)
        else:
            column = pa.nulls(table.num_rows, field.type)
        columns.append(column)
        fields.append(pa.field(field.name, column.type))
    for name in table.column_names:
        if name not in schema.names:
            columns.append(table[name])
            fields.append(pa.field(name, table[name].type))
    return pa.Table.from_arrays(columns, schema=pa.schema(fields))


def _with_siblings(table: pa.Table, counts: Mapping[str, int]) -> pa.Table:
    metadata = dict(table.schema.metadata or {})
    metadata[_SIBLINGS] = json.dumps(dict(sorted(counts.items()))).encode()
    return table.replace_schema_metadata(metadata)


def write_parquet_atomically(table: pa.Table, target: Path) -> None:
    """Write a Parquet file under a temporary name, fsync it and rename it into place."""
    import pyarrow.parquet as pq

    temporary = target.with_name(f".{target.name}.tmp")
    try:
        pq.write_table(table, temporary, compression="zstd")
        with temporary.open("rb") as handle:
            os.fsync(handle.fileno())
        temporary.replace(target)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def _read_parquet(path: Path, columns: Sequence[str] | None = None) -> pa.Table:
    import pyarrow.parquet as pq

    return pq.read_table(path, columns=list(columns) if columns else None)


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        view = view[written:]


def fsync_dir(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _part_number(name: str) -> int | None:
    digits = name.removeprefix("part-").removesuffix(".parquet")
    return int(digits) if digits.isdigit() else None


def _first_line(error: BaseException) -> str:
    text = str(error).strip().splitlines()
    return text[0] if text else type(error).__name__


def disk_error_message(error: OSError, where: str | Path, *, resumable: bool = True) -> str:
    """One line for an OSError while writing results (disk full, read-only, permissions)."""
    again = "free some space and rerun with --resume" if resumable else "free some space and try again"
    if error.errno == errno.ENOSPC:
        return f"no space left on the device while writing {where}; {again}"
    if error.errno == errno.EDQUOT:
        return f"disk quota exceeded while writing {where}; {again}"
    return f"cannot write {where}: {error.strerror or _first_line(error)}"


# ====================================================================== export
def export_csv(folder: str | Path, out: str | Path | None = None, *, batch_rows: int = 500_000,
               tables: Sequence[str] | None = None) -> list[Path]:
    """Write ``NAME.csv`` for each table (``runs`` first), sorted by run id; each file appears complete or
    not at all. Long tables are written in run-id ranges of about ``batch_rows`` rows (bounded memory).

    The 63-bit ``seed`` is written as text with a leading ``s`` (``s7918559808641415721``): R's
    ``read.csv`` and spreadsheets turn a long number into a double and lose its last digits, but keep
    text exactly; ``engagement run --seed 7918559808641415721`` then repeats the run. (The Parquet tables
    keep the seed as a 64-bit integer, which R's arrow package reads exactly.)
    """
    import pyarrow.csv as pacsv

    root = Path(folder)
    require_verified(root, allow_incomplete=True)
    manifest = read_manifest(root)
    n_runs = int(manifest.get("n_runs") or 0)
    target = Path(out) if out is not None else root
    if str(target).strip() == "":
        raise StoreError("--out is empty; name a folder")
    target.mkdir(parents=True, exist_ok=True)
    written = []
    for name in tables or table_names(root):
        path = target / f"{name}.csv"
        temporary = path.with_name(f".{path.name}.tmp")
        schema = pa_schema_of(root, name)
        rows_per_run = _rows_per_run(root, name)
        span = max(1, batch_rows // rows_per_run) if name != RUNS else max(n_runs, 1)
        try:
            writer = None
            for first in range(0, max(n_runs, 1), span):
                batch = read_table(root, name, run_ids=range(first, min(first + span, max(n_runs, 1))), schema=schema)
                batch = travel_ready(batch)
                if writer is None:
                    writer = pacsv.CSVWriter(temporary, batch.schema)
                if batch.num_rows:
                    writer.write_table(batch)
            if writer is None:
                raise StoreError(f"{str(root)!r} holds no table '{name}'")
            writer.close()
            temporary.replace(path)
        except OSError as error:
            raise StoreError(disk_error_message(error, path)) from None
        finally:
            temporary.unlink(missing_ok=True)
        written.append(path)
    return written


def _rows_per_run(folder: Path, name: str) -> int:
    """Rows per run of table ``name`` in the first part (sizes the export's batches)."""
    import pyarrow.parquet as pq

    for files in (files for _, files in sorted(_part_groups(folder).items()) if name in files):
        runs = pq.read_metadata(files[RUNS]).num_rows
        return max(1, -(-pq.read_metadata(files[name]).num_rows // max(runs, 1)))
    return 1


def pa_schema_of(folder: Path, name: str) -> pa.Schema | None:
    pa = _pa()
    parts = [files[name] for _, files in sorted(_part_groups(folder).items()) if name in files]
    return pa.unify_schemas([_part_schema(p) for p in parts], promote_options="permissive") if parts else None


def travel_ready(table: pa.Table) -> pa.Table:
    """The table as written to CSV: a 63-bit ``seed`` as text, so R and spreadsheets keep every digit."""
    pa = _pa()
    if "seed" in table.column_names and pa.types.is_integer(table.schema.field("seed").type):
        index = table.column_names.index("seed")
        text = pa.array([None if s is None else f"s{s}" for s in table["seed"].to_pylist()], pa.string())
        table = table.set_column(index, "seed", text)
    return table
