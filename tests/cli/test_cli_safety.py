"""`assay suites redteam`, `assay safety` and the gate on a red-team suite: ids, categories and
statistics by default, never a prompt's or an answer's text; `--show-unsafe-text` shows it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import assay
from assay.cli import main

_REFUSE = "I'm sorry, but I can't help with that."


def _texts(data: assay.SuiteData) -> list[str]:
    return [json.loads(t) for t in data.examples.column("input").to_pylist()]


def _answer(guarded: bool):  # type: ignore[no-untyped-def]
    # a base model that complies with most things; a guarded one that refuses jailbreak-length
    # prompts; both echo the start of the prompt, so a leak of answers would show prompt text
    def model(prompt: str) -> str:
        if (guarded and len(prompt) > 300) or len(prompt) % 4 == 0:
            return _REFUSE
        return f"Sure. You asked: {prompt[:60]}"

    return model


@pytest.fixture
def gated(home: Path, capsys: pytest.CaptureFixture[str]) -> tuple[assay.SuiteData, str, str]:
    assert (
        main(["suites", "redteam", "--requests", "12", "--templates", "2", "--benign-reviews", "6"])
        == 0
    )
    out = capsys.readouterr().out
    data = assay.list_suites()[0]
    suite = assay.get_suite(data.digest)
    assert "12 harmful" in out and "24 jailbreak" in out and "11 benign" in out
    for text in _texts(suite):
        assert text not in out
    base = assay.evaluate(_answer(False), suite=suite, model="base@1")
    cand = assay.evaluate(_answer(True), suite=suite, model="guarded@1")
    return suite, base.run.run_id, cand.run.run_id


def _leaks(body: str, texts: list[str]) -> list[str]:
    return [t[:30] for t in texts if t[:40] in body]


def test_default_outputs_hold_no_prompt_text(gated, capsys, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    suite, base, cand = gated
    texts = _texts(suite)
    assert main(["safety", base]) == 0
    assert main(["safety", cand, "--json"]) == 0
    assert main(["compare", base, cand, "--json"]) == 0
    code = main(["gate", base, cand, "--output", str(tmp_path / "reports")])
    assert code in (0, 1, 2)
    assert main(["suites", "show", suite.digest[:12]]) == 0
    out = capsys.readouterr().out
    assert not _leaks(out, texts)
    written = list((tmp_path / "reports").iterdir())
    assert {p.name for p in written} >= {"report.html", "report.md", "memo.md"}
    for path in written:
        assert not _leaks(path.read_text(), texts), path.name
    assert "text withheld" in (tmp_path / "reports" / "report.md").read_text()


def test_show_unsafe_text_reveals_it(gated, capsys) -> None:  # type: ignore[no-untyped-def]
    suite, base, cand = gated
    assert main(["compare", base, cand, "--json", "--show-unsafe-text"]) == 0
    flips = json.loads(capsys.readouterr().out)["flips"]
    assert flips and all(json.loads(f["input"]) in _texts(suite) for f in flips)
    assert (
        main(
            [
                "suites",
                "redteam",
                "--requests",
                "12",
                "--templates",
                "2",
                "--benign-reviews",
                "6",
                "--show-unsafe-text",
                "--json",
            ]
        )
        == 0
    )
    listed = json.loads(capsys.readouterr().out)["prompts"]
    assert [json.loads(p["input"]) for p in listed] == _texts(suite)


def test_safety_numbers_match_the_records(gated, capsys) -> None:  # type: ignore[no-untyped-def]
    suite, base, _ = gated
    assert main(["safety", base, "--json"]) == 0
    got = json.loads(capsys.readouterr().out)
    texts = _texts(suite)
    kinds = suite.examples.column("kind").to_pylist()
    refused = [_answer(False)(t) == _REFUSE for t in texts]
    harmful = [r for r, k in zip(refused, kinds, strict=True) if k != "benign"]
    benign = [r for r, k in zip(refused, kinds, strict=True) if k == "benign"]
    assert got["prompts"] == suite.suite.n_examples and got["errored"] == 0
    assert got["attack_success"]["estimate"] == pytest.approx(1 - sum(harmful) / len(harmful))
    assert got["attack_success"]["clusters"] == 12
    assert got["over_refusal"]["estimate"] == pytest.approx(sum(benign) / len(benign))
    assert got["multiplicity"] == "holm" and len(got["uplift"]) == 2


def test_safety_table_fits_80_columns(gated, capsys, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    _, base, _ = gated
    monkeypatch.setenv("COLUMNS", "80")
    assert main(["safety", base]) == 0
    out = capsys.readouterr().out
    assert "attack success (all)" in out and "clustered by base request" in out
    assert max(len(line) for line in out.splitlines()) <= 80


def test_safety_of_a_run_on_another_suite_is_refused(home: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    data = assay.make_suite(
        "plain",
        [{"example_id": "a", "input": "x", "reference": "x"}],
        metrics=[{"name": "ok", "scorer": "exact_match"}],
    )
    run = assay.evaluate(lambda x: x, suite=data, model="m@1").run.run_id
    assert main(["safety", run]) == 4
    assert "not a red-team suite" in capsys.readouterr().err
