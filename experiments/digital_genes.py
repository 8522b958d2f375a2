"""digital_genes (C2): "Social Media hat digitale Gene" — concentration against the strength of feedback.

A phase diagram over the strength of social feedback (``social_influence``, the exponent γ of the
one popularity weight g_c = ((N_c + k) / (N_max + k))^γ, N_c the attention company c received last
step in users' worth (docs/ODD.md): it scales what the feed shows, the challenger's chance in the
switching contest and the split of a user's attention; 0 none, 1 proportional, > 1 super-linear)
and crowding (companies per unit of attention, as in the ``crowding`` experiment). To isolate the feedback, every company uses the same format
(dialogue), profiling and participation are off and no newcomers enter; companies still differ
in topic and starting resources, and still exit when they run out.

Outcomes per cell (mean of the replicates): the top-1 share and the effective number of
competitors (1/HHI). The boundary of winner-take-most — where the largest company holds more
than half of all engagement — is drawn on both maps.
"""

from __future__ import annotations

import math
import sys
from pathlib import Path
from typing import Any

import pandas as pd

from .common import (
    DEFAULT_SEED,
    Design,
    Job,
    crossing,
    empty_market,
    execute,
    finite,
    module_main,
    plot_from_tables,
    replicate_jobs,
    summarise,
)

NAME = "digital_genes"
CLAIMS = ("C2",)
TITLE = "Top-1 share and effective number of competitors against social influence γ and crowding"
TABLES = {"runs": "one row per run: social_influence, n_companies, crowding, replicate, seed and the final outcome "
                  "measures (top1_share, effective_competitors, gini, survivors, ...)"}
WINNER_TAKE_MOST = 0.5  # the largest company holds more than half of all engagement
DEFAULT_COST = 0.004
BASE = {"format_mix": "dialogue", "profiling": 0.0, "participation": 0.0, "entry_rate": 0.0}


def settings(quick: bool) -> dict[str, Any]:
    if quick:
        return {"social_influence": [0.0, 1.0, 2.0, 3.0], "n_companies": [20, 100], "replicates": 4, "steps": 100,
                "params": {**BASE, "n_users": 1000}}
    return {"social_influence": [0.0, 0.5, 1.0, 1.5, 2.0, 2.5, 3.0, 3.5, 4.0],
            "n_companies": [10, 20, 50, 100, 200, 400], "replicates": 20, "steps": 100, "params": dict(BASE)}


def design(quick: bool, seed: int = DEFAULT_SEED) -> Design:
    s = settings(quick)
    grid = [{"social_influence": g, "n_companies": n, "crowding": n * DEFAULT_COST}
            for n in s["n_companies"] for g in s["social_influence"]]
    jobs = replicate_jobs(grid, lambda c: {**s["params"], "social_influence": c["social_influence"],
                                           "n_companies": c["n_companies"]}, s["replicates"], s["steps"])
    return Design(jobs, {**s, "crowding": "n_companies * operating_cost / (value_per_attention * attention_budget)",
                         "winner_take_most": f"top1_share > {WINNER_TAKE_MOST}"})


def run_job(job: Job, seed: int) -> dict[str, Any]:
    from model import simulate

    summary = empty_market(dict(simulate(steps=job.steps, seed=seed, **job.params).summary))
    summary.pop("seed", None)
    summary["survivor_share"] = summary["survivors"] / (summary["survivors"] + summary["exits"])
    return {"runs": summary}


# ====================================================================== analysis
def cell_means(runs: pd.DataFrame) -> pd.DataFrame:
    return summarise(runs, ["n_companies", "social_influence"], ["top1_share", "effective_competitors", "gini"])


def boundary(means: pd.DataFrame) -> pd.DataFrame:
    """Per crowding level, the social influence at which the mean top-1 share first exceeds one half."""
    rows = []
    for n, group in means.groupby("n_companies", sort=True):
        group = group.sort_values("social_influence")
        rows.append({"n_companies": n, "crowding": n * DEFAULT_COST,
                     "social_influence": crossing(group["social_influence"], group["top1_share"], WINNER_TAKE_MOST)})
    return pd.DataFrame(rows)


def headline(tables: dict[str, pd.DataFrame], manifest: dict[str, Any]) -> dict[str, Any]:
    means = cell_means(tables["runs"])
    edge = boundary(means)
    text = ["winner-take-most (top-1 share > 0.5) begins at social influence "
            + ", ".join(f"{row.social_influence:.2f} (n={row.n_companies})" if math.isfinite(row.social_influence)
                        else f"never (n={row.n_companies})" for row in edge.itertuples())]
    lowest, highest = means["social_influence"].min(), means["social_influence"].max()
    for n in (means["n_companies"].min(), means["n_companies"].max()):
        at = means[means["n_companies"] == n].set_index("social_influence")
        text.append(f"n={n}: top-1 share {at.loc[lowest, 'top1_share']:.3f} at γ={lowest:g} -> "
                    f"{at.loc[highest, 'top1_share']:.3f} at γ={highest:g}; effective competitors "
                    f"{at.loc[lowest, 'effective_competitors']:.1f} -> {at.loc[highest, 'effective_competitors']:.1f}")
    return {"boundary": {str(int(r.n_companies)): finite(r.social_influence) for r in edge.itertuples()},
            "text": text}


# ====================================================================== figure
def figure_data(tables: dict[str, pd.DataFrame], manifest: dict[str, Any]) -> dict[str, pd.DataFrame]:
    """The table the figure is drawn from: per number of companies (crowding) and social influence, the mean
    top-1 share, effective number of competitors and Gini with 95% intervals over runs."""
    means = cell_means(tables["runs"])
    means.insert(1, "crowding", means["n_companies"] * DEFAULT_COST)
    return {"cells": means}


def draw(data: dict[str, pd.DataFrame], manifest: dict[str, Any], figure_dir: str | Path) -> list[Path]:
    """The figure, from ``figure_data`` only."""
    import matplotlib.patheffects as effects
    import matplotlib.pyplot as plt

    from model.plotting import LINESTYLES, MARKERS, PALETTE, heatmap, line_with_band, panel_label, save, style

    figure_dir = Path(figure_dir)
    means = data["cells"]
    gammas = sorted(means["social_influence"].unique())
    sizes = sorted(means["n_companies"].unique())
    top1 = means.pivot(index="n_companies", columns="social_influence", values="top1_share").loc[sizes, gammas]
    effective = means.pivot(index="n_companies", columns="social_influence",
                            values="effective_competitors").loc[sizes, gammas]
    x_labels = [f"{g:g}" for g in gammas]
    y_labels = [f"{n * DEFAULT_COST:g}\n({n})" for n in sizes]
    with style():
        fig = plt.figure(figsize=(15, 5.4))
        grid = fig.add_gridspec(1, 3, width_ratios=[1.1, 1.1, 1.0])
        top_ax, eff_ax, line_ax = (fig.add_subplot(grid[0, i]) for i in range(3))
        heatmap(top_ax, top1.to_numpy(), x_labels, y_labels, vmin=0, vmax=1,
                colorbar_label="share of the largest company (top-1 share)")
        heatmap(eff_ax, effective.to_numpy(), x_labels, y_labels, log=True, number_format="{:.1f}",
                vmin=1, vmax=max(float(effective.to_numpy().max()), 2.0),
                colorbar_label="effective number of competitors (1/HHI, log)")
        # the boundary as a staircase along cell edges: left of it the leader holds less than half
        first = [next((i for i, v in enumerate(row) if v > WINNER_TAKE_MOST), None) for row in top1.to_numpy()]
        xs, ys = [], []
        for r, c in enumerate(first):
            if c is None:
                if xs:
                    break
                continue
            xs += [c - 0.5, c - 0.5]
            ys += [r - 0.5, r + 0.5]
        for ax in (top_ax, eff_ax):
            if xs:
                (line,) = ax.plot(xs, ys, color="white", linewidth=3, solid_capstyle="butt",
                                  label="winner-take-most begins")
                line.set_path_effects([effects.Stroke(linewidth=5.5, foreground="black"), effects.Normal()])
            linear = gammas.index(1.0) if 1.0 in gammas else None
            if linear is not None:
                ax.axvline(linear, color="white", linewidth=1.0, linestyle="--", alpha=0.7)
            ax.set_xlabel("social influence γ (0 none, 1 proportional, > 1 super-linear)")
            ax.set_ylabel("crowding (companies)")
        top_ax.set_title("Top-1 share")
        eff_ax.set_title("Effective number of competitors")

        # the transition, with its uncertainty, at three crowding levels
        picks = [sizes[0], sizes[len(sizes) // 2], sizes[-1]] if len(sizes) >= 3 else sizes
        for i, n in enumerate(picks):
            table = means[means["n_companies"] == n].sort_values("social_influence")
            line_with_band(line_ax, table["social_influence"], table["top1_share"], table["top1_share_low"],
                           table["top1_share_high"], colour=PALETTE[i], linestyle=LINESTYLES[i], marker=MARKERS[i],
                           label=f"crowding {n * DEFAULT_COST:g} ({n} companies)")
            line_ax.axhline(1 / n, color=PALETTE[i], linewidth=0.8, linestyle=":")
        line_ax.axhline(WINNER_TAKE_MOST, color="black", linewidth=1)
        line_ax.text(gammas[0], WINNER_TAKE_MOST + 0.015, "winner-take-most above", fontsize=8, va="bottom")
        line_ax.set(xlabel="social influence γ", ylabel="top-1 share (mean, 95% CI)", ylim=(0, 1.02),
                    title="The transition (dotted: fair share 1/n)")
        line_ax.legend(loc="upper left", fontsize=8)
        for ax, letter in zip((top_ax, eff_ax, line_ax), "abc", strict=True):
            panel_label(ax, letter)
        replicates = int(means["n"].min())
        fig.suptitle(f"{TITLE}\nall companies dialogue, no profiling, participation or newcomers; {replicates} runs "
                     "per cell (means); thick line: winner-take-most begins (top-1 share > 0.5) to its right; "
                     "dashed: γ = 1", fontsize=11)
        fig.tight_layout()
        return save(fig, figure_dir / NAME)


def plot(out: str | Path, figure_dir: str | Path | None = None, *,
         tables: dict[str, pd.DataFrame] | None = None) -> list[Path]:
    """The figure from the full tables (``figure_data``, then ``draw``)."""
    return plot_from_tables(sys.modules[__name__], out, figure_dir, tables)


def run(quick: bool = False, out: str | Path | None = None, workers: int = 1, seed: int = DEFAULT_SEED,
        **options: bool) -> Path:
    """Run the experiment and write its data, figures and manifest into ``out`` (default results/digital_genes)."""
    return execute(sys.modules[__name__], quick, out, workers, seed, **options)


if __name__ == "__main__":
    sys.exit(module_main(NAME))
