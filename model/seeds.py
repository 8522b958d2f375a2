"""Seeds of every batch (run, experiment, sweep): one root seed, one child seed per run id (C10: independent
replicate worlds). The one function that gives runs their seeds.

Every run's seed is drawn from ``numpy.random.SeedSequence(root).spawn(n)[run_id]``, computed
directly as ``SeedSequence(root, spawn_key=(run_id,))`` so that no list of children is ever
materialised. The seed therefore depends on the root seed and the run id only, never on the
number of workers, the scheduling or the order in which runs finish, and two replicates of the
same point (different run ids) get independent streams.

The child is reduced to one 63-bit integer, which is what the runs table stores and what the model
receives as ``rng``: ``engagement run --seed SEED`` (or ``model.simulate(seed=SEED)``) with the
row's parameters reproduces any run of a sweep on its own.
"""

from __future__ import annotations

import numpy as np

#: Spawn keys of experiment-level draws start here (``experiments.common.derived_seed``).
EXPERIMENT_SPAWN_BASE = 2**62
#: Spawn key of the design's own randomness (Latin hypercube, Sobol scrambling, Morris
#: trajectories); run ids are below it, so design draws never share a stream with a run.
DESIGN_SPAWN_KEY = 2**63
#: Spawn key of the bootstrap in the sensitivity analysis.
ANALYSIS_SPAWN_KEY = 2**63 + 1
_MASK_63 = (1 << 63) - 1


def run_seed_sequence(root: int, run_id: int) -> np.random.SeedSequence:
    """The SeedSequence of run ``run_id``: equal to ``SeedSequence(root).spawn(run_id + 1)[run_id]``."""
    return np.random.SeedSequence(root, spawn_key=(int(run_id),))


def run_seed(root: int, run_id: int) -> int:
    """The integer seed of run ``run_id`` (63 bits, fits a signed 64-bit column)."""
    return _to_int(run_seed_sequence(root, run_id))


def derived_seed(root: int, key: int) -> int:
    """An integer seed for a sweep-level random draw (design, bootstrap), see the spawn keys above."""
    return _to_int(np.random.SeedSequence(root, spawn_key=(key,)))


def new_root_seed() -> int:
    """A fresh root seed from the operating system's entropy (63 bits, so it can go back into a TOML spec)."""
    return int(np.random.SeedSequence().entropy) & _MASK_63


def _to_int(sequence: np.random.SeedSequence) -> int:
    return int(sequence.generate_state(1, np.uint64)[0]) & _MASK_63
