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
    """Winners: in the cohort, alive now and with a profit over the last maturity_age steps; losers: the
    rest of the cohort; companies outside the cohort count for neither."""
    in_cohort = np.array([True, True, True, True, False])
    alive = np.array([True, True, False, True, True])
    profit = np.array([5.0, -1.0, 3.0, 0.0, 7.0])
    assert metrics.winners_and_losers(in_cohort, alive, profit) == (1, 3)
    assert metrics.winners_and_losers(np.zeros(5, dtype=bool), alive, profit) == (0, 0)
    assert metrics.loser_winner_ratio(1, 3) == 3.0
    assert metrics.loser_winner_ratio(4, 2) == 0.5
    # without winners the ratio is undefined, not the loser count
    assert math.isnan(metrics.loser_winner_ratio(0, 4))
    assert math.isnan(metrics.loser_winner_ratio(0, 0))


def test_cohort_is_the_companies_in_the_market_maturity_age_steps_ago():
    entry = np.array([0, 0, 5, 6, 3])
    exit_ = np.array([-1, 5, -1, -1, 4])
    # at step 15 with maturity_age 10: in the market at step 5 (entered by 5, not exited by 5)
    assert metrics.cohort(entry, exit_, 15, 10).tolist() == [True, False, True, False, False]
    assert not metrics.cohort(entry, exit_, 9, 10).any()


def test_every_metric_is_declared_once():
    """Names are unique; the summary, the integer outcomes and the model's labels follow the declarations."""
    from model.model import METRICS

    names = [metric.name for metric in metrics.OUTCOMES]
    assert len(names) == len(set(names))
    assert list(METRICS) == names
    assert set(metrics.SUMMARY_KEYS) == {m.name for m in metrics.OUTCOMES if m.summary}
    assert {m.name for m in metrics.OUTCOMES if m.integer} == metrics.INTEGER_OUTCOMES
    assert {"gini_survivors", "top10_share_survivors", "cohort", "relationships_per_user",
            "attention_to_companies"} <= set(metrics.SUMMARY_KEYS)
    assert "attention_used" not in names
    assert {"cohort", "winners", "losers"} <= metrics.INTEGER_OUTCOMES
    assert "loser_winner_ratio" not in metrics.INTEGER_OUTCOMES  # NaN without winners


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
