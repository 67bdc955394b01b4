"""An example's samples are summed in ``(example_id, sample_index)`` order on every path, so
the same records in any order, in memory or range by range, give the same comparison to the
bit, flips included."""

from __future__ import annotations

import pickle
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pytest

from assay.compare import compare_records, stream_plan
from assay.core import Comparison
from assay.errors import DataError
from assay.runners._ray_partitions import accumulate, ipc_bytes
from assay.testing import comparison_suite, run_info

IDS = [f"ex-{i:03d}" for i in range(40)]
OPTIONS: dict[str, Any] = {"resamples": 50, "rng": 1, "max_flips": 3}


def _runs(sample_index: bool) -> tuple[Any, pa.Table, pa.Table]:
    # three samples per example whose sums differ by an ulp in another order
    data = comparison_suite(40, metrics=("score",), slices={}, seed=3)
    rng = np.random.default_rng(0)
    rows: dict[str, list[Any]] = {"example_id": [], "sample_index": [], "score": [], "output": []}
    for e in IDS:
        for s, v in enumerate(rng.permutation([0.1, 0.2, 0.3]).tolist()):
            rows["example_id"].append(e)
            rows["sample_index"].append(s)
            rows["score"].append(v)
            rows["output"].append(f"{e}-s{s}")
    base = pa.table(rows)
    if not sample_index:
        base = base.drop_columns(["sample_index"])
    cand = pa.table({"example_id": IDS, "score": [0.9] * 40, "output": ["c"] * 40})
    return data, base, cand


def _plain(c: Comparison) -> dict[str, Any]:
    return c.model_dump(exclude={"created_at"})


def _ranges(plan: Any, infos: Any, base: pa.Table, cand: pa.Table) -> Comparison:
    states = []
    for ids in (IDS[:13], IDS[13:]):
        keep = pa.array(ids)
        b = base.filter(pc.is_in(base["example_id"], keep))
        c = cand.filter(pc.is_in(cand["example_id"], keep))
        states.append(pickle.loads(pickle.dumps(plan.accumulate_range([b], [c]))))
    return plan.finish(*infos, states)


def test_shuffled_records_give_the_same_comparison_in_memory_and_by_range():
    data, base, cand = _runs(sample_index=True)
    infos = run_info(data, "base"), run_info(data, "cand")
    shuffled = base.take(pa.array(np.random.default_rng(5).permutation(base.num_rows)))
    memory = [
        compare_records(infos[0], t, infos[1], cand, data.suite, resampling="poisson", **OPTIONS)
        for t in (base, shuffled)
    ]
    assert _plain(memory[1]) == _plain(memory[0])
    assert memory[0].flips
    plan = stream_plan(*infos, data.suite, chunk_rows=7, **OPTIONS)
    by_range = [_ranges(plan, infos, t, cand) for t in (base, shuffled)]
    assert _plain(by_range[1]) == _plain(by_range[0])
    assert by_range[0].flips == memory[0].flips
    assert by_range[0].flip_counts == memory[0].flip_counts


def _group(payloads: list[tuple[int, pa.Table]]) -> pa.Table:
    return pa.table(
        {
            "part": pa.array([0] * len(payloads), pa.int64()),
            "side": pa.array([s for s, _ in payloads], pa.int64()),
            "payload": pa.array([ipc_bytes(t) for _, t in payloads], pa.large_binary()),
        }
    )


def test_a_range_does_not_depend_on_the_order_its_payloads_arrive_in():
    # no sample_index: an example's samples tie, and are summed in the payloads' own order
    data, base, cand = _runs(sample_index=False)
    infos = run_info(data, "base"), run_info(data, "cand")
    plan = stream_plan(*infos, data.suite, **OPTIONS)
    columns = [ipc_bytes(t.schema.empty_table()) for t in (base, cand)]
    sample = np.arange(base.num_rows) % 3  # each shard holds one sample of every example
    shards = [(0, base.filter(pa.array(sample == k))) for k in range(3)] + [(1, cand)]
    results = []
    for payloads in (shards, shards[::-1], shards[1::2] + shards[::2]):
        done = accumulate(_group(payloads), plan, columns)
        kind, state = pickle.loads(done.column("result")[0].as_py())
        assert kind == "state"
        results.append(_plain(plan.finish(*infos, [state])))
    assert results[1] == results[0] and results[2] == results[0]


def test_a_range_refuses_columns_of_types_that_do_not_combine_naming_the_run():
    data, base, cand = _runs(sample_index=True)
    infos = run_info(data, "base"), run_info(data, "cand")
    plan = stream_plan(*infos, data.suite, **OPTIONS)
    words = base.set_column(3, "output", base.column("output").dictionary_encode())
    with pytest.raises(DataError, match="baseline records' 'output' column has types") as exc:
        plan.accumulate_range([words.slice(0, 9), base.slice(9)], [cand])
    assert exc.value.column == "output" and "dictionary" in str(exc.value.found)


def test_a_range_names_itself_rather_than_a_row_of_its_own_records():
    data, base, cand = _runs(sample_index=True)
    infos = run_info(data, "base"), run_info(data, "cand")
    plan = stream_plan(*infos, data.suite, **OPTIONS)
    broken = base.set_column(2, "score", pa.array([0.5] * 5 + [float("inf")] + [0.5] * 114))
    columns = [ipc_bytes(t.schema.empty_table()) for t in (base, cand)]
    done = accumulate(_group([(0, broken), (1, cand)]), plan, columns)
    kind, error = pickle.loads(done.column("result")[0].as_py())
    assert kind == "error" and isinstance(error, DataError)
    assert error.row is None and "in the records of range 0" in str(error)
    assert "infinite score" in str(error)
