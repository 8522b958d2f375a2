"""The ``engagement`` command line: a thin layer over the package.

Subcommands: ``run`` and ``params`` (here), ``sweep``, ``export`` and ``analyze``
(``model.sweep.cli``), ``dashboard`` (``model.dashboard``, app in ``model.app``), ``experiment`` and ``plot``
(``experiments``). Bad input ends with one line on stderr and exit status 2.
"""

from __future__ import annotations

import argparse
import importlib
import json
import math
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

EXIT_USAGE = 2


class UsageError(Exception):
    """Bad input from the user: reported as one line, exit status 2."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # one line, not argparse's usage block
        raise UsageError(f"{self.prog}: {message}")


#: subcommand -> (module, help). Each module has ``add_arguments(parser)`` and ``main(args) -> int``.
SUBCOMMANDS: dict[str, tuple[str, str]] = {
    "run": ("model.cli", "run the model once and write its tables and figure"),
    "params": ("model.cli", "list every parameter with default, range and meaning"),
    "sweep": ("model.sweep.cli", "run a parameter sweep from a TOML specification"),
    "merge": ("model.sweep.cli", "join the shard folders of one sweep (sweep --shard K/N) into one"),
    "export": ("model.sweep.cli", "export any results folder's tables as CSV"),
    "analyze": ("model.sweep.cli", "sensitivity analysis (Sobol, Morris) of a finished sweep"),
    "dashboard": ("model.dashboard", "start the interactive dashboard in the browser"),
    "experiment": ("experiments.cli", "run one of the article's experiments"),
    "plot": ("experiments.cli", "redraw an experiment's figures from its stored data"),
    "assets": ("model.assets", "fetch the dashboard's browser assets for offline classrooms"),
    "examples": ("model.examples", "list the shipped example sweep specifications, or copy one here"),
    "verify": ("model.store", "check a results folder: manifest, every table part, every row"),
}


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="engagement", description="Companies competing for users' limited attention.")
    parser.add_argument("--version", action="version", version=f"%(prog)s {_version()}")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    for name, (module_name, help_text) in SUBCOMMANDS.items():
        try:  # modules here must be light to import: heavy imports go inside NAME_main
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as error:
            if not (error.name and (module_name + ".").startswith(error.name + ".")):
                raise
            continue
        command = sub.add_parser(name, help=help_text, description=help_text)
        getattr(module, f"add_{name}_arguments")(command)
        command.set_defaults(handler=getattr(module, f"{name}_main"))
    return parser


class Terminated(KeyboardInterrupt):
    """SIGTERM (a scheduler ending a job, ``kill``): handled like Ctrl-C, so finished work is stored."""


def _terminate(signum: int, frame: Any) -> None:
    raise Terminated


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the console script."""
    import signal
    import threading

    if threading.current_thread() is threading.main_thread():
        previous = signal.signal(signal.SIGTERM, _terminate)
    try:
        args = build_parser().parse_args(argv)
        handler: Callable[[argparse.Namespace], int] = args.handler
        return handler(args)
    except UsageError as error:
        text = one_line(str(error))
        print(text if text.startswith("engagement") else f"engagement: error: {text}", file=sys.stderr)
        return EXIT_USAGE
    except ValueError as error:  # invalid parameters and specifications
        print(f"engagement: error: {one_line(str(error))}", file=sys.stderr)
        return EXIT_USAGE
    except OSError as error:  # disk full, read-only folder... while writing results
        from .store import disk_error_message

        where = getattr(error, "filename", None)
        message = disk_error_message(error, where or "the output", resumable=where is not None)
        print(f"engagement: error: {one_line(message)}", file=sys.stderr)
        return EXIT_USAGE
    except RuntimeError as error:  # a run the infrastructure could not complete, a lost cluster
        print(f"engagement: stopped: {one_line(str(error))}; finished runs are stored, continue with --resume",
              file=sys.stderr)
        return 1
    except KeyboardInterrupt as interrupt:
        how = "terminated" if isinstance(interrupt, Terminated) else "interrupted"
        print(f"engagement: {how}; finished runs are stored, continue with --resume", file=sys.stderr)
        return 143 if isinstance(interrupt, Terminated) else 130
    finally:
        if threading.current_thread() is threading.main_thread():
            signal.signal(signal.SIGTERM, previous)


# ====================================================================== helpers shared by subcommands
def one_line(text: str) -> str:
    """``text`` as one printable line: control characters from the user's input (a newline in an
    argument) are shown escaped, so that an error is always exactly one line."""
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text.strip())


def parse_assignments(pairs: Sequence[str]) -> dict[str, Any]:
    """``name=value`` strings to a dict; values parsed as JSON when possible (numbers, true, {...})."""
    values: dict[str, Any] = {}
    for pair in pairs:
        name, sep, raw = pair.partition("=")
        if not sep or not name:
            raise UsageError(f"--set expects name=value, got {pair!r}")
        try:
            values[name.strip()] = json.loads(raw)
        except json.JSONDecodeError:
            values[name.strip()] = raw
    return values


#: How an undefined metric (NaN, e.g. losers per winner without winners) is shown to people.
UNDEFINED = "\u2014"  # an em dash


def json_ready(value: Any) -> Any:
    """``value`` with every non-finite float (an undefined metric is NaN) replaced by ``None``, NumPy
    scalars and arrays as plain Python numbers and lists, tuples as lists: what strict JSON can hold."""
    if isinstance(value, dict):
        return {key: json_ready(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [json_ready(item) for item in value]
    if type(value).__module__ == "numpy" and hasattr(value, "tolist"):  # NumPy scalars and arrays
        return json_ready(value.tolist())
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def dump_json(value: Any, *, indent: int | None = None, compact: bool = False) -> str:
    """Strict JSON text (RFC 8259): NaN and infinities are written as ``null``, never as bare ``NaN``.

    Every JSON file the package writes goes through here (the manifests of runs, experiments and sweeps,
    journals, analysis files), so any JSON reader accepts it; ``json.loads`` gives ``None`` back
    for an undefined metric.
    """
    separators = (",", ":") if compact else None
    return json.dumps(json_ready(value), indent=indent, separators=separators, allow_nan=False)


def format_metric(name: str, value: Any, *, undefined: str = UNDEFINED) -> str:
    """A metric's value for people: counts as whole numbers, other values to 3 decimals, an undefined
    value (NaN or None) as ``undefined`` (an em dash)."""
    from .metrics import INTEGER_OUTCOMES

    if value is None or (isinstance(value, float) and math.isnan(value)):
        return undefined
    if name in INTEGER_OUTCOMES or name == "steps":
        return f"{int(value)}"
    return f"{float(value):.3f}"


def provenance() -> dict[str, Any]:
    """Package version, git commit and whether the work tree had uncommitted changes (outside results/)."""
    root = Path(__file__).resolve().parent.parent
    info: dict[str, Any] = {"package_version": _version(), "git_commit": None, "git_dirty": None}
    try:
        commit = subprocess.run(["git", "rev-parse", "HEAD"], cwd=root, capture_output=True, text=True, timeout=5,
                                check=False)
        if commit.returncode == 0:
            info["git_commit"] = commit.stdout.strip()
            # results/ is what runs write, not what produces them: rewriting a figure does not make the code dirty
            dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no", "--", ".",
                                    ":(exclude)results"], cwd=root, capture_output=True, text=True, timeout=5,
                                   check=False)
            info["git_dirty"] = bool(dirty.stdout.strip())
    except (OSError, subprocess.SubprocessError):
        pass
    return info


def _version() -> str:
    from . import __version__

    return __version__


# ====================================================================== engagement run
def add_run_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--config", metavar="FILE.toml", help="parameters from a TOML file")
    parser.add_argument("--set", metavar="NAME=VALUE", action="append", default=[], dest="assignments",
                        help="set one parameter (repeatable); applied after --config")
    parser.add_argument("--steps", type=int, default=100, help="steps to run (default 100)")
    parser.add_argument("--seed", type=int, default=0, help="random seed, a whole number >= 0 (default 0)")
    parser.add_argument("--out", default="results/run", metavar="DIR", help="output folder (default results/run)")
    parser.add_argument("--overwrite", action="store_true",
                        help="replace the results in DIR (they stay until the new ones are complete)")
    parser.add_argument("--no-figure", action="store_true", help="skip the figure")


def run_main(args: argparse.Namespace) -> int:
    """One run into a results folder (``model.store``): manifest (parameters, seed, summary, provenance),
    the runs, timeseries and companies tables as Parquet, and the figure; ``engagement export DIR --csv``
    writes them as CSV."""
    from .params import Params
    from .plotting import plot_run
    from .simulate import simulate
    from .store import FORMAT, TableStore, claim, disk_error_message, replace_contents, write_manifest

    if args.steps < 0:
        raise UsageError(f"--steps = {args.steps} must be >= 0")
    if not 0 <= args.seed < 2**128:
        raise UsageError(f"--seed = {args.seed} must be a whole number from 0 to 2**128 - 1")
    params = Params.from_toml(args.config) if args.config is not None else Params()
    overrides = parse_assignments(args.assignments)
    params = params.replace(**overrides) if overrides else params
    lock = claim(args.out, overwrite=args.overwrite)
    out = Path(args.out)
    staging = Path(tempfile.mkdtemp(prefix=".staging-", dir=out))
    try:
        result = simulate(params, steps=args.steps, seed=args.seed)
        manifest = {"format": FORMAT, "kind": "run", "n_runs": 1, "params": params.to_dict(), "steps": args.steps,
                    "seed": args.seed, "summary": result.summary, "status": "complete", **provenance(),
                    "command": "engagement run " + " ".join(sys.argv[2:]) if sys.argv[1:2] == ["run"] else None}
        store = TableStore(staging, 1)
        store.open()
        store.add(0, {"runs": {**{k: v for k, v in result.summary.items() if k != "seed"}, "seed": args.seed},
                      "timeseries": result.timeseries, "companies": result.companies})
        store.close()
        if not args.no_figure:
            figures = plot_run(result, staging / "run")
            manifest["figures"] = sorted(path.name for path in figures or [])
        write_manifest(staging, manifest)
        replace_contents(out, staging)
    except BaseException as error:
        shutil.rmtree(staging, ignore_errors=True)
        lock.abandon()  # a folder created for this run is removed again: nothing half-written
        if isinstance(error, OSError):
            raise UsageError(disk_error_message(error, out)) from None
        raise
    lock.release()
    print(summary_text(result.summary, args.seed))
    print(f"written to {out}/ (tables as CSV: engagement export {out} --csv)")
    return 0


def summary_text(summary: dict[str, Any], seed: Any = None) -> str:
    """The printout of ``engagement run``: one line per summary metric (``model.metrics.OUTCOMES``):
    name, value and label; an undefined value (NaN) shows as an em dash."""
    from .metrics import OUTCOME_BY_NAME, SUMMARY_KEYS

    undefined = _printable(UNDEFINED)
    width = max(len(name) for name in SUMMARY_KEYS)
    values = {name: format_metric(name, summary.get(name), undefined=undefined) for name in SUMMARY_KEYS}
    value_width = max(len(text) for text in values.values())
    lines = [f"{summary.get('steps')} steps, seed {seed}:"]
    lines += [f"  {name:<{width}}  {values[name]:>{value_width}}  {OUTCOME_BY_NAME[name].label}"
              for name in SUMMARY_KEYS]
    return "\n".join(lines)


def _printable(text: str) -> str:
    """``text``, or ``-`` where stdout cannot encode it (a terminal in a legacy 8-bit locale)."""
    try:
        text.encode(sys.stdout.encoding or "utf-8")
    except (UnicodeEncodeError, LookupError):
        return "-"
    return text


# ====================================================================== engagement params
def add_params_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--markdown", action="store_true", help="print a Markdown table (for the docs)")


def params_main(args: argparse.Namespace) -> int:
    from .params import Params

    rows = Params.describe()
    if args.markdown:
        print("| name | default | unit | range | claim | meaning |")
        print("|---|---|---|---|---|---|")
        for r in rows:
            print(f"| `{r['name']}` | {r['default']} | {r['unit']} | {r['range']} | {r['claim']} | {r['meaning']} |")
        return 0
    width = max(len(r["name"]) for r in rows)
    for r in rows:
        print(f"{r['name']:<{width}}  default {r['default']!s:<12} {r['range']:<28} {r['meaning']}")
    return 0


if __name__ == "__main__":  # run as `python -m model.cli`: use the importable module's classes
    from model.cli import main as _main

    sys.exit(_main())
