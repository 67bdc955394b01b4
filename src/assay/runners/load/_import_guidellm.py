"""GuideLLM's JSON report (``guidellm benchmark --output-path x.json``) as assay requests.

The report holds ``benchmarks``, each with ``requests`` split into ``successful``, ``errored``
and ``incomplete`` lists. A request (``GenerativeRequestStats``) carries Unix timestamps in
``info.timings``: ``targeted_start`` (the schedule's send time), ``request_start`` (the actual
send), ``first_token_iteration``, ``last_token_iteration``, the number of streamed iterations
``token_iterations``, and ``request_end``; its output tokens are ``output_tokens``. Reports of
GuideLLM before 0.4 keep flat ``start_time``, ``first_token_time``, ``last_token_time``,
``end_time`` and ``scheduler_info.targeted_start_time``; both are read.

Names: GuideLLM's ``time_per_output_token_ms`` includes the first token (assay's
``tpot_incl_first``); its ``inter_token_latency_ms`` is (last − first) / (tokens − 1), assay's
``tpot_excl_first``. Only the first and last iteration times are kept, so each request's chunk
times are spread evenly between them (as GuideLLM itself does): the per-request mean gap
``itl`` is exact, pooled gaps are not measured.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from assay.runners.load._import_files import ImportedRequests, Where, read_json, shift
from assay.runners.load._timing import RequestTiming

__all__ = ["read_guidellm"]

_STATUSES = ("successful", "errored", "incomplete")


def _benchmark(data: Any, where: Where, index: int | None) -> Any:
    benchmarks = where.get(data, "benchmarks")
    if not isinstance(benchmarks, list) or not benchmarks:
        raise where.fail("expected a non-empty list of benchmarks", "benchmarks", benchmarks)
    if index is None:
        if len(benchmarks) > 1:
            raise where.fail(
                f"the report holds {len(benchmarks)} benchmarks (a sweep): choose one by its "
                "index (--benchmark I)",
                "benchmarks",
            )
        index = 0
    if not 0 <= index < len(benchmarks):
        raise where.fail(f"no benchmark {index}", "benchmarks", f"{len(benchmarks)} benchmarks")
    return benchmarks[index]


def _times(req: Any, at: Where) -> dict[str, Any]:
    """The timestamps of one request, new layout (``info.timings``) or old (flat)."""
    if isinstance(req, dict) and isinstance(req.get("info"), dict):
        base = "info.timings"
        n = at.number
        sent = n(req, f"{base}.request_start", required=False)
        if sent is None:
            sent = n(req, f"{base}.resolve_start", required=False)
        return {
            "scheduled": n(req, f"{base}.targeted_start", required=False),
            "sent": sent,
            "first": n(req, f"{base}.first_token_iteration", required=False),
            "last": n(req, f"{base}.last_token_iteration", required=False),
            "iterations": at.count(req, f"{base}.token_iterations", required=False),
            "end": n(req, f"{base}.request_end", required=False)
            or n(req, f"{base}.resolve_end", required=False),
        }
    target = at.get(req, "scheduler_info.targeted_start_time", required=False)
    return {
        "scheduled": at.number(req, "scheduler_info.targeted_start_time")
        if isinstance(target, int | float) and not isinstance(target, bool) and target >= 0
        else None,
        "sent": at.number(req, "start_time", required=False),
        "first": at.number(req, "first_token_time", required=False),
        "last": at.number(req, "last_token_time", required=False),
        "iterations": None,
        "end": at.number(req, "end_time", required=False),
    }


def _request(req: Any, status: str, at: Where) -> tuple[RequestTiming, bool]:
    """The request, and whether its chunk times were spread evenly from an iteration count."""
    if not isinstance(req, dict):
        raise at.fail("expected a request object", None, req)
    t = _times(req, at)
    sent = t["sent"] if t["sent"] is not None else t["scheduled"]
    if sent is None:
        raise at.fail("a request has no start time", "info.timings.request_start")
    scheduled = t["scheduled"] if t["scheduled"] is not None else sent
    out = at.count(req, "output_tokens", required=False)
    tin = at.count(req, "prompt_tokens", required=False)
    if status != "successful":
        error = None if status == "incomplete" else "imported_error"
        return RequestTiming(
            scheduled, sent, error=error, cancelled=status == "incomplete", end_s=t["end"]
        ), False
    first, last, iterations = t["first"], t["last"], t["iterations"]
    spread = False
    if first is None:  # not streamed: only the end of the answer is known
        end = t["end"] if t["end"] is not None else last
        if end is None:
            raise at.fail("a successful request has no end time", "info.timings.request_end")
        chunks: tuple[float, ...] = (end,)
    else:
        last = first if last is None else last
        if last < first:
            raise at.fail("the last token comes before the first", "last_token_iteration", last)
        if iterations is not None and iterations >= 2:
            chunks = tuple(float(x) for x in np.linspace(first, last, iterations))
            spread = True
        else:
            chunks = (first,) if last == first else (first, last)
    if min(chunks) < sent:
        raise at.fail("a token arrives before the request was sent", "first_token_iteration")
    tokens = out if out is not None else (iterations or len(chunks))
    return RequestTiming(
        scheduled,
        sent,
        chunk_times_s=chunks,
        output_tokens=tokens,
        input_tokens=tin,
        streamed=first is not None,
        tokens_from="usage" if out is not None else "chunks",
        end_s=t["end"] if t["end"] is not None else chunks[-1],
    ), spread


def read_guidellm(path: Path, *, benchmark: int | None = None) -> ImportedRequests:
    """The requests of one benchmark of a GuideLLM JSON report."""
    data = read_json(path)
    where = Where(str(path))
    if not isinstance(data, dict):
        raise where.fail("expected one JSON object (a GuideLLM report)", None, type(data).__name__)
    bench = _benchmark(data, where, benchmark)
    requests = where.get(bench, "requests")
    rows: list[tuple[RequestTiming, bool]] = []
    row = 0
    for status in _STATUSES:
        listed = where.get(requests, status, required=False) or []
        if not isinstance(listed, list):
            raise where.fail("expected a list of requests", f"requests.{status}", listed)
        for req in listed:
            rows.append(_request(req, status, Where(str(path), row=row)))
            row += 1
    if not rows:
        raise where.fail("no requests in the benchmark (saved without them?)", "requests")
    t0 = min(t.scheduled_s for t, _ in rows)
    timings = tuple(shift(t, t0) for t, _ in rows)
    unmeasured = ["itl_pooled"]
    if not all(spread for t, spread in rows if t.ok and t.streamed):
        unmeasured.append("itl")  # no iteration count: the mean gap is unknown
    notes = [
        "GuideLLM keeps the first and last token times and the number of iterations: chunk "
        "times are spread evenly between them, so pooled gaps are not measured"
    ]
    no_target = sum(not _has_target(r) for r in _raw(requests))
    if no_target:
        unmeasured.append("client_lag")
        notes.append(
            f"{no_target} requests have no scheduled send time: client lag is not measured"
        )
    version = where.get(data, "metadata.guidellm_version", required=False)
    return ImportedRequests(
        timings,
        timeline=True,
        unmeasured=tuple(unmeasured),
        notes=tuple(notes),
        source={"format": "guidellm", "tool_version": str(version) if version else None},
    )


def _raw(requests: Any) -> list[Any]:
    return [r for s in _STATUSES for r in (requests.get(s) or [])]


def _has_target(req: Any) -> bool:
    info = req.get("info")
    if isinstance(info, dict):
        timings = info.get("timings")
        return isinstance(timings, dict) and timings.get("targeted_start") is not None
    sched = req.get("scheduler_info")
    target = sched.get("targeted_start_time") if isinstance(sched, dict) else None
    return isinstance(target, int | float) and target >= 0
