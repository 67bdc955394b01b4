"""``to_pandas`` of a list of runs and of a comparison: the numbers are the objects' numbers."""

from __future__ import annotations

import math

import pandas as pd
import pytest

import assay
from assay.core import RunList
from assay.testing import report_comparison, synthetic_records, synthetic_suite


@pytest.fixture
def logged(store: assay.Store) -> list[assay.LoggedRun]:
    suite = synthetic_suite(150, seed=3)
    return [
        assay.log_run(
            synthetic_records(suite, seed=s),
            suite=suite,
            model=f"clf@{s}",
            tags={"seed": str(s), "stage": "<b>x</b>"},
            store=store,
        )
        for s in (1, 2, 3)
    ]


def test_list_runs_stays_a_list_and_converts_one_row_per_run(
    store: assay.Store, logged: list[assay.LoggedRun]
) -> None:
    runs = assay.list_runs(store=store)
    assert isinstance(runs, list) and isinstance(runs, RunList)
    assert len(runs) == 3 and runs[0].run_id == runs[:1][0].run_id
    frame = runs.to_pandas()
    assert list(frame["run_id"]) == [r.run_id for r in runs]
    assert list(frame["model"]) == [r.model.name for r in runs]
    assert list(frame["version"]) == [r.model.version for r in runs]
    assert set(frame["suite"]) == {runs[0].suite_name}
    assert list(frame["records"]) == [r.n_records for r in runs]
    assert list(frame["tags"]) == [r.tags for r in runs]
    assert str(frame["created"].dt.tz) == "UTC"
    assert [ts.to_pydatetime() for ts in frame["created"]] == [r.created_at for r in runs]
    metrics = list(runs[0].metrics)
    assert metrics, "the synthetic runs have metrics"
    for i, run in enumerate(runs):
        for name, summary in run.metrics.items():
            assert frame.loc[i, name] == summary.estimate
            assert frame.loc[i, f"{name}_low"] == summary.low
            assert frame.loc[i, f"{name}_high"] == summary.high


def test_an_empty_list_of_runs_converts_to_an_empty_frame(store: assay.Store) -> None:
    frame = assay.list_runs(store=store).to_pandas()
    assert len(frame) == 0 and "model" in frame.columns


def test_a_metric_named_like_a_column_does_not_overwrite_it(
    logged: list[assay.LoggedRun],
) -> None:
    run = logged[0].run.info()
    summary = next(iter(run.metrics.values()))
    renamed = run.model_copy(update={"metrics": {"model": summary}})
    frame = RunList([renamed]).to_pandas()
    assert frame.loc[0, "model"] == run.model.name
    assert frame.loc[0, "metric:model"] == summary.estimate


def test_comparison_converts_one_row_per_metric_and_slice() -> None:
    comparison = report_comparison()
    frame = comparison.to_pandas()
    assert isinstance(frame, pd.DataFrame)
    assert len(frame) == len(comparison.results)
    for row, r in zip(frame.itertuples(index=False), comparison.results, strict=True):
        assert (row.metric, row.n) == (r.metric, r.n)
        if r.slice_attribute is None:  # overall: missing, as pandas writes it
            assert pd.isna(row.slice_attribute) and pd.isna(row.slice_value)
        else:
            assert (row.slice_attribute, row.slice_value) == (r.slice_attribute, r.slice_value)
        assert (row.baseline, row.candidate) == (r.baseline.estimate, r.candidate.estimate)
        assert (row.baseline_low, row.candidate_high) == (r.baseline.low, r.candidate.high)
        assert (row.difference, row.difference_low, row.difference_high) == (
            r.difference.estimate,
            r.difference.low,
            r.difference.high,
        )
        assert row.p == r.p_value
        assert (math.isnan(row.p_adj) and r.p_adjusted is None) or row.p_adj == r.p_adjusted
        assert (row.test, row.method) == (r.test, r.difference.method)


def test_a_real_comparison_converts(store: assay.Store, logged: list[assay.LoggedRun]) -> None:
    comparison = assay.compare_runs(logged[0].run.run_id, logged[1].run.run_id, store=store)
    frame = comparison.to_pandas()
    overall = frame[frame["slice_attribute"].isna()]
    assert list(overall["metric"]) == [
        r.metric for r in comparison.results if r.slice_attribute is None
    ]
    assert list(frame["difference"]) == [r.difference.estimate for r in comparison.results]
    assert list(frame["n"]) == [r.n for r in comparison.results]


def test_core_imports_no_pandas_until_asked() -> None:
    import subprocess
    import sys

    code = (
        "import sys, assay.core\n"
        "assert 'pandas' not in sys.modules and 'numpy' not in sys.modules, 'eager import'\n"
        "import assay.reports\n"
        "assert 'pandas' not in sys.modules, 'eager import'\n"
        "import assay\n"
        "assert 'pandas' not in sys.modules\n"
        "assay.list_runs  # the facade loads the API and the notebook views, still no pandas\n"
        "assert 'pandas' not in sys.modules\n"
        "print('ok')"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "ok"


def test_dir_of_assay_is_the_public_api() -> None:
    names = dir(assay)
    assert [n for n in names if not n.startswith("__")] == sorted(
        n for n in assay.__all__ if not n.startswith("__")
    )
    assert "importlib" not in names and "TYPE_CHECKING" not in names
    assert "__version__" in names and "__name__" in names
