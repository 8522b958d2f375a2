"""information_and_participation (C5, C6): concentration and the formats' shares of engagement against
the strengths of profiling and participation.

C5 *Informationsgewinnung / Profiling*: engaged users reveal their needs, so a company with more
knowledge makes offers that fit better and come earlier than a rival's (``profiling`` scales how
much knowledge improves fit and timing). C6 *Partizipation*: activated users act for the company,
recommending it to their ties (``participation`` scales that word of mouth; the format sets who
is activated: nobody for advertising, most in communities).

A grid of both strengths (0 = off) in the default market (the article's format mix, newcomers,
exit). Outcomes after 100 steps: concentration (top-1 share, effective competitors, and the Gini
coefficient over every company that entered and among the survivors) and the engagement share of
each format, in particular of the two community formats.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

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
    replicate_jobs,
    summarise,
)

NAME = "information_and_participation"
CLAIMS = ("C5", "C6")
TITLE = "Top-1 share and the formats' shares of engagement against profiling and participation"
TABLES = {"runs": "one row per run: profiling, participation, replicate, seed, the final outcome measures and the "
                  "final engagement share of each format (share_<format>), community_share (brand + topic "
                  "community) and shallow_share (advertising + information broadcasting)"}
SHALLOW = ("advertising", "information_broadcasting")
COMMUNITY = ("brand_community", "topic_community")


def settings(quick: bool) -> dict[str, Any]:
    if quick:
        return {"profiling": [0.0, 1.0], "participation": [0.0, 1.0], "replicates": 14, "steps": 100,
                "params": {"n_users": 1000}}
    levels = [0.0, 0.25, 0.5, 0.75, 1.0]
    return {"profiling": levels, "participation": levels, "replicates": 20, "steps": 100, "params": {}}


def design(quick: bool, seed: int = DEFAULT_SEED) -> Design:
    s = settings(quick)
    grid = [{"profiling": a, "participation": b} for a in s["profiling"] for b in s["participation"]]
    jobs = replicate_jobs(grid, lambda c: {**s["params"], **c}, s["replicates"], s["steps"])
    return Design(jobs, {**s, "base": "model defaults (article format mix, newcomers, exit)"})


def run_job(job: Job, seed: int) -> dict[str, Any]:
    from model import FORMAT_NAMES, simulate

    result = simulate(steps=job.steps, seed=seed, **job.params)
    summary = dict(result.summary)
    summary.pop("seed", None)
    last = result.timeseries.iloc[-1]
    for name in FORMAT_NAMES:
        summary[f"share_{name}"] = float(last[f"share_{name}"])
    summary["community_share"] = sum(summary[f"share_{name}"] for name in COMMUNITY)
    summary["shallow_share"] = sum(summary[f"share_{name}"] for name in SHALLOW)
    return {"runs": summary}


def headline(tables: dict[str, pd.DataFrame], manifest: dict[str, Any]) -> dict[str, Any]:
    runs = tables["runs"]
    low_p, high_p = runs["profiling"].min(), runs["profiling"].max()
    low_q, high_q = runs["participation"].min(), runs["participation"].max()

    def cell(p: float, q: float, column: str) -> tuple[float, float, float]:
        return mean_ci(runs[(runs["profiling"] == p) & (runs["participation"] == q)][column])

    corners = {"off": (low_p, low_q), "profiling": (high_p, low_q), "participation": (low_p, high_q),
               "both": (high_p, high_q)}
    result: dict[str, Any] = {"text": []}
    for label, (p, q) in corners.items():
        top1, community = cell(p, q, "top1_share"), cell(p, q, "community_share")
        gini, gini_survivors = cell(p, q, "gini"), cell(p, q, "gini_survivors")
        top10, top10_survivors = cell(p, q, "top10_share"), cell(p, q, "top10_share_survivors")
        result[label] = {"top1_share": [finite(v) for v in top1], "community_share": [finite(v) for v in community],
                         "gini": [finite(v) for v in gini], "gini_survivors": [finite(v) for v in gini_survivors],
                         "top10_share": [finite(v) for v in top10],
                         "top10_share_survivors": [finite(v) for v in top10_survivors]}
        result["text"].append(f"profiling {p:g}, participation {q:g}: top-1 share {top1[0]:.3f} "
                              f"({top1[1]:.3f}-{top1[2]:.3f}), community formats hold {100 * community[0]:.0f}% "
                              f"of engagement; Gini all entrants "
                              f"{gini[0]:.2f}, survivors {gini_survivors[0]:.2f}; top-10% share all "
                              f"{top10[0]:.2f}, survivors {top10_survivors[0]:.2f}")
    return result


# ====================================================================== figure
def figure_data(tables: dict[str, pd.DataFrame], manifest: dict[str, Any]) -> dict[str, pd.DataFrame]:
    """The table the figure is drawn from: per profiling and participation strength, the means and 95%
    intervals over runs of the top-1 share, the community formats' share, the Gini, the effective number
    of competitors and each format's share of the engagement."""
    from model.plotting import FORMAT_ORDER

    means = summarise(tables["runs"], ["profiling", "participation"],
                      ["top1_share", "community_share", "gini", "effective_competitors",
                       *(f"share_{name}" for name in FORMAT_ORDER)])
    return {"cells": means}


def draw(data: dict[str, pd.DataFrame], manifest: dict[str, Any], figure_dir: str | Path) -> list[Path]:
    """The figure, from ``figure_data`` only."""
    import matplotlib.pyplot as plt
    from matplotlib.patches import Patch

    from model.plotting import (
        FORMAT_COLOURS,
        FORMAT_HATCHES,
        FORMAT_LABELS,
        FORMAT_ORDER,
        PALETTE,
        heatmap,
        line_with_band,
        panel_label,
        save,
        style,
    )

    figure_dir = Path(figure_dir)
    means = data["cells"]
    profiling = sorted(means["profiling"].unique())
    participation = sorted(means["participation"].unique())
    top1 = means.pivot(index="profiling", columns="participation", values="top1_share").loc[profiling, participation]
    community = means.pivot(index="profiling", columns="participation",
                            values="community_share").loc[profiling, participation]
    with style():
        fig, axes = plt.subplots(2, 2, figsize=(12.5, 10))
        (top_ax, comm_ax), (line_ax, bar_ax) = axes
        labels_q = [f"{q:g}" for q in participation]
        labels_p = [f"{p:g}" for p in profiling]
        heatmap(top_ax, top1.to_numpy(), labels_q, labels_p, vmin=0, number_format="{:.3f}",
                colorbar_label="top-1 share (mean)")
        top_ax.set(xlabel="participation (Partizipation) strength", ylabel="profiling (Informationsgewinnung) strength",
                   title="Concentration: top-1 share")
        heatmap(comm_ax, community.to_numpy(), labels_q, labels_p, vmin=0, vmax=1, number_format="{:.2f}",
                colorbar_label="community share (mean)")
        comm_ax.set(xlabel="participation (Partizipation) strength", ylabel="profiling (Informationsgewinnung) strength",
                    title="Engagement share of brand + topic communities")

        # (c) each mechanism alone, with 95% intervals
        lowest_q, lowest_p = participation[0], profiling[0]
        alone_p = means[means["participation"] == lowest_q].sort_values("profiling")
        alone_q = means[means["profiling"] == lowest_p].sort_values("participation")
        both = means[means["profiling"] == means["participation"]].sort_values("profiling")
        line_with_band(line_ax, alone_p["profiling"], alone_p["top1_share"], alone_p["top1_share_low"],
                       alone_p["top1_share_high"], colour=PALETTE[0], linestyle="-", marker="o",
                       label="profiling alone (participation 0)")
        line_with_band(line_ax, alone_q["participation"], alone_q["top1_share"], alone_q["top1_share_low"],
                       alone_q["top1_share_high"], colour=PALETTE[3], linestyle="--", marker="s",
                       label="participation alone (profiling 0)")
        line_with_band(line_ax, both["profiling"], both["top1_share"], both["top1_share_low"],
                       both["top1_share_high"], colour=PALETTE[2], linestyle="-.", marker="^",
                       label="both at the same strength")
        line_ax.set(xlabel="strength (0 = off, 1 = strongest)", ylabel="top-1 share (mean, 95% CI)", ylim=(0, None),
                    title="Each mechanism alone and together")
        line_ax.legend(loc="upper left", fontsize=8)

        # (d) the format composition of the engagement at the four corners
        corners = [(profiling[0], participation[0], "both off"), (profiling[-1], participation[0], "profiling"),
                   (profiling[0], participation[-1], "participation"), (profiling[-1], participation[-1], "both")]
        indexed = means.set_index(["profiling", "participation"])
        for i, (p, q, _label) in enumerate(corners):
            bottom = 0.0
            for name in FORMAT_ORDER:
                height = float(indexed.loc[(p, q), f"share_{name}"])
                bar_ax.bar(i, height, bottom=bottom, width=0.6, color=FORMAT_COLOURS[name],
                           hatch=FORMAT_HATCHES[name], edgecolor="black", linewidth=0.5)
                if height > 0.06:
                    bar_ax.text(i, bottom + height / 2, f"{100 * height:.0f}%", ha="center", va="center", fontsize=8,
                                bbox={"boxstyle": "round,pad=0.15", "facecolor": "white", "edgecolor": "none",
                                      "alpha": 0.8})
                bottom += height
        bar_ax.set_xticks(range(len(corners)), [f"{label}\n(profiling {p:g},\nparticipation {q:g})"
                                                for p, q, label in corners], fontsize=8)
        bar_ax.set(ylim=(0, 1), ylabel="engagement share at the end", title="Engagement by format at the four corners")
        bar_ax.legend(handles=[Patch(facecolor=FORMAT_COLOURS[n], hatch=FORMAT_HATCHES[n], edgecolor="black",
                                     label=FORMAT_LABELS[n]) for n in reversed(FORMAT_ORDER)],
                      loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=7.5)
        for ax, letter in zip(axes.flat, "abcd", strict=True):
            panel_label(ax, letter)
        replicates = int(means["n"].min())
        fig.suptitle(f"{TITLE}\ndefault market (article's format mix), 100 steps, {replicates} runs per cell",
                     fontsize=11.5)
        fig.tight_layout()
        return save(fig, figure_dir / NAME)


def plot(out: str | Path, figure_dir: str | Path | None = None, *,
         tables: dict[str, pd.DataFrame] | None = None) -> list[Path]:
    """The figure from the full tables (``figure_data``, then ``draw``)."""
    return plot_from_tables(sys.modules[__name__], out, figure_dir, tables)


def run(quick: bool = False, out: str | Path | None = None, workers: int = 1, seed: int = DEFAULT_SEED,
        **options: bool) -> Path:
    """Run the experiment and write its data, figures and manifest into ``out``."""
    return execute(sys.modules[__name__], quick, out, workers, seed, **options)


if __name__ == "__main__":
    sys.exit(module_main(NAME))
