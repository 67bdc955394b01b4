"""The verdict for CI: the Markdown step summary and the JUnit XML, and `assay gate` writing them."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

import assay
from assay.cli import main
from assay.core import Verdict, VerdictResult
from assay.reports import render_gate_summary, render_junit
from assay.testing import report_comparison, report_verdict, synthetic_records, synthetic_suite
from assay.testing import rule_outcome as rule


@pytest.mark.parametrize("verdict", list(Verdict))
def test_junit_has_one_case_per_rule_and_counts_that_match(verdict: Verdict) -> None:
    c, v = report_comparison(), report_verdict(verdict)
    root = ET.fromstring(render_junit(c, v))
    suite = root.find("testsuite")
    assert suite is not None
    cases = suite.findall("testcase")
    assert len(cases) == len(v.rules) == int(suite.get("tests", "-1"))
    fails = [r for r in v.rules if r.outcome == "fail"]
    open_ = [r for r in v.rules if r.outcome == "inconclusive"]
    assert (
        int(suite.get("failures", "-1"))
        == len(fails)
        == sum(case.find("failure") is not None for case in cases)
    )
    assert (
        int(suite.get("skipped", "-1"))
        == len(open_)
        == sum(case.find("skipped") is not None for case in cases)
    )
    for case, r in zip(cases, v.rules, strict=True):
        assert case.get("name", "").startswith(r.rule)
        failure = case.find("failure")
        if failure is not None:
            assert failure.get("type") == ("blocking" if r.blocking else "reported-only")
            assert r.reason in (failure.text or "")
    props = {p.get("name"): p.get("value") for p in suite.iter("property")}
    assert props["verdict"] == verdict.value


def test_junit_escapes_untrusted_text_and_drops_control_characters() -> None:
    evil = "acc<\x1b[31m>&\x00\"'</testcase>\x07]]>"
    v = VerdictResult(
        verdict=Verdict.BLOCK,
        policy="p\x0b",
        policy_digest="d",
        summary="s",
        rules=[rule(evil, "quality", evil, "fail", reason=evil, slice=f"lang={evil}")],
    )
    text = render_junit(report_comparison(), v)
    root = ET.fromstring(text)  # well-formed despite the hostile names
    case = root.find("testsuite/testcase")
    assert case is not None and len(root.findall("testsuite/testcase")) == 1
    failure = case.find("failure")
    assert failure is not None
    assert "acc<[31m>&\"'</testcase>]]>" in (failure.text or "")
    assert "\x1b" not in text and "\x00" not in text and "\x07" not in text


def test_gate_summary_leads_with_the_evidence_and_lists_every_rule() -> None:
    c, v = report_comparison(), report_verdict(Verdict.BLOCK)
    text = render_gate_summary(c, v)
    lines = text.splitlines()
    assert lines[0] == "## ⛔ assay gate: BLOCK"
    assert "accuracy on domain=tweets" in lines[2] and "points" in lines[2]
    assert "SHIP" not in text.split("| Tier |")[0]
    table = text.split("| Tier |")[1].splitlines()[2:]
    assert len([row for row in table if row.startswith("| ")]) == len(v.rules)
    assert "<script>" not in text and "](" not in text  # escaped, links-free


def _runs(n: int, base_acc: float, cand_acc: float, seed: int) -> tuple[str, str]:
    data = synthetic_suite(n, seed=seed)
    base = assay.log_run(
        synthetic_records(data, accuracy=base_acc, seed=1), suite=data, model="m@1"
    )
    cand = assay.log_run(
        synthetic_records(data, accuracy=cand_acc, seed=2), suite=data, model="m@2"
    )
    return base.run.run_id, cand.run.run_id


def test_gate_writes_summary_and_junit(
    home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    b, c = _runs(2000, 0.80, 0.70, seed=1)
    summary, junit = tmp_path / "summary.md", tmp_path / "out" / "junit.xml"
    step = tmp_path / "step.md"
    step.write_text("earlier step\n", encoding="utf-8")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(step))
    code = main(["gate", b, c, "--summary-md", str(summary), "--junit", str(junit), "--json"])
    assert code == 1
    out = json.loads(capsys.readouterr().out)
    n_rules = len(out["verdict"]["rules"])
    assert summary.read_text(encoding="utf-8").startswith("## ⛔ assay gate: BLOCK")
    assert step.read_text(encoding="utf-8") == "earlier step\n"  # not named: untouched
    root = ET.parse(junit).getroot()
    assert len(root.findall("testsuite/testcase")) == n_rules
    assert out["files"]["junit"] == str(junit)
    # Named explicitly, GitHub's step summary is appended to, never replaced.
    assert main(["gate", b, c, "--summary-md", str(step)]) == 1
    text = step.read_text(encoding="utf-8")
    assert text.startswith("earlier step\n## ⛔ assay gate: BLOCK")
