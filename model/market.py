"""Company-side state as arrays, and what users see of the companies in one step.

``CompanyTable`` holds one array per company attribute. Every array has one extra row at the
end, the *sentinel*: a dead company with all-zero attributes. User slots hold ``-1`` when
empty, and NumPy reads index ``-1`` as that last row, so "empty slot" and "dead company"
need no special case in the vectorised user engine.

``MarketView`` is the per-step summary the user engines read (both engines read the same
one, so company-side rules exist once): visibility, popularity, fit boost from profiling,
relationship decay and reinforcement, word-of-mouth propensity. ``UserOutcome`` is what the
user engines return.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

_FLOAT_COLUMNS = ("topic", "focus", "effectiveness", "reach", "resources", "information",
                  "engagement", "revenue_total", "cost_total", "profit_window", "engaged_users", "attention")
_INT_COLUMNS = ("format", "entry_step", "exit_step", "unique_id")
_BOOL_COLUMNS = ("alive", "maintaining")


class CompanyTable:
    """Struct-of-arrays for companies, grown by doubling; ``size`` rows are in use."""

    def __init__(self, capacity: int, knowledge_half: float) -> None:
        self.knowledge_half = knowledge_half
        self.size = 0
        self.capacity = 0
        self._allocate(max(8, capacity))

    def _allocate(self, capacity: int) -> None:
        old = self.capacity
        for name in _FLOAT_COLUMNS:
            self._grow(name, capacity, np.float64, 0.0, old)
        for name in _INT_COLUMNS:
            self._grow(name, capacity, np.int64, -1, old)
        for name in _BOOL_COLUMNS:
            self._grow(name, capacity, np.bool_, False, old)
        self.format[capacity] = 0  # sentinel has a valid format index but is never alive
        self.capacity = capacity

    def _grow(self, name: str, capacity: int, dtype: type, fill: object, old: int) -> None:
        fresh = np.full(capacity + 1, fill, dtype=dtype)
        if old:
            fresh[:old] = getattr(self, name)[:old]
        setattr(self, name, fresh)

    def add(self, count: int) -> np.ndarray:
        """Reserve ``count`` new rows and return their indices."""
        if self.size + count > self.capacity:
            self._allocate(max(2 * self.capacity, self.size + count))
        rows = np.arange(self.size, self.size + count)
        self.size += count
        return rows

    def knowledge(self) -> np.ndarray:
        """Knowledge in [0, 1): information / (information + half-saturation), see docs/ODD.md 7.9."""
        return self.information / (self.information + self.knowledge_half)

    @property
    def in_use(self) -> slice:
        return slice(0, self.size)


@dataclass
class MarketView:
    """What users see of the companies this step; arrays of length capacity + 1 (sentinel last).

    visibility: weight with which the feed shows each company (0 for exited ones): format reach x
        maintained reach x effectiveness x (1 + fit boost) x popularity (C1, C2, C5, C7, C8).
    popularity: the one popularity weight of C2, g_c = ((N_c + k) / (N_max + k))^gamma, N_c the
        attention c received last step in users' worth (attention / attention_budget: with one
        relationship per user, equal budgets and no outside option, the number of its users), k the
        pseudo-count ``social_baseline``; it sets
        what the feed shows (through ``visibility``), the social-proof contest when a user switches,
        and how a user's attention is split among its relationships (0 for exited companies).
    topic: each company's topic on the interest circle [0, 1).
    fit_boost: profiling * knowledge, which closes part of the gap to a perfect fit (C5).
    effectiveness: strategy effectiveness (focus, C8).
    alive: live companies (sentinel False).
    keep: 1 - per-step relationship decay (C7, by format).
    reinforcement: per-step relationship reinforcement rate for a perfect fit and ample attention (C4, C7).
    depth: engagement per unit of attention (C4).
    word_of_mouth: probability per unit bond that an engaged user recommends the company (C6).
    """

    visibility: np.ndarray
    popularity: np.ndarray
    topic: np.ndarray
    fit_boost: np.ndarray
    effectiveness: np.ndarray
    alive: np.ndarray
    keep: np.ndarray
    reinforcement: np.ndarray
    depth: np.ndarray
    word_of_mouth: np.ndarray


@dataclass
class UserOutcome:
    """What one step of the users produced, per company row (length capacity + 1) and in total."""

    engagement: np.ndarray  # attention received times depth
    engaged: np.ndarray  # users holding a relationship with the company
    attention: np.ndarray  # attention received
    attention_to_companies: float  # sum over active users of attention given to companies
    attention_budget: float  # sum over active users of their budgets
    relationships: int  # relationships held by active users
