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
as float64. Memory and time are O(users x (slots + consideration set)), never O(users x companies).

How it is fast (docs/performance.md). ``step`` draws the random numbers of all submodels first
(in the order of the submodels, into arrays kept from step to step), then runs the arithmetic over
blocks of ``BLOCK`` users, writing into reused work arrays (``Scratch``) so that temporaries stay in
the CPU cache and nothing is allocated per operation. A block's arithmetic depends only on its
own users and on state read before its submodel started, and sums over users (engagement and
attention per company, totals) are taken once over whole [slot, user] arrays in NumPy's order:
results do not depend on ``BLOCK``, bit for bit. Company columns are shifted by one row so that
"company row + 1" (0 = empty slot) indexes them without negative indices. Two exact shortcuts skip
work that cannot change anything: word of mouth is looked at only for users whose draw is below
the recommending company's word-of-mouth propensity (bonds are at most 1), and choice and
adoption are worked out only for users whose adoption draw is below an upper bound on the
chance to adopt (the others adopt nothing, whatever they would choose).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from .market import MarketView, UserOutcome
from .network import build_network

if TYPE_CHECKING:
    from .model import EngagementModel

EMPTY = -1
#: Users per block of arithmetic (results do not depend on it; about 0.4 MB per [slots, block] float64 array).
BLOCK = 16_384


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


def blocks(n: int) -> list[slice]:
    """The users 0..n-1 in consecutive blocks of ``BLOCK`` (the last one shorter)."""
    size = max(1, int(BLOCK))
    return [slice(start, min(start + size, n)) for start in range(0, n, size)]


def sum_rows(array: np.ndarray, out: np.ndarray) -> np.ndarray:
    """``array.sum(axis=0)`` of a [slots, users] array into ``out``, row after row (NumPy's order for such arrays)."""
    if array.shape[0] == 1:
        out[...] = array[0]
        return out
    np.add(array[0], array[1], out=out)
    for row in array[2:]:
        out += row
    return out


class Scratch:
    """Named C-contiguous work arrays, kept and reused (contents undefined): the block arithmetic
    writes into them (``out=``) instead of allocating a fresh array for every operation."""

    def __init__(self) -> None:
        self._arrays: dict[str, np.ndarray] = {}
        self._views: dict[str, tuple[tuple[int, ...], type, np.ndarray]] = {}  # the last view of each

    def __call__(self, name: str, shape: tuple[int, ...], dtype: type = np.float64, reserve: int = 0) -> np.ndarray:
        """The work array ``name`` with this shape; a new one holds at least ``reserve`` elements
        (room for the whole population, so that a growing user base does not reallocate it)."""
        last = self._views.get(name)
        if last is not None and last[0] == shape and last[1] is dtype:
            return last[2]
        size = math.prod(shape)
        flat = self._arrays.get(name)
        if flat is None or flat.size < size or flat.dtype != dtype:
            flat = np.empty(max(size, reserve, 1), dtype=dtype)
            self._arrays[name] = flat
        view = flat[:size].reshape(shape)
        self._views[name] = (shape, dtype, view)
        return view


class AliasSampler:
    """Draws company rows with probability proportional to their visibility (Walker's alias method).

    A draw u in [0, 1) takes column j = min(floor(u k), k - 1) of the k columns and its own row if
    u k - j < cut_j, else its partner row. Worked out as: keep the own row if u k < limit_j, where
    limit_j is the smallest double >= j + cut_j (u k - j is exact, so the two tests agree for
    every u), with an extra column k (u k rounded up to k) that always takes column k - 1's partner.
    """

    def __init__(self, visibility: np.ndarray) -> None:
        self.any = bool((visibility > 0).any())
        if self.any:
            threshold, own, other = alias_table(visibility)
            k = self.columns = threshold.size
            self.cut = threshold
            self.own, self.other = own, other
            column = np.arange(k, dtype=np.float64)
            limit = column + threshold
            below = (limit - column) < threshold  # j + cut_j rounded down: take the next double
            limit[below] = np.nextafter(limit[below], np.inf)
            self.limit = np.append(limit, -np.inf)
            # rows by 2 j + keep_own: other[j] at even, own[j] at odd positions (one gather per draw)
            self.pair = np.empty(2 * k + 2, dtype=np.int32)
            self.pair[0:-2:2], self.pair[1:-2:2] = other, own
            self.pair[-2:] = other[-1], own[-1]

    def draw(self, u: np.ndarray, out: np.ndarray | None = None, scratch: Scratch | None = None) -> np.ndarray:
        """Rows (int32) for uniform draws ``u`` in [0, 1), into ``out`` if given."""
        work = scratch or Scratch()
        scaled = np.multiply(u, self.columns, out=work("alias_scaled", u.shape))
        column = work("alias_column", u.shape, np.intp)
        np.copyto(column, scaled, casting="unsafe")  # floor: scaled >= 0
        keep_own = np.less(scaled, self.limit.take(column, out=work("alias_limit", u.shape)),
                           out=work("alias_keep", u.shape, np.bool_))
        column += column
        column += keep_own
        return self.pair.take(column, out=out)


class Columns:
    """The company columns one step of the users reads (from a ``MarketView``), shifted by one row.

    ``column[c + 1]`` is company row c's value and ``column[0]`` the sentinel's, so that a slot's
    company row + 1 (0 for an empty slot) indexes every column directly: ``np.take(column, c + 1,
    mode="clip")`` with no negative indices, which NumPy's "wrap" mode handles with a mispredicted
    branch on every empty slot.
    """

    def __init__(self, market: MarketView, min_bond: float) -> None:
        self.rows = market.alive.size
        self.sampler = AliasSampler(market.visibility)
        names = ("popularity", "topic", "fit_boost", "effectiveness", "keep", "reinforcement", "depth",
                 "word_of_mouth", "alive")
        table = np.array([getattr(market, name) for name in names], dtype=np.float64)
        table = np.concatenate((table[:, -1:], table[:, :-1]), axis=1)  # sentinel first: index = row + 1
        (self.popularity, self.topic, self.fit_boost, self.effectiveness, self.keep, self.reinforcement,
         self.depth, self.word_of_mouth, alive) = table
        # A bond is kept if it is at least min_bond and its company is alive. With min_bond > 0, a
        # bond with an exited company (or an empty slot: the sentinel) is set to 0 by keep = 0 and
        # reinforcement = 0, and so dropped by the one comparison with min_bond; the bonds with live
        # companies are computed as stated. With min_bond = 0, ``threshold`` (inf if exited) decides.
        self.min_bond = min_bond
        if min_bond > 0:
            self.keep *= alive
            self.reinforcement *= alive
            self.threshold = None
        else:
            self.threshold = np.where(alive > 0, min_bond, np.inf)
        # no bond exceeds 1, so no recommendation passes with a draw at or above this
        self.word_of_mouth_max = float(self.word_of_mouth.max()) if self.rows else 0.0
        # for the bound on adoption (``choose_block``), not shifted: topics in single precision, and
        # pull = fit' * effectiveness <= max effectiveness * (max fit_boost + (1 - max fit_boost) * fit)
        # if fit_boost is in [0, 1] and effectiveness >= 0 (as the market view makes them); else no bound
        self.topic32 = np.asarray(market.topic, dtype=np.float32)
        boost_max, effect_max = float(self.fit_boost.max()), float(self.effectiveness.max())
        sane = self.fit_boost.min() >= 0 and boost_max <= 1 and self.effectiveness.min() >= 0
        self.fit_boost_max = boost_max if sane else 1.0
        self.effectiveness_max = effect_max if sane else np.inf


def read(column: np.ndarray, rows: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """Values of a shifted column (``Columns``) for ``intp`` indices company row + 1 (into ``out``)."""
    return column.take(rows, mode="clip", out=out)


class ArrayUsers:
    """The vectorised user engine (``engine="array"``).

    ``slot_company[s, i]`` is the company row user i holds in slot s (``EMPTY`` = -1), with
    ``slot_bond``, ``slot_fit`` and ``slot_attention`` alongside; ``relationships()`` returns
    them user-major.

    ``step`` draws the random numbers of all four submodels (in the order of the submodels), runs
    ``update_bonds`` block by block, works out word of mouth from the updated relationships (before
    anyone adopts), then takes each block of users through the feed, ``choose_and_adopt`` and
    ``allocate_attention`` while its slots are in the CPU cache. The four methods of the same
    names run one submodel for all users (the same kernels, random numbers and results).
    """

    def __init__(self, model: EngagementModel, draws: UserDraws) -> None:
        p = model.p
        self.model = model
        self.p = p
        self.n_users = p.n_users
        self.slots = p.engagement_slots
        self.interest = draws.interest
        self.interest32 = draws.interest.astype(np.float32)  # for the bound on adoption only
        self.attention = draws.attention
        self.indptr = draws.indptr
        self.indices = draws.indices
        self.degree = np.diff(draws.indptr)
        self.slot_offset = np.arange(self.slots, dtype=np.intp)[:, None] * self.n_users  # [slot, user] -> flat
        shape = (self.slots, self.n_users)
        self.slot_company = np.full(shape, EMPTY, dtype=np.int32)
        self.slot_bond = np.zeros(shape)
        self.slot_fit = np.zeros(shape)
        self.slot_attention = np.zeros(shape)
        self.outside_attention = np.zeros(self.n_users)
        self.scratch = Scratch()

    # ------------------------------------------------------------------ helpers
    def columns(self, market: MarketView) -> Columns:
        """The company columns of a market view, as the block arithmetic reads them."""
        return Columns(market, self.p.min_bond)

    def draw_exposure(self, n: int) -> tuple[np.ndarray, np.ndarray]:
        """The random numbers of ``expose``: visibility draws [consideration_set, n], word of mouth [3, n]."""
        rng = self.model.rng
        reach_draw = rng.random(out=self.population("reach_draw", self.p.consideration_set, n))
        word_draw = rng.random(out=self.population("word_draw", 3, n))
        return reach_draw, word_draw

    def draw_choice(self, n: int) -> np.ndarray:
        """The random numbers of ``choose_and_adopt``: choice and adoption [2, n]."""
        return self.model.rng.random(out=self.population("choice_draw", 2, n))

    def population(self, name: str, rows: int, n: int, dtype: type = np.float64) -> np.ndarray:
        """A [rows, n] work array (n active users), with room for all users."""
        return self.scratch(name, (rows, n), dtype, reserve=rows * self.n_users)

    def block_rows(self, users: slice) -> np.ndarray:
        """The block's slots as company row + 1 (0 = empty), ``intp`` [slots, block] (a scratch array)."""
        rows = self.scratch("rows", (self.slots, users.stop - users.start), np.intp)
        np.add(self.slot_company[:, users], 1, out=rows, dtype=np.intp)
        return rows

    # ------------------------------------------------------------------ one step
    def step(self, market: MarketView, n_active: int) -> UserOutcome:
        """Run the four user submodels for the first ``n_active`` users (block by block, see the class)."""
        n = n_active
        columns = self.columns(market)
        reach_draw, word_draw = self.draw_exposure(n)
        choice_draw, adopt_draw = self.draw_choice(n)
        for users in blocks(n):
            self.update_block(columns, users)
        recommended = self.word_of_mouth(columns, n, word_draw)
        bins = self.population("bins", self.slots, n, np.intp)
        depth_weighted = self.population("depth_weighted", self.slots, n)
        for users in blocks(n):
            rows = self.block_rows(users)
            shown = self.show_block(columns, users, reach_draw)
            self.choose_block(columns, users, shown, recommended[users], rows, choice_draw[users], adopt_draw[users])
            self.allocate_block(columns, users, rows, bins, depth_weighted)
        return self.outcome(columns, n, bins, depth_weighted)

    # ------------------------------------------------------------------ 1. update_bonds
    def update_bonds(self, market: MarketView, n: int) -> None:
        """Relationships fade unless attended, deepen with fit, and end when weak (C1, C4, C7).

        With a the attention the relationship got last step and h = a / (a + attention_need) (1 when
        attention_need is 0): bond <- h * (bond (1 - decay_c) + reinforcement_c fit' (1 - bond (1 - decay_c))),
        fit' = fit + fit_boost_c (1 - fit). A well-attended relationship (a >> attention_need) keeps
        its bond; one that gets too little attention fades within a few steps. A bond below
        ``min_bond`` or with a company that has exited is dropped, freeing the slot (its attention
        is set when attention is next allocated).
        """
        columns = self.columns(market)
        for users in blocks(n):
            self.update_block(columns, users)

    def update_block(self, columns: Columns, users: slice) -> None:
        """``update_bonds`` for one block of users."""
        work, need = self.scratch, self.p.attention_need
        bond, fit, attention = self.slot_bond[:, users], self.slot_fit[:, users], self.slot_attention[:, users]
        rows = self.block_rows(users)
        fit_now = work("fit_now", rows.shape)
        gain = work("gain", rows.shape)
        value = work("value", rows.shape)
        # fit' = fit + fit_boost (1 - fit)
        np.subtract(1.0, fit, out=fit_now)
        fit_now *= read(columns.fit_boost, rows, out=value)
        fit_now += fit
        # bond <- bond (1 - decay); bond += reinforcement fit' (1 - bond)
        bond *= read(columns.keep, rows, out=value)
        read(columns.reinforcement, rows, out=gain)
        gain *= fit_now
        np.subtract(1.0, bond, out=fit_now)
        gain *= fit_now
        bond += gain
        # bond *= a / (a + attention_need)
        if need != 0:
            np.add(attention, need, out=gain)
            np.divide(attention, gain, out=gain)
            bond *= gain
        # drop bonds below min_bond and relationships with exited companies (empty slots stay empty)
        limit = columns.min_bond if columns.threshold is None else read(columns.threshold, rows, out=value)
        kept = np.greater_equal(bond, limit, out=work("kept", rows.shape, np.bool_))
        bond *= kept
        fit *= kept
        rows *= kept
        np.subtract(rows, 1, out=self.slot_company[:, users], casting="unsafe")

    # ------------------------------------------------------------------ 2. expose
    def expose(self, market: MarketView, n: int) -> np.ndarray:
        """The feed shows each user ``consideration_set`` companies, drawn by visibility (C1, C2); word
        of mouth may add one (C6).

        Word of mouth: a uniformly random tie j of the user (a random active user if it has none)
        and a uniformly random slot s of j; if it holds company c with bond b, c is shown too with
        probability word_of_mouth_c * b. Returns candidates [consideration_set + 1, n] (-1 = none).
        """
        columns = self.columns(market)
        reach_draw, word_draw = self.draw_exposure(n)
        shown = np.empty((self.p.consideration_set + 1, n), dtype=np.int32)
        for users in blocks(n):
            shown[:-1, users] = self.show_block(columns, users, reach_draw)
        shown[-1] = self.word_of_mouth(columns, n, word_draw)
        return shown

    def show_block(self, columns: Columns, users: slice, reach_draw: np.ndarray) -> np.ndarray:
        """The companies the feed shows the users of one block by visibility, int32 rows (-1 = none)
        [consideration_set, block] (a scratch array)."""
        draw = reach_draw[:, users]
        shown = self.scratch("shown", draw.shape, np.int32)
        if columns.sampler.any:
            columns.sampler.draw(draw, out=shown, scratch=self.scratch)
        else:
            shown.fill(EMPTY)
        return shown

    def word_of_mouth(self, columns: Columns, n: int, draw: np.ndarray) -> np.ndarray:
        """The company each user's tie recommends (-1 = none) [n] (a scratch array), read after
        ``update_bonds`` and before anyone adopts.

        Exact shortcuts: no bond exceeds 1, so a recommendation with draw u passes only if u is
        below word_of_mouth_c of the tie's company c; the other users' ties are not looked at.
        """
        tie_draw, slot_draw, pass_draw = draw
        recommended = self.population("recommended", 1, n, np.int32)[0]
        recommended.fill(EMPTY)
        maybe = (pass_draw < columns.word_of_mouth_max).nonzero()[0]
        if maybe.size:
            tie = self.tie(maybe, tie_draw[maybe], n)
            slot = (slot_draw[maybe] * self.slots).astype(np.intp)
            where = slot * self.n_users + tie  # [slot, tie] of the full slot arrays
            rows = np.add(np.take(self.slot_company.ravel(), where), 1, dtype=np.intp)
            chance = pass_draw[maybe]
            close = (chance < read(columns.word_of_mouth, rows)).nonzero()[0]
            maybe, where, rows, chance = maybe[close], where[close], rows[close], chance[close]
            bond = np.take(self.slot_bond.ravel(), where)
            passed = (chance < bond * read(columns.word_of_mouth, rows)).nonzero()[0]
            recommended[maybe[passed]] = rows[passed] - 1
        return recommended

    def tie(self, users: np.ndarray, draw: np.ndarray, n: int) -> np.ndarray:
        """The tie number floor(u * degree) of each user's list; users without ties get a random active user."""
        degree = self.degree[users]
        position = self.indptr[users] + (draw * degree).astype(np.int64)
        ties = np.take(self.indices, position, mode="clip") if self.indices.size else np.zeros(users.size, np.int64)
        if degree.all():
            return ties
        return np.where(degree > 0, ties, (draw * n).astype(np.int64) % n)

    # ------------------------------------------------------------------ 3. choose_and_adopt
    def choose_and_adopt(self, market: MarketView, n: int, shown: np.ndarray) -> None:
        """Pick one shown company by pull; it takes a free slot, or may replace the weakest relationship (C1, C2, C5).

        pull_ic = fit'_ic * effectiveness_c for shown companies that are alive and not held (else 0),
        fit' = fit + fit_boost (1 - fit). The feed already showed companies in proportion to their
        popularity, so the choice among them weighs pull only (popularity counted once). The chosen
        company c is adopted with probability pull into a free slot; with every slot taken, with
        probability pull * (1 - b_w) * g_c / (g_c + g_w) in place of the weakest relationship w (bond
        b_w, popularity g_w): the incumbent's social proof weighed against the challenger's. A new
        relationship starts with bond ``initial_bond`` * pull; a contact whose starting bond would be
        below ``min_bond`` does not become a relationship. Decisions use the slots as they were
        before anyone adopted (synchronous).
        """
        columns = self.columns(market)
        choice_draw, adopt_draw = self.draw_choice(n)
        before = self.slot_company[:, :n].copy()
        for users in blocks(n):
            self.choose_block(columns, users, np.ascontiguousarray(shown[:-1, users]), shown[-1, users],
                              self.block_rows(users), choice_draw[users], adopt_draw[users])
        # a new relationship has had no attention yet (``step`` leaves this to allocate_attention)
        self.slot_attention[:, :n][self.slot_company[:, :n] != before] = 0.0

    def choose_block(self, columns: Columns, users: slice, shown: np.ndarray, recommended: np.ndarray,
                     rows: np.ndarray, choice_draw: np.ndarray, adopt_draw: np.ndarray) -> None:
        """``choose_and_adopt`` for one block: ``shown`` by the feed (int32 rows, -1 = none)
        [consideration_set, block], ``recommended`` by word of mouth [block], the slots as company
        rows + 1 (``rows`` [slots, block], updated for the adopters).

        Exact shortcut: a user adopts with probability pull * room <= the largest pull of an allowed
        candidate (shown, not held) <= max effectiveness * (max fit_boost + (1 - max fit_boost) * fit
        of the nearest allowed candidate). Users whose adoption draw is at or above that bound adopt
        nothing, whatever they would choose; the bound needs only the nearest candidate's distance,
        worked out in single precision with a margin far above its rounding error, and choice and
        adoption are worked out (in double precision, as stated) for the others only.
        """
        work, size = self.scratch, users.stop - users.start
        company = self.slot_company[:, users]
        # distance to the nearest allowed candidate of the feed (single precision; >= 1 if there is none)
        index = work("shown_index", shown.shape, np.intp)
        np.copyto(index, shown)
        distance = read(columns.topic32, index, out=work("distance32", shown.shape, np.float32))
        np.subtract(self.interest32[users], distance, out=distance)
        np.abs(distance, out=distance)
        other = np.subtract(np.float32(1.0), distance, out=work("other32", shown.shape, np.float32))
        np.minimum(distance, other, out=distance)
        excluded = np.less(shown, 0, out=work("excluded", shown.shape, np.bool_))  # empty or held
        same = work("same", shown.shape, np.bool_)
        for held in company:
            excluded |= np.equal(shown, held, out=same)
        distance += excluded  # >= 1 for candidates that are not allowed
        nearest = work("nearest", (size,), np.float32)
        nearest[...] = distance[0]
        for row in distance[1:]:
            np.minimum(nearest, row, out=nearest)
        told = (recommended >= 0).nonzero()[0]
        if told.size:
            pick = recommended[told]
            distance = np.abs(self.interest32[users.start + told] - columns.topic32[pick])
            np.minimum(distance, np.float32(1.0) - distance, out=distance)
            for held in company:
                distance += held[told] == pick
            nearest[told] = np.minimum(nearest[told], distance)
        some = nearest < 1.0
        bound = np.subtract(nearest, 1e-6, out=work("bound", (size,)))  # in double precision from here
        np.maximum(bound, 0.0, out=bound)
        bound /= self.p.interest_width
        bound *= bound
        np.negative(bound, out=bound)
        np.exp(bound, out=bound)
        bound *= 1.0 - columns.fit_boost_max
        bound += columns.fit_boost_max
        bound *= columns.effectiveness_max * (1.0 + 1e-6)
        bound += 1e-6
        some &= np.less(adopt_draw, bound, out=work("below", (size,), np.bool_))
        maybe = some.nonzero()[0]
        if maybe.size:
            self.choose_among(columns, users, maybe, index, excluded, recommended, rows, choice_draw.take(maybe),
                              adopt_draw.take(maybe))

    def choose_among(self, columns: Columns, users: slice, maybe: np.ndarray, shown: np.ndarray,
                     excluded: np.ndarray, recommended: np.ndarray, rows: np.ndarray, choice_draw: np.ndarray,
                     adopt_draw: np.ndarray) -> None:
        """Choice and adoption (as stated, in double precision) for the users ``maybe`` of the block
        ``users`` that may adopt: ``shown`` as in ``choose_block`` (``intp``), ``excluded`` whether
        each is empty or held, the other arguments as in ``choose_block``."""
        p = self.p
        by_reach, size = shown.shape[0], maybe.size
        # candidates as company row + 1 (0 = none) [options, len(maybe)]: the feed's, and the word of
        # mouth's if any of these users got a recommendation (else that row is empty: pull 0)
        told = recommended[maybe]
        options = by_reach + 1 if bool((told >= 0).any()) else by_reach
        candidate = np.empty((options, size), dtype=np.intp)
        np.take(shown, maybe, axis=1, out=candidate[:by_reach])
        held = np.take(rows, maybe, axis=1)
        allowed = np.empty((options, size), dtype=np.bool_)
        np.logical_not(np.take(excluded, maybe, axis=1), out=allowed[:by_reach])
        if options > by_reach:
            candidate[by_reach] = told
            allowed[by_reach] = told >= 0
            for row in held:
                allowed[by_reach] &= candidate[by_reach] != row - 1
        candidate += 1
        # fit = exp(-(d / width)^2), d the circular distance (topic_fit)
        fit = read(columns.topic, candidate)
        who = users.start + maybe
        np.subtract(self.interest.take(who), fit, out=fit)
        np.abs(fit, out=fit)
        np.minimum(fit, 1.0 - fit, out=fit)
        fit /= p.interest_width
        fit *= fit
        np.negative(fit, out=fit)
        np.exp(fit, out=fit)
        # pull = (fit + fit_boost (1 - fit)) * effectiveness, 0 for empty candidates and held companies
        pull = np.subtract(1.0, fit)
        pull *= read(columns.fit_boost, candidate)
        pull += fit
        pull *= read(columns.effectiveness, candidate)
        pull *= allowed
        # choose by pull: the first candidate whose cumulative pull exceeds u * total (np.cumsum's order)
        cumulative = np.empty_like(pull)
        cumulative[0] = pull[0]
        for k in range(1, options):
            np.add(cumulative[k - 1], pull[k], out=cumulative[k])
        target = choice_draw * cumulative[-1]
        pick = (cumulative[0] <= target).astype(np.intp)
        for row in cumulative[1:]:
            pick += row <= target
        # past the last row (u * total rounded up to total): the (empty) word-of-mouth row, pull 0
        beyond = pick >= options
        np.minimum(pick, options - 1, out=pick)
        at = pick * size
        at += np.arange(size)
        chosen = np.take(candidate, at)
        chosen_pull = np.take(pull, at)
        if options == by_reach:
            chosen_pull *= ~beyond
        # the slot a new relationship would take: a free one if any, else the weakest (first of equals);
        # key = bond, -1 for an empty slot (whose bond is 0)
        bond = self.slot_bond.take(self.slot_offset + who)
        slot = np.zeros(size, dtype=np.intp)
        weakest = bond[0] - (held[0] == 0)
        for s in range(1, self.slots):
            key = bond[s] - (held[s] == 0)
            better = key < weakest
            slot *= ~better
            slot += better * s
            np.minimum(weakest, key, out=weakest)
        free = weakest < 0
        challenger = read(columns.popularity, chosen)
        incumbent = read(columns.popularity, np.take(held, slot * size + np.arange(size)))
        both = challenger + incumbent
        # room = 1 with a free slot, else (1 - b_w) * contest; with a free slot weakest is -1, so
        # (1 - weakest) * 0.5 is exactly 1
        contest = np.divide(challenger, both, out=np.full(size, 0.5), where=(both > 0) & ~free)
        chance = chosen_pull * ((1.0 - weakest) * contest)
        # a contact whose starting bond would be below min_bond does not become a relationship
        start = p.initial_bond * chosen_pull
        chance *= start >= p.min_bond
        adopters = (adopt_draw < chance).nonzero()[0]
        if adopters.size:
            local = maybe[adopters]
            np.put(rows, slot[adopters] * rows.shape[1] + local, chosen[adopters])  # the block's [slot, user]
            where = slot[adopters] * self.n_users + who[adopters]  # the full [slot, user]
            np.put(self.slot_company, where, chosen[adopters] - 1)
            np.put(self.slot_bond, where, start[adopters])
            np.put(self.slot_fit, where, np.take(fit, at[adopters]))
            # (its attention is set by allocate_attention, which follows in the same block)

    # ------------------------------------------------------------------ 4. allocate_attention
    def allocate_attention(self, market: MarketView, n: int) -> UserOutcome:
        """Each user's budget is split between its relationships and the rest of the feed (C1), and
        among the relationships by bond and popularity (C2).

        to_companies_i = sum_s bond_is / (outside_option + sum_s bond_is) of the budget goes to the
        user's companies (the rest of the feed gets the remainder); it is split in proportion to
        bond_is * g_c: the feed ranks what already engages. A company's engagement is the attention
        it receives times its format's depth.
        """
        columns = self.columns(market)
        bins = self.population("bins", self.slots, n, np.intp)
        depth_weighted = self.population("depth_weighted", self.slots, n)
        for users in blocks(n):
            self.allocate_block(columns, users, self.block_rows(users), bins, depth_weighted)
        return self.outcome(columns, n, bins, depth_weighted)

    def allocate_block(self, columns: Columns, users: slice, rows: np.ndarray, bins: np.ndarray,
                       depth_weighted: np.ndarray) -> None:
        """``allocate_attention`` for one block (``rows``: its slots' company rows + 1); fills its
        columns of ``bins`` (company row + 1) and ``depth_weighted`` (attention times depth)."""
        work, size = self.scratch, users.stop - users.start
        bond = self.slot_bond[:, users]
        attention = self.slot_attention[:, users]
        bins[:, users] = rows
        ranked = read(columns.popularity, rows, out=work("ranked", rows.shape))
        ranked *= bond
        bonds = sum_rows(bond, work("bonds", (size,)))
        ranks = sum_rows(ranked, work("ranks", (size,)))
        budget = self.attention[users]
        positive = work("positive", (size,), np.bool_)
        feed = np.add(bonds, self.p.outside_option, out=work("feed", (size,)))
        # to_companies = budget * bonds / feed, 0 if feed is 0 (then bonds are 0, and so is budget * bonds)
        to_companies = np.multiply(budget, bonds, out=work("to_companies", (size,)))
        np.divide(to_companies, feed, out=to_companies, where=np.greater(feed, 0.0, out=positive))
        # attention = ranked * to_companies / ranks (0 if ranks is 0)
        share = work("share", (size,))
        share.fill(0.0)
        np.divide(to_companies, ranks, out=share, where=np.greater(ranks, 0.0, out=positive))
        np.multiply(ranked, share, out=attention)
        np.subtract(budget, sum_rows(attention, work("given", (size,))), out=self.outside_attention[users])
        np.multiply(attention, read(columns.depth, rows, out=ranked), out=depth_weighted[:, users])

    def outcome(self, columns: Columns, n: int, bins: np.ndarray, depth_weighted: np.ndarray) -> UserOutcome:
        """Per-company sums over all slots of the first n users, in slot-major order whatever the blocks."""
        attention = self.slot_attention[:, :n]
        if not attention.flags.c_contiguous:  # while the user base grows: the same values, laid out as [slots, n]
            contiguous = self.population("attention", self.slots, n)
            np.copyto(contiguous, attention)
            attention = contiguous
        bins, size = bins.ravel(), columns.rows + 1  # empty slots fall into bin 0, which is dropped
        engagement = np.bincount(bins, weights=depth_weighted.ravel(), minlength=size)
        engaged = np.bincount(bins, minlength=size)
        received = np.bincount(bins, weights=attention.ravel(), minlength=size)
        return UserOutcome(engagement[1:], engaged[1:].astype(np.float64), received[1:], float(attention.sum()),
                           float(self.attention[:n].sum()), int(engaged[1:].sum()))

    # ------------------------------------------------------------------ inspection
    def relationships(self) -> tuple[np.ndarray, np.ndarray]:
        """Current slots, user-major: company row (-1 empty) and bond [n_users, slots] (copies)."""
        return self.slot_company.T.copy(), self.slot_bond.T.copy()

