"""A verdict for continuous integration: a Markdown step summary and a JUnit XML file.

* :func:`render_gate_summary`: GitHub-flavoured Markdown for a job's step summary or a pull
  request comment: the verdict, the evidence that decided it, and every rule. No links.
* :func:`render_junit`: JUnit XML with one test case per rule. A failed rule is a
  ``<failure>``; an inconclusive rule is a ``<skipped>`` with the evidence that would settle
  it (it did not fail, and the verdict's exit code, 2, is what stops the job); a passed rule
  is a plain test case. Every test case says whether its rule is blocking or reported only,
  and a reported-only failure is still a ``<failure>`` (type ``reported-only``) so it shows.

Untrusted text (metric and slice names, rule reasons) is escaped for its format; control
characters are removed from the XML, where most of them are not allowed at all.
"""

from __future__ import annotations

import re
from xml.sax.saxutils import escape, quoteattr

from assay.core import Comparison, VerdictResult, printable
from assay.reports._content import check_inputs
from assay.reports._decisive import deciding_evidence, worse_slice_notes
from assay.reports._md_parts import md, md_table

__all__ = ["render_gate_summary", "render_junit"]

_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
_ICON = {"SHIP": "✅", "BLOCK": "⛔", "INCONCLUSIVE": "⚠️"}


def render_gate_summary(comparison: Comparison, verdict: VerdictResult) -> str:
    """The verdict as GitHub-flavoured Markdown for a step summary or a pull-request comment."""
    check_inputs("render_gate_summary", comparison, verdict, verdict_required=True)
    c, v = comparison, verdict
    lead = deciding_evidence(c, v, md)
    rows = [
        [
            md(r.tier),
            md(r.rule),
            md(r.metric) + (f" on {md(r.slice)}" if r.slice else ""),
            f"**{r.outcome.upper()}**",
            "blocking" if r.blocking else "reported only",
            md(r.reason),
        ]
        for r in v.rules
    ]
    why = [*lead.rules, *worse_slice_notes(c, v, None, md)]
    lines = [
        f"## {_ICON[v.verdict.value]} assay gate: {v.verdict.value}",
        "",
        f"**{lead.evidence}**",
        "",
        f"Next: {lead.next_step}",
        "",
        f"{md(c.candidate_model)} (run {md(c.candidate_run)}) against {md(c.baseline_model)} "
        f"(run {md(c.baseline_run)}) on {md(c.suite_name)}; policy {md(v.policy)}.",
        *(["", *(f"- {line}" for line in why)] if why else []),
        "",
        md_table(["Tier", "Rule", "Metric / slice", "Outcome", "Blocking", "Reason"], rows),
    ]
    return printable("\n".join(lines) + "\n")


def _x(text: object) -> str:
    """Text for XML: control characters removed, then escaped."""
    return escape(_XML_ILLEGAL.sub("", str(text)))


def _attr(text: object) -> str:
    return quoteattr(_XML_ILLEGAL.sub("", str(text)))


def render_junit(comparison: Comparison, verdict: VerdictResult) -> str:
    """The verdict as JUnit XML: one test case per rule (see the module docstring)."""
    check_inputs("render_junit", comparison, verdict, verdict_required=True)
    c, v = comparison, verdict
    cases = []
    for r in v.rules:
        role = "blocking" if r.blocking else "reported only"
        target = r.metric + (f" on {r.slice}" if r.slice else "")
        name = f"{r.rule} ({target})"
        body = f"{r.tier} rule, {role}: {r.reason}"
        if r.outcome == "fail":
            kind = "blocking" if r.blocking else "reported-only"
            inner = (
                f"<failure message={_attr(f'{role} rule failed: {r.reason}')} "
                f"type={_attr(kind)}>{_x(body)}</failure>"
            )
        elif r.outcome == "inconclusive":
            settle = f" To settle: {r.to_settle}" if r.to_settle else ""
            inner = f"<skipped message={_attr(f'inconclusive ({role}): {r.reason}.{settle}')}/>"
        else:
            inner = f"<system-out>{_x(body)}</system-out>"
        cases.append(
            f"    <testcase classname={_attr(f'assay.gate.{r.tier}')} name={_attr(name)} "
            f'time="0">{inner}</testcase>'
        )
    failures = sum(r.outcome == "fail" for r in v.rules)
    skipped = sum(r.outcome == "inconclusive" for r in v.rules)
    suite = f"assay gate: {v.verdict.value} ({c.candidate_model} vs {c.baseline_model})"
    lead = deciding_evidence(c, v)
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<testsuites name="assay gate" tests="{len(v.rules)}" failures="{failures}" '
        f'errors="0" skipped="{skipped}">\n'
        f'  <testsuite name={_attr(suite)} tests="{len(v.rules)}" failures="{failures}" '
        f'errors="0" skipped="{skipped}">\n'
        f'    <properties><property name="verdict" value={_attr(v.verdict.value)}/>'
        f'<property name="policy" value={_attr(v.policy)}/>'
        f'<property name="evidence" value={_attr(lead.evidence)}/></properties>\n'
        + "\n".join(cases)
        + "\n  </testsuite>\n</testsuites>\n"
    )
