"""``assay load import``: another load tool's per-request results, with intervals and a verdict."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from assay.cli._app import VERDICT_EXIT_CODES
from assay.cli._inputs import readable_file
from assay.cli._load import load_app, render, report_json
from assay.cli._options import DbOption, JsonOption
from assay.cli._render import emit_json

__all__ = ["load_import_command"]


@load_app.command("import")
def load_import_command(
    file: Annotated[
        Path, typer.Argument(help="The results file.", callback=readable_file("the results file"))
    ],
    format: Annotated[
        str,
        typer.Option(
            "--format",
            help="vllm (bench serve --save-detailed JSON), guidellm (JSON report), llmperf "
            "(individual responses) or aiperf (profile_export.jsonl).",
        ),
    ] = "vllm",
    slo: Annotated[
        list[str] | None, typer.Option(help="An objective (repeatable), as for load run.")
    ] = None,
    confidence: Annotated[float, typer.Option(help="Confidence level of every interval.")] = 0.95,
    benchmark: Annotated[
        int | None, typer.Option(help="Which benchmark of a GuideLLM report of several (0, 1…).")
    ] = None,
    name: Annotated[str, typer.Option(help="Stored as the suite load:NAME.")] = "import",
    log: Annotated[
        bool, typer.Option("--log", help="Store one record per request as a run.")
    ] = False,
    db: DbOption = None,
    json_output: JsonOption = False,
) -> int:
    """Another tool's per-request results under assay's definitions, with intervals and, given
    objectives, a verdict (exit 0 SHIP, 1 BLOCK, 2 INCONCLUSIVE)."""
    import assay
    from assay.workflows import load_import

    report = load_import(
        file,
        format=format,
        slo=slo or (),
        confidence=confidence,
        benchmark=benchmark,
        log=log,
        name=name,
        store=assay.open_store(db) if log else None,
    )
    if json_output:
        emit_json(report_json(report))
    else:
        render(report)
    return VERDICT_EXIT_CODES[report.verdict] if report.verdict else 0
