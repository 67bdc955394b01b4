"""Every registered rule kind passes the rule-kind conformance check, and the check can fail."""

from __future__ import annotations

import pytest

from assay.errors import ConfigError
from assay.gates import ThresholdParameters, get_rule_kind, list_rule_kinds
from assay.testing import check_rule_kind

# the kinds assay registers itself; other test modules register throw-away kinds of their own
BUILT_IN = [n for n in list_rule_kinds() if type(get_rule_kind(n)).__module__.startswith("assay.")]


def test_the_built_in_kinds_are_all_there() -> None:
    assert {"threshold", "non_inferiority", "superiority", "no_regression", "budget"} <= set(
        BUILT_IN
    )
    assert {"max_error_rate", "coverage"} <= set(BUILT_IN)


@pytest.mark.parametrize("name", BUILT_IN)
def test_every_built_in_rule_kind_conforms(name: str) -> None:
    judged = check_rule_kind(name)
    assert set(judged) == {"better", "worse", "uncertain"}
    assert judged["worse"].outcome == "fail"


def test_a_kind_is_found_by_its_class_too() -> None:
    kind = get_rule_kind("superiority")
    assert check_rule_kind(type(kind))["better"].outcome == "pass"
    assert check_rule_kind(kind)["uncertain"].outcome == "inconclusive"


def test_a_wrong_expectation_fails_the_check() -> None:
    # a ceiling of 0.5 fails a candidate at 0.9: the check must say so, not pass
    with pytest.raises(AssertionError, match="threshold on the better case: expected 'pass'"):
        check_rule_kind(
            "threshold",
            params={"max": 0.5},
            expected={"better": "pass", "worse": "fail", "uncertain": "inconclusive"},
        )


def test_an_unregistered_or_unknown_kind_is_refused() -> None:
    class Unregistered:
        parameters = ThresholdParameters
        uses_metric = True
        allows_slice = True
        fixed_metric = None

    with pytest.raises(AssertionError, match="is not registered"):
        check_rule_kind(Unregistered)
    with pytest.raises(ConfigError, match="No rule kind is registered as 'nope'"):
        check_rule_kind("nope")
