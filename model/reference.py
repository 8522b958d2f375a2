"""The reference user engine: the user rules of docs/ODD.md (7.5-7.8), one user at a time.

Selected with ``EngagementModel(..., engine="agents")``. Each user is a ``mesa.Agent`` (``User``)
whose methods are the user submodels, written for reading rather than speed: this file is the
specification of a user's behaviour, the vectorised engine (``model/users.py``) is the fast
implementation, and ``tests/test_equivalence.py`` checks that both give the same distribution of
outcomes. Meant for small markets (up to about 10,000 users), teaching, and as the test oracle.

Scheduling (synchronous update). A step of the users runs in four phases; each phase is done by
every active user before the next phase starts:

1. ``update_bonds``        relationships fade and are reinforced; weak or dead ones are dropped (C4, C7)
2. ``look_around``         the user is shown companies (reach, word of mouth) and looks at what its
                           sampled ties engage with (C1, C2, C5, C6)
3. ``choose_and_adopt``    social proof weighs what was shown; the chosen company may take a slot (C1, C2)
4. ``allocate_attention``  attention flows to the relationships and becomes engagement (C1)

Everything a user learns about its neighbours is read in phase 2, after every bond was updated
(phase 1) and before anyone adopts (phase 3), and phase 3 uses only what the user saw and its own
relationships. So the order in which users act within a phase does not matter: users act in
index order, and the result is the same as if they all acted at once.

Randomness comes only from the model's generator (``model.rng``), one number per decision.
"""

from __future__ import annotations

import bisect
import itertools
import math
from collections import Counter
from dataclasses import dataclass
from typing import TYPE_CHECKING, NamedTuple

import mesa
import numpy as np

from .market import MarketView
from .users import EMPTY, UserDraws

if TYPE_CHECKING:
    from .model import EngagementModel


@dataclass
class Relationship:
    """A user's engagement with one company: the company's row and the bond strength in [0, 1]."""

    company: int
    bond: float
    fit: float  # topic fit, fixed when the relationship began


class Option(NamedTuple):
    """A shown company the user could adopt, with its topic fit, pull and choice weight."""

    company: int
    fit: float
    pull: float
    weight: float


class Companies:
    """What users see of the companies this step (a ``MarketView``), as plain Python lists."""

    def __init__(self, market: MarketView) -> None:
        self.visibility_cdf = market.visibility_cdf.tolist()
        self.topic = market.topic.tolist()
        self.fit_boost = market.fit_boost.tolist()
        self.effectiveness = market.effectiveness.tolist()
        self.alive = market.alive.tolist()
        self.decay = market.decay.tolist()
        self.reinforcement = market.reinforcement.tolist()
        self.depth = market.depth.tolist()
        self.word_of_mouth = market.word_of_mouth.tolist()
        self.rows = len(self.alive)

    def draw_by_visibility(self, u: float) -> int:
        """The company whose share of total visibility contains u in [0, 1) (inverse-CDF draw)."""
        return min(bisect.bisect_right(self.visibility_cdf, u), self.rows - 1)


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
        self.attention_spent = 0.0
        # what the user saw this step (phase 2), for the choice (phase 3)
        self.shown: list[int] = []
        self.ties_holding: list[int] = []

    # ------------------------------------------------------------------ phase 1
    def update_bonds(self, companies: Companies) -> None:
        """C4, C7: fit' = fit + fit_boost (1 - fit); bond <- bond (1 - decay); bond <- bond + reinforcement
        fit' (1 - bond). A relationship below ``min_bond`` or with a company that has exited ends."""
        kept = []
        for relationship in self.relationships:
            company = relationship.company
            fit_now = relationship.fit + companies.fit_boost[company] * (1.0 - relationship.fit)
            relationship.bond *= 1.0 - companies.decay[company]
            relationship.bond += companies.reinforcement[company] * fit_now * (1.0 - relationship.bond)
            if relationship.bond >= self.model.p.min_bond and companies.alive[company]:
                kept.append(relationship)
        self.relationships = kept

    # ------------------------------------------------------------------ phase 2
    def look_around(self, companies: Companies, active: list[User]) -> None:
        """C1, C5, C6, C2: what the user is shown, and how many of its sampled ties hold each.

        Shown: ``consideration_set`` companies, each drawn with probability proportional to its
        visibility; then word of mouth from the first sampled tie j: a uniformly random one of
        j's ``engagement_slots`` slots; if j has a relationship there, with company c and bond b,
        c is also shown with probability word_of_mouth_c * b. Social proof: the user samples
        ``social_sample`` ties with replacement (a random active user if it has no ties) and
        counts, for every company shown, the sampled ties that hold it.
        """
        p, rng = self.model.p, self.model.rng
        shown = []
        if companies.visibility_cdf:
            shown = [companies.draw_by_visibility(rng.random()) for _ in range(p.consideration_set)]
        sampled = [self.sample_tie(active) for _ in range(p.social_sample)]
        recommender = sampled[0]
        slot = int(rng.random() * p.engagement_slots)
        if slot < len(recommender.relationships):
            recommendation = recommender.relationships[slot]
            if rng.random() < companies.word_of_mouth[recommendation.company] * recommendation.bond:
                shown.append(recommendation.company)
        self.shown = shown
        holding = Counter(relationship.company for tie in sampled for relationship in tie.relationships)
        self.ties_holding = [holding[company] for company in shown]

    def sample_tie(self, active: list[User]) -> User:
        """One of the user's ties, uniformly; a user without ties looks at a random active user."""
        rng = self.model.rng
        if self.ties:
            return self.ties[int(rng.random() * len(self.ties))]
        return active[int(rng.random() * len(active))]

    def holds(self, company: int) -> bool:
        """Whether the user has a relationship with the company."""
        return any(relationship.company == company for relationship in self.relationships)

    # ------------------------------------------------------------------ phase 3
    def choose_and_adopt(self, companies: Companies) -> None:
        """C1, C2, C3: pick a shown company by weight; it may take a free slot or the weakest one.

        Every shown company that is alive and not already held has pull = fit' * effectiveness
        (fit' = fit + fit_boost (1 - fit)) and weight = pull * (baseline + q)^social_influence, q
        the share of sampled ties holding it. The user picks one in proportion to the weights and
        adopts it with probability pull if a slot is free, else with probability pull * (1 - b) in
        place of its weakest relationship (bond b). The new relationship starts with bond pull / 2.
        """
        p, rng = self.model.p, self.model.rng
        options = []
        for company, holding in zip(self.shown, self.ties_holding, strict=True):
            if not companies.alive[company] or self.holds(company):
                continue
            fit = topic_fit(self.interest, companies.topic[company], p.interest_width)
            pull = (fit + companies.fit_boost[company] * (1.0 - fit)) * companies.effectiveness[company]
            proof = (p.social_baseline + holding / p.social_sample) ** p.social_influence
            options.append(Option(company, fit, pull, pull * proof))
        total = sum(option.weight for option in options)
        if total <= 0:
            return
        target = rng.random() * total
        edges = itertools.accumulate(option.weight for option in options)
        chosen = next((option for option, edge in zip(options, edges, strict=True) if edge > target), options[-1])
        if len(self.relationships) < p.engagement_slots:
            if rng.random() < chosen.pull:
                self.relationships.append(Relationship(chosen.company, 0.5 * chosen.pull, chosen.fit))
            return
        weakest = min(self.relationships, key=lambda relationship: relationship.bond)
        if rng.random() < chosen.pull * (1.0 - weakest.bond):
            replaced = self.relationships.index(weakest)
            self.relationships[replaced] = Relationship(chosen.company, 0.5 * chosen.pull, chosen.fit)

    # ------------------------------------------------------------------ phase 4
    def allocate_attention(self, companies: Companies, engagement: list[float], engaged: list[int]) -> None:
        """C1: attention to each relationship = budget * bond / engagement_slots (never more than the
        budget); the company's engagement grows by that attention times its format's depth."""
        slots = self.model.p.engagement_slots
        self.attention_spent = 0.0
        for relationship in self.relationships:
            attention = self.attention * relationship.bond / slots
            self.attention_spent += attention
            engagement[relationship.company] += attention * companies.depth[relationship.company]
            engaged[relationship.company] += 1


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
        self.attention_spent = np.zeros(len(self.users))

    def step(self, market: MarketView, n_active: int) -> tuple[np.ndarray, np.ndarray]:
        """The four user phases for the first ``n_active`` users, each phase by everyone before the next.

        Returns engagement and number of engaged users per company row (length capacity + 1).
        """
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
        for user in active:
            user.allocate_attention(companies, engagement, engaged)
        self.attention_spent[:n_active] = [user.attention_spent for user in active]
        return np.array(engagement), np.array(engaged, dtype=np.float64)

    def relationships(self) -> tuple[np.ndarray, np.ndarray]:
        """Current relationships as [n_users, engagement_slots] arrays: company row (-1 empty) and bond."""
        company = np.full((len(self.users), self.slots), EMPTY, dtype=np.int64)
        bond = np.zeros((len(self.users), self.slots))
        for user in self.users:
            for slot, relationship in enumerate(user.relationships):
                company[user.index, slot] = relationship.company
                bond[user.index, slot] = relationship.bond
        return company, bond
