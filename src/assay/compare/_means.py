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
    family_moments,
)
from assay.stats import PairedResult

__all__ = ["GroupResults", "compare_means", "is_binary"]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
GroupResults = list[list[PairedResult | None]]
"""``[family][group]``: the paired result of each group, ``None`` where it has no pairs."""


def is_binary(b: FloatArray, c: FloatArray) -> bool:
    """Whether every paired score of both runs is 0 or 1."""
    valid = ~(np.isnan(b) | np.isnan(c))
    for x in (b[valid], c[valid]):
        if not bool(np.all((x == 0.0) | (x == 1.0))):
            return False
    return bool(valid.any())


def compare_means(
    b: FloatArray, c: FloatArray, layout: Layout, confidence: float, binary: bool
) -> GroupResults:
    """Paired results of one metric on every group of every family.

    ``b`` and ``c`` are the per-example scores of the two runs (NaN: not scored); examples
    not scored in both are left out. ``binary`` selects the 0/1 methods.
    """
    valid = ~(np.isnan(b) | np.isnan(c))
    everything = bool(valid.all())
    if not everything:
        b, c = b[valid], c[valid]
    cells = layout.cells if everything else layout.cells[valid]
    clusters = layout.clusters
    if clusters is not None and not everything:
        clusters = clusters[valid]
    out: GroupResults = []
    if binary:
        pair = np.asarray(b * 2.0 + c, dtype=np.int64)
        table = np.bincount(cells * 4 + pair, minlength=4 * layout.n_cells)
        table = table.reshape(layout.n_cells, 4)
        for f, fam in enumerate(layout.families):
            size = fam.size
            grp = layout.cell_groups[f]
            keep = grp >= 0
            counts = [
                np.bincount(grp[keep], weights=table[keep, j], minlength=size).astype(np.int64)
                for j in range(4)
            ]
            n = counts[0] + counts[1] + counts[2] + counts[3]
            k_b, k_c, both = counts[2] + counts[3], counts[1] + counts[3], counts[3]
            if clusters is None:
                mb, mc, md = binary_moments(n, k_b), binary_moments(n, k_c), None
            else:
                codes = fam.codes if everything else fam.codes[valid]
                rows = np.flatnonzero(codes >= 0)
                g = layout.n_clusters
                mb = clustered_moments(b[rows], codes[rows], size, clusters[rows], g)
                mc = clustered_moments(c[rows], codes[rows], size, clusters[rows], g)
                md = clustered_moments(c[rows] - b[rows], codes[rows], size, clusters[rows], g)
            out.append(binary_results(mb, mc, md, k_b, k_c, both, confidence))
        return out
    d = c - b
    if clusters is None:
        sums = [cell_sums(x, cells, layout.n_cells) for x in (b, c, d)]
        for f, fam in enumerate(layout.families):
            grp = layout.cell_groups[f]
            mb, mc, md = (family_moments(s, grp, fam.size) for s in sums)
            out.append(continuous_results(mb, mc, md, confidence))
        return out
    for fam in layout.families:
        codes = fam.codes if everything else fam.codes[valid]
        rows = np.flatnonzero(codes >= 0)
        g = layout.n_clusters
        mb, mc, md = (
            clustered_moments(x[rows], codes[rows], fam.size, clusters[rows], g) for x in (b, c, d)
        )
        out.append(continuous_results(mb, mc, md, confidence))
    return out
