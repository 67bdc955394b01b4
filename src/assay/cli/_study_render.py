"""What ``assay study status`` and ``assay studies`` print: prose wrapped to the screen (at
most 80 columns, also when piped), and the roadmap as two narrow tables (the studies, then the
evidence of those that have some)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from assay._util import plural
from assay.cli._render import console, new_table, output_format, printable, safe, say_wrapped

if TYPE_CHECKING:
    from assay.workflows import StudyStatus

__all__ = ["print_roadmap", "print_status", "say"]

_WIDTH = 80


def say(text: str, *, indent: int = 2, first: str = "", style: str | None = None) -> None:
    """Print prose wrapped to the screen's width (at most 80 columns), later lines indented;
    ids, paths and intervals are never broken."""
    say_wrapped(text, first=first, indent=" " * indent, style=style)


def print_status(s: StudyStatus) -> None:
    """A study's plan, evidence, futility, outcome and deviations."""
    from assay.reports import study_effect_text, study_evidence_text, study_power_text

    say(f"{s.name}: {s.state}" + ("; OVERDUE" if s.overdue else ""), style="bold")
    say(
        f"{s.kind} study, version {s.version}, digest {s.digest[:12]}; owner {s.owner}; "
        f"deadline {s.deadline}"
    )
    say(f"hypothesis: {s.hypothesis}")
    say(
        f"primary metric: {s.primary_metric}, effect that matters "
        f"{study_effect_text(s.to_dict())}; decision rule: policy {s.policy}"
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


def _longest_word(text: str) -> int:
    return max((len(w) for w in text.split()), default=0)


def _rows(
    title: str, headers: Sequence[str], rows: Sequence[Sequence[str]], numbers: Sequence[str]
) -> None:
    """``rows`` as a table when it fits the screen (at most 80 columns) without breaking a
    word, else as one wrapped block per row: a study name, an owner or an interval is never
    cut mid-word, on a terminal or piped."""
    width = max(min(console.width, _WIDTH), 40)
    plain = output_format() != "table"
    columns = list(zip(*rows, strict=True)) if rows else [() for _ in headers]
    needs = [
        max([len(h), *(len(c) if plain or h in numbers else _longest_word(c) for c in cells)])
        for h, cells in zip(headers, columns, strict=True)
    ]
    gap = 2 * (len(headers) - 1) if plain else 2 * len(headers)
    if sum(needs) + gap <= width:
        table = new_table(title, headers, numbers=numbers)
        for column, need in zip(table.columns, needs, strict=True):
            column.min_width = need  # the longest word fits: rich wraps between words only
        for row in rows:
            table.add_row(*(safe(c) for c in row))
        console.print(table)
        return
    say(title, indent=0, style="bold")
    for row in rows:
        fields = "; ".join(f"{h} {c}" for h, c in zip(headers[1:], row[1:], strict=True))
        say(f"{printable(row[0])}: {printable(fields)}", indent=4)


def print_roadmap(found: Sequence[StudyStatus]) -> None:
    """The studies by deadline, then the evidence of those that have some, then a legend."""
    from assay.reports import study_difference_text

    rows = [
        (
            s.name + (" (does not verify)" if s.problems else ""),
            s.state,
            s.owner,
            f"{s.deadline}" + (" OVERDUE" if s.overdue else ""),
            s.outcome,
            str(len(s.deviations)),
        )
        for s in found
    ]
    headers = ["study", "state", "owner", "deadline", "outcome", "dev."]
    _rows("Research roadmap", headers, rows, ["dev."])
    with_evidence = [s for s in found if s.evidence]
    if with_evidence:
        evidence = [
            (
                s.name,
                study_difference_text(s.to_dict()),
                f"{s.evidence['n']:,} / {s.sample_size['planned']:,}",
            )
            for s in with_evidence
            if s.evidence is not None
        ]
        _rows("Evidence so far", ["study", "difference", "n / planned"], evidence, ["difference"])
        say(
            "difference: candidate minus baseline on the primary metric, with its interval "
            "(`assay study status NAME` names the method)."
        )
    from assay.reports import study_power_text

    for s in found:
        if s.sample_size.get("underpowered"):
            say(f"{printable(s.name)}: {study_power_text(s.to_dict())}.")
    say("dev.: deviations from the registered plan.")
