"""The models behind the page: one market, or four worlds from the same companies (C10).

Mesa's ``ModelController`` rebuilds the model on Reset as ``type(model)(**control_values)``, so
both classes take the controls (and a lesson's fixed settings) as keyword arguments, clean them
(``controls.sanitise``) and keep the corrections in ``notes`` instead of failing.
"""

from __future__ import annotations

from typing import Any

import mesa
import numpy as np

from ..model import EngagementModel
from ..params import Params
from .controls import DEFAULT_SEED, Note, parse_seed, sanitise

#: Worlds shown side by side in the worlds lesson (as in MusicLab: the same songs, separate worlds).
WORLDS = 4


def _settings(seed: Any, values: dict[str, Any]) -> tuple[Params, int, list[Note]]:
    # Mesa's Reset passes its own ``scenario`` to a model that takes keyword arguments; ours has none
    values = {name: value for name, value in values.items() if name != "scenario"}
    settings, notes = sanitise(values)
    seed_value, seed_note = parse_seed(seed)
    if seed_note:
        notes.append(seed_note)
    return Params(**settings), seed_value, notes


class DashboardModel(EngagementModel):
    """``EngagementModel`` with the dashboard's controls as keyword arguments (one market)."""

    worlds = 1

    def __init__(self, seed: str | int = str(DEFAULT_SEED), **values: Any) -> None:
        params, seed_value, notes = _settings(seed, values)
        super().__init__(params, rng=seed_value)
        self.seed_value = seed_value
        self.notes = notes


class WorldsModel(mesa.Model):
    """``WORLDS`` markets that start with the same companies and differ only in chance (C10).

    The companies are drawn from the seed typed in (``market_seed``), so all worlds share them;
    world k runs with seed ``seed + k``. One step steps every world.
    """

    def __init__(self, seed: str | int = str(DEFAULT_SEED), **values: Any) -> None:
        params, seed_value, notes = _settings(seed, values)
        super().__init__(rng=seed_value)
        self.seed_value = seed_value
        self.notes = notes
        params = params.replace(market_seed=seed_value)
        self.worlds_list = [EngagementModel(params, rng=seed_value + k) for k in range(WORLDS)]
        self.p = params

    @property
    def worlds(self) -> int:
        return len(self.worlds_list)

    @property
    def current(self) -> dict[str, float]:
        return self.worlds_list[0].current

    def step(self) -> None:
        for world in self.worlds_list:
            if world.running:
                world.step()
        self.running = any(world.running for world in self.worlds_list)

    def leaders(self) -> list[tuple[int, float] | None]:
        """Per world: (id, share) of the company with the largest engagement share now, or None."""
        out: list[tuple[int, float] | None] = []
        for world in self.worlds_list:
            shares = world.share_history[-1] if world.share_history else np.zeros(0)
            if shares.size == 0 or shares.max() <= 0:
                out.append(None)
                continue
            row = int(np.argmax(shares))
            out.append((int(world.companies_table.unique_id[row]), float(shares[row])))
        return out
