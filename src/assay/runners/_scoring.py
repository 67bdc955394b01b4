"""Scoring outputs and shaping records: the part every runner path shares."""

from __future__ import annotations

import json
import traceback
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
import pyarrow as pa

from assay._util.arrow import arrow_array, nullable_array, string_array
from assay.data import SuiteData
from assay.errors import ConfigError
from assay.metrics import get_scorer

__all__ = [
    "ProgressCallback",
    "Scorer",
    "build_records",
    "describe_error",
    "resolve_scorers",
    "valid_text",
]

Scorer = Callable[[Any, Any], float]
ProgressCallback = Callable[[int, int], None]

MODEL_GRADED = "model_graded"
"""Scorer name of a metric a judge model grades after the run (``grade_records``)."""


def not_yet_graded(output: Any, reference: Any) -> float:
    """The runner's score of a judged metric: NaN until a judge grades the record."""
    return float("nan")


def valid_text(value: Any) -> Any:
    """``value`` with every string in it made valid Unicode: each lone surrogate becomes U+FFFD.

    A JSON answer may hold ``"\\ud800"``, which decodes to a string that no UTF-8 file, Arrow
    column or SQLite row can hold; strings inside lists and mappings (keys too) are mended
    the same way. Anything else is returned as it is.
    """
    if value is None:
        return value
    if isinstance(value, str):
        if value.isascii():
            return value
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            # a surrogate pair split into two code points is joined; a lone one is replaced
            return value.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")
        return value
    if isinstance(value, list):
        return [valid_text(v) for v in value]
    if isinstance(value, tuple):
        return tuple(valid_text(v) for v in value)
    if isinstance(value, dict):
        return {valid_text(k): valid_text(v) for k, v in value.items()}
    return value


def describe_error(exc: BaseException) -> str:
    """``Type: message at file:line`` of the innermost frame, for a record's ``error``."""
    frame = traceback.extract_tb(exc.__traceback__)[-1:] if exc.__traceback__ else []
    where = f" at {frame[0].filename}:{frame[0].lineno}" if frame else ""
    return f"{type(exc).__name__}: {exc}{where}"


def resolve_scorers(data: SuiteData, overrides: Mapping[str, Scorer] | None) -> dict[str, Scorer]:
    """The scorer of every metric of the suite: an override, else the metric's named scorer."""
    out: dict[str, Scorer] = {}
    for metric in data.suite.metrics:
        if overrides and metric.name in overrides:
            out[metric.name] = overrides[metric.name]
        elif metric.scorer == MODEL_GRADED:
            out[metric.name] = not_yet_graded
        elif metric.scorer:
            out[metric.name] = get_scorer(metric.scorer, **metric.scorer_params)
        else:
            raise ConfigError(
                f"Metric {metric.name!r} of suite {data.suite.name!r} names no scorer, so a runner "
                "cannot score it; give the metric a 'scorer' or pass scorers={...}."
            )
    return out


def output_text(value: Any) -> str | None:
    """An output as record text: strings as they are, anything else as JSON."""
    if value is None or isinstance(value, str):
        return value
    return json.dumps(value, default=str, ensure_ascii=False)


def build_records(
    *,
    example_ids: Sequence[str],
    sample_index: Sequence[int],
    outputs: Sequence[Any],
    references: Sequence[Any],
    errors: list[str | None],
    latency_ms: np.ndarray,
    score_fns: Mapping[str, Scorer],
    tokens_in: Sequence[int | None] | None = None,
    tokens_out: Sequence[int | None] | None = None,
    cost: Sequence[float | None] | None = None,
) -> pa.Table:
    """Score every output that has no error, and return the records as an Arrow table.

    A scorer that raises turns its record into an error (``scorer 'name' failed: ...``) and
    clears that record's other scores, so an errored record never carries a partial score.
    ``errors`` is updated in place.
    """
    n = len(example_ids)
    # an adapter may hand back text no column can hold; records carry it mended (U+FFFD)
    outputs = [valid_text(o) for o in outputs]
    errors[:] = [valid_text(e) for e in errors]
    columns: dict[str, Any] = {
        "example_id": string_array(example_ids),
        "sample_index": arrow_array(np.asarray(sample_index, dtype=np.int32)),
    }
    scores: dict[str, np.ndarray] = {}
    for name, fn in score_fns.items():
        col = np.full(n, np.nan)
        for i in range(n):
            if errors[i] is not None:
                continue
            try:
                col[i] = float(fn(outputs[i], references[i]))
            except ConfigError:  # the scorer's settings are wrong: no record can be scored
                raise
            except Exception as exc:
                errors[i] = f"scorer {name!r} failed: {describe_error(exc)}"
        scores[name] = col
    failed = np.fromiter((e is not None for e in errors), dtype=bool, count=n)
    for name, col in scores.items():
        col[failed] = np.nan
        columns[name] = arrow_array(col)
    columns["output"] = string_array([output_text(o) for o in outputs])
    columns["latency_ms"] = arrow_array(np.asarray(latency_ms, dtype=np.float64))
    if tokens_in is not None:
        columns["tokens_in"] = nullable_array(tokens_in, pa.int64())
    if tokens_out is not None:
        columns["tokens_out"] = nullable_array(tokens_out, pa.int64())
    if cost is not None:
        columns["cost"] = nullable_array(cost, pa.float64())
    columns["error"] = string_array(errors)
    # from buffers: pa.array of Python lists imports pandas (a quarter of a second) on first use
    return pa.Table.from_arrays(list(columns.values()), names=list(columns))
