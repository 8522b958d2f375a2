"""The notebooks in notebooks/ run, at quick size (ENGAGEMENT_QUICK=1), in a temporary folder, on a kernel of
this interpreter; each test checks figures and printed numbers of the executed notebook."""

from __future__ import annotations

import os
import re
import sys
import time
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
CHECK_KERNEL = "import sys; print('KERNEL', sys.executable)"


def execute(name: str, folder: Path, monkeypatch) -> tuple[object, float]:
    """Run notebook ``name`` in ``folder`` and return it with its outputs and the wall time."""
    monkeypatch.setenv("ENGAGEMENT_QUICK", "1")
    monkeypatch.setenv("JUPYTER_PLATFORM_DIRS", "1")  # jupyter_core's path migration warning
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])))
    notebook = nbformat.read(NOTEBOOKS / name, as_version=4)
    assert all(not cell.get("outputs") for cell in notebook.cells if cell.cell_type == "code")  # committed clean
    notebook.cells.append(nbformat.v4.new_code_cell(CHECK_KERNEL))
    # kernel "python3" with argv "python": jupyter_client starts it with sys.executable, this venv's interpreter
    client = nbclient.NotebookClient(notebook, timeout=300, kernel_name="python3",
                                     resources={"metadata": {"path": str(folder)}})
    started = time.perf_counter()
    client.execute()
    elapsed = time.perf_counter() - started
    printed = stream_text(notebook)
    assert f"KERNEL {sys.executable}" in printed
    print(f"{name}: {elapsed:.1f} s")
    return notebook, elapsed


def stream_text(notebook, name: str = "stdout") -> str:
    return "".join(output.get("text", "") for cell in notebook.cells for output in cell.get("outputs", [])
                   if output.get("output_type") == "stream" and output.get("name") == name)


def images(notebook) -> int:
    return sum("image/png" in output.get("data", {}) for cell in notebook.cells for output in cell.get("outputs", []))


def result_line(text: str) -> dict[str, float]:
    line = next(line for line in text.splitlines() if line.startswith("RESULT "))
    return {key: float(value) for key, value in re.findall(r"(\w+)=([-\d.e]+)", line)}


def test_first_tour_simulates_tabulates_and_plots(tmp_path, monkeypatch):
    notebook, _ = execute("01_first_tour.ipynb", tmp_path, monkeypatch)
    assert images(notebook) >= 1
    result = result_line(stream_text(notebook))
    assert 0.0 <= result["gini_survivors"] <= 1.0
    assert result["survivors"] >= 1
    assert result["steps"] == 30  # the quick size
    assert (tmp_path / "first_tour_run.png").stat().st_size > 5_000  # written in the working folder
    html_tables = [output for cell in notebook.cells for output in cell.get("outputs", [])
                   if "text/html" in output.get("data", {})]
    assert len(html_tables) >= 3  # summary, parameters, time series and companies as DataFrames


def test_sweep_notebook_runs_analyses_and_plots_a_sweep(tmp_path, monkeypatch):
    notebook, _ = execute("02_sweep.ipynb", tmp_path, monkeypatch)
    printed = stream_text(notebook)
    result = result_line(printed)
    assert result["stored"] == result["n_runs"] == 18
    assert result["failed"] == 0
    assert "sweep:" in stream_text(notebook, "stderr")  # the progress bar
    figures = re.search(r"FIGURES (\d+) written (\d+)", printed)
    assert figures
    assert int(figures.group(1)) == 3
    assert images(notebook) >= 4  # three sweep figures and the Morris figure
    assert (tmp_path / "sweep_demo" / "figures" / "heatmap_gini_survivors.png").exists()
    assert (tmp_path / "morris_demo" / "analysis" / "morris_gini_survivors.csv").exists()
    assert "warning" not in stream_text(notebook, "stderr").lower()  # 10 trajectories: enough for Morris


def test_argument_notebook_shows_few_winners_feedback_and_crowding(tmp_path, monkeypatch):
    notebook, _ = execute("03_the_argument.ipynb", tmp_path, monkeypatch)
    assert images(notebook) == 3
    result = result_line(stream_text(notebook))
    for key in ("gini_default", "gini_no_feedback", "top1_no_feedback", "top1_strong"):
        assert 0.0 <= result[key] <= 1.0
    assert "losers per winner" in stream_text(notebook)
