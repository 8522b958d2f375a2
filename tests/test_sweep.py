"""Sweeps: specification checks, seeds, designs, the streaming store, resume, failures, analysis, export.

Backends that need worker processes or a Dask cluster are in test_sweep_backends.py.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from model import Params, simulate
from model.cli import main as engagement
from model.sweep import (
    TIMING_COLUMNS,
    AnalysisRefused,
    Design,
    RunStore,
    SpecError,
    SweepSpec,
    analyze,
    export_csv,
    read_manifest,
    read_runs,
    read_timeseries,
    run_seed,
    run_seed_sequence,
    run_sweep,
)
from model.sweep.runner import _pending_tasks
from model.sweep.worker import execute

ROOT = Path(__file__).resolve().parent.parent


def small_spec(**changes) -> SweepSpec:
    """12 tiny runs: 2 x 2 grid, 3 replicates, 5 steps, time series every 2 steps."""
    spec = SweepSpec(params={"n_users": 100, "n_companies": [4, 6], "social_influence": [0.5, 1.5]},
                     replicates=3, steps=5, seed=7, timeseries_every=2, name="small")
    return spec.replace(**changes) if changes else spec


def same(stored, value) -> bool:
    """A stored outcome equals the model's value; an undefined one (NaN in the model) reads back as NaN."""
    if isinstance(value, float) and math.isnan(value):
        return bool(pd.isna(stored))
    return stored == value


def strict_json(text: str):
    """Parse JSON as any strict reader would: a bare NaN or Infinity is an error."""
    def refuse(constant):
        raise ValueError(f"not JSON: {constant}")

    return json.loads(text, parse_constant=refuse)


def comparable(runs: pd.DataFrame) -> pd.DataFrame:
    """The runs table without wall-time columns (the only ones that differ between executions)."""
    return runs.drop(columns=list(TIMING_COLUMNS))


@pytest.fixture(scope="module")
def reference(tmp_path_factory) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Runs and time-series tables of small_spec() run serially without interruption."""
    out = tmp_path_factory.mktemp("reference") / "sweep"
    report = run_sweep(small_spec(), out, progress=False)
    assert report.complete
    assert report.failed == 0
    return comparable(read_runs(out)), read_timeseries(out)


# ====================================================================== seeds
def test_run_seed_is_the_spawned_child_of_the_root_for_that_run_id():
    for root in (0, 20240611):
        children = np.random.SeedSequence(root).spawn(40)
        for run_id in (0, 1, 17, 39):
            direct = run_seed_sequence(root, run_id)
            assert np.array_equal(direct.generate_state(8), children[run_id].generate_state(8))
            assert run_seed(root, run_id) == int(children[run_id].generate_state(1, np.uint64)[0]) & (2**63 - 1)
    seeds = [run_seed(5, run_id) for run_id in range(2000)]
    assert len(set(seeds)) == len(seeds)  # every run (every replicate) its own stream
    assert all(0 <= seed < 2**63 for seed in seeds)


def test_task_seeds_and_values_do_not_depend_on_what_is_already_stored():
    spec = small_spec()
    design = Design(spec, root_seed=7)
    stored = np.zeros(spec.n_runs, dtype=bool)
    everything = {task.run_id: task for task in _pending_tasks(spec, design, stored, 7)}
    stored[[0, 3, 4, 10]] = True
    rest = list(_pending_tasks(spec, design, stored, 7))
    assert [task.run_id for task in rest] == [i for i in range(spec.n_runs) if i not in (0, 3, 4, 10)]
    for task in rest:
        full = everything[task.run_id]
        assert (task.seed, task.point, task.replicate, dict(task.values)) == (
            full.seed, full.point, full.replicate, dict(full.values))


# ====================================================================== specification and designs
def test_grid_design_is_the_full_factorial_with_ranges_expanded(tmp_path):
    path = tmp_path / "grid.toml"
    path.write_text("""
[sweep]
replicates = 2
steps = 3
seed = 1
[params]
n_users = 150
n_companies = { low = 10, high = 1000, num = 3, log = true }
social_influence = { low = 0.0, high = 1.0, step = 0.5 }
network = ["small_world", "none"]
""")
    spec = SweepSpec.from_toml(path)
    assert spec.name == "grid"
    assert spec.fixed == {"n_users": 150}
    assert spec.varied == ("n_companies", "social_influence", "network")
    assert spec.factors["n_companies"].values == (10, 100, 1000)
    assert spec.factors["social_influence"].values == (0.0, 0.5, 1.0)
    assert (spec.n_points, spec.n_runs) == (18, 36)
    design = Design(spec, root_seed=1)
    points = [tuple(design.values(p).values()) for p in range(spec.n_points)]
    import itertools

    assert points == list(itertools.product((10, 100, 1000), (0.0, 0.5, 1.0), ("small_world", "none")))


def test_sampled_designs_have_salib_sizes_stay_in_bounds_and_follow_the_root_seed():
    params = {"n_users": 100, "n_companies": {"low": 5, "high": 50}, "social_influence": {"low": 0.1, "high": 3.0,
                                                                                         "log": True}}
    lhs = SweepSpec(params=params, design="lhs", samples=20, seed=3)
    design = Design(lhs, root_seed=3)
    values = [design.values(p) for p in range(20)]
    assert all(isinstance(v["n_companies"], int) and 5 <= v["n_companies"] <= 50 for v in values)
    assert all(0.1 <= v["social_influence"] <= 3.0 for v in values)
    # Latin hypercube: each of the 20 equal strata of every (sampled) dimension holds exactly one point
    for column, (low, high) in zip(design.matrix.T, design.problem["bounds"], strict=True):
        strata = np.floor((column - low) / (high - low) * 20).astype(int)
        assert sorted(strata) == list(range(20))
    assert np.array_equal(Design(lhs, root_seed=3).matrix, design.matrix)
    assert not np.array_equal(Design(lhs, root_seed=4).matrix, design.matrix)

    sobol = SweepSpec(params=params, design="sobol", samples=8, replicates=2)
    assert sobol.n_points == 8 * (2 + 2)
    assert sobol.n_runs == 64
    assert Design(sobol, root_seed=1).matrix.shape == (32, 2)
    assert SweepSpec(params=params, design="sobol", samples=8, second_order=True).n_points == 8 * (2 * 2 + 2)
    morris = SweepSpec(params=params, design="morris", samples=5, levels=6)
    assert morris.n_points == 5 * 3
    assert Design(morris, root_seed=1).matrix.shape == (15, 2)


BAD_SPECS = [
    ("[params]\nn_compnies = [5, 10]\n", ["n_compnies", "n_companies"]),
    ("[params]\nsocial_influence = { low = 2.0, high = 1.0, num = 3 }\n", ["empty range", "social_influence"]),
    ("[params]\nn_companies = []\n", ["empty list", "n_companies"]),
    ("[sweep]\ndesign = \"sobel\"\n[params]\nn_users = 100\n", ["'sobel'", "sobol"]),
    ("[params]\nn_users = [50, 100]\n", ["n_users", "50"]),
    ("[sweep]\ndesign = \"sobol\"\nsamples = 10\n[params]\nn_companies = { low = 5, high = 9 }\n",
     ["samples = 10", "power of 2"]),
    ("[sweep]\nreplicate = 3\n", ["replicate", "replicates"]),
    ("[sweep]\noutcomes = [\"ginni\"]\n", ["ginni", "gini"]),
    ("[sweep]\ndesign = \"lhs\"\nsamples = 4\n[params]\nn_companies = [5, 10]\n", ["n_companies", "list"]),
    ("[sweep]\nreplicates = 0\n", ["replicates"]),
    ("[params]\nnetwork = { low = 1, high = 2 }\n", ["network", "not numeric"]),
    ("[params\nn_users = 100\n", ["malformed TOML"]),
]


@pytest.mark.parametrize(("text", "culprits"), BAD_SPECS, ids=[c[0] for _, c in BAD_SPECS])
def test_a_wrong_spec_is_refused_before_any_run_with_one_line_and_status_2(tmp_path, capsys, text, culprits):
    spec = tmp_path / "bad.toml"
    spec.write_text(text)
    out = tmp_path / "out"
    status = engagement(["sweep", str(spec), "--out", str(out), "--no-progress"])
    captured = capsys.readouterr()
    assert status == 2
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1, captured.err
    for culprit in culprits:
        assert culprit in lines[0]
    assert "Traceback" not in captured.err
    assert not out.exists()  # nothing written


def test_conflicting_or_invalid_backend_options_are_refused_before_anything_is_written(tmp_path, capsys):
    spec = tmp_path / "ok.toml"
    spec.write_text("[params]\nn_users = 100\n")
    out = tmp_path / "out"
    assert engagement(["sweep", str(spec), "--out", str(out), "--workers", "2", "--dask-workers", "2"]) == 2
    assert "not allowed with argument" in capsys.readouterr().err
    assert engagement(["sweep", str(spec), "--out", str(out), "--workers", "0"]) == 2
    assert capsys.readouterr().err.strip() == "engagement: error: --workers = 0 must be a whole number >= 1"
    assert engagement(["sweep", str(spec), "--out", str(out), "--workers", "2", "--runs-per-task", "5"]) == 2
    assert "--runs-per-task applies to Dask" in capsys.readouterr().err
    assert not out.exists()


def test_the_python_api_refuses_the_same_specs():
    with pytest.raises(SpecError, match="unknown parameter 'n_compnies'.*n_companies"):
        SweepSpec(params={"n_compnies": [5]})
    with pytest.raises(SpecError, match="unknown design 'factorial'"):
        SweepSpec(design="factorial")
    with pytest.raises(SpecError, match="needs 'samples'"):
        SweepSpec(params={"n_companies": {"low": 5, "high": 9}}, design="morris")


def test_the_example_spec_crosses_crowding_and_social_influence_with_replicates():
    spec = SweepSpec.from_toml(ROOT / "experiments" / "sweeps" / "crowding_x_influence.toml")
    assert spec.design == "grid"
    assert {"n_companies", "social_influence"} <= set(spec.varied)
    assert spec.replicates >= 5
    assert spec.n_runs == spec.n_points * spec.replicates


def test_outcomes_and_their_integer_columns_follow_the_metric_declarations():
    """Declared once (model.metrics): every metric is an outcome, counts are integer columns, the default
    outcomes are the summary metrics; nothing is listed a second time in the sweep code."""
    from model.metrics import INTEGER_OUTCOMES, OUTCOMES, SUMMARY_KEYS
    from model.sweep.spec import DEFAULT_OUTCOMES, INTEGER_METRICS, OUTCOME_NAMES, TIMESERIES_NAMES
    from model.sweep.store import runs_schema, timeseries_schema

    assert set(OUTCOME_NAMES) == {"steps", *(metric.name for metric in OUTCOMES)}
    assert (*SUMMARY_KEYS, "steps") == DEFAULT_OUTCOMES
    assert tuple(metric.name for metric in OUTCOMES) == TIMESERIES_NAMES
    assert {"steps", *INTEGER_OUTCOMES} == INTEGER_METRICS
    spec = SweepSpec(params={"n_users": 100}, outcomes=list(OUTCOME_NAMES), timeseries_every=1)
    for schema in (runs_schema(spec), timeseries_schema(spec)):
        for name in schema.names:
            if name in OUTCOME_NAMES:
                assert str(schema.field(name).type) == ("int64" if name in INTEGER_METRICS else "double"), name
    with pytest.raises(SpecError, match="unknown metric 'attention_used'"):  # now attention_to_companies
        SweepSpec(outcomes=["attention_used"])
    with pytest.raises(SpecError, match="unknown parameter 'social_sample'"):  # gone with the new feedback
        SweepSpec(params={"social_sample": [1, 2]})


def test_a_sweep_over_a_format_table_parameter_runs_and_reproduces_the_model(tmp_path):
    """The format table is made of parameters (depth_dialogue, ...): a spec can vary them, on a grid or sampled."""
    path = tmp_path / "depth.toml"
    path.write_text("""
[sweep]
replicates = 2
steps = 8
seed = 4
outcomes = ["gini_survivors", "top1_share", "attention_to_companies", "relationships_per_user", "steps"]
[params]
n_users = 150
n_companies = 5
format_mix = "dialogue"
depth_dialogue = [0.2, 1.5]
reach_dialogue = { low = 0.4, high = 0.8, num = 2 }
""")
    spec = SweepSpec.from_toml(path)
    assert spec.varied == ("depth_dialogue", "reach_dialogue")
    out = tmp_path / "sweep"
    report = run_sweep(spec, out, progress=False)
    assert (report.stored, report.failed) == (8, 0)
    runs = read_runs(out)
    assert runs["depth_dialogue"].dtype == np.float64
    assert sorted(runs["depth_dialogue"].unique()) == [0.2, 1.5]
    for _, row in runs.iterrows():
        result = simulate(Params(**spec.fixed, depth_dialogue=row["depth_dialogue"],
                                 reach_dialogue=row["reach_dialogue"]), steps=8, seed=int(row["seed"]))
        for outcome in spec.outcomes:
            assert same(row[outcome], result.summary[outcome]), outcome
    # depth changes engagement: the same worlds with shallow and deep dialogue are not the same
    shallow, deep = (runs[runs["depth_dialogue"] == d]["relationships_per_user"].to_numpy() for d in (0.2, 1.5))
    assert not np.array_equal(shallow, deep)
    # a sampled design reaches the format table too
    lhs = SweepSpec(params={"depth_dialogue": {"low": 0.1, "high": 2.0}, "cost_topic_community": {"low": 1, "high": 2}},
                    design="lhs", samples=4, seed=1)
    values = [Design(lhs, root_seed=1).values(point) for point in range(4)]
    assert all(0.1 <= v["depth_dialogue"] <= 2.0 and 1 <= v["cost_topic_community"] <= 2 for v in values)
    with pytest.raises(SpecError, match="depth_dialogue"):
        SweepSpec(params={"depth_dialogue": [-1.0, 1.0]})


def undefined_ratio_spec() -> SweepSpec:
    """maturity_age 3 gives a cohort (and a defined ratio) within 6 steps, 10 does not (ratio undefined)."""
    return SweepSpec(params={"n_users": 100, "n_companies": 6, "maturity_age": [3, 10]}, replicates=2, steps=6,
                     seed=5, timeseries_every=2, outcomes=["winners", "losers", "loser_winner_ratio", "gini"],
                     name="nan")


def test_an_undefined_outcome_is_null_in_every_table_and_the_json_stays_strict(tmp_path):
    spec = undefined_ratio_spec()
    out = tmp_path / "sweep"
    run_sweep(spec, out, progress=False, chunk_rows=3)
    runs = read_runs(out)
    assert (runs["status"] == "ok").all()
    assert runs.loc[runs["maturity_age"] == 10, "loser_winner_ratio"].isna().all()  # no cohort yet
    assert runs.loc[runs["maturity_age"] == 3, "loser_winner_ratio"].notna().any()
    undefined = runs["loser_winner_ratio"].isna()
    assert (runs.loc[undefined, "winners"] == 0).all()
    # Parquet: null, not NaN, wherever the ratio is undefined (time series: before a cohort exists)
    import pyarrow.compute as pc
    import pyarrow.dataset as ds

    stored = ds.dataset(out / "runs").to_table()
    assert stored["loser_winner_ratio"].null_count == int(undefined.sum())
    assert not pc.any(pc.is_nan(stored["loser_winner_ratio"].drop_null())).as_py()
    series = ds.dataset(out / "timeseries").to_table()
    assert series["loser_winner_ratio"].null_count > 0
    assert not pc.any(pc.is_nan(series["loser_winner_ratio"].drop_null())).as_py()
    strict_json((out / "manifest.json").read_text())
    # the journal (what a kill leaves) is strict JSON and reads back to the same table
    journaled = tmp_path / "journaled"
    store = RunStore(journaled, spec, chunk_rows=100)
    (journaled / "manifest.json").parent.mkdir()
    (journaled / "manifest.json").write_text((out / "manifest.json").read_text())
    store.open()
    design = Design(spec, 5)
    for task in _pending_tasks(spec, design, np.zeros(spec.n_runs, bool), 5):
        store.add_output(execute(_config(spec), task))
    lines = (journaled / "journal.jsonl").read_text().splitlines()
    assert len(lines) == spec.n_runs
    records = [strict_json(line) for line in lines]
    assert [r["tables"]["runs"]["loser_winner_ratio"] is None for r in records] == list(undefined)
    pd.testing.assert_frame_equal(comparable(read_runs(journaled)), comparable(runs))
    pd.testing.assert_frame_equal(read_timeseries(journaled), read_timeseries(out))
    store.close()
    pd.testing.assert_frame_equal(comparable(read_runs(journaled)), comparable(runs))
    assert engagement(["export", str(out), "--csv"]) == 0
    exported = pd.read_csv(out / "runs.csv")
    assert exported["loser_winner_ratio"].isna().tolist() == list(undefined)


def test_analysis_refuses_an_outcome_that_is_undefined_in_some_run(tmp_path):
    def ratio_undefined_above_one(params, *, steps, seed):
        value = math.nan if params.social_influence > 1 else params.social_influence
        return SimpleNamespace(summary={"loser_winner_ratio": value})

    spec = SweepSpec(params={"social_influence": {"low": 0.0, "high": 2.0}}, design="morris", samples=4, steps=0,
                     seed=3, outcomes=["loser_winner_ratio"])
    out = tmp_path / "morris"
    run_sweep(spec, out, progress=False, run_function=ratio_undefined_above_one)
    with pytest.raises(AnalysisRefused, match="'loser_winner_ratio' is undefined"):
        analyze(out, "morris", ["loser_winner_ratio"], figure=False)


# ====================================================================== runs, seeds and the store
def test_each_row_is_the_run_that_model_simulate_gives_with_the_rows_seed(tmp_path, reference):
    runs, series = reference
    spec = small_spec()
    assert list(runs["run_id"]) == list(range(spec.n_runs))
    assert (runs["status"] == "ok").all()
    assert runs["error"].isna().all()
    for run_id in (0, 5, 11):
        row = runs.iloc[run_id]
        assert row["seed"] == run_seed(7, run_id)
        result = simulate(Params(**spec.fixed, n_companies=int(row["n_companies"]),
                                 social_influence=float(row["social_influence"])), steps=5, seed=int(row["seed"]))
        for outcome in spec.outcomes:
            assert same(row[outcome], result.summary[outcome]), outcome
        mine = series[series["run_id"] == run_id].drop(columns="run_id").reset_index(drop=True)
        theirs = result.timeseries[result.timeseries["step"].isin([0, 2, 4, 5])].reset_index(drop=True)
        assert list(mine["step"]) == [0, 2, 4, 5]
        np.testing.assert_array_equal(mine[theirs.columns].to_numpy(float), theirs.to_numpy(float))
    # replicates of one point are different worlds (C10)
    first_point = runs[runs["point"] == 0]
    assert first_point["seed"].nunique() == 3
    assert first_point[["gini", "hhi", "top1_share"]].drop_duplicates().shape[0] > 1


def test_every_run_is_on_disk_when_it_finishes(tmp_path):
    out = tmp_path / "sweep"
    seen: list[set[int]] = []

    def check(row):
        seen.append(set(read_runs(out)["run_id"]))
        assert row["run_id"] in seen[-1]

    report = run_sweep(small_spec(), out, progress=False, chunk_rows=5, on_stored=check)
    assert report.ran == 12
    assert len(seen) == 12
    assert [len(ids) for ids in seen] == list(range(1, 13))
    assert len(list((out / "runs").glob("part-*.parquet"))) == math.ceil(12 / 5)
    assert not (out / "journal.jsonl").exists()
    manifest = read_manifest(out)
    assert manifest["root_seed"] == 7
    assert manifest["status"] == "complete"
    assert manifest["n_runs"] == 12
    assert manifest["spec"] == small_spec().to_dict()
    for key in ("versions", "git_commit", "git_dirty", "started", "finished"):
        assert key in manifest
    assert manifest["versions"]["numpy"] == np.__version__


def test_ctrl_c_keeps_finished_runs_and_resume_completes_the_identical_table(tmp_path, reference):
    out = tmp_path / "sweep"

    assert interrupted_sweep(small_spec(), out, 4, chunk_rows=100) == [0, 1, 2, 3, 4]
    assert read_manifest(out)["status"] == "interrupted"
    report = run_sweep(small_spec(), out, progress=False, resume=True)
    assert (report.skipped, report.ran, report.stored) == (5, 7, 12)
    pd.testing.assert_frame_equal(comparable(read_runs(out)), reference[0])
    pd.testing.assert_frame_equal(read_timeseries(out), reference[1])
    assert [s["status"] for s in read_manifest(out)["sessions"]] == ["interrupted", "complete"]


def test_the_store_repairs_what_a_kill_leaves_behind(tmp_path, reference):
    """The state after ``kill -9`` mid-flush: journal lines not in a part, a torn line, temporary files."""
    spec = small_spec()
    out = tmp_path / "sweep"
    assert interrupted_sweep(spec, out, 6, chunk_rows=100) == [0, 1, 2, 3, 4, 5, 6]
    # replay runs 7-9 into a store that is never closed, as a killed parent leaves it
    store = RunStore(out, spec, chunk_rows=100)
    store.open()
    design = Design(spec, 7)
    tasks = {t.run_id: t for t in _pending_tasks(spec, design, np.zeros(spec.n_runs, bool), 7)}
    for run_id in (7, 8, 9):
        store.add_output(execute(_config(spec), tasks[run_id]))
    journal = out / "journal.jsonl"
    with journal.open("ab") as handle:
        handle.write(b'{"row": {"run_id": 10, "point"')  # torn by the kill
    (out / "runs" / ".part-000099.parquet.tmp").write_bytes(b"half a file")
    (out / "timeseries" / "part-000099.parquet").write_bytes(b"time series of an uncommitted part")
    assert list(read_runs(out)["run_id"]) == list(range(10))  # readers see the journal too
    report = run_sweep(spec, out, progress=False, resume=True)
    assert (report.skipped, report.ran) == (10, 2)
    assert not list(out.glob("*/.*.tmp"))
    assert not (out / "timeseries" / "part-000099.parquet").exists()
    pd.testing.assert_frame_equal(comparable(read_runs(out)), reference[0])
    pd.testing.assert_frame_equal(read_timeseries(out), reference[1])


def interrupted_sweep(spec, out, last_run_id, **options) -> list[int]:
    """Run ``spec`` until run ``last_run_id`` is stored, then press Ctrl-C; the run ids stored by then."""

    def interrupt(row):
        if row["run_id"] == last_run_id:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run_sweep(spec, out, progress=False, on_stored=interrupt, **options)
    return list(read_runs(out)["run_id"])


def _config(spec):
    from model.sweep.worker import RunConfig, fixed_columns

    return RunConfig(fixed=spec.fixed, steps=spec.steps, outcomes=tuple(spec.outcomes),
                     timeseries_every=spec.timeseries_every, timeseries_metrics=tuple(spec.timeseries_metrics),
                     fixed_columns=fixed_columns(spec.fixed, spec.varied))


def test_resume_refuses_another_sweep_and_a_new_sweep_refuses_a_used_folder(tmp_path):
    out = tmp_path / "sweep"
    run_sweep(small_spec(), out, progress=False)
    with pytest.raises(ValueError, match="already holds a complete sweep; pass --resume"):
        run_sweep(small_spec(), out, progress=False)
    with pytest.raises(ValueError, match="different sweep: 'replicates' is 3 there and 4"):
        run_sweep(small_spec(replicates=4), out, progress=False, resume=True)
    with pytest.raises(ValueError, match="different sweep: 'seed' is 7 there and 8"):
        run_sweep(small_spec(seed=8), out, progress=False, resume=True)
    assert run_sweep(small_spec(seed=None), out, progress=False, resume=True).root_seed == 7
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "notes.txt").write_text("mine")
    with pytest.raises(ValueError, match="already holds files"):
        run_sweep(small_spec(), tmp_path / "other", progress=False)


def test_resuming_with_changed_model_code_warns(tmp_path, caplog):
    out = tmp_path / "sweep"
    interrupted_sweep(small_spec(), out, 2)
    manifest = read_manifest(out)
    assert len(manifest["code_fingerprint"]) == 16
    manifest["code_fingerprint"] = "0" * 16  # as if model/*.py had been edited since
    (out / "manifest.json").write_text(json.dumps(manifest))
    with caplog.at_level("WARNING", logger="model.sweep"):
        run_sweep(small_spec(), out, progress=False, resume=True)
    assert "model's code changed since this sweep started" in caplog.text


# ====================================================================== failures
def crash_at_one_point(params, *, steps, seed):
    """A run function that raises for one design point (n_companies 6, social influence 1.5)."""
    if params.n_companies == 6 and params.social_influence == 1.5:
        raise ValueError("deliberate crash for this point")
    return simulate(params, steps=steps, seed=seed)


def test_a_crashing_run_is_recorded_as_failed_and_the_sweep_goes_on(tmp_path, reference):
    out = tmp_path / "sweep"
    report = run_sweep(small_spec(), out, workers=2, progress=False, run_function=crash_at_one_point)
    assert report.backend == "processes(2)"  # the exception is caught in the worker process
    runs = read_runs(out)
    crashed = (runs["n_companies"] == 6) & (runs["social_influence"] == 1.5)
    assert report.complete
    assert report.failed_ids == sorted(runs.loc[crashed, "run_id"]) == [9, 10, 11]
    assert (runs.loc[crashed, "status"] == "failed").all()
    assert runs.loc[crashed, "error"].str.startswith("ValueError: deliberate crash for this point (at test_sweep.py:").all()
    assert runs.loc[crashed, "gini"].isna().all()
    expected = reference[0]
    pd.testing.assert_frame_equal(comparable(runs[~crashed]), expected[~crashed.to_numpy()])
    assert read_manifest(out)["failed"] == 3
    # --retry-failed runs exactly the failed ones again; with a working model the table is complete
    again = run_sweep(small_spec(), out, progress=False, retry_failed=True)
    assert (again.ran, again.failed) == (3, 0)
    pd.testing.assert_frame_equal(comparable(read_runs(out)), expected)


# ====================================================================== sensitivity analysis
def crash_with_few_companies(params, *, steps, seed):
    """A run function that raises for the lowest level of n_companies of a Morris design."""
    if params.n_companies == 4:
        raise RuntimeError("deliberate crash")
    return simulate(params, steps=steps, seed=seed)


def additive_outcome(params, *, steps, seed):
    """gini := x1 + 0.5 x2 with x1 = social_influence, x2 = participation: S1 = ST = (0.8, 0.2)."""
    value = params.social_influence + 0.5 * params.participation
    return SimpleNamespace(summary={"gini": value})


def test_sobol_analysis_recovers_the_indices_of_a_known_function(tmp_path):
    spec = SweepSpec(params={"social_influence": {"low": 0.0, "high": 1.0}, "participation": {"low": 0.0, "high": 1.0}},
                     design="sobol", samples=256, steps=0, seed=11, outcomes=["gini"])
    out = tmp_path / "sobol"
    run_sweep(spec, out, progress=False, run_function=additive_outcome)
    result = analyze(out, "sobol", ["gini"], resamples=200, figure=False)["gini"].set_index("parameter")
    # Var(x1 + x2/2) = 1/12 + 1/48: exact shares 0.8 and 0.2; Saltelli estimators with N=256 within 0.1
    assert result.loc["social_influence", "S1"] == pytest.approx(0.8, abs=0.1)
    assert result.loc["participation", "S1"] == pytest.approx(0.2, abs=0.1)
    assert result.loc["social_influence", "ST"] == pytest.approx(0.8, abs=0.1)
    assert result.loc["participation", "ST"] == pytest.approx(0.2, abs=0.1)
    assert (result[["S1_conf", "ST_conf"]] > 0).all().all()
    saved = pd.read_csv(out / "analysis" / "sobol_gini.csv").set_index("parameter")
    pd.testing.assert_frame_equal(saved, result, check_exact=False)


def test_morris_analysis_recovers_elementary_effects_of_a_linear_function(tmp_path):
    spec = SweepSpec(params={"social_influence": {"low": 0.0, "high": 1.0}, "participation": {"low": 0.0, "high": 1.0}},
                     design="morris", samples=10, steps=0, seed=5, outcomes=["gini"])
    out = tmp_path / "morris"
    run_sweep(spec, out, progress=False, run_function=additive_outcome)
    result = analyze(out, "morris", ["gini"], resamples=100)["gini"].set_index("parameter")
    # linear: every elementary effect equals the slope (1 and 0.5), so mu* is the slope and sigma 0
    assert result.loc["social_influence", "mu_star"] == pytest.approx(1.0, abs=1e-9)
    assert result.loc["participation", "mu_star"] == pytest.approx(0.5, abs=1e-9)
    assert result["sigma"].abs().max() < 1e-9
    assert (out / "analysis" / "morris_gini.png").stat().st_size > 10_000
    assert (out / "analysis" / "morris_gini.svg").exists()


def test_analysis_refuses_naming_failed_and_missing_runs(tmp_path, capsys):
    spec = SweepSpec(params={"n_users": 100, "n_companies": {"low": 4, "high": 8},
                             "social_influence": {"low": 0.5, "high": 1.5}},
                     design="morris", samples=4, steps=3, seed=2, outcomes=["gini", "hhi"])
    out = tmp_path / "morris"
    assert interrupted_sweep(spec, out, 8, run_function=crash_with_few_companies) == list(range(9))
    runs = read_runs(out)
    failed = sorted(runs.loc[runs["status"] == "failed", "run_id"])
    assert failed == sorted(runs.loc[runs["n_companies"] == 4, "run_id"])
    assert failed
    with pytest.raises(AnalysisRefused) as refused:
        analyze(out, "morris", ["gini"])
    message = str(refused.value)
    assert "of 12 runs, 3 missing (run ids 9, 10, 11)" in message
    assert f"{len(failed)} failed (run ids {', '.join(map(str, failed))})" in message
    status = engagement(["analyze", str(out), "--method", "morris", "--outcome", "gini"])
    err = capsys.readouterr().err
    assert status == 2
    assert len(err.strip().splitlines()) == 1
    assert "run ids 9, 10, 11" in err
    assert engagement(["analyze", str(out), "--method", "sobol", "--outcome", "gini"]) == 2
    assert "needs a sweep with design = 'sobol'" in capsys.readouterr().err
    assert not (out / "analysis" / "morris_gini.csv").exists()


def test_cli_analyze_on_a_real_model_sweep_writes_tables_and_figure(tmp_path, capsys):
    spec_file = tmp_path / "morris.toml"
    spec_file.write_text("""
[sweep]
design = "morris"
samples = 4
steps = 5
seed = 9
outcomes = ["gini", "survivors"]
[params]
n_users = 100
n_companies = { low = 4, high = 12 }
social_influence = { low = 0.0, high = 2.0 }
""")
    out = tmp_path / "sweep"
    assert engagement(["sweep", str(spec_file), "--out", str(out), "--no-progress"]) == 0
    assert "12 of 12 runs stored" in capsys.readouterr().out
    assert engagement(["analyze", str(out), "--method", "morris", "--outcome", "gini", "--resamples", "50"]) == 0
    printed = capsys.readouterr().out
    assert "morris sensitivity of gini" in printed
    assert "social_influence" in printed
    table = pd.read_csv(out / "analysis" / "morris_gini.csv")
    assert list(table["parameter"]) == ["n_companies", "social_influence"]
    assert np.isfinite(table[["mu", "mu_star", "sigma"]].to_numpy()).all()
    assert (table["mu_star"] >= 0).all()
    assert (out / "analysis" / "morris_gini.png").stat().st_size > 10_000
    meta = json.loads((out / "analysis" / "morris_gini.json").read_text())
    assert meta["n_points"] == 12
    assert meta["resamples"] == 50


# ====================================================================== export
def test_export_writes_csv_equal_to_the_parquet_tables(tmp_path, reference, capsys):
    out = tmp_path / "sweep"
    run_sweep(small_spec(), out, progress=False, chunk_rows=5)
    assert engagement(["export", str(out), "--csv"]) == 0
    assert "runs.csv" in capsys.readouterr().out
    runs = pd.read_csv(out / "runs.csv")
    assert runs["seed"].str.fullmatch(r"s\d+").all()  # text, so that R and spreadsheets keep every digit
    runs["seed"] = runs["seed"].str[1:].astype("int64")
    expected = reference[0]
    assert [column for column in runs.columns if column != "elapsed_s"] == list(expected.columns)
    from model.params import PARAM_NAMES, Params

    assert set(PARAM_NAMES) <= set(runs.columns)  # every parameter of a run, the fixed ones included
    spec = small_spec()
    for name, value in spec.fixed.items():
        assert (runs[name] == value).all(), name
    assert (runs["outside_option"] == Params().outside_option).all()  # not in the spec: its default
    pd.testing.assert_frame_equal(comparable(runs).drop(columns="error"), expected.drop(columns="error"),
                                  check_dtype=False)
    series = pd.read_csv(out / "timeseries.csv")
    pd.testing.assert_frame_equal(series, reference[1], check_dtype=False)
    # a small batch size splits the time series into run-id ranges; the file is the same
    written = export_csv(out, tmp_path / "batched", batch_rows=5)
    assert (tmp_path / "batched" / "timeseries.csv").read_text() == (out / "timeseries.csv").read_text()
    assert len(written) == 2
    assert engagement(["export", str(tmp_path / "nothing"), "--csv"]) == 2
    assert "holds no results" in capsys.readouterr().err


# ====================================================================== company-level table
def test_companies_table_holds_every_company_of_every_run(tmp_path, capsys):
    spec = tmp_path / "c.toml"
    spec.write_text('[sweep]\nname = "c"\nreplicates = 2\nsteps = 15\nseed = 4\n'
                    '[params]\nn_users = 300\nn_companies = [4, 8]\n')
    out = tmp_path / "sweep"
    assert engagement(["sweep", str(spec), "--out", str(out), "--companies", "--no-progress", "--workers", "2"]) == 0
    from model.metrics import COMPANY_COLUMNS
    from model.sweep import read_companies

    runs = read_runs(out)
    companies = read_companies(out)
    assert list(companies.columns[:1]) == ["run_id"]
    assert {column.name for column in COMPANY_COLUMNS} <= set(companies.columns)
    assert sorted(companies["run_id"].unique()) == list(range(4))
    alive = companies[companies["alive"]].groupby("run_id")
    assert alive.size().tolist() == runs["survivors"].tolist()  # the table agrees with the runs table
    assert (alive["share"].sum() - 1).abs().max() < 1e-9
    # a sweep without --companies says so in one line
    plain = tmp_path / "plain"
    run_sweep(SweepSpec.from_toml(spec), plain, progress=False)
    with pytest.raises(ValueError, match="kept no company table"):
        read_companies(plain)
