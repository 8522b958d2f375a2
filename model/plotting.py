"""Shared figure style, figure helpers and the figure of a single run.

One style for every figure of the project: the Okabe-Ito palette (colour-blind safe), and for
every series a second cue — line style, marker or hatch — so that figures stay readable when
printed in grey. The experiments (``experiments/``) draw with the helpers below.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

if TYPE_CHECKING:
    from .simulate import RunResult

#: Okabe & Ito (2008) colour-blind-safe palette; grey is kept for "the rest".
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000"]
REST_COLOUR = "#BBBBBB"
LINESTYLES = ["-", "--", "-.", ":", (0, (5, 1)), (0, (3, 1, 1, 1, 1, 1))]
MARKERS = ["o", "s", "^", "D", "v", "P", "X", "*"]
HATCHES = ["", "//", "..", "xx", "\\\\", "++", "oo", "--"]
#: Sequential colour map for heatmaps: perceptually uniform, colour-blind safe and monotone in grey.
SEQUENTIAL = "cividis"

FORMAT_ORDER = ("advertising", "information_broadcasting", "dialogue", "brand_community", "topic_community")
FORMAT_COLOURS = {
    "advertising": "#E69F00",
    "information_broadcasting": "#56B4E9",
    "dialogue": "#009E73",
    "brand_community": "#0072B2",
    "topic_community": "#CC79A7",
}
FORMAT_LABELS = {
    "advertising": "Advertising (Werbung)",
    "information_broadcasting": "Information broadcasting (Informationsverbreitung)",
    "dialogue": "Dialogue (Dialog)",
    "brand_community": "Brand community",
    "topic_community": "Topic community (Themencommunity)",
}
#: Short labels for crowded legends and tick labels.
FORMAT_SHORT = {
    "advertising": "Advertising\n(Werbung)",
    "information_broadcasting": "Information\n(Informations-\nverbreitung)",
    "dialogue": "Dialogue\n(Dialog)",
    "brand_community": "Brand\ncommunity",
    "topic_community": "Topic community\n(Themen-\ncommunity)",
}
#: Shallow formats are dotted/dashed, deep ones solid, so depth reads even in grey.
FORMAT_LINESTYLES = {
    "advertising": ":",
    "information_broadcasting": "-.",
    "dialogue": "--",
    "brand_community": "-",
    "topic_community": (0, (5, 1)),
}
FORMAT_MARKERS = {
    "advertising": "v",
    "information_broadcasting": "^",
    "dialogue": "s",
    "brand_community": "o",
    "topic_community": "D",
}
FORMAT_HATCHES = {
    "advertising": "..",
    "information_broadcasting": "//",
    "dialogue": "xx",
    "brand_community": "",
    "topic_community": "\\\\",
}

STYLE = {
    "figure.dpi": 100,
    "savefig.dpi": 200,
    "savefig.bbox": "tight",
    "font.size": 10,
    "axes.titlesize": 10.5,
    "axes.titleweight": "bold",
    "axes.labelsize": 10,
    "xtick.labelsize": 9,
    "ytick.labelsize": 9,
    "legend.fontsize": 8.5,
    "figure.titlesize": 13,
    "figure.titleweight": "bold",
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "legend.frameon": False,
    "lines.linewidth": 1.8,
    "lines.markersize": 5,
    "hatch.linewidth": 0.6,
    "axes.prop_cycle": matplotlib.cycler(color=PALETTE),
    "svg.fonttype": "none",
    "svg.hashsalt": "engagement",
}


@contextmanager
def style():
    """Use the project style inside a ``with`` block."""
    with plt.rc_context(STYLE):
        yield


@dataclass(frozen=True)
class FigureOptions:
    """How ``save`` writes figures: language of the labels, extra formats (``pdf``), resolution.

    Set for a block with ``figure_options(lang="de", extra_formats=("pdf",))``; the experiments and
    ``engagement plot`` pass their ``--lang``/``--pdf``/``--dpi`` options through it, so that the
    drawing code of each figure stays the same.
    """

    lang: str = "en"
    extra_formats: tuple[str, ...] = ()
    dpi: float | None = None


_DEFAULT_OPTIONS = FigureOptions()
_FIGURE_OPTIONS: ContextVar[FigureOptions | None] = ContextVar("figure_options", default=None)


@contextmanager
def figure_options(**changes: Any) -> Iterator[FigureOptions]:
    """Inside the block, ``save`` uses these options (see ``FigureOptions``)."""
    options = replace(current_figure_options(), **changes)
    token = _FIGURE_OPTIONS.set(options)
    try:
        yield options
    finally:
        _FIGURE_OPTIONS.reset(token)


def current_figure_options() -> FigureOptions:
    return _FIGURE_OPTIONS.get() or _DEFAULT_OPTIONS


def save(fig: plt.Figure, path: str | Path, formats: tuple[str, ...] = ("png", "svg"),
         compact: bool = True) -> list[Path]:
    """Save a figure as PNG (200 dpi) and SVG next to each other; returns the paths written.

    ``compact`` stores the PNG with a 256-colour palette: about a third of the size, so that
    figures can be committed; the SVG keeps the exact vector figure for print. The current
    ``figure_options`` add formats (PDF), set the resolution and translate the labels.
    """
    options = current_figure_options()
    if options.lang != "en":
        from .i18n import translate_figure

        translate_figure(fig, options.lang)
    formats = tuple(dict.fromkeys((*formats, *options.extra_formats)))
    path = Path(path)
    written = []
    for ext in formats:
        target = path.with_suffix(f".{ext}")
        metadata = {"Date": None} if ext == "svg" else {"CreationDate": None} if ext == "pdf" else {"Software": None}
        fig.savefig(target, metadata=metadata, **({"dpi": options.dpi} if options.dpi else {}))
        if ext == "png" and compact:
            _compact_png(target)
        written.append(target)
    plt.close(fig)
    return written


def _compact_png(path: Path) -> None:
    """Re-save a PNG with an adaptive 256-colour palette (no dithering, so flat areas stay flat)."""
    from PIL import Image

    with Image.open(path) as image:
        dpi = image.info.get("dpi")  # matplotlib writes the resolution (pHYs); keep it for print
        palette = image.convert("RGB").quantize(colors=256, method=Image.Quantize.MEDIANCUT,
                                                dither=Image.Dither.NONE)
    palette.save(path, optimize=True, **({"dpi": tuple(round(d) for d in dpi)} if dpi else {}))


# ====================================================================== helpers for experiment figures
def line_with_band(ax: plt.Axes, x: Any, mean: Any, low: Any = None, high: Any = None, *, colour: str,
                   linestyle: Any = "-", marker: str | None = None, label: str | None = None,
                   markevery: Any = None, band_alpha: float = 0.2, **kwargs: Any) -> None:
    """A mean curve with its 95% interval as a shaded band of the same colour."""
    x = np.asarray(x)
    ax.plot(x, mean, color=colour, linestyle=linestyle, marker=marker, label=label, markevery=markevery,
            **kwargs)
    if low is not None and high is not None:
        ax.fill_between(x, low, high, color=colour, alpha=band_alpha, linewidth=0)


def heatmap(ax: plt.Axes, values: np.ndarray, x_labels: Sequence[str], y_labels: Sequence[str], *,
            vmin: float | None = None, vmax: float | None = None, cmap: str = SEQUENTIAL,
            number_format: str = "{:.2f}", colorbar_label: str = "", log: bool = False,
            fontsize: float = 8) -> Any:
    """Cells coloured by value and annotated with the value (readable in grey and by screen readers).

    ``values`` has one row per y label (bottom to top) and one column per x label.
    """
    from matplotlib.colors import LogNorm, Normalize

    values = np.asarray(values, dtype=float)
    norm = (LogNorm(vmin=vmin, vmax=vmax) if log else Normalize(vmin=vmin, vmax=vmax))
    image = ax.imshow(values, origin="lower", aspect="auto", cmap=cmap, norm=norm, interpolation="nearest")
    ax.set_xticks(range(len(x_labels)), x_labels)
    ax.set_yticks(range(len(y_labels)), y_labels)
    ax.grid(False)
    colormap = plt.get_cmap(cmap)
    for row in range(values.shape[0]):
        for col in range(values.shape[1]):
            value = values[row, col]
            if not np.isfinite(value):
                continue
            # white text on dark cells, black on light ones
            red, green, blue, _ = colormap(norm(value))
            luminance = 0.299 * red + 0.587 * green + 0.114 * blue
            ax.text(col, row, number_format.format(value), ha="center", va="center", fontsize=fontsize,
                    color="white" if luminance < 0.5 else "black")
    colorbar = ax.figure.colorbar(image, ax=ax, fraction=0.05, pad=0.02)
    colorbar.set_label(colorbar_label)
    return image


def plain_log_ticks(axis: Any, ticks: Sequence[float]) -> None:
    """Log-scale ticks labelled as plain numbers (0.05, 0.1, 0.2 ... instead of 5x10^-2)."""
    from matplotlib.ticker import FixedLocator, FuncFormatter, NullFormatter

    axis.set_major_locator(FixedLocator(list(ticks)))
    axis.set_major_formatter(FuncFormatter(lambda value, _: f"{value:g}"))
    axis.set_minor_formatter(NullFormatter())


def panel_label(ax: plt.Axes, letter: str) -> None:
    """A bold panel letter in the top-left corner, outside the axes."""
    ax.text(-0.1, 1.02, letter, transform=ax.transAxes, fontsize=13, fontweight="bold", ha="right", va="bottom")


def bar_with_ci(ax: plt.Axes, x: Any, mean: Any, low: Any, high: Any, *, colour: str, hatch: str = "",
                label: str | None = None, width: float = 0.8) -> Any:
    """Bars with 95% interval whiskers; hatched so that they read in grey."""
    mean = np.asarray(mean, dtype=float)
    error = np.vstack([mean - np.asarray(low, dtype=float), np.asarray(high, dtype=float) - mean])
    return ax.bar(x, mean, width=width, color=colour, hatch=hatch, edgecolor="black", linewidth=0.6,
                  label=label, yerr=np.clip(error, 0, None), capsize=3, error_kw={"linewidth": 0.9})


# ====================================================================== the figure of one run
def plot_run(result: RunResult, path: str | Path, top: int = 8) -> list[Path]:
    """Figure of one run: engagement shares over time (top companies + rest); survivors, cohort winners, exits
    and the Gini coefficient over every company that entered and among the survivors."""
    shares = result.shares
    final = shares.iloc[-1].sort_values(ascending=False)
    leaders = list(final.index[:top])
    with style():
        fig, (left, right) = plt.subplots(1, 2, figsize=(10, 4))
        steps = shares.index.to_numpy()
        layers = [shares[c].to_numpy() for c in leaders]
        rest = shares.drop(columns=leaders).sum(axis=1).to_numpy()
        colours = [PALETTE[i % len(PALETTE)] for i in range(len(leaders))] + [REST_COLOUR]
        polys = left.stackplot(steps, *layers, rest, colors=colours,
                               labels=[f"company {c}" for c in leaders] + ["all others"])
        for i, poly in enumerate(polys):
            poly.set_hatch(HATCHES[i % len(HATCHES)])
            poly.set_edgecolor("white")
        left.set(xlabel="step", ylabel="engagement share", ylim=(0, 1),
                 title="Engagement shares (C2, C3): the largest companies and the rest")
        left.legend(loc="upper left", fontsize=7, ncol=2)
        ts = result.timeseries
        right.plot(ts["step"], ts["survivors"], label="companies in the market", color=PALETTE[0])
        right.plot(ts["step"], ts["winners"], label="cohort winners (alive, recent profit > 0)", color=PALETTE[2],
                   linestyle="--")
        right.plot(ts["step"], ts["exits"], label="exits so far", color=PALETTE[3], linestyle=":")
        right.set(xlabel="step", ylabel="companies", title="Survivors, winners, exits and Gini (C3, C9)")
        gini_axis = right.twinx()
        gini_axis.plot(ts["step"], ts["gini"], color=PALETTE[4], linestyle="-.", label="Gini, all that entered (right)")
        gini_axis.plot(ts["step"], ts["gini_survivors"], color=PALETTE[4], linestyle=(0, (1, 1)),
                       label="Gini, survivors (right)")
        gini_axis.set(ylabel="Gini coefficient", ylim=(0, 1))
        gini_axis.grid(False)
        lines = right.get_lines() + gini_axis.get_lines()
        right.legend(lines, [line.get_label() for line in lines], loc="center right", fontsize=8)
        fig.tight_layout()
        return save(fig, path)
