"""formats (C4, C7): the five formats in one market, and what happens when reach is not maintained.

C4 — the article's formats, from shallow to deep: advertising (*Werbung*), information
broadcasting (*Informationsverbreitung*), dialogue (*Dialog*), brand community and topic
community (*Themencommunity*). "Most firms sit at the shallow end"; the deeper formats give a
more lasting benefit. Two markets:

- ``mixed``: the five formats in equal numbers (``format_mix = "uniform"``, so that each is
  measurable), otherwise the default market, 150 steps: engagement share, survival (live / ever
  entered) and mean cumulative profit per company, by format, over time;
- ``article``: the article's own mix (35/35/20/5/5 %), 100 steps: each format's share of the
  companies against its share of the engagement and of the cohort winners at the end (winners:
  companies in the market ``maturity_age`` steps before the end, alive, with a positive profit over
  those steps; docs/ODD.md 4.11).

C7 — "wie mühsam es ist, eine unstrukturiert aufgebaute Reichweite (*Reichweite*) am Leben zu
erhalten". ``maintenance``: one market per format (30 companies of that format, no newcomers,
the rest default); at step 40 a random half of the live companies stop maintaining their reach
(``Company.stop_maintenance()``: they save the maintenance part of their running cost, their
reach and relationships fade). Their engagement relative to the step before the stop, its
half-life, and their profit since the stop against the companies that keep maintaining.
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
    mean_ci,
    module_main,
    plot_from_tables,
    ratio_of_means,
    show,
    summarise,
)
from .common import (
    significant as _significant,
)

NAME = "formats"
CLAIMS = ("C4", "C7")
TITLE = "Engagement share, survival and profit of the five formats"
TITLE_MAINTENANCE = "Engagement and profit of companies that stop maintaining their reach, by format"
TABLES = {
    "runs": "one row per run: part (mixed, article, maintenance), format (maintenance markets), replicate, seed and "
            "final outcome measures",
    "format_series": "mixed market: one row per run, step and format: engagement share, live companies, companies "
                     "entered, survival (live / entered), mean cumulative profit per company entered",
    "format_final": "mixed and article markets: one row per run and format at the end: companies entered, live, "
                    "cohort, cohort winners, engagement share, mean profit",
    "maintenance": "maintenance markets: one row per run, step (from the step before the stop) and group "
                   "(stopped / maintained): engagement, live companies, mean reach, profit since the stop",
}


def settings(quick: bool) -> dict[str, Any]:
    if quick:
        return {"replicates": 4, "maintenance_replicates": 3, "steps_mixed": 100, "steps_article": 100,
                "steps_maintenance": 80, "stop_step": 30, "params": {"n_users": 1000},
                "maintenance_companies": 30}
    return {"replicates": 30, "maintenance_replicates": 30, "steps_mixed": 150, "steps_article": 100,
            "steps_maintenance": 120, "stop_step": 40, "params": {}, "maintenance_companies": 30}


def design(quick: bool, seed: int = DEFAULT_SEED) -> Design:
    from model import FORMAT_NAMES

    s = settings(quick)
    jobs = []
    for r in range(s["replicates"]):
        jobs.append(Job({"part": "mixed", "format": "uniform", "replicate": r},
                        {**s["params"], "format_mix": "uniform"}, s["steps_mixed"]))
    for r in range(s["replicates"]):
        jobs.append(Job({"part": "article", "format": "article", "replicate": r},
                        {**s["params"], "format_mix": "article"}, s["steps_article"]))
    for name in FORMAT_NAMES:
        for r in range(s["maintenance_replicates"]):
            jobs.append(Job({"part": "maintenance", "format": name, "replicate": r},
                            {**s["params"], "format_mix": name, "n_companies": s["maintenance_companies"],
                             "entry_rate": 0.0},
                            s["steps_maintenance"], {"stop_step": s["stop_step"], "stop_fraction": 0.5}))
    return Design(jobs, {**s, "parts": {"mixed": "format_mix uniform", "article": "format_mix article",
                                        "maintenance": "one format per market, half of the live companies stop "
                                                       "maintaining at stop_step"}})


# ====================================================================== one run
def _format_rows(model: Any, step: int) -> list[dict[str, Any]]:
    from model import FORMAT_NAMES

    table = model.companies_table
    used = slice(0, table.size)
    formats = table.format[used]
    alive = table.alive[used]
    profit = table.revenue_total[used] - table.cost_total[used]
    rows = []
    for index, name in enumerate(FORMAT_NAMES):
        mine = formats == index
        entered = int(mine.sum())
        rows.append({"step": step, "format_name": name, "share": model.current[f"share_{name}"],
                     "alive": int((alive & mine).sum()), "entered": entered,
                     "survival": (alive & mine).sum() / entered if entered else math.nan,
                     "mean_profit": float(profit[mine].mean()) if entered else math.nan})
    return rows


def _final_rows(model: Any) -> pd.DataFrame:
    from model import FORMAT_NAMES

    companies = model.companies_frame()
    companies["in_cohort"], companies["winner"] = cohort_winners(model)
    grouped = companies.groupby("format")
    table = pd.DataFrame({"entered": grouped.size(), "alive": grouped["alive"].sum(),
                          "cohort": grouped["in_cohort"].sum(), "winners": grouped["winner"].sum(),
                          "share": grouped["share"].sum(),
                          "mean_profit": grouped["profit"].mean()}).reindex(list(FORMAT_NAMES))
    columns = ["entered", "alive", "cohort", "winners"]
    table[columns] = table[columns].fillna(0).astype(int)
    table["share"] = table["share"].fillna(0.0)
    return table.rename_axis("format_name").reset_index()


def run_job(job: Job, seed: int) -> dict[str, Any]:
    from model import EngagementModel
    from model.simulate import collect

    model = EngagementModel(rng=seed, **job.params)
    part = job.conditions["part"]
    if part == "maintenance":
        return _run_maintenance(model, job, seed)
    series = _format_rows(model, 0) if part == "mixed" else []
    for step in range(1, job.steps + 1):
        model.step()
        if part == "mixed":
            series.extend(_format_rows(model, step))
    summary = dict(collect(model, seed).summary)
    summary.pop("seed", None)
    output: dict[str, Any] = {"runs": summary, "format_final": _final_rows(model)}
    if part == "mixed":
        output["format_series"] = pd.DataFrame(series)
    return output


def _run_maintenance(model: Any, job: Job, seed: int) -> dict[str, Any]:
    """Run to the stop, let a random half of the live companies stop maintaining, follow both groups."""
    from model.simulate import collect

    stop_step, fraction = job.options["stop_step"], job.options["stop_fraction"]
    # which companies stop: a stream of its own, so the model's own draws are untouched
    chooser = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(1,)))
    table = model.companies_table
    snapshots = []
    for step in range(1, job.steps + 1):
        if step == stop_step:
            alive = table.alive[: table.size].copy()
            stopped = alive & (chooser.random(table.size) < fraction)
            maintained = alive & ~stopped
            for company, stops in zip(model.companies, stopped, strict=True):
                if stops:
                    company.stop_maintenance()
            profit_base = table.revenue_total[: table.size] - table.cost_total[: table.size]
        model.step()
        if step >= stop_step - 1:
            snapshots.append((step, _snapshot(table, table.size)))
    records = []
    for step, snap in snapshots:
        size = snap["engagement"].size
        for group, members in (("stopped", stopped), ("maintained", maintained)):
            mask = np.zeros(size, dtype=bool)
            mask[: members.size] = members
            profit_since = (snap["profit"][: members.size][members] - profit_base[members]
                            if step >= stop_step else np.zeros(int(members.sum())))
            records.append({"step": step, "since_stop": step - stop_step + 1, "group": group,
                            "companies": int(mask.sum()), "engagement": float(snap["engagement"][mask].sum()),
                            "alive": int(snap["alive"][mask].sum()),
                            "reach": float(snap["reach"][mask].mean()) if mask.any() else math.nan,
                            "profit_since_stop": float(profit_since.mean()) if mask.any() else math.nan})
    summary = dict(collect(model, seed).summary)
    summary.pop("seed", None)
    summary["stopped"] = int(stopped.sum())
    summary["maintained"] = int(maintained.sum())
    return {"runs": summary, "maintenance": pd.DataFrame(records)}


def _snapshot(table: Any, size: int) -> dict[str, np.ndarray]:
    return {"engagement": table.engagement[:size].copy(), "alive": table.alive[:size].copy(),
            "reach": table.reach[:size].copy(), "profit": (table.revenue_total[:size] - table.cost_total[:size]).copy()}


# ====================================================================== analysis
def retained(maintenance: pd.DataFrame) -> pd.DataFrame:
    """Per run, group and step: engagement relative to the step before the stop (since_stop = 0)."""
    base = maintenance[maintenance["since_stop"] == 0].set_index(["run_id", "group"])["engagement"]
    frame = maintenance.join(base.rename("base"), on=["run_id", "group"])
    frame = frame[frame["base"] > 0].copy()
    frame["retained"] = frame["engagement"] / frame["base"]
    return frame


def pooled_retained(frame: pd.DataFrame) -> pd.DataFrame:
    """Per step since the stop: the group's engagement over its engagement before the stop, pooled over runs
    (ratio of means, 95% delta-method interval), so that runs with almost no engagement before the stop do
    not dominate as a mean of ratios would."""
    rows = []
    for since, group in frame.groupby("since_stop", sort=True):
        ratio, low, high = ratio_of_means(group["engagement"], group["base"])
        rows.append({"since_stop": since, "retained": ratio, "retained_low": low, "retained_high": high})
    return pd.DataFrame(rows)


def half_lives(frame: pd.DataFrame) -> pd.DataFrame:
    """Per run of the stopped group: steps after the stop until engagement first falls to half (interpolated)."""
    rows = []
    for (run, name), group in frame[frame["group"] == "stopped"].groupby(["run_id", "format"]):
        group = group.sort_values("since_stop")
        t, r = group["since_stop"].to_numpy(), group["retained"].to_numpy()
        below = np.flatnonzero(r <= 0.5)
        if below.size == 0 or below[0] == 0:
            value = math.nan
        else:
            i = below[0]
            value = t[i - 1] + (r[i - 1] - 0.5) / (r[i - 1] - r[i]) * (t[i] - t[i - 1])
        rows.append({"run_id": run, "format": name, "half_life": value})
    return pd.DataFrame(rows)


def headline(tables: dict[str, pd.DataFrame], manifest: dict[str, Any]) -> dict[str, Any]:
    final = tables["format_final"]
    mixed = final[final["part"] == "mixed"]
    article = final[final["part"] == "article"]
    share = mixed.groupby("format_name")["share"].mean()
    survival = (mixed.groupby("format_name")["alive"].sum() / mixed.groupby("format_name")["entered"].sum())
    companies = article.groupby("format_name")["entered"].sum() / article["entered"].sum()
    engagement = article.groupby("format_name")["share"].mean()
    winners = article.groupby("format_name")["winners"].sum()
    winner_share = winners / winners.sum() if winners.sum() > 0 else winners * math.nan
    shallow = ["advertising", "information_broadcasting"]
    deep = ["brand_community", "topic_community"]
    lives = half_lives(retained(tables["maintenance"])).groupby("format")["half_life"]
    life = {name: finite(values.mean(), 2) for name, values in lives}
    never = {name: int(values.isna().sum()) for name, values in lives}
    runs = {name: int(values.size) for name, values in lives}
    maintenance = tables["maintenance"]
    end = maintenance[maintenance["since_stop"] == maintenance["since_stop"].max()]
    profit = end.groupby(["format", "group"])["profit_since_stop"].mean().unstack()
    return {
        "mixed_share": {k: finite(v) for k, v in share.items()},
        "mixed_survival": {k: finite(v) for k, v in survival.items()},
        "article_company_share": {k: finite(v) for k, v in companies.items()},
        "article_engagement_share": {k: finite(v) for k, v in engagement.items()},
        "article_winner_share": {k: finite(v) for k, v in winner_share.items()},
        "half_life_steps": life,
        "half_life_never_halved": never,
        "profit_since_stop": {k: {"maintained": finite(row["maintained"], 5), "stopped": finite(row["stopped"], 5)}
                              for k, row in profit.iterrows()},
        "text": [
            "mixed market (equal numbers per format), end: engagement share "
            + ", ".join(f"{k} {v:.2f}" for k, v in share.items()),
            "mixed market, end: survival " + ", ".join(f"{k} {v:.2f}" for k, v in survival.items()),
            (f"article mix: shallow formats are {100 * companies[shallow].sum():.0f}% of companies and hold "
             f"{100 * engagement[shallow].sum():.0f}% of engagement and {show(100 * winner_share[shallow].sum(), '.0f')}"
             f"% of the cohort winners; communities are {100 * companies[deep].sum():.0f}% and hold "
             f"{100 * engagement[deep].sum():.0f}% of engagement and {show(100 * winner_share[deep].sum(), '.0f')}% of "
             "the winners"),
            "half-life of engagement after stopping maintenance (steps; runs never halved): "
            + ", ".join(f"{k} {show(v)} ({never[k]} of {runs[k]})" for k, v in life.items()),
            "profit per company since the stop, kept maintaining vs stopped: "
            + ", ".join(f"{k} {row['maintained']:.4f} vs {row['stopped']:.4f}" for k, row in profit.iterrows()),
        ],
    }


# ====================================================================== figures

def figure_data(tables: dict[str, pd.DataFrame], manifest: dict[str, Any]) -> dict[str, pd.DataFrame]:
    """The tables both figures are drawn from (means and 95% intervals over runs).

    formats: per format and step of the mixed market, engagement share, survival and cumulative profit per
    company (``market_series``); per format of the article's mix, its share of the companies, of the
    engagement and of the cohort winners (``article_mix``). formats_maintenance: engagement relative to
    before the stop, per format of the companies that stopped and pooled for those that kept maintaining
    (``retained``); the half-life of engagement per format (``half_life``); profit since the stop per format
    and group (``profit``). ``run_counts``: runs per part."""
    from model.plotting import FORMAT_ORDER

    order = {name: i for i, name in enumerate(FORMAT_ORDER)}
    series, final, runs = tables["format_series"], tables["format_final"], tables["runs"]
    market = summarise(series, ["format_name", "step"], ["share", "survival", "mean_profit"])
    market.insert(0, "format_order", market["format_name"].map(order))
    article = final[final["part"] == "article"]
    totals = article.groupby("run_id")["entered"].transform("sum")
    article = article.assign(company_share=article["entered"] / totals,
                             winner_share=article["winners"] / article.groupby("run_id")["winners"].transform("sum")
                             .replace(0, np.nan))
    mix = summarise(article, "format_name", ["company_share", "share", "winner_share"])
    mix.insert(0, "format_order", mix["format_name"].map(order))

    frame = retained(tables["maintenance"])
    curves = []
    for name in FORMAT_ORDER:
        mine = pooled_retained(frame[(frame["format"] == name) & (frame["group"] == "stopped")])
        curves.append(mine.assign(curve=name, group="stopped"))
    curves.append(pooled_retained(frame[frame["group"] == "maintained"]).assign(curve="maintained", group="maintained"))
    curves = pd.concat(curves, ignore_index=True)
    curves = curves[["curve", "group", "since_stop", "retained", "retained_low", "retained_high"]]
    lives = half_lives(frame)
    life_rows = []
    for name in FORMAT_ORDER:
        values = lives.loc[lives["format"] == name, "half_life"]
        mean, low, high = mean_ci(values)
        life_rows.append({"format_order": order[name], "format": name, "half_life": mean, "half_life_low": low,
                          "half_life_high": high, "never_halved": int(values.isna().sum()), "runs": len(values)})
    last = int(frame["since_stop"].max())
    end = frame[frame["since_stop"] == last]
    profit = summarise(end, ["group", "format"], ["profit_since_stop"]).assign(since_stop=last)
    profit.insert(0, "format_order", profit["format"].map(order))
    counts = pd.DataFrame([{"part": part, "runs": int((runs["part"] == part).sum())}
                           for part in ("mixed", "article", "maintenance")])
    counts["formats"] = [1, 1, len(FORMAT_ORDER)]
    return {"market_series": _significant(market), "article_mix": mix, "retained": _significant(curves),
            "half_life": pd.DataFrame(life_rows), "profit": profit, "run_counts": counts}


def draw(data: dict[str, pd.DataFrame], manifest: dict[str, Any], figure_dir: str | Path) -> list[Path]:
    """Both figures, from ``figure_data`` only."""
    figure_dir = Path(figure_dir)
    return _draw_market(data, figure_dir) + _draw_maintenance(data, figure_dir)


def plot(out: str | Path, figure_dir: str | Path | None = None, *,
         tables: dict[str, pd.DataFrame] | None = None) -> list[Path]:
    """Both figures from the full tables (``figure_data``, then ``draw``)."""
    return plot_from_tables(sys.modules[__name__], out, figure_dir, tables)


def _draw_market(data: dict[str, pd.DataFrame], figure_dir: Path) -> list[Path]:
    import matplotlib.pyplot as plt

    from model.plotting import (
        FORMAT_COLOURS,
        FORMAT_LABELS,
        FORMAT_LINESTYLES,
        FORMAT_MARKERS,
        FORMAT_ORDER,
        FORMAT_SHORT,
        line_with_band,
        panel_label,
        save,
        style,
    )

    series = data["market_series"]
    with style():
        fig, axes = plt.subplots(2, 2, figsize=(12, 9.6))
        (share_ax, survival_ax), (profit_ax, bar_ax) = axes
        last = int(series["step"].max())
        for name in FORMAT_ORDER:
            mine = series[series["format_name"] == name].sort_values("step")
            look = {"colour": FORMAT_COLOURS[name], "linestyle": FORMAT_LINESTYLES[name],
                    "marker": FORMAT_MARKERS[name], "markevery": max(1, last // 8), "label": FORMAT_LABELS[name]}
            line_with_band(share_ax, mine["step"], mine["share"], mine["share_low"], mine["share_high"], **look)
            line_with_band(survival_ax, mine["step"], mine["survival"], mine["survival_low"], mine["survival_high"],
                           **look)
            line_with_band(profit_ax, mine["step"], mine["mean_profit"], mine["mean_profit_low"],
                           mine["mean_profit_high"], **look)
        share_ax.set(ylim=(0, None), ylabel="engagement share of the format",
                     title="Engagement share by format (equal numbers of firms)")
        survival_ax.set(ylim=(0, 1.02), ylabel="live / entered companies of the format",
                        title="Survival by format")
        profit_ax.axhline(0, color="black", linewidth=0.8)
        profit_ax.set(ylabel="cumulative profit per company (money / user)",
                      title="Profit by format (revenue − running cost since entry)")
        for ax in (share_ax, survival_ax, profit_ax):
            ax.set(xlabel="step", xlim=(0, last))
        share_ax.legend(loc="upper left", fontsize=7.5)

        # (d) the article's mix: where the firms are against where the engagement goes
        stats = data["article_mix"].set_index("format_name")
        positions = np.arange(len(FORMAT_ORDER))
        width = 0.27
        kinds = [("company_share", "share of the companies", "white", "//"),
                 ("share", "share of the engagement", None, ""),
                 ("winner_share", "share of the winners", None, "..")]
        for offset, (column, _label, face, hatch) in zip((-width, 0.0, width), kinds, strict=True):
            for i, name in enumerate(FORMAT_ORDER):
                row = stats.loc[name]
                colour = face or FORMAT_COLOURS[name]
                bar_ax.bar(i + offset, row[column], width=width, color=colour, edgecolor=FORMAT_COLOURS[name]
                           if face else "black", hatch=hatch, linewidth=1.0,
                           yerr=[[row[column] - row[f"{column}_low"]], [row[f"{column}_high"] - row[column]]],
                           capsize=2, error_kw={"linewidth": 0.8})
        bar_ax.set_xticks(positions, [FORMAT_SHORT[name] for name in FORMAT_ORDER], fontsize=7.5)
        bar_ax.set(ylim=(0, 1), ylabel="share (mean, 95% CI)",
                   title="The article's mix: companies, engagement, winners")
        from matplotlib.patches import Patch

        bar_ax.legend(handles=[Patch(facecolor="white", edgecolor="black", hatch="//", label="share of the companies"),
                               Patch(facecolor="#999999", edgecolor="black", label="share of the engagement"),
                               Patch(facecolor="#999999", edgecolor="black", hatch="..",
                                     label="share of the cohort winners")],
                      loc="upper right", fontsize=8, title="bars per format (in the format's colour)",
                      title_fontsize=8)
        for ax, letter in zip(axes.flat, "abcd", strict=True):
            panel_label(ax, letter)
        replicates = int(data["run_counts"].set_index("part").loc["mixed", "runs"])
        fig.suptitle(f"{TITLE}\n(a–c) equal numbers of firms per format, {replicates} runs; (d) the article's mix; "
                     "95% CI", fontsize=11.5)
        fig.tight_layout()
        return save(fig, figure_dir / NAME)


def _draw_maintenance(data: dict[str, pd.DataFrame], figure_dir: Path) -> list[Path]:
    import matplotlib.pyplot as plt

    from model.plotting import (
        FORMAT_COLOURS,
        FORMAT_HATCHES,
        FORMAT_LABELS,
        FORMAT_LINESTYLES,
        FORMAT_MARKERS,
        FORMAT_ORDER,
        FORMAT_SHORT,
        REST_COLOUR,
        line_with_band,
        panel_label,
        save,
        style,
    )

    curves = data["retained"]
    with style():
        fig, axes = plt.subplots(1, 3, figsize=(15, 5.0), gridspec_kw={"width_ratios": [1.35, 1.0, 1.0]})
        curve_ax, life_ax, profit_ax = axes
        last = int(curves["since_stop"].max())
        for name in FORMAT_ORDER:
            mine = curves[curves["curve"] == name].sort_values("since_stop")
            line_with_band(curve_ax, mine["since_stop"], mine["retained"], mine["retained_low"], mine["retained_high"],
                           colour=FORMAT_COLOURS[name], linestyle=FORMAT_LINESTYLES[name],
                           marker=FORMAT_MARKERS[name], markevery=max(1, last // 8), label=FORMAT_LABELS[name])
        kept = curves[curves["curve"] == "maintained"].sort_values("since_stop")
        line_with_band(curve_ax, kept["since_stop"], kept["retained"], kept["retained_low"], kept["retained_high"],
                       colour="black", linestyle="-", label="rivals that keep maintaining (all formats)")
        curve_ax.axhline(0.5, color="grey", linewidth=0.8, linestyle=":")
        curve_ax.set(xlim=(0, last), ylim=(0, None), xlabel="steps since the company stopped maintaining its reach",
                     ylabel="engagement relative to before the stop\n(pooled over runs)",
                     title="Engagement after the stop")
        curve_ax.legend(loc="center right", fontsize=7.5)

        positions = np.arange(len(FORMAT_ORDER))
        lives = data["half_life"].set_index("format")
        for i, name in enumerate(FORMAT_ORDER):
            mean, low, high = (float(lives.loc[name, c]) for c in ("half_life", "half_life_low", "half_life_high"))
            censored = int(lives.loc[name, "never_halved"])
            life_ax.bar(i, mean, width=0.65, color=FORMAT_COLOURS[name], hatch=FORMAT_HATCHES[name],
                        edgecolor="black", linewidth=0.6, yerr=[[mean - low], [high - mean]], capsize=3)
            life_ax.text(i, (high if np.isfinite(high) else 0.0) + 0.4,
                         show(mean, ".1f") + (f"\n({censored} runs\nnever halved)" if censored else ""),
                         ha="center", va="bottom", fontsize=8)
        life_ax.set_xticks(positions, [FORMAT_SHORT[name] for name in FORMAT_ORDER], fontsize=7.5)
        life_ax.set(ylabel="steps until engagement has halved", title="Half-life of engagement without maintenance")
        life_ax.set_ylim(0, life_ax.get_ylim()[1] * 1.15)

        profit = data["profit"]
        width = 0.38
        for offset, group, face, hatch in ((-width / 2, "maintained", REST_COLOUR, ""),
                                           (width / 2, "stopped", "white", "//")):
            stats = profit[profit["group"] == group].set_index("format")
            for i, name in enumerate(FORMAT_ORDER):
                row = stats.loc[name]
                profit_ax.bar(i + offset, row["profit_since_stop"], width=width, color=face, hatch=hatch,
                              edgecolor="black", linewidth=0.6,
                              yerr=[[row["profit_since_stop"] - row["profit_since_stop_low"]],
                                    [row["profit_since_stop_high"] - row["profit_since_stop"]]],
                              capsize=2, label=(f"{group} maintaining" if group == "stopped" else "kept maintaining")
                              if i == 0 else None)
        profit_ax.axhline(0, color="black", linewidth=0.8)
        profit_ax.set_xticks(positions, [FORMAT_SHORT[name] for name in FORMAT_ORDER], fontsize=7.5)
        profit_ax.set(ylabel=f"mean profit per company, {int(profit['since_stop'].max())} steps after the stop",
                      title="Profit since the stop")
        profit_ax.legend(loc="upper left", fontsize=8)
        for ax, letter in zip(axes, "abc", strict=True):
            panel_label(ax, letter)
        counts = data["run_counts"].set_index("part")
        per_format = int(counts.loc["maintenance", "runs"] // counts.loc["maintenance", "formats"])
        fig.suptitle(f"{TITLE_MAINTENANCE}\none market per format (30 companies); a random half stops maintaining; "
                     f"{per_format} runs per format, 95% CI", fontsize=11.5)
        fig.tight_layout()
        return save(fig, figure_dir / f"{NAME}_maintenance")


def run(quick: bool = False, out: str | Path | None = None, workers: int = 1, seed: int = DEFAULT_SEED,
        **options: bool) -> Path:
    """Run the experiment and write its data, figures and manifest into ``out`` (default results/formats)."""
    return execute(sys.modules[__name__], quick, out, workers, seed, **options)


if __name__ == "__main__":
    sys.exit(module_main(NAME))
