"""The SLURM recipes in docs/slurm/ (docs/sweeps.md, "HPC: SLURM"): the sbatch scripts are valid bash, name
only existing commands and options, and run a real (tiny) sweep when SLURM's variables are set; the
dask-jobqueue example writes the job script it promises. No SLURM is needed."""

from __future__ import annotations

import importlib.util
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from model.cli import build_parser
from model.sweep import read_manifest, read_runs

ROOT = Path(__file__).resolve().parent.parent
SLURM = ROOT / "docs" / "slurm"
SCRIPTS = sorted(SLURM.glob("*.sbatch"))
PLACEHOLDERS = {"SPEC": "experiments/sweeps/crowding_x_influence.toml", "OUT": "results/sweeps/x/task-000",
                "BASE_SEED": "1", "TASK": "0", "TASKS": "10", "RESUME": "--resume"}


def engagement_commands(script: Path) -> list[list[str]]:
    """The ``engagement ...`` command lines of a script (continuations joined), shell variables replaced."""
    text = script.read_text().replace("\\\n", " ")
    commands = []
    for line in text.splitlines():
        line = line.strip()
        if not line.startswith("engagement "):
            continue
        line = re.sub(r"\$\(\([^)]*\)\)", "7", line)  # $((arithmetic))
        line = re.sub(r"\$\{(\w+):-([^}]*)\}", lambda m: m.group(2), line)  # ${VAR:-default}
        line = re.sub(r"\$\{?(\w+)\}?", lambda m: PLACEHOLDERS.get(m.group(1), "x"), line)
        commands.append(shlex.split(line)[1:])
    return commands


def test_there_are_sbatch_scripts_and_the_docs_name_them():
    docs = (ROOT / "docs" / "sweeps.md").read_text()
    assert [path.name for path in SCRIPTS] == ["sweep_array.sbatch", "sweep_node.sbatch", "sweep_shards.sbatch"]
    for path in [*SCRIPTS, SLURM / "sweep_dask.py"]:
        assert f"docs/slurm/{path.name}" in docs


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda path: path.name)
def test_sbatch_script_is_valid_bash_with_well_formed_directives(script):
    check = subprocess.run(["bash", "-n", str(script)], capture_output=True, text=True, check=False)
    assert check.returncode == 0, check.stderr
    lines = script.read_text().splitlines()
    assert lines[0] == "#!/bin/bash"
    directives = [line for line in lines if line.startswith("#SBATCH")]
    assert directives
    first_command = next(i for i, line in enumerate(lines) if line.strip() and not line.startswith("#"))
    assert all(lines.index(d) < first_command for d in directives)  # sbatch reads directives before any command
    for directive in directives:
        assert re.fullmatch(r"#SBATCH --[a-z][a-z-]*(=\S+)?", directive), directive


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda path: path.name)
def test_sbatch_script_names_existing_commands_and_options(script):
    commands = engagement_commands(script)
    assert commands
    parser = build_parser()
    for argv in commands:
        args = parser.parse_args(argv)  # UsageError (a test failure) for an unknown command or option
        assert args.command in ("sweep", "export")
        if args.command == "sweep":
            assert args.workers == 1  # ${SLURM_CPUS_PER_TASK:-1}
            assert args.no_progress
    default_spec = re.search(r'SPEC="\$\{1:-([^}]+)\}"', script.read_text()).group(1)
    assert (ROOT / default_spec).is_file()


def run_array_task(folder: Path, spec: Path, task: int, script: Path = SLURM / "sweep_array.sbatch",
                   tasks: int = 1) -> subprocess.CompletedProcess:
    env = {**os.environ, "SLURM_ARRAY_TASK_ID": str(task), "SLURM_ARRAY_TASK_COUNT": str(tasks),
           "SLURM_CPUS_PER_TASK": "1", "BASE_SEED": "100"}
    return subprocess.run(["bash", str(script), str(spec)], cwd=folder, env=env, capture_output=True, text=True,
                          timeout=300, check=False)


def test_shard_script_splits_one_sweep_that_merges_into_the_whole(tmp_path):
    from model.cli import main as engagement
    from model.sweep import TIMING_COLUMNS, run_sweep

    (tmp_path / ".venv" / "bin").mkdir(parents=True)
    (tmp_path / ".venv" / "bin" / "activate").write_text(f'export PATH="{Path(sys.executable).parent}:$PATH"\n')
    spec = tmp_path / "tiny.toml"
    spec.write_text('[sweep]\ndesign = "morris"\nsamples = 3\nsteps = 2\nseed = 5\noutcomes = ["gini"]\n'
                    '[params]\nn_users = 100\nn_companies = 6\nsocial_influence = { low = 0, high = 2 }\n'
                    'outside_option = { low = 0.5, high = 2 }\n')
    for task in range(3):
        done = run_array_task(tmp_path, spec, task, SLURM / "sweep_shards.sbatch", tasks=3)
        assert done.returncode == 0, done.stderr
    shards = sorted((tmp_path / "results" / "sweeps" / "tiny-shards").glob("shard-*"))
    assert [shard.name for shard in shards] == ["shard-000", "shard-001", "shard-002"]
    assert engagement(["merge", str(tmp_path / "merged"), *map(str, shards)]) == 0
    whole = run_sweep(spec, tmp_path / "whole", progress=False)
    assert whole.complete
    pd = pytest.importorskip("pandas")
    pd.testing.assert_frame_equal(read_runs(tmp_path / "merged").drop(columns=list(TIMING_COLUMNS)),
                                  read_runs(tmp_path / "whole").drop(columns=list(TIMING_COLUMNS)))


def test_array_script_runs_one_independent_resumable_block_per_task(tmp_path):
    # the script activates .venv in the submit folder: here, one that puts this interpreter first
    (tmp_path / ".venv" / "bin").mkdir(parents=True)
    (tmp_path / ".venv" / "bin" / "activate").write_text(f'export PATH="{Path(sys.executable).parent}:$PATH"\n')
    spec = tmp_path / "tiny.toml"
    spec.write_text('[sweep]\nreplicates = 2\nsteps = 2\nseed = 1\noutcomes = ["survivors", "gini"]\n'
                    '[params]\nn_users = 100\nn_companies = [4, 8]\n')
    for task in (0, 3):
        done = run_array_task(tmp_path, spec, task)
        assert done.returncode == 0, done.stderr
    blocks = [tmp_path / "results" / "sweeps" / "tiny" / name for name in ("task-000", "task-003")]
    assert [read_manifest(block)["root_seed"] for block in blocks] == [100, 103]  # BASE_SEED + task id
    first, second = (read_runs(block) for block in blocks)
    assert len(first) == len(second) == 4
    assert set(first["seed"].astype(str)).isdisjoint(set(second["seed"].astype(str)))  # independent worlds
    again = run_array_task(tmp_path, spec, 3)  # a requeued task: resumes, runs nothing twice
    assert again.returncode == 0, again.stderr
    assert "4 of 4 runs stored" in again.stdout
    assert "0 run now" in again.stdout


def test_slurmcluster_example_writes_the_promised_job_script():
    pytest.importorskip("dask_jobqueue")
    loader = importlib.util.spec_from_file_location("sweep_dask", SLURM / "sweep_dask.py")
    module = importlib.util.module_from_spec(loader)
    loader.loader.exec_module(module)
    cluster = module.make_cluster(queue="normal", account="myproject", cores=8, memory="16GB", walltime="02:00:00")
    try:
        script = cluster.job_script()
    finally:
        cluster.close()
    lines = script.splitlines()
    assert lines[0] == "#!/usr/bin/env bash"
    for directive in ("#SBATCH -J engagement-worker", "#SBATCH -p normal", "#SBATCH -A myproject",
                      "#SBATCH --cpus-per-task=8", "#SBATCH -t 02:00:00"):
        assert directive in lines
    assert "source .venv/bin/activate" in lines
    worker = next(line for line in lines if "dask_worker" in line)
    assert worker.startswith(sys.executable)
    assert "--nworkers 8" in worker  # one single-threaded process per core: a run holds the GIL
    assert "--nthreads 1" in worker
