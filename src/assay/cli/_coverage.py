"""``assay coverage``: how much of what users do the stored suites cover."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

import assay
from assay._util import plural
from assay.cli._options import DbOption, FormatOption, JsonOption
from assay.cli._render import console, emit_json, new_table, safe, say_wrapped

if TYPE_CHECKING:
    from assay.governance import CoverageReport

__all__ = ["coverage_command", "print_coverage"]

_STYLE = {
    "covered": "green",
    "too small": "yellow",
    "no examples": "red",
    "uncovered": "red",
}


def print_coverage(report: CoverageReport) -> None:
    """Shares, the scenarios, the uncovered ones and the slices too small for their target."""
    say_wrapped(
        f"{report.covered_share:.1%} of the weight covered, {report.useful_share:.1%} by a "
        f"slice large enough for its target ({plural(len(report.scenarios), 'scenario')}; "
        f"share = weight / total weight of {report.total_weight:g})",
        style="bold",
    )
    table = new_table(
        None, ("scenario", "share", "status", "slices", "owner"), numbers=("share", "slices")
    )
    table.columns[1].justify = table.columns[3].justify = "right"
    for s in report.scenarios:
        table.add_row(
            safe(s.name),
            f"{s.share:.1%}",
            f"[{_STYLE[s.status]}]{s.status}[/]",
            str(len(s.slices)),
            safe(s.owner or "-"),
        )
    console.print(table)
    for s in report.with_status("uncovered", "no examples"):
        why = "no suite mapped" if s.status == "uncovered" else "its slices hold no example"
        say_wrapped(
            f"{s.name} ({s.share:.1%} of the weight), {why}",
            first="uncovered: ",
            first_style="red",
        )
    for c in report.too_small:
        clusters = (
            ""
            if c.n_clusters is None
            else f" in {c.n_clusters:,} clusters (the unit; design effect {c.design_effect:.2f})"
        )
        say_wrapped(
            f"{c.scenario}: {c.label} ({c.metric}) has n = {c.n:,}{clusters}, "
            f"{c.width_text(c.half_width_now)} now; {c.width_text(c.half_width)} needs "
            f"{c.needed_n:,} {c.unit} ({c.planning})",
            first="too small: ",
            first_style="yellow",
        )
    if not report.too_small:
        console.print("every covered slice reaches its precision target")
    say_wrapped(report.method, style="dim")


def coverage_command(
    registry: Annotated[
        Path,
        typer.Option(
            "--registry",
            help="The scenario registry (YAML: scenarios with weight, owner and the suites "
            "and slices that cover them).",
        ),
    ] = Path("coverage.yaml"),
    html: Annotated[
        Path | None, typer.Option("--html", help="Also write the report as one HTML page here.")
    ] = None,
    db: DbOption = None,
    format_: FormatOption = None,
    json: JsonOption = False,
) -> None:
    """Weighted share of the scenarios that matter to users covered by the stored suites, the
    uncovered ones, and the slices too small for a useful interval (with the n they need)."""
    from assay.workflows import scenario_coverage

    report = scenario_coverage(registry, store=assay.open_store(db), html=html)
    if json:
        emit_json(report.to_dict())
        return
    print_coverage(report)
    if html is not None:
        console.print(f"report: {safe(str(html))}")
