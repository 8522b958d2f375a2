"""The teaching dashboard: Mesa's ``SolaraViz`` around the engagement model (claims C1-C10).

A teacher moves a slider (more companies, stronger feedback, deeper formats), presses Reset and
then Step or Play, and the class watches the market tip towards a few winners. Start it with
``engagement dashboard`` (see ``model/dashboard.py`` and ``docs/dashboard.md``) or directly with
``solara run model.app``.

What is on the page:

* the sidebar (Mesa's): Reset / Play / Step, play and render intervals, one control per model
  setting (``MODEL_PARAMS``) and the step counter;
* the charts (ours, matplotlib): engagement shares of the top companies plus the rest, companies
  in the market with entries and exits, Gini and top-1 share, engagement share by format;
* a text panel that says which claim of the article the current settings illustrate and explains
  unusual states (no attention, every company gone, a corrected input).

Robustness: every control is bounded, and :class:`DashboardModel` clamps or replaces any value
outside those bounds (a seed that is not a whole number included) and says so in the text panel,
so that no combination of inputs crashes the app. The charts are drawn by plain functions of a
``ChartData`` snapshot (``draw_*``), so they are tested without a browser (``tests/test_app.py``).

Smoothness (redraw throttling): drawing four matplotlib charts costs far more than a model step,
so the charts are not drawn in the step. After each step the page takes a snapshot of what the
charts need (a few arrays, thinned to at most ``MAX_POINTS`` points so that it does not grow
with the run) and hands it to a background ``ChartRenderer``, which draws the newest snapshot
and skips those that were superseded meanwhile. Step and Play therefore advance at the model's
pace, the step counter and the text panel follow every step, and the charts follow as fast as
they can be drawn, ending on the step where playing stopped. Mesa's "Play Interval" and "Render
Interval" sliders in the sidebar slow playing down or step several times per update.
"""

from __future__ import annotations

import html
import io
import logging
import math
import textwrap
import threading
from dataclasses import dataclass
from typing import Any

import markdown
import numpy as np
import solara
from matplotlib.figure import Figure
from matplotlib.patches import Patch
from mesa.visualization import SolaraViz
from mesa.visualization.utils import update_counter

from .cli import UNDEFINED
from .formats import FORMAT_NAMES, FORMATS, Format
from .metrics import OUTCOME_BY_NAME
from .model import EngagementModel
from .params import Params, format_shares
from .plotting import FORMAT_COLOURS, PALETTE, REST_COLOUR, style

#: Seed used when the seed field holds something that is not a whole number >= 0.
DEFAULT_SEED = 42
#: Largest seed the field accepts (NumPy takes any non-negative integer; this keeps it readable).
MAX_SEED = 2**63 - 1
#: Companies drawn individually in the share chart; the others are summed as "all others".
TOP_COMPANIES = 6
#: Points per line at most; longer runs are thinned evenly (the last step is always drawn).
MAX_POINTS = 400
#: Size of every chart: 6.4 x 3.6 inches at 90 dpi, about 580 x 320 pixels.
FIGSIZE = (6.4, 3.6)
DPI = 90
#: Pause between steps while playing; Mesa's slider moves from 1 in steps of 10, so 101 shows as it is.
PLAY_INTERVAL_MS = 101
#: Largest market the sliders allow: one step stays far below 0.2 s there (benchmarks/bench_dashboard.py).
MAX_USERS = 50_000
MAX_COMPANIES = 500


def format_label(fmt: Format, width: int = 22) -> str:
    """A format's name for legends and text (``model.formats.FORMATS``): its label and, where it differs,
    the article's German word, on a second line if the two do not fit in ``width`` characters."""
    label = fmt.label[:1].upper() + fmt.label[1:]
    if fmt.german.lower() == fmt.label.lower():
        return fmt.german
    joiner = " " if len(label) + len(fmt.german) + 3 <= width else "\n"
    return f"{label}{joiner}({fmt.german})"


#: Format names for the legends, from the format declarations.
SHORT_FORMAT_LABELS = {fmt.name: format_label(fmt) for fmt in FORMATS}

FORMAT_MIX_CHOICES = ["article", "uniform", *FORMAT_NAMES]

#: The controls in the sidebar, in Mesa's ``model_params`` form. Keys are the keyword arguments of
#: ``DashboardModel``; min/max are enforced by the sliders and again by the model.
MODEL_PARAMS: dict[str, dict[str, Any]] = {
    "n_companies": {"type": "SliderInt", "value": 50, "min": 1, "max": MAX_COMPANIES, "step": 1,
                    "label": "Companies (C1)"},
    "n_users": {"type": "SliderInt", "value": 5_000, "min": 500, "max": MAX_USERS, "step": 500,
                "label": "Users (C1)"},
    "attention_budget": {"type": "SliderFloat", "value": 1.0, "min": 0.0, "max": 5.0, "step": 0.1,
                         "label": "Attention (C1)"},
    "social_influence": {"type": "SliderFloat", "value": 1.0, "min": 0.0, "max": 3.0, "step": 0.1,
                         "label": "Feedback (C2)"},
    "format_mix": {"type": "Select", "value": "article", "values": FORMAT_MIX_CHOICES,
                   "label": "Format mix (C4)"},
    "profiling": {"type": "SliderFloat", "value": 0.3, "min": 0.0, "max": 1.0, "step": 0.05,
                  "label": "Profiling (C5)"},
    "participation": {"type": "SliderFloat", "value": 0.3, "min": 0.0, "max": 1.0, "step": 0.05,
                      "label": "Participation (C6)"},
    "entry_rate": {"type": "SliderFloat", "value": 0.2, "min": 0.0, "max": 3.0, "step": 0.1,
                   "label": "Newcomers (C9)"},
    "exit_enabled": {"type": "Checkbox", "value": True, "label": "Exit when out of money (C3)"},
    "seed": {"type": "InputText", "value": str(DEFAULT_SEED), "label": "Seed: a whole number (C10)"},
}

DEFAULTS: dict[str, Any] = {name: spec["value"] for name, spec in MODEL_PARAMS.items()}


# ====================================================================== the model behind the page
def parse_seed(raw: Any) -> tuple[int, str | None]:
    """The seed typed into the field as an int, or ``DEFAULT_SEED`` and a note saying why (C10)."""
    if isinstance(raw, bool):
        return DEFAULT_SEED, f"seed {raw!r} is not a whole number; used {DEFAULT_SEED} instead"
    if isinstance(raw, int | np.integer):
        value = int(raw)
    else:
        text = str(raw).strip().replace("_", "")
        try:
            value = int(text)
        except ValueError:
            shown = text if len(text) <= 20 else text[:20] + "..."
            return DEFAULT_SEED, f"seed '{shown}' is not a whole number; used {DEFAULT_SEED} instead"
    if not 0 <= value <= MAX_SEED:
        return DEFAULT_SEED, f"seed {value} is outside 0 to 2^63-1; used {DEFAULT_SEED} instead"
    return value, None


def sanitise(values: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """Bring dashboard inputs within the controls' bounds; return model parameters and notes.

    A number outside its slider's range is clamped, something that is not a number falls back to
    the default, an unknown format mix falls back to the article's mix. Each change is a note.
    """
    settings: dict[str, Any] = {}
    notes: list[str] = []
    for name, spec in MODEL_PARAMS.items():
        if name == "seed":
            continue
        value = values.get(name, spec["value"])
        kind = spec["type"]
        if kind == "Checkbox":
            settings[name] = bool(value)
        elif kind == "Select":
            if value not in spec["values"]:
                notes.append(f"{spec['label']}: {value!r} is not a choice; used {spec['value']!r}")
                value = spec["value"]
            settings[name] = value
        else:
            settings[name] = _bounded_number(name, value, spec, notes)
    return settings, notes


def _bounded_number(name: str, value: Any, spec: dict[str, Any], notes: list[str]) -> float | int:
    is_int = spec["type"] == "SliderInt"
    try:
        number = float(value)
    except (TypeError, ValueError):
        number = math.nan
    if isinstance(value, bool) or not math.isfinite(number):
        notes.append(f"{spec['label']}: {value!r} is not a number; used {spec['value']}")
        return spec["value"]
    clamped = min(max(number, spec["min"]), spec["max"])
    if clamped != number:
        notes.append(f"{spec['label']}: {value} is outside {spec['min']} to {spec['max']}; used {clamped:g}")
    return round(clamped) if is_int else clamped


class DashboardModel(EngagementModel):
    """``EngagementModel`` with the dashboard's controls as keyword arguments (Mesa's SolaraViz
    rebuilds the model on Reset as ``DashboardModel(**control_values)``).

    Inputs are sanitised (see :func:`sanitise` and :func:`parse_seed`) instead of rejected, so a
    slider or the seed field can never crash the page; ``notes`` lists every correction made.
    """

    def __init__(self, n_companies: int = DEFAULTS["n_companies"], n_users: int = DEFAULTS["n_users"],
                 attention_budget: float = DEFAULTS["attention_budget"],
                 social_influence: float = DEFAULTS["social_influence"], format_mix: str = DEFAULTS["format_mix"],
                 profiling: float = DEFAULTS["profiling"], participation: float = DEFAULTS["participation"],
                 entry_rate: float = DEFAULTS["entry_rate"], exit_enabled: bool = DEFAULTS["exit_enabled"],
                 seed: str | int = DEFAULTS["seed"]) -> None:
        settings, notes = sanitise({
            "n_companies": n_companies, "n_users": n_users, "attention_budget": attention_budget,
            "social_influence": social_influence, "format_mix": format_mix, "profiling": profiling,
            "participation": participation, "entry_rate": entry_rate, "exit_enabled": exit_enabled,
        })
        seed_value, seed_note = parse_seed(seed)
        if seed_note:
            notes.append(seed_note)
        super().__init__(Params(**settings), rng=seed_value)
        self.seed_value = seed_value
        self.notes = notes


# ====================================================================== charts (plain functions)
_DRAW_LOCK = threading.Lock()  # matplotlib's rc_context is process-global; sessions draw in threads

#: The metrics the charts read, besides the per-company shares (declared in ``model.metrics.OUTCOMES``,
#: whose labels the legends show).
COMPANY_METRICS = ("survivors", "entries", "exits")
CONCENTRATION_METRICS = ("gini", "gini_survivors", "top1_share")
CHART_METRICS = (*COMPANY_METRICS, *CONCENTRATION_METRICS, *(f"share_{n}" for n in FORMAT_NAMES))


def metric_label(name: str, width: int | None = None) -> str:
    """The declared label of a metric (``model.metrics.OUTCOMES``), wrapped to ``width`` characters."""
    label = OUTCOME_BY_NAME[name].label
    return textwrap.fill(label, width) if width else label


def _sampled_steps(n_steps: int) -> np.ndarray:
    """Indices of the recorded steps to draw: all of them, or MAX_POINTS evenly spread (first and last included)."""
    if n_steps <= MAX_POINTS:
        return np.arange(n_steps)
    picks = np.linspace(0, n_steps - 1, MAX_POINTS).round().astype(np.int64)
    return np.unique(picks)


@dataclass(frozen=True)
class ChartData:
    """What the charts show at one step, copied out of the model (a snapshot).

    Drawing from a snapshot needs no access to the model, so it can run in another thread while
    the model goes on stepping.
    """

    source: object  # the model it was taken from (identity only)
    step: int
    steps: np.ndarray  # recorded steps drawn (thinned to MAX_POINTS)
    series: dict[str, np.ndarray]  # CHART_METRICS at those steps
    company_layers: np.ndarray  # share of each top company at those steps (company x step)
    company_labels: list[str]
    rest: np.ndarray  # share of all other companies
    format_mix: dict[str, float]  # share of each format among companies at entry

    @classmethod
    def of(cls, model: EngagementModel, top: int = TOP_COMPANIES) -> ChartData:
        # Copies of the recorded lists, cut to the steps recorded in all of them: with Mesa's "Use
        # Threads" the model may step while this runs, and a half-recorded step must not be read.
        history = model.share_history[:]
        records = {name: model.datacollector.model_vars[name][:] for name in CHART_METRICS}
        recorded = min(len(history), *(len(values) for values in records.values()))
        steps = _sampled_steps(recorded)
        series = {name: np.asarray(values[:recorded], dtype=float)[steps] for name, values in records.items()}
        layers, labels, rest = top_company_shares(model, history[:recorded], steps, top)
        return cls(model, recorded - 1, steps, series, layers, labels, rest, format_shares(model.p.format_mix))


def top_company_shares(model: EngagementModel, history: list[np.ndarray], steps: np.ndarray,
                       top: int = TOP_COMPANIES) -> tuple[np.ndarray, list[str], np.ndarray]:
    """Share of each of the ``top`` companies with the largest last share at ``steps``, their labels, the rest.

    ``history`` is the model's per-step share arrays (index = company row). Companies are ranked
    by the last step's share, ties (e.g. no engagement at all) by the share summed over the run;
    an exited company has share 0 from its exit on. Companies that never had any engagement are
    left out.
    """
    rows = history[-1].size  # companies only ever get added, so the last step has them all
    latest = history[-1]
    overall = np.zeros(rows)
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
    labels = [f"#{int(table.unique_id[r])} {FORMATS[int(table.format[r])].label}" for r in picked]
    return layers, labels, rest


def _figure(legend_right: bool = False) -> tuple[Figure, Any]:
    fig = Figure(figsize=FIGSIZE, dpi=DPI)
    # Fixed margins: tight_layout would cost a third of the redraw (it renders every text twice).
    # Stacked areas fill the whole plot, so their legend goes to the right of it.
    fig.subplots_adjust(left=0.11, right=0.66 if legend_right else 0.98, bottom=0.14, top=0.9)
    ax = fig.subplots()
    return fig, ax


def _empty_note(ax: Any, text: str) -> None:
    ax.text(0.5, 0.5, text, transform=ax.transAxes, ha="center", va="center", fontsize=9, color="#555555")


def _xlim(data: ChartData) -> tuple[int, int]:
    return 0, max(1, int(data.steps[-1]))


def draw_shares(data: ChartData) -> Figure:
    """Engagement share per company over time: the top companies and "all others" (C2, C3)."""
    with _DRAW_LOCK, style():
        fig, ax = _figure(legend_right=True)
        colours = [PALETTE[i % len(PALETTE)] for i in range(len(data.company_labels))] + [REST_COLOUR]
        if data.steps.size > 1 and (data.company_layers.sum() + data.rest.sum()) > 0:
            ax.stackplot(data.steps, *data.company_layers, data.rest, colors=colours,
                         labels=[*data.company_labels, "all others"], edgecolor="white", linewidth=0.3)
            ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=7.5, reverse=True)
        elif data.steps.size <= 1:
            _empty_note(ax, "press Step or Play to run the market")
        else:
            _empty_note(ax, "no engagement: no company holds any share")
        ax.set(xlabel="step", ylabel="engagement share", ylim=(0, 1.0), xlim=_xlim(data),
               title="Engagement shares of the six largest companies and the rest")
    return fig


def draw_companies(data: ChartData) -> Figure:
    """Companies in the market, newcomers so far and exits so far (C3 displacement, C9 phases)."""
    series = data.series
    with _DRAW_LOCK, style():
        fig, ax = _figure()
        for name, colour, linestyle, width in zip(COMPANY_METRICS, (PALETTE[0], PALETTE[2], PALETTE[3]),
                                                  ("-", "--", ":"), (1.5, 1.5, 2), strict=True):
            ax.plot(data.steps, series[name], color=colour, linestyle=linestyle, linewidth=width,
                    label=metric_label(name))
        top = max(1.0, *(float(series[n].max()) for n in COMPANY_METRICS))
        ax.set(xlabel="step", ylabel="companies", ylim=(0, top * 1.08), xlim=_xlim(data),
               title="Survivors, entries and exits (C3, C9)")
        ax.legend(loc="best", fontsize=8)
    return fig


def draw_concentration(data: ChartData) -> Figure:
    """Gini coefficient of engagement shares (every entrant and live companies) and the leader's share (C2, C3)."""
    series = data.series
    with _DRAW_LOCK, style():
        fig, ax = _figure(legend_right=True)
        for name, colour, linestyle in zip(CONCENTRATION_METRICS, (PALETTE[4], PALETTE[1], PALETTE[0]),
                                           ("-.", "--", "-"), strict=True):
            ax.plot(data.steps, series[name], color=colour, linestyle=linestyle, label=metric_label(name, 30))
        ax.set(xlabel="step", ylabel="0 = equal, 1 = one takes all", ylim=(0, 1.02), xlim=_xlim(data),
               title="Concentration: Gini and top-1 share (C2, C3)")
        ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=7.5)
    return fig


def draw_formats(data: ChartData) -> Figure:
    """Engagement share by format, stacked, against the formats' share of companies at entry (C4)."""
    layers = [data.series[f"share_{name}"] for name in FORMAT_NAMES]
    with _DRAW_LOCK, style():
        fig, ax = _figure(legend_right=True)
        if data.steps.size > 1 and sum(layer.sum() for layer in layers) > 0:
            ax.stackplot(data.steps, *layers, colors=[FORMAT_COLOURS[n] for n in FORMAT_NAMES],
                         edgecolor="white", linewidth=0.3)
        elif data.steps.size <= 1:
            _empty_note(ax, "press Step or Play to run the market")
        else:
            _empty_note(ax, "no engagement")
        ax.set(xlabel="step", ylabel="engagement share", ylim=(0, 1.0), xlim=_xlim(data),
               title="Share by format: shallow vs deep (C4)")
        handles = [Patch(color=FORMAT_COLOURS[n], label=f"{SHORT_FORMAT_LABELS[n]}\n"
                                                         f"{data.format_mix[n]:.0%} of firms at entry")
                   for n in reversed(FORMAT_NAMES)]
        ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=7.5)
    return fig


#: The charts on the page, in order: name (also the CSS class ``chart-NAME``) and drawing function.
CHARTS = {"shares": draw_shares, "formats": draw_formats, "companies": draw_companies,
          "concentration": draw_concentration}


def render_png(fig: Figure) -> bytes:
    """The figure as PNG bytes, always FIGSIZE at DPI (explicit settings: Solara's server configures
    matplotlib's inline backend, whose tight bounding box and transparent background would apply)."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=DPI, bbox_inches=None, facecolor="white", transparent=False)
    return buffer.getvalue()


def render_charts(data: ChartData) -> dict[str, bytes]:
    """Every chart of ``CHARTS`` as PNG bytes."""
    return {name: render_png(draw(data)) for name, draw in CHARTS.items()}


@dataclass(frozen=True)
class RenderedCharts:
    source: object
    step: int
    images: dict[str, bytes]


class ChartRenderer:
    """Draws the charts in a background thread, always from the newest snapshot (redraw throttling).

    ``submit`` only stores the snapshot; one worker thread draws it and hands the PNGs to
    ``publish``. Snapshots that arrive while the worker is drawing replace each other, so when
    the model steps faster than the charts can be drawn, intermediate steps are skipped; the
    newest one is always drawn, so the charts end on the state where playing stopped. The step
    itself never waits for matplotlib, which keeps Play fluid at any market size.
    """

    def __init__(self, publish: Any) -> None:
        self._publish = publish
        self._lock = threading.Lock()
        self._pending: ChartData | None = None
        self._busy = False

    def submit(self, data: ChartData) -> None:
        with self._lock:
            self._pending = data
            if self._busy:
                return
            self._busy = True
        # Solara hands a thread started here the session's context, so ``publish`` may update the page.
        threading.Thread(target=self._work, name="dashboard-charts", daemon=True).start()

    def _work(self) -> None:
        while True:
            with self._lock:
                data, self._pending = self._pending, None
                if data is None:
                    self._busy = False
                    return
            try:
                self._publish(RenderedCharts(data.source, data.step, render_charts(data)))
            except Exception:  # a failed redraw (or a page already closed) must not stop later ones
                logging.getLogger(__name__).exception("drawing the charts of step %s failed", data.step)

    @property
    def busy(self) -> bool:
        with self._lock:
            return self._busy


# ====================================================================== the claim panel
def explain(model: DashboardModel) -> str:
    """Markdown: which claims of the article the current settings and state illustrate."""
    p, now = model.p, model.current
    cohort, winners, losers = int(now["cohort"]), int(now["winners"]), int(now["losers"])
    ratio = now["loser_winner_ratio"]
    ratio = f"{ratio:.1f}" if math.isfinite(ratio) else f"{UNDEFINED} (undefined without a winner)"
    age = p.maturity_age
    if cohort:
        outcome = (f"of the {cohort} companies that have had their chance (in the market {age} steps ago), "
                   f"{winners} are winners (still in the market, in profit over the last {age} steps) and "
                   f"{losers} are losers (losers per winner: {ratio})")
    else:
        outcome = (f"no company was in the market {age} steps ago, so none has had its chance yet: no winners or "
                   f"losers to count (losers per winner: {ratio})")
    lines = [(f"**Step {model.steps}**: {int(now['survivors'])} companies in the market, "
              f"{int(now['entries'])} newcomers and {int(now['exits'])} exits so far; {outcome}; "
              f"the leader holds {now['top1_share']:.0%} of the engagement (Gini {now['gini']:.2f} over every "
              f"company that entered, {now['gini_survivors']:.2f} among those in the market).")]
    for note in getattr(model, "notes", []):
        lines.append(f"*Input corrected:* {html.escape(note)}.")  # the seed text is typed by the user
    if p.attention_budget == 0:
        lines.append("**No attention at all**: users have nothing to give, so nobody engages and no company "
                     "earns anything. Attention is the scarce resource of the whole argument (C1).")
    if now["survivors"] == 0:
        if p.entry_rate == 0:
            lines.append("**Every company has left the market** and no newcomers arrive: the run is over. "
                         "Change a setting and press Reset.")
        else:
            lines.append("**Every company has left the market**; newcomers may still enter (C9).")
    elif now["survivors"] == 1 and model.steps == 0 and p.n_companies == 1:
        lines.append("**One company** has the market to itself: no competition, so there is nothing to tip.")
    lines.append(f"- **C1, too many suitors**: {p.n_companies} companies compete for {p.n_users:,} users "
                 f"with {p.attention_budget:g} attention each per step, to share between companies and the rest of "
                 f"the feed; a user keeps at most {p.engagement_slots} relationships."
                 + (f" Now users keep {now['relationships_per_user']:.2f} relationships on average and give "
                    f"{now['attention_to_companies']:.0%} of their attention to companies." if model.steps else ""))
    if p.social_influence < 0.5:
        gene = ("weak: being big barely makes a company more visible, so the market stays shared longer; "
                "raise it above 1 and reset to compare")
    elif p.social_influence <= 1.2:
        gene = "proportional: a company is seen in proportion to its engagement, so early leads compound"
    else:
        gene = ("super-linear: what is already big becomes disproportionately more visible, "
                "so shares tip towards a few sooner")
    lines.append(f"- **C2, digital genes**: feedback strength {p.social_influence:g} is {gene}.")
    if p.exit_enabled:
        lines.append("- **C3, displacement** (Verdrängungswettbewerb): companies that cannot pay their running "
                     "cost leave; watch exits climb while a happy minority keeps most of the engagement.")
    else:
        lines.append("- **C3**: exit is off, so losers stay in the market; the shares still show who wins.")
    if p.format_mix == "article":
        fmt = ("the article's mix: most firms at the shallow end (Werbung, Informationsverbreitung), few in "
               "Brand Community or Themencommunity; compare their engagement share with their number")
    elif p.format_mix == "uniform":
        fmt = "every format equally often: compare shallow and deep formats on equal terms"
    else:
        fmt = (f"every company uses {format_label(FORMATS[FORMAT_NAMES.index(p.format_mix)], 80)}: only "
               "feedback, fit and luck separate them")
    lines.append(f"- **C4, formats**: {fmt}.")
    if p.profiling > 0:
        lines.append(f"- **C5, profiling** (Informationsgewinnung) at {p.profiling:g}: engaged users reveal their "
                     "needs, so companies with many of them target better, a compounding advantage.")
    if p.participation > 0:
        lines.append(f"- **C6, participation** (Partizipation) at {p.participation:g}: activated users recruit "
                     "their friends, mostly for dialogue and community formats.")
    if p.entry_rate > 0:
        lines.append(f"- **C9, phases**: about {p.entry_rate:g} newcomers per step while the user base grows "
                     "(Aufbauphase) and saturates (Nutzungsphase); late movers face entrenched leaders.")
    lines.append(f"- **C10, unpredictable winners**: seed {model.seed_value}. Type another seed and press Reset: "
                 "same settings, a different world, often a different winner.")
    return "\n".join(_paragraphs(lines))


def _paragraphs(lines: list[str]) -> list[str]:
    """Blank lines between paragraphs, none inside the bullet list."""
    out: list[str] = []
    for line in lines:
        if out and not (line.startswith("- ") and out[-1].startswith("- ")):
            out.append("")
        out.append(line)
    return out


# ====================================================================== solara components
def explain_html(model: DashboardModel) -> str:
    """``explain`` as HTML. (solara.Markdown would load mermaid and KaTeX from a CDN at every page load.)"""
    return markdown.markdown(explain(model))


@solara.component
def ClaimPanel(model: DashboardModel):
    update_counter.get()
    text = solara.use_memo(lambda: explain_html(model), [model, model.steps])
    with solara.Card("What the class sees", classes=["claim-panel"]):
        solara.HTML(tag="div", unsafe_innerHTML=text, classes=["claim-text"])


@solara.component
def Charts(model: DashboardModel):
    """The main area: four charts in two rows, then the claim panel.

    The first charts are drawn here; later ones by a ``ChartRenderer`` of this session, which
    publishes them into ``shown`` (the page keeps the previous charts until the new ones are ready).
    """
    update_counter.get()
    def draw_now() -> RenderedCharts:
        data = ChartData.of(model)
        return RenderedCharts(data.source, data.step, render_charts(data))

    first = solara.use_memo(draw_now, [])
    shown = solara.use_reactive(first)
    renderer = solara.use_memo(lambda: ChartRenderer(shown.set), [])

    def submit_if_new():
        current = shown.value
        if current.source is not model or current.step != model.steps:
            renderer.submit(ChartData.of(model))

    solara.use_effect(submit_if_new, [model, model.steps])
    with solara.Column(classes=["dashboard-charts"]):
        for row in (("shares", "formats"), ("companies", "concentration")):
            with solara.Columns([1, 1]):
                for name in row:
                    # the step drawn is in a CSS class, so a test (or a curious teacher) can tell it
                    solara.Image(shown.value.images[name], width="100%",
                                 classes=["dashboard-chart", f"chart-{name}", f"chart-step-{shown.value.step}"])
        ClaimPanel(model)


#: Show every slider's value all the time (Vuetify shows it only while the slider is dragged).
CSS = """
.v-slider-thumb__label-container { display: block !important; }
.v-slider-thumb__label { font-size: 0.7rem; }
.v-slider.v-input--horizontal { margin-top: 1.4rem; }
.claim-text p { margin-bottom: 0.5em; }
.claim-text strong { font-weight: 700; }
"""


@solara.component
def Page():
    # One model per browser session (a module-level model would be shared by every visitor).
    initial = solara.use_memo(lambda: DashboardModel(**DEFAULTS), [])
    model = solara.use_reactive(initial)
    solara.Style(CSS)
    # No components for SolaraViz to lay out: Mesa 3.5.1 places them with solara.GridDraggable,
    # whose JavaScript (vue-grid-layout for Vue 2) fails under the Vue 3 front end of Solara 1.64
    # ("GlobalVue.use is not a function") and shows nothing. SolaraViz still provides the sidebar
    # (Reset / Play / Step, intervals, the model's controls, the step counter) and rebuilds the model
    # on Reset; the charts below follow the same model and Mesa's update counter.
    SolaraViz(model, components=[], model_params=MODEL_PARAMS, play_interval=PLAY_INTERVAL_MS, render_interval=1,
              name="Companies competing for attention")
    Charts(model.value)
