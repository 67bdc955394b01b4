"""``assay load capacity``: the highest rate at which an SLO is met with confidence."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.table import Table

from assay.cli._load import _estimate, _line, load_app
from assay.cli._load_compare import fmt_number
from assay.cli._options import JsonOption
from assay.cli._render import console, emit_json

if TYPE_CHECKING:
    from assay.runners.load import CapacityResult

__all__ = ["capacity_command"]


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
            else f"{fmt_number(first.estimate)} [{fmt_number(first.low)}, {fmt_number(first.high)}]"
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
