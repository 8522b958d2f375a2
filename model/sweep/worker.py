"""One run of a sweep, as executed by any backend (in this process, a worker process or a Dask worker).

``execute(task)`` never raises for a problem of the run itself: any exception from building or running
the model is returned as a row with ``status = "failed"`` and the error, so the sweep goes on. The row
is plain Python values (cheap to pickle, to send from a Dask worker and to journal as JSON); an
undefined outcome (NaN) is ``None`` in it, so it is null in the journal and in the Parquet tables alike.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ..batch import describe
from ..model import EngagementModel
from ..params import Params
from .spec import INTEGER_METRICS

STATUS_OK = "ok"
STATUS_FAILED = "failed"


@dataclass(frozen=True)
class RunConfig:
    """What every run of a sweep shares."""

    fixed: Mapping[str, Any]
    steps: int
    outcomes: tuple[str, ...]
    timeseries_every: int = 0
    timeseries_metrics: tuple[str, ...] = ()
    #: ``None``: the model itself. Otherwise a picklable function with ``model.simulate``'s signature
    #: ``f(params, *, steps, seed)`` returning an object with ``.summary`` and ``.timeseries``.
    run_function: Callable[..., Any] | None = None
    #: every parameter that is not varied, as stored in the runs table (each run's row holds them all)
    fixed_columns: Mapping[str, Any] = field(default_factory=dict)
    #: keep a company-level table per run (``--companies``): one row per company ever in the market
    companies: bool = False


@dataclass(frozen=True)
class RunTask:
    """One run: its id, design point, replicate, seed and the varied parameters' values."""

    run_id: int
    point: int
    replicate: int
    seed: int
    values: Mapping[str, Any]


@dataclass(frozen=True)
class RunOutput:
    """What a run sends back: its row of the runs table and, if asked, its time series (columns)."""

    row: dict[str, Any]
    timeseries: dict[str, list[Any]] | None
    companies: dict[str, list[Any]] | None = None


def execute(config: RunConfig, task: RunTask) -> RunOutput:
    """Run one task; failures of the run are recorded in the row, never raised (the batch runner calls
    ``functools.partial(execute, config)`` on each task)."""
    started = time.perf_counter()
    row: dict[str, Any] = {"run_id": task.run_id, "point": task.point, "replicate": task.replicate,
                           "seed": task.seed, **{name: encode_value(v) for name, v in task.values.items()}}
    timeseries = companies = None
    try:
        params = Params(**config.fixed, **task.values)
        if config.run_function is None:
            summary, columns, model = _run_model(params, config.steps, task.seed,
                                                 want_timeseries=bool(config.timeseries_every))
            if config.companies:
                companies = _frame_columns(model.companies_frame())
        else:
            result = config.run_function(params, steps=config.steps, seed=task.seed)
            if config.companies:
                if getattr(result, "companies", None) is None:
                    raise KeyError("--companies needs a run function whose result has .companies")
                companies = _frame_columns(result.companies)
            summary = result.summary if hasattr(result, "summary") else result
            extra = [name for name in config.outcomes if name not in summary]
            if extra:
                raise KeyError(f"the run function's result lacks the outcome(s) {', '.join(extra)}")
            columns = ({name: result.timeseries[name].tolist() for name in ("step", *config.timeseries_metrics)}
                       if config.timeseries_every else None)
        outcomes = {name: typed(name, summary[name]) for name in config.outcomes}
        if columns is not None:
            timeseries = _thin(columns, config.timeseries_every, config.timeseries_metrics)
        row.update(status=STATUS_OK, error=None, **outcomes)
    except Exception as error:  # noqa: BLE001 - the sweep records any failure of one run and goes on
        row.update(status=STATUS_FAILED, error=describe(error), **dict.fromkeys(config.outcomes))
        timeseries = companies = None
    row["elapsed_s"] = time.perf_counter() - started
    row.update(config.fixed_columns)
    return RunOutput(row, timeseries, companies)


def fixed_columns(fixed: Mapping[str, Any], varied: Sequence[str]) -> dict[str, Any]:
    """Every parameter not in ``varied`` with its value in every run (the spec's fixed ones, else defaults)."""
    try:
        values = Params(**fixed).to_dict()
    except (TypeError, ValueError):  # fixed values valid only with the varied ones: show them as given
        values = {**Params().to_dict(), **fixed}
    return {name: encode_value(value) for name, value in values.items() if name not in varied}


def _frame_columns(frame: Any) -> dict[str, list[Any]]:
    return {str(column): frame[column].tolist() for column in frame.columns}


def infrastructure_failure(config: RunConfig, task: RunTask, reason: str) -> RunOutput:
    """The row of a run that the infrastructure could not complete (its worker died repeatedly)."""
    row: dict[str, Any] = {"run_id": task.run_id, "point": task.point, "replicate": task.replicate, "seed": task.seed}
    row.update({name: encode_value(value) for name, value in task.values.items()})
    row.update(status=STATUS_FAILED, error=reason, **dict.fromkeys(config.outcomes), elapsed_s=None)
    row.update(config.fixed_columns)
    return RunOutput(row, None)


def _run_model(params: Params, steps: int, seed: int, *, want_timeseries: bool) -> tuple[dict, dict | None, Any]:
    """The loop of ``model.simulate`` without building its tables: the same numbers, less overhead."""
    model = EngagementModel(params, rng=seed)
    for _ in range(steps):
        if not model.running:
            break
        model.step()
    summary = {**model.current, "steps": int(model.steps)}
    columns = None
    if want_timeseries:
        recorded = model.datacollector.model_vars
        columns = {"step": list(range(len(next(iter(recorded.values())))))}
        columns.update(recorded)
    return summary, columns, model


def _thin(columns: Mapping[str, list[Any]], every: int, metrics: tuple[str, ...]) -> dict[str, list[Any]]:
    """Keep steps 0, k, 2k, ... and always the last step."""
    steps = columns["step"]
    keep = [i for i, step in enumerate(steps) if step % every == 0 or i == len(steps) - 1]
    thinned = {"step": [int(steps[i]) for i in keep]}
    for name in metrics:
        values = columns[name]
        thinned[name] = [typed(name, values[i]) for i in keep]
    return thinned


def typed(name: str, value: Any) -> int | float | str | bool | None:
    """A metric as a plain int (counts: ``Metric.integer`` in ``model.metrics``, see INTEGER_METRICS) or
    float; an undefined value (NaN, e.g. losers per winner without winners) as ``None``, stored as null
    in every table and journal (pandas reads it back as NaN)."""
    if value is None:
        return None
    if isinstance(value, str):  # an extra outcome of a run function may be text
        return value
    if isinstance(value, bool):
        return value
    number = float(value)
    if not math.isfinite(number):
        return None
    if name in INTEGER_METRICS:
        if not number.is_integer():
            raise TypeError(f"metric '{name}' = {value!r} should be a whole number")
        return int(number)
    return number


def encode_value(value: Any) -> Any:
    """A parameter value as stored in a table column (a format mix mapping as JSON text)."""
    if isinstance(value, Mapping):
        return json.dumps(dict(sorted(value.items())), separators=(",", ":"))
    return value
