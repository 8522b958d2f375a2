"""What every experiment shares: seeds, the runner, statistics, and writing finished results.

Seeds. One root seed makes an experiment reproducible. Run ``i`` (its position in the
experiment's list of jobs) gets the seed of ``numpy.random.SeedSequence(root).spawn(n)[i]``,
computed directly as ``SeedSequence(root, spawn_key=(i,))`` and reduced to one 63-bit integer
(the convention of ``model.sweep.seeds``). The seed depends on the root and the run index only,
so results are bit-identical whatever ``--workers`` is; any run can be repeated on its own with
``model.simulate(seed=row.seed, **params)``.

Results. Each experiment writes into ``results/NAME/``: ``runs.csv`` (one row per run: run
index, seed, the run's conditions and outcomes), further tables in long format as Parquet
(time series: one row per run and step, or per run, step and format), the figures (PNG at 200
dpi and SVG) and ``manifest.json`` (design, root seed, quick flag, package version, git commit,
wall time, headline numbers). Everything is written into a staging folder first and published
when complete, so an interrupted run never leaves half a result.
"""

from __future__ import annotations

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

from model.cli import UsageError, prepare_output_dir, provenance, publish

#: Root seed used when none is given (the year of the article).
DEFAULT_SEED = 2015
#: Where ``results/NAME`` lives when no ``--out`` is given.
RESULTS_DIR = Path("results")
MANIFEST = "manifest.json"
RUNS_TABLE = "runs"
_MASK_63 = (1 << 63) - 1


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


def run_seed(root: int, index: int) -> int:
    """Seed of run ``index``: ``SeedSequence(root).spawn(index + 1)[index]`` as a 63-bit integer."""
    sequence = np.random.SeedSequence(root, spawn_key=(int(index),))
    return int(sequence.generate_state(1, np.uint64)[0]) & _MASK_63


def derived_seed(root: int, purpose: int) -> int:
    """A seed for an experiment-level draw (bootstrap, which companies stop maintaining...).

    Uses spawn keys above every run index, so it never shares a stream with a run.
    """
    return run_seed(root, 2**62 + int(purpose))


def replicate_jobs(conditions: Iterable[dict[str, Any]], params_of: Callable[[dict[str, Any]], dict[str, Any]],
                   replicates: int, steps: int, options: dict[str, Any] | None = None) -> list[Job]:
    """Every condition times ``replicates``, condition-major (the order fixes each run's seed)."""
    jobs = []
    for condition in conditions:
        for replicate in range(replicates):
            jobs.append(Job({**condition, "replicate": replicate}, params_of(condition), steps, dict(options or {})))
    return jobs


# ====================================================================== the runner
def _execute(task: tuple[str, Job, int]) -> dict[str, Any]:
    """Run one job in this process (also the function the worker processes call)."""
    module_name, job, seed = task
    module = importlib.import_module(module_name)
    return module.run_job(job, seed)


def run_jobs(module_name: str, jobs: Sequence[Job], root: int, workers: int = 1,
             description: str = "") -> list[dict[str, Any]]:
    """Run every job (``module.run_job(job, seed)``) and return their outputs in job order.

    With ``workers`` > 1 the jobs run in a process pool; seeds come from the job index, so the
    outputs are the same as with one worker.
    """
    from tqdm import tqdm

    tasks = [(module_name, job, run_seed(root, index)) for index, job in enumerate(jobs)]
    progress = tqdm(total=len(tasks), desc=description or module_name, unit="run", disable=None, leave=False)
    try:
        if workers <= 1 or len(tasks) <= 1:
            outputs = []
            for task in tasks:
                outputs.append(_execute(task))
                progress.update()
            return outputs
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        # forkserver: workers never inherit threads of this process (tqdm's monitor, BLAS), and
        # preloading the model package makes each worker start in milliseconds
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(["model", "pandas"])
        chunk = max(1, len(tasks) // (workers * 16))
        outputs = []
        with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
            for output in pool.map(_execute, tasks, chunksize=chunk):
                outputs.append(output)
                progress.update()
        return outputs
    finally:
        progress.close()


def collect_tables(jobs: Sequence[Job], outputs: Sequence[dict[str, Any]], root: int) -> dict[str, pd.DataFrame]:
    """Stack the runs' outputs into tables; every row gets the run index, its seed and its conditions.

    Each output has ``"runs"``: a dict (one row) and optionally further DataFrames by table name.
    """
    rows: dict[str, list[pd.DataFrame]] = {}
    run_rows = []
    for index, (job, output) in enumerate(zip(jobs, outputs, strict=True)):
        keys = {"run": index, "seed": run_seed(root, index), **job.conditions}
        run_rows.append({**keys, **output.get(RUNS_TABLE, {})})
        for name, frame in output.items():
            if name == RUNS_TABLE:
                continue
            frame = frame.copy()
            for position, (key, value) in enumerate(keys.items()):
                frame.insert(position, key, value)
            rows.setdefault(name, []).append(frame)
    tables = {RUNS_TABLE: pd.DataFrame(run_rows)}
    for name, frames in rows.items():
        tables[name] = pd.concat(frames, ignore_index=True)
    return tables


# ====================================================================== statistics
def mean_ci(values: Sequence[float] | np.ndarray, level: float = 0.95) -> tuple[float, float, float]:
    """Mean and its ``level`` confidence interval (Student t over replicates).

    One value: the interval is that value (no spread known). NaNs are ignored.
    """
    from scipy import stats

    x = np.asarray(values, dtype=float)
    x = x[np.isfinite(x)]
    if x.size == 0:
        return math.nan, math.nan, math.nan
    mean = float(x.mean())
    if x.size < 2:
        return mean, mean, mean
    half = float(stats.t.ppf(0.5 + level / 2, x.size - 1) * x.std(ddof=1) / math.sqrt(x.size))
    return mean, mean - half, mean + half


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
def write_tables(folder: Path, tables: dict[str, pd.DataFrame]) -> dict[str, str]:
    """``runs`` as CSV (readable anywhere), every other table as Parquet; returns file names by table."""
    files = {}
    for name, frame in tables.items():
        if name == RUNS_TABLE:
            target = folder / f"{name}.csv"
            frame.to_csv(target, index=False)
        else:
            target = folder / f"{name}.parquet"
            frame.to_parquet(target, index=False)
        files[name] = target.name
    return files


def read_tables(folder: str | Path) -> dict[str, pd.DataFrame]:
    """The tables of a finished experiment folder, by name (as listed in its manifest)."""
    folder = Path(folder)
    manifest = read_manifest(folder)
    tables = {}
    for name, file_name in manifest["tables"].items():
        path = folder / file_name
        if not path.exists():
            raise UsageError(f"{str(folder)!r} lacks {file_name}, which its manifest lists; rerun the experiment")
        tables[name] = pd.read_csv(path) if path.suffix == ".csv" else pd.read_parquet(path)
    return tables


def read_manifest(folder: str | Path) -> dict[str, Any]:
    """The manifest of an experiment folder (UsageError if there is none)."""
    path = Path(folder) / MANIFEST
    try:
        return json.loads(path.read_text())
    except FileNotFoundError:
        raise UsageError(f"{str(folder)!r} holds no experiment results ({MANIFEST} missing)") from None
    except (OSError, json.JSONDecodeError) as error:
        raise UsageError(f"cannot read {path}: {error}") from None


def write_manifest(folder: Path, manifest: dict[str, Any]) -> None:
    (folder / MANIFEST).write_text(json.dumps(manifest, indent=2, default=_plain) + "\n")


def check_run_arguments(workers: int, seed: int) -> None:
    """Bad ``--workers`` or ``--seed``: one-line usage error."""
    if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
        raise UsageError(f"--workers = {workers!r} must be a whole number >= 1")
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise UsageError(f"--seed = {seed!r} must be a whole number >= 0")


def execute(module: Any, quick: bool = False, out: str | Path | None = None, workers: int = 1,
            seed: int = DEFAULT_SEED) -> Path:
    """Run an experiment module end to end: jobs, tables, manifest, figures; returns the folder.

    ``module`` provides NAME, CLAIMS, TITLE, TABLES, ``design(quick, seed)``, ``run_job(job, seed)``,
    ``headline(tables, manifest)`` and ``plot(folder, figure_dir)``.
    """
    check_run_arguments(workers, seed)
    out_dir = prepare_output_dir(out if out is not None else RESULTS_DIR / module.NAME)
    started = time.perf_counter()
    design = module.design(quick, seed)
    # the canonical module name, also under ``python -m experiments.NAME`` (where it is __main__)
    outputs = run_jobs(f"experiments.{module.NAME}", design.jobs, seed, workers, module.NAME)
    tables = collect_tables(design.jobs, outputs, seed)
    run_seconds = time.perf_counter() - started
    staging = Path(tempfile.mkdtemp(prefix=".staging-", dir=out_dir))
    try:
        files = write_tables(staging, tables)
        manifest: dict[str, Any] = {
            "experiment": module.NAME,
            "claims": list(module.CLAIMS),
            "title": module.TITLE,
            "quick": bool(quick),
            "root_seed": int(seed),
            "workers": int(workers),
            "runs": len(design.jobs),
            "design": design.description,
            "tables": files,
            "table_descriptions": module.TABLES,
            **provenance(),
            "python": platform.python_version(),
            "numpy": np.__version__,
            "command": f"engagement experiment {module.NAME}{' --quick' if quick else ''} --seed {seed}",
        }
        manifest["headline"] = module.headline(tables, manifest)
        manifest["run_time_seconds"] = round(run_seconds, 2)
        write_manifest(staging, manifest)  # the figures read the headline numbers from it
        figures = module.plot(staging, staging, tables=tables)
        manifest["figures"] = sorted(path.name for path in figures)
        manifest["wall_time_seconds"] = round(time.perf_counter() - started, 2)
        write_manifest(staging, manifest)
        publish(staging, out_dir)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    print(f"{module.NAME} ({', '.join(module.CLAIMS)}): {len(design.jobs)} runs in "
          f"{manifest['wall_time_seconds']:.1f} s{' (quick)' if quick else ''}")
    for line in manifest["headline"].get("text", []):
        print(f"  {line}")
    print(f"written to {out_dir}/")
    return out_dir


def redraw(module: Any, folder: str | Path) -> list[Path]:
    """Redraw an experiment's figures from its stored tables, publishing them into ``folder``."""
    folder = Path(folder)
    read_manifest(folder)
    prepare_output_dir(folder)
    staging = Path(tempfile.mkdtemp(prefix=".staging-", dir=folder))
    try:
        figures = module.plot(folder, staging)
        publish(staging, folder)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
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
