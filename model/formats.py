"""The five social-media formats of the article (claim C4): their names and default attributes.

The article ("Social Media für Unternehmen") orders the formats from shallow to deep:
Werbung (advertising), Informationsverbreitung (information broadcasting), Dialog
(dialogue), Brand Community and Themencommunity (topic community). Most firms sit at
the shallow end; the deeper formats cost more and reach fewer people per unit of
effort, but bind users more deeply, fade more slowly (C7), reveal more about users
(C5) and activate them to act for the company (C6).

Every value is relative (advertising = 1 for reach, decay and cost), so the model's
global parameters (``reach_decay``, ``operating_cost``, ``participation``, ...) set the
absolute scale and the table sets only the differences between formats. The table here
holds the *defaults*: each cell is a parameter of ``model.Params`` named
``{attribute}_{format}`` (for example ``depth_dialogue``), so sweeps and sensitivity
analyses reach it. The values are in ``docs/ODD.md`` section 7.0 and the reasons for
each default in section 9.2.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np


@dataclass(frozen=True)
class Format:
    """Default attributes of one social-media format; all values are relative, see module doc."""

    name: str
    german: str
    label: str
    reach: float  # visibility per unit of maintained reach (paid/organic impressions)
    depth: float  # engagement produced per unit of attention (value of one contact)
    decay: float  # relative speed at which reach and relationships fade (C7)
    information_gain: float  # knowledge gained per engaged user and step (C5)
    participation: float  # propensity of engaged users to recruit neighbours (C6)
    cost: float  # running cost per step, relative to advertising
    maintenance_share: float  # part of the cost that is reach maintenance (saved when stopping)


FORMATS: tuple[Format, ...] = (
    Format("advertising", "Werbung", "advertising", 1.00, 0.20, 1.00, 0.10, 0.00, 1.00, 0.80),
    Format("information_broadcasting", "Informationsverbreitung", "information broadcasting",
           0.80, 0.35, 0.70, 0.25, 0.05, 0.85, 0.70),
    Format("dialogue", "Dialog", "dialogue", 0.50, 0.60, 0.40, 0.60, 0.25, 1.05, 0.60),
    Format("brand_community", "Brand Community", "brand community", 0.35, 0.85, 0.20, 0.80, 0.60, 1.25, 0.50),
    Format("topic_community", "Themencommunity", "topic community", 0.25, 1.00, 0.12, 1.00, 0.80, 1.40, 0.45),
)

FORMAT_NAMES: tuple[str, ...] = tuple(f.name for f in FORMATS)
FORMAT_INDEX: dict[str, int] = {name: i for i, name in enumerate(FORMAT_NAMES)}

#: Each format attribute once: its meaning and the range a sweep may give it (declared once;
#: ``model.Params`` makes one parameter per attribute and format from this table).
FORMAT_ATTRIBUTES: dict[str, dict[str, Any]] = {
    "reach": {"meaning": "visibility per unit of maintained reach, relative to advertising", "low": 0.0, "high": 10.0},
    "depth": {"meaning": "engagement per unit of attention (also scales bond reinforcement)", "low": 0.0, "high": 10.0},
    "decay": {"meaning": "speed at which reach and relationships fade, relative to reach_decay", "low": 0.0, "high": 10.0},
    "information_gain": {"meaning": "knowledge gained per engaged user and step (C5)", "low": 0.0, "high": 10.0},
    "participation": {"meaning": "propensity of engaged users to recommend the company (C6), times participation",
                      "low": 0.0, "high": 1.0},
    "cost": {"meaning": "running cost per step, relative to operating_cost", "low": 0.0, "high": 100.0},
    "maintenance_share": {"meaning": "part of the running cost that is reach maintenance (saved when stopping, C7)",
                          "low": 0.0, "high": 1.0},
}

#: The mix observed in the article: most firms in advertising and information
#: broadcasting, some in dialogue, very few in the two community formats.
ARTICLE_MIX: dict[str, float] = {
    "advertising": 0.35,
    "information_broadcasting": 0.35,
    "dialogue": 0.20,
    "brand_community": 0.05,
    "topic_community": 0.05,
}


def format_param(attribute: str, format_name: str) -> str:
    """Name of the parameter holding one cell of the format table, e.g. ``depth_dialogue``."""
    return f"{attribute}_{format_name}"


def format_table(params: Any) -> dict[str, np.ndarray]:
    """The format table of a ``Params``: one float64 array per attribute, indexed by format number."""
    return {attribute: np.array([getattr(params, format_param(attribute, name)) for name in FORMAT_NAMES],
                                dtype=np.float64)
            for attribute in FORMAT_ATTRIBUTES}


def uniform_format_table(shares: dict[str, float]) -> dict[str, float]:
    """Overrides that give every format the share-weighted mean attributes (format differences off)."""
    overrides = {}
    for attribute in FORMAT_ATTRIBUTES:
        mean = sum(shares.get(f.name, 0.0) * getattr(f, attribute) for f in FORMATS) / sum(shares.values())
        for name in FORMAT_NAMES:
            overrides[format_param(attribute, name)] = mean
    return overrides
