"""How a ledger verification reads on the command line (``assay ledger verify``,
``assay decisions verify``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from assay._util import plural
from assay.cli._render import console, emit_json, say_wrapped

if TYPE_CHECKING:
    from assay.storage import LedgerVerification

__all__ = ["render_verification"]


def render_verification(result: LedgerVerification, json: bool, again: str) -> int:
    """Print a ledger verification (``again`` is the command that checks the head later);
    the exit code: 0 intact, 5 tampered or not verified (signatures that could not be
    checked)."""
    if json:
        from assay.storage.wire import verification_to_json

        emit_json(verification_to_json(result))
        return 0 if result.ok else 5
    if result.ok:
        counted = plural(result.entries, "entry", "entries")
        console.print(f"[green]ledger intact[/]: {counted}")
        intact = f"{counted} intact"
        if result.reason != intact:
            say_wrapped(
                result.reason.removeprefix(intact + "; "), first="but: ", first_style="yellow"
            )
    elif result.unchecked_signatures:
        say_wrapped(result.reason, first="ledger NOT verified: ", first_style="red")
    elif result.first_bad_sequence is not None:
        say_wrapped(
            result.reason,
            first=f"ledger tampered at entry {result.first_bad_sequence}: ",
            first_style="red",
        )
    else:
        say_wrapped(result.reason, first="ledger tampered: ", first_style="red")
    for problem in result.evidence_problems:
        if problem.describe() != result.reason:
            say_wrapped(problem.describe(), first="also: ", first_style="red")
    for note in result.notes:
        say_wrapped(note, first="note: ")
    if result.head is not None:
        say_wrapped(
            f"(keep it elsewhere; `{again}` with it later shows whether entries were removed)",
            first=f"head {result.head} ",
        )
    return 0 if result.ok else 5
