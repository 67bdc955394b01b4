"""The inputs of a metric that is not a mean of per-example scores, read from records.

A suite metric whose ``aggregate`` names a registered metric (``"macro_f1"``, ``"mcc"``,
``"bleu"``, ``"roc_auc"``, ...) is recomputed from the records' columns, one input each:

=========================================================  ==================================
metric input                                               record column
=========================================================  ==================================
``y_true``, ``reference``, ``references``, ``relevance``    ``reference``
``y_pred``, ``output``, ``hypotheses``                      ``output``
``y_score``, ``scores``, ``success``                        the metric's own score column
``latency``, ``cost``                                       ``latency_ms``, ``cost``
=========================================================  ==================================

Text columns are read as JSON when they parse (references are stored as JSON text, so the
label ``"cat"`` is the text ``"\\"cat\\""``) and as the text itself otherwise (a model's plain
answer ``cat``), so references and outputs compare as the same labels. A record is used for
the metric when it did not error and every input it needs is present.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from assay._util import check_instance
from assay._util.arrow import numpy_array
from assay.compare._align import RunSide, example_means, record_scores
from assay.core import Suite
from assay.errors import ConfigError, DataError
from assay.metrics import MetricDefinition, get_metric

__all__ = [
    "ExampleInputs",
    "RecordInputs",
    "TextCache",
    "example_inputs",
    "input_column",
    "record_inputs",
    "text_metrics",
]

BoolArray = npt.NDArray[np.bool_]
IntArray = npt.NDArray[np.int64]

_REFERENCE = frozenset({"y_true", "reference", "references", "relevance"})
_OUTPUT = frozenset({"y_pred", "output", "hypotheses"})
_SCORE = frozenset({"y_score", "scores", "success"})
_OPERATIONAL = {"latency": "latency_ms", "cost": "cost"}
_TEXT_COLUMNS = frozenset({"reference", "output"})
_SHORT_LABEL = 64


def input_column(name: str, metric: str, aggregate: str) -> str:
    """The record column that feeds input ``name`` of metric ``metric``."""
    if name in _REFERENCE:
        return "reference"
    if name in _OUTPUT:
        return "output"
    if name in _SCORE:
        return metric
    if name in _OPERATIONAL:
        return _OPERATIONAL[name]
    raise ConfigError(
        f"Metric {metric!r} aggregates as {aggregate!r}, whose input {name!r} has no record "
        "column: compare_records reads y_true/reference from 'reference', y_pred/output from "
        "'output', y_score/success from the metric's own column, latency and cost from "
        "'latency_ms' and 'cost'."
    )


def text_metrics(suite: Suite) -> list[str]:
    """The metrics of ``suite`` that a comparison recomputes from the records' output or
    reference text (corpus BLEU, chrF, TER, F1 over text labels, ...), in the suite's order;
    a mean of per-example scores reads only its score column."""
    check_instance(suite, "suite", "text_metrics", Suite, "a Suite")
    out = []
    for spec in suite.metrics:
        if spec.aggregate == "mean":
            continue
        definition = get_metric(spec.aggregate)
        columns = {input_column(name, spec.name, spec.aggregate) for name in definition.inputs}
        if not definition.is_mean and columns & _TEXT_COLUMNS:
            out.append(spec.name)
    return out


def _decode(text: str | None) -> Any:
    if text is None:
        return None
    try:
        return json.loads(text)
    except ValueError:
        return text


def _as_array(values: list[Any]) -> npt.NDArray[Any]:
    """Decoded labels as the most compact array that compares them correctly."""
    kinds = {type(v) for v in values}
    if kinds == {int}:
        return np.asarray(values, dtype=np.int64)
    if kinds <= {int, float}:
        return np.asarray(values, dtype=np.float64)
    if kinds == {str} and max(len(v) for v in values) <= _SHORT_LABEL:
        return np.asarray(values, dtype=str)
    out = np.empty(len(values), dtype=object)
    out[:] = values
    return out


def _text(side: RunSide, column: str) -> tuple[npt.NDArray[Any], IntArray, BoolArray]:
    """Decoded labels of a text column, and each record's index into them (present or not)."""
    table = side.table
    if column not in table.column_names:
        raise DataError(
            f"the {side.name} records have no {column!r} column",
            column=column,
            expected=f"a {column!r} column to recompute the metric from",
            found="no such column",
        )
    col = table.column(column)
    if not pa.types.is_dictionary(col.type):
        col = pc.dictionary_encode(col.cast(pa.string()))
    arr = col.combine_chunks()
    present = np.asarray(numpy_array(arr.indices.is_valid()), dtype=bool)
    indices = np.asarray(numpy_array(arr.indices, fill=0), dtype=np.int64)
    labels = [_decode(v) for v in arr.dictionary.cast(pa.string()).to_pylist()]
    return _as_array(labels or [0]), indices, present


@dataclass(frozen=True, eq=False)
class RecordInputs:
    """A metric's inputs per record of one run: labels by index, numbers as they are."""

    labels: dict[str, npt.NDArray[Any]]
    """Text inputs: their decoded distinct values."""
    indices: dict[str, IntArray]
    """Text inputs: each record's index into ``labels``."""
    numbers: dict[str, npt.NDArray[np.float64]]
    """Numeric inputs per record (NaN: missing)."""
    usable: BoolArray
    """Records that did not error and have every input."""

    def values(self, name: str) -> npt.NDArray[Any]:
        """Input ``name``, one value per record."""
        if name in self.labels:
            return self.labels[name][self.indices[name]]
        return self.numbers[name]

    def distinct(self) -> dict[str, npt.NDArray[Any]]:
        """The values each input takes on usable records (labels once each, numbers in full):
        enough to fix data-dependent settings such as the label set."""
        out: dict[str, npt.NDArray[Any]] = {}
        for name, labels in self.labels.items():
            seen = np.bincount(self.indices[name][self.usable], minlength=labels.size) > 0
            out[name] = labels[seen]
        for name, numbers in self.numbers.items():
            out[name] = numbers[self.usable]
        return out

    def combinations(self, limit: int) -> tuple[IntArray, int, dict[str, Any]] | None:
        """When every input is a label and few combinations occur: each record's combination
        (0 .. m-1; m for unusable records), m, and the inputs of each combination."""
        if self.numbers or not self.labels:
            return None
        n = self.usable.size
        code = np.zeros(n, dtype=np.int64)
        card = 1
        for name, labels in self.labels.items():
            code = code * labels.size + self.indices[name]
            card *= labels.size
            if card > limit * (1 << 20):
                return None
        if card > 4 * n + 1024:
            return None
        code = np.where(self.usable, code, card)  # unusable records counted apart, last
        present = np.bincount(code, minlength=card + 1)[:card] > 0
        m = int(present.sum())
        if m > limit:
            return None
        out = np.append(np.cumsum(present) - 1, m)[code]
        # each combination's labels, read off its code (the last input varies fastest)
        rest = np.flatnonzero(present)
        digits: dict[str, IntArray] = {}
        for name, labels in reversed(self.labels.items()):
            rest, digits[name] = np.divmod(rest, labels.size)
        at = {name: labels[digits[name]] for name, labels in self.labels.items()}
        return out, m, at


TextCache = dict[tuple[str, str], tuple[npt.NDArray[Any], IntArray, BoolArray]]
"""Decoded text columns by (run, column), shared by the metrics of one comparison that read
the same column (macro-F1 and MCC both read ``reference`` and ``output``); never modified."""


def record_inputs(
    side: RunSide,
    definition: MetricDefinition,
    metric: str,
    aggregate: str,
    texts: TextCache | None = None,
) -> RecordInputs:
    """Each input of ``definition`` per record, and which records can be used (``texts``:
    the text columns decoded already for the same records, filled as they are read)."""
    usable = ~side.errored
    labels: dict[str, npt.NDArray[Any]] = {}
    indices: dict[str, IntArray] = {}
    numbers: dict[str, npt.NDArray[np.float64]] = {}
    for name in definition.inputs:
        column = input_column(name, metric, aggregate)
        if column in _TEXT_COLUMNS:
            decoded = None if texts is None else texts.get((side.name, column))
            if decoded is None:
                decoded = _text(side, column)
                if texts is not None:
                    texts[(side.name, column)] = decoded
            labels[name], indices[name], present = decoded
        else:
            numbers[name] = record_scores(side, column, exclude_errors=False)
            present = ~np.isnan(numbers[name])
        usable &= present
    return RecordInputs(labels, indices, numbers, usable)


@dataclass(frozen=True, eq=False)
class ExampleInputs:
    """A metric's inputs per paired example, for metrics resampled by their own method."""

    inputs: dict[str, npt.NDArray[Any]]
    """Each input, one value per paired example (averaged over samples when numeric)."""
    valid: BoolArray
    """Whether the example has every input."""


def example_inputs(
    side: RunSide, records: RecordInputs, n: int, max_samples: int, metric: str
) -> ExampleInputs:
    """Per-example inputs: numbers averaged over samples, labels taken from one record."""
    usable = records.usable
    out: dict[str, npt.NDArray[Any]] = {}
    valid = np.ones(n, dtype=bool)
    rows = np.flatnonzero(usable & (side.example >= 0))
    for name in (*records.labels, *records.numbers):
        values = records.values(name)
        if name not in _REFERENCE and name not in _OUTPUT:
            x = np.where(usable, values, np.nan)
            means = example_means(side, x, n).means
            valid &= ~np.isnan(means)
            out[name] = np.nan_to_num(means)
            continue
        if max_samples > 1 and name in _OUTPUT:
            raise ConfigError(
                f"Metric {metric!r} cannot combine repeated samples of its input {name!r}: "
                "labels are not averaged. Compare runs with one sample per example."
            )
        per_example = np.empty(n, dtype=values.dtype)
        seen = np.zeros(n, dtype=bool)
        per_example[side.example[rows]] = values[rows]
        seen[side.example[rows]] = True
        valid &= seen
        out[name] = per_example
    return ExampleInputs(out, valid)
