"""``check_contamination``: a suite against corpus files, and a run's metric by status."""

from __future__ import annotations

import json
import math
import os
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from assay._util import check_instance, check_int, check_number, check_probability
from assay._util.minhash import retrieval_probability
from assay.analysis._contamination import search_corpus
from assay.analysis._contamination_result import (
    ContaminationEffect,
    ContaminationParameters,
    ContaminationResult,
)
from assay.data import CORPUS_MAX_LINE_BYTES, CorpusReadStats, SuiteData, read_corpus
from assay.errors import DataError, ParameterError
from assay.stats import Estimate, mean_interval, scipy_stats

__all__ = ["check_contamination", "contamination_effect", "example_texts", "mark_contamination"]


def example_texts(suite: SuiteData) -> list[str | None]:
    """Each example's input as text; ``None`` for a missing input or a feature mapping."""
    out: list[str | None] = []
    for value in suite.examples.column("input").to_pylist():
        if value is None:
            out.append(None)
            continue
        try:
            parsed: Any = json.loads(value)
        except ValueError:
            out.append(value)
            continue
        out.append(parsed if isinstance(parsed, str) else None)
    return out


def _probability(p: float) -> str:
    return f"1 - {1 - p:.2g}" if p > 0.9999 else f"{p:.4f}"


def _method(p: ContaminationParameters, probability: float | None) -> str:
    text = (
        f"exact: shared word {p.n}-grams after {p.normalisation}, every hit verified word by "
        f"word; an example of fewer than {p.n} words is undetectable by it"
    )
    if p.near_threshold is not None and probability is not None:
        text += (
            f"; near: Jaccard of word {p.shingle}-shingle sets >= {p.near_threshold} against "
            f"whole corpus documents, candidates by MinHash LSH ({p.num_perm} permutations, "
            f"{p.bands} bands of {p.rows} rows, seed {p.seed}), each verified by its true "
            f"Jaccard; a document at the threshold is retrieved with probability "
            f"1-(1-{p.near_threshold}^{p.rows})^{p.bands} = {_probability(probability)}"
        )
    return text


def check_contamination(
    suite: SuiteData,
    corpus: Sequence[str | os.PathLike[str]],
    *,
    n: int = 13,
    near_threshold: float | None = 0.8,
    bands: int = 32,
    rows: int = 4,
    shingle: int = 3,
    seed: int = 0,
    text_field: str = "text",
    max_line_bytes: int = CORPUS_MAX_LINE_BYTES,
) -> ContaminationResult:
    """Mark each example of ``suite`` contaminated, clean or undetectable against the corpus
    files ``corpus`` (JSONL, Parquet or text, optionally compressed), streamed once."""
    where = "check_contamination"
    check_instance(suite, "suite", where, SuiteData, "a SuiteData")
    if isinstance(corpus, (str, os.PathLike)) or not len(corpus):
        raise ParameterError("corpus", where, "a non-empty list of paths", corpus)
    check_int(n, "n", where, minimum=1)
    check_int(bands, "bands", where, minimum=1)
    check_int(rows, "rows", where, minimum=1)
    check_int(shingle, "shingle", where, minimum=1)
    check_int(max_line_bytes, "max_line_bytes", where, minimum=16)
    if near_threshold is not None:
        check_number(near_threshold, "near_threshold", where, low=0.0, high=1.0, low_open=True)
    texts = example_texts(suite)
    if all(t is None or not t.strip() for t in texts):
        raise DataError(
            "the suite's examples have no text to search for",
            file=f"suite {suite.suite.name}",
            column="input",
            expected="text inputs (a string per example)",
            found="no input, or feature mappings, in every example",
        )
    params = ContaminationParameters(
        n=n,
        near_threshold=near_threshold,
        shingle=shingle,
        num_perm=bands * rows,
        bands=bands,
        rows=rows,
        seed=seed,
        text_field=text_field,
        max_line_bytes=max_line_bytes,
    )
    stats = CorpusReadStats()
    docs = read_corpus(corpus, stats, text_field=text_field, max_line_bytes=max_line_bytes)
    ids = suite.examples.column("example_id").to_pylist()
    examples = search_corpus(ids, texts, docs, params)
    probability = (
        retrieval_probability(near_threshold, bands, rows) if near_threshold is not None else None
    )
    missing = sum(t is None for t in texts)
    notes = [f"{missing:,} examples have no text input: undetectable"] if missing else []
    problems = ("too_long", "bad_encoding", "not_json", "no_text")
    return ContaminationResult(
        suite=suite.suite.name,
        suite_digest=suite.digest,
        examples=examples,
        parameters=params,
        corpus_files=tuple(stats.files),
        corpus_digest=stats.digest,
        corpus_documents=stats.documents,
        corpus_bytes=stats.bytes_read,
        read_problems={k: getattr(stats, k) for k in problems},
        first_problems=dict(stats.first),
        retrieval_probability=probability,
        method=_method(params, probability),
        notes=tuple(notes),
    )


def _welch(a: np.ndarray, b: np.ndarray, confidence: float) -> Estimate:
    method = "welch t (difference of independent means)"
    diff = float(a.mean() - b.mean()) if len(a) and len(b) else math.nan
    if len(a) < 2 or len(b) < 2:
        note = ("a group has fewer than 2 examples: no interval",)
        return Estimate(diff, -math.inf, math.inf, confidence, method, len(a) + len(b), notes=note)
    va, vb = a.var(ddof=1) / len(a), b.var(ddof=1) / len(b)
    se = math.sqrt(va + vb)
    if se == 0:
        return Estimate(diff, diff, diff, confidence, method, len(a) + len(b), se=0.0)
    df = (va + vb) ** 2 / (va**2 / (len(a) - 1) + vb**2 / (len(b) - 1))
    t = float(scipy_stats.t.ppf(0.5 + confidence / 2, df))
    return Estimate(diff, diff - t * se, diff + t * se, confidence, method, len(a) + len(b), se=se)


def contamination_effect(
    result: ContaminationResult,
    scores: Mapping[str, float],
    *,
    metric: str,
    confidence: float = 0.95,
) -> ContaminationEffect:
    """``metric`` (per-example ``scores`` by example id) on contaminated minus clean examples:
    does the model do better on what it may have seen? Examples without a score are left out."""
    where = "contamination_effect"
    check_instance(result, "result", where, ContaminationResult, "a ContaminationResult")
    check_probability(confidence, "confidence", where)
    groups: dict[str, list[float]] = {"contaminated": [], "clean": []}
    for e in result.examples:
        value = scores.get(e.example_id)
        if e.status in groups and value is not None and math.isfinite(value):
            groups[e.status].append(float(value))
    a, b = (np.asarray(groups[k], dtype=float) for k in ("contaminated", "clean"))

    def own(x: np.ndarray) -> Estimate:
        if len(x) == 0:
            return Estimate(math.nan, math.nan, math.nan, confidence, "no examples", 0)
        return mean_interval(x, confidence=confidence)

    return ContaminationEffect(
        metric=metric,
        contaminated=own(a),
        clean=own(b),
        difference=_welch(a, b, confidence),
        undetectable=result.count("undetectable"),
    )


def mark_contamination(suite: SuiteData, result: ContaminationResult) -> SuiteData:
    """``suite``'s next version with a ``contamination`` slice attribute holding each example's
    status, so runs on it are compared on the clean subset (rule kind ``clean_subset``)."""
    import pyarrow as pa

    from assay.data import make_suite

    check_instance(result, "result", "mark_contamination", ContaminationResult, "a result")
    if result.suite_digest != suite.digest:
        raise ParameterError(
            "result", "mark_contamination", f"a result for suite {suite.digest[:12]}", result.suite
        )
    s = suite.suite
    if "contamination" in s.slice_names:
        raise DataError(
            "the suite already has a 'contamination' slice attribute",
            file=f"suite {s.name}",
            column="contamination",
        )
    status = [e.status for e in result.examples]
    table = suite.examples.append_column("contamination", pa.array(status, pa.string()))
    return make_suite(
        s.name,
        table,
        metrics=s.metrics,
        slices=[*s.slices, "contamination"],
        version=f"{s.version}+contamination" if s.version else "contamination",
        description=s.description,
        catalog=s.catalog,
        task=s.task,
    )
