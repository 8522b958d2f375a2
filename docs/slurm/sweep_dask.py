"""A sweep on a SLURM cluster through dask-jobqueue (``pip install dask-jobqueue``; not a dependency).

Run it on a login node, or in a small job of its own: it submits worker jobs, hands the sweep to them and
writes the store itself (workers need no shared file system)::

    python docs/slurm/sweep_dask.py experiments/sweeps/formats_sobol.toml results/sweeps/formats_sobol \
        --queue normal --account myproject --jobs 20

Stopped and started again, it resumes the stored sweep. Jobs that reach their wall time are workers that
die: Dask reschedules their runs.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def make_cluster(*, queue: str | None = None, account: str | None = None, cores: int = 8, memory: str = "16GB",
                 walltime: str = "02:00:00", prologue: tuple[str, ...] = ("source .venv/bin/activate",)):
    """A ``SLURMCluster`` whose jobs each run ``cores`` single-threaded worker processes (a run holds the GIL)."""
    from dask_jobqueue import SLURMCluster

    return SLURMCluster(queue=queue, account=account, cores=cores, processes=cores, memory=memory,
                        walltime=walltime, job_name="engagement-worker", job_script_prologue=list(prologue),
                        scheduler_options={"dashboard_address": None})


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("spec", help="sweep specification (TOML)")
    parser.add_argument("out", help="sweep folder")
    parser.add_argument("--queue", help="SLURM partition")
    parser.add_argument("--account", help="SLURM account")
    parser.add_argument("--cores", type=int, default=8, help="worker processes per job (8)")
    parser.add_argument("--memory", default="16GB", help="memory per job (16GB)")
    parser.add_argument("--walltime", default="02:00:00", help="wall time per job (02:00:00)")
    parser.add_argument("--jobs", type=int, default=10, help="at most this many jobs at once (10)")
    args = parser.parse_args(argv)

    from model.sweep import run_sweep

    cluster = make_cluster(queue=args.queue, account=args.account, cores=args.cores, memory=args.memory,
                           walltime=args.walltime)
    cluster.adapt(minimum_jobs=1, maximum_jobs=args.jobs)  # the sweep follows the cluster up and down
    try:
        report = run_sweep(args.spec, args.out, scheduler=cluster.scheduler_address,
                           resume=(Path(args.out) / "manifest.json").exists())
    finally:
        cluster.close()
    print(f"{report.stored} of {report.n_runs} runs stored in {args.out}; {report.failed} failed")
    return 1 if report.failed else 0


if __name__ == "__main__":
    sys.exit(main())
