"""The per-slice sums of the mean metrics, checked against the per-variable, per-group forms
they are computed beside: the same numbers bit for bit."""

from __future__ import annotations

import numpy as np
import pytest

from assay.compare._groups import Family, build_layout, overall_family
from assay.compare._means import _binary_unclustered, is_binary
from assay.compare._moments import (
    binary_moments,
    binary_results,
    cell_sums,
    family_moments,
    family_moments_of,
)


def _layout(n: int, seed: int) -> tuple[np.random.Generator, object]:
    rng = np.random.default_rng(seed)
    families = [overall_family(n)]
    for i, size in enumerate((3, 7)):
        codes = rng.integers(-1, size, n)  # -1: examples without a value
        values = tuple(f"v{j}" for j in range(size))
        families.append(Family(f"a{i}", values, codes.astype(np.int64)))
    return rng, build_layout(tuple(families), None)


def _same(x: np.ndarray, y: np.ndarray) -> None:
    assert x.dtype == y.dtype
    np.testing.assert_array_equal(x, y, strict=True)  # NaN where NaN, the same values


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_family_moments_of_is_family_moments_of_each_variable(seed: int) -> None:
    rng, layout = _layout(500, seed)
    valid = rng.random(500) < 0.8
    b, c = rng.normal(size=500), rng.normal(size=500)
    b[:40] = 0.25  # constant runs of values in some cells
    cells = layout.cells[valid]
    n = np.bincount(cells, minlength=layout.n_cells)
    shared = [cell_sums(x[valid], cells, layout.n_cells, n) for x in (b, c, c - b)]
    own = [cell_sums(x[valid], cells, layout.n_cells) for x in (b, c, c - b)]
    for f, fam in enumerate(layout.families):
        groups = layout.cell_groups[f]
        for got, cs in zip(family_moments_of(shared, groups, fam.size), own, strict=True):
            want = family_moments(cs, groups, fam.size)
            for name in ("n", "units", "mean", "se", "constant"):
                _same(getattr(got, name), getattr(want, name))


def _per_group_counts(b: np.ndarray, c: np.ndarray, codes: np.ndarray, size: int) -> list:
    """The 2x2 table of each group counted from its examples, one group at a time."""
    out = []
    for v in range(size):
        ok = (codes == v) & ~np.isnan(b) & ~np.isnan(c)
        x, y = b[ok], c[ok]
        out.append((int(ok.sum()), int(x.sum()), int(y.sum()), int((x * y).sum())))
    return out


@pytest.mark.parametrize("seed", [0, 3])
def test_binary_counts_match_counting_each_group(seed: int) -> None:
    rng, layout = _layout(400, seed)
    b = (rng.random(400) < 0.6).astype(np.float64)
    c = (rng.random(400) < 0.4).astype(np.float64)
    b[rng.random(400) < 0.1] = np.nan
    c[rng.random(400) < 0.1] = np.nan
    got = _binary_unclustered(b, c, layout, 0.95)
    for fam, results in zip(layout.families, got, strict=True):
        for v, (n, kb, kc, both) in enumerate(_per_group_counts(b, c, fam.codes, fam.size)):
            nn, kbb, kcc, bb = (np.array([x]) for x in (n, kb, kc, both))
            mb, mc = binary_moments(nn, kbb), binary_moments(nn, kcc)
            assert results[v] == binary_results(mb, mc, None, kbb, kcc, bb, 0.95)[0]


def _is_binary_reference(b: np.ndarray, c: np.ndarray) -> bool:
    valid = ~(np.isnan(b) | np.isnan(c))
    pairs = [(float(x), float(y)) for x, y, ok in zip(b, c, valid, strict=True) if ok]
    return bool(pairs) and all(x in (0.0, 1.0) and y in (0.0, 1.0) for x, y in pairs)


@pytest.mark.parametrize(
    ("b", "c"),
    [
        ([0.0, 1.0, np.nan], [1.0, 1.0, 0.5]),  # 0.5 is not paired: binary
        ([0.0, 1.0, 0.5], [1.0, 1.0, 0.0]),
        ([0.0, -0.0, 1.0], [1.0, 0.0, np.inf]),
        ([np.nan, 0.3], [0.2, np.nan]),  # no pair at all
        ([], []),
        ([1.0, 0.0], [0.0, 1.0]),
    ],
)
def test_is_binary_matches_checking_each_pair(b: list[float], c: list[float]) -> None:
    x, y = np.array(b, dtype=np.float64), np.array(c, dtype=np.float64)
    assert is_binary(x, y) is _is_binary_reference(x, y)
