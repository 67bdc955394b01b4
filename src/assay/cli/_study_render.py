"""What ``assay study status`` and ``assay studies`` print: prose wrapped to the screen (at
most 80 columns, also when piped), and the roadmap as two narrow tables (the studies, then the
evidence of those that have some)."""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from assay._util import plural
from assay.cli._render import console, new_table, safe

if TYPE_CHECKING:
    from assay.workflows import StudyStatus

__all__ = ["print_roadmap", "print_status", "say"]

_WIDTH = 80


def say(text: str, *, indent: int = 2, first: str = "", style: str | None = None) -> None:
    """Print prose wrapped to the screen's width (at most 80 columns), later lines indented;
    ids and paths are never broken."""
    width = max(min(console.width, _WIDTH), 40)
    lines = textwrap.wrap(
        text,
        width,
        initial_indent=first,
        subsequent_indent=" " * indent,
        break_long_words=False,
        break_on_hyphens=False,
    )
    for line in lines:
        console.print(line, markup=False, highlight=False, style=style, soft_wrap=True)


def print_status(s: StudyStatus) -> None:
    """A study's plan, evidence, futility, outcome and deviations."""
    from assay.reports import study_evidence_text, study_power_text

    say(f"{s.name}: {s.state}" + ("; OVERDUE" if s.overdue else ""), style="bold")
    say(
        f"{s.kind} study, version {s.version}, digest {s.digest[:12]}; owner {s.owner}; "
        f"deadline {s.deadline}"
    )
    say(f"hypothesis: {s.hypothesis}")
    say(
        f"primary metric: {s.primary_metric}, effect that matters {s.minimum_effect:g}; "
        f"decision rule: policy {s.policy}"
    )
    size = s.sample_size
    power = study_power_text(s.to_dict())
    say(f"planned n: {size['planned']:,} ({size['method']})" + (f"; {power}" if power else ""))
    say(f"evidence: {study_evidence_text(s.to_dict(), with_power=False)}")
    if s.futility is not None:
        say(f"futility: {s.futility['message']}")
    if s.hypothesis_result is not None:
        say(s.hypothesis_result["reason"])
    say(f"outcome: {s.outcome}", style="bold")
    if s.problems:
        say("the registration does not verify:", style="bold red")
        for p in s.problems:
            say(p, first="  - ", indent=4)
    if s.deviations:
        say(f"{plural(len(s.deviations), 'deviation')} from the plan:", style="bold yellow")
        for d in s.deviations:
            origin = f" (decision {d.decision})" if d.decision else ""
            say(d.message + origin, first="  - ", indent=4)
    else:
        say("deviations: none")


def _difference(evidence: dict[str, Any] | None) -> str:
    """``-0.0608 [-0.0776, -0.0445]``: the difference on the primary metric with its interval."""
    if not evidence or evidence.get("difference") is None:
        return "-"
    low, high = evidence.get("low"), evidence.get("high")
    bounds = "" if low is None or high is None else f" [{low:+.3g}, {high:+.3g}]"
    return f"{evidence['difference']:+.3g}{bounds}"


def print_roadmap(found: Sequence[StudyStatus]) -> None:
    """The studies by deadline, then the evidence of those that have some, then a legend."""
    table = new_table(
        "Research roadmap",
        ["study", "state", "owner", "deadline", "outcome", "dev."],
        numbers=["dev."],
    )
    for s in found:
        table.add_row(
            safe(s.name) + (" (does not verify)" if s.problems else ""),
            s.state,
            safe(s.owner),
            f"{s.deadline}" + (" OVERDUE" if s.overdue else ""),
            safe(s.outcome),
            str(len(s.deviations)),
        )
    console.print(table)
    with_evidence = [s for s in found if s.evidence]
    if with_evidence:
        evidence = new_table(
            "Evidence so far", ["study", "difference", "n / planned"], numbers=["difference"]
        )
        for s in with_evidence:
            assert s.evidence is not None
            evidence.add_row(
                safe(s.name),
                _difference(s.evidence),
                f"{s.evidence['n']:,} / {s.sample_size['planned']:,}",
            )
        console.print(evidence)
        say(
            "difference: candidate minus baseline on the primary metric, with its interval "
            "(`assay study status NAME` names the method)."
        )
    from assay.reports import study_power_text

    for s in found:
        if s.sample_size.get("underpowered"):
            say(f"{safe(s.name)}: {study_power_text(s.to_dict())}.")
    say("dev.: deviations from the registered plan.")
