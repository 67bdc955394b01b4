"""A streaming comparison accumulated range by range of example ids and merged in id order
equals one pass over all the records: counts, categories and flips exactly, sums of scores to
rounding, whatever the ranges, the shards inside them and the chunks."""

from __future__ import annotations

import pickle
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from assay.compare import stream_plan
from assay.core import Comparison
from assay.testing import comparison_suite, paired_records, run_info

AGGREGATES = {"label_f1": "macro_f1", "label_mcc": "mcc"}
LANGS = ("de", "en", "es", "fr", "it", "ja", "pt")
SLICES = {"lang": LANGS, "tier": ("free", "paid")}


def _rows(c: Comparison) -> dict[tuple[Any, ...], dict[str, Any]]:
    return {(r.metric, r.slice_attribute, r.slice_value): r.model_dump() for r in c.results}


def _plain(table: pa.Table) -> pa.Table:
    """Slice values as plain strings (as JSONL or CSV records hold them): each range numbers
    them in its own order of appearance."""
    for name in ("lang", "tier"):
        i = table.column_names.index(name)
        table = table.set_column(i, name, table.column(name).cast(pa.string()))
    return table


def _runs(n: int, seed: int, samples: int, labels: bool) -> tuple[Any, pa.Table, pa.Table]:
    metrics = ("accuracy", "score", "label_f1", "label_mcc") if labels else ("accuracy", "score")
    aggregates = AGGREGATES if labels else None
    data = comparison_suite(n, metrics=metrics, aggregates=aggregates, slices=SLICES, seed=seed)
    base = paired_records(data, seed, samples=samples, error_rate=0.05)
    cand = paired_records(data, seed + 1, samples=max(1, samples - 1), shift=0.3, error_rate=0.1)
    # examples only in one run: the first tenth only in the baseline, the last only in the
    # candidate
    ids = sorted(set(base.column("example_id").to_pylist()))
    low, high = ids[n // 10], ids[-(n // 10)]
    base = base.filter(pc.less(base.column("example_id"), high))
    cand = cand.filter(pc.greater_equal(cand.column("example_id"), low))
    return data, _plain(base), _plain(cand)


def _ranges(table: pa.Table, bounds: list[str]) -> list[pa.Table]:
    """The records of each range of ids [bounds[i-1], bounds[i])."""
    ids = table.column("example_id")
    out = []
    for lo, hi in zip([None, *bounds], [*bounds, None], strict=True):
        keep = pa.array(np.ones(table.num_rows, dtype=bool))
        if lo is not None:
            keep = pc.and_(keep, pc.greater_equal(ids, lo))
        if hi is not None:
            keep = pc.and_(keep, pc.less(ids, hi))
        out.append(table.filter(keep))
    return out


def _shards(table: pa.Table, rng: np.random.Generator) -> list[pa.Table]:
    """The records shuffled and cut into uneven shards."""
    table = table.take(pa.array(rng.permutation(table.num_rows)))
    cuts = sorted(rng.integers(0, table.num_rows + 1, size=3).tolist())
    return [table.slice(a, b - a) for a, b in zip([0, *cuts], [*cuts, table.num_rows], strict=True)]


def _merged_and_one_pass(
    n: int, seed: int, samples: int, labels: bool, n_ranges: int, chunk: int, flips: int
) -> tuple[Comparison, Comparison, set[tuple[str, ...]]]:
    data, base, cand = _runs(n, seed, samples, labels)
    infos = run_info(data, "base"), run_info(data, "cand")
    plan = stream_plan(
        *infos, data.suite, resamples=200, rng=seed, max_flips=flips, chunk_rows=chunk
    )
    one_pass = plan.finish(*infos, [plan.accumulate([base], [cand])])
    rng = np.random.default_rng(seed)
    ids = sorted(
        set(base.column("example_id").to_pylist()) | set(cand.column("example_id").to_pylist())
    )
    bounds = sorted({ids[i] for i in rng.integers(1, len(ids), size=n_ranges - 1)})
    states = [
        plan.accumulate_range(_shards(b, rng), _shards(c, rng))
        for b, c in zip(_ranges(base, bounds), _ranges(cand, bounds), strict=True)
    ]
    # a state travels between processes pickled
    states = [pickle.loads(pickle.dumps(s)) for s in states]
    orders = {tuple(s.layout.slices[0].index) for s in states}
    return plan.finish(*infos, states), one_pass, orders


def _same(merged: Comparison, one_pass: Comparison) -> None:
    mine, theirs = _rows(merged), _rows(one_pass)
    assert set(mine) == set(theirs)
    for key, row in mine.items():
        other = theirs[key]
        if row["test"] != "paired t":  # from counts and categories: to the bit
            assert row == other, key
            continue
        for part in ("baseline", "candidate", "difference"):
            for field in ("estimate", "low", "high"):
                assert row[part][field] == pytest.approx(other[part][field], rel=1e-12, abs=1e-15)
        assert row["p_value"] == pytest.approx(other["p_value"], rel=1e-12, abs=1e-15)
        assert (row["n"], row["notes"]) == (other["n"], other["notes"])
    assert merged.flip_counts == one_pass.flip_counts
    assert merged.flips == one_pass.flips
    assert merged.errors == one_pass.errors
    assert merged.coverage == one_pass.coverage
    assert merged.methods[1:] == one_pass.methods[1:]


@settings(max_examples=12, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    labels=st.booleans(),
    samples=st.sampled_from((1, 1, 3)),
    n_ranges=st.integers(1, 12),
    chunk=st.integers(5, 400),
    flips=st.sampled_from((0, 3, 10, None)),
)
def test_ranges_merged_in_order_equal_one_pass(seed, labels, samples, n_ranges, chunk, flips):
    merged, one_pass, _ = _merged_and_one_pass(
        160, seed, 1 if labels else samples, labels, n_ranges, chunk, flips
    )
    _same(merged, one_pass)


def test_values_met_first_in_later_ranges_are_renumbered():
    merged, one_pass, orders = _merged_and_one_pass(300, 11, 1, True, 8, 37, 4)
    _same(merged, one_pass)
    # the ranges met the slice values in different orders: the merge renumbered them
    assert len(orders) > 1
    assert any(r.metric == "label_f1" and r.slice_attribute == "lang" for r in merged.results)
    assert merged.flips


def test_a_range_state_travels_without_its_cell_lookup_table():
    # three slice attributes of 150 values each: the cache of every combination of them
    # (27 MB) stays behind when a range's state is pickled, and the merged comparison is
    # the same as that of the states that never left
    slices = {"a": ("x",), "b": ("y",), "c": ("z",)}
    data = comparison_suite(300, metrics=("accuracy", "score"), slices=slices, seed=4)
    runs = []
    for table in (paired_records(data, 0), paired_records(data, 1, shift=0.3)):
        for name in slices:
            values = pa.array([f"{name}{i % 150}" for i in range(table.num_rows)])
            table = table.set_column(table.column_names.index(name), name, values)
        runs.append(table)
    infos = run_info(data, "base"), run_info(data, "cand")
    plan = stream_plan(*infos, data.suite, resamples=50, rng=1, max_flips=5, chunk_rows=64)
    bound = sorted(runs[0].column("example_id").to_pylist())[150]
    ranges = zip(_ranges(runs[0], [bound]), _ranges(runs[1], [bound]), strict=True)
    states = [plan.accumulate_range([b], [c]) for b, c in ranges]
    assert all(s.layout.lookup is not None and s.layout.lookup[2].nbytes > 10**7 for s in states)
    pickled = [pickle.dumps(s) for s in states]
    assert max(len(p) for p in pickled) < 10**6
    travelled = plan.finish(*infos, [pickle.loads(p) for p in pickled])
    stayed = plan.finish(*infos, states)
    assert travelled.model_dump(exclude={"created_at"}) == stayed.model_dump(exclude={"created_at"})
    assert travelled.flips
