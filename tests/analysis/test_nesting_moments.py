"""The nesting step's pairwise intersection statistics (:func:`pair_moments`) equal, to the
last bit, the three sparse products they replaced, and the discoveries it names as explained
are the same on random data (row sets with nesting and overlaps; binary, three-valued and
continuous values; ties in the adjusted p-values)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import assay.analysis._nesting as nesting
from assay.analysis._pair_moments import pair_moments


def _sparse_products(rows, y):  # type: ignore[no-untyped-def]
    """The computation pair_moments replaced: ``MᵀM``, ``Mᵀ diag(y) M``, ``Mᵀ diag(y²) M``."""
    from scipy import sparse

    d = len(rows)
    index = np.concatenate(rows) if rows else np.zeros(0, dtype=np.int64)
    column = np.repeat(np.arange(d), [r.size for r in rows])
    m = sparse.csc_matrix((np.ones(index.size), (index, column)), shape=(y.size, d))
    mt = m.T.tocsr()
    count = (mt @ m).toarray()
    total = (mt @ sparse.diags(y) @ m).toarray()
    squares = (mt @ sparse.diags(y * y) @ m).toarray()
    return count, total, squares


def _case(seed: int, n: int, d: int, kind: str):  # type: ignore[no-untyped-def]
    rng = np.random.default_rng(seed)
    masks: list[np.ndarray] = []
    for _ in range(d):
        pick = rng.random()
        if masks and pick < 0.3:  # inside an earlier set (a refinement)
            masks.append(masks[int(rng.integers(len(masks)))] & (rng.random(n) < 0.6))
        elif masks and pick < 0.4:  # the same rows as an earlier set
            masks.append(masks[int(rng.integers(len(masks)))].copy())
        else:
            masks.append(rng.random(n) < rng.uniform(0.02, 0.7))
    if kind == "binary":
        y = (rng.random(n) < 0.2).astype(np.float64)
    elif kind == "paired":
        y = rng.choice([-1.0, 0.0, 1.0], n, p=[0.1, 0.75, 0.15])
    else:
        y = rng.normal(0.1, 1.0, n) * 10.0 ** rng.integers(-3, 4)
    worse = rng.random(n) < 0.3  # some rows worse, so that some slices are real
    y = y + worse * masks[0] * rng.choice([0.0, 0.7]) if masks else y
    adjusted = rng.choice([0.001, 0.01, 0.02, 0.04], d).tolist()  # ties on purpose
    return masks, y, adjusted


@settings(max_examples=60, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    n=st.integers(1, 400),
    d=st.integers(0, 25),
    kind=st.sampled_from(["binary", "paired", "continuous"]),
    alpha=st.sampled_from([0.01, 0.05, 0.2]),
)
def test_the_same_bits_and_the_same_explanations(
    seed: int, n: int, d: int, kind: str, alpha: float
) -> None:
    masks, y, adjusted = _case(seed, n, d, kind)
    rows = [np.flatnonzero(m) for m in masks]
    for ours, theirs in zip(pair_moments(rows, y), _sparse_products(rows, y), strict=True):
        assert ours.shape == theirs.shape == (d, d)
        assert np.array_equal(ours, theirs)  # bit for bit, not only close
    found = nesting.explained_pairs(masks, adjusted, y, None, alpha)
    with pytest.MonkeyPatch.context() as patch:  # the step as it was, for reference
        patch.setattr(nesting, "pair_moments", _sparse_products)
        reference = nesting.explained_pairs(masks, adjusted, y, None, alpha)
    assert found == reference


def test_a_planted_refinement_is_explained_by_its_parent_and_not_the_other_way() -> None:
    rng = np.random.default_rng(7)
    n = 4000
    east = rng.random(n) < 0.25
    phone = rng.random(n) < 0.33
    pro = rng.random(n) < 0.5
    y = (rng.random(n) < np.where(east & phone, 0.4, 0.1)).astype(np.float64)
    masks = [east, east & phone, east & phone & pro]
    found = nesting.explained_pairs(masks, [1e-3, 1e-6, 1e-4], y, None, 0.05)
    # east is worse only through east AND phone; the pro refinement only inherits it
    assert found == {0: 1, 2: 1}
