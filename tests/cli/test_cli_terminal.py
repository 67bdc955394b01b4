"""Untrusted text cannot act on the terminal: every command, piped and on a real terminal.

A store is filled through the library with model versions, tags, slice values, a suite
description, catalog facts, an approval's name and note, and A/B arm names that carry an
erase-line escape (``ESC [2K``), an OSC 8 hyperlink, a C1 CSI (``0x9b``) and a right-to-left
override (``U+202E``). Each command runs as the real ``assay`` program in a subprocess, once
with its output piped and once on a pseudo-terminal (where rich writes its own colour
sequences, and nothing else may). ``--json`` output keeps the data exact with those
characters escaped.
"""

from __future__ import annotations

import json
import os
import pty
import re
import select
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

import assay

SRC = str(Path(assay.__file__).resolve().parents[1])
ERASE = "\x1b[2K\r"
LINK = "\x1b]8;;https://evil.example/\x07click\x1b]8;;\x07"
NASTY = f"{ERASE}SHIP{LINK}\x9b31m\u202egnp.exe\u2066"
FOLDER = "\x1b[2K\x9b\u202e"  # a folder name cannot hold the link's slashes
# What a terminal would act on (tab and newline aside), and rich's own colour sequences.
RAW = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
SGR = re.compile("\x1b\\[[0-9;]*m")
JSON_RAW = re.compile("[\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


@dataclass(frozen=True)
class Nasty:
    folder: Path
    env: dict[str, str]
    baseline: str
    candidate: str
    decision: str
    suite: str
    arms: Path


def _records(ids: list[str], rate: float, seed: int) -> pa.Table:
    rng = np.random.default_rng(seed)
    return pa.table(
        {
            "example_id": ids,
            "accuracy": (rng.random(len(ids)) < rate).astype(float),
            "output": [f"out {i}" for i in range(len(ids))],
        }
    )


@pytest.fixture(scope="module")
def nasty(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Nasty]:
    folder = tmp_path_factory.mktemp("nasty")
    env = {
        **os.environ,
        "ASSAY_HOME": str(folder / ".assay"),
        "PYTHONPATH": SRC,
        "COLUMNS": "200",
        "TERM": "xterm-256color",
    }
    for key in ("ASSAY_DB", "ASSAY_ARTIFACTS", "NO_COLOR", "FORCE_COLOR"):
        env.pop(key, None)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("ASSAY_HOME", env["ASSAY_HOME"])
        mp.delenv("ASSAY_DB", raising=False)
        mp.delenv("ASSAY_ARTIFACTS", raising=False)
        mp.chdir(folder)
        n = 120
        ids = [f"ex-{i:04d}" for i in range(n)]
        suite = assay.make_suite(
            "nasty-suite",
            [
                {"example_id": i, "slices": {"lang": ["en", f"de{NASTY}"][k % 2]}}
                for k, i in enumerate(ids)
            ],
            metrics=[{"name": "accuracy", "description": f"share right {NASTY}"}],
            slices=["lang"],
            version=f"v1{NASTY}",
            description=f"A suite {NASTY}",
            catalog={"owner": f"team{NASTY}", "known_limits": [f"limit {NASTY}"]},
        )
        store = assay.open_store()
        assay.register_suite(suite, store=store)
        base = assay.log_run(
            _records(ids, 0.8, 1),
            suite=suite,
            model="m@1",  # a model name with control characters is refused at input
            tags={"stage": f"base{NASTY}"},
            params={"prompt": f"p{NASTY}"},
            provenance={"prompt_template": f"first {NASTY}"},
            store=store,
        )
        cand = assay.log_run(
            _records(ids, 0.75, 2),
            suite=suite,
            model="m@2",
            tags={"stage": f"cand{NASTY}"},
            params={"prompt": f"q{NASTY}"},
            provenance={"prompt_template": f"second {NASTY}"},
            store=store,
        )
        rec = assay.decide(base.run.run_id, cand.run.run_id, output=folder / "decided", store=store)
        assay.approve(
            rec.decision.decision_id,
            role="safety",
            name=f"eve{NASTY}",
            note=f"fine {NASTY}",
            store=store,
        )
        store.close()
    rng = np.random.default_rng(0)
    units = pd.DataFrame(
        {
            "unit": np.arange(2000),
            "arm": np.where(rng.random(2000) < 0.5, "control", f"treat{NASTY}"),
            "spend": rng.gamma(2.0, 5.0, 2000),
        }
    )
    arms = folder / "units.parquet"
    units.to_parquet(arms)
    yield Nasty(
        folder,
        env,
        base.run.run_id,
        cand.run.run_id,
        rec.decision.decision_id,
        suite.digest,
        arms,
    )


def _commands(n: Nasty) -> dict[str, list[str]]:
    b, c = n.baseline[:12], n.candidate[:12]
    return {
        "runs list": ["runs", "list"],
        "runs show": ["runs", "show", c],
        "runs diff": ["runs", "diff", b, c],
        "compare": ["compare", b, c],
        "gate": ["gate", b, c, "--output", str(n.folder / f"gated{FOLDER}")],
        "report": ["report", b, c, "-o", str(n.folder / f"reported{FOLDER}")],
        "decisions list": ["decisions", "list"],
        "decisions show": ["decisions", "show", n.decision[:12]],
        "suites list": ["suites", "list"],
        "suites show": ["suites", "show", n.suite[:12]],
        "ab readout": ["ab", "readout", str(n.arms), "--metric", "spend"],
        "not found": ["runs", "show", f"zz{NASTY}"],
    }


WITH_JSON = [
    "runs list",
    "runs show",
    "runs diff",
    "compare",
    "gate",
    "decisions list",
    "decisions show",
    "suites list",
    "suites show",
    "ab readout",
]
COMMANDS = [*WITH_JSON, "report", "not found"]


# One interpreter runs every command of a test in turn (starting assay costs seconds), writing
# a marker with the exit code on both streams after each command.
_DRIVER = """
import json, sys
from assay.cli import main
for args in json.loads(sys.argv[1]):
    code = main(args)
    for stream in (sys.stdout, sys.stderr):
        stream.write(f"\\n=== exit {code} ===\\n")
        stream.flush()
"""
_MARK = re.compile(r"\n=== exit (\d+) ===\n")


def _split(text: str) -> list[tuple[int, str]]:
    parts = _MARK.split(text)
    return [(int(parts[i + 1]), parts[i]) for i in range(0, len(parts) - 1, 2)]


def _piped(n: Nasty, commands: list[list[str]]) -> list[tuple[int, str, str]]:
    """Run with standard output and error piped: each command's exit code, output and errors."""
    done = subprocess.run(
        [sys.executable, "-c", _DRIVER, json.dumps(commands)],
        cwd=n.folder,
        env=n.env,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    outs, errs = _split(done.stdout), _split(done.stderr)
    assert len(outs) == len(errs) == len(commands), done.stderr
    return [(code, out, err) for (code, out), (_, err) in zip(outs, errs, strict=True)]


def _on_terminal(n: Nasty, commands: list[list[str]]) -> list[tuple[int, str]]:
    """Run with standard output and error on a pseudo-terminal: exit code and output of each."""
    primary, secondary = pty.openpty()
    proc = subprocess.Popen(
        [sys.executable, "-c", _DRIVER, json.dumps(commands)],
        cwd=n.folder,
        env=n.env,
        stdin=subprocess.DEVNULL,
        stdout=secondary,
        stderr=secondary,
    )
    os.close(secondary)
    chunks = []
    while True:
        ready, _, _ = select.select([primary], [], [], 300)
        if not ready:
            proc.kill()
            raise AssertionError("assay printed nothing for 300 s")
        try:
            chunk = os.read(primary, 65536)
        except OSError:  # Linux reports the closed terminal as EIO
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(primary)
    assert proc.wait(timeout=60) == 0
    # The terminal driver ends each line with CR LF. Both streams share the terminal, so each
    # command is followed by two markers: its output is what precedes them.
    parts = _split(b"".join(chunks).decode("utf-8").replace("\r\n", "\n"))
    assert len(parts) == 2 * len(commands)
    return [
        (code, out + rest) for (code, out), (_, rest) in zip(parts[::2], parts[1::2], strict=True)
    ]


# what these print (ids, dates, verdicts, model names) holds no free text: model names with
# control characters are refused at input
NOTHING_UNTRUSTED = {"decisions list"}


def _assert_inert(out: str, name: str = "") -> None:
    out = SGR.sub("", out)
    leftover = RAW.search(out)
    assert leftover is None, f"raw {leftover[0]!r} in {out!r}"
    if name in NOTHING_UNTRUSTED:
        return
    # shown, not dropped: as a control picture, or quoted as a Python literal in an error
    assert "␛[2K" in out or "␛\\[2K" in out or "\\x1b[2K" in out, out


@pytest.fixture(scope="module")
def piped(nasty: Nasty) -> dict[str, tuple[int, str, str]]:
    commands = _commands(nasty)
    return dict(zip(commands, _piped(nasty, list(commands.values())), strict=True))


@pytest.fixture(scope="module")
def on_terminal(nasty: Nasty) -> dict[str, tuple[int, str]]:
    commands = _commands(nasty)
    return dict(zip(commands, _on_terminal(nasty, list(commands.values())), strict=True))


@pytest.fixture(scope="module")
def as_json(nasty: Nasty) -> dict[str, tuple[int, str, str]]:
    commands = [[*_commands(nasty)[name], "--json"] for name in WITH_JSON]
    return dict(zip(WITH_JSON, _piped(nasty, commands), strict=True))


@pytest.mark.parametrize("name", COMMANDS)
def test_piped_output_shows_controls_without_obeying_them(piped, name):
    code, out, err = piped[name]
    assert code in (0, 1, 2, 8), err
    assert SGR.search(out + err) is None  # no colour when piped
    _assert_inert(out + err, name)


@pytest.mark.parametrize("name", COMMANDS)
def test_terminal_output_shows_controls_without_obeying_them(on_terminal, name):
    code, out = on_terminal[name]
    assert code in (0, 1, 2, 8), out
    assert SGR.search(out) is not None  # a real terminal: rich writes colours
    _assert_inert(out, name)


@pytest.mark.parametrize("name", WITH_JSON)
def test_json_keeps_the_data_exact_and_escapes_controls(as_json, name):
    code, out, err = as_json[name]
    assert code in (0, 1, 2), err
    assert JSON_RAW.search(out) is None and RAW.search(out) is None
    if name in NOTHING_UNTRUSTED:
        return
    assert "\\u001b[2K\\r" in out and "\\u202e" in out
    assert any(NASTY in text for text in _strings(json.loads(out)))  # exact data


def _strings(value: object) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def test_written_reports_show_controls_and_the_svg_parses(nasty, piped):
    assert piped["report"][0] == 0, piped["report"][2]
    folder = nasty.folder / f"reported{FOLDER}"
    for name in ("report.md", "memo.md", "report.html"):
        text = (folder / name).read_text(encoding="utf-8")
        assert RAW.search(text) is None, name
        assert "␛" in text, name
    html = (folder / "report.html").read_text(encoding="utf-8")
    blocks = re.findall(r"<svg\b.*?</svg>", html, flags=re.S)
    assert blocks
    for block in blocks:
        ET.fromstring(block)


def test_usage_errors_quote_the_command_line_visibly(nasty):
    [(code, _, err)] = _piped(nasty, [["runs", f"li{NASTY}"]])
    assert code == 64
    _assert_inert(err)
