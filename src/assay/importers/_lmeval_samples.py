"""Parsing the lines of an lm-evaluation-harness samples file into examples and scores."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from assay.core import canonical_json
from assay.errors import DataError
from assay.importers._common import as_float, metric_name

__all__ = ["TaskSamples", "parse_task"]

_NOT_METRICS = {
    "doc_id",
    "doc",
    "target",
    "arguments",
    "resps",
    "filtered_resps",
    "filter",
    "metrics",
    "doc_hash",
    "prompt_hash",
    "target_hash",
    "task_name",
}


def _lines(path: Path) -> list[tuple[int, dict[str, Any]]]:
    out = []
    with path.open(encoding="utf-8") as fh:
        for number, text in enumerate(fh, start=1):
            if not text.strip():
                continue
            try:
                obj = json.loads(text)
            except json.JSONDecodeError as exc:
                raise DataError(
                    f"not a JSON line: {exc.msg}",
                    file=str(path),
                    line=number,
                    expected="one JSON object per line",
                    found=repr(text[:60]),
                ) from exc
            if not isinstance(obj, dict) or not isinstance(obj.get("doc_id"), int | str):
                raise DataError(
                    "not an lm-evaluation-harness sample",
                    file=str(path),
                    line=number,
                    column="doc_id",
                    expected="an object with a 'doc_id'",
                    found=type(obj).__name__ if not isinstance(obj, dict) else "no doc_id",
                )
            out.append((number, obj))
    if not out:
        raise DataError("no samples", file=str(path), expected="one JSON line per sample")
    return out


def _requests(arguments: Any) -> list[list[Any]]:
    """The request arguments as lists: dict form ``{"gen_args_0": {"arg_0": ...}}`` or lists."""
    if isinstance(arguments, dict):
        items = [
            arguments[k] for k in sorted(arguments, key=lambda k: int(re.sub(r"\D", "", k) or 0))
        ]
        return [[v[a] for a in sorted(v)] if isinstance(v, dict) else list(v) for v in items]
    if isinstance(arguments, list):
        return [list(a) if isinstance(a, list | tuple) else [a] for a in arguments]
    return []


def _output_and_reference(obj: dict[str, Any]) -> tuple[str | None, Any, Any]:
    """(output text, input prompt, reference) of one sample line."""
    requests = _requests(obj.get("arguments"))
    prompt = (
        requests[0][0] if requests and requests[0] and isinstance(requests[0][0], str) else None
    )
    target = obj.get("target")
    resps = obj.get("resps")
    if not isinstance(resps, list) or not resps or not isinstance(resps[0], list) or not resps[0]:
        return None, prompt, target
    first = resps[0][0]
    if isinstance(first, str):  # generation: one request, one text per repeat
        output = first if len(resps[0]) == 1 else canonical_json(resps[0])
        return output, prompt, target
    if isinstance(first, list) and len(resps) > 1 and len(requests) == len(resps):
        # multiple choice: one log-likelihood per choice; the answer is the most likely one
        lls = [float(r[0][0]) for r in resps]
        choices = [str(r[1]).strip() if len(r) > 1 else str(i) for i, r in enumerate(requests)]
        best = max(range(len(lls)), key=lls.__getitem__)
        label = _gold_choice(target, choices, best, obj.get("acc"))
        return choices[best], prompt, target if label is None else choices[label]
    return None, prompt, target


def _gold_choice(target: Any, choices: list[str], best: int, acc: Any) -> int | None:
    """The index of the correct choice, or ``None`` when the target names none.

    lm-eval logs the target as text. A target template that renders digits is the answer's
    index (lm-eval turns it into an int), so "2" is the third choice even when the choices are
    themselves numerals; only a target read from a document field keeps the answer's text,
    which then has to be found among the choices. When the two readings disagree, the one
    that agrees with the sample's own ``acc`` (1 exactly when the most likely choice is the
    gold one) is taken, so a record never contradicts its score.
    """
    if isinstance(target, bool) or not isinstance(target, int | str):
        return None
    text = str(target).strip()
    by_index = int(text) if text.isdecimal() and int(text) < len(choices) else None
    by_text = choices.index(text) if text in choices else None
    readings = [r for r in (by_index, by_text) if r is not None]
    score = as_float(acc)
    if score in (0.0, 1.0):
        agreeing = [r for r in readings if (r == best) == (score == 1.0)]
        readings = agreeing or readings
    return readings[0] if readings else None


@dataclass
class TaskSamples:
    """The parsed lines of one task's samples file."""

    task: str
    file: Path
    examples: list[dict[str, Any]] = field(default_factory=list)
    attributes: dict[str, dict[str, Any]] = field(default_factory=dict)
    rows: dict[str, dict[str, Any]] = field(default_factory=dict)
    metrics: dict[str, tuple[str, str]] = field(default_factory=dict)
    """assay metric name -> (lm-eval metric, filter)."""
    non_numeric: dict[str, str] = field(default_factory=dict)
    generation: dict[str, Any] | None = None


def parse_task(task: str, file: Path, multi: bool) -> TaskSamples:
    """Parse one task's samples file; a document under several filters is one example."""
    parsed = TaskSamples(task, file)
    seen: dict[tuple[Any, str], int] = {}
    for number, obj in _lines(file):
        filt = str(obj.get("filter") or "none")
        key = (obj["doc_id"], filt)
        if key in seen:
            raise DataError(
                f"doc_id {obj['doc_id']!r} under filter {filt!r} appears twice "
                f"(first on line {seen[key]})",
                file=str(file),
                line=number,
                column="doc_id",
                expected="one line per document and filter",
            )
        seen[key] = number
        ex_id = f"{task}/{obj['doc_id']}"
        if ex_id not in parsed.rows:
            output, prompt, reference = _output_and_reference(obj)
            parsed.examples.append({"example_id": ex_id, "input": prompt, "reference": reference})
            doc = obj["doc"] if isinstance(obj.get("doc"), dict) else {}
            parsed.attributes[ex_id] = {**doc, "task": task} if multi else dict(doc)
            parsed.rows[ex_id] = {
                "example_id": ex_id,
                "output": output,
                "scores": {},
                "pieces": {},
                "line": number,
            }
            requests = _requests(obj.get("arguments"))
            settings = requests[0][1] if requests and len(requests[0]) > 1 else None
            if parsed.generation is None and isinstance(settings, dict):
                parsed.generation = settings
        listed = obj.get("metrics")
        keys = (
            listed
            if isinstance(listed, list)
            else [k for k in obj if k not in _NOT_METRICS and as_float(obj[k]) is not None]
        )
        for metric in keys:
            name = metric_name(metric) if filt == "none" else metric_name(metric, filt)
            parsed.metrics.setdefault(name, (metric, filt))
            value = as_float(obj.get(metric))
            if value is None:
                parsed.non_numeric.setdefault(name, repr(obj.get(metric))[:60])
                # a corpus metric's pieces ([gold, pred]), pooled by its aggregation
                parsed.rows[ex_id]["pieces"][name] = obj.get(metric)
            parsed.rows[ex_id]["scores"][name] = value
    return parsed
