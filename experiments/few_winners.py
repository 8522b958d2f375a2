"""few_winners (C3): the conclusion of the article — a happy minority of winners, many losers.

"Es wird zwangsläufig deutlich mehr Verlierer als Gewinner geben": the default market (50
companies in the article's format mix, newcomers entering, exit when resources run out) run
many times from independent seeds. Four views of one outcome, each with its 95% interval over
replicates: the Lorenz curve of engagement over every company that ever entered, the rank-size
plot of the survivors' shares, winners and losers over time, and the share of companies against
the share of engagement held by winners and losers.

Winners are live companies with positive cumulative profit; losers are all other companies that
ever entered (docs/ODD.md 4.11).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .common import DEFAULT_SEED, Design, Job, execute, finite, mean_ci, module_main, read_tables, summarise

NAME = "few_winners"
CLAIMS = ("C3",)
TITLE = "C3: few winners, many losers — the displacement competition's outcome"
TABLES = {
    "runs": "one row per run: seed, replicate and the final outcome measures (RunResult.summary), "
            "winners' share of companies and of engagement",
    "timeseries": "one row per run and step: every metric of model.METRICS",
    "companies": "one row per run and company ever in the market, at the end: format, alive, entry/exit step, "
                 "engagement share, profit, winner flag",
}
GRID = np.linspace(0.0, 1.0, 101)


def settings(quick: bool) -> dict[str, Any]:
    """Design constants: defaults of the model; the quick mode uses a smaller market and fewer replicates."""
    if quick:
        return {"replicates": 12, "steps": 100, "params": {"n_users": 1500}}
    return {"replicates": 100, "steps": 100, "params": {}}


def design(quick: bool, seed: int = DEFAULT_SEED) -> Design:
    s = settings(quick)
    jobs = [Job({"replicate": r}, dict(s["params"]), s["steps"]) for r in range(s["replicates"])]
    return Design(jobs, {**s, "base": "model defaults (Params())",
                         "interval": "95% Student-t interval of the mean over replicates"})


def run_job(job: Job, seed: int) -> dict[str, Any]:
    from model import simulate

    result = simulate(steps=job.steps, seed=seed, **job.params)
    companies = result.companies
    winner = companies["alive"].to_numpy() & (companies["profit"].to_numpy() > 0)
    runs = dict(result.summary)
    runs.pop("seed", None)
    runs["companies_ever"] = len(companies)
    runs["winner_company_share"] = float(winner.mean()) if len(companies) else 0.0
    runs["winner_engagement_share"] = float(companies["share"].to_numpy()[winner].sum())
    table = companies[["id", "format", "alive", "entry_step", "exit_step", "share", "profit"]].copy()
    table["winner"] = winner
    return {"runs": runs, "timeseries": result.timeseries, "companies": table}


# ====================================================================== analysis
def lorenz_table(companies: pd.DataFrame) -> pd.DataFrame:
    """Per run, the Lorenz curve of final shares over every company that entered, on a common grid."""
    from model.metrics import lorenz_curve

    curves = []
    for run, group in companies.groupby("run", sort=True):
        x, y = lorenz_curve(group["share"].to_numpy())
        curves.append(pd.DataFrame({"run": run, "population": GRID, "engagement": np.interp(GRID, x, y)}))
    return pd.concat(curves, ignore_index=True)


def rank_table(companies: pd.DataFrame) -> pd.DataFrame:
    """Per run, the shares of companies with positive share by rank (1 = largest)."""
    frames = []
    for run, group in companies.groupby("run", sort=True):
        shares = np.sort(group["share"].to_numpy())[::-1]
        shares = shares[shares > 0]
        frames.append(pd.DataFrame({"run": run, "rank": np.arange(1, shares.size + 1), "share": shares}))
    return pd.concat(frames, ignore_index=True)


def headline(tables: dict[str, pd.DataFrame], manifest: dict[str, Any]) -> dict[str, Any]:
    runs = tables["runs"]
    ratio = mean_ci(runs["loser_winner_ratio"])
    winners = mean_ci(runs["winner_company_share"])
    hold = mean_ci(runs["winner_engagement_share"])
    gini = mean_ci(runs["gini"])
    top10 = mean_ci(runs["top10_share"])
    steps = int(runs["steps"].max())
    return {
        "loser_winner_ratio": [finite(v) for v in ratio],
        "winner_company_share": [finite(v) for v in winners],
        "winner_engagement_share": [finite(v) for v in hold],
        "gini": [finite(v) for v in gini],
        "top10_share": [finite(v) for v in top10],
        "text": [
            (f"after {steps} steps: {ratio[0]:.1f} losers per winner (95% CI {ratio[1]:.1f}-{ratio[2]:.1f}); "
             f"winners are {100 * winners[0]:.0f}% of all companies that entered and hold "
             f"{100 * hold[0]:.0f}% of the engagement"),
            (f"Gini {gini[0]:.2f} ({gini[1]:.2f}-{gini[2]:.2f}); the top 10% of companies hold "
             f"{100 * top10[0]:.0f}% of the engagement"),
        ],
    }


# ====================================================================== figure
def plot(out: str | Path, figure_dir: str | Path | None = None, *,
         tables: dict[str, pd.DataFrame] | None = None) -> list[Path]:
    import matplotlib.pyplot as plt

    from model.plotting import PALETTE, REST_COLOUR, line_with_band, panel_label, plain_log_ticks, save, style

    tables = tables if tables is not None else read_tables(out)
    figure_dir = Path(figure_dir if figure_dir is not None else out)
    runs, series, companies = tables["runs"], tables["timeseries"], tables["companies"]
    replicates = runs["run"].nunique()
    with style():
        fig, axes = plt.subplots(2, 2, figsize=(11, 8.6))
        (lorenz_ax, rank_ax), (time_ax, bar_ax) = axes

        # (a) Lorenz curve
        lorenz = summarise(lorenz_table(companies), "population", ["engagement"])
        lorenz_ax.plot([0, 1], [0, 1], color="black", linestyle=":", linewidth=1.2, label="perfect equality")
        gini = mean_ci(runs["gini"])
        line_with_band(lorenz_ax, lorenz["population"], lorenz["engagement"], lorenz["engagement_low"],
                       lorenz["engagement_high"], colour=PALETTE[0],
                       label=f"model (Gini {gini[0]:.2f}, 95% CI {gini[1]:.2f}–{gini[2]:.2f})")
        at_90 = float(np.interp(0.9, lorenz["population"], lorenz["engagement"]))
        top10 = mean_ci(runs["top10_share"])[0]
        lorenz_ax.annotate(f"the top 10% of companies hold\n{100 * top10:.0f}% of all engagement",
                           xy=(0.9, at_90), xytext=(0.42, 0.22), fontsize=9,
                           arrowprops={"arrowstyle": "->", "color": "black", "linewidth": 0.8})
        lorenz_ax.set(xlim=(0, 1), ylim=(0, 1), xlabel="cumulative share of companies (smallest first)",
                      ylabel="cumulative share of engagement", title="Lorenz curve: engagement is concentrated")
        lorenz_ax.legend(loc="upper left")

        # (b) rank-size
        ranks = rank_table(companies)
        present = ranks.groupby("rank")["run"].nunique()
        common = present.index[present >= 0.9 * replicates]
        by_rank = summarise(ranks[ranks["rank"].isin(common)], "rank", ["share"])
        line_with_band(rank_ax, by_rank["rank"], by_rank["share"], by_rank["share_low"].clip(lower=1e-6),
                       by_rank["share_high"], colour=PALETTE[0], marker="o", markevery=_log_marks(len(by_rank)),
                       label="model: mean share at each rank")
        slope = mean_ci(runs["rank_size_slope"])
        first = float(by_rank["share"].iloc[0])
        reference = np.array([1.0, float(by_rank["rank"].iloc[-1])])
        rank_ax.plot(reference, first * reference ** -1.0, color="black", linestyle="--", linewidth=1.2,
                     label="Zipf's law (slope −1), for comparison")
        rank_ax.set(xscale="log", yscale="log")
        plain_log_ticks(rank_ax.xaxis, [1, 2, 5, 10, 20, 50])
        plain_log_ticks(rank_ax.yaxis, [0.0001, 0.001, 0.01, 0.1, 1])
        rank_ax.set(xlabel="rank of company (1 = largest, log scale)",
                    ylabel="engagement share (log scale)",
                    title=f"Rank-size: log-log slope {slope[0]:.1f} (95% CI {slope[1]:.1f} to {slope[2]:.1f})")
        rank_ax.legend(loc="lower left")

        # (c) winners and losers over time
        over_time = summarise(series, "step", ["winners", "losers", "survivors"])
        steps = over_time["step"]
        line_with_band(time_ax, steps, over_time["losers"], over_time["losers_low"], over_time["losers_high"],
                       colour=PALETTE[3], linestyle="-", marker="s", markevery=10,
                       label="losers (exited, or alive without profit)")
        line_with_band(time_ax, steps, over_time["survivors"], over_time["survivors_low"],
                       over_time["survivors_high"], colour=PALETTE[5], linestyle="-.",
                       label="companies still in the market")
        line_with_band(time_ax, steps, over_time["winners"], over_time["winners_low"], over_time["winners_high"],
                       colour=PALETTE[2], linestyle="--", marker="o", markevery=10,
                       label="winners (alive, cumulative profit > 0)")
        ratio = mean_ci(runs["loser_winner_ratio"])
        time_ax.set(xlabel="step (one period of attention, think of a week)", ylabel="companies",
                    title=f"Winners and losers: {ratio[0]:.1f} losers per winner at the end")
        time_ax.set_ylim(bottom=0)
        time_ax.legend(loc="lower right")

        # (d) the happy minority: companies against engagement
        winners_companies = mean_ci(runs["winner_company_share"])
        winners_engagement = mean_ci(runs["winner_engagement_share"])
        positions = np.array([0.0, 1.0])
        heights_w = np.array([winners_companies[0], winners_engagement[0]])
        bar_ax.bar(positions, heights_w, width=0.55, color=PALETTE[2], hatch="", edgecolor="black",
                   linewidth=0.6, label="winners")
        bar_ax.bar(positions, 1 - heights_w, bottom=heights_w, width=0.55, color=REST_COLOUR, hatch="//",
                   edgecolor="black", linewidth=0.6, label="losers")
        bar_ax.errorbar(positions, heights_w,
                        yerr=[[winners_companies[0] - winners_companies[1], winners_engagement[0] - winners_engagement[1]],
                              [winners_companies[2] - winners_companies[0], winners_engagement[2] - winners_engagement[0]]],
                        fmt="none", ecolor="black", capsize=4, linewidth=1)
        for x, value in zip(positions, heights_w, strict=True):
            bar_ax.text(x, value / 2, f"{100 * value:.0f}%", ha="center", va="center", fontsize=11,
                        fontweight="bold", color="white")
        bar_ax.set_xticks(positions, ["share of all companies\nthat ever entered", "share of engagement\nat the end"])
        bar_ax.set(ylim=(0, 1), ylabel="share", title="The happy minority (glückliche Minderheit)")
        bar_ax.legend(loc="upper center", ncol=2, bbox_to_anchor=(0.5, -0.12))
        bar_ax.set_xlim(-0.6, 1.6)

        for ax, letter in zip(axes.flat, "abcd", strict=True):
            panel_label(ax, letter)
        fig.suptitle(f"{TITLE}\n{replicates} independent runs of the default market; "
                     "bands and whiskers: 95% confidence intervals of the mean", fontsize=12)
        fig.tight_layout()
        return save(fig, figure_dir / NAME)


def _log_marks(count: int) -> list[int]:
    """Marker positions spread evenly on a log axis."""
    return sorted({round(v) - 1 for v in np.geomspace(1, max(count, 1), num=min(count, 8))})


def run(quick: bool = False, out: str | Path | None = None, workers: int = 1, seed: int = DEFAULT_SEED) -> Path:
    """Run the experiment and write its data, figures and manifest into ``out`` (default results/few_winners)."""
    return execute(sys.modules[__name__], quick, out, workers, seed)


if __name__ == "__main__":
    sys.exit(module_main(NAME))
