"""Designs: which parameter values each design point gets.

- ``grid``: full factorial over the levels, the last parameter varying fastest (``itertools.product``
  order). Points are decoded from their index, so no list of points is ever built.
- ``lhs``: Latin hypercube, ``scipy.stats.qmc.LatinHypercube``.
- ``sobol``: Saltelli/Sobol' sample, ``SALib.sample.sobol`` (for ``analyze --method sobol``).
- ``morris``: Morris trajectories, ``SALib.sample.morris`` (for ``analyze --method morris``).

Sampled designs draw their randomness from the root seed (spawn key ``seeds.DESIGN_SPAWN_KEY``), so a
sweep and its resumption get the same points. Run ``r`` is replicate ``r % replicates`` of point
``r // replicates``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .seeds import DESIGN_SPAWN_KEY, derived_seed
from .spec import Levels, Range, SpecError, SweepSpec


class Design:
    """The design points of a spec; ``values(point)`` gives one point's parameter values."""

    def __init__(self, spec: SweepSpec, root_seed: int) -> None:
        if not isinstance(spec, SweepSpec):
            raise TypeError(f"Design needs a SweepSpec, not {type(spec).__name__}")
        if isinstance(root_seed, bool) or not isinstance(root_seed, int | np.integer) or root_seed < 0:
            raise SpecError(f"{spec.source}: root seed {root_seed!r} must be a whole number >= 0")
        if spec.n_runs > spec.run_limit:  # a validated spec never is; checked before any array is built
            raise SpecError(f"{spec.source}: the sweep would make {spec.n_runs:,} runs, above the limit of "
                            f"{spec.run_limit:,}")
        self.spec = spec
        self.names = spec.varied
        self.n_points = spec.n_points
        self.factors = spec.factors
        self.matrix: np.ndarray | None = None  # sampled designs: one row per point, in the sampled space
        if spec.design != "grid":
            self.matrix = _sample(spec, self.problem, derived_seed(root_seed, DESIGN_SPAWN_KEY))
            if self.matrix.shape[0] != self.n_points:  # SALib's sizes are part of the contract we rely on
                raise RuntimeError(f"design produced {self.matrix.shape[0]} points, expected {self.n_points}")

    @property
    def problem(self) -> dict[str, Any]:
        """SALib's problem definition (bounds in the sampled space: log10 for log ranges)."""
        ranges = [self.factors[name] for name in self.names]
        return {"num_vars": len(self.names), "names": list(self.names),
                "bounds": [list(r.bounds) for r in ranges if isinstance(r, Range)]}

    def values(self, point: int) -> dict[str, Any]:
        """Parameter values of design point ``point`` (varied parameters only)."""
        if not 0 <= point < self.n_points:
            raise IndexError(f"design point {point} outside 0..{self.n_points - 1}")
        if self.matrix is None:
            values: dict[str, Any] = {}
            for name in reversed(self.names):
                levels: Levels = self.factors[name]  # type: ignore[assignment]
                point, digit = divmod(point, len(levels.values))
                values[name] = levels.values[digit]
            return {name: values[name] for name in self.names}
        row = self.matrix[point]
        return {name: self.factors[name].value(float(x)) for name, x in zip(self.names, row, strict=True)}  # type: ignore[union-attr]


def _sample(spec: SweepSpec, problem: dict[str, Any], seed: int) -> np.ndarray:
    samples = int(spec.samples)  # type: ignore[arg-type]
    if spec.design == "lhs":
        from scipy.stats import qmc

        unit = qmc.LatinHypercube(d=problem["num_vars"], rng=np.random.default_rng(seed)).random(samples)
        bounds = np.asarray(problem["bounds"], dtype=float)
        return qmc.scale(unit, bounds[:, 0], bounds[:, 1])
    if spec.design == "sobol":
        from SALib.sample import sobol

        return sobol.sample(problem, samples, calc_second_order=bool(spec.second_order), seed=seed)
    from SALib.sample import morris

    return morris.sample(problem, samples, num_levels=spec.morris_levels, seed=seed)
