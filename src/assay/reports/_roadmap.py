"""The research roadmap: every pre-registered study with its state, owner, deadline, evidence
and the kill/continue outcome, as self-contained HTML and as Markdown.

The input is plain data: the ``to_dict()`` of each study status the workflows return
(:func:`assay.workflows.list_studies`). The HTML fragment uses classes only (no style
attribute), so the dashboard shows it under its strict Content-Security-Policy; every text
that came from a study file is escaped.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any, NamedTuple

from assay._util import decimals, difference, effect_size
from assay.core import printable
from assay.reports._html_parts import e, visible_document
from assay.reports._style import CSS

__all__ = [
    "roadmap_body",
    "roadmap_html",
    "roadmap_markdown",
    "study_difference_text",
    "study_effect_text",
    "study_evidence_text",
    "study_power_text",
]

_STATE_CLASS = {
    "planned": "o-inconclusive",
    "running": "o-inconclusive",
    "decided": "o-pass",
    "killed": "o-fail",
}


class _Shown(NamedTuple):
    estimate: float
    low: float
    high: float


def _number(x: Any) -> float:
    return float(x) if isinstance(x, (int, float)) else math.nan


def study_difference_text(study: Mapping[str, Any]) -> str:
    """``+2.0 pts [+1.6, +2.4]``: the evidence's difference on the primary metric with its
    interval, by :mod:`assay._util`'s formatter in the study's ``scale``; ``—`` without
    evidence."""
    ev = study.get("evidence")
    if not ev or not isinstance(ev.get("difference"), (int, float)):
        return "—"
    scale = str(study.get("scale") or "")
    iv = _Shown(_number(ev["difference"]), _number(ev.get("low")), _number(ev.get("high")))
    return difference(iv, scale, decimals(scale, iv))


def study_effect_text(study: Mapping[str, Any]) -> str:
    """``+1.0 point``: the registered effect that matters, in the study's ``scale``."""
    effect = study.get("minimum_effect")
    if not isinstance(effect, (int, float)):
        return "—"
    return effect_size(float(effect), str(study.get("scale") or ""))


def study_power_text(study: Mapping[str, Any]) -> str:
    """The power at the stated n, and UNDERPOWERED with the n required when it is below the
    power calculation's (empty when the study states no n)."""
    size = study.get("sample_size") or {}
    power = size.get("power_at_stated")
    if not isinstance(power, (int, float)):
        return ""
    text = f"power {power:.1%} at the planned n"
    if size.get("underpowered"):
        text += f", UNDERPOWERED: {size.get('required', 0):,} needed"
    return text


def study_evidence_text(study: Mapping[str, Any], *, with_power: bool = True) -> str:
    """The evidence so far in one line: difference, interval, method, n of planned n (and,
    ``with_power``, :func:`study_power_text`)."""
    power = study_power_text(study) if with_power else ""
    return _evidence_only(study) + (f"; {power}" if power else "")


def _evidence_only(study: Mapping[str, Any]) -> str:
    ev = study.get("evidence")
    planned = study.get("sample_size", {}).get("planned")
    if not ev:
        return f"no evidence yet (planned n {planned:,})" if planned else "no evidence yet"
    level = ev.get("confidence")
    conf = f"{100 * level:g}% " if isinstance(level, (int, float)) else ""
    return (
        f"{ev.get('metric')} {study_difference_text(study)} ({conf}{ev.get('method')}); "
        f"n {ev.get('n'):,} of {planned:,} planned"
    )


def _outcome_text(study: Mapping[str, Any]) -> str:
    futility = study.get("futility")
    outcome = str(study.get("outcome", ""))
    if futility and study.get("state") in ("planned", "running"):
        return f"{outcome}: {futility.get('message')}"
    return outcome


def _deadline_text(study: Mapping[str, Any]) -> str:
    return str(study.get("deadline")) + (" (OVERDUE)" if study.get("overdue") else "")


def _deviation_text(deviation: Mapping[str, Any]) -> str:
    decision = deviation.get("decision")
    return str(deviation.get("message")) + (f" (decision {decision})" if decision else "")


def roadmap_body(studies: Sequence[Mapping[str, Any]]) -> str:
    """The roadmap table and each study's deviations, as an HTML fragment."""
    if not studies:
        return '<p class="note">No study is registered. See <code>assay study register</code>.</p>'
    rows = []
    for study in studies:
        state = str(study.get("state"))
        problems = study.get("problems") or []
        flag = (
            f' <span class="o-fail">registration does not verify: {e("; ".join(problems))}</span>'
            if problems
            else ""
        )
        deadline = e(_deadline_text(study))
        if study.get("overdue"):
            deadline = f'<span class="o-fail">{deadline}</span>'
        rows.append(
            "<tr>"
            f"<td>{e(study.get('name'))}{flag}</td>"
            f'<td><span class="{_STATE_CLASS.get(state, "")}">{e(state)}</span></td>'
            f"<td>{e(study.get('owner'))}</td>"
            f"<td>{deadline}</td>"
            f"<td>{e(study.get('primary_metric'))} ({e(study_effect_text(study))})</td>"
            f"<td>{e(study_evidence_text(study))}</td>"
            f"<td>{e(_outcome_text(study))}</td>"
            f"<td>{len(study.get('deviations') or [])}</td>"
            "</tr>"
        )
    head = "".join(
        f"<th>{h}</th>"
        for h in (
            "study",
            "state",
            "owner",
            "deadline",
            "primary metric (effect that matters)",
            "evidence so far",
            "outcome",
            "deviations",
        )
    )
    parts = [
        f'<div class="scroll"><table><thead><tr>{head}</tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table></div>"
    ]
    for study in studies:
        deviations = study.get("deviations") or []
        if deviations:
            items = "".join(f"<li>{e(_deviation_text(d))}</li>" for d in deviations)
            parts.append(
                f"<h3>{e(study.get('name'))}: deviations from the plan</h3><ul>{items}</ul>"
            )
    return "".join(parts)


def roadmap_html(studies: Sequence[Mapping[str, Any]], *, title: str = "Research roadmap") -> str:
    """The whole roadmap as one self-contained HTML document (no scripts, no external
    resources)."""
    counts = {
        state: sum(1 for study in studies if study.get("state") == state) for state in _STATE_CLASS
    }
    summary = ", ".join(f"{n} {state}" for state, n in counts.items())
    overdue = sum(1 for study in studies if study.get("overdue"))
    return visible_document(
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        f"<title>{e(title)}</title><style>{CSS}</style></head><body>"
        f"<h1>{e(title)}</h1><p>{len(studies)} {'study' if len(studies) == 1 else 'studies'}: "
        f"{e(summary)}; {overdue} overdue.</p>"
        f"{roadmap_body(studies)}"
        "<p>Evidence: the first attached run is the baseline, the newest the candidate, compared "
        "pair by pair on the primary metric, read on the anytime-valid confidence sequence of "
        "the improvement. Outcome <b>stop</b>: even its upper bound is below the effect that "
        "matters; <b>effect shown</b>: its lower bound reaches the effect that matters; "
        "<b>continue</b>: it still contains the effect that matters (or there is no evidence "
        "yet). A decided study shows its decision's verdict, a killed one the reason."
        "</p></body></html>"
    )


def _md(text: object) -> str:
    return printable(text).replace("|", "\\|").replace("\n", " ")


def roadmap_markdown(studies: Sequence[Mapping[str, Any]]) -> str:
    """The roadmap as a Markdown table, with each study's deviations under it."""
    lines = [
        "# Research roadmap",
        "",
        "| study | state | owner | deadline | evidence so far | outcome | deviations |",
        "|---|---|---|---|---|---|---|",
    ]
    for study in studies:
        lines.append(
            f"| {_md(study.get('name'))} | {_md(study.get('state'))} | {_md(study.get('owner'))} | "
            f"{_md(_deadline_text(study))} | {_md(study_evidence_text(study))} | "
            f"{_md(_outcome_text(study))} | {len(study.get('deviations') or [])} |"
        )
    for study in studies:
        for d in study.get("deviations") or []:
            lines.append(f"- {_md(study.get('name'))}: {_md(_deviation_text(d))}")
    return "\n".join(lines) + "\n"
