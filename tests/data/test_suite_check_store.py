"""Suite-check findings stored with the suite version: registration stores the fast checks
once, `assay suites check` stores every check it ran, and `suites show`, `suites add` and the
datasheet read what is stored (the same counts) instead of checking again."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

import assay
import assay.workflows as wf
from assay.cli import main
from assay.data import check_suite, make_suite

ROWS = [
    {"example_id": "a", "input": "The cat sat on the mat today.", "reference": "x"},
    {"example_id": "b", "input": "the  CAT sat on the mat today.", "reference": "y"},
    {"example_id": "c", "input": "The cat sat on the mat today!", "reference": "x"},
    {"example_id": "d", "input": "   ", "reference": "x"},
    {"example_id": "e", "input": "a different sentence entirely", "reference": "z"},
]


def _suite():  # type: ignore[no-untyped-def]
    return make_suite("stored", ROWS, metrics=["accuracy"])


def _log_size(store: assay.Store, digest: str) -> int:
    from assay.workflows._slot_log import slot_count

    return slot_count(store, f"suite-check:{digest}")


def test_registration_stores_the_fast_checks_once(home: Path) -> None:
    store = assay.open_store()
    data = _suite()
    assay.register_suite(data, store=store)
    stored = wf.stored_suite_check(data.digest, store=store)
    assert stored == check_suite(data, near=False)
    assert "near_duplicates" not in stored.checks and stored.warnings >= 2
    assay.register_suite(data, store=store)  # idempotent: nothing checked or stored again
    assert _log_size(store, data.digest) == 1
    full = wf.suite_check(data.digest, store=store)
    assert "near_duplicates" in full.checks
    assert wf.stored_suite_check(data.digest, store=store) == full
    assay.register_suite(data, store=store)  # keeps the full check
    assert wf.stored_suite_check(data.digest, store=store) == full
    assert _log_size(store, data.digest) == 2
    wf.suite_check(data.digest, near=False, keep=False, store=store)
    assert _log_size(store, data.digest) == 2


def test_a_version_never_checked_says_so(home: Path) -> None:
    store = assay.open_store()
    data = _suite()
    store.suites.put(data.suite, data.examples)  # stored without registering
    assert wf.stored_suite_check(data.digest, store=store) is None


def test_the_datasheet_reads_the_stored_findings(
    home: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    store = assay.open_store()
    data = _suite()
    assay.register_suite(data, store=store)
    wf.suite_check(data.digest, store=store, min_slice_size=30)

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("the datasheet checked the suite again")

    # the stored findings are read: the checks do not run again on this page
    monkeypatch.setattr("assay.governance._datasheet_facts.check_suite", refuse)
    sheet = wf.suite_datasheet(data.digest, store=store)
    empty = [f for f in sheet.datasheet.facts.integrity if f.startswith("empty inputs")]
    assert len(empty) == 1 and "1 example has no input" in empty[0]


def test_suites_add_show_and_check_from_the_command_line(
    home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "ex.jsonl").write_text("".join(json.dumps(r) + "\n" for r in ROWS))
    (tmp_path / "suite.yaml").write_text("name: stored\nmetrics: [accuracy]\nexamples: ex.jsonl\n")
    assert main(["suites", "add", str(tmp_path / "suite.yaml"), "--json"]) == 0
    added = json.loads(capsys.readouterr().out)
    assert main(["suites", "show", "stored", "--json"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["checks"] == added["checks"]
    assert [f["check"] for f in shown["checks"]["findings"]] == [
        f.check for f in check_suite(assay.get_suite("stored"), near=False).findings
    ]
    assert main(["suites", "check", "stored"]) == 0
    assert "stored with suite version" in capsys.readouterr().out
    assert main(["suites", "show", "stored", "--json"]) == 0
    after = json.loads(capsys.readouterr().out)["checks"]
    full = json.loads(json.dumps(dataclasses.asdict(wf.suite_check("stored", keep=False))))
    assert after == full and "near_duplicates" in after["checks"]
    assert main(["suites", "show", "stored"]) == 0
    text = capsys.readouterr().out
    assert "integrity checks (stored)" in text and "exact_duplicates" in text


def test_the_analysis_report_shows_the_stored_findings(home: Path, tmp_path: Path) -> None:
    store = assay.open_store()
    rows = [
        {**r, "slices": {"lang": "en" if i % 2 else "de"}}
        for i, r in enumerate(
            [*ROWS, *({"example_id": f"n{i}", "input": f"item {i}"} for i in range(75))]
        )
    ]
    data = make_suite("stored", rows, metrics=["accuracy"], slices=["lang"])
    assay.register_suite(data, store=store)
    records = [
        {"example_id": r["example_id"], "accuracy": float(i % 3 > 0)} for i, r in enumerate(rows)
    ]
    run = assay.log_run(records, suite=data, model="m@1", store=store).run.run_id
    html, md = tmp_path / "a.html", tmp_path / "fix.md"
    found = wf.analyze_run(run, fields=[], min_size=10, html=html, markdown=md, store=store)
    stored = wf.stored_suite_check(data.digest, store=store)
    assert stored is not None and found.suite_checks is not None
    assert [f["check"] for f in found.suite_checks["findings"]] == [
        f.check for f in stored.findings
    ]
    assert wf.run_analyses(run, store=store)[-1]["suite_checks"] == found.suite_checks
    page = html.read_text()
    assert "<h2>Suite integrity</h2>" in page
    assert f"{len(stored.findings):,} findings, {stored.warnings:,} warnings" in page
    assert "# Suite integrity" in md.read_text()
