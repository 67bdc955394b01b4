"""What an A/B report says: users, arms and the experiment, never the offline words (examples,
runs, suites, pairing, flips), with the readout's own numbers; one minus sign in the terminal."""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

import pytest
import yaml
from test_online_verdict_cli import PLAN, stats_csv

from assay.cli import main
from assay.online import ExperimentPlan
from assay.reports import render_markdown
from assay.testing import report_comparison

OFFLINE_WORDS = re.compile(r"\b(examples?|runs?|suites?|paired|flip\w*)\b", re.IGNORECASE)
MINUS = "\u2212"


def visible(page: str) -> str:
    """The text a reader of the HTML page sees: no style sheet, no tags, entities decoded."""
    page = re.sub(r"<style>.*?</style>", " ", page, flags=re.S)
    return html.unescape(re.sub(r"<[^>]+>", " ", page))


def _readout(tmp_path: Path, capsys: pytest.CaptureFixture[str], n_t: int = 20_400) -> tuple:
    plan = tmp_path / "plan.yaml"
    plan.write_text(yaml.safe_dump(PLAN.to_dict()))
    # a lower latency in the treatment arm: a negative lift, printed with a minus sign
    data = stats_csv(tmp_path / "stats.csv", 20_000, n_t, 0.12, 199.0)
    out = tmp_path / "out"
    args = ["ab", "readout", str(data), "--plan", str(plan)]
    main([*args, "--output", str(out)])
    terminal = capsys.readouterr().out
    main([*args, "--json"])
    return out, json.loads(capsys.readouterr().out)["readout"], terminal


def test_ab_reports_speak_of_users_and_arms(tmp_path: Path, capsys) -> None:
    out, _, _ = _readout(tmp_path, capsys)
    texts = {
        "report.md": (out / "report.md").read_text(),
        "memo.md": (out / "memo.md").read_text(),
        "report.html": visible((out / "report.html").read_text()),
    }
    for name, text in texts.items():
        found = sorted({m.group(0).lower() for m in OFFLINE_WORDS.finditer(text)})
        assert found == [], f"{name} says {found}"
        assert "all users" in text.lower(), name
        assert "arm control" in text, name
    assert "| Experiment | ranker-v2 (" in texts["report.md"]
    assert "## Users per arm" in texts["report.md"]
    assert "independent groups of users" in texts["memo.md"]
    # the same renderers still speak of examples and flips for an offline comparison
    offline = render_markdown(report_comparison())
    assert "## Flipped examples" in offline
    assert "Comparisons are paired by example id" in offline
    assert OFFLINE_WORDS.search(offline)


def test_ab_report_numbers_are_the_readouts(tmp_path: Path, capsys) -> None:
    out, readout, _ = _readout(tmp_path, capsys)
    # Markdown escapes of the metric names and brackets undone: the numbers are compared
    report = re.sub(r"\\([_\[\]])", r"\1", (out / "report.md").read_text())
    page = visible((out / "report.html").read_text())
    memo = (out / "memo.md").read_text()
    sizes = readout["n_by_arm"]
    assert sizes == {"control": 20_000, "treatment": 20_400}  # the data, read independently
    for arm, n in sizes.items():
        assert f"| {arm} | {n:,} |" in report
        assert f"{arm} {n:,}" in memo
        assert re.search(rf"\b{arm}\s+{n:,}\b", " ".join(page.split()))
    assert f"Users per arm: control {sizes['control']:,}, treatment {sizes['treatment']:,};" in memo
    for lift in readout["lifts"]:
        rel = lift["relative"]
        shown = [f"{100 * rel[k]:+.3g}%".replace("-", MINUS) for k in ("estimate", "low", "high")]
        note = f"relative lift {shown[0]} [{shown[1]}, {shown[2]}]"
        row = next(line for line in report.splitlines() if line.startswith(f"| {lift['metric']} |"))
        assert note in row
        # n of the row: the users of each arm compared
        assert f"| {sizes['control']:,} / {sizes['treatment']:,} |" in row
    latency = next(lift for lift in readout["lifts"] if lift["metric"] == "latency_ms")
    assert latency["relative"]["estimate"] < 0  # so the minus sign above was checked


def test_ab_terminal_prints_one_minus_sign(tmp_path: Path, capsys) -> None:
    _, readout, terminal = _readout(tmp_path, capsys)
    text = " ".join(terminal.split())
    # an ASCII hyphen-minus before a digit, except an exponent's (p=7.87e-07)
    assert re.findall(r"(?<![eE\w])-\d", text) == []
    latency = next(lift for lift in readout["lifts"] if lift["metric"] == "latency_ms")
    rel = latency["relative"]
    assert f"relative lift {MINUS}{abs(100 * rel['estimate']):.3g}%" in text
    assert f"{MINUS}{abs(latency['absolute']['estimate']):.4g} [" in text


@pytest.mark.parametrize("arm", ["<script>alert(1)</script>", "a|b", "ev\u202eil"])
def test_hostile_arm_names_are_shown_not_obeyed(arm: str, tmp_path: Path, capsys) -> None:
    plan = tmp_path / "plan.yaml"
    named = ExperimentPlan(**{**PLAN.__dict__, "arms": ("control", arm)})
    plan.write_text(yaml.safe_dump(named.to_dict()))
    data = stats_csv(tmp_path / "stats.csv", 20_000, 20_000, 0.12, 199.0)
    data.write_text(data.read_text().replace(",treatment,", f",{arm},"))
    out = tmp_path / "out"
    main(["ab", "readout", str(data), "--plan", str(plan), "--output", str(out)])
    assert "error" not in capsys.readouterr().err
    page = (out / "report.html").read_text()
    report = (out / "report.md").read_text()
    assert "<script>" not in page
    assert "\u202e" not in page and "\u202e" not in report
    assert "| a|b |" not in report  # a pipe would split the users-per-arm table
    assert report.count("| 20,000 |") == 2  # one row per arm, each whole
    section = re.search(r'<section id="coverage">.*?</section>', page, flags=re.S)
    assert section is not None and section.group(0).count("<tr>") == 3  # header, two arms
