"""A family's paired results computed together equal those computed one at a time, bit for bit."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from assay.errors import ParameterError
from assay.stats import (
    PairedResult,
    Replicates,
    bootstrap_weights,
    paired_from_replicates,
    paired_from_replicates_many,
)
from assay.stats.bootstrap._bca import _cube

B = 300


def _same(a: PairedResult, b: PairedResult) -> bool:
    """Equal field by field, floats by repr (so -0.0, NaN and the last bit count)."""
    return repr(dataclasses.astuple(a)) == repr(dataclasses.astuple(b))


def _one_at_a_time(
    pairs: list[tuple[Replicates, Replicates]], n: list[int], **kw: object
) -> list[PairedResult]:
    clusters = kw.pop("n_clusters", None)
    ks = [None] * len(pairs) if clusters is None else clusters
    return [
        paired_from_replicates(b, c, n=size, n_clusters=k, **kw)  # type: ignore[arg-type]
        for (b, c), size, k in zip(pairs, n, ks, strict=True)  # type: ignore[call-overload]
    ]


def _pair(rng: np.random.Generator, j: int, weighted: bool) -> tuple[Replicates, Replicates]:
    """Two models' replicates with ``j`` jackknife values (weighted: category multiplicities)."""
    out = []
    for shift in (0.0, 0.01):
        reps = rng.normal(0.5 + shift, 0.05, B)
        jk = rng.normal(0.5 + shift, 0.001, j)
        w = rng.integers(1, 50, j).astype(float) if weighted else None
        out.append(Replicates(float(np.mean(reps)), reps, jk, w))
    return out[0], out[1]


def _degenerate(rng: np.random.Generator) -> list[tuple[Replicates, Replicates]]:
    base, cand = _pair(rng, 40, False)
    nan_reps = dataclasses.replace(cand, replicates=np.where(np.arange(B) < 5, np.nan, 0.6))
    nan_jk = dataclasses.replace(cand, jackknife=np.r_[np.nan, cand.jackknife[1:]])
    flat = Replicates(0.5, np.full(B, 0.5), np.full(40, 0.5), None)  # z0 infinite, a = 0 / 0
    outside = dataclasses.replace(cand, estimate=10.0)  # the estimate beyond every replicate
    short = Replicates(0.5, rng.normal(0.5, 0.05, B // 2), cand.jackknife, None)
    all_nan = Replicates(np.nan, np.full(B, np.nan), np.full(40, np.nan), None)
    return [
        (base, nan_reps),
        (base, nan_jk),
        (flat, flat),
        (flat, cand),
        (base, outside),
        (short, short),
        (all_nan, base),
    ]


@pytest.mark.parametrize("method", ["bca", "percentile"])
@pytest.mark.parametrize("alternative", ["two-sided", "greater", "less"])
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("clustered", [False, True])
def test_a_family_equals_its_results_one_at_a_time(
    method: str, alternative: str, weighted: bool, clustered: bool
) -> None:
    rng = np.random.default_rng(5)
    pairs = [_pair(rng, j, weighted) for j in (2, 3, 17, 130, 5000, 9000)]
    pairs += _degenerate(rng)
    n = [int(p[0].jackknife.size) for p in pairs]
    n[3] = 1  # fewer than two units: unbounded intervals
    kw = {
        "confidence": 0.9,
        "method": method,
        "alternative": alternative,
        "weights": bootstrap_weights(100, B, rng=3),
        "notes": ("a note",),
    }
    if clustered:  # results expanded for different numbers of clusters, one with too few
        kw["n_clusters"] = [(3, 8, 1, 3, 40)[i % 5] for i in range(len(pairs))]
    many = paired_from_replicates_many(pairs, n=n, **kw)  # type: ignore[arg-type]
    one = _one_at_a_time(pairs, n, **kw)
    assert len(many) == len(pairs)
    assert all(_same(a, b) for a, b in zip(many, one, strict=True))
    fell_back = [r for r in many if any("bca undefined" in x for x in r.difference.notes)]
    assert (len(fell_back) > 0) == (method == "bca")


def test_leave_one_out_quantiles_of_a_slice_family() -> None:
    """Long jackknife arrays of three values each (quantiles), clusters counted per result."""
    rng = np.random.default_rng(8)
    pairs = []
    for size in (5000, 70000, 3):
        jk = [rng.choice(rng.normal(size=3), size) for _ in range(2)]
        reps = [rng.normal(1.0, 0.1, B) for _ in range(2)]
        pairs.append(
            (Replicates(1.0, reps[0], jk[0], None), Replicates(1.02, reps[1], jk[1], None))
        )
    n, clusters = [5000, 70000, 3], [400, 900, 2]
    many = paired_from_replicates_many(pairs, n=n, n_clusters=clusters)
    one = _one_at_a_time(pairs, n, n_clusters=clusters)
    assert all(_same(a, b) for a, b in zip(many, one, strict=True))
    assert [r.difference.n_clusters for r in many] == clusters


def test_an_empty_family_and_mismatched_sizes() -> None:
    assert paired_from_replicates_many([], n=[]) == []
    pair = _pair(np.random.default_rng(1), 10, False)
    with pytest.raises(ParameterError) as info:
        paired_from_replicates_many([pair, pair], n=[10])
    assert info.value.parameter == "n"
    with pytest.raises(ParameterError) as info:
        paired_from_replicates_many([pair], n=[10], n_clusters=[3, 4])
    assert info.value.parameter == "n_clusters"


def test_cube_is_the_power_bit_for_bit() -> None:
    rng = np.random.default_rng(2)
    arrays = [rng.normal(size=(40, 300)), np.zeros(0)]
    for size in (4095, 4096, 20000, 300000):
        for k in (1, 3, 9, 12, 13, 200):
            values = rng.normal(size=k) * 10.0 ** rng.integers(-110, 100, k)
            arrays.append(rng.choice(values, size))
    odd = rng.choice([0.0, 1.5, -2.25], 50000)
    odd[::7] = -0.0  # equal to 0.0, but its cube keeps the sign
    odd[[5, 9, 11, 13]] = [np.nan, np.inf, -np.inf, 1e-300]
    rare = np.full(40000, 3.0)
    rare[[-1, 20000]] = [7.0, -0.0]  # values the sample misses
    arrays += [odd, rare, np.repeat(rng.normal(size=3), 9000).reshape(3, 9000)]
    with np.errstate(all="ignore"):
        for a in arrays:
            got, expected = _cube(a), a**3
            assert got.shape == expected.shape
            assert got.tobytes() == expected.tobytes()


def test_float32_replicates_are_subtracted_as_one_at_a_time() -> None:
    """The difference's replicates are the models' replicates subtracted in their own dtype."""
    rng = np.random.default_rng(4)
    pairs = []
    for _ in range(3):
        reps = [rng.normal(0.0, 1.0, B).astype(np.float32) for _ in range(2)]  # exponents vary
        jk = [rng.normal(0.0, 0.01, 30).astype(np.float32) for _ in range(2)]
        made = [Replicates(float(np.mean(r)), r, j, None) for r, j in zip(reps, jk, strict=True)]
        pairs.append((made[0], made[1]))
    for method in ("bca", "percentile"):
        many = paired_from_replicates_many(pairs, n=[30] * 3, method=method)  # type: ignore[arg-type]
        one = _one_at_a_time(pairs, [30] * 3, method=method)  # type: ignore[arg-type]
        assert all(_same(a, b) for a, b in zip(many, one, strict=True))
