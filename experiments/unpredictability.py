"""unpredictability (C10): inequality and unpredictability across separate worlds from the same start.

The design of the MusicLab experiment (Salganik, Dodds and Watts 2006: the same songs, separate
worlds, different hits): a *start* is one set of 50 companies — formats, topics, focus and
starting resources drawn from ``market_seed`` — and each start is played out in 8 independent
*worlds* that differ only in the run's seed (users, network, every choice). With no social
influence (γ = 0) the worlds are "independent" in MusicLab's sense: users judge companies by fit
alone. With social influence (γ > 0) what is popular is shown more, wins more switching contests
and gets more of its users' attention (the popularity weight, docs/ODD.md).

For each start and strength of social influence: inequality (Gini of final shares over the 50
initial companies, exited ones at 0, and among the survivors; mean over the worlds) and
unpredictability across the worlds — Salganik's measure (mean absolute difference of a
company's share between two worlds, averaged over pairs of worlds and companies) and the rank
disagreement 1 − mean Spearman correlation of the final shares between pairs of worlds
(``model.metrics``). And, for one start, the rank of every company in each world.

No newcomers (``entry_rate`` = 0), so every world holds exactly the same companies; otherwise the
default market.
"""

from __future__ import annotations

import sys
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
    summarise,
)

NAME = "unpredictability"
CLAIMS = ("C10",)
TITLE = "Inequality and unpredictability across separate worlds from the same start, by social influence"
TABLES = {
    "runs": "one row per run (world): social_influence, start, market_seed, world, seed and final outcome measures",
    "companies": "one row per run and initial company: company (position in the start, the same company in every "
                 "world), format, final share, alive, rank (1 = largest share in that world)",
}
MARKET_KEY = 100  # derived_seed purpose of start s is MARKET_KEY + s
#: The rank panel shows the strongest social influence whose worlds keep at least this many companies alive on
#: average: with fewer, most ranks are ties among dead companies and say nothing.
RANK_PANEL_SURVIVORS = 5


def settings(quick: bool) -> dict[str, Any]:
    if quick:
        return {"social_influence": [0.0, 2.0], "starts": 3, "worlds": 4, "steps": 100,
                "params": {"n_users": 1000, "entry_rate": 0.0}}
    return {"social_influence": [0.0, 0.5, 1.0, 1.5, 2.0, 2.5], "starts": 20, "worlds": 8, "steps": 100,
            "params": {"entry_rate": 0.0}}


def design(quick: bool, seed: int = DEFAULT_SEED) -> Design:
    s = settings(quick)
    jobs = []
    for gamma in s["social_influence"]:
        for start in range(s["starts"]):
            market_seed = derived_seed(seed, MARKET_KEY + start)
            for world in range(s["worlds"]):
                jobs.append(Job({"social_influence": gamma, "start": start, "market_seed": market_seed,
                                 "world": world},
                                {**s["params"], "social_influence": gamma, "market_seed": market_seed}, s["steps"]))
    return Design(jobs, {**s, "market_seed": f"start s: SeedSequence(root, spawn_key=(2**62 + {MARKET_KEY} + s,))",
                         "base": "model defaults with entry_rate = 0"})


def run_job(job: Job, seed: int) -> dict[str, Any]:
    from model import simulate

    result = simulate(steps=job.steps, seed=seed, **job.params)
    summary = dict(result.summary)
    summary.pop("seed", None)
    companies = result.companies
    initial = companies[companies["entry_step"] == 0].reset_index(drop=True)
    table = pd.DataFrame({"company": np.arange(len(initial)), "format": initial["format"],
                          "share": initial["share"], "alive": initial["alive"],
                          "rank": initial["share"].rank(ascending=False, method="average")})
    return {"runs": summary, "companies": table}


# ====================================================================== analysis
def world_measures(companies: pd.DataFrame) -> pd.DataFrame:
    """Per strength of social influence and start: Gini (mean over worlds) and both unpredictability measures."""
    from model.metrics import gini, rank_correlation_across_worlds, salganik_unpredictability

    rows = []
    for (gamma, start), group in companies.groupby(["social_influence", "start"], sort=True):
        table = group.pivot(index="world", columns="company", values="share").to_numpy()
        alive = group.pivot(index="world", columns="company", values="alive").to_numpy(dtype=bool)
        rows.append({"social_influence": gamma, "start": start,
                     "gini": float(np.mean([gini(row) for row in table])),
                     "gini_survivors": float(np.mean([gini(row[live]) for row, live in zip(table, alive, strict=True)])),
                     "salganik_unpredictability": salganik_unpredictability(table),
                     "rank_disagreement": rank_correlation_across_worlds(table),
                     "worlds": table.shape[0]})
    return pd.DataFrame(rows)


def headline(tables: dict[str, pd.DataFrame], manifest: dict[str, Any]) -> dict[str, Any]:
    measures = world_measures(tables["companies"])
    survivors_of = tables["runs"].groupby("social_influence")["survivors"].mean()
    result: dict[str, Any] = {"text": []}
    for gamma, group in measures.groupby("social_influence"):
        gini, survivors, u, r = (mean_ci(group[c]) for c in ("gini", "gini_survivors", "salganik_unpredictability",
                                                            "rank_disagreement"))
        result[f"gamma_{gamma:g}"] = {"gini": [finite(v) for v in gini],
                                      "gini_survivors": [finite(v) for v in survivors],
                                      "salganik": [finite(v, 5) for v in u],
                                      "rank_disagreement": [finite(v) for v in r],
                                      "survivors": finite(survivors_of.loc[gamma])}
        result["text"].append(f"social influence {gamma:g}: Gini {gini[0]:.2f} over the 50 initial companies, "
                              f"{survivors[0]:.2f} among the {survivors_of.loc[gamma]:.1f} survivors; Salganik unpredictability "
                              f"{u[0]:.4f} ({u[1]:.4f}-{u[2]:.4f}), rank disagreement {r[0]:.2f} "
                              f"({r[1]:.2f}-{r[2]:.2f})")
    return result


# ====================================================================== figure
def figure_data(tables: dict[str, pd.DataFrame], manifest: dict[str, Any]) -> dict[str, pd.DataFrame]:
    """The tables the figure is drawn from: per social influence the means and 95% intervals over starts of
    the Gini (all initial companies and survivors), both unpredictability measures and the mean number of
    survivors; and, for the first start, every company's rank in every world at the two strengths shown
    (none, and the strongest that keeps RANK_PANEL_SURVIVORS companies alive on average), with the position
    of each company on the x axis (by its median rank without social influence)."""
    companies, runs = tables["companies"], tables["runs"]
    measures = summarise(world_measures(companies), "social_influence",
                         ["gini", "gini_survivors", "salganik_unpredictability", "rank_disagreement"])
    survivors = runs.groupby("social_influence")["survivors"].mean()
    measures["survivors"] = measures["social_influence"].map(survivors)
    measures["starts"] = companies["start"].nunique()
    measures["worlds"] = companies["world"].nunique()
    gammas = sorted(companies["social_influence"].unique())
    start = int(companies["start"].min())
    # the strongest influence that leaves enough companies alive for their ranks to differ
    lively = [g for g in gammas if g > 0 and survivors.get(g, 0) >= RANK_PANEL_SURVIVORS]
    shown = [gammas[0], max(lively) if lively else min([g for g in gammas if g > 0] or gammas)]
    reference = companies[(companies["start"] == start) & (companies["social_influence"] == shown[0])]
    order = reference.groupby("company")["rank"].median().sort_values(kind="stable")
    position = {company: i for i, company in enumerate(order.index)}
    formats = reference.groupby("company")["format"].first()
    panels = []
    for panel, gamma in enumerate(shown):
        mine = companies[(companies["start"] == start) & (companies["social_influence"] == gamma)]
        panels.append(pd.DataFrame({"panel": panel, "social_influence": gamma, "start": start,
                                    "company": mine["company"].to_numpy(), "position": mine["company"].map(position),
                                    "format": mine["company"].map(formats).to_numpy(),
                                    "world": mine["world"].to_numpy(), "rank": mine["rank"].to_numpy()}))
    return {"measures": measures, "ranks": pd.concat(panels, ignore_index=True)}


def draw(data: dict[str, pd.DataFrame], manifest: dict[str, Any], figure_dir: str | Path) -> list[Path]:
    """The figure, from ``figure_data`` only."""
    import matplotlib.pyplot as plt

    from model.plotting import (
        FORMAT_COLOURS,
        FORMAT_LABELS,
        FORMAT_MARKERS,
        FORMAT_ORDER,
        PALETTE,
        line_with_band,
        panel_label,
        save,
        style,
    )

    figure_dir = Path(figure_dir)
    measures = data["measures"].sort_values("social_influence").reset_index(drop=True)
    ranks = data["ranks"]
    with style():
        fig = plt.figure(figsize=(15, 10))
        grid = fig.add_gridspec(2, 6, height_ratios=[1.0, 1.15])
        metric_axes = [fig.add_subplot(grid[0, 2 * i: 2 * i + 2]) for i in range(3)]
        rank_axes = [fig.add_subplot(grid[1, 0:3]), fig.add_subplot(grid[1, 3:6])]
        panels = [("gini", "Gini coefficient (mean over worlds)", "Inequality", PALETTE[0], "o"),
                  ("salganik_unpredictability", "mean |share difference| between worlds",
                   "Unpredictability (Salganik et al. 2006)", PALETTE[3], "s"),
                  ("rank_disagreement", "1 − mean rank correlation between worlds", "Rank disagreement",
                   PALETTE[2], "^")]
        for ax, (column, ylabel, title, colour, marker) in zip(metric_axes, panels, strict=True):
            line_with_band(ax, measures["social_influence"], measures[column], measures[f"{column}_low"],
                           measures[f"{column}_high"], colour=colour, marker=marker,
                           label="all 50 initial companies (exited = 0)" if column == "gini" else None)
            ax.set(xlabel="social influence γ (0 = independent worlds)", ylabel=ylabel, title=title)
            ax.set_ylim(bottom=0)
        line_with_band(metric_axes[0], measures["social_influence"], measures["gini_survivors"],
                       measures["gini_survivors_low"], measures["gini_survivors_high"], colour=PALETTE[0],
                       linestyle="--", label="survivors (number of survivors at each point)")
        for gamma, value, alive in zip(measures["social_influence"], measures["gini_survivors"],
                                       measures["survivors"], strict=True):
            metric_axes[0].annotate(f"{alive:.1f}", (gamma, value), textcoords="offset points",
                                    xytext=(4, 4), fontsize=7.5, color=PALETTE[0])
        metric_axes[0].legend(loc="center right", fontsize=8)
        metric_axes[0].set_ylim(0, 1.02)
        metric_axes[2].set_ylim(0, 1.05)

        # ranks of the same companies in each world, for one start
        start = int(ranks["start"].min())
        companies_shown = int(ranks.groupby("panel")["company"].nunique().max())
        for panel, ax in enumerate(rank_axes):
            mine = ranks[ranks["panel"] == panel]
            gamma = float(mine["social_influence"].iloc[0])
            worlds = mine["world"].nunique()
            for name in FORMAT_ORDER:
                subset = mine[mine["format"] == name]
                if subset.empty:
                    continue
                jitter = (subset["world"].to_numpy() - (worlds - 1) / 2) * 0.06
                ax.scatter(subset["position"] + jitter, subset["rank"], s=14,
                           color=FORMAT_COLOURS[name], marker=FORMAT_MARKERS[name], edgecolors="black",
                           linewidths=0.3, alpha=0.85, label=FORMAT_LABELS[name])
            medians = mine.groupby("position")["rank"].median().sort_index()
            ax.scatter(medians.index, medians.to_numpy(), color="black", marker="_",
                       s=90, linewidths=1.5, label="median rank over the worlds", zorder=3)
            ax.set(xlabel=f"the same {companies_shown} companies, ordered by their median rank without social "
                          "influence",
                   ylabel="rank in each world (1 = largest share)",
                   title=f"γ = {gamma:g}: ranks in {worlds} worlds"
                         + (" (independent worlds)" if gamma == 0 else " (social influence)"))
            ax.invert_yaxis()
            ax.set_xticks([])
        handles, labels = rank_axes[0].get_legend_handles_labels()
        fig.legend(handles, labels, loc="lower center", ncol=6, fontsize=8.5, markerscale=1.6,
                   bbox_to_anchor=(0.5, -0.01))
        for ax, letter in zip(metric_axes + rank_axes, "abcde", strict=True):
            panel_label(ax, letter)
        starts, worlds = int(measures["starts"].iloc[0]), int(measures["worlds"].iloc[0])
        fig.suptitle(f"{TITLE}\n{starts} starts × {worlds} worlds per strength; (a–c) 95% CI over starts; "
                     f"(d, e) start {start}, one dot per world", fontsize=11.5)
        fig.tight_layout(rect=(0, 0.035, 1, 1))
        return save(fig, figure_dir / NAME)


def plot(out: str | Path, figure_dir: str | Path | None = None, *,
         tables: dict[str, pd.DataFrame] | None = None) -> list[Path]:
    """The figure from the full tables (``figure_data``, then ``draw``)."""
    return plot_from_tables(sys.modules[__name__], out, figure_dir, tables)


def run(quick: bool = False, out: str | Path | None = None, workers: int = 1, seed: int = DEFAULT_SEED,
        **options: bool) -> Path:
    """Run the experiment and write its data, figures and manifest into ``out`` (default results/unpredictability)."""
    return execute(sys.modules[__name__], quick, out, workers, seed, **options)


if __name__ == "__main__":
    sys.exit(module_main(NAME))
