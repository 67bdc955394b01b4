"""compare_records: suites and coverage, flips, resampled metrics, latency and cost, arguments."""

from __future__ import annotations

import json

import numpy as np
import pyarrow as pa
import pytest
from scipy import stats
from sklearn.metrics import f1_score, matthews_corrcoef, roc_auc_score

import assay
from assay.compare import compare_records
from assay.core import Comparison, diff_manifests
from assay.data import SuiteData, make_suite
from assay.errors import ConfigError, DataError, ParameterError, SuiteMismatchError
from assay.metrics import confusion_statistics, get_metric
from assay.stats import paired_bootstrap, paired_quantile_bootstrap
from assay.testing import comparison_suite as suite
from assay.testing import paired_records as records
from assay.testing import run_info, synthetic_records

AGGREGATES = {"label_f1": "macro_f1", "label_mcc": "mcc"}


@pytest.fixture(scope="module")
def data() -> SuiteData:
    return suite(
        400, metrics=("accuracy", "score", "label_f1", "label_mcc"), aggregates=AGGREGATES, seed=21
    )


@pytest.fixture(scope="module")
def runs(data: SuiteData) -> tuple[pa.Table, pa.Table]:
    return records(data, 0, error_rate=0.02), records(data, 1, shift=0.3, label_accuracy=0.8)


def _compare(data: SuiteData, base: pa.Table, cand: pa.Table, **kw: object):
    kw.setdefault("resamples", 300)
    return compare_records(
        run_info(data, "base"), base, run_info(data, "cand"), cand, data.suite, **kw
    )


# --------------------------------------------------------------- suites and coverage


def _sub_suite(data: SuiteData, start: int, stop: int) -> SuiteData:
    table = data.examples.slice(start, stop - start)
    table = table.set_column(
        table.column_names.index("lang"), "lang", table.column("lang").cast(pa.string())
    )
    return make_suite(
        data.suite.name, table.drop_columns(["tier"]), metrics=["accuracy"], slices=["lang"]
    )


def test_runs_on_different_suites_are_refused_unless_shared_only(data: SuiteData) -> None:
    first, second = _sub_suite(data, 0, 300), _sub_suite(data, 100, 400)
    base = synthetic_records(first, seed=0)
    cand = synthetic_records(second, seed=1)
    base = assay.data.validate_records(base, first, location=assay.data.Location("<b>", "parquet"))
    cand = assay.data.validate_records(cand, second, location=assay.data.Location("<c>", "parquet"))
    args = (run_info(first, "b"), base, run_info(second, "c"), cand, first.suite)
    with pytest.raises(SuiteMismatchError, match="shared_only=True") as err:
        compare_records(*args)
    assert "different suite versions" in str(err.value)
    result = compare_records(*args, shared_only=True, resamples=100)
    assert result.coverage.model_dump() == {
        "shared": 200,
        "baseline_only": 100,
        "candidate_only": 100,
        "suite_examples": 300,
        "empty_slices": [],
    }
    assert result.result("accuracy").n == 200
    assert result.suite_digest == first.digest


def test_the_suite_given_must_be_the_baselines(data: SuiteData, runs: tuple) -> None:
    other = suite(400, seed=99)
    with pytest.raises(SuiteMismatchError, match="pass the baseline's suite"):
        compare_records(run_info(data, "b"), runs[0], run_info(data, "c"), runs[1], other.suite)


def test_runs_without_a_shared_example_are_refused(data: SuiteData) -> None:
    first, second = _sub_suite(data, 0, 200), _sub_suite(data, 200, 400)
    base = assay.data.validate_records(
        synthetic_records(first, seed=0), first, location=assay.data.Location("<b>", "parquet")
    )
    cand = assay.data.validate_records(
        synthetic_records(second, seed=0), second, location=assay.data.Location("<c>", "parquet")
    )
    with pytest.raises(DataError, match="share no example") as err:
        compare_records(
            run_info(first, "b"), base, run_info(second, "c"), cand, first.suite, shared_only=True
        )
    assert "200 baseline-only and 200 candidate-only" in str(err.value)


# --------------------------------------------------------------------------- flips


def test_flips_list_regressions_first_with_the_records_text(data: SuiteData, runs: tuple) -> None:
    base, cand = runs
    result = _compare(data, base, cand, max_flips=7)
    by_id = {
        name: {r["example_id"]: r for r in t.to_pylist()} for name, t in (("b", base), ("c", cand))
    }
    accuracy = [f for f in result.flips if f.metric == "accuracy"]
    assert len(accuracy) == 7
    regressions = [f.baseline_score > f.candidate_score for f in accuracy]
    assert regressions == sorted(regressions, reverse=True)
    worse = [f.example_id for f in accuracy if f.baseline_score > f.candidate_score]
    expected = sorted(
        e
        for e, r in by_id["b"].items()
        if r["accuracy"] == 1.0 and by_id["c"][e]["accuracy"] == 0.0 and r["error"] is None
    )
    assert worse == expected[: len(worse)]
    all_regressions = [
        i for i, f in enumerate(result.flips) if f.baseline_score > f.candidate_score
    ]
    assert all_regressions == list(range(len(all_regressions)))  # every regression first
    for flip in result.flips:
        b, c = by_id["b"][flip.example_id], by_id["c"][flip.example_id]
        assert (flip.input, flip.reference) == (b["input"], b["reference"])
        assert (flip.baseline_output, flip.candidate_output) == (b["output"], c["output"])
    score = [f for f in result.flips if f.metric == "score"]
    harm = [f.baseline_score - f.candidate_score for f in score if f.regression]
    assert harm == sorted(harm, reverse=True) and all(h > 0 for h in harm)
    gain = [f.change for f in score if not f.regression]
    assert gain == sorted(gain, reverse=True) and all(g > 0 for g in gain)
    assert (len(harm), len(gain)) == (4, 3)  # seven shared fairly, regressions the odd one


def test_flips_respect_a_lower_is_better_goal() -> None:
    data = make_suite(
        "lower",
        suite(200, seed=2).examples,
        metrics=[{"name": "harm", "goal": "lower"}],
        slices=["lang", "tier"],
    )
    base = records(data, 0, accuracy={"harm": 0.2}, continuous=())
    cand = records(data, 1, accuracy={"harm": 0.3}, continuous=())
    result = _compare(data, base, cand, max_flips=5)
    assert result.flips and result.flips[0].candidate_score > result.flips[0].baseline_score
    assert result.result("harm").goal == "lower"


# ------------------------------------------------------------- resampled metrics


def _labels(table: pa.Table) -> tuple[list[str], list[str]]:
    ok = [r for r in table.to_pylist() if r["error"] is None]
    return [json.loads(r["reference"]) for r in ok], [r["output"] for r in ok]


def test_non_mean_metrics_are_recomputed_from_labels(data: SuiteData, runs: tuple) -> None:
    base, cand = runs
    result = _compare(data, base, cand)
    examples = data.examples.to_pandas().set_index("example_id")
    shared = set(base.filter(base.column("error").is_null()).column("example_id").to_pylist())
    for metric, score in (("label_f1", f1_score), ("label_mcc", matthews_corrcoef)):
        for row in (r for r in result.results if r.metric == metric):
            ids = sorted(
                e
                for e in shared
                if row.slice_attribute is None
                or examples.loc[e, row.slice_attribute] == row.slice_value
            )
            estimates = []
            for t in (base, cand):
                sub = t.filter(pa.compute.is_in(t.column("example_id"), pa.array(ids)))
                truth, pred = _labels(sub)
                kw = {"average": "macro"} if score is f1_score else {}
                estimates.append(score(truth, pred, **kw))
            assert row.baseline.estimate == pytest.approx(estimates[0], abs=1e-12)
            assert row.candidate.estimate == pytest.approx(estimates[1], abs=1e-12)
            assert row.n == len(ids)
            assert row.test == "paired bootstrap"
            assert (row.resamples, row.seed) == (300, 0)
            assert row.difference.method == "bca bootstrap"
            assert row.difference.low <= row.difference.estimate <= row.difference.high
            assert row.mde is not None and row.mde > 0


def test_the_overall_non_mean_result_is_the_stats_engines_bootstrap(data: SuiteData) -> None:
    """Same seed, same examples: the same draw as assay.stats.paired_bootstrap."""
    runs = records(data, 0), records(data, 1, label_accuracy=0.8)
    result = _compare(data, *runs, rng=5)
    truth = [json.loads(r) for r in runs[0].column("reference").to_pylist()]
    pred = [t.column("output").to_pylist() for t in runs]
    labels = sorted(set(truth) | set(pred[0]) | set(pred[1]))
    ref = paired_bootstrap(
        confusion_statistics(truth, pred[0], labels),
        confusion_statistics(truth, pred[1], labels),
        get_metric("macro_f1", labels=labels).value,
        rng=5,
        resamples=300,
    )
    row = result.result("label_f1")
    assert row.difference.estimate == pytest.approx(ref.difference.estimate, rel=1e-12)
    assert (row.difference.low, row.difference.high) == pytest.approx(
        (ref.difference.low, ref.difference.high), rel=1e-12
    )
    assert row.p_value == pytest.approx(ref.test.p_value, rel=1e-12)


def test_metrics_with_their_own_resampling_use_the_score_column(data: SuiteData) -> None:
    """roc_auc: y_true from the reference, y_score from the metric's own column."""
    truth = np.random.default_rng(0).integers(0, 2, data.suite.n_examples)
    examples = data.examples.set_column(
        data.examples.column_names.index("reference"),
        "reference",
        pa.array([json.dumps(int(t)) for t in truth]),
    )
    auc = make_suite(
        "auc", examples, metrics=[{"name": "prob", "aggregate": "roc_auc"}], slices=["lang"]
    )

    def run(seed: int, separation: float) -> pa.Table:
        noise = np.random.default_rng(seed).normal(size=truth.size)
        prob = 1.0 / (1.0 + np.exp(-(truth * separation + noise)))
        table = pa.table({"example_id": examples.column("example_id"), "prob": prob})
        return assay.data.validate_records(
            table, auc, location=assay.data.Location("<a>", "parquet")
        )

    base, cand = run(0, 1.0), run(1, 2.0)
    result = compare_records(
        run_info(auc, "a"), base, run_info(auc, "b"), cand, auc.suite, resamples=200
    )
    langs = np.asarray(examples.column("lang").to_pylist())
    for row in (r for r in result.results if r.metric == "prob"):
        rows = (
            np.ones(truth.size, bool) if row.slice_attribute is None else langs == row.slice_value
        )
        for got, t in ((row.baseline, base), (row.candidate, cand)):
            assert got.estimate == pytest.approx(
                roc_auc_score(truth[rows], t.column("prob").to_numpy()[rows])
            )
        assert row.test == "paired bootstrap" and row.resamples == 200
    assert result.result("prob").difference.low > 0
    assert any("own resampling (prob)" in m for m in result.methods)


def test_latency_quantiles_and_cost_are_compared_lower_is_better(
    data: SuiteData, runs: tuple
) -> None:
    base, cand = runs
    result = _compare(data, base, cand, rng=3)
    lat = [t.column("latency_ms").to_numpy() for t in runs]
    for name, q in (("latency_p50", 0.5), ("latency_p95", 0.95)):
        row = result.result(name)
        ref = paired_quantile_bootstrap(lat[0], lat[1], q, rng=3, resamples=300)
        assert row.goal == "lower"
        assert row.difference.estimate == pytest.approx(
            np.quantile(lat[1], q) - np.quantile(lat[0], q)
        )
        assert (row.difference.low, row.difference.high) == pytest.approx(
            (ref.difference.low, ref.difference.high), rel=1e-12
        )
        assert row.test == "paired bootstrap" and row.resamples == 300 and row.seed == 3
        assert not [r for r in result.results if r.metric == name and r.slice_attribute]
        # compared overall only, by design: no slice is "missing" (a note said so wrongly)
        assert not [n for n in row.notes if "no example scored in both runs" in n]
    cost = result.result("cost_per_example")
    ref = stats.ttest_rel(runs[1].column("cost").to_numpy(), runs[0].column("cost").to_numpy())
    assert cost.goal == "lower" and cost.test == "paired t"
    assert cost.p_value == pytest.approx(ref.pvalue, rel=1e-9)
    assert any(
        r.slice_attribute == "lang" for r in result.results if r.metric == "cost_per_example"
    )
    assert any(m.startswith("Latency (latency_p50, latency_p95)") for m in result.methods)


def test_operational_metrics_are_left_out_without_their_columns(
    data: SuiteData, runs: tuple
) -> None:
    base, cand = (t.drop_columns(["latency_ms", "cost"]) for t in runs)
    names = {r.metric for r in _compare(data, base, cand).results}
    assert names == {"accuracy", "score", "label_f1", "label_mcc"}


# -------------------------------------------------------------- report contents


def test_methods_errors_and_metadata_describe_the_comparison(data: SuiteData, runs: tuple) -> None:
    result = _compare(data, *runs, rng=4)
    text = " ".join(result.methods)
    for phrase in (
        "McNemar",
        "Newcombe",
        "paired t",
        "Benjamini-Hochberg",
        "300 resamples seeded with 4",
        "80% power",
    ):
        assert phrase in text
    assert (result.baseline_run, result.candidate_run) == ("base", "cand")
    assert result.baseline_model == "model@1" and result.suite_name == data.suite.name
    assert set(result.errors) == {"baseline", "candidate"}
    order = [r.metric for r in result.results]
    assert (
        order.index("accuracy")
        < order.index("score")
        < order.index("label_f1")
        < order.index("cost_per_example")
    )


def test_small_slices_get_their_width_and_one_summary_note(data: SuiteData, runs: tuple) -> None:
    result = _compare(data, *runs, min_slice_size=10_000)
    for row in (r for r in result.results if r.metric == "score"):
        if row.slice_attribute:
            width = row.difference.high - row.difference.low
            assert f"interval width {width:.3g}" in " ".join(row.notes)
    summary = [n for n in result.result("score").notes if "fewer than 10000" in n]
    assert summary == [
        "5 of 5 slice results have fewer than 10000 paired examples; they are reported with their interval width, not flagged"
    ]


def test_slices_can_be_chosen(data: SuiteData, runs: tuple) -> None:
    result = _compare(data, *runs, slices=["tier"])
    assert {r.slice_attribute for r in result.results} == {None, "tier"}
    assert {r.slice_attribute for r in _compare(data, *runs, slices=[]).results} == {None}
    with pytest.raises(ParameterError, match="The 'slices' parameter of compare_records"):
        _compare(data, *runs, slices=["country"])


def test_a_generator_is_drawn_once_and_reported_as_the_seed(data: SuiteData, runs: tuple) -> None:
    first = _compare(data, *runs, rng=np.random.default_rng(8))
    second = _compare(data, *runs, rng=np.random.default_rng(8))
    assert first.result("label_f1").model_dump() == second.result("label_f1").model_dump()
    assert first.result("label_f1").seed is not None


@pytest.mark.parametrize(
    ("kw", "parameter"),
    [
        ({"confidence": 1.5}, "confidence"),
        ({"resamples": 0}, "resamples"),
        ({"max_flips": -1}, "max_flips"),
        ({"min_slice_size": 2.5}, "min_slice_size"),
        ({"rng": -1}, "rng"),
    ],
)
def test_bad_arguments_name_the_parameter(
    data: SuiteData, runs: tuple, kw: dict, parameter: str
) -> None:
    with pytest.raises(
        ParameterError, match=f"The '{parameter}' parameter of compare_records must be"
    ):
        _compare(data, *runs, **kw)


def test_bad_data_and_definitions_are_named(data: SuiteData, runs: tuple) -> None:
    base, cand = runs
    with pytest.raises(DataError, match="no 'lang' column"):
        _compare(data, base.drop_columns(["lang"]), cand)
    with pytest.raises(DataError, match="no 'score' column"):
        _compare(data, base, cand.drop_columns(["score"]))
    odd = make_suite(
        "odd",
        data.examples,
        metrics=[{"name": "x", "aggregate": "no_such_metric"}],
        slices=["lang"],
    )
    table = synthetic_records(odd, seed=0)
    table = assay.data.validate_records(table, odd, location=assay.data.Location("<o>", "parquet"))
    with pytest.raises(ConfigError, match="no_such_metric"):
        compare_records(run_info(odd, "a"), table, run_info(odd, "b"), table, odd.suite)


# --------------------------------------------------------------- the real store


def test_runs_read_back_from_a_store_compare(store: assay.Store) -> None:
    data = suite(200, seed=31)
    logged = [
        assay.log_run(
            records(data, seed, shift=shift), suite=data, model=f"m@{seed}", store=store
        ).run
        for seed, shift in ((0, 0.0), (1, 0.4))
    ]
    base, cand = logged
    result = compare_records(
        base,
        store.runs.records(base.run_id),
        cand,
        store.runs.records(cand.run_id),
        store.suites.get(base.suite_digest),
        resamples=100,
        manifest_differences=diff_manifests(base.manifest, cand.manifest),
    )
    assert result.coverage.shared == 200
    assert (result.baseline_model, result.candidate_model) == ("m@0", "m@1")
    assert {"path": "model.version", "a": "0", "b": "1"} in result.manifest_differences
    assert result.result("score").difference.estimate > 0
    assert Comparison.model_validate(result.model_dump()) == result


def test_latencies_shared_by_a_batch_are_resampled_as_one_timing(
    data: SuiteData, runs: tuple
) -> None:
    base, cand = runs
    n = base.num_rows
    rng = np.random.default_rng(5)
    batch = np.arange(n) // 40  # 10 batches: every example of a batch shares its timing
    lat_base = rng.gamma(4.0, 1.0, size=10)[batch]
    lat_cand = (rng.gamma(4.0, 1.0, size=10) * 2.0)[batch]
    base = base.set_column(
        base.schema.get_field_index("latency_ms"), "latency_ms", pa.array(lat_base)
    )
    cand = cand.set_column(
        cand.schema.get_field_index("latency_ms"), "latency_ms", pa.array(lat_cand)
    )
    row = _compare(data, base, cand, rng=3).result("latency_p95")
    # the reference: the same paired bootstrap with each batch as a cluster
    ref = paired_quantile_bootstrap(lat_base, lat_cand, 0.95, clusters=batch, rng=3, resamples=300)
    assert (row.difference.low, row.difference.high) == pytest.approx(
        (ref.difference.low, ref.difference.high), rel=1e-12
    )
    naive = paired_quantile_bootstrap(lat_base, lat_cand, 0.95, rng=3, resamples=300)
    width = row.difference.high - row.difference.low
    assert width > naive.difference.width
    assert any("10 timing groups" in note for note in row.notes)


def test_one_shared_timing_per_run_gives_no_latency_interval_and_says_why(
    data: SuiteData, runs: tuple
) -> None:
    base, cand = runs
    n = base.num_rows
    index = base.schema.get_field_index("latency_ms")
    base = base.set_column(index, "latency_ms", pa.array(np.full(n, 2.0)))
    cand = cand.set_column(index, "latency_ms", pa.array(np.full(n, 9.0)))
    result = _compare(data, base, cand, rng=3)
    assert not [r for r in result.results if r.metric.startswith("latency_")]
    assert any(
        m.startswith("Not compared: latency_p95: examples timed together") for m in result.methods
    )


def test_the_old_name_compare_runs_still_works_with_a_deprecation_warning(
    data: SuiteData, runs: tuple
) -> None:
    base, cand = runs
    args = (run_info(data, "base"), base, run_info(data, "cand"), cand, data.suite)
    with pytest.warns(DeprecationWarning, match=r"assay\.compare\.compare_records"):
        old = assay.compare.compare_runs(*args, resamples=100)
    new = compare_records(*args, resamples=100)
    assert old.results == new.results
    assert "compare_runs" not in assay.compare.__all__
