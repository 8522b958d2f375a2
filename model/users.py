"""The user population, vectorised: one column per user, no Python loop over users (C1, C2, C4-C7).

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

How it is made fast (docs/performance.md has the profile and the benchmark):

- slots are stored slot-major (``[slot, user]``, int32 companies, float32 bonds and fits) and
  company columns are converted to float32 once per step (``CompanyColumns``);
- the random numbers of a submodel are drawn for all active users in one call; the arithmetic
  then runs over blocks of ``BLOCK`` users, so that temporaries stay in the CPU cache, and the
  result does not depend on the block size;
- companies are drawn by visibility with Walker's alias method: O(1) per draw, whatever the
  number of companies;
- social proof counts, for each shown company, the matches among the slots of the sampled ties;
  its weight (baseline + q)^gamma is read from a table of the possible counts;
- exact shortcuts skip work whose outcome is already known: a user whose adoption draw is above
  what any choice could give adopts nothing, so its other ties, social proof and choice are never
  worked out (about a third of the users remain), and a word-of-mouth draw above every company's
  propensity cannot pass, so its tie is not looked up. The same draws give the same decisions as
  the full computation; only unused random numbers are not drawn.

Memory and time are O(users x (slots + consideration set + social sample)), never O(users x
companies).
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

#: Users per block of arithmetic: big enough that Python overhead is negligible, small enough
#: that a block's temporaries (a few hundred kB) stay in the CPU cache.
BLOCK = 1 << 14


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


class CompanyColumns:
    """What users read of the companies this step (a ``MarketView``), as float32 columns."""

    def __init__(self, market: MarketView, social_baseline: float, social_influence: float,
                 social_sample: int, slots: int) -> None:
        f32 = np.float32
        self.size = market.alive.size
        self.alive = market.alive
        self.topic = market.topic.astype(f32)
        self.fit_boost = market.fit_boost.astype(f32)
        self.effectiveness = market.effectiveness.astype(f32)
        self.strongest_pull = self.effectiveness.max()  # pull = fit' * effectiveness, fit' <= 1
        self.keep = (1.0 - market.decay).astype(f32)
        self.reinforcement = market.reinforcement.astype(f32)
        self.depth = market.depth.astype(f32)
        self.word_of_mouth = market.word_of_mouth.astype(f32)
        self.strongest_word_of_mouth = self.word_of_mouth.max()
        visibility = np.diff(market.visibility_cdf, prepend=0.0)
        self.visible = market.visibility_cdf.size > 0 and bool((visibility > 0).any())
        if self.visible:
            threshold, own, other = alias_table(visibility)
            # a draw u picks column j = floor(u k) and keeps its own row when u k < j + threshold_j
            self.alias_cut = np.arange(threshold.size) + threshold
            self.alias_rows = np.stack([own, other], axis=1).ravel()
        # (baseline + q / m)^gamma for every count q of neighbours holding a company; counts above m
        # only arise for "nothing shown" matching empty slots, whose weight is zero anyway
        share = np.arange(social_sample * slots + 1, dtype=f32) / f32(social_sample)
        self.social_proof = ((f32(social_baseline) + share) ** f32(social_influence)).astype(f32)


@dataclass
class _Options:
    """What ``choose_and_adopt`` keeps of the users of one block who are able to adopt."""

    users: np.ndarray  # user index
    shown: np.ndarray  # [K, users] companies shown
    pull: np.ndarray  # [K, users] pull of each (0 for what cannot be adopted)
    room: np.ndarray  # 1 for a free slot, else 1 - weakest bond
    slot: np.ndarray  # the slot a new relationship would take


def lookup(column: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """``column[rows]`` for company rows, where -1 (an empty slot) reads the sentinel, the last row.

    ``np.take`` in "wrap" mode does what NumPy indexing does with -1, without the slower
    bounds-checked path of plain indexing.
    """
    return np.take(column, rows, mode="wrap")


def _blocks(n: int):
    """Consecutive slices of at most BLOCK users covering 0..n."""
    for start in range(0, n, BLOCK):
        yield slice(start, min(start + BLOCK, n))


class ArrayUsers:
    """The vectorised user engine (``engine="array"``).

    State is slot-major: ``slot_company[s, i]`` is the company row user i holds in slot s
    (``EMPTY`` = -1, which NumPy reads as the sentinel row of the company table), with
    ``slot_bond`` and ``slot_fit`` alongside. ``relationships()`` returns them user-major.
    """

    def __init__(self, model: EngagementModel, draws: UserDraws) -> None:
        p = model.p
        self.model = model
        self.p = p
        self.n_users = p.n_users
        self.slots = p.engagement_slots
        self.interest = draws.interest.astype(np.float32)
        self.attention = draws.attention.astype(np.float32)
        self.attention_per_slot = self.attention / np.float32(self.slots)
        self.indptr = draws.indptr
        self.indices = draws.indices
        degree = np.diff(draws.indptr)
        self.row_start = draws.indptr[:-1].astype(np.intp)
        # float32 holds every degree below 2^24 exactly, and u * degree < degree for u < 1
        self.degree = degree.astype(np.float32)
        self.any_isolated = bool((degree == 0).any())
        self.slot_company = np.full((self.slots, self.n_users), EMPTY, dtype=np.int32)
        self.slot_bond = np.zeros((self.slots, self.n_users), dtype=np.float32)
        self.slot_fit = np.zeros((self.slots, self.n_users), dtype=np.float32)
        self.attention_spent = np.zeros(self.n_users, dtype=np.float32)
        self.first_tie_draw = np.zeros(0, dtype=np.float32)
        self._columns: tuple[MarketView, CompanyColumns] | None = None

    # ------------------------------------------------------------------ one step
    def step(self, market: MarketView, n_active: int) -> tuple[np.ndarray, np.ndarray]:
        """Run the four user submodels for the first ``n_active`` users.

        Returns engagement and number of engaged users per company row (length capacity + 1).
        """
        self.update_bonds(market, n_active)
        shown = self.expose(market, n_active)
        self.choose_and_adopt(market, n_active, shown)
        return self.allocate_attention(market, n_active)

    def columns(self, market: MarketView) -> CompanyColumns:
        """The float32 company columns of this market view (computed once per view)."""
        # keyed by the view itself (held, so that its id cannot be reused by a later view)
        if self._columns is None or self._columns[0] is not market:
            p = self.p
            self._columns = (market, CompanyColumns(market, p.social_baseline, p.social_influence,
                                                        p.social_sample, self.slots))
        return self._columns[1]

    def update_bonds(self, market: MarketView, n: int) -> None:
        """Relationships fade by the format's decay and deepen by maintained, well-fitting content (C4, C7).

        fit' = fit + fit_boost_c (1 - fit); bond <- bond (1 - decay_c); then
        bond <- bond + reinforcement_c fit' (1 - bond). A bond below ``min_bond`` or with a company
        that has exited is dropped, freeing the slot.
        """
        companies = self.columns(market)
        min_bond = np.float32(self.p.min_bond)
        for users in _blocks(n):
            company = self.slot_company[:, users]
            bond = self.slot_bond[:, users]
            fit = self.slot_fit[:, users]
            rows = company.astype(np.intp)  # converted once for the four lookups
            fit_now = 1.0 - fit
            fit_now *= lookup(companies.fit_boost, rows)
            fit_now += fit
            bond *= lookup(companies.keep, rows)
            gain = lookup(companies.reinforcement, rows)
            gain *= fit_now
            gain *= 1.0 - bond
            bond += gain
            drop = bond < min_bond
            drop |= ~lookup(companies.alive, rows)
            np.copyto(company, EMPTY, where=drop)
            np.copyto(bond, 0.0, where=drop)
            np.copyto(fit, 0.0, where=drop)

    def expose(self, market: MarketView, n: int) -> np.ndarray:
        """Each user is shown ``consideration_set`` companies drawn by visibility (C1, C5) and,
        by word of mouth, possibly one company a neighbour engages with (C6).

        Word of mouth comes from the user's first sampled tie j (see ``choose_and_adopt`` for
        the others): a uniformly random slot s of j; if it holds company c, c is also shown with
        probability word_of_mouth_c * bond_js. Returns candidate companies
        [n, consideration_set + 1] (``-1`` = nothing shown; the last column is word of mouth).

        A pass draw at or above the largest word_of_mouth_c cannot pass whatever j holds (bonds
        are at most 1), so j is looked up only for the other users: exact, and cheaper.
        """
        p, rng, companies = self.p, self.model.rng, self.columns(market)
        by_reach = p.consideration_set
        shown = np.full((by_reach + 1, n), EMPTY, dtype=np.int32)
        # float32 draws: each company's chance is then exact to within 2^-24 per alias column
        reach_draw = rng.random((by_reach, n), dtype=np.float32) if companies.visible else None
        self.first_tie_draw, slot_draw, pass_draw = rng.random((3, n), dtype=np.float32)
        column_count = companies.alias_cut.size if companies.visible else 0
        flat_company = self.slot_company.ravel()
        flat_bond = self.slot_bond.ravel()
        for users in _blocks(n):
            if reach_draw is not None:
                scaled = reach_draw[:, users] * np.float64(column_count)  # exact in float64
                column = scaled.astype(np.intp)
                # row alias_rows[2j] ("own") below the cut of column j, else alias_rows[2j + 1]
                pick = column * 2
                pick += scaled >= np.take(companies.alias_cut, column, mode="clip")
                shown[:by_reach, users] = np.take(companies.alias_rows, pick, mode="clip")
            listeners = np.flatnonzero(pass_draw[users] < companies.strongest_word_of_mouth) + users.start
            if listeners.size:
                first = self._ties(listeners, self.first_tie_draw[listeners], n)
                slot = (slot_draw[listeners] * np.float32(self.slots)).astype(np.intp)
                held_at = slot * self.n_users + first
                recommended = np.take(flat_company, held_at, mode="clip")
                strength = np.take(flat_bond, held_at, mode="clip") * lookup(companies.word_of_mouth, recommended)
                shown[by_reach, listeners] = np.where(pass_draw[listeners] < strength, recommended, EMPTY)
        return shown.T

    def _ties(self, users: np.ndarray, draw: np.ndarray, n: int) -> np.ndarray:
        """The tie of each user that a uniform draw picks: number floor(u * degree) of its list.

        ``draw`` has the users along its last axis; users without ties get a random active user.
        """
        degree = self.degree[users]
        if self.indices.size:
            position = (draw * degree).astype(np.intp)
            position += self.row_start[users]
            # an isolated user's position may point past the list ("clip"); it is replaced below
            ties = np.take(self.indices, position, mode="clip")
        else:
            ties = np.empty(draw.shape, dtype=np.int32)
        if self.any_isolated:
            isolated = degree == 0
            if isolated.any():
                ties[..., isolated] = (draw[..., isolated] * n).astype(np.int32) % n
        return ties

    def choose_and_adopt(self, market: MarketView, n: int, shown: np.ndarray) -> None:
        """Social proof weighs the companies shown; the chosen one may take a slot (C1, C2, C3).

        weight_ic = pull_ic * (baseline + q_ic)^social_influence, with pull_ic = fit'_ic *
        effectiveness_c for shown companies that are alive and not already held (0 otherwise)
        and q_ic the share of the user's ``social_sample`` ties (sampled with replacement, the
        first being the word-of-mouth tie of ``expose``) that hold c; the user picks one company
        in proportion to the weights. It adopts the chosen company into an empty slot with
        probability pull, or in place of its weakest relationship b with probability
        pull * (1 - b); a new relationship starts with bond pull / 2 and fit as drawn.
        Every user decides from the slots as they were before anyone adopted (synchronous).

        The adoption probability of whatever is chosen is at most bound_i = (largest pull_ic) *
        (1 - weakest bond), so a user whose adoption draw is at or above bound_i adopts nothing:
        the ties, social proof and choice are worked out only for the other users ("able").
        This is exact: every decision is the one the full computation would make.
        """
        rng, companies = self.model.rng, self.columns(market)
        choice_draw, adopt_draw = rng.random((2, n), dtype=np.float32)
        candidates = shown.T  # [K, n]
        options = [self._options(companies, np.ascontiguousarray(candidates[:, users]), users, adopt_draw)
                   for users in _blocks(n)]
        able = sum(option.users.size for option in options)
        needs_ties = self.p.social_influence > 0 and self.p.social_sample > 1
        tie_draw = rng.random((self.p.social_sample - 1, able), dtype=np.float32) if needs_ties else None
        decisions, done = [], 0
        for option in options:
            draws = tie_draw[:, done: done + option.users.size] if needs_ties else None
            done += option.users.size
            decisions.append(self._choose(companies, option, choice_draw, adopt_draw, draws, n))
        # adoption happens after every user has decided
        adopters, slot, chosen, pull, fit = (np.concatenate(column) for column in zip(*decisions, strict=True))
        where = slot * self.n_users + adopters
        self.slot_company.ravel()[where] = chosen
        self.slot_bond.ravel()[where] = np.float32(0.5) * pull
        self.slot_fit.ravel()[where] = fit

    def _options(self, companies: CompanyColumns, shown: np.ndarray, users: slice,
                 adopt_draw: np.ndarray) -> _Options:
        """One block of users: the slot a newcomer would take, the pull of each shown company, who is able.

        Two exact filters keep the work small: pull is at most the largest effectiveness of any
        company (fit' <= 1), so users whose draw is at or above that times their room are out
        before any fit is computed; then the bound with the actual pulls decides.
        """
        company = self.slot_company[:, users]
        slot, room = self._free_or_weakest(company, self.slot_bond[:, users])
        draw = adopt_draw[users]
        hopeful = np.flatnonzero(draw < room * companies.strongest_pull)
        shown = np.take(shown, hopeful, axis=1, mode="clip")
        company = np.take(company, hopeful, axis=1, mode="clip")
        room, slot, draw = room[hopeful], slot[hopeful], draw[hopeful]
        interest = self.interest[users][hopeful]
        rows = shown.astype(np.intp)  # converted once for the four lookups
        fit = topic_fit(interest, lookup(companies.topic, rows), np.float32(self.p.interest_width))
        pull = 1.0 - fit
        pull *= lookup(companies.fit_boost, rows)
        pull += fit
        pull *= lookup(companies.effectiveness, rows)
        valid = lookup(companies.alive, rows)
        for s in range(self.slots):
            valid &= shown != company[s]
        pull *= valid
        bound = np.maximum.reduce(pull, axis=0)
        bound *= room
        able = np.flatnonzero(draw < bound)
        return _Options(hopeful[able] + users.start, np.take(shown, able, axis=1, mode="clip"),
                        np.take(pull, able, axis=1, mode="clip"), room[able], slot[able])

    def _free_or_weakest(self, company: np.ndarray, bond: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The slot a new relationship would take, a free one if any, else the weakest, and the room:
        1 for a free slot, else 1 - the weakest bond (the adoption probability is pull * room)."""
        key = np.where(company == EMPTY, np.float32(-1.0), bond)  # free slots first
        slot = np.zeros(key.shape[1], dtype=np.intp)
        lowest = key[0].copy()
        for s in range(1, self.slots):
            np.putmask(slot, key[s] < lowest, s)
            np.minimum(lowest, key[s], out=lowest)
        return slot, 1.0 - np.maximum(lowest, np.float32(0.0))

    def _choose(self, companies: CompanyColumns, option: _Options, choice_draw: np.ndarray,
                adopt_draw: np.ndarray, tie_draw: np.ndarray | None, n: int) -> tuple[np.ndarray, ...]:
        """The able users of one block choose by weight and decide whether to adopt; nothing is written."""
        users, shown, pull = option.users, option.shown, option.pull
        if not users.size:
            empty = np.zeros(0, dtype=np.int32)
            return users, option.slot, empty, np.zeros(0, dtype=np.float32), np.zeros(0, dtype=np.float32)
        weight = pull.copy()
        if self.p.social_influence > 0:
            weight *= lookup(companies.social_proof, self._neighbours_holding(shown, users, tie_draw, n))
        cumulative = weight  # running sum over the shown companies, in place
        for k in range(1, cumulative.shape[0]):
            cumulative[k] += cumulative[k - 1]
        target = choice_draw[users] * cumulative[-1]
        choice = np.zeros(users.size, dtype=np.intp)
        for k in range(cumulative.shape[0] - 1):
            choice += cumulative[k] <= target
        flat = choice * users.size + np.arange(users.size)
        chosen_pull = pull.ravel()[flat]
        # a company that cannot be adopted has pull 0, so it never passes
        adopt = np.flatnonzero(adopt_draw[users] < chosen_pull * option.room)
        adopters = users[adopt]
        chosen = shown.ravel()[flat[adopt]]
        chosen_fit = topic_fit(self.interest[adopters], lookup(companies.topic, chosen),
                               np.float32(self.p.interest_width))
        return adopters, option.slot[adopt], chosen, chosen_pull[adopt], chosen_fit

    def _neighbours_holding(self, shown: np.ndarray, users: np.ndarray, tie_draw: np.ndarray | None,
                            n: int) -> np.ndarray:
        """For each shown company, how many of the user's sampled ties hold it (uint16 [K, users])."""
        ties = np.empty((self.p.social_sample, users.size), dtype=np.int32)
        ties[0] = self._ties(users, self.first_tie_draw[users], n)
        if tie_draw is not None:
            ties[1:] = self._ties(users, tie_draw, n)
        held = np.take(self.slot_company, ties, axis=1, mode="clip").reshape(-1, ties.shape[1])  # [S * m, users]
        holding = np.empty(shown.shape, dtype=np.uint16)
        match = np.empty(held.shape, dtype=np.bool_)
        for k in range(shown.shape[0]):
            np.equal(held, shown[k], out=match)
            np.add.reduce(match, axis=0, dtype=np.uint16, out=holding[k])
        return holding

    def allocate_attention(self, market: MarketView, n: int) -> tuple[np.ndarray, np.ndarray]:
        """Attention flows to relationships in proportion to their bonds (C1).

        attention_is = budget_i * bond_is / slots, so a user never spends more than the budget;
        a company's engagement is the attention it receives times its format's depth.
        """
        companies = self.columns(market)
        # per slot: company row + 1 (so that empty slots, -1, fall into bin 0, which is dropped)
        # and engagement given; one bincount over everything keeps the sums independent of BLOCK,
        # and intp bins with float64 weights spare bincount two conversions
        bins = np.empty((self.slots, n), dtype=np.intp)
        given = np.empty((self.slots, n), dtype=np.float64)
        for users in _blocks(n):
            company = self.slot_company[:, users]
            attention = self.slot_bond[:, users] * self.attention_per_slot[users]
            np.add.reduce(attention, axis=0, out=self.attention_spent[users])
            np.add(company, 1, out=bins[:, users])
            np.multiply(attention, lookup(companies.depth, bins[:, users] - 1), out=given[:, users])
        engagement = np.bincount(bins.ravel(), weights=given.ravel(), minlength=companies.size + 1)
        engaged = np.bincount(bins.ravel(), minlength=companies.size + 1)
        return engagement[1:], engaged[1:].astype(np.float64)

    # ------------------------------------------------------------------ inspection
    def relationships(self) -> tuple[np.ndarray, np.ndarray]:
        """Current slots, user-major: company row (-1 empty) and bond [n_users, slots] (copies)."""
        return self.slot_company.T.copy(), self.slot_bond.T.copy()
