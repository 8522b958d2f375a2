"""One preset per lesson: each experiment's setting, the controls that matter for it, and its narrative.

Choosing a lesson on the page sets its controls to the lesson's values and builds a new market
(a Reset); the text panel then says which claim of the article the lesson is about and what to
watch. The narrative is data, one entry per language; ``docs/teaching.md`` (and ``teaching.de.md``)
walk through the same lessons with the full experiments.

Settings are overrides of the model's defaults (``Params``): a lesson declares only what differs,
taken from its experiment's design (``experiments/NAME.py``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .controls import CONTROLS, DEFAULT_SEED
from .models import DashboardModel, WorldsModel


@dataclass(frozen=True)
class Lesson:
    """A lesson: its experiment's settings, the controls shown, the run length to watch, the narrative."""

    key: str
    claims: tuple[str, ...]
    settings: dict[str, Any]  # overrides of the Params defaults (the experiment's setting)
    controls: tuple[str, ...]  # shown in the sidebar, in this order
    horizon: int  # steps the charts' time axis spans at first (it grows beyond, never shrinks)
    charts: tuple[str, ...]  # the two charts of the lesson (model.ui.charts.MARKET_CHARTS), or ("worlds",)
    text: dict[str, dict[str, str]] = field(repr=False)  # language -> title, claim, watch
    worlds: bool = False  # four worlds side by side (C10)

    def texts(self, lang: str) -> dict[str, str]:
        return self.text.get(lang, self.text["en"])

    def values(self) -> dict[str, Any]:
        """The model's keyword arguments at the lesson's start: settings, controls' values, seed."""
        shown = {name: self.settings.get(name, CONTROLS[name].default) for name in self.controls}
        return {**self.settings, **shown, "seed": str(DEFAULT_SEED)}

    @property
    def model_class(self) -> type:
        return WorldsModel if self.worlds else DashboardModel

    def build(self, values: dict[str, Any] | None = None) -> Any:
        return self.model_class(**(values if values is not None else self.values()))


LESSONS: tuple[Lesson, ...] = (
    Lesson("few_winners", ("C3",), {}, ("n_companies", "social_influence", "entry_rate", "exit_enabled"), 100, ("shares", "companies"), {
        "en": {"title": "A few winners, many losers",
               "claim": "The article's claim (C3): the displacement competition (Verdrängungswettbewerb) leaves a "
                        "happy minority (glückliche Minderheit) of winners and many losers. The default market: "
                        "50 companies compete for 5,000 users.",
               "watch": "Press ▶. After about 20 steps the first companies run out of money and leave; soon one or "
                        "two companies hold most of the engagement. From step 25 on the text below counts the "
                        "winners and losers among the companies that have had their chance."},
        "de": {"title": "Wenige Gewinner, viele Verlierer",
               "claim": "Die These des Artikels (C3): der Verdrängungswettbewerb lässt eine glückliche Minderheit "
                        "von Gewinnern und viele Verlierer zurück. Der Standardmarkt: 50 Unternehmen werben um "
                        "5.000 Nutzer.",
               "watch": "▶ drücken. Nach etwa 20 Schritten geht den ersten Unternehmen das Geld aus und sie "
                        "scheiden aus; bald halten ein oder zwei Unternehmen den Großteil des Engagements. Ab "
                        "Schritt 25 zählt der Text unten Gewinner und Verlierer unter den Unternehmen, die ihre "
                        "Chance hatten."},
    }),
    Lesson("crowding", ("C1",), {"entry_rate": 0.0}, ("n_companies", "attention_budget", "n_users"), 100, ("companies", "concentration"), {
        "en": {"title": "Too many companies for the attention",
               "claim": "The article's claim (C1): far more companies compete for attention and engagement than "
                        "users have time and willingness to give. No newcomers here.",
               "watch": "Note the survivors and the losers per winner. Then set 200 companies, press Reset and "
                        "compare; then attention per user 0.5 against 3."},
        "de": {"title": "Zu viele Unternehmen für die Aufmerksamkeit",
               "claim": "Die These des Artikels (C1): weit mehr Unternehmen kämpfen um Aufmerksamkeit und "
                        "Engagement, als Nutzer Zeit und Bereitschaft haben. Hier ohne Neugründungen.",
               "watch": "Überlebende und Verlierer je Gewinner merken. Dann 200 Unternehmen einstellen, Reset "
                        "drücken und vergleichen; danach Aufmerksamkeit je Nutzer 0,5 gegen 3."},
    }),
    Lesson("digital_genes", ("C2",),
           {"format_mix": "dialogue", "profiling": 0.0, "participation": 0.0, "entry_rate": 0.0},
           ("social_influence", "n_companies"), 100, ("shares", "concentration"), {
        "en": {"title": "Digital genes: what is big gets bigger",
               "claim": "The article's claim (C2): social media has digital genes (digitale Gene): a company's "
                        "visibility grows with its engagement. All companies use dialogue, so only this feedback "
                        "and chance separate them.",
               "watch": "Set digital genes to 0 and press Reset: the market stays shared. Then 1 and 2: how fast "
                        "does the leader's share rise?"},
        "de": {"title": "Digitale Gene: was groß ist, wird größer",
               "claim": "Die These des Artikels (C2): Social Media hat digitale Gene: die Sichtbarkeit eines "
                        "Unternehmens wächst mit seinem Engagement. Alle Unternehmen nutzen Dialog, nur diese "
                        "Rückkopplung und der Zufall trennen sie.",
               "watch": "Digitale Gene auf 0 stellen und Reset drücken: der Markt bleibt geteilt. Dann 1 und 2: "
                        "wie schnell steigt der Anteil des Größten?"},
    }),
    Lesson("formats", ("C4",), {"format_mix": "uniform"}, ("format_mix", "social_influence"), 150, ("formats", "shares"), {
        "en": {"title": "Formats: shallow or deep",
               "claim": "The article's claim (C4): most firms use advertising (Werbung) and information "
                        "broadcasting (Informationsverbreitung); the deep formats, Brand Community and topic "
                        "community (Themencommunity), give the more lasting benefit. Here every format is equally "
                        "common.",
               "watch": "Which formats hold the engagement? In the model the shallow ones win while the feedback is "
                        "strong, against the article. Lower digital genes to 0.5 and press Reset."},
        "de": {"title": "Formate: flach oder tief",
               "claim": "Die These des Artikels (C4): die meisten Firmen setzen auf Werbung und "
                        "Informationsverbreitung; die tiefen Formate, Brand Community und Themencommunity, bringen "
                        "den nachhaltigeren Nutzen. Hier ist jedes Format gleich häufig.",
               "watch": "Welche Formate halten das Engagement? Im Modell gewinnen bei starker Rückkopplung die "
                        "flachen, anders als im Artikel. Digitale Gene auf 0,5 senken und Reset drücken."},
    }),
    Lesson("information_and_participation", ("C5", "C6"), {"profiling": 1.0, "participation": 1.0},
           ("profiling", "participation"), 100, ("concentration", "formats"), {
        "en": {"title": "Information gathering and participation",
               "claim": "The article's claims (C5, C6): information gathering (Informationsgewinnung, profiling) "
                        "lets a company offer earlier and better than a rival; participation (Partizipation) makes "
                        "users act for the company. Both at full strength here.",
               "watch": "Note the leader's share, set information gathering to 0 and press Reset: the market is "
                        "less concentrated. Participation at 0 changes little in the model."},
        "de": {"title": "Informationsgewinnung und Partizipation",
               "claim": "Die Thesen des Artikels (C5, C6): Informationsgewinnung (Profiling) lässt ein Unternehmen "
                        "früher und passender anbieten als ein Konkurrent; Partizipation lässt Nutzer für das "
                        "Unternehmen handeln. Hier beide in voller Stärke.",
               "watch": "Den Anteil des Größten merken, Informationsgewinnung auf 0 stellen und Reset drücken: der "
                        "Markt ist weniger konzentriert. Partizipation auf 0 ändert im Modell wenig."},
    }),
    Lesson("strategy", ("C8",), {"scatter_penalty": 1.0, "entry_rate": 0.5}, ("strategy_focus", "adaptation"), 150, ("companies", "formats"), {
        "en": {"title": "A focused strategy",
               "claim": "The article's claim (C8): a strategy must focus on concrete goals and fit the format; "
                        "overloaded strategies lose. Here effort off the main format is wasted; newcomers arrive "
                        "late.",
               "watch": "Set the focus to 0.3 and press Reset: fewer companies survive. Then imitation of "
                        "successful rivals at 1: in the model it makes no measurable difference."},
        "de": {"title": "Eine fokussierte Strategie",
               "claim": "Die These des Artikels (C8): eine Strategie muss auf konkrete Ziele ausgerichtet sein und "
                        "zum Format passen; überfrachtete Strategien verlieren. Hier ist Aufwand abseits des "
                        "Hauptformats verloren; Neugründungen kommen spät.",
               "watch": "Den Fokus auf 0,3 stellen und Reset drücken: weniger Unternehmen überleben. Dann "
                        "Imitation erfolgreicher Konkurrenten auf 1: im Modell kein messbarer Unterschied."},
    }),
    Lesson("displacement", ("C9",), {"n_companies": 30, "entry_rate": 0.5, "initial_runway": 40.0},
           ("entry_rate", "initial_runway"), 200, ("companies", "concentration"), {
        "en": {"title": "Build-up, usage, displacement",
               "claim": "The article's claim (C9): a build-up phase (Aufbauphase) with easy reach, a usage phase "
                        "(Nutzungsphase), then displacement (Verdrängungswettbewerb) once the party is over. The "
                        "user base grows and saturates while newcomers keep entering.",
               "watch": "Watch the companies chart: entries keep coming, the number in the market peaks when the "
                        "user base has grown, then exits climb while the leader's share rises."},
        "de": {"title": "Aufbau, Nutzung, Verdrängung",
               "claim": "Die These des Artikels (C9): eine Aufbauphase mit leichter Reichweite, eine "
                        "Nutzungsphase, dann der Verdrängungswettbewerb, wenn die Party vorbei ist. Die Nutzerzahl "
                        "wächst und sättigt sich, während weiter Unternehmen eintreten.",
               "watch": "Auf das Unternehmens-Diagramm achten: Neugründungen kommen weiter, die Zahl im Markt "
                        "erreicht ihren Gipfel, wenn die Nutzerzahl gewachsen ist, dann steigen die Austritte, "
                        "während der Anteil des Größten wächst."},
    }),
    Lesson("unpredictability", ("C10",), {"entry_rate": 0.0}, ("social_influence", "n_companies"), 100, ("worlds",), {
        "en": {"title": "Four worlds, same companies",
               "claim": "The article's claim (C10): who ends up among the winners is not fully predictable. As in "
                        "the MusicLab experiment: the same companies start in four separate worlds, and only "
                        "chance differs.",
               "watch": "Press ▶: who leads in each world? Then set digital genes to 0 and press Reset: the worlds "
                        "agree more, and the market stays shared."},
        "de": {"title": "Vier Welten, dieselben Unternehmen",
               "claim": "Die These des Artikels (C10): wer zu den Gewinnern gehört, ist nicht ganz vorhersagbar. "
                        "Wie im MusicLab-Experiment: dieselben Unternehmen starten in vier getrennten Welten, nur "
                        "der Zufall unterscheidet sie.",
               "watch": "▶ drücken: wer führt in welcher Welt? Dann digitale Gene auf 0 stellen und Reset "
                        "drücken: die Welten sind sich einiger, und der Markt bleibt geteilt."},
    }, worlds=True),
    Lesson("explore", (), {}, ("n_companies", "attention_budget", "social_influence", "format_mix",
                               "profiling", "participation", "entry_rate"), 100, ("shares", "companies"), {
        "en": {"title": "Free play",
               "claim": "The main controls of the other lessons at once, on the default market.",
               "watch": "Change one thing at a time and press Reset; the same seed gives the same world, another "
                        "seed another world."},
        "de": {"title": "Freies Experimentieren",
               "claim": "Die wichtigsten Regler der anderen Lektionen zugleich, im Standardmarkt.",
               "watch": "Immer nur eine Sache ändern und Reset drücken; derselbe Seed ergibt dieselbe Welt, ein "
                        "anderer Seed eine andere."},
    }),
)

LESSON_BY_KEY: dict[str, Lesson] = {lesson.key: lesson for lesson in LESSONS}
#: The lesson the page opens with: the headline outcome, visible within a minute of Play.
DEFAULT_LESSON = "few_winners"
