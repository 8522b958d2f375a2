"""Fault injection on the one results store and the one batch runner (``model.store``, ``model.batch``).

Each test breaks something a user's machine breaks — a second writer, ``kill -9`` of the parent or of a
worker, SIGTERM, a torn or foreign part, a journal line from nowhere, a full disk, a ``model.py`` in the
caller's folder — and asserts either the identical table after recovery or a one-line refusal, and that
nothing finished is lost.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pandas as pd
import psutil
import pytest

from model.cli import main as engagement
from model.store import FolderLock, StoreError, claim, read_frame, read_manifest, stored_ids, verify
from model.sweep import TIMING_COLUMNS, SweepSpec, read_runs, read_timeseries, run_sweep, stored_run_ids

ROOT = Path(__file__).resolve().parent.parent
ENGAGEMENT = [sys.executable, "-m", "model.cli"]

pytestmark = pytest.mark.slow

SPEC_TOML = """
[sweep]
name = "faults"
replicates = 10
steps = 40
seed = 777
timeseries_every = 10
[params]
n_users = 300
n_companies = [5, 10]
social_influence = [0.5, 1.5]
"""


# ====================================================================== fixtures
@pytest.fixture(scope="module")
def spec_file(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("spec") / "faults.toml"
    path.write_text(SPEC_TOML)
    return path


@pytest.fixture(scope="module")
def spec(spec_file) -> SweepSpec:
    return SweepSpec.from_toml(spec_file)


@pytest.fixture(scope="module")
def reference(spec, tmp_path_factory) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The sweep run serially and uninterrupted: what every recovery must give back."""
    out = tmp_path_factory.mktemp("reference") / "sweep"
    assert run_sweep(spec, out, progress=False).complete
    return comparable(read_runs(out)), read_timeseries(out)


def comparable(runs: pd.DataFrame) -> pd.DataFrame:
    return runs.drop(columns=list(TIMING_COLUMNS))


def assert_same_tables(out: Path, reference: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    assert verify(out) == []
    runs = read_runs(out)
    assert runs["run_id"].is_unique
    pd.testing.assert_frame_equal(comparable(runs), reference[0])
    pd.testing.assert_frame_equal(read_timeseries(out), reference[1])


def one_line_error(capsys) -> str:
    err = capsys.readouterr().err
    assert err.count("\n") == 1, err
    assert "Traceback" not in err
    return err


def start(args: list[str], cwd: Path | str = ROOT, **kwargs) -> subprocess.Popen:
    return subprocess.Popen([*ENGAGEMENT, *args], cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            start_new_session=True, text=True, **kwargs)


def wait_for_runs(out: Path, at_least: int, process: subprocess.Popen, timeout: float = 90) -> int:
    deadline = time.monotonic() + timeout
    stored = 0
    while stored < at_least and time.monotonic() < deadline:
        assert process.poll() is None, process.communicate()
        time.sleep(0.05)
        with contextlib.suppress(ValueError, OSError):
            stored = len(stored_ids(out))  # any results folder: sweep, experiment or run
    assert stored >= at_least, f"only {stored} runs stored in {timeout} s"
    return stored


def kill_group(process: subprocess.Popen, sig: int = signal.SIGKILL) -> None:
    helpers = psutil.Process(process.pid).children(recursive=True)
    os.kill(process.pid, sig)
    process.wait(timeout=30)
    if sig == signal.SIGKILL:
        psutil.wait_procs(helpers, timeout=15)  # the workers notice the parent is gone and exit
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)


# ====================================================================== one writer at a time
def test_a_second_writer_is_refused_naming_the_holder_and_the_first_finishes_intact(tmp_path, capsys):
    slow = tmp_path / "slow.toml"  # runs long enough that three more writers try while the first works
    slow.write_text(SPEC_TOML.replace("steps = 40", "steps = 150").replace("n_users = 300", "n_users = 1500")
                    .replace("replicates = 10", "replicates = 5"))
    out = tmp_path / "sweep"
    first = start(["sweep", str(slow), "--out", str(out), "--chunk-rows", "3", "--no-progress"])
    try:
        wait_for_runs(out, 2, first)
        for extra in (["--resume"], [], ["--overwrite"]):  # in this process: tried within milliseconds
            assert engagement(["sweep", str(slow), "--out", str(out), "--chunk-rows", "7", "--no-progress",
                               *extra]) == 2, extra
            assert f"is being written by process {first.pid}" in one_line_error(capsys)
        assert first.poll() is None  # the first writer was still at work all along
        assert first.wait(timeout=180) == 0, first.communicate()
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(first.pid, signal.SIGKILL)
        first.communicate()
    assert verify(out) == []  # no duplicate run id, nothing lost
    runs = read_runs(out)
    assert list(runs["run_id"]) == list(range(20))
    assert (runs["status"] == "ok").all()


def test_a_dead_writers_lock_never_blocks(tmp_path, capsys):
    out = tmp_path / "run"
    out.mkdir()
    (out / ".lock").write_text("999999\n")  # a writer killed with kill -9 left its pid: the flock died with it
    (out / ".staging-abc123").mkdir()  # ... and its staging folder
    (out / ".staging-abc123" / "timeseries.csv").write_text("half")
    assert engagement(["run", "--set", "n_users=200", "--set", "n_companies=5", "--steps", "3", "--out", str(out),
                       "--no-figure"]) == 0
    assert not [p for p in out.iterdir() if p.name.startswith(".staging")]
    assert verify(out) == []


def test_claim_in_this_process_refuses_a_second_claim_and_frees_on_release(tmp_path):
    lock = claim(tmp_path / "x")
    with pytest.raises(StoreError, match=f"is being written by process {os.getpid()}"):
        claim(tmp_path / "x", resume=True)
    lock.release()
    claim(tmp_path / "x", resume=True).release()


# ====================================================================== kill -9 and SIGTERM, then --resume
def test_sweep_parent_killed_then_resumed_gives_the_identical_table(spec_file, reference, tmp_path, capsys):
    out = tmp_path / "sweep"
    parent = start(["sweep", str(spec_file), "--out", str(out), "--workers", "2", "--chunk-rows", "4",
                    "--no-progress"])
    try:
        wait_for_runs(out, 6, parent)
        kill_group(parent)
    finally:
        parent.communicate()
    assert parent.returncode == -signal.SIGKILL
    before = len(stored_run_ids(out))
    assert 6 <= before < 40
    assert engagement(["sweep", str(spec_file), "--out", str(out), "--resume", "--no-progress"]) == 0
    assert f"{before} already stored" in capsys.readouterr().out
    assert_same_tables(out, reference)


def test_sigterm_stops_a_sweep_cleanly_and_resume_completes_it(spec_file, reference, tmp_path, capsys):
    out = tmp_path / "sweep"
    parent = start(["sweep", str(spec_file), "--out", str(out), "--workers", "2", "--chunk-rows", "2",
                    "--no-progress"])
    try:
        wait_for_runs(out, 4, parent)
        os.kill(parent.pid, signal.SIGTERM)
        _, err = parent.communicate(timeout=60)
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(parent.pid, signal.SIGKILL)
    assert parent.returncode == 143
    assert err.strip().count("\n") == 0, err  # one line, no traceback, no leaked-semaphore warning
    assert "terminated; finished runs are stored, continue with --resume" in err
    assert read_manifest(out)["status"] == "interrupted"
    assert engagement(["sweep", str(spec_file), "--out", str(out), "--resume", "--no-progress"]) == 0
    assert_same_tables(out, reference)


EXPERIMENT_SEED = 9


@pytest.fixture(scope="module")
def calm_experiment(tmp_path_factory) -> Path:
    """few_winners in quick mode, one worker, uninterrupted: what every recovery of it must give back."""
    out = tmp_path_factory.mktemp("calm") / "few_winners"
    assert engagement(["experiment", "few_winners", "--quick", "--workers", "1", "--seed", str(EXPERIMENT_SEED),
                       "--out", str(out)]) == 0
    return out


def test_a_killed_worker_is_replaced_in_an_experiment_too(calm_experiment, tmp_path):
    from experiments import common
    from experiments import few_winners as module
    from model.batch import ProcessBackend

    backend = ProcessBackend(2)
    killed: list[int] = []

    def kill_one_worker():
        deadline = time.monotonic() + 60
        while not killed and time.monotonic() < deadline:
            pids = backend.worker_pids()
            if pids:
                time.sleep(1.0)
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pids[0], signal.SIGKILL)
                    killed.append(pids[0])
            time.sleep(0.05)

    killer = threading.Thread(target=kill_one_worker, daemon=True)
    killer.start()
    try:
        common.execute(module, quick=True, out=tmp_path / "killed", workers=2, seed=EXPERIMENT_SEED, backend=backend)
    finally:
        backend.close()
        killer.join(timeout=5)
    assert killed
    assert backend.restarts >= 1
    for name in ("runs", "timeseries", "companies", "horizons"):
        pd.testing.assert_frame_equal(read_frame(tmp_path / "killed", name), read_frame(calm_experiment, name))
    from model.params import PARAM_NAMES, Params

    runs = read_frame(calm_experiment)
    assert set(PARAM_NAMES) <= set(runs.columns)  # every parameter of a run is a column of the runs table
    assert (runs["n_users"] == 1000).all()  # quick mode's override
    assert (runs["maturity_age"] == Params().maturity_age).all()  # a default


def test_an_experiment_killed_mid_way_resumes_to_the_identical_tables(calm_experiment, tmp_path, capsys):
    out = tmp_path / "exp"
    parent = start(["experiment", "few_winners", "--quick", "--workers", "1", "--seed", "9", "--out", str(out)])
    try:
        wait_for_runs(out, 2, parent, timeout=120)
        kill_group(parent)
    finally:
        parent.communicate()
    manifest = read_manifest(out)
    assert manifest["status"] == "running"  # killed: it never got to say goodbye
    assert engagement(["experiment", "few_winners", "--quick", "--seed", "9", "--out", str(out)]) == 2
    assert "already holds a running experiment; pass --resume" in one_line_error(capsys)
    assert engagement(["experiment", "few_winners", "--quick", "--workers", "1", "--seed", "10", "--out", str(out),
                       "--resume"]) == 2
    assert "'root_seed' is 9 there and 10 now" in one_line_error(capsys)
    assert engagement(["experiment", "few_winners", "--quick", "--workers", "1", "--seed", "9", "--out", str(out),
                       "--resume"]) == 0
    assert verify(out) == []
    for name in ("runs", "timeseries", "companies", "horizons"):
        pd.testing.assert_frame_equal(read_frame(out, name), read_frame(calm_experiment, name))


# ====================================================================== corrupted parts, journal, manifest
@pytest.fixture(scope="module")
def pristine_sweep(spec, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("pristine") / "sweep"
    assert run_sweep(spec, out, progress=False, chunk_rows=10).complete
    return out


@pytest.fixture
def stored_sweep(pristine_sweep, tmp_path) -> Path:
    """A finished sweep of 40 runs in 4 parts, a fresh copy for each test to damage."""
    import shutil

    out = tmp_path / "sweep"
    shutil.copytree(pristine_sweep, out)
    return out


def test_a_truncated_timeseries_part_is_found_and_recomputed(spec_file, stored_sweep, reference, capsys):
    part = stored_sweep / "timeseries" / "part-000002.parquet"
    part.write_bytes(part.read_bytes()[: part.stat().st_size // 2])
    problems = verify(stored_sweep)
    assert "runs/part-000002.parquet: timeseries part unreadable" in problems[0]
    assert problems[1:] == ["10 of 40 runs are not stored (first: run id 10)"]  # the runs of that part
    assert engagement(["verify", str(stored_sweep)]) == 1
    assert engagement(["export", str(stored_sweep), "--csv"]) == 2
    assert "does not verify" in one_line_error(capsys)
    assert engagement(["sweep", str(spec_file), "--out", str(stored_sweep), "--resume", "--no-progress"]) == 0
    assert "10 run now" in capsys.readouterr().out  # exactly the runs of the broken part group
    assert_same_tables(stored_sweep, reference)
    assert sorted(p.name for p in (stored_sweep / "quarantine").iterdir()) == [
        "runs-part-000002.parquet", "timeseries-part-000002.parquet"]


def test_a_missing_sibling_part_is_found_by_the_row_counts(spec_file, stored_sweep, reference, capsys):
    (stored_sweep / "timeseries" / "part-000003.parquet").unlink()
    assert verify(stored_sweep) == ["runs/part-000003.parquet: timeseries part with 50 rows is missing",
                                    "10 of 40 runs are not stored (first: run id 20)"]
    assert engagement(["sweep", str(spec_file), "--out", str(stored_sweep), "--resume", "--no-progress"]) == 0
    assert_same_tables(stored_sweep, reference)


@pytest.mark.parametrize(("line", "problem"), [
    ('{"id": 1000000, "tables": {"runs": {"status": "ok"}}}\n', "holds run id 1000000, outside 0..39"),
    ('{"row": {"run_id": 3}}\n', "is not a stored run"),
    ('{"id": 3, "tables": {}}\n', "is not a stored run"),
    ("not json at all\n", "is not JSON"),
])
def test_bogus_journal_lines_are_reported_and_never_exported(spec_file, stored_sweep, reference, line, problem,
                                                             capsys):
    (stored_sweep / "journal.jsonl").write_text(line)
    problems = verify(stored_sweep)
    assert len(problems) == 1
    assert problem in problems[0]
    assert engagement(["export", str(stored_sweep), "--csv"]) == 2
    one_line_error(capsys)
    assert engagement(["sweep", str(spec_file), "--out", str(stored_sweep), "--resume", "--no-progress"]) == 0
    assert "0 run now" in capsys.readouterr().out
    assert_same_tables(stored_sweep, reference)  # the bogus line is gone, nothing else moved
    assert engagement(["export", str(stored_sweep), "--csv"]) == 0
    assert len(pd.read_csv(stored_sweep / "runs.csv")) == 40


@pytest.mark.parametrize("intruder", ["foreign.parquet", "folder", "part-000099.parquet"])
def test_foreign_files_in_a_table_folder_are_reported_and_set_aside(spec_file, stored_sweep, reference, intruder,
                                                                    capsys):
    target = stored_sweep / "runs" / intruder
    if intruder == "folder":
        target.mkdir()
    elif intruder == "foreign.parquet":
        pd.DataFrame({"x": [1, 2]}).to_parquet(target)
    else:  # a runs part from another sweep: run ids that are stored already
        pd.DataFrame({"run_id": [0, 1], "status": ["ok", "ok"]}).to_parquet(target)
    problems = verify(stored_sweep)
    assert len(problems) == 1, problems
    assert intruder in problems[0]
    assert engagement(["plot", str(stored_sweep)]) == 2
    assert "does not verify" in one_line_error(capsys)
    assert engagement(["sweep", str(spec_file), "--out", str(stored_sweep), "--resume", "--no-progress"]) == 0
    assert_same_tables(stored_sweep, reference)
    assert (stored_sweep / "quarantine").is_dir()  # set aside, not deleted: it may be someone's file


@pytest.mark.parametrize("damage", ["{ not json", "", "[1, 2]", '{"spec": 3}'])
def test_a_broken_manifest_is_one_line_everywhere(spec_file, stored_sweep, damage, capsys):
    (stored_sweep / "manifest.json").write_text(damage)
    for args in (["verify", str(stored_sweep)], ["export", str(stored_sweep), "--csv"],
                 ["sweep", str(spec_file), "--out", str(stored_sweep), "--resume", "--no-progress"],
                 ["plot", str(stored_sweep)]):
        code = engagement(args)
        err = capsys.readouterr().err
        assert code in (1, 2), (args, err)
        assert "Traceback" not in err
        assert err.count("\n") <= 1
    problems = verify(stored_sweep)
    assert len(problems) == 1
    assert "manifest.json" in problems[0]


# ====================================================================== results are never overwritten silently
def test_used_folders_are_refused_unless_resume_or_overwrite(tmp_path, capsys):
    small = ["--set", "n_users=200", "--set", "n_companies=5", "--steps", "3", "--no-figure"]
    out = tmp_path / "r"
    assert engagement(["run", *small, "--out", str(out), "--seed", "1"]) == 0
    first = read_frame(out)
    assert engagement(["run", *small, "--out", str(out), "--seed", "2"]) == 2
    assert "already holds a complete run; pass --resume to continue it, --overwrite" in one_line_error(capsys)
    pd.testing.assert_frame_equal(read_frame(out), first)  # untouched
    (out / "stale.png").write_text("a figure of an older run")
    assert engagement(["run", *small, "--out", str(out), "--seed", "2", "--overwrite"]) == 0
    assert read_frame(out).loc[0, "seed"] == 2
    assert not (out / "stale.png").exists()  # nothing stale is left beside the new results
    assert engagement(["run", *small, "--out", ""]) == 2
    assert "--out is empty" in one_line_error(capsys)


def test_overwrite_into_a_relative_folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    small = ["--set", "n_users=200", "--set", "n_companies=5", "--steps", "3", "--no-figure"]
    assert engagement(["run", *small, "--out", "rel", "--seed", "1"]) == 0
    Path("rel/old.png").write_text("stale")
    assert engagement(["run", *small, "--out", "rel", "--seed", "2", "--overwrite"]) == 0
    assert sorted(p.name for p in Path("rel").iterdir()) == [".lock", "companies", "manifest.json", "runs",
                                                             "timeseries"]
    assert read_frame("rel").loc[0, "seed"] == 2


def test_quick_runs_never_touch_the_full_mode_folder(tmp_path, monkeypatch, capsys):
    from experiments import common

    monkeypatch.chdir(tmp_path)
    full = tmp_path / "results" / "few_winners"
    full.mkdir(parents=True)
    (full / "manifest.json").write_text('{"experiment": "few_winners", "quick": false}')
    (full / "few_winners.png").write_bytes(b"committed figure")
    assert common.default_folder("few_winners", quick=True) == Path("results/quick/few_winners")
    assert engagement(["experiment", "few_winners", "--quick", "--workers", "1"]) == 0
    assert (full / "few_winners.png").read_bytes() == b"committed figure"
    assert (tmp_path / "results" / "quick" / "few_winners" / "few_winners.png").stat().st_size > 20_000
    assert engagement(["experiment", "few_winners", "--workers", "1"]) == 2  # the full folder holds results
    assert "--overwrite" in one_line_error(capsys)


# ====================================================================== full disk
def _no_space(*_args, **_kwargs):
    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


def test_a_full_disk_is_one_line_and_leaves_nothing_half_written(spec_file, stored_sweep, tmp_path, monkeypatch,
                                                                capsys):
    import model.store

    monkeypatch.setattr(model.store, "write_parquet_atomically", _no_space)
    out = tmp_path / "run"
    assert engagement(["run", "--set", "n_users=200", "--set", "n_companies=5", "--steps", "3",
                       "--out", str(out)]) == 2
    assert "no space left on the device" in one_line_error(capsys)
    assert not out.exists()
    sweep = tmp_path / "full"
    assert engagement(["sweep", str(spec_file), "--out", str(sweep), "--no-progress", "--chunk-rows", "5"]) == 2
    assert "no space left on the device" in one_line_error(capsys)
    assert verify(sweep) == [f"{sweep / 'manifest.json'}: status is 'interrupted' (resume it with --resume)"] or \
        not list((sweep / "runs").glob("*.parquet"))
    assert not list(sweep.rglob(".*.tmp"))
    monkeypatch.undo()
    class FullDiskWriter:  # opens its file like pyarrow's writer, then the disk is full
        def __init__(self, path, schema):
            Path(path).write_text("run_id\n")

        def write_table(self, table):
            _no_space()

    monkeypatch.setattr("pyarrow.csv.CSVWriter", FullDiskWriter)
    assert engagement(["export", str(stored_sweep), "--csv"]) == 2
    assert "no space left on the device" in one_line_error(capsys)
    assert not list(stored_sweep.glob("*.csv"))
    assert not list(stored_sweep.glob(".*.tmp"))


def test_a_real_full_filesystem_if_this_machine_lets_us_mount_one(spec_file, tmp_path, capsys):
    mount = tmp_path / "tiny"
    mount.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", str(mount)], capture_output=True,
                          check=False)
    if done.returncode != 0:
        pytest.skip("no permission to mount a small tmpfs here; the injected ENOSPC test covers the code path")
    try:
        code = engagement(["sweep", str(spec_file), "--out", str(mount / "sweep"), "--no-progress",
                           "--chunk-rows", "1"])
        err = capsys.readouterr().err
        assert code == 2, err
        assert "no space left on the device" in err
        assert err.count("\n") == 1
    finally:
        subprocess.run(["umount", str(mount)], check=False)


# ====================================================================== the caller's folder cannot shadow the package
def test_a_model_py_in_the_callers_folder_does_not_break_workers(spec_file, reference, tmp_path):
    (tmp_path / "model.py").write_text("raise SystemExit('the user model.py was imported')\n")
    (tmp_path / "experiments").mkdir()
    (tmp_path / "experiments" / "__init__.py").write_text("raise SystemExit('the user experiments/ was imported')\n")
    script = Path(sys.executable).parent / "engagement"
    if not script.exists():
        pytest.skip("the engagement console script is not installed next to this interpreter")
    done = subprocess.run([str(script), "sweep", str(spec_file), "--out", "sweep", "--workers", "2", "--no-progress"],
                          cwd=tmp_path, capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr
    assert_same_tables(tmp_path / "sweep", reference)
    done = subprocess.run([str(script), "experiment", "few_winners", "--quick", "--workers", "2", "--out", "exp"],
                          cwd=tmp_path, capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr
    assert verify(tmp_path / "exp") == []


def test_a_run_function_from_a_script_without_main_guard_works_on_workers(tmp_path):
    script = tmp_path / "my_sweep.py"
    script.write_text(textwrap.dedent(f"""
        from model import simulate
        from model.sweep import SweepSpec, run_sweep, read_runs

        def doubled(params, *, steps, seed):
            result = simulate(params, steps=steps, seed=seed)
            result.summary["double_gini"] = 2 * result.summary["gini"]
            return result

        spec = SweepSpec(params={{"n_users": 200, "n_companies": [4, 8]}}, replicates=3, steps=5, seed=3,
                         outcomes=["gini"])
        report = run_sweep(spec, {str(tmp_path / "out")!r}, workers=2, run_function=doubled,
                           extra_outcomes=["double_gini"], progress=False)
        runs = read_runs({str(tmp_path / "out")!r})
        print(report.failed, len(runs), (runs["double_gini"] - 2 * runs["gini"]).abs().max())
    """))
    done = subprocess.run([sys.executable, str(script)], cwd=tmp_path, capture_output=True, text=True, timeout=300,
                          check=False)
    assert done.returncode == 0, done.stderr
    failed, rows, difference = done.stdout.split()
    assert (int(failed), int(rows), float(difference)) == (0, 6, 0.0)
    assert json.loads((tmp_path / "out" / "manifest.json").read_text())["extra_outcomes"] == ["double_gini"]


def test_folder_lock_object_is_reentrant_safe(tmp_path):
    lock = FolderLock(tmp_path).acquire()
    lock.release()
    lock.release()  # twice is harmless
    assert (tmp_path / ".lock").read_text() == ""


@pytest.mark.parametrize("backend", [{"workers": 2}, {"dask_workers": 1}])
def test_a_function_defined_on_the_fly_runs_on_processes_and_dask(tmp_path, backend):
    """What a notebook cell defines (here a closure: not importable by name) travels by value."""
    from model import simulate

    factor = 3.0

    def scaled(params, *, steps, seed):
        result = simulate(params, steps=steps, seed=seed)
        result.summary["scaled_hhi"] = factor * result.summary["hhi"]
        return result

    spec = SweepSpec(params={"n_users": 200, "n_companies": [4, 8]}, replicates=2, steps=5, seed=8,
                     outcomes=["hhi"])
    report = run_sweep(spec, tmp_path / "out", run_function=scaled, extra_outcomes=["scaled_hhi"], progress=False,
                       **backend)
    assert report.failed == 0
    runs = read_runs(tmp_path / "out")
    assert len(runs) == 4
    assert (runs["scaled_hhi"] - 3.0 * runs["hhi"]).abs().max() < 1e-12


# ====================================================================== job arrays: shards, then merge
def test_shards_of_a_job_array_merge_into_the_identical_sweep(spec_file, reference, tmp_path, capsys):
    shards = [tmp_path / f"shard-{k}" for k in range(3)]
    for k, folder in enumerate(shards):
        assert engagement(["sweep", str(spec_file), "--shard", f"{k}/3", "--out", str(folder), "--no-progress"]) == 0
        assert verify(folder) == []
        assert sorted(read_runs(folder)["run_id"]) == list(range(k, 40, 3))
    capsys.readouterr()
    merged = tmp_path / "merged"
    assert engagement(["merge", str(merged), *map(str, shards[:2])]) == 1  # one shard missing: incomplete
    assert "27 of 40 runs from 2 shards" in capsys.readouterr().out
    assert engagement(["merge", str(merged), *map(str, shards), "--overwrite"]) == 0
    assert_same_tables(merged, reference)
    assert read_manifest(merged)["status"] == "complete"
    # refusals: the same shard twice, a whole sweep, another sweep's shard, a bad --shard
    assert engagement(["merge", str(tmp_path / "m2"), str(shards[0]), str(shards[0])]) == 2
    assert "are the same shard 0" in one_line_error(capsys)
    assert engagement(["merge", str(tmp_path / "m3"), str(merged)]) == 2
    assert "holds a whole sweep, not a shard" in one_line_error(capsys)
    other = tmp_path / "other.toml"
    other.write_text(SPEC_TOML.replace("seed = 777", "seed = 778"))
    assert engagement(["sweep", str(other), "--shard", "1/3", "--out", str(tmp_path / "o1"), "--no-progress"]) == 0
    capsys.readouterr()
    assert engagement(["merge", str(tmp_path / "m4"), str(shards[0]), str(tmp_path / "o1")]) == 2
    assert "is a shard of another sweep: 'spec' differs" in one_line_error(capsys)
    assert not (tmp_path / "m4").exists()
    assert engagement(["sweep", str(spec_file), "--shard", "3/3", "--out", str(tmp_path / "bad")]) == 2
    assert "is not K/N with 0 <= K < N" in one_line_error(capsys)
    assert engagement(["sweep", str(spec_file), "--shard", "1/3", "--out", str(shards[0]), "--resume"]) == 2
    assert "holds shard [0, 3] of this sweep, not [1, 3]" in one_line_error(capsys)
