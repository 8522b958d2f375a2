"""displacement (C1, C3, C9): build-up, usage and displacement phases — entries, exits and concentration over time.

The article's phases: the build-up (*Aufbauphase*: platforms and reach are built, the user base
grows), the usage phase (*Nutzungsphase*: strategy, infrastructure, information, participation)
and, "nach dem Ende der Party", the displacement competition (*Verdrängungswettbewerb*). In the
model the user base grows logistically and saturates while companies keep entering (C9); the
companies' resources carry them for a while, then those without enough engagement exit (C3).

Scenario: the default market with 30 founding companies, newcomers at 0.5 per step (so that
companies keep arriving throughout) and 40 steps of starting runway (so that the build-up is not
cut short by the first exits), run for 200 steps. Phases are read off the data:

- build-up ends when the user base reaches 90% of the market (from the logistic growth);
- displacement begins when the number of live companies peaks (mean over replicates, smoothed
  over 9 steps) — from then on exits outpace entries although newcomers keep coming;
- the usage phase lies in between (it is empty if the peak comes before the end of growth).

Figure: engagement shares of one world (stacked: the companies that were ever in the top 8, and
all the rest), entries, exits and survivors, and concentration (Gini and top-10% share over every
company that entered and among the survivors, top-1 share), with 95% intervals over replicates and
the three phases shaded.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .common import DEFAULT_SEED, Design, Job, execute, finite, mean_ci, module_main, read_tables, show, summarise

NAME = "displacement"
CLAIMS = ("C1", "C3", "C9")
TITLE = "C9, C3: companies, entries, exits and concentration in a growing market over 200 steps"
TABLES = {
    "runs": "one row per run: replicate, seed and final outcome measures; peak_survivors and peak_step",
    "timeseries": "one row per run and step: every metric of model.METRICS (active users, survivors, entries, "
                  "exits, gini, top1_share, ...)",
    "shares": "one row per run, step and company with positive engagement share (long format)",
}
SCENARIO = {"n_companies": 30, "entry_rate": 0.5, "initial_runway": 40.0}
PHASES = (("build-up", "Aufbauphase"), ("usage", "Nutzungsphase"), ("displacement", "Verdrängungswettbewerb"))
SMOOTHING = 9


def settings(quick: bool) -> dict[str, Any]:
    if quick:
        return {"replicates": 10, "steps": 200, "params": {**SCENARIO, "n_users": 1000}}
    return {"replicates": 40, "steps": 200, "params": dict(SCENARIO)}


def design(quick: bool, seed: int = DEFAULT_SEED) -> Design:
    s = settings(quick)
    jobs = [Job({"replicate": r}, dict(s["params"]), s["steps"]) for r in range(s["replicates"])]
    return Design(jobs, {**s, "base": "model defaults with the scenario's overrides",
                         "phases": "build-up ends at 90% of the user base; displacement begins at the peak of "
                                   f"mean survivors ({SMOOTHING}-step centred moving average)"})


def run_job(job: Job, seed: int) -> dict[str, Any]:
    from model import simulate

    result = simulate(steps=job.steps, seed=seed, **job.params)
    runs = dict(result.summary)
    runs.pop("seed", None)
    survivors = result.timeseries["survivors"].to_numpy()
    runs["peak_survivors"] = int(survivors.max())
    runs["peak_step"] = int(survivors.argmax())
    long = result.shares.stack().rename("share").reset_index()
    long.columns = ["step", "company", "share"]
    long = long[long["share"] > 0].reset_index(drop=True)
    return {"runs": runs, "timeseries": result.timeseries, "shares": long}


# ====================================================================== analysis
def phase_bounds(series: pd.DataFrame, n_users: int) -> tuple[int, int, int]:
    """(end of build-up, start of displacement, last step) from the replicate means."""
    means = series.groupby("step", sort=True)[["active_users", "survivors"]].mean()
    steps = means.index.to_numpy()
    grown = np.flatnonzero(means["active_users"].to_numpy() >= 0.9 * n_users)
    build_end = int(steps[grown[0]]) if grown.size else int(steps[-1])
    smooth = means["survivors"].rolling(SMOOTHING, center=True, min_periods=1).mean()
    peak = int(smooth.idxmax())
    return build_end, max(peak, build_end), int(steps[-1])


def headline(tables: dict[str, pd.DataFrame], manifest: dict[str, Any]) -> dict[str, Any]:
    runs, series = tables["runs"], tables["timeseries"]
    n_users = int(manifest["design"]["params"].get("n_users", 5000))
    build_end, displacement_start, last = phase_bounds(series, n_users)
    columns = ["survivors", "entries", "exits", "gini", "gini_survivors", "top10_share", "top10_share_survivors",
               "top1_share", "attention_to_companies", "relationships_per_user"]
    means = series.groupby("step")[columns].mean()
    peak = means["survivors"].rolling(SMOOTHING, center=True, min_periods=1).mean().loc[displacement_start]
    exits_after = means.loc[last, "exits"] - means.loc[displacement_start, "exits"]
    entries_after = means.loc[last, "entries"] - means.loc[displacement_start, "entries"]
    survivors_end = mean_ci(runs["survivors"])
    usage = (f"usage (Nutzungsphase) to step {displacement_start}" if displacement_start > build_end
             else "no usage phase (live companies peak before the user base has grown)")
    at_build, at_end = means.loc[build_end], means.loc[last]
    return {
        "build_up_end": build_end, "displacement_start": displacement_start,
        "peak_survivors": finite(peak), "survivors_end": [finite(v) for v in survivors_end],
        "concentration": {column: [finite(at_build[column]), finite(at_end[column])]
                          for column in ("gini", "gini_survivors", "top10_share", "top10_share_survivors",
                                         "top1_share")},
        "text": [
            (f"build-up (Aufbauphase) to step {build_end}, {usage}, then displacement (Verdrängungswettbewerb) "
             f"to step {last}"),
            (f"live companies peak at {peak:.1f} (smoothed mean) and are {survivors_end[0]:.1f} at step {last} "
             f"(95% CI {show(survivors_end[1], '.1f')}-{show(survivors_end[2], '.1f')}) while {entries_after:.0f} "
             f"newcomers enter and {exits_after:.0f} companies exit after the peak"),
            (f"from the end of build-up (step {build_end}) to step {last}: Gini all entrants "
             f"{at_build['gini']:.2f} -> {at_end['gini']:.2f}, survivors {at_build['gini_survivors']:.2f} -> "
             f"{at_end['gini_survivors']:.2f}; top-10% share all {at_build['top10_share']:.2f} -> "
             f"{at_end['top10_share']:.2f}, survivors {at_build['top10_share_survivors']:.2f} -> "
             f"{at_end['top10_share_survivors']:.2f}; top-1 share {at_build['top1_share']:.3f} -> "
             f"{at_end['top1_share']:.3f}"),
            (f"attention to companies {at_build['attention_to_companies']:.3f} -> {at_end['attention_to_companies']:.3f}"
             f" of users' budgets; relationships per user {at_build['relationships_per_user']:.2f} -> "
             f"{at_end['relationships_per_user']:.2f}"),
        ],
    }


def representative_run(runs: pd.DataFrame) -> int:
    """The run whose final Gini is the median one (a typical world for the stacked plot)."""
    order = runs.sort_values(["gini", "run_id"]).reset_index(drop=True)
    return int(order.loc[(len(order) - 1) // 2, "run_id"])


# ====================================================================== figure
def plot(out: str | Path, figure_dir: str | Path | None = None, *,
         tables: dict[str, pd.DataFrame] | None = None) -> list[Path]:
    import matplotlib.pyplot as plt

    from model.plotting import HATCHES, PALETTE, REST_COLOUR, line_with_band, save, style

    from .common import read_manifest

    tables = tables if tables is not None else read_tables(out)
    manifest = read_manifest(out)
    figure_dir = Path(figure_dir if figure_dir is not None else out)
    runs, series, shares = tables["runs"], tables["timeseries"], tables["shares"]
    n_users = int(manifest["design"]["params"].get("n_users", 5000))
    build_end, displacement_start, last = phase_bounds(series, n_users)
    bands = [(0, build_end), (build_end, displacement_start), (displacement_start, last)]
    tones = ["#F2F2F2", "#FFFFFF", "#E4E4E4"]
    over_time = summarise(series, "step", ["survivors", "entries", "exits", "gini", "gini_survivors", "top10_share",
                                           "top10_share_survivors", "top1_share", "active_users"])
    steps = over_time["step"]
    with style():
        fig, axes = plt.subplots(3, 1, figsize=(10, 11.5), sharex=True,
                                 gridspec_kw={"height_ratios": [1.25, 1.0, 0.85]})
        share_ax, count_ax, conc_ax = axes
        for ax in axes:
            for (start, end), tone in zip(bands, tones, strict=True):
                if end > start:
                    ax.axvspan(start, end, color=tone, zorder=0, linewidth=0)
            for boundary in (build_end, displacement_start):
                if 0 < boundary < last:
                    ax.axvline(boundary, color="black", linewidth=0.9, linestyle=(0, (4, 2)), zorder=3)
            ax.set_axisbelow(True)

        # (a) engagement shares of one typical world
        world = representative_run(runs)
        table = shares[shares["run_id"] == world].pivot_table(index="step", columns="company", values="share",
                                                          fill_value=0.0)
        table = table.reindex(range(int(series["step"].max()) + 1), fill_value=0.0)
        ranked = table.max().sort_values(ascending=False)
        leaders = list(ranked.index[:7])
        leaders.sort(key=lambda c: int(np.argmax(table[c].to_numpy() > 0)))  # in order of first engagement
        layers = [table[c].to_numpy() for c in leaders]
        rest = table.drop(columns=leaders).sum(axis=1).to_numpy()
        colours = [PALETTE[i] for i in range(len(leaders))] + [REST_COLOUR]
        polygons = share_ax.stackplot(table.index, *layers, rest, colors=colours,
                                      labels=[f"company {c}" for c in leaders] + ["all others"])
        for i, polygon in enumerate(polygons):
            polygon.set_hatch(HATCHES[i % len(HATCHES)] if i < len(leaders) else "")
            polygon.set_edgecolor("white")
            polygon.set_linewidth(0.4)
        share_ax.set(ylim=(0, 1), xlim=(0, last), ylabel="engagement share",
                     title=f"(a) Engagement shares in one typical world (run {world}): the 7 largest companies "
                           "and all the rest")
        share_ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=8)
        for (start, end), (english, german) in zip(bands, PHASES, strict=True):
            if end > start:
                share_ax.text((start + end) / 2, 0.97, f"{german}\n({english})", ha="center", va="top",
                              fontsize=8, transform=share_ax.get_xaxis_transform(),
                              bbox={"boxstyle": "round,pad=0.15", "facecolor": "white", "edgecolor": "none",
                                    "alpha": 0.85})

        # (b) entries, exits, survivors
        line_with_band(count_ax, steps, over_time["survivors"], over_time["survivors_low"],
                       over_time["survivors_high"], colour=PALETTE[0], linestyle="-", marker="o", markevery=20,
                       label="companies in the market (survivors)")
        line_with_band(count_ax, steps, over_time["entries"], over_time["entries_low"], over_time["entries_high"],
                       colour=PALETTE[2], linestyle="--", marker="^", markevery=20, label="newcomers so far (entries)")
        line_with_band(count_ax, steps, over_time["exits"], over_time["exits_low"], over_time["exits_high"],
                       colour=PALETTE[3], linestyle=":", marker="v", markevery=20, label="exits so far")
        count_ax.legend(loc="upper left", fontsize=8)
        count_ax.set(ylabel="companies", title="(b) Companies in the market, newcomers and exits (cumulative)")
        count_ax.set_ylim(bottom=0)

        # (c) concentration
        for column, label, colour, linestyle, marker in (
                ("gini", "Gini, all companies that entered (exited = 0)", PALETTE[4], "-", "s"),
                ("gini_survivors", "Gini, survivors", PALETTE[4], "--", None),
                ("top10_share", "top-10% share, all that entered", PALETTE[5], "-", "^"),
                ("top10_share_survivors", "top-10% share, survivors", PALETTE[5], "--", None),
                ("top1_share", "top-1 share", PALETTE[1], ":", "D")):
            line_with_band(conc_ax, steps, over_time[column], over_time[f"{column}_low"], over_time[f"{column}_high"],
                           colour=colour, linestyle=linestyle, marker=marker, markevery=20, label=label)
        conc_ax.plot(steps, over_time["active_users"] / n_users, color="black", linestyle="-.", linewidth=1.3,
                     label="users on the platform (share of the market)")
        conc_ax.set(ylim=(0, 1.05), xlabel="step (one period of attention, think of a week)",
                    ylabel="share / coefficient",
                    title="(c) Users on the platform and concentration: all companies that entered and survivors")
        conc_ax.legend(loc="lower right", fontsize=7.5, ncol=2)
        replicates = len(runs)
        fig.suptitle(f"{TITLE}\n{replicates} runs; bands: 95% CI of the mean; 30 founders, 0.5 newcomers per step",
                     fontsize=12)
        fig.tight_layout()
        return save(fig, figure_dir / NAME)


def run(quick: bool = False, out: str | Path | None = None, workers: int = 1, seed: int = DEFAULT_SEED,
        **options: bool) -> Path:
    """Run the experiment and write its data, figures and manifest into ``out`` (default results/displacement)."""
    return execute(sys.modules[__name__], quick, out, workers, seed, **options)


if __name__ == "__main__":
    sys.exit(module_main(NAME))
