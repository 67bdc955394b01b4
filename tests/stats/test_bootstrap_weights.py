"""Resample weights: distribution, reproducibility, chunk/shard invariance, bounded memory."""

from __future__ import annotations

import itertools
import json
import math
import tracemalloc
from pathlib import Path

import numpy as np
import pytest
from scipy import stats

from assay.errors import ParameterError
from assay.stats import ResampleWeights, bootstrap_weights

GOLDEN = Path(__file__).parent.parent / "golden" / "bootstrap_weights.json"


def _int_stats(n: int, k: int = 3, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 5, (n, k)).astype(float)


@pytest.mark.parametrize("kind", ["multinomial", "poisson"])
def test_weights_have_the_bootstrap_distribution(kind: str) -> None:
    w = bootstrap_weights(20_000 if kind == "multinomial" else None, 300, rng=3, kind=kind)
    d = w.dense(np.arange(20_000))
    if kind == "multinomial":
        assert (d.sum(axis=1) == 20_000).all()
        expected = stats.binom.pmf(np.arange(8), 20_000, 1 / 20_000)
    else:
        expected = stats.poisson.pmf(np.arange(8), 1.0)
    observed = np.bincount(d.astype(int).ravel(), minlength=9)[:8]
    expected = expected / expected.sum() * observed.sum()
    assert stats.chisquare(observed, expected).pvalue > 1e-3


def test_poisson_unit_weights_are_independent() -> None:
    d = bootstrap_weights(None, 2000, rng=5, kind="poisson").dense(np.arange(50))
    corr = np.corrcoef(d.T)
    assert np.abs(corr[np.triu_indices(50, 1)]).max() < 0.12


def test_same_seed_same_weights_other_seed_other_weights() -> None:
    a = bootstrap_weights(5000, 200, rng=11).dense()
    b = bootstrap_weights(5000, 200, rng=11).dense()
    c = bootstrap_weights(5000, 200, rng=12).dense()
    assert np.array_equal(a, b)
    assert not np.array_equal(a, c)


def test_generator_rng_reports_no_seed_but_is_reproducible_from_its_state() -> None:
    a = bootstrap_weights(100, 10, rng=np.random.default_rng(1))
    b = bootstrap_weights(100, 10, rng=np.random.default_rng(1))
    assert a.seed is None and a.key == b.key
    assert bootstrap_weights(100, 10, rng=7).seed == 7


def test_weights_pinned_for_seed_zero() -> None:
    """The seed scheme is part of reproducibility: results must not move between versions."""
    got = {}
    for kind in ("multinomial", "poisson"):
        d = bootstrap_weights(10_000, 300, rng=0, kind=kind).dense()
        got[kind] = {
            "row_sums": d[:5].sum(axis=1).tolist(),
            "first": d[0, :12].tolist(),
            "checksum": float((d * np.arange(1, 10_001)).sum()),
        }
    assert got == json.loads(GOLDEN.read_text())


@pytest.mark.parametrize("kind", ["multinomial", "poisson"])
def test_any_window_of_the_dense_matrix_is_the_same_numbers(kind: str) -> None:
    w = bootstrap_weights(9000, 300, rng=2, kind=kind)
    full = w.dense()
    units = np.array([8999, 0, 4095, 4096, 17, 8191, 8192])
    assert np.array_equal(w.dense(units, slice(100, 260)), full[100:260][:, units])
    chunks = [block for _, block in w.iter_dense(max_elements=300 * 1000)]
    assert np.array_equal(np.vstack(chunks), full)


@pytest.mark.parametrize("kind", ["multinomial", "poisson"])
def test_reduce_equals_dense_matrix_product(kind: str) -> None:
    w = bootstrap_weights(10_000, 200, rng=1, kind=kind)
    s = _int_stats(10_000)
    assert np.array_equal(w.reduce(s), w.dense() @ s)
    f = np.random.default_rng(1).normal(size=(10_000, 2))
    np.testing.assert_allclose(w.reduce(f), w.dense() @ f, rtol=1e-12, atol=1e-9)


@pytest.mark.parametrize("kind", ["multinomial", "poisson"])
def test_shards_merge_exactly(kind: str) -> None:
    n = 13_000
    w = bootstrap_weights(n if kind == "multinomial" else None, 150, rng=9, kind=kind)
    s = _int_stats(n)
    whole = w.reduce(s, units=np.arange(n))
    cuts = [0, 1234, 4096, 9001, n]  # shard boundaries need not align with anything
    parts = [w.reduce(s[a:b], units=np.arange(a, b)) for a, b in itertools.pairwise(cuts)]
    assert np.array_equal(sum(parts), whole)  # integer statistics: bit for bit
    f = np.random.default_rng(2).lognormal(size=(n, 2))
    whole_f = w.reduce(f, units=np.arange(n))
    parts_f = [w.reduce(f[a:b], units=np.arange(a, b)) for a, b in itertools.pairwise(cuts)]
    np.testing.assert_allclose(sum(parts_f), whole_f, rtol=1e-12)


def test_poisson_weights_do_not_depend_on_the_declared_size() -> None:
    a = bootstrap_weights(None, 50, rng=4, kind="poisson").dense(np.arange(5000))
    b = bootstrap_weights(5000, 50, rng=4, kind="poisson").dense()
    assert np.array_equal(a, b)


def test_rows_permuted_with_their_unit_ids_give_the_same_sums() -> None:
    w = bootstrap_weights(8000, 100, rng=3)
    s = _int_stats(8000)
    perm = np.random.default_rng(0).permutation(8000)
    assert np.array_equal(w.reduce(s[perm], units=perm), w.reduce(s))


def test_rows_of_one_unit_share_its_weight_and_cells_split_the_sums() -> None:
    w = bootstrap_weights(300, 100, rng=8)
    rng = np.random.default_rng(1)
    units = rng.integers(0, 300, 2000)
    cells = rng.integers(0, 4, 2000)
    s = _int_stats(2000)
    dense = w.dense()[:, units]
    assert np.array_equal(w.reduce(s, units=units), dense @ s)
    per_cell = w.reduce(s, units=units, cells=cells, n_cells=4)
    for g in range(4):
        assert np.array_equal(per_cell[g], dense[:, cells == g] @ s[cells == g])


@pytest.mark.parametrize("kind", ["multinomial", "poisson"])
def test_category_counts_match_summed_unit_weights_in_distribution(kind: str) -> None:
    sizes = np.array([3, 40, 7, 150])
    n = int(sizes.sum())
    w = bootstrap_weights(n, 20_000, rng=6, kind=kind)
    fast = w.category_counts(sizes)
    groups = np.repeat(np.arange(4), sizes)
    slow = np.stack([w.dense()[:, groups == g].sum(axis=1) for g in range(4)], axis=1)
    if kind == "multinomial":
        assert (fast.sum(axis=1) == n).all()
    for g in range(4):
        assert stats.ks_2samp(fast[:, g], slow[:, g]).pvalue > 1e-3
        assert abs(fast[:, g].mean() - sizes[g]) < 4 * math.sqrt(sizes[g] / 20_000) + 1e-9


def test_split_counts_spreads_totals_uniformly() -> None:
    w = bootstrap_weights(10, 4000, rng=1)
    counts = np.random.default_rng(0).integers(0, 30, (4000, 2))
    members = w.split_counts(counts, np.array([3, 5]))
    assert np.array_equal(members[:, :3].sum(axis=1), counts[:, 0])
    assert np.array_equal(members[:, 3:].sum(axis=1), counts[:, 1])
    np.testing.assert_allclose(
        members.mean(axis=0), np.repeat(counts.mean(0) / [3, 5], [3, 5]), rtol=0.05
    )


def test_reduce_memory_is_bounded_by_tiles() -> None:
    n, b = 400_000, 256
    w = bootstrap_weights(n, b, rng=0, kind="poisson")
    s = np.ones((n, 2))
    tracemalloc.start()
    w.reduce(s)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert peak < 120e6  # the dense matrix alone would be 819 MB


@pytest.mark.parametrize(
    ("kwargs", "parameter"),
    [
        ({"n_units": 10, "resamples": 0}, "resamples"),
        ({"n_units": 10, "kind": "bayesian"}, "kind"),
        ({"n_units": None}, "n_units"),
        ({"n_units": 0}, "n_units"),
        ({"n_units": 10, "rng": -1}, "rng"),
        ({"n_units": 10, "rng": "seed"}, "rng"),
    ],
)
def test_bad_arguments_name_the_parameter(kwargs: dict[str, object], parameter: str) -> None:
    args: dict[str, object] = {"rng": 0, **kwargs}
    with pytest.raises(ParameterError, match=f"'{parameter}' parameter of bootstrap_weights"):
        bootstrap_weights(**args)  # type: ignore[arg-type]


def test_units_out_of_range_are_refused() -> None:
    w: ResampleWeights = bootstrap_weights(10, 5, rng=0)
    with pytest.raises(ParameterError, match="units"):
        w.reduce(np.ones((2, 1)), units=np.array([0, 10]))
    with pytest.raises(ParameterError, match="cells"):
        w.reduce(np.ones((2, 1)), cells=np.array([0, 3]), n_cells=2)


@pytest.mark.parametrize("kind", ["multinomial", "poisson"])
def test_category_counts_in_a_smaller_type_are_the_same_counts(kind: str) -> None:
    w = bootstrap_weights(3000, 300, rng=12, kind=kind)  # type: ignore[arg-type]
    sizes = [1200, 0, 900, 900]
    wide = w.category_counts(sizes, stream=3)
    for dtype in (np.uint16, np.int32):
        narrow = w.category_counts(sizes, stream=3, dtype=dtype)
        assert narrow.dtype == dtype
        np.testing.assert_array_equal(narrow, wide)
    with pytest.raises(OverflowError, match="int8"):
        w.category_counts(sizes, stream=3, dtype=np.int8)
    with pytest.raises(ParameterError, match="dtype"):
        w.category_counts(sizes, dtype=np.float32)


@pytest.mark.parametrize("kind", ["multinomial", "poisson"])
def test_split_counts_in_a_smaller_type_are_the_same_weights(kind: str) -> None:
    w = bootstrap_weights(3000, 40, rng=5, kind=kind)  # type: ignore[arg-type]
    counts = np.random.default_rng(1).integers(0, 600, (40, 5))
    sizes = [3, 1, 400, 2, 7]
    wide = w.split_counts(counts, sizes, stream=2, block=1)
    narrow = w.split_counts(counts, sizes, stream=2, block=1, dtype=np.uint16)
    assert narrow.dtype == np.uint16
    np.testing.assert_array_equal(narrow, wide)
    # a weight of 255 fits a byte, 256 does not
    assert w.split_counts([[255]], [1], dtype=np.uint8).tolist() == [[255]]
    with pytest.raises(OverflowError, match="uint8"):
        w.split_counts([[256]], [1], dtype=np.uint8)
    with pytest.raises(ParameterError, match="dtype"):
        w.split_counts(counts, sizes, dtype=np.float32)
