"""The reference user engine: the user rules of docs/ODD.md (7.5-7.8), one user at a time.

Selected with ``EngagementModel(..., engine="agents")``. Each user is a ``mesa.Agent`` (``User``)
whose methods are the user submodels, written for reading rather than speed: this file is the
specification of a user's behaviour, the vectorised engine (``model/users.py``) is the fast
implementation, and ``tests/test_equivalence.py`` checks that both give the same distribution of
outcomes. Meant for small markets (up to about 10,000 users), teaching, and as the test oracle.

Scheduling (synchronous update). A step of the users runs in four phases; each phase is done by
every active user before the next phase starts:

1. ``update_bonds``        relationships fade, and deepen with the attention they got (C1, C4, C7)
2. ``look_around``         the feed shows companies by visibility; word of mouth from a tie (C1, C2, C6)
3. ``choose_and_adopt``    the user picks one shown company by pull; it takes a free slot or wins a
                           social-proof contest against the weakest relationship (C1, C2, C5)
4. ``allocate_attention``  the budget is split among relationships and the rest of the feed (C1, C2)

Everything a user learns about its ties is read in phase 2, after every bond was updated (phase 1)
and before anyone adopts (phase 3), and phase 3 uses only what the user saw and its own
relationships. So the order in which users act within a phase does not matter: users act in
index order, and the result is the same as if they all acted at once.

Randomness comes only from the model's generator (``model.rng``), one number per decision.
"""

from __future__ import annotations

import bisect
import itertools
import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

import mesa
import numpy as np

from .market import MarketView, UserOutcome
from .users import EMPTY, UserDraws

if TYPE_CHECKING:
    from .model import EngagementModel


@dataclass
class Relationship:
    """A user's engagement with one company."""

    company: int  # the company's row
    bond: float  # strength in [0, 1]
    fit: float  # topic fit, fixed when the relationship began
    attention: float = 0.0  # attention it got last step


class Companies:
    """What users see of the companies this step (a ``MarketView``), as plain Python lists."""

    def __init__(self, market: MarketView) -> None:
        self.visibility = market.visibility.tolist()
        self.visibility_cdf = list(itertools.accumulate(self.visibility))
        self.popularity = market.popularity.tolist()
        self.topic = market.topic.tolist()
        self.fit_boost = market.fit_boost.tolist()
        self.effectiveness = market.effectiveness.tolist()
        self.alive = market.alive.tolist()
        self.keep = market.keep.tolist()
        self.reinforcement = market.reinforcement.tolist()
        self.depth = market.depth.tolist()
        self.word_of_mouth = market.word_of_mouth.tolist()
        self.rows = len(self.alive)

    def draw_by_visibility(self, u: float) -> int:
        """The company whose part of the total visibility contains u * total, u in [0, 1)."""
        return min(bisect.bisect_right(self.visibility_cdf, u * self.visibility_cdf[-1]), self.rows - 1)

    @property
    def anything_visible(self) -> bool:
        return bool(self.visibility_cdf) and self.visibility_cdf[-1] > 0


def topic_fit(interest: float, topic: float, width: float) -> float:
    """exp(-(d / width)^2), d the distance between interest and topic on the circle of circumference 1."""
    distance = abs(interest - topic)
    distance = min(distance, 1.0 - distance)
    return math.exp(-((distance / width) ** 2))


class User(mesa.Agent):
    """One social-media user: an attention budget, an interest, a few relationships, some ties."""

    model: EngagementModel

    def __init__(self, model: EngagementModel, index: int, interest: float, attention: float) -> None:
        super().__init__(model)
        self.index = index  # position in the population (the first n(t) users are on the platform)
        self.interest = interest
        self.attention = attention
        self.ties: list[User] = []
        self.relationships: list[Relationship] = []
        self.outside_attention = 0.0
        self.shown: list[int] = []  # what the feed and word of mouth showed this step (phase 2)

    # ------------------------------------------------------------------ phase 1
    def update_bonds(self, companies: Companies) -> None:
        """C1, C4, C7: fit' = fit + fit_boost (1 - fit); bond <- bond (1 - decay); bond <- bond +
        reinforcement fit' (1 - bond); then bond <- bond * a / (a + attention_need), a the attention
        the relationship got last step (the factor is 1 when attention_need is 0): a relationship that
        gets too little attention fades. One below ``min_bond`` or with an exited company ends."""
        p = self.model.p
        kept = []
        for relationship in self.relationships:
            company = relationship.company
            fit_now = relationship.fit + companies.fit_boost[company] * (1.0 - relationship.fit)
            relationship.bond *= companies.keep[company]
            relationship.bond += companies.reinforcement[company] * fit_now * (1.0 - relationship.bond)
            if p.attention_need > 0:
                relationship.bond *= relationship.attention / (relationship.attention + p.attention_need)
            if relationship.bond >= p.min_bond and companies.alive[company]:
                kept.append(relationship)
        self.relationships = kept

    # ------------------------------------------------------------------ phase 2
    def look_around(self, companies: Companies, active: list[User]) -> None:
        """C1, C2, C6: the feed shows ``consideration_set`` companies, each drawn with probability
        proportional to its visibility; word of mouth: a random tie j (a random active user if the
        user has none) and a random one of j's ``engagement_slots`` slots; if j has a relationship
        there, with company c and bond b, c is also shown with probability word_of_mouth_c * b."""
        p, rng = self.model.p, self.model.rng
        shown = []
        if companies.anything_visible:
            shown = [companies.draw_by_visibility(rng.random()) for _ in range(p.consideration_set)]
        tie = self.ties[int(rng.random() * len(self.ties))] if self.ties else active[int(rng.random() * len(active))]
        slot = int(rng.random() * p.engagement_slots)
        if slot < len(tie.relationships):
            recommendation = tie.relationships[slot]
            if rng.random() < companies.word_of_mouth[recommendation.company] * recommendation.bond:
                shown.append(recommendation.company)
        self.shown = shown

    def holds(self, company: int) -> bool:
        """Whether the user has a relationship with the company."""
        return any(relationship.company == company for relationship in self.relationships)

    # ------------------------------------------------------------------ phase 3
    def choose_and_adopt(self, companies: Companies) -> None:
        """C1, C2, C5: pick a shown company by pull; it takes a free slot or may replace the weakest.

        Every shown company that is alive and not already held has pull = fit' * effectiveness. The
        feed showed companies in proportion to their popularity already, so the user picks one in
        proportion to pull alone. It adopts it with probability pull if a slot is free; otherwise
        with probability pull * (1 - b) * g_c / (g_c + g_w) in place of its weakest relationship w
        (bond b): the challenger's social proof g_c against the incumbent's g_w. The new
        relationship starts with bond ``initial_bond`` * pull; a contact whose starting bond would be
        below ``min_bond`` does not become a relationship.
        """
        p, rng = self.model.p, self.model.rng
        options = []  # (company, fit, pull)
        for company in self.shown:
            if not companies.alive[company] or self.holds(company):
                continue
            fit = topic_fit(self.interest, companies.topic[company], p.interest_width)
            pull = (fit + companies.fit_boost[company] * (1.0 - fit)) * companies.effectiveness[company]
            if pull > 0:
                options.append((company, fit, pull))
        if not options:
            return
        total = sum(pull for _, _, pull in options)
        target = rng.random() * total
        edges = itertools.accumulate(pull for _, _, pull in options)
        company, fit, pull = next((option for option, edge in zip(options, edges, strict=True) if edge > target),
                                  options[-1])
        newcomer = Relationship(company, p.initial_bond * pull, fit)
        if newcomer.bond < p.min_bond:  # too weak a contact to become a relationship
            return
        if len(self.relationships) < p.engagement_slots:
            if rng.random() < pull:
                self.relationships.append(newcomer)
            return
        weakest = min(self.relationships, key=lambda relationship: relationship.bond)
        challenger, incumbent = companies.popularity[company], companies.popularity[weakest.company]
        contest = challenger / (challenger + incumbent) if challenger + incumbent > 0 else 0.5
        if rng.random() < pull * (1.0 - weakest.bond) * contest:
            self.relationships[self.relationships.index(weakest)] = newcomer

    # ------------------------------------------------------------------ phase 4
    def allocate_attention(self, companies: Companies, engagement: list[float], engaged: list[int],
                           received: list[float]) -> float:
        """C1, C2: the share sum(bond) / (outside_option + sum(bond)) of the budget goes to the user's
        companies, the rest to the rest of the feed; the companies' part is split in proportion to
        bond * popularity (the feed ranks what already engages). The company's engagement grows by
        the attention times its format's depth. Returns the attention given to companies."""
        bonds = sum(r.bond for r in self.relationships)
        ranked = [r.bond * companies.popularity[r.company] for r in self.relationships]
        feed = self.model.p.outside_option + bonds
        to_companies = self.attention * bonds / feed if feed > 0 else 0.0
        given = 0.0
        for relationship, rank in zip(self.relationships, ranked, strict=True):
            relationship.attention = to_companies * rank / sum(ranked) if rank > 0 else 0.0
            given += relationship.attention
            engagement[relationship.company] += relationship.attention * companies.depth[relationship.company]
            engaged[relationship.company] += 1
            received[relationship.company] += relationship.attention
        self.outside_attention = self.attention - given
        return given


class AgentUsers:
    """The population of ``User`` agents, with the interface of ``model.users.ArrayUsers``."""

    def __init__(self, model: EngagementModel, draws: UserDraws) -> None:
        self.model = model
        self.slots = model.p.engagement_slots
        self.users = [User(model, index, interest, attention)
                      for index, (interest, attention) in enumerate(zip(draws.interest.tolist(),
                                                                        draws.attention.tolist(), strict=True))]
        for user, start, stop in zip(self.users, draws.indptr[:-1].tolist(), draws.indptr[1:].tolist(), strict=True):
            user.ties = [self.users[j] for j in draws.indices[start:stop].tolist()]
        self.attention = np.array(draws.attention, dtype=np.float64)

    @property
    def outside_attention(self) -> np.ndarray:
        return np.array([user.outside_attention for user in self.users])

    def step(self, market: MarketView, n_active: int) -> UserOutcome:
        """The four user phases for the first ``n_active`` users, each phase by everyone before the next."""
        companies = Companies(market)
        active = self.users[:n_active]
        for user in active:
            user.update_bonds(companies)
        for user in active:
            user.look_around(companies, active)
        for user in active:
            user.choose_and_adopt(companies)
        engagement = [0.0] * companies.rows
        engaged = [0] * companies.rows
        received = [0.0] * companies.rows
        given = sum(user.allocate_attention(companies, engagement, engaged, received) for user in active)
        return UserOutcome(np.array(engagement), np.array(engaged, dtype=np.float64), np.array(received), given,
                           float(sum(user.attention for user in active)), sum(engaged))

    def relationships(self) -> tuple[np.ndarray, np.ndarray]:
        """Current relationships as [n_users, engagement_slots] arrays: company row (-1 empty) and bond."""
        company = np.full((len(self.users), self.slots), EMPTY, dtype=np.int64)
        bond = np.zeros((len(self.users), self.slots))
        for user in self.users:
            for slot, relationship in enumerate(user.relationships):
                company[user.index, slot] = relationship.company
                bond[user.index, slot] = relationship.bond
        return company, bond
