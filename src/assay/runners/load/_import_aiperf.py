"""AIPerf's per-request export (``profile_export.jsonl``) as assay requests.

One JSON object a line (``MetricRecordInfo``): ``metadata`` with ``request_start_ns`` and
``request_end_ns`` (wall clock, nanoseconds), ``benchmark_phase`` (``warmup`` records are left
out), ``was_cancelled``; ``metrics``, each ``{"value": …, "unit": …}`` in display units
(``time_to_first_token``, ``request_latency``, ``inter_chunk_latency`` (a list),
``output_sequence_length``, ``output_token_count``, ``input_sequence_length``); and ``error``
(``null``, or ``code``, ``type``, ``message``).

Names: AIPerf's ``inter_token_latency`` is (request latency − TTFT) / (output tokens − 1),
assay's ``tpot_excl_first``; its ``request_latency`` runs to the last response, assay's ``e2e``.
Chunk times are TTFT plus the running sum of ``inter_chunk_latency``. Output tokens are
``output_sequence_length`` (reasoning included, as an endpoint's usage counts them), else
``output_token_count``. Rates are measured from the send times. AIPerf from 0.13 writes
``credit_issued_ns``, when its rate limiter released the request: that is the scheduled send,
and client lag is ``request_start_ns`` minus it; without it client lag is not measured.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from assay.runners.load._import_files import (
    ImportedRequests,
    Where,
    error_kind,
    read_jsonl,
)
from assay.runners.load._timing import RequestTiming

__all__ = ["read_aiperf"]

_SECONDS = {"ns": 1e-9, "us": 1e-6, "ms": 1e-3, "sec": 1.0, "s": 1.0}


def _time(rec: Any, name: str, at: Where, *, required: bool = True) -> Any:
    """A time metric in seconds (a list for ``inter_chunk_latency``), from its stated unit."""
    path = f"metrics.{name}"
    if at.get(rec, path, required=required) is None:
        return None
    unit = at.get(rec, f"{path}.unit")
    if not isinstance(unit, str) or unit not in _SECONDS:
        raise at.fail(f"unknown time unit (one of {', '.join(_SECONDS)})", f"{path}.unit", unit)
    value = at.get(rec, f"{path}.value")
    if isinstance(value, list):
        if len(value) > 1_000_000:
            raise at.fail("too many chunk gaps", f"{path}.value", f"{len(value)} items")
        return [at.check(v, f"{path}.value") * _SECONDS[unit] for v in value]
    return at.check(value, f"{path}.value") * _SECONDS[unit]


def _tokens(rec: Any, name: str, at: Where) -> int | None:
    if at.get(rec, f"metrics.{name}", required=False) is None:
        return None
    return at.count(rec, f"metrics.{name}.value")


def _start_ns(rec: Any, at: Where) -> int | None:
    """The send time of a profiling record (``None`` for a warm-up one)."""
    if not isinstance(rec, dict):
        raise at.fail("expected a record object", None, type(rec).__name__)
    if at.get(rec, "metadata.benchmark_phase", required=False) == "warmup":
        return None
    return at.count(rec, "metadata.request_start_ns")


def _request(rec: Any, at: Where, t0_ns: int) -> tuple[RequestTiming, bool]:
    """The request (times from ``t0_ns``), and whether its chunk gaps were given."""
    start_ns = at.count(rec, "metadata.request_start_ns")
    end_ns = at.count(rec, "metadata.request_end_ns", required=False)
    assert start_ns is not None
    credit_ns = at.count(rec, "metadata.credit_issued_ns", required=False)
    sent = (start_ns - t0_ns) * 1e-9
    end = (end_ns - t0_ns) * 1e-9 if end_ns is not None else None
    at_ = sent if credit_ns is None else (credit_ns - t0_ns) * 1e-9
    if at.get(rec, "metadata.was_cancelled", required=False) is True:
        return RequestTiming(at_, sent, cancelled=True, end_s=end), True
    error = at.get(rec, "error", required=False)
    if error is not None:
        code = error.get("code") if isinstance(error, dict) else None
        return RequestTiming(at_, sent, error=error_kind(code), end_s=end), True
    ttft = _time(rec, "time_to_first_token", at, required=False)
    latency = _time(rec, "request_latency", at)
    gaps = _time(rec, "inter_chunk_latency", at, required=False)
    if isinstance(ttft, list) or isinstance(latency, list) or not isinstance(gaps, list | None):
        raise at.fail("expected a number for TTFT and latency, a list of gaps", "metrics")
    tokens = _tokens(rec, "output_sequence_length", at)
    if tokens is None:
        tokens = _tokens(rec, "output_token_count", at)
    tin = _tokens(rec, "input_sequence_length", at)
    if ttft is None:  # not streamed: only the end of the answer
        chunks: tuple[float, ...] = (sent + latency,)
    else:
        assert isinstance(ttft, float)
        times = [sent + ttft]
        for gap in gaps if isinstance(gaps, list) else []:
            times.append(times[-1] + gap)
        if gaps is None and latency > ttft:
            times.append(sent + latency)
        chunks = tuple(times)
    if not tokens:
        return RequestTiming(at_, sent, error="empty", end_s=end), True
    return RequestTiming(
        at_,
        sent,
        chunk_times_s=chunks,
        output_tokens=tokens,
        input_tokens=tin,
        streamed=ttft is not None,
        end_s=max(end, chunks[-1]) if end is not None else chunks[-1],
    ), ttft is None or gaps is not None


def read_aiperf(path: Path) -> ImportedRequests:
    """Every profiling-phase request of an AIPerf ``profile_export.jsonl``."""
    records = [
        (at, rec, start)
        for n, rec in read_jsonl(path)
        if (start := _start_ns(rec, at := Where(str(path), line=n))) is not None
    ]
    if not records:
        raise Where(str(path)).fail("no profiling requests in the file")
    t0 = min(start for _, _, start in records)
    rows = [_request(rec, at, t0) for at, rec, _ in records]
    credited = sum(rec["metadata"].get("credit_issued_ns") is not None for _, rec, _ in records)
    unmeasured, notes = [], []
    if credited < len(records):
        unmeasured.append("client_lag")
        notes.append(
            f"{len(records) - credited} records have no credit_issued_ns (the scheduled send): "
            "client lag is not measured"
        )
    else:
        notes.append("client lag is request_start_ns − credit_issued_ns (AIPerf's rate limiter)")
    if not all(gaps for _, gaps in rows):
        unmeasured += ["itl", "itl_pooled"]
        notes.append("some streamed records have no inter_chunk_latency: gaps are not measured")
    return ImportedRequests(
        tuple(t for t, _ in rows),
        timeline=True,
        unmeasured=tuple(unmeasured),
        notes=tuple(notes),
        source={"format": "aiperf"},
    )
