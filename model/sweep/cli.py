"""``engagement sweep``, ``engagement export`` and ``engagement analyze`` (light to import: the work is in NAME_main).

Exit status of ``sweep``: 0 every run stored and none failed; 1 some run failed (or the cluster was
lost: resume later); 2 bad specification or options, before any run; 130 interrupted (what finished is
stored: continue with ``--resume``).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


# ====================================================================== engagement sweep
def add_sweep_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("spec", metavar="SPEC.toml", help="sweep specification (see docs/sweeps.md)")
    parser.add_argument("--out", metavar="DIR", help="sweep folder (default results/sweeps/NAME)")
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--workers", type=int, metavar="N", help="run on N local worker processes (default: serial)")
    where.add_argument("--dask-workers", type=int, metavar="N",
                       help="start a Dask LocalCluster with N single-threaded workers on 127.0.0.1")
    where.add_argument("--scheduler", metavar="tcp://HOST:PORT", help="run on an existing Dask cluster")
    parser.add_argument("--resume", action="store_true", help="continue the sweep in DIR, skipping stored runs")
    parser.add_argument("--overwrite", action="store_true", help="replace whatever DIR holds with a new sweep")
    parser.add_argument("--shard", metavar="K/N", type=_shard,
                        help="run only the run ids i with i %% N == K (task K of a job array of N; join the shard "
                             "folders with engagement merge)")
    parser.add_argument("--companies", action="store_true",
                        help="also keep a company-level table: one row per company ever in each run's market")
    parser.add_argument("--retry-failed", action="store_true", help="like --resume, and run failed runs again")
    parser.add_argument("--seed", type=int, metavar="N", help="root seed (overrides the spec's seed)")
    parser.add_argument("--runs-per-task", type=int, default=1, metavar="K",
                        help="Dask: send K runs per task, for very short runs (default 1)")
    parser.add_argument("--chunk-rows", type=int, default=1000, metavar="N",
                        help="runs per Parquet part (default 1000; every run is on disk at once anyway)")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")


def sweep_main(args: argparse.Namespace) -> int:
    from .runner import run_sweep
    from .spec import SweepSpec

    spec = SweepSpec.from_toml(args.spec)
    if args.seed is not None:
        spec = spec.replace(seed=args.seed)
    if args.chunk_rows < 1:
        raise ValueError(f"--chunk-rows = {args.chunk_rows} must be >= 1")
    out = Path(args.out) if args.out else Path("results") / "sweeps" / spec.name
    if args.shard and not args.out:
        out = out / f"shard-{args.shard[0]:03d}-of-{args.shard[1]:03d}"
    try:
        report = run_sweep(spec, out, workers=args.workers, dask_workers=args.dask_workers, scheduler=args.scheduler,
                           resume=args.resume, retry_failed=args.retry_failed, overwrite=args.overwrite,
                           companies=args.companies, shard=args.shard,
                           progress=not args.no_progress,
                           chunk_rows=args.chunk_rows, runs_per_task=args.runs_per_task)
    except RuntimeError as error:  # the cluster went away: what finished is stored
        print(f"engagement: sweep stopped: {error}; finished runs are stored in {out}/, continue with --resume",
              file=sys.stderr)
        return 1
    print(f"{report.stored} of {report.n_runs} runs stored in {out}/ ({report.ran} run now on {report.backend}, "
          f"{report.skipped} already stored, {report.seconds:.1f} s); {report.failed} failed")
    if report.failed:
        shown = ", ".join(map(str, report.failed_ids[:20])) + (" ..." if report.failed > 20 else "")
        print(f"failed run ids: {shown} (see the 'error' column; --retry-failed runs them again)")
    print(f"read it with: python -c \"from model.sweep import read_runs; print(read_runs('{out}'))\"")
    return 1 if report.failed else 0


def _shard(text: str) -> tuple[int, int]:
    k, sep, n = text.partition("/")
    if not (sep and k.strip().isdigit() and n.strip().isdigit() and int(k) < int(n)):
        raise argparse.ArgumentTypeError(f"{text!r} is not K/N with 0 <= K < N (e.g. 3/10)")
    return int(k), int(n)


# ====================================================================== engagement merge
def add_merge_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("out", metavar="OUT", help="folder of the merged sweep")
    parser.add_argument("shards", metavar="SHARD_DIR", nargs="+", help="the shard folders (engagement sweep --shard)")
    parser.add_argument("--overwrite", action="store_true", help="replace whatever OUT holds")


def merge_main(args: argparse.Namespace) -> int:
    from .merge import merge_shards

    manifest = merge_shards(args.shards, args.out, overwrite=args.overwrite)
    print(f"{manifest['stored']} of {manifest['n_runs']} runs from {len(args.shards)} shards merged into "
          f"{args.out}/ ({manifest['status']})")
    return 0 if manifest["status"] == "complete" else 1


# ====================================================================== engagement export
def add_export_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("dir", metavar="DIR", help="results folder (of a run, an experiment or a sweep)")
    parser.add_argument("--csv", action="store_true",
                        help="write each table as NAME.csv (runs.csv, timeseries.csv...) sorted by run id")
    parser.add_argument("--out", metavar="DIR", help="where to write the files (default: the sweep folder)")


def export_main(args: argparse.Namespace) -> int:
    from ..store import export_csv

    if not args.csv:
        raise ValueError("choose an export format: --csv")
    for path in export_csv(args.dir, args.out):
        print(f"written {path}")
    return 0


# ====================================================================== engagement analyze
def add_analyze_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("dir", metavar="DIR", help="folder of a finished sobol or morris sweep")
    parser.add_argument("--method", required=True, choices=("sobol", "morris"), help="Sobol' indices or Morris screening")
    parser.add_argument("--outcome", action="append", required=True, metavar="METRIC",
                        help="outcome to analyse (repeatable), e.g. gini")
    parser.add_argument("--conf-level", type=float, default=0.95, help="confidence level of the intervals (0.95)")
    parser.add_argument("--resamples", type=int, default=1000, help="bootstrap resamples (1000)")
    parser.add_argument("--out", metavar="DIR", help="where to write tables and figures (default DIR/analysis)")
    parser.add_argument("--no-figure", action="store_true", help="tables only")


def analyze_main(args: argparse.Namespace) -> int:
    from ..store import require_verified
    from .sensitivity import analyze

    require_verified(args.dir, allow_incomplete=True)
    results = analyze(args.dir, args.method, args.outcome, conf_level=args.conf_level, resamples=args.resamples,
                      out=args.out, figure=not args.no_figure)
    target = Path(args.out) if args.out else Path(args.dir) / "analysis"
    for outcome, frame in results.items():
        print(f"{args.method} sensitivity of {outcome}:")
        print(frame.to_string(index=False, float_format=lambda x: f"{x:.3f}"))
    print(f"written to {target}/")
    return 0
