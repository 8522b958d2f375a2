"""Benchmark of the teaching dashboard (issue 6): is one step smooth at the largest slider settings?

Target: one step at the largest market the sliders allow (``MAX_USERS`` users, ``MAX_COMPANIES``
companies) takes at most 0.2 s. "One step" is what Step and Play wait for: the model step, the
snapshot of the chart data and the text panel. The charts are drawn in a background thread
(``ChartRenderer``) and skip steps when they fall behind, so their cost is reported separately,
together with how it grows with the length of the run (it should not: long runs are thinned).

Run: ``.venv/bin/python benchmarks/bench_dashboard.py`` (``make bench`` runs it). Writes
``benchmarks/bench_dashboard.json`` and exits 1 if the target is missed (judged on the 95th
percentile of the worst configuration, so that one hiccup of a shared machine does not decide).
"""

from __future__ import annotations

import json
import os
import platform
import sys
import time
from pathlib import Path

import numpy as np

from model.ui.charts import render_charts, snapshot
from model.ui.controls import CONTROLS, MAX_COMPANIES, MAX_USERS
from model.ui.lessons import LESSON_BY_KEY
from model.ui.models import DashboardModel
from model.ui.narrative import explain_html

LESSON = LESSON_BY_KEY["explore"]

TARGET_SECONDS = 0.2
WARMUP_STEPS = 10
TIMED_STEPS = 100
OUT = Path(__file__).with_suffix(".json")

LARGEST = {"n_users": MAX_USERS, "n_companies": MAX_COMPANIES}
CONFIGURATIONS = {
    "default (5,000 users, 50 companies)": {},
    "largest market, default settings": LARGEST,
    "largest market, every slider at its maximum": {
        **LARGEST, **{name: control.bounds[1] for name, control in CONTROLS.items()
                      if control.kind == "SliderFloat"},
    },
    "largest market, all topic communities": {**LARGEST, "format_mix": "topic_community"},
    "largest market, exit off": {**LARGEST, "exit_enabled": False},
}


def percentile(values: list[float], q: float) -> float:
    return float(np.percentile(np.asarray(values), q))


def time_configuration(settings: dict) -> dict:
    started = time.perf_counter()
    model = DashboardModel(**settings)
    reset_seconds = time.perf_counter() - started
    for _ in range(WARMUP_STEPS):
        model.step()
    model_times, step_times = [], []
    for _ in range(TIMED_STEPS):
        started = time.perf_counter()
        model.step()
        stepped = time.perf_counter()
        snapshot(model)  # what the page copies for the charts after every step
        explain_html(model, LESSON)  # the text panel, redrawn every step
        done = time.perf_counter()
        model_times.append(stepped - started)
        step_times.append(done - started)
    redraws = []
    for _ in range(3):
        started = time.perf_counter()
        render_charts(snapshot(model))
        redraws.append(time.perf_counter() - started)
    return {
        "settings": settings,
        "reset_s": reset_seconds,
        "model_step_median_s": percentile(model_times, 50),
        "step_median_s": percentile(step_times, 50),
        "step_p95_s": percentile(step_times, 95),
        "step_max_s": max(step_times),
        "chart_redraw_median_s": percentile(redraws, 50),
        "survivors_at_end": int(model.current["survivors"]),
    }


def redraw_against_run_length(lengths: tuple[int, ...] = (50, 400, 1500)) -> list[dict]:
    """Snapshot and redraw cost after short and long runs (thinning keeps both flat)."""
    model = DashboardModel(n_users=2_000, n_companies=50)
    rows = []
    for length in lengths:
        while model.steps < length:
            model.step()
        started = time.perf_counter()
        data = snapshot(model)
        snapshot_seconds = time.perf_counter() - started
        timings = []
        for _ in range(3):
            started = time.perf_counter()
            render_charts(data)
            timings.append(time.perf_counter() - started)
        rows.append({"steps": length, "snapshot_s": snapshot_seconds, "chart_redraw_median_s": percentile(timings, 50)})
    return rows


def main() -> int:
    results = {name: time_configuration(settings) for name, settings in CONFIGURATIONS.items()}
    lengths = redraw_against_run_length()
    print(f"{'configuration':<46} {'reset':>7} {'model':>7} {'step':>7} {'p95':>7} {'max':>7} {'redraw':>7}")
    for name, row in results.items():
        print(f"{name:<46} {row['reset_s']:7.3f} {row['model_step_median_s']:7.4f} {row['step_median_s']:7.4f} "
              f"{row['step_p95_s']:7.4f} {row['step_max_s']:7.4f} {row['chart_redraw_median_s']:7.3f}")
    print("(seconds; model = EngagementModel.step, step = model step + chart snapshot + text panel, "
          "redraw = all four charts, in the background)")
    for row in lengths:
        print(f"after {row['steps']:>5} steps: snapshot {row['snapshot_s']:.4f} s, "
              f"redraw of the four charts {row['chart_redraw_median_s']:.3f} s")
    worst = max(row["step_p95_s"] for name, row in results.items() if name != next(iter(results)))
    passed = worst <= TARGET_SECONDS
    print(f"target: one step at the largest market <= {TARGET_SECONDS} s; worst 95th percentile "
          f"{worst:.4f} s: {'met' if passed else 'MISSED'}")
    OUT.write_text(json.dumps({
        "benchmark": "dashboard step at the largest slider settings",
        "target_s": TARGET_SECONDS, "worst_step_p95_s": worst, "met": passed,
        "max_users": MAX_USERS, "max_companies": MAX_COMPANIES,
        "configurations": results, "redraw_against_run_length": lengths,
        "machine": {"python": platform.python_version(), "cpus": os.cpu_count(),
                    "load_average": os.getloadavg()},
    }, indent=2) + "\n")
    print(f"written to {OUT}")
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
