"""Figures of a sweep (model/sweep/plot.py): one test per figure kind, each checking the axes, the labels and
the plotted data against numbers computed here from ``read_runs``/``read_timeseries``."""

from __future__ import annotations

import math

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from scipy import stats

from model.metrics import OUTCOME_BY_NAME
from model.sweep import SweepSpec, read_runs, read_timeseries, run_sweep
from model.sweep.plot import draw_sweep, plot_sweep

TINY = {"n_users": 150}
SETTINGS = {"steps": 5, "seed": 7, "outcomes": ["gini_survivors", "survivors", "loser_winner_ratio"],
            "timeseries_every": 2, "timeseries_metrics": ["survivors", "gini_survivors"]}


def sweep(folder, params, **settings):
    spec = SweepSpec(params={**TINY, **params}, **{**SETTINGS, **settings})
    report = run_sweep(spec, folder, progress=False)
    assert report.failed == 0
    return folder


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


@pytest.fixture(scope="module")
def one_factor(tmp_path_factory):
    return sweep(tmp_path_factory.mktemp("one") / "sweep", {"n_companies": [4, 8, 16]}, replicates=3)


@pytest.fixture(scope="module")
def two_factors(tmp_path_factory):
    return sweep(tmp_path_factory.mktemp("two") / "sweep",
                 {"n_companies": [4, 8], "social_influence": [0.0, 1.0, 2.0]}, replicates=2)


def t_interval(values):
    x = np.asarray(values, dtype=float)
    half = stats.t.ppf(0.975, x.size - 1) * x.std(ddof=1) / math.sqrt(x.size)
    return x.mean(), x.mean() - half, x.mean() + half


def test_one_parameter_draws_mean_and_interval_over_replicates(one_factor, tmp_path):
    figures = draw_sweep(one_factor, "gini_survivors")
    assert set(figures) == {"lines_gini_survivors", "timeseries_gini_survivors"}  # auto: lines and envelopes
    ax = figures["lines_gini_survivors"].axes[0]
    assert ax.get_ylabel().replace("\n", " ") == OUTCOME_BY_NAME["gini_survivors"].label
    assert "[n_companies]" in ax.get_xlabel()
    title = figures["lines_gini_survivors"]._suptitle.get_text().replace("\n", " ")
    assert title.startswith("Gini coefficient")
    assert "by number of companies" in title

    runs = read_runs(one_factor)
    expected = [t_interval(runs.loc[runs["n_companies"] == n, "gini_survivors"]) for n in (4, 8, 16)]
    mean_line = next(line for line in ax.get_lines() if line.get_label() == "mean over replicates")
    np.testing.assert_array_equal(mean_line.get_xdata(), [4, 8, 16])
    np.testing.assert_allclose(mean_line.get_ydata(), [m for m, _, _ in expected])
    band = ax.collections[0].get_paths()[0].vertices  # fill_between: lower edge, then upper edge reversed
    lows, highs = [low for _, low, _ in expected], [high for _, _, high in expected]
    for low, high in zip(lows, highs, strict=True):
        assert np.isclose(band[:, 1], low).any()
        assert np.isclose(band[:, 1], high).any()
    dots = next(line for line in ax.get_lines() if line.get_label() == "single runs")
    np.testing.assert_allclose(sorted(dots.get_ydata()), sorted(runs["gini_survivors"]))

    written = plot_sweep(one_factor, "gini_survivors", tmp_path / "figs", kind="lines", formats=("png",))
    assert written == [tmp_path / "figs" / "lines_gini_survivors.png"]
    assert written[0].stat().st_size > 5_000


def test_two_parameters_draw_a_heatmap_of_the_means(two_factors):
    figures = draw_sweep(two_factors, "survivors", kind="heatmap")
    assert list(figures) == ["heatmap_survivors"]
    fig = figures["heatmap_survivors"]
    ax = fig.axes[0]
    runs = read_runs(two_factors)
    runs["survivors"] = runs["survivors"].astype(float)
    pivot = runs.pivot_table(index="social_influence", columns="n_companies", values="survivors", aggfunc="mean")
    np.testing.assert_allclose(np.asarray(ax.images[0].get_array()), pivot.to_numpy())
    assert [t.get_text() for t in ax.get_xticklabels()] == ["4", "8"]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["0", "1", "2"]
    assert "[n_companies]" in ax.get_xlabel()
    assert "[social_influence]" in ax.get_ylabel().replace("\n", " ")
    colourbar = fig.axes[1]
    assert colourbar.get_ylabel().replace("\n", " ") == OUTCOME_BY_NAME["survivors"].label
    title = fig._suptitle.get_text().replace("\n", " ")
    assert "by number of companies and social influence" in title


def test_two_parameters_as_lines_draw_one_line_per_level_of_the_second(two_factors):
    ax = draw_sweep(two_factors, "gini_survivors", kind="lines")["lines_gini_survivors"].axes[0]
    runs = read_runs(two_factors)
    means = runs.groupby(["social_influence", "n_companies"])["gini_survivors"].mean()
    lines = {line.get_label(): line for line in ax.get_lines()}
    for gamma in (0.0, 1.0, 2.0):
        line = lines[f"social influence = {gamma:g}"]
        np.testing.assert_allclose(line.get_ydata(), means.loc[gamma].to_numpy())


def test_three_parameters_draw_small_multiples_on_one_colour_scale(tmp_path):
    folder = sweep(tmp_path / "three", {"n_companies": [4, 8], "social_influence": [0.0, 2.0],
                                        "participation": [0.0, 0.5]}, replicates=2, timeseries_every=0,
                   timeseries_metrics=None)
    figures = draw_sweep(folder, "gini_survivors")
    assert list(figures) == ["panels_gini_survivors"]  # no time series kept: no envelope figure
    fig = figures["panels_gini_survivors"]
    panels = [ax for ax in fig.axes if ax.images]
    assert [ax.get_title() for ax in panels] == ["participation = 0", "participation = 0.5"]
    runs = read_runs(folder)
    for ax, level in zip(panels, (0.0, 0.5), strict=True):
        part = runs[runs["participation"] == level]
        pivot = part.pivot_table(index="social_influence", columns="n_companies", values="gini_survivors")
        np.testing.assert_allclose(np.asarray(ax.images[0].get_array()), pivot.to_numpy())
        assert ax.images[0].norm.vmin == pytest.approx(runs.groupby(["n_companies", "social_influence",
                                                                     "participation"])["gini_survivors"].mean().min())


def test_sampled_design_draws_runs_and_binned_means_per_parameter(tmp_path):
    folder = sweep(tmp_path / "lhs", {"n_companies": {"low": 4, "high": 16},
                                      "social_influence": {"low": 0.0, "high": 2.0}},
                   design="lhs", samples=12, timeseries_every=0, timeseries_metrics=None)
    figures = draw_sweep(folder, ["survivors"])
    assert list(figures) == ["scatter_survivors"]
    fig = figures["scatter_survivors"]
    runs = read_runs(folder)
    axes = [ax for ax in fig.axes if ax.get_visible()]
    assert len(axes) == 2
    for ax, name in zip(axes, ("n_companies", "social_influence"), strict=True):
        assert f"[{name}]" in ax.get_xlabel().replace("\n", " ")
        dots, means = ax.get_lines()
        np.testing.assert_allclose(dots.get_xdata(), runs[name].astype(float))
        np.testing.assert_allclose(dots.get_ydata(), runs["survivors"].astype(float))
        order = np.argsort(runs[name].to_numpy(dtype=float), kind="stable")
        chunks = np.array_split(order, 10)  # 12 runs in 10 equal-count bins
        y = runs["survivors"].to_numpy(dtype=float)
        np.testing.assert_allclose(means.get_ydata(), [y[c].mean() for c in chunks])
    assert axes[0].get_ylabel().replace("\n", " ") == OUTCOME_BY_NAME["survivors"].label


def test_timeseries_envelopes_are_median_and_bands_over_runs(two_factors):
    figures = draw_sweep(two_factors, "survivors", kind="timeseries", by="social_influence")
    fig = figures["timeseries_survivors"]
    panels = [ax for ax in fig.axes if ax.get_visible()]
    assert [ax.get_title().replace("\n", " ") for ax in panels] == [
        f"social influence = {gamma:g} (4 runs)" for gamma in (0.0, 1.0, 2.0)]
    runs = read_runs(two_factors)
    series = read_timeseries(two_factors, columns=["survivors"])
    for ax, gamma in zip(panels, (0.0, 1.0, 2.0), strict=True):
        ids = runs.loc[runs["social_influence"] == gamma, "run_id"]
        part = series[series["run_id"].isin(ids)]
        median = part.groupby("step")["survivors"].median()
        line = next(line for line in ax.get_lines() if line.get_label() == "median")
        np.testing.assert_array_equal(line.get_xdata(), [0, 2, 4, 5])
        np.testing.assert_allclose(line.get_ydata(), median.to_numpy())
        assert ax.get_xlabel() in ("step", "")
    assert panels[0].get_ylabel().replace("\n", " ") == OUTCOME_BY_NAME["survivors"].label
    # few design points (6): by default one envelope per design point
    default = draw_sweep(two_factors, "survivors", kind="timeseries")["timeseries_survivors"]
    assert sum(ax.get_visible() for ax in default.axes) == runs["point"].nunique()


def test_title_and_caption_only_when_given(two_factors):
    plain = draw_sweep(two_factors, "gini_survivors", kind="heatmap")["heatmap_gini_survivors"]
    assert [text for text in plain.texts if text is not plain._suptitle] == []  # no caption
    assert "Feedback" not in plain._suptitle.get_text()
    claimed = draw_sweep(two_factors, "gini_survivors", kind="heatmap", title="Feedback concentrates the market",
                         caption="More social influence, more inequality.")["heatmap_gini_survivors"]
    assert claimed._suptitle.get_text() == "Feedback concentrates the market"
    assert [t.get_text() for t in claimed.texts if t is not claimed._suptitle] == ["More social influence, more inequality."]


def test_wrong_requests_fail_with_one_line(one_factor):
    with pytest.raises(ValueError, match="needs a grid sweep with at least two"):
        draw_sweep(one_factor, "gini_survivors", kind="heatmap")
    with pytest.raises(ValueError, match="was not kept"):
        draw_sweep(one_factor, "hhi")
    with pytest.raises(ValueError, match="unknown kind"):
        draw_sweep(one_factor, "gini_survivors", kind="pie")
    assert isinstance(read_runs(one_factor), pd.DataFrame)
