"""Per-example scorers and the scorer / metric registries."""

from __future__ import annotations

import math

import numpy as np
import pytest
from sklearn.metrics import brier_score_loss
from sklearn.metrics import log_loss as sk_log_loss

from assay.errors import ConfigError, DataError
from assay.metrics import (
    MetricDefinition,
    get_metric,
    get_scorer,
    list_metrics,
    list_scorers,
    normalize_text,
    register_metric,
    register_scorer,
)


def test_builtin_scorers_are_registered_by_name() -> None:
    assert {
        "exact_match",
        "normalized_match",
        "absolute_error",
        "squared_error",
        "log_loss",
        "brier",
    } <= set(list_scorers())
    assert get_scorer("absolute_error")(3, 5.5) == 2.5
    assert get_scorer("squared_error")("2", 5) == 9.0


def test_exact_and_normalized_match() -> None:
    em, nm = get_scorer("exact_match"), get_scorer("normalized_match")
    assert em("Paris", "Paris") == 1.0 and em("paris", "Paris") == 0.0
    assert em("b", ["a", "b"]) == 1.0 and em(None, "a") == 0.0
    assert nm("  The  Eiffel-Tower!! ", "the eiffel tower") == 1.0
    assert nm("Paris.", ["London", "paris"]) == 1.0 and nm("Pariss", "Paris") == 0.0
    assert normalize_text("Hello,\tWORLD…") == "hello world"


def test_log_loss_and_brier_match_sklearn() -> None:
    rng = np.random.default_rng(0)
    p = rng.random(50)
    y = (rng.random(50) < p).astype(int)
    ll = [get_scorer("log_loss")(pi, yi) for pi, yi in zip(p, y, strict=True)]
    assert np.mean(ll) == pytest.approx(sk_log_loss(y, p), rel=1e-12)
    br = [get_scorer("brier")(pi, yi) for pi, yi in zip(p, y, strict=True)]
    assert np.mean(br) == pytest.approx(brier_score_loss(y, p), rel=1e-12)
    assert get_scorer("log_loss")(0.0, 1) == pytest.approx(-math.log(1e-15))


@pytest.mark.parametrize(
    ("name", "output", "reference", "match"),
    [
        ("log_loss", 1.5, 1, "outside"),
        ("brier", 0.5, 2, "0 or 1"),
        ("absolute_error", "abc", 1, "not a number"),
        ("squared_error", float("inf"), 1, "finite"),
    ],
)
def test_scorers_refuse_bad_values(
    name: str, output: object, reference: object, match: str
) -> None:
    with pytest.raises(DataError, match=match):
        get_scorer(name)(output, reference)


def test_registries_refuse_unknown_and_duplicate_names() -> None:
    with pytest.raises(ConfigError, match="Known scorers: absolute_error"):
        get_scorer("bleurt")
    with pytest.raises(ConfigError, match="already registered"):
        register_scorer("exact_match")(lambda o, r: 0.0)
    with pytest.raises(ConfigError, match="already registered"):
        register_metric("accuracy")(lambda: get_metric("f1"))


def test_a_plugin_metric_registers_like_a_builtin() -> None:
    @register_metric("test_mean_length")
    def mean_length() -> MetricDefinition:
        return MetricDefinition(
            "test_mean_length",
            "lower",
            "mean",
            ("output",),
            score=lambda output: np.array([len(o) for o in output], float),
        )

    assert "test_mean_length" in list_metrics()
    assert get_metric("test_mean_length").compute(output=["ab", "abcd"]) == 3.0


def test_every_builtin_metric_declares_how_it_aggregates() -> None:
    for name in list_metrics():
        d = get_metric(name)
        assert d.direction in ("higher", "lower") and d.inputs
        if d.aggregation == "mean":
            assert d.score is not None
        elif d.aggregation == "sums":
            assert d.statistics is not None and d.value is not None
        else:
            assert d.point is not None and d.resampling is not None
