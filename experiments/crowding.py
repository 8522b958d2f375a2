"""crowding (C1, C3): survivors, losers per winner, concentration and attention against crowding.

"Weitaus mehr Unternehmen kämpfen um Aufmerksamkeit und Engagement als Zeit und Bereitschaft ...
vorhanden sind." The crowding of a market is measured by one number,

    crowding = n_companies × operating_cost / (value_per_attention × attention_budget),

the companies' running costs per step (at the advertising cost level) as a share of what the
users' whole attention budget is worth per step (money is counted per user of the market, so the
number of users cancels out). At the defaults, 50 companies × 0.004 / (1 × 1) = 0.2: the companies
together cost a fifth of the value of all attention. Crowding rises with more companies or with
less attention per user, so the experiment walks along the axis in two ways — more companies at
the default attention budget, and the default 50 companies with less attention per user — and
compares them (if crowding is the right axis, both routes give the same curves).

The field is fixed (no newcomers, ``entry_rate`` = 0) so that crowding is set by design; the rest
is the default market. For each crowding level: the share of companies that survive, cohort losers
per winner (ratio of the mean counts over runs; docs/ODD.md 4.11), the Gini coefficient over every
company that entered and among the survivors, where the users' attention goes (share of budgets
spent on companies, relationships per user), and the crowding, if any, at which losers come to
outnumber winners.
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
    empty_market,
    execute,
    finite,
    losers_per_winner,
    module_main,
    plot_from_tables,
    replicate_jobs,
    show,
    summarise,
)

NAME = "crowding"
CLAIMS = ("C1", "C3")
TITLE = "Survivors, losers per winner, concentration and attention against crowding"
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

    summary = empty_market(dict(simulate(steps=job.steps, seed=seed, **job.params).summary))
    summary.pop("seed", None)
    entered = summary["survivors"] + summary["exits"]
    summary["survivor_share"] = summary["survivors"] / entered
    summary["winner_share"] = summary["winners"] / entered
    # cohort losers minus winners per company that entered: its mean crosses 0 where mean losers = mean winners
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
        surplus = subset.groupby("crowding", sort=True)["loser_surplus"].mean()
        if math.isfinite(point):
            companies = point * DEFAULT_VALUE / DEFAULT_COST if route == "companies" else math.nan
            extra = f" (about {companies:.0f} companies at the default attention)" if math.isfinite(companies) else ""
            interval = (f"bootstrap 95% CI {low:.3f}-{high:.3f}" if math.isfinite(low)
                        else "no bootstrap interval: the crossing is missing in over 10% of resamples")
            result["text"].append(f"route '{route}': mean cohort losers exceed mean winners from crowding {point:.3f} "
                                  f"({interval}){extra}")
        elif (surplus > 0).all():
            result["text"].append(f"route '{route}': mean cohort losers exceed mean winners at every crowding level "
                                  f"tested ({surplus.index.min():.3g}-{surplus.index.max():.3g})")
        elif (surplus <= 0).all():
            result["text"].append(f"route '{route}': mean cohort losers never exceed mean winners "
                                  f"({surplus.index.min():.3g}-{surplus.index.max():.3g})")
        else:
            result["text"].append(f"route '{route}': mean cohort losers exceed mean winners at crowding "
                                  + ", ".join(f"{c:.3g}" for c in surplus.index[surplus > 0])
                                  + " but not at " + ", ".join(f"{c:.3g}" for c in surplus.index[surplus <= 0]))
    for route in ROUTES:
        subset = runs[runs["route"] == route]
        table = summarise(subset, "crowding", ["survivor_share", "gini", "gini_survivors", "top10_share",
                                               "top10_share_survivors", "attention_to_companies",
                                               "relationships_per_user"])
        ratios = losers_per_winner(subset, "crowding")
        lowest, highest = table.iloc[0], table.iloc[-1]
        ratio_low, ratio_high = ratios.iloc[0], ratios.iloc[-1]
        result[f"ends_{route}"] = {
            "crowding": [finite(lowest["crowding"]), finite(highest["crowding"])],
            **{column: [finite(lowest[column]), finite(highest[column])]
               for column in ("survivor_share", "gini", "gini_survivors", "top10_share", "top10_share_survivors",
                              "attention_to_companies", "relationships_per_user")},
            "loser_winner_ratio": [finite(ratio_low["loser_winner_ratio"]), finite(ratio_high["loser_winner_ratio"])],
            "no_winner_runs": [int(ratio_low["no_winner_runs"]), int(ratio_high["no_winner_runs"])],
        }
        result["text"].append(
            f"route '{route}', crowding {lowest['crowding']:.3g} -> {highest['crowding']:.3g}: survivors "
            f"{100 * lowest['survivor_share']:.0f}% -> {100 * highest['survivor_share']:.0f}%, cohort losers per winner "
            f"{show(ratio_low['loser_winner_ratio'])} -> {show(ratio_high['loser_winner_ratio'])} (runs without a "
            f"winner {ratio_low['no_winner_runs']:.0f} -> {ratio_high['no_winner_runs']:.0f} of {ratio_high['n']:.0f}), "
            f"Gini all entrants {show(lowest['gini'])} -> {show(highest['gini'])}, survivors "
            f"{show(lowest['gini_survivors'])} -> {show(highest['gini_survivors'])}, top-10% share all "
            f"{show(lowest['top10_share'])} -> {show(highest['top10_share'])}, survivors "
            f"{show(lowest['top10_share_survivors'])} -> {show(highest['top10_share_survivors'])}; attention to companies {lowest['attention_to_companies']:.3f} -> "
            f"{highest['attention_to_companies']:.3f}, relationships per user {lowest['relationships_per_user']:.2f} "
            f"-> {highest['relationships_per_user']:.2f}")
    empty = runs[runs["survivors"] == 0].groupby(["route", "crowding"]).size()
    if len(empty):
        counts = runs.groupby(["route", "crowding"]).size()
        result["text"].append("no company left after 100 steps (concentration undefined, —): " + ", ".join(
            f"{k} of {counts.loc[(route, level)]} runs at crowding {level:.3g} ({route})"
            for (route, level), k in empty.items()))
    return result


# ====================================================================== figure
def figure_data(tables: dict[str, pd.DataFrame], manifest: dict[str, Any]) -> dict[str, pd.DataFrame]:
    """The tables the figure is drawn from: per route and crowding level the means and 95% intervals of the
    outcomes and the cohort losers per winner (ratio of means); the crowding at which mean losers come to
    exceed mean winners, per route, with its bootstrap interval (from the manifest's headline)."""
    runs = tables["runs"]
    outcomes = ["survivor_share", "winner_share", "gini", "gini_survivors", "top10_share", "top10_share_survivors",
                "attention_to_companies", "relationships_per_user"]
    frames = []
    for order, route in enumerate(ROUTES):
        subset = runs[runs["route"] == route]
        table = summarise(subset, "crowding", outcomes)
        ratios = losers_per_winner(subset, "crowding").drop(columns="n")
        frames.append(table.merge(ratios, on="crowding").assign(route=route, route_order=order))
    levels = pd.concat(frames, ignore_index=True)
    levels = levels[["route_order", "route", *[c for c in levels.columns if c not in ("route", "route_order")]]]
    crossings = pd.DataFrame([{"route": route, "crowding": value[0], "crowding_low": value[1],
                               "crowding_high": value[2]}
                              for route in ROUTES
                              for value in [[math.nan if v is None else v
                                             for v in manifest["headline"][f"outnumber_crowding_{route}"]]]])
    return {"levels": levels, "losers_exceed_winners": crossings}


def draw(data: dict[str, pd.DataFrame], manifest: dict[str, Any], figure_dir: str | Path) -> list[Path]:
    """The figure, from ``figure_data`` only."""
    import matplotlib.pyplot as plt

    from model.plotting import PALETTE, line_with_band, panel_label, plain_log_ticks, save, style

    figure_dir = Path(figure_dir)
    levels = data["levels"].sort_values(["route_order", "crowding"])
    crossing_of = data["losers_exceed_winners"].set_index("route")
    point, low, high = (float(crossing_of.loc["companies", c]) for c in ("crowding", "crowding_low", "crowding_high"))
    looks = {"companies": (PALETTE[0], "o"), "attention": (PALETTE[3], "s")}
    with style():
        fig, axes = plt.subplots(2, 3, figsize=(16, 9.8))
        (survive_ax, ratio_ax, gini_ax), (top_ax, attention_ax, relation_ax) = axes
        for route, label in ROUTES.items():
            table = levels[levels["route"] == route]
            ratios = table
            colour, marker = looks[route]

            def curve(ax: Any, column: str, linestyle: str = "-", name: str = label, frame: Any = table,
                     colour: str = colour, marker: str = marker) -> None:
                line_with_band(ax, frame["crowding"], frame[column], frame[f"{column}_low"], frame[f"{column}_high"],
                               colour=colour, linestyle=linestyle, marker=marker if linestyle == "-" else None,
                               label=name)

            curve(survive_ax, "survivor_share", name=f"survivors — {label}")
            curve(survive_ax, "winner_share", "--", name=f"cohort winners — {label}")
            defined = ratios[ratios["loser_winner_ratio"] > 0]
            floor = 0.5 * float(defined["loser_winner_ratio"].min()) if len(defined) else 0.01
            line_with_band(ratio_ax, defined["crowding"], defined["loser_winner_ratio"],
                           defined["loser_winner_ratio_low"].clip(lower=floor), defined["loser_winner_ratio_high"],
                           colour=colour, marker=marker, label=label)
            curve(gini_ax, "gini", name=f"all that entered — {label}")
            curve(gini_ax, "gini_survivors", "--", name=f"survivors — {label}")
            curve(top_ax, "top10_share", name=f"all that entered — {label}")
            curve(top_ax, "top10_share_survivors", "--", name=f"survivors — {label}")
            curve(attention_ax, "attention_to_companies")
            curve(relation_ax, "relationships_per_user")
        survive_ax.set(ylim=(0, 1.02), ylabel="share of the companies that entered",
                       title="Survivors and cohort winners after 100 steps")
        survive_ax.legend(loc="upper right", fontsize=7.5)
        ratio_ax.set(yscale="log", ylabel="cohort losers per winner (ratio of means, log scale)",
                     title="Cohort losers per winner")
        ratio_ax.axhline(1.0, color="black", linewidth=1, linestyle=":", label="1 = as many losers as winners")
        plain_log_ticks(ratio_ax.yaxis, [0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 20, 50, 100, 200, 500])
        if math.isfinite(point):
            ratio_ax.axvline(point, color="black", linewidth=1)
            if math.isfinite(low):
                ratio_ax.axvspan(low, high, color="black", alpha=0.08, linewidth=0)
            ratio_ax.annotate(f"mean losers exceed mean\nwinners from crowding {point:.2f}\n(≈ {point / DEFAULT_COST:.0f} "
                              "companies at\nthe default attention)", xy=(point, 1.0), xytext=(0.04, 0.97),
                              textcoords="axes fraction", va="top", fontsize=8.5,
                              arrowprops={"arrowstyle": "->", "linewidth": 0.8})
        ratio_ax.legend(loc="lower right", fontsize=8)
        gini_ax.set(ylim=(0, 1.02), ylabel="Gini coefficient of engagement shares",
                    title="Gini: all that entered (solid, exited = 0), survivors (dashed)")
        top_ax.set(ylim=(0, 1.02), ylabel="engagement share of the top 10% of companies",
                   title="Top-10% share: all that entered (solid), survivors (dashed)")
        attention_ax.set(ylim=(0, None), ylabel="share of attention budgets spent on companies",
                         title="Attention that goes to companies (the rest: outside option)")
        attention_ax.legend(loc="upper right", fontsize=8)
        relation_ax.set(ylim=(0, None), ylabel="relationships with companies per active user",
                        title="Relationships per user")
        relation_ax.legend(loc="upper right", fontsize=8)
        for ax, letter in zip(axes.flat, "abcdef", strict=True):
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
        replicates = int(levels["n"].min())
        fig.suptitle(f"{TITLE}\ncrowding = companies' running costs / value of all users' attention per step; no "
                     f"newcomers; {replicates} runs per point, 100 steps; solid: all that entered, dashed: survivors "
                     "or winners; bands: 95% CI", fontsize=11.5)
        fig.tight_layout()
        return save(fig, figure_dir / NAME)


def plot(out: str | Path, figure_dir: str | Path | None = None, *,
         tables: dict[str, pd.DataFrame] | None = None) -> list[Path]:
    """The figure from the full tables (``figure_data``, then ``draw``)."""
    return plot_from_tables(sys.modules[__name__], out, figure_dir, tables)


def run(quick: bool = False, out: str | Path | None = None, workers: int = 1, seed: int = DEFAULT_SEED,
        **options: bool) -> Path:
    """Run the experiment and write its data, figures and manifest into ``out`` (default results/crowding)."""
    return execute(sys.modules[__name__], quick, out, workers, seed, **options)


if __name__ == "__main__":
    sys.exit(module_main(NAME))
