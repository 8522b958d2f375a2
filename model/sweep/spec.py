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
import difflib
import math
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..metrics import INTEGER_OUTCOMES, OUTCOMES, SUMMARY_KEYS, Metric
from ..params import PARAM_NAMES, Params

DESIGNS = ("grid", "lhs", "sobol", "morris")
SAMPLED_DESIGNS = ("lhs", "sobol", "morris")
#: Keys allowed in the ``[sweep]`` table (and keyword arguments of ``SweepSpec``).
SETTINGS = ("name", "design", "replicates", "steps", "seed", "samples", "levels", "second_order", "outcomes",
            "timeseries_every", "timeseries_metrics")
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
    source: str = field(default="sweep spec", compare=False, repr=False)

    def __post_init__(self) -> None:
        where = self.source
        design = self.design
        if not isinstance(design, str) or design not in DESIGNS:
            raise SpecError(f"{where}: unknown design {design!r}{_hint(design, DESIGNS)}; designs are "
                            f"{', '.join(DESIGNS)}")
        if not isinstance(self.name, str) or not self.name.strip():
            raise SpecError(f"{where}: name = {self.name!r} must be a non-empty string")
        _whole(where, "replicates", self.replicates, low=1)
        _whole(where, "steps", self.steps, low=0)
        _whole(where, "timeseries_every", self.timeseries_every, low=0)
        if self.seed is not None:
            _whole(where, "seed", self.seed, low=0)
        self._check_design_settings()
        object.__setattr__(self, "outcomes", _names(where, "outcomes", self.outcomes, OUTCOME_NAMES,
                                                    DEFAULT_OUTCOMES))
        metrics = None
        if self.timeseries_every:
            metrics = _names(where, "timeseries_metrics", self.timeseries_metrics, TIMESERIES_NAMES, TIMESERIES_NAMES)
        object.__setattr__(self, "timeseries_metrics", metrics)
        if not isinstance(self.params, Mapping):
            raise SpecError(f"{where}: params must be a table of parameter = value | [levels] | {{low, high}}")
        fixed, factors = _parse_params(where, design, self.params)
        object.__setattr__(self, "_fixed", fixed)
        object.__setattr__(self, "_factors", factors)

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
        _whole(where, "samples", self.samples, low=2 if design == "morris" else 1)
        if design == "sobol" and self.samples & (self.samples - 1):
            raise SpecError(f"{where}: samples = {self.samples} must be a power of 2 for design 'sobol' "
                            f"(Sobol' sequences balance only then), e.g. {1 << self.samples.bit_length()}")
        if self.levels is not None:
            if design != "morris":
                raise SpecError(f"{where}: 'levels' applies to design 'morris' only")
            _whole(where, "levels", self.levels, low=2)
        if self.second_order is not None:
            if design != "sobol":
                raise SpecError(f"{where}: 'second_order' applies to design 'sobol' only")
            if not isinstance(self.second_order, bool):
                raise SpecError(f"{where}: second_order = {self.second_order!r} must be true or false")

    # ------------------------------------------------------------------ construction
    @classmethod
    def from_toml(cls, path: str | Path) -> SweepSpec:
        """Read a specification from TOML (tables ``[sweep]`` and ``[params]``)."""
        path = Path(path)
        try:
            with path.open("rb") as handle:
                data = tomllib.load(handle)
        except tomllib.TOMLDecodeError as error:
            raise SpecError(f"{path.name}: malformed TOML: {error}") from None
        except OSError as error:
            raise SpecError(f"cannot read sweep spec {str(path)!r}: {error.strerror}") from None
        for key in data:
            if key not in ("sweep", "params"):
                raise SpecError(f"{path.name}: unknown table or key '{key}'{_hint(key, ('sweep', 'params'))}; "
                                f"a spec has a [sweep] and a [params] table")
        settings, params = data.get("sweep", {}), data.get("params", {})
        if not isinstance(settings, dict) or not isinstance(params, dict):
            raise SpecError(f"{path.name}: 'sweep' and 'params' must be tables")
        settings = {"name": path.stem, **settings}
        return cls.from_dict({**settings, "params": params}, source=path.name)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], *, source: str = "sweep spec") -> SweepSpec:
        """Build from a plain mapping: the ``[sweep]`` settings plus ``params`` (as in ``to_dict``)."""
        for key in data:
            if key != "params" and key not in SETTINGS:
                raise SpecError(f"{source}: unknown setting '{key}' in [sweep]{_hint(key, SETTINGS)}")
        if data.get("timeseries_metrics") is not None and not data.get("timeseries_every"):
            raise SpecError(f"{source}: timeseries_metrics is set but timeseries_every is 0 (no time series kept)")
        return cls(**data, source=source)

    def to_dict(self) -> dict[str, Any]:
        """Plain, JSON-ready form (recorded in the manifest; ``from_dict`` reads it back)."""
        data: dict[str, Any] = {"name": self.name, "design": self.design, "replicates": self.replicates,
                                "steps": self.steps, "seed": self.seed}
        for name in ("samples", "levels", "second_order"):
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
        factors = self.factors
        dims = len(factors)
        if self.design == "grid":
            return math.prod(len(f.values) for f in factors.values())  # type: ignore[union-attr]
        if self.design == "lhs":
            return int(self.samples)  # type: ignore[arg-type]
        if self.design == "sobol":
            return int(self.samples) * (2 * dims + 2 if self.second_order else dims + 2)  # type: ignore[arg-type]
        return int(self.samples) * (dims + 1)  # type: ignore[arg-type]

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
    return SweepSpec.from_toml(source)


# ====================================================================== checks
def _hint(value: Any, choices: Sequence[str]) -> str:
    close = difflib.get_close_matches(str(value), choices, n=1)
    return f" (did you mean '{close[0]}'?)" if close else ""


def _whole(where: str, name: str, value: Any, *, low: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < low:
        raise SpecError(f"{where}: {name} = {value!r} must be a whole number >= {low}")


def _names(where: str, setting: str, names: Any, known: Sequence[str], default: tuple[str, ...]) -> tuple[str, ...]:
    if names is None:
        return default
    if isinstance(names, str) or not isinstance(names, Sequence) or not names:
        raise SpecError(f"{where}: {setting} must be a non-empty list of metric names")
    for name in names:
        if name not in known:
            raise SpecError(f"{where}: unknown metric '{name}' in {setting}{_hint(name, known)}")
    if len(set(names)) < len(names):
        repeated = next(name for name in names if list(names).count(name) > 1)
        raise SpecError(f"{where}: metric '{repeated}' appears twice in {setting}")
    return tuple(names)


def _parse_params(where: str, design: str, params: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    fixed: dict[str, Any] = {}
    factors: dict[str, Levels | Range] = {}
    for name, value in params.items():
        if name not in PARAM_NAMES:
            raise SpecError(f"{where}: unknown parameter '{name}' in [params]{_hint(name, PARAM_NAMES)}; "
                            f"see 'engagement params'")
        if name in OUTCOME_NAMES:  # a column of the runs table would be ambiguous
            raise SpecError(f"{where}: parameter '{name}' has the name of an outcome metric")
        if isinstance(value, list | tuple):
            factors[name] = _levels(where, name, value)
        elif isinstance(value, Mapping) and (name != "format_mix" or "low" in value or "high" in value):
            factors[name] = _range(where, design, name, value)
        else:
            fixed[name] = _valid(where, name, value)
    for name, factor in factors.items():
        if design == "grid" and isinstance(factor, Range):
            raise SpecError(f"{where}: range of '{name}' needs 'num' or 'step' in a grid design")
        if design != "grid" and isinstance(factor, Levels):
            raise SpecError(f"{where}: design '{design}' samples ranges; give '{name}' as {{low = .., high = ..}} "
                            f"instead of a list")
    if design != "grid" and not factors:
        raise SpecError(f"{where}: design '{design}' needs at least one parameter range {{low = .., high = ..}}")
    return fixed, factors


def _valid(where: str, name: str, value: Any) -> Any:
    """The validated, normalised value (Params' own check), or SpecError naming parameter and value."""
    try:
        return getattr(Params(**{name: value}), name)
    except ValueError as error:
        raise SpecError(f"{where}: {error}") from None


def _levels(where: str, name: str, values: Sequence[Any]) -> Levels:
    if not values:
        raise SpecError(f"{where}: parameter '{name}' has an empty list of values")
    normalised = tuple(_valid(where, name, value) for value in values)
    seen: list[Any] = []
    for value in normalised:
        if value in seen:
            raise SpecError(f"{where}: parameter '{name}' lists the value {_jsonable(value)!r} twice")
        seen.append(value)
    return Levels(normalised)


def _range(where: str, design: str, name: str, spec: Mapping[str, Any]) -> Levels | Range:
    for key in spec:
        if key not in RANGE_KEYS:
            raise SpecError(f"{where}: unknown key '{key}' in the range of '{name}'{_hint(key, RANGE_KEYS)}; "
                            f"a range has low, high and num, step or log")
    kind = param_kind(name)
    if kind not in ("int", "float"):
        raise SpecError(f"{where}: parameter '{name}' is not numeric; list its values instead of a range")
    if "low" not in spec or "high" not in spec:
        raise SpecError(f"{where}: the range of '{name}' needs both low and high")
    low, high = spec["low"], spec["high"]
    for bound in (low, high):
        if isinstance(bound, bool) or not isinstance(bound, int | float) or not math.isfinite(bound):
            raise SpecError(f"{where}: the range of '{name}' has a bound {bound!r} that is not a finite number")
    if not low < high:
        raise SpecError(f"{where}: empty range for '{name}': low = {low!r} is not below high = {high!r}")
    low, high = _valid(where, name, low), _valid(where, name, high)
    log = spec.get("log", False)
    if not isinstance(log, bool):
        raise SpecError(f"{where}: log = {log!r} in the range of '{name}' must be true or false")
    if log and low <= 0:
        raise SpecError(f"{where}: log range of '{name}' needs low > 0 (got {low!r})")
    integer = kind == "int"
    if "num" in spec and "step" in spec:
        raise SpecError(f"{where}: the range of '{name}' gives both num and step; give one")
    if "num" not in spec and "step" not in spec:
        return Range(low, high, log, integer)
    if design != "grid":
        raise SpecError(f"{where}: num/step in the range of '{name}' apply to grid designs; design '{design}' "
                        f"samples {{low, high}} itself")
    if "num" in spec:
        num = spec["num"]
        if isinstance(num, bool) or not isinstance(num, int) or num < 2:
            raise SpecError(f"{where}: num = {num!r} in the range of '{name}' must be a whole number >= 2")
        points = np.geomspace(low, high, num) if log else np.linspace(low, high, num)
    else:
        step = spec["step"]
        if isinstance(step, bool) or not isinstance(step, int | float) or not step > 0:
            raise SpecError(f"{where}: step = {step!r} in the range of '{name}' must be a number > 0")
        if log:
            raise SpecError(f"{where}: the log range of '{name}' takes num, not step")
        count = math.floor((high - low) / step + 1e-9) + 1
        points = low + step * np.arange(count)
    values = [round(float(x)) if integer else float(x) for x in points]
    values = [min(max(v, low), high) for v in dict.fromkeys(values)]  # rounding may merge neighbours
    return Levels(tuple(_valid(where, name, v) for v in values))


def _jsonable(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, np.generic):
        return value.item()
    return value
