"""``assay ab list``: the stored A/B experiments, their status and newest readout."""

from __future__ import annotations

from typing import Any

import assay
from assay.cli._options import DbOption, JsonOption
from assay.cli._render import console, emit_json, new_table, safe

__all__ = ["lift_text", "list_command"]


def lift_text(arm: dict[str, Any]) -> str:
    """``+4.0% [+1.2%, +6.9%]``: a treatment's relative lift with its interval."""

    def pct(x: float | None, sign: str = "+") -> str:
        return "∞" if x is None else f"{100 * x:{sign}.1f}%"

    if arm.get("lift") is None:
        return "n/a"
    return f"{pct(arm['lift'])} [{pct(arm.get('low'))}, {pct(arm.get('high'))}]"


def list_command(db: DbOption = None, json_output: JsonOption = False) -> None:
    """Stored A/B experiments (`assay ab readout --record`): status, newest lift and verdict."""
    from assay.workflows import list_experiments

    found = list_experiments(store=assay.open_store(db) if db else None)
    if json_output:
        emit_json({"items": [e.to_dict() for e in found]})
        return
    if not found:
        console.print("No A/B experiments are stored: record one with `assay ab readout --record`.")
        return
    table = new_table(
        "A/B experiments",
        ["name", "status", "readouts", "last readout", "lift", "verdict", "users per arm"],
        numbers=["readouts", "lift", "users per arm"],
    )
    for e in found:
        last = e.last_readout or {}
        arms = last.get("arms") or []
        lift = "; ".join(f"{safe(a['treatment'])} {lift_text(a)}" for a in arms) or "-"
        n = dict(last.get("n_by_arm") or {})
        control = last.get("control")
        n = {control: n.pop(control), **n} if control in n else n
        table.add_row(
            safe(e.name),
            e.status,
            str(e.readouts),
            safe(str(last.get("recorded_at", "-"))[:16]),
            lift,
            safe(last.get("verdict") or "-"),
            " / ".join(f"{v:,}" for v in n.values()) or "-",
        )
    console.print(table)
