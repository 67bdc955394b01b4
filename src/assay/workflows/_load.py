"""``assay load run``: a load test of an OpenAI-compatible endpoint, its metrics and verdict.

The requests are stored as an ordinary run (one record per request, ``example_id`` the
request's slot ``r000000``…) of a suite named ``load:<name>`` whose examples are the request
slots, so ``assay runs``, ``assay compare`` and the reports read load tests like any other run.
Per-request metrics are columns in milliseconds (``ttft_ms``, ``e2e_ms``, ``tpot_excl_first_ms``,
``tpot_incl_first_ms``, ``itl_mean_ms``, ``client_lag_ms``) plus ``slo_met`` (0/1); a failed
request has its ``error`` kind and no latency.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from assay.errors import ConfigError
from assay.runners.load import (
    LoadResult,
    LoadSummary,
    ObjectiveResult,
    Price,
    RequestTiming,
    judge_objectives,
    parse_objective,
    request_meets,
    run_blocking,
    run_load,
    summarise_load,
)
from assay.storage import Store

__all__ = ["LoadReport", "load_run"]

_COLUMNS = {
    "ttft_ms": "ttft_s",
    "e2e_ms": "e2e_s",
    "tpot_excl_first_ms": "tpot_excl_first_s",
    "tpot_incl_first_ms": "tpot_incl_first_s",
    "itl_mean_ms": "itl_mean_s",
}


@dataclass(frozen=True)
class LoadReport:
    """A load test: every request, the summary with intervals, and the SLO verdict."""

    result: LoadResult
    summary: LoadSummary
    verdict: str | None
    """SHIP, BLOCK or INCONCLUSIVE; ``None`` when no objective was given."""
    objectives: tuple[ObjectiveResult, ...]
    run_id: str | None
    """The stored run, when the requests were logged."""


def load_run(
    endpoint: str,
    *,
    prompts: Sequence[str] = ("Say hello.",),
    model: str = "model",
    rate: float | None = None,
    concurrency: int | None = None,
    requests: int = 100,
    duration_s: float | None = None,
    arrival: Literal["poisson", "gamma", "constant"] = "poisson",
    burstiness: float = 1.0,
    max_tokens: int = 64,
    chat: bool = True,
    stream: bool = True,
    warmup: int = 0,
    cooldown: int = 0,
    timeout_s: float = 60.0,
    slo: Sequence[str] = (),
    price: Price | None = None,
    rate_tolerance: float = 0.05,
    confidence: float = 0.95,
    seed: int = 0,
    name: str = "default",
    store: Store | None = None,
    log: bool = False,
) -> LoadReport:
    """Run a load test against ``endpoint`` (a base URL ending in ``/v1``, or the full path)."""
    objectives = [parse_objective(text) for text in slo]  # refused before anything is sent
    url = _url(endpoint, chat)
    result = run_blocking(
        run_load(
            url,
            list(prompts),
            model=model,
            rate=rate,
            concurrency=concurrency,
            requests=requests,
            duration_s=duration_s,
            arrival=arrival,
            burstiness=burstiness,
            max_tokens=max_tokens,
            chat=chat,
            stream=stream,
            warmup=warmup,
            cooldown=cooldown,
            timeout_s=timeout_s,
            rng=seed,
        )
    )
    measured = result.measured
    summary = summarise_load(
        measured,
        objectives=objectives,
        price=price,
        target_rate=rate,
        rate_tolerance=rate_tolerance,
        confidence=confidence,
        rng=seed,
    )
    verdict: str | None = None
    judged: list[ObjectiveResult] = []
    if objectives:
        verdict, judged = judge_objectives(summary, measured, objectives, confidence=confidence)
    run_id = None
    if log:
        run_id = _log(result, objectives, list(prompts), model, name, store, seed)
    return LoadReport(result, summary, verdict, tuple(judged), run_id)


def _url(endpoint: str, chat: bool) -> str:
    if not endpoint.startswith(("http://", "https://")):
        raise ConfigError(f"The endpoint must be an http:// or https:// URL. Got {endpoint!r}.")
    base = endpoint.rstrip("/")
    if base.endswith(("/chat/completions", "/completions")):
        return base
    return base + ("/chat/completions" if chat else "/completions")


def _row(
    i: int, t: RequestTiming, phase: str, met: bool, hidden: Collection[str] = ()
) -> dict[str, Any]:
    row: dict[str, Any] = {
        "example_id": f"r{i:06d}",
        "error": t.error or ("cancelled" if t.cancelled else None),
    }
    for column, attr in _COLUMNS.items():
        value = getattr(t, attr)
        row[column] = None if value is None else value * 1e3
    row["client_lag_ms"] = t.client_lag_s * 1e3
    row["slo_met"] = float(met) if t.ok else (0.0 if not t.cancelled else None)
    row["latency_ms"] = row["e2e_ms"]
    row["tokens_out"] = t.output_tokens if t.ok else None
    row["tokens_in"] = t.input_tokens
    row["phase"] = phase
    for column in hidden:  # not measured: no column, never a number
        row.pop(column, None)
    return row


def _log(
    result: LoadResult,
    objectives: Sequence[Any],
    prompts: list[str],
    model: str,
    name: str,
    store: Store | None,
    seed: int,
    *,
    hidden: Collection[str] = (),
) -> str:
    from assay.data import make_suite
    from assay.workflows._log_run import log_run

    examples = [
        {"example_id": f"r{i:06d}", "input": prompts[i % len(prompts)], "slices": {"phase": p}}
        for i, p in enumerate(result.phases)
    ]
    metrics = [
        {"name": c, "goal": "lower", "description": f"{c[:-3]} per request, in ms"}
        for c in [*_COLUMNS, "client_lag_ms"]
        if c not in hidden
    ]
    metrics.append(
        {"name": "slo_met", "goal": "higher", "description": "met every per-request objective"}
    )
    suite = make_suite(f"load:{name}", examples, metrics=metrics, slices=["phase"])
    rows = [
        _row(i, t, p, all(request_meets(t, o) for o in objectives if o.kind == "request"), hidden)
        for i, (t, p) in enumerate(zip(result.timings, result.phases, strict=True))
    ]
    params = {
        k: v
        for k, v in result.settings.items()
        if isinstance(v, str | int | float | bool) or v is None
    }
    logged = log_run(
        rows,
        suite=suite,
        model=f"{model}@load",
        store=store,
        params=params,
        seeds={"arrivals": seed},
        source="load",
    )
    return logged.run.run_id
