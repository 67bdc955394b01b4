"""The scenario registry: what it accepts, and every bad input refused with one clear error
naming the file, line and column."""

from __future__ import annotations

import math
import re

import pytest

from assay.errors import ConfigError
from assay.governance import parse_coverage_registry

GOOD = """\
half_width: 0.04
scenarios:
  - name: women applicants
    weight: 3
    owner: fairness team
    covered_by:
      - suite: adult-income
        slice: sex = Female
        metric: accuracy
      - suite: adult-income
  - name: older applicants
    weight: 1
    proportion: 0.8
    half_width: 0.1
  - name: latency-sensitive
    weight: 0
    sd: 12.5
"""


def test_a_registry_reads_with_defaults_and_overrides():
    registry = parse_coverage_registry(GOOD, source="coverage.yaml")
    women, older, latency = registry.scenarios
    assert registry.confidence == 0.95 and registry.source == "coverage.yaml"
    assert (women.name, women.weight, women.owner, women.half_width) == (
        "women applicants",
        3.0,
        "fairness team",
        0.04,
    )
    first, whole = women.covered_by
    assert (first.suite, first.attribute, first.value, first.metric) == (
        "adult-income",
        "sex",
        "Female",
        "accuracy",
    )
    assert first.where == ("coverage.yaml", 7, 9)
    assert whole.attribute is None and whole.label == "adult-income"
    assert (older.proportion, older.half_width, older.covered_by) == (0.8, 0.1, ())
    assert latency.sd == 12.5 and latency.weight == 0.0 and latency.proportion is None


BAD = [
    ("unknown top key", "scenario:\n  - name: a\n", "line 1: unknown key 'scenario'"),
    (
        "unknown scenario key",
        "scenarios:\n  - name: a\n    wieght: 1\n",
        "line 3: unknown key 'wieght' in scenario 1",
    ),
    (
        "unknown mapping key",
        "scenarios:\n  - name: a\n    weight: 1\n    covered_by:\n      - suite: s\n"
        "        slices: x=y\n",
        "line 6: unknown key 'slices'",
    ),
    (
        "negative weight",
        "scenarios:\n  - name: a\n    weight: -0.5\n",
        "line 3: 'weight' of scenario 'a' is at least 0. Got -0.5",
    ),
    (
        "infinite weight",
        "scenarios:\n  - name: a\n    weight: .inf\n",
        "line 3: 'weight' of scenario 'a' is a finite number",
    ),
    (
        "text weight",
        "scenarios:\n  - name: a\n    weight: lots\n",
        "'weight' of scenario 'a' is a finite number. Got 'lots'",
    ),
    ("boolean weight", "scenarios:\n  - name: a\n    weight: true\n", "is a finite number"),
    ("no weight", "scenarios:\n  - name: a\n", "line 2: scenario 'a' has no 'weight'"),
    (
        "all weights zero",
        "scenarios:\n  - name: a\n    weight: 0\n",
        "line 1: the weights add up to 0",
    ),
    ("no name", "scenarios:\n  - weight: 1\n", "line 2: 'name' of scenario 1"),
    (
        "a name twice",
        "scenarios:\n  - name: a\n    weight: 1\n  - name: a\n    weight: 2\n",
        "line 4: the scenario name 'a' is used twice",
    ),
    (
        "slice without a value",
        "scenarios:\n  - name: a\n    weight: 1\n    covered_by:\n      - suite: s\n"
        "        slice: sex\n",
        "line 6: 'slice' of scenario 'a', covered_by[0] is 'attribute=value'",
    ),
    (
        "proportion out of range",
        "scenarios:\n  - name: a\n    weight: 1\n    proportion: 1.5\n",
        "'proportion' of scenario 'a' is in (0, 1). Got 1.5",
    ),
    (
        "proportion and sd",
        "scenarios:\n  - name: a\n    weight: 1\n    proportion: 0.5\n    sd: 2\n",
        "gives 'proportion' or 'sd', not both",
    ),
    (
        "zero half-width",
        "half_width: 0\nscenarios:\n  - name: a\n    weight: 1\n",
        "line 1: 'half_width' of the registry is in (0, inf)",
    ),
    ("no scenarios", "scenarios: []\n", "'scenarios' is a non-empty list"),
    ("not a mapping", "- a\n- b\n", "a coverage registry is a mapping"),
    ("empty", "", "a coverage registry is a mapping"),
    (
        "covered_by not a list",
        "scenarios:\n  - name: a\n    weight: 1\n    covered_by: adult\n",
        "'covered_by' of scenario 'a' is a list",
    ),
    (
        "suite not text",
        "scenarios:\n  - name: a\n    weight: 1\n    covered_by:\n      - suite: [1]\n",
        "'suite' of scenario 'a', covered_by[0] is non-empty text",
    ),
    ("deep", "scenarios: " + "[" * 50 + "]" * 50 + "\n", "nested more than 12 levels deep"),
    ("duplicate key", "scenarios: []\nscenarios: []\n", "line 2: the key 'scenarios'"),
    ("python tag", "scenarios: !!python/name:os.system x\n", "the tag"),
]


@pytest.mark.parametrize(("case", "text", "message"), BAD, ids=[c[0] for c in BAD])
def test_bad_registries_are_refused_naming_file_line_and_column(case, text, message):
    with pytest.raises(ConfigError) as err:
        parse_coverage_registry(text, source="reg.yaml")
    assert str(err.value).startswith("reg.yaml"), err.value
    assert message in str(err.value), err.value
    if "line " in message:
        assert re.search(r"\(column \d+\)\.?$", str(err.value)), err.value


def test_a_huge_registry_is_refused_before_parsing():
    huge = "scenarios:\n" + "  - {name: x, weight: 1}\n" * 200_000
    with pytest.raises(ConfigError, match=r"reg\.yaml: larger than 4,194,304 bytes"):
        parse_coverage_registry(huge.encode(), source="reg.yaml")


@pytest.mark.slow
def test_too_many_scenarios_are_refused():
    many = "scenarios:\n" + "".join(f"  - {{name: s{i}, weight: 1}}\n" for i in range(10_001))
    with pytest.raises(ConfigError, match="at most 10,000 scenarios"):
        parse_coverage_registry(many, source="reg.yaml")


def test_a_long_bad_value_is_quoted_short():
    text = "scenarios:\n  - name: a\n    weight: '" + "9" * 100_000 + "'\n"
    with pytest.raises(ConfigError) as err:
        parse_coverage_registry(text)
    assert len(str(err.value)) < 400 and "(100,000 characters)" in str(err.value)


def test_weights_need_not_add_up_to_one():
    registry = parse_coverage_registry(
        "scenarios:\n  - {name: a, weight: 30}\n  - {name: b, weight: 10}\n"
    )
    assert [s.weight for s in registry.scenarios] == [30.0, 10.0]
    assert not any(math.isnan(s.weight) for s in registry.scenarios)
