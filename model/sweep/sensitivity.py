"""Sensitivity analysis of a finished sweep with SALib: Sobol' indices or Morris elementary effects.

``analyze(DIR, "sobol", ["gini"])`` reads the design matrix (``design.parquet``) and the runs table,
averages each outcome over the replicates of a design point, and calls ``SALib.analyze.sobol``
(first-order S1 and total-order ST with bootstrap confidence intervals) or ``SALib.analyze.morris``
(mu, mu*, its confidence interval, sigma). It refuses, naming the run ids, when runs are missing or
failed, because the estimators assume the complete design: dropping points would bias the indices
silently. Too few samples for the method give a one-line warning naming the minimum (``too_few_samples``).
The figures are SALib's own (``SALib.plotting.bar.plot`` for Sobol', ``SALib.plotting.morris`` for Morris).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ..cli import dump_json
from .seeds import ANALYSIS_SPAWN_KEY, derived_seed
from .spec import SweepSpec
from .store import DESIGN, read_manifest, read_runs_table, spec_of
from .worker import STATUS_FAILED

METHODS = ("sobol", "morris")
#: Below this base sample N, Sobol' estimates are noise (with N = 8: S1 > ST and negative S1). SALib sets no
#: minimum; its examples use N = 1024, and Saltelli et al. (2010) study N in the hundreds to thousands. 64 is
#: the smallest N this project accepts without a warning: a screening of total-order indices of strong
#: factors (formats_sobol.toml); first-order indices of many factors need N >= 512.
SOBOL_MIN_SAMPLES = 64
SOBOL_STABLE_SAMPLES = 512
#: Morris screening needs r >= 10 trajectories (Saltelli et al. 2008, Global Sensitivity Analysis: The
#: Primer, ch. 3: r between 10 and 20; Campolongo et al. 2007, cited by SALib.sample.morris, use r = 10).
MORRIS_MIN_TRAJECTORIES = 10

logger = logging.getLogger(__name__)


class AnalysisRefused(ValueError):
    """The sweep cannot be analysed as asked (wrong design, missing or failed runs...)."""


def analyze(path: str | Path, method: str, outcomes: Sequence[str], *, conf_level: float = 0.95,
            resamples: int = 1000, out: str | Path | None = None, figure: bool = True) -> dict[str, Any]:
    """Indices per outcome as DataFrames (one row per parameter); files go to ``out`` (default DIR/analysis).

    Writes ``{method}_{outcome}.csv``, ``{method}_{outcome}.json`` (indices and settings) and, with
    ``figure``, ``{method}_{outcome}.png``/``.svg``.
    """
    root = Path(path)
    manifest = read_manifest(root)
    spec = spec_of(root)
    if method not in METHODS:
        raise AnalysisRefused(f"unknown method {method!r}; methods are {', '.join(METHODS)}")
    if spec.design != method:
        raise AnalysisRefused(f"--method {method} needs a sweep with design = '{method}'; the sweep in "
                              f"{str(root)!r} has design '{spec.design}'")
    if not outcomes:
        raise AnalysisRefused("name at least one --outcome")
    for outcome in outcomes:
        if outcome not in spec.outcomes:
            raise AnalysisRefused(f"outcome '{outcome}' was not kept by this sweep; kept: {', '.join(spec.outcomes)}")
    if not 0 < conf_level < 1:
        raise AnalysisRefused(f"--conf-level = {conf_level} must be between 0 and 1")
    if resamples < 1:
        raise AnalysisRefused(f"--resamples = {resamples} must be >= 1")
    table = read_runs_table(root, ["run_id", "point", "status", *outcomes])
    _refuse_incomplete(root, spec, table)
    warning = too_few_samples(spec)
    if warning:
        logger.warning("warning: %s", warning)
    problem, matrix = _problem_and_matrix(root, spec)
    points = table["point"].to_numpy()
    seed = derived_seed(int(manifest["root_seed"]), ANALYSIS_SPAWN_KEY)
    target = Path(out) if out is not None else root / "analysis"
    target.mkdir(parents=True, exist_ok=True)
    results: dict[str, Any] = {}
    for outcome in outcomes:
        values = table[outcome].to_numpy(zero_copy_only=False).astype(float)
        bad = np.flatnonzero(~np.isfinite(values))
        if bad.size:
            ids = table["run_id"].to_numpy()[bad]
            raise AnalysisRefused(f"outcome '{outcome}' is undefined (null/NaN) or not finite in {bad.size} "
                                  f"run(s) ({_ids(ids)}); choose another outcome")
        # replicates of a point are averaged: the indices apportion the variance of the expected outcome
        y = np.bincount(points, weights=values, minlength=spec.n_points) / spec.replicates
        if np.ptp(y) == 0:
            raise AnalysisRefused(f"outcome '{outcome}' does not vary over the design; there is no variance "
                                  f"to apportion")
        frame, extra = _indices(method, spec, problem, matrix, y, conf_level, resamples, seed)
        stem = f"{method}_{outcome}"
        frame.to_csv(target / f"{stem}.csv", index=False)
        meta = {"method": method, "outcome": outcome, "sweep": str(root), "n_points": spec.n_points,
                "replicates": spec.replicates, "conf_level": conf_level, "resamples": resamples,
                "bootstrap_seed": seed, "indices": frame.to_dict(orient="records"), **extra}
        (target / f"{stem}.json").write_text(dump_json(meta, indent=2) + "\n")
        if figure:
            _plot(method, outcome, frame, conf_level, target / stem)
        results[outcome] = frame
    return results


def too_few_samples(spec: SweepSpec) -> str | None:
    """One line saying that the design has too few samples for its method, with the minimum; None if enough."""
    samples = int(spec.samples or 0)
    if spec.design == "sobol" and samples < SOBOL_MIN_SAMPLES:
        return (f"Sobol' analysis with N = {samples} base samples: at least {SOBOL_MIN_SAMPLES} are needed "
                f"(a power of 2; {SOBOL_STABLE_SAMPLES} or more for stable first-order indices), fewer give noise "
                f"such as S1 > ST or negative S1; raise 'samples' in the spec")
    if spec.design == "morris" and samples < MORRIS_MIN_TRAJECTORIES:
        return (f"Morris screening with r = {samples} trajectories: at least {MORRIS_MIN_TRAJECTORIES} are needed "
                f"(10 to 20 usual) for mu* and its interval to rank the parameters; raise 'samples' in the spec")
    return None


def _refuse_incomplete(root: Path, spec: SweepSpec, table) -> None:
    present = np.zeros(spec.n_runs, dtype=bool)
    run_ids = table["run_id"].to_numpy()
    present[run_ids] = True
    missing = np.flatnonzero(~present)
    failed = run_ids[np.asarray(table["status"].to_numpy(zero_copy_only=False) == STATUS_FAILED)]
    if missing.size or failed.size:
        parts = []
        if missing.size:
            parts.append(f"{missing.size} missing (run ids {_ids(missing)})")
        if failed.size:
            parts.append(f"{failed.size} failed (run ids {_ids(failed)})")
        raise AnalysisRefused(f"cannot analyse {str(root)!r}: of {spec.n_runs} runs, {' and '.join(parts)}; "
                              f"the indices would be biased. Resume the sweep (--resume, or --retry-failed) first")


def _ids(ids: np.ndarray, shown: int = 20) -> str:
    listed = ", ".join(str(int(i)) for i in ids[:shown])
    return listed + (f", ... and {ids.size - shown} more" if ids.size > shown else "")


def _problem_and_matrix(root: Path, spec: SweepSpec) -> tuple[dict[str, Any], np.ndarray]:
    import pyarrow.parquet as pq

    names = list(spec.varied)
    bounds = [list(spec.factors[name].bounds) for name in names]  # type: ignore[union-attr]
    try:
        design = pq.read_table(root / DESIGN)
    except OSError as error:
        raise AnalysisRefused(f"cannot read the design matrix {root / DESIGN}: {error}") from None
    matrix = np.column_stack([design[name].to_numpy() for name in names])
    return {"num_vars": len(names), "names": names, "bounds": bounds}, matrix


def _indices(method: str, spec: SweepSpec, problem: dict[str, Any], matrix: np.ndarray, y: np.ndarray,
             conf_level: float, resamples: int, seed: int):
    import pandas as pd

    if method == "sobol":
        from SALib.analyze import sobol

        result = sobol.analyze(problem, y, calc_second_order=bool(spec.second_order), num_resamples=resamples,
                               conf_level=conf_level, seed=seed)
        frame = pd.DataFrame({"parameter": problem["names"], "S1": result["S1"], "S1_conf": result["S1_conf"],
                              "ST": result["ST"], "ST_conf": result["ST_conf"]})
        extra = {}
        if spec.second_order:
            extra = {"S2": np.asarray(result["S2"]).tolist(), "S2_conf": np.asarray(result["S2_conf"]).tolist()}
        return frame, extra
    from SALib.analyze import morris

    result = morris.analyze(problem, matrix, y, num_resamples=resamples, conf_level=conf_level,
                            num_levels=spec.morris_levels, seed=seed)
    frame = pd.DataFrame({"parameter": problem["names"], "mu": np.asarray(result["mu"], dtype=float),
                          "mu_star": np.asarray(result["mu_star"], dtype=float),
                          "mu_star_conf": np.asarray(result["mu_star_conf"], dtype=float),
                          "sigma": np.asarray(result["sigma"], dtype=float)})
    return frame, {}


def _plot(method: str, outcome: str, frame, conf_level: float, path: Path) -> None:
    from ..plotting import save, style

    with style():
        save(draw_analysis(method, outcome, frame, conf_level), path)


def draw_analysis(method: str, outcome: str, frame, conf_level: float = 0.95):
    """The figure of an analysis (a Figure, not saved), drawn with SALib's own plotting: bars of S1 and ST
    with their intervals (Sobol'); ranked mu* bars and mu* against sigma (Morris). Titles say what is plotted."""
    import textwrap

    import matplotlib.pyplot as plt

    from ..plotting import HATCHES, PALETTE, style
    from .plot import metric_label

    level = f"{round(conf_level * 100)}%"
    what = metric_label(outcome)
    with style():
        if method == "sobol":
            from SALib.plotting.bar import plot as bar_plot

            fig, ax = plt.subplots(figsize=(max(6.4, 0.45 * len(frame) + 2.0), 4.6))
            indices = frame.set_index("parameter")[["S1", "S1_conf", "ST", "ST_conf"]]
            bar_plot(indices, ax=ax)
            from matplotlib.container import BarContainer

            bar_sets = [c for c in ax.containers if isinstance(c, BarContainer)]
            for container, hatch in zip(bar_sets, HATCHES, strict=False):  # a second cue, for print
                for patch in getattr(container, "patches", ()):
                    patch.set_hatch(hatch)
                    patch.set_edgecolor("white")
            ax.set_xlabel("parameter")
            ax.set_ylabel(f"Sobol' index (whiskers: {level} interval)")
            ax.legend(["first order S1", "total order ST"], ncol=2, loc="best")
            ax.tick_params(axis="x", labelrotation=60 if len(frame) > 4 else 0)
            ax.set_title(textwrap.fill(f"Sobol' indices of {what}", 60))
        else:
            from SALib.plotting.morris import covariance_plot, horizontal_bar_plot

            si = {"names": list(frame["parameter"]), "mu_star": frame["mu_star"].to_numpy(),
                  "mu_star_conf": frame["mu_star_conf"].to_numpy(), "sigma": frame["sigma"].to_numpy()}
            fig, (bars, ax) = plt.subplots(1, 2, figsize=(10, 0.4 * len(frame) + 2.6),
                                           gridspec_kw={"width_ratios": [1, 1.1]})
            horizontal_bar_plot(bars, si, {"color": PALETTE[0]})
            bars.set_xlabel(f"mu* (mean |elementary effect|; whiskers: {level} interval)")
            bars.set_title(textwrap.fill(f"Morris mu* of {what}", 50))
            covariance_plot(ax, si)
            ax.set_xlabel("mu*")
            ax.set_ylabel("sigma (interactions, non-linearity)")
            ax.set_title("mu* against sigma")
        fig.tight_layout()
    return fig
