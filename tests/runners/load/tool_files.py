"""Result files of GuideLLM, LLMPerf and AIPerf, rebuilt field for field from their writers.

Sources read: GuideLLM ``GenerativeBenchmarksReport`` / ``GenerativeRequestStats`` /
``RequestTimings`` (vllm-project/guidellm, src/guidellm/schemas, benchmark/schemas), LLMPerf
``token_benchmark_ray.py`` and ``openai_chat_completions_client.py`` (ray-project/llmperf),
AIPerf ``MetricRecordInfo`` / ``MetricRecordMetadata`` and the record export processor
(ai-dynamo/aiperf). Each request is given as (scheduled lag, TTFT, gaps, tokens) and the tool's
own derived numbers are computed with the tool's formulas, so a test can compare them with
assay's.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

T0 = 1_765_000_000.0  # a Unix time, as the tools write


@dataclass(frozen=True)
class Req:
    send: float  # seconds after T0
    ttft: float
    gaps: tuple[float, ...]  # between consecutive content chunks after the first
    tokens: int
    lag: float = 0.0  # actual send − scheduled send
    error: int | None = None  # an HTTP status

    @property
    def last(self) -> float:
        return self.ttft + sum(self.gaps)


EXAMPLE = Req(send=0.0, ttft=0.5, gaps=(0.1,) * 10, tokens=11, lag=0.01)
"""The issue's request: sent at 0 s, first token 0.5 s, 11 tokens, last at 1.5 s."""


def requests(n: int = 400) -> list[Req]:
    out = [EXAMPLE]
    for i in range(1, n):
        ttft = 0.05 + 0.0001 * i
        out.append(Req(send=0.05 * i, ttft=ttft, gaps=(0.01,) * 4, tokens=5, lag=0.002))
    out.append(Req(send=0.05 * n, ttft=0.0, gaps=(), tokens=0, error=503))
    return out


def guidellm_request(r: Req) -> dict[str, Any]:
    start = T0 + r.send
    first, last = start + r.ttft, start + r.last
    timings = {
        "targeted_start": start - r.lag,
        "queued": start - r.lag,
        "dequeued": start - r.lag / 2,
        "scheduled_at": start - r.lag / 2,
        "resolve_start": start,
        "request_start": start,
        "first_request_iteration": first if not r.error else None,
        "first_token_iteration": first if not r.error else None,
        "first_output_token_iteration": first if not r.error else None,
        "last_token_iteration": last if not r.error else None,
        "last_request_iteration": last + 0.001 if not r.error else None,
        "request_iterations": len(r.gaps) + 2 if not r.error else 0,
        "token_iterations": len(r.gaps) + 1 if not r.error else 0,
        "request_end": last + 0.001,
        "resolve_end": last + 0.002,
        "finalized": last + 0.003,
    }
    out = None if r.error else r.tokens
    stats: dict[str, Any] = {
        "type_": "generative_request_stats",
        "request_id": f"req-{r.send}",
        "response_id": None,
        "request_args": None,
        "output": None if r.error else "x " * r.tokens,
        "info": {
            "request_id": f"req-{r.send}",
            "status": "errored" if r.error else "completed",
            "scheduler_node_id": 0,
            "scheduler_process_id": 0,
            "scheduler_start_time": T0 - 1,
            "timings": timings,
            "error": f"HTTP {r.error}" if r.error else None,
        },
        "input_metrics": {"text_tokens": 7, "text_words": 5, "text_characters": 30},
        "output_metrics": {"text_tokens": out},
        # computed fields, serialised by pydantic with the model
        "request_start_time": start,
        "request_end_time": last + 0.001,
        "request_latency": r.last + 0.001,
        "prompt_tokens": 7,
        "output_tokens": out,
        "total_tokens": 7 + (out or 0),
    }
    if not r.error:
        stats["time_to_first_token_ms"] = 1000 * r.ttft
        stats["time_per_output_token_ms"] = 1000 * r.last / r.tokens  # GuideLLM's TPOT
        stats["inter_token_latency_ms"] = 1000 * (r.last - r.ttft) / (r.tokens - 1)
    return stats


def guidellm_report(path: Path, reqs: list[Req], *, benchmarks: int = 1) -> Path:
    ok = [guidellm_request(r) for r in reqs if not r.error]
    bad = [guidellm_request(r) for r in reqs if r.error]
    bench = {
        "type_": "generative_benchmark",
        "id_": "b0",
        "config": {"strategy": {"type_": "poisson", "rate": 20.0}},
        "metrics": {},
        "requests": {"successful": ok, "errored": bad, "incomplete": [], "total": None},
    }
    report = {
        "metadata": {"version": 2, "guidellm_version": "0.5.0", "python_version": "3.12"},
        "config": {},
        "benchmarks": [bench] * benchmarks,
    }
    path.write_text(json.dumps(report, indent=2))
    return path


def llmperf_record(r: Req) -> dict[str, Any]:
    if r.error:
        return {
            "error_code": r.error,
            "error_msg": "Service Unavailable",
            "inter_token_latency_s": 0,
            "ttft_s": 0,
            "end_to_end_latency_s": 0,
            "request_output_throughput_token_per_s": 0,
            "number_total_tokens": 7,
            "number_output_tokens": 0,
            "number_input_tokens": 7,
        }
    # sum(time_to_next_token) is the time from the send to the last content chunk; LLMPerf
    # divides it by the output tokens its tokenizer counts
    e2e = r.last + 0.002
    return {
        "error_code": None,
        "error_msg": "",
        "inter_token_latency_s": r.last / r.tokens,
        "ttft_s": r.ttft,
        "end_to_end_latency_s": e2e,
        "request_output_throughput_token_per_s": r.tokens / e2e,
        "number_total_tokens": 7 + r.tokens,
        "number_output_tokens": r.tokens,
        "number_input_tokens": 7,
    }


def llmperf_file(path: Path, reqs: list[Req], *, jsonl: bool = False) -> Path:
    records = [llmperf_record(r) for r in reqs]
    if jsonl:
        path.write_text("".join(json.dumps(x) + "\n" for x in records))
    else:
        path.write_text(json.dumps(records, indent=4))  # json.dump(individual_responses, indent=4)
    return path


def aiperf_record(
    r: Req, i: int, *, phase: str = "profiling", credit: bool = False
) -> dict[str, Any]:
    """One record; ``credit`` adds ``credit_issued_ns`` (AIPerf 0.13: the scheduled send)."""
    start_ns = int(T0 * 1e9) + round(r.send * 1e9)
    end_ns = start_ns + round(r.last * 1e9)
    metadata = {
        "session_num": i,
        "x_request_id": f"id-{i}",
        "x_correlation_id": f"corr-{i}",
        "conversation_id": f"conv-{i}",
        "turn_index": 0,
        "request_start_ns": start_ns,
        "request_ack_ns": start_ns + 1_000_000,
        "request_end_ns": end_ns,
        "worker_id": "worker_1",
        "record_processor_id": "record_processor_1",
        "benchmark_phase": phase,
        "was_cancelled": False,
        "cancellation_time_ns": None,
    }
    if credit:
        metadata["credit_issued_ns"] = start_ns - round(r.lag * 1e9)
    if r.error:
        return {
            "metadata": metadata,
            "metrics": {"error_isl": {"value": 7, "unit": "tokens"}},
            "error": {"code": r.error, "type": "Service Unavailable", "message": "busy"},
        }
    ms = 1e3
    metrics = {
        "input_sequence_length": {"value": 7, "unit": "tokens"},
        "time_to_first_token": {"value": r.ttft * ms, "unit": "ms"},
        "request_latency": {"value": r.last * ms, "unit": "ms"},
        "output_token_count": {"value": r.tokens, "unit": "tokens"},
        "inter_chunk_latency": {"value": [g * ms for g in r.gaps], "unit": "ms"},
        "output_sequence_length": {"value": r.tokens, "unit": "tokens"},
        # AIPerf's ITL: (request latency − TTFT) / (OSL − 1)
        "inter_token_latency": {"value": (r.last - r.ttft) / (r.tokens - 1) * ms, "unit": "ms"},
        "output_token_throughput_per_user": {
            "value": (r.tokens - 1) / (r.last - r.ttft),
            "unit": "tokens/sec/user",
        },
    }
    return {"metadata": metadata, "metrics": metrics, "error": None}


def aiperf_file(path: Path, reqs: list[Req], *, warmup: int = 0) -> Path:
    lines = [aiperf_record(EXAMPLE, -1 - k, phase="warmup") for k in range(warmup)]
    lines += [aiperf_record(r, i) for i, r in enumerate(reqs)]
    path.write_text("\n".join(json.dumps(x) for x in lines) + "\n")
    return path
