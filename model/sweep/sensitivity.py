"""Sensitivity analysis of a finished sweep with SALib: Sobol' indices or Morris elementary effects.

``analyze(DIR, "sobol", ["gini"])`` reads the design matrix (``design.parquet``) and the runs table,
averages each outcome over the replicates of a design point, and calls ``SALib.analyze.sobol``
(first-order S1 and total-order ST with bootstrap confidence intervals) or ``SALib.analyze.morris``
(mu, mu*, its confidence interval, sigma). It refuses, naming the run ids, when runs are missing or
failed, because the estimators assume the complete design: dropping points would bias the indices
silently.
"""

from __future__ import annotations

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
    import matplotlib.pyplot as plt

    from ..plotting import HATCHES, PALETTE, save, style

    level = f"{round(conf_level * 100)}%"
    with style():
        if method == "sobol":
            fig, ax = plt.subplots(figsize=(6.4, 0.55 * len(frame) + 1.6))
            rows = np.arange(len(frame))
            height = 0.38
            for offset, (column, label, colour, hatch) in enumerate((
                    ("S1", "first order S1", PALETTE[0], HATCHES[0]),
                    ("ST", "total order ST", PALETTE[1], HATCHES[1]))):
                ax.barh(rows + (offset - 0.5) * height, frame[column], height, xerr=frame[f"{column}_conf"],
                        label=label, color=colour, hatch=hatch, edgecolor="white", capsize=3)
            ax.set_yticks(rows, frame["parameter"])
            ax.invert_yaxis()
            ax.set_xlabel(f"Sobol' index (bars: {level} confidence interval)")
            ax.set_title(f"Sensitivity of {outcome}")
            ax.legend(ncol=2, loc="upper center", bbox_to_anchor=(0.5, -0.2))
        else:
            # ranked bars stay readable however close the points are; the scatter refers to them by rank
            ranked = frame.sort_values("mu_star", ascending=False).reset_index(drop=True)
            labels = [f"{rank}  {name}" for rank, name in enumerate(ranked["parameter"], start=1)]
            fig, (bars, ax) = plt.subplots(1, 2, figsize=(10, 0.4 * len(frame) + 2.6),
                                           gridspec_kw={"width_ratios": [1, 1.1]})
            rows = np.arange(len(ranked))
            bars.barh(rows, ranked["mu_star"], xerr=ranked["mu_star_conf"], color=PALETTE[0], capsize=3)
            bars.set_yticks(rows, labels)
            bars.invert_yaxis()
            bars.set_xlabel(f"mu* (mean |elementary effect|; bars: {level} CI)")
            bars.set_title(f"Morris screening of {outcome}")
            ax.errorbar(ranked["mu_star"], ranked["sigma"], xerr=ranked["mu_star_conf"], fmt="o", color=PALETTE[0],
                        capsize=3)
            for rank, row in ranked.iterrows():
                ax.annotate(str(rank + 1), (row["mu_star"], row["sigma"]), textcoords="offset points",
                            xytext=(4, 4), fontsize=9)
            ax.set_xlabel("mu*")
            ax.set_ylabel("sigma (interactions, non-linearity)")
            ax.set_title("mu* against sigma (numbers: rank at left)")
            ax.set_xlim(0, float((ranked["mu_star"] + ranked["mu_star_conf"]).max()) * 1.1 or 1.0)
            ax.set_ylim(0, float(ranked["sigma"].max()) * 1.15 or 1.0)
            fig.tight_layout()
        save(fig, path)
