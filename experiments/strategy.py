"""strategy (C8): survival and winning by focus, adaptation on and off, and entry time.

"Ist unsere Social Media Strategie klar auf konkrete Unternehmensziele ausgerichtet? Oder ist
unsere Social Media Strategie mit zu vielen (unklaren) Zielen überfrachtet?" Three parts, each
in the default market:

- ``focus``: companies differ in focus — the share of their effort on their main format — drawn
  uniformly between 0 (scattered) and 1 (focused) (``strategy_focus`` 0.5, ``focus_spread`` 1);
  effort off the main format loses ``scatter_penalty`` of its effect (0, 0.25, 0.5, 1). Survival
  and the chance to be a cohort winner by focus, within the same markets.
- ``adaptation``: loss-making companies imitate the format of a profitable rival at reviews every
  10 steps, paying a switching cost, with probability ``adaptation`` (0 = off). Which formats
  hold the engagement at the end, and how many cohort winners there are over time.
- ``late``: newcomers at 0.5 per step (``entry_step`` in the companies table): survival to an age
  of 40 steps and engagement share at that age, by entry cohort (founders entered at step 0).

Winners are cohort winners (docs/ODD.md 4.11): companies in the market ``maturity_age`` steps before
the end, alive at the end, with a positive profit over those steps.
"""

from __future__ import annotations

import itertools
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
    mean_ci,
    module_main,
    plot_from_tables,
    show,
    summarise,
)
from .common import (
    significant as _significant,
)

NAME = "strategy"
CLAIMS = ("C8",)
TITLE = "Survival and winning by focus, adaptation and entry time"
TABLES = {
    "runs": "one row per run: part (focus, adaptation, late), scatter_penalty, adaptation, replicate, seed and final "
            "outcome measures",
    "timeseries": "adaptation part: one row per run and step with every metric of model.METRICS",
    "companies": "focus and late parts: one row per run and company: focus, entry and exit step, alive, in_cohort, "
                 "winner (cohort winner at the end), final share, share at age 40 (late part)",
}
AGE = 40
COHORT_EDGES = [0, 20, 40, 60, 80, 110]


def settings(quick: bool) -> dict[str, Any]:
    if quick:
        return {"penalties": [0.0, 1.0], "adaptation": [0.0, 1.0], "replicates": 3, "late_replicates": 4,
                "steps": 100, "steps_adaptation": 100, "steps_late": 120, "params": {"n_users": 1000}}
    return {"penalties": [0.0, 0.25, 0.5, 1.0], "adaptation": [0.0, 0.25, 0.5, 1.0], "replicates": 20,
            "late_replicates": 30, "steps": 100, "steps_adaptation": 150, "steps_late": 150, "params": {}}


def design(quick: bool, seed: int = DEFAULT_SEED) -> Design:
    s = settings(quick)
    jobs = []
    for penalty in s["penalties"]:
        for r in range(s["replicates"]):
            jobs.append(Job({"part": "focus", "scatter_penalty": penalty, "adaptation": 0.0, "replicate": r},
                            {**s["params"], "strategy_focus": 0.5, "focus_spread": 1.0, "scatter_penalty": penalty},
                            s["steps"]))
    for level in s["adaptation"]:
        for r in range(s["replicates"]):
            jobs.append(Job({"part": "adaptation", "scatter_penalty": 0.5, "adaptation": level, "replicate": r},
                            {**s["params"], "adaptation": level}, s["steps_adaptation"]))
    for r in range(s["late_replicates"]):
        jobs.append(Job({"part": "late", "scatter_penalty": 0.5, "adaptation": 0.0, "replicate": r},
                        {**s["params"], "entry_rate": 0.5}, s["steps_late"]))
    return Design(jobs, {**s, "focus": "strategy_focus 0.5, focus_spread 1 (focus uniform on [0, 1])",
                         "late": f"entry_rate 0.5; survival to age {AGE}; cohorts by entry step {COHORT_EDGES}"})


def run_job(job: Job, seed: int) -> dict[str, Any]:
    from model import EngagementModel
    from model.simulate import collect

    model = EngagementModel(rng=seed, **job.params)
    for _ in range(job.steps):
        if not model.running:
            break
        model.step()
    result = collect(model, seed)
    summary = dict(result.summary)
    summary.pop("seed", None)
    part = job.conditions["part"]
    if part == "adaptation":
        return {"runs": summary, "timeseries": result.timeseries}
    companies = result.companies[["id", "format", "focus", "entry_step", "exit_step", "alive", "share", "profit"]].copy()
    companies["in_cohort"], companies["winner"] = cohort_winners(model)
    if part == "late":
        last = int(result.shares.index.max())
        ages = companies["entry_step"].to_numpy() + AGE
        companies["share_at_age"] = [float(result.shares.at[age, c]) if age <= last else math.nan
                                     for age, c in zip(ages, companies["id"], strict=True)]
        companies["survived_to_age"] = np.where(ages <= last, (companies["exit_step"] < 0)
                                                | (companies["exit_step"] > ages), np.nan)
    return {"runs": summary, "companies": companies}


# ====================================================================== analysis
def focus_bins(companies: pd.DataFrame) -> pd.DataFrame:
    """Per run and focus bin: share of companies alive and share that are winners."""
    frame = companies.copy()
    frame["focus_bin"] = np.minimum((frame["focus"] * 5).astype(int), 4)
    grouped = frame.groupby(["run_id", "scatter_penalty", "focus_bin"], observed=True)
    return grouped.agg(survival=("alive", "mean"), winning=("winner", "mean")).reset_index()


def cohorts(companies: pd.DataFrame) -> pd.DataFrame:
    """Per run and entry cohort: survival to age AGE and mean share at that age (eligible companies only)."""
    frame = companies.dropna(subset=["survived_to_age"]).copy()
    labels = ["founders"] + [f"{a + 1}–{b}" for a, b in itertools.pairwise(COHORT_EDGES)]
    frame["cohort"] = pd.cut(frame["entry_step"], [-1, *COHORT_EDGES], labels=labels)
    grouped = frame.groupby(["run_id", "cohort"], observed=True)
    table = grouped.agg(survival=("survived_to_age", "mean"), share=("share_at_age", "mean")).reset_index()
    table["cohort_index"] = table["cohort"].cat.codes
    return table


def headline(tables: dict[str, pd.DataFrame], manifest: dict[str, Any]) -> dict[str, Any]:
    runs, companies = tables["runs"], tables["companies"]
    focus = focus_bins(companies[companies["part"] == "focus"])
    top_penalty = focus["scatter_penalty"].max()
    strongest = focus[focus["scatter_penalty"] == top_penalty]
    scattered = mean_ci(strongest[strongest["focus_bin"] == 0]["survival"])
    focused = mean_ci(strongest[strongest["focus_bin"] == 4]["survival"])
    free = focus[focus["scatter_penalty"] == focus["scatter_penalty"].min()]
    free_scattered = mean_ci(free[free["focus_bin"] == 0]["survival"])
    free_focused = mean_ci(free[free["focus_bin"] == 4]["survival"])
    adaptation = runs[runs["part"] == "adaptation"]
    by_level = adaptation.groupby("adaptation")[["survivors", "winners", "losers", "top1_share", "gini",
                                                 "gini_survivors"]].mean()
    late = cohorts(companies[companies["part"] == "late"])
    by_cohort = late.groupby("cohort", observed=True)["survival"].mean()
    return {
        "survival_scattered": [finite(v) for v in scattered], "survival_focused": [finite(v) for v in focused],
        "survival_scattered_no_penalty": [finite(v) for v in free_scattered],
        "survival_focused_no_penalty": [finite(v) for v in free_focused],
        "adaptation": {f"{level:g}": {k: finite(v) for k, v in row.items()} for level, row in by_level.iterrows()},
        "survival_by_cohort": {str(k): finite(v) for k, v in by_cohort.items()},
        "text": [
            (f"scatter penalty {top_penalty:g}: survival {show(100 * scattered[0], '.0f')}% for the most scattered "
             f"fifth (focus < 0.2) against {show(100 * focused[0], '.0f')}% for the most focused (focus >= 0.8)"),
            (f"scatter penalty 0: survival {show(100 * free_scattered[0], '.0f')}% (focus < 0.2) against "
             f"{show(100 * free_focused[0], '.0f')}% (focus >= 0.8)"),
            "adaptation " + "; ".join(f"{level:g}: {row.survivors:.1f} survivors, {row.winners:.1f} cohort winners, "
                                      f"{row.losers:.1f} losers, top-1 {row.top1_share:.3f}, Gini all entrants "
                                      f"{row.gini:.2f}, survivors {row.gini_survivors:.2f}"
                                      for level, row in by_level.iterrows()),
            f"survival to age {AGE} by entry cohort: "
            + ", ".join(f"{k} {show(100 * v, '.0f')}%" for k, v in by_cohort.items()),
        ],
    }


# ====================================================================== figure
def figure_data(tables: dict[str, pd.DataFrame], manifest: dict[str, Any]) -> dict[str, pd.DataFrame]:
    """The tables the figure is drawn from (means and 95% intervals over runs): survival and winning by focus
    bin and scatter penalty; each format's mean engagement share at the end and the cohort winners per step,
    by adaptation; survival to age AGE and engagement share at that age by entry cohort; runs per part."""
    from model.plotting import FORMAT_ORDER

    runs, companies, series = tables["runs"], tables["companies"], tables["timeseries"]
    bins = focus_bins(companies[companies["part"] == "focus"])
    focus = summarise(bins, ["scatter_penalty", "focus_bin"], ["survival", "winning"])
    focus.insert(2, "focus_centre", (focus["focus_bin"] + 0.5) / 5)
    finals = series[series["step"] == series["step"].max()]
    formats = pd.DataFrame([{"adaptation": level, "format_order": i, "format": name,
                             "share": float(finals[finals["adaptation"] == level][f"share_{name}"].mean())}
                            for level in sorted(runs[runs["part"] == "adaptation"]["adaptation"].unique())
                            for i, name in enumerate(FORMAT_ORDER)])
    winners = summarise(series, ["adaptation", "step"], ["winners"])
    late = cohorts(companies[companies["part"] == "late"])
    cohort = summarise(late, ["cohort_index", "cohort"], ["survival", "share"]).sort_values("cohort_index")
    cohort["cohort"] = cohort["cohort"].astype(str)
    counts = pd.DataFrame([
        {"part": "focus", "runs": int(runs[runs["part"] == "focus"].groupby("scatter_penalty").size().min()),
         "meaning": "runs per scatter penalty (fewest)"},
        {"part": "adaptation", "runs": int(runs[runs["part"] == "adaptation"].groupby("adaptation").size().min()),
         "meaning": "runs per adaptation level (fewest)"},
        {"part": "late", "runs": int((runs["part"] == "late").sum()), "meaning": "runs in all"}])
    return {"focus": focus, "adaptation_formats": formats, "adaptation_winners": _significant(winners),
            "entry_cohorts": cohort, "run_counts": counts}


def draw(data: dict[str, pd.DataFrame], manifest: dict[str, Any], figure_dir: str | Path) -> list[Path]:
    """The figure, from ``figure_data`` only."""
    import matplotlib.pyplot as plt
    from matplotlib.patches import Patch

    from model.plotting import (
        FORMAT_COLOURS,
        FORMAT_HATCHES,
        FORMAT_ORDER,
        FORMAT_SHORT,
        LINESTYLES,
        MARKERS,
        PALETTE,
        line_with_band,
        panel_label,
        save,
        style,
    )

    figure_dir = Path(figure_dir)
    counts = data["run_counts"].set_index("part")["runs"]
    with style():
        fig, axes = plt.subplots(2, 3, figsize=(16, 9.6))
        (survive_ax, win_ax, format_ax), (winners_ax, cohort_ax, share_ax) = axes

        # (a, b) focus
        focus = data["focus"]
        for i, penalty in enumerate(sorted(focus["scatter_penalty"].unique())):
            table = focus[focus["scatter_penalty"] == penalty].sort_values("focus_bin")
            look = {"colour": PALETTE[i], "linestyle": LINESTYLES[i], "marker": MARKERS[i],
                    "label": f"scatter penalty {penalty:g}"}
            x = table["focus_centre"].to_numpy()
            line_with_band(survive_ax, x, table["survival"], table["survival_low"], table["survival_high"], **look)
            line_with_band(win_ax, x, table["winning"], table["winning_low"], table["winning_high"], **look)
        for ax, what in ((survive_ax, "survive"), (win_ax, "are cohort winners")):
            top = max(line.get_ydata().max() for line in ax.get_lines())
            ax.set(xlim=(0, 1), ylim=(0, min(1.0, max(0.1, 1.6 * float(top)))),
                   xlabel="focus: effort on the main format (0 scattered, 1 focused)",
                   ylabel=f"share of companies that {what}")
            ax.legend(loc="upper left", fontsize=8, title="effort off the main format loses", title_fontsize=8)
        survive_ax.set_title("Survival by focus")
        win_ax.set_title("Cohort winners by focus (alive, recent profit > 0)")

        # (c) adaptation: who holds the engagement
        formats = data["adaptation_formats"]
        levels = sorted(formats["adaptation"].unique())
        for i, level in enumerate(levels):
            bottom = 0.0
            at_level = formats[formats["adaptation"] == level].set_index("format")
            for name in FORMAT_ORDER:
                height = float(at_level.loc[name, "share"])
                format_ax.bar(i, height, bottom=bottom, width=0.6, color=FORMAT_COLOURS[name],
                              hatch=FORMAT_HATCHES[name], edgecolor="black", linewidth=0.5)
                if height > 0.07:
                    format_ax.text(i, bottom + height / 2, f"{100 * height:.0f}%", ha="center", va="center",
                                   fontsize=8, bbox={"boxstyle": "round,pad=0.15", "facecolor": "white",
                                                     "edgecolor": "none", "alpha": 0.8})
                bottom += height
        format_ax.set_xticks(range(len(levels)), [f"{level:g}" for level in levels])
        format_ax.set(ylim=(0, 1), xlabel="adaptation (chance to imitate per review)",
                      ylabel="engagement share at the end", title="Adaptation: engagement by format at the end")
        format_ax.legend(handles=[Patch(facecolor=FORMAT_COLOURS[n], hatch=FORMAT_HATCHES[n], edgecolor="black",
                                        label=FORMAT_SHORT[n].replace("-\n", "").replace("\n", " "))
                                  for n in reversed(FORMAT_ORDER)],
                         loc="center left", bbox_to_anchor=(1.0, 0.5), fontsize=7.5, handlelength=1.5)

        # (d) adaptation: winners over time
        for i, level in enumerate(levels):
            table = data["adaptation_winners"]
            table = table[table["adaptation"] == level].sort_values("step")
            line_with_band(winners_ax, table["step"], table["winners"], table["winners_low"], table["winners_high"],
                           colour=PALETTE[i], linestyle=LINESTYLES[i], marker=MARKERS[i],
                           markevery=max(1, len(table) // 8), label=f"adaptation {level:g}")
        winners_ax.set(xlabel="step", ylabel="cohort winners (alive, recent profit > 0)", ylim=(0, None),
                       title="Adaptation: cohort winners over time")
        winners_ax.legend(loc="upper left", fontsize=8)

        # (e, f) late entrants
        table = data["entry_cohorts"].sort_values("cohort_index").reset_index(drop=True)
        positions = np.arange(len(table))
        cohort_ax.bar(positions, table["survival"], width=0.65, color=PALETTE[0], edgecolor="black", linewidth=0.6,
                      hatch="", yerr=[table["survival"] - table["survival_low"],
                                      table["survival_high"] - table["survival"]], capsize=3)
        for position, value, high in zip(positions, table["survival"], table["survival_high"], strict=True):
            cohort_ax.text(position, min(high, 1.0) + 0.02, f"{show(100 * value, '.0f')}%", ha="center", va="bottom",
                           fontsize=8)
        cohort_ax.set_xticks(positions, [str(c) for c in table["cohort"]])
        cohort_ax.set(ylim=(0, 1), xlabel="entry step (cohort)", ylabel=f"share still in the market at age {AGE}",
                      title=f"Survival to age {AGE} by entry cohort")
        held = table["share"].to_numpy() > 0
        # on a log axis the lower whisker must stay above zero
        below = np.minimum(table["share"] - table["share_low"], 0.999 * table["share"]).clip(lower=0)
        share_ax.errorbar(positions[held], table["share"][held],
                          yerr=[below[held], (table["share_high"] - table["share"])[held]],
                          fmt="D", color=PALETTE[1], markeredgecolor="black", markersize=8, capsize=3,
                          linestyle="none")
        for position in positions[~held]:
            share_ax.annotate("none", (position, 0.02), xycoords=("data", "axes fraction"), ha="center", fontsize=8)
        share_ax.set_xticks(positions, [str(c) for c in table["cohort"]])
        share_ax.set_xlim(-0.5, len(positions) - 0.5)
        if held.any():  # whiskers reaching towards zero would stretch the log axis without end
            share_ax.set_ylim(float(table["share"][held].min()) / 30, float(table["share_high"].max()) * 2)
        share_ax.set(yscale="log", xlabel="entry step (cohort)",
                     ylabel=f"mean engagement share at age {AGE} (log scale)",
                     title=f"Engagement share at age {AGE} by entry cohort")
        for ax, letter in zip(axes.flat, "abcdef", strict=True):
            panel_label(ax, letter)
        replicates, late_runs = int(counts["focus"]), int(counts["late"])
        fig.suptitle(f"{TITLE}\n(a, b) focus uniform on [0, 1] within each market; (c, d) adaptation; (e, f) newcomers "
                     f"at 0.5 per step; {replicates} runs per level ({late_runs} for e, f); 95% CI", fontsize=11.5)
        fig.tight_layout()
        return save(fig, figure_dir / NAME)



def plot(out: str | Path, figure_dir: str | Path | None = None, *,
         tables: dict[str, pd.DataFrame] | None = None) -> list[Path]:
    """The figure from the full tables (``figure_data``, then ``draw``)."""
    return plot_from_tables(sys.modules[__name__], out, figure_dir, tables)


def run(quick: bool = False, out: str | Path | None = None, workers: int = 1, seed: int = DEFAULT_SEED,
        **options: bool) -> Path:
    """Run the experiment and write its data, figures and manifest into ``out`` (default results/strategy)."""
    return execute(sys.modules[__name__], quick, out, workers, seed, **options)


if __name__ == "__main__":
    sys.exit(module_main(NAME))
