"""few_winners (C3): winners, losers and concentration in the default market, at 100, 200 and 400 steps.

The article's conclusion — "Es wird zwangsläufig deutlich mehr Verlierer als Gewinner geben" —
measured in the default market (50 companies in the article's format mix, newcomers entering,
exit when resources run out), run many times from independent seeds for 400 steps and read at
100, 200 and 400 steps, so that a result that only grows with the length of the run shows as such.

Winners and losers are counted on a cohort (docs/ODD.md 4.11): the companies that were in the
market ``maturity_age`` steps before (they have had their chance). A winner is a cohort company
still alive with a positive profit over those last ``maturity_age`` steps; a loser is any other
cohort company (exited, or alive without profit). Losers per winner are summarised as the ratio of
the mean numbers of losers and winners over runs (a run without a winner has no ratio of its own,
but its losers count).

Concentration is shown twice: over every company that ever entered (exited ones hold 0, so the
exits alone raise it) and among the survivors only. Figure: Lorenz curves and rank-size plots
at the three horizons, concentration, winners and losers over time, losers per winner and the
winners' share of the cohort and of the engagement at each horizon, all with 95% intervals.

The rank-size panel shows the mean share at each rank (over the runs that have a company at that rank)
with its 95% interval, and no fitted line: the curve bends — the leader holds most of the engagement,
the next ranks fall off by orders of magnitude — so a single log-log slope would describe neither its
top nor its tail. The figure data keeps the local slope between neighbouring ranks instead.
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
    cohort_winners,
    execute,
    finite,
    losers_per_winner,
    mean_ci,
    module_main,
    plot_from_tables,
    show,
    summarise,
)
from .common import (
    significant as _significant,
)

NAME = "few_winners"
CLAIMS = ("C3",)
TITLE = "Winners, losers and concentration in the default market after 100, 200 and 400 steps"
HORIZONS = (100, 200, 400)
TABLES = {
    "runs": "one row per run: seed, replicate and the final outcome measures (RunResult.summary, at the last horizon)",
    "horizons": "one row per run and horizon (100, 200, 400 steps): the outcome measures of RunResult.summary at "
                "that step, companies_ever, winner_cohort_share (winners / cohort) and winner_engagement_share",
    "timeseries": "one row per run and step: every metric of model.METRICS",
    "companies": "one row per run, horizon and company ever in the market by then: format, alive, entry/exit step, "
                 "engagement share, cumulative profit, in_cohort and winner (cohort winner at that horizon)",
}
GRID = np.linspace(0.0, 1.0, 101)


def settings(quick: bool) -> dict[str, Any]:
    """Design constants: defaults of the model; the quick mode uses a smaller market and fewer replicates."""
    if quick:
        return {"replicates": 6, "steps": max(HORIZONS), "horizons": list(HORIZONS), "params": {"n_users": 1000}}
    return {"replicates": 100, "steps": max(HORIZONS), "horizons": list(HORIZONS), "params": {}}


def design(quick: bool, seed: int = DEFAULT_SEED) -> Design:
    s = settings(quick)
    jobs = [Job({"replicate": r}, dict(s["params"]), s["steps"], {"horizons": s["horizons"]})
            for r in range(s["replicates"])]
    return Design(jobs, {**s, "base": "model defaults (Params())",
                         "winners": "cohort: companies in the market maturity_age steps before; winner = alive with "
                                    "a positive profit over the last maturity_age steps; loser = rest of the cohort",
                         "losers_per_winner": "ratio of the mean numbers of losers and winners over runs, 95% "
                                              "interval by the delta method",
                         "interval": "95% Student-t interval of the mean over replicates"})


def run_job(job: Job, seed: int) -> dict[str, Any]:
    from model import EngagementModel
    from model.metrics import SUMMARY_KEYS
    from model.simulate import collect

    horizons = set(job.options.get("horizons", [job.steps]))
    model = EngagementModel(rng=seed, **job.params)
    rows, tables = [], []
    for _ in range(job.steps):
        if not model.running:
            break
        model.step()
        if model.steps in horizons:
            companies = model.companies_frame()
            in_cohort, winner = cohort_winners(model)
            current = model.current
            cohort = int(in_cohort.sum())
            rows.append({"horizon": model.steps, **{key: current[key] for key in SUMMARY_KEYS},
                         "companies_ever": len(companies),
                         "winner_cohort_share": winner.sum() / cohort if cohort else math.nan,
                         "winner_engagement_share": float(companies["share"].to_numpy()[winner].sum())})
            table = companies[["id", "format", "alive", "entry_step", "exit_step", "share", "profit"]].copy()
            table.insert(0, "horizon", model.steps)
            table["in_cohort"] = in_cohort
            table["winner"] = winner
            tables.append(table)
    result = collect(model, seed)
    runs = dict(result.summary)
    runs.pop("seed", None)
    return {"runs": runs, "horizons": pd.DataFrame(rows), "timeseries": result.timeseries,
            "companies": pd.concat(tables, ignore_index=True)}


# ====================================================================== analysis
def lorenz_table(companies: pd.DataFrame, survivors_only: bool = False) -> pd.DataFrame:
    """Per run and horizon, the Lorenz curve of shares (every company that entered, or the survivors) on a grid."""
    from model.metrics import lorenz_curve

    frame = companies[companies["alive"]] if survivors_only else companies
    curves = []
    for (run, horizon), group in frame.groupby(["run_id", "horizon"], sort=True):
        x, y = lorenz_curve(group["share"].to_numpy())
        curves.append(pd.DataFrame({"run_id": run, "horizon": horizon, "population": GRID,
                                    "engagement": np.interp(GRID, x, y)}))
    return pd.concat(curves, ignore_index=True)


def rank_table(companies: pd.DataFrame) -> pd.DataFrame:
    """Per run and horizon, the shares of companies with positive share by rank (1 = largest)."""
    frames = []
    for (run, horizon), group in companies.groupby(["run_id", "horizon"], sort=True):
        shares = np.sort(group["share"].to_numpy())[::-1]
        shares = shares[shares > 0]
        frames.append(pd.DataFrame({"run_id": run, "horizon": horizon, "rank": np.arange(1, shares.size + 1),
                                    "share": shares}))
    return pd.concat(frames, ignore_index=True)


def horizon_summary(horizons: pd.DataFrame) -> dict[int, dict[str, Any]]:
    """Per horizon: losers per winner (ratio of means), runs without winners, and means with 95% intervals."""
    out = {}
    for horizon, group in horizons.groupby("horizon", sort=True):
        entry: dict[str, Any] = {"runs": len(group), "no_winner_runs": int((group["winners"] <= 0).sum()),
                                 "loser_winner_ratio": losers_per_winner(group)}
        for column in ("winners", "losers", "cohort", "winner_cohort_share", "winner_engagement_share", "survivors",
                       "companies_ever", "gini", "gini_survivors", "top10_share", "top10_share_survivors",
                       "top1_share", "rank_size_slope", "attention_to_companies", "relationships_per_user"):
            entry[column] = mean_ci(group[column])
        out[int(horizon)] = entry
    return out


def headline(tables: dict[str, pd.DataFrame], manifest: dict[str, Any]) -> dict[str, Any]:
    stats = horizon_summary(tables["horizons"])
    result: dict[str, Any] = {"horizons": {}, "text": []}
    for horizon, s in stats.items():
        ratio = s["loser_winner_ratio"]
        result["horizons"][str(horizon)] = {
            key: ([finite(v) for v in value] if isinstance(value, tuple) else value) for key, value in s.items()}
        result["text"].append(
            f"after {horizon} steps: {show(ratio[0], '.1f')} losers per winner in the cohort (ratio of means, 95% CI "
            f"{show(ratio[1], '.1f')}-{show(ratio[2], '.1f')}; {s['no_winner_runs']} of {s['runs']} runs without a "
            f"winner); cohort {s['cohort'][0]:.1f}, winners {s['winners'][0]:.1f} = "
            f"{show(100 * s['winner_cohort_share'][0], '.0f')}% of the cohort, holding "
            f"{show(100 * s['winner_engagement_share'][0], '.0f')}% of the engagement")
        result["text"].append(
            f"after {horizon} steps: Gini {s['gini'][0]:.2f} over all {s['companies_ever'][0]:.0f} companies that "
            f"entered (exited = 0) vs {s['gini_survivors'][0]:.2f} among the {s['survivors'][0]:.1f} survivors; "
            f"top 10% hold {100 * s['top10_share'][0]:.0f}% (all entrants) vs "
            f"{100 * s['top10_share_survivors'][0]:.0f}% (survivors); top-1 share {s['top1_share'][0]:.2f}")
    # the 100-step values under their old keys (the default run length of the other experiments)
    first = stats[min(stats)]
    result["loser_winner_ratio"] = [finite(v) for v in first["loser_winner_ratio"]]
    for key in ("winner_cohort_share", "winner_engagement_share", "gini", "gini_survivors", "top10_share",
                "top10_share_survivors"):
        result[key] = [finite(v) for v in first[key]]
    return result


# ====================================================================== figure

def figure_data(tables: dict[str, pd.DataFrame], manifest: dict[str, Any]) -> dict[str, pd.DataFrame]:
    """The tables the figure is drawn from: Lorenz curves and mean shares by rank per horizon (means and 95%
    intervals over runs), concentration and cohort counts per step, and the per-horizon statistics."""
    runs, series, companies, horizons = tables["runs"], tables["timeseries"], tables["companies"], tables["horizons"]
    replicates = runs["run_id"].nunique()
    stats = horizon_summary(horizons)
    curves = []
    for survivors_only, who in ((False, "all"), (True, "survivors")):
        curve = summarise(lorenz_table(companies, survivors_only), ["horizon", "population"], ["engagement"])
        curves.append(curve.assign(companies=who))
    lorenz = pd.concat(curves, ignore_index=True)[["horizon", "companies", "population", "n", "engagement",
                                                     "engagement_low", "engagement_high"]]
    ranks = rank_table(companies)
    sizes = []
    for h in sorted(stats):
        mine = ranks[ranks["horizon"] == h]
        present = mine.groupby("rank")["run_id"].nunique()
        common = present.index[present >= 0.5 * replicates]
        by_rank = summarise(mine[mine["rank"].isin(common)], "rank", ["share"])
        if by_rank.empty:
            continue
        # local log-log slope between neighbouring ranks of the mean curve (no straight line is fitted: the
        # curve is far from straight, so one slope would describe neither its top nor its tail)
        log_rank, log_share = np.log(by_rank["rank"].to_numpy(float)), np.log(by_rank["share"].to_numpy(float))
        by_rank["local_slope"] = np.concatenate([[math.nan], np.diff(log_share) / np.diff(log_rank)])
        sizes.append(by_rank.assign(horizon=h))
    rank_size = pd.concat(sizes, ignore_index=True)[["horizon", "rank", "n", "share", "share_low", "share_high",
                                                      "local_slope"]]
    columns = ["gini", "gini_survivors", "top10_share", "top10_share_survivors", "top1_share", "cohort", "winners",
               "losers", "survivors"]
    over_time = summarise(series, "step", columns)
    rows = []
    for h, s in stats.items():
        row: dict[str, Any] = {"horizon": h, "runs": s["runs"], "no_winner_runs": s["no_winner_runs"]}
        for column in ("loser_winner_ratio", "winner_cohort_share", "winner_engagement_share", "gini",
                       "gini_survivors"):
            row[column], row[f"{column}_low"], row[f"{column}_high"] = s[column]
        rows.append(row)
    return {"lorenz": _significant(lorenz), "rank_size": _significant(rank_size),
            "over_time": _significant(over_time), "horizons": pd.DataFrame(rows)}


def draw(data: dict[str, pd.DataFrame], manifest: dict[str, Any], figure_dir: str | Path) -> list[Path]:
    """The figure, from ``figure_data`` only."""
    import matplotlib.pyplot as plt
    from matplotlib.lines import Line2D

    from model.plotting import LINESTYLES, MARKERS, PALETTE, line_with_band, panel_label, plain_log_ticks, save, style

    figure_dir = Path(figure_dir)
    stats = data["horizons"].sort_values("horizon").set_index("horizon")
    replicates = int(stats["runs"].max())
    marks = [int(h) for h in stats.index]
    colour_of = {h: PALETTE[i] for i, h in enumerate(marks)}
    with style():
        fig, axes = plt.subplots(2, 3, figsize=(16, 9.4))
        (lorenz_ax, rank_ax, conc_ax), (time_ax, ratio_ax, bar_ax) = axes

        # (a) Lorenz curves: every company that entered (solid) and the survivors (dashed)
        lorenz_ax.plot([0, 1], [0, 1], color="black", linestyle=":", linewidth=1.0)
        curves = data["lorenz"]
        for who, linestyle in (("all", "-"), ("survivors", "--")):
            for h in marks:
                mine = curves[(curves["companies"] == who) & (curves["horizon"] == h)].sort_values("population")
                line_with_band(lorenz_ax, mine["population"], mine["engagement"], mine["engagement_low"],
                               mine["engagement_high"], colour=colour_of[h], linestyle=linestyle)
        handles = [Line2D([], [], color=colour_of[h], label=f"{h} steps: Gini {stats.loc[h, 'gini']:.2f} all, "
                          f"{stats.loc[h, 'gini_survivors']:.2f} survivors") for h in marks]
        handles += [Line2D([], [], color="black", linestyle="-", label="all companies that entered (exited = 0)"),
                    Line2D([], [], color="black", linestyle="--", label="survivors only"),
                    Line2D([], [], color="black", linestyle=":", label="equal shares")]
        lorenz_ax.legend(handles=handles, loc="upper left", fontsize=7.5)
        lorenz_ax.set(xlim=(0, 1), ylim=(0, 1), xlabel="cumulative share of companies (smallest first)",
                      ylabel="cumulative share of engagement", title="Lorenz curves of engagement shares")

        # (b) rank-size: the mean share at each rank, no fitted line
        ranks = data["rank_size"]
        smallest = []
        for i, h in enumerate(marks):
            by_rank = ranks[ranks["horizon"] == h].sort_values("rank")
            if by_rank.empty:
                continue
            smallest.append(float(by_rank["share"].min()))
            line_with_band(rank_ax, by_rank["rank"], by_rank["share"], by_rank["share_low"].clip(lower=1e-6),
                           by_rank["share_high"], colour=colour_of[h], linestyle=LINESTYLES[i], marker=MARKERS[i],
                           label=f"{h} steps")
        rank_ax.set(xscale="log", yscale="log")
        if smallest:
            rank_ax.set_ylim(max(min(smallest) / 10, 1e-7), 2)
        plain_log_ticks(rank_ax.xaxis, [1, 2, 5, 10, 20, 50])
        plain_log_ticks(rank_ax.yaxis, [1e-6, 1e-5, 1e-4, 0.001, 0.01, 0.1, 1])
        rank_ax.set(xlabel="rank of company (1 = largest, log scale)", ylabel="engagement share (log scale)",
                    title="Rank-size (ranks held in at least half of the runs)")
        rank_ax.legend(loc="lower left", fontsize=8, title="mean share at each rank, 95% CI", title_fontsize=8)

        # (c) concentration over time, all entrants against survivors
        over_time = data["over_time"].sort_values("step")
        steps = over_time["step"]
        every = max(1, len(steps) // 8)
        looks = [("gini", "Gini, all companies that entered", PALETTE[4], "-", "s"),
                 ("gini_survivors", "Gini, survivors", PALETTE[4], "--", None),
                 ("top10_share", "top-10% share, all that entered", PALETTE[5], "-", "^"),
                 ("top10_share_survivors", "top-10% share, survivors", PALETTE[5], "--", None),
                 ("top1_share", "top-1 share", PALETTE[7], ":", None)]
        for column, label, colour, linestyle, marker in looks:
            line_with_band(conc_ax, steps, over_time[column], over_time[f"{column}_low"], over_time[f"{column}_high"],
                           colour=colour, linestyle=linestyle, marker=marker, markevery=every, label=label)
        conc_ax.set(ylim=(0, 1.02), xlabel="step", ylabel="share / coefficient",
                    title="Concentration over time: all entrants and survivors")
        conc_ax.legend(loc="lower right", fontsize=7.5)

        # (d) the cohort, its winners and losers over time
        for column, label, colour, linestyle, marker in (
                ("survivors", "companies in the market", PALETTE[5], "-.", None),
                ("cohort", "cohort (in the market maturity_age steps before)", PALETTE[0], "-", None),
                ("losers", "cohort losers (exited, or no recent profit)", PALETTE[3], "-", "s"),
                ("winners", "cohort winners (alive, recent profit > 0)", PALETTE[2], "--", "o")):
            line_with_band(time_ax, steps, over_time[column], over_time[f"{column}_low"], over_time[f"{column}_high"],
                           colour=colour, linestyle=linestyle, marker=marker, markevery=every, label=label)
        time_ax.set(xlabel="step (one period of attention, think of a week)", ylabel="companies (mean)",
                    title="Cohort, winners and losers over time")
        time_ax.set_ylim(bottom=0)
        time_ax.legend(loc="upper right", fontsize=7.5)
        for ax in (conc_ax, time_ax):
            for h in marks:
                ax.axvline(h, color=colour_of[h], linewidth=0.8, linestyle=":")

        # (e) losers per winner at each horizon
        positions = np.arange(len(marks))
        for i, h in enumerate(marks):
            ratio, low, high = (float(stats.loc[h, c]) for c in ("loser_winner_ratio", "loser_winner_ratio_low",
                                                                  "loser_winner_ratio_high"))
            if math.isfinite(ratio):
                ratio_ax.bar(i, ratio, width=0.6, color=colour_of[h], edgecolor="black", linewidth=0.6,
                             yerr=[[ratio - low], [high - ratio]], capsize=4)
            label = (f"{show(ratio, '.1f')}\n({int(stats.loc[h, 'no_winner_runs'])} of {int(stats.loc[h, 'runs'])} "
                     "runs\nwithout a winner)")
            ratio_ax.text(i, (high if math.isfinite(high) else 0) + 0.1, label, ha="center", va="bottom", fontsize=8)
        ratio_ax.axhline(1.0, color="black", linewidth=1, linestyle=":", label="1 = as many losers as winners")
        ratio_ax.legend(loc="upper left", fontsize=8)
        ratio_ax.set_xticks(positions, [f"{h} steps" for h in marks])
        ratio_ax.set_ylim(0, ratio_ax.get_ylim()[1] * 1.25)
        ratio_ax.set(ylabel="cohort losers per winner (ratio of means)", title="Losers per winner at each horizon")

        # (f) winners' share of the cohort and of the engagement
        width = 0.36
        for offset, column, label, hatch in ((-width / 2, "winner_cohort_share", "winners' share of the cohort", "//"),
                                             (width / 2, "winner_engagement_share",
                                              "winners' share of the engagement", "")):
            for i, h in enumerate(marks):
                mean, low, high = (float(stats.loc[h, c]) for c in (column, f"{column}_low", f"{column}_high"))
                bar_ax.bar(i + offset, mean, width=width, color="white" if hatch else colour_of[h],
                           edgecolor=colour_of[h] if hatch else "black", hatch=hatch, linewidth=1.0,
                           yerr=[[mean - low], [high - mean]], capsize=3, label=label if i == 0 else None)
                bar_ax.text(i + offset, high + 0.02, f"{show(100 * mean, '.0f')}%", ha="center", va="bottom",
                            fontsize=8)
        bar_ax.set_xticks(positions, [f"{h} steps" for h in marks])
        bar_ax.set(ylim=(0, 1.15), ylabel="share (mean, 95% CI)",
                   title="Winners' share of the cohort and of the engagement")
        bar_ax.legend(loc="upper center", ncol=2, fontsize=8, bbox_to_anchor=(0.5, -0.1))

        for ax, letter in zip(axes.flat, "abcdef", strict=True):
            panel_label(ax, letter)
        fig.suptitle(f"{TITLE}\n{replicates} independent runs of the default market, each read at "
                     f"{', '.join(str(h) for h in marks)} steps; bands and whiskers: 95% confidence intervals",
                     fontsize=12)
        fig.tight_layout()
        return save(fig, figure_dir / NAME)


def plot(out: str | Path, figure_dir: str | Path | None = None, *,
         tables: dict[str, pd.DataFrame] | None = None) -> list[Path]:
    """The figure from the full tables (``figure_data``, then ``draw``)."""
    return plot_from_tables(sys.modules[__name__], out, figure_dir, tables)


def run(quick: bool = False, out: str | Path | None = None, workers: int = 1, seed: int = DEFAULT_SEED,
        **options: bool) -> Path:
    """Run the experiment and write its data, figures and manifest into ``out`` (default results/few_winners)."""
    return execute(sys.modules[__name__], quick, out, workers, seed, **options)


if __name__ == "__main__":
    sys.exit(module_main(NAME))
