"""Quantile bootstrap without a full sort: selected ranks equal the stable sort's, bit for bit."""

from __future__ import annotations

import dataclasses
import math
from typing import Any

import numpy as np
import pytest

from assay.stats import paired_quantiles_table, quantile_bootstrap
from assay.stats.bootstrap import _band as band
from assay.stats.bootstrap import _band_categories
from assay.stats.bootstrap import _order as order
from assay.stats.bootstrap._select import stable_band, stable_values


def _values(rng: np.random.Generator, n: int, kind: str) -> np.ndarray:
    if kind == "continuous":
        return rng.gamma(4.0, 25.0, n)
    if kind == "ties":
        return np.round(rng.gamma(2.0, 3.0, n))
    if kind == "few":
        return rng.integers(0, 3, n).astype(float)
    return rng.choice([-0.0, 0.0, 1.0, -2.0], n)  # signed zeros tie


KINDS = ["continuous", "ties", "few", "zeros"]


def _sorted_band(x: np.ndarray, lo: int, hi: int) -> tuple[np.ndarray, np.ndarray]:
    """The reference: classes and band read off the full stable sort."""
    o = np.argsort(x, kind="stable")
    cls = np.ones(x.size, dtype=np.int8)
    cls[o[:lo]] = 0
    cls[o[hi:]] = 2
    return cls, o[lo:hi]


@pytest.mark.parametrize("kind", KINDS)
def test_selected_band_and_values_equal_the_stable_sort(kind: str) -> None:
    rng = np.random.default_rng(3)
    for n in [1, 2, 3, 5, 17, 400]:
        x = _values(rng, n, kind)
        sx = x[np.argsort(x, kind="stable")]
        for _ in range(12):
            lo = int(rng.integers(0, n))
            hi = int(rng.integers(lo + 1, n + 1))
            cls, members = stable_band(x, lo, hi)
            want_cls, want_members = _sorted_band(x, lo, hi)
            np.testing.assert_array_equal(cls, want_cls)
            np.testing.assert_array_equal(members, want_members)
            ranks = [int(r) for r in rng.integers(0, n, 3)]
            assert stable_values(x, ranks).tobytes() == sx[ranks].tobytes()  # signs of zeros


@pytest.mark.parametrize("kind", KINDS)
def test_leave_one_out_quantiles_without_a_sort_equal_the_ranked_ones(kind: str) -> None:
    rng = np.random.default_rng(4)
    for n in [1, 2, 3, 4, 9, 250]:
        x = _values(rng, n, kind)
        o = np.argsort(x, kind="stable")
        for q in [0.0, 0.3, 0.5, 0.95, 1.0]:
            got = order.jackknife_quantiles(x, q)
            with_order = order.jackknife_quantiles(x, q, o)
            assert got.tobytes() == with_order.tobytes()
            # the reference: each leave-one-out quantile straight from the definition
            want = [np.quantile(np.delete(x, i), q) for i in range(n)] if n > 1 else [np.nan]
            np.testing.assert_allclose(got, want, rtol=1e-15, atol=0)


def _bits(obj: Any) -> Any:
    """Results as comparable bits: every float by its bytes (so NaN equals NaN)."""
    if dataclasses.is_dataclass(obj):
        return {f.name: _bits(getattr(obj, f.name)) for f in dataclasses.fields(obj)}
    if isinstance(obj, dict):
        return {k: _bits(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_bits(v) for v in obj]
    return np.float64(obj).tobytes() if isinstance(obj, float) else obj


def _sorted_bands(values: np.ndarray, slice_idx: list[np.ndarray], q: float) -> list:
    """The reference bands: every slice and model sorted in full."""
    out = []
    for idx in slice_idx:
        m = idx.size
        centre = math.floor(q * max(m - 1, 0))
        half = math.ceil(band._BAND_SD * math.sqrt(m * q * (1.0 - q))) + 3
        lo, hi = max(0, centre - half), min(m, centre + half + 2)
        row = []
        for x in values:
            local, members = _sorted_band(x[idx], lo, hi)
            row.append(band._Band(local, idx[members], lo, hi))
        out.append(row)
    return out


def _categories_cell_by_cell(
    n: int, masks: np.ndarray, cells: np.ndarray, bands: list, idx: list
) -> tuple:
    return _band_categories._categories_by_cell(n, masks, cells, bands, idx)


@pytest.mark.filterwarnings("ignore::assay.errors.UnderpoweredWarning")  # the empty slice
@pytest.mark.parametrize("narrow", [False, True])
@pytest.mark.parametrize("kind", KINDS)
def test_band_method_equals_the_fully_sorted_reference(
    monkeypatch: pytest.MonkeyPatch, kind: str, narrow: bool
) -> None:
    """Every field of every table, with slices, ties and (narrow band) resamples recomputed
    outside the band, equals the band method on full sorts with categories made cell by cell."""
    rng = np.random.default_rng(5)
    n, reps = (600, 100) if narrow else (3000, 300)  # a narrow band recomputes most resamples
    base, cand = _values(rng, n, kind), _values(rng, n, kind)
    groups = rng.integers(0, 3, n)
    slices = {"all": np.ones(n, bool), **{f"g{g}": groups == g for g in range(3)}}
    if narrow:
        monkeypatch.setattr(band, "_BAND_SD", 0.3)
    for kw in [
        {"slices": slices, "kind": "multinomial"},
        {"slices": None, "kind": "poisson"},
        {"slices": {"few": groups == 0, "none": np.zeros(n, bool)}, "kind": "multinomial"},
    ]:
        args = (base, cand, [0.5, 0.95, 0.01])
        got = paired_quantiles_table(*args, rng=9, resamples=reps, **kw)  # type: ignore[arg-type]
        with monkeypatch.context() as ref:
            ref.setattr(band, "_bands", _sorted_bands)
            ref.setattr(band, "_categories", _categories_cell_by_cell)
            want = paired_quantiles_table(*args, rng=9, resamples=reps, **kw)  # type: ignore[arg-type]
        assert _bits(got) == _bits(want)
    single = quantile_bootstrap(base, 0.9, rng=2, resamples=300)
    with monkeypatch.context() as ref:
        ref.setattr(band, "_bands", _sorted_bands)
        assert _bits(quantile_bootstrap(base, 0.9, rng=2, resamples=300)) == _bits(single)
