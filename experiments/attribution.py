"""attribution (C2-C9): which of the model's mechanisms carry the few-winners outcome?

A referee's test of an agent-based model: switch each mechanism off on its own, and keep each on
its own with all the others off, and see which outcome goes with which mechanism. Starting from
the default market (``Params()``), the seven mechanisms and what "off" means:

=====================  =====  ==========================================================================
mechanism              claim  switched off by
=====================  =====  ==========================================================================
social feedback        C2     ``social_influence = 0`` (no popularity weight in feed, switching, attention)
format differences     C4/C7  every format gets the mix-weighted mean of the format table
                              (``model.formats.uniform_format_table(format_shares(format_mix))``)
profiling              C5     ``profiling = 0``
participation          C6     ``participation = 0`` (no word of mouth)
exit                   C3     ``exit_enabled = False`` (no company leaves, however poor)
entry                  C9     ``entry_rate = 0`` (no newcomers)
adaptation             C8     ``adaptation = 0`` -- its default: the default market has no adaptation, so
                              "on" means ``adaptation = 0.3`` (a loss-making company imitates a
                              successful rival's format at a review with probability 0.3)
=====================  =====  ==========================================================================

Conditions (16): *all on* (the default market), *all off* (all seven off), and for each mechanism
*without it* (the default market with that one off; for adaptation, which is off in the default
market, *with adaptation* = default + adaptation 0.3) and *only it* (all off but that one).

Outcomes, at the end of each run: the survivors' Gini (``gini_survivors``), the top-1 share
(``top1_share``) -- each with the mean and its 95% Student-t interval over replicates -- and cohort
losers per winner. A run without winners has no ratio (NaN), and dropping those runs would keep
only the runs that went well, so the ratio of a condition is the ratio of the means,
mean(losers) / mean(winners) over all its runs (the losers per winner of the pooled cohorts),
with a 95% percentile bootstrap interval over runs (2,000 resamples); the runs without any winner
are counted and shown.

Effects: a mechanism's effect *in the market* is all on minus without it (with adaptation minus
all on, for adaptation); its effect *alone* is only it minus all off. Intervals: Welch's t for
differences of means, the bootstrap for the ratio. A mechanism *carries* the few-winners outcome
when its effect in the market raises at least two of the three outcomes (interval above zero).
"""

from __future__ import annotations

import math
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .common import (
    DEFAULT_SEED,
    Design,
    Job,
    derived_seed,
    execute,
    finite,
    mean_ci,
    module_main,
    plot_from_tables,
)

NAME = "attribution"
CLAIMS = ("C2", "C3", "C4", "C5", "C6", "C7", "C8", "C9")
TITLE = "Attribution: survivors' Gini, top-1 share and losers per winner with each mechanism off, or on alone"
TABLES = {
    "runs": "one row per run: condition (all_on, all_off, without_X, with_adaptation, only_X), mechanism, kind "
            "(reference, off_alone, on_alone, added), replicate, seed and the final outcome measures "
            "(RunResult.summary)",
}
#: The outcomes of the attribution, in table order: (column, label, short label).
OUTCOMES = (
    ("gini_survivors", "survivors' Gini", "Gini (survivors)"),
    ("top1_share", "top-1 share", "top-1 share"),
    ("loser_winner_ratio", "cohort losers per winner", "losers per winner"),
)
#: Value of ``adaptation`` when it is "on" (its default, 0, is off).
ADAPTATION_ON = 0.3
BOOTSTRAP_RESAMPLES = 2000
BOOTSTRAP_PURPOSE = 1  # derived_seed purpose of the bootstrap


@dataclass(frozen=True)
class Mechanism:
    """One mechanism: how to switch it off, and whether the default market has it on."""

    key: str
    claim: str
    label: str
    off: dict[str, Any]
    on_in_default: bool = True
    on: dict[str, Any] | None = None  # only for mechanisms that are off in the default market


def mechanisms() -> list[Mechanism]:
    """The seven mechanisms, in table order, with their "off" overrides of the default market."""
    from model.formats import uniform_format_table
    from model.params import Params, format_shares

    base = Params()
    return [
        Mechanism("feedback", "C2", "social feedback", {"social_influence": 0.0}),
        Mechanism("formats", "C4", "format differences", uniform_format_table(format_shares(base.format_mix))),
        Mechanism("profiling", "C5", "profiling", {"profiling": 0.0}),
        Mechanism("participation", "C6", "participation", {"participation": 0.0}),
        Mechanism("exit", "C3", "exit", {"exit_enabled": False}),
        Mechanism("entry", "C9", "entry", {"entry_rate": 0.0}),
        Mechanism("adaptation", "C8", "adaptation", {"adaptation": 0.0}, on_in_default=False,
                  on={"adaptation": ADAPTATION_ON}),
    ]


def conditions() -> list[dict[str, Any]]:
    """Every condition: name, mechanism, kind, label and its overrides of the default market."""
    mechs = mechanisms()
    all_off: dict[str, Any] = {}
    for m in mechs:
        all_off.update(m.off)
    rows = [{"condition": "all_on", "mechanism": "", "kind": "reference", "label": "all on (default market)",
             "overrides": {}},
            {"condition": "all_off", "mechanism": "", "kind": "reference", "label": "all off",
             "overrides": dict(all_off)}]
    for m in mechs:
        name = f"{m.label} ({m.claim})"
        if m.on_in_default:
            rows.append({"condition": f"without_{m.key}", "mechanism": m.key, "kind": "off_alone",
                         "label": f"without {name}", "overrides": dict(m.off)})
            only = {k: v for k, v in all_off.items() if k not in m.off}
        else:
            rows.append({"condition": f"with_{m.key}", "mechanism": m.key, "kind": "added",
                         "label": f"with {name}", "overrides": dict(m.on or {})})
            only = {**all_off, **(m.on or {})}
        rows.append({"condition": f"only_{m.key}", "mechanism": m.key, "kind": "on_alone",
                     "label": f"only {name}", "overrides": only})
    return rows


def settings(quick: bool) -> dict[str, Any]:
    """Design constants: the default market; the quick mode uses a smaller market and fewer replicates."""
    if quick:
        return {"replicates": 6, "steps": 100, "params": {"n_users": 1500}}
    return {"replicates": 30, "steps": 100, "params": {}}


def design(quick: bool, seed: int = DEFAULT_SEED) -> Design:
    s = settings(quick)
    jobs = []
    for c in conditions():
        for replicate in range(s["replicates"]):
            jobs.append(Job({"condition": c["condition"], "mechanism": c["mechanism"], "kind": c["kind"],
                             "replicate": replicate}, {**s["params"], **c["overrides"]}, s["steps"]))
    described = {m.key: {"claim": m.claim, "label": m.label,
                         "off": "every format gets the mix-weighted mean format table (uniform_format_table)"
                         if m.key == "formats" else m.off,
                         **({"on": m.on, "note": f"off in the default market (adaptation = 0); 'on' means "
                                                 f"adaptation = {ADAPTATION_ON}"} if not m.on_in_default else {})}
                 for m in mechanisms()}
    return Design(jobs, {**s, "base": "model defaults (Params())", "mechanisms": described,
                         "conditions": [c["condition"] for c in conditions()],
                         "interval": "gini_survivors, top1_share: 95% Student-t interval of the mean over replicates; "
                                     "losers per winner: ratio of mean losers to mean winners over all runs of a "
                                     f"condition, 95% percentile bootstrap over runs ({BOOTSTRAP_RESAMPLES} resamples)",
                         "effects": "in the market: all_on - without_X (with_adaptation - all_on); alone: only_X - "
                                    "all_off; Welch t intervals (bootstrap for the ratio)"})


def run_job(job: Job, seed: int) -> dict[str, Any]:
    from model import simulate

    result = simulate(steps=job.steps, seed=seed, **job.params)
    runs = dict(result.summary)
    runs.pop("seed", None)
    return {"runs": runs}


# ====================================================================== statistics
def pooled_ratio(losers: np.ndarray, winners: np.ndarray) -> float:
    """mean(losers) / mean(winners); infinite when no run has a winner (NaN without runs).

    The same point estimate as ``experiments.common.ratio_of_means``; the interval here is a percentile
    bootstrap over runs rather than the delta method, because in some conditions most runs have no
    winner and the ratio's sampling distribution is far from symmetric (it can be unbounded above).
    """
    if losers.size == 0:
        return math.nan
    total = float(np.sum(winners))
    return float(np.sum(losers)) / total if total > 0 else math.inf


def _bootstrap_ratios(losers: np.ndarray, winners: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    n = losers.size
    index = rng.integers(0, n, size=(BOOTSTRAP_RESAMPLES, n))
    lost, won = losers[index].sum(axis=1), winners[index].sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(won > 0, lost / np.where(won > 0, won, 1), np.inf)


def _percentiles(samples: np.ndarray, level: float = 0.95) -> tuple[float, float]:
    """Percentile interval without interpolation (infinite resamples stay infinite)."""
    low = float(np.quantile(samples, (1 - level) / 2, method="lower"))
    high = float(np.quantile(samples, (1 + level) / 2, method="higher"))
    return low, high


def welch_ci(a: np.ndarray, b: np.ndarray, level: float = 0.95) -> tuple[float, float, float]:
    """mean(a) - mean(b) and its Welch t interval (NaNs ignored)."""
    from scipy import stats

    a = np.asarray(a, dtype=float)
    b = np.asarray(b, dtype=float)
    a, b = a[np.isfinite(a)], b[np.isfinite(b)]
    if a.size < 2 or b.size < 2:
        return math.nan, math.nan, math.nan
    diff = float(a.mean() - b.mean())
    va, vb = a.var(ddof=1) / a.size, b.var(ddof=1) / b.size
    se = math.sqrt(va + vb)
    if se == 0:
        return diff, diff, diff
    df = (va + vb) ** 2 / (va ** 2 / (a.size - 1) + vb ** 2 / (b.size - 1))
    half = float(stats.t.ppf(0.5 + level / 2, df) * se)
    return diff, diff - half, diff + half


def condition_table(runs: pd.DataFrame, root: int) -> pd.DataFrame:
    """One row per condition (in design order): n, each outcome's mean (or ratio) and 95% interval,
    mean winners and losers, and the runs without any winner."""
    rng = np.random.default_rng(derived_seed(root, BOOTSTRAP_PURPOSE))
    labels = {c["condition"]: c for c in conditions()}
    rows = []
    for name, c in labels.items():
        group = runs[runs["condition"] == name]
        if group.empty:
            continue
        row: dict[str, Any] = {"condition": name, "mechanism": c["mechanism"], "kind": c["kind"],
                               "label": c["label"], "n": len(group)}
        for column in ("gini_survivors", "top1_share"):
            row[column], row[f"{column}_low"], row[f"{column}_high"] = mean_ci(group[column].to_numpy())
        losers = group["losers"].to_numpy(dtype=float)
        winners = group["winners"].to_numpy(dtype=float)
        row["loser_winner_ratio"] = pooled_ratio(losers, winners)
        row["loser_winner_ratio_low"], row["loser_winner_ratio_high"] = _percentiles(
            _bootstrap_ratios(losers, winners, rng))
        row["winners"], row["losers"] = float(winners.mean()), float(losers.mean())
        row["runs_without_winners"] = int(np.count_nonzero(winners == 0))
        row["survivors"] = float(group["survivors"].mean())
        rows.append(row)
    return pd.DataFrame(rows)


def effects_table(runs: pd.DataFrame, root: int) -> pd.DataFrame:
    """Per mechanism, outcome and context (in the market, alone): the effect of having the mechanism
    on, with its 95% interval and direction (+1 raises, -1 lowers, 0 no clear effect)."""
    rng = np.random.default_rng(derived_seed(root, BOOTSTRAP_PURPOSE + 1))
    groups = {name: group for name, group in runs.groupby("condition", sort=False)}
    rows = []
    for m in mechanisms():
        pairs = {"market": (f"with_{m.key}", "all_on") if not m.on_in_default else ("all_on", f"without_{m.key}"),
                 "alone": (f"only_{m.key}", "all_off")}
        for context, (with_name, without_name) in pairs.items():
            if with_name not in groups or without_name not in groups:
                continue
            on, off = groups[with_name], groups[without_name]
            for column, _, _ in OUTCOMES:
                if column == "loser_winner_ratio":
                    estimate = (pooled_ratio(on["losers"].to_numpy(float), on["winners"].to_numpy(float))
                                - pooled_ratio(off["losers"].to_numpy(float), off["winners"].to_numpy(float)))
                    diffs = (_bootstrap_ratios(on["losers"].to_numpy(float), on["winners"].to_numpy(float), rng)
                             - _bootstrap_ratios(off["losers"].to_numpy(float), off["winners"].to_numpy(float), rng))
                    if math.isfinite(estimate):
                        diffs = diffs[np.isfinite(diffs)]
                        low, high = _percentiles(diffs) if diffs.size else (math.nan, math.nan)
                    else:
                        low = high = math.nan
                else:
                    estimate, low, high = welch_ci(on[column].to_numpy(), off[column].to_numpy())
                direction = 1 if low > 0 else (-1 if high < 0 else 0)
                rows.append({"mechanism": m.key, "claim": m.claim, "label": m.label, "context": context,
                             "outcome": column, "effect": estimate, "low": low, "high": high,
                             "direction": direction if math.isfinite(estimate) else 0,
                             "defined": math.isfinite(estimate)})
    return pd.DataFrame(rows)


def classify(effects: pd.DataFrame) -> dict[str, dict[str, Any]]:
    """Per mechanism: how many outcomes its presence raises / lowers, in the market and alone, and a verdict."""
    verdicts = {}
    for m in mechanisms():
        mine = effects[effects["mechanism"] == m.key]
        entry: dict[str, Any] = {"claim": m.claim, "label": m.label}
        for context in ("market", "alone"):
            part = mine[mine["context"] == context]
            order = [column for column, _, _ in OUTCOMES]
            entry[f"{context}_raises"] = [o for o in order if o in set(part.loc[part["direction"] > 0, "outcome"])]
            entry[f"{context}_lowers"] = [o for o in order if o in set(part.loc[part["direction"] < 0, "outcome"])]
        up, down = len(entry["market_raises"]), len(entry["market_lowers"])
        if up >= 2 and down == 0:
            entry["verdict"] = "carries"
        elif down >= 2 and up == 0:
            entry["verdict"] = "counteracts"
        elif up == 0 and down == 0:
            entry["verdict"] = "no clear effect"
        else:
            entry["verdict"] = "mixed"
        entry["alone_produces"] = len(entry["alone_raises"]) >= 2 and not entry["alone_lowers"]
        verdicts[m.key] = entry
    return verdicts


# ====================================================================== headline
def _fmt(value: float, digits: int = 2) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    if math.isinf(value):
        return "∞"
    return f"{value:.{digits}f}"


def _interval(row: pd.Series, column: str, digits: int = 2) -> str:
    return f"{_fmt(row[column], digits)} ({_fmt(row[f'{column}_low'], digits)}–{_fmt(row[f'{column}_high'], digits)})"


def _names(keys: list[str], verdicts: dict[str, dict[str, Any]]) -> str:
    names = [f"{verdicts[k]['label']} ({verdicts[k]['claim']})" for k in keys]
    if not names:
        return "none"
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def sentence(table: pd.DataFrame, effects: pd.DataFrame, verdicts: dict[str, dict[str, Any]]) -> str:
    """The one-sentence answer, from the numbers: which mechanisms carry the outcome, which produce it
    alone, which make no difference or work against it, and whether "more losers than winners" needs
    any mechanism at all."""
    by = table.set_index("condition")
    carries = [k for k, v in verdicts.items() if v["verdict"] == "carries"]
    alone = [k for k, v in verdicts.items() if v["alone_produces"]]
    neutral = [k for k, v in verdicts.items() if v["verdict"] == "no clear effect"]
    against = [k for k, v in verdicts.items() if v["verdict"] == "counteracts"]
    mixed = [k for k, v in verdicts.items() if v["verdict"] == "mixed"]
    parts = []
    if carries:
        details = []
        for key in carries:
            switched = f"without_{key}" in by.index
            row = by.loc[f"without_{key}"] if switched else by.loc["all_on"]
            shown = [f"{_OUTCOME_SHORT[o]} {_fmt(row[o], 1 if o == 'loser_winner_ratio' else 2)}"
                     for o in verdicts[key]["market_raises"]]
            details.append(f"{verdicts[key]['label']} ({verdicts[key]['claim']}; "
                           f"{'without it' if switched else 'without it, i.e. in the default market'}: "
                           f"{', '.join(shown)})")
        parts.append(f"the few-winners outcome of the default market (top-1 {_fmt(by.loc['all_on', 'top1_share'])}, "
                     f"survivors' Gini {_fmt(by.loc['all_on', 'gini_survivors'])}, "
                     f"{_fmt(by.loc['all_on', 'loser_winner_ratio'], 1)} losers per winner) is carried by "
                     + "; ".join(details))
    else:
        parts.append("no single mechanism carries the few-winners outcome of the default market on its own")
    parts.append(f"alone (all others off) {_names(alone, verdicts)} "
                 f"{'raises' if len(alone) == 1 else 'raise'} it above the all-off market" if alone
                 else "no mechanism raises it above the all-off market on its own")
    for key in [k for k, v in verdicts.items() if len(v["alone_raises"]) >= 2 and not v["alone_produces"]]:
        v = verdicts[key]
        row, off = by.loc[f"only_{key}"], by.loc["all_off"]
        digits = {o: 1 if o == "loser_winner_ratio" else 2 for o in v["alone_raises"]}
        raised = " and the ".join(f"{_OUTCOME_SHORT[o]} to {_fmt(row[o], digits[o])}" for o in v["alone_raises"])
        before = " and ".join(_fmt(off[o], digits[o]) for o in v["alone_raises"])
        lowered = " and ".join(_OUTCOME_SHORT[o] for o in v["alone_lowers"])
        parts.append(f"{v['label']} ({v['claim']}) alone raises the {raised} (all off: {before})"
                     + (f" but lowers {lowered}" if lowered else ""))
    if neutral:
        parts.append(f"{_names(neutral, verdicts)} make{'s' if len(neutral) == 1 else ''} no clear difference "
                     f"within the 95% intervals")
    for key in against:
        v = verdicts[key]
        row = by.loc[f"without_{key}"] if f"without_{key}" in by.index else by.loc["all_on"]
        shown = ", ".join(f"{_OUTCOME_SHORT[o]} {_fmt(row[o], 1 if o == 'loser_winner_ratio' else 2)}"
                          for o in v["market_lowers"])
        parts.append(f"contrary to the article, {v['label']} ({v['claim']}) works against it (without it: {shown}, "
                     f"against {', '.join(_fmt(by.loc['all_on', o], 1 if o == 'loser_winner_ratio' else 2) for o in v['market_lowers'])} with it)")
    for key in mixed:
        v = verdicts[key]
        raised = ", ".join(_OUTCOME_LABELS[o] for o in v["market_raises"]) or "nothing"
        lowered = ", ".join(_OUTCOME_LABELS[o] for o in v["market_lowers"]) or "nothing"
        parts.append(f"{v['label']} ({v['claim']}) raises {raised} but lowers {lowered}")
    off_ratio, off_low = by.loc["all_off", "loser_winner_ratio"], by.loc["all_off", "loser_winner_ratio_low"]
    if math.isfinite(off_low) and off_low > 1:
        parts.append(f"and with every mechanism off there are still {_fmt(off_ratio, 1)} losers per winner "
                     f"(interval {_fmt(off_low, 1)}–{_fmt(by.loc['all_off', 'loser_winner_ratio_high'], 1)}), so "
                     f"'more losers than winners' as such needs none of them")
    text = "; ".join(parts)
    return text[0].upper() + text[1:] + "."


_OUTCOME_LABELS = {column: label for column, label, _ in OUTCOMES}
_OUTCOME_SHORT = {"gini_survivors": "survivors' Gini", "top1_share": "top-1 share",
                  "loser_winner_ratio": "losers per winner"}


def table_lines(table: pd.DataFrame) -> list[str]:
    """The condition table as fixed-width text lines."""
    head = f"{'condition':44s} {'survivors Gini (95% CI)':>22s} {'top-1 share (95% CI)':>22s} " \
           f"{'losers/winner (95% CI)':>24s} {'no-winner runs':>14s}"
    lines = [head]
    for _, row in table.iterrows():
        lines.append(f"{row['label']:44s} {_interval(row, 'gini_survivors'):>22s} {_interval(row, 'top1_share'):>22s} "
                     f"{_interval(row, 'loser_winner_ratio', 1):>24s} {row['runs_without_winners']:>8d}/{row['n']:<5d}")
    return lines


def markdown_lines(table: pd.DataFrame) -> list[str]:
    lines = [("| condition | survivors' Gini (95% CI) | top-1 share (95% CI) | losers per winner (95% CI) | "
              "runs without winners |"), "|---|---|---|---|---|"]
    for _, row in table.iterrows():
        lines.append(f"| {row['label']} | {_interval(row, 'gini_survivors')} | {_interval(row, 'top1_share')} | "
                     f"{_interval(row, 'loser_winner_ratio', 1)} | {row['runs_without_winners']} of {row['n']} |")
    return lines


def headline(tables: dict[str, pd.DataFrame], manifest: dict[str, Any]) -> dict[str, Any]:
    root = int(manifest["root_seed"])
    runs = tables["runs"]
    table = condition_table(runs, root)
    effects = effects_table(runs, root)
    verdicts = classify(effects)
    answer = sentence(table, effects, verdicts)
    records = []
    for _, row in table.iterrows():
        record = {"condition": row["condition"], "label": row["label"], "kind": row["kind"], "runs": int(row["n"]),
                  "runs_without_winners": int(row["runs_without_winners"]),
                  "winners": finite(row["winners"]), "losers": finite(row["losers"])}
        for column, _, _ in OUTCOMES:
            record[column] = [finite(row[column]), finite(row[f"{column}_low"]), finite(row[f"{column}_high"])]
        records.append(record)
    return {
        "table": records,
        "effects": [{k: (finite(v) if isinstance(v, float) else v) for k, v in rec.items()}
                    for rec in effects.to_dict("records")],
        "verdicts": verdicts,
        "sentence": answer,
        "markdown": markdown_lines(table),
        "text": [*table_lines(table), answer],
    }


# ====================================================================== figure
def figure_data(tables: dict[str, pd.DataFrame], manifest: dict[str, Any]) -> dict[str, pd.DataFrame]:
    """The table the figure is drawn from: one row per condition, in design order, with each outcome's mean
    (losers per winner: ratio of means) and 95% interval, and the runs without any winner; labels without
    claim codes (the manifest names the claims)."""
    table = condition_table(tables["runs"], int(manifest["root_seed"]))
    table.insert(0, "order", np.arange(len(table)))
    table["label"] = table["label"].str.replace(r" \(C\d+\)$", "", regex=True)
    table["mechanism"] = table["mechanism"].fillna("")
    return {"conditions": table}


def draw(data: dict[str, pd.DataFrame], manifest: dict[str, Any], figure_dir: str | Path) -> list[Path]:
    """The figure, from ``figure_data`` only."""
    import matplotlib.pyplot as plt

    from model.plotting import PALETTE, panel_label, save, style

    figure_dir = Path(figure_dir)
    table = data["conditions"].sort_values("order").reset_index(drop=True)
    by = table.set_index("condition")
    rows = table[table["kind"] != "reference"].reset_index(drop=True)
    y = np.arange(len(rows))[::-1].astype(float)
    replicates = int(table["n"].min())
    styles = {  # kind -> colour, marker, filled, legend label
        "off_alone": (PALETTE[0], "o", False, "one mechanism switched off (rest of the default market on)"),
        "added": (PALETTE[4], "^", True, f"adaptation switched on ({ADAPTATION_ON}) in the default market"),
        "on_alone": (PALETTE[3], "s", True, "one mechanism on alone (all others off)"),
    }
    with style():
        fig, axes = plt.subplots(1, len(OUTCOMES), figsize=(15, 7.8), sharey=True)
        for ax, (column, label, short) in zip(axes, OUTCOMES, strict=True):
            log = column == "loser_winner_ratio"
            finite_values = np.concatenate([table[c].to_numpy(float) for c in (column, f"{column}_low", f"{column}_high")])
            finite_values = finite_values[np.isfinite(finite_values) & (finite_values > 0 if log else True)]
            top = float(finite_values.max()) if finite_values.size else 1.0
            bottom = float(finite_values.min()) if finite_values.size else 0.01
            right = top * 3 if log else max(1.0, top) * 1.05
            left = bottom / 3 if log else 0.0
            for reference, colour, linestyle, text in (("all_on", PALETTE[0], "--", "all on (default market)"),
                                                       ("all_off", PALETTE[3], ":", "all off")):
                ref = by.loc[reference]
                value, low, high = ref[column], ref[f"{column}_low"], ref[f"{column}_high"]
                if np.isfinite(value):
                    ax.axvline(value, color=colour, linestyle=linestyle, linewidth=1.6,
                               label=f"{text}: {_fmt(value, 1 if log else 2)}")
                    if np.isfinite(low) and np.isfinite(high):
                        ax.axvspan(low, min(high, right), color=colour, alpha=0.12, linewidth=0)
            for i, row in rows.iterrows():
                colour, marker, filled, _ = styles[row["kind"]]
                value, low, high = row[column], row[f"{column}_low"], row[f"{column}_high"]
                if not np.isfinite(value):
                    ax.text(left * 1.15 if log else left + 0.01, y[i], "no winners in any run", va="center",
                            fontsize=8, color=colour)
                    continue
                high_drawn = min(high, right) if np.isfinite(high) else right
                ax.plot([max(low, left), high_drawn], [y[i], y[i]], color=colour, linewidth=1.6)
                if not np.isfinite(high) or high > right:
                    ax.annotate("", xy=(right, y[i]), xytext=(high_drawn * 0.8 if log else high_drawn - 0.02, y[i]),
                                arrowprops={"arrowstyle": "->", "color": colour, "linewidth": 1.2})
                ax.plot([value], [y[i]], marker=marker, markersize=7, color=colour,
                        markerfacecolor=colour if filled else "white", markeredgewidth=1.5, linestyle="none")
                if log and row["runs_without_winners"]:
                    ax.text(right, y[i] + 0.28, f"{row['runs_without_winners']}/{row['n']} runs without winners",
                            ha="right", va="bottom", fontsize=7, color=colour)
            for boundary in np.arange(1.5, len(rows) - 1, 2.0):
                ax.axhline(len(rows) - 1 - boundary, color="grey", linewidth=0.5, alpha=0.5)
            if log:
                ax.set_xscale("log")
                ax.axvline(1.0, color="black", linewidth=0.8, alpha=0.6)
                ax.text(1.0, len(rows) - 0.4, " 1 loser per winner", fontsize=7.5, va="bottom")
            ax.set_xlim(left, right)
            ax.set_ylim(-0.8, len(rows) - 0.2)
            ax.set_xlabel(label + (" (log scale; ratio of mean losers to mean winners)" if log else ""))
            ax.set_title(short.capitalize() if not short[0].isupper() else short)
            ax.grid(axis="y", visible=False)
            ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.085), ncol=2, fontsize=7.5)
        axes[0].set_yticks(y, rows["label"])
        handles = [plt.Line2D([], [], color=c, marker=mk, markerfacecolor=c if f else "white", linestyle="-",
                              markeredgewidth=1.5, label=t) for c, mk, f, t in styles.values()]
        fig.legend(handles=handles, loc="lower center", ncol=3, fontsize=8.5, bbox_to_anchor=(0.5, -0.01))
        for ax, letter in zip(axes, "abc", strict=True):
            panel_label(ax, letter)
        fig.suptitle(f"{TITLE}\n{replicates} replicates per condition, 95% intervals (Student t; bootstrap for the "
                     "ratio); lines and bands: the all-on and all-off markets", fontsize=11.5)
        fig.tight_layout(rect=(0, 0.035, 1, 1))
        return save(fig, figure_dir / NAME)


def plot(out: str | Path, figure_dir: str | Path | None = None, *,
         tables: dict[str, pd.DataFrame] | None = None) -> list[Path]:
    """The figure from the full tables (``figure_data``, then ``draw``)."""
    return plot_from_tables(sys.modules[__name__], out, figure_dir, tables)


def run(quick: bool = False, out: str | Path | None = None, workers: int = 1, seed: int = DEFAULT_SEED,
        **options: bool) -> Path:
    """Run the experiment and write its data, figure and manifest into ``out`` (default results/attribution)."""
    return execute(sys.modules[__name__], quick, out, workers, seed, **options)


if __name__ == "__main__":
    sys.exit(module_main(NAME))
