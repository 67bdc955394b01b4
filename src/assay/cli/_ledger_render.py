"""How a ledger verification reads on the command line (``assay ledger verify``,
``assay decisions verify``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from assay.cli._render import console, emit_json, safe

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
        console.print(f"[green]ledger intact[/]: {result.entries} entries")
        if result.reason != f"{result.entries} entries intact":
            console.print(f"[yellow]but[/]: {safe(result.reason)}")
    elif result.unchecked_signatures:
        console.print(f"[red]ledger NOT verified[/]: {safe(result.reason)}")
    elif result.first_bad_sequence is not None:
        console.print(
            f"[red]ledger tampered[/] at entry {result.first_bad_sequence}: {safe(result.reason)}"
        )
    else:
        console.print(f"[red]ledger tampered[/]: {safe(result.reason)}")
    for problem in result.evidence_problems:
        if problem.describe() != result.reason:
            console.print(f"[red]also[/]: {safe(problem.describe())}")
    for note in result.notes:
        console.print(f"note: {safe(note)}")
    if result.head is not None:
        console.print(
            f"head {result.head} (keep it elsewhere; `{again}` with it later shows whether "
            "entries were removed)"
        )
    return 0 if result.ok else 5
