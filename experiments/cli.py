"""``engagement experiment NAME`` and ``engagement plot DIR`` (registered in ``model.cli.SUBCOMMANDS``).

Light to import: the experiment modules (NumPy, pandas, matplotlib) load inside the handlers.
"""

from __future__ import annotations

import argparse
import difflib
import importlib
import os
from types import ModuleType

from model.cli import UsageError

from . import EXPERIMENTS

DEFAULT_SEED = 2015  # same as experiments.common.DEFAULT_SEED, repeated to keep this module light


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # one line instead of argparse's usage block and exit
        raise UsageError(f"{self.prog}: {message}")


def available_cores() -> int:
    """Cores this process may use (the default number of worker processes)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def load(name: str) -> ModuleType:
    """The module of experiment ``name``; UsageError naming the close match for a typo."""
    if name not in EXPERIMENTS:
        close = difflib.get_close_matches(name, EXPERIMENTS, n=1)
        hint = f"did you mean '{close[0]}'? " if close else ""
        raise UsageError(f"unknown experiment '{name}'; {hint}experiments are {', '.join(EXPERIMENTS)}")
    return importlib.import_module(f"experiments.{name}")


# ====================================================================== engagement experiment
def add_experiment_arguments(parser: argparse.ArgumentParser, *, with_name: bool = True) -> None:
    if with_name:
        parser.add_argument("name", metavar="NAME", help=f"one of: {', '.join(EXPERIMENTS)}")
    parser.add_argument("--quick", action="store_true",
                        help="small and fast version (seconds) for trying things out and for the tests")
    parser.add_argument("--out", metavar="DIR",
                        help="output folder (default results/NAME, with --quick results/quick/NAME)")
    again = parser.add_mutually_exclusive_group()
    again.add_argument("--resume", action="store_true",
                       help="continue an interrupted run of the experiment in its folder (stored runs are kept)")
    again.add_argument("--overwrite", action="store_true",
                       help="replace the results in the folder (the old ones stay until the new ones are complete)")
    add_figure_arguments(parser)
    parser.add_argument("--workers", type=int, default=None, metavar="N",
                        help=f"worker processes (default: the cores available, here {available_cores()})")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, metavar="S",
                        help=f"root seed of the whole experiment (default {DEFAULT_SEED})")


def experiment_parser(prog: str, *, with_name: bool = True) -> argparse.ArgumentParser:
    """A stand-alone parser (for ``python -m experiments.NAME``) that raises UsageError."""
    parser = _Parser(prog=prog, description="Run one of the article's experiments.")
    add_experiment_arguments(parser, with_name=with_name)
    return parser


def add_figure_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--lang", choices=("en", "de"), default="en",
                        help="language of the figures' labels: en (default) or de (Deutsch, for slides)")
    parser.add_argument("--pdf", action="store_true", help="also write each figure as PDF (for papers)")


def experiment_main(args: argparse.Namespace) -> int:
    from model.plotting import figure_options

    from .common import check_run_arguments, execute

    module = load(args.name)
    workers = available_cores() if args.workers is None else args.workers
    check_run_arguments(workers, args.seed)
    with figure_options(lang=args.lang, extra_formats=("pdf",) if args.pdf else ()):
        execute(module, quick=args.quick, out=args.out, workers=workers, seed=args.seed, resume=args.resume,
                overwrite=args.overwrite)
    return 0


# ====================================================================== engagement plot
def add_plot_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("folder", metavar="DIR", help="folder of a finished experiment or sweep (with manifest.json)")
    from model.sweep.plot import add_sweep_plot_arguments

    group = parser.add_argument_group("sweeps", "options for a sweep folder")
    add_sweep_plot_arguments(group)  # type: ignore[arg-type]
    add_figure_arguments(parser)


def plot_main(args: argparse.Namespace) -> int:
    from model.plotting import figure_options
    from model.store import read_manifest as read_any
    from model.store import require_verified

    manifest = read_any(args.folder)
    with figure_options(lang=args.lang, extra_formats=("pdf",) if args.pdf else ()):
        if manifest.get("kind") == "sweep" or "spec" in manifest:
            require_verified(args.folder, allow_incomplete=True)
            from model.sweep.plot import sweep_plot_main

            written = sweep_plot_main(args.folder, args)
        else:
            from .common import redraw

            given = [f"--{name}" for name in ("outcome", "by", "title", "caption")
                     if getattr(args, name) is not None] + (["--kind"] if args.kind != "auto" else [])
            if given:
                raise UsageError(f"{', '.join(given)} apply to sweep folders; {args.folder} holds an experiment")
            name = manifest.get("experiment")
            if not isinstance(name, str):
                raise UsageError(f"{args.folder}/manifest.json names no experiment or sweep")
            written = redraw(load(name), args.folder)
    for path in written:
        print(path)
    return 0
