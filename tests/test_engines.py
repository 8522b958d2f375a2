"""The two user engines: determinism, the reference engine's Mesa agents and interface, the
vectorised engine's blocking, visibility draws and memory that does not grow with companies."""

import tracemalloc

import numpy as np
import pandas as pd
import pytest

import model.users
from model import EngagementModel, simulate
from model.market import MarketView, UserOutcome
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
    if not hasattr(model.users, "BLOCK"):
        pytest.skip("the vectorised engine does not work in blocks")
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


def budgets_split(users, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Budget, attention to companies and outside option of the first n users (either engine)."""
    if isinstance(users, ArrayUsers):
        to_companies = users.slot_attention[:, :n].sum(axis=0, dtype=np.float64)
    else:
        to_companies = np.array([sum(r.attention for r in user.relationships) for user in users.users[:n]])
    return (np.asarray(users.attention[:n], dtype=np.float64), to_companies,
            np.asarray(users.outside_attention[:n], dtype=np.float64))


@pytest.mark.parametrize("engine", ["array", "agents"])
def test_engine_interface_and_invariants(engine):
    """``step`` returns a ``UserOutcome`` whose per-company rows and totals agree with the users' state."""
    market = EngagementModel(rng=2, engine=engine, participation=1.0, **SMALL)
    capacity = market.companies_table.capacity
    slots = market.p.engagement_slots
    for _ in range(20):
        view = market.market_view()
        dead = ~view.alive
        n = market.n_active
        outcome = market.users.step(view, n)
        assert isinstance(outcome, UserOutcome)
        assert outcome.engagement.shape == outcome.engaged.shape == outcome.attention.shape == (capacity + 1,)
        for column in (outcome.engagement, outcome.engaged, outcome.attention):
            assert np.all(column[dead] == 0)
            assert np.all(column >= 0)
        budget, to_companies, outside = budgets_split(market.users, n)
        rtol = 1e-5 if isinstance(market.users, ArrayUsers) and market.users.slot_attention.dtype != np.float64 else 1e-9
        np.testing.assert_allclose(to_companies + outside, budget, rtol=rtol, atol=0)
        assert np.all(outside >= -rtol * budget)
        assert outcome.attention_budget == pytest.approx(budget.sum(), rel=rtol)
        assert outcome.attention_to_companies == pytest.approx(to_companies.sum(), rel=rtol, abs=1e-12)
        assert outcome.attention.sum() == pytest.approx(outcome.attention_to_companies, rel=rtol, abs=1e-12)
        company, bond = market.users.relationships()
        assert company.shape == bond.shape == (SMALL["n_users"], slots)
        assert np.all(company[n:] == EMPTY)  # users not yet on the platform hold nothing
        assert np.all((bond >= 0) & (bond <= 1))
        assert np.all(bond[company == EMPTY] == 0)
        assert np.all(bond[company != EMPTY] > 0)
        held = np.sort(company, axis=1)
        assert not np.any((held[:, 1:] == held[:, :-1]) & (held[:, 1:] != EMPTY))
        assert outcome.relationships == outcome.engaged.sum() == np.count_nonzero(company != EMPTY)
        market.step()
    assert np.count_nonzero(company != EMPTY) > 0


def test_visibility_draws_follow_visibility():
    """Walker's alias draws: each company shown in proportion to its visibility, invisible ones never."""
    market = EngagementModel(rng=4, n_users=100_000, n_companies=6, initial_user_share=1.0)
    visibility = np.array([0.0, 5.0, 1.0, 0.0, 3.0, 1.0, 0.0])  # last row: the sentinel
    rows = visibility.size
    zeros = np.zeros(rows)
    view = MarketView(visibility=visibility, popularity=np.ones(rows), topic=zeros, fit_boost=zeros,
                      effectiveness=np.ones(rows), alive=visibility > 0, keep=np.ones(rows), reinforcement=zeros,
                      depth=np.ones(rows), word_of_mouth=zeros)
    shown = np.array(market.users.expose(view, market.n_active)[:-1])  # the feed's draws, not word of mouth
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


def test_array_engine_state_is_slot_major():
    """State is one array per slot attribute, [slot, user]: a slot's values for all users are contiguous.
    (The float type is the engine's choice; the company rows are integers, -1 for an empty slot.)"""
    market = EngagementModel(rng=0, **SMALL)
    users = market.users
    assert isinstance(users, ArrayUsers)
    shape = (market.p.engagement_slots, SMALL["n_users"])
    for name in ("slot_company", "slot_bond", "slot_fit", "slot_attention"):
        array = getattr(users, name)
        assert array.shape == shape, name
        assert array.flags["C_CONTIGUOUS"], name
    assert np.issubdtype(users.slot_company.dtype, np.integer)
    assert np.all(users.slot_company == EMPTY)
    for name in ("slot_bond", "slot_fit", "slot_attention"):
        assert np.issubdtype(getattr(users, name).dtype, np.floating), name
    assert users.outside_attention.shape == users.attention.shape == (SMALL["n_users"],)
