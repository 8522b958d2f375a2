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

Figure: engagement shares of one world (the run with the median final Gini; stacked: the companies that were ever in the top 8, and
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

from .common import (
    DEFAULT_SEED,
    Design,
    Job,
    execute,
    finite,
    mean_ci,
    module_main,
    plot_from_tables,
    show,
    summarise,
)
from .common import significant as _significant

NAME = "displacement"
CLAIMS = ("C1", "C3", "C9")
TITLE = "Companies, entries, exits and concentration in a growing market over 200 steps"
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
    """The run shown as one world: the run whose final Gini (over every company that entered) is the median of
    all runs; with an even number of runs the lower of the two middle ones, ties broken by the lower run id."""
    order = runs.sort_values(["gini", "run_id"]).reset_index(drop=True)
    return int(order.loc[(len(order) - 1) // 2, "run_id"])


#: How the world of panel (a) is chosen, in the figure and in its data.
WORLD_CRITERION = "median final Gini over all companies that entered (lower middle run for an even number of runs)"
#: The world of panel (a) shows this many companies (largest peak share) and all the rest.
LEADERS = 7


# ====================================================================== figure
def figure_data(tables: dict[str, pd.DataFrame], manifest: dict[str, Any]) -> dict[str, pd.DataFrame]:
    """The tables the figure is drawn from: the phases, means and 95% intervals per step, and the engagement
    shares of the one world shown (chosen by ``WORLD_CRITERION``), its companies and all the rest."""
    runs, series, shares = tables["runs"], tables["timeseries"], tables["shares"]
    n_users = int(manifest["design"]["params"].get("n_users", 5000))
    build_end, displacement_start, last = phase_bounds(series, n_users)
    bounds = [(0, build_end), (build_end, displacement_start), (displacement_start, last)]
    phases = pd.DataFrame([{"order": i, "phase": english, "phase_de": german, "start": start, "end": end}
                           for i, ((start, end), (english, german)) in enumerate(zip(bounds, PHASES, strict=True))])
    over_time = summarise(series.assign(users_share=series["active_users"] / n_users), "step",
                          ["survivors", "entries", "exits", "gini", "gini_survivors", "top10_share",
                           "top10_share_survivors", "top1_share", "users_share"])
    world = representative_run(runs)
    table = shares[shares["run_id"] == world].pivot_table(index="step", columns="company", values="share",
                                                          fill_value=0.0)
    table = table.reindex(range(int(series["step"].max()) + 1), fill_value=0.0)
    ranked = table.max().sort_values(ascending=False)
    leaders = list(ranked.index[:LEADERS])
    leaders.sort(key=lambda c: int(np.argmax(table[c].to_numpy() > 0)))  # in order of first engagement
    layers = [(f"company {c}", table[c].to_numpy()) for c in leaders]
    layers.append(("all others", table.drop(columns=leaders).sum(axis=1).to_numpy()))
    world_shares = pd.concat([pd.DataFrame({"layer": i, "label": label, "step": table.index, "share": values})
                              for i, (label, values) in enumerate(layers)], ignore_index=True)
    finals = runs["gini"].to_numpy(dtype=float)
    chosen = pd.DataFrame([{"run_id": world, "criterion": WORLD_CRITERION, "runs": len(runs),
                            "final_gini": float(runs.loc[runs["run_id"] == world, "gini"].iloc[0]),
                            "median_final_gini": float(np.median(finals)),
                            "min_final_gini": float(finals.min()), "max_final_gini": float(finals.max()),
                            "leaders": len(leaders)}])
    return {"phases": phases, "over_time": _significant(over_time), "world_shares": _significant(world_shares),
            "world": chosen}


def draw(data: dict[str, pd.DataFrame], manifest: dict[str, Any], figure_dir: str | Path) -> list[Path]:
    """The figure, from ``figure_data`` only."""
    import matplotlib.pyplot as plt

    from model.plotting import HATCHES, PALETTE, REST_COLOUR, line_with_band, save, style

    figure_dir = Path(figure_dir)
    phases = data["phases"].sort_values("order")
    bands = list(zip(phases["start"].astype(int), phases["end"].astype(int), strict=True))
    build_end, displacement_start, last = bands[0][1], bands[2][0], bands[2][1]
    tones = ["#F2F2F2", "#FFFFFF", "#E4E4E4"]
    over_time = data["over_time"].sort_values("step")
    steps = over_time["step"]
    chosen = data["world"].iloc[0]
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

        # (a) engagement shares of one world, chosen by a stated criterion
        world = data["world_shares"]
        layers = [(label, group.sort_values("step")) for (_, label), group in world.groupby(["layer", "label"])]
        leaders = len(layers) - 1
        colours = [PALETTE[i] for i in range(leaders)] + [REST_COLOUR]
        polygons = share_ax.stackplot(layers[0][1]["step"].to_numpy(), *(g["share"].to_numpy() for _, g in layers),
                                      colors=colours, labels=[label for label, _ in layers])
        for i, polygon in enumerate(polygons):
            polygon.set_hatch(HATCHES[i % len(HATCHES)] if i < leaders else "")
            polygon.set_edgecolor("white")
            polygon.set_linewidth(0.4)
        share_ax.set(ylim=(0, 1), xlim=(0, last), ylabel="engagement share",
                     title=f"(a) Engagement shares in run {int(chosen['run_id'])}: the {leaders} companies with the "
                           f"largest peak share and all the rest\nthe run with the median final Gini (all that entered) of "
                           f"{int(chosen['runs'])} runs: {chosen['final_gini']:.3f} (lower middle for an even number)")
        share_ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=8)
        for (start, end), english, german in zip(bands, phases["phase"], phases["phase_de"], strict=True):
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
        conc_ax.plot(steps, over_time["users_share"], color="black", linestyle="-.", linewidth=1.3,
                     label="users on the platform (share of the market)")
        conc_ax.set(ylim=(0, 1.05), xlabel="step (one period of attention, think of a week)",
                    ylabel="share / coefficient",
                    title="(c) Users on the platform and concentration: all companies that entered and survivors")
        conc_ax.legend(loc="lower right", fontsize=7.5, ncol=2)
        replicates = int(over_time["n"].max())
        founders = manifest["design"]["params"].get("n_companies", SCENARIO["n_companies"])
        newcomers = manifest["design"]["params"].get("entry_rate", SCENARIO["entry_rate"])
        fig.suptitle(f"{TITLE}\n{replicates} runs; bands: 95% CI of the mean; {founders} founders, {newcomers:g} "
                     "newcomers per step", fontsize=12)
        fig.tight_layout()
        return save(fig, figure_dir / NAME)



def plot(out: str | Path, figure_dir: str | Path | None = None, *,
         tables: dict[str, pd.DataFrame] | None = None) -> list[Path]:
    """The figure from the full tables (``figure_data``, then ``draw``)."""
    return plot_from_tables(sys.modules[__name__], out, figure_dir, tables)


def run(quick: bool = False, out: str | Path | None = None, workers: int = 1, seed: int = DEFAULT_SEED,
        **options: bool) -> Path:
    """Run the experiment and write its data, figures and manifest into ``out`` (default results/displacement)."""
    return execute(sys.modules[__name__], quick, out, workers, seed, **options)


if __name__ == "__main__":
    sys.exit(module_main(NAME))
