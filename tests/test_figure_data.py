"""Committed figures can be redrawn: each experiment's figure data (``figure_data/*.csv``) is small and enough.

The experiments run once per test session in quick mode, in the module-scoped fixtures of
tests/test_experiments.py and tests/test_attribution_validation.py; those modules call
``check_figure_data`` below on each finished folder, so that no experiment runs twice. The check copies
only ``manifest.json`` and ``figure_data/`` (no tables) into a fresh folder, redraws there with
``engagement plot``, and holds the redrawn figures to the ones the experiment drew (the same SVG, byte for
byte), to small data, and to titles without claim codes. ``captured_figures`` hands a test the matplotlib
Figures of a redraw, so that it can compare a plotted curve with the value computed from the full tables.
The tests in this file need no experiment run.
"""

import importlib
import re
import shutil
from contextlib import contextmanager
from pathlib import Path

import pytest

from experiments import EXPERIMENTS
from experiments.common import FIGURE_DATA
from model.cli import main

#: Ceiling of one experiment's figure data (all CSVs together), so that it can be committed with the figures.
MAX_FIGURE_DATA_BYTES = 300_000
CLAIM_CODE = re.compile(r"\bC\d+\b")


@contextmanager
def captured_figures(monkeypatch: pytest.MonkeyPatch):
    """Inside the block, every Figure handed to ``model.plotting.save`` is kept (and still saved)."""
    import model.plotting

    figures: list = []
    real_save = model.plotting.save

    def keep(fig, path, *args, **kwargs):
        figures.append(fig)
        return real_save(fig, path, *args, **kwargs)

    with monkeypatch.context() as patch:
        patch.setattr(model.plotting, "save", keep)
        yield figures


def titles(fig) -> list[str]:
    """The suptitle, every axes title (left, centre, right) and every legend title of a figure."""
    texts = [fig._suptitle.get_text()] if fig._suptitle is not None else []
    for ax in fig.axes:
        texts += [ax.get_title(loc) for loc in ("left", "center", "right")]
        legend = ax.get_legend()
        if legend is not None:
            texts.append(legend.get_title().get_text())
    return [text for text in texts if text]


def redraw_from_figure_data(out: Path, target: Path, monkeypatch: pytest.MonkeyPatch) -> list:
    """Copy only the manifest and the figure data of ``out`` into ``target`` and redraw there; the Figures."""
    target.mkdir()
    shutil.copy2(out / "manifest.json", target / "manifest.json")
    shutil.copytree(out / FIGURE_DATA, target / FIGURE_DATA)
    assert sorted(p.name for p in target.iterdir()) == sorted(["manifest.json", FIGURE_DATA])
    with captured_figures(monkeypatch) as figures:
        assert main(["plot", str(target)]) == 0
    return figures


def check_figure_data(out: Path, manifest: dict, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> list:
    """The figure data is there and small, redraws every figure without the tables (the same SVG as the
    experiment drew), and no title carries a claim code; returns the redrawn Figures."""
    data = sorted((out / FIGURE_DATA).glob("*.csv"))
    assert data, "no figure data written"
    total = sum(path.stat().st_size for path in data)
    assert 0 < total < MAX_FIGURE_DATA_BYTES, total
    assert all(path.stat().st_size > 0 for path in data)
    copy = tmp_path / "fresh_clone"
    figures = redraw_from_figure_data(out, copy, monkeypatch)
    assert figures
    assert sorted(p.name for p in copy.iterdir() if p.suffix in (".png", ".svg")) == sorted(manifest["figures"])
    for name in manifest["figures"]:
        assert (copy / name).stat().st_size > 20_000 if name.endswith(".png") else (copy / name).exists()
        if name.endswith(".svg"):  # the very figure the experiment drew from the same data
            assert (copy / name).read_bytes() == (out / name).read_bytes(), name
    for fig in figures:
        for text in titles(fig):
            assert not CLAIM_CODE.search(text), text
    return figures


# ====================================================================== without experiment runs
def test_every_experiment_provides_figure_data_and_draw():
    for name in EXPERIMENTS:
        module = importlib.import_module(f"experiments.{name}")
        assert callable(getattr(module, "figure_data", None)), name
        assert callable(getattr(module, "draw", None)), name
        assert not CLAIM_CODE.search(module.TITLE), module.TITLE
    from experiments.formats import TITLE_MAINTENANCE

    assert not CLAIM_CODE.search(TITLE_MAINTENANCE)


def test_attribution_labels_carry_no_claim_codes_in_the_figure_data():
    import pandas as pd

    from experiments.attribution import conditions, figure_data

    runs = pd.DataFrame([{"run_id": i, "condition": c["condition"], "gini_survivors": 0.5, "top1_share": 0.5,
                          "losers": 3.0, "winners": 1.0, "survivors": 5.0}
                         for i, c in enumerate(conditions())])
    table = figure_data({"runs": runs}, {"root_seed": 1})["conditions"]
    assert list(table["order"]) == list(range(len(conditions())))
    assert not table["label"].str.contains(CLAIM_CODE).any()
    assert "without social feedback" in set(table["label"])


def test_plot_without_figure_data_is_refused_in_one_line(tmp_path, capsys):
    """A folder with the manifest and neither tables nor figure data: a usage error naming figure_data/."""
    import json

    (tmp_path / "manifest.json").write_text(json.dumps({"experiment": "crowding", "kind": "experiment"}))
    assert main(["plot", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert f"lacks {FIGURE_DATA}/" in err
    assert err.count("\n") == 1
