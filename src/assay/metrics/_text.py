"""Text metrics: corpus BLEU and chrF (functions of sums) and ROUGE-1/2/L F (means).

Corpus BLEU and chrF are not means of sentence scores: they are computed from n-gram counts
summed over the corpus, so each segment contributes sufficient statistics and the corpus
score is a function of their sums. Both reproduce sacrebleu's defaults exactly:

* BLEU: mteval-13a tokenisation, case-sensitive, n-grams up to 4, clipped counts against
  the maximum over references, closest reference length (shorter on ties), brevity
  penalty, ``"exp"`` smoothing; statistics ``[hyp_len, ref_len, match_1..4, total_1..4]``;
  score on sacrebleu's 0–100 scale.
* chrF: character n-grams 1..6 with whitespace removed, β = 2, no word n-grams; per order
  ``[hyp, ref, match]`` counts (18 statistics), the reference with the best sentence chrF
  when there are several; 0–100 scale.

ROUGE is per-example (then averaged): tokens are lower-cased runs of ASCII letters and
digits (everything else separates tokens; no stemming), as the ``rouge-score`` package's
default tokenizer. ROUGE-N F1 uses clipped n-gram overlap; ROUGE-L F1 uses the longest
common subsequence; with several references the best F1 is taken.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from functools import lru_cache
from typing import Any

import numpy as np
import numpy.typing as npt

from assay._util import check_choice, check_instance
from assay.errors import DataError, ParameterError
from assay.metrics._registry import MetricDefinition, register_metric

__all__ = [
    "bleu_statistics",
    "bleu_value",
    "chrf_statistics",
    "chrf_value",
    "rouge_scores",
    "tokenize_13a",
]

FloatArray = npt.NDArray[np.float64]
_ORDER = 4
_CHAR_ORDER = 6
_BETA = 2.0
_13A_RULES = [
    (re.compile(r"([\{-\~\[-\` -\&\(-\+\:-\@\/])"), r" \1 "),
    (re.compile(r"([^0-9])([\.,])"), r"\1 \2 "),
    (re.compile(r"([\.,])([^0-9])"), r" \1 \2"),
    (re.compile(r"([0-9])(-)"), r"\1 \2 "),
]
_ROUGE_TOKEN = re.compile(r"[a-z0-9]+")


@lru_cache(maxsize=2**16)
def tokenize_13a(line: str) -> str:
    """mteval-v13a tokenisation (as sacrebleu's default BLEU tokenizer)."""
    check_instance(line, "line", "tokenize_13a", str, "a str")
    line = line.replace("<skipped>", "").replace("-\n", "").replace("\n", " ")
    if "&" in line:
        line = (
            line.replace("&quot;", '"')
            .replace("&amp;", "&")
            .replace("&lt;", "<")
            .replace("&gt;", ">")
        )
    line = f" {line} "
    for pattern, repl in _13A_RULES:
        line = pattern.sub(repl, line)
    return " ".join(line.split())


def _segments(hypotheses: Any, references: Any, fn: str) -> list[tuple[str, list[str]]]:
    hyps = list(hypotheses)
    refs = list(references)
    if len(hyps) != len(refs):
        raise ParameterError(
            "references", fn, f"one entry per hypothesis ({len(hyps)})", f"{len(refs)} entries"
        )
    out = []
    for i, (h, r) in enumerate(zip(hyps, refs, strict=True)):
        rs = [r] if isinstance(r, str) else list(r)
        if not isinstance(h, str) or not rs or not all(isinstance(x, str) for x in rs):
            raise DataError(
                f"{fn}: segment {i} needs a hypothesis string and reference strings",
                row=i,
                found=f"{type(h).__name__} / {type(r).__name__}",
            )
        out.append((h, rs))
    return out


def _word_ngrams(tokens: Sequence[str], max_order: int) -> Counter[tuple[str, ...]]:
    return Counter(
        tuple(tokens[i : i + n])
        for n in range(1, max_order + 1)
        for i in range(len(tokens) - n + 1)
    )


def bleu_statistics(hypotheses: Any, references: Any) -> FloatArray:
    """``(n, 10)`` per-segment BLEU statistics: hyp_len, ref_len, match_1..4, total_1..4.

    ``references[i]`` is one reference string or a list of them.
    """
    segs = _segments(hypotheses, references, "bleu_statistics")
    out = np.zeros((len(segs), 2 + 2 * _ORDER))
    for i, (hyp, refs) in enumerate(segs):
        ref_counts: Counter[tuple[str, ...]] = Counter()
        ref_lens = []
        for ref in refs:
            toks = tokenize_13a(ref.rstrip()).split()
            ref_lens.append(len(toks))
            for ng, c in _word_ngrams(toks, _ORDER).items():
                ref_counts[ng] = max(ref_counts[ng], c)
        h_toks = tokenize_13a(hyp.rstrip()).split()
        hyp_len = len(h_toks)
        closest = min(ref_lens, key=lambda r: (abs(hyp_len - r), r))
        out[i, 0], out[i, 1] = hyp_len, closest
        for ng, c in _word_ngrams(h_toks, _ORDER).items():
            k = len(ng) - 1
            out[i, 2 + _ORDER + k] += c
            out[i, 2 + k] += min(c, ref_counts.get(ng, 0))
    return out


def _sums(sums: Any, width: int, function: str) -> FloatArray:
    s = np.asarray(sums, dtype=np.float64)
    if s.ndim == 0 or s.shape[-1] != width:
        expected = f"summed statistics of shape (..., {width})"
        raise ParameterError("sums", function, expected, f"shape {s.shape}")
    return s


def bleu_value(sums: FloatArray) -> FloatArray:
    """Corpus BLEU (0–100) from summed statistics ``(..., 10)``, sacrebleu's ``exp`` smoothing."""
    s = _sums(sums, 2 + 2 * _ORDER, "bleu_value")
    sys_len, ref_len = s[..., 0], s[..., 1]
    correct, total = s[..., 2 : 2 + _ORDER], s[..., 2 + _ORDER :]
    # orders after the first with no hypothesis n-grams are never reached (precision 0)
    reached = np.cumprod(total > 0, axis=-1).astype(bool)
    zero = (correct == 0) & reached
    smooth = 2.0 ** np.cumsum(zero, axis=-1)
    with np.errstate(divide="ignore", invalid="ignore"):
        prec = np.where(zero, 100.0 / (smooth * total), 100.0 * correct / total)
        prec = np.where(reached, prec, 0.0)
        logs = np.where(prec > 0, np.log(np.where(prec > 0, prec, 1.0)), -9999999999.0)
        bp = np.where(
            sys_len < ref_len, np.where(sys_len > 0, np.exp(1.0 - ref_len / sys_len), 0.0), 1.0
        )
    score = bp * np.exp(logs.sum(axis=-1) / _ORDER)
    return np.where(correct.sum(axis=-1) > 0, score, 0.0)


def _char_ngrams(text: str) -> list[Counter[str]]:
    line = "".join(text.split())
    return [
        Counter(line[i : i + n] for i in range(len(line) - n + 1))
        for n in range(1, _CHAR_ORDER + 1)
    ]


def chrf_value(sums: FloatArray) -> FloatArray:
    """chrF (0–100) from summed statistics ``(..., 18)``, as sacrebleu's ``CHRF()``."""
    s = _sums(sums, 3 * _CHAR_ORDER, "chrf_value")
    s = s.reshape(*s.shape[:-1], _CHAR_ORDER, 3)
    hyp, ref, match = s[..., 0], s[..., 1], s[..., 2]
    both = (hyp > 0) & (ref > 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        prec = np.where(hyp > 0, match / hyp, 1e-16)
        rec = np.where(ref > 0, match / ref, 1e-16)
        eff = both.sum(axis=-1)
        avg_p = np.where(eff > 0, np.where(both, prec, 0.0).sum(-1) / eff, 0.0)
        avg_r = np.where(eff > 0, np.where(both, rec, 0.0).sum(-1) / eff, 0.0)
        f = (1 + _BETA**2) * avg_p * avg_r / (_BETA**2 * avg_p + avg_r)
    return np.where(avg_p + avg_r > 0, 100.0 * f, 0.0)


def chrf_statistics(hypotheses: Any, references: Any) -> FloatArray:
    """``(n, 18)`` per-segment chrF statistics: [hyp, ref, match] for char orders 1..6."""
    segs = _segments(hypotheses, references, "chrf_statistics")
    out = np.zeros((len(segs), 3 * _CHAR_ORDER))
    for i, (hyp, refs) in enumerate(segs):
        h = _char_ngrams(hyp)
        best, best_f = None, -1.0
        for ref in refs:
            r = _char_ngrams(ref)
            row = []
            for hn, rn in zip(h, r, strict=True):
                match = sum(min(c, rn[g]) for g, c in hn.items() if g in rn)
                row += [sum(hn.values()) if rn else 0, sum(rn.values()), match]
            f = float(chrf_value(np.asarray(row, dtype=np.float64)[None, :])[0])
            if f > best_f:
                best, best_f = row, f
        out[i] = best
    return out


def _rouge_tokens(text: str) -> list[str]:
    return _ROUGE_TOKEN.findall(text.lower())


def _f1(overlap: float, n_hyp: int, n_ref: int) -> float:
    p = overlap / n_hyp if n_hyp else 0.0
    r = overlap / n_ref if n_ref else 0.0
    return 2 * p * r / (p + r) if p + r > 0 else 0.0


def _lcs(a: Sequence[str], b: Sequence[str]) -> int:
    if not a or not b:
        return 0
    prev = [0] * (len(b) + 1)
    for x in a:
        cur = [0]
        for j, y in enumerate(b):
            cur.append(prev[j] + 1 if x == y else max(prev[j + 1], cur[j]))
        prev = cur
    return prev[-1]


def rouge_scores(hypotheses: Any, references: Any, variant: str) -> FloatArray:
    """Per-example ROUGE F1 (``"rouge1"``, ``"rouge2"`` or ``"rougeL"``), best over references."""
    check_choice(variant, "variant", "rouge_scores", ("rouge1", "rouge2", "rougeL"))
    segs = _segments(hypotheses, references, "rouge_scores")
    out = np.zeros(len(segs))
    for i, (hyp, refs) in enumerate(segs):
        h = _rouge_tokens(hyp)
        best = 0.0
        for ref in refs:
            r = _rouge_tokens(ref)
            if variant == "rougeL":
                f = _f1(_lcs(h, r), len(h), len(r))
            else:
                n = 1 if variant == "rouge1" else 2
                hc = Counter(tuple(h[j : j + n]) for j in range(len(h) - n + 1))
                rc = Counter(tuple(r[j : j + n]) for j in range(len(r) - n + 1))
                f = _f1(sum((hc & rc).values()), sum(hc.values()), sum(rc.values()))
            best = max(best, f)
        out[i] = best
    return out


@register_metric("bleu")
def bleu() -> MetricDefinition:
    """Corpus BLEU (sacrebleu defaults, 0–100)."""
    return MetricDefinition(
        "bleu",
        "higher",
        "sums",
        ("hypotheses", "references"),
        "corpus BLEU, sacrebleu defaults (13a, exp smoothing), 0-100",
        statistics=lambda hypotheses, references: bleu_statistics(hypotheses, references),
        value=bleu_value,
    )


@register_metric("chrf")
def chrf() -> MetricDefinition:
    """Corpus chrF (sacrebleu defaults: char 6-grams, β = 2, 0–100)."""
    return MetricDefinition(
        "chrf",
        "higher",
        "sums",
        ("hypotheses", "references"),
        "corpus chrF, sacrebleu defaults (char order 6, beta 2), 0-100",
        statistics=lambda hypotheses, references: chrf_statistics(hypotheses, references),
        value=chrf_value,
    )


def _rouge_metric(variant: str) -> MetricDefinition:
    return MetricDefinition(
        variant,
        "higher",
        "mean",
        ("hypotheses", "references"),
        f"{variant} F1 per example, then averaged; lower-cased ASCII alphanumeric tokens",
        score=lambda hypotheses, references: rouge_scores(hypotheses, references, variant),
    )


@register_metric("rouge1")
def rouge1() -> MetricDefinition:
    """Mean ROUGE-1 F1."""
    return _rouge_metric("rouge1")


@register_metric("rouge2")
def rouge2() -> MetricDefinition:
    """Mean ROUGE-2 F1."""
    return _rouge_metric("rouge2")


@register_metric("rougeL")
def rouge_l() -> MetricDefinition:
    """Mean ROUGE-L F1 (longest common subsequence)."""
    return MetricDefinition(
        "rougeL",
        "higher",
        "mean",
        ("hypotheses", "references"),
        "ROUGE-L F1 per example (LCS), then averaged; lower-cased ASCII alphanumeric tokens",
        score=lambda hypotheses, references: rouge_scores(hypotheses, references, "rougeL"),
    )
