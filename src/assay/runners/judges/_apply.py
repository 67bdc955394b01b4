"""Scoring a run's records with trained embedding judges.

Each judge labels the pair (objective, output) of every record without an error: the
objective is the example's ``objective`` field when it has one (a key of a mapping input, or
a slice), else its input when that is text. A judge that cannot score a record (no objective
text, an output that is not text) leaves that metric missing (NaN) on it and says why in
``failures``; the record keeps its other scores and is not an errored record.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from typing import Any

import numpy as np
import pyarrow as pa

from assay.data import SuiteData
from assay.errors import ConfigError, DataError, UnvalidatedJudgeWarning
from assay.runners._tasks import example_fields
from assay.runners.judges._features import PairEmbedder
from assay.runners.judges._trained import EmbeddingJudge

__all__ = ["JudgeFailures", "judge_records"]

JudgeFailures = dict[str, dict[str, str]]
"""Per metric, the example id of each record its judge could not score and the reason."""


def judge_records(
    data: SuiteData,
    records: pa.Table,
    judges: Mapping[str, EmbeddingJudge],
    *,
    embedder: PairEmbedder | None = None,
    failures: JudgeFailures | None = None,
) -> pa.Table:
    """Fill each judged metric's column with its judge's 0/1 label of the record's output.

    Args:
        data: the suite the records belong to.
        records: a run's records (``example_id``, ``output``, ``error``).
        judges: metric name → :class:`EmbeddingJudge`; the metric must be one of the suite's.
        embedder: the encoder (and its cache); by default the shipped MiniLM, no cache.
        failures: a mapping to receive, per metric, the example id and reason of every record
            the judge could not score (their metric is NaN; they are not errored records).

    Raises:
        ConfigError: a metric is not the suite's, or a judge is not an EmbeddingJudge.
        DataError: a judge was fitted on another encoder, or a record's example is unknown.

    Warns :class:`~assay.errors.UnvalidatedJudgeWarning` for a judge never checked against
    human labels (its scores are the judge's, not people's).
    """
    for name, judge in judges.items():
        if not isinstance(judge, EmbeddingJudge):
            raise ConfigError(
                f"The judge of metric {name!r} must be an EmbeddingJudge. "
                f"Got {type(judge).__name__}."
            )
        if name not in data.suite.metric_names:
            raise ConfigError(
                f"Metric {name!r} is not a metric of suite {data.suite.name!r} "
                f"(its metrics: {data.suite.metric_names})."
            )
    enc = embedder or PairEmbedder()
    fields = {f["example_id"]: f for f in example_fields(data.examples, data.suite.slice_names)}
    ids = records.column("example_id").to_pylist()
    outputs = records.column("output").to_pylist()
    errors = records.column("error").to_pylist()
    pairs: list[tuple[int, str, str]] = []
    skipped: dict[str, str] = {}
    for row, example_id in enumerate(ids):
        if errors[row] is not None:
            continue
        if example_id not in fields:
            raise DataError(
                f"the record's example is not in suite {data.suite.name!r}",
                row=row,
                column="example_id",
                expected="an example id of the suite",
                found=repr(example_id)[:80],
            )
        objective, output = _objective(fields[example_id]), outputs[row]
        if objective is None:
            skipped[str(example_id)] = "the example has no objective text (input or 'objective')"
        elif not isinstance(output, str):
            skipped[str(example_id)] = "the record has no output text"
        else:
            pairs.append((row, objective, output))
    out = records
    rows = np.fromiter((p[0] for p in pairs), dtype=np.int64, count=len(pairs))
    for name, judge in judges.items():
        judge.check_encoder(enc)
        if not judge.validated:
            warnings.warn(judge.unvalidated_message(), UnvalidatedJudgeWarning, stacklevel=2)
        col = np.full(len(ids), np.nan)
        if pairs:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", UnvalidatedJudgeWarning)  # warned once above
                labels = judge.labels(enc, [p[1] for p in pairs], [p[2] for p in pairs])
            col[rows] = labels
        if failures is not None:
            failures[name] = dict(skipped)
        out = _set_column(out, name, col)
    return out


def _objective(fields: Mapping[str, Any]) -> str | None:
    value = fields.get("objective")
    if isinstance(value, str):
        return value
    value = fields.get("input")
    return value if isinstance(value, str) else None


def _set_column(table: pa.Table, name: str, values: np.ndarray) -> pa.Table:
    array = pa.array(values, pa.float64())
    if name in table.column_names:
        return table.set_column(table.column_names.index(name), name, array)
    return table.add_column(table.column_names.index("output"), name, array)
