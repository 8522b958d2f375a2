"""Translations (model/i18n.py): the catalogue, plurals, patterns, and a German experiment figure."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import pytest

from model import i18n
from model.formats import FORMATS
from model.i18n import CATALOGUE, FORMAT_WORDS_DE, gettext, ngettext, translate, translate_figure, untranslated
from model.plotting import FORMAT_LABELS, FORMAT_SHORT, figure_options

#: The article's words (BRIEF.md) that the German texts must use.
ARTICLE_TERMS = ("Werbung", "Informationsverbreitung", "Dialog", "Brand Community", "Themencommunity", "Reichweite",
                 "digitale Gene", "Verdrängungswettbewerb", "glückliche Minderheit", "Aufbauphase", "Nutzungsphase",
                 "Informationsgewinnung", "Partizipation")


def test_english_is_the_key_and_unknown_text_stays():
    assert gettext("Companies", "en") == "Companies"
    assert gettext("Companies", "de") == "Unternehmen"
    assert gettext("no such text anywhere", "de") == "no such text anywhere"


@pytest.mark.parametrize(("n", "en", "de"), [(0, "0 winners", "0 Gewinner"), (1, "1 winner", "1 Gewinner"),
                                             (2, "2 winners", "2 Gewinner"), (1, "1 exit", "1 Marktaustritt"),
                                             (3, "3 exits", "3 Marktaustritte")])
def test_plurals_follow_the_count(n, en, de):
    forms = ("{n} winner", "{n} winners") if "winner" in en else ("{n} exit", "{n} exits")
    assert ngettext(*forms, n, "en") == en
    assert ngettext(*forms, n, "de") == de


def test_formats_are_named_with_the_articles_words():
    for fmt in FORMATS:
        long_word, _short = FORMAT_WORDS_DE[fmt.name]
        assert long_word == fmt.german  # model.formats declares the article's word
        assert translate(FORMAT_LABELS[fmt.name], "de") == long_word
        assert translate(FORMAT_SHORT[fmt.name], "de").replace("-\n", "").replace("\n", " ") == long_word
        assert gettext(fmt.label, "de") == long_word


def test_the_german_texts_use_the_articles_terms():
    german = " ".join(CATALOGUE["de"].values()).lower()
    from model.ui import lessons  # the narrative per lesson is part of the German texts

    german += " ".join(text for lesson in lessons.LESSONS for text in lesson.texts("de").values()).lower()
    missing = [term for term in ARTICLE_TERMS if term.lower() not in german]
    assert not missing


@pytest.mark.parametrize(("english", "german"), [
    ("100 steps (slope -6.2)", "100 Schritte (Steigung -6.2)"),
    ("200 steps: Gini 0.98 all, 0.77 survivors", "200 Schritte: Gini 0.98 alle, 0.77 Überlebende"),
    ("3.5\n(0 of 100 runs\nwithout a winner)", "3.5\n(0 von 100 Läufen\nohne Gewinner)"),
    ("without social feedback (C2)", "ohne soziale Rückkopplung (C2)"),
    ("only exit (C3)", "nur Marktaustritt (C3)"),
    ("company 24", "Unternehmen 24"),
    ("Aufbauphase\n(build-up)", "Aufbauphase"),
    ("0.25", "0.25"),
])
def test_texts_with_numbers_are_translated_by_pattern(english, german):
    assert translate(english, "de") == german
    assert translate(english, "en") == english


def test_a_wrapped_text_is_found_without_its_line_breaks_and_wrapped_again():
    english = "cohort losers per winner\n(ratio of means)"
    german = translate(english, "de")
    assert german.replace("\n", " ") == CATALOGUE["de"]["cohort losers per winner (ratio of means)"]
    assert "\n" in german


def test_every_kind_of_text_in_a_figure_is_translated():
    fig, (left, right) = plt.subplots(1, 2)
    left.plot([0, 1], [0, 1], label="survivors only")
    left.set(xlabel="step", ylabel="engagement share", title="Lorenz curves of engagement shares")
    left.legend(title="mean share at each rank (log-log slope)")
    left.annotate("equal shares", (0.5, 0.5))
    left.set_xticks([0, 1], ["100 steps", "200 steps"])
    image = right.imshow([[0, 1], [1, 0]])
    colorbar = fig.colorbar(image, ax=right)
    colorbar.set_label("top-1 share (mean)")
    right.table(cellText=[["finding", "✓ yes"]], loc="bottom")
    fig.suptitle("Validation: the model beside published results")
    assert untranslated(fig, "de") == []
    changed = translate_figure(fig, "de")
    fig.canvas.draw()
    texts = {text.get_text() for text in i18n.figure_texts(fig)}
    assert {"Schritt", "Engagement-Anteil", "Lorenzkurven der Engagement-Anteile", "nur Überlebende",
            "mittlerer Anteil je Rang (Steigung log-log)", "Gleichverteilung", "100 Schritte", "200 Schritte",
            "Anteil des Größten (Mittelwert)", "Befund", "✓ ja",
            "Validierung: das Modell neben veröffentlichten Ergebnissen"} <= texts
    assert changed >= 10
    assert translate_figure(fig, "de") == 0  # translating twice changes nothing
    plt.close(fig)


def test_unknown_language_is_refused():
    fig = plt.figure()
    with pytest.raises(ValueError, match="no translations for language 'fr'"):
        translate_figure(fig, "fr")
    plt.close(fig)


def test_importing_the_catalogue_adds_no_matplotlib_import():
    code = ("import sys, model; before = set(sys.modules); import model.i18n; "
            "print(any(m.startswith('matplotlib') for m in set(sys.modules) - before))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "False"


@pytest.mark.slow
def test_an_experiment_figure_drawn_in_german(tmp_path, monkeypatch):
    """few_winners in quick mode, redrawn with figure_options(lang="de"): every text of the figure has a
    German translation, and the SVG written carries the German labels and none of the English ones."""
    import experiments.few_winners as experiment
    from experiments import common

    folder = common.execute(experiment, quick=True, out=tmp_path / "run", workers=1)
    english_svg = (folder / "few_winners.svg").read_text()
    seen: dict[str, object] = {}
    translate_for_real = i18n.translate_figure

    def spy(fig, lang):
        seen["untranslated"] = untranslated(fig, lang)
        return translate_for_real(fig, lang)

    monkeypatch.setattr(i18n, "translate_figure", spy)
    german_dir = tmp_path / "de"
    german_dir.mkdir()
    with figure_options(lang="de"):
        written = experiment.plot(folder, german_dir)
    assert seen["untranslated"] == []
    svg = next(path for path in written if path.suffix == ".svg").read_text()
    for german in ("Lorenzkurven der Engagement-Anteile", "Kohorte, Gewinner und Verlierer über die Zeit",
                   "Verlierer je Gewinner zu jedem Zeitpunkt", "Schritt (eine Aufmerksamkeitsperiode, etwa eine Woche)",
                   "100 Schritte", "Gewinner, Verlierer und Konzentration im Standardmarkt nach 100, 200 und 400"):
        assert german in svg, german
        assert german not in english_svg
    for english in ("Lorenz curves of engagement shares", "cohort winners (alive, recent profit &gt; 0)",
                    "100 steps", "Losers per winner at each horizon"):
        assert english in english_svg, english
        assert english not in svg, english
    assert "von 6 Läufen" in svg  # a text with numbers in it, translated by pattern
    assert Path(next(path for path in written if path.suffix == ".png")).stat().st_size > 10_000
