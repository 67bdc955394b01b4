"""Classification metrics against scikit-learn, and their paired comparison."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.metrics import f1_score, matthews_corrcoef, precision_score, recall_score

from assay.errors import ConfigError, DataError, ParameterError
from assay.metrics import compare_metric, evaluate_metric, get_metric

SK = {"precision": precision_score, "recall": recall_score, "f1": f1_score}


def _labels(n: int, k: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    y = rng.integers(0, k, n)
    return y, np.where(rng.random(n) < 0.6, y, rng.integers(0, k, n))


@pytest.mark.parametrize("name", ["precision", "recall", "f1"])
@pytest.mark.parametrize("average", ["binary", "macro", "micro"])
def test_precision_recall_f1_match_sklearn(name: str, average: str) -> None:
    k = 2 if average == "binary" else 4
    y, p = _labels(500, k, 1)
    got = get_metric(name, average=average).compute(y_true=y, y_pred=p)
    assert got == pytest.approx(SK[name](y, p, average=average, zero_division=0), abs=1e-15)


def test_label_subsets_and_string_labels_match_sklearn() -> None:
    y, p = _labels(300, 5, 2)
    names = np.array(["ant", "bee", "cat", "dog", "eel"])
    for average in ("macro", "micro"):
        got = get_metric("f1", average=average, labels=["bee", "dog"]).compute(
            y_true=names[y], y_pred=names[p]
        )
        want = f1_score(names[y], names[p], average=average, labels=["bee", "dog"])
        assert got == pytest.approx(want, abs=1e-15)
    keep = (y >= 2) & (y <= 3) & (p >= 2) & (p <= 3)
    yt, yp = names[y[keep]], names[p[keep]]
    got = get_metric("f1", pos_label="cat").compute(y_true=yt, y_pred=yp)
    assert got == pytest.approx(f1_score(yt, yp, pos_label="cat"), abs=1e-15)


@pytest.mark.filterwarnings("ignore::UserWarning:sklearn")
@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 3), st.integers(0, 3)), min_size=1, max_size=40))
def test_macro_f1_and_mcc_match_sklearn_on_any_data(pairs: list[tuple[int, int]]) -> None:
    y = np.array([a for a, _ in pairs])
    p = np.array([b for _, b in pairs])
    assert get_metric("macro_f1").compute(y_true=y, y_pred=p) == pytest.approx(
        f1_score(y, p, average="macro", zero_division=0), abs=1e-12
    )
    assert get_metric("mcc").compute(y_true=y, y_pred=p) == pytest.approx(
        matthews_corrcoef(y, p), abs=1e-12
    )


def test_zero_division_is_zero() -> None:
    y, p = np.zeros(10, int), np.zeros(10, int)
    assert get_metric("precision").compute(y_true=y, y_pred=p) == 0.0
    assert get_metric("f1").compute(y_true=y, y_pred=p) == 0.0
    assert get_metric("mcc").compute(y_true=y, y_pred=p) == 0.0


def test_accuracy_is_a_mean_and_uses_closed_form_intervals() -> None:
    y, p = _labels(200, 3, 3)
    d = get_metric("accuracy")
    assert d.is_mean and d.direction == "higher"
    est = evaluate_metric(d, {"y_true": y, "y_pred": p})
    assert est.estimate == pytest.approx(np.mean(y == p))
    assert est.resamples is None


def test_paired_macro_f1_comparison_properties() -> None:
    y, a = _labels(800, 5, 4)
    _, b = _labels(800, 5, 5)
    base, cand = {"y_true": y, "y_pred": a}, {"y_true": y, "y_pred": b}
    r = compare_metric("macro_f1", base, cand, rng=0, resamples=600)
    want = f1_score(y, b, average="macro") - f1_score(y, a, average="macro")
    assert r.difference.estimate == pytest.approx(want, abs=1e-14)
    assert r.difference.method == "bca bootstrap" and r.difference.resamples == 600
    same = compare_metric("macro_f1", base, base, rng=0, resamples=300)
    assert (same.difference.estimate, same.p_value) == (0.0, 1.0)
    swapped = compare_metric("macro_f1", cand, base, rng=0, resamples=600)
    assert swapped.difference.estimate == -r.difference.estimate
    assert swapped.difference.low == pytest.approx(-r.difference.high, abs=1e-12)


def test_labels_are_the_union_over_both_models() -> None:
    y = np.array([0, 1, 2, 0, 1, 2])
    a = np.array([0, 1, 1, 0, 1, 1])  # never predicts 2
    b = np.array([0, 1, 2, 3, 1, 2])  # predicts an extra label 3
    r = compare_metric(
        "macro_f1", {"y_true": y, "y_pred": a}, {"y_true": y, "y_pred": b}, rng=0, resamples=100
    )
    labels = [0, 1, 2, 3]
    for est, pred in ((r.baseline, a), (r.candidate, b)):
        want = f1_score(y, pred, average="macro", labels=labels, zero_division=0)
        assert est.estimate == pytest.approx(want)


def test_bad_inputs() -> None:
    with pytest.raises(ConfigError, match="No metric is registered as 'f2'"):
        get_metric("f2")
    with pytest.raises(ParameterError, match="'average'"):
        get_metric("f1", average="weighted")
    with pytest.raises(DataError, match=r"y_true\[1\] is NaN"):
        get_metric("f1").compute(y_true=[1.0, np.nan], y_pred=[1.0, 0.0])
    with pytest.raises(ParameterError, match="'inputs'"):
        get_metric("f1").compute(y_true=[1, 0])
    with pytest.raises(ParameterError, match="'y_pred'"):
        get_metric("f1").compute(y_true=[1, 0], y_pred=[1])
