"""Redraw the example sweep figures of docs/sweeps.md (one of each kind) from the shipped example specs,
run at reduced size (500 users, fewer replicates) so that all of them take a few minutes on two cores:

    .venv/bin/python docs/img/sweeps/make_figures.py [SCRATCH_DIR]

The sweeps go to SCRATCH_DIR (default: a temporary folder); only the PNGs are written here.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path

from model.examples import examples
from model.sweep import analyze, load_spec, run_sweep
from model.sweep.plot import plot_sweep

HERE = Path(__file__).resolve().parent
REDUCED = {  # example -> changes to its [sweep] settings; every run with 500 users
    "crowding_x_influence": {"replicates": 4},
    "crowding_influence_exit": {},
    "crowding_influence_lhs": {},
    "crowding_influence_sobol": {"steps": 40},
    "mechanisms_morris": {},
}
FIGURES = [  # (example, outcome, kind, extra keyword arguments)
    ("crowding_x_influence", "gini_survivors", "heatmap", {}),
    ("crowding_x_influence", "top1_share", "lines", {}),
    ("crowding_x_influence", "survivors", "timeseries", {"by": "social_influence"}),
    ("crowding_influence_exit", "gini_survivors", "panels", {}),
    ("crowding_influence_lhs", "gini_survivors", "scatter", {}),
]
ANALYSES = [("crowding_influence_sobol", "sobol", "gini_survivors"), ("mechanisms_morris", "morris", "gini_survivors")]


def main(scratch: Path) -> None:
    specs = {example.name: example for example in examples()}
    for name, changes in REDUCED.items():
        spec = load_spec(_spec_path(specs[name], scratch))
        spec = spec.replace(params={**spec.params, "n_users": 500}, **changes)
        folder = scratch / name
        shutil.rmtree(folder, ignore_errors=True)
        report = run_sweep(spec, folder, workers=2, progress=True)
        print(f"{name}: {report.stored} runs, {report.failed} failed, {report.seconds:.0f} s")
    for name, outcome, kind, extra in FIGURES:
        for path in plot_sweep(scratch / name, outcome, HERE, kind=kind, formats=("png",), **extra):
            target = path.with_name(f"{name}_{path.name}")
            path.replace(target)
            print(f"written {target}")
    for name, method, outcome in ANALYSES:
        analyze(scratch / name, method, [outcome], resamples=500, out=scratch / name / "analysis")
        source = scratch / name / "analysis" / f"{method}_{outcome}.png"
        target = HERE / f"{name}_{method}_{outcome}.png"
        shutil.copy(source, target)
        print(f"written {target}")


def _spec_path(example, scratch: Path) -> Path:
    path = scratch / example.filename
    path.write_text(example.text())
    return path


if __name__ == "__main__":
    if len(sys.argv) > 1:
        main(Path(sys.argv[1]))
    else:
        with tempfile.TemporaryDirectory() as folder:
            main(Path(folder))
