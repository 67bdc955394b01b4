"""Cohen's kappa and Krippendorff's alpha: references, coverage, properties, degenerate data."""

from __future__ import annotations

import itertools
import json
import math
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.metrics import cohen_kappa_score
from statsmodels.stats.inter_rater import cohens_kappa as sm_cohens_kappa
from threadpoolctl import threadpool_limits

from assay.errors import DataError, ParameterError
from assay.stats import AgreementResult, cohens_kappa, krippendorff_alpha

GOLDEN = json.loads(
    (Path(__file__).parents[1] / "golden" / "stats_c_krippendorff.json").read_text()
)


def _ratings(rows: list[list[float | None]]) -> np.ndarray:
    return np.array([[np.nan if v is None else v for v in row] for row in rows], dtype=float)


def _alpha_by_coincidences(x: np.ndarray, level: str) -> float:
    """Krippendorff's definition, pair by pair: coincidence matrix, then 1 - D_o / D_e."""
    values = sorted({v for v in x.ravel().tolist() if not math.isnan(v)})
    index = {v: i for i, v in enumerate(values)}
    o = np.zeros((len(values), len(values)))
    for row in x:
        rated = [v for v in row.tolist() if not math.isnan(v)]
        if len(rated) < 2:
            continue
        for i, j in itertools.permutations(range(len(rated)), 2):
            o[index[rated[i]], index[rated[j]]] += 1.0 / (len(rated) - 1)
    n_c = o.sum(axis=1)
    n = n_c.sum()

    def delta(c: int, k: int) -> float:
        if level == "nominal":
            return 0.0 if c == k else 1.0
        if level == "interval":
            return (values[c] - values[k]) ** 2
        lo, hi = min(c, k), max(c, k)
        return (sum(n_c[lo : hi + 1]) - (n_c[c] + n_c[k]) / 2.0) ** 2

    k_all = range(len(values))
    d_o = sum(o[c, k] * delta(c, k) for c in k_all for k in k_all)
    d_e = sum(n_c[c] * n_c[k] * delta(c, k) for c in k_all for k in k_all) / (n - 1)
    return 1.0 - d_o / d_e


# --- reference values -------------------------------------------------------------------------


@pytest.mark.parametrize("example", GOLDEN["examples"], ids=lambda e: e["name"])
def test_alpha_matches_published_worked_examples(example: dict) -> None:
    x = _ratings(example["ratings"])
    for level, published in example["alpha"].items():
        result = krippendorff_alpha(x, level=level, resamples=200, rng=0)
        assert round(result.estimate.estimate, example["decimals"]) == published, level


def test_alpha_binary_example_is_exactly_two_twentyfirsts() -> None:
    x = _ratings(GOLDEN["examples"][1]["ratings"])
    result = krippendorff_alpha(x, resamples=200, rng=0)
    # o_01 = 4, n_0 = 14, n_1 = 6, n = 20: alpha = 1 - 19 * 4 / (14 * 6).
    assert result.estimate.estimate == pytest.approx(2 / 21, abs=1e-12)
    assert result.observed_disagreement == pytest.approx(8 / 20)
    assert result.expected_disagreement == pytest.approx(2 * 14 * 6 / (20 * 19))
    assert result.n_values == 20


@pytest.mark.parametrize("level", ["nominal", "ordinal", "interval"])
def test_alpha_matches_coincidence_matrix_definition(level: str) -> None:
    rng = np.random.default_rng(7)
    x = rng.integers(1, 6, size=(40, 5)).astype(float)
    x[rng.random(x.shape) < 0.3] = np.nan
    result = krippendorff_alpha(x, level=level, resamples=100, rng=1)
    assert result.estimate.estimate == pytest.approx(_alpha_by_coincidences(x, level), abs=1e-12)


@pytest.mark.parametrize("weights", [None, "linear", "quadratic"])
def test_kappa_matches_sklearn_and_statsmodels(weights: str | None) -> None:
    rng = np.random.default_rng(3)
    a = rng.integers(0, 4, 300)
    b = np.where(rng.random(300) < 0.6, a, rng.integers(0, 4, 300))
    result = cohens_kappa(a, b, weights=weights)  # type: ignore[arg-type]
    assert result.estimate.estimate == pytest.approx(
        cohen_kappa_score(a, b, weights=weights), abs=1e-12
    )
    table = np.zeros((4, 4))
    np.add.at(table, (a, b), 1)
    ref = sm_cohens_kappa(table, wt=weights) if weights else sm_cohens_kappa(table)
    assert result.estimate.se == pytest.approx(ref.std_kappa, rel=1e-10)
    assert result.estimate.low == pytest.approx(ref.kappa - 1.959963984540054 * ref.std_kappa)
    assert result.metric == (weights or "nominal")


def test_weighted_kappa_uses_declared_categories() -> None:
    a = np.array([1, 2, 2, 3, 1, 2, 3, 3, 1, 2])
    b = np.array([1, 2, 3, 3, 2, 2, 3, 1, 1, 1])
    cats = [1, 2, 3, 4]  # 4 is on the scale but never used: it changes the linear weights
    result = cohens_kappa(a, b, weights="linear", categories=cats)
    ref = cohen_kappa_score(a, b, weights="linear", labels=cats)
    assert result.estimate.estimate == pytest.approx(ref, abs=1e-12)
    assert result.categories == (1, 2, 3, 4)
    table = np.zeros((4, 4))
    np.add.at(table, (a - 1, b - 1), 1)
    assert result.estimate.se == pytest.approx(sm_cohens_kappa(table, wt="linear").std_kappa)


def test_kappa_accepts_string_labels() -> None:
    a = ["pass", "fail", "pass", "pass", "fail", "pass"]
    b = ["pass", "fail", "fail", "pass", "fail", "pass"]
    result = cohens_kappa(a, b)
    assert result.estimate.estimate == pytest.approx(cohen_kappa_score(a, b))
    assert result.categories == ("fail", "pass")


# --- coverage by simulation ------------------------------------------------------------------


def _kappa_truth(p: np.ndarray, w: np.ndarray) -> float:
    p_o = (w * p).sum()
    p_e = p.sum(1) @ w @ p.sum(0)
    return float((p_o - p_e) / (1 - p_e))


@pytest.mark.parametrize("weights", [None, "quadratic"])
def test_kappa_interval_covers_at_nominal_rate(weights: str | None) -> None:
    joint = np.array([[0.30, 0.05, 0.02], [0.06, 0.25, 0.04], [0.01, 0.07, 0.20]])
    idx = np.arange(3.0)
    w = np.eye(3) if weights is None else 1 - (idx[:, None] - idx[None, :]) ** 2 / 4
    truth = _kappa_truth(joint, w)
    rng = np.random.default_rng(11)
    cells = rng.choice(9, p=joint.ravel(), size=(2000, 400))  # all datasets at once
    a, b = cells // 3, cells % 3
    hits = [cohens_kappa(a[d], b[d], weights=weights).estimate.contains(truth) for d in range(2000)]  # type: ignore[arg-type]
    assert abs(np.mean(hits) - 0.95) <= 0.015


def _nominal_raters(
    rng: np.random.Generator, datasets: int, units: int
) -> tuple[np.ndarray, float]:
    """Raters who see a unit's true class with probability q, else guess uniformly."""
    k, q, raters = 4, 0.6, 3
    pi = np.array([0.4, 0.3, 0.2, 0.1])
    z = rng.choice(k, size=(datasets, units, 1), p=pi)
    guess = rng.integers(0, k, size=(datasets, units, raters))
    x = np.where(rng.random((datasets, units, raters)) < q, z, guess).astype(float)
    x[rng.random(x.shape) < 0.2] = np.nan
    per_class = q * np.eye(k) + (1 - q) / k
    agree = float(pi @ (per_class**2).sum(axis=1))
    pooled = pi @ per_class
    return x, 1 - (1 - agree) / (1 - float((pooled**2).sum()))


# Each dataset's bootstrap is a few small matrix products; threaded BLAS only adds contention.
@pytest.mark.slow
def test_alpha_bca_interval_covers_at_nominal_rate_nominal_level() -> None:
    rng = np.random.default_rng(5)
    x, truth = _nominal_raters(rng, 2000, 200)
    with threadpool_limits(1):
        hits = [
            krippendorff_alpha(x[d], level="nominal", resamples=500, rng=d).estimate.contains(truth)
            for d in range(2000)
        ]
    assert abs(np.mean(hits) - 0.95) <= 0.015


@pytest.mark.slow
def test_alpha_bca_interval_covers_at_nominal_rate_interval_level() -> None:
    rng = np.random.default_rng(6)
    sd_unit, sd_rater = 1.0, 0.8
    x = rng.normal(0, sd_unit, (2000, 300, 1)) + rng.normal(0, sd_rater, (2000, 300, 3))
    x[rng.random(x.shape) < 0.2] = np.nan
    truth = sd_unit**2 / (sd_unit**2 + sd_rater**2)  # alpha's population value is the ICC
    with threadpool_limits(1):
        hits = [
            krippendorff_alpha(x[d], level="interval", resamples=400, rng=d).estimate.contains(
                truth
            )
            for d in range(2000)
        ]
    assert abs(np.mean(hits) - 0.95) <= 0.015


# --- properties ------------------------------------------------------------------------------


@settings(max_examples=40, deadline=None)
@given(st.data())
def test_alpha_ignores_order_of_units_and_raters(data: st.DataObject) -> None:
    seed = data.draw(st.integers(0, 10_000))
    rng = np.random.default_rng(seed)
    x = rng.integers(0, 4, size=(12, 4)).astype(float)
    x[rng.random(x.shape) < 0.25] = np.nan
    x[:2] = [[0, 1, 2, 3], [1, 1, 2, 2]]  # at least two pairable units and several values
    shuffled = x[rng.permutation(12)][:, rng.permutation(4)]
    for level in ("nominal", "ordinal", "interval"):
        a = krippendorff_alpha(x, level=level, resamples=50, rng=0).estimate.estimate
        b = krippendorff_alpha(shuffled, level=level, resamples=50, rng=0).estimate.estimate
        assert a == pytest.approx(b, abs=1e-12)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 3), st.integers(0, 3)), min_size=5, max_size=60))
def test_kappa_is_symmetric_and_order_free(pairs: list[tuple[int, int]]) -> None:
    a = np.array([p[0] for p in pairs])
    b = np.array([p[1] for p in pairs])
    if len(set(a.tolist()) | set(b.tolist())) < 2:
        return
    for weights in (None, "linear"):
        ab = cohens_kappa(a, b, weights=weights, categories=[0, 1, 2, 3]).estimate  # type: ignore[arg-type]
        ba = cohens_kappa(b, a, weights=weights, categories=[0, 1, 2, 3]).estimate  # type: ignore[arg-type]
        order = np.random.default_rng(len(pairs)).permutation(a.size)
        perm = cohens_kappa(a[order], b[order], weights=weights, categories=[0, 1, 2, 3]).estimate  # type: ignore[arg-type]
        assert ab.estimate == pytest.approx(ba.estimate, abs=1e-12)
        assert ab.se == pytest.approx(ba.se, abs=1e-12)
        assert ab.estimate == pytest.approx(perm.estimate, abs=1e-12)
        assert -1.0 - 1e-12 <= ab.low <= ab.estimate <= ab.high <= 1.0


def test_nominal_agreement_ignores_label_names() -> None:
    rng = np.random.default_rng(2)
    a = rng.integers(0, 3, 100)
    b = np.where(rng.random(100) < 0.5, a, rng.integers(0, 3, 100))
    names = np.array(["x", "y", "z"])
    assert cohens_kappa(a, b).estimate.estimate == pytest.approx(
        cohens_kappa(names[a], names[b]).estimate.estimate
    )
    x = np.column_stack([a, b]).astype(float)
    relabelled = np.column_stack([a * 10 + 5, b * 10 + 5]).astype(float)
    assert krippendorff_alpha(x, resamples=50, rng=0).estimate.estimate == pytest.approx(
        krippendorff_alpha(relabelled, resamples=50, rng=0).estimate.estimate
    )


def test_alpha_resampling_is_seeded_and_stated() -> None:
    x = _ratings(GOLDEN["examples"][0]["ratings"])
    first = krippendorff_alpha(x, resamples=500, rng=42)
    again = krippendorff_alpha(x, resamples=500, rng=42)
    other = krippendorff_alpha(x, resamples=500, rng=43)
    assert (first.estimate.low, first.estimate.high) == (again.estimate.low, again.estimate.high)
    assert (first.estimate.low, first.estimate.high) != (other.estimate.low, other.estimate.high)
    assert first.estimate.resamples == 500 and first.estimate.seed == 42
    assert first.estimate.method == "bca bootstrap over units"
    assert first.estimate.n == 11  # unit 12 has one rating only
    assert any("fewer than 2 raters" in note for note in first.estimate.notes)
    assert first.estimate.low <= first.estimate.estimate <= first.estimate.high
    assert isinstance(first, AgreementResult) and first.n_raters == 4


def test_alpha_accepts_a_generator() -> None:
    x = _ratings(GOLDEN["examples"][0]["ratings"])
    result = krippendorff_alpha(x, resamples=100, rng=np.random.default_rng(0))
    assert result.estimate.seed is None and result.estimate.resamples == 100


# --- degenerate input ------------------------------------------------------------------------


def test_perfect_agreement_gives_one_with_no_width() -> None:
    a = np.array([0, 1, 2, 0, 1, 2, 2, 1])
    kappa = cohens_kappa(a, a.copy()).estimate
    assert (kappa.estimate, kappa.low, kappa.high, kappa.se) == (1.0, 1.0, 1.0, 0.0)
    x = np.column_stack([a, a, a]).astype(float)
    alpha = krippendorff_alpha(x, resamples=200, rng=0).estimate
    assert alpha.estimate == 1.0 and alpha.low == 1.0 and alpha.high == 1.0


def test_one_category_only_is_undefined_not_an_error() -> None:
    kappa = cohens_kappa(["ok"] * 5, ["ok"] * 5)
    assert math.isnan(kappa.estimate.estimate) and math.isnan(kappa.estimate.low)
    assert kappa.expected_disagreement == 0.0
    assert "undefined" in kappa.estimate.notes[0]
    alpha = krippendorff_alpha(np.full((6, 3), 2.0), level="interval", resamples=100, rng=0)
    assert math.isnan(alpha.estimate.estimate) and alpha.expected_disagreement == 0.0
    assert any("undefined" in note for note in alpha.estimate.notes)


def test_resamples_with_alpha_undefined_are_counted() -> None:
    # Two units only: a resample that draws one unit twice sees a single value.
    x = np.array([[1.0, 1.0], [2.0, 2.0]])
    result = krippendorff_alpha(x, resamples=400, rng=0)
    assert result.estimate.estimate == 1.0
    assert any("left out" in note for note in result.estimate.notes)


def test_single_item_and_single_unit() -> None:
    kappa = cohens_kappa([1], [2]).estimate
    assert kappa.estimate == 0.0 and (kappa.low, kappa.high) == (-1.0, 1.0) and kappa.se is None
    alpha = krippendorff_alpha([[1.0, 2.0], [3.0, np.nan]], level="interval", resamples=10, rng=0)
    assert math.isinf(alpha.estimate.low) and math.isinf(alpha.estimate.high)
    assert alpha.estimate.n == 1


def test_empty_and_unpairable_input_raise_data_error() -> None:
    with pytest.raises(DataError):
        cohens_kappa([], [])
    with pytest.raises(DataError):
        krippendorff_alpha(np.empty((0, 3)), rng=0)
    with pytest.raises(DataError, match="two or more raters"):
        krippendorff_alpha([[1.0, np.nan], [np.nan, 2.0]], rng=0)


def test_missing_labels_in_kappa_name_the_index() -> None:
    with pytest.raises(DataError, match=r"b\[2\]") as info:
        cohens_kappa([1.0, 2.0, 1.0], [1.0, 2.0, np.nan])
    assert info.value.row == 2
    with pytest.raises(DataError, match=r"a\[1\]"):
        cohens_kappa(np.array(["x", None, "y"], dtype=object), ["x", "y", "y"])


def test_infinite_rating_names_unit_and_rater() -> None:
    x = np.ones((4, 3))
    x[2, 1] = np.inf
    with pytest.raises(DataError, match=r"ratings\[2, 1\]") as info:
        krippendorff_alpha(x, rng=0)
    assert info.value.row == 2 and info.value.column == "1"


def test_kappa_rejects_mismatched_lengths_and_unknown_labels() -> None:
    with pytest.raises(DataError, match="same items"):
        cohens_kappa([1, 2, 3], [1, 2])
    with pytest.raises(DataError, match=r"a\[2\] is not one of the categories"):
        cohens_kappa([1, 2, 5], [1, 2, 2], categories=[1, 2, 3])
    with pytest.raises(DataError, match=r"b\[1\] is not one of the categories") as info:
        cohens_kappa(["x", "y"], ["x", "z"], categories=["x", "y"])
    assert info.value.row == 1


@pytest.mark.parametrize(
    ("call", "parameter"),
    [
        (lambda: cohens_kappa([1, 2], [1, 2], weights="cubic"), "weights"),  # type: ignore[arg-type]
        (lambda: cohens_kappa([1, 2], [1, 2], confidence=1.5), "confidence"),
        (lambda: cohens_kappa([1, 2], [1, 2], categories=[1, 1, 2]), "categories"),
        (lambda: krippendorff_alpha([[1, 2]], level="ratio", rng=0), "level"),  # type: ignore[arg-type]
        (lambda: krippendorff_alpha([[1, 2]], resamples=0, rng=0), "resamples"),
        (lambda: krippendorff_alpha([[1, 2]], rng=-1), "rng"),
        (lambda: krippendorff_alpha([1, 2], rng=0), "ratings"),
    ],
)
def test_bad_arguments_raise_parameter_error(call, parameter: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ParameterError) as info:
        call()
    assert info.value.parameter == parameter
