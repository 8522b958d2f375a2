"""The dashboard's controls, generated from the ``Params`` declarations (``model/params.py``).

Defaults, types and valid ranges are declared once, in ``Params``; a control here adds only what a
slider needs besides: its label (English, translated through ``model.i18n``), its step and, where
the model's range is far wider than a classroom needs, a narrower slider range (never wider: a
test checks it) that keeps one step fast (``benchmarks/bench_dashboard.py``).

Inputs are cleaned, not rejected (:func:`sanitise`, :func:`parse_seed`): a value outside the
slider's range is clamped, something that is not a number falls back to the default, a seed that
is not a whole number is replaced; each correction becomes a note for the text panel.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..formats import FORMAT_NAMES, FORMATS
from ..i18n import gettext
from ..params import Params

#: Seed used when the seed field holds something that is not a whole number >= 0.
DEFAULT_SEED = 42
#: Largest seed the field accepts (NumPy takes any non-negative integer; this keeps it readable).
MAX_SEED = 2**63 - 1
#: Largest market the sliders allow: one step stays far below 0.2 s there (benchmarks/bench_dashboard.py).
MAX_USERS = 50_000
MAX_COMPANIES = 500

_FIELDS = {f.name: f for f in dataclasses.fields(Params)}


@dataclass(frozen=True)
class Control:
    """One control: a parameter of ``Params`` shown as a slider, a checkbox or a choice."""

    name: str
    label: str  # English; the catalogue has the German
    step: float = 1
    high: float | None = None  # slider maximum where narrower than the parameter's range
    low: float | None = None  # slider minimum where narrower than the parameter's range

    @property
    def default(self) -> Any:
        return _FIELDS[self.name].default

    @property
    def kind(self) -> str:
        """Mesa's input type: SliderInt, SliderFloat, Checkbox or Select."""
        if self.name == "format_mix":
            return "Select"
        kind = _FIELDS[self.name].type
        if kind in (bool, "bool"):
            return "Checkbox"
        return "SliderInt" if kind in (int, "int") else "SliderFloat"

    @property
    def bounds(self) -> tuple[float, float]:
        meta = _FIELDS[self.name].metadata
        low = meta["low"] if self.low is None else max(self.low, meta["low"])
        high = meta["high"] if self.high is None else min(self.high, meta["high"])
        return low, high


#: Every control a lesson may show, in the order of the sidebar (labels say what, not which claim).
CONTROLS: dict[str, Control] = {c.name: c for c in (
    Control("n_companies", "Companies", step=1, high=MAX_COMPANIES),
    Control("n_users", "Users", step=500, low=500, high=MAX_USERS),
    Control("attention_budget", "Attention per user", step=0.1, high=5.0),
    Control("social_influence", "Digital genes (feedback)", step=0.1, high=3.0),
    Control("format_mix", "Format mix"),
    Control("profiling", "Information gathering", step=0.05),
    Control("participation", "Participation", step=0.05),
    Control("strategy_focus", "Focus on one format", step=0.05),
    Control("adaptation", "Imitate successful rivals", step=0.05),
    Control("initial_runway", "Starting money (steps of cost)", step=5, high=100.0),
    Control("entry_rate", "Newcomers per step", step=0.1, high=3.0),
    Control("exit_enabled", "Exit when out of money"),
)}
SEED_LABEL = "Seed (a whole number)"

#: The format mix's choices and what the dropdown shows for each (English; translated on the page).
FORMAT_MIX_CHOICES: dict[str, str] = {
    "article": "the article's mix",
    "uniform": "every format equally often",
    **{fmt.name: f"all {fmt.label}" for fmt in FORMATS},
}
assert set(FORMAT_MIX_CHOICES) == {"article", "uniform", *FORMAT_NAMES}


def defaults(names: Any = CONTROLS) -> dict[str, Any]:
    """The model's defaults of the controls ``names`` (from ``Params``), and the default seed."""
    return {**{name: CONTROLS[name].default for name in names}, "seed": str(DEFAULT_SEED)}


def mesa_params(names: Any, values: dict[str, Any], lang: str = "en") -> dict[str, dict[str, Any]]:
    """The controls ``names`` (and the seed) in Mesa's ``model_params`` form, showing ``values``, in ``lang``."""
    spec: dict[str, dict[str, Any]] = {}
    for name in names:
        control = CONTROLS[name]
        value = values.get(name, control.default)
        label = gettext(control.label, lang)
        if control.kind == "Select":
            choices = {choice: gettext(text, lang) for choice, text in FORMAT_MIX_CHOICES.items()}
            shown = choices.get(value, choices["article"]) if isinstance(value, str) else choices["article"]
            spec[name] = {"type": "Select", "value": shown, "values": list(choices.values()), "label": label}
        elif control.kind == "Checkbox":
            spec[name] = {"type": "Checkbox", "value": bool(value), "label": label}
        else:  # the value is part of the label: readable from the back of the room, no floating thumb label
            low, high = control.bounds
            spec[name] = {"type": control.kind, "value": value, "min": low, "max": high, "step": control.step,
                          "label": f"{label}: {_number(value)}"}
    spec["seed"] = {"type": "InputText", "value": str(values.get("seed", DEFAULT_SEED)),
                    "label": gettext(SEED_LABEL, lang)}
    return spec


def _number(value: Any) -> str:
    try:
        return f"{float(value):,.10g}" if float(value) >= 10_000 else f"{float(value):.10g}"
    except (TypeError, ValueError):
        return str(value)


def from_input(name: str, raw: Any, lang: str = "en") -> Any:
    """A control's value as the model takes it: a dropdown label back to its choice, the rest unchanged."""
    if name == "format_mix":
        for choice, text in FORMAT_MIX_CHOICES.items():
            if raw in (text, gettext(text, lang), choice):
                return choice
    return raw


# ====================================================================== cleaning the inputs
Note = tuple[str, dict[str, Any]]  # an English template (a catalogue key) and its values


def parse_seed(raw: Any) -> tuple[int, Note | None]:
    """The seed typed into the field as an int, or ``DEFAULT_SEED`` and a note saying why (C10)."""
    if isinstance(raw, bool):
        return DEFAULT_SEED, ("seed {value} is not a whole number; used {used} instead",
                              {"value": repr(raw), "used": DEFAULT_SEED})
    if isinstance(raw, int | np.integer):
        value = int(raw)
    else:
        text = str(raw).strip().replace("_", "")
        try:
            value = int(text)
        except ValueError:
            shown = text if len(text) <= 20 else text[:20] + "..."
            return DEFAULT_SEED, ("seed {value} is not a whole number; used {used} instead",
                                  {"value": f"'{shown}'", "used": DEFAULT_SEED})
    if not 0 <= value <= MAX_SEED:
        return DEFAULT_SEED, ("seed {value} is outside 0 to 2^63-1; used {used} instead",
                              {"value": value, "used": DEFAULT_SEED})
    return value, None


def sanitise(values: dict[str, Any]) -> tuple[dict[str, Any], list[Note]]:
    """Bring control values within the controls' bounds; return model parameters and notes.

    Only controls present in ``values`` are read (a lesson shows some of them); other keys that
    name a parameter (a lesson's fixed settings) are passed on as they are.
    """
    settings: dict[str, Any] = {}
    notes: list[Note] = []
    for name, value in values.items():
        if name == "seed":
            continue
        control = CONTROLS.get(name)
        if control is None:
            settings[name] = value
        elif control.kind == "Checkbox":
            settings[name] = bool(value)
        elif control.kind == "Select":
            choice = from_input(name, value)
            if choice not in FORMAT_MIX_CHOICES:
                notes.append(("{label}: {value} is not a choice; used {used}",
                              {"label": control.label, "value": repr(value), "used": repr(control.default)}))
                choice = control.default
            settings[name] = choice
        else:
            settings[name] = _bounded_number(control, value, notes)
    return settings, notes


def _bounded_number(control: Control, value: Any, notes: list[Note]) -> float | int:
    try:
        number = float(value)
    except (TypeError, ValueError):
        number = math.nan
    if isinstance(value, bool) or not math.isfinite(number):
        notes.append(("{label}: {value} is not a number; used {used}",
                      {"label": control.label, "value": repr(value), "used": control.default}))
        return control.default
    low, high = control.bounds
    clamped = min(max(number, low), high)
    if clamped != number:
        notes.append(("{label}: {value} is outside {low} to {high}; used {used}",
                      {"label": control.label, "value": value, "low": f"{low:g}", "high": f"{high:g}",
                       "used": f"{clamped:g}"}))
    return round(clamped) if control.kind == "SliderInt" else clamped
