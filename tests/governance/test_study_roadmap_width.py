"""`assay studies` and `assay study status` at 80 columns, on a terminal and piped: no line
wider than 80, no word (a study name, an owner, an interval) broken across lines, and the
numbers in the product's one format (percentage points for a proportion)."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from adult_runs import adult_subset, log_adult_run, write_study

import assay
from assay._util import format_number
from assay.cli import _render, _study_render, main
from assay.workflows import attach_to_study, kill_study, register_study, study_status

LONG = "income-classifier-retraining-with-calibrated-thresholds"
OWNER = "Maria-Fernanda Rodriguez-Oyelaran (Trust & Safety)"
REASON = "the retrained classifier was superseded by the gradient-boosted candidate"


@pytest.fixture
def studies(home: Path) -> None:
    store = assay.open_store()
    assay.register_suite(adult_subset(), store=store)
    register_study(write_study(home.parent), store=store)
    path = write_study(home.parent, LONG)
    path.write_text(path.read_text().replace("Ana Lima", OWNER), encoding="utf-8")
    register_study(path, store=store)
    register_study(write_study(home.parent, "killed-one"), store=store)
    kill_study("killed-one", reason=REASON, store=store)
    attach_to_study("adult-retrain", run=log_adult_run(store, "m@1"), store=store)
    run = log_adult_run(store, "m@2", flip=0.1, seed=1)
    attach_to_study("adult-retrain", run=run, store=store)


def _words_whole(text: str) -> None:
    lines = text.splitlines()
    assert lines and max(len(line) for line in lines) <= 80, max(lines, key=len)
    flat = " ".join(" ".join(line.split()) for line in lines)
    for word in [LONG, *OWNER.split(), *REASON.split()]:
        assert re.search(rf"(^|\s){re.escape(word)}(\s|;|:|$)", flat), word


def _evidence_in_points(text: str) -> None:
    """The difference as the data has it, in points with one decimal."""
    ev = study_status("adult-retrain").evidence
    assert ev is not None
    low, diff, high = (
        format_number(100 * ev[k], 1, signed=True) for k in ("low", "difference", "high")
    )
    assert f"{diff} pts [{low}, {high}]" in " ".join(text.split()), text
    assert not re.search(r"[+−-]0\.\d{3,}", text)  # no raw decimal like +0.0197


def test_on_a_terminal_of_80_columns(studies: None, monkeypatch: pytest.MonkeyPatch) -> None:
    out = io.StringIO()
    tty = _render.SafeConsole(file=out, width=80, force_terminal=True, color_system=None)
    monkeypatch.setattr(_study_render, "console", tty)
    monkeypatch.setattr(_render, "console", tty)  # the prose, wrapped by _render.say_wrapped
    _render.set_output_format("table")
    try:
        assert main(["studies"]) == 0
        roadmap = out.getvalue()
        out.truncate(0), out.seek(0)
        assert main(["study", "status", "adult-retrain"]) == 0
        status = out.getvalue()
    finally:
        _render.set_output_format(None)
    _words_whole(roadmap)
    _evidence_in_points(roadmap)
    assert "effect that matters +1.0 point" in " ".join(status.split())
    _evidence_in_points(status)
    assert max(len(line) for line in status.splitlines()) <= 80


def test_piped(studies: None, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["studies"]) == 0
    roadmap = capsys.readouterr().out
    _words_whole(roadmap)
    _evidence_in_points(roadmap)
    assert main(["study", "status", "adult-retrain"]) == 0
    status = capsys.readouterr().out
    assert max(len(line) for line in status.splitlines()) <= 80
    flat = " ".join(status.split())
    _evidence_in_points(flat)
    assert "McNemar's test, Connor (1987): effect 1.0 point, discordance 8%" in flat
    assert re.search(r"of the improvement, \[[+−]\d+\.\d, [+−]\d+\.\d\] points", flat)
