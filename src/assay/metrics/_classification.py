"""Classification metrics: accuracy (a mean) and precision, recall, F1, MCC (functions of sums).

Precision, recall, F1 and MCC are functions of confusion counts, so each example contributes
sufficient statistics ``(TP_c, FP_c, FN_c)`` for every label ``c`` (``3L`` columns, at most
three non-zero). Conventions follow scikit-learn: a ratio whose denominator is zero is 0
(``zero_division=0``); ``"macro"`` is the unweighted mean of per-label scores; ``"micro"``
pools the counts of the given labels; MCC is the multiclass (Gorodkin) form, which equals the
binary MCC for two labels, and is 0 when a marginal is constant. Labels default to the sorted
union of the labels seen in every input set of a comparison.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from assay._util import check_choice
from assay.errors import DataError, ParameterError
from assay.metrics._registry import Inputs, MetricDefinition, register_metric
from assay.metrics._scorers import exact_match

__all__ = [
    "accuracy",
    "confusion_statistics",
    "exact_match_metric",
    "f1",
    "mcc",
    "precision",
    "recall",
]

FloatArray = npt.NDArray[np.float64]
Average = Literal["binary", "macro", "micro"]
Value = Callable[[FloatArray], FloatArray]


def _labels_array(values: Any, name: str, fn: str) -> npt.NDArray[Any]:
    arr = np.asarray(values)
    if arr.ndim != 1:
        raise ParameterError(name, fn, "a 1-dimensional array of labels", f"shape {arr.shape}")
    if arr.dtype.kind == "f" and np.isnan(arr).any():
        i = int(np.flatnonzero(np.isnan(arr))[0])
        raise DataError(f"{fn}: {name}[{i}] is NaN", row=i, expected="a label", found="nan")
    if arr.dtype == object and any(v is None for v in arr.tolist()):
        i = next(j for j, v in enumerate(arr.tolist()) if v is None)
        raise DataError(f"{fn}: {name}[{i}] is missing", row=i, expected="a label", found="None")
    return arr


def _pair(y_true: Any, y_pred: Any, fn: str) -> tuple[npt.NDArray[Any], npt.NDArray[Any]]:
    t = _labels_array(y_true, "y_true", fn)
    p = _labels_array(y_pred, "y_pred", fn)
    if t.shape != p.shape:
        raise ParameterError("y_pred", fn, f"one prediction per example ({t.size})", p.shape)
    return t, p


def _safe_div(num: FloatArray, den: FloatArray) -> FloatArray:
    with np.errstate(divide="ignore", invalid="ignore"):
        out: FloatArray = np.where(den > 0, num / np.where(den > 0, den, 1.0), 0.0)
    return out


def confusion_statistics(y_true: Any, y_pred: Any, labels: Sequence[Any]) -> FloatArray:
    """``(n, 3L)`` per-example (TP, FP, FN) indicators for each label, label-major."""
    t, p = _pair(y_true, y_pred, "confusion_statistics")
    lab = np.asarray(list(labels))
    tl = t[:, None] == lab[None, :]
    pl = p[:, None] == lab[None, :]
    out = np.empty((t.size, lab.size, 3))
    out[:, :, 0] = tl & pl
    out[:, :, 1] = ~tl & pl
    out[:, :, 2] = tl & ~pl
    return out.reshape(t.size, 3 * lab.size)


def _counts(sums: FloatArray, n_labels: int) -> tuple[FloatArray, FloatArray, FloatArray]:
    s = np.asarray(sums, dtype=np.float64).reshape(*np.shape(sums)[:-1], n_labels, 3)
    return s[..., 0], s[..., 1], s[..., 2]


def _prf(kind: str, average: Average, n_labels: int, pos: int) -> Value:
    def value(sums: FloatArray) -> FloatArray:
        tp, fp, fn = _counts(sums, n_labels)
        if average == "micro":
            tp, fp, fn = tp.sum(-1), fp.sum(-1), fn.sum(-1)
        elif average == "binary":
            tp, fp, fn = tp[..., pos], fp[..., pos], fn[..., pos]
        if kind == "precision":
            score = _safe_div(tp, tp + fp)
        elif kind == "recall":
            score = _safe_div(tp, tp + fn)
        else:
            score = _safe_div(2 * tp, 2 * tp + fp + fn)
        return np.asarray(score.mean(-1) if average == "macro" else score, dtype=np.float64)

    return value


def _mcc_value(n_labels: int) -> Value:
    def value(sums: FloatArray) -> FloatArray:
        tp, fp, fn = _counts(sums, n_labels)
        t_k, p_k = tp + fn, tp + fp
        c = tp.sum(-1)
        s = t_k.sum(-1)
        cov_tp = c * s - (t_k * p_k).sum(-1)
        cov_pp = s * s - (p_k * p_k).sum(-1)
        cov_tt = s * s - (t_k * t_k).sum(-1)
        return _safe_div(cov_tp, np.sqrt(cov_pp * cov_tt))

    return value


def _bind_labels(
    labels: Sequence[Any] | None, builder: Callable[[list[Any]], MetricDefinition]
) -> Callable[[Sequence[Inputs]], MetricDefinition]:
    def bind(input_sets: Sequence[Inputs]) -> MetricDefinition:
        if labels is not None:
            return builder(list(labels))
        seen: set[Any] = set()
        for inp in input_sets:
            for key in ("y_true", "y_pred"):
                seen.update(np.asarray(inp[key]).tolist())
        return builder(sorted(seen))

    return bind


def _sums_metric(
    name: str,
    description: str,
    labels: Sequence[Any] | None,
    value_for: Callable[[list[Any]], Value],
    extra_label: Any = None,
) -> MetricDefinition:
    def builder(given: list[Any]) -> MetricDefinition:
        missing = extra_label is not None and extra_label not in given
        labs = [*given, extra_label] if missing else given
        return MetricDefinition(
            name=name,
            direction="higher",
            aggregation="sums",
            inputs=("y_true", "y_pred"),
            description=description,
            statistics=lambda y_true, y_pred: confusion_statistics(y_true, y_pred, labs),
            value=value_for(labs),
        )

    base = builder(list(labels) if labels is not None else [])
    return replace(base, bind=_bind_labels(labels, builder))


def _prf_metric(
    kind: str, name: str, average: Average, labels: Sequence[Any] | None, pos_label: Any
) -> MetricDefinition:
    check_choice(average, "average", name, ("binary", "macro", "micro"))

    def value_for(labs: list[Any]) -> Value:
        pos = labs.index(pos_label) if average == "binary" else 0
        return _prf(kind, average, len(labs), pos)

    what = {
        "binary": f"of label {pos_label!r}",
        "macro": "macro-averaged over labels",
        "micro": "micro-averaged (pooled counts) over labels",
    }[average]
    desc = f"{kind} {what}; 0 where the denominator is 0 (scikit-learn zero_division=0)"
    extra = pos_label if average == "binary" else None
    return _sums_metric(name, desc, labels, value_for, extra)


@register_metric("accuracy")
def accuracy() -> MetricDefinition:
    """Share of examples whose prediction equals the label (a mean of 0/1 scores)."""

    def score(y_true: Any, y_pred: Any) -> FloatArray:
        t, p = _pair(y_true, y_pred, "accuracy")
        return np.asarray(t == p, dtype=np.float64)

    return MetricDefinition(
        "accuracy",
        "higher",
        "mean",
        ("y_true", "y_pred"),
        "share of exact label matches",
        score=score,
    )


@register_metric("precision")
def precision(
    *, average: Average = "binary", labels: Sequence[Any] | None = None, pos_label: Any = 1
) -> MetricDefinition:
    """Precision TP / (TP + FP), binary (of ``pos_label``), macro or micro."""
    return _prf_metric("precision", "precision", average, labels, pos_label)


@register_metric("recall")
def recall(
    *, average: Average = "binary", labels: Sequence[Any] | None = None, pos_label: Any = 1
) -> MetricDefinition:
    """Recall TP / (TP + FN), binary (of ``pos_label``), macro or micro."""
    return _prf_metric("recall", "recall", average, labels, pos_label)


@register_metric("f1")
def f1(
    *, average: Average = "binary", labels: Sequence[Any] | None = None, pos_label: Any = 1
) -> MetricDefinition:
    """F1 = 2TP / (2TP + FP + FN), binary (of ``pos_label``), macro or micro."""
    return _prf_metric("f1", "f1", average, labels, pos_label)


@register_metric("macro_f1")
def macro_f1(*, labels: Sequence[Any] | None = None) -> MetricDefinition:
    """Unweighted mean over labels of per-label F1."""
    return _prf_metric("f1", "macro_f1", "macro", labels, None)


@register_metric("micro_f1")
def micro_f1(*, labels: Sequence[Any] | None = None) -> MetricDefinition:
    """F1 of the pooled counts over labels (equals accuracy when all labels are given)."""
    return _prf_metric("f1", "micro_f1", "micro", labels, None)


@register_metric("mcc")
def mcc(*, labels: Sequence[Any] | None = None) -> MetricDefinition:
    """Matthews correlation coefficient (multiclass form; binary MCC for two labels)."""
    return _sums_metric(
        "mcc",
        "Matthews correlation (Gorodkin's multiclass form); 0 if a marginal is constant",
        labels,
        lambda labs: _mcc_value(len(labs)),
    )


@register_metric("exact_match")
def exact_match_metric() -> MetricDefinition:
    """Share of outputs exactly equal to the reference (or to one of several references)."""

    def score(output: Any, reference: Any) -> FloatArray:
        outs, refs = list(output), list(reference)
        if len(outs) != len(refs):
            raise ParameterError(
                "reference",
                "exact_match",
                f"one per output ({len(outs)})",
                f"{len(refs)} references",
            )
        return np.array([exact_match(o, r) for o, r in zip(outs, refs, strict=True)])

    return MetricDefinition(
        "exact_match",
        "higher",
        "mean",
        ("output", "reference"),
        "share of outputs equal to a reference, as written",
        score=score,
    )
