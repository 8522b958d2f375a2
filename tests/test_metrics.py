"""Outcome measures against values computed by hand."""

import math

import numpy as np
import pytest

from model import metrics


def test_shares_divide_by_total_and_handle_empty_market():
    assert metrics.shares(np.array([1.0, 3.0])).tolist() == [0.25, 0.75]
    assert metrics.shares(np.zeros(3)).tolist() == [0.0, 0.0, 0.0]


def test_gini_hand_computed():
    # x sorted = [0, 0, 0, 1]: sum (2i-n-1) x_i / (n sum x) = (2*4-4-1)*1 / 4 = 3/4
    assert metrics.gini(np.array([0.0, 1.0, 0.0, 0.0])) == pytest.approx(0.75)
    # equal shares: no inequality
    assert metrics.gini(np.full(5, 0.2)) == pytest.approx(0.0)
    # [1, 2, 3]: (-2*1 + 0*2 + 2*3) / (3*6) = 4/18
    assert metrics.gini(np.array([3.0, 1.0, 2.0])) == pytest.approx(4 / 18)
    assert metrics.gini(np.array([])) == 0.0


def test_hhi_and_effective_competitors():
    share = np.array([0.5, 0.3, 0.2])
    assert metrics.hhi(share) == pytest.approx(0.25 + 0.09 + 0.04)
    assert metrics.effective_competitors(share) == pytest.approx(1 / 0.38)
    assert metrics.effective_competitors(np.full(4, 0.25)) == pytest.approx(4.0)
    assert metrics.effective_competitors(np.zeros(3)) == 0.0


def test_top_shares():
    share = np.array([0.1, 0.4, 0.2, 0.3])
    assert metrics.top_share(share) == pytest.approx(0.4)
    assert metrics.top_share(share, k=2) == pytest.approx(0.7)
    # top 10% of 4 companies is ceil(0.4) = 1 company
    assert metrics.top_share(share, fraction=0.1) == pytest.approx(0.4)
    # top 10% of 20 companies is 2 companies
    twenty = np.arange(1, 21, dtype=float) / 210
    assert metrics.top_share(twenty, fraction=0.1) == pytest.approx((20 + 19) / 210)


def test_rank_size_slope_recovers_a_power_law():
    ranks = np.arange(1, 51, dtype=float)
    zipf = ranks**-1.0 / np.sum(ranks**-1.0)
    assert metrics.rank_size_slope(zipf) == pytest.approx(-1.0, abs=1e-9)
    steeper = ranks**-2.0
    assert metrics.rank_size_slope(steeper / steeper.sum()) == pytest.approx(-2.0, abs=1e-9)
    assert metrics.rank_size_slope(np.array([0.6, 0.4])) == 0.0


def test_winners_losers_and_ratio():
    alive = np.array([True, True, False, True])
    profit = np.array([5.0, -1.0, 3.0, 0.0])
    assert metrics.winners_and_losers(alive, profit) == (1, 3)
    assert metrics.loser_winner_ratio(1, 3) == 3.0
    assert metrics.loser_winner_ratio(0, 4) == 4.0


def test_above_fair_share():
    assert metrics.above_fair_share(np.array([0.25, 0.25, 0.25, 0.25])) == 4
    assert metrics.above_fair_share(np.array([0.7, 0.2, 0.1])) == 1


def test_lorenz_curve_end_points_and_shape():
    x, y = metrics.lorenz_curve(np.array([1.0, 0.0, 3.0]))
    assert x.tolist() == pytest.approx([0, 1 / 3, 2 / 3, 1])
    assert y.tolist() == pytest.approx([0, 0, 0.25, 1])


def test_unpredictability_measures():
    same = np.array([[0.5, 0.3, 0.2], [0.5, 0.3, 0.2]])
    assert metrics.rank_correlation_across_worlds(same) == pytest.approx(0.0)
    reversed_worlds = np.array([[0.5, 0.3, 0.2], [0.2, 0.3, 0.5]])
    assert metrics.rank_correlation_across_worlds(reversed_worlds) == pytest.approx(2.0)
    # Salganik: mean over companies of mean |difference| over pairs of worlds
    assert metrics.salganik_unpredictability(reversed_worlds) == pytest.approx((0.3 + 0 + 0.3) / 3)
    assert metrics.salganik_unpredictability(same) == 0.0


def test_metrics_are_finite_for_degenerate_markets():
    for share in (np.array([]), np.zeros(4), np.array([1.0])):
        values = [metrics.gini(share), metrics.hhi(share), metrics.effective_competitors(share),
                  metrics.top_share(share), metrics.rank_size_slope(share)]
        assert all(math.isfinite(v) for v in values)
