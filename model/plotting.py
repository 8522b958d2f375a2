"""Shared figure style and the figure of a single run.

One style for every figure of the project: the Okabe-Ito palette (colour-blind safe), with
hatching and line styles so that figures stay readable when printed in grey.
"""

from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

if TYPE_CHECKING:
    from .simulate import RunResult

#: Okabe & Ito (2008) colour-blind-safe palette; grey is kept for "the rest".
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000"]
REST_COLOUR = "#BBBBBB"
LINESTYLES = ["-", "--", "-.", ":", (0, (5, 1)), (0, (3, 1, 1, 1, 1, 1))]
HATCHES = ["", "//", "..", "xx", "\\\\", "++", "oo", "--"]
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

STYLE = {
    "figure.dpi": 100,
    "savefig.dpi": 200,
    "savefig.bbox": "tight",
    "font.size": 10,
    "axes.titlesize": 11,
    "axes.labelsize": 10,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "legend.frameon": False,
    "axes.prop_cycle": matplotlib.cycler(color=PALETTE),
    "svg.fonttype": "none",
    "svg.hashsalt": "engagement",
}


@contextmanager
def style():
    """Use the project style inside a ``with`` block."""
    with plt.rc_context(STYLE):
        yield


def save(fig: plt.Figure, path: str | Path, formats: tuple[str, ...] = ("png", "svg")) -> list[Path]:
    """Save a figure as PNG (200 dpi) and SVG next to each other; returns the paths written."""
    path = Path(path)
    written = []
    for ext in formats:
        target = path.with_suffix(f".{ext}")
        fig.savefig(target, metadata={"Date": None} if ext == "svg" else None)
        written.append(target)
    plt.close(fig)
    return written


def plot_run(result: RunResult, path: str | Path, top: int = 8) -> list[Path]:
    """Figure of one run: engagement shares over time (top companies + rest) and survivors."""
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
                 title="Engagement shares (C2, C3): a few take most")
        left.legend(loc="upper left", fontsize=7, ncol=2)
        ts = result.timeseries
        right.plot(ts["step"], ts["survivors"], label="companies in the market", color=PALETTE[0])
        right.plot(ts["step"], ts["winners"], label="winners (profitable)", color=PALETTE[2], linestyle="--")
        right.plot(ts["step"], ts["exits"], label="exits so far", color=PALETTE[3], linestyle=":")
        right.set(xlabel="step", ylabel="companies", title="Survivors and exits (C3, C9): displacement")
        gini_axis = right.twinx()
        gini_axis.plot(ts["step"], ts["gini"], color=PALETTE[4], linestyle="-.", label="Gini (right axis)")
        gini_axis.set(ylabel="Gini coefficient", ylim=(0, 1))
        gini_axis.grid(False)
        lines = right.get_lines() + gini_axis.get_lines()
        right.legend(lines, [line.get_label() for line in lines], loc="center right", fontsize=8)
        fig.tight_layout()
        return save(fig, path)
