"""A partial run's missing slices are named, not silently left out."""

from __future__ import annotations

import warnings

import pyarrow as pa
import pyarrow.compute as pc

import assay
from assay.cli import main
from assay.compare import compare_records
from assay.data import SuiteData
from assay.errors import CoverageWarning
from assay.reports import render_html, render_markdown, render_memo
from assay.testing import run_info, synthetic_records, synthetic_suite


def _records(data: SuiteData, seed: int, without: str | None = None) -> pa.Table:
    """Validated records (with the suite's slice columns), less one language when asked."""
    records = synthetic_records(data, seed=seed)
    if without is not None:
        langs = data.examples.select(["example_id", "lang"])
        ids = langs.filter(pc.equal(langs.column("lang").cast(pa.string()), without))
        keep = pc.invert(pc.is_in(records.column("example_id"), ids.column("example_id")))
        records = records.filter(keep)
    location = assay.data.Location("<records>", "parquet")
    return assay.data.validate_records(records, data, location=location)


def test_a_slice_only_the_baseline_has_is_named() -> None:
    data = synthetic_suite(300, seed=3)
    base = _records(data, 1)
    cand = _records(data, 2, "fr")
    c = compare_records(
        run_info(data, "b"), base, run_info(data, "c"), cand, data.suite, resamples=50
    )
    assert c.coverage.empty_slices == ["lang=fr"]
    assert {r.slice_value for r in c.results if r.slice_attribute == "lang"} == {"de", "en"}
    for text in (render_markdown(c), render_html(c), c._repr_html_()):
        assert "No examples in this comparison (no result): lang=fr." in text
    assert "No examples in this comparison, so no result: lang=fr." in render_memo(c, assay.gate(c))
    full = compare_records(
        run_info(data, "b"), base, run_info(data, "c"), base, data.suite, resamples=50
    )
    assert full.coverage.empty_slices == []
    assert "No examples in this comparison" not in render_markdown(full)


def test_a_slice_neither_partial_run_has_comes_from_the_suite() -> None:
    data = synthetic_suite(300, seed=4)
    base = _records(data, 1, "de")
    cand = _records(data, 2, "de")
    args = (run_info(data, "b"), base, run_info(data, "c"), cand, data.suite)
    assert compare_records(*args, resamples=50).coverage.empty_slices == []
    calls = []

    def examples() -> pa.Table:
        calls.append(1)
        return data.examples

    c = compare_records(*args, resamples=50, suite_examples=examples)
    assert c.coverage.empty_slices == ["lang=de"] and calls == [1]
    # a run covering the whole suite never reads the examples
    compare_records(
        run_info(data, "b"), _records(data, 1), run_info(data, "c"), _records(data, 2),
        data.suite, resamples=50, suite_examples=examples,
    )  # fmt: skip
    assert calls == [1]


def _not_lang(data: SuiteData, lang: str) -> pa.Array:
    ids = data.examples.filter(pc.equal(data.examples.column("lang").cast(pa.string()), lang))
    return pc.invert(
        pc.is_in(synthetic_records(data, seed=2).column("example_id"), ids.column("example_id"))
    )


def test_compare_says_which_slice_has_no_examples(home, capsys) -> None:
    data = synthetic_suite(300, seed=5)
    base = assay.log_run(synthetic_records(data, seed=1), suite=data, model="m@1")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", CoverageWarning)
        cand = assay.log_run(
            synthetic_records(data, seed=2).filter(_not_lang(data, "en")), suite=data, model="m@2"
        )
    b, c = base.run.run_id, cand.run.run_id
    assert main(["compare", b, c]) == 0
    out = capsys.readouterr().out
    assert "no examples in this comparison: lang=en (the slice has no paired example" in out
    assert assay.compare_runs(b, c).coverage.empty_slices == ["lang=en"]


def test_a_slice_column_without_any_value_gives_no_slice() -> None:
    data = synthetic_suite(200, seed=5)

    def without_lang(seed: int) -> pa.Table:
        records = _records(data, seed)
        i = records.column_names.index("lang")
        return records.set_column(i, "lang", pa.nulls(records.num_rows, records["lang"].type))

    c = compare_records(
        run_info(data, "b"), without_lang(1), run_info(data, "c"), without_lang(2), data.suite,
        resamples=50,
    )  # fmt: skip
    assert not [r for r in c.results if r.slice_attribute == "lang"]
    assert c.coverage.empty_slices == []
