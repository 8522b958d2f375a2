"""Sweeps on real parallel backends: local processes and a Dask LocalCluster, with workers and the parent killed.

Every test compares against the same sweep run serially: the runs table (without the wall-time column
``elapsed_s``) and the time-series table must be identical, whatever ran the runs and whatever
happened to the processes on the way.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import psutil
import pytest

from model.cli import main as engagement
from model.sweep import (
    TIMING_COLUMNS,
    ProcessBackend,
    SweepSpec,
    read_manifest,
    read_runs,
    read_timeseries,
    run_sweep,
    stored_run_ids,
)

ROOT = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.slow

SPEC_TOML = """
[sweep]
name = "backends"
replicates = 12
steps = 30
seed = 424242
timeseries_every = 10
[params]
n_users = 300
n_companies = [5, 10]
social_influence = [0.5, 1.5]
"""


def comparable(runs: pd.DataFrame) -> pd.DataFrame:
    return runs.drop(columns=list(TIMING_COLUMNS))


@pytest.fixture(scope="module")
def spec_file(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("spec") / "backends.toml"
    path.write_text(SPEC_TOML)
    return path


@pytest.fixture(scope="module")
def spec(spec_file) -> SweepSpec:
    return SweepSpec.from_toml(spec_file)


@pytest.fixture(scope="module")
def serial(spec, tmp_path_factory) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The reference: 48 runs (2 x 2 points, 12 replicates), serially, uninterrupted."""
    out = tmp_path_factory.mktemp("serial") / "sweep"
    report = run_sweep(spec, out, progress=False)
    assert report.complete
    assert report.failed == 0
    return comparable(read_runs(out)), read_timeseries(out)


def assert_same_tables(out: Path, serial: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    runs = read_runs(out)
    assert runs["run_id"].is_unique
    pd.testing.assert_frame_equal(comparable(runs), serial[0])
    pd.testing.assert_frame_equal(read_timeseries(out), serial[1])


@pytest.fixture
def cluster(tmp_path):
    """A Dask LocalCluster of two single-threaded worker processes on 127.0.0.1, dashboard off."""
    from distributed import LocalCluster

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1", dashboard_address=None,
                      local_directory=tmp_path / "dask-scratch") as local:
        yield local


# ====================================================================== same table on every backend
def test_two_processes_give_the_serial_table(spec, serial, tmp_path):
    out = tmp_path / "sweep"
    report = run_sweep(spec, out, workers=2, progress=False, chunk_rows=7)
    assert report.backend == "processes(2)"
    assert report.complete
    assert_same_tables(out, serial)


def test_two_dask_workers_give_the_serial_table(spec, serial, tmp_path):
    out = tmp_path / "sweep"
    # batches of 5 runs per Dask task (48 runs: the last batch is short); one run per task is the kill test's
    report = run_sweep(spec, out, dask_workers=2, runs_per_task=5, progress=False, chunk_rows=7)
    assert report.backend == "dask-local(2)"
    assert report.complete
    assert_same_tables(out, serial)


# ====================================================================== killed workers
def test_a_dask_worker_killed_mid_sweep_loses_nothing_and_stores_each_run_once(spec, serial, cluster, tmp_path):
    from distributed import Client

    out = tmp_path / "sweep"
    with Client(cluster) as client:  # closed before the sweep: the sweep's own client is the only one
        client.wait_for_workers(2, timeout=60)
        pids = sorted(client.run(os.getpid).values())
    assert len(pids) == 2
    killed: list[int] = []
    stored: list[int] = []

    def kill_a_worker(row):
        if not killed and len(stored) >= 8:
            os.kill(pids[0], signal.SIGKILL)
            killed.append(pids[0])
        stored.append(row["run_id"])

    report = run_sweep(spec, out, scheduler=cluster.scheduler_address, progress=False, on_stored=kill_a_worker)
    assert killed  # a worker was killed, with 40 of the 48 runs still to store
    assert report.complete
    assert report.failed == 0
    assert sorted(stored) == list(range(spec.n_runs))  # each run id stored exactly once
    assert_same_tables(out, serial)


def test_a_killed_worker_process_is_replaced_and_its_runs_redone(spec, serial, tmp_path):
    out = tmp_path / "sweep"
    backend = ProcessBackend(2)
    victims: list[int] = []

    def kill_a_worker(row):
        if not victims and row["run_id"] >= 6:
            victims.append(backend.worker_pids()[0])
            os.kill(victims[0], signal.SIGKILL)

    try:
        report = run_sweep(spec, out, backend=backend, progress=False, on_stored=kill_a_worker)
    finally:
        backend.close()
    assert victims
    assert backend.restarts >= 1
    assert report.complete
    assert report.failed == 0
    assert_same_tables(out, serial)


# ====================================================================== killed parent, then --resume
def test_the_parent_killed_mid_sweep_then_resumed_gives_the_identical_table(spec_file, spec, serial, tmp_path,
                                                                           capsys):
    out = tmp_path / "sweep"
    command = [sys.executable, "-m", "model.cli", "sweep", str(spec_file), "--out", str(out), "--workers", "2",
               "--chunk-rows", "4", "--no-progress"]
    parent = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                              start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        stored = 0
        while stored < 10 and time.monotonic() < deadline and parent.poll() is None:
            time.sleep(0.02)
            with contextlib.suppress(ValueError, OSError):  # the folder may not exist yet
                stored = len(stored_run_ids(out))
        assert parent.poll() is None, parent.stderr.read().decode()
        helpers = psutil.Process(parent.pid).children(recursive=True)  # fork server, workers, resource tracker
        os.kill(parent.pid, signal.SIGKILL)
        parent.wait(timeout=10)
        # the workers notice that the sweep is gone and exit, and with them the fork server
        _, alive = psutil.wait_procs(helpers, timeout=15)
        assert not alive, [process.cmdline() for process in alive]
    finally:
        with contextlib.suppress(ProcessLookupError):  # the orphaned fork server and pool workers
            os.killpg(parent.pid, signal.SIGKILL)
        parent.stderr.close()
    assert parent.returncode == -signal.SIGKILL
    before = stored_run_ids(out)
    assert 10 <= len(before) < spec.n_runs
    assert read_manifest(out)["status"] == "running"  # it never got to say goodbye

    assert engagement(["sweep", str(spec_file), "--out", str(out), "--resume", "--no-progress"]) == 0
    printed = capsys.readouterr().out
    assert f"{spec.n_runs} of {spec.n_runs} runs stored" in printed
    assert f"{len(before)} already stored" in printed
    assert_same_tables(out, serial)
    sessions = read_manifest(out)["sessions"]
    assert [session.get("status") for session in sessions] == [None, "complete"]  # the killed one never ended
