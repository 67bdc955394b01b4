"""A verdict as the command line prints it: the word with its summary, then every rule.

On a terminal the rules are a table; piped (``--format plain``), the summary and each rule's
reason are prose wrapped at 80 columns under the rule's aligned row, never inside a word or
an interval.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text

from assay.cli._render import console, new_table, output_format, plain_table, safe, wrap_plain

if TYPE_CHECKING:
    from assay.core import VerdictResult

__all__ = ["STYLE", "print_verdict", "without_word"]

STYLE = {"SHIP": "bold green", "BLOCK": "bold red", "INCONCLUSIVE": "bold yellow"}
"""The rich style of each verdict word."""


def without_word(summary: str, word: str) -> str:
    """A verdict's summary without its leading verdict word: a line prints the word once."""
    return summary[len(word) + 1 :].lstrip() if summary.startswith(f"{word}:") else summary


def print_verdict(v: VerdictResult) -> None:
    """The verdict word once, with its summary, then every rule (piped: wrapped at 80
    columns, each rule's reason indented under its line)."""
    word = v.verdict.value
    if output_format() == "plain":
        _plain_verdict(v)
        return
    console.print(f"\n[{STYLE[word]}]{word}[/]: {safe(without_word(v.summary, word))}")
    table = new_table(
        f"policy {safe(v.policy)}",
        ("tier", "rule", "outcome", "blocking", "reason"),
        numbers=("tier", "outcome", "blocking"),
    )
    for r in v.rules:
        style = {"pass": "green", "fail": "red", "inconclusive": "yellow"}[r.outcome]
        reason = safe(r.reason) + (f"\n[dim]{safe(r.to_settle)}[/]" if r.to_settle else "")
        table.add_row(
            r.tier, safe(r.rule), f"[{style}]{r.outcome}[/]", "yes" if r.blocking else "no", reason
        )
    console.print(table)


def _plain_verdict(v: VerdictResult) -> None:
    """The piped verdict: no line over 80 columns but a word longer than that."""
    word = v.verdict.value
    lines = ["", *wrap_plain(f"{word}: {without_word(v.summary, word)}")]
    table = new_table(f"policy {v.policy}", ("tier", "rule", "outcome", "blocking"))
    for r in v.rules:
        table.add_row(r.tier, r.rule, r.outcome, "yes" if r.blocking else "no")
    title, header, *rows = plain_table(table, console)
    lines += [title, header]
    for row, r in zip(rows, v.rules, strict=True):
        lines.append(row)
        lines += wrap_plain(r.reason, indent="    ")
        if r.to_settle:
            lines += wrap_plain(r.to_settle, indent="    ")
    for line in lines:
        console.print(Text(line), soft_wrap=True)
