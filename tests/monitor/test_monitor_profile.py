"""Profiles: counts, sketches, canonical bytes, digests and exact merges."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from assay.errors import DataError
from assay.monitor import PROFILE_FORMAT, merge_profiles, profile, profile_from_bytes


def _table(n: int, seed: int = 0) -> pa.Table:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=n)
    x[:5] = [np.nan, np.inf, -np.inf, np.nan, 1.0]
    return pa.table(
        {
            "x": x,
            "k": pa.array(rng.integers(0, 5, n).astype(float)).to_pylist()[:n],
            "c": pa.array(
                [None if i % 50 == 0 else v for i, v in enumerate(rng.choice(["a", "b", "c"], n))]
            ),
            "flag": rng.random(n) < 0.3,
        }
    )


def test_counts_moments_and_sketches() -> None:
    table = _table(5000)
    p = profile(table, name="ref")
    x = p.column("x")
    assert (x.rows, x.nulls, x.nan, x.inf) == (5000, 0, 2, 2)
    finite = table.column("x").to_numpy()[np.isfinite(table.column("x").to_numpy())]
    assert x.numeric is not None
    assert x.numeric.count == finite.size == sum(x.numeric.counts)
    assert x.numeric.mean == pytest.approx(finite.mean())
    assert x.numeric.std == pytest.approx(finite.std(ddof=1))
    assert (x.numeric.minimum, x.numeric.maximum) == (finite.min(), finite.max())
    assert sum(x.numeric.sums) == pytest.approx(finite.sum())
    c = p.column("c")
    assert c.kind == "categorical" and c.nulls == 100
    assert c.categorical is not None and set(c.categorical.categories) == {"a", "b", "c"}
    assert sum(c.categorical.counts) == 4900 and c.categorical.other == 0
    assert p.column("flag").kind == "categorical"
    assert p.column("k").numeric is not None and p.column("k").numeric.hll is not None


def test_inputs_pandas_parquet_csv_give_the_same_profile(tmp_path) -> None:  # type: ignore[no-untyped-def]
    rng = np.random.default_rng(1)
    frame = pd.DataFrame({"x": rng.normal(size=300), "c": rng.choice(["u", "v"], 300)})
    from_arrow = profile(pa.Table.from_pandas(frame, preserve_index=False), name="t")
    pq.write_table(pa.Table.from_pandas(frame, preserve_index=False), tmp_path / "t.parquet")
    frame.to_csv(tmp_path / "t.csv", index=False)
    assert profile(frame, name="t") == from_arrow
    assert profile(tmp_path / "t.parquet", name="t") == from_arrow
    assert (
        profile(str(tmp_path / "t.csv"), name="t").column("x").numeric.counts
        == from_arrow.column("x").numeric.counts
    )  # type: ignore[union-attr]


def test_bytes_round_trip_and_digest_is_content() -> None:
    p = profile(_table(2000), name="ref")
    raw = p.to_bytes()
    assert profile_from_bytes(raw) == p
    assert profile_from_bytes(raw).digest == p.digest
    assert p.format == PROFILE_FORMAT
    # Below the KLL sketch's size nothing is compacted: the same table gives the same bytes.
    small = _table(300)
    assert profile(small, name="ref").digest == profile(small, name="ref").digest
    assert profile(small, name="ref").digest != profile(small, name="other").digest
    # Above it, KLL compaction is randomised: exact parts repeat, sketch bytes may not.
    again = profile(_table(2000), name="ref")
    assert again.column("x").numeric.counts == p.column("x").numeric.counts  # type: ignore[union-attr]


def test_merge_on_shared_bins_is_exact_and_sketches_within_error() -> None:
    whole = _table(20_000, seed=3)
    ref = profile(whole, name="w")
    shards = [profile(whole.slice(i, 2000), name="w", bins=ref) for i in range(0, 20_000, 2000)]
    merged = merge_profiles(shards)
    for name in ("x", "k"):
        a, b = merged.column(name), ref.column(name)
        assert (a.rows, a.nulls, a.nan, a.inf) == (b.rows, b.nulls, b.nan, b.inf)
        assert a.numeric.counts == b.numeric.counts and a.numeric.exact_bins  # type: ignore[union-attr]
        assert a.numeric.mean == pytest.approx(b.numeric.mean, abs=1e-12)  # type: ignore[union-attr]
        assert a.numeric.m2 == pytest.approx(b.numeric.m2, rel=1e-10)  # type: ignore[union-attr]
    assert merged.column("c").categorical.counts == ref.column("c").categorical.counts  # type: ignore[union-attr]
    import datasketches as ds

    sk = ds.kll_doubles_sketch.deserialize(merged.column("x").numeric.kll)  # type: ignore[union-attr]
    values = np.sort(whole.column("x").to_numpy()[np.isfinite(whole.column("x").to_numpy())])
    eps = sk.normalized_rank_error(False)
    for q in (0.1, 0.5, 0.9):
        rank = np.searchsorted(values, sk.get_quantile(q)) / values.size
        assert abs(rank - q) <= eps
    hll = ds.hll_sketch.deserialize(merged.column("c").categorical.hll)  # type: ignore[union-attr]
    assert round(hll.get_estimate()) == 3


def test_merge_on_different_bins_is_marked_estimated() -> None:
    a, b = profile(_table(3000, seed=1)), profile(_table(3000, seed=2))
    merged = merge_profiles([a, b])
    assert not merged.column("x").numeric.exact_bins  # type: ignore[union-attr]
    assert sum(merged.column("x").numeric.counts) == pytest.approx(
        merged.column("x").numeric.count, abs=len(a.column("x").numeric.edges)
    )  # type: ignore[union-attr]


def test_bad_profiles_and_merges_are_clear_errors() -> None:
    p = profile(_table(500))
    with pytest.raises(DataError, match="format"):
        profile_from_bytes(p.to_bytes().replace(PROFILE_FORMAT.encode(), b"assay.profile/0"))
    with pytest.raises(DataError, match="not a profile"):
        profile_from_bytes(b"\x00\x01 not json")
    with pytest.raises(DataError, match="damaged"):
        profile_from_bytes(
            b'{"columns":[{"name":"x"}],"format":"'
            + PROFILE_FORMAT.encode()
            + b'","name":"n","rows":1}'
        )
    with pytest.raises(DataError, match="different columns"):
        merge_profiles([p, profile(_table(500).drop(["x"]))])
    with pytest.raises(DataError, match="no profiles"):
        merge_profiles([])
    with pytest.raises(DataError, match="expected a table"):
        profile(42)


def test_odd_columns_do_not_crash() -> None:
    table = pa.table(
        {
            "empty_null": pa.nulls(10),
            "lists": pa.array([[1, 2]] * 10),
            "ints_with_nulls": pa.array([1, None] * 5, type=pa.int64()),
            "dict": pa.array(["a", "b"] * 5).dictionary_encode(),
        }
    )
    p = profile(table)
    assert p.column("empty_null").nulls == 10
    assert p.column("lists").kind == "unsupported"
    assert p.column("ints_with_nulls").nulls == 5 and p.column("ints_with_nulls").numeric.count == 5  # type: ignore[union-attr]
    assert p.column("dict").categorical.counts == (5, 5)  # type: ignore[union-attr]
    assert profile(table.slice(0, 0)).rows == 0
