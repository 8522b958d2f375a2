"""Every parameter of the model in one place: default, unit, valid range and meaning.

``Params`` is a frozen, typed record. ``Params(**overrides)`` validates every value;
``Params.from_toml(path)`` reads a TOML file (top-level keys or a ``[params]`` table);
``params.to_dict()`` gives plain values that ``EngagementModel(**...)`` accepts.
"""

from __future__ import annotations

import dataclasses
import difflib
import functools
import inspect
import math
import os
import shlex
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import field
from pathlib import Path
from typing import Any, Self

import numpy as np

from .formats import ARTICLE_MIX, FORMAT_ATTRIBUTES, FORMAT_NAMES, FORMATS, format_param

NETWORKS = ("small_world", "scale_free", "none")
ENGINES = ("array", "agents")


def _p(default: Any, meaning: str, *, unit: str = "-", low: float | None = None,
       high: float | None = None, choices: tuple[str, ...] | None = None, claim: str = "") -> Any:
    """Declare one parameter: its default and the metadata the checks and docs read."""
    return field(default=default, metadata={
        "meaning": meaning, "unit": unit, "low": low, "high": high, "choices": choices, "claim": claim,
    })


#: Every parameter but the format table, in the order of docs/ODD.md: name, type and declaration.
_FIELDS: list[tuple[str, Any, Any]] = [
    # --- market size and limited attention (C1) -----------------------------------------
    ("n_users", int, _p(5_000, "number of users (the potential market)", unit="users", low=100, high=10_000_000, claim="C1")),
    ("n_companies", int, _p(50, "companies at the start", unit="companies", low=1, high=10_000, claim="C1")),
    ("attention_budget", float, _p(1.0, "mean attention a user gives per step, to companies and everything else", unit="attention/step", low=0.0, high=1_000.0, claim="C1")),
    ("attention_heterogeneity", float, _p(0.5, "spread of attention budgets (sigma of a mean-preserving lognormal)", low=0.0, high=3.0, claim="C1")),
    ("outside_option", float, _p(2.0, "weight of everything else in the feed (friends, news, creators) against the sum of a user's bonds: companies get budget * sum(bond) / (outside_option + sum(bond))", low=0.0, high=1_000.0, claim="C1")),
    ("attention_need", float, _p(0.02, "attention per step at which a relationship keeps half its bond: less attention and it fades (0: attention never limits)", unit="attention/step", low=0.0, high=1_000.0, claim="C1")),
    ("engagement_slots", int, _p(3, "upper bound on the companies one user engages with at once", unit="companies", low=1, high=20, claim="C1")),
    ("consideration_set", int, _p(3, "companies the feed shows a user per step (drawn by visibility, with replacement)", unit="companies/step", low=1, high=20, claim="C1")),
    # --- digital genes: popularity feedback (C2) ------------------------------------------
    ("social_influence", float, _p(1.0, "exponent gamma of the popularity weight ((N + pseudo-count)/(N_max + pseudo-count))^gamma: 0 none, 1 linear, >1 super-linear", low=0.0, high=5.0, claim="C2")),
    ("social_baseline", float, _p(1.0, "pseudo-count: engaged users a company counts as having before it has any (1 = the classic Polya urn start)", unit="users", low=1e-3, high=1e6, claim="C2")),
    ("network", str, _p("small_world", "user network carrying word of mouth: small_world (Watts-Strogatz), scale_free (Barabasi-Albert) or none (well mixed)", choices=NETWORKS, claim="C6")),
    ("mean_degree", int, _p(10, "mean number of social ties per user", unit="ties", low=2, high=200, claim="C6")),
    ("rewiring", float, _p(0.1, "share of rewired ties in the small-world network", low=0.0, high=1.0, claim="C6")),
    # --- formats, fit and relationships (C4, C7) ------------------------------------------
    ("format_mix", Any, _p("article", "format of companies: a format name, 'article' (the article's mix), 'uniform', or shares per format", claim="C4")),
    ("interest_width", float, _p(0.2, "how broad users' interests are (width of the topic-fit curve on the topic circle)", low=1e-3, high=100.0, claim="C4")),
    ("bond_reinforcement", float, _p(0.3, "rate at which a relationship deepens per step with a perfect fit (times the format's depth)", unit="1/step", low=0.0, high=1.0, claim="C4")),
    ("initial_bond", float, _p(0.5, "bond of a new relationship, as a share of the company's pull on the user", low=0.0, high=1.0, claim="C4")),
    ("reach_decay", float, _p(0.1, "per-step decay of reach and relationships for advertising (others scaled by the format table)", unit="1/step", low=0.0, high=1.0, claim="C7")),
    ("reach_investment", float, _p(0.2, "per-step rate at which maintenance rebuilds a company's reach", unit="1/step", low=0.0, high=1.0, claim="C7")),
    ("min_bond", float, _p(0.02, "relationship strength below which a user drops the company", low=0.0, high=0.5, claim="C7")),
    # --- information gathering and participation (C5, C6) ---------------------------------
    ("profiling", float, _p(0.3, "strength of profiling: how much knowledge improves fit and timing (0 off)", low=0.0, high=1.0, claim="C5")),
    ("knowledge_half", float, _p(1.0, "information at which a company knows half of what can be known", unit="penetration-steps", low=1e-6, high=1e6, claim="C5")),
    ("participation", float, _p(0.3, "strength of word of mouth by activated users (0 off)", low=0.0, high=1.0, claim="C6")),
    # --- economics, exit and entry (C3, C9) -----------------------------------------------
    ("value_per_attention", float, _p(1.0, "revenue per unit of engagement, per user of the market", unit="money/attention", low=0.0, high=1e6, claim="C3")),
    ("operating_cost", float, _p(0.004, "running cost per step of an advertising company (others scaled by the format table)", unit="money/step", low=0.0, high=1e6, claim="C3")),
    ("initial_runway", float, _p(25.0, "mean starting resources, in steps of the company's own running cost", unit="steps", low=0.0, high=1e6, claim="C3")),
    ("runway_spread", float, _p(0.5, "spread of starting resources: uniform on runway * (1 +- spread)", low=0.0, high=1.0, claim="C3")),
    ("exit_enabled", bool, _p(True, "companies that run out of resources leave the market (displacement)", claim="C3")),
    ("entry_rate", float, _p(0.2, "expected newcomers per step (Poisson)", unit="companies/step", low=0.0, high=1_000.0, claim="C9")),
    ("initial_user_share", float, _p(0.2, "share of users on the platform at step 0", low=1e-3, high=1.0, claim="C9")),
    ("user_growth", float, _p(0.15, "logistic growth rate of the user base", unit="1/step", low=0.0, high=10.0, claim="C9")),
    ("maturity_age", int, _p(25, "age at which a company has had its chance: winners and losers are counted among companies in the market this many steps ago", unit="steps", low=1, high=100_000, claim="C3")),
    # --- strategy (C8) --------------------------------------------------------------------
    ("strategy_focus", float, _p(1.0, "share of a company's effort on its main format (1 focused, 0 scattered)", low=0.0, high=1.0, claim="C8")),
    ("focus_spread", float, _p(0.0, "spread of focus across companies (uniform, width)", low=0.0, high=1.0, claim="C8")),
    ("scatter_penalty", float, _p(0.5, "effectiveness lost by effort that is not on the main format", low=0.0, high=1.0, claim="C8")),
    ("adaptation", float, _p(0.0, "probability that a loss-making company imitates a successful rival's format at a review (0 off)", low=0.0, high=1.0, claim="C8")),
    ("adaptation_interval", int, _p(10, "steps between strategy reviews", unit="steps", low=1, high=10_000, claim="C8")),
    ("switching_cost", float, _p(5.0, "cost of switching format, in steps of running cost", unit="steps", low=0.0, high=1e6, claim="C8")),
    ("market_seed", int, _p(-1, "seed of the initial companies' attributes; the same value gives the same companies in every world (C10); -1 draws them from the run's seed", low=-1, high=2**63 - 1, claim="C10")),
]
# --- the format table (C4-C7): one parameter per attribute and format ---------------------
_FIELDS += [
    (format_param(attribute, fmt.name), float,
     _p(getattr(fmt, attribute), f"{fmt.label}: {spec['meaning']}", low=spec["low"], high=spec["high"], claim="C4"))
    for attribute, spec in FORMAT_ATTRIBUTES.items() for fmt in FORMATS
]
# --- implementation --------------------------------------------------------------------------
_FIELDS.append(("engine", str, _p("array", "user engine: array (vectorised) or agents (one Mesa agent per user, reference)", choices=ENGINES)))


class _ParamsMethods:
    """All model parameters (``Params``). Construct with keyword overrides; invalid values raise ValueError.

    The fields are declared once, in ``_FIELDS`` (and the format table in ``model.formats``).
    """

    def __post_init__(self) -> None:
        for f in dataclasses.fields(self):  # type: ignore[arg-type]
            object.__setattr__(self, f.name, _check(f, getattr(self, f.name)))

    # ---------------------------------------------------------------- construction
    @classmethod
    def create(cls, overrides: Mapping[str, Any] | None = None, /, **more: Any) -> Params:
        """Like ``Params(**overrides)`` (``Params(foo=1)`` suggests the closest known name too)."""
        if overrides is not None and not isinstance(overrides, Mapping):
            raise ParameterError(f"overrides = {short_repr(overrides)} must be a mapping of parameter name to value")
        values = {**(overrides or {}), **more}
        check_names(values)
        return cls(**values)

    @classmethod
    def from_toml(cls, path: str | Path) -> Params:
        """Read parameters from TOML: top-level keys, or the keys of a ``[params]`` table.

        Every problem (missing or unreadable file, not UTF-8, malformed TOML, unknown name, bad value, a
        sweep specification) raises one ValueError whose message names the file.
        """
        where = show_path(path)
        data = read_toml(path, what="parameter file")
        if "sweep" in data:
            raise ValueError(f"{where} is a sweep specification (it has a [sweep] table), not a parameter file; "
                             f"run it with 'engagement sweep {shlex.quote(os.fsdecode(path))}'")
        if "params" in data:
            if not isinstance(data["params"], dict):
                raise ValueError(f"{where}: 'params' must be a table [params] of parameter = value")
            others = [key for key in data if key != "params"]
            if others:
                raise ValueError(f"{where}: {others[0]!r} is outside the [params] table; put every parameter "
                                 f"inside [params] (or use no table at all)")
            data = data["params"]
        try:
            return cls.create(data)
        except ValueError as error:
            raise type(error)(f"{where}: {error}") from None

    def to_dict(self) -> dict[str, Any]:
        """Plain values (a copy), ready for ``EngagementModel(**params.to_dict())``."""
        return {f.name: _plain(getattr(self, f.name)) for f in dataclasses.fields(self)}  # type: ignore[arg-type]

    def replace(self, **changes: Any) -> Params:
        """A copy with some values changed (validated)."""
        check_names(changes)
        return dataclasses.replace(self, **changes)  # type: ignore[type-var]

    @classmethod
    def describe(cls) -> list[dict[str, Any]]:
        """One row per parameter: name, default, unit, range, claim and meaning."""
        rows = []
        for f in dataclasses.fields(cls):  # type: ignore[arg-type]
            meta = f.metadata
            if meta["choices"]:
                valid = " | ".join(meta["choices"])
            elif f.name == "format_mix":
                valid = "format name | article | uniform | {format: share}"
            elif f.type in ("bool", bool):
                valid = "true | false"
            else:
                valid = f"[{_fmt(meta['low'])}, {_fmt(meta['high'])}]"
            rows.append({"name": f.name, "default": _plain(f.default), "unit": meta["unit"], "range": valid,
                         "claim": meta["claim"], "meaning": meta["meaning"]})
        return rows


Params = dataclasses.make_dataclass("Params", _FIELDS, bases=(_ParamsMethods,), frozen=True,
                                    module=__name__)
Params.__doc__ = _ParamsMethods.__doc__


PARAM_NAMES: tuple[str, ...] = tuple(f.name for f in dataclasses.fields(Params))
_KNOWN = frozenset(PARAM_NAMES)


class ParameterError(ValueError, TypeError):
    """An unknown parameter name, or an argument of the wrong kind (``params``, ``seed``, ``rng``).

    Both a ValueError (the command line reports it as one line, exit status 2) and a TypeError (what
    Python raises for an unexpected keyword argument), so either ``except`` catches it.
    """


def did_you_mean(name: Any, choices: Sequence[str]) -> str | None:
    """The closest of ``choices`` to a mistyped ``name`` (difflib), or None: the one did-you-mean rule of
    the command line, ``Params``, ``simulate`` and sweep specifications."""
    close = difflib.get_close_matches(str(name), list(choices), n=1)
    return close[0] if close else None


def unknown_parameter(name: Any, known: Sequence[str] = PARAM_NAMES, *, what: str = "parameter") -> ParameterError:
    """The error for an unknown name: ``unknown parameter 'x'; did you mean 'y'?``."""
    close = did_you_mean(name, known)
    hint = f"; did you mean {close!r}?" if close else "; see 'engagement params'"
    return ParameterError(f"unknown {what} {short_repr(name)}{hint}")


def check_names(values: Mapping[str, Any]) -> None:
    """Raise ParameterError (a ValueError) for an unknown parameter name, suggesting the closest known one."""
    for name in values:
        if name not in _KNOWN:
            raise unknown_parameter(name)


_generated_init = Params.__init__


@functools.wraps(_generated_init)
def _init(self: Any, *args: Any, **kwargs: Any) -> None:
    check_names(kwargs)  # Params(foo=1): the did-you-mean error instead of a bare TypeError
    _generated_init(self, *args, **kwargs)


_init.__signature__ = inspect.signature(_generated_init)  # type: ignore[attr-defined]
Params.__init__ = _init


_FIELD_BY_NAME = {f.name: f for f in dataclasses.fields(Params)}


def check_value(name: str, value: Any) -> Any:
    """One parameter's validated, normalised value (what ``Params(name=value)`` would hold), or ValueError."""
    if name not in _FIELD_BY_NAME:
        raise unknown_parameter(name)
    return _check(_FIELD_BY_NAME[name], value)


def as_params(params: Any = None, overrides: Mapping[str, Any] | None = None) -> Params:
    """``params`` (a ``Params``, a mapping of parameter values, or None for the defaults) with ``overrides``
    applied and checked. Anything else raises ParameterError naming ``params``."""
    overrides = overrides or {}
    if params is None:
        return Params.create(overrides)
    if isinstance(params, Params):
        return params.replace(**overrides) if overrides else params
    if isinstance(params, Mapping):
        return Params.create({**params, **overrides})
    raise ParameterError(f"params = {short_repr(params)} must be a Params, a dict of parameter values or None")


#: What ``seed`` / ``rng`` accept (Mesa 3.5 hands ``rng`` to ``numpy.random.default_rng``).
SEED_KINDS = "a whole number >= 0, None, a numpy.random.SeedSequence, BitGenerator or Generator"


def check_seed(value: Any, name: str = "seed") -> Any:
    """A valid seed (NumPy integers as plain int), or ParameterError / ValueError naming ``name``.

    Accepted: an int >= 0 (also NumPy's), None (fresh entropy), ``numpy.random.SeedSequence``,
    ``BitGenerator`` or ``Generator``. Refused: bool, float, str, negative numbers and anything else.
    """
    if value is None or isinstance(value, np.random.SeedSequence | np.random.BitGenerator | np.random.Generator):
        return value
    if isinstance(value, bool | np.bool_) or not isinstance(value, int | np.integer):
        raise ParameterError(f"{name} = {short_repr(value)} must be {SEED_KINDS}")
    if value < 0:
        raise ValueError(f"{name} = {int(value)} must be a whole number >= 0")
    return int(value)


# ====================================================================== reading files
#: A parameter file or sweep specification is a few lines; a bigger file is not one (and is not read whole).
MAX_TOML_BYTES = 10_000_000


def show_path(path: Any) -> str:
    """A path as one printable line: as is when plain, quoted with escapes when it has odd characters."""
    text = os.fsdecode(path) if isinstance(path, str | bytes | os.PathLike) else str(path)
    return text if text.isprintable() and text.strip() == text and text else repr(text)


def read_toml(path: str | Path, *, what: str = "file") -> dict[str, Any]:
    """The TOML table in ``path``; one-line ValueError naming the file when it cannot be read or parsed."""
    where = show_path(path)
    if not isinstance(path, str | os.PathLike) or not os.fspath(path):
        raise ValueError(f"{what} {where}: give the path of a TOML file")
    try:
        with Path(path).open("rb") as handle:
            raw = handle.read(MAX_TOML_BYTES + 1)
    except OSError as error:
        raise ValueError(f"cannot read {what} {where}: {error.strerror or type(error).__name__}") from None
    except ValueError as error:  # an embedded NUL byte in the path
        raise ValueError(f"cannot read {what} {where}: {error}") from None
    if len(raw) > MAX_TOML_BYTES:
        raise ValueError(f"{what} {where} is larger than {MAX_TOML_BYTES // 1_000_000} MB: not a TOML {what}")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        encoding = " (it looks like UTF-16: save it as UTF-8)" if raw[:2] in (b"\xff\xfe", b"\xfe\xff") else ""
        raise ValueError(f"{what} {where} is not UTF-8 text: byte {error.start} is invalid{encoding}") from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        message = " ".join(str(error).split())
        raise ValueError(f"malformed TOML in {what} {where}: {message}") from None


# ====================================================================== checks of values
def _fmt(value: float | None) -> str:
    if value is None:
        return "-"
    return f"{value:g}"


def short_repr(value: Any, limit: int = 60) -> str:
    """``repr(value)`` on one line, cut to ``limit`` characters (a hostile value may be huge)."""
    try:
        text = repr(value)
    except Exception:  # noqa: BLE001 - a broken __repr__ must not hide the real error
        text = f"<{type(value).__name__}>"
    text = " ".join(text.split()) if not text.isprintable() else text
    if not text.isprintable():
        text = text.encode("ascii", "backslashreplace").decode("ascii")
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _plain(value: Any) -> Any:
    return dict(value) if isinstance(value, Mapping) else value


def _number(name: str, value: Any, is_int: bool) -> int | float:
    """``value`` as a plain int or float (NumPy scalars and numeric strings converted), or ValueError."""
    if isinstance(value, np.generic):  # NumPy scalars: plain Python values that pickle and JSON cleanly
        value = value.item()
    if isinstance(value, str):
        text = value.strip()
        try:
            value = int(text) if is_int else float(text)
        except ValueError:
            try:
                value = float(text)  # "1e3" for a whole number
            except ValueError:
                raise ValueError(f"parameter '{name}' = {short_repr(value)} is not a number") from None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ParameterError(f"parameter '{name}' = {short_repr(value)} is not a number")
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError(f"parameter '{name}' = {value!r} must be finite")
    if is_int:
        if isinstance(value, float):
            if not value.is_integer():
                raise ValueError(f"parameter '{name}' = {value!r} must be a whole number")
            value = int(value)
        return value
    try:
        return float(value)
    except OverflowError:
        raise ValueError(f"parameter '{name}' = {short_repr(value)} is too large") from None


def _check(f: dataclasses.Field, value: Any) -> Any:
    """Validate and normalise one value; raise ValueError naming parameter, value and range."""
    name, meta = f.name, f.metadata
    if name == "format_mix":
        return _check_format_mix(value)
    if isinstance(value, np.generic):
        value = value.item()
    if meta["choices"]:
        if not isinstance(value, str) or value not in meta["choices"]:
            close = did_you_mean(value, meta["choices"]) if isinstance(value, str) else None
            hint = f"; did you mean {close!r}?" if close else ""
            raise ValueError(f"parameter '{name}' = {short_repr(value)} is not one of {', '.join(meta['choices'])}{hint}")
        return str(value)
    if f.type in ("bool", bool):
        if isinstance(value, str) and value.strip().lower() in _BOOL_WORDS:
            return _BOOL_WORDS[value.strip().lower()]
        if not isinstance(value, bool | int) or value not in (0, 1):
            raise ValueError(f"parameter '{name}' = {short_repr(value)} must be true or false")
        return bool(value)
    value = _number(name, value, f.type in ("int", int))
    low, high = meta["low"], meta["high"]
    if (low is not None and value < low) or (high is not None and value > high):
        raise ValueError(f"parameter '{name}' = {short_repr(value)} is outside the allowed range "
                         f"[{_fmt(low)}, {_fmt(high)}]")
    return value


_BOOL_WORDS = {"true": True, "false": False, "1": True, "0": False, "yes": True, "no": False, "on": True,
               "off": False}


def _check_format_mix(value: Any) -> Any:
    """A format name, 'article', 'uniform', or a mapping of format name to non-negative share."""
    names = (*FORMAT_NAMES, "article", "uniform")
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, str):
        if value in names:
            return str(value)
        close = did_you_mean(value, names)
        hint = f"; did you mean {close!r}?" if close else ""
        raise ValueError(f"parameter 'format_mix' = {short_repr(value)} is not a format name, 'article' or 'uniform'"
                         f"{hint}")
    if isinstance(value, Mapping):
        shares = {}
        for key, share in value.items():
            if isinstance(key, np.str_):
                key = str(key)
            if not isinstance(key, str) or key not in FORMAT_NAMES:
                close = did_you_mean(key, FORMAT_NAMES) if isinstance(key, str) else None
                hint = f" (did you mean {close!r}?)" if close else ""
                raise ValueError(f"parameter 'format_mix' has unknown format {short_repr(key)}{hint}; formats are "
                                 f"{', '.join(FORMAT_NAMES)}")
            if isinstance(share, np.generic):
                share = share.item()
            if isinstance(share, str):
                try:
                    share = float(share)
                except ValueError:
                    raise ValueError(f"parameter 'format_mix' share for {key!r} = {short_repr(share)} is not a "
                                     f"number") from None
            if isinstance(share, bool) or not isinstance(share, int | float):
                raise ParameterError(f"parameter 'format_mix' share for {key!r} = {short_repr(share)} is not a number")
            try:
                share = float(share)
            except OverflowError:
                share = math.inf
            if not math.isfinite(share) or share < 0:
                raise ValueError(f"parameter 'format_mix' share for {key!r} = {short_repr(share)} must be a finite "
                                 f"number >= 0")
            shares[key] = share
        if not any(shares.values()):
            raise ValueError("parameter 'format_mix' shares must not all be zero (give at least one format a "
                             "share > 0)")
        return _FrozenMix(shares)
    raise ValueError(f"parameter 'format_mix' = {short_repr(value)} must be a format name or a mapping of shares")


class _FrozenMix(dict):
    """A read-only, hashable mapping so that Params stays frozen and hashable.

    It pickles (any protocol, also cloudpickle), copies and deep-copies as itself: every path rebuilds it
    from a plain dict (``__reduce__``), never through the blocked ``__setitem__``.
    """

    def __hash__(self) -> int:  # type: ignore[override]
        return hash(tuple(sorted(self.items())))

    def _readonly(self, *args: Any, **kwargs: Any) -> None:
        raise TypeError("format_mix is read-only; use Params.replace(format_mix=...)")

    def __reduce__(self) -> tuple[Any, ...]:
        return (_FrozenMix, (dict(self),))

    def __reduce_ex__(self, protocol: Any) -> tuple[Any, ...]:
        return self.__reduce__()

    def __copy__(self) -> _FrozenMix:
        return self

    def __deepcopy__(self, memo: dict[int, Any]) -> _FrozenMix:
        return self

    def __ior__(self, other: Any) -> Self:
        self._readonly()
        return self

    __setitem__ = __delitem__ = update = pop = popitem = clear = setdefault = _readonly  # type: ignore[assignment]


def format_shares(mix: Any) -> dict[str, float]:
    """Normalised share per format for a validated ``format_mix`` value (safe for huge shares: 1e308)."""
    if isinstance(mix, str):
        if mix == "article":
            shares = dict(ARTICLE_MIX)
        elif mix == "uniform":
            shares = dict.fromkeys(FORMAT_NAMES, 1.0)
        else:
            shares = {mix: 1.0}
    else:
        shares = dict(mix)
    total = sum(shares.values())
    if not math.isfinite(total):  # huge shares overflow the sum: scale by the largest first
        largest = max(shares.values())
        shares = {name: share / largest for name, share in shares.items()}
        total = sum(shares.values())
    return {name: shares.get(name, 0.0) / total for name in FORMAT_NAMES}
