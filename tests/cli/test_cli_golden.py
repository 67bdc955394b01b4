"""What ``assay compare``, ``assay gate`` and ``assay runs list`` print, line for line.

A small store is built from fixed data (two runs of 300 examples with three language slices,
a 0/1 accuracy and a latency in milliseconds), and each command runs as the real program at
80 columns twice: piped (the plain layout) and on a console that rich treats as a terminal
(``FORCE_COLOR``; its colour sequences are removed before comparing). Run ids and dates, which
differ on every run, are replaced by placeholders of the same width, so alignment is compared
too. The expected text lives in ``tests/golden/cli/``; ``ASSAY_UPDATE_GOLDEN=1`` rewrites it.

Piped output must also keep every run id and number whole on one line: no interval split
across lines, every run id printed in full, no line cut at 80 columns.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest

import assay
from assay.cli._render import wrap_plain

SRC = str(Path(assay.__file__).resolve().parents[1])
GOLDEN = Path(__file__).resolve().parents[1] / "golden" / "cli"
UPDATE = os.environ.get("ASSAY_UPDATE_GOLDEN") == "1"
SGR = re.compile("\x1b\\[[0-9;]*m")
DATE = re.compile(r"(\d{4}-)?\d{2}-\d{2} \d{2}:\d{2}")


@dataclass(frozen=True)
class Store:
    folder: Path
    env: dict[str, str]
    baseline: str
    candidate: str


def _records(ids: list[str], seed: int, rate: float, latency: float) -> pa.Table:
    rng = np.random.default_rng(seed)
    n = len(ids)
    return pa.table(
        {
            "example_id": ids,
            "accuracy": (rng.random(n) < rate).astype(float),
            "latency_ms": rng.gamma(4.0, latency / 4.0, n),
        }
    )


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    folder = tmp_path_factory.mktemp("golden")
    env = {**os.environ, "ASSAY_HOME": str(folder / ".assay"), "PYTHONPATH": SRC}
    env["COLUMNS"] = "80"
    for key in ("ASSAY_DB", "ASSAY_ARTIFACTS", "FORCE_COLOR", "NO_COLOR", "TTY_COMPATIBLE"):
        env.pop(key, None)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("ASSAY_HOME", env["ASSAY_HOME"])
        mp.delenv("ASSAY_DB", raising=False)
        mp.delenv("ASSAY_ARTIFACTS", raising=False)
        ids = [f"ex-{i:03d}" for i in range(300)]
        suite = assay.make_suite(
            "golden-suite",
            [
                {"example_id": x, "slices": {"lang": ["en", "de", "fr"][i % 3]}}
                for i, x in enumerate(ids)
            ],
            metrics=["accuracy"],
            slices=["lang"],
        )
        st = assay.open_store()
        base = assay.log_run(
            _records(ids, 1, 0.70, 120.0),
            suite=suite,
            model="golden@1",
            store=st,
            tags={"role": "baseline"},
        )
        cand = assay.log_run(
            _records(ids, 2, 0.78, 150.0),
            suite=suite,
            model="golden@2",
            store=st,
            tags={"role": "candidate"},
        )
        st.close()
    yield Store(folder, env, base.run.run_id, cand.run.run_id)


_DRIVER = """
import json, sys
from assay.cli import main
for args in json.loads(sys.argv[1]):
    code = main(args)
    sys.stdout.write(f"\\n=== exit {code} ===\\n")
    sys.stdout.flush()
"""
_MARK = re.compile(r"\n=== exit (\d+) ===\n")


def _commands(s: Store) -> dict[str, list[str]]:
    b, c = s.baseline[:12], s.candidate[:12]
    return {
        "compare": ["compare", b, c],
        "gate": ["gate", b, c],
        "runs-list": ["runs", "list"],
        "compare-json": ["compare", b, c, "--json"],
    }


def _run(s: Store, *, terminal: bool) -> dict[str, tuple[int, str]]:
    commands = _commands(s)
    env = {**s.env, **({"FORCE_COLOR": "1"} if terminal else {})}
    done = subprocess.run(
        [sys.executable, "-c", _DRIVER, json.dumps(list(commands.values()))],
        cwd=s.folder,
        env=env,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    parts = _MARK.split(done.stdout)
    outs = [(int(parts[i + 1]), parts[i]) for i in range(0, len(parts) - 1, 2)]
    assert len(outs) == len(commands), done.stderr
    return dict(zip(commands, outs, strict=True))


def _normalise(text: str, s: Store) -> str:
    text = SGR.sub("", text)
    for run_id, name in ((s.baseline, "BASELINE"), (s.candidate, "CANDIDATE")):
        for length in (32, 12, 8):
            text = text.replace(run_id[:length], (name + "-" * length)[:length])
    text = DATE.sub(lambda m: "YYYY-MM-DD HH:MM"[-len(m[0]) :], text)
    return "\n".join(line.rstrip() for line in text.strip("\n").splitlines()) + "\n"


@pytest.fixture(scope="module")
def piped(store: Store) -> dict[str, tuple[int, str]]:
    return _run(store, terminal=False)


@pytest.fixture(scope="module")
def on_terminal(store: Store) -> dict[str, tuple[int, str]]:
    return _run(store, terminal=True)


def _check(name: str, text: str) -> None:
    path = GOLDEN / name
    if UPDATE or not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        if not UPDATE:
            pytest.fail(f"{path} did not exist and was written; check it and run again")
    assert text == path.read_text(encoding="utf-8"), (
        f"{name} differs from {path}; if the change is intended, rerun with ASSAY_UPDATE_GOLDEN=1"
    )


@pytest.mark.parametrize("command", ["compare", "gate", "runs-list"])
def test_piped_output_matches_the_golden_file(piped, store, command):
    code, out = piped[command]
    assert code == 0
    _check(f"{command}.piped.txt", _normalise(out, store))


@pytest.mark.parametrize("command", ["compare", "gate", "runs-list"])
def test_terminal_output_matches_the_golden_file(on_terminal, store, command):
    code, out = on_terminal[command]
    assert code == 0
    assert SGR.search(out), "rich did not treat the console as a terminal"
    _check(f"{command}.terminal.txt", _normalise(out, store))


@pytest.mark.parametrize("command", ["compare", "gate", "runs-list"])
def test_piped_output_keeps_numbers_and_ids_whole(piped, command):
    _, out = piped[command]
    lines = out.splitlines()
    for line in lines:
        # an interval opened on a line is closed on it: nothing was folded mid-interval
        assert line.count("[") == line.count("]"), line
        assert not re.search(r"[┏┃│╭]", line), line  # no box drawing when piped
    if command == "gate":
        return  # its prose is wrapped at 80 columns (below); its tables are narrow
    assert any(len(line) > 80 for line in lines), "nothing was wider than the 80 columns"


def test_piped_gate_lines_fit_80_columns_but_for_unbreakable_words(piped, store):
    _, out = piped["gate"]
    long_path = "/tmp/" + "x" * 90  # a word longer than a line stays whole on its own line
    assert wrap_plain(f"see {long_path} for it", indent="  ") == [
        "  see",
        f"  {long_path}",
        "  for it",
    ]
    for line in out.splitlines():
        words = re.findall(r"(?:\[[^\]]*\]|\S)+", line)
        assert len(line) <= 80 or len(words) == 1, line
    # every word of every reason is there, in order, only the line breaks are new
    shown = " ".join(out.split())
    for reason in ("within the 0.0% allowed", "[+12.1%, +39.7%]), across the +20.0% allowed"):
        assert reason in shown


def test_every_run_id_and_interval_is_printed_whole(piped, store):
    _, listed = piped["runs-list"]
    for run_id in (store.baseline, store.candidate):
        [row] = [line for line in listed.splitlines() if run_id[:12] in line]
        assert re.search(r"\d+\.\d% \[\d+\.\d%, \d+\.\d%\]", row), row
    _, compared = piped["compare"]
    _, document = piped["compare-json"]
    results = json.loads(document)["results"]
    rows: dict[str, str] = {}
    for line in compared.splitlines():  # the overall table comes first
        if line.strip():
            rows.setdefault(line.split()[0], line)
    for r in results:
        if r["slice_attribute"] is not None:
            continue
        d = r["difference"]
        if r["metric"] == "accuracy":  # a proportion: percentage points, one decimal
            shown = [f"{v * 100:+.1f}" for v in (d["estimate"], d["low"], d["high"])]
            text = f"{shown[0]} pts [{shown[1]}, {shown[2]}]"
        else:  # a latency: milliseconds at the decimals its interval supports
            row = rows[r["metric"]]
            assert " ms [" in row, row
            continue
        assert text.replace("-", "−") in rows["accuracy"], rows["accuracy"]
    assert re.search(r"[+−]\d+ ms \[[+−]\d+, [+−]\d+\]", rows["latency_p95"])
