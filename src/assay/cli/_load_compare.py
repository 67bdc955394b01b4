"""``assay load compare`` and ``assay load capacity``: two deployments paired in interleaved
time blocks, and the highest rate at which an SLO is met with confidence."""

from __future__ import annotations

import math
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.table import Table

from assay.cli._app import VERDICT_EXIT_CODES
from assay.cli._load import _estimate, _line, load_app
from assay.cli._options import DbOption, JsonOption
from assay.cli._render import console, emit_json, safe

if TYPE_CHECKING:
    from assay.runners.load import CapacityResult, Price
    from assay.workflows import LoadComparison

__all__ = ["capacity_command", "compare_command"]


def _fmt(x: float) -> str:
    if math.isnan(x):
        return "n/a"
    return f"{x:.3g}" if math.isfinite(x) else ("∞" if x > 0 else "−∞")


def _rates(text: str) -> list[float]:
    try:
        rates = [float(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise typer.BadParameter(f"expected rates such as 10,20,40. Got {text!r}.") from None
    if not rates or any(not (r > 0 and math.isfinite(r)) for r in rates):
        raise typer.BadParameter(f"expected rates above 0 such as 10,20,40. Got {text!r}.")
    return rates


def _price(per_gpu_hour: float | None, gpus: int, per_mtok: float | None) -> Price | None:
    from assay.runners.load import Price

    if per_gpu_hour is None and per_mtok is None:
        return None
    return Price(per_gpu_hour=per_gpu_hour, gpus=gpus, per_million_output=per_mtok)


@load_app.command("compare")
def compare_command(
    baseline: Annotated[str, typer.Argument(help="Baseline base URL (…/v1) or full URL.")],
    candidate: Annotated[str, typer.Argument(help="Candidate base URL (…/v1) or full URL.")],
    rates: Annotated[str, typer.Option(help="Requests per second, e.g. 10 or 10,20,40.")] = "10",
    pairs: Annotated[int, typer.Option(help="Block pairs per rate (at least 8).")] = 8,
    block_requests: Annotated[int, typer.Option(help="Requests in each block.")] = 50,
    design: Annotated[str, typer.Option(help="Block order: abba or random (seeded).")] = "abba",
    arrival: Annotated[str, typer.Option(help="poisson, gamma or constant.")] = "poisson",
    slo: Annotated[
        list[str] | None,
        typer.Option(help="A per-request objective defining attainment, e.g. 'ttft<=500ms'."),
    ] = None,
    policy: Annotated[
        Path | None,
        typer.Option(
            help="Policy YAML judging the comparison (rules on ttft_p99_ms, attainment, cost_per_1k_tokens, ...)."
        ),
    ] = None,
    prompt: Annotated[list[str] | None, typer.Option(help="A prompt (repeatable).")] = None,
    model: Annotated[str, typer.Option(help="Model name sent to the baseline.")] = "model",
    candidate_model: Annotated[
        str | None, typer.Option(help="Model name sent to the candidate (default: --model).")
    ] = None,
    max_tokens: Annotated[int, typer.Option(help="max_tokens of each request.")] = 64,
    timeout: Annotated[float, typer.Option(help="Seconds before a request times out.")] = 60.0,
    price_gpu_hour: Annotated[
        float | None, typer.Option(help="Baseline price per GPU-hour.")
    ] = None,
    candidate_price_gpu_hour: Annotated[
        float | None, typer.Option(help="Candidate price per GPU-hour.")
    ] = None,
    gpus: Annotated[int, typer.Option(help="GPUs per deployment the price is paid for.")] = 1,
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="Write report.html, report.md (and memo.md) here."),
    ] = None,
    record: Annotated[
        bool, typer.Option("--record", help="Record the decision in the ledger (needs --policy).")
    ] = False,
    confidence: Annotated[float, typer.Option(help="Confidence without a policy.")] = 0.95,
    seed: Annotated[int, typer.Option(help="Seed of the workload, order and bootstrap.")] = 0,
    name: Annotated[str, typer.Option(help="Stored as the suite load-compare:NAME.")] = "default",
    db: DbOption = None,
    json_output: JsonOption = False,
) -> int:
    """Replay one seeded workload against two endpoints in interleaved time blocks; print the
    paired differences and, with --policy, the verdict: exit 0 SHIP, 1 BLOCK, 2 INCONCLUSIVE."""
    import assay
    from assay.workflows import load_compare

    if (price_gpu_hour is None) != (candidate_price_gpu_hour is None):
        raise typer.BadParameter(
            "give both --price-gpu-hour and --candidate-price-gpu-hour, or neither",
            param_hint="--candidate-price-gpu-hour",
        )
    result = load_compare(
        baseline,
        candidate,
        prompts=prompt or ("Say hello.",),
        baseline_model=model,
        candidate_model=candidate_model,
        rates=_rates(rates),
        pairs_per_rate=pairs,
        requests_per_block=block_requests,
        design=design,  # type: ignore[arg-type]
        arrival=arrival,  # type: ignore[arg-type]
        max_tokens=max_tokens,
        timeout_s=timeout,
        slo=slo or (),
        baseline_price=_price(price_gpu_hour, gpus, None),
        candidate_price=_price(candidate_price_gpu_hour, gpus, None),
        policy=policy,
        output=output,
        record=record,
        confidence=confidence,
        seed=seed,
        name=name,
        store=assay.open_store(db),
    )
    if json_output:
        emit_json(comparison_json(result))
    else:
        _render_comparison(result)
    return VERDICT_EXIT_CODES[result.verdict.verdict] if result.verdict else 0


def comparison_json(result: LoadComparison) -> dict[str, Any]:
    """The comparison, its paired ratios, verdict and files as JSON."""
    return {
        "verdict": None if result.verdict is None else result.verdict.model_dump(mode="json"),
        "comparison": result.comparison.model_dump(mode="json"),
        "ratios": {p.row.label: _estimate(p.paired.ratio) for p in result.paired},
        "blocks": [
            {
                "arm": b.arm,
                "pair": b.pair,
                "rate": b.rate,
                "position": b.position,
                "requests": len(b.timings),
            }
            for b in result.interleaved.blocks
        ],
        "files": {k: str(v) for k, v in result.files.items()},
        "decision_id": result.decision_id,
    }


def _render_comparison(result: LoadComparison) -> None:
    c = result.comparison
    s = result.interleaved.settings
    _line(
        f"{len(result.interleaved.rates)} block pairs of {s['requests_per_block']} requests at "
        f"{s['rates']} req/s, {s['design']} order; runs {c.baseline_run[:12]} (baseline) and "
        f"{c.candidate_run[:12]} (candidate)"
    )
    table = Table(title="All rates: each arm, candidate − baseline (block-pair bootstrap)")
    ratios = Table(title="Candidate / baseline (block-pair bootstrap)")
    for column in ("metric", "baseline", "candidate", "difference"):
        table.add_column(column, justify="left" if column == "metric" else "right")
    for column in ("metric", "ratio"):
        ratios.add_column(column, justify="left" if column == "metric" else "right")
    for p in result.paired:
        r = p.row
        if r.slice_attribute is not None:
            continue  # per-rate slices: in --json and the reports
        d, q = r.difference, p.paired.ratio
        table.add_row(
            safe(r.label),
            _fmt(r.baseline.estimate),
            _fmt(r.candidate.estimate),
            f"{_fmt(d.estimate)} [{_fmt(d.low)}, {_fmt(d.high)}]",
        )
        ratios.add_row(safe(r.label), f"{_fmt(q.estimate)} [{_fmt(q.low)}, {_fmt(q.high)}]")
    console.print(table)
    console.print(ratios)
    for method in c.methods:
        _line(f"method: {method}")
    if result.verdict is not None:
        for rule in result.verdict.rules:
            _line(f"{safe(rule.rule)}: {rule.outcome} ({safe(rule.reason)})")
        _line(result.verdict.summary)
    for key, path in result.files.items():
        console.print(f"{key}: {safe(path)}", highlight=False)
    if result.decision_id:
        state = "recorded" if result.decision_created else "was already recorded"
        console.print(f"decision {result.decision_id[:12]} {state}", highlight=False)


@load_app.command("capacity")
def capacity_command(
    endpoint: Annotated[str, typer.Argument(help="Base URL (…/v1) or the full completions URL.")],
    slo: Annotated[
        list[str],
        typer.Option(
            help="An objective, e.g. 'ttft_p90<=300ms' or 'attainment>=0.99' (repeatable)."
        ),
    ],
    start_rate: Annotated[float, typer.Option(help="The first rate probed, requests/s.")] = 5.0,
    factor: Annotated[float, typer.Option(help="Step between rates until bracketed.")] = 2.0,
    resolution: Annotated[float, typer.Option(help="Stop when the bracket is this narrow.")] = 0.1,
    max_rate: Annotated[float | None, typer.Option(help="Never probe above this rate.")] = None,
    requests: Annotated[int, typer.Option(help="Requests in a first look at a rate.")] = 400,
    max_requests: Annotated[int, typer.Option(help="Most requests in one look.")] = 3200,
    max_looks: Annotated[int, typer.Option(help="Most looks in all (Bonferroni over them).")] = 16,
    confirm: Annotated[int, typer.Option(help="Looks that must agree before a rate is met.")] = 2,
    warmup: Annotated[int, typer.Option(help="Requests before each look, not measured.")] = 100,
    prompt: Annotated[list[str] | None, typer.Option(help="A prompt (repeatable).")] = None,
    model: Annotated[str, typer.Option(help="The model name sent in each request.")] = "model",
    max_tokens: Annotated[int, typer.Option(help="max_tokens of each request.")] = 64,
    no_stream: Annotated[bool, typer.Option("--no-stream", help="Do not stream.")] = False,
    timeout: Annotated[float, typer.Option(help="Seconds before a request times out.")] = 60.0,
    confidence: Annotated[float, typer.Option(help="Confidence of the capacity.")] = 0.95,
    seed: Annotated[int, typer.Option(help="Seed of the schedules.")] = 0,
    json_output: JsonOption = False,
) -> int:
    """The highest request rate at which every objective is met with the stated confidence,
    by a noise-aware search; every look's rate, requests, interval and outcome."""
    from assay.workflows import load_capacity

    result = load_capacity(
        endpoint,
        slo=slo,
        start_rate=start_rate,
        factor=factor,
        resolution=resolution,
        max_rate=max_rate,
        requests=requests,
        max_requests=max_requests,
        max_looks=max_looks,
        confirm=confirm,
        warmup=warmup,
        prompts=prompt or ("Say hello.",),
        model=model,
        max_tokens=max_tokens,
        stream=not no_stream,
        timeout_s=timeout,
        confidence=confidence,
        seed=seed,
    )
    if json_output:
        emit_json(capacity_json(result))
    else:
        _render_capacity(result)
    return 0


def capacity_json(result: CapacityResult) -> dict[str, Any]:
    """The capacity and every look as JSON."""
    return {
        "capacity": result.capacity,
        "lowest_not_met": result.lowest_not_met,
        "confidence": result.confidence,
        "look_confidence": result.look_confidence,
        "stopped": result.stopped,
        "looks": [
            {
                "rate": p.rate,
                "requests": p.requests,
                "outcome": p.outcome,
                "achieved_rate": p.summary.achieved_rate,
                "objectives": [
                    {
                        "objective": o.objective,
                        "outcome": o.outcome,
                        "reason": o.reason,
                        "interval": _estimate(o.estimate),
                    }
                    for o in p.objectives
                ],
            }
            for p in result.probes
        ],
    }


def _render_capacity(result: CapacityResult) -> None:
    table = Table(title=f"Looks (each judged at {result.look_confidence:.4f} confidence)")
    for column in ("rate", "requests", "achieved", "interval", "outcome"):
        table.add_column(column, justify="left" if column == "outcome" else "right")
    for p in result.probes:
        first = p.objectives[0].estimate if p.objectives else None
        interval = (
            ""
            if first is None
            else f"{_fmt(first.estimate)} [{_fmt(first.low)}, {_fmt(first.high)}]"
        )
        achieved = p.summary.achieved_rate
        table.add_row(
            f"{p.rate:.4g}",
            str(p.requests),
            "" if achieved is None else f"{achieved:.4g}",
            interval,
            p.outcome,
        )
    console.print(table)
    methods = {o.estimate.method for p in result.probes for o in p.objectives}
    _line("intervals: " + "; ".join(sorted(methods)))
    _line(f"search stopped: {result.stopped}")
    if result.capacity is None:
        _line(f"capacity: no rate probed met the SLO at {result.confidence:.0%} confidence")
    else:
        top = "" if result.lowest_not_met is None else f" (not met at {result.lowest_not_met:.4g})"
        _line(
            f"capacity: {result.capacity:.4g} requests/s at {result.confidence:.0%} confidence{top}"
        )
