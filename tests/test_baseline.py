"""Regression baseline: seeded runs compared against the committed tests/baseline.json.

A change that alters results on purpose (a new rule, a new random stream) refreshes the file
with ``make baseline`` and says so in its commit; any other change must leave it untouched.
Compared with a relative tolerance of 1e-9, so that only a change of behaviour, not a last-bit
difference of floating-point summation, fails the test.
"""

import json
import sys
from pathlib import Path

import pytest

from model import simulate

BASELINE = Path(__file__).with_name("baseline.json")
CASES = {
    "defaults": {},
    "crowded_strong_feedback": {"n_companies": 100, "social_influence": 2.0},
    "communities_profiling": {"format_mix": "uniform", "profiling": 1.0, "participation": 1.0, "adaptation": 0.5},
    "scale_free_reference_engine": {"network": "scale_free", "engine": "agents", "n_users": 400},
}
RUN = {"steps": 50, "seed": 20261129}


def compute() -> dict[str, dict]:
    out = {}
    for name, overrides in CASES.items():
        kwargs = {"n_users": 1000, "n_companies": 30, **overrides}
        out[name] = simulate(**RUN, **kwargs).summary
    return out


@pytest.mark.parametrize("case", list(CASES))
def test_results_match_the_committed_baseline(case):
    stored = json.loads(BASELINE.read_text())[case]
    kwargs = {"n_users": 1000, "n_companies": 30, **CASES[case]}
    summary = simulate(**RUN, **kwargs).summary
    assert set(summary) == set(stored)
    for key, value in stored.items():
        assert summary[key] == pytest.approx(value, rel=1e-9, abs=1e-12), (case, key)


if __name__ == "__main__":
    if "--refresh" not in sys.argv:
        sys.exit("usage: python tests/test_baseline.py --refresh   (rewrites tests/baseline.json)")
    BASELINE.write_text(json.dumps(compute(), indent=2, sort_keys=True) + "\n")
    print(f"wrote {BASELINE}")
