"""``assay kpis``: the team's own KPIs (is the evidence getting better?)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

import assay
from assay._util import plural
from assay.cli._options import DbOption, FormatOption, JsonOption
from assay.cli._render import console, emit_json, new_table, safe, say_wrapped

if TYPE_CHECKING:
    from assay.governance import KpiReport, Rate

__all__ = ["kpis_command", "print_kpis"]


def _rate(r: Rate | None) -> str:
    if r is None:
        return "none"
    return f"{r.estimate:.1%} [{r.low:.1%}, {r.high:.1%}]"


def _counts(r: Rate | None, what: str) -> str:
    return f"0 {what}" if r is None else f"{r.numerator} of {r.denominator} {what}"


def _summary_rows(report: KpiReport) -> list[tuple[str, str, str]]:
    from assay.reports import duration_text

    not_checked = sum(d.status == "not checked" for d in report.reproduced)
    cycle = report.cycle_time
    days = cycle.summary()
    median = "none" if days is None else duration_text(days["median"])
    spread = (
        "no study decided"
        if days is None
        else f"range {duration_text(days['min'])} to {duration_text(days['max'])}, n = {cycle.n}"
    )
    return [
        (
            "reproducible SHIPs",
            _rate(report.reproducibility),
            _counts(report.reproducibility, "checked") + f"; {not_checked} not checked",
        ),
        ("cycle time, median", median, spread),
        (
            "studies undecided",
            f"{cycle.open + cycle.killed}",
            f"{cycle.open} open, {cycle.killed} killed",
        ),
        (
            "caught by gates",
            _rate(report.caught_by_gates),
            f"{len(report.blocked)} BLOCK vs {len(report.challenged)} challenged SHIP",
        ),
    ]


def print_kpis(report: KpiReport) -> None:
    """The KPI table, reproduction failures, outcomes per week and evaluation cost."""
    period = "all time" if report.since is None else f"since {report.since:%Y-%m-%d %H:%M} UTC"
    if report.empty:
        console.print(
            f"No decisions yet ({period}): no KPI to compute. Record one with "
            "`assay gate BASELINE CANDIDATE --record`."
        )
        return
    say_wrapped(
        f"{period}: {plural(report.n_decisions, 'decision')}; intervals are "
        f"{report.confidence:.0%} Wilson score intervals",
        first="team KPIs, ",
        first_style="bold",
    )
    table = new_table(None, ("KPI", "value", "basis"), numbers=("value",))
    for row in _summary_rows(report):
        table.add_row(*row)
    console.print(table)
    if report.overridden:
        shipped = plural(report.overridden, "BLOCK decision")
        console.print(f"{shipped} shipped anyway by an override approval")
    if report.cycle_time.studies:
        say_wrapped(report.cycle_time.times(), first="cycle time times: ")
    if not_checked := sum(d.status == "not checked" for d in report.reproduced):
        console.print(f"{plural(not_checked, 'SHIP decision')} not checked (--json says why)")
    for d in report.failures():
        say_wrapped(f"{d.decision_id[:12]} {d.title}", first="not reproduced ", first_style="red")
        for c in d.runs:
            if c.status == "failed":
                say_wrapped(c.reason, first=f"  run {c.run_id[:12]}: ", indent="    ")
    weeks = new_table(
        "gate outcomes per ISO week",
        ("week", "SHIP", "BLOCK", "INCONCLUSIVE"),
        numbers=("week", "SHIP", "BLOCK", "INCONCLUSIVE"),
    )
    for i in (1, 2, 3):
        weeks.columns[i].justify = "right"
    for w in report.weeks:
        weeks.add_row(w.week, str(w.ship), str(w.block), str(w.inconclusive))
    console.print(weeks)
    cost = new_table(
        f"evaluation cost ({plural(len(report.costs), 'run')})",
        ("field", "total", "records"),
        numbers=("total", "records"),
    )
    for i in (1, 2):
        cost.columns[i].justify = "right"
    for name, field in report.cost_totals.items():
        if field is None:
            cost.add_row(name, "not recorded", "0")
        else:
            cost.add_row(name, f"{field.total:,.6g}", f"{field.records:,}")
    console.print(cost)


def kpis_command(
    since: Annotated[
        str | None,
        typer.Option(help="Only what happened from this date on (ISO, UTC), e.g. 2025-01-31."),
    ] = None,
    reproduce: Annotated[
        bool,
        typer.Option(
            "--reproduce/--no-reproduce",
            help="Run the models of SHIP decisions again to check they reproduce (nothing is "
            "recorded); without it they count as not checked.",
        ),
    ] = True,
    min_agreement: Annotated[
        float,
        typer.Option(help="Share of outputs that must be identical for a run to reproduce."),
    ] = 1.0,
    html: Annotated[
        Path | None, typer.Option("--html", help="Also write the KPIs as one HTML page here.")
    ] = None,
    db: DbOption = None,
    format_: FormatOption = None,
    json: JsonOption = False,
) -> None:
    """The team's KPIs: reproducible SHIP decisions, study cycle time, regressions caught by
    gates vs monitors, gate outcomes per week and evaluation cost, each rate with its counts
    and Wilson interval."""
    from assay.governance import kpis_to_dict
    from assay.workflows import team_kpis

    report = team_kpis(
        store=assay.open_store(db),
        since=since,
        reproduce_runs=reproduce,
        min_agreement=min_agreement,
        html=html,
    )
    if json:
        emit_json(kpis_to_dict(report))
        return
    print_kpis(report)
    if html is not None:
        console.print(f"report: {safe(str(html))}")
