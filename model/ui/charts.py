"""What the dashboard's charts show and how they are drawn (matplotlib, the project's figure style).

Sizes are set for a projector: every chart is ``FIGSIZE`` at ``DPI`` (460 x 270 pixels, the size it
is shown at on a 1280 x 720 screen) and every text in it is at least ``MIN_FONT_PX`` (14) pixels
high. Titles say what a chart shows, not what to conclude. Axes are stable: shares run from 0
to 1, time from 0 to the lesson's horizon (growing only when the run goes beyond it), counts from
0 to a round number above the market's size. Companies are drawn in ``COMPANY_COLOURS``, which
share no colour with the formats (``model.plotting.FORMAT_COLOURS``).

The charts are plain functions of a snapshot (``MarketData`` or ``WorldsData``), copied out of the
model after a step, so that a background ``ChartRenderer`` can draw while the model goes on
stepping: it draws the newest snapshot and skips those superseded meanwhile (redraw throttling).
"""

from __future__ import annotations

import io
import logging
import math
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from ..formats import FORMAT_NAMES, FORMATS
from ..i18n import FORMAT_WORDS_DE
from ..i18n import gettext as _
from ..params import format_shares
from ..plotting import FORMAT_COLOURS, PALETTE, REST_COLOUR, STYLE

#: Companies drawn individually in the share chart (the others are summed as "all others").
TOP_COMPANIES = 5
#: Companies drawn individually in each world of the worlds lesson.
TOP_PER_WORLD = 2
#: Points per line at most; longer runs are thinned evenly (the last step is always drawn).
MAX_POINTS = 400
#: Every chart: 4.6 x 2.7 inches at 100 dpi = 460 x 270 pixels, shown at that size or larger on 1280 x 720.
FIGSIZE = (4.6, 2.7)
#: The worlds chart spans both columns: 940 x 340 pixels (room for a legend of up to 8 companies).
WORLDS_FIGSIZE = (9.4, 3.4)
DPI = 100
#: The smallest text in a chart, in pixels of the image (tests check every text against it).
MIN_FONT_PX = 14.0
_FONT_PT = MIN_FONT_PX * 72 / DPI
#: Company colours: colour-blind-safe (Okabe-Ito vermillion, Tol's muted and dark colours), none of
#: them a format colour, so that "#476 advertising" is never drawn in a format's colour.
COMPANY_COLOURS = ("#D55E00", "#882255", "#999933", "#332288", "#DDCC77", "#AA4499", "#661100", "#000000")
#: Extra rc settings over the project style: projector sizes, compact legends.
DASHBOARD_STYLE = {
    **STYLE,
    "font.size": _FONT_PT, "axes.titlesize": _FONT_PT * 1.07, "axes.labelsize": _FONT_PT,
    "xtick.labelsize": _FONT_PT, "ytick.labelsize": _FONT_PT, "legend.fontsize": _FONT_PT,
    "legend.handlelength": 1.2, "legend.handletextpad": 0.4, "legend.labelspacing": 0.25,
    "legend.borderaxespad": 0.2, "axes.titlepad": 4.0, "xtick.major.pad": 2.0, "ytick.major.pad": 2.0,
    "axes.labelpad": 2.0,
}
_DRAW_LOCK = threading.Lock()  # matplotlib's rc_context is process-global; sessions draw in threads

COMPANY_METRICS = ("survivors", "entries", "exits")
CONCENTRATION_METRICS = ("gini", "gini_survivors", "top1_share")
CHART_METRICS = (*COMPANY_METRICS, *CONCENTRATION_METRICS, *(f"share_{n}" for n in FORMAT_NAMES))
#: The charts of one market, in page order (also the CSS class ``chart-NAME``).
MARKET_CHARTS = ("shares", "formats", "companies", "concentration")


def sampled_steps(n_steps: int) -> np.ndarray:
    """Indices of the recorded steps to draw: all of them, or MAX_POINTS evenly spread (first and last included)."""
    if n_steps <= MAX_POINTS:
        return np.arange(n_steps)
    return np.unique(np.linspace(0, n_steps - 1, MAX_POINTS).round().astype(np.int64))


def format_word(name: str, lang: str, short: bool = False) -> str:
    """A format's name in ``lang``: the article's German word, or the English label."""
    if lang == "de":
        return FORMAT_WORDS_DE[name][1 if short else 0]
    label = next(fmt.label for fmt in FORMATS if fmt.name == name)
    label = label[:1].upper() + label[1:]
    return label.replace(" ", "\n", 1) if short and len(label) > 10 else label


@dataclass(frozen=True)
class Shares:
    """Engagement share of the top companies and of the rest at the drawn steps (one market)."""

    ids: list[int]  # company ids, largest share now first
    formats: list[str]  # their format names
    layers: np.ndarray  # company x step
    rest: np.ndarray


def top_company_shares(model: Any, history: list[np.ndarray], steps: np.ndarray, top: int) -> Shares:
    """Share of each of the ``top`` companies with the largest last share at ``steps``, and the rest.

    ``history`` is the model's per-step share arrays (index = company row). Companies are ranked
    by the last step's share, ties by the share summed over the run; companies that never had any
    engagement are left out.
    """
    latest = history[-1]
    overall = np.zeros(latest.size)
    for row in history:
        overall[: row.size] += row
    order = np.lexsort((-overall, -latest))  # the last key sorts first
    picked = [int(r) for r in order[:top] if overall[r] > 0]
    layers = np.zeros((len(picked), steps.size))
    rest = np.zeros(steps.size)
    for col, step in enumerate(steps):
        row = history[step]
        present = [r for r in picked if r < row.size]
        taken = row[present] if present else np.zeros(0)
        layers[[picked.index(r) for r in present], col] = taken
        rest[col] = max(float(row.sum()) - float(taken.sum()), 0.0)
    table = model.companies_table
    return Shares([int(table.unique_id[r]) for r in picked], [FORMATS[int(table.format[r])].name for r in picked],
                  layers, rest)


@dataclass(frozen=True)
class MarketData:
    """What the charts of one market show at one step (a snapshot, independent of the model)."""

    source: object  # the model it was taken from (identity only)
    step: int
    steps: np.ndarray
    series: dict[str, np.ndarray]  # CHART_METRICS at those steps
    shares: Shares
    format_mix: dict[str, float]  # share of each format among companies at entry
    n_companies: int

    @classmethod
    def of(cls, model: Any, top: int = TOP_COMPANIES) -> MarketData:
        # Copies cut to the steps recorded in all lists: the model may step while this runs.
        history = model.share_history[:]
        records = {name: model.datacollector.model_vars[name][:] for name in CHART_METRICS}
        recorded = min(len(history), *(len(values) for values in records.values()))
        steps = sampled_steps(recorded)
        series = {name: np.asarray(values[:recorded], dtype=float)[steps] for name, values in records.items()}
        return cls(model, recorded - 1, steps, series, top_company_shares(model, history[:recorded], steps, top),
                   format_shares(model.p.format_mix), model.p.n_companies)


@dataclass(frozen=True)
class WorldsData:
    """The share chart of each world (the same companies in every world, C10)."""

    source: object
    step: int
    worlds: list[MarketData]


def snapshot(model: Any) -> MarketData | WorldsData:
    """The data of the charts of ``model`` now: one market, or each of its worlds."""
    worlds = getattr(model, "worlds_list", None)
    if worlds:
        data = [MarketData.of(world, TOP_PER_WORLD) for world in worlds]
        return WorldsData(model, min(d.step for d in data), data)
    return MarketData.of(model)


# ====================================================================== drawing
def _figure(legend_width: float = 0.0) -> tuple[Figure, Any]:
    """A chart with fixed margins (tight_layout would cost a third of the redraw); a legend column on the right."""
    fig = Figure(figsize=FIGSIZE, dpi=DPI)
    fig.subplots_adjust(left=0.12, right=0.985 - legend_width, bottom=0.17, top=0.88)
    return fig, fig.subplots()


def _time_axis(ax: Any, data: MarketData, horizon: int, lang: str) -> None:
    ax.set_xlim(0, max(horizon, int(data.steps[-1])))
    ax.set_xlabel(_("step", lang))
    ax.xaxis.set_major_locator(_locator())


def _locator(bins: int = 4) -> Any:
    from matplotlib.ticker import MaxNLocator

    return MaxNLocator(nbins=bins, integer=True)


def _title(fig: Figure, text: str) -> None:
    """The chart's title, from the figure's left edge (the whole width is available for it)."""
    fig.text(0.01, 0.985, text, ha="left", va="top", fontsize=_FONT_PT * 1.07, fontweight="bold")


def _note(ax: Any, text: str) -> None:
    ax.text(0.5, 0.5, text, transform=ax.transAxes, ha="center", va="center", color="#555555")


def _legend_right(ax: Any, handles: Any = None, **kwargs: Any) -> None:
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.01, 1.02), frameon=False, **kwargs)


def company_colour(index: int) -> str:
    return COMPANY_COLOURS[index % len(COMPANY_COLOURS)]


def _shares_plot(ax: Any, data: MarketData, colours: list[str], lang: str, horizon: int,
                 legend: bool = True) -> None:
    shares = data.shares
    _time_axis(ax, data, horizon, lang)
    ax.set(ylim=(0, 1), ylabel=_("engagement share", lang))
    ax.set_yticks([0, 0.5, 1], ["0", "0.5", "1"])
    if data.steps.size > 1 and (shares.layers.sum() + shares.rest.sum()) > 0:
        ax.stackplot(data.steps, *shares.layers, shares.rest, colors=[*colours, REST_COLOUR],
                     edgecolor="white", linewidth=0.3)
    else:
        _note(ax, _("press Step or Play", lang) if data.steps.size <= 1 else _("no engagement", lang))
    handles = [Patch(color=colour, label=f"#{company} {format_word(fmt, lang, short=True)}")
               for company, fmt, colour in zip(shares.ids, shares.formats, colours, strict=True)]
    handles.append(Patch(color=REST_COLOUR, label=_("all others", lang)))
    if legend:
        _legend_right(ax, handles)


def draw_shares(data: MarketData, lang: str = "en", horizon: int = 100) -> Figure:
    """Engagement share of the largest companies (by share now) and of all others, stacked."""
    with _DRAW_LOCK, _style():
        fig, ax = _figure(legend_width=0.36)
        colours = [company_colour(i) for i in range(len(data.shares.ids))]
        _shares_plot(ax, data, colours, lang, horizon)
        _title(fig, _("Engagement share of the largest companies", lang))
    return fig


def draw_formats(data: MarketData, lang: str = "en", horizon: int = 100) -> Figure:
    """Engagement share by format, stacked; the legend gives each format's share of companies at entry."""
    layers = [data.series[f"share_{name}"] for name in FORMAT_NAMES]
    with _DRAW_LOCK, _style():
        fig, ax = _figure(legend_width=0.36)
        _time_axis(ax, data, horizon, lang)
        ax.set(ylim=(0, 1), ylabel=_("engagement share", lang))
        ax.set_yticks([0, 0.5, 1], ["0", "0.5", "1"])
        if data.steps.size > 1 and sum(layer.sum() for layer in layers) > 0:
            ax.stackplot(data.steps, *layers, colors=[FORMAT_COLOURS[n] for n in FORMAT_NAMES],
                         edgecolor="white", linewidth=0.3)
        else:
            _note(ax, _("press Step or Play", lang) if data.steps.size <= 1 else _("no engagement", lang))
        handles = [Patch(color=FORMAT_COLOURS[n], label=f"{format_word(n, lang, short=True)} {data.format_mix[n]:.0%}")
                   for n in reversed(FORMAT_NAMES)]
        _legend_right(ax, handles, title=_("share of firms", lang), alignment="left")
        _title(fig, _("Engagement share by format", lang))
    return fig


def _series_lines(ax: Any, data: MarketData, metrics: Sequence[str], labels: Sequence[str], colours: Sequence[str],
                  linestyles: Sequence[Any], lang: str, horizon: int) -> None:
    """One line per metric of the market's series over its time axis (the line charts' common part)."""
    for name, label, colour, linestyle in zip(metrics, labels, colours, linestyles, strict=True):
        ax.plot(data.steps, data.series[name], color=colour, linestyle=linestyle, linewidth=2, label=_(label, lang))
    _time_axis(ax, data, horizon, lang)


def draw_companies(data: MarketData, lang: str = "en", horizon: int = 100) -> Figure:
    """Companies in the market, newcomers so far and exits so far."""
    series = data.series
    with _DRAW_LOCK, _style():
        fig, ax = _figure(legend_width=0.31)
        _series_lines(ax, data, COMPANY_METRICS, ("in the market", "entries so far", "exits so far"),
                      (PALETTE[0], PALETTE[2], PALETTE[3]), ("-", "--", ":"), lang, horizon)
        highest = max(float(data.n_companies), *(float(series[n].max()) for n in COMPANY_METRICS))
        ax.set(ylim=(0, nice_ceiling(highest * 1.05)), ylabel=_("companies", lang))
        ax.yaxis.set_major_locator(_locator())
        _legend_right(ax)
        _title(fig, _("Companies in the market, newcomers, exits", lang))
    return fig


def draw_concentration(data: MarketData, lang: str = "en", horizon: int = 100) -> Figure:
    """Gini over every company that entered and among the survivors, and the leader's share."""
    with _DRAW_LOCK, _style():
        fig, ax = _figure(legend_width=0.31)
        _series_lines(ax, data, CONCENTRATION_METRICS, ("Gini, all\nthat entered", "Gini,\nsurvivors", "leader's\nshare"),
                      (PALETTE[4], PALETTE[1], PALETTE[7]), ("-.", "--", "-"), lang, horizon)
        ax.set(ylim=(0, 1.02))
        ax.set_yticks([0, 0.5, 1], ["0", "0.5", "1"])
        _legend_right(ax)
        _title(fig, _("Concentration of engagement", lang))
    return fig


def draw_worlds(data: WorldsData, lang: str = "en", horizon: int = 100) -> Figure:
    """Each world's engagement shares side by side: its largest companies, coloured by id (the same
    company has the same colour in every world), and the rest; the panel title names the leader."""
    colour_of: dict[int, str] = {}
    formats: dict[int, str] = {}
    for world in data.worlds:  # one colour per company id, the same in every world
        for company, fmt in zip(world.shares.ids, world.shares.formats, strict=True):
            colour_of.setdefault(company, company_colour(len(colour_of)))
            formats[company] = fmt
    with _DRAW_LOCK, _style():
        fig = Figure(figsize=WORLDS_FIGSIZE, dpi=DPI)
        fig.subplots_adjust(left=0.06, right=0.8, bottom=0.14, top=0.82, wspace=0.12)
        axes = fig.subplots(1, len(data.worlds), sharey=True)
        for number, (ax, world) in enumerate(zip(axes, data.worlds, strict=True), start=1):
            _shares_plot(ax, world, [colour_of[c] for c in world.shares.ids], lang, horizon, legend=False)
            ax.xaxis.set_major_locator(_locator(3))
            if number > 1:
                ax.set_ylabel("")
            leader = world.shares
            lead = (f"#{leader.ids[0]} {leader.layers[0, -1]:.0%}" if leader.ids and leader.layers[0, -1] > 0
                    else "—")
            ax.set_title(f"{_('World {n}', lang).format(n=number)}: {lead}", loc="left")
        handles = [Patch(color=colour, label=f"#{company} {format_word(formats[company], lang, short=True)}")
                   for company, colour in colour_of.items()]
        handles.append(Patch(color=REST_COLOUR, label=_("all others", lang)))
        # up to TOP_PER_WORLD companies per world, with two-line labels: the legend spans the figure's height
        axes[-1].legend(handles=handles, loc="upper left", bbox_to_anchor=(0.805, 0.9), bbox_transform=fig.transFigure,
                        frameon=False)
        _title(fig, _("Engagement share in four worlds from the same companies", lang))
    return fig


def nice_ceiling(value: float) -> float:
    """The smallest of 1, 2, 2.5, 5 times a power of ten at or above ``value`` (a stable axis top)."""
    if value <= 1:
        return 1.0
    power = 10 ** math.floor(math.log10(value))
    return next(step * power for step in (1, 2, 2.5, 5, 10) if step * power >= value)


def _style() -> Any:
    import matplotlib.pyplot as plt

    return plt.rc_context(DASHBOARD_STYLE)


MARKET_DRAWINGS = {"shares": draw_shares, "formats": draw_formats, "companies": draw_companies,
                   "concentration": draw_concentration}


def draw_all(data: MarketData | WorldsData, lang: str = "en", horizon: int = 100,
             names: tuple[str, ...] = MARKET_CHARTS) -> dict[str, Figure]:
    """The charts ``names`` of a market's snapshot by name, or the worlds chart of a worlds snapshot."""
    if isinstance(data, WorldsData):
        return {"worlds": draw_worlds(data, lang, horizon)}
    return {name: MARKET_DRAWINGS[name](data, lang, horizon) for name in names}


def render_png(fig: Figure) -> bytes:
    """The figure as PNG bytes, always FIGSIZE at DPI (explicit settings: Solara's server configures
    matplotlib's inline backend, whose tight bounding box and transparent background would apply)."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=DPI, bbox_inches=None, facecolor="white", transparent=False)
    return buffer.getvalue()


def render_charts(data: MarketData | WorldsData, lang: str = "en", horizon: int = 100,
                  names: tuple[str, ...] = MARKET_CHARTS) -> dict[str, bytes]:
    """The charts as PNG bytes, by name."""
    return {name: render_png(fig) for name, fig in draw_all(data, lang, horizon, names).items()}


@dataclass(frozen=True)
class RenderedCharts:
    source: object
    step: int
    look: tuple[Any, ...]  # language, horizon and chart names drawn
    images: dict[str, bytes]


@dataclass(frozen=True)
class Job:
    data: MarketData | WorldsData
    lang: str
    horizon: int
    names: tuple[str, ...]

    @property
    def look(self) -> tuple[Any, ...]:
        return (self.lang, self.horizon, self.names)


class ChartRenderer:
    """Draws the charts in a background thread, always from the newest snapshot (redraw throttling).

    ``submit`` only stores the job; one worker thread draws it and hands the PNGs to ``publish``.
    Jobs that arrive while the worker is drawing replace each other, so when the model steps
    faster than the charts can be drawn, intermediate steps are skipped; the newest one is always
    drawn, so the charts end on the state where playing stopped.
    """

    def __init__(self, publish: Any) -> None:
        self._publish = publish
        self._lock = threading.Lock()
        self._pending: Job | None = None
        self._busy = False

    def submit(self, data: MarketData | WorldsData, lang: str = "en", horizon: int = 100,
               names: tuple[str, ...] = MARKET_CHARTS) -> None:
        with self._lock:
            self._pending = Job(data, lang, horizon, names)
            if self._busy:
                return
            self._busy = True
        # Solara hands a thread started here the session's context, so ``publish`` may update the page.
        threading.Thread(target=self._work, name="dashboard-charts", daemon=True).start()

    def _work(self) -> None:
        while True:
            with self._lock:
                job, self._pending = self._pending, None
                if job is None:
                    self._busy = False
                    return
            try:
                images = render_charts(job.data, job.lang, job.horizon, job.names)
                self._publish(RenderedCharts(job.data.source, job.data.step, job.look, images))
            except Exception:  # a failed redraw (or a page already closed) must not stop later ones
                logging.getLogger(__name__).exception("drawing the charts of step %s failed", job.data.step)

    @property
    def busy(self) -> bool:
        with self._lock:
            return self._busy
