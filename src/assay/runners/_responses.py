"""A model's answer to one request, as the runner records it and its response cache keeps it."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from assay.errors import AdapterError
from assay.runners._scoring import valid_text

if TYPE_CHECKING:
    from assay.runners._async_runner import AsyncModelAdapter

__all__ = ["ModelResponse", "answered", "check_endpoint"]


@dataclass(frozen=True)
class ModelResponse:
    """A model's answer to one request, or why there is none."""

    output: Any = None
    """The output (text, a vector, ...); None when ``error`` is set."""
    tokens_in: int | None = None
    """Prompt tokens the endpoint reported, if any."""
    tokens_out: int | None = None
    """Completion tokens the endpoint reported, if any."""
    latency_ms: float = math.nan
    """Wall time of the request that produced the answer, in milliseconds."""
    error: str | None = None
    """Why the request failed (after any retries); the example's record carries it."""
    endpoint_error: bool = False
    """The failure is the endpoint's, not the example's (it cannot be reached, refuses the
    credentials, or does not know the path or model). A run whose every request fails so
    stops with :class:`~assay.errors.AdapterError` instead of recording errors."""


def answered(
    output: Any, tokens_in: int | None, tokens_out: int | None, latency_ms: float
) -> ModelResponse:
    """``ModelResponse(output, tokens_in, tokens_out, latency_ms)``, the same object made
    without the frozen dataclass's ``object.__setattr__`` call per field (a third of the time;
    the runner makes one per request)."""
    resp = _new(ModelResponse)
    resp.__dict__.update(
        output=output,
        tokens_in=tokens_in,
        tokens_out=tokens_out,
        latency_ms=latency_ms,
        error=None,
        endpoint_error=False,
    )
    return resp


_new = object.__new__


def _cached_count(value: Any) -> int | None:
    ok = isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 2**63
    return value if ok else None


def _cached(value: Mapping[str, Any]) -> ModelResponse:
    # a row edited or written by another version may hold anything: keep what fits
    latency = value.get("latency_ms")
    if not isinstance(latency, int | float) or isinstance(latency, bool):
        latency = math.nan
    return answered(
        valid_text(value.get("output")),
        _cached_count(value.get("tokens_in")),
        _cached_count(value.get("tokens_out")),
        float(latency),
    )


def _to_cache(resp: ModelResponse) -> dict[str, Any]:
    return {
        "output": resp.output,
        "tokens_in": resp.tokens_in,
        "tokens_out": resp.tokens_out,
        "latency_ms": resp.latency_ms,
    }


def check_endpoint(
    adapter: AsyncModelAdapter,
    sent: Sequence[ModelResponse | None],
    responses: Sequence[ModelResponse | None],
) -> None:
    """AdapterError when nothing was answered and every request failed for the endpoint."""
    if not sent or any(r is not None and r.error is None for r in responses):
        return
    if not all(r is not None and r.endpoint_error for r in sent):
        return
    first = sent[0]
    assert first is not None
    url = getattr(adapter, "url", None)
    where = f"the {adapter.name} endpoint {url}" if url else f"the {adapter.name} adapter"
    raise AdapterError(
        f"Every request to {where} failed ({len(sent)} of {len(sent)}), so the run has no "
        "answer to record. "
        f"The first error: {first.error}"
    )
