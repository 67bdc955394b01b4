"""``assay load run``: a load test of an OpenAI-compatible endpoint, ending in an SLO verdict."""

from __future__ import annotations

import math
import textwrap
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.table import Table

from assay.cli._app import VERDICT_EXIT_CODES
from assay.cli._options import DbOption, JsonOption
from assay.cli._render import console, emit_json, safe

if TYPE_CHECKING:
    from assay.stats import Estimate
    from assay.workflows import LoadReport

__all__ = ["load_app"]

load_app = typer.Typer(
    help="Serving load tests of OpenAI-compatible endpoints, ending in an SLO verdict.",
    no_args_is_help=True,
)

_SHOWN = ("ttft", "tpot_excl_first", "tpot_incl_first", "itl", "e2e", "client_lag")


@load_app.command("run")
def run_command(
    endpoint: Annotated[str, typer.Argument(help="Base URL (…/v1) or the full completions URL.")],
    rate: Annotated[float | None, typer.Option(help="Open loop: requests per second.")] = None,
    rates: Annotated[
        str | None, typer.Option(help="A sweep: one open-loop run per rate, e.g. 10,20,40.")
    ] = None,
    concurrency: Annotated[
        int | None, typer.Option(help="Closed loop: requests in flight.")
    ] = None,
    requests: Annotated[
        int, typer.Option(help="Requests to send (warm-up and cool-down included).")
    ] = 100,
    duration: Annotated[
        float | None, typer.Option(help="Stop sending after this many seconds.")
    ] = None,
    arrival: Annotated[str, typer.Option(help="poisson, gamma or constant.")] = "poisson",
    burstiness: Annotated[float, typer.Option(help="Gamma shape (below 1: burstier).")] = 1.0,
    slo: Annotated[
        list[str] | None,
        typer.Option(
            help="An objective, e.g. 'ttft_p99<=500ms', 'ttft<=500ms', 'attainment>=0.99' (repeatable)."
        ),
    ] = None,
    prompt: Annotated[
        list[str] | None, typer.Option(help="A prompt (repeatable; used in turn).")
    ] = None,
    suite: Annotated[
        str | None,
        typer.Option(help="Draw the prompts (seeded) from this registered suite's inputs."),
    ] = None,
    model: Annotated[str, typer.Option(help="The model name sent in each request.")] = "model",
    max_tokens: Annotated[int, typer.Option(help="max_tokens of each request.")] = 64,
    completions: Annotated[
        bool, typer.Option("--completions", help="Use /completions, not /chat/completions.")
    ] = False,
    no_stream: Annotated[
        bool,
        typer.Option("--no-stream", help="Do not stream (only end-to-end latency is measured)."),
    ] = False,
    warmup: Annotated[int, typer.Option(help="First requests left out of the metrics.")] = 0,
    cooldown: Annotated[int, typer.Option(help="Last requests left out of the metrics.")] = 0,
    timeout: Annotated[
        float, typer.Option(help="Seconds before a request counts as timed out.")
    ] = 60.0,
    price_gpu_hour: Annotated[
        float | None, typer.Option(help="Price per GPU-hour, for cost per 1,000 tokens.")
    ] = None,
    gpus: Annotated[int, typer.Option(help="GPUs the price per GPU-hour is paid for.")] = 1,
    price_output_mtok: Annotated[
        float | None, typer.Option(help="Price per million output tokens.")
    ] = None,
    price_input_mtok: Annotated[
        float | None, typer.Option(help="Price per million input tokens.")
    ] = None,
    rate_tolerance: Annotated[
        float,
        typer.Option(help="Largest shortfall of the achieved rate before the run is invalid."),
    ] = 0.05,
    confidence: Annotated[float, typer.Option(help="Confidence level of every interval.")] = 0.95,
    seed: Annotated[int, typer.Option(help="Seed of the arrival schedule and bootstraps.")] = 0,
    name: Annotated[str, typer.Option(help="Stored as the suite load:NAME.")] = "default",
    log: Annotated[
        bool, typer.Option("--log", help="Store one record per request as a run.")
    ] = False,
    db: DbOption = None,
    json_output: JsonOption = False,
) -> int:
    """Send requests on a seeded schedule, print every metric with its interval and, given
    objectives, the verdict: exit 0 SHIP, 1 BLOCK, 2 INCONCLUSIVE."""
    if rates is not None:  # a sweep over rates (docs/load-compare.md)
        from assay.cli._load_sweep import run_sweep

        return run_sweep(dict(locals()))
    import assay
    from assay.runners.load import Price
    from assay.workflows import load_prompts, load_run

    if suite is not None and prompt:
        raise typer.BadParameter("give --prompt or --suite, not both", param_hint="--suite")
    store = assay.open_store(db) if log or suite is not None else None
    if suite is not None:
        prompt = load_prompts(suite, requests, seed=seed, store=store)
    price = None
    if price_gpu_hour is not None or price_output_mtok is not None or price_input_mtok is not None:
        price = Price(
            per_gpu_hour=price_gpu_hour,
            gpus=gpus,
            per_million_input=price_input_mtok,
            per_million_output=price_output_mtok,
        )
    report = load_run(
        endpoint,
        prompts=prompt or ("Say hello.",),
        model=model,
        rate=rate,
        concurrency=concurrency,
        requests=requests,
        duration_s=duration,
        arrival=arrival,  # type: ignore[arg-type]
        burstiness=burstiness,
        max_tokens=max_tokens,
        chat=not completions,
        stream=not no_stream,
        warmup=warmup,
        cooldown=cooldown,
        timeout_s=timeout,
        slo=slo or (),
        price=price,
        rate_tolerance=rate_tolerance,
        confidence=confidence,
        seed=seed,
        name=name,
        log=log,
        store=store if log else None,
    )
    if json_output:
        emit_json(report_json(report))
    else:
        render(report)
    return VERDICT_EXIT_CODES[report.verdict] if report.verdict else 0


def _estimate(e: Estimate) -> dict[str, Any]:
    def num(x: float) -> float | str:
        return x if math.isfinite(x) else ("inf" if x > 0 else "-inf")

    return {
        "estimate": num(e.estimate),
        "low": num(e.low),
        "high": num(e.high),
        "confidence": e.confidence,
        "method": e.method,
        "n": e.n,
        "resamples": e.resamples,
        "notes": list(e.notes),
    }


def report_json(report: LoadReport) -> dict[str, Any]:
    s = report.summary
    return {
        "verdict": report.verdict,
        "objectives": [
            {
                "objective": r.objective,
                "outcome": r.outcome,
                "reason": r.reason,
                "interval": _estimate(r.estimate),
            }
            for r in report.objectives
        ],
        "valid": s.valid,
        "n_requests": s.n_requests,
        "n_ok": s.n_ok,
        "n_cancelled": s.n_cancelled,
        "errors_by_kind": s.errors_by_kind,
        "duration_s": s.duration_s,
        "achieved_rate": s.achieved_rate,
        "target_rate": s.target_rate,
        "unmeasured": list(s.unmeasured),
        "notes": list(s.notes),
        "metrics": {k: _estimate(v) for k, v in s.metrics.items()},
        "run_id": report.run_id,
    }


def _fmt(x: float) -> str:
    return f"{x:.4g}" if math.isfinite(x) else ("∞" if x > 0 else "−∞")


def render(report: LoadReport) -> None:
    s = report.summary
    rate = f", achieved {s.achieved_rate:.1f} req/s" if s.achieved_rate else ""
    target = f" (target {s.target_rate:g})" if s.target_rate else ""
    _line(
        f"{s.n_requests} requests measured, {s.n_ok} ok, {s.n_cancelled} cancelled, "
        f"over {s.duration_s:.2f} s{rate}{target}"
    )
    table = Table(title=f"Latency, ms ({_conf(report)} order-statistic intervals)")
    for column in ("metric", "p50", "p95", "p99"):
        table.add_column(column, justify="left" if column == "metric" else "right")
    for base in _SHOWN:
        if base in s.unmeasured:
            table.add_row(base, *(["not measured"] + [""] * 2))
            continue
        cells = [s.metrics[f"{base}_p{p}_ms"] for p in (50, 95, 99)]
        table.add_row(base, *(f"{_ms(e.estimate)} [{_ms(e.low)},{_ms(e.high)}]" for e in cells))
    console.print(table)
    rows = Table(title="Rates and shares")
    for column in ("metric", "estimate", "interval"):
        rows.add_column(column)
    methods: dict[str, list[str]] = {}
    for key in (
        "requests_per_s",
        "output_tokens_per_s",
        "goodput",
        "attainment",
        "error_rate",
        "cost_per_1k_tokens",
    ):
        if key in s.metrics:
            e = s.metrics[key]
            rows.add_row(key, _fmt(e.estimate), f"[{_fmt(e.low)}, {_fmt(e.high)}]")
            methods.setdefault(e.method, []).append(key)
    console.print(rows)
    for method, keys in methods.items():
        _line(f"{', '.join(keys)}: {method}")
    if s.errors_by_kind:
        listed = ", ".join(f"{k} {v}" for k, v in s.errors_by_kind.items())
        _line(f"errors: {safe(listed)}")
    for note in s.notes:
        _line(f"note: {safe(note)}")
    for r in report.objectives:
        _line(
            f"{safe(r.objective)}: {r.outcome} ({safe(r.reason)}; "
            f"[{_fmt(r.estimate.low)}, {_fmt(r.estimate.high)}])"
        )
    if report.verdict:
        invalid = "" if s.valid else " (the run is invalid: see the note)"
        console.print(f"verdict: {report.verdict}{invalid}", highlight=False)
    if report.run_id:
        console.print(f"stored as run {report.run_id}", highlight=False)


def _ms(x: float) -> str:
    if not math.isfinite(x):
        return _fmt(x)
    return f"{x:.2f}" if abs(x) < 10 else f"{x:.1f}" if abs(x) < 100 else f"{x:.0f}"


def _line(text: str) -> None:
    console.print(
        textwrap.fill(text, width=80, subsequent_indent="  "), highlight=False, markup=False
    )


def _conf(report: LoadReport) -> str:
    any_e = next(iter(report.summary.metrics.values()))
    return f"{any_e.confidence:.0%}"
