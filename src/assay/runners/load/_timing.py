"""One request of a load test, as timestamps, and the per-request metrics defined on them.

Every time is in seconds on one monotonic clock. Definitions (docs/load.md has them all):

* ``ttft_s``: first token − actual send.
* ``e2e_s``: last token − actual send (end-to-end latency).
* ``tpot_excl_first_s``: (last token − first token) / (output tokens − 1): time per output token
  after the first (vLLM's TPOT). Undefined for fewer than 2 tokens.
* ``tpot_incl_first_s``: (last token − actual send) / output tokens: time per output token
  including the wait for the first (GuideLLM's TPOT, LLMPerf's "inter-token latency").
* ``itl_s``: the gaps between consecutive chunk arrivals; per request their mean,
  (last − first) / (chunks − 1), pooled over requests all of them.
* ``client_lag_s``: actual send − scheduled send (how late the client was; coordinated
  omission shows here). ``*_from_scheduled`` variants time from the scheduled send.

A request sent at 0 s, first token at 0.5 s, 11 tokens, last at 1.5 s: TPOT excluding the first
token 100 ms, including it 136.4 ms.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

__all__ = ["RequestTiming"]


@dataclass(frozen=True)
class RequestTiming:
    """The timestamps and counts of one request; metrics are properties (``None`` if undefined)."""

    scheduled_s: float
    """When the schedule said to send it."""
    sent_s: float
    """When it was actually sent."""
    chunk_times_s: tuple[float, ...] = ()
    """Arrival of each streamed chunk carrying output; one entry (the answer) when not streamed."""
    output_tokens: int = 0
    """Output tokens (from the endpoint's usage, else counted chunks; see ``tokens_from``)."""
    input_tokens: int | None = None
    """Prompt tokens, from the endpoint's usage."""
    error: str | None = None
    """The kind of failure (``connect``, ``timeout``, ``http_503``, ``malformed_sse``,
    ``stream_truncated``, ``empty``), or ``None``."""
    cancelled: bool = False
    """Stopped by the client (the run ended first); reported, not counted as a miss."""
    streamed: bool = True
    """Whether chunk times are token arrivals; without streaming only ``e2e`` is measured."""
    tokens_from: str = "usage"
    """``usage`` (the endpoint's count) or ``chunks`` (the endpoint gave no usage)."""
    end_s: float | None = None
    """When the response ended (last byte), success or not."""
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def ok(self) -> bool:
        """Completed without error or cancellation."""
        return self.error is None and not self.cancelled

    @property
    def first_token_s(self) -> float | None:
        return self.chunk_times_s[0] if self.ok and self.chunk_times_s else None

    @property
    def last_token_s(self) -> float | None:
        return self.chunk_times_s[-1] if self.ok and self.chunk_times_s else None

    @property
    def client_lag_s(self) -> float:
        return self.sent_s - self.scheduled_s

    @property
    def ttft_s(self) -> float | None:
        first = self.first_token_s
        return first - self.sent_s if first is not None and self.streamed else None

    @property
    def ttft_from_scheduled_s(self) -> float | None:
        first = self.first_token_s
        return first - self.scheduled_s if first is not None and self.streamed else None

    @property
    def e2e_s(self) -> float | None:
        last = self.last_token_s
        return last - self.sent_s if last is not None else None

    @property
    def e2e_from_scheduled_s(self) -> float | None:
        last = self.last_token_s
        return last - self.scheduled_s if last is not None else None

    @property
    def tpot_excl_first_s(self) -> float | None:
        first, last = self.first_token_s, self.last_token_s
        if first is None or last is None or not self.streamed or self.output_tokens < 2:
            return None
        return (last - first) / (self.output_tokens - 1)

    @property
    def tpot_incl_first_s(self) -> float | None:
        last = self.last_token_s
        if last is None or self.output_tokens < 1:
            return None
        return (last - self.sent_s) / self.output_tokens

    @property
    def itl_gaps_s(self) -> tuple[float, ...]:
        """Gaps between consecutive chunk arrivals (empty unless streamed with 2+ chunks)."""
        if not self.ok or not self.streamed:
            return ()
        t = self.chunk_times_s
        return tuple(b - a for a, b in itertools.pairwise(t))

    @property
    def itl_mean_s(self) -> float | None:
        gaps = self.itl_gaps_s
        return sum(gaps) / len(gaps) if gaps else None
