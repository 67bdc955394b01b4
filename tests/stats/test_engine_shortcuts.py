"""Shortcuts of the bootstrap engine equal the plain computation they replace, bit for bit."""

from __future__ import annotations

import numpy as np
import pytest

from assay.stats import bootstrap_weights
from assay.stats._clustered import binary_summary, summarise_mean
from assay.stats.bootstrap import _band, _band_categories, _weights
from assay.stats.bootstrap._core import mask_cells


def _split_one_category_at_a_time(
    w: _weights.ResampleWeights, counts: np.ndarray, sizes: np.ndarray, stream: int, block: int
) -> np.ndarray:
    """The member split as defined: each category's draws in turn, rows in order, member
    ``floor(u * size)`` of the next uniform of the stream."""
    gen = w._stream(_weights._TAG_MEMBERS, stream, block)
    rows = counts.shape[0]
    out = np.zeros((rows, int(sizes.sum())), dtype=np.int64)
    start = 0
    for c, size in enumerate(sizes.tolist()):
        for r in range(rows):
            for _ in range(int(counts[r, c])):
                out[r, start + int(gen.random() * size)] += 1
        start += size
    return out


@pytest.mark.parametrize("kind", ["multinomial", "poisson"])
@pytest.mark.parametrize("piece", [1, 7, 1 << 20])
def test_split_counts_reads_the_stream_category_by_category(
    kind: str, piece: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(_weights, "_SPLIT_CHUNK", piece)
    rng = np.random.default_rng(3)
    w = bootstrap_weights(100, 50, rng=4, kind=kind)  # type: ignore[arg-type]
    sizes = np.array([1, 4, 2, 9, 1, 3])
    counts = rng.poisson(3.0, (6, sizes.size))
    counts[:, 2] = 0  # a category without draws
    counts[4] = 0  # a resample without draws
    got = w.split_counts(counts, sizes, stream=1, block=5)
    expected = _split_one_category_at_a_time(w, counts, sizes, 1, 5)
    assert got.dtype == np.int64
    np.testing.assert_array_equal(got, expected)
    starts = np.concatenate(([0], sizes.cumsum()[:-1]))
    np.testing.assert_array_equal(np.add.reduceat(got, starts, axis=1), counts)


def _band_setup(n: int, masks: np.ndarray, q: float) -> tuple:
    rng = np.random.default_rng(n)
    values = np.round(rng.lognormal(3.0, 0.5, (2, n)))  # ties
    slice_idx = [np.flatnonzero(m) for m in masks]
    cells = mask_cells(masks)
    return cells, _band._bands(values, slice_idx, q), slice_idx


@pytest.mark.parametrize("n_slices", [6, 12, 30])
def test_band_categories_by_one_key_equal_the_cell_by_cell_categories(n_slices: int) -> None:
    n = 4000
    rng = np.random.default_rng(n_slices)
    masks = rng.random((n_slices, n)) < 0.4  # overlapping slices, some examples in none
    cells, bands, slice_idx = _band_setup(n, masks, 0.9)
    cat, in_band, first = _band_categories._categories(n, masks, cells, bands, slice_idx)
    ref = _band_categories._categories_by_cell(n, masks, cells, bands, slice_idx)
    for got, want in zip((cat, in_band, first), ref, strict=True):
        np.testing.assert_array_equal(got, want)
    # the definition: same category exactly when same cell and same class in every band
    # (class 1 outside the band's slice)
    classes = [cells]
    for idx, row in zip(slice_idx, bands, strict=True):
        for band in row:
            full = np.ones(n, dtype=np.int8)
            full[idx] = band.cls
            classes.append(full)
    classes = np.stack(classes, axis=1)
    _, by_row = np.unique(classes, axis=0, return_inverse=True)
    pairs = np.unique(np.stack([cat, by_row.ravel()], axis=1), axis=0)
    assert pairs.shape[0] == int(cat.max()) + 1 == int(by_row.max()) + 1


def test_binary_summary_is_summarise_mean_of_zeros_and_ones() -> None:
    rng = np.random.default_rng(0)
    for n in (1, 2, 3, 10, 1000, 100_001):
        for p in (0.0, 0.003, 0.5, 0.97, 1.0):
            x = (rng.random(n) < p).astype(np.float64)
            assert binary_summary(x, int(x.sum())) == summarise_mean(x, None)
