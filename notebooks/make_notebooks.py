"""Write the notebooks of this folder (without outputs) from the cells below.

    .venv/bin/python notebooks/make_notebooks.py

Edit the cells here, not the .ipynb files, and run this again; tests/test_notebooks.py executes every
notebook at quick size (``ENGAGEMENT_QUICK=1``), so they never rot.
"""

from __future__ import annotations

from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

HERE = Path(__file__).resolve().parent

SETUP = '''import os

QUICK = os.environ.get("ENGAGEMENT_QUICK") == "1"   # the test suite runs every notebook at quick size
{sizes}

import matplotlib.pyplot as plt
{imports}
%matplotlib inline'''
FULL_IMPORTS = """import numpy as np
import pandas as pd

from model.plotting import PALETTE, style
"""


def first_tour() -> list:
    return [
        new_markdown_cell("""# A first tour: one market, simulated, inspected, plotted

The model (docs/ODD.md) puts many companies in front of users with a limited attention budget. Each step,
every user's feed shows a few companies; popularity feeds back into what is shown (social influence, the
article's "digital genes", C2); companies that run out of money leave (C3) and newcomers enter (C9).

`model.simulate` runs one market and returns its tables as pandas DataFrames. Set the environment variable
`ENGAGEMENT_QUICK=1` for a quick run (the test suite does); otherwise the sizes below are the model's
usual ones."""),
        new_code_cell(SETUP.format(sizes='''N_USERS = 300 if QUICK else 5000
STEPS = 30 if QUICK else 100''', imports=FULL_IMPORTS)),
        new_markdown_cell("## 1. Run one market"),
        new_code_cell('''from model import simulate

result = simulate(steps=STEPS, seed=1, n_users=N_USERS)   # every other parameter at its default
result.summary'''),
        new_markdown_cell("""`summary` holds the final value of every outcome (defined in docs/ODD.md 4.11). `engagement params`
(or `model.params.Params.describe()`) lists every parameter with its meaning."""),
        new_code_cell('''from model.params import Params

pd.DataFrame(Params.describe()).set_index("name").loc[["n_users", "n_companies", "social_influence",
                                                       "exit_enabled", "entry_rate"], ["default", "meaning"]]'''),
        new_markdown_cell("## 2. The tables: one row per step, one row per company"),
        new_code_cell('''result.timeseries[["step", "survivors", "entries", "exits", "gini_survivors", "top1_share"]].tail()'''),
        new_code_cell('''companies = result.companies.sort_values("share", ascending=False)
companies[["id", "format", "alive", "entry_step", "exit_step", "share", "profit"]].head(8)'''),
        new_markdown_cell("## 3. Plot it"),
        new_code_cell('''ts = result.timeseries
with style():
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 3.8))
    left.plot(ts["step"], ts["survivors"], label="companies in the market", color=PALETTE[0])
    left.plot(ts["step"], ts["exits"], label="exits so far", color=PALETTE[3], linestyle="--")
    left.set(xlabel="step", ylabel="companies", title="Companies in the market and exits")
    left.legend()
    live = companies[companies["alive"]]
    ranks = np.arange(1, len(live) + 1)
    right.loglog(ranks, live["share"], marker="o", linestyle="none", color=PALETTE[0])
    right.set(xlabel="rank", ylabel="engagement share", title="Engagement share by rank (live companies)")
    fig.tight_layout()
    plt.show()'''),
        new_markdown_cell("""`model.plotting.plot_run(result, "run")` draws the standard figure of a run into `run.png`/`run.svg`;
`engagement run --out DIR` does the same from the command line."""),
        new_code_cell('''from model.plotting import plot_run

written = plot_run(result, "first_tour_run")
print("written:", ", ".join(str(path) for path in written))
print(f"RESULT gini_survivors={result.summary['gini_survivors']:.4f} survivors={result.summary['survivors']} "
      f"steps={result.summary['steps']}")'''),
    ]


def sweep() -> list:
    return [
        new_markdown_cell("""# A sweep: design, run, analyse, plot

A sweep runs the model over a design of parameter values, each point in several replicate worlds, and
stores one tidy row per run in a resumable Parquet store (docs/sweeps.md). This notebook crosses crowding
(number of companies, C1) with social influence (C2), plots it with `model.sweep.plot`, and screens a few
parameters with Morris' method."""),
        new_code_cell(SETUP.format(sizes='''N_USERS = 150 if QUICK else 2000
STEPS = 10 if QUICK else 100
REPLICATES = 2 if QUICK else 10
WORKERS = 2   # local worker processes; 1 runs serially''', imports="")),
        new_markdown_cell("## 1. Design"),
        new_code_cell('''from model.sweep import SweepSpec

spec = SweepSpec(
    params={"n_users": N_USERS,
            "n_companies": [10, 40, 160],
            "social_influence": [0.0, 1.0, 2.0]},
    replicates=REPLICATES, steps=STEPS, seed=20240611,
    outcomes=["gini_survivors", "top1_share", "survivors", "winners", "losers"],
    timeseries_every=max(1, STEPS // 10), timeseries_metrics=["survivors", "gini_survivors"])
print(f"{spec.n_points} design points x {spec.replicates} replicates = {spec.n_runs} runs")'''),
        new_markdown_cell("""## 2. Run, with a progress bar

Every finished run is on disk at once; `resume=True` continues an interrupted sweep. A sweep refuses a
folder that already holds one, so this notebook starts from an empty folder."""),
        new_code_cell('''import shutil

from model.sweep import run_sweep

folder = "sweep_demo"
shutil.rmtree(folder, ignore_errors=True)
report = run_sweep(spec, folder, workers=WORKERS, progress=True)
print(f"RESULT stored={report.stored} failed={report.failed} n_runs={spec.n_runs}")'''),
        new_markdown_cell("## 3. Analyse the runs table with pandas"),
        new_code_cell('''from model.sweep import read_runs

runs = read_runs(folder)
ok = runs[runs["status"] == "ok"]
table = ok.groupby(["n_companies", "social_influence"])["gini_survivors"].agg(["mean", "std", "count"])
table["mean"].unstack("social_influence").round(2)'''),
        new_markdown_cell("""## 4. Plot: the design decides the figure

Two varied parameters give a heatmap of the means over replicates; `kind="lines"` draws one line per level
of the second with 95% intervals; the time series gives envelopes over runs (median, 50% and 90% bands).
`plot_sweep(folder)` saves the same figures as PNG and SVG into `folder/figures`; `draw_sweep` returns them."""),
        new_code_cell('''from model.sweep.plot import draw_sweep, plot_sweep

figures = draw_sweep(folder, "gini_survivors")
figures.update(draw_sweep(folder, "top1_share", kind="lines"))
for fig in figures.values():
    display(fig)
written = plot_sweep(folder, ["gini_survivors", "survivors"], formats=("png",))
print("FIGURES", len(figures), "written", len(written))
plt.close("all")'''),
        new_markdown_cell("""## 5. Sensitivity: a Morris screening

A `morris` design samples trajectories through continuous ranges; `analyze` computes mu* (mean absolute
elementary effect) and sigma with SALib and draws SALib's own figures. Fewer than 10 trajectories give a
warning: the ranking would not be reliable."""),
        new_code_cell('''from model.sweep import analyze

morris = SweepSpec(params={"n_users": N_USERS,
                           "social_influence": {"low": 0.0, "high": 2.0},
                           "participation": {"low": 0.0, "high": 1.0},
                           "entry_rate": {"low": 0.0, "high": 1.0}},
                   design="morris", samples=10, steps=STEPS, seed=7, outcomes=["gini_survivors", "survivors"])
shutil.rmtree("morris_demo", ignore_errors=True)
run_sweep(morris, "morris_demo", workers=WORKERS, progress=True)
indices = analyze("morris_demo", "morris", ["gini_survivors"], resamples=200)["gini_survivors"]
indices.sort_values("mu_star", ascending=False)'''),
        new_code_cell('''from IPython.display import Image

Image("morris_demo/analysis/morris_gini_survivors.png")'''),
    ]


def argument() -> list:
    return [
        new_markdown_cell("""# The article's argument, in three small experiments

The article *Social Media für Unternehmen* argues: far more companies compete for attention than users can
give (C1); what is already big gets bigger, social media's "digital genes" (C2); so the market is a
displacement competition with a few winners and many losers (C3). Each section below runs a handful of
small markets and shows one link of the argument; the full experiments are `engagement experiment NAME`
(README.md). Every number here comes from replicate worlds: the spread between them is part of the answer
(C10)."""),
        new_code_cell(SETUP.format(sizes='''N_USERS = 300 if QUICK else 3000
STEPS = 30 if QUICK else 100
SEEDS = range(3 if QUICK else 12)''', imports=FULL_IMPORTS) + '''

from model import simulate


def runs(**params):
    """The summaries of one market in several replicate worlds, as a DataFrame."""
    return pd.DataFrame([simulate(steps=STEPS, seed=seed, n_users=N_USERS, **params).summary for seed in SEEDS])'''),
        new_markdown_cell("""## 1. Few winners (C3)

In the default market, how is engagement spread over the companies still in it? The Gini coefficient is 0
when all have equal shares and near 1 when one has everything."""),
        new_code_cell('''default = runs()
print(f"survivors' Gini: mean {default['gini_survivors'].mean():.2f} "
      f"(range {default['gini_survivors'].min():.2f}-{default['gini_survivors'].max():.2f}) over {len(default)} worlds")
print(f"share of the largest company: mean {default['top1_share'].mean():.2f}")
print(f"cohort winners {default['winners'].mean():.1f}, losers {default['losers'].mean():.1f} (means over worlds)")
one = simulate(steps=STEPS, seed=0, n_users=N_USERS)
live = one.companies[one.companies["alive"]].sort_values("share", ascending=False)
with style():
    fig, ax = plt.subplots(figsize=(6, 3.5))
    ax.bar(np.arange(1, len(live) + 1), live["share"], color=PALETTE[0])
    ax.set(xlabel="rank of the company", ylabel="engagement share", title="Engagement share by rank, one world")
    plt.show()'''),
        new_markdown_cell("""## 2. Feedback: digital genes (C2)

Switch social influence off (`social_influence = 0`: what others do no longer matters to the feed) and
compare with the default and with stronger feedback."""),
        new_code_cell('''levels = [0.0, 1.0, 2.0]
feedback = pd.concat([runs(social_influence=gamma).assign(social_influence=gamma) for gamma in levels])
means = feedback.groupby("social_influence")[["gini_survivors", "top1_share"]].mean()
print(means.round(2))
with style():
    fig, ax = plt.subplots(figsize=(6, 3.5))
    for column, colour, marker in (("gini_survivors", PALETTE[0], "o"), ("top1_share", PALETTE[1], "s")):
        ax.plot(feedback["social_influence"], feedback[column], linestyle="none", marker=marker, color=colour,
                alpha=0.35)
        ax.plot(means.index, means[column], color=colour, marker=marker, label=column)
    ax.set(xlabel="social influence (exponent of the popularity weight)", ylabel="value",
           title="Survivors' Gini and top-1 share by social influence")
    ax.legend()
    plt.show()'''),
        new_markdown_cell("""## 3. Crowding (C1)

More companies for the same users: how many of the companies that had their chance (the cohort) lose,
per winner? The ratio is undefined in a world without winners, so it is taken over the means."""),
        new_code_cell('''crowding = pd.concat([runs(n_companies=n).assign(n_companies=n) for n in (10, 40, 160)])
per_level = crowding.groupby("n_companies")[["winners", "losers", "survivors"]].mean()
per_level["losers per winner"] = per_level["losers"] / per_level["winners"]
print(per_level.round(2))
with style():
    fig, ax = plt.subplots(figsize=(6, 3.5))
    ax.plot(per_level.index, per_level["losers per winner"], marker="o", color=PALETTE[3])
    ax.set(xscale="log", xlabel="companies at the start", ylabel="losers per winner (ratio of means)",
           title="Losers per winner by number of companies")
    plt.show()
print(f"RESULT gini_default={default['gini_survivors'].mean():.4f} "
      f"gini_no_feedback={means.loc[0.0, 'gini_survivors']:.4f} "
      f"top1_no_feedback={means.loc[0.0, 'top1_share']:.4f} top1_strong={means.loc[2.0, 'top1_share']:.4f}")'''),
        new_markdown_cell("""## What to take away, and what not

Read the numbers above, not this text: at quick size they are noisy. The full-size experiments
(`engagement experiment few_winners`, `digital_genes`, `crowding`, `attribution`) and README.md show where
the argument holds and where it needs conditions — for example that more losers than winners follows from
a crowded market without exit even with every mechanism off."""),
    ]


NOTEBOOKS = {"01_first_tour.ipynb": first_tour, "02_sweep.ipynb": sweep, "03_the_argument.ipynb": argument}


def main() -> None:
    for name, cells in NOTEBOOKS.items():
        notebook = new_notebook(cells=cells(), metadata={
            "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
            "language_info": {"name": "python"}})
        nbformat.validate(notebook)
        nbformat.write(notebook, HERE / name)
        print(f"written {HERE / name}")


if __name__ == "__main__":
    main()
