"""``run_sweep``: run every run of a specification on a backend and store each one as it finishes.

The parent process draws run ids lazily, hands a bounded number to the backend, and writes each
result to the store at once (journal, then Parquet parts), so its memory does not grow with the sweep.
``resume=True`` skips the run ids already stored; an interruption (Ctrl-C, ``kill -9``) loses no
finished run, and the resumed sweep's runs table equals that of an uninterrupted one.
"""

from __future__ import annotations

import functools
import hashlib
import importlib.metadata
import logging
import platform
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from ..batch import Backend, Failure, check_backend_options, make_backend
from ..store import FolderLock, StoreError, claim, clear, results_in, write_parquet_atomically
from .design import Design
from .seeds import new_root_seed, run_seed
from .spec import SweepSpec, load_spec
from .store import DESIGN, MANIFEST, RunStore, read_manifest, write_manifest
from .worker import STATUS_FAILED, RunConfig, RunTask, execute, fixed_columns, infrastructure_failure

MANIFEST_FORMAT = "engagement-results/2"
logger = logging.getLogger(__name__)
_VERSIONED = ("engagement-competition", "mesa", "numpy", "scipy", "pandas", "pyarrow", "SALib", "dask",
              "distributed", "networkx", "igraph")
_BLOCK = 65_536  # run ids scanned at a time for pending runs (bounded memory for any sweep size)


@dataclass
class SweepReport:
    """What a call of ``run_sweep`` did."""

    path: Path
    n_runs: int
    stored: int
    failed_ids: list[int]
    ran: int
    skipped: int
    seconds: float
    status: str
    backend: str
    root_seed: int
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def failed(self) -> int:
        return len(self.failed_ids)

    @property
    def complete(self) -> bool:
        return self.stored == self.n_runs


def run_sweep(spec: SweepSpec | str | Path | Mapping[str, Any], out: str | Path, *, workers: int | None = None,
              dask_workers: int | None = None, scheduler: str | None = None, backend: Backend | None = None,
              resume: bool = False, retry_failed: bool = False, progress: bool = True,
              run_function: Callable[..., Any] | None = None, extra_outcomes: Sequence[str] = (),
              overwrite: bool = False, companies: bool = False, shard: tuple[int, int] | None = None,
              chunk_rows: int = 1000, flush_seconds: float = 30.0,
              runs_per_task: int = 1, on_stored: Callable[[dict[str, Any]], None] | None = None) -> SweepReport:
    """Run a sweep into folder ``out`` and return a ``SweepReport``.

    Backend: serial by default; ``workers=N`` local processes; ``dask_workers=N`` a Dask LocalCluster on
    127.0.0.1; ``scheduler="tcp://host:port"`` an existing Dask cluster; or a ``backend`` object (not
    closed here). ``resume`` continues a sweep stored in ``out`` (refused if its spec differs);
    ``retry_failed`` also runs the failed runs again; ``overwrite`` replaces whatever ``out`` holds.
    A folder holding results is refused otherwise, and so is a folder another process is writing.
    ``run_function`` replaces the model with a function of ``model.simulate``'s signature (it may be
    defined in a notebook or a script's ``__main__``: it travels with cloudpickle); ``extra_outcomes``
    names further numbers in its result's summary to store as columns. ``companies`` keeps a company-level table
    per run (one row per company ever in its market). ``shard=(k, n)`` runs only the run ids ``i`` with
    ``i % n == k`` (one task of a cluster job array; ``merge_shards`` joins the shard folders into one
    sweep). ``runs_per_task`` batches runs into one Dask task (for very short runs). ``on_stored(row)`` is called after each run is stored. Raises
    ``SpecError``/``ValueError`` (one line) before any run for bad input.
    """
    spec = load_spec(spec)
    out = Path(out)
    resume = resume or retry_failed
    extra_outcomes = tuple(dict.fromkeys(str(name) for name in extra_outcomes))
    if extra_outcomes and run_function is None:
        raise ValueError("extra_outcomes need a run_function that returns them")
    if backend is None:
        check_backend_options(workers=workers, dask_workers=dask_workers, scheduler=scheduler,
                              runs_per_task=runs_per_task)
    shard = check_shard(shard, spec)
    lock = claim(out, resume=resume, overwrite=overwrite)
    try:
        if overwrite:
            clear(out)
        manifest, root_seed = _check_folder(spec, out, resume=resume)
        if resume and manifest.get("shard") != (list(shard) if shard else None):
            raise StoreError(f"{str(out)!r} holds shard {manifest.get('shard')} of this sweep, not "
                             f"{list(shard) if shard else 'the whole sweep'}; use another folder")
        if shard:
            manifest["shard"] = list(shard)
        if extra_outcomes:
            manifest["extra_outcomes"] = list(extra_outcomes)
        if companies:
            manifest["companies"] = True
        design = Design(spec, root_seed)
    except BaseException:
        lock.abandon()
        raise
    owned = backend is None
    try:
        backend = backend or make_backend(workers=workers, dask_workers=dask_workers, scheduler=scheduler,
                                          runs_per_task=runs_per_task)
    except BaseException:
        lock.abandon()
        raise
    try:  # nothing is written before the spec, the folder and the backend are known to be good
        _create_folder(out, manifest)
        if design.matrix is not None and not (out / DESIGN).exists():
            _write_design(out, design)
        store = RunStore(out, spec, chunk_rows=chunk_rows, flush_seconds=flush_seconds,
                         extra_outcomes=manifest.get("extra_outcomes", ()))
        store.open(retry_failed=retry_failed)
        for repair in store.repairs:
            logger.warning("repaired: %s", repair)
    except BaseException:
        if owned:
            backend.close()
        lock.release()
        raise
    config = RunConfig(fixed=spec.fixed, steps=spec.steps,
                       outcomes=(*spec.outcomes, *manifest.get("extra_outcomes", ())),
                       timeseries_every=spec.timeseries_every, timeseries_metrics=tuple(spec.timeseries_metrics or ()),
                       run_function=run_function, fixed_columns=fixed_columns(spec.fixed, spec.varied),
                       companies=bool(manifest.get("companies")))
    return _run(spec, out, manifest, design, root_seed, backend, owned, store, config, lock, progress, on_stored)


def _run(spec: SweepSpec, out: Path, manifest: dict[str, Any], design: Design, root_seed: int, backend: Backend,
         owned: bool, store: RunStore, config: RunConfig, lock: FolderLock, progress: bool,
         on_stored: Callable[[dict[str, Any]], None] | None) -> SweepReport:
    skipped = store.n_stored
    session = {"started": _now(), "finished": None, "backend": backend.name, "resumed": skipped > 0,
               "ran": 0, "failed": 0, **_provenance()}
    manifest.setdefault("sessions", []).append(session)
    manifest["status"] = "running"
    write_manifest(out, manifest)
    bar = _progress_bar(progress, spec, skipped, len(store.failed_ids), shard_size(spec.n_runs, manifest.get("shard")))
    started = time.perf_counter()
    status = "interrupted"
    ran = failed_now = 0
    try:
        function = functools.partial(execute, config)
        shard = tuple(manifest["shard"]) if manifest.get("shard") else None
        for task, output in backend.run(function, _pending_tasks(spec, design, store.stored, root_seed, shard)):
            if isinstance(output, Failure):
                output = infrastructure_failure(config, task, output.reason)
            if not store.add_output(output):
                continue
            ran += 1
            failed_now += output.row["status"] == STATUS_FAILED
            if bar is not None:
                bar.update(1)
                if output.row["status"] == STATUS_FAILED:
                    bar.set_postfix(failed=len(store.failed_ids), refresh=False)
            if on_stored is not None:
                on_stored(output.row)
        status = "complete" if store.n_stored == shard_size(spec.n_runs, manifest.get("shard")) else "incomplete"
    finally:
        try:
            store.close()
            if owned:
                backend.close()
            if bar is not None:
                bar.close()
            session.update(finished=_now(), ran=ran, failed=failed_now, status=status)
            manifest.update(status=status, finished=session["finished"], stored=store.n_stored,
                            failed=len(store.failed_ids))
            write_manifest(out, manifest)
        finally:
            lock.release()
    return SweepReport(out, shard_size(spec.n_runs, manifest.get("shard")), store.n_stored, sorted(store.failed_ids), ran, skipped,
                       time.perf_counter() - started, status, backend.name, root_seed)


def _check_folder(spec: SweepSpec, out: Path, *, resume: bool) -> tuple[dict[str, Any], int]:
    """The manifest and root seed: the stored ones when resuming the same sweep, new ones otherwise."""
    if (out / MANIFEST).exists():
        if not resume:
            raise ValueError(f"{str(out)!r} already holds a sweep; pass --resume to continue it or choose "
                             f"another folder")
        manifest = read_manifest(out)
        stored, new = dict(manifest.get("spec", {})), spec.to_dict()
        if new["seed"] is None:  # a spec without a seed continues with the recorded root seed
            new["seed"] = stored.get("seed")
        _check_same_sweep(out, stored, new)
        now, then = _code_fingerprint(), manifest.get("code_fingerprint")
        if then is not None and now != then:
            logger.warning("warning: the model's code changed since this sweep started (code fingerprint %s, "
                           "was %s); the runs of this session may differ from the stored ones", now, then)
        return manifest, int(manifest["root_seed"])
    if results_in(out):
        raise StoreError(f"{str(out)!r} holds files but no sweep; choose a new or empty folder, or --overwrite")
    root_seed = spec.seed if spec.seed is not None else new_root_seed()
    manifest = {"format": MANIFEST_FORMAT, "kind": "sweep", "spec": spec.to_dict(), "root_seed": root_seed,
                "n_points": spec.n_points, "replicates": spec.replicates, "n_runs": spec.n_runs,
                "varied": list(spec.varied), "outcomes": list(spec.outcomes), "started": _now(),
                "finished": None, "status": "running", "stored": 0, "failed": 0, **_provenance(), "sessions": []}
    return manifest, root_seed


def _create_folder(out: Path, manifest: dict[str, Any]) -> None:
    from ..store import disk_error_message

    try:
        out.mkdir(parents=True, exist_ok=True)
        write_manifest(out, manifest)
    except OSError as error:
        raise StoreError(disk_error_message(error, out / MANIFEST)) from None


def _check_same_sweep(out: Path, stored: Mapping[str, Any], new: Mapping[str, Any]) -> None:
    for key in dict.fromkeys([*stored, *new]):
        if stored.get(key) != new.get(key):
            raise ValueError(f"{str(out)!r} holds a different sweep: '{key}' is {stored.get(key)!r} there and "
                             f"{new.get(key)!r} in this spec; use another folder")


def check_shard(shard: Any, spec: SweepSpec) -> tuple[int, int] | None:
    """``(k, n)`` with 0 <= k < n, for a spec with a root seed (every shard must draw the same seeds)."""
    if shard is None:
        return None
    try:
        k, n = (int(part) for part in shard)
        valid = not any(isinstance(part, bool) for part in shard) and 0 <= k < n
    except (TypeError, ValueError):
        valid = False
    if not valid:
        raise ValueError(f"--shard = {shard!r} must be K/N with 0 <= K < N (task K of N)")
    if spec.seed is None:
        raise ValueError("--shard needs a root seed shared by all shards: set seed in [sweep] or pass --seed")
    return k, n


def shard_size(n_runs: int, shard: Sequence[int] | None) -> int:
    """How many run ids a shard holds (all of them without a shard)."""
    return n_runs if not shard else len(range(int(shard[0]), n_runs, int(shard[1])))


def _pending_tasks(spec: SweepSpec, design: Design, stored: np.ndarray, root_seed: int,
                   shard: tuple[int, int] | None = None) -> Iterator[RunTask]:
    """Tasks for the run ids not stored yet, in run-id order, drawn lazily."""
    for start in range(0, spec.n_runs, _BLOCK):
        for offset in np.flatnonzero(~stored[start:start + _BLOCK]):
            run_id = start + int(offset)
            if shard is not None and run_id % shard[1] != shard[0]:
                continue
            point, replicate = divmod(run_id, spec.replicates)
            yield RunTask(run_id, point, replicate, run_seed(root_seed, run_id), design.values(point))


def _write_design(out: Path, design: Design) -> None:
    import pyarrow as pa

    columns = {"point": np.arange(design.n_points, dtype=np.int64)}
    columns.update({name: design.matrix[:, j] for j, name in enumerate(design.names)})  # type: ignore[index]
    write_parquet_atomically(pa.table(columns), out / DESIGN)


def _progress_bar(progress: bool, spec: SweepSpec, done: int, failed: int, total: int):
    if not progress:
        return None
    from tqdm import tqdm

    bar = tqdm(total=total, initial=done, unit="run", desc=spec.name, smoothing=0.05, mininterval=0.5,
               dynamic_ncols=True)
    bar.set_postfix(failed=failed, refresh=False)
    return bar


def _code_fingerprint() -> str:
    """Hash of the model's source files (``model/*.py``): changes even where the git commit does not."""
    digest = hashlib.sha256()
    for path in sorted(Path(__file__).resolve().parent.parent.glob("*.py")):
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def _provenance() -> dict[str, Any]:
    from ..cli import provenance

    info = provenance()
    versions = {"python": platform.python_version()}
    for name in _VERSIONED:
        try:
            versions[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            versions[name] = None
    return {"versions": versions, "git_commit": info["git_commit"], "git_dirty": info["git_dirty"],
            "code_fingerprint": _code_fingerprint()}


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")
