"""The teaching dashboard: one page around Mesa's model controller (claims C1-C10, docs/dashboard.md).

Start it with ``engagement dashboard [--lang de]`` or ``solara run model.app``. A teacher picks a
lesson (one per experiment: its setting, its controls, its two charts and what to watch), presses
▶ or Step, moves a slider and presses Reset. The page is laid out for a projector (1280 x 720 and
up, usable at 1024 x 768) and switches between English and German without a restart.

The parts live in ``model/ui/``: controls generated from ``Params`` (``controls``), the models
(``models``), the charts (``charts``), the lessons and their narrative (``lessons``, ``narrative``);
every text goes through the catalogue of ``model/i18n.py``.
"""

from __future__ import annotations

import os

import solara
from mesa.visualization.solara_viz import ModelController, UserInputs
from mesa.visualization.utils import update_counter

from .i18n import DEFAULT_LANGUAGE, LANGUAGES
from .i18n import gettext as _
from .ui import controls
from .ui.charts import ChartRenderer, RenderedCharts, render_charts, snapshot
from .ui.lessons import DEFAULT_LESSON, LESSON_BY_KEY, LESSONS, Lesson
from .ui.narrative import explain_html

#: The page's language at start (set by ``engagement dashboard --lang``); the page can switch it.
LANGUAGE_ENV = "ENGAGEMENT_DASHBOARD_LANG"
#: Pause between steps while playing, in ms.
PLAY_INTERVAL_MS = 100
#: Layout for a projector: header, then controls (left) beside the lesson text, charts and status.
CSS = """
.dashboard { box-sizing: border-box; width: 100%; padding: 4px 14px 4px; font-size: 15px; line-height: 1.35; }
.dashboard-header { display: flex; align-items: center; gap: 16px; min-height: 56px; }
.dashboard-title { font-size: 20px; font-weight: 700; flex: 1 1 auto; min-width: 0; }
.dashboard-header .lesson-select { flex: 0 1 380px; min-width: 220px; }
.dashboard-header .language-toggle { flex: none; }
.dashboard-body { display: grid; grid-template-columns: 250px minmax(0, 1fr); gap: 16px; align-items: start; }
.dashboard-controls { min-width: 0; }
.dashboard-controls .v-btn { min-width: 0; padding: 0 12px; }
.dashboard-controls .v-input { margin-top: 0; }
.dashboard-controls .v-input__details { display: none; }
.dashboard-controls .v-slider.v-input--horizontal { grid-template-areas: "prepend" "control";
  grid-template-columns: minmax(0, 1fr); margin-inline: 0; margin-top: 6px; }
.dashboard-controls .v-slider .v-input__prepend { margin-inline-end: 0; margin-bottom: -4px; }
.dashboard-controls .v-slider .v-slider__container { margin-inline: 8px; }
.dashboard-controls .v-slider-thumb__label-container { display: none !important; }
.dashboard-controls .v-label { font-size: 15px; opacity: 0.95; white-space: normal; }
.dashboard-controls .v-selection-control { min-height: 36px; }
.step-counter { display: block; font-size: 18px; font-weight: 700; margin: 6px 0 2px; }
.dashboard-main { display: flex; flex-direction: column; gap: 4px; min-width: 0; }
.dashboard-charts { display: grid; grid-template-columns: 1fr 1fr; gap: 8px; }
.dashboard-charts.charts-1 { grid-template-columns: 1fr; }
.dashboard-chart { display: block; width: 100%; height: auto; }
.lesson-text p, .status-text p { margin: 0 0 4px; }
@media (max-width: 1100px) {
  .dashboard-body { grid-template-columns: 230px minmax(0, 1fr); gap: 12px; }
  .dashboard { font-size: 14px; }
}
"""


def initial_language() -> str:
    lang = os.environ.get(LANGUAGE_ENV, DEFAULT_LANGUAGE)
    return lang if lang in LANGUAGES else DEFAULT_LANGUAGE


@solara.component
def LessonText(model, lesson: Lesson, lang: str):
    """The lesson's claim and what to watch (above the charts), and the market now (below them)."""
    texts = lesson.texts(lang)
    solara.HTML(tag="div", classes=["lesson-text"], unsafe_innerHTML=(
        f"<p>{texts['claim']}</p><p><strong>{_('What to watch', lang)}:</strong> {texts['watch']}</p>"))


@solara.component
def Status(model, lesson: Lesson, lang: str):
    update_counter.get()
    text = solara.use_memo(lambda: explain_html(model, lesson, lang, parts=("status",)),
                           [model, model.steps, lesson.key, lang])
    solara.HTML(tag="div", classes=["status-text"], unsafe_innerHTML=text)


@solara.component
def Charts(model, lesson: Lesson, lang: str):
    """The lesson's charts, drawn in the background after each step (``ChartRenderer``)."""
    update_counter.get()
    look = (lang, lesson.horizon, lesson.charts)

    def draw_now() -> RenderedCharts:
        data = snapshot(model)
        return RenderedCharts(data.source, data.step, look, render_charts(data, *look))

    first = solara.use_memo(draw_now, [])
    shown = solara.use_reactive(first)
    renderer = solara.use_memo(lambda: ChartRenderer(shown.set), [])

    def submit_if_new():
        current = shown.value
        if current.source is not model or current.step != model.steps or current.look != look:
            renderer.submit(snapshot(model), *look)

    solara.use_effect(submit_if_new, [model, model.steps, look])
    drawn = shown.value
    with solara.Div(classes=["dashboard-charts", f"charts-{len(drawn.images)}"]):
        for name, png in drawn.images.items():
            # the step and language drawn are in CSS classes, so a test can tell which state it shows
            solara.Image(png, classes=["dashboard-chart", f"chart-{name}", f"chart-step-{drawn.step}",
                                       f"chart-lang-{drawn.look[0]}"])


@solara.component
def StepCounter(model, lang: str):
    update_counter.get()
    solara.Text(_("Step {step}", lang).format(step=model.steps), classes=["step-counter"])


@solara.component
def Page():
    lang = solara.use_reactive(solara.use_memo(initial_language, []))
    lesson_key = solara.use_reactive(DEFAULT_LESSON)
    lesson = LESSON_BY_KEY[lesson_key.value]
    # One model per browser session (a module-level model would be shared by every visitor).
    values = solara.use_reactive(solara.use_memo(lesson.values, []))  # what Reset builds the next model from
    model = solara.use_reactive(solara.use_memo(lesson.build, []))
    chosen = solara.use_reactive(0)  # counts lesson choices: a new choice starts a fresh controller
    play_interval, render_interval = solara.use_reactive(PLAY_INTERVAL_MS), solara.use_reactive(1)
    use_threads = solara.use_reactive(False)

    def choose(title: str) -> None:
        new = next(item for item in LESSONS if title in (item.texts("en")["title"], item.texts(lang.value)["title"]))
        lesson_key.set(new.key)
        values.set(new.values())
        model.set(new.build())
        chosen.set(chosen.value + 1)

    def change(name: str, raw: object) -> None:
        values.set({**values.value, name: controls.from_input(name, raw, lang.value)})

    solara.Style(CSS)
    with solara.Div(classes=["dashboard", f"lang-{lang.value}", f"lesson-{lesson.key}"]):
        with solara.Div(classes=["dashboard-header"]):
            solara.Text(_("Companies competing for attention", lang.value), classes=["dashboard-title"])
            solara.Select(label=_("Lesson", lang.value), value=lesson.texts(lang.value)["title"],
                          values=[item.texts(lang.value)["title"] for item in LESSONS], on_value=choose,
                          classes=["lesson-select"])
            solara.ToggleButtonsSingle(value=LANGUAGES[lang.value], values=list(LANGUAGES.values()),
                                       on_value=lambda name: lang.set(_language_code(name)),
                                       classes=["language-toggle"])
        with solara.Div(classes=["dashboard-body"]):
            with solara.Div(classes=["dashboard-controls"]):
                # Mesa's Reset / Play / Step: Reset builds type(model)(**values), Step and Play call model.step()
                ModelController(model, model_parameters=values, play_interval=play_interval,
                                render_interval=render_interval, use_threads=use_threads).key(f"run-{chosen.value}")
                StepCounter(model.value, lang.value)
                with solara.Div(classes=["dashboard-inputs"]).key(f"inputs-{lesson.key}-{lang.value}-{chosen.value}"):
                    UserInputs(controls.mesa_params(lesson.controls, values.value, lang.value), on_change=change)
            with solara.Div(classes=["dashboard-main"]):
                LessonText(model.value, lesson, lang.value)
                Charts(model.value, lesson, lang.value)
                Status(model.value, lesson, lang.value)


def _language_code(name: str) -> str:
    return next(code for code, shown in LANGUAGES.items() if shown == name)

