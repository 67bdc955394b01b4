"""LLMPerf's per-request results (``token_benchmark_ray.py --results-dir``) as assay requests.

LLMPerf writes ``<model>_<in>_<out>_individual_responses.json``, a JSON list with one object
per request (a JSON Lines file of the same objects is read too): ``ttft_s``,
``inter_token_latency_s``, ``end_to_end_latency_s``, ``number_output_tokens``,
``number_input_tokens``, ``error_code`` (``null`` on success) and ``error_msg``.

Names: LLMPerf's ``inter_token_latency_s`` is the sum of the gaps from the send to each
content chunk, divided by the output tokens: (last token − send) / tokens, assay's
``tpot_incl_first``. The last token time is rebuilt from it as that value times the tokens,
so ``e2e`` (to the last token) and ``tpot_excl_first`` follow; LLMPerf's own
``end_to_end_latency_s`` runs to the close of the stream and is kept only as the response end.
Its output tokens are counted by its own tokenizer on the generated text, not the endpoint's
usage. The file has no send times (every request starts at 0 s on its own clock), so rates,
goodput and client lag are not measured, and neither are inter-token gaps (the number of
chunks is not kept).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from assay.runners.load._import_files import (
    ImportedRequests,
    Where,
    error_kind,
    read_json,
    read_jsonl,
)
from assay.runners.load._timing import RequestTiming

__all__ = ["read_llmperf"]

_SLACK = 1e-9


def _records(path: Path) -> list[tuple[Where, Any]]:
    try:
        with open(path, "rb") as handle:
            head = handle.read(4096).lstrip()
    except OSError as exc:
        raise Where(str(path)).fail(f"cannot read the file: {exc.strerror}") from None
    if head.startswith(b"["):
        data = read_json(path)
        return [(Where(str(path), row=i), rec) for i, rec in enumerate(data)]
    return [(Where(str(path), line=n), rec) for n, rec in read_jsonl(path)]


def _request(rec: Any, at: Where) -> RequestTiming:
    if not isinstance(rec, dict):
        raise at.fail("expected a request object", None, type(rec).__name__)
    code = rec.get("error_code")
    if code is not None or rec.get("error_msg"):
        return RequestTiming(0.0, 0.0, error=error_kind(code))
    first = at.number(rec, "ttft_s")
    tpot_incl = at.number(rec, "inter_token_latency_s")
    tokens = at.count(rec, "number_output_tokens")
    tin = at.count(rec, "number_input_tokens", required=False)
    end = at.number(rec, "end_to_end_latency_s", required=False)
    assert first is not None and tpot_incl is not None and tokens is not None
    if tokens == 0 or first == 0:
        return RequestTiming(0.0, 0.0, error="empty")
    last = tpot_incl * tokens
    if last < first - _SLACK * max(1.0, first):
        raise at.fail(
            "inter_token_latency_s × number_output_tokens (the last token) comes before ttft_s",
            "inter_token_latency_s",
            tpot_incl,
        )
    last = max(last, first)
    chunks = (first,) if last == first else (first, last)
    return RequestTiming(
        0.0,
        0.0,
        chunk_times_s=chunks,
        output_tokens=tokens,
        input_tokens=tin,
        end_s=max(end, last) if end is not None else last,
    )


def read_llmperf(path: Path) -> ImportedRequests:
    """Every request of an LLMPerf individual-responses file."""
    records = _records(path)
    if not records:
        raise Where(str(path)).fail("no requests in the file")
    timings = tuple(_request(rec, at) for at, rec in records)
    return ImportedRequests(
        timings,
        timeline=False,
        unmeasured=("itl", "itl_pooled"),
        notes=(
            "LLMPerf's inter_token_latency_s is (last token − send) / tokens: assay's "
            "tpot_incl_first; its output tokens are counted by its tokenizer, not the endpoint",
        ),
        source={"format": "llmperf"},
    )
