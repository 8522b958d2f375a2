"""The user population, vectorised: one row per user, no Python loop over users (C1, C2, C4-C7).

A user has an attention budget per step, an interest (a point on the topic circle), at most
``engagement_slots`` relationships with companies (each a company and a bond strength in
[0, 1]) and social ties (CSR arrays). One step of the users is four submodels, in this order,
each applied to every active user at once (synchronous update: everything a user observes of
its neighbours is read before anyone adopts):

1. ``update_bonds``      relationships fade and are reinforced; weak or dead ones are dropped (C4, C7)
2. ``expose``            users are shown companies by reach and by word of mouth (C1, C5, C6)
3. ``choose_and_adopt``  social proof weighs what was shown; the chosen company may take a slot (C1, C2)
4. ``allocate_attention`` attention flows to current relationships and becomes engagement (C1)

``model/reference.py`` states the same rules one user at a time; the tests check that both
engines agree in distribution.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from .market import MarketView
from .network import build_network

if TYPE_CHECKING:
    from .model import EngagementModel

EMPTY = -1


@dataclass
class UserDraws:
    """Initial user attributes drawn from the model's generator (shared by both engines)."""

    interest: np.ndarray  # float64 [N], position on the topic circle [0, 1)
    attention: np.ndarray  # float64 [N], attention budget per step
    indptr: np.ndarray  # int64 [N+1], CSR row pointers of the user network
    indices: np.ndarray  # int32 [nnz], CSR neighbour lists


def draw_users(model: EngagementModel) -> UserDraws:
    """Interests uniform on the circle, attention lognormal with the given mean, the network."""
    p, rng = model.p, model.rng
    n = p.n_users
    interest = rng.random(n)
    sigma = p.attention_heterogeneity
    attention = p.attention_budget * np.exp(sigma * rng.standard_normal(n) - 0.5 * sigma * sigma)
    indptr, indices = build_network(p.network, n, p.mean_degree, p.rewiring, rng)
    return UserDraws(interest, attention, indptr, indices)


def topic_fit(interest: np.ndarray, topic: np.ndarray, width: float) -> np.ndarray:
    """Fit between user interests and company topics: exp(-(d / width)^2), d the circular distance."""
    distance = np.abs(interest - topic)
    distance = np.minimum(distance, 1.0 - distance)
    scaled = distance / width
    return np.exp(-scaled * scaled)


class ArrayUsers:
    """The vectorised user engine (``engine="array"``)."""

    def __init__(self, model: EngagementModel, draws: UserDraws) -> None:
        p = model.p
        self.model = model
        self.n_users = p.n_users
        self.slots = p.engagement_slots
        self.interest = draws.interest.astype(np.float32)
        self.attention = draws.attention.astype(np.float32)
        self.indptr = draws.indptr
        self.indices = draws.indices
        self.degree = np.diff(draws.indptr).astype(np.int64)
        self.slot_company = np.full((self.n_users, self.slots), EMPTY, dtype=np.int32)
        self.slot_bond = np.zeros((self.n_users, self.slots), dtype=np.float32)
        self.slot_fit = np.zeros((self.n_users, self.slots), dtype=np.float32)
        self.attention_spent = np.zeros(self.n_users, dtype=np.float32)

    # ------------------------------------------------------------------ one step
    def step(self, market: MarketView, n_active: int) -> tuple[np.ndarray, np.ndarray]:
        """Run the four user submodels for the first ``n_active`` users.

        Returns engagement and number of engaged users per company row (length capacity + 1).
        """
        self.update_bonds(market, n_active)
        candidates = self.expose(market, n_active)
        self.choose_and_adopt(market, n_active, candidates)
        return self.allocate_attention(market, n_active)

    def update_bonds(self, market: MarketView, n: int) -> None:
        """Relationships fade by the format's decay and deepen by maintained, well-fitting content (C4, C7).

        bond <- bond * (1 - decay_c) + reinforcement_c * fit'_ic * (1 - bond); a bond below
        ``min_bond`` or with a company that has exited is dropped, freeing the slot.
        """
        company = self.slot_company[:n]
        bond = self.slot_bond[:n]
        fit = self.slot_fit[:n]
        boost = market.fit_boost[company].astype(np.float32)
        fit_now = fit + boost * (1.0 - fit)
        bond *= 1.0 - market.decay[company].astype(np.float32)
        bond += market.reinforcement[company].astype(np.float32) * fit_now * (1.0 - bond)
        drop = (bond < self.model.p.min_bond) | ~market.alive[company]
        company[drop] = EMPTY
        bond[drop] = 0.0
        fit[drop] = 0.0

    def expose(self, market: MarketView, n: int) -> np.ndarray:
        """Each user is shown ``consideration_set`` companies drawn by visibility (C1, C5) and,
        by word of mouth, possibly one company a neighbour engages with (C6).

        Returns candidate companies [n, consideration_set + 1] (``-1`` = nothing shown) and
        stores the sampled neighbours for the social-proof step.
        """
        p, rng = self.model.p, self.model.rng
        shown = np.full((n, p.consideration_set + 1), EMPTY, dtype=np.int32)
        if market.visibility_cdf.size:
            draws = rng.random((n, p.consideration_set), dtype=np.float32)
            picked = np.searchsorted(market.visibility_cdf, draws, side="right")
            shown[:, :-1] = np.minimum(picked, market.visibility_cdf.size - 1)
        self.neighbours = self._sample_neighbours(n, p.social_sample)
        # word of mouth: a random slot of the first sampled neighbour, passed on with a
        # probability that grows with that neighbour's bond and the format's participation
        neighbour = self.neighbours[:, 0]
        slot = rng.integers(0, self.slots, size=n)
        recommended = self.slot_company[neighbour, slot]
        strength = self.slot_bond[neighbour, slot] * market.word_of_mouth[recommended]
        passed = rng.random(n, dtype=np.float32) < strength
        shown[:, -1] = np.where(passed, recommended, EMPTY)
        return shown

    def _sample_neighbours(self, n: int, m: int) -> np.ndarray:
        """``m`` ties per user, drawn with replacement; users without ties look at random active users."""
        rng = self.model.rng
        u = rng.random((n, m), dtype=np.float32)
        degree = self.degree[:n]
        position = (u * degree[:, None]).astype(np.int64)
        np.minimum(position, np.maximum(degree[:, None] - 1, 0), out=position)
        position += self.indptr[:n, None]
        if self.indices.size:
            neighbours = self.indices[np.minimum(position, self.indices.size - 1)]
        else:
            neighbours = np.zeros((n, m), dtype=np.int32)
        isolated = degree == 0
        if isolated.any():
            neighbours[isolated] = (u[isolated] * n).astype(np.int32) % n
        return neighbours

    def choose_and_adopt(self, market: MarketView, n: int, shown: np.ndarray) -> None:
        """Social proof weighs the companies shown; the chosen one may take a slot (C1, C2, C3).

        weight_ic = fit'_ic * effectiveness_c * (baseline + q_ic)^social_influence, where q_ic is
        the share of sampled neighbours engaged with c. The chosen company is adopted into an
        empty slot with probability pull = fit' * effectiveness, or replaces the weakest bond b
        with probability pull * (1 - b).
        """
        p, rng = self.model.p, self.model.rng
        company = self.slot_company[:n]
        bond = self.slot_bond[:n]
        neighbour_slots = self.slot_company[self.neighbours]  # [n, m, S]
        fit = topic_fit(self.interest[:n, None], market.topic[shown].astype(np.float32), p.interest_width)
        boost = market.fit_boost[shown].astype(np.float32)
        pull = (fit + boost * (1.0 - fit)) * market.effectiveness[shown].astype(np.float32)
        valid = market.alive[shown]
        for s in range(self.slots):
            valid &= shown != company[:, s, None]
        weight = pull * valid
        if p.social_influence > 0:
            for c in range(shown.shape[1]):
                q = (neighbour_slots == shown[:, c, None, None]).sum(axis=(1, 2), dtype=np.int32)
                proof = (p.social_baseline + q / np.float32(p.social_sample)) ** np.float32(p.social_influence)
                weight[:, c] *= proof.astype(np.float32)
        total = weight.sum(axis=1)
        cumulative = np.cumsum(weight, axis=1)
        target = rng.random(n, dtype=np.float32) * total
        choice = np.minimum((cumulative <= target[:, None]).sum(axis=1), shown.shape[1] - 1)
        rows = np.arange(n)
        chosen = shown[rows, choice]
        chosen_pull = pull[rows, choice]
        chosen_fit = fit[rows, choice]
        has_choice = (total > 0) & valid[rows, choice]
        empty = company == EMPTY
        has_empty = empty.any(axis=1)
        first_empty = empty.argmax(axis=1)
        weakest = np.where(empty, np.inf, bond).argmin(axis=1)
        slot = np.where(has_empty, first_empty, weakest)
        probability = np.where(has_empty, chosen_pull, chosen_pull * (1.0 - bond[rows, weakest]))
        adopt = has_choice & (rng.random(n, dtype=np.float32) < probability)
        who, where = rows[adopt], slot[adopt]
        company[who, where] = chosen[adopt]
        bond[who, where] = 0.5 * chosen_pull[adopt]
        self.slot_fit[who, where] = chosen_fit[adopt]

    def allocate_attention(self, market: MarketView, n: int) -> tuple[np.ndarray, np.ndarray]:
        """Attention flows to relationships in proportion to their bonds (C1).

        attention_is = budget_i * bond_is / slots, so a user never spends more than the budget;
        a company's engagement is the attention it receives times its format's depth.
        """
        company = self.slot_company[:n]
        attention = self.attention[:n, None] * self.slot_bond[:n] / np.float32(self.slots)
        self.attention_spent[:n] = attention.sum(axis=1)
        held = company.ravel()
        occupied = held != EMPTY
        held = held[occupied]
        size = market.alive.size
        engagement = np.bincount(held, weights=(attention * market.depth[company]).ravel()[occupied], minlength=size)
        engaged = np.bincount(held, minlength=size).astype(np.float64)
        return engagement, engaged

    # ------------------------------------------------------------------ inspection
    def relationships(self) -> tuple[np.ndarray, np.ndarray]:
        """Current slots: company row (-1 empty) and bond per user and slot (copies)."""
        return self.slot_company.copy(), self.slot_bond.copy()
