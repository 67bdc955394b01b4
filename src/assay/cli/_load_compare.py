"""``assay load compare``: two deployments paired in interleaved time blocks."""

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
    from assay.runners.load import Price
    from assay.workflows import LoadComparison

__all__ = ["compare_command", "fmt_number"]


def fmt_number(x: float) -> str:
    """A number in 3 significant digits; n/a, ∞ and −∞ spelled out."""
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
            fmt_number(r.baseline.estimate),
            fmt_number(r.candidate.estimate),
            f"{fmt_number(d.estimate)} [{fmt_number(d.low)}, {fmt_number(d.high)}]",
        )
        ratios.add_row(
            safe(r.label), f"{fmt_number(q.estimate)} [{fmt_number(q.low)}, {fmt_number(q.high)}]"
        )
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
