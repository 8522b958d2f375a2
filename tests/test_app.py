"""The dashboard without a browser: controls, inputs, lessons, text, charts, the page in-process, the commands.

The browser itself is driven in tests/test_dashboard_browser.py; here the same code paths run
in-process (Solara renders the page into widgets), which is fast and deterministic.
"""

from __future__ import annotations

import dataclasses
import math
import re
import subprocess
import sys
import time
from pathlib import Path

import ipyvuetify as v
import ipywidgets
import numpy as np
import pytest
import solara
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.colors import to_rgb

from model import assets, dashboard
from model.app import Page
from model.cli import UNDEFINED
from model.cli import main as cli_main
from model.i18n import gettext
from model.params import Params
from model.plotting import FORMAT_COLOURS
from model.ui import charts, controls
from model.ui.charts import (
    COMPANY_COLOURS,
    DPI,
    MARKET_CHARTS,
    MAX_POINTS,
    MIN_FONT_PX,
    TOP_COMPANIES,
    ChartRenderer,
    MarketData,
    WorldsData,
    draw_all,
    render_charts,
    snapshot,
)
from model.ui.controls import CONTROLS, DEFAULT_SEED, MAX_COMPANIES, MAX_USERS, parse_seed
from model.ui.lessons import DEFAULT_LESSON, LESSON_BY_KEY, LESSONS
from model.ui.models import WORLDS, DashboardModel, WorldsModel
from model.ui.narrative import explain, explain_html, status

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
PARAM_FIELDS = {f.name: f for f in dataclasses.fields(Params)}


def run(model, steps: int):
    for _ in range(steps):
        if not model.running:
            break
        model.step()
    return model


# ====================================================================== controls from Params
@pytest.mark.parametrize("name", list(CONTROLS))
def test_controls_take_defaults_and_ranges_from_params(name):
    control, field = CONTROLS[name], PARAM_FIELDS[name]
    assert control.default == field.default
    spec = controls.mesa_params([name], {}, "en")[name]
    if spec["type"].startswith("Slider"):
        low, high = spec["min"], spec["max"]
        assert field.metadata["low"] <= low < high <= field.metadata["high"]  # never wider than the model's range
        for value in (low, high, spec["value"]):
            assert getattr(Params(**{name: value}), name) == value
        assert spec["type"] == ("SliderInt" if field.type in (int, "int") else "SliderFloat")


def test_labels_are_plain_words_in_both_languages():
    for lang in ("en", "de"):
        spec = controls.mesa_params(list(CONTROLS), {}, lang)
        labels = [item["label"] for item in spec.values()]
        assert not any(re.search(r"\(C\d+\)|_", label) for label in labels), labels  # no claim codes, no Python names
        choices = spec["format_mix"]["values"]
        assert not any("_" in choice for choice in choices)
        assert all(controls.from_input("format_mix", shown, lang) in controls.FORMAT_MIX_CHOICES for shown in choices)
    german = controls.mesa_params(list(CONTROLS), {}, "de")
    assert german["social_influence"]["label"] == "Digitale Gene (Rückkopplung): 1"  # the value is in the label
    assert "alle Themencommunity" in german["format_mix"]["values"]
    assert "alle Informationsverbreitung" in german["format_mix"]["values"]


@pytest.mark.parametrize(("raw", "expected", "noted"), [
    ("7", 7, False), (" 1_000 ", 1000, False), (0, 0, False), (np.int64(5), 5, False), (str(2**63 - 1), 2**63 - 1, False),
    ("abc", DEFAULT_SEED, True), ("", DEFAULT_SEED, True), ("1.5", DEFAULT_SEED, True), ("-1", DEFAULT_SEED, True),
    (2**70, DEFAULT_SEED, True), (True, DEFAULT_SEED, True), (None, DEFAULT_SEED, True),
])
def test_seed_field_is_parsed_or_replaced_with_a_note(raw, expected, noted):
    value, note = parse_seed(raw)
    assert value == expected
    assert (note is not None) == noted


def test_out_of_range_inputs_are_clamped_and_explained_in_both_languages():
    model = DashboardModel(n_companies=0, n_users=10**9, attention_budget=-1.0, social_influence=math.nan,
                           format_mix="tiktok", profiling="lots", participation=2.0, entry_rate=1e9, seed="abc")
    p = model.p
    assert (p.n_companies, p.n_users, p.attention_budget) == (1, MAX_USERS, 0.0)
    assert p.social_influence == Params().social_influence  # not a number: the default
    assert p.profiling == Params().profiling
    assert (p.participation, p.entry_rate) == (1.0, CONTROLS["entry_rate"].bounds[1])
    assert p.format_mix == "article"
    assert model.seed_value == DEFAULT_SEED
    assert len(model.notes) == 9
    lesson = LESSON_BY_KEY["explore"]
    assert explain(model, lesson, "en").count("*Corrected input:*") == 9
    german = explain(model, lesson, "de")
    assert german.count("*Korrigierte Eingabe:*") == 9
    assert "Unternehmen: 0 liegt außerhalb von 1 bis 500; 1 verwendet" in german


def test_typed_seed_is_escaped_in_the_text_panel():
    model = DashboardModel(seed="<script>alert(1)</script>")
    page_html = explain_html(model, LESSON_BY_KEY[DEFAULT_LESSON])
    assert "<script>" not in page_html
    assert "&lt;script&gt;" in page_html


def test_same_seed_same_world_other_seed_other_world():
    first, again, other = (run(DashboardModel(seed=seed), 15) for seed in ("7", " 7", "8"))
    assert all(np.array_equal(a, b) for a, b in zip(first.share_history, again.share_history, strict=True))
    assert not all(np.array_equal(a, b) for a, b in zip(first.share_history, other.share_history, strict=True))


# ====================================================================== lessons
@pytest.mark.parametrize("lesson", LESSONS, ids=[lesson.key for lesson in LESSONS])
def test_every_lesson_builds_its_experiments_setting_steps_and_draws_in_both_languages(lesson):
    model = lesson.build()
    for name, value in lesson.settings.items():  # the experiment's setting reaches the model
        assert getattr(model.p, name) == value
    for name in lesson.controls:
        assert name in CONTROLS
    run(model, 5)
    assert model.steps == 5
    for lang in ("en", "de"):
        texts = lesson.texts(lang)
        assert set(texts) == {"title", "claim", "watch"}
        text = explain(model, lesson, lang)
        assert texts["claim"] in text
        assert ("Step 5" if lang == "en" else "Schritt 5") in text
        images = render_charts(snapshot(model), lang, lesson.horizon, lesson.charts)
        assert list(images) == list(lesson.charts)
        assert all(png.startswith(PNG_SIGNATURE) for png in images.values())


def test_lessons_name_their_claim_in_words_and_differ():
    assert LESSONS[0].key == DEFAULT_LESSON
    assert len({lesson.key for lesson in LESSONS}) == len(LESSONS)
    for lesson in LESSONS:
        for lang in ("en", "de"):
            claim = lesson.texts(lang)["claim"]
            for code in lesson.claims:
                assert f"{code})" in claim or f"{code}," in claim  # the claim is named in the explanation
        assert lesson.texts("en")["title"] != lesson.texts("de")["title"] or lesson.key == "explore"


def test_the_default_lesson_shows_few_winners_within_a_minute_of_play():
    """Play runs at about 8 steps per second (docs/dashboard.md); by step 100 (12 s) the default market
    has a leader with most of the engagement and more cohort losers than winners."""
    model = run(LESSON_BY_KEY[DEFAULT_LESSON].build(), 100)
    now = model.current
    assert now["top1_share"] > 0.4
    assert 0 < now["winners"] < now["losers"]
    assert now["survivors"] < model.p.n_companies / 2


def test_the_worlds_lesson_runs_the_same_companies_in_four_worlds():
    model = LESSON_BY_KEY["unpredictability"].build()
    assert isinstance(model, WorldsModel)
    assert model.worlds == WORLDS
    founders = [(w.companies_table.topic[: w.p.n_companies].copy(), w.companies_table.format[: w.p.n_companies].copy())
                for w in model.worlds_list]
    for topic, fmt in founders[1:]:  # the same companies everywhere (market_seed) ...
        np.testing.assert_array_equal(topic, founders[0][0])
        np.testing.assert_array_equal(fmt, founders[0][1])
    run(model, 40)
    histories = [w.share_history[-1] for w in model.worlds_list]
    assert not all(np.array_equal(histories[0], h) for h in histories[1:])  # ... and different histories
    leaders = model.leaders()
    assert len(leaders) == WORLDS
    text = " ".join(status(model, "en"))
    for n, leader in enumerate(leaders, start=1):
        assert f"world {n}: #{leader[0]} with {leader[1]:.0%}" in text
    assert "in 4 worlds" in text
    data = snapshot(model)
    assert isinstance(data, WorldsData)
    assert list(render_charts(data, "de", 100)) == ["worlds"]


# ====================================================================== correct text
def test_plurals_and_an_undefined_ratio_in_the_status():
    model = DashboardModel(n_users=1000, n_companies=1, entry_rate=0.0)
    text = " ".join(status(model, "en"))
    assert "1 company in the market, 0 newcomers and 0 exits so far" in text
    assert "losers per winner: \u2014" in text
    assert "1 companies" not in text
    german = " ".join(status(model, "de"))
    assert "1 Unternehmen im Markt, bisher 0 Neugründungen und 0 Marktaustritte" in german


def test_losers_are_counted_on_the_cohort_none_before_a_company_could_have_matured():
    model = DashboardModel(attention_budget=0.0, entry_rate=0.0, n_companies=20)
    age = model.p.maturity_age
    run(model, age - 1)
    assert model.current["losers"] == 0  # nobody has had its chance yet, although nobody earns
    assert "none has had its chance" in " ".join(status(model, "en"))
    run(model, 6)
    now = model.current
    assert now["cohort"] == now["losers"] == 20
    assert now["winners"] == 0
    text = " ".join(status(model, "en"))
    assert "Among the 20 companies in the market 25 steps ago: 0 winners" in text
    assert f"20 losers (exited or without profit); losers per winner: {UNDEFINED}." in text
    assert "Nobody engages" in text


def test_a_ratio_with_winners_is_a_number():
    model = run(DashboardModel(n_users=2000, n_companies=20, seed="1"), 40)
    now = model.current
    assert now["winners"] > 0
    assert f"losers per winner: {now['loser_winner_ratio']:.1f}." in " ".join(status(model, "en"))


def test_every_company_exited_is_explained():
    model = run(DashboardModel(attention_budget=0.0, entry_rate=0.0, n_companies=20), 2_000)
    assert model.current["survivors"] == 0
    assert not model.running
    assert "Every company has left the market" in " ".join(status(model, "en"))
    assert "Alle Unternehmen haben den Markt verlassen" in " ".join(status(model, "de"))


# ====================================================================== charts
def _texts(fig):
    from model.i18n import figure_texts

    return [t for t in figure_texts(fig) if t.get_visible() and t.get_text().strip()]


@pytest.mark.parametrize("lang", ["en", "de"])
def test_chart_text_is_at_least_14_pixels_and_translated(lang):
    model = run(DashboardModel(n_users=1000, n_companies=12), 30)
    figures = {**draw_all(snapshot(model), lang, 100), **draw_all(snapshot(run(WorldsModel(n_users=1000), 5)), lang)}
    for name, fig in figures.items():
        canvas = FigureCanvasAgg(fig)
        canvas.draw()
        texts = _texts(fig)
        assert texts, name
        smallest = min(t.get_fontsize() * DPI / 72 for t in texts)
        assert smallest >= MIN_FONT_PX - 1e-9, (name, smallest)
        words = " ".join(t.get_text() for t in texts)
        if lang == "de":
            assert "Schritt" in words, name
            assert "step" not in words, name
        renderer = canvas.get_renderer()
        width, height = fig.bbox.width, fig.bbox.height
        for text in texts:  # nothing drawn outside the image
            box = text.get_window_extent(renderer)
            assert min(box.x0, box.y0) >= -1, (name, text.get_text())
            assert box.x1 <= width + 1, (name, text.get_text())
            assert box.y1 <= height + 1, (name, text.get_text())


def test_titles_say_what_is_shown_and_formats_use_the_articles_words():
    data = snapshot(run(DashboardModel(n_users=1000, n_companies=12), 10))
    for lang, words in (("en", ["Advertising", "Topic"]), ("de", ["Werbung", "Themen-\ncommunity", "Dialog"])):
        figures = draw_all(data, lang, 100)
        titles = [fig.texts[0].get_text() for fig in figures.values()]
        assert titles[0] == gettext("Engagement share of the largest companies", lang)
        assert not any(word in " ".join(titles).lower() for word in ("few take", "most", "wenige"))
        legend = [t.get_text() for t in figures["formats"].axes[0].get_legend().get_texts()]
        assert all(any(word in label for label in legend) for word in words), legend


def test_company_colours_are_not_format_colours():
    format_rgb = [np.array(to_rgb(c)) for c in FORMAT_COLOURS.values()]
    for colour in COMPANY_COLOURS:
        distance = min(np.abs(np.array(to_rgb(colour)) - other).sum() for other in format_rgb)
        assert distance > 0.25, colour
    model = run(DashboardModel(n_users=1000, n_companies=20), 20)
    fig = charts.draw_shares(MarketData.of(model))
    handles = fig.axes[0].get_legend().get_patches()
    for handle in handles[:-1]:
        assert to_rgb(handle.get_facecolor()) in [to_rgb(c) for c in COMPANY_COLOURS]


def test_axes_are_stable_from_the_first_step():
    model = DashboardModel(n_users=1000, n_companies=30)
    before = draw_all(snapshot(model), "en", 100)
    run(model, 20)
    after = draw_all(snapshot(model), "en", 100)
    for name in MARKET_CHARTS:
        assert before[name].axes[0].get_xlim() == after[name].axes[0].get_xlim() == (0, 100)
        assert before[name].axes[0].get_ylim() == after[name].axes[0].get_ylim(), name
    run(model, 90)  # beyond the horizon the time axis grows with the run
    assert draw_all(snapshot(model), "en", 100)["shares"].axes[0].get_xlim() == (0, 110)


def test_top_companies_and_rest_add_up_to_the_whole_market():
    model = run(DashboardModel(n_companies=30, seed="3"), 25)
    data = MarketData.of(model)
    assert 0 < len(data.shares.ids) <= TOP_COMPANIES
    totals = data.shares.layers.sum(axis=0) + data.shares.rest
    recorded = np.array([model.share_history[s].sum() for s in data.steps])
    np.testing.assert_allclose(totals, recorded, atol=1e-12)
    assert data.shares.layers[0, -1] == pytest.approx(model.share_history[-1].max())


def test_long_runs_are_thinned_for_drawing():
    model = run(DashboardModel(n_users=500, n_companies=5), MAX_POINTS + 150)
    data = MarketData.of(model)
    assert data.steps.size <= MAX_POINTS
    assert (data.steps[0], data.steps[-1]) == (0, model.steps)
    assert all(series.size == data.steps.size for series in data.series.values())


def test_renderer_skips_superseded_snapshots_and_draws_the_newest():
    model = DashboardModel(n_users=1000, n_companies=10)
    published = []
    renderer = ChartRenderer(published.append)
    for _ in range(6):
        model.step()
        renderer.submit(snapshot(model), "de", 100)
    deadline = time.monotonic() + 60
    while renderer.busy and time.monotonic() < deadline:
        time.sleep(0.05)
    steps = [drawn.step for drawn in published]
    assert steps[-1] == 6
    assert steps == sorted(steps)
    assert published[-1].images == render_charts(snapshot(model), "de", 100)  # drawing is deterministic


# ====================================================================== the page, rendered in-process
def _wait_for(condition, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "the page did not reach the expected state in time"
        time.sleep(0.05)


def _html(rc, css_class: str) -> str:
    found = rc.find(solara.widgets.HTML, attributes={"class": css_class})
    found.assert_single()
    return found.widget.unsafe_innerHTML


def test_page_steps_switches_language_chooses_a_lesson_and_resets_with_new_settings():
    _box, rc = solara.render(Page(), handle_error=False)
    try:
        images = rc.find(ipywidgets.Image).widgets
        assert len(images) == 2
        first = [image.value for image in images]
        step = rc.find(v.Btn, children=["Step"])
        for _ in range(3):
            step.widget.click()
        rc.find(children=["Step 3"]).assert_single()
        _wait_for(lambda: all(image.value != old for image, old in zip(images, first, strict=True)))
        # German: labels, lesson text and status follow at once, the model keeps running
        rc.find(v.BtnToggle).widget.v_model = "Deutsch"
        _wait_for(lambda: "Schritt 3" in _html(rc, "status-text"))
        assert "glückliche Minderheit" in _html(rc, "lesson-text")
        rc.find(v.Slider, label="Unternehmen: 50").assert_single()
        # another lesson: its setting, its controls, a fresh model
        select = rc.find(v.Select, label="Lektion")
        select.widget.v_model = LESSON_BY_KEY["digital_genes"].texts("de")["title"]
        _wait_for(lambda: "Schritt 0" in _html(rc, "status-text"))
        rc.find(v.Slider, label="Digitale Gene (Rückkopplung): 1").assert_single()
        assert not rc.find(v.Slider, label="Neugründungen je Schritt: 0").widgets  # not a control of this lesson
        slider = rc.find(v.Slider, label="Unternehmen: 50")
        slider.widget.v_model = 4
        rc.find(v.Btn, children=["Reset"]).widget.click()
        _wait_for(lambda: "Dieselben" not in _html(rc, "status-text") and "4 Unternehmen im Markt"
                  in _html(rc, "status-text"))
    finally:
        rc.close()


# ====================================================================== the commands
def test_dashboard_and_assets_modules_are_light_to_import():
    code = ("import sys, model; before = set(sys.modules); import model.dashboard, model.assets, model.i18n; "
            "added = set(sys.modules) - before; print(any(m == 'solara' or m.startswith(('solara.', 'mesa', "
            "'matplotlib')) for m in added) or any(m.startswith('mesa.visualization') for m in sys.modules))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "False"


@pytest.mark.parametrize(("argv", "message"), [
    (["--port", "70000"], "--port = 70000 must be between 0 and 65535"),
    (["--host", "no-such-host.invalid"], "is not an address of this computer"),
    (["--startup-timeout", "0"], "--startup-timeout = 0.0 must be > 0"),
    (["--lang", "fr"], "invalid choice: 'fr'"),
])
def test_bad_dashboard_arguments_exit_2_with_one_line(argv, message, capsys):
    assert cli_main(["dashboard", *argv]) == 2
    err = capsys.readouterr().err
    assert message in err
    assert err.count("\n") == 1


def test_the_language_reaches_the_server():
    env = dashboard.server_environment(Path("/tmp/assets"), "de")
    assert env[dashboard.LANGUAGE_ENV] == "de"
    from model import app, i18n

    assert set(dashboard.LANGUAGES) == set(i18n.LANGUAGES)
    assert app.LANGUAGE_ENV == dashboard.LANGUAGE_ENV


def test_busy_port_exits_2(capsys):
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        assert cli_main(["dashboard", "--port", str(port)]) == 2
    assert f"cannot listen on 127.0.0.1:{port}" in capsys.readouterr().err


def test_browser_files_are_the_ones_solara_asks_for():
    """If Solara is upgraded and pins other versions, this fails instead of the offline page going blank."""
    root = Path(solara.__file__).parent
    sources = "".join(path.read_text() for path in [root / "server" / "templates" / "solara.html.j2",
                                                     root / "server" / "settings.py",
                                                     *root.glob("widgets/vue/gridlayout*.vue")])
    pinned = set(re.findall(r"/(@?[\w-]+(?:/[\w-]+)?@\d+\.\d+\.\d+(?:-[\w.]+)?)/", sources))
    assert set(assets.BROWSER_ASSETS) <= pinned


def test_assets_command_checks_and_reports_missing_files(tmp_path, capsys, monkeypatch):
    assert cli_main(["assets", "--dir", str(tmp_path), "--check"]) == 1
    out = capsys.readouterr().out
    assert all(f"missing: {spec}" in out for spec in assets.BROWSER_ASSETS)
    assert f"0 of {len(assets.BROWSER_ASSETS)} browser packages" in out
    monkeypatch.setattr(assets.shutil, "which", lambda name: None)
    assert cli_main(["assets", "--dir", str(tmp_path)]) == 1
    assert "npm is not installed" in capsys.readouterr().err
    assert assets.missing_assets(tmp_path) == list(assets.BROWSER_ASSETS)
    for spec in assets.BROWSER_ASSETS:  # a filled cache passes the check
        (tmp_path / spec).mkdir(parents=True)
        (tmp_path / spec / "package.json").write_text("{}")
    assert cli_main(["assets", "--dir", str(tmp_path), "--check"]) == 0


def test_largest_sliders_stay_at_the_benchmarked_market():
    assert CONTROLS["n_users"].bounds[1] == MAX_USERS
    assert CONTROLS["n_companies"].bounds[1] == MAX_COMPANIES
