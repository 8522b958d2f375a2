"""The `engagement` command line: outputs of `run`, and one-line errors with exit status 2."""

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from model.cli import main

ENGAGEMENT = [sys.executable, "-m", "model.cli"]
SMALL = ["--set", "n_users=300", "--set", "n_companies=10", "--steps", "20"]


def run_cli(*args, cwd=None):
    return subprocess.run([*ENGAGEMENT, *args], capture_output=True, text=True, cwd=cwd, timeout=120, check=False)


def test_run_writes_every_output(tmp_path):
    out = tmp_path / "run"
    done = run_cli("run", *SMALL, "--seed", "3", "--out", str(out))
    assert done.returncode == 0, done.stderr
    assert {"params.json", "timeseries.csv", "companies.csv", "summary.json", "run.png", "run.svg"} <= {
        p.name for p in out.iterdir()}
    meta = json.loads((out / "params.json").read_text())
    assert meta["params"]["n_users"] == 300
    assert meta["seed"] == 3
    assert "package_version" in meta
    assert "git_commit" in meta
    summary = json.loads((out / "summary.json").read_text())
    timeseries = pd.read_csv(out / "timeseries.csv")
    assert len(timeseries) == 21
    assert summary["gini"] == pytest.approx(timeseries["gini"].iloc[-1])
    companies = pd.read_csv(out / "companies.csv")
    assert companies["alive"].sum() == summary["survivors"]
    assert "survive" in done.stdout
    assert "Gini" in done.stdout


def test_config_file_then_set_overrides(tmp_path):
    config = tmp_path / "c.toml"
    config.write_text("n_users = 250\nn_companies = 7\nsocial_influence = 0.5\n")
    out = tmp_path / "o"
    assert main(["run", "--config", str(config), "--set", "social_influence=2", "--steps", "5",
                 "--out", str(out), "--no-figure"]) == 0
    params = json.loads((out / "params.json").read_text())["params"]
    assert (params["n_users"], params["n_companies"], params["social_influence"]) == (250, 7, 2.0)


@pytest.mark.parametrize(("args", "message"), [
    (["run", "--set", "n_compnies=3"], "unknown parameter 'n_compnies'; did you mean 'n_companies'?"),
    (["run", "--set", "social_influence=9"], "'social_influence' = 9.0 is outside the allowed range [0, 5]"),
    (["run", "--set", "nonsense"], "--set expects name=value"),
    (["run", "--steps", "-4"], "--steps = -4 must be >= 0"),
    (["run", "--steps", "x"], "invalid int value: 'x'"),
    (["frobnicate"], "invalid choice: 'frobnicate'"),
])
def test_bad_input_is_one_line_with_exit_status_2(tmp_path, args, message):
    out = tmp_path / "never"
    done = run_cli(*args, "--out", str(out)) if args[0] == "run" else run_cli(*args)
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert message in lines[0]
    assert "Traceback" not in done.stderr
    assert not out.exists() or not any(out.iterdir())


def test_malformed_toml_is_refused(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text("n_users = [1,\n")
    out = tmp_path / "out"
    done = run_cli("run", "--config", str(bad), "--out", str(out))
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1
    assert "malformed TOML" in done.stderr
    assert not out.exists()


def test_output_path_that_is_a_file_is_refused(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("in the way")
    done = run_cli("run", *SMALL, "--out", str(blocker / "sub"))
    assert done.returncode == 2
    assert "output folder" in done.stderr
    assert "not writable" in done.stderr
    assert done.stderr.count("\n") == 1


def test_params_lists_every_parameter():
    done = run_cli("params")
    assert done.returncode == 0
    from model.params import PARAM_NAMES

    listed = {line.split()[0] for line in done.stdout.splitlines() if line.strip()}
    assert set(PARAM_NAMES) <= listed


def test_failed_run_leaves_nothing_half_written(tmp_path, monkeypatch):
    """A run that fails while writing leaves DIR without partial files (staging is removed)."""
    from model import cli

    def broken_plot(*_args, **_kwargs):
        raise ValueError("figure failed")

    monkeypatch.setattr("model.plotting.plot_run", broken_plot)
    out = tmp_path / "out"
    assert cli.main(["run", "--set", "n_users=200", "--set", "n_companies=5", "--steps", "3",
                     "--out", str(out)]) == 2
    assert list(Path(out).iterdir()) == []
