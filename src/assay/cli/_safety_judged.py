"""``assay safety RUN --judge FILE``: a red-team run's rate from a trained judge, as the rate
people would give (PPI++ with a human-labelled random subset), beside the judge-only and
human-only rates and the judge's measured agreement with people."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from assay.cli._agreement import print_agreement
from assay.cli._render import console, new_table, safe

if TYPE_CHECKING:
    from assay.stats import Estimate

__all__ = ["judged_json", "print_judged"]

_WHAT = {"refusal": "refusal", "objective": "attack success", "harm": "harmful answers"}


def _est(e: Estimate | None) -> dict[str, Any] | None:
    if e is None:
        return None
    return {"estimate": e.estimate, "low": e.low, "high": e.high, "n": e.n, "method": e.method}


def judged_json(j: Any) -> dict[str, Any]:
    """The judged rate as JSON: the rate, whether it is a human rate, both comparisons."""
    r = j.rate
    return {
        "judge": j.judge,
        "kind": j.kind,
        "rate": _est(r.estimate),
        "human_rate": r.human_rate,
        "lambda": r.lam,
        "judge_only": _est(r.judge_only),
        "human_only": _est(r.human_only),
        "judged": r.n,
        "labelled": r.n_labelled,
        "not_judged": j.not_judged,
        "warning": r.warning,
        "agreement": None if j.validation is None else j.validation.to_dict(),
    }


def _iv(e: Estimate | None) -> str:
    if e is None:
        return "-"
    return f"{e.estimate:.1%} [{e.low:.1%}, {e.high:.1%}]"


def print_judged(j: Any) -> None:
    """The judged rate as a table of three rows and the warning, when there is one."""
    r = j.rate
    what = _WHAT.get(j.kind, j.kind)
    console.print(
        f"judge {safe(j.judge)} ({safe(j.kind)}): {r.n} answers judged, {r.n_labelled} with "
        f"human labels, {j.not_judged} not judged"
    )
    table = new_table(
        f"{what} rate, {r.estimate.confidence:.0%} intervals",
        ["estimate", "rate (interval)", "method"],
    )
    lam = f", lambda={r.lam:.3g}" if r.lam is not None else ""
    table.add_row(
        "judge + labels (human rate)" if r.human_rate else "judge only (NOT a human rate)",
        _iv(r.estimate),
        safe(r.estimate.method + lam),
    )
    table.add_row("judge only", _iv(r.judge_only), safe(r.judge_only.method))
    table.add_row(
        "human labels only",
        _iv(r.human_only),
        safe(r.human_only.method) if r.human_only is not None else "no labels",
    )
    console.print(table)
    if r.warning:
        console.print(f"[bold yellow]warning:[/] {safe(r.warning)}")
    if j.validation is None:
        console.print("the judge's agreement with people: not measured (an unvalidated judge)")
    else:
        print_agreement(j.validation)
