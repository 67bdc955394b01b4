"""Paired bootstrap of functions of sums: properties, slices, shared weights, degenerate data.

Invariance that holds exactly: the resamples depend on the data only through which rows
belong to which resampling unit. Swapping baseline and candidate negates every replicate;
permuting rows together with their cluster labels changes nothing; comparing a model with
itself gives a difference of exactly 0 with p = 1. Permuting rows *without* unit labels
gives a different but identically distributed resample (same estimate, interval within
Monte-Carlo error).
"""

from __future__ import annotations

import numpy as np
import pytest

from assay.errors import DataError, ParameterError, UnderpoweredWarning
from assay.stats import (
    PairedStats,
    bootstrap_metric,
    bootstrap_weights,
    paired_bootstrap,
    paired_bootstrap_table,
)

LABELS = 5


def _macro_f1(s: np.ndarray) -> np.ndarray:
    c = s.reshape(*s.shape[:-1], LABELS, 3)
    tp, fp, fn = c[..., 0], c[..., 1], c[..., 2]
    den = 2 * tp + fp + fn
    return np.where(den > 0, 2 * tp / np.where(den > 0, den, 1), 0.0).mean(-1)


def _stats(y: np.ndarray, p: np.ndarray) -> np.ndarray:
    lab = np.arange(LABELS)
    t, q = y[:, None] == lab, p[:, None] == lab
    return np.stack([t & q, ~t & q, t & ~q], -1).reshape(len(y), -1).astype(float)


def _data(n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    y = rng.integers(0, LABELS, n)
    a = np.where(rng.random(n) < 0.7, y, rng.integers(0, LABELS, n))
    b = np.where(rng.random(n) < 0.75, y, rng.integers(0, LABELS, n))
    return y, a, b


@pytest.mark.parametrize("fast_path", [True, False])
def test_self_comparison_is_exactly_zero_with_p_one(fast_path: bool) -> None:
    y, a, _ = _data(400)
    s = _stats(y, a)
    r = paired_bootstrap(s, s, _macro_f1, rng=0, resamples=500, fast_path=fast_path)
    assert (r.difference.estimate, r.difference.low, r.difference.high) == (0.0, 0.0, 0.0)
    assert r.p_value == 1.0 and not r.significant


@pytest.mark.parametrize("fast_path", [True, False])
def test_swapping_models_flips_the_sign(fast_path: bool) -> None:
    y, a, b = _data(500, seed=1)
    sa, sb = _stats(y, a), _stats(y, b)
    ab = paired_bootstrap(sa, sb, _macro_f1, rng=4, resamples=800, fast_path=fast_path)
    ba = paired_bootstrap(sb, sa, _macro_f1, rng=4, resamples=800, fast_path=fast_path)
    assert ba.difference.estimate == -ab.difference.estimate
    assert ba.difference.low == pytest.approx(-ab.difference.high, abs=1e-12)
    assert ba.difference.high == pytest.approx(-ab.difference.low, abs=1e-12)
    assert ba.p_value == ab.p_value
    assert ba.baseline == ab.candidate


@pytest.mark.parametrize("fast_path", [True, False])
def test_permuting_rows_with_their_cluster_labels_changes_nothing(fast_path: bool) -> None:
    y, a, b = _data(600, seed=2)
    clusters = np.random.default_rng(0).integers(0, 120, 600)
    perm = np.random.default_rng(1).permutation(600)
    kw = {"rng": 3, "resamples": 400, "fast_path": fast_path}
    r1 = paired_bootstrap(_stats(y, a), _stats(y, b), _macro_f1, clusters=clusters, **kw)
    r2 = paired_bootstrap(
        _stats(y, a)[perm], _stats(y, b)[perm], _macro_f1, clusters=clusters[perm], **kw
    )
    assert r1.difference.estimate == pytest.approx(r2.difference.estimate, abs=1e-15)
    assert (r1.difference.low, r1.difference.high) == pytest.approx(
        (r2.difference.low, r2.difference.high), abs=1e-12
    )
    assert r1.difference.n_clusters == np.unique(clusters).size


def test_permuting_rows_alone_keeps_the_estimate_and_the_interval_within_mc_error() -> None:
    y, a, b = _data(2000, seed=3)
    perm = np.random.default_rng(2).permutation(2000)
    r1 = paired_bootstrap(_stats(y, a), _stats(y, b), _macro_f1, rng=5, resamples=4000)
    r2 = paired_bootstrap(_stats(y, a)[perm], _stats(y, b)[perm], _macro_f1, rng=5, resamples=4000)
    assert r1.difference.estimate == pytest.approx(r2.difference.estimate, abs=1e-15)
    se = r1.difference.se
    assert abs(r1.difference.low - r2.difference.low) < 0.15 * se


def test_fast_path_and_dense_path_give_the_same_distribution() -> None:
    y, a, b = _data(1500, seed=4)
    kw = {"rng": 8, "resamples": 12_000}
    fast = paired_bootstrap(_stats(y, a), _stats(y, b), _macro_f1, fast_path=True, **kw)
    dense = paired_bootstrap(_stats(y, a), _stats(y, b), _macro_f1, fast_path=False, **kw)
    assert any("fast path" in n for n in fast.difference.notes)
    assert not any("fast path" in n for n in dense.difference.notes)
    se = dense.difference.se
    assert fast.difference.se == pytest.approx(se, rel=0.04)
    assert abs(fast.difference.low - dense.difference.low) < 0.12 * se
    assert abs(fast.difference.high - dense.difference.high) < 0.12 * se


def test_table_slices_are_restrictions_of_one_resample() -> None:
    y, a, b = _data(3000, seed=5)
    group = np.random.default_rng(0).integers(0, 3, 3000)
    slices = {
        "all": np.ones(3000, bool),
        **{f"g{g}": group == g for g in range(3)},
        "g0_or_g1": group < 2,
    }
    metrics = {
        "macro_f1": PairedStats(_stats(y, a), _stats(y, b), _macro_f1),
        "twin": PairedStats(_stats(y, a), _stats(y, b), _macro_f1),
    }
    table = paired_bootstrap_table(metrics, slices=slices, rng=1, resamples=300)
    assert set(table) == {(m, s) for m in metrics for s in slices}
    for name, mask in slices.items():
        r = table[("macro_f1", name)]
        direct = _macro_f1(_stats(y[mask], b[mask]).sum(0)) - _macro_f1(
            _stats(y[mask], a[mask]).sum(0)
        )
        assert r.difference.estimate == pytest.approx(direct, abs=1e-14)
        assert r.difference.n == int(mask.sum())
        assert table[("twin", name)] == r  # one set of resamples for every metric


def test_dense_weights_object_is_shared_across_calls() -> None:
    y, a, b = _data(800, seed=6)
    w = bootstrap_weights(800, 300, rng=2)
    one = paired_bootstrap(_stats(y, a), _stats(y, b), _macro_f1, weights=w, fast_path=False)
    again = paired_bootstrap(_stats(y, a), _stats(y, b), _macro_f1, weights=w, fast_path=False)
    table = paired_bootstrap_table(
        {"m": PairedStats(_stats(y, a), _stats(y, b), _macro_f1)}, weights=w, fast_path=False
    )
    assert one == again == table[("m", "all")]
    assert one.difference.resamples == 300 and one.difference.seed == 2


def test_single_metric_estimate_with_clusters_reports_them() -> None:
    y, a, _ = _data(300, seed=7)
    clusters = np.repeat(np.arange(60), 5)
    est = bootstrap_metric(_stats(y, a), _macro_f1, rng=0, resamples=300, clusters=clusters)
    assert est.n == 300 and est.n_clusters == 60 and est.low < est.estimate < est.high


def test_one_unit_or_one_cluster_gives_an_unbounded_interval_and_a_warning() -> None:
    y, a, b = _data(1)
    with pytest.warns(UnderpoweredWarning):
        r = paired_bootstrap(_stats(y, a), _stats(y, b), _macro_f1, rng=0, resamples=50)
    assert (r.difference.low, r.difference.high) == (-np.inf, np.inf)
    y, a, b = _data(20)
    with pytest.warns(UnderpoweredWarning):
        r = paired_bootstrap(
            _stats(y, a), _stats(y, b), _macro_f1, rng=0, resamples=50, clusters=np.zeros(20)
        )
    assert r.difference.n_clusters == 1 and r.difference.low == -np.inf


def test_identical_rows_give_a_zero_width_interval() -> None:
    s = np.tile([1.0, 0.0, 0.0] * LABELS, (50, 1))
    est = bootstrap_metric(s, _macro_f1, rng=0, resamples=200)
    assert est.low == est.estimate == est.high


def test_bad_data_and_arguments_are_refused() -> None:
    y, a, b = _data(30)
    sa, sb = _stats(y, a), _stats(y, b)
    with pytest.raises(DataError, match="no examples"):
        paired_bootstrap(sa[:0], sb[:0], _macro_f1, rng=0)
    bad = sa.copy()
    bad[7, 2] = np.nan
    with pytest.raises(DataError, match="paired_bootstrap: baseline_stats") as info:
        paired_bootstrap(bad, sb, _macro_f1, rng=0)
    assert info.value.row == 7
    with pytest.raises(ParameterError, match="'method' parameter of paired_bootstrap"):
        paired_bootstrap(sa, sb, _macro_f1, rng=0, method="bc")  # type: ignore[arg-type]
    with pytest.raises(ParameterError, match="'alternative'"):
        paired_bootstrap(sa, sb, _macro_f1, rng=0, alternative="both")  # type: ignore[arg-type]
    with pytest.raises(ParameterError, match="'confidence'"):
        paired_bootstrap(sa, sb, _macro_f1, rng=0, confidence=1.5)
    with pytest.raises(ParameterError, match="'rng' parameter of paired_bootstrap"):
        paired_bootstrap(sa, sb, _macro_f1, rng=None)  # type: ignore[arg-type]
    with pytest.raises(ParameterError, match="'resamples' parameter of paired_bootstrap"):
        paired_bootstrap(sa, sb, _macro_f1, resamples=0)
    with pytest.raises(ParameterError):
        paired_bootstrap(sa, sb[:10], _macro_f1, rng=0)
    with pytest.raises(ParameterError, match="'weights'"):
        paired_bootstrap(sa, sb, _macro_f1, weights=bootstrap_weights(31, 10, rng=0))
    with pytest.raises(DataError, match="undefined"):
        paired_bootstrap(
            np.zeros((5, 2)), np.zeros((5, 2)), lambda s: s[..., 0] / s[..., 1], rng=0, resamples=20
        )


def test_poisson_weights_work_end_to_end() -> None:
    y, a, b = _data(1500, seed=9)
    r = paired_bootstrap(
        _stats(y, a), _stats(y, b), _macro_f1, rng=0, resamples=2000, kind="poisson"
    )
    m = paired_bootstrap(_stats(y, a), _stats(y, b), _macro_f1, rng=0, resamples=2000)
    assert r.difference.se == pytest.approx(m.difference.se, rel=0.1)
