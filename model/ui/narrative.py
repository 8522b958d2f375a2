"""The text panel: the lesson's claim and what to watch, then what the market shows now.

Counts are written with their plural (``ngettext``: "1 winner", "2 winners"); an undefined ratio
(no winner) shows as ``model.cli.UNDEFINED`` ("—"). Winners and losers are the model's cohort
outcome (``model.metrics``): among the companies in the market ``maturity_age`` steps ago, winners
are still in the market with a profit over those steps, the rest are losers; before a company
could have matured there are none.
"""

from __future__ import annotations

import html
import math
from typing import Any

import markdown

from ..cli import UNDEFINED
from ..i18n import gettext as _
from ..i18n import ngettext
from .lessons import Lesson


def ratio_text(value: float) -> str:
    """Losers per winner for people: one decimal, or "—" when undefined (no winner)."""
    return f"{value:.1f}" if math.isfinite(value) else UNDEFINED


def status(model: Any, lang: str = "en") -> list[str]:
    """Sentences (Markdown) on the current state of the market, or of every world."""
    if getattr(model, "worlds_list", None):
        return _worlds_status(model, lang)
    now, age = model.current, model.p.maturity_age
    lines = [f"**{_('Step {step}', lang).format(step=model.steps)}**: " + _(
        "{companies} in the market, {newcomers} and {exits} so far.", lang).format(
        companies=ngettext("{n} company", "{n} companies", int(now["survivors"]), lang),
        newcomers=ngettext("{n} newcomer", "{n} newcomers", int(now["entries"]), lang),
        exits=ngettext("{n} exit", "{n} exits", int(now["exits"]), lang)) + " " + _(
        "The leader holds {share} of the engagement (Gini {gini} over every company that entered).", lang).format(
        share=f"{now['top1_share']:.0%}", gini=f"{now['gini']:.2f}")]
    cohort = int(now["cohort"])
    ratio = ratio_text(now["loser_winner_ratio"])
    if cohort == 0:
        lines.append(_("No company has been in the market for {age} steps yet, so none has had its chance: no winners "
                       "or losers to count (losers per winner: {ratio}).", lang).format(age=age, ratio=ratio))
    else:
        lines.append(_("Among the {cohort} in the market {age} steps ago: {winners} (still in the market and in profit: "
                       "the happy minority), {losers} (exited or without profit); losers per winner: {ratio}.",
                       lang).format(cohort=ngettext("{n} company", "{n} companies", cohort, lang), age=age,
                                    winners=ngettext("{n} winner", "{n} winners", int(now["winners"]), lang),
                                    losers=ngettext("{n} loser", "{n} losers", int(now["losers"]), lang),
                                    ratio=ratio))
    lines += _unusual(model, lang)
    return lines


def _worlds_status(model: Any, lang: str) -> list[str]:
    leaders = []
    for n, leader in enumerate(model.leaders(), start=1):
        if leader is None:
            leaders.append(_("world {n}: nobody", lang).format(n=n))
        else:
            leaders.append(_("world {n}: #{leader} with {share}", lang).format(n=n, leader=leader[0],
                                                                              share=f"{leader[1]:.0%}"))
    line = f"**{_('Step {step}', lang).format(step=model.steps)}**: " + _(
        "The same {companies} in {worlds} worlds. Who leads: {leaders}.", lang).format(
        companies=ngettext("{n} company", "{n} companies", model.p.n_companies, lang), worlds=model.worlds,
        leaders="; ".join(leaders))
    return [line, *_unusual(model, lang)]


def _unusual(model: Any, lang: str) -> list[str]:
    lines = []
    p, now = model.p, model.current
    if p.attention_budget == 0:
        lines.append(_("Nobody engages: users have no attention to give (the scarce resource of the whole argument).",
                       lang))
    if now["survivors"] == 0:
        if p.entry_rate == 0:
            lines.append(_("Every company has left the market and no newcomers arrive: the run is over. Change a "
                           "setting and press Reset.", lang))
        else:
            lines.append(_("Every company has left the market; newcomers may still enter.", lang))
    for template, values in getattr(model, "notes", []):
        shown = {key: _(value, lang) if key == "label" else html.escape(str(value)) for key, value in values.items()}
        lines.append(f"*{_('Corrected input', lang)}:* {_(template, lang).format(**shown)}.")
    return lines


def explain(model: Any, lesson: Lesson, lang: str = "en", parts: tuple[str, ...] = ("lesson", "status")) -> str:
    """Markdown for the text panel: the lesson's claim and what to watch (``lesson``), the state now (``status``)."""
    texts = lesson.texts(lang)
    paragraphs = []
    if "lesson" in parts:
        paragraphs += [texts["claim"], f"**{_('What to watch', lang)}:** {texts['watch']}"]
    if "status" in parts:
        paragraphs += status(model, lang)
    return "\n\n".join(paragraphs)


def explain_html(model: Any, lesson: Lesson, lang: str = "en", parts: tuple[str, ...] = ("lesson", "status")) -> str:
    """``explain`` as HTML (solara.Markdown would load mermaid and KaTeX from a CDN at every page load)."""
    return markdown.markdown(explain(model, lesson, lang, parts))
