"""Hypothesis strategies for per-example scores, suites and records tables.

The only module of assay that imports hypothesis (``pip install hypothesis``); import it as
``from assay.testing import strategies``. Drawn suites and records are valid: records pass
:func:`assay.data.validate_records` for their suite, with some examples failed (an error and
no scores), as real runs have.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import pyarrow as pa
from hypothesis import strategies as st

from assay.data import SuiteData, make_suite

__all__ = ["paired_scores", "records_tables", "scores", "suites", "suites_with_records"]

ScoreKind = Literal["binary", "continuous"]

_SLICE_VALUES = ("en", "de", "fr", "日本語")


def scores(
    kind: ScoreKind = "binary", *, min_size: int = 2, max_size: int = 200
) -> st.SearchStrategy[list[float]]:
    """Per-example scores: 0/1 outcomes, or finite values in [0, 1]."""
    element: st.SearchStrategy[float] = (
        st.sampled_from([0.0, 1.0])
        if kind == "binary"
        else st.floats(0.0, 1.0, allow_nan=False, allow_infinity=False)
    )
    return st.lists(element, min_size=min_size, max_size=max_size)


@st.composite
def paired_scores(
    draw: st.DrawFn, kind: ScoreKind = "binary", *, min_size: int = 2, max_size: int = 200
) -> tuple[list[float], list[float]]:
    """A baseline's and a candidate's scores on the same examples (equal lengths)."""
    baseline = draw(scores(kind, min_size=min_size, max_size=max_size))
    n = len(baseline)
    candidate = draw(scores(kind, min_size=n, max_size=n))
    return baseline, candidate


@st.composite
def suites(
    draw: st.DrawFn,
    *,
    min_examples: int = 1,
    max_examples: int = 50,
    metrics: Sequence[str] = ("accuracy",),
    clustered: bool | None = None,
) -> SuiteData:
    """A suite with unique example ids, a ``lang`` slice and, maybe, clusters."""
    n = draw(st.integers(min_examples, max_examples))
    ids = draw(
        st.lists(
            st.text("abcdefghijklmnopqrstuvwxyz0123456789-_", min_size=1, max_size=12),
            min_size=n,
            max_size=n,
            unique=True,
        )
    )
    langs = draw(st.lists(st.sampled_from(_SLICE_VALUES), min_size=n, max_size=n))
    columns: dict[str, object] = {
        "example_id": ids,
        "lang": langs,
        "input": [f"question {i}" for i in range(n)],
        "reference": [f"answer {i}" for i in range(n)],
    }
    if clustered if clustered is not None else draw(st.booleans()):
        size = draw(st.integers(1, 5))
        columns["cluster"] = [f"c{i // size}" for i in range(n)]
    return make_suite(
        "drawn",
        pa.table(columns),
        metrics=[{"name": m, "scorer": "exact_match"} for m in metrics],
        slices=["lang"],
    )


@st.composite
def records_tables(
    draw: st.DrawFn, data: SuiteData, *, samples: int = 1, kind: ScoreKind = "binary"
) -> pa.Table:
    """Records of one run on ``data``: a score per metric, latency, and some failed rows."""
    ids = data.examples.column("example_id").to_pylist()
    rows = len(ids) * samples
    failed = draw(st.lists(st.booleans(), min_size=rows, max_size=rows))
    columns: dict[str, object] = {
        "example_id": [i for i in ids for _ in range(samples)],
        "sample_index": pa.array([s for _ in ids for s in range(samples)], pa.int32()),
    }
    for metric in data.suite.metric_names:
        drawn = draw(scores(kind, min_size=rows, max_size=rows))
        columns[metric] = pa.array(
            [None if f else v for f, v in zip(failed, drawn, strict=True)], pa.float64()
        )
    columns["output"] = pa.array([None if f else f"output {i}" for i, f in enumerate(failed)])
    latency = draw(st.lists(st.floats(0.1, 5000.0), min_size=rows, max_size=rows))
    columns["latency_ms"] = pa.array(latency, pa.float64())
    columns["error"] = pa.array(
        ["TimeoutError: no answer" if f else None for f in failed], pa.string()
    )
    return pa.table(columns)


@st.composite
def suites_with_records(
    draw: st.DrawFn, *, max_examples: int = 50, metrics: Sequence[str] = ("accuracy",)
) -> tuple[SuiteData, pa.Table]:
    """A suite and the records of one run on it."""
    data = draw(suites(max_examples=max_examples, metrics=metrics))
    return data, draw(records_tables(data))
