"""Benchmark of the two user engines (``make bench``; never a timed test).

Every configuration runs in a fresh Python process (so that its peak resident memory is its own)
with all users on the platform from step 0 (``initial_user_share = 1``) and otherwise default
parameters (small-world network, mean degree 10, 3 slots, 3 shown per step), single-threaded:

- user-steps per second and peak resident memory of the vectorised engine (``array``) at
  1,000 / 10,000 / 100,000 / 1,000,000 users and of the reference engine (``agents``) at 1,000 /
  10,000 users, each with 10, 100 and 1,000 companies;
- the speed-up of the vectorised engine over the reference engine at 10,000 users and 50
  companies, both run for the same steps in this benchmark run.

Set-up time (model construction, user network included) and the time of the steps are measured
separately; runs shorter than a second (the vectorised engine up to 100,000 users) are repeated
five times from the same seed and the median is reported. The targets of docs/performance.md are checked and reported. Results go to
benchmarks/results.json; ``--quick`` is a smoke run (small sizes, few steps, no targets, nothing
written).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
RESULTS = Path(__file__).resolve().parent / "results.json"
COMPANIES = (10, 100, 1000)
SIZES = {"array": (1_000, 10_000, 100_000, 1_000_000), "agents": (1_000, 10_000)}
STEPS = {"array": 100, "agents": 10}
SPEEDUP = {"n_users": 10_000, "n_companies": 50, "steps": 100}
TARGETS = {
    "speedup_at_10k_users_50_companies": "array at least 100x the user-steps per second of agents",
    "steps_1m_users_100_companies_100_steps_s": "at most 30 s",
    "setup_1m_users_s": "at most 15 s",
    "peak_memory_1m_users_mb": "at most 2048 MB",
    "time_per_user_step_1m_over_10k": "at most 1.5",
    "time_per_user_step_1000_over_10_companies": "at most 1.25 (nearly independent of companies)",
}
SINGLE_THREAD = {name: "1" for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS",
                                        "NUMBA_NUM_THREADS")}


def measure(engine: str, n_users: int, n_companies: int, steps: int, repeats: int = 1) -> dict:
    """One configuration, in this process: set-up and step times (median of ``repeats`` identical
    runs from the same seed), peak memory."""
    import numpy as np

    from model import EngagementModel

    setups, walls, cpus = [], [], []
    for _ in range(repeats):
        started = time.perf_counter()
        market = EngagementModel(rng=np.random.default_rng(12345), n_users=n_users, n_companies=n_companies,
                                 initial_user_share=1.0, engine=engine)
        setups.append(time.perf_counter() - started)
        wall, cpu = time.perf_counter(), time.process_time()
        for _ in range(steps):
            market.step()
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    wall = float(np.median(walls))
    return {"engine": engine, "n_users": n_users, "n_companies": n_companies, "steps": steps, "repeats": repeats,
            "setup_s": float(np.median(setups)), "steps_s": wall, "steps_s_all": walls,
            "steps_cpu_s": float(np.median(cpus)), "user_steps_per_s": n_users * steps / wall,
            "us_per_user_step": wall / (n_users * steps) * 1e6,
            "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            "survivors": market.current["survivors"]}


def repeats_for(engine: str, n_users: int) -> int:
    """Runs shorter than a second are repeated (median of 5) so that one hiccup of a shared machine
    does not decide the result; the longer ones are measured once."""
    return 5 if engine == "array" and n_users <= 100_000 else 1


def in_fresh_process(engine: str, n_users: int, n_companies: int, steps: int) -> dict:
    config = json.dumps({"engine": engine, "n_users": n_users, "n_companies": n_companies, "steps": steps,
                         "repeats": repeats_for(engine, n_users)})
    done = subprocess.run([sys.executable, __file__, "--child", config], capture_output=True, text=True,
                          env={**os.environ, **SINGLE_THREAD}, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"configuration {config} failed:\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def machine() -> dict:
    import numpy as np

    from model.cli import provenance

    cpu = "unknown"
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        names = [line.split(":", 1)[1].strip() for line in cpuinfo.read_text().splitlines()
                 if line.startswith("model name")]
        cpu = names[0] if names else cpu
    memory_gb = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    try:
        import numba

        numba_version = numba.__version__
    except ImportError:
        numba_version = None
    return {"cpu": cpu, "cores": os.cpu_count(), "memory_gb": round(memory_gb, 1), "os": platform.platform(),
            "python": platform.python_version(), "numpy": np.__version__, "numba": numba_version,
            "load_average_at_start": os.getloadavg(), **provenance()}


def check_targets(rows: list[dict]) -> dict:
    def row(engine: str, n_users: int, n_companies: int, steps: int | None = None) -> dict:
        return next(r for r in rows if r["engine"] == engine and r["n_users"] == n_users
                    and r["n_companies"] == n_companies and (steps is None or r["steps"] == steps))

    fast = row("array", SPEEDUP["n_users"], SPEEDUP["n_companies"], SPEEDUP["steps"])
    slow = row("agents", SPEEDUP["n_users"], SPEEDUP["n_companies"], SPEEDUP["steps"])
    million = row("array", 1_000_000, 100)
    measured = {
        "speedup_at_10k_users_50_companies": fast["user_steps_per_s"] / slow["user_steps_per_s"],
        "steps_1m_users_100_companies_100_steps_s": million["steps_s"],
        "setup_1m_users_s": max(row("array", 1_000_000, c)["setup_s"] for c in COMPANIES),
        "peak_memory_1m_users_mb": max(row("array", 1_000_000, c)["peak_rss_mb"] for c in COMPANIES),
        "time_per_user_step_1m_over_10k": million["us_per_user_step"] / row("array", 10_000, 100)["us_per_user_step"],
        "time_per_user_step_1000_over_10_companies": max(
            row("array", n, 1000)["us_per_user_step"] / row("array", n, 10)["us_per_user_step"]
            for n in (100_000, 1_000_000)),
    }
    limits = {"speedup_at_10k_users_50_companies": (100, ">="), "steps_1m_users_100_companies_100_steps_s": (30, "<="),
              "setup_1m_users_s": (15, "<="), "peak_memory_1m_users_mb": (2048, "<="),
              "time_per_user_step_1m_over_10k": (1.5, "<="), "time_per_user_step_1000_over_10_companies": (1.25, "<=")}
    return {name: {"measured": value, "target": TARGETS[name],
                   "met": value >= limits[name][0] if limits[name][1] == ">=" else value <= limits[name][0]}
            for name, value in measured.items()}


def table(rows: list[dict]) -> str:
    lines = ["| engine | users | companies | steps | set-up s | steps s | user-steps/s | us/user-step | peak MB |",
             "|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for r in rows:
        lines.append(f"| {r['engine']} | {r['n_users']:,} | {r['n_companies']:,} | {r['steps']} | {r['setup_s']:.2f} | "
                     f"{r['steps_s']:.2f} | {r['user_steps_per_s']:,.0f} | {r['us_per_user_step']:.3f} | "
                     f"{r['peak_rss_mb']:,.0f} |")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smoke run: small sizes, few steps, no targets")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(measure(**json.loads(args.child))))
        return 0
    if args.quick:
        plan = [(engine, n, c, 5) for engine in ("array", "agents") for n in (1_000, 3_000) for c in (10, 100)]
    else:
        plan = [(engine, n, c, STEPS[engine]) for engine in ("array", "agents") for n in SIZES[engine]
                for c in COMPANIES]
        plan += [(engine, SPEEDUP["n_users"], SPEEDUP["n_companies"], SPEEDUP["steps"]) for engine in ("array", "agents")]
    info = machine()
    started = time.perf_counter()
    rows = []
    for config in plan:
        rows.append(in_fresh_process(*config))
        r = rows[-1]
        print(f"{r['engine']:6s} {r['n_users']:>9,} users {r['n_companies']:>5,} companies {r['steps']:>3} steps: "
              f"{r['user_steps_per_s']:>12,.0f} user-steps/s, set-up {r['setup_s']:.2f} s, "
              f"peak {r['peak_rss_mb']:,.0f} MB", flush=True)
    print()
    print(table(rows))
    report = {"machine": info, "quick": args.quick, "duration_s": time.perf_counter() - started, "rows": rows}
    if not args.quick:
        report["targets"] = check_targets(rows)
        print()
        for name, target in report["targets"].items():
            print(f"{'met' if target['met'] else 'NOT MET':8s} {name}: {target['measured']:.3f} ({target['target']})")
    if args.quick:
        print("\nsmoke run: benchmarks/results.json left as it was")
    else:
        RESULTS.write_text(json.dumps(report, indent=2) + "\n")
        print(f"\nwrote {RESULTS.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
