"""The two user engines agree in distribution (the reference engine is the test oracle).

Method. Five parameter settings that between them switch on every mechanism C1-C10 (listed in
``SETTINGS``), each at small size (150 users, 12 companies unless stated, 40 steps). The
vectorised engine runs seeds 0-29 and the reference engine (one ``mesa.Agent`` per user) seeds
1000-1029, so that the two samples are independent. For the final gini, top1_share, survivors and
mean_engagement, a two-sample Kolmogorov-Smirnov test compares the 30 values of one engine with
the 30 of the other.

Threshold. The engines disagree if any of the 20 p-values is below ``THRESHOLD`` = 0.001. If they
were identical in distribution, the chance of a false alarm among 20 tests would be at most
20 x 0.001 = 2%; the seeds are fixed, so the outcome is deterministic (with these seeds the
smallest p-value is about 0.035, far from the threshold). The test can fail: the same procedure
applied to a vectorised engine with a deliberately broken rule (companies shown uniformly instead
of by visibility) yields p-values far below the threshold (``test_a_broken_rule_is_detected``).
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
METRICS = ("gini", "top1_share", "survivors", "mean_engagement")
THRESHOLD = 0.001

SETTINGS = {
    # C1 attention and slots, C2 social proof (small world), C3 exit, C4 the article's format mix,
    # C5 profiling, C6 participation, C7 decay and maintenance, C9 growth and entry: all at defaults
    "defaults": {},
    # C2 strong, super-linear feedback on a scale-free network, all formats equally common
    "digital_genes_scale_free": {"social_influence": 2.5, "network": "scale_free", "format_mix": "uniform"},
    # C5, C6 at full strength with deep (community) formats and four slots
    "profiling_participation": {"profiling": 1.0, "participation": 1.0, "engagement_slots": 4,
                                "format_mix": {"dialogue": 1, "brand_community": 1, "topic_community": 1}},
    # C8 scattered strategies and adaptation, in a well-mixed market (no network), a smaller consideration set
    "strategy_adaptation_well_mixed": {"strategy_focus": 0.5, "focus_spread": 0.8, "adaptation": 0.5,
                                       "adaptation_interval": 5, "network": "none", "social_influence": 0.5,
                                       "consideration_set": 2},
    # C1 crowding, C3/C9 shakeout with many entries, C7 fast decay, C10 the same initial companies in every world
    "crowded_shakeout": {"n_companies": 30, "entry_rate": 1.0, "operating_cost": 0.008, "market_seed": 7,
                         "reach_decay": 0.3, "engagement_slots": 2, "social_sample": 3},
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
    """Each compared outcome varies between worlds (C10), so the KS tests have something to compare."""
    for (setting, engine), values in outcomes.items():
        assert np.all(values.std(axis=0)[:2] > 0), (setting, engine)


class IgnoringVisibility(ArrayUsers):
    """Broken on purpose: users are shown live companies uniformly, whatever their visibility."""

    def columns(self, market):
        alive = market.alive.astype(float)
        return super().columns(dataclasses.replace(market, visibility_cdf=np.cumsum(alive) / alive.sum()))


def test_a_broken_rule_is_detected(outcomes, monkeypatch):
    """The same procedure, applied to a vectorised engine that ignores visibility, finds the difference."""
    monkeypatch.setattr(model.model, "ArrayUsers", IgnoringVisibility)
    p = {}
    for setting in SETTINGS:
        broken = np.array([final_metrics(setting, "array", seed) for seed in SEEDS["array"]])
        p[setting] = p_values(broken, outcomes[(setting, "agents")])
    assert min(min(values.values()) for values in p.values()) < THRESHOLD, p
    # not a fluke of one setting: most settings tell the broken engine apart
    assert sum(min(values.values()) < THRESHOLD for values in p.values()) >= 3, p
