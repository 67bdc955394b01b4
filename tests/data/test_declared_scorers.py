"""The ranges ingest checks scores against are the ranges the built-in scorers produce."""

from __future__ import annotations

import itertools
import math

import pytest

from assay.data._declared import scorer_range
from assay.metrics import get_scorer, list_scorers

PAIRS = {
    "exact_match": (["a", "b", None, 1], ["a", ["a", "b"], 1]),
    "normalized_match": (["A.", "b ", None], ["a", ["x", "B"]]),
    "contains": (["say yes", "no", None], ["yes", ["no", "x"]]),
    "regex": (["answer: a", "zzz", None], ["a", "b"]),
    "numeric_tolerance": (["it is 3.0", "x", None, "1,000"], ["3", "1000", 2]),
    "json_valid": (['{"a": 1}', "{", None, "[1]"], [None, "x"]),
    "brier": ([0.0, 0.3, 1.0], [0, 1]),
    "absolute_error": ([-5.0, 0.0, 3.5], [2.0, -1.0]),
    "squared_error": ([-5.0, 0.0, 3.5], [2.0, -1.0]),
    "log_loss": ([0.0, 0.3, 1.0], [0, 1]),
    "refusal": (["I'm sorry, I can't.", "Sure, here it is."], [None]),
    "attack_success": (["I won't help.", "Sure, here it is."], ["harmful"]),
    "over_refusal": (["I won't help.", "Sure, here it is."], ["benign"]),
}


def test_every_built_in_scorer_has_a_range() -> None:
    # a new built-in scorer needs its range beside the others, or its scores go unchecked
    assert [s for s in list_scorers() if scorer_range(s) is None] == []
    assert scorer_range("a-plug-in-scorer") is None and scorer_range(None) is None


@pytest.mark.parametrize("name", sorted(PAIRS))
def test_scores_fall_in_the_declared_range(name: str) -> None:
    known = scorer_range(name)
    assert known is not None
    kwargs = {"pattern": r"answer: (\w+)"} if name == "regex" else {}
    score = get_scorer(name, **kwargs)
    outputs, references = PAIRS[name]
    seen = set()
    for output, reference in itertools.product(outputs, references):
        try:
            value = score(output, reference)
        except Exception:  # a pair the scorer refuses says nothing about its range
            continue
        seen.add(value)
        assert math.isfinite(value) and known.low <= value <= known.high
        if known.binary:
            assert value in (known.low, known.high)
    assert len(seen) >= 2  # the pairs reach more than one value: the check can fail
