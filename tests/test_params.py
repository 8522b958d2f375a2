"""Params: one typed, frozen record with defaults, ranges and clear errors."""

import copy
import dataclasses
import json
import math
import pickle

import cloudpickle
import numpy as np
import pytest

from model import FORMATS, EngagementModel, Params, simulate
from model.formats import FORMAT_ATTRIBUTES, FORMAT_INDEX, format_param, format_table, uniform_format_table
from model.params import PARAM_NAMES, ParameterError, check_seed, did_you_mean, format_shares

REQUIRED = ["n_users", "n_companies", "attention_budget", "engagement_slots", "social_influence", "format_mix",
            "profiling", "participation", "reach_decay", "exit_enabled", "entry_rate", "strategy_focus",
            "adaptation", "network", "outside_option", "attention_need", "initial_bond", "runway_spread",
            "maturity_age", "social_baseline"]


def test_required_names_exist_with_metadata():
    rows = {row["name"]: row for row in Params.describe()}
    for name in REQUIRED:
        assert name in rows
        assert rows[name]["meaning"]
        assert rows[name]["range"]
    assert len(rows) == len(PARAM_NAMES)


def test_defaults_are_valid_and_frozen():
    p = Params()
    with pytest.raises(dataclasses.FrozenInstanceError):
        p.n_users = 10  # type: ignore[misc]
    assert Params(**p.to_dict()) == p


@pytest.mark.parametrize(("name", "value", "fragment"), [
    ("n_users", 5, "'n_users' = 5 is outside the allowed range [100, 1e+07]"),
    ("social_influence", -0.5, "'social_influence' = -0.5 is outside the allowed range [0, 5]"),
    ("engagement_slots", 2.5, "'engagement_slots' = 2.5 must be a whole number"),
    ("attention_budget", float("nan"), "'attention_budget' = nan must be finite"),
    ("network", "ring", "'network' = 'ring' is not one of small_world, scale_free, none"),
    ("format_mix", "advertisment", "did you mean 'advertising'?"),
    ("format_mix", {"podcasts": 1.0}, "unknown format 'podcasts'"),
    ("format_mix", {"dialogue": 0.0}, "must not all be zero"),
    ("exit_enabled", 3, "'exit_enabled' = 3 must be true or false"),
    ("n_companies", "many", "'n_companies' = 'many' is not a number"),
])
def test_invalid_values_name_parameter_value_and_range(name, value, fragment):
    with pytest.raises(ValueError, match=name) as error:
        Params(**{name: value})
    assert fragment in str(error.value)


def test_unknown_name_suggests_the_closest():
    with pytest.raises(ValueError, match="unknown parameter 'social_influense'; did you mean 'social_influence'"):
        Params.create({"social_influense": 1})
    with pytest.raises(ValueError, match="unknown parameter 'n_compnies'; did you mean 'n_companies'"):
        EngagementModel(n_compnies=3)


def test_strings_from_the_command_line_are_converted():
    p = Params(n_users="1000", social_influence="1.5", exit_enabled="false")
    assert (p.n_users, p.social_influence, p.exit_enabled) == (1000, 1.5, False)


def test_from_toml_top_level_and_params_table(tmp_path):
    flat = tmp_path / "flat.toml"
    flat.write_text('n_companies = 80\nformat_mix = "dialogue"\n')
    assert Params.from_toml(flat).n_companies == 80
    nested = tmp_path / "nested.toml"
    nested.write_text('[params]\nsocial_influence = 2.0\n[params.format_mix]\ndialogue = 1\nadvertising = 3\n')
    p = Params.from_toml(nested)
    assert p.social_influence == 2.0
    assert format_shares(p.format_mix)["advertising"] == pytest.approx(0.75)
    bad = tmp_path / "bad.toml"
    bad.write_text("n_users = [\n")
    with pytest.raises(ValueError, match="malformed TOML"):
        Params.from_toml(bad)
    with pytest.raises(ValueError, match="cannot read"):
        Params.from_toml(tmp_path / "missing.toml")


def test_format_mix_mapping_is_read_only_and_hashable():
    p = Params(format_mix={"dialogue": 1.0})
    assert hash(p) == hash(Params(format_mix={"dialogue": 1.0}))
    with pytest.raises(TypeError):
        p.format_mix["advertising"] = 1.0
    assert p.to_dict()["format_mix"] == {"dialogue": 1.0}


def test_format_shares_normalise():
    assert sum(format_shares("article").values()) == pytest.approx(1.0)
    assert format_shares("dialogue")["dialogue"] == 1.0
    assert set(format_shares("uniform").values()) == {0.2}


def test_new_parameters_of_issue_9_have_their_defaults_and_ranges():
    p = Params()
    assert (p.outside_option, p.attention_need, p.initial_bond, p.runway_spread, p.maturity_age) == (
        2.0, 0.02, 0.5, 0.5, 25)
    assert p.social_baseline == 1.0  # a pseudo-count in users: the classic Polya start
    rows = {row["name"]: row for row in Params.describe()}
    assert rows["social_baseline"]["unit"] == "users"
    for name, bad in (("initial_bond", 1.5), ("runway_spread", -0.1), ("maturity_age", 0), ("outside_option", -1.0),
                      ("attention_need", -0.01)):
        with pytest.raises(ValueError, match=f"'{name}' = .* is outside the allowed range"):
            Params(**{name: bad})


def test_social_sample_is_gone():
    assert "social_sample" not in PARAM_NAMES
    with pytest.raises(ValueError, match="unknown parameter 'social_sample'"):
        Params.create({"social_sample": 3})


def test_the_format_table_is_35_parameters_with_the_defaults_of_model_formats():
    names = [format_param(attribute, fmt.name) for attribute in FORMAT_ATTRIBUTES for fmt in FORMATS]
    assert len(names) == len(set(names)) == 35
    assert set(names) <= set(PARAM_NAMES)
    p = Params()
    for attribute in FORMAT_ATTRIBUTES:
        for fmt in FORMATS:
            assert getattr(p, format_param(attribute, fmt.name)) == getattr(fmt, attribute)
    assert format_param("depth", "dialogue") == "depth_dialogue"
    with pytest.raises(ValueError, match="'participation_dialogue' = 1.5 is outside the allowed range"):
        Params(participation_dialogue=1.5)


def test_format_table_cells_are_reachable_from_toml_and_replace(tmp_path):
    spec = tmp_path / "formats.toml"
    spec.write_text("[params]\ndepth_dialogue = 0.9\ncost_advertising = 2.0\n")
    p = Params.from_toml(spec)
    table = format_table(p)
    assert table["depth"][FORMAT_INDEX["dialogue"]] == 0.9
    assert table["cost"][FORMAT_INDEX["advertising"]] == 2.0
    assert table["depth"][FORMAT_INDEX["advertising"]] == FORMATS[FORMAT_INDEX["advertising"]].depth
    assert format_table(p.replace(reach_topic_community=0.7))["reach"][FORMAT_INDEX["topic_community"]] == 0.7
    # the model reads the table from its parameters
    model = EngagementModel(n_users=200, n_companies=3, depth_dialogue=0.9)
    assert model.formats["depth"][FORMAT_INDEX["dialogue"]] == 0.9


def test_uniform_format_table_makes_every_format_the_share_weighted_mean():
    shares = format_shares("article")
    table = format_table(Params(**uniform_format_table(shares)))
    for attribute in FORMAT_ATTRIBUTES:
        mean = sum(shares[f.name] * getattr(f, attribute) for f in FORMATS)
        np.testing.assert_allclose(table[attribute], mean, rtol=1e-12)


def test_params_with_a_format_mix_mapping_pickle():
    p = Params(format_mix={"dialogue": 1.0, "advertising": 3.0}, depth_dialogue=0.8)
    again = pickle.loads(pickle.dumps(p))
    assert again == p
    assert hash(again) == hash(p)
    with pytest.raises(TypeError):
        again.format_mix["dialogue"] = 2.0


def test_odd_documents_every_parameter():
    """docs/ODD.md must stay true: its parameter table lists every parameter with its default."""
    from pathlib import Path

    odd = (Path(__file__).parent.parent / "docs" / "ODD.md").read_text()
    for row in Params.describe():
        assert f"| `{row['name']}` | {row['default']} |" in odd, row["name"]


# ====================================================================== issue 10: hostile input to the Python API


@pytest.mark.parametrize("seed", ["abc", 1.5, float("nan"), float("inf"), object(), True, np.bool_(False), [1], b"1",
                                  np.float64(2.0)])
def test_simulate_refuses_a_seed_of_the_wrong_kind_naming_seed(seed):
    with pytest.raises(TypeError, match=r"^seed = .* must be a whole number >= 0, None, a numpy") as error:
        simulate(steps=0, seed=seed, n_users=100, n_companies=2)
    assert isinstance(error.value, ValueError)  # the command line reports it as one line too
    assert "\n" not in str(error.value)


@pytest.mark.parametrize("seed", [-1, np.int64(-5), -(2**70)])
def test_simulate_refuses_a_negative_seed_naming_seed(seed):
    with pytest.raises(ValueError, match=r"^seed = -\d+ must be a whole number >= 0$"):
        simulate(steps=0, seed=seed, n_users=100, n_companies=2)


def test_simulate_takes_numpy_integers_seed_sequences_and_generators():
    plain = simulate(steps=3, seed=7, n_users=100, n_companies=3)
    for seed in (np.int64(7), np.uint8(7), np.int32(7)):
        again = simulate(steps=3, seed=seed, n_users=100, n_companies=3)
        assert again.summary == plain.summary
        assert type(again.summary["seed"]) is int  # a plain int: it goes into JSON
    from_sequence = simulate(steps=3, seed=np.random.SeedSequence(7), n_users=100, n_companies=3)
    assert "\n" not in from_sequence.summary["seed"]
    generator = simulate(steps=3, seed=np.random.default_rng(7), n_users=100, n_companies=3)
    assert generator.summary["steps"] == 3
    assert check_seed(None) is None
    assert check_seed(2**70) == 2**70  # SeedSequence takes any non-negative integer


def test_simulate_refuses_rng_and_other_unknown_arguments_by_name():
    with pytest.raises(TypeError, match=r"seed=\.\.\., not rng="):
        simulate(steps=0, rng=3)
    with pytest.raises(ValueError, match=r"^unknown parameter 'sed'; did you mean 'seed'\?$"):
        simulate(steps=0, sed=3)
    with pytest.raises(ValueError, match=r"^unknown parameter 'n_user'; did you mean 'n_users'\?$"):
        simulate(steps=0, n_user=300)
    for steps in (-1, 1.5, "3", True, None):
        with pytest.raises(ValueError, match=r"^steps = .* must be a whole number >= 0$"):
            simulate(steps=steps)


def test_params_of_simulate_may_be_a_dict_of_overrides_but_not_a_string():
    from_dict = simulate({"n_users": 150, "n_companies": 3}, steps=2, seed=1, social_influence=2.0)
    from_params = simulate(Params(n_users=150, n_companies=3, social_influence=2.0), steps=2, seed=1)
    assert from_dict.summary == from_params.summary
    assert from_dict.params == from_params.params
    with pytest.raises(ValueError, match=r"^unknown parameter 'n_usres'; did you mean 'n_users'\?$"):
        simulate({"n_usres": 150}, steps=0)
    for wrong in ("n_users=150", 3, ["n_users"], Params):
        with pytest.raises(TypeError, match=r"^params = .* must be a Params, a dict of parameter values or None$"):
            simulate(wrong, steps=0)


def test_params_with_an_unknown_name_suggest_the_closest_like_the_command_line():
    for build in (lambda: Params(social_influense=1.0), lambda: Params().replace(social_influense=1.0),
                  lambda: Params.create({"social_influense": 1.0})):
        with pytest.raises(ValueError, match=r"^unknown parameter 'social_influense'; did you mean "
                                             r"'social_influence'\?$") as error:
            build()
        assert isinstance(error.value, TypeError)  # what Python raised before for an unexpected keyword
    with pytest.raises(ParameterError, match=r"^unknown parameter 'foo'; see 'engagement params'$"):
        Params(foo=1)
    assert did_you_mean("n_compnies", ["n_companies", "n_users"]) == "n_companies"
    assert did_you_mean("zzz", ["n_companies"]) is None
    with pytest.raises(TypeError, match="overrides = 'n_users' must be a mapping"):
        Params.create("n_users")


def test_numpy_scalars_become_plain_python_values():
    p = Params(exit_enabled=np.bool_(False), n_users=np.int64(300), social_influence=np.float32(1.5),
               network=np.str_("none"), format_mix={np.str_("dialogue"): np.int64(2), "advertising": np.float64(1.0)})
    assert p.exit_enabled is False
    assert [type(p.n_users), type(p.social_influence), type(p.network)] == [int, float, str]
    assert p.format_mix == {"dialogue": 2.0, "advertising": 1.0}
    assert all(type(key) is str and type(share) is float for key, share in p.format_mix.items())
    assert json.loads(json.dumps(p.to_dict())) == p.to_dict()
    assert pickle.loads(pickle.dumps(p)) == p
    for bad in (np.int64(2), np.float64(0.5), "maybe", None):
        with pytest.raises(ValueError, match="'exit_enabled' = .* must be true or false"):
            Params(exit_enabled=bad)


@pytest.mark.parametrize(("mix", "fragment"), [
    ({"dialogue": float("inf")}, "share for 'dialogue' = inf must be a finite number >= 0"),
    ({"dialogue": float("nan")}, "share for 'dialogue' = nan must be a finite number >= 0"),
    ({"dialogue": -1.0}, "share for 'dialogue' = -1.0 must be a finite number >= 0"),
    ({"dialogue": 10**400}, "share for 'dialogue' = inf must be a finite number >= 0"),
    ({"dialogue": 0, "advertising": 0.0}, "shares must not all be zero"),
    ({}, "shares must not all be zero"),
    ({"dialogue": True}, "share for 'dialogue' = True is not a number"),
    ({"dialogue": "lots"}, "share for 'dialogue' = 'lots' is not a number"),
    ({"dialog": 1.0}, "unknown format 'dialog' (did you mean 'dialogue'?)"),
    ({1: 1.0}, "unknown format 1;"),
    (["dialogue"], "must be a format name or a mapping of shares"),
    (3, "must be a format name or a mapping of shares"),
])
def test_format_mix_shares_that_are_not_finite_non_negative_numbers_are_refused(mix, fragment):
    with pytest.raises(ValueError, match="format_mix") as error:
        Params(format_mix=mix)
    assert fragment in str(error.value)
    assert "\n" not in str(error.value)


def test_huge_format_mix_shares_are_normalised_safely():
    huge = Params(n_users=200, n_companies=20, format_mix={"dialogue": 1e308, "advertising": 1e308})
    assert format_shares(huge.format_mix) == format_shares({"dialogue": 1.0, "advertising": 1.0})
    assert all(math.isfinite(share) for share in format_shares({"dialogue": 1e308, "advertising": 5e-324}).values())
    same = simulate(huge, steps=2, seed=3).summary
    assert same == simulate(huge.replace(format_mix={"dialogue": 2.0, "advertising": 2.0}), steps=2, seed=3).summary


def test_params_with_a_dict_format_mix_copy_pickle_and_cloudpickle_equal_and_stay_read_only():
    p = Params(format_mix={"dialogue": 1.0, "advertising": 3.0}, depth_dialogue=0.8)
    copies = [copy.copy(p), copy.deepcopy(p), cloudpickle.loads(cloudpickle.dumps(p)),
              *(pickle.loads(pickle.dumps(p, protocol=protocol)) for protocol in range(pickle.HIGHEST_PROTOCOL + 1))]
    for again in copies:
        assert again == p
        assert hash(again) == hash(p)
        assert type(again.format_mix) is type(p.format_mix)
        for mutate in (lambda m: m.__setitem__("dialogue", 2.0), lambda m: m.update(dialogue=2.0),
                       lambda m: m.pop("dialogue"), lambda m: m.clear(), lambda m: m.__ior__({"dialogue": 2.0})):
            with pytest.raises(TypeError, match="read-only"):
                mutate(again.format_mix)
    assert copy.deepcopy({"mix": p.format_mix})["mix"] == p.format_mix
    with pytest.raises(dataclasses.FrozenInstanceError):
        p.format_mix = "article"  # type: ignore[misc]
    assert len({p, copy.deepcopy(p)}) == 1


def test_strings_and_numbers_at_the_edges_are_refused_naming_the_parameter():
    assert Params(n_users="1e3").n_users == 1000
    for name, value, fragment in (("n_users", "1e3.5", "is not a number"), ("attention_budget", 10**400, "too large"),
                                  ("attention_budget", "inf", "must be finite"), ("n_users", "nan", "must be finite"),
                                  ("n_users", [100], "is not a number"), ("n_users", None, "is not a number"),
                                  ("network", "smallworld", "did you mean 'small_world'?"),
                                  ("network", ["none"], "is not one of"), ("engine", None, "is not one of")):
        with pytest.raises(ValueError, match=f"'{name}'") as error:
            Params(**{name: value})
        assert fragment in str(error.value)


# ---------------------------------------------------------------------- Params.from_toml: one line naming the file
@pytest.mark.parametrize(("content", "fragment"), [
    (b"\x00\x01\x02\xff\xfe binary", "is not UTF-8 text"),
    ("n_users = 100\n".encode("utf-16"), "is not UTF-8 text: byte 0 is invalid (it looks like UTF-16"),
    ("n_users = 100 # caf\u00e9\n".encode("latin-1"), "is not UTF-8 text"),
    (b"n_users = [\n", "malformed TOML in parameter file"),
    (b"n_users = 100\nn_users = 200\n", "malformed TOML"),
    (b"n_users = \x00\n", "malformed TOML"),
    (b"[sweep]\nreplicates = 2\n[params]\nn_users = 100\n", "is a sweep specification (it has a [sweep] table)"),
    (b"[params]\nn_users = 100\n[sweep]\nsteps = 1\n", "run it with 'engagement sweep "),
    (b"params = 3\n", "'params' must be a table"),
    (b"n_users = 100\n[params]\nn_companies = 3\n", "'n_users' is outside the [params] table"),
    (b"n_usres = 100\n", "unknown parameter 'n_usres'; did you mean 'n_users'?"),
    (b"n_users = 1979-05-27\n", "'n_users' = datetime.date(1979, 5, 27) is not a number"),
    (b"[params]\nformat_mix = {dialogue = -1}\n", "must be a finite number >= 0"),
])
def test_from_toml_refuses_a_bad_file_in_one_line_naming_it(tmp_path, content, fragment):
    path = tmp_path / "config.toml"
    path.write_bytes(content)
    with pytest.raises(ValueError) as error:
        Params.from_toml(path)
    message = str(error.value)
    assert fragment in message
    assert str(path) in message
    assert "\n" not in message


def test_from_toml_refuses_missing_files_folders_and_huge_files_naming_them(tmp_path):
    for path, fragment in ((tmp_path / "missing.toml", "No such file or directory"), (tmp_path, "Is a directory"),
                           ("", "give the path of a TOML file")):
        with pytest.raises(ValueError, match="cannot read parameter file|give the path") as error:
            Params.from_toml(path)
        assert fragment in str(error.value)
    with pytest.raises(ValueError, match="is larger than 10 MB"):
        Params.from_toml("/dev/zero")
    odd = tmp_path / "odd\nname.toml"
    odd.write_bytes(b"n_users = [\n")
    with pytest.raises(ValueError, match=r"odd\\nname.toml") as error:
        Params.from_toml(odd)
    assert "\n" not in str(error.value)


@pytest.mark.parametrize("rng", [-1, 1.5, float("nan"), object(), "abc"])
def test_engagement_model_names_rng_for_a_bad_seed(rng):
    with pytest.raises((ValueError, TypeError), match="^rng = "):
        EngagementModel(n_users=100, n_companies=2, rng=rng)


def test_engagement_model_takes_a_numpy_integer_rng():
    model = EngagementModel(n_users=100, n_companies=2, rng=np.int64(3))
    assert model.companies_frame().equals(EngagementModel(n_users=100, n_companies=2, rng=3).companies_frame())


def test_engagement_model_takes_a_dict_of_params_like_simulate():
    assert EngagementModel({"n_users": 150, "n_companies": 2}, rng=1).p == Params(n_users=150, n_companies=2)
    with pytest.raises(TypeError, match="^params = 'x' must be a Params"):
        EngagementModel("x", rng=1)
