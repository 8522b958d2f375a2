"""Sweep specifications (issue 10): every bad spec is refused in one line naming the culprit, before anything is
allocated or written; names are single safe folder names; designs above MAX_RUNS are refused with the run count."""

import time

import numpy as np
import pytest

from model.sweep.design import Design
from model.sweep.spec import HARD_MAX_RUNS, MAX_RUNS, SpecError, SweepSpec, load_spec

RANGE = {"low": 0.0, "high": 1.0}


def refused(fragment: str, **spec) -> str:
    """The one-line message of the SpecError a spec raises (and that it came quickly: nothing was built)."""
    start = time.perf_counter()
    with pytest.raises(SpecError) as error:
        SweepSpec(**spec)
    assert time.perf_counter() - start < 2.0
    message = str(error.value)
    assert fragment in message, message
    assert "\n" not in message
    return message


# ---------------------------------------------------------------------- names
@pytest.mark.parametrize("name", ["../../x", "/abs/x", "a/b", "a\\b", "", " ", ".x", "..", ".", "x" * 101, "a b",
                                  "a\nb", "a\x00b", "~", "$HOME", "C:x", 3, None])
def test_a_name_that_is_not_one_safe_folder_name_is_refused(name):
    message = refused("name = ", name=name)
    assert "folder name" in message


@pytest.mark.parametrize("name", ["sweep", "crowding_x_influence", "run-2.v3", "Märkte", "a" * 100, "-x", "_"])
def test_safe_folder_names_are_kept(name):
    assert SweepSpec(name=name).name == name


@pytest.mark.parametrize(("stem", "name"), [("my sweep", "my_sweep"), (".hidden", "hidden"), ("...", "sweep"),
                                            ("a;b&c", "a_b_c"), ("x" * 150, "x" * 100)])
def test_without_a_name_the_file_stem_is_made_a_safe_name(tmp_path, stem, name):
    path = tmp_path / f"{stem}.toml"
    path.write_text("[params]\nn_users = 100\n")
    assert SweepSpec.from_toml(path).name == name


def test_an_explicit_traversing_name_in_a_file_is_refused(tmp_path):
    path = tmp_path / "spec.toml"
    path.write_text('[sweep]\nname = "../../x"\n[params]\nn_users = 100\n')
    with pytest.raises(SpecError, match=r"^spec.toml: name = '\.\./\.\./x' must be one folder name"):
        SweepSpec.from_toml(path)


# ---------------------------------------------------------------------- keys of [sweep]
@pytest.mark.parametrize(("text", "fragment"), [
    ("[sweep]\nparams = { n_users = 100 }\n", "'params' inside [sweep]: give the parameters in their own [params]"),
    ("[sweep]\nreplicate = 3\n", "unknown setting 'replicate' in [sweep] (did you mean 'replicates'?)"),
    ("[sweep]\nsed = 3\n", "unknown setting 'sed' in [sweep] (did you mean 'seed'?)"),
    ("[sweep]\nzzzz = 3\n", "unknown setting 'zzzz' in [sweep]"),
    ("[sweeps]\nsteps = 3\n", "unknown table or key 'sweeps' (did you mean 'sweep'?)"),
    ("[param]\nn_users = 100\n", "unknown table or key 'param' (did you mean 'params'?)"),
    ("n_users = 100\n", "unknown table or key 'n_users'"),
    ("sweep = 3\n", "'sweep' and 'params' must be tables"),
    ("[params]\nn_compnies = [1, 2]\n", "unknown parameter 'n_compnies' in [params] (did you mean 'n_companies'?)"),
    ("[params]\nsocial_influence = { low = 0, high = 1, nun = 3 }\n", ("unknown key 'nun' in the range of "
                                                                     "'social_influence' (did you mean 'num'?)")),
    ('[sweep]\noutcomes = ["gin"]\n', "unknown metric 'gin' in outcomes (did you mean 'gini'?)"),
    ('[sweep]\noutcomes = ["a\\nb"]\n', "unknown metric 'a\\nb' in outcomes"),
    ("[sweep]\nsteps = 1979-05-27\n", "steps = datetime.date(1979, 5, 27) must be a whole number >= 0"),
    ("[sweep\n", "malformed TOML in sweep spec"),
])
def test_a_wrong_key_is_refused_with_did_you_mean_not_dropped(tmp_path, text, fragment):
    path = tmp_path / "spec.toml"
    path.write_text(text)
    with pytest.raises(SpecError) as error:
        SweepSpec.from_toml(path)
    assert fragment in str(error.value)
    assert "\n" not in str(error.value)


@pytest.mark.parametrize(("content", "fragment"), [
    (b"\xff\xfe[\x00s\x00w\x00", "is not UTF-8 text: byte 0 is invalid (it looks like UTF-16"),
    (bytes(range(256)), "is not UTF-8 text"),
    (b"[sweep]\nname = \"caf\xe9\"\n", "is not UTF-8 text"),
])
def test_a_binary_or_utf16_spec_is_refused_naming_the_file(tmp_path, content, fragment):
    path = tmp_path / "spec.toml"
    path.write_bytes(content)
    with pytest.raises(SpecError, match="sweep spec .*spec.toml") as error:
        SweepSpec.from_toml(path)
    assert fragment in str(error.value)


def test_missing_files_folders_and_other_sources_are_refused(tmp_path):
    with pytest.raises(SpecError, match="cannot read sweep spec .*missing.toml: No such file or directory"):
        load_spec(tmp_path / "missing.toml")
    with pytest.raises(SpecError, match="Is a directory"):
        load_spec(tmp_path)
    with pytest.raises(SpecError, match="a sweep spec is a TOML path, a mapping or a SweepSpec, not 3"):
        load_spec(3)
    with pytest.raises(SpecError, match="unknown setting 'replicate' in \\[sweep\\] \\(did you mean 'replicates'"):
        load_spec({"replicate": 2})


# ---------------------------------------------------------------------- numbers
@pytest.mark.parametrize(("spec", "fragment"), [
    ({"replicates": True}, "replicates = True must be a whole number >= 1"),
    ({"replicates": 2.0}, "replicates = 2.0 must be a whole number >= 1"),
    ({"replicates": 0}, "replicates = 0 must be a whole number >= 1"),
    ({"replicates": "3"}, "replicates = '3' must be a whole number >= 1"),
    ({"steps": -1}, "steps = -1 must be a whole number >= 0"),
    ({"steps": float("nan")}, "steps = nan must be a whole number >= 0"),
    ({"seed": -1}, "seed = -1 must be a whole number >= 0"),
    ({"seed": 2**63}, "seed = 9223372036854775808 must be a whole number <= 9,223,372,036,854,775,807"),
    ({"timeseries_every": -2}, "timeseries_every = -2 must be a whole number >= 0"),
    ({"design": "lhs", "samples": 1e9, "params": {"rewiring": RANGE}}, "samples = 1000000000.0 must be a whole"),
    ({"design": "lhs", "samples": True, "params": {"rewiring": RANGE}}, "samples = True must be a whole"),
    ({"design": "morris", "samples": 4, "levels": 1.5, "params": {"rewiring": RANGE}}, "levels = 1.5 must be a whole"),
    ({"design": "sobol", "samples": 8, "second_order": 1, "params": {"rewiring": RANGE}},
     "second_order = 1 must be true or false"),
    ({"design": "factorial"}, "unknown design 'factorial'"),
    ({"design": "gird"}, "unknown design 'gird' (did you mean 'grid'?)"),
    ({"params": {"social_influence": {"low": float("nan"), "high": 1, "num": 3}}},
     "low = nan in the range of 'social_influence' is not a finite number"),
    ({"params": {"social_influence": {"low": 0, "high": float("inf"), "num": 3}}},
     "high = inf in the range of 'social_influence' is not a finite number"),
    ({"params": {"social_influence": {"low": True, "high": 1, "num": 3}}}, "low = True in the range"),
    ({"params": {"social_influence": {"low": "0", "high": 1, "num": 3}}}, "low = '0' in the range"),
    ({"params": {"social_influence": {"low": 2, "high": 1, "num": 3}}}, "low = 2 is not below high = 1"),
    ({"params": {"social_influence": {"low": 1, "high": 1, "num": 3}}}, "low = 1 is not below high = 1"),
    ({"params": {"social_influence": {"low": 0, "high": 1, "num": 2.5}}}, "num = 2.5 in the range"),
    ({"params": {"social_influence": {"low": 0, "high": 1, "num": True}}}, "num = True in the range"),
    ({"params": {"social_influence": {"low": 0, "high": 1, "num": 1}}}, "num = 1 in the range"),
    ({"params": {"social_influence": {"low": 0, "high": 1, "step": 0}}}, "step = 0 in the range"),
    ({"params": {"social_influence": {"low": 0, "high": 1, "step": -0.1}}}, "step = -0.1 in the range"),
    ({"params": {"social_influence": {"low": 0, "high": 1, "step": float("inf")}}}, "step = inf in the range"),
    ({"params": {"social_influence": {"low": 0, "high": 1, "step": float("nan")}}}, "step = nan in the range"),
    ({"params": {"social_influence": {"low": 0, "high": 5, "step": 5e-324}}}, "makes more than 2^62 levels"),
    ({"params": {"social_influence": {"low": 0, "high": 9, "num": 3}}}, "'social_influence' = 9.0 is outside"),
    ({"params": {"social_influence": {"low": 0, "high": 1, "num": 3, "log": 1}}}, "log = 1 in the range"),
    ({"params": {"social_influence": {"low": 0, "high": 1, "num": 3, "log": True}}}, "log range of"),
    ({"params": {"network": {"low": 0, "high": 1, "num": 3}}}, "'network' is not numeric"),
    ({"params": {"n_users": []}}, "'n_users' has an empty list of values"),
    ({"params": {"n_users": [100, 100.0]}}, "lists the value 100 twice"),
    ({"params": {"n_users": 1.5}}, "'n_users' = 1.5 must be a whole number"),
    ({"params": {"n_users": float("nan")}}, "'n_users' = nan must be finite"),
    ({"params": {"format_mix": {"dialogue": float("inf")}}}, "share for 'dialogue' = inf must be a finite number"),
    ({"params": "n_users"}, "params must be a table"),
    ({"max_runs": 0}, "max_runs = 0 must be a whole number >= 1"),
    ({"max_runs": HARD_MAX_RUNS + 1}, "max_runs = 1000000001 must be a whole number <= 1,000,000,000"),
])
def test_bad_numbers_are_refused_naming_the_key(spec, fragment):
    refused(fragment, **spec)


# ---------------------------------------------------------------------- size limit
@pytest.mark.parametrize(("spec", "runs"), [
    ({"replicates": 1_000_000_000_000}, "1,000,000,000,000 runs (1 point, x 1,000,000,000,000 replicates)"),
    ({"design": "lhs", "samples": 1_000_000_000, "params": {"rewiring": RANGE}},
     "1,000,000,000 runs (1,000,000,000 points of design 'lhs' from samples = 1,000,000,000, x 1 replicates)"),
    ({"params": {"social_influence": {"low": 0, "high": 1, "step": 1e-12}}}, "1,000,000,000,001 runs"),
    ({"params": {"social_influence": {"low": 0, "high": 1, "num": 1000}, "rewiring": {"low": 0, "high": 1, "num": 1000},
                 "n_companies": {"low": 1, "high": 1000, "num": 1000}}},
     ("1,000,000,000 runs (1,000 x 1,000 x 1,000 levels of social_influence, rewiring, n_companies = 1,000,000,000 "
     "points, x 1 replicates)")),
    ({"params": {"social_influence": {"low": 0, "high": 1, "num": 10**18}}}, "1,000,000,000,000,000,000 runs"),
    ({"design": "sobol", "samples": 2**22, "params": {"rewiring": RANGE}}, "12,582,912 runs"),
    ({"design": "morris", "samples": 10**7, "params": {"rewiring": RANGE}}, "20,000,000 runs"),
    ({"params": {"n_users": list(range(100, 200)), "n_companies": list(range(1, 101))}, "replicates": 1001},
     "10,010,000 runs"),
])
def test_designs_above_the_limit_are_refused_with_the_run_count_and_a_hint_before_anything_is_built(spec, runs):
    message = refused(runs, **spec)
    assert f"above the limit of {MAX_RUNS:,} runs; use " in message
    assert "or set max_runs in [sweep] to allow it" in message


def test_max_runs_raises_the_limit_on_purpose_and_is_kept_in_the_spec():
    spec = SweepSpec(replicates=20_000_000, max_runs=20_000_000)
    assert spec.n_runs == 20_000_000
    assert SweepSpec.from_dict(spec.to_dict()) == spec
    assert "max_runs" not in SweepSpec().to_dict()  # specs without it keep their old form
    refused("20,000,001 runs", replicates=20_000_001, max_runs=20_000_000)
    message = refused("above the limit of 1,000,000,000 runs", replicates=2 * HARD_MAX_RUNS, max_runs=HARD_MAX_RUNS)
    assert "max_runs" not in message  # nothing more to raise


def test_a_sampled_design_may_not_hold_more_values_than_ten_per_allowed_run():
    params = {f"depth_{fmt}": RANGE for fmt in ("advertising", "dialogue", "brand_community", "topic_community")}
    params |= {f"reach_{fmt}": RANGE for fmt in ("advertising", "dialogue", "brand_community", "topic_community")}
    params |= {f"cost_{fmt}": {"low": 0.5, "high": 2.0} for fmt in ("advertising", "dialogue", "brand_community")}
    refused("104,500,000 values (9,500,000 points x 11 parameters), above the limit of 100,000,000", design="lhs",
            samples=9_500_000, params=params)


def test_the_limit_is_exact_at_the_boundary():
    assert SweepSpec(replicates=MAX_RUNS).n_runs == MAX_RUNS
    refused(f"{MAX_RUNS + 1:,} runs", replicates=MAX_RUNS + 1)


def test_a_range_is_counted_exactly_as_it_is_expanded():
    spec = SweepSpec(params={"social_influence": {"low": 0, "high": 1, "step": 0.1},
                             "n_companies": {"low": 1, "high": 3, "step": 0.5}})
    assert spec.factors["social_influence"].values == tuple(float(x) for x in 0.1 * np.arange(11))
    assert spec.factors["n_companies"].values == (1, 2, 3)  # rounding merged neighbours
    assert spec.n_points == 33


def test_numpy_integers_are_plain_ints_in_the_spec():
    spec = SweepSpec(replicates=np.int64(3), steps=np.int32(5), seed=np.uint64(7), timeseries_every=np.int8(1))
    for name in ("replicates", "steps", "seed", "timeseries_every"):
        assert type(getattr(spec, name)) is int
    assert SweepSpec.from_dict(spec.to_dict()) == spec


def test_a_design_refuses_a_bad_root_seed():
    spec = SweepSpec(design="lhs", samples=4, params={"rewiring": RANGE})
    for seed in (-1, 1.5, "1", True):
        with pytest.raises(SpecError, match="root seed .* must be a whole number >= 0"):
            Design(spec, seed)
    assert Design(spec, np.int64(3)).matrix.shape == (4, 1)
