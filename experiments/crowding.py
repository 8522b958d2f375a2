"""crowding (C1, C3): more companies per unit of attention → fewer survivors, more losers per winner.

"Weitaus mehr Unternehmen kämpfen um Aufmerksamkeit und Engagement als Zeit und Bereitschaft ...
vorhanden sind." The crowding of a market is measured by one number,

    crowding = n_companies × operating_cost / (value_per_attention × attention_budget),

the companies' running costs per step (at the advertising cost level) as a share of what the
users' whole attention budget is worth per step (money is counted per user of the market, so the
number of users cancels out). At the defaults, 50 companies × 0.004 / (1 × 1) = 0.2: the companies
together cost a fifth of the value of all attention. Crowding rises with more companies or with
less attention per user, so the experiment walks along the axis in two ways — more companies at
the default attention budget, and the default 50 companies with less attention per user — and
shows that both give the same curves (crowding is the right axis, not the raw number of firms).

The field is fixed (no newcomers, ``entry_rate`` = 0) so that crowding is set by design; the rest
is the default market. For each crowding level: the share of companies that survive, losers per
winner and the Gini coefficient, and the crowding at which losers come to outnumber winners.
"""

from __future__ import annotations

import math
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .common import (
    DEFAULT_SEED,
    Design,
    Job,
    crossing,
    derived_seed,
    execute,
    finite,
    module_main,
    read_manifest,
    read_tables,
    replicate_jobs,
    summarise,
)

NAME = "crowding"
CLAIMS = ("C1", "C3")
TITLE = "C1, C3: the more crowded the market, the fewer survivors and the more losers per winner"
TABLES = {"runs": "one row per run: route, crowding, n_companies, attention_budget, replicate, seed and the final "
                  "outcome measures, with survivor_share and winner_share of the companies that entered"}
DEFAULT_COST, DEFAULT_VALUE, DEFAULT_COMPANIES = 0.004, 1.0, 50
ROUTES = {
    "companies": "more companies (attention budget 1)",
    "attention": "less attention per user (50 companies)",
}
AXIS_LABEL = "crowding: companies' running cost / value of all attention (per step, log scale)"


def crowding_index(n_companies: float, operating_cost: float = DEFAULT_COST, value_per_attention: float = DEFAULT_VALUE,
                   attention_budget: float = 1.0) -> float:
    """Companies per unit of total attention, in money: n × cost / (value × attention budget)."""
    return n_companies * operating_cost / (value_per_attention * attention_budget)


def settings(quick: bool) -> dict[str, Any]:
    if quick:
        return {"levels": [0.05, 0.2, 0.8], "replicates": 5, "steps": 100, "params": {"n_users": 1000, "entry_rate": 0.0}}
    return {"levels": [0.025, 0.05, 0.1, 0.15, 0.2, 0.3, 0.4, 0.6, 0.8, 1.2, 1.6], "replicates": 20, "steps": 100,
            "params": {"entry_rate": 0.0}}


def conditions(levels: list[float]) -> list[dict[str, Any]]:
    """Both routes along the crowding axis; the companies route rounds to whole companies."""
    out = []
    for level in levels:
        n = max(1, round(level * DEFAULT_VALUE / DEFAULT_COST))
        out.append({"route": "companies", "n_companies": n, "attention_budget": 1.0,
                    "crowding": crowding_index(n)})
        budget = DEFAULT_COMPANIES * DEFAULT_COST / (DEFAULT_VALUE * level)
        out.append({"route": "attention", "n_companies": DEFAULT_COMPANIES, "attention_budget": budget,
                    "crowding": crowding_index(DEFAULT_COMPANIES, attention_budget=budget)})
    return out


def design(quick: bool, seed: int = DEFAULT_SEED) -> Design:
    s = settings(quick)
    jobs = replicate_jobs(conditions(s["levels"]),
                          lambda c: {**s["params"], "n_companies": c["n_companies"],
                                     "attention_budget": c["attention_budget"]},
                          s["replicates"], s["steps"])
    return Design(jobs, {**s, "crowding": "n_companies * operating_cost / (value_per_attention * attention_budget)",
                         "routes": ROUTES, "base": "model defaults with entry_rate = 0"})


def run_job(job: Job, seed: int) -> dict[str, Any]:
    from model import simulate

    summary = dict(simulate(steps=job.steps, seed=seed, **job.params).summary)
    summary.pop("seed", None)
    entered = summary["survivors"] + summary["exits"]
    summary["survivor_share"] = summary["survivors"] / entered
    summary["winner_share"] = summary["winners"] / entered
    summary["loser_surplus"] = (summary["losers"] - summary["winners"]) / entered
    return {"runs": summary}


# ====================================================================== analysis
def outnumber_point(runs: pd.DataFrame) -> float:
    """Crowding at which mean losers first exceed mean winners (log-linear interpolation)."""
    means = runs.groupby("crowding", sort=True)["loser_surplus"].mean()
    return crossing(means.index.to_numpy(), means.to_numpy(), 0.0, log_x=True)


def outnumber_interval(runs: pd.DataFrame, root: int, resamples: int = 1000) -> tuple[float, float]:
    """Bootstrap 95% interval of the crossing: replicates resampled within each crowding level."""
    rng = np.random.default_rng(derived_seed(root, 1))
    groups = [(level, group["loser_surplus"].to_numpy()) for level, group in runs.groupby("crowding", sort=True)]
    levels = np.array([level for level, _ in groups])
    points = []
    for _ in range(resamples):
        means = [values[rng.integers(0, values.size, values.size)].mean() for _, values in groups]
        points.append(crossing(levels, means, 0.0, log_x=True))
    points = np.array(points)
    points = points[np.isfinite(points)]
    if points.size < 0.9 * resamples:  # the crossing is not found in most resamples: no interval
        return math.nan, math.nan
    return float(np.percentile(points, 2.5)), float(np.percentile(points, 97.5))


def headline(tables: dict[str, pd.DataFrame], manifest: dict[str, Any]) -> dict[str, Any]:
    runs = tables["runs"]
    result: dict[str, Any] = {"text": []}
    for route in ROUTES:
        subset = runs[runs["route"] == route]
        point = outnumber_point(subset)
        low, high = outnumber_interval(subset, manifest["root_seed"])
        result[f"outnumber_crowding_{route}"] = [finite(point), finite(low), finite(high)]
        companies = point * DEFAULT_VALUE / DEFAULT_COST if route == "companies" else math.nan
        extra = f" (about {companies:.0f} companies at the default attention)" if math.isfinite(companies) else ""
        result["text"].append(f"route '{route}': losers outnumber winners from crowding {point:.3f} "
                              f"(bootstrap 95% CI {low:.3f}-{high:.3f}){extra}")
    table = summarise(runs[runs["route"] == "companies"], "crowding", ["survivor_share", "loser_winner_ratio", "gini"])
    lowest, highest = table.iloc[0], table.iloc[-1]
    result["text"].append(
        f"from crowding {lowest['crowding']:.3g} to {highest['crowding']:.3g}: survivors "
        f"{100 * lowest['survivor_share']:.0f}% -> {100 * highest['survivor_share']:.0f}%, losers per winner "
        f"{lowest['loser_winner_ratio']:.2f} -> {highest['loser_winner_ratio']:.1f}, Gini {lowest['gini']:.2f} -> "
        f"{highest['gini']:.2f}")
    return result


# ====================================================================== figure
def plot(out: str | Path, figure_dir: str | Path | None = None, *,
         tables: dict[str, pd.DataFrame] | None = None) -> list[Path]:
    import matplotlib.pyplot as plt

    from model.plotting import PALETTE, line_with_band, panel_label, plain_log_ticks, save, style

    tables = tables if tables is not None else read_tables(out)
    figure_dir = Path(figure_dir if figure_dir is not None else out)
    runs = tables["runs"]
    point, low, high = (math.nan if v is None else v
                        for v in read_manifest(out)["headline"]["outnumber_crowding_companies"])
    outcomes = ["survivor_share", "winner_share", "loser_winner_ratio", "gini"]
    looks = {"companies": (PALETTE[0], "-", "o"), "attention": (PALETTE[3], "--", "s")}
    with style():
        fig, axes = plt.subplots(1, 3, figsize=(14, 4.9))
        survive_ax, ratio_ax, gini_ax = axes
        for route, label in ROUTES.items():
            table = summarise(runs[runs["route"] == route], "crowding", outcomes)
            colour, linestyle, marker = looks[route]
            x = table["crowding"]
            line_with_band(survive_ax, x, table["survivor_share"], table["survivor_share_low"],
                           table["survivor_share_high"], colour=colour, linestyle=linestyle, marker=marker,
                           label=f"survivors — {label}")
            line_with_band(ratio_ax, x, table["loser_winner_ratio"], table["loser_winner_ratio_low"].clip(lower=1e-2),
                           table["loser_winner_ratio_high"], colour=colour, linestyle=linestyle, marker=marker,
                           label=label)
            line_with_band(gini_ax, x, table["gini"], table["gini_low"], table["gini_high"], colour=colour,
                           linestyle=linestyle, marker=marker, label=label)
            if route == "companies":
                line_with_band(survive_ax, x, table["winner_share"], table["winner_share_low"],
                               table["winner_share_high"], colour=PALETTE[2], linestyle=":", marker="^",
                               label=f"winners — {label}")
        survive_ax.set(ylim=(0, 1.02), ylabel="share of the companies that entered",
                       title="Survivors and winners (after 100 steps)")
        survive_ax.legend(loc="lower left", fontsize=8)
        ratio_ax.set(yscale="log", ylabel="losers per winner (log scale)", title="Losers per winner")
        ratio_ax.axhline(1.0, color="black", linewidth=1, linestyle=":")
        plain_log_ticks(ratio_ax.yaxis, [0.1, 0.2, 0.5, 1, 2, 5, 10, 20, 50])
        if math.isfinite(point):
            ratio_ax.axvline(point, color="black", linewidth=1)
            if math.isfinite(low):
                ratio_ax.axvspan(low, high, color="black", alpha=0.08, linewidth=0)
            ratio_ax.annotate(f"losers outnumber winners\nfrom crowding {point:.2f}\n(≈ {point / DEFAULT_COST:.0f} "
                              "companies at\nthe default attention)", xy=(point, 1.0), xytext=(0.04, 0.97),
                              textcoords="axes fraction", va="top", fontsize=8.5,
                              arrowprops={"arrowstyle": "->", "linewidth": 0.8})
        ratio_ax.text(0.98, 0.03, "1 = as many losers as winners", transform=ratio_ax.transAxes, ha="right",
                      fontsize=8)
        ratio_ax.legend(loc="lower right", bbox_to_anchor=(1.0, 0.08), fontsize=8)
        gini_ax.set(ylim=(0, 1), ylabel="Gini coefficient of engagement shares",
                    title="Inequality among all companies that entered")
        gini_ax.legend(loc="lower right", fontsize=8)
        for ax, letter in zip(axes, "abc", strict=True):
            ax.set_xscale("log")
            plain_log_ticks(ax.xaxis, [0.025, 0.05, 0.1, 0.2, 0.4, 0.8, 1.6])
            ax.set_xlabel("crowding (log scale)")
            top = ax.secondary_xaxis("top", functions=(lambda k: k / DEFAULT_COST, lambda n: n * DEFAULT_COST))
            plain_log_ticks(top.xaxis, [6, 12, 25, 50, 100, 200, 400])
            top.set_xlabel("companies at the default attention budget", fontsize=8.5)
            ax.axvline(crowding_index(DEFAULT_COMPANIES), color="grey", linewidth=0.8, linestyle="--")
            ax.text(crowding_index(DEFAULT_COMPANIES), 0.99, "default ", rotation=90, color="grey", fontsize=7.5,
                    transform=ax.get_xaxis_transform(), va="top", ha="right")
            panel_label(ax, letter)
        replicates = int(runs.groupby(["route", "crowding"]).size().min())
        fig.suptitle(f"{TITLE}\ncrowding = companies' running costs / value of all users' attention per step; "
                     f"{replicates} runs per point, bands: 95% CI of the mean", fontsize=11.5)
        fig.tight_layout()
        return save(fig, figure_dir / NAME)


def run(quick: bool = False, out: str | Path | None = None, workers: int = 1, seed: int = DEFAULT_SEED) -> Path:
    """Run the experiment and write its data, figures and manifest into ``out`` (default results/crowding)."""
    return execute(sys.modules[__name__], quick, out, workers, seed)


if __name__ == "__main__":
    sys.exit(module_main(NAME))
