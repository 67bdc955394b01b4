"""A closed output pipe (``assay gate … | head -1``) never changes the verdict's exit code.

``assay gate`` runs as the real program with its standard output on a pipe; the test reads
one line and closes the pipe (or closes it before anything is written) and the exit code must
still be 0 SHIP, 1 BLOCK or 2 INCONCLUSIVE, with no "Exception ignored … BrokenPipeError"
on standard error. The ``--json`` output is larger than a pipe's buffer, so the program is
certainly still writing when the pipe closes.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest

import assay

SRC = str(Path(assay.__file__).resolve().parents[1])
EXPECTED = {"SHIP": 0, "BLOCK": 1, "INCONCLUSIVE": 2}


@dataclass(frozen=True)
class Gated:
    folder: Path
    env: dict[str, str]
    baseline: str
    candidate: str
    policies: dict[str, Path]


def _records(ids: list[str], seed: int) -> pa.Table:
    rng = np.random.default_rng(seed)
    return pa.table({"example_id": ids, "accuracy": (rng.random(len(ids)) < 0.7).astype(float)})


@pytest.fixture(scope="module")
def gated(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Gated]:
    folder = tmp_path_factory.mktemp("pipe")
    env = {**os.environ, "ASSAY_HOME": str(folder / ".assay"), "PYTHONPATH": SRC}
    # PYTHONUNBUFFERED would make Python drop what a pipe does not take instead of failing;
    # the program must cope with an ordinary buffered standard output.
    for key in ("ASSAY_DB", "ASSAY_ARTIFACTS", "PYTHONUNBUFFERED"):
        env.pop(key, None)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("ASSAY_HOME", env["ASSAY_HOME"])
        mp.delenv("ASSAY_DB", raising=False)
        mp.delenv("ASSAY_ARTIFACTS", raising=False)
        ids = [f"ex-{i:04d}" for i in range(600)]
        # many slices, so that the comparison's JSON is far larger than a pipe's 64 KiB buffer
        suite = assay.make_suite(
            "pipe-suite",
            [{"example_id": x, "slices": {"group": f"g{k % 150:03d}"}} for k, x in enumerate(ids)],
            metrics=["accuracy"],
            slices=["group"],
        )
        store = assay.open_store()
        base = assay.log_run(_records(ids, 1), suite=suite, model="m@1", store=store)
        cand = assay.log_run(_records(ids, 2), suite=suite, model="m@2", store=store)
        store.close()
    estimate = cand.run.metrics["accuracy"].estimate
    policies = {}
    for verdict, floor in (("SHIP", 0.3), ("BLOCK", 0.95), ("INCONCLUSIVE", estimate)):
        path = folder / f"{verdict}.yaml"
        path.write_text(
            f"name: pipe-{verdict}\nrules:\n  quality:\n"
            f"    - {{name: floor, metric: accuracy, kind: threshold, min: {floor!r}}}\n"
        )
        policies[verdict] = path
    yield Gated(folder, env, base.run.run_id, cand.run.run_id, policies)


def _command(g: Gated, verdict: str) -> list[str]:
    policy = str(g.policies[verdict])
    return [sys.executable, "-m", "assay", "gate", g.baseline, g.candidate, "--policy", policy]


def _gate(g: Gated, verdict: str, *extra: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [*_command(g, verdict), *extra],
        cwd=g.folder,
        env=g.env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


def _finish(proc: subprocess.Popen[bytes]) -> tuple[int, str]:
    assert proc.stderr is not None
    with proc.stderr:
        err = proc.stderr.read().decode("utf-8")
    if proc.stdout is not None and not proc.stdout.closed:
        proc.stdout.close()
    return proc.wait(timeout=120), err


@pytest.mark.parametrize("verdict", list(EXPECTED))
def test_the_verdicts_exit_codes_without_a_closed_pipe(gated, verdict):
    proc = _gate(gated, verdict)
    assert proc.stdout is not None
    out = proc.stdout.read().decode("utf-8")
    code, err = _finish(proc)
    assert code == EXPECTED[verdict], err
    assert verdict in out


@pytest.mark.parametrize("verdict", list(EXPECTED))
@pytest.mark.parametrize("json", [False, True], ids=["text", "json"])
def test_reading_one_line_then_closing_keeps_the_verdicts_exit_code(gated, verdict, json):
    proc = _gate(gated, verdict, *(["--json"] if json else []))
    assert proc.stdout is not None
    proc.stdout.readline()
    proc.stdout.close()
    code, err = _finish(proc)
    assert code == EXPECTED[verdict], err
    assert "BrokenPipeError" not in err and "Exception ignored" not in err, err


@pytest.mark.parametrize("verdict", list(EXPECTED))
def test_a_pipe_closed_before_any_output_keeps_the_verdicts_exit_code(gated, verdict):
    read_end, write_end = os.pipe()
    os.close(read_end)  # nobody will ever read: the first write fails
    try:
        proc = subprocess.Popen(
            _command(gated, verdict),
            cwd=gated.folder,
            env=gated.env,
            stdin=subprocess.DEVNULL,
            stdout=write_end,
            stderr=subprocess.PIPE,
        )
    finally:
        os.close(write_end)
    code, err = _finish(proc)
    assert code == EXPECTED[verdict], err
    assert "BrokenPipeError" not in err and "Exception ignored" not in err, err


@pytest.mark.parametrize("verdict", list(EXPECTED))
def test_errors_on_the_closed_pipe_too_keep_the_verdicts_exit_code(gated, verdict):
    # `assay gate … 2>&1 | head -1`: the notes after the output go to the closed pipe as well
    proc = subprocess.Popen(
        [*_command(gated, verdict), "--json"],
        cwd=gated.folder,
        env=gated.env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    assert proc.stdout is not None
    proc.stdout.readline()
    proc.stdout.close()
    assert proc.wait(timeout=120) == EXPECTED[verdict]
