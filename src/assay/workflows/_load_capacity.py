"""``assay load capacity``: the highest rate at which an SLO is met with confidence.

Each look of :func:`assay.runners.load.search_capacity` is a fresh open-loop run against the
endpoint (its own seed, ``warmup`` requests first so the queue can fill, left out of the
metrics).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

from assay.errors import ConfigError
from assay.runners.load import (
    CapacityResult,
    RequestTiming,
    parse_objective,
    run_blocking,
    run_load,
    search_capacity,
)
from assay.workflows._load import _url

__all__ = ["load_capacity"]

_STREAMED = ("ttft", "tpot_excl_first", "itl")


def load_capacity(
    endpoint: str,
    *,
    slo: Sequence[str],
    start_rate: float = 5.0,
    factor: float = 2.0,
    resolution: float = 0.1,
    max_rate: float | None = None,
    requests: int = 400,
    max_requests: int = 3200,
    max_looks: int = 16,
    confirm: int = 2,
    warmup: int = 100,
    prompts: Sequence[str] = ("Say hello.",),
    model: str = "model",
    arrival: Literal["poisson", "gamma", "constant"] = "poisson",
    max_tokens: int = 64,
    chat: bool = True,
    stream: bool = True,
    timeout_s: float = 60.0,
    confidence: float = 0.95,
    seed: int = 0,
) -> CapacityResult:
    """Search the highest request rate at which every objective of ``slo`` is met at
    ``confidence`` (Bonferroni over the looks), probing ``endpoint`` with fresh runs."""
    objectives = [parse_objective(text) for text in slo]  # refused before anything is sent
    if not objectives:
        raise ConfigError("A capacity needs an SLO: give --slo (e.g. 'ttft_p99<=500ms')")
    if not stream:
        unmeasured = [o.text for o in objectives if o.metric in _STREAMED]
        if unmeasured:
            raise ConfigError(
                f"The objective {unmeasured[0]!r} is on a metric that needs streaming, "
                "which --no-stream does not measure: a capacity under it cannot be found"
            )
    url = _url(endpoint, chat)
    looks = iter(range(1_000_000))

    def probe(rate: float, n: int) -> Sequence[RequestTiming]:
        look = next(looks)
        result = run_blocking(
            run_load(
                url,
                list(prompts),
                model=model,
                rate=rate,
                requests=n + warmup,
                warmup=warmup,
                arrival=arrival,
                max_tokens=max_tokens,
                chat=chat,
                stream=stream,
                timeout_s=timeout_s,
                rng=seed * 1009 + look,
            )
        )
        return result.measured

    return search_capacity(
        probe,
        objectives,
        start_rate=start_rate,
        factor=factor,
        resolution=resolution,
        max_rate=max_rate,
        requests=requests,
        max_requests=max_requests,
        max_looks=max_looks,
        confirm=confirm,
        confidence=confidence,
        rng=seed,
    )
