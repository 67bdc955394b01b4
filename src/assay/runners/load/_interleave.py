"""Two deployments under the same seeded workload, interleaved in time blocks.

The workload is cut into block pairs. Pair *j* has its own arrival schedule (seeded from the
comparison's seed and *j*) and its own prompts; it is sent once to each arm, one block after
the other, each block waiting for its last answer before the next begins (so the two
deployments never load the machine at the same time). The order inside a pair is ABBA
(baseline first in pairs 0, 3, 4, 7, …, so a linear drift cancels over every four blocks) or
a seeded random order. An arm that fails every request of a block stops the comparison with
an :class:`~assay.errors.AdapterError` naming the arm, the block and the errors.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from assay._util import check_choice, check_int, check_rng
from assay.errors import AdapterError, ParameterError
from assay.runners.load._generator import Arrival, run_load
from assay.runners.load._timing import RequestTiming

__all__ = ["ARMS", "ArmBlock", "InterleavedResult", "block_order", "run_interleaved"]

ARMS = ("baseline", "candidate")
Design = Literal["abba", "random"]


def block_order(n_pairs: int, *, design: Design = "abba", rng: int = 0) -> list[tuple[str, str]]:
    """The order of the two arms inside each of ``n_pairs`` block pairs.

    ``abba``: baseline first in pairs 0, 3, 4, 7, 8, … (A B | B A | B A | A B | A B …, the
    pattern A B B A repeated over blocks); ``random``: each pair's order a seeded coin flip.
    """
    function = "block_order"
    k = check_int(n_pairs, "n_pairs", function)
    kind = check_choice(design, "design", function, ("abba", "random"))
    b, c = ARMS
    if kind == "abba":
        return [(b, c) if j % 4 in (0, 3) else (c, b) for j in range(k)]
    gen, _ = check_rng(rng, function)
    flips = gen.integers(0, 2, size=k)
    return [(b, c) if f == 0 else (c, b) for f in flips]


@dataclass(frozen=True)
class ArmBlock:
    """One block of one arm: its requests, in send order, and when it ran."""

    arm: str
    pair: int
    rate: float
    position: int
    """The block's place in time over the whole comparison (0 first)."""
    timings: tuple[RequestTiming, ...]
    started_s: float
    ended_s: float


@dataclass(frozen=True)
class InterleavedResult:
    """Every block of both arms, with the workload that both received."""

    blocks: tuple[ArmBlock, ...]
    prompts: tuple[tuple[str, ...], ...]
    """The prompts of each pair, in slot order (the same for both arms)."""
    rates: tuple[float, ...]
    """The rate of each pair."""
    settings: dict[str, Any]

    def arm(self, name: str) -> list[ArmBlock]:
        """The blocks of one arm, in pair order."""
        return sorted((b for b in self.blocks if b.arm == name), key=lambda b: b.pair)


async def run_interleaved(
    urls: dict[str, str],
    prompts: Sequence[str],
    *,
    rates: Sequence[float],
    pairs_per_rate: int = 8,
    requests_per_block: int = 50,
    design: Design = "abba",
    arrival: Arrival = "poisson",
    burstiness: float = 1.0,
    models: dict[str, str] | None = None,
    max_tokens: int = 64,
    chat: bool = True,
    stream: bool = True,
    timeout_s: float = 60.0,
    rng: int = 0,
) -> InterleavedResult:
    """Send the same workload to ``urls["baseline"]`` and ``urls["candidate"]`` in blocks."""
    function = "run_interleaved"
    if sorted(urls) != sorted(ARMS):
        raise ParameterError("urls", function, "a dict with 'baseline' and 'candidate'", urls)
    if not rates:
        raise ParameterError("rates", function, "one rate or more", rates)
    per = check_int(pairs_per_rate, "pairs_per_rate", function, minimum=2)
    m = check_int(requests_per_block, "requests_per_block", function)
    seed = check_int(rng, "rng", function, minimum=0)
    if not prompts:
        raise ParameterError("prompts", function, "one prompt or more", prompts)
    pair_rates = [float(r) for r in rates for _ in range(per)]
    order = block_order(len(pair_rates), design=design, rng=seed)
    pool = np.random.default_rng([seed, 1])
    chosen = pool.integers(0, len(prompts), size=(len(pair_rates), m))
    pair_prompts = tuple(tuple(prompts[i] for i in row) for row in chosen)
    blocks: list[ArmBlock] = []
    names = models or {}
    for j, (rate, arms) in enumerate(zip(pair_rates, order, strict=True)):
        for arm in arms:
            started = time.perf_counter()
            result = await run_load(
                urls[arm],
                pair_prompts[j],
                model=names.get(arm, "model"),
                rate=rate,
                requests=m,
                arrival=arrival,
                burstiness=burstiness,
                max_tokens=max_tokens,
                chat=chat,
                stream=stream,
                timeout_s=timeout_s,
                rng=seed * 100_003 + j,  # the same schedule for both arms of pair j
            )
            if not any(t.ok for t in result.timings):
                kinds = Counter(t.error or "cancelled" for t in result.timings)
                listed = ", ".join(f"{k} {v}" for k, v in sorted(kinds.items()))
                raise AdapterError(
                    f"The {arm} endpoint {urls[arm]} failed every request of block pair {j} "
                    f"({listed}); the comparison stopped after {len(blocks)} blocks and "
                    "nothing was stored"
                )
            blocks.append(
                ArmBlock(arm, j, rate, len(blocks), result.timings, started, time.perf_counter())
            )
    settings = {
        "baseline_url": urls["baseline"],
        "candidate_url": urls["candidate"],
        "rates": ",".join(f"{r:g}" for r in rates),
        "pairs_per_rate": per,
        "requests_per_block": m,
        "design": design,
        "arrival": arrival,
        "burstiness": burstiness,
        "max_tokens": max_tokens,
        "stream": stream,
        "chat": chat,
        "seed": seed,
    }
    return InterleavedResult(tuple(blocks), pair_prompts, tuple(pair_rates), settings)
