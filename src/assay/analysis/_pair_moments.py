"""Counts, sums and sums of squares of every pairwise intersection of row sets, exactly.

For discoveries A and B, ``count[a, b]`` is ``|A ∩ B|``, ``total[a, b]`` the sum of ``y`` over
``A ∩ B`` and ``squares[a, b]`` that of ``y²``. As sparse products (``MᵀM``, ``Mᵀ diag(y) M``
and ``Mᵀ diag(y²) M`` for the n × d membership matrix M) this is three general sparse-sparse
multiplications, whose bookkeeping per product term dominated the nesting step (about 16 s
of it on 1,000,000 examples and 1,021 discoveries). Here the rows of each set are taken
from M (``M[rows of a]``, a row gather in C) and multiplied by the dense columns ``[1, y,
y²]`` of those rows (a sparse-dense product in C, three sums per term): the same terms, one
pass for all three statistics.

Each sum adds its terms in the order the sparse products add them (the set's rows from the
last to the first), starting from zero, so the results equal theirs to the last bit; the tests
check this on random data.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

__all__ = ["pair_moments"]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


def pair_moments(
    rows: Sequence[IntArray], y: FloatArray
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """``(count, total, squares)``, each d × d, of the intersections of the row sets
    ``rows`` (each set's row indices, increasing) over the values ``y``."""
    from scipy import sparse

    d = len(rows)
    out = np.zeros((3, d, d), dtype=np.float64)
    if d == 0:
        return out[0], out[1], out[2]
    indptr = np.concatenate([[0], np.cumsum([r.size for r in rows])])
    index = np.concatenate(rows)
    members = sparse.csc_matrix((np.ones(index.size), index, indptr), shape=(y.size, d))
    members = members.tocsr()  # each row's sets, to take a set's rows at once
    columns = np.stack([np.ones(y.size), y, y * y], axis=1)
    for a, r in enumerate(rows):
        last_first = r[::-1]  # the order in which the sparse products add the terms
        out[:, a, :] = (members[last_first].T @ columns[last_first]).T
    return out[0], out[1], out[2]
