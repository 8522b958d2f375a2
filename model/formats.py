"""The five social-media formats of the article (claim C4) as one data table.

The article ("Social Media für Unternehmen") orders the formats from shallow to deep:
Werbung (advertising), Informationsverbreitung (information broadcasting), Dialog
(dialogue), Brand Community and Themencommunity (topic community). Most firms sit at
the shallow end; the deeper formats cost more and reach fewer people per unit of
effort, but bind users more deeply, fade more slowly (C7), reveal more about users
(C5) and activate them to act for the company (C6).

Every column is relative (advertising = 1 for reach, decay and cost), so the model's
global parameters (``reach_decay``, ``operating_cost``, ``participation``, ...) set the
absolute scale and the table sets only the differences between formats. The reasoning
for each value is in ``docs/ODD.md`` (section 7, "Format table").
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Format:
    """Attributes of one social-media format; all values are relative, see module doc."""

    name: str
    german: str
    reach: float  # visibility per unit of maintained reach (paid/organic impressions)
    depth: float  # engagement produced per unit of attention (value of one contact)
    decay: float  # relative speed at which reach and relationships fade (C7)
    information_gain: float  # knowledge gained per engaged user and step (C5)
    participation: float  # propensity of engaged users to recruit neighbours (C6)
    cost: float  # running cost per step, relative to advertising
    maintenance_share: float  # part of the cost that is reach maintenance (saved when stopping)


FORMATS: tuple[Format, ...] = (
    Format("advertising", "Werbung", 1.00, 0.20, 1.00, 0.10, 0.00, 1.00, 0.80),
    Format("information_broadcasting", "Informationsverbreitung", 0.80, 0.35, 0.70, 0.25, 0.05, 0.85, 0.70),
    Format("dialogue", "Dialog", 0.50, 0.60, 0.40, 0.60, 0.25, 1.05, 0.60),
    Format("brand_community", "Brand Community", 0.35, 0.85, 0.20, 0.80, 0.60, 1.25, 0.50),
    Format("topic_community", "Themencommunity", 0.25, 1.00, 0.12, 1.00, 0.80, 1.40, 0.45),
)

FORMAT_NAMES: tuple[str, ...] = tuple(f.name for f in FORMATS)
FORMAT_INDEX: dict[str, int] = {name: i for i, name in enumerate(FORMAT_NAMES)}

#: The mix observed in the article: most firms in advertising and information
#: broadcasting, some in dialogue, very few in the two community formats.
ARTICLE_MIX: dict[str, float] = {
    "advertising": 0.35,
    "information_broadcasting": 0.35,
    "dialogue": 0.20,
    "brand_community": 0.05,
    "topic_community": 0.05,
}


def format_column(attribute: str) -> np.ndarray:
    """One attribute of every format as a float64 array indexed by format number."""
    return np.array([getattr(f, attribute) for f in FORMATS], dtype=np.float64)
