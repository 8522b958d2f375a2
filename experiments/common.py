"""What every experiment shares: seeds, the runner, statistics, and writing finished results.

Seeds. One root seed makes an experiment reproducible. Run ``i`` (its position in the experiment's
list of jobs, its ``run_id``) gets ``model.seeds.run_seed(root, i)``, the seed every batch of the
package uses: it depends on the root and the run id only, so results are bit-identical whatever
``--workers`` is and whether or not the experiment was interrupted and resumed; any run can be
repeated on its own with ``model.simulate(seed=row.seed, **params)``.

Results. Jobs run on the package's one batch runner (``model.batch``) and each is stored as it
finishes in the one results-folder format (``model.store``): ``results/NAME/`` (``results/quick/NAME``
for ``--quick``) holds ``manifest.json`` (design, root seed, quick flag, versions, git commit, wall
time, headline numbers, status), the tables as Parquet parts (``runs/``: one row per run with its
``run_id``, seed, conditions and outcomes; further long tables such as ``timeseries/``) and the
figures (PNG at 200 dpi and SVG). An interrupted experiment continues with ``--resume``; a folder
that holds results is refused unless ``--resume`` or ``--overwrite``.
"""

from __future__ import annotations

import functools
import importlib
import json
import math
import platform
import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from model.cli import UsageError, provenance
from model.metrics import mean_ci
from model.seeds import EXPERIMENT_SPAWN_BASE, run_seed
from model.seeds import derived_seed as _derived_seed
from model.store import FORMAT, MANIFEST, TableStore, publish
from model.sweep.worker import fixed_columns

#: Root seed used when none is given (the year of the article).
DEFAULT_SEED = 2015
#: Where ``results/NAME`` lives when no ``--out`` is given.
RESULTS_DIR = Path("results")
RUNS_TABLE = "runs"


# ====================================================================== jobs and seeds
@dataclass(frozen=True)
class Job:
    """One run of an experiment.

    conditions: what distinguishes this run (condition values and replicate number); they become
        columns of every table the run produces.
    params: ``model.Params`` overrides of this run.
    steps: steps to run.
    options: anything else the experiment's ``run_job`` needs (e.g. when to stop maintenance).
    """

    conditions: dict[str, Any]
    params: dict[str, Any]
    steps: int
    options: dict[str, Any] = field(default_factory=dict)


@dataclass
class Design:
    """The jobs of one experiment and a plain description of them for the manifest."""

    jobs: list[Job]
    description: dict[str, Any]


def derived_seed(root: int, purpose: int) -> int:
    """A seed for an experiment-level draw (bootstrap, which companies stop maintaining...): spawn key
    ``2**62 + purpose`` of the root, above every run index, so it never shares a stream with a run."""
    return _derived_seed(root, EXPERIMENT_SPAWN_BASE + int(purpose))


def replicate_jobs(conditions: Iterable[dict[str, Any]], params_of: Callable[[dict[str, Any]], dict[str, Any]],
                   replicates: int, steps: int, options: dict[str, Any] | None = None) -> list[Job]:
    """Every condition times ``replicates``, condition-major (the order fixes each run's seed)."""
    jobs = []
    for condition in conditions:
        for replicate in range(replicates):
            jobs.append(Job({**condition, "replicate": replicate}, params_of(condition), steps, dict(options or {})))
    return jobs


# ====================================================================== the runner
def _execute(module_name: str, task: tuple[int, Job, int]) -> dict[str, Any]:
    """Run one job (in this process or a worker): ``module.run_job(job, seed)``."""
    _, job, seed = task
    return importlib.import_module(module_name).run_job(job, seed)


def tables_of(job: Job, seed: int, output: dict[str, Any]) -> dict[str, Any]:
    """A job's output as the store's tables: every row gets the run's seed and conditions (the store
    adds ``run_id``); ``runs`` is one row (conditions, outcomes, then every parameter of the run), every
    other table a DataFrame."""
    keys = {"seed": seed, **job.conditions}
    row = {**keys, **output.get(RUNS_TABLE, {})}
    # then every parameter of the run (its overrides and the defaults): a row is a complete record of its run
    row.update({name: value for name, value in fixed_columns(job.params, varied=()).items() if name not in row})
    tables: dict[str, Any] = {RUNS_TABLE: row}
    for name, frame in output.items():
        if name == RUNS_TABLE:
            continue
        frame = frame.copy()
        for position, (key, value) in enumerate(keys.items()):
            frame.insert(position, key, value)
        tables[name] = frame
    return tables


def run_jobs(module_name: str, jobs: Sequence[Job], root: int, store: TableStore, workers: int = 1,
             description: str = "", backend: Any = None) -> None:
    """Run every job not yet stored (``module.run_job(job, seed)``) on the one batch runner
    (``model.batch``) and store each as it finishes; seeds come from the job index only, so the tables
    are the same whatever ``workers`` is and whether or not the experiment was resumed."""
    from tqdm import tqdm

    from model.batch import Failure, make_backend

    pending = [(index, job, run_seed(root, index)) for index, job in enumerate(jobs) if not store.stored[index]]
    owned = backend is None
    backend = backend or make_backend(workers=workers if workers > 1 and len(pending) > 1 else None)
    progress = tqdm(total=len(jobs), initial=len(jobs) - len(pending), desc=description or module_name, unit="run",
                    disable=None, leave=False)
    try:
        for (index, job, seed), output in backend.run(functools.partial(_execute, module_name), pending):
            if isinstance(output, Failure):
                raise RuntimeError(f"run {index} could not be completed: {output.reason}")  # noqa: TRY004
            store.add(index, tables_of(job, seed, output))
            progress.update()
    finally:
        progress.close()
        if owned:
            backend.close()


def read_store_tables(folder: str | Path) -> dict[str, pd.DataFrame]:
    """Every table of a results folder as pandas, by name (``runs`` first)."""
    from model.store import read_table, table_names

    return {name: read_table(folder, name).to_pandas() for name in table_names(folder)}


# ====================================================================== statistics
def ratio_of_means(numerator: Sequence[float] | np.ndarray, denominator: Sequence[float] | np.ndarray,
                   level: float = 0.95) -> tuple[float, float, float]:
    """Ratio of two means over replicates, e.g. losers per winner = mean losers / mean winners.

    A run without winners has no ratio of its own (NaN), but its losers still count here, so the
    ratio of means is the honest summary of a ratio over runs. Interval: delta method,
    var(R) = (var(x) + R² var(y) − 2R cov(x, y)) / (n ȳ²), with a Student-t quantile; the lower end
    is clipped at 0. NaN (ratio and interval) when the mean of the denominator is 0.
    """
    from scipy import stats

    x = np.asarray(numerator, dtype=float)
    y = np.asarray(denominator, dtype=float)
    keep = np.isfinite(x) & np.isfinite(y)
    x, y = x[keep], y[keep]
    if x.size == 0 or y.mean() <= 0:
        return math.nan, math.nan, math.nan
    ratio = float(x.mean() / y.mean())
    if x.size < 2:
        return ratio, ratio, ratio
    covariance = np.cov(x, y, ddof=1)
    variance = (covariance[0, 0] + ratio**2 * covariance[1, 1] - 2 * ratio * covariance[0, 1]) / (x.size * y.mean()**2)
    half = float(stats.t.ppf(0.5 + level / 2, x.size - 1) * math.sqrt(max(variance, 0.0)))
    return ratio, max(ratio - half, 0.0), ratio + half


def losers_per_winner(frame: pd.DataFrame, by: str | list[str] | None = None,
                      level: float = 0.95) -> pd.DataFrame | tuple[float, float, float]:
    """Cohort losers per winner as a ratio of means (``ratio_of_means`` of ``losers`` over ``winners``).

    Without ``by``: (ratio, low, high) of the whole frame. With ``by``: per group ``loser_winner_ratio``,
    ``_low``, ``_high`` and ``no_winner_runs`` (runs of the group without a winner, whose own ratio is
    undefined).
    """
    if by is None:
        return ratio_of_means(frame["losers"], frame["winners"], level)
    by = [by] if isinstance(by, str) else list(by)
    records = []
    for key, group in frame.groupby(by, sort=True, observed=True):
        key = key if isinstance(key, tuple) else (key,)
        ratio, low, high = ratio_of_means(group["losers"], group["winners"], level)
        records.append({**dict(zip(by, key, strict=True)), "loser_winner_ratio": ratio, "loser_winner_ratio_low": low,
                        "loser_winner_ratio_high": high, "no_winner_runs": int((group["winners"] <= 0).sum()),
                        "n": len(group)})
    return pd.DataFrame(records)


#: Outcome measures of how engagement is shared: undefined in a market without companies (``empty_market``).
CONCENTRATION = ("gini", "gini_survivors", "hhi", "effective_competitors", "top1_share", "top10_share",
                 "top10_share_survivors", "rank_size_slope")


def empty_market(summary: dict[str, Any]) -> dict[str, Any]:
    """The summary with the concentration measures undefined (NaN) when no company is left.

    ``model.metrics`` gives an empty market Gini 0, top shares 0 and so on, so that every step has a
    finite value; averaged over runs, those zeros would read as an equal market. Here they are NaN, so
    that means and intervals are taken over the runs that still have a market (and ``survivors``
    says how many do not).
    """
    if summary.get("survivors", 1) == 0:
        summary = {**summary, **dict.fromkeys(CONCENTRATION, math.nan)}
    return summary


def show(value: float | None, spec: str = ".2f", missing: str = "—") -> str:
    """A number for headline text and figures, or "—" when it is undefined (None or not finite)."""
    if value is None or not math.isfinite(float(value)):
        return missing
    return format(float(value), spec)


def cohort_winners(model: Any) -> tuple[np.ndarray, np.ndarray]:
    """Per company ever in the market (rows in use, the order of ``companies_frame``): in the cohort now,
    and a cohort winner now — the per-company form of the ``winners``/``losers`` metrics.

    The cohort is the companies in the market ``maturity_age`` steps ago; a winner is a cohort company
    alive now whose profit over the last ``maturity_age`` steps is positive (``model.metrics``).
    """
    from model import metrics

    table, p = model.companies_table, model.p
    used = slice(0, table.size)
    in_cohort = metrics.cohort(table.entry_step[used], table.exit_step[used], model.steps, p.maturity_age)
    profit = table.revenue_total[used] - table.cost_total[used]
    before = model.profit_history[0]
    recent = profit.copy()
    recent[: before.size] -= before
    winner = in_cohort & table.alive[used] & (recent > 0)
    return in_cohort, winner


def summarise(frame: pd.DataFrame, by: str | list[str], columns: Sequence[str], level: float = 0.95) -> pd.DataFrame:
    """Per group: ``n`` and, for each column, ``<column>`` (mean), ``<column>_low``, ``<column>_high``."""
    by = [by] if isinstance(by, str) else list(by)
    records = []
    for key, group in frame.groupby(by, sort=True, observed=True):
        key = key if isinstance(key, tuple) else (key,)
        record: dict[str, Any] = dict(zip(by, key, strict=True))
        record["n"] = len(group)
        for column in columns:
            mean, low, high = mean_ci(group[column].to_numpy(), level)
            record[column], record[f"{column}_low"], record[f"{column}_high"] = mean, low, high
        records.append(record)
    return pd.DataFrame(records)


def crossing(x: Sequence[float], y: Sequence[float], level: float = 0.0, *, log_x: bool = False) -> float:
    """First x at which the piecewise-linear curve y(x) rises through ``level`` (NaN if it never does).

    With ``log_x`` the interpolation is linear in log x.
    """
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float) - level
    if y.size and y[0] >= 0:
        return float(x[0]) if y[0] == 0 else math.nan
    for i in range(1, y.size):
        if y[i - 1] < 0 <= y[i]:
            u0, u1 = (np.log(x[i - 1]), np.log(x[i])) if log_x else (x[i - 1], x[i])
            u = u0 + (u1 - u0) * (-y[i - 1]) / (y[i] - y[i - 1])
            return float(np.exp(u) if log_x else u)
    return math.nan


# ====================================================================== writing and reading results
def read_tables(folder: str | Path) -> dict[str, pd.DataFrame]:
    """The tables of a finished experiment folder, by name; a one-line error if they are not there."""
    from model.store import RUNS, table_names

    folder = Path(folder)
    read_manifest(folder)
    if RUNS not in table_names(folder):
        raise UsageError(f"{str(folder)!r} holds the figures but not the tables they were drawn from; rerun the "
                         f"experiment (engagement experiment NAME --out {folder} --overwrite)")
    return read_store_tables(folder)


def read_manifest(folder: str | Path) -> dict[str, Any]:
    """The manifest of an experiment folder (UsageError if there is none)."""
    from model.store import read_manifest as read

    manifest = read(folder)
    if not isinstance(manifest.get("experiment"), str):
        raise UsageError(f"{str(folder)!r} holds no experiment (its manifest names none)")
    return manifest


def check_run_arguments(workers: int, seed: int) -> None:
    """Bad ``--workers`` or ``--seed``: one-line usage error."""
    if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
        raise UsageError(f"--workers = {workers!r} must be a whole number >= 1")
    if isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed < 2**128:
        raise UsageError(f"--seed = {seed!r} must be a whole number from 0 to 2**128 - 1")


def default_folder(name: str, quick: bool) -> Path:
    """``results/NAME`` for the full experiment; ``results/quick/NAME`` for ``--quick``, so that a quick
    try never replaces the committed full-mode results."""
    return RESULTS_DIR / "quick" / name if quick else RESULTS_DIR / name


#: Manifest entries that must agree for ``--resume`` to continue an experiment.
_SAME_EXPERIMENT = ("experiment", "quick", "root_seed", "n_runs", "design")


def execute(module: Any, quick: bool = False, out: str | Path | None = None, workers: int = 1,
            seed: int = DEFAULT_SEED, *, resume: bool = False, overwrite: bool = False,
            backend: Any = None) -> Path:
    """Run an experiment module end to end: jobs, tables, manifest, figures; returns the folder.

    ``module`` provides NAME, CLAIMS, TITLE, TABLES, ``design(quick, seed)``, ``run_job(job, seed)``,
    ``headline(tables, manifest)`` and ``plot(folder, figure_dir)``. Each run is stored as it finishes
    (``model.store``), so an interrupted experiment continues with ``resume=True``; a folder that holds
    results is refused unless ``resume`` or ``overwrite`` (which replaces them once the new ones are complete).
    """
    from model.store import TableStore, claim, disk_error_message, replace_contents, write_manifest

    check_run_arguments(workers, seed)
    out_dir = Path(out) if out is not None else default_folder(module.NAME, quick)
    started = time.perf_counter()
    design = module.design(quick, seed)
    lock = claim(out_dir, resume=resume, overwrite=overwrite)
    staging = Path(tempfile.mkdtemp(prefix=".staging-", dir=out_dir)) if overwrite else None
    root = staging or out_dir
    try:
        manifest: dict[str, Any] = {
            "format": FORMAT, "kind": "experiment",
            "experiment": module.NAME, "claims": list(module.CLAIMS), "title": module.TITLE,
            "quick": bool(quick), "root_seed": int(seed), "workers": int(workers), "n_runs": len(design.jobs),
            "runs": len(design.jobs), "design": _plain_json(design.description),
            "table_descriptions": module.TABLES, **provenance(),
            "python": platform.python_version(), "numpy": np.__version__,
            "command": f"engagement experiment {module.NAME}{' --quick' if quick else ''} --seed {seed}",
            "status": "running",
        }
        if resume and (out_dir / MANIFEST).exists():
            _check_same_experiment(out_dir, manifest)
        write_manifest(root, manifest)
        store = TableStore(root, len(design.jobs), chunk_rows=max(1, len(design.jobs) // 10), flush_seconds=20.0)
        store.open()
        try:
            run_jobs(f"experiments.{module.NAME}", design.jobs, seed, store, workers, module.NAME, backend)
        finally:
            store.close()
        tables = read_store_tables(root)
        manifest["tables"] = {name: f"{name}/" for name in tables}
        manifest["headline"] = module.headline(tables, manifest)
        manifest["run_time_seconds"] = round(time.perf_counter() - started, 2)
        write_manifest(root, manifest)  # the figures read the headline numbers from it
        figure_stage = Path(tempfile.mkdtemp(prefix=".staging-", dir=root))
        figures = draw_figures(module, figure_stage, tables, manifest)
        manifest["figures"] = sorted(path.name for path in figures)
        manifest["wall_time_seconds"] = round(time.perf_counter() - started, 2)
        manifest["status"] = "complete"
        publish(figure_stage, root)
        write_manifest(root, manifest)
        if staging is not None:
            replace_contents(out_dir, staging)
    except OSError as error:
        raise UsageError(disk_error_message(error, out_dir)) from None
    except KeyboardInterrupt:  # Ctrl-C or SIGTERM: what finished is stored; say so in the manifest
        if staging is None and (root / MANIFEST).exists():
            manifest["status"] = "interrupted"
            write_manifest(root, manifest)
        raise
    finally:
        if staging is not None:
            shutil.rmtree(staging, ignore_errors=True)
        lock.release()
    print(f"{module.NAME} ({', '.join(module.CLAIMS)}): {len(design.jobs)} runs in "
          f"{manifest['wall_time_seconds']:.1f} s{' (quick)' if quick else ''}")
    for line in manifest["headline"].get("text", []):
        print(f"  {line}")
    print(f"written to {out_dir}/")
    return out_dir


def _check_same_experiment(folder: Path, new: dict[str, Any]) -> None:
    old = read_manifest(folder)
    for key in _SAME_EXPERIMENT:
        if old.get(key) != new.get(key):
            raise UsageError(f"{str(folder)!r} holds another run of the experiment: '{key}' is {old.get(key)!r} "
                             f"there and {new.get(key)!r} now; use another folder or --overwrite")


def _plain_json(value: Any) -> Any:
    return json.loads(json.dumps(value, default=_plain))


#: Sub-folder of an experiment folder with the small tidy tables each figure is drawn from (committed with
#: the figures, so that ``engagement plot results/NAME`` redraws them on a fresh clone).
FIGURE_DATA = "figure_data"


def draw_figures(module: Any, figure_dir: Path, tables: dict[str, pd.DataFrame], manifest: dict[str, Any]) -> list[Path]:
    """Draw an experiment's figures into ``figure_dir``: ``module.figure_data(tables, manifest)`` is written
    as ``figure_data/NAME.csv`` beside the figures (published with them), and ``module.draw`` draws from
    that CSV round trip, exactly what ``redraw`` reads later."""
    target = figure_dir / FIGURE_DATA
    target.mkdir(exist_ok=True)
    for name, frame in module.figure_data(tables, manifest).items():
        frame.to_csv(target / f"{name}.csv", index=False)
    return module.draw(read_figure_data(figure_dir), manifest, figure_dir)


def plot_from_tables(module: Any, out: str | Path, figure_dir: str | Path | None = None,
                     tables: dict[str, pd.DataFrame] | None = None) -> list[Path]:
    """An experiment's figures from its full tables (``figure_data``, then ``draw``): each module's ``plot``."""
    tables = tables if tables is not None else read_tables(out)
    manifest = read_manifest(out)
    return module.draw(module.figure_data(tables, manifest), manifest, Path(figure_dir if figure_dir is not None else out))


def significant(frame: pd.DataFrame, digits: int = 6) -> pd.DataFrame:
    """Float columns rounded to ``digits`` significant digits (figure data stays small as CSV)."""
    frame = frame.copy()
    for column in frame.columns[frame.dtypes == float]:
        frame[column] = [float(f"{v:.{digits}g}") for v in frame[column]]
    return frame


def read_figure_data(folder: str | Path) -> dict[str, pd.DataFrame]:
    """The figure data of an experiment folder (``figure_data/*.csv``), by name."""
    target = Path(folder) / FIGURE_DATA
    return {path.stem: pd.read_csv(path) for path in sorted(target.glob("*.csv"))}


def redraw(module: Any, folder: str | Path) -> list[Path]:
    """Redraw an experiment's figures from its stored figure data, publishing them into ``folder``."""
    from model.store import FolderLock, StoreError

    folder = Path(folder)
    manifest = read_manifest(folder)
    if not (folder / FIGURE_DATA).is_dir():
        raise UsageError(f"{str(folder)!r} lacks {FIGURE_DATA}/, the data its figures are drawn from; rerun the "
                         f"experiment (engagement experiment {module.NAME} --out {folder} --overwrite)")
    try:
        lock = FolderLock(folder).acquire()
    except OSError as error:
        raise StoreError(f"{str(folder)!r} is not writable: {error.strerror}") from None
    try:
        staging = Path(tempfile.mkdtemp(prefix=".staging-", dir=folder))
        try:
            figures = module.draw(read_figure_data(folder), manifest, staging)
            publish(staging, folder)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
    finally:
        lock.release()
    return [folder / path.name for path in figures]


def _plain(value: Any) -> Any:
    """JSON fallback for NumPy scalars and arrays."""
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, Path):
        return str(value)
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def finite(value: float, digits: int = 4) -> float | None:
    """A rounded float for the manifest, or None when it is not finite (JSON has no NaN)."""
    value = float(value)
    return round(value, digits) if math.isfinite(value) else None


def module_main(name: str, argv: Sequence[str] | None = None) -> int:
    """``python -m experiments.NAME [--quick] [--out DIR] [--workers N] [--seed S]``."""
    from .cli import experiment_main, experiment_parser

    parser = experiment_parser(prog=f"python -m experiments.{name}", with_name=False)
    try:
        args = parser.parse_args(argv)
        args.name = name
        return experiment_main(args)
    except (UsageError, ValueError) as error:
        message = str(error)
        print(message if message.startswith(parser.prog) else f"{parser.prog}: error: {message}", file=sys.stderr)
        return 2
