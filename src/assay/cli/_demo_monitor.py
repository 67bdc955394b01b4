"""``assay demo --example monitor``: the monitoring story in a few lines of 80 columns."""

from __future__ import annotations

import textwrap
from typing import TYPE_CHECKING, Any

from assay.cli._render import console, emit_json, safe

if TYPE_CHECKING:
    from assay.demo import MonitorDemoLook, MonitorDemoResult

__all__ = ["demo_monitor"]

_WIDTH = 78
_METHOD = {
    "bernstein": "empirical Bernstein confidence sequence (anytime-valid)",
    "normal": "normal-mixture confidence sequence (asymptotically anytime-valid)",
    "cbpe": "CBPE: expected accuracy from calibrated scores, Bernstein sequence",
}


def _say(text: str, indent: int = 0, first: str = "") -> None:
    lines = textwrap.wrap(
        text, _WIDTH, initial_indent=first or " " * indent, subsequent_indent=" " * indent
    )
    for line in lines:
        console.print(safe(line), highlight=False, markup=False)


def _pct(x: object) -> str:
    return f"{x:.1%}" if isinstance(x, (int, float)) else "—"


def _p(p: float) -> str:
    return "< 0.001" if p < 0.001 else f"{p:.2g}"


def _look(item: MonitorDemoLook, threshold: float, shift: str, method: str) -> str | None:
    """Print one window; return why its watch's estimate is outside the interval, if it is."""
    how = f"shifted ({shift})" if item.shifted else "as drawn"
    console.print("")
    _say(
        f"{item.label}, {how}: {item.rows:,} rows, {item.correct:,} predicted right "
        f"({item.correct / item.rows:.1%})",
        first="",
    )
    result = item.drift
    judged = [c for c in result.columns if c.test is not None]
    if result.drifted:
        _say(
            f"drift: {result.verdict}, {len(result.drifted)} of {len(judged)} columns: "
            + ", ".join(result.drifted),
            indent=2,
            first="  ",
        )
        top = max(
            (result.column(c) for c in result.drifted),
            key=lambda c: c.measure.low if c.measure else 0.0,
        )
        m = top.measure
        if m is not None:
            boot = f", {m.resamples} resamples" if m.resamples else ""
            _say(
                f"{top.column}: {m.name} {m.estimate:.3g} [{m.low:.3g}, {m.high:.3g}] above "
                f"its margin {top.margin:g}; {top.test.name if top.test else ''} BH p "
                f"{_p(top.adjusted_p)}. Method: {m.method.split('; ')[0]}; "
                f"{m.confidence:.0%} bootstrap interval{boot}",
                indent=4,
                first="    ",
            )
    else:
        _say(
            f"drift: {result.verdict} ({len(judged)} columns judged, none drifted)",
            indent=2,
            first="  ",
        )
    from assay.monitor import estimate_outside

    note = None
    for watch in item.look["watches"]:
        state = str(watch["state"])
        said = state.upper() if state == "alarm" else state
        words = _METHOD.get(method, method).split(" (")[0]
        why = f": upper bound below {_pct(threshold)} ({words})" if state == "alarm" else ""
        outside = estimate_outside(method, watch["estimate"], watch["low"], watch["high"])
        _say(
            f"{watch['watch']} so far: {_pct(watch['estimate'])} "
            f"[{_pct(watch['low'])}, {_pct(watch['high'])}]{'*' if outside else ''} "
            f"{said}{why}",
            indent=4,
            first="  ",
        )
        note = note or outside
    return note


def demo_monitor(result: MonitorDemoResult, *, json: bool) -> None:
    """Print (or emit as JSON) what the monitoring demo stored and saw."""
    status = result.status
    if json:
        emit_json(_as_json(result))
        return
    decision = result.demo.decision
    console.print("")
    _say(
        f"reference: profile {result.reference_name} {result.reference_digest[:12]}, "
        f"the training split, {result.reference_rows:,} rows",
        first="",
    )
    _say(
        f"monitor: {status.name} watches decision "
        f"{decision.decision.decision_id[:12]} ({decision.verdict.verdict})",
        first="",
    )
    for w in status.watches:
        sign = "−" if w.goal == "higher" else "+"
        points = f"{w.margin * 100:.3g} point{'' if w.margin == 0.01 else 's'}"
        _say(
            f"{w.name} must stay {'≥' if w.goal == 'higher' else '≤'} {_pct(w.threshold)} "
            f"(release {_pct(w.reference)} {sign} {points}); "
            f"α {w.alpha:g} over all looks; {_METHOD.get(w.method, w.method)}",
            indent=2,
            first="  ",
        )
    if not result.created:
        _say("(looks already recorded by an earlier run: read back, nothing new written)")
    threshold, method = status.watches[0].threshold, status.watches[0].method
    notes = [_look(item, threshold, result.shift, method) for item in result.looks]
    outside = next((n for n in notes if n), None)
    if outside:
        _say(f"the estimate is outside: {outside.split(': ', 1)[1]}", indent=4, first="  * ")
    console.print("")
    for entry in result.challenges:
        p = entry.payload
        _say(
            f"challenge: ledger entry {entry.sequence} challenges decision "
            f"{entry.decision_id[:12]}: {p['watch']} at look {p['look']}, "
            f"[{_pct(p['low'])}, {_pct(p['high'])}] below {_pct(p['threshold'])}, "
            f"window {str(p['window'])[:12]}",
            first="",
        )
    if not result.challenges:
        _say("no alarm: nothing written to the ledger")
    _say(
        f"assay monitor status {status.name}; assay monitor report {status.name} "
        f"-o monitor.html; assay decisions show {decision.decision.decision_id[:12]}",
        indent=6,
        first="next: ",
    )


def _as_json(result: MonitorDemoResult) -> dict[str, Any]:
    from assay.cli._commands import demo_json

    return {
        "example": "monitor",
        **demo_json(result.demo),
        "reference": {
            "name": result.reference_name,
            "digest": result.reference_digest,
            "rows": result.reference_rows,
        },
        "created": result.created,
        "looks": [
            {
                "label": item.label,
                "shifted": item.shifted,
                "rows": item.rows,
                "correct": item.correct,
                "drift": item.drift.to_dict(),
                "look": item.look,
            }
            for item in result.looks
        ],
        "monitor": result.status.to_dict(),
        "challenges": [e.model_dump(mode="json") for e in result.challenges],
    }
