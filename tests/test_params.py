"""Params: one typed, frozen record with defaults, ranges and clear errors."""

import dataclasses
import pickle

import numpy as np
import pytest

from model import FORMATS, EngagementModel, Params
from model.formats import FORMAT_ATTRIBUTES, FORMAT_INDEX, format_param, format_table, uniform_format_table
from model.params import PARAM_NAMES, format_shares

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
