"""The two user engines: determinism, the reference engine's Mesa agents and interface, the
vectorised engine's blocking, visibility draws and memory that does not grow with companies."""

import tracemalloc

import numpy as np
import pandas as pd
import pytest

import model.users
from model import EngagementModel, simulate
from model.market import MarketView
from model.reference import AgentUsers, User
from model.users import EMPTY, ArrayUsers

SMALL = {"n_users": 300, "n_companies": 12}


@pytest.mark.parametrize("engine", ["array", "agents"])
def test_each_engine_gives_bit_identical_results_for_the_same_seed(engine):
    a = simulate(steps=30, seed=7, engine=engine, **SMALL)
    b = simulate(steps=30, seed=7, engine=engine, **SMALL)
    c = simulate(steps=30, seed=8, engine=engine, **SMALL)
    pd.testing.assert_frame_equal(a.timeseries, b.timeseries, check_exact=True)
    pd.testing.assert_frame_equal(a.companies, b.companies, check_exact=True)
    assert not a.timeseries["gini"].equals(c.timeseries["gini"])


def test_block_size_does_not_change_the_vectorised_engine(monkeypatch):
    """Blocks are an implementation detail: 1,000 users in blocks of 37 give the same run bit for bit."""
    kwargs = {"n_users": 1000, "n_companies": 20, "steps": 25, "seed": 3, "participation": 1.0}
    whole = simulate(**kwargs)
    monkeypatch.setattr(model.users, "BLOCK", 37)
    blocked = simulate(**kwargs)
    pd.testing.assert_frame_equal(whole.timeseries, blocked.timeseries, check_exact=True)
    pd.testing.assert_frame_equal(whole.companies, blocked.companies, check_exact=True)


def test_reference_users_are_mesa_agents_with_the_user_submodels():
    market = EngagementModel(rng=1, engine="agents", **SMALL)
    assert isinstance(market.users, AgentUsers)
    users = market.agents_by_type[User]
    assert len(users) == SMALL["n_users"]
    for method in ("update_bonds", "look_around", "choose_and_adopt", "allocate_attention"):
        assert callable(getattr(next(iter(users)), method))
    # the ties are the network's: symmetric
    for user in market.users.users[:50]:
        for tie in user.ties:
            assert user in tie.ties


@pytest.mark.parametrize("engine", ["array", "agents"])
def test_engine_interface_and_invariants(engine):
    market = EngagementModel(rng=2, engine=engine, participation=1.0, **SMALL)
    capacity = market.companies_table.capacity
    for _ in range(20):
        view = market.market_view()
        dead = ~view.alive
        engagement, engaged = market.users.step(view, market.n_active)
        assert engagement.shape == engaged.shape == (capacity + 1,)
        assert np.all(engagement[dead] == 0)
        assert np.all(engaged[dead] == 0)
        n = market.n_active
        spent, budget = market.users.attention_spent[:n], market.users.attention[:n]
        assert np.all((spent >= 0) & (spent <= budget * (1 + 1e-5)))
        company, bond = market.users.relationships()
        assert company.shape == bond.shape == (SMALL["n_users"], market.p.engagement_slots)
        assert np.all((bond >= 0) & (bond <= 1))
        assert np.all(bond[company == EMPTY] == 0)
        assert np.all(bond[company != EMPTY] > 0)
        held = np.sort(company, axis=1)
        assert not np.any((held[:, 1:] == held[:, :-1]) & (held[:, 1:] != EMPTY))
        assert engaged.sum() == np.count_nonzero(company != EMPTY)
        market.step()
    assert np.count_nonzero(company != EMPTY) > 0


def test_visibility_draws_follow_visibility():
    """Walker's alias draws: each company shown in proportion to its visibility, invisible ones never."""
    market = EngagementModel(rng=4, n_users=100_000, n_companies=6, initial_user_share=1.0)
    visibility = np.array([0.0, 5.0, 1.0, 0.0, 3.0, 1.0, 0.0])  # last row: the sentinel
    rows = visibility.size
    view = MarketView(np.cumsum(visibility) / visibility.sum(), np.zeros(rows), np.zeros(rows), np.ones(rows),
                      visibility > 0, np.zeros(rows), np.zeros(rows), np.ones(rows), np.zeros(rows))
    shown = market.users.expose(view, market.n_active)[:, :-1]
    counts = np.bincount(shown.ravel(), minlength=rows)
    expected = visibility / visibility.sum() * shown.size
    assert np.all(counts[visibility == 0] == 0)
    # within 5 binomial standard deviations
    assert np.all(np.abs(counts - expected) <= 5 * np.sqrt(expected) + 1e-9), (counts, expected)


def peak_step_memory(n_companies: int) -> int:
    market = EngagementModel(rng=0, n_users=20_000, n_companies=n_companies, initial_user_share=1.0)
    market.step()
    tracemalloc.start()
    try:
        market.users.step(market.market_view(), market.n_active)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_memory_of_a_step_does_not_grow_with_companies():
    """Users consider a bounded set of companies: a step's memory is O(users x slots), not x companies."""
    few, many = peak_step_memory(10), peak_step_memory(1000)
    assert many < 1.3 * few, (few, many)


def test_array_engine_state_is_slot_major_float32():
    market = EngagementModel(rng=0, **SMALL)
    users = market.users
    assert isinstance(users, ArrayUsers)
    slots = market.p.engagement_slots
    assert users.slot_company.shape == (slots, SMALL["n_users"])
    assert users.slot_company.dtype == np.int32
    assert users.slot_bond.dtype == users.slot_fit.dtype == users.attention.dtype == np.float32
