"""A streamed comparison equals compare_records(..., resampling="poisson") row by row: the
functions of sums (macro-F1, MCC) to the bit, with the same categories, whatever the seed, the
share of errored records, the metrics, the slices and the chunks."""

from __future__ import annotations

import json
from functools import partial
from typing import Any

import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.metrics import f1_score, matthews_corrcoef

from assay.compare import compare_record_streams, compare_records
from assay.core import Comparison
from assay.testing import comparison_suite, paired_records, run_info

AGGREGATES = {"label_f1": "macro_f1", "label_mcc": "mcc"}
METRIC_SETS = (
    ("label_f1",),
    ("label_mcc",),
    ("label_f1", "label_mcc"),
    ("accuracy", "score", "label_f1"),
    ("accuracy", "score", "label_f1", "label_mcc"),
)
SLICES = (
    {"lang": ("de", "en", "fr"), "tier": ("free", "paid")},
    {"lang": ("de", "en", "es", "fr", "it", "ja", "pt"), "tier": ("free", "paid")},
)


def _batches(table: pa.Table, size: int) -> list[pa.Table]:
    return [table.slice(i, size) for i in range(0, table.num_rows, size)] or [table]


def _rows(c: Comparison) -> dict[tuple[Any, ...], dict[str, Any]]:
    return {(r.metric, r.slice_attribute, r.slice_value): r.model_dump() for r in c.results}


# errored records add categories without statistics, more than an eighth of the examples in
# the lang slices here: the in-memory comparison still draws the stream's categories
PINNED = (
    (500, 5, 0, 0.03, ("label_f1",), SLICES[0], 150, (97, 130)),
    (500, 5, 0, 0.03, ("label_mcc",), SLICES[0], 150, (97, 130)),
)


@pytest.mark.parametrize("case", PINNED)
def test_errored_records_leave_the_categories_alike(case) -> None:
    streamed, base, cand = _check(*case)
    metric = case[4][0]
    score = {"label_f1": partial(f1_score, average="macro"), "label_mcc": matthews_corrcoef}
    # scikit-learn on the examples that neither run errored on, in each slice value
    b, c = base.to_pandas(), cand.to_pandas()
    for row in (r for r in streamed.results if r.metric == metric):
        keep = b["error"].isna() & c["error"].isna()
        if row.slice_attribute is not None:
            keep &= b[row.slice_attribute] == row.slice_value
        assert row.n == int(keep.sum()) < len(b)
        for run, part in ((b, row.baseline), (c, row.candidate)):
            truth = [json.loads(x) for x in run["reference"][keep]]
            assert part.estimate == pytest.approx(
                score[metric](truth, list(run["output"][keep])), abs=1e-12
            )
    # more categories than an eighth of the examples in the lang slices
    (note,) = {n for r in streamed.results if r.slice_attribute == "lang" for n in r.notes}
    assert int(note.removeprefix("category fast path (").split()[0]) > case[0] // 8


@pytest.mark.slow
@settings(max_examples=25, deadline=None)
@given(
    n=st.sampled_from((120, 300, 500)),
    seed=st.integers(0, 10_000),
    draw=st.integers(0, 10_000),
    error_rate=st.sampled_from((0.0, 0.03, 0.1, 0.4)),
    metrics=st.sampled_from(METRIC_SETS),
    slices=st.sampled_from(SLICES),
    chunk=st.integers(1, 600),
    sizes=st.tuples(st.integers(1, 600), st.integers(1, 600)),
)
def test_streaming_equals_the_poisson_in_memory_comparison(
    n, seed, draw, error_rate, metrics, slices, chunk, sizes
) -> None:
    _check(n, seed, draw, error_rate, metrics, slices, chunk, sizes)


def _check(
    n: int,
    seed: int,
    draw: int,
    error_rate: float,
    metrics: tuple[str, ...],
    slices: dict[str, tuple[str, ...]],
    chunk: int,
    sizes: tuple[int, int],
) -> tuple[Comparison, pa.Table, pa.Table]:
    """Compare in memory and streamed; assert the two agree row by row."""
    aggregates = {m: AGGREGATES[m] for m in metrics if m in AGGREGATES}
    data = comparison_suite(n, metrics=metrics, aggregates=aggregates, slices=slices, seed=seed)
    base = paired_records(data, draw, error_rate=error_rate)
    cand = paired_records(data, draw + 1, shift=0.3, label_accuracy=0.8, error_rate=error_rate / 2)
    infos = run_info(data, "base"), run_info(data, "cand")
    memory = compare_records(
        infos[0], base, infos[1], cand, data.suite, resampling="poisson", resamples=200, rng=draw
    )
    streamed = compare_record_streams(
        infos[0],
        _batches(base, sizes[0]),
        infos[1],
        _batches(cand, sizes[1]),
        data.suite,
        chunk_rows=chunk,
        resamples=200,
        rng=draw,
    )
    mine, theirs = _rows(streamed), _rows(memory)
    # only the latency quantiles, which need every latency at once, are left out
    assert set(theirs) - set(mine) <= {("latency_p50", None, None), ("latency_p95", None, None)}
    assert set(mine) <= set(theirs)
    for key, row in mine.items():
        other = theirs[key]
        assert row["notes"] == other["notes"], key
        if key[0] in aggregates:
            # one draw of the same categories: every estimate and bound to the bit
            assert row == other, key
            continue
        for part in ("baseline", "candidate", "difference"):
            for field in ("estimate", "low", "high"):
                assert row[part][field] == pytest.approx(other[part][field], rel=1e-12, abs=1e-15)
            assert row[part]["method"] == other[part]["method"]
    assert streamed.errors == memory.errors
    assert streamed.coverage == memory.coverage
    return streamed, base, cand
