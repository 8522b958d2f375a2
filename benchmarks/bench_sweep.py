"""Benchmark of the sweep machinery (``make bench``; never a timed test).

1. Throughput: 200 short runs (100 users, 5 companies, 5 steps) serially, on 2 local processes and
   on 2 Dask workers (LocalCluster on 127.0.0.1; one run per Dask task, and 10). Reported: runs per
   second with the backend already started (best of 5 repeats, the machine being shared), the
   backend's start-up time, the time inside a run (as the run measured it on its worker) and the
   overhead per run: worker time per run beyond that (wall time x workers / runs - time in a run).
2. Memory: peak resident memory of the parent process for a sweep of 10,000 short runs on 2 local
   processes (keeping the time series of every step too), in a fresh interpreter, with the resident
   memory sampled after 10%, 50% and 100% of the runs to show that it stays flat; the same for
   1,000 runs for comparison.

Results go to benchmarks/sweep_results.json. ``--quick``: 40 runs, 1 repeat, a 1,000-run memory sweep.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
RESULTS = Path(__file__).resolve().parent / "sweep_results.json"
TINY = {"n_users": 100, "n_companies": 5}
STEPS = 5


def tiny_spec(runs: int, seed: int = 1, timeseries_every: int = 0):
    from model.sweep import SweepSpec

    # one varied parameter so that every run has its own design point; replicates would do as well
    return SweepSpec(params={**TINY, "social_influence": {"low": 0.5, "high": 1.5, "num": runs}}, steps=STEPS,
                     seed=seed, name="bench", timeseries_every=timeseries_every)


def bare_run_seconds(runs: int) -> float:
    """Mean time of one run of the model alone (no sweep machinery), over ``runs`` runs."""
    from model import Params
    from model.sweep.worker import _run_model

    params = Params(**TINY)
    _run_model(params, STEPS, 0, want_timeseries=False)  # first-call costs out of the way
    started = time.perf_counter()
    for seed in range(runs):
        _run_model(params, STEPS, seed, want_timeseries=False)
    return (time.perf_counter() - started) / runs


def throughput(name: str, make_backend, workers: int, runs: int, repeats: int) -> dict:
    """Best of ``repeats`` sweeps of ``runs`` runs on one started backend (the machine is shared: the
    best repeat is the one least disturbed by other jobs, as ``timeit`` reports the minimum)."""
    from model.sweep import read_runs, run_sweep

    started = time.perf_counter()
    backend = make_backend()
    trials = []
    with tempfile.TemporaryDirectory() as scratch:
        try:
            run_sweep(tiny_spec(8, seed=99), Path(scratch) / "warm-up", backend=backend, progress=False)
            startup = time.perf_counter() - started
            for repeat in range(repeats):
                out = Path(scratch) / f"sweep-{repeat}"
                began = time.perf_counter()
                report = run_sweep(tiny_spec(runs), out, backend=backend, progress=False)
                wall = time.perf_counter() - began
                assert report.complete, report
                assert report.failed == 0, report
                trials.append((wall, float(read_runs(out, ["elapsed_s"])["elapsed_s"].mean())))
        finally:
            backend.close()
    wall, in_run = min(trials)
    # overhead: worker time per run (wall x workers / runs) beyond the time spent inside the run itself,
    # as the run measured it on its worker (so both figures come from the same moment of a busy machine)
    result = {"backend": name, "workers": workers, "runs": runs, "repeats": repeats, "wall_s": round(wall, 3),
              "runs_per_s": round(runs / wall, 1),
              "runs_per_s_all_repeats": [round(runs / w, 1) for w, _ in trials],
              "startup_s": round(startup, 2), "run_ms": round(in_run * 1000, 2),
              "overhead_per_run_ms": round((wall * workers / runs - in_run) * 1000, 2)}
    print(f"{name:<28} {result['runs_per_s']:>7.1f} runs/s  start-up {result['startup_s']:5.2f} s  "
          f"run {result['run_ms']:5.2f} ms  overhead {result['overhead_per_run_ms']:5.2f} ms/run")
    return result


def memory_child(runs: int, out: str) -> None:
    """Run in a fresh interpreter: a sweep of ``runs`` tiny runs on 2 processes; print memory as JSON."""
    import psutil

    from model.sweep import run_sweep

    me = psutil.Process()
    samples: dict[str, float] = {"before_mb": me.memory_info().rss / 2**20}
    marks = {max(1, runs // 10): "after_10pct_mb", max(1, runs // 2): "after_50pct_mb", runs: "after_100pct_mb"}
    count = 0

    def sample(_row):
        nonlocal count
        count += 1
        if count in marks:
            samples[marks[count]] = me.memory_info().rss / 2**20

    started = time.perf_counter()
    # the time series of every step is kept too (6 rows per run), so that both tables stream to disk
    report = run_sweep(tiny_spec(runs, timeseries_every=1), out, workers=2, progress=False, on_stored=sample)
    samples["wall_s"] = time.perf_counter() - started
    samples["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: kB
    samples["complete"] = report.complete and report.failed == 0
    print(json.dumps({key: round(value, 1) if isinstance(value, float) else value for key, value in samples.items()}))


def memory(runs: int) -> dict:
    with tempfile.TemporaryDirectory() as scratch:
        child = subprocess.run([sys.executable, __file__, "--memory-child", str(runs), str(Path(scratch) / "sweep")],
                               cwd=ROOT, capture_output=True, text=True, check=True)
    result = {"runs": runs, **json.loads(child.stdout.strip().splitlines()[-1])}
    print(f"parent memory, {runs:>6} runs: peak {result['peak_mb']:.0f} MB; resident after 10% "
          f"{result['after_10pct_mb']:.0f} MB, 50% {result['after_50pct_mb']:.0f} MB, 100% "
          f"{result['after_100pct_mb']:.0f} MB ({result['wall_s']:.0f} s)")
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="40 runs and a 1,000-run memory sweep")
    parser.add_argument("--memory-child", nargs=2, metavar=("RUNS", "DIR"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.memory_child:
        memory_child(int(args.memory_child[0]), args.memory_child[1])
        return 0

    from model.sweep import DaskBackend, ProcessBackend, SerialBackend

    load_before = [round(x, 2) for x in os.getloadavg()]
    runs = 40 if args.quick else 200
    repeats = 1 if args.quick else 5
    bare = bare_run_seconds(runs)
    print(f"bare model run (100 users, 5 companies, 5 steps): {bare * 1000:.2f} ms")
    rates = [
        throughput("serial", SerialBackend, 1, runs, repeats),
        throughput("processes(2)", lambda: ProcessBackend(2), 2, runs, repeats),
        throughput("dask-local(2)", lambda: DaskBackend(workers=2), 2, runs, repeats),
        throughput("dask-local(2), 10 runs/task", lambda: DaskBackend(workers=2, runs_per_task=10), 2, runs, repeats),
    ]
    memory_runs = [1_000] if args.quick else [1_000, 10_000]
    results = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "quick": args.quick,
        "machine": {"python": platform.python_version(), "platform": platform.platform(), "cpus": os.cpu_count(),
                    "load_average_before": load_before, "load_average_after": [round(x, 2) for x in os.getloadavg()]},
        "model": {**TINY, "steps": STEPS},
        "bare_run_ms": round(bare * 1000, 3),
        "throughput": rates,
        "parent_memory": [memory(n) for n in memory_runs],
    }
    if args.quick:  # a smoke run must not overwrite the recorded full-run figures
        print(f"smoke run: {RESULTS.relative_to(ROOT)} left as it was")
        return 0
    RESULTS.write_text(json.dumps(results, indent=2) + "\n")
    print(f"written {RESULTS.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
