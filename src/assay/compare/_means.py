"""One mean metric (0/1 or continuous) compared on the overall group and every slice."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from assay.compare._groups import Layout
from assay.compare._moments import (
    binary_moments,
    binary_results,
    cell_sums,
    clustered_moments,
    continuous_results,
    family_moments_of,
)
from assay.stats import PairedResult

__all__ = ["GroupResults", "compare_means", "is_binary"]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]
GroupResults = list[list[PairedResult | None]]
"""``[family][group]``: the paired result of each group, ``None`` where it has no pairs."""


def is_binary(b: FloatArray, c: FloatArray) -> bool:
    """Whether every paired score of both runs is 0 or 1."""
    valid = ~(np.isnan(b) | np.isnan(c))
    if not valid.any():
        return False
    zero_one = ((b == 0.0) | (b == 1.0)) & ((c == 0.0) | (c == 1.0))
    return bool(np.all(zero_one | ~valid))


def _pair_codes(b: FloatArray, c: FloatArray) -> IntArray:
    """``2 b + c`` of each example (0 .. 3, its cell of the 2x2 table), 4 without a pair."""
    code = b * 2.0 + c
    np.copyto(code, 4.0, where=np.isnan(code))
    return code.astype(np.int64)


def _binary_unclustered(b: FloatArray, c: FloatArray, layout: Layout, conf: float) -> GroupResults:
    # the 2x2 table of every cell in one pass, one row per table entry (4: without a pair)
    m = layout.n_cells
    key = _pair_codes(b, c) * m
    key += layout.cells
    table = np.bincount(key, minlength=5 * m).reshape(5, m)
    out: GroupResults = []
    for f, fam in enumerate(layout.families):
        if fam.attribute is None:  # one group holding every cell
            cell = table.sum(axis=1)[None, :]
        else:  # counts are whole numbers: the float sums of bincount are exact
            grp = np.where(layout.cell_groups[f] >= 0, layout.cell_groups[f], fam.size)
            rows = [np.bincount(grp, weights=t, minlength=fam.size + 1) for t in table]
            cell = np.stack(rows, axis=1)[: fam.size].astype(np.int64)
        n = cell[:, 0] + cell[:, 1] + cell[:, 2] + cell[:, 3]
        k_b, k_c, both = cell[:, 2] + cell[:, 3], cell[:, 1] + cell[:, 3], cell[:, 3]
        mb, mc = binary_moments(n, k_b), binary_moments(n, k_c)
        out.append(binary_results(mb, mc, None, k_b, k_c, both, conf))
    return out


def _continuous_unclustered(
    b: FloatArray, c: FloatArray, layout: Layout, valid: BoolArray, conf: float
) -> GroupResults:
    cells = layout.cells[valid]
    n = np.bincount(cells, minlength=layout.n_cells)
    sums = [cell_sums(x[valid], cells, layout.n_cells, n) for x in (b, c, c - b)]
    out: GroupResults = []
    for f, fam in enumerate(layout.families):
        mb, mc, md = family_moments_of(sums, layout.cell_groups[f], fam.size)
        out.append(continuous_results(mb, mc, md, conf))
    return out


def _clustered(
    b: FloatArray, c: FloatArray, layout: Layout, valid: BoolArray, binary: bool, conf: float
) -> GroupResults:
    assert layout.clusters is not None
    g = layout.n_clusters
    out: GroupResults = []
    for fam in layout.families:
        rows = np.flatnonzero(valid & (fam.codes >= 0))
        x_b, x_c, grp, cl = b[rows], c[rows], fam.codes[rows], layout.clusters[rows]
        mb, mc, md = (clustered_moments(x, grp, fam.size, cl, g) for x in (x_b, x_c, x_c - x_b))
        if not binary:
            out.append(continuous_results(mb, mc, md, conf))
            continue
        k_b, k_c, both = (
            np.rint(np.bincount(grp, weights=w, minlength=fam.size)).astype(np.int64)
            for w in (x_b, x_c, x_b * x_c)
        )
        out.append(binary_results(mb, mc, md, k_b, k_c, both, conf))
    return out


def compare_means(
    b: FloatArray, c: FloatArray, layout: Layout, confidence: float, binary: bool
) -> GroupResults:
    """Paired results of one metric on every group of every family.

    ``b`` and ``c`` are the per-example scores of the two runs (NaN: not scored); examples
    not scored in both are left out. ``binary`` selects the 0/1 methods.
    """
    if layout.clusters is not None:
        valid = ~(np.isnan(b) | np.isnan(c))
        return _clustered(b, c, layout, valid, binary, confidence)
    if binary:
        return _binary_unclustered(b, c, layout, confidence)
    valid = ~(np.isnan(b) | np.isnan(c))
    return _continuous_unclustered(b, c, layout, valid, confidence)
