"""The dashboard's logic without a browser: inputs, extreme settings, charts, text panel, page, command.

The browser itself is driven in tests/test_dashboard_browser.py; here the same code paths run
in-process (Solara renders the page into widgets), which is fast and deterministic.
"""

from __future__ import annotations

import inspect
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
from mesa.visualization.utils import force_update

from model import dashboard
from model.app import (
    CHART_METRICS,
    CHARTS,
    DEFAULT_SEED,
    DEFAULTS,
    MAX_COMPANIES,
    MAX_POINTS,
    MAX_USERS,
    MODEL_PARAMS,
    SHORT_FORMAT_LABELS,
    TOP_COMPANIES,
    ChartData,
    ChartRenderer,
    Charts,
    DashboardModel,
    Page,
    explain,
    explain_html,
    parse_seed,
    render_charts,
)
from model.cli import main as cli_main
from model.formats import FORMATS
from model.metrics import OUTCOME_BY_NAME
from model.params import Params

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def run(model: DashboardModel, steps: int) -> DashboardModel:
    for _ in range(steps):
        if not model.running:
            break
        model.step()
    return model


def assert_charts_draw(model: DashboardModel) -> dict[str, bytes]:
    images = render_charts(ChartData.of(model))
    assert set(images) == set(CHARTS)
    for name, png in images.items():
        assert png.startswith(PNG_SIGNATURE), name
    return images


# ====================================================================== controls and inputs
def test_every_control_is_a_keyword_of_the_model_with_the_same_default():
    signature = inspect.signature(DashboardModel.__init__).parameters
    assert set(MODEL_PARAMS) == set(signature) - {"self"}
    for name, spec in MODEL_PARAMS.items():
        assert signature[name].default == spec["value"], name


@pytest.mark.parametrize("name", [n for n, spec in MODEL_PARAMS.items() if spec["type"].startswith("Slider")])
def test_slider_bounds_are_valid_model_parameters(name):
    spec = MODEL_PARAMS[name]
    for value in (spec["min"], spec["max"], spec["value"]):
        assert getattr(Params(**{name: value}), name) == value


def test_format_choices_are_valid_model_parameters():
    for choice in MODEL_PARAMS["format_mix"]["values"]:
        assert Params(format_mix=choice).format_mix == choice


@pytest.mark.parametrize(("raw", "expected", "noted"), [
    ("7", 7, False), (" 1_000 ", 1000, False), (0, 0, False), (np.int64(5), 5, False), (str(2**63 - 1), 2**63 - 1, False),
    ("abc", DEFAULT_SEED, True), ("", DEFAULT_SEED, True), ("1.5", DEFAULT_SEED, True), ("-1", DEFAULT_SEED, True),
    (2**70, DEFAULT_SEED, True), (True, DEFAULT_SEED, True), (None, DEFAULT_SEED, True),
])
def test_seed_field_is_parsed_or_replaced_with_a_note(raw, expected, noted):
    value, note = parse_seed(raw)
    assert value == expected
    assert (note is not None) == noted


def test_out_of_range_inputs_are_clamped_and_explained():
    model = DashboardModel(n_companies=0, n_users=10**9, attention_budget=-1.0, social_influence=math.nan,
                           format_mix="tiktok", profiling="lots", participation=2.0, entry_rate=1e9, seed="abc")
    p = model.p
    assert (p.n_companies, p.n_users, p.attention_budget) == (1, MAX_USERS, 0.0)
    assert p.social_influence == MODEL_PARAMS["social_influence"]["value"]  # not a number: the default
    assert p.profiling == MODEL_PARAMS["profiling"]["value"]
    assert (p.participation, p.entry_rate) == (1.0, MODEL_PARAMS["entry_rate"]["max"])
    assert p.format_mix == "article"
    assert model.seed_value == DEFAULT_SEED
    assert len(model.notes) == 9
    text = explain(model)
    assert text.count("*Input corrected:*") == 9
    run(model, 3)
    assert_charts_draw(model)


def test_typed_seed_is_escaped_in_the_text_panel():
    model = DashboardModel(seed="<script>alert(1)</script>")
    page_html = explain_html(model)
    assert "<script>" not in page_html
    assert "&lt;script&gt;" in page_html


def test_same_seed_same_world_other_seed_other_world():
    """C10: the seed field reproduces a world exactly; another seed gives another world."""
    first, again, other = (run(DashboardModel(seed=seed), 15) for seed in ("7", " 7", "8"))
    assert all(np.array_equal(a, b) for a, b in zip(first.share_history, again.share_history, strict=True))
    assert not all(np.array_equal(a, b) for a, b in zip(first.share_history, other.share_history, strict=True))


# ====================================================================== extreme settings
EXTREMES = {
    "one company": {"n_companies": 1, "entry_rate": 0.0},
    "zero attention": {"attention_budget": 0.0},
    "largest market": {"n_users": MAX_USERS, "n_companies": MAX_COMPANIES},
    "smallest market": {"n_users": MODEL_PARAMS["n_users"]["min"], "n_companies": 1},
    "strongest everything": {"social_influence": 3.0, "attention_budget": 5.0, "profiling": 1.0,
                             "participation": 1.0, "entry_rate": 3.0},
    "no feedback, no exit": {"social_influence": 0.0, "exit_enabled": False, "profiling": 0.0, "participation": 0.0},
    **{f"all {choice}": {"format_mix": choice} for choice in MODEL_PARAMS["format_mix"]["values"]},
}


@pytest.mark.parametrize("settings", EXTREMES.values(), ids=EXTREMES.keys())
def test_extreme_settings_step_draw_and_explain(settings):
    model = run(DashboardModel(**settings), 8)
    assert model.steps == 8
    assert not model.notes  # every value is within the controls' bounds
    assert_charts_draw(model)
    assert "C1, too many suitors" in explain(model)


def test_every_company_exited_is_explained_and_drawn():
    """No attention, no newcomers: every company runs out of money and the run ends."""
    model = run(DashboardModel(attention_budget=0.0, entry_rate=0.0, n_companies=20), 2_000)
    assert model.current["survivors"] == 0
    assert not model.running  # Mesa's Step and Play buttons are disabled in this state
    text = explain(model)
    assert "Every company has left the market" in text
    assert "No attention at all" in text
    data = ChartData.of(model)
    assert data.company_labels == []  # nobody ever had a share
    assert np.all(data.rest == 0)
    assert_charts_draw(model)


# ====================================================================== metrics and formats declared once
def test_charts_read_declared_metrics_and_show_their_labels():
    assert all(name in OUTCOME_BY_NAME for name in CHART_METRICS)
    assert {"gini", "gini_survivors", "top1_share", "survivors", "entries", "exits"} <= set(CHART_METRICS)
    for fmt in FORMATS:  # legends name each format in English and in the article's German
        label = SHORT_FORMAT_LABELS[fmt.name].replace("\n", " ")
        assert fmt.german in label
        assert fmt.label.lower() in label.lower()
    from model import app

    data = ChartData.of(run(DashboardModel(n_users=1000, n_companies=8), 3))
    legends = {name: [text.get_text() for text in draw(data).axes[0].get_legend().get_texts()]
               for name, draw in (("companies", app.draw_companies), ("concentration", app.draw_concentration))}
    assert legends["companies"] == [OUTCOME_BY_NAME[n].label for n in app.COMPANY_METRICS]
    assert [t.replace("\n", " ") for t in legends["concentration"]] == [
        OUTCOME_BY_NAME[n].label for n in app.CONCENTRATION_METRICS]


def test_the_panel_counts_winners_and_losers_in_the_cohort_and_shows_an_undefined_ratio_as_a_dash():
    model = DashboardModel(n_users=1000, n_companies=10)
    text = explain(model)
    assert "no company was in the market 25 steps ago" in text
    assert "losers per winner: \u2014" in text
    assert "relationships on average" not in text  # nothing to say before the first step
    # no attention: the whole cohort loses, and the ratio is undefined, not the loser count
    model = run(DashboardModel(attention_budget=0.0, entry_rate=0.0, n_companies=20), 30)
    now = model.current
    assert now["cohort"] == now["losers"] == 20
    assert now["winners"] == 0
    assert math.isnan(now["loser_winner_ratio"])
    text = explain(model)
    assert "of the 20 companies that have had their chance" in text
    assert "losers per winner: \u2014 (undefined without a winner)" in text
    # a market with winners: the ratio as a number, the attention that goes to companies
    model = run(DashboardModel(n_users=2000, n_companies=20, seed="1"), 40)
    now = model.current
    text = explain(model)
    if now["winners"]:
        assert f"losers per winner: {now['loser_winner_ratio']:.1f})" in text
    assert f"keep {now['relationships_per_user']:.2f} relationships on average" in text
    assert f"give {now['attention_to_companies']:.0%} of their attention to companies" in text


# ====================================================================== chart data
def test_top_companies_and_rest_add_up_to_the_whole_market():
    model = run(DashboardModel(n_companies=30, seed="3"), 25)
    data = ChartData.of(model)
    assert 0 < len(data.company_labels) <= TOP_COMPANIES
    totals = data.company_layers.sum(axis=0) + data.rest
    recorded = np.array([model.share_history[s].sum() for s in data.steps])
    np.testing.assert_allclose(totals, recorded, atol=1e-12)
    # the first layer is the company with the largest share now
    assert data.company_layers[0, -1] == pytest.approx(model.share_history[-1].max())
    assert data.series["survivors"][-1] == model.current["survivors"]


def test_long_runs_are_thinned_for_drawing():
    model = run(DashboardModel(n_users=500, n_companies=5), MAX_POINTS + 150)
    data = ChartData.of(model)
    assert data.steps.size <= MAX_POINTS
    assert data.steps[0] == 0
    assert data.steps[-1] == model.steps
    assert set(data.series) == set(CHART_METRICS)
    assert all(series.size == data.steps.size for series in data.series.values())


def test_renderer_skips_superseded_snapshots_and_draws_the_newest():
    model = DashboardModel(n_users=1000, n_companies=10)
    published = []
    renderer = ChartRenderer(published.append)
    for _ in range(6):
        model.step()
        renderer.submit(ChartData.of(model))
    deadline = time.monotonic() + 60
    while renderer.busy and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not renderer.busy
    steps = [charts.step for charts in published]
    assert steps[-1] == 6  # the last state is always drawn
    assert steps == sorted(steps)
    assert len(steps) <= 6
    assert published[-1].images == render_charts(ChartData.of(model))  # drawing is deterministic


# ====================================================================== the page, rendered in-process
def _wait_for(condition, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "the page did not reach the expected state in time"
        time.sleep(0.05)


def claim_panel_text(rc) -> str:
    panel = rc.find(solara.widgets.HTML, attributes={"class": "claim-text"})
    panel.assert_single()
    return panel.widget.unsafe_innerHTML


def test_page_steps_redraws_and_resets_with_new_settings():
    _box, rc = solara.render(solara.AppLayout(children=[Page()]), handle_error=False)
    try:
        images = rc.find(ipywidgets.Image).widgets
        assert len(images) == len(CHARTS)
        first = [image.value for image in images]
        step = rc.find(v.Btn, children=["Step"])
        step.assert_single()
        for _ in range(3):
            step.widget.click()
        rc.find(children=["Time: 3.0"]).assert_single()
        _wait_for(lambda: all(image.value != old for image, old in zip(images, first, strict=True)))
        slider = rc.find(v.Slider, label="Companies (C1)")
        slider.assert_single()
        slider.widget.v_model = 4
        rc.find(v.Btn, children=["Reset"]).widget.click()
        rc.find(children=["Time: 0.0"]).assert_single()
        _wait_for(lambda: "4 companies compete" in claim_panel_text(rc))
        assert "<strong>Step 0</strong>: 4 companies in the market" in claim_panel_text(rc)
    finally:
        rc.close()


def test_charts_end_on_the_last_step():
    model = DashboardModel(n_users=1000, n_companies=8)
    _box, rc = solara.render(Charts(model), handle_error=False)
    try:
        images = rc.find(ipywidgets.Image).widgets
        for _ in range(5):
            model.step()
            force_update()
        expected = render_charts(ChartData.of(model))
        _wait_for(lambda: [image.value for image in images] == [expected[name] for name in CHARTS])
    finally:
        rc.close()


# ====================================================================== the command
def test_dashboard_module_is_light_to_import():
    code = ("import sys, model.dashboard; "
            "print(any(m == 'solara' or m.startswith(('solara.', 'mesa.visualization')) for m in sys.modules))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "False"


@pytest.mark.parametrize(("argv", "message"), [
    (["--port", "70000"], "--port = 70000 must be between 0 and 65535"),
    (["--host", "no-such-host.invalid"], "is not an address of this computer"),
    (["--startup-timeout", "0"], "--startup-timeout = 0.0 must be > 0"),
])
def test_bad_dashboard_arguments_exit_2_with_one_line(argv, message, capsys):
    assert cli_main(["dashboard", *argv]) == 2
    err = capsys.readouterr().err
    assert message in err
    assert err.count("\n") == 1


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
                                                     root / "server" / "settings.py",  # Font Awesome's path
                                                     *root.glob("widgets/vue/gridlayout*.vue")])
    pinned = set(re.findall(r"/(@?[\w-]+(?:/[\w-]+)?@\d+\.\d+\.\d+(?:-[\w.]+)?)/", sources))
    assert set(dashboard.BROWSER_ASSETS) <= pinned
    assert "@widgetti/solara-vuetify3-app@5.2.0" in pinned  # the Vue 3 front end that Solara 1.64 uses


def test_fetching_browser_files_without_npm_reports_why(monkeypatch, tmp_path):
    monkeypatch.setattr(dashboard.shutil, "which", lambda name: None)
    problem = dashboard.fetch_assets(dashboard.BROWSER_ASSETS, tmp_path)
    assert problem is not None
    assert "npm is not installed" in problem
    assert dashboard.missing_assets(tmp_path) == list(dashboard.BROWSER_ASSETS)


def test_defaults_match_the_model_defaults_where_shared():
    """The dashboard opens on the model's own defaults (so its charts match `engagement run`)."""
    defaults = Params()
    for name, value in DEFAULTS.items():
        if hasattr(defaults, name):
            assert getattr(defaults, name) == value, name
