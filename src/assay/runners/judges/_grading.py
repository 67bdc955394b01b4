"""Grading the records of a run with judge models, through the asynchronous runner."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa

from assay.data import SuiteData
from assay.errors import ConfigError, DataError
from assay.runners._async_runner import _Progress, _send_all
from assay.runners._cache import ResponseCache
from assay.runners._responses import ModelResponse, _cached, check_endpoint
from assay.runners._scoring import ProgressCallback
from assay.runners._sync import run_coroutine
from assay.runners._tasks import example_fields
from assay.runners.judges._scorer import ModelGradedScorer

__all__ = ["grade_records", "grade_records_async"]

_NEEDED = ("example_id", "output", "error")


@dataclass
class _Batch:
    """One judged metric: which rows it grades and the distinct requests they make."""

    name: str
    scorer: ModelGradedScorer
    row_key: dict[int, str] = field(default_factory=dict)
    requests: dict[str, Any] = field(default_factory=dict)
    failed: dict[int, str] = field(default_factory=dict)


def grade_records(
    data: SuiteData,
    records: pa.Table,
    scorers: Mapping[str, ModelGradedScorer],
    *,
    cache_dir: str | Path | None = None,
    on_progress: ProgressCallback | None = None,
    failures: dict[str, dict[str, str]] | None = None,
) -> pa.Table:
    """Grade every record that has no error with each judge, and fill its metric's column.

    ``scorers`` maps a metric of the suite to its :class:`ModelGradedScorer`; the metric's
    column is replaced (or added before ``output``). Each judge sees the rubric rendered over
    the record's example fields and its ``output``; identical prompts are asked once. Judges
    run with their adapter's concurrency; with ``cache_dir``, their answers go to a
    :class:`~assay.runners.ResponseCache` there (keyed by judge, rubric digest and request),
    so grading again is free. A record whose rubric cannot be rendered, whose judge request
    fails, or whose answer cannot be read keeps its other scores and its ``error`` (none):
    only that judge's metric is missing (NaN) on it, and with ``failures`` (a dict to fill)
    the reason is kept per metric by example id (``judge 'metric' failed: ...``). A judge
    whose endpoint fails every request it is sent (unreachable, 401, 403, 404) raises
    :class:`~assay.errors.AdapterError` instead.
    """
    return run_coroutine(
        grade_records_async(
            data,
            records,
            scorers,
            cache_dir=cache_dir,
            on_progress=on_progress,
            failures=failures,
        )
    )


async def grade_records_async(
    data: SuiteData,
    records: pa.Table,
    scorers: Mapping[str, ModelGradedScorer],
    *,
    cache_dir: str | Path | None = None,
    on_progress: ProgressCallback | None = None,
    failures: dict[str, dict[str, str]] | None = None,
) -> pa.Table:
    """The asynchronous form of :func:`grade_records`, for code already in an event loop."""
    _check(data, records, scorers)
    fields = {f["example_id"]: f for f in example_fields(data.examples, data.suite.slice_names)}
    ids = records.column("example_id").to_pylist()
    outputs = records.column("output").to_pylist()
    errors: list[str | None] = records.column("error").to_pylist()
    batches = [_Batch(name, scorer) for name, scorer in scorers.items()]
    for row, example_id in enumerate(ids):
        if example_id not in fields:
            raise DataError(
                f"the record's example is not in suite {data.suite.name!r}",
                row=row,
                column="example_id",
                expected="an example id of the suite",
                found=repr(example_id),
            )
    for batch in batches:
        for row in range(len(ids)):
            if errors[row] is not None:
                continue
            try:
                body, key = batch.scorer.request(fields[ids[row]], outputs[row])
            except DataError as exc:
                batch.failed[row] = f"judge {batch.name!r} failed: {exc}"
                continue
            batch.row_key[row] = key
            batch.requests.setdefault(key, body)
    # a key digests judge, rubric and request, so judges that share all three share answers
    wanted = {k for b in batches for k in b.requests}
    answers: dict[str, ModelResponse] = {}
    cache = None if cache_dir is None else ResponseCache(cache_dir)
    try:
        if cache is not None:
            answers = {k: _cached(v) for k, v in cache.get_many(wanted).items()}
        progress = _Progress(on_progress, len(wanted), len(answers))
        for batch in batches:
            await _ask(batch, answers, cache, progress)
    finally:
        if cache is not None:
            cache.close()
    progress.finish()
    scores = {b.name: _score(b, answers) for b in batches}
    if failures is not None:
        for batch in batches:
            failures[batch.name] = {str(ids[r]): why for r, why in sorted(batch.failed.items())}
    return _with_scores(records, data, scores, errors)


def _check(data: SuiteData, records: pa.Table, scorers: Mapping[str, ModelGradedScorer]) -> None:
    if not isinstance(scorers, Mapping) or not scorers:
        raise ConfigError(
            "The 'scorers' parameter of grade_records must map metric names to "
            f"ModelGradedScorer. Got {scorers!r}."
        )
    metrics = data.suite.metric_names
    for name, scorer in scorers.items():
        if not isinstance(scorer, ModelGradedScorer):
            raise ConfigError(
                f"The judge of metric {name!r} must be a ModelGradedScorer. "
                f"Got {type(scorer).__name__}."
            )
        if name not in metrics:
            raise ConfigError(
                f"Metric {name!r} is not a metric of suite {data.suite.name!r} "
                f"(its metrics: {list(metrics)}); declare it, e.g. with scorer 'model_graded'."
            )
        scorer.check_judge(name)
    missing = [c for c in _NEEDED if c not in records.column_names]
    if missing:
        raise DataError(
            "the records lack a column grading needs",
            column=missing[0],
            expected=f"columns {list(_NEEDED)}",
            found=f"columns {records.column_names}",
        )


async def _ask(
    batch: _Batch,
    answers: dict[str, ModelResponse],
    cache: ResponseCache | None,
    progress: _Progress,
) -> None:
    keys = [k for k in batch.requests if k not in answers]
    if not keys:
        return
    requests = [batch.requests[k] for k in keys]
    got: list[ModelResponse | None] = [None] * len(keys)
    todo = list(range(len(keys)))
    await _send_all(
        batch.scorer.judge, requests, list(keys), iter(todo), len(todo), got, cache, progress
    )
    if len(keys) == len(batch.requests):  # nothing came from the cache either
        check_endpoint(batch.scorer.judge, got, got)
    for key, answer in zip(keys, got, strict=True):
        answers[key] = answer if answer is not None else ModelResponse(error="no answer")


def _score(batch: _Batch, answers: Mapping[str, ModelResponse]) -> dict[int, float]:
    """The judge's score of each row it graded; a row it failed on is left out (missing)."""
    col: dict[int, float] = {}
    for row, key in batch.row_key.items():
        answer = answers[key]
        if answer.error is not None:
            batch.failed[row] = f"judge {batch.name!r} failed: {answer.error}"
            continue
        try:
            col[row] = batch.scorer.score_answer(answer.output)
        except DataError as exc:
            batch.failed[row] = f"judge {batch.name!r} failed: {exc}"
    return col


def _with_scores(
    records: pa.Table,
    data: SuiteData,
    scores: Mapping[str, dict[int, float]],
    errors: list[str | None],
) -> pa.Table:
    failed = np.fromiter((e is not None for e in errors), dtype=bool, count=len(errors))
    out = records
    for name in data.suite.metric_names:
        if name in scores:
            col = np.full(len(errors), np.nan)
            for row, value in scores[name].items():
                col[row] = value
        elif name in out.column_names:
            col = np.asarray(out.column(name).to_numpy(zero_copy_only=False), dtype=np.float64)
        else:
            continue
        col = col.copy()
        col[failed] = np.nan  # a failed record never carries a partial score
        array = pa.array(col, pa.float64())
        if name in out.column_names:
            out = out.set_column(out.column_names.index(name), name, array)
        else:
            out = out.add_column(out.column_names.index("output"), name, array)
    index = out.column_names.index("error")
    return out.set_column(index, "error", pa.array(errors, pa.string()))
