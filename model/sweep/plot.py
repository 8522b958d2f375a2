"""Figures of a sweep, read from its folder: the design decides the figure.

``plot_sweep(DIR)`` draws, for each outcome,

- one varied parameter (a grid): the mean over the replicate worlds of each level with its 95% interval
  (Student t), the single runs as dots (``kind="lines"``);
- two: a heatmap of the means (``kind="heatmap"``; ``kind="lines"`` draws one line per level of the second);
- three: small multiples, one heatmap per level of the third parameter (``kind="panels"``);
- a sampled design (``lhs``, ``sobol``, ``morris``): one panel per parameter, every run as a dot and the mean
  in bins of the parameter as a line (``kind="scatter"``);

and, if the sweep kept a time series, envelopes over runs (median, 50% and 90% bands) per design point or
per level of one parameter (``kind="timeseries"``). Titles describe what is plotted; a claim or conclusion
goes into ``title=``/``caption=`` only when the caller gives one.

The folder is read only through ``read_runs``, ``read_timeseries`` and ``spec_of``. ``draw_sweep`` returns the
figures (for notebooks and tests), ``plot_sweep`` saves them with ``model.plotting.save``.
"""

from __future__ import annotations

import argparse
import contextlib
import math
import textwrap
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from ..metrics import mean_ci

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.figure import Figure

    from .spec import SweepSpec

KINDS = ("auto", "lines", "heatmap", "panels", "scatter", "timeseries")
#: Outcomes drawn when a sweep kept the default set (no outcome chosen in its spec).
SENSIBLE_OUTCOMES = ("gini_survivors", "top1_share", "survivors")
#: At most this many design points get an envelope each; beyond, runs are grouped by one parameter.
MAX_POINT_ENVELOPES = 6
#: Bins of the binned mean line in a scatter panel.
SCATTER_BINS = 10
#: Short names of parameters in titles (others: the name with spaces).
SHORT_NAMES = {"n_companies": "number of companies", "n_users": "number of users"}


@dataclass(frozen=True)
class SweepData:
    """What a figure needs from a sweep folder: its spec, the runs that finished, and the varied parameters."""

    folder: Path
    spec: SweepSpec
    runs: pd.DataFrame  # successful runs only
    varied: tuple[str, ...]  # parameters that take more than one value


def load(folder: str | Path) -> SweepData:
    """Read a sweep folder through the public readers; ValueError (one line) if nothing can be drawn."""
    from . import read_runs
    from .store import spec_of

    folder = Path(folder)
    spec = spec_of(folder)
    runs = read_runs(folder)
    ok = runs[runs["status"] == "ok"].reset_index(drop=True)
    if ok.empty:
        raise ValueError(f"the sweep in {str(folder)!r} has no successful run to plot")
    varied = tuple(name for name in spec.varied if name in ok.columns and ok[name].nunique() > 1)
    return SweepData(folder, spec, ok, varied)


# ====================================================================== labels
def metric_label(name: str) -> str:
    """The declared label of an outcome (``model.metrics``), or its name for an extra outcome."""
    from ..metrics import OUTCOME_BY_NAME
    from .spec import STEPS

    if name in OUTCOME_BY_NAME:
        return OUTCOME_BY_NAME[name].label
    return STEPS.label if name == STEPS.name else name.replace("_", " ")


def _parameter_rows() -> dict[str, dict[str, Any]]:
    from ..params import Params

    return {row["name"]: row for row in Params.describe()}


def parameter_label(name: str) -> str:
    """Axis label of a parameter: its meaning from ``Params.describe()`` (shortened) and its name."""
    row = _parameter_rows().get(name)
    if row is None:
        return name
    meaning = _shorten(row["meaning"], 60)
    unit = row["unit"] if row["unit"] not in ("", "-") and row["unit"] not in meaning else ""
    return f"{meaning}{f' ({unit})' if unit else ''} [{name}]"


def parameter_name(name: str) -> str:
    """A parameter as it reads in a title: "number of companies", "social influence"."""
    return SHORT_NAMES.get(name, name.replace("_", " "))


def _shorten(text: str, width: int) -> str:
    for stop in (" (", ";", ", ", ": "):
        head = text.split(stop)[0]
        if len(head) >= 12:  # "advertising: visibility ..." keeps more than its first word
            text = head
    return textwrap.shorten(text, width, placeholder=" ...")


def describe_title(outcome: str, parameters: Sequence[str], *, prefix: str = "") -> str:
    """A title that says what is plotted: "<outcome> by <parameter> and <parameter>"."""
    what = _shorten(metric_label(outcome), 70)
    what = what[:1].upper() + what[1:]
    names = [parameter_name(name) for name in parameters]
    by = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
    return f"{prefix}{what} by {by}" if names else f"{prefix}{what}"


def _level_text(value: Any) -> str:
    if isinstance(value, float | np.floating):
        return f"{float(value):g}"
    return str(value)


def _pooled(data: SweepData, keys: Sequence[str]) -> str:
    rest = [parameter_name(name) for name in data.varied if name not in keys]
    return f", pooled over {', '.join(rest)}" if rest else ""


def _finish(fig: Figure, title: str | None, default_title: str, caption: str | None) -> Figure:
    width = max(40, int(fig.get_figwidth() * 9))
    fig.suptitle("\n".join(textwrap.wrap(title or default_title, width)))
    fig.tight_layout()
    if caption:
        fig.text(0.01, 0.0, "\n".join(textwrap.wrap(caption, int(width * 1.3))), ha="left", va="top", fontsize=9,
                 style="italic")
    return fig


def _wrap(text: str, width: int = 34) -> str:
    return "\n".join(textwrap.wrap(text, width))


# ====================================================================== statistics
def outcome_values(runs: pd.DataFrame, outcome: str) -> np.ndarray:
    """An outcome column as floats, an undefined value (null) as NaN."""
    import pandas as pd

    return pd.to_numeric(runs[outcome], errors="coerce").astype("Float64").to_numpy(dtype=float, na_value=np.nan)


def _levels(data: SweepData, name: str) -> list[Any]:
    """Levels of a parameter in the runs, in the spec's order where it gives one."""
    present = list(data.runs[name].drop_duplicates())
    factor = data.spec.factors.get(name)
    order = list(getattr(factor, "values", ()))
    known = [value for value in order if value in present]
    rest = [value for value in present if value not in known]
    with contextlib.suppress(TypeError):
        rest.sort()
    return known + rest


def _is_log(data: SweepData, name: str) -> bool:
    raw = data.spec.params.get(name)
    return bool(isinstance(raw, Mapping) and raw.get("log"))


def _means(data: SweepData, outcome: str, keys: Sequence[str]) -> dict[tuple[Any, ...], tuple[float, float, float]]:
    values = outcome_values(data.runs, outcome)
    groups: dict[tuple[Any, ...], list[int]] = {}
    for index, key in enumerate(zip(*(data.runs[name] for name in keys), strict=True)):
        groups.setdefault(key, []).append(index)
    return {key: mean_ci(values[rows]) for key, rows in groups.items()}


# ====================================================================== the figure kinds
def draw_lines(data: SweepData, outcome: str, *, title: str | None = None, caption: str | None = None) -> Figure:
    """Mean and 95% interval over replicates against the first varied parameter; one line per level of
    the second, one panel per level of the third."""
    import matplotlib.pyplot as plt

    from ..plotting import LINESTYLES, MARKERS, PALETTE, line_with_band

    if not data.varied or data.spec.design != "grid":
        raise ValueError("kind 'lines' needs a grid sweep with at least one varied parameter")
    x_name, *others = data.varied[:3]
    series = others[0] if others else None
    panel = others[1] if len(others) > 1 else None
    keys = [name for name in (x_name, series, panel) if name]
    means = _means(data, outcome, keys)
    panels = _levels(data, panel) if panel else [None]
    fig, axes = plt.subplots(1, len(panels), figsize=(5.6 * len(panels) ** 0.8 + 1, 4.2), sharey=True,
                             squeeze=False)
    x_levels = _levels(data, x_name)
    numeric = all(isinstance(v, int | float | np.integer | np.floating) and not isinstance(v, bool)
                  for v in x_levels)
    x = np.asarray(x_levels, dtype=float) if numeric else np.arange(len(x_levels))
    values = outcome_values(data.runs, outcome)
    for ax, panel_level in zip(axes[0], panels, strict=True):
        for i, level in enumerate(_levels(data, series) if series else [None]):
            key_of = [(xv, *([level] if series else []), *([panel_level] if panel else [])) for xv in x_levels]
            stats = np.array([means.get(key, (np.nan,) * 3) for key in key_of])
            colour = PALETTE[i % len(PALETTE)]
            label = f"{parameter_name(series)} = {_level_text(level)}" if series else "mean over replicates"
            line_with_band(ax, x, stats[:, 0], stats[:, 1], stats[:, 2], colour=colour,
                           linestyle=LINESTYLES[i % len(LINESTYLES)], marker=MARKERS[i % len(MARKERS)], label=label)
            if not series:  # the single runs, so that the spread between worlds shows
                rows = data.runs
                position = {xv: xi for xv, xi in zip(x_levels, x, strict=True)}
                ax.plot([position[v] for v in rows[x_name]], values, linestyle="none", marker=".",
                        color=colour, alpha=0.35, label="single runs", zorder=1)
        if numeric and _is_log(data, x_name):
            ax.set_xscale("log")
            from ..plotting import plain_log_ticks

            plain_log_ticks(ax.xaxis, x)
        if not numeric:
            ax.set_xticks(x, [_level_text(v) for v in x_levels])
        ax.set_xlabel(_wrap(parameter_label(x_name), 60))
        if panel:
            ax.set_title(f"{parameter_name(panel)} = {_level_text(panel_level)}")
    axes[0][0].set_ylabel(_wrap(_shorten(metric_label(outcome), 60), 40))
    if series:  # one entry per level: outside, where it hides no line
        axes[0][-1].legend(loc="upper left", bbox_to_anchor=(1.01, 1.0))
    else:
        axes[0][-1].legend(loc="best")
    default = describe_title(outcome, keys) + " (lines: mean over replicates, bands: 95% interval)" + _pooled(data, keys)
    return _finish(fig, title, default, caption)


def draw_heatmap(data: SweepData, outcome: str, *, title: str | None = None, caption: str | None = None) -> Figure:
    """Heatmap of the mean over replicates: first varied parameter across, second up; with a third, one
    panel per level of it (small multiples on one colour scale)."""
    import matplotlib.pyplot as plt

    from ..plotting import heatmap

    if data.spec.design != "grid" or len(data.varied) < 2:
        raise ValueError("kind 'heatmap' needs a grid sweep with at least two varied parameters")
    x_name, y_name, *rest = data.varied[:3]
    panel = rest[0] if rest else None
    keys = [x_name, y_name, *([panel] if panel else [])]
    means = _means(data, outcome, keys)
    x_levels, y_levels = _levels(data, x_name), _levels(data, y_name)
    panels = _levels(data, panel) if panel else [None]
    tables = []
    for panel_level in panels:
        extra = [panel_level] if panel else []
        tables.append(np.array([[means.get((xv, yv, *extra), (np.nan,))[0] for xv in x_levels] for yv in y_levels]))
    finite = np.concatenate([t[np.isfinite(t)] for t in tables])
    vmin, vmax = (float(finite.min()), float(finite.max())) if finite.size else (None, None)
    big = finite.size and np.nanmax(np.abs(finite)) >= 100
    columns = len(panels)
    fig, axes = plt.subplots(1, columns, figsize=(min(4.8 * columns + 1.2, 22), 4.4), squeeze=False)
    for ax, table, panel_level in zip(axes[0], tables, panels, strict=True):
        heatmap(ax, table, [_level_text(v) for v in x_levels], [_level_text(v) for v in y_levels], vmin=vmin,
                vmax=vmax, number_format="{:.0f}" if big else "{:.2f}",
                colorbar_label=_wrap(_shorten(metric_label(outcome), 60), 34),
                fontsize=8 if columns < 4 else 6.5)
        ax.set_xlabel(_wrap(parameter_label(x_name), 44))
        ax.set_ylabel(_wrap(parameter_label(y_name), 34))
        if panel:
            ax.set_title(f"{parameter_name(panel)} = {_level_text(panel_level)}")
    default = describe_title(outcome, keys) + " (mean over replicates)" + _pooled(data, keys)
    return _finish(fig, title, default, caption)


def draw_scatter(data: SweepData, outcome: str, *, title: str | None = None, caption: str | None = None,
                 bins: int = SCATTER_BINS) -> Figure:
    """One panel per varied parameter: every run as a dot, and the mean in equal-count bins as a line."""
    import matplotlib.pyplot as plt

    from ..plotting import PALETTE

    if not data.varied:
        raise ValueError("kind 'scatter' needs at least one varied parameter")
    values = outcome_values(data.runs, outcome)
    names = data.varied
    columns = min(len(names), 4)
    rows = math.ceil(len(names) / columns)
    fig, axes = plt.subplots(rows, columns, figsize=(3.6 * columns + 0.8, 3.0 * rows + 0.8), sharey=True,
                             squeeze=False)
    for ax, name in zip(axes.flat, names, strict=False):
        x = data.runs[name].to_numpy(dtype=float)
        ax.plot(x, values, linestyle="none", marker=".", color=PALETTE[0], alpha=0.35, label="single runs")
        centres, means = binned_means(x, values, bins, log=_is_range_log(data, name))
        ax.plot(centres, means, color=PALETTE[3], marker="o", label=f"mean in {len(centres)} bins")
        if _is_range_log(data, name):
            ax.set_xscale("log")
        ax.set_xlabel(_wrap(parameter_label(name), 38), fontsize=8)
    for ax in axes.flat[len(names):]:
        ax.set_visible(False)
    for row in axes:
        row[0].set_ylabel(_wrap(_shorten(metric_label(outcome), 60), 34))
    axes.flat[0].legend(loc="best")
    default = describe_title(outcome, names) + f" ({data.spec.design} design, {len(data.runs)} runs)"
    if len(names) > 3:
        default = f"{describe_title(outcome, [])} by each of {len(names)} parameters " \
                  f"({data.spec.design} design, {len(data.runs)} runs)"
    return _finish(fig, title, default, caption)


def _is_range_log(data: SweepData, name: str) -> bool:
    return bool(getattr(data.spec.factors.get(name), "log", False)) or _is_log(data, name)


def binned_means(x: np.ndarray, y: np.ndarray, bins: int, *, log: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """Mean of ``y`` in up to ``bins`` equal-count bins of ``x`` (x at the mean of each bin; NaN y ignored)."""
    keep = np.isfinite(x) & np.isfinite(y)
    x, y = x[keep], y[keep]
    if x.size == 0:
        return np.array([]), np.array([])
    order = np.argsort(x, kind="stable")
    chunks = np.array_split(order, min(bins, x.size))
    centres = np.array([np.exp(np.log(x[c]).mean()) if log and (x[c] > 0).all() else x[c].mean() for c in chunks])
    return centres, np.array([y[c].mean() for c in chunks])


def timeseries_groups(data: SweepData, by: str | None = None) -> tuple[str, dict[str, np.ndarray]]:
    """Which runs share an envelope: each design point when there are few, else each level (grid) or third
    (sampled design) of parameter ``by`` (default the first varied one). Returns a description and
    {label: run ids}."""
    runs = data.runs
    if by is None and runs["point"].nunique() <= MAX_POINT_ENVELOPES:
        groups: dict[str, np.ndarray] = {}
        for point, frame in runs.groupby("point", sort=True):
            label = ", ".join(f"{parameter_name(n)} = {_level_text(frame[n].iloc[0])}" for n in data.varied)
            groups[label or f"design point {point}"] = frame["run_id"].to_numpy()
        return "per design point", groups
    if by is None:
        if not data.varied:
            return "all runs", {"all runs": runs["run_id"].to_numpy()}
        by = data.varied[0]
    if by not in runs.columns:
        raise ValueError(f"cannot group by {by!r}: it is not a varied parameter of this sweep "
                         f"({', '.join(data.spec.varied) or 'none'})")
    if data.spec.design == "grid":
        groups = {f"{parameter_name(by)} = {_level_text(level)}": runs.loc[runs[by] == level, "run_id"].to_numpy()
                  for level in _levels(data, by)}
        return f"per level of {parameter_name(by)}", groups
    x = runs[by].to_numpy(dtype=float)
    edges = np.quantile(x, [0, 1 / 3, 2 / 3, 1])
    groups = {}
    for i in range(3):
        inside = (x >= edges[i]) & ((x < edges[i + 1]) if i < 2 else (x <= edges[i + 1]))
        groups[f"{parameter_name(by)} {edges[i]:.3g} to {edges[i + 1]:.3g}"] = runs.loc[inside, "run_id"].to_numpy()
    return f"per third of {parameter_name(by)}", groups


def envelope(series: pd.DataFrame, metric: str) -> pd.DataFrame:
    """Median and 50%/90% bands over runs at each step (columns q05, q25, median, q75, q95; index step)."""
    import pandas as pd

    frame = series[["step"]].copy()
    frame["value"] = pd.to_numeric(series[metric], errors="coerce").astype(float)
    grouped = frame.groupby("step")["value"]
    table = grouped.quantile([0.05, 0.25, 0.5, 0.75, 0.95]).unstack()
    table.columns = ["q05", "q25", "median", "q75", "q95"]
    return table


def draw_timeseries(data: SweepData, metric: str, *, by: str | None = None, title: str | None = None,
                    caption: str | None = None) -> Figure:
    """Median over runs with 50% and 90% bands at each recorded step, one panel per group of runs."""
    import matplotlib.pyplot as plt

    from ..plotting import PALETTE
    from . import read_timeseries

    if not data.spec.timeseries_every:
        raise ValueError(f"the sweep in {str(data.folder)!r} kept no time series (timeseries_every = 0)")
    if metric not in (data.spec.timeseries_metrics or ()):
        raise ValueError(f"the time series does not hold {metric!r}; it holds "
                         f"{', '.join(data.spec.timeseries_metrics or ())}")
    how, groups = timeseries_groups(data, by)
    series = read_timeseries(data.folder, run_ids=data.runs["run_id"], columns=[metric])
    columns = min(len(groups), 3)
    rows = math.ceil(len(groups) / columns)
    fig, axes = plt.subplots(rows, columns, figsize=(4.4 * columns + 0.6, 3.2 * rows + 0.9), sharex=True, sharey=True,
                             squeeze=False)
    for i, (ax, (label, run_ids)) in enumerate(zip(axes.flat, groups.items(), strict=False)):
        table = envelope(series[series["run_id"].isin(run_ids)], metric)
        colour = PALETTE[i % len(PALETTE)]
        steps = table.index.to_numpy()
        ax.fill_between(steps, table["q05"], table["q95"], color=colour, alpha=0.15, linewidth=0, label="90% of runs")
        ax.fill_between(steps, table["q25"], table["q75"], color=colour, alpha=0.35, linewidth=0, label="50% of runs")
        ax.plot(steps, table["median"], color=colour, label="median")
        ax.set_title(_wrap(f"{label} ({len(run_ids)} runs)", 44), fontsize=9)
    for ax in axes.flat[len(groups):]:
        ax.set_visible(False)
    for ax in axes[-1]:
        ax.set_xlabel("step")
    for row in axes:
        row[0].set_ylabel(_wrap(_shorten(metric_label(metric), 60), 34))
    axes.flat[0].legend(loc="best")
    what = _shorten(metric_label(metric), 70)
    default = f"{what[:1].upper()}{what[1:]} over time, {how} (median, 50% and 90% of runs)"
    return _finish(fig, title, default, caption)


# ====================================================================== choosing and saving
def default_outcomes(spec: SweepSpec) -> list[str]:
    """The spec's first outcome; a spec that kept the default set gets a few telling ones instead."""
    from .spec import DEFAULT_OUTCOMES

    kept = [name for name in spec.outcomes if name != "steps"] or list(spec.outcomes)
    if tuple(spec.outcomes) == tuple(DEFAULT_OUTCOMES):
        chosen = [name for name in SENSIBLE_OUTCOMES if name in kept]
        if chosen:
            return chosen
    return kept[:1]


def auto_kind(data: SweepData) -> str:
    """The figure the design calls for (see the module docstring)."""
    if data.spec.design != "grid":
        return "scatter"
    return {0: "scatter", 1: "lines", 2: "heatmap"}.get(len(data.varied), "panels")


def draw_sweep(folder: str | Path, outcomes: str | Sequence[str] | None = None, *, kind: str = "auto",
               by: str | None = None, title: str | None = None, caption: str | None = None) -> dict[str, Figure]:
    """The figures of a sweep as ``{name: Figure}`` (not saved; ``plot_sweep`` saves them).

    ``kind="auto"`` draws the figure the design calls for, per outcome, plus the time-series envelopes
    of the outcomes the time series holds; any other kind (``KINDS``) draws only that one. ``by`` groups
    the time series by one parameter. ``title`` replaces the descriptive title, ``caption`` adds a line
    under the figure.
    """
    from ..plotting import style

    if kind not in KINDS:
        raise ValueError(f"unknown kind {kind!r}; kinds are {', '.join(KINDS)}")
    data = load(folder)
    if isinstance(outcomes, str):
        outcomes = [outcomes]
    outcomes = list(outcomes) if outcomes else default_outcomes(data.spec)
    for outcome in outcomes:
        in_series = outcome in (data.spec.timeseries_metrics or ())
        if outcome not in data.runs.columns and not (kind == "timeseries" and in_series):
            raise ValueError(f"outcome {outcome!r} was not kept by the sweep in {str(data.folder)!r}; kept: "
                             f"{', '.join(data.spec.outcomes)}")
    figures: dict[str, Figure] = {}
    chosen = auto_kind(data) if kind == "auto" else kind
    with style():
        for outcome in outcomes:
            if chosen == "timeseries":
                figures[f"timeseries_{outcome}"] = draw_timeseries(data, outcome, by=by, title=title, caption=caption)
                continue
            draw = {"lines": draw_lines, "heatmap": draw_heatmap, "panels": draw_heatmap,
                    "scatter": draw_scatter}[chosen]
            if chosen == "panels" and len(data.varied) < 3:
                raise ValueError("kind 'panels' needs a grid sweep with three varied parameters")
            figures[f"{chosen}_{outcome}"] = draw(data, outcome, title=title, caption=caption)
        if kind == "auto" and data.spec.timeseries_every:
            for metric in [m for m in outcomes if m in (data.spec.timeseries_metrics or ())]:
                figures[f"timeseries_{metric}"] = draw_timeseries(data, metric, by=by, title=title, caption=caption)
    return figures


def plot_sweep(folder: str | Path, outcomes: str | Sequence[str] | None = None, out: str | Path | None = None, *,
               kind: str = "auto", formats: Sequence[str] = ("png", "svg"), by: str | None = None,
               title: str | None = None, caption: str | None = None) -> list[Path]:
    """Draw a sweep's figures (see ``draw_sweep``) and save them into ``out`` (default ``DIR/figures``).

    Each figure is saved as ``{kind}_{outcome}.{format}``; PDF too inside ``figure_options(extra_formats=("pdf",))``.
    Returns the paths written.
    """
    from ..plotting import save, style

    figures = draw_sweep(folder, outcomes, kind=kind, by=by, title=title, caption=caption)
    target = Path(out) if out is not None else Path(folder) / "figures"
    target.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    with style():  # the style's savefig settings (dpi, tight bounding box) apply when saving
        for name, fig in figures.items():
            written.extend(save(fig, target / name, tuple(formats)))
    return written


# ====================================================================== command line (wired by the lead)
def add_sweep_plot_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of ``engagement plot SWEEP_DIR`` (the folder argument itself is the caller's)."""
    parser.add_argument("--outcome", action="append", metavar="METRIC",
                        help="outcome to draw (repeatable; default: the spec's first outcome)")
    parser.add_argument("--kind", choices=KINDS, default="auto",
                        help="figure kind (default auto: lines, heatmap or panels for 1, 2 or 3 grid parameters, "
                             "scatter for sampled designs, plus time-series envelopes)")
    parser.add_argument("--by", metavar="PARAM", help="time series: one envelope per level of PARAM")
    parser.add_argument("--title", help="figure title instead of the descriptive one (e.g. a claim)")
    parser.add_argument("--caption", help="a caption under the figure (e.g. the conclusion)")


def sweep_plot_main(folder: str | Path, args: argparse.Namespace, out: str | Path | None = None,
                    formats: Sequence[str] = ("png", "svg")) -> list[Path]:
    """``engagement plot SWEEP_DIR`` with the options of ``add_sweep_plot_arguments``; returns the paths."""
    return plot_sweep(folder, args.outcome, out, kind=args.kind, formats=formats, by=args.by, title=args.title,
                      caption=args.caption)
