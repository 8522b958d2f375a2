"""Params: one typed, frozen record with defaults, ranges and clear errors."""

import dataclasses

import pytest

from model import EngagementModel, Params
from model.params import PARAM_NAMES, format_shares

REQUIRED = ["n_users", "n_companies", "attention_budget", "engagement_slots", "social_influence", "format_mix",
            "profiling", "participation", "reach_decay", "exit_enabled", "entry_rate", "strategy_focus",
            "adaptation", "network"]


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


def test_odd_documents_every_parameter():
    """docs/ODD.md must stay true: its parameter table lists every parameter with its default."""
    from pathlib import Path

    odd = (Path(__file__).parent.parent / "docs" / "ODD.md").read_text()
    for row in Params.describe():
        assert f"| `{row['name']}` | {row['default']} |" in odd, row["name"]
