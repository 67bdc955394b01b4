"""lm-eval's corpus metrics (``f1``, ``mcc``, ``bleu``, ``chrf``, ``ter``): imported with their pieces.

lm-evaluation-harness does not score these per sample. Each sample line holds the pieces its
aggregation pools over the whole corpus: ``[gold, pred]`` for ``f1`` and ``mcc`` (aggregated as
``sklearn.metrics.f1_score(golds, preds)`` and ``matthews_corrcoef``), ``[reference,
prediction]`` for ``bleu``, ``chrf`` and ``ter`` (``sacrebleu.corpus_bleu`` / ``corpus_chrf`` /
``TER().corpus_score``; a reference may be a list of references, a prediction a one-element
list). The import keeps the
pieces — the gold or reference becomes the example's ``reference``, the prediction the
record's ``output``, and the record's score is the example's own value (whether the
prediction is the gold label; the sentence's BLEU, chrF or TER) — and names assay's definition
of the same metric as the suite metric's ``aggregate``, so a comparison recomputes the corpus
metric from the pieces of each resample (:mod:`assay.metrics`: ``f1`` binary with positive
label 1, ``mcc``, ``bleu``, ``chrf`` and ``ter`` with sacrebleu's defaults) and gives a paired
bootstrap interval like any other non-mean metric. Each keeps its metric's direction: TER is
an error rate, lower is better.

An example has one reference and one output, so the corpus metrics of one import must share
their pieces (``f1`` and ``mcc`` of one classification task do, as do ``bleu`` and ``chrf`` of one
translation task); one whose pieces differ is left out with the reason.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

from assay.importers._lmeval_samples import TaskSamples
from assay.metrics import get_metric

__all__ = [
    "CORPUS_AGGREGATIONS",
    "CORPUS_METRICS",
    "apply_pieces",
    "corpus_problem",
    "shared_pieces",
]

CORPUS_METRICS = {"f1": "f1", "mcc": "mcc", "bleu": "bleu", "chrf": "chrf", "ter": "ter"}
"""lm-eval metric → the assay metric definition that recomputes it from the pieces."""
CORPUS_AGGREGATIONS = {
    "f1": ("f1",),
    "mcc": ("mcc", "matthews_corrcoef"),
    "bleu": ("bleu",),
    "chrf": ("chrf",),
    "ter": ("ter",),
}
"""The names lm-eval's results file gives each one's aggregation."""
_LABELS = frozenset({"f1", "mcc"})


def _is_text_list(value: Any) -> bool:
    return isinstance(value, list) and bool(value) and all(isinstance(v, str) for v in value)


def _piece_problem(metric: str, pieces: Any) -> str | None:
    """Why one sample's value is not a [gold, pred] / [reference, prediction] pair, or None."""
    if not (isinstance(pieces, list) and len(pieces) == 2):
        return "a [gold, prediction] pair"
    gold, pred = pieces
    if metric in _LABELS:
        ok = all(isinstance(v, int | str) and not isinstance(v, bool) for v in pieces)
        return None if ok else "a [gold, prediction] pair of labels (integers or text)"
    ref_ok = isinstance(gold, str) or _is_text_list(gold)
    pred_ok = isinstance(pred, str) or (_is_text_list(pred) and len(pred) == 1)
    return (
        None if ref_ok and pred_ok else "a [reference text or list of texts, prediction text] pair"
    )


def corpus_problem(parsed: TaskSamples, name: str) -> str | None:
    """Why metric ``name`` of ``parsed`` cannot be imported as a corpus metric (None: it can)."""
    metric, _ = parsed.metrics[name]
    for row in parsed.rows.values():
        pieces = row["pieces"].get(name)
        problem = _piece_problem(metric, pieces)
        if problem is not None:
            return (
                f"lm-evaluation-harness aggregates it as a corpus metric, and document "
                f"{row['example_id']!r} (line {row['line']}) holds {json.dumps(pieces)[:60]} "
                f"where its aggregation needs {problem}"
            )
    return None


def shared_pieces(
    tasks: Iterable[TaskSamples], names: list[str]
) -> tuple[list[str], dict[str, str]]:
    """The corpus metrics whose pieces agree with the first one's on every example, and the
    reasons the others are left out."""
    kept: list[str] = []
    left: dict[str, str] = {}
    rows = [row for t in tasks for row in t.rows.values()]
    for name in names:
        if kept and any(row["pieces"][name] != row["pieces"][kept[0]] for row in rows):
            left[name] = (
                f"its per-sample pieces differ from those of {kept[0]!r}, and an example holds "
                "one reference and one output; import it from its own log"
            )
        else:
            kept.append(name)
    return kept, left


def _as_output(pred: Any) -> str:
    """A prediction as the record's output text, read back as the same value by a comparison
    (which reads text columns as JSON where they parse)."""
    if isinstance(pred, list):
        pred = pred[0]
    if isinstance(pred, int):
        return json.dumps(pred)
    try:
        json.loads(pred)
    except ValueError:
        return str(pred)
    return json.dumps(pred)  # text that parses as JSON ("42", "true") stays text


def _own_value(metric: str, gold: Any, pred: Any) -> float:
    """One example's own value of a corpus metric, for its record's score column: whether the
    prediction is the gold label (f1, mcc), or the sentence's BLEU / chrF / TER."""
    if metric in _LABELS:
        return float(gold == pred)
    text = pred[0] if isinstance(pred, list) else pred
    return get_metric(CORPUS_METRICS[metric]).compute(hypotheses=[text], references=[gold])


def apply_pieces(tasks: Iterable[TaskSamples], names: list[str]) -> None:
    """Make each example's reference the gold (or references) and each record's output the
    prediction of the corpus metrics ``names`` (which share their pieces), and fill each
    record's score of them with the example's own value (the comparison does not use it: it
    recomputes the corpus metric from the pieces)."""
    for parsed in tasks:
        by_id: Mapping[str, dict[str, Any]] = {ex["example_id"]: ex for ex in parsed.examples}
        for ex_id, row in parsed.rows.items():
            gold, pred = row["pieces"][names[0]]
            by_id[ex_id]["reference"] = gold
            row["output"] = _as_output(pred)
            for name in names:
                row["scores"][name] = _own_value(parsed.metrics[name][0], gold, pred)
