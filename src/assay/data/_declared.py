"""What a suite's declared scorers mean for records: the range a score can take, and scores
computed from the outputs when a file brings outputs but no score column."""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pyarrow as pa

from assay._util import check_instance, lazy_module
from assay._util.arrow import numpy_array
from assay.core import MetricSpec, Suite
from assay.data._files import Location
from assay.data._quote import brief
from assay.errors import ConfigError, DataError

if TYPE_CHECKING:
    import pyarrow.compute as pc
else:  # built on first use: its import makes a wrapper per kernel (30 ms, 5,000 objects)
    pc = lazy_module("pyarrow.compute")

__all__ = ["ScoreRange", "check_score_range", "scorable_metrics", "score_outputs", "scorer_range"]

# Scorers that a runner grades later (a judge model) cannot score a file at ingest.
_GRADED_LATER = frozenset({"model_graded"})


@dataclass(frozen=True)
class ScoreRange:
    """The values a built-in scorer can return."""

    low: float
    high: float
    binary: bool = False
    """Only ``low`` and ``high`` themselves (0 or 1)."""

    def describe(self, scorer: str) -> str:
        if self.binary:
            values = f"{self.low:g} or {self.high:g}"
        elif math.isinf(self.high):
            values = f"a number >= {self.low:g}"
        else:
            values = f"a number in [{self.low:g}, {self.high:g}]"
        return f"{values}, the range of scorer {scorer}"


_BINARY = ScoreRange(0.0, 1.0, binary=True)
_NON_NEGATIVE = ScoreRange(0.0, math.inf)
# The built-in scorers of assay.metrics and what each returns (see their docstrings); a
# scorer from a plug-in has no known range and its scores are not checked.
_RANGES: dict[str, ScoreRange] = {
    "exact_match": _BINARY,
    "normalized_match": _BINARY,
    "contains": _BINARY,
    "regex": _BINARY,
    "numeric_tolerance": _BINARY,
    "json_valid": _BINARY,
    "brier": ScoreRange(0.0, 1.0),
    "absolute_error": _NON_NEGATIVE,
    "squared_error": _NON_NEGATIVE,
    "log_loss": _NON_NEGATIVE,
    "embedding_similarity": ScoreRange(-1.0, 1.0),
    "refusal": _BINARY,
    "attack_success": _BINARY,
    "over_refusal": _BINARY,
}


def scorer_range(scorer: str | None) -> ScoreRange | None:
    """The range of a built-in scorer's scores, or ``None`` when it is not known."""
    return None if scorer is None else _RANGES.get(scorer)


def check_score_range(
    scores: pa.ChunkedArray | pa.Array, metric: MetricSpec, where: Location
) -> None:
    """Refuse a score its metric's declared scorer cannot produce (a 7 from exact_match)."""
    known = scorer_range(metric.scorer)
    if known is None or metric.scorer is None:
        return
    values = numpy_array(scores).astype(np.float64)
    present = ~np.isnan(values)
    if known.binary:
        bad = present & (values != known.low) & (values != known.high)
    else:
        # a cosine computed in float32 may come out a rounding step past 1
        slack = 1e-6 * max(1.0, abs(known.low), 0.0 if math.isinf(known.high) else known.high)
        bad = present & ((values < known.low - slack) | (values > known.high + slack))
    if bad.any():
        row = int(np.flatnonzero(bad)[0])
        raise DataError(
            f"score outside the range of the metric's scorer ({int(bad.sum())} record(s))",
            column=metric.name,
            expected=known.describe(metric.scorer),
            found=f"{values[row]:g}",
            **where.at(row),
        )


def scorable_metrics(columns: Sequence[str], suite: Suite) -> dict[str, str]:
    """Metrics without a score column whose declared scorer can score the outputs at ingest,
    with that scorer's name (empty when the records have no ``output`` column)."""
    check_instance(suite, "suite", "scorable_metrics", Suite, "a Suite")
    if "output" not in columns:
        return {}
    return {
        m.name: m.scorer
        for m in suite.metrics
        if m.name not in columns and m.scorer is not None and m.scorer not in _GRADED_LATER
    }


def _decoded(text: str | None) -> Any:
    return None if text is None else json.loads(text)


def score_outputs(
    metric: MetricSpec,
    outputs: pa.ChunkedArray,
    references: pa.ChunkedArray | pa.Array,
    errored: pa.ChunkedArray | pa.Array,
    where: Location,
) -> pa.Array:
    """Score every record without an error with the metric's declared scorer, as a runner
    would: the output as the file gives it, the reference decoded from the suite's JSON."""
    from assay.metrics import get_scorer

    assert metric.scorer is not None
    score = get_scorer(metric.scorer, **metric.scorer_params)
    failed = errored.to_pylist()
    refs = references.to_pylist()
    out: list[float | None] = []
    for row, output in enumerate(outputs.to_pylist()):
        if failed[row]:
            out.append(None)
            continue
        if refs[row] is None:
            raise DataError(
                f"cannot score metric {metric.name!r} with scorer {metric.scorer}: "
                "the example has no reference",
                column="reference",
                expected="a reference in the suite (or a 'reference' column)",
                found="none",
                **where.at(row),
            )
        try:
            out.append(float(score(output, _decoded(refs[row]))))
        except ConfigError:  # the scorer's settings are wrong: no record can be scored
            raise
        except Exception as exc:
            raise DataError(
                f"scorer {metric.scorer} cannot score this output for metric {metric.name!r}: "
                f"{exc}",
                column="output",
                expected=f"an output scorer {metric.scorer} accepts",
                found=brief(output),
                **where.at(row),
            ) from None
    return pc.cast(pa.array(out, pa.float64()), pa.float64())
