"""The sweep specification: which parameters vary and how, the design, replicates, steps and outcomes.

A specification is a TOML file (``engagement sweep SPEC.toml``) or a ``SweepSpec`` built in Python;
both go through the same checks, so a wrong specification (unknown parameter, empty range, bad design
name, value outside a parameter's range...) is refused with a one-line ``SpecError`` naming the
culprit before any run starts.

TOML layout::

    [sweep]
    name = "crowding_x_influence"   # optional, defaults to the file name
    design = "grid"                 # grid | lhs | sobol | morris
    replicates = 10                 # runs per design point, each with its own seed (C10)
    steps = 100
    seed = 20240611                 # root seed; omit it and one is drawn and recorded
    outcomes = ["gini", "hhi"]      # summary metrics kept per run (default: all of them)
    timeseries_every = 10           # keep the metrics every 10 steps (0: no time series)

    [params]
    n_users = 2000                                  # a fixed value
    n_companies = [10, 20, 40, 80]                  # a list of levels (grid only)
    social_influence = { low = 0, high = 2, num = 5 }   # a range: num or step for a grid,
                                                        # bare {low, high} for lhs/sobol/morris

Ranges may set ``log = true`` (geometric spacing, or sampling uniform in log10). Integer parameters
are rounded to whole numbers.
"""

from __future__ import annotations

import dataclasses
import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..metrics import INTEGER_OUTCOMES, OUTCOMES, SUMMARY_KEYS, Metric
from ..params import PARAM_NAMES, Params, check_value, did_you_mean, read_toml, short_repr, show_path

DESIGNS = ("grid", "lhs", "sobol", "morris")
SAMPLED_DESIGNS = ("lhs", "sobol", "morris")
#: Keys allowed in the ``[sweep]`` table (and keyword arguments of ``SweepSpec``).
SETTINGS = ("name", "design", "replicates", "steps", "seed", "samples", "levels", "second_order", "outcomes",
            "timeseries_every", "timeseries_metrics", "max_runs")
#: The largest sweep a spec may describe without saying ``max_runs``: 10 million runs (the store keeps a flag
#: per run, the runs table a row per run; at 0.1 s a run that is 12 days of one core).
MAX_RUNS = 10_000_000
#: ``max_runs`` may raise the limit up to here, no further (a flag per run is a GB of memory at a billion).
HARD_MAX_RUNS = 1_000_000_000
#: Sampled designs hold every point in memory: at most this many values (points x parameters) per allowed run.
DESIGN_VALUES_PER_RUN = 10
#: Largest root seed: 63 bits, so that it fits a TOML integer and a signed 64-bit column.
MAX_SEED = 2**63 - 1
#: A spec's name is one folder name: letters, digits, '-', '_' and '.', not starting with '.'.
NAME_PATTERN = re.compile(r"[\w-][\w.-]{0,99}")
_NAME_CHARS = re.compile(r"[^\w.-]")
RANGE_KEYS = ("low", "high", "num", "step", "log")
#: The steps a run actually ran (it may stop early): an outcome of every sweep besides the metrics.
STEPS = Metric("steps", "steps actually run", integer=True)
#: Outcomes a run can keep: the final value of any metric declared in ``model.metrics.OUTCOMES``, plus steps.
OUTCOME_NAMES: tuple[str, ...] = (STEPS.name, *(metric.name for metric in OUTCOMES))
#: Kept when a spec names no outcomes: the summary metrics (``model.metrics.SUMMARY_KEYS``) and steps.
DEFAULT_OUTCOMES: tuple[str, ...] = (*SUMMARY_KEYS, STEPS.name)
#: Metrics a time series can keep (every metric recorded at every step).
TIMESERIES_NAMES: tuple[str, ...] = tuple(metric.name for metric in OUTCOMES)
#: Outcomes that count things (``Metric.integer``): stored as 64-bit integers rather than floats.
INTEGER_METRICS: frozenset[str] = frozenset({STEPS.name, *INTEGER_OUTCOMES})
_FIELDS = {f.name: f for f in dataclasses.fields(Params)}


def param_kind(name: str) -> str:
    """``"int"``, ``"float"``, ``"bool"``, ``"str"`` or ``"any"``: the declared type of a parameter of ``Params``
    (the field type, a class or its name in a string annotation)."""
    kind = _FIELDS[name].type
    kind = getattr(kind, "__name__", kind) if isinstance(kind, type) else kind
    return kind if kind in ("int", "float", "bool", "str") else "any"


class SpecError(ValueError):
    """A wrong sweep specification; the message is one line naming the culprit."""


@dataclass(frozen=True)
class Levels:
    """Explicit values of a parameter (a list in the spec, or a grid range expanded)."""

    values: tuple[Any, ...]


@dataclass(frozen=True)
class Range:
    """A continuous range sampled by a design; ``log`` samples uniformly in log10."""

    low: float
    high: float
    log: bool = False
    integer: bool = False

    @property
    def bounds(self) -> tuple[float, float]:
        """Bounds in the space the design samples (log10 for log ranges)."""
        if self.log:
            return math.log10(self.low), math.log10(self.high)
        return float(self.low), float(self.high)

    def value(self, x: float) -> int | float:
        """The parameter value for a point ``x`` of the sampled space."""
        value = 10.0 ** x if self.log else float(x)
        value = min(max(value, self.low), self.high)  # log10/pow round trips may overshoot by an ulp
        return round(value) if self.integer else value


@dataclass(frozen=True)
class SweepSpec:
    """A validated sweep specification (see the module docstring for the meaning of each field).

    ``params`` maps parameter names to a fixed value, a list of levels, or a range
    ``{"low":, "high":, "num"|"step":, "log":}``. Invalid input raises ``SpecError``.
    """

    params: Mapping[str, Any] = field(default_factory=dict)
    design: str = "grid"
    replicates: int = 1
    steps: int = 100
    seed: int | None = None
    samples: int | None = None
    levels: int | None = None
    second_order: bool | None = None
    outcomes: Sequence[str] | None = None
    timeseries_every: int = 0
    timeseries_metrics: Sequence[str] | None = None  # None when timeseries_every is 0
    name: str = "sweep"
    max_runs: int | None = None  # None: MAX_RUNS
    source: str = field(default="sweep spec", compare=False, repr=False)

    def __post_init__(self) -> None:
        where = self.source
        design = self.design
        if not isinstance(design, str) or design not in DESIGNS:
            raise SpecError(f"{where}: unknown design {_show(design)}{_hint(design, DESIGNS)}; designs are "
                            f"{', '.join(DESIGNS)}")
        _check_name(where, self.name)
        for name, low in (("replicates", 1), ("steps", 0), ("timeseries_every", 0)):
            object.__setattr__(self, name, _whole(where, name, getattr(self, name), low=low))
        if self.seed is not None:
            object.__setattr__(self, "seed", _whole(where, "seed", self.seed, low=0, high=MAX_SEED))
        if self.max_runs is not None:
            object.__setattr__(self, "max_runs", _whole(where, "max_runs", self.max_runs, low=1, high=HARD_MAX_RUNS))
        self._check_design_settings()
        object.__setattr__(self, "outcomes", _names(where, "outcomes", self.outcomes, OUTCOME_NAMES,
                                                    DEFAULT_OUTCOMES))
        metrics = None
        if self.timeseries_every:
            metrics = _names(where, "timeseries_metrics", self.timeseries_metrics, TIMESERIES_NAMES, TIMESERIES_NAMES)
        object.__setattr__(self, "timeseries_metrics", metrics)
        if not isinstance(self.params, Mapping):
            raise SpecError(f"{where}: params must be a table of parameter = value | [levels] | {{low, high}}")
        fixed, factors = _parse_params(where, design, self.params, self._check_size)
        object.__setattr__(self, "_fixed", fixed)
        object.__setattr__(self, "_factors", factors)

    @property
    def run_limit(self) -> int:
        """The most runs this spec may make: ``max_runs`` if given, else ``MAX_RUNS``."""
        return MAX_RUNS if self.max_runs is None else int(self.max_runs)

    def _check_size(self, sizes: dict[str, int]) -> None:
        """Refuse a design above the limit, from the number of levels of each factor (counted, not built)."""
        where, dims = self.source, len(sizes)
        points = _design_points(self.design, sizes, self.samples, self.second_order)
        runs = points * self.replicates
        limit = self.run_limit
        if runs > limit:
            if self.design == "grid":
                levels = " x ".join(f"{count:,}" for count in sizes.values())
                what = f"{levels} levels of {', '.join(sizes)} = {points:,} points" if sizes else "1 point"
                hint = "fewer levels (a larger step, a smaller num)"
            else:
                what = f"{points:,} points of design '{self.design}' from samples = {self.samples:,}"
                hint = "fewer samples"
            raise SpecError(f"{where}: the sweep would make {runs:,} runs ({what}, x {self.replicates:,} "
                            f"replicates), above the limit of {limit:,} runs; use {hint} or fewer replicates"
                            + (", or set max_runs in [sweep] to allow it" if limit < HARD_MAX_RUNS else ""))
        if self.design != "grid" and points * dims > DESIGN_VALUES_PER_RUN * limit:
            raise SpecError(f"{where}: design '{self.design}' would hold {points * dims:,} values "
                            f"({points:,} points x {dims} parameters), above the limit of "
                            f"{DESIGN_VALUES_PER_RUN * limit:,}; use fewer samples or parameters")

    def _check_design_settings(self) -> None:
        where, design = self.source, self.design
        if design == "grid":
            for name in ("samples", "levels", "second_order"):
                if getattr(self, name) is not None:
                    raise SpecError(f"{where}: '{name}' does not apply to design 'grid' (its size is the product "
                                    f"of the levels)")
            return
        if self.samples is None:
            what = {"lhs": "points", "sobol": "base samples N (a power of 2)", "morris": "trajectories"}[design]
            raise SpecError(f"{where}: design '{design}' needs 'samples' (number of {what})")
        object.__setattr__(self, "samples", _whole(where, "samples", self.samples, low=2 if design == "morris" else 1))
        if design == "sobol" and self.samples & (self.samples - 1):
            raise SpecError(f"{where}: samples = {self.samples} must be a power of 2 for design 'sobol' "
                            f"(Sobol' sequences balance only then), e.g. {1 << self.samples.bit_length()}")
        if self.levels is not None:
            if design != "morris":
                raise SpecError(f"{where}: 'levels' applies to design 'morris' only")
            object.__setattr__(self, "levels", _whole(where, "levels", self.levels, low=2))
        if self.second_order is not None:
            if design != "sobol":
                raise SpecError(f"{where}: 'second_order' applies to design 'sobol' only")
            if not isinstance(self.second_order, bool):
                raise SpecError(f"{where}: second_order = {self.second_order!r} must be true or false")

    # ------------------------------------------------------------------ construction
    @classmethod
    def from_toml(cls, path: str | Path) -> SweepSpec:
        """Read a specification from TOML (tables ``[sweep]`` and ``[params]``)."""
        try:
            data = read_toml(path, what="sweep spec")
        except ValueError as error:
            raise SpecError(str(error)) from None
        path = Path(path)
        where = show_path(path.name)
        if not data:
            raise SpecError(f"{where}: the spec is empty; a spec has a [sweep] and a [params] table "
                            f"(see docs/sweeps.md or 'engagement examples')")
        for key in data:
            if key not in ("sweep", "params"):
                raise SpecError(f"{where}: unknown table or key {_show(key)}{_hint(key, ('sweep', 'params'))}; "
                                f"a spec has a [sweep] and a [params] table")
        settings, params = data.get("sweep", {}), data.get("params", {})
        if not isinstance(settings, dict) or not isinstance(params, dict):
            raise SpecError(f"{where}: 'sweep' and 'params' must be tables")
        if "params" in settings:
            raise SpecError(f"{where}: 'params' inside [sweep]: give the parameters in their own [params] table "
                            f"after [sweep] (see docs/sweeps.md)")
        settings = {"name": _default_name(path.stem), **settings}
        return cls.from_dict({**settings, "params": params}, source=where)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], *, source: str = "sweep spec") -> SweepSpec:
        """Build from a plain mapping: the ``[sweep]`` settings plus ``params`` (as in ``to_dict``)."""
        if not isinstance(data, Mapping):
            raise SpecError(f"{source}: a sweep spec is a mapping of settings and params, not {_show(data)}")
        for key in data:
            if key != "params" and key not in SETTINGS:
                raise SpecError(f"{source}: unknown setting {_show(key)} in [sweep]{_hint(key, SETTINGS)}")
        if data.get("timeseries_metrics") is not None and not data.get("timeseries_every"):
            raise SpecError(f"{source}: timeseries_metrics is set but timeseries_every is 0 (no time series kept)")
        return cls(**data, source=source)

    def to_dict(self) -> dict[str, Any]:
        """Plain, JSON-ready form (recorded in the manifest; ``from_dict`` reads it back)."""
        data: dict[str, Any] = {"name": self.name, "design": self.design, "replicates": self.replicates,
                                "steps": self.steps, "seed": self.seed}
        for name in ("samples", "levels", "second_order", "max_runs"):
            if getattr(self, name) is not None:
                data[name] = getattr(self, name)
        data["outcomes"] = list(self.outcomes)
        data["timeseries_every"] = self.timeseries_every
        if self.timeseries_every:
            data["timeseries_metrics"] = list(self.timeseries_metrics)
        data["params"] = {name: _jsonable(value) for name, value in self.params.items()}
        return data

    def replace(self, **changes: Any) -> SweepSpec:
        """A copy with some settings changed (validated again)."""
        return dataclasses.replace(self, **changes)

    # ------------------------------------------------------------------ derived facts
    @property
    def fixed(self) -> dict[str, Any]:
        """Parameters held at one value (validated, normalised)."""
        return dict(self._fixed)  # type: ignore[attr-defined]

    @property
    def factors(self) -> dict[str, Levels | Range]:
        """Varied parameters: ``Levels`` for a grid, ``Range`` for sampled designs."""
        return dict(self._factors)  # type: ignore[attr-defined]

    @property
    def varied(self) -> tuple[str, ...]:
        """Names of the varied parameters, in spec order (the runs table's parameter columns)."""
        return tuple(self._factors)  # type: ignore[attr-defined]

    @property
    def n_points(self) -> int:
        """Number of design points."""
        sizes = {name: len(f.values) if isinstance(f, Levels) else 1 for name, f in self.factors.items()}
        return _design_points(self.design, sizes, self.samples, self.second_order)

    @property
    def n_runs(self) -> int:
        """Number of runs: design points times replicates."""
        return self.n_points * self.replicates

    @property
    def morris_levels(self) -> int:
        return 4 if self.levels is None else int(self.levels)


def load_spec(source: str | Path | Mapping[str, Any] | SweepSpec) -> SweepSpec:
    """A ``SweepSpec`` from a TOML path, a plain mapping (as ``to_dict``) or a spec (returned as is)."""
    if isinstance(source, SweepSpec):
        return source
    if isinstance(source, Mapping):
        return SweepSpec.from_dict(source)
    if not isinstance(source, str | Path):
        raise SpecError(f"a sweep spec is a TOML path, a mapping or a SweepSpec, not {_show(source)}")
    return SweepSpec.from_toml(source)


# ====================================================================== checks
def _hint(value: Any, choices: Sequence[str]) -> str:
    close = did_you_mean(value, choices)
    return f" (did you mean {close!r}?)" if close else ""


def _show(value: Any) -> str:
    """``repr(value)`` on one printable line, cut short (hostile input may be huge)."""
    return short_repr(value)


def _whole(where: str, name: str, value: Any, *, low: int, high: int | None = None) -> int:
    """``value`` as a plain int, or SpecError naming the setting (bools, floats and strings are refused)."""
    if isinstance(value, bool | np.bool_) or not isinstance(value, int | np.integer) or value < low:
        raise SpecError(f"{where}: {name} = {_show(value)} must be a whole number >= {low}")
    if high is not None and value > high:
        raise SpecError(f"{where}: {name} = {_show(value)} must be a whole number <= {high:,}")
    return int(value)


def _check_name(where: str, name: Any) -> None:
    """A name is one safe folder name (it names ``results/sweeps/NAME``): no path, not hidden, not empty."""
    if not isinstance(name, str) or not name:
        raise SpecError(f"{where}: name = {_show(name)} must be a non-empty folder name")
    if not NAME_PATTERN.fullmatch(name) or name.startswith("."):
        raise SpecError(f"{where}: name = {_show(name)} must be one folder name: letters, digits, '-', '_' and "
                        f"'.' (not first), at most 100 characters, no path")


def _default_name(stem: str) -> str:
    """The name of a spec without one: its file's stem made a safe folder name."""
    name = _NAME_CHARS.sub("_", stem).lstrip(".")[:100]
    return name if name and NAME_PATTERN.fullmatch(name) else "sweep"


def _design_points(design: str, sizes: Mapping[str, int], samples: Any, second_order: Any) -> int:
    """Number of design points, computed from the number of levels of each factor (nothing is built)."""
    dims = len(sizes)
    if design == "grid":
        return math.prod(sizes.values())
    if design == "lhs":
        return int(samples)
    if design == "sobol":
        return int(samples) * (2 * dims + 2 if second_order else dims + 2)
    return int(samples) * (dims + 1)


def _names(where: str, setting: str, names: Any, known: Sequence[str], default: tuple[str, ...]) -> tuple[str, ...]:
    if names is None:
        return default
    if isinstance(names, str) or not isinstance(names, Sequence) or not names:
        raise SpecError(f"{where}: {setting} must be a non-empty list of metric names")
    for name in names:
        if name not in known:
            raise SpecError(f"{where}: unknown metric {_show(name)} in {setting}{_hint(name, known)}")
    if len(set(names)) < len(names):
        repeated = next(name for name in names if list(names).count(name) > 1)
        raise SpecError(f"{where}: metric {_show(repeated)} appears twice in {setting}")
    return tuple(names)


def _parse_params(where: str, design: str, params: Mapping[str, Any],
                  check_size: Callable[[dict[str, int]], None]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Fixed values and factors of ``[params]``; ``check_size`` sees the number of levels of each factor
    (counted from the spec) before any range is expanded."""
    fixed: dict[str, Any] = {}
    kinds: dict[str, str] = {}
    for name, value in params.items():
        if not isinstance(name, str) or name not in PARAM_NAMES:
            raise SpecError(f"{where}: unknown parameter {_show(name)} in [params]{_hint(name, PARAM_NAMES)}; "
                            f"see 'engagement params'")
        if name in OUTCOME_NAMES:  # a column of the runs table would be ambiguous
            raise SpecError(f"{where}: parameter '{name}' has the name of an outcome metric")
        if isinstance(value, list | tuple):
            kinds[name] = "levels"
        elif isinstance(value, Mapping) and (name != "format_mix" or "low" in value or "high" in value):
            kinds[name] = "range"
        else:
            fixed[name] = _valid(where, name, value)
    sizes: dict[str, int] = {}
    for name, kind in kinds.items():
        if kind == "levels":
            if design != "grid":
                raise SpecError(f"{where}: design '{design}' samples ranges; give '{name}' as "
                                f"{{low = .., high = ..}} instead of a list")
            if not params[name]:
                raise SpecError(f"{where}: parameter '{name}' has an empty list of values")
            sizes[name] = len(params[name])
        else:
            sizes[name] = _range_size(where, design, name, params[name])
    if design != "grid" and not kinds:
        raise SpecError(f"{where}: design '{design}' needs at least one parameter range {{low = .., high = ..}}")
    check_size(sizes)
    factors: dict[str, Levels | Range] = {}
    for name, kind in kinds.items():
        if kind == "levels":
            factors[name] = _levels(where, name, params[name])
        else:
            factors[name] = _range(where, name, params[name])
    return fixed, factors


def _valid(where: str, name: str, value: Any) -> Any:
    """The validated, normalised value (Params' own check), or SpecError naming parameter and value."""
    try:
        return check_value(name, value)
    except ValueError as error:
        raise SpecError(f"{where}: {error}") from None


def _levels(where: str, name: str, values: Sequence[Any]) -> Levels:
    if not values:
        raise SpecError(f"{where}: parameter '{name}' has an empty list of values")
    normalised = tuple(_valid(where, name, value) for value in values)
    seen: set[Any] = set()
    for value in normalised:
        if value in seen:
            raise SpecError(f"{where}: parameter '{name}' lists the value {_show(_jsonable(value))} twice")
        seen.add(value)
    return Levels(normalised)


def _range_bounds(where: str, name: str, spec: Mapping[str, Any]) -> tuple[Any, Any, bool]:
    """Checked ``low``, ``high`` (valid values of the parameter, low < high) and ``log`` of a range."""
    for key in spec:
        if key not in RANGE_KEYS:
            raise SpecError(f"{where}: unknown key {_show(key)} in the range of '{name}'{_hint(key, RANGE_KEYS)}; "
                            f"a range has low, high and num, step or log")
    kind = param_kind(name)
    if kind not in ("int", "float"):
        raise SpecError(f"{where}: parameter '{name}' is not numeric; list its values instead of a range")
    if "low" not in spec or "high" not in spec:
        raise SpecError(f"{where}: the range of '{name}' needs both low and high")
    low, high = spec["low"], spec["high"]
    for key, bound in (("low", low), ("high", high)):
        if isinstance(bound, bool | np.bool_) or not isinstance(bound, int | float | np.integer | np.floating) \
                or not math.isfinite(bound):
            raise SpecError(f"{where}: {key} = {_show(bound)} in the range of '{name}' is not a finite number")
    if not low < high:
        raise SpecError(f"{where}: empty range for '{name}': low = {_show(low)} is not below high = {_show(high)}")
    low, high = _valid(where, name, low), _valid(where, name, high)
    log = spec.get("log", False)
    if not isinstance(log, bool):
        raise SpecError(f"{where}: log = {_show(log)} in the range of '{name}' must be true or false")
    if log and low <= 0:
        raise SpecError(f"{where}: log range of '{name}' needs low > 0 (got {low!r})")
    return low, high, log


def _range_size(where: str, design: str, name: str, spec: Mapping[str, Any]) -> int:
    """Levels a range gives a grid (1 for a sampled range), checked and counted without building them."""
    low, high, log = _range_bounds(where, name, spec)
    if "num" in spec and "step" in spec:
        raise SpecError(f"{where}: the range of '{name}' gives both num and step; give one")
    if "num" not in spec and "step" not in spec:
        if design == "grid":
            raise SpecError(f"{where}: range of '{name}' needs 'num' or 'step' in a grid design")
        return 1
    if design != "grid":
        raise SpecError(f"{where}: num/step in the range of '{name}' apply to grid designs; design '{design}' "
                        f"samples {{low, high}} itself")
    if "num" in spec:
        num = spec["num"]
        if isinstance(num, bool | np.bool_) or not isinstance(num, int | np.integer) or num < 2:
            raise SpecError(f"{where}: num = {_show(num)} in the range of '{name}' must be a whole number >= 2")
        return int(num)
    step = spec["step"]
    if isinstance(step, bool | np.bool_) or not isinstance(step, int | float | np.integer | np.floating) \
            or not math.isfinite(step) or not step > 0:
        raise SpecError(f"{where}: step = {_show(step)} in the range of '{name}' must be a finite number > 0")
    if log:
        raise SpecError(f"{where}: the log range of '{name}' takes num, not step")
    count = (high - low) / step + 1e-9
    if not math.isfinite(count) or count >= 2**62:
        raise SpecError(f"{where}: step = {_show(step)} in the range of '{name}' makes more than 2^62 levels; "
                        f"use a larger step")
    return math.floor(count) + 1


def _range(where: str, name: str, spec: Mapping[str, Any]) -> Levels | Range:
    """A checked range (``_range_size`` has counted it): ``Range`` for sampling, ``Levels`` for a grid."""
    low, high, log = _range_bounds(where, name, spec)
    integer = param_kind(name) == "int"
    if "num" not in spec and "step" not in spec:
        return Range(low, high, log, integer)
    if "num" in spec:
        num = int(spec["num"])
        points = np.geomspace(low, high, num) if log else np.linspace(low, high, num)
    else:
        step = spec["step"]
        count = math.floor((high - low) / step + 1e-9) + 1
        points = low + step * np.arange(count)
    values = [round(float(x)) if integer else float(x) for x in points]
    # rounding may merge neighbours; every value lies in [low, high], both valid: no need to check each again
    return Levels(tuple(min(max(v, low), high) for v in dict.fromkeys(values)))


def _jsonable(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, np.generic):
        return value.item()
    return value
