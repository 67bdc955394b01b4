"""``assay load run --rates 10,20,40``: one open-loop run per rate and the latency–throughput table."""

from __future__ import annotations

import math
from typing import Any

from rich.table import Table

from assay.cli._app import VERDICT_EXIT_CODES
from assay.cli._load import _fmt, _line, report_json
from assay.cli._load_compare import _rates
from assay.cli._render import console, emit_json

__all__ = ["run_sweep"]

_PASSED = (
    "concurrency",
    "requests",
    "duration",
    "arrival",
    "burstiness",
    "model",
    "max_tokens",
    "warmup",
    "cooldown",
    "timeout",
    "rate_tolerance",
    "confidence",
    "seed",
    "name",
    "log",
)


def run_sweep(options: dict[str, Any]) -> int:
    """Run ``assay load run`` once per rate of ``options["rates"]``; the exit code is the worst
    verdict's (BLOCK over INCONCLUSIVE over SHIP)."""
    import assay
    from assay.runners.load import Price
    from assay.workflows import load_sweep

    if options.get("rate") is not None:
        import typer

        raise typer.BadParameter("give --rate or --rates, not both", param_hint="--rates")
    o = {k: options[k] for k in _PASSED}
    price = None
    if any(
        options[k] is not None for k in ("price_gpu_hour", "price_output_mtok", "price_input_mtok")
    ):
        price = Price(
            per_gpu_hour=options["price_gpu_hour"],
            gpus=options["gpus"],
            per_million_input=options["price_input_mtok"],
            per_million_output=options["price_output_mtok"],
        )
    sweep = load_sweep(
        options["endpoint"],
        rates=_rates(options["rates"]),
        prompts=options["prompt"] or ("Say hello.",),
        concurrency=o["concurrency"],
        requests=o["requests"],
        duration_s=o["duration"],
        arrival=o["arrival"],
        burstiness=o["burstiness"],
        model=o["model"],
        max_tokens=o["max_tokens"],
        chat=not options["completions"],
        stream=not options["no_stream"],
        warmup=o["warmup"],
        cooldown=o["cooldown"],
        timeout_s=o["timeout"],
        slo=options["slo"] or (),
        price=price,
        rate_tolerance=o["rate_tolerance"],
        confidence=o["confidence"],
        seed=o["seed"],
        name=o["name"],
        log=o["log"],
        store=assay.open_store(options["db"]) if o["log"] else None,
    )
    verdicts = [r.verdict for r in sweep.reports if r.verdict]
    worst = next((v for v in ("BLOCK", "INCONCLUSIVE", "SHIP") if v in verdicts), None)
    if options["json_output"]:
        emit_json(
            {
                "rates": list(sweep.rates),
                "runs": [report_json(r) for r in sweep.reports],
                "verdict": worst,
            }
        )
    else:
        _render(sweep)
    return VERDICT_EXIT_CODES[worst] if worst else 0


def _cell(metrics: dict[str, Any], key: str) -> str:
    e = metrics.get(key)
    if e is None:
        return "n/m"
    return f"{_fmt(e.estimate)} [{_fmt(e.low)},{_fmt(e.high)}]"


def _render(sweep: Any) -> None:
    table = Table(title="Latency–throughput (ms; order-statistic intervals; --json: all)")
    for column in ("rate", "achieved", "ttft p50", "e2e p99", "ok", "verdict"):
        table.add_column(column, justify="right")
    for rate, r in zip(sweep.rates, sweep.reports, strict=True):
        s = r.summary
        achieved = s.achieved_rate
        table.add_row(
            f"{rate:g}",
            "" if achieved is None or not math.isfinite(achieved) else f"{achieved:.3g}",
            _cell(s.metrics, "ttft_p50_ms"),
            _cell(s.metrics, "e2e_p99_ms"),
            f"{s.n_ok}/{s.n_requests}",
            (r.verdict or "") + ("" if s.valid else " (invalid)"),
        )
    console.print(table)
    for rate, r in zip(sweep.rates, sweep.reports, strict=True):
        for note in r.summary.notes:
            _line(f"{rate:g}/s: {note}")
        if r.run_id:  # the id on a line of its own, whole, so it can be copied
            console.print(f"{rate:g}/s stored as run", highlight=False)
            console.print(r.run_id, highlight=False, soft_wrap=True)
