"""Cells of slice masks and category codes: the labels of the codes' sorted order, whether
they are relabelled by counting or by sorting."""

from __future__ import annotations

import tracemalloc

import numpy as np
import pytest

from assay.stats.bootstrap._core import _compact, category_codes, mask_cells


def _ranks(rows: np.ndarray) -> np.ndarray:
    """Rank of each row among the distinct rows, compared as tuples (first column first)."""
    return np.unique(rows, axis=0, return_inverse=True)[1].reshape(-1)


@pytest.mark.parametrize("n", [0, 1, 7, 300, 5000])
@pytest.mark.parametrize("n_masks", [1, 13, 40, 70, 140])
def test_mask_cells_rank_the_membership_patterns(n: int, n_masks: int) -> None:
    rng = np.random.default_rng(n * 1000 + n_masks)
    masks = rng.random((n_masks, n)) < rng.choice([0.02, 0.3, 0.9])
    masks[0] = True  # the slice of every example, as the tables pass it
    cells = mask_cells(masks)
    assert cells.dtype == np.int64 and cells.shape == (n,)
    if n:  # a later mask is a higher bit: patterns ordered by the last mask first
        np.testing.assert_array_equal(cells, _ranks(masks[::-1].T))


@pytest.mark.parametrize("top", [1, 60, 10_000, 2**40])
def test_compact_counts_or_sorts_to_the_same_labels(top: int) -> None:
    code = np.random.default_rng(top % 97).integers(0, top, 2_000)
    labels, m = _compact(code)
    uniq = np.unique(code)
    assert m == uniq.size
    np.testing.assert_array_equal(labels, np.searchsorted(uniq, code))


def test_category_codes_rank_rows_with_their_leading_code() -> None:
    rng = np.random.default_rng(2)
    x = rng.integers(0, 3, (4_000, 6))
    lead = rng.integers(0, 9, 4_000)
    codes = category_codes(x, 10**9, leading=lead)
    assert codes is not None
    np.testing.assert_array_equal(codes, _ranks(np.column_stack([lead, x])))
    assert category_codes(x, 10, leading=lead) is None  # more categories than the limit


def test_compact_by_counting_holds_few_temporaries() -> None:
    n = 1_000_000
    code = np.random.default_rng(3).integers(0, 4 * n, n)
    code[0] = 4 * n + 1000  # just inside the range that is counted
    tracemalloc.start()
    try:
        _compact(code)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    # the counts of the range (8 bytes per value, four values per code), one array of
    # labels, and little more
    assert peak < 48 * n
