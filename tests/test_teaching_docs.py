"""The teaching guide in English and German (docs/teaching.md, docs/teaching.de.md) stays in step."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from model.ui.lessons import LESSONS

DOCS = Path(__file__).resolve().parent.parent / "docs"
GUIDES = {"en": DOCS / "teaching.md", "de": DOCS / "teaching.de.md"}


def figures(text: str) -> set[str]:
    return set(re.findall(r"results/[\w]+/[\w]+\.png", text))


def sections(text: str) -> list[str]:
    return re.findall(r"^## .+$", text, flags=re.MULTILINE)


def test_both_guides_name_the_same_figures_and_have_the_same_sections():
    english, german = (GUIDES[lang].read_text(encoding="utf-8") for lang in ("en", "de"))
    assert figures(english) == figures(german)
    assert len(figures(english)) >= 9
    assert len(sections(english)) == len(sections(german))
    # the sections of the claims are in the same order, named by the same claim codes
    claims = [re.findall(r"C\d+", heading) for heading in sections(english)]
    assert claims == [re.findall(r"C\d+", heading) for heading in sections(german)]


@pytest.mark.parametrize("lang", ["en", "de"])
def test_every_figure_exists_and_every_dashboard_lesson_is_named(lang):
    text = GUIDES[lang].read_text(encoding="utf-8")
    root = DOCS.parent
    missing = [path for path in figures(text) if not (root / path).is_file()]
    assert not missing
    for lesson in LESSONS:
        assert lesson.texts(lang)["title"] in text, lesson.key
