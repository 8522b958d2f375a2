"""``simulate``: one run of the model as plain tables (the function behind ``engagement run``)."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from .metrics import SUMMARY_KEYS
from .model import EngagementModel
from .params import PARAM_NAMES, ParameterError, Params, as_params, check_seed, did_you_mean, unknown_parameter


@dataclass
class RunResult:
    """What one run produced.

    timeseries: one row per step (0 = initial state), one column per metric.
    companies: one row per company ever in the market, as at the end.
    summary: final values of the summary metrics (keys: ``model.metrics.SUMMARY_KEYS``, plus ``steps`` and
        ``seed``); counts as int, an undefined metric (``loser_winner_ratio`` without winners) as NaN
        (``engagement run`` writes it as null in its manifest's summary).
    params: the parameters used.
    shares: engagement share per step (rows) and company id (columns).
    """

    timeseries: pd.DataFrame
    companies: pd.DataFrame
    summary: dict[str, Any]
    params: Params
    shares: pd.DataFrame = field(repr=False)


def simulate(params: Params | Mapping[str, Any] | None = None, *, steps: int = 100, seed: Any = 0,
             **overrides: Any) -> RunResult:
    """Run the model for ``steps`` steps (or until it stops) and return its tables.

    ``params`` is a ``Params``, a dict of parameter values (``{"n_users": 1000}``, checked like
    ``Params(**d)``) or None for the defaults; ``overrides`` change single values on top of it.
    ``seed``: a whole number >= 0 (NumPy integers too), None (fresh entropy), or a
    ``numpy.random.SeedSequence`` / ``BitGenerator`` / ``Generator``. The same integer seed gives
    bit-identical results. Bad arguments raise ValueError (``ParameterError``, also a TypeError, for
    arguments of the wrong kind and unknown names) naming the argument.
    """
    if isinstance(steps, bool | np.bool_) or not isinstance(steps, int | np.integer):
        raise ParameterError(f"steps = {steps!r:.60} must be a whole number >= 0")
    if steps < 0:
        raise ValueError(f"steps = {steps!r} must be a whole number >= 0")
    steps = int(steps)
    seed = check_seed(seed, "seed")
    for name in overrides:
        if name not in PARAM_NAMES:  # simulate's own arguments are candidates too: rng -> seed
            if name == "rng":
                raise ParameterError("simulate() takes the random seed as seed=..., not rng= "
                                     "(rng is EngagementModel's name for it)")
            close = did_you_mean(name, (*PARAM_NAMES, "steps", "seed", "params"))
            raise unknown_parameter(name, (close,) if close else ())
    p = as_params(params, overrides)
    model = EngagementModel(p, rng=seed)
    for _ in range(steps):
        if not model.running:
            break
        model.step()
    return collect(model, seed)


def collect(model: EngagementModel, seed: Any = None) -> RunResult:
    """Tables of a model that has been run."""
    timeseries = model.datacollector.get_model_vars_dataframe().reset_index(drop=True)
    timeseries.insert(0, "step", np.arange(len(timeseries)))
    companies = model.companies_frame()
    summary = {key: _plain(model.current[key]) for key in SUMMARY_KEYS}
    summary["steps"] = int(model.steps)
    summary["seed"] = seed if seed is None or isinstance(seed, int) else " ".join(str(seed).split())
    ids = companies["id"].to_numpy()
    history = np.zeros((len(model.share_history), ids.size))
    for step, row in enumerate(model.share_history):
        history[step, : row.size] = row
    shares = pd.DataFrame(history, columns=ids)
    shares.index.name = "step"
    return RunResult(timeseries, companies, summary, model.p, shares)


def _plain(value: Any) -> Any:
    as_float = float(value)
    if math.isnan(as_float):
        return as_float
    return int(as_float) if as_float.is_integer() and abs(as_float) < 2**53 else as_float
