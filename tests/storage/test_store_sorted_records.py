"""Stored records are sorted by (example_id, sample_index); the run digest ignores file order;
record files written unsorted (by earlier versions) still read and compare the same."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import sqlalchemy as sa

import assay
from assay.compare._align import _sorted_groups, pair_runs
from assay.data import make_suite
from assay.storage._schema import runs
from assay.testing import make_records, make_run, make_suite_model, synthetic_records

_IDS = ["q-7", "q-10", "a-3", "q-2", "b-1", "a-30"]  # suite order is not id order


def _suite() -> assay.SuiteData:
    examples = pa.table({"example_id": _IDS, "lang": ["en", "de", "en", "fr", "de", "en"]})
    return make_suite("unsorted-ids", examples, metrics=["accuracy"], slices=["lang"])


def _records_path(store: assay.Store, run_id: str) -> str:
    with store.runs.engine.connect() as conn:
        found = conn.execute(sa.select(runs.c.records_path).where(runs.c.run_id == run_id))
        relative: str = found.scalar_one()
    return relative


def _samples(seed: int) -> pa.Table:
    """Two samples of every example, in a shuffled order."""
    rng = np.random.default_rng(seed)
    rows = [(e, s) for e in _IDS for s in (1, 0)]
    order = rng.permutation(len(rows))
    return pa.table(
        {
            "example_id": [rows[i][0] for i in order],
            "sample_index": [rows[i][1] for i in order],
            "accuracy": [float((len(rows[i][0]) + rows[i][1]) % 2) for i in order],
        }
    )


def test_logged_records_are_stored_sorted_by_id_then_sample(store):
    records = _samples(0)
    logged = assay.log_run(records, suite=_suite(), model="m@1", store=store)
    relative = _records_path(store, logged.run.run_id)
    on_disk = pq.read_table(store.runs.files.path(relative))
    keys = list(
        zip(on_disk["example_id"].to_pylist(), on_disk["sample_index"].to_pylist(), strict=True)
    )
    assert keys == sorted((e, s) for e in _IDS for s in (0, 1))
    # the rows are the given ones, moved: each score stays with its example and sample
    given = dict(
        zip(
            zip(
                records["example_id"].to_pylist(), records["sample_index"].to_pylist(), strict=True
            ),
            records["accuracy"].to_pylist(),
            strict=True,
        )
    )
    assert dict(zip(keys, on_disk["accuracy"].to_pylist(), strict=True)) == given
    assert _sorted_groups(on_disk["example_id"].combine_chunks()) is not None


def test_the_same_records_in_any_order_are_one_run(store):
    data = _suite()
    first = assay.log_run(_samples(1), suite=data, model="m@1", store=store)
    again = assay.log_run(_samples(2), suite=data, model="m@1", store=store)
    assert first.created and not again.created
    assert again.run.content_digest == first.run.content_digest


def test_put_sorts_and_digests_the_sorted_order(store):
    suite, examples = make_suite_model("put-order", n=30, seed=2)
    store.suites.put(suite, examples)
    records = make_records(30, seed=3, errors=2)
    shuffled = records.take(pa.array(np.random.default_rng(5).permutation(30)))
    a, created_a = store.runs.put(
        make_run(suite, shuffled, run_id="a", content_digest=""), shuffled
    )
    assert created_a and store.runs.records("a").equals(records)
    # same records in another order and under another id: the content is already stored
    other = records.take(pa.array(np.arange(30)[::-1]))
    b, created_b = store.runs.put(make_run(suite, other, run_id="b", content_digest=""), other)
    assert not created_b and b.run_id == "a" and b.content_digest == a.content_digest
    assert [r.run_id for r in store.runs.list()] == ["a"]
    # the file written for the duplicate was removed again
    files = sorted(p.name for p in Path(store.runs.files.path("")).glob("*.parquet"))
    assert files == [_records_path(store, "a")]


def test_an_unsorted_record_file_of_an_older_store_compares_the_same(store):
    data = assay.testing.synthetic_suite(200, seed=6)
    base = assay.log_run(
        synthetic_records(data, accuracy=0.6, seed=6), suite=data, model="m@1", store=store
    )
    cand = assay.log_run(
        synthetic_records(data, accuracy=0.7, seed=7), suite=data, model="m@2", store=store
    )
    before = assay.compare_runs(base.run.run_id, cand.run.run_id, store=store)
    # rewrite the candidate's file in shuffled order, as a store made before sorting holds it
    # (under a name of then, which records no digest)
    relative = f"{cand.run.run_id}.0123abcd.parquet"
    stored = store.runs.records(cand.run.run_id)
    shuffled = stored.take(pa.array(np.random.default_rng(8).permutation(stored.num_rows)))
    store.runs.files.write_parquet(relative, shuffled)
    with store.engine.begin() as conn:
        conn.execute(
            runs.update().where(runs.c.run_id == cand.run.run_id).values(records_path=relative)
        )
    on_disk = store.runs.records(cand.run.run_id)
    assert on_disk.equals(shuffled) and not on_disk.equals(stored)
    after = assay.compare_runs(base.run.run_id, cand.run.run_id, store=store)
    assert after.model_dump(exclude={"created_at"}) == before.model_dump(exclude={"created_at"})
    paired = pair_runs(store.runs.records(base.run.run_id), on_disk)
    assert paired.n == 200 and not paired.candidate.identity
