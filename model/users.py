"""The user population, vectorised: one column per user, no Python loop over users (C1, C2, C4-C7).

A user has an attention budget per step, an interest (a point on the topic circle), at most
``engagement_slots`` relationships with companies (each a company, a bond strength in [0, 1],
the topic fit and the attention it got last step) and social ties (CSR arrays). One step of the
users is four submodels, in this order, each applied to every active user at once (synchronous
update: everything a user observes of others is read before anyone adopts):

1. ``update_bonds``       relationships fade, and are reinforced in proportion to the attention they
                          got; weak or dead ones are dropped (C1, C4, C7)
2. ``expose``             the feed shows companies by visibility; word of mouth may add one (C1, C2, C6)
3. ``choose_and_adopt``   the user picks one shown company by pull; it takes a free slot, or wins a
                          social-proof contest against the weakest relationship (C1, C2, C5)
4. ``allocate_attention`` the budget is split among relationships (bond x popularity) and the rest
                          of the feed (``outside_option``); attention times depth is engagement (C1, C2)

``model/reference.py`` states the same rules one user at a time; the tests check that both
engines agree in distribution. State is slot-major (``[slot, user]``): company rows as int32
(-1 = empty, which reads the sentinel row of every company column), bonds, fits and attention
as float64. Random numbers of a submodel are drawn for all active users in one call. Memory and
time are O(users x (slots + consideration set)), never O(users x companies).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from .market import MarketView, UserOutcome
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


def alias_table(weights: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Walker's alias table for drawing row ``r`` with probability ``weights[r] / sum(weights)``.

    Only rows with positive weight take part. A draw u in [0, 1) picks column j = floor(u k)
    of the k columns and returns ``own[j]`` if the fractional part of u k is below
    ``threshold[j]``, else ``other[j]`` (Vose's construction, O(k) per step).
    """
    rows = np.flatnonzero(weights > 0)
    k = rows.size
    scaled = (weights[rows] * (k / weights[rows].sum())).tolist()
    threshold = [1.0] * k
    partner = list(range(k))
    small = [j for j in range(k) if scaled[j] < 1.0]
    large = [j for j in range(k) if scaled[j] >= 1.0]
    while small and large:
        low, high = small.pop(), large.pop()
        threshold[low] = scaled[low]
        partner[low] = high
        scaled[high] -= 1.0 - scaled[low]
        (small if scaled[high] < 1.0 else large).append(high)
    # what is left over is 1 up to rounding: it always keeps its own row
    return (np.array(threshold, dtype=np.float64), rows.astype(np.int32),
            rows[np.array(partner, dtype=np.int64)].astype(np.int32))


def lookup(column: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """``column[rows]`` for company rows, where -1 (an empty slot) reads the sentinel, the last row.

    ``np.take`` in "wrap" mode does what NumPy indexing does with -1, without the slower
    bounds-checked path of plain indexing.
    """
    return np.take(column, rows, mode="wrap")


def attended(attention: np.ndarray, need: float) -> np.ndarray:
    """h = a / (a + need): the part of a relationship that the attention a of one step sustains (1 if need is 0)."""
    if need == 0:
        return np.ones_like(attention)
    return attention / (attention + need)


class AliasSampler:
    """Draws company rows with probability proportional to their visibility (Walker's alias method)."""

    def __init__(self, visibility: np.ndarray) -> None:
        self.any = bool((visibility > 0).any())
        if self.any:
            threshold, own, other = alias_table(visibility)
            self.columns = threshold.size
            self.cut = threshold
            self.own, self.other = own, other

    def draw(self, u: np.ndarray) -> np.ndarray:
        """Rows for uniform draws ``u`` in [0, 1): column j = floor(u k), own row if frac(u k) < cut_j."""
        scaled = u * self.columns
        column = scaled.astype(np.intp)
        np.minimum(column, self.columns - 1, out=column)
        keep_own = (scaled - column) < self.cut[column]
        return np.where(keep_own, self.own[column], self.other[column])


class ArrayUsers:
    """The vectorised user engine (``engine="array"``).

    ``slot_company[s, i]`` is the company row user i holds in slot s (``EMPTY`` = -1), with
    ``slot_bond``, ``slot_fit`` and ``slot_attention`` alongside; ``relationships()`` returns
    them user-major.
    """

    def __init__(self, model: EngagementModel, draws: UserDraws) -> None:
        p = model.p
        self.model = model
        self.p = p
        self.n_users = p.n_users
        self.slots = p.engagement_slots
        self.interest = draws.interest
        self.attention = draws.attention
        self.indptr = draws.indptr
        self.indices = draws.indices
        self.degree = np.diff(draws.indptr)
        shape = (self.slots, self.n_users)
        self.slot_company = np.full(shape, EMPTY, dtype=np.int32)
        self.slot_bond = np.zeros(shape)
        self.slot_fit = np.zeros(shape)
        self.slot_attention = np.zeros(shape)
        self.outside_attention = np.zeros(self.n_users)

    # ------------------------------------------------------------------ one step
    def step(self, market: MarketView, n_active: int) -> UserOutcome:
        """Run the four user submodels for the first ``n_active`` users."""
        self.update_bonds(market, n_active)
        shown = self.expose(market, n_active)
        self.choose_and_adopt(market, n_active, shown)
        return self.allocate_attention(market, n_active)

    def update_bonds(self, market: MarketView, n: int) -> None:
        """Relationships fade unless attended, deepen with fit, and end when weak (C1, C4, C7).

        With a the attention the relationship got last step and h = a / (a + attention_need) (1 when
        attention_need is 0): bond <- h * (bond (1 - decay_c) + reinforcement_c fit' (1 - bond (1 - decay_c))),
        fit' = fit + fit_boost_c (1 - fit). A well-attended relationship (a >> attention_need) keeps
        its bond; one that gets too little attention fades within a few steps. A bond below
        ``min_bond`` or with a company that has exited is dropped, freeing the slot and its attention.
        """
        company = self.slot_company[:, :n]
        bond = self.slot_bond[:, :n]
        fit = self.slot_fit[:, :n]
        attention = self.slot_attention[:, :n]
        fit_now = fit + lookup(market.fit_boost, company) * (1.0 - fit)
        bond *= lookup(market.keep, company)
        bond += lookup(market.reinforcement, company) * fit_now * (1.0 - bond)
        bond *= attended(attention, self.p.attention_need)
        drop = (bond < self.p.min_bond) | ~lookup(market.alive, company)
        company[drop] = EMPTY
        bond[drop] = 0.0
        fit[drop] = 0.0
        attention[drop] = 0.0

    def expose(self, market: MarketView, n: int) -> np.ndarray:
        """The feed shows each user ``consideration_set`` companies, drawn by visibility (C1, C2); word
        of mouth may add one (C6).

        Word of mouth: a uniformly random tie j of the user (a random active user if it has none)
        and a uniformly random slot s of j; if it holds company c with bond b, c is shown too with
        probability word_of_mouth_c * b. Returns candidates [consideration_set + 1, n] (-1 = none).
        """
        rng = self.model.rng
        by_reach = self.p.consideration_set
        shown = np.full((by_reach + 1, n), EMPTY, dtype=np.int32)
        sampler = AliasSampler(market.visibility)
        reach_draw = rng.random((by_reach, n))
        if sampler.any:
            shown[:by_reach] = sampler.draw(reach_draw)
        tie_draw, slot_draw, pass_draw = rng.random((3, n))
        tie = self.tie(np.arange(n), tie_draw, n)
        slot = (slot_draw * self.slots).astype(np.intp)
        recommended = self.slot_company[slot, tie]
        strength = self.slot_bond[slot, tie] * lookup(market.word_of_mouth, recommended)
        shown[by_reach] = np.where(pass_draw < strength, recommended, EMPTY)
        return shown

    def tie(self, users: np.ndarray, draw: np.ndarray, n: int) -> np.ndarray:
        """The tie number floor(u * degree) of each user's list; users without ties get a random active user."""
        degree = self.degree[users]
        position = self.indptr[users] + (draw * degree).astype(np.int64)
        ties = np.take(self.indices, position, mode="clip") if self.indices.size else np.zeros(users.size, np.int64)
        return np.where(degree > 0, ties, (draw * n).astype(np.int64) % n)

    def choose_and_adopt(self, market: MarketView, n: int, shown: np.ndarray) -> None:
        """Pick one shown company by pull; it takes a free slot, or may replace the weakest relationship (C1, C2, C5).

        pull_ic = fit'_ic * effectiveness_c for shown companies that are alive and not held (else 0),
        fit' = fit + fit_boost (1 - fit). The feed already showed companies in proportion to their
        popularity, so the choice among them weighs pull only (popularity counted once). The chosen
        company c is adopted with probability pull into a free slot; with every slot taken, with
        probability pull * (1 - b_w) * g_c / (g_c + g_w) in place of the weakest relationship w (bond
        b_w, popularity g_w): the incumbent's social proof weighed against the challenger's. A new
        relationship starts with bond ``initial_bond`` * pull. Decisions use the slots as they were
        before anyone adopted (synchronous).
        """
        rng, p = self.model.rng, self.p
        choice_draw, adopt_draw = rng.random((2, n))
        company = self.slot_company[:, :n]
        bond = self.slot_bond[:, :n]
        fit = topic_fit(self.interest[:n], lookup(market.topic, shown), p.interest_width)
        fit_now = fit + lookup(market.fit_boost, shown) * (1.0 - fit)
        pull = fit_now * lookup(market.effectiveness, shown)
        held = (shown[:, None, :] == company[None, :, :]).any(axis=1)
        pull[held | (shown == EMPTY)] = 0.0
        cumulative = np.cumsum(pull, axis=0)
        total = cumulative[-1]
        pick = np.minimum((cumulative <= choice_draw * total).sum(axis=0), shown.shape[0] - 1)
        users = np.arange(n)
        chosen = shown[pick, users]
        chosen_pull = pull[pick, users]
        # the slot a new relationship would take: a free one if any, else the weakest
        key = np.where(company == EMPTY, -1.0, bond)
        slot = key.argmin(axis=0)
        weakest = key[slot, users]
        free = weakest < 0
        challenger = lookup(market.popularity, chosen)
        incumbent = lookup(market.popularity, company[slot, users])
        contest = np.divide(challenger, challenger + incumbent, out=np.full(n, 0.5),
                            where=(challenger + incumbent) > 0)
        chance = chosen_pull * np.where(free, 1.0, (1.0 - weakest) * contest)
        adopters = np.flatnonzero(adopt_draw < chance)
        where = slot[adopters]
        company[where, adopters] = chosen[adopters]
        bond[where, adopters] = p.initial_bond * chosen_pull[adopters]
        self.slot_fit[where, adopters] = fit[pick[adopters], adopters]
        self.slot_attention[where, adopters] = 0.0

    def allocate_attention(self, market: MarketView, n: int) -> UserOutcome:
        """Each user's budget is split between its relationships and the rest of the feed (C1), and
        among the relationships by bond and popularity (C2).

        to_companies_i = sum_s bond_is / (outside_option + sum_s bond_is) of the budget goes to the
        user's companies (the rest of the feed gets the remainder); it is split in proportion to
        bond_is * g_c: the feed ranks what already engages. A company's engagement is the attention
        it receives times its format's depth.
        """
        company = self.slot_company[:, :n]
        bond = self.slot_bond[:, :n]
        ranked = bond * lookup(market.popularity, company)
        bonds = bond.sum(axis=0)
        ranks = ranked.sum(axis=0)
        budget = self.attention[:n]
        feed = self.p.outside_option + bonds
        to_companies = np.divide(budget * bonds, feed, out=np.zeros(n), where=feed > 0)
        attention = ranked * np.divide(to_companies, ranks, out=np.zeros(n), where=ranks > 0)
        self.slot_attention[:, :n] = attention
        self.outside_attention[:n] = budget - attention.sum(axis=0)
        bins = company.ravel() + 1  # empty slots (-1) fall into bin 0, which is dropped
        size = market.alive.size + 1
        engagement = np.bincount(bins, weights=(attention * lookup(market.depth, company)).ravel(), minlength=size)
        engaged = np.bincount(bins, minlength=size)
        received = np.bincount(bins, weights=attention.ravel(), minlength=size)
        return UserOutcome(engagement[1:], engaged[1:].astype(np.float64), received[1:], float(attention.sum()),
                           float(budget.sum()), int(engaged[1:].sum()))

    # ------------------------------------------------------------------ inspection
    def relationships(self) -> tuple[np.ndarray, np.ndarray]:
        """Current slots, user-major: company row (-1 empty) and bond [n_users, slots] (copies)."""
        return self.slot_company.T.copy(), self.slot_bond.T.copy()
