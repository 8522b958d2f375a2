"""The sweep's seeds are the package's (``model.seeds``); kept importable here."""

from ..seeds import ANALYSIS_SPAWN_KEY, DESIGN_SPAWN_KEY, derived_seed, new_root_seed, run_seed, run_seed_sequence

__all__ = ["ANALYSIS_SPAWN_KEY", "DESIGN_SPAWN_KEY", "derived_seed", "new_root_seed", "run_seed", "run_seed_sequence"]
