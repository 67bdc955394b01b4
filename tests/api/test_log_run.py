"""Recording runs from Python and from files, and finding them again."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest
from scipy import stats as sps

import assay
from assay.testing import synthetic_records, synthetic_suite


def test_log_run_round_trip_with_interval_and_manifest(store):
    data = synthetic_suite(400, seed=4)
    records = synthetic_records(data, accuracy=0.7, seed=4)
    logged = assay.log_run(
        records.to_pandas(),
        suite=data,
        model="qa-model@3",
        store=store,
        params={"temperature": 0.2},
        tags={"stage": "candidate"},
        seeds={"sampling": 7},
    )
    run = assay.get_run(logged.run.run_id[:8], store=store)
    assert run.run_id == logged.run.run_id and run.status == "complete"
    acc = run.metrics["accuracy"]
    scores = records.column("accuracy").to_numpy()
    # 400 binary outcomes: the t interval of the mean (normal theory) is the reference
    se = scores.std(ddof=1) / np.sqrt(len(scores))
    half = sps.t.ppf(0.975, len(scores) - 1) * se
    assert acc.estimate == pytest.approx(scores.mean())
    assert (acc.low, acc.high) == pytest.approx(
        (scores.mean() - half, scores.mean() + half), rel=1e-9
    )
    assert acc.method and acc.n == 400
    m = run.manifest
    assert (
        m.seeds == {"sampling": 7} and m.suite_digest == data.digest and m.model.name == "qa-model"
    )
    assert "numpy" in m.packages and m.python.startswith("CPython")
    stored = store.runs.records(run.run_id)
    assert stored.num_rows == 400 and set(data.suite.slice_names) <= set(stored.column_names)


def test_same_content_is_not_stored_twice(store):
    data = synthetic_suite(60)
    records = synthetic_records(data, seed=5)
    first = assay.log_run(records, suite=data, model="m@1", store=store)
    again = assay.log_run(records, suite=data, model="m@1", store=store)
    assert first.created and not again.created and again.run.run_id == first.run.run_id
    reordered = records.take(np.random.default_rng(0).permutation(records.num_rows))
    assert (
        assay.log_run(reordered, suite=data, model="m@1", store=store).run.run_id
        == first.run.run_id
    )
    assert len(assay.list_runs(store=store)) == 1


def test_repeated_samples_are_averaged_per_example(store):
    data = synthetic_suite(80)
    records = synthetic_records(data, samples=3, seed=6)
    run = assay.log_run(records, suite=data, model="m@1", store=store).run
    per_example = records.to_pandas().groupby("example_id")["accuracy"].mean()
    assert run.metrics["accuracy"].n == 80 and run.n_records == 240
    assert run.metrics["accuracy"].estimate == pytest.approx(per_example.mean())


def test_clustered_suite_reports_clusters(store):
    data = synthetic_suite(300, cluster_size=10)
    run = assay.log_run(synthetic_records(data, seed=7), suite=data, model="m@1", store=store).run
    assert run.metrics["accuracy"].n_clusters == 30


def test_list_filters_on_suite_model_tag_and_metric(store):
    data = synthetic_suite(200)
    for i, acc in enumerate((0.5, 0.7, 0.9)):
        assay.log_run(
            synthetic_records(data, accuracy=acc, seed=i),
            suite=data,
            model=f"m@{i}",
            store=store,
            tags={"team": "a" if i else "b"},
        )
    good = assay.list_runs(
        store=store, where=["accuracy>=0.65"], tags={"team": "a"}, sort="accuracy"
    )
    assert [r.model.version for r in good] == ["2", "1"]
    assert [r.model.version for r in assay.list_runs(store=store, model="m@0")] == ["0"]
    assert len(assay.list_runs(store=store, suite="synthetic")) == 3
    with pytest.raises(assay.errors.ConfigError, match="METRIC OP NUMBER"):
        assay.list_runs(store=store, where=["accuracy is high"])


def test_polars_like_and_list_inputs(store):
    data = synthetic_suite(30)
    rows = synthetic_records(data, seed=8).select(["example_id", "accuracy"]).to_pylist()
    assert assay.log_run(rows, suite=data, model="m@1", store=store).created
    frame = pd.DataFrame(rows)
    assert not assay.log_run(frame, suite=data, model="m@1", store=store).created


def test_export_matches_stored_records(store, tmp_path):
    data = synthetic_suite(30)
    run = assay.log_run(synthetic_records(data, seed=9), suite=data, model="m@1", store=store).run
    table = store.runs.records(run.run_id)
    path = tmp_path / "r.parquet"
    pq.write_table(table, path)
    assert pq.read_table(path).equals(table)


def test_interval_of_a_bounded_score_stays_in_range(store):
    rows = [
        {"example_id": f"e{i}", "sample_index": k, "accuracy": float(i < 3 or k < 2)}
        for i in range(4)
        for k in range(3)
    ]
    data = assay.make_suite(
        "tiny", [{"example_id": f"e{i}"} for i in range(4)], metrics=["accuracy"]
    )
    acc = assay.log_run(rows, suite=data, model="m@1", store=store).run.metrics["accuracy"]
    assert 0.0 <= acc.low <= acc.estimate <= acc.high <= 1.0
    assert "clipped to [0, 1]" in acc.method


def test_file_inputs_are_stored_like_suite_inputs(store, tmp_path):
    data = assay.make_suite(
        "io", [{"example_id": "a", "input": "hi"}, {"example_id": "b"}], metrics=["acc"]
    )
    rows = [
        {"example_id": "a", "acc": 1.0, "input": "hi"},
        {"example_id": "b", "acc": 0.0, "input": "plain text", "reference": '{"k": 1}'},
    ]
    run = assay.log_run(rows, suite=data, model="m@1", store=store).run
    table = store.runs.records(run.run_id)
    assert table.column("input").to_pylist() == ['"hi"', '"plain text"']
    assert table.column("reference").to_pylist() == [None, '{"k":1}']
    # the same content without the file's copy of the suite's input is the same run
    again = [{"example_id": "a", "acc": 1.0}, rows[1]]
    assert not assay.log_run(again, suite=data, model="m@1", store=store).created


def test_exported_records_reingest_as_the_same_run(home, store, tmp_path):
    from assay.cli import main

    data = synthetic_suite(40)
    run = assay.log_run(synthetic_records(data, seed=3), suite=data, model="m@1", store=store).run
    out = tmp_path / "export.jsonl"
    assert main(["runs", "export", run.run_id, "-o", str(out)]) == 0
    import pyarrow.json as pj

    exported = pj.read_json(out).drop_columns(["lang", "cluster"])
    again = assay.log_run(exported, suite=data, model="m@1", store=store)
    assert not again.created and again.run.run_id == run.run_id
    assert not list(tmp_path.glob("*.partial"))


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_examples_are_counted_distinct_with_repeated_samples_in_any_order(store, seed):
    rng = np.random.default_rng(seed)
    ids = [f"q{i:03d}" for i in range(60)]
    suite = assay.make_suite("counted", [{"example_id": x} for x in ids], metrics=["accuracy"])
    # some examples absent, some with one sample, some with several (not from 0), shuffled
    rows = [
        {"example_id": x, "sample_index": int(s), "accuracy": float(rng.random() < 0.5)}
        for x in ids
        for s in rng.choice(10, size=int(rng.integers(0, 4)), replace=False)
    ]
    rows = [rows[i] for i in rng.permutation(len(rows))]
    with pytest.warns(assay.errors.CoverageWarning):
        run = assay.log_run(rows, suite=suite, model=f"m@{seed}", store=store).run
    assert run.n_records == len(rows)
    assert run.n_examples == len({r["example_id"] for r in rows})
