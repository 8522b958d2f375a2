"""``engagement examples`` (model/examples.py): the shipped sweep specifications load, are listed, are copied,
and are in the wheel."""

from __future__ import annotations

import shutil
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest

from model.cli import main as engagement
from model.examples import copy_example, examples
from model.sweep import load_spec

ROOT = Path(__file__).resolve().parent.parent
SPEC_FILES = sorted((ROOT / "experiments" / "sweeps").glob("*.toml"))


def test_every_shipped_spec_is_listed_and_loads():
    listed = examples()
    assert [example.filename for example in listed] == [path.name for path in SPEC_FILES]
    designs = set()
    for example in listed:
        spec = load_spec(ROOT / "experiments" / "sweeps" / example.filename)
        assert spec.name == example.name
        assert spec.n_runs > 0
        designs.add(spec.design)
        assert example.description  # the file's opening comment
        assert example.text() == (ROOT / "experiments" / "sweeps" / example.filename).read_text()
    assert designs == {"grid", "lhs", "sobol", "morris"}


@pytest.mark.parametrize("path", SPEC_FILES, ids=lambda path: path.stem)
def test_small_examples_are_small_and_have_enough_samples(path):
    from model.sweep.sensitivity import too_few_samples

    spec = load_spec(path)
    assert too_few_samples(spec) is None  # no shipped example triggers the too-few-samples warning
    if spec.name != "formats_sobol" and spec.name != "crowding_x_influence":  # the two full-size studies
        assert spec.n_runs * spec.steps * spec.fixed["n_users"] <= 320 * 60 * 1000  # about a minute or two


def test_listing_names_each_example_with_its_design_and_description(capsys):
    assert engagement(["examples"]) == 0
    lines = capsys.readouterr().out.splitlines()
    for example in examples():
        line = next(line for line in lines if line.startswith(example.name + " "))
        design = tomllib.loads(example.text())["sweep"].get("design", "grid")
        assert line.split()[1] == design
        assert line.endswith(example.description)


def test_copy_writes_the_spec_and_refuses_to_overwrite(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert engagement(["examples", "mechanisms_morris"]) == 0
    copied = tmp_path / "mechanisms_morris.toml"
    assert copied.read_text() == (ROOT / "experiments" / "sweeps" / "mechanisms_morris.toml").read_text()
    assert load_spec(copied).design == "morris"
    capsys.readouterr()

    copied.write_text("# edited by the user\n")
    assert engagement(["examples", "mechanisms_morris"]) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1
    assert "already exists; use --force" in err
    assert copied.read_text() == "# edited by the user\n"
    assert engagement(["examples", "mechanisms_morris.toml", "--force"]) == 0
    assert load_spec(copied).design == "morris"

    assert engagement(["examples", "crowding_influence_lhs", "--to", str(tmp_path / "specs" / "new")]) == 0
    assert load_spec(tmp_path / "specs" / "new" / "crowding_influence_lhs.toml").design == "lhs"


def test_unknown_example_is_one_line_with_a_suggestion(tmp_path, capsys):
    assert engagement(["examples", "mechanism_moris", "--to", str(tmp_path)]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1
    assert "did you mean 'mechanisms_morris'" in err
    assert list(tmp_path.iterdir()) == []
    assert copy_example("crowding_x_influence", tmp_path).name == "crowding_x_influence.toml"


@pytest.mark.slow
def test_the_wheel_ships_the_examples(tmp_path):
    source = tmp_path / "src"
    source.mkdir()
    for name in ("pyproject.toml", "README.md", "LICENSE"):
        shutil.copy(ROOT / name, source / name)
    for package in ("model", "experiments"):
        shutil.copytree(ROOT / package, source / package, ignore=shutil.ignore_patterns("__pycache__"))
    build = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path / "dist"),
                            str(source)], capture_output=True, text=True, timeout=300, check=False)
    if build.returncode != 0 and "setuptools" in build.stderr and ("network" in build.stderr.lower()
                                                                     or "connection" in build.stderr.lower()):
        pytest.skip("building a wheel needs setuptools from the package index, which is not reachable")
    assert build.returncode == 0, build.stderr
    wheel = next((tmp_path / "dist").glob("*.whl"))
    names = set(zipfile.ZipFile(wheel).namelist())
    assert {f"experiments/sweeps/{path.name}" for path in SPEC_FILES} <= names
    assert "model/examples.py" in names
