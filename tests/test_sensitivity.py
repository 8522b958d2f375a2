"""Sensitivity analysis (model/sweep/sensitivity.py): the too-few-samples warning and the figures drawn with
SALib's own plotting."""

from __future__ import annotations

import logging
from types import SimpleNamespace

import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.container import BarContainer

from model.cli import main as engagement
from model.sweep import SweepSpec, analyze, run_sweep
from model.sweep.sensitivity import MORRIS_MIN_TRAJECTORIES, SOBOL_MIN_SAMPLES, draw_analysis, too_few_samples

RANGES = {"social_influence": {"low": 0.0, "high": 1.0}, "participation": {"low": 0.0, "high": 1.0}}


def additive_outcome(params, *, steps, seed):  # picklable, module level; a known function of two inputs
    return SimpleNamespace(summary={"gini": params.social_influence + 0.5 * params.participation ** 2})


def sweep(folder, design, samples):
    spec = SweepSpec(params=RANGES, design=design, samples=samples, steps=0, seed=3, outcomes=["gini"])
    run_sweep(spec, folder, progress=False, run_function=additive_outcome)
    return folder


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


@pytest.mark.parametrize(("design", "samples", "minimum"), [("sobol", 8, SOBOL_MIN_SAMPLES),
                                                             ("morris", 4, MORRIS_MIN_TRAJECTORIES)])
def test_too_few_samples_warn_in_one_line_with_the_minimum(tmp_path, caplog, capsys, design, samples, minimum):
    out = sweep(tmp_path / design, design, samples)
    with caplog.at_level(logging.WARNING, logger="model.sweep.sensitivity"):
        analyze(out, design, ["gini"], resamples=20, figure=False)
    warnings = [record.getMessage() for record in caplog.records if record.levelno == logging.WARNING]
    assert len(warnings) == 1
    assert "\n" not in warnings[0]
    assert f"at least {minimum} are needed" in warnings[0]
    assert f"= {samples} " in warnings[0]
    caplog.clear()
    assert engagement(["analyze", str(out), "--method", design, "--outcome", "gini", "--resamples", "20",
                       "--no-figure", "--out", str(tmp_path / "again")]) == 0  # a warning, not a refusal
    assert any(f"at least {minimum}" in record.getMessage() for record in caplog.records)


def test_enough_samples_give_no_warning(tmp_path, caplog):
    assert too_few_samples(SweepSpec(params=RANGES, design="sobol", samples=SOBOL_MIN_SAMPLES)) is None
    assert too_few_samples(SweepSpec(params=RANGES, design="morris", samples=MORRIS_MIN_TRAJECTORIES)) is None
    assert too_few_samples(SweepSpec(params=RANGES, design="lhs", samples=3)) is None
    assert "at least 64" in too_few_samples(SweepSpec(params=RANGES, design="sobol", samples=32))
    out = sweep(tmp_path / "morris", "morris", MORRIS_MIN_TRAJECTORIES)
    with caplog.at_level(logging.WARNING, logger="model.sweep.sensitivity"):
        analyze(out, "morris", ["gini"], resamples=20, figure=False)
    assert [r for r in caplog.records if r.levelno >= logging.WARNING] == []


def test_sobol_figure_shows_first_and_total_order_bars_with_intervals(tmp_path):
    out = sweep(tmp_path / "sobol", "sobol", 64)
    frame = analyze(out, "sobol", ["gini"], resamples=50)["gini"]
    assert (out / "analysis" / "sobol_gini.png").stat().st_size > 5_000
    fig = draw_analysis("sobol", "gini", frame)
    ax = fig.axes[0]
    bars = [c for c in ax.containers if isinstance(c, BarContainer)]
    assert len(bars) == 2  # S1 and ST, as SALib.plotting.bar draws them
    np.testing.assert_allclose([patch.get_height() for patch in bars[0]], frame["S1"])
    np.testing.assert_allclose([patch.get_height() for patch in bars[1]], frame["ST"])
    assert [t.get_text() for t in ax.get_xticklabels()] == list(frame["parameter"])
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["first order S1", "total order ST"]
    assert ax.get_ylabel() == "Sobol' index (whiskers: 95% interval)"
    assert ax.get_title().startswith("Sobol' indices of Gini coefficient")


def test_morris_figure_ranks_mu_star_and_plots_it_against_sigma(tmp_path):
    out = sweep(tmp_path / "morris", "morris", MORRIS_MIN_TRAJECTORIES)
    frame = analyze(out, "morris", ["gini"], resamples=50)["gini"]
    fig = draw_analysis("morris", "gini", frame, 0.9)
    bars, scatter = fig.axes[:2]
    ranked = frame.sort_values("mu_star")  # SALib's horizontal_bar_plot: largest mu* at the top
    np.testing.assert_allclose([patch.get_width() for patch in bars.patches], ranked["mu_star"])
    assert [t.get_text() for t in bars.get_yticklabels()] == list(ranked["parameter"])
    assert "90% interval" in bars.get_xlabel()
    points = scatter.collections[0].get_offsets()
    np.testing.assert_allclose(points[:, 0], frame["mu_star"])
    np.testing.assert_allclose(points[:, 1], frame["sigma"])
    assert scatter.get_ylabel() == "sigma (interactions, non-linearity)"
    # the quadratic term of participation makes its elementary effects vary: sigma > 0 for it only
    sigma = frame.set_index("parameter")["sigma"]
    assert sigma["participation"] > 0.01
    assert sigma["social_influence"] < 1e-9
