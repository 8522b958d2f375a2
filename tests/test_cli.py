"""The `engagement` command line: outputs of `run`, and one-line errors with exit status 2."""

import json
import subprocess
import sys

import pandas as pd
import pytest

from model.cli import main
from model.store import read_frame, read_manifest, verify

ENGAGEMENT = [sys.executable, "-m", "model.cli"]
SMALL = ["--set", "n_users=300", "--set", "n_companies=10", "--steps", "20"]


def run_cli(*args, cwd=None):
    return subprocess.run([*ENGAGEMENT, *args], capture_output=True, text=True, cwd=cwd, timeout=120, check=False)


def test_run_writes_every_output(tmp_path):
    out = tmp_path / "run"
    done = run_cli("run", *SMALL, "--seed", "3", "--out", str(out))
    assert done.returncode == 0, done.stderr
    assert {"manifest.json", "runs", "timeseries", "companies", "run.png", "run.svg"} <= {p.name for p in out.iterdir()}
    assert verify(out) == []
    meta = strict_json((out / "manifest.json").read_text())
    assert meta["kind"] == "run"
    assert meta["params"]["n_users"] == 300
    assert meta["seed"] == 3
    assert "package_version" in meta
    assert "git_commit" in meta
    summary = meta["summary"]
    timeseries = read_frame(out, "timeseries")
    assert len(timeseries) == 21
    assert (timeseries["run_id"] == 0).all()
    assert summary["gini"] == pytest.approx(timeseries["gini"].iloc[-1])
    companies = read_frame(out, "companies")
    assert companies["alive"].sum() == summary["survivors"]
    runs = read_frame(out)
    assert runs.loc[0, "seed"] == 3
    assert runs.loc[0, "gini"] == pytest.approx(summary["gini"])
    assert "20 steps, seed 3" in done.stdout
    assert "Gini" in done.stdout
    # the same tables as CSV for any program
    assert main(["export", str(out), "--csv"]) == 0
    assert pd.read_csv(out / "timeseries.csv")["gini"].iloc[-1] == pytest.approx(summary["gini"])
    assert pd.read_csv(out / "runs.csv")["seed"].tolist() == ["s3"]


def strict_json(text: str):
    """Parse JSON as any strict reader would: a bare NaN or Infinity is an error."""
    def refuse(constant):
        raise ValueError(f"not JSON: {constant}")

    return json.loads(text, parse_constant=refuse)


def test_summary_and_printout_follow_the_metric_declarations(tmp_path, capsys):
    """Every summary metric (model.metrics) is in summary.json and printed with its label; an undefined
    ratio (no cohort yet: fewer steps than maturity_age) is null in the JSON and an em dash on screen."""
    from model.metrics import OUTCOME_BY_NAME, SUMMARY_KEYS

    out = tmp_path / "run"
    assert main(["run", *SMALL, "--set", "maturity_age=30", "--out", str(out), "--no-figure"]) == 0
    printed = capsys.readouterr().out
    summary = read_manifest(out)["summary"]
    assert set(summary) == {*SUMMARY_KEYS, "steps", "seed"}
    assert summary["loser_winner_ratio"] is None
    assert summary["cohort"] == summary["winners"] == summary["losers"] == 0
    lines = {line.split()[0]: line for line in printed.splitlines() if line.startswith("  ")}
    assert list(lines) == list(SUMMARY_KEYS)
    for name in SUMMARY_KEYS:
        assert lines[name].endswith(OUTCOME_BY_NAME[name].label), name
    assert lines["loser_winner_ratio"].split()[1] == "\u2014"
    assert lines["survivors"].split()[1] == str(summary["survivors"])  # counts as whole numbers
    assert "attention_used" not in summary
    assert 0 < summary["attention_to_companies"] <= 1
    assert summary["relationships_per_user"] > 0
    # a defined ratio is printed as a number
    assert main(["run", *SMALL, "--set", "maturity_age=5", "--out", str(tmp_path / "r2"), "--no-figure"]) == 0
    ratio = read_manifest(tmp_path / "r2")["summary"]["loser_winner_ratio"]
    line = next(line for line in capsys.readouterr().out.splitlines() if "loser_winner_ratio" in line)
    assert ratio is None or line.split()[1] == f"{ratio:.3f}"


def test_format_table_and_new_parameters_from_set_and_toml(tmp_path):
    config = tmp_path / "formats.toml"
    config.write_text("depth_dialogue = 0.9\ncost_topic_community = 2.0\ninitial_bond = 0.4\n")
    out = tmp_path / "o"
    assert main(["run", "--config", str(config), "--set", "depth_dialogue=1.2", "--set", "outside_option=1.5",
                 "--set", "runway_spread=0.2", "--set", "n_users=200", "--set", "n_companies=5", "--steps", "3",
                 "--out", str(out), "--no-figure"]) == 0
    params = strict_json((out / "manifest.json").read_text())["params"]
    assert (params["depth_dialogue"], params["cost_topic_community"], params["initial_bond"]) == (1.2, 2.0, 0.4)
    assert (params["outside_option"], params["runway_spread"]) == (1.5, 0.2)
    assert "social_sample" not in params


def test_config_file_then_set_overrides(tmp_path):
    config = tmp_path / "c.toml"
    config.write_text("n_users = 250\nn_companies = 7\nsocial_influence = 0.5\n")
    out = tmp_path / "o"
    assert main(["run", "--config", str(config), "--set", "social_influence=2", "--steps", "5",
                 "--out", str(out), "--no-figure"]) == 0
    params = json.loads((out / "manifest.json").read_text())["params"]
    assert (params["n_users"], params["n_companies"], params["social_influence"]) == (250, 7, 2.0)


@pytest.mark.parametrize(("args", "message"), [
    (["run", "--set", "n_compnies=3"], "unknown parameter 'n_compnies'; did you mean 'n_companies'?"),
    (["run", "--set", "social_influence=9"], "'social_influence' = 9.0 is outside the allowed range [0, 5]"),
    (["run", "--set", "nonsense"], "--set expects name=value"),
    (["run", "--set", "social_sample=3"], "unknown parameter 'social_sample'"),
    (["run", "--set", "depth_dialogue=-1"], "'depth_dialogue' = -1.0 is outside the allowed range [0, 10]"),
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
    assert not out.exists()  # created for the run, removed again with nothing in it
