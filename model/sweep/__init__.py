"""Parameter sweeps: designs, replicates, a streaming resumable store, parallel backends, sensitivity analysis.

Python API (the same as ``engagement sweep`` / ``export`` / ``analyze``, see docs/sweeps.md)::

    from model.sweep import SweepSpec, run_sweep, read_runs

    spec = SweepSpec(params={"n_companies": [10, 20, 40], "social_influence": {"low": 0, "high": 2, "num": 5},
                             "n_users": 1000},
                     replicates=10, steps=100, seed=1)
    report = run_sweep(spec, "results/sweeps/demo", workers=2)
    runs = read_runs("results/sweeps/demo")      # one tidy row per run, sorted by run id

Names are imported lazily so that ``engagement --help`` stays quick.
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "SweepSpec": "spec", "SpecError": "spec", "load_spec": "spec", "DESIGNS": "spec", "OUTCOME_NAMES": "spec",
    "Design": "design",
    "run_seed": "seeds", "run_seed_sequence": "seeds", "Failure": "backends",
    "run_sweep": "runner", "SweepReport": "runner",
    "SerialBackend": "backends", "ProcessBackend": "backends", "DaskBackend": "backends", "make_backend": "backends",
    "read_runs": "store", "read_companies": "store", "read_runs_table": "store", "read_timeseries": "store", "read_manifest": "store",
    "stored_run_ids": "store", "export_csv": "store", "TIMING_COLUMNS": "store", "RunStore": "store",
    "analyze": "sensitivity", "AnalysisRefused": "sensitivity",
    "plot_sweep": "plot", "draw_sweep": "plot", "merge_shards": "merge",
}

__all__ = list(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        value = getattr(importlib.import_module(f".{_EXPORTS[name]}", __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
