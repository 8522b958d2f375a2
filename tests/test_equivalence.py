"""The two user engines agree in distribution (the reference engine is the test oracle).

Method. Six parameter settings that between them switch on every mechanism C1-C10 and every rule
of issue 9 (listed in ``SETTINGS``: the outside option and attention need that make attention
bind, the popularity weight in the feed, the switching contest and the attention split, the
initial bond), each at small size (150 users, 12 companies unless stated, 40 steps). The
vectorised engine runs seeds 0-29 and the reference engine (one ``mesa.Agent`` per user) seeds
1000-1029, so that the two samples are independent. For each final outcome in ``METRICS`` (the
Gini, the top-1 share, the survivors, engagement per user, relationships per user and the share of
attention that went to companies), a two-sample Kolmogorov-Smirnov test compares the 30 values of
one engine with the 30 of the other.

Threshold. The engines disagree if any of the 36 p-values is below ``THRESHOLD`` = 0.001. If they
were identical in distribution, the chance of a false alarm among 36 tests would be at most
36 x 0.001 = 3.6%; the seeds are fixed, so the outcome is deterministic (with these seeds the
smallest p-value is about 0.07). The test can fail: the same procedure applied to a vectorised
engine with a deliberately broken rule (the feed shows live companies uniformly instead of by
visibility) yields p-values far below the threshold in every setting, down to 1e-17
(``test_a_broken_rule_is_detected``).
"""

from __future__ import annotations

import dataclasses
import multiprocessing
from concurrent.futures import ProcessPoolExecutor

import numpy as np
import pytest
from scipy.stats import ks_2samp

import model.model
from model import simulate
from model.users import ArrayUsers

SIZE = {"n_users": 150, "n_companies": 12}
STEPS = 40
SEEDS = {"array": range(30), "agents": range(1000, 1030)}
METRICS = ("gini", "top1_share", "survivors", "mean_engagement", "relationships_per_user", "attention_to_companies")
THRESHOLD = 0.001

SETTINGS = {
    # C1 attention with the outside option and attention need, slots, the switching contest once slots are
    # full; C2 the popularity weight (feed, contest, attention split) on a small world; C3 exit, C4 the
    # article's format mix, C5 profiling, C6 participation, C7 decay and maintenance, C9 growth and entry
    "defaults": {},
    # C2 strong, super-linear feedback on a scale-free network, all formats equally common
    "digital_genes_scale_free": {"social_influence": 2.5, "network": "scale_free", "format_mix": "uniform"},
    # C5, C6 at full strength with deep (community) formats and four slots; attention binds hard (small
    # outside option, large attention need), new relationships start strong
    "profiling_participation": {"profiling": 1.0, "participation": 1.0, "engagement_slots": 4,
                                "format_mix": {"dialogue": 1, "brand_community": 1, "topic_community": 1},
                                "outside_option": 0.5, "attention_need": 0.1, "initial_bond": 0.8},
    # C8 scattered strategies and adaptation, in a well-mixed market (no network), a smaller consideration
    # set; no outside option and no attention need (all attention to companies), weak new relationships
    "strategy_adaptation_well_mixed": {"strategy_focus": 0.5, "focus_spread": 0.8, "adaptation": 0.5,
                                       "adaptation_interval": 5, "network": "none", "social_influence": 0.5,
                                       "consideration_set": 2, "outside_option": 0.0, "attention_need": 0.0,
                                       "initial_bond": 0.2},
    # C1 crowding, C3/C9 shakeout with many entries, C7 fast decay, C10 the same initial companies in every
    # world; a large pseudo-count (flat popularity)
    "crowded_shakeout": {"n_companies": 30, "entry_rate": 1.0, "operating_cost": 0.008, "market_seed": 7,
                         "reach_decay": 0.3, "engagement_slots": 2, "social_baseline": 20.0},
    # the switching contest in every decision: one slot, super-linear popularity, unequal budgets
    "one_slot_contest": {"engagement_slots": 1, "social_influence": 1.5, "initial_bond": 0.9,
                         "attention_heterogeneity": 1.0, "outside_option": 1.0, "attention_need": 0.05},
}


def final_metrics(setting: str, engine: str, seed: int) -> list[float]:
    """The compared outcomes of one run."""
    params = {**SIZE, **SETTINGS[setting]}
    summary = simulate(steps=STEPS, seed=seed, engine=engine, **params).summary
    return [summary[name] for name in METRICS]


def p_values(a: np.ndarray, b: np.ndarray) -> dict[str, float]:
    return {name: float(ks_2samp(a[:, i], b[:, i]).pvalue) for i, name in enumerate(METRICS)}


@pytest.fixture(scope="module")
def outcomes() -> dict[tuple[str, str], np.ndarray]:
    """Final metrics [seed, metric] of every setting and engine, computed on two processes."""
    jobs = [(setting, engine, seed) for setting in SETTINGS for engine in SEEDS for seed in SEEDS[engine]]
    with ProcessPoolExecutor(2, mp_context=multiprocessing.get_context("spawn")) as pool:
        results = list(pool.map(final_metrics, *zip(*jobs, strict=True), chunksize=5))
    table: dict[tuple[str, str], list[list[float]]] = {}
    for (setting, engine, _), values in zip(jobs, results, strict=True):
        table.setdefault((setting, engine), []).append(values)
    return {key: np.array(values) for key, values in table.items()}


@pytest.mark.parametrize("setting", SETTINGS)
def test_engines_agree_in_distribution(outcomes, setting):
    p = p_values(outcomes[(setting, "array")], outcomes[(setting, "agents")])
    assert min(p.values()) >= THRESHOLD, p


def test_the_samples_are_not_degenerate(outcomes):
    """Each compared outcome but the survivor count varies between worlds (C10), so the KS tests have
    something to compare."""
    varying = [METRICS.index(name) for name in METRICS if name != "survivors"]
    for (setting, engine), values in outcomes.items():
        assert np.all(values.std(axis=0)[varying] > 0), (setting, engine)


class IgnoringVisibility(ArrayUsers):
    """Broken on purpose: the feed shows live companies uniformly, whatever their visibility (the rest of
    the market view, popularity included, is left as it is)."""

    def step(self, market, n_active):
        return super().step(dataclasses.replace(market, visibility=market.alive.astype(float)), n_active)


def test_a_broken_rule_is_detected(outcomes, monkeypatch):
    """The same procedure, applied to a vectorised engine that ignores visibility, finds the difference."""
    monkeypatch.setattr(model.model, "ArrayUsers", IgnoringVisibility)
    p = {}
    for setting in SETTINGS:
        broken = np.array([final_metrics(setting, "array", seed) for seed in SEEDS["array"]])
        p[setting] = p_values(broken, outcomes[(setting, "agents")])
    assert min(min(values.values()) for values in p.values()) < THRESHOLD, p
    # not a fluke of one setting: most settings tell the broken engine apart
    assert sum(min(values.values()) < THRESHOLD for values in p.values()) >= 4, p
