"""`assay contamination` from the command line: counts in the table and --json equal the data,
a run's metric compared, broken corpus lines reported, bad input refused with its exit code."""

from __future__ import annotations

import json
from pathlib import Path

import assay
from assay.cli import main

SENTENCE = "the committee said it would publish report number {} on the river crossing next spring"


def _setup(tmp_path: Path) -> tuple[assay.SuiteData, Path]:
    rows = [
        {"example_id": f"e{i}", "input": SENTENCE.format(i), "reference": "a"} for i in range(30)
    ]
    rows.append({"example_id": "short", "input": "too short", "reference": "a"})
    data = assay.make_suite("contam", rows, metrics=["accuracy"])
    assay.register_suite(data)
    corpus = tmp_path / "corpus.jsonl"
    lines = [json.dumps({"text": SENTENCE.format(i).upper()}) for i in range(10)]
    corpus.write_bytes(("\n".join(lines) + "\n").encode() + b'{"text": "bad \xff"}\nnot json\n')
    return data, corpus


def test_table_and_json_agree_with_the_data(home, tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    data, corpus = _setup(tmp_path)
    records = [
        {"example_id": f"e{i}", "accuracy": 1.0 if i < 10 or i % 2 else 0.0} for i in range(30)
    ]
    records.append({"example_id": "short", "accuracy": 1.0})
    logged = assay.log_run(records, suite=data, model="m@1")
    code = main(
        ["contamination", "contam", "--corpus", str(corpus), "--run", logged.run.run_id, "--json"]
    )
    assert code == 0
    body = json.loads(capsys.readouterr().out)
    assert body["counts"] == {"contaminated": 10, "clean": 20, "undetectable": 1}
    statuses = {e["example_id"]: e["status"] for e in body["examples"]}
    assert [k for k, v in statuses.items() if v == "contaminated"] == [f"e{i}" for i in range(10)]
    assert body["read_problems"]["bad_encoding"] == 1 and body["read_problems"]["not_json"] == 1
    assert body["effect"]["contaminated"]["estimate"] == 1.0
    assert body["effect"]["clean"]["estimate"] == 0.5
    assert body["manifest"]["corpus"]["digest"].startswith("sha256:")
    assert main(["contamination", "contam", "--corpus", str(corpus)]) == 0
    out = capsys.readouterr().out
    assert "contaminated        10" in out and "undetectable         1" in out
    assert "1 bad encoding (first at" in out and "1 not json" in out
    # prose wraps at 80 between words; only a single path longer than that stands alone
    assert all(len(line) <= 80 or " " not in line.strip() for line in out.splitlines())


def test_bad_input_is_refused_with_its_exit_code(home, tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    _, corpus = _setup(tmp_path)
    tabular = assay.make_suite(
        "adult", [{"example_id": "a", "input": {"age": 39}, "reference": "1"}], metrics=["accuracy"]
    )
    assay.register_suite(tabular)
    assert main(["contamination", "adult", "--corpus", str(corpus)]) == 3
    assert "no text to search for" in capsys.readouterr().err
    assert main(["contamination", "contam", "--corpus", str(tmp_path / "nope.txt")]) != 0
    zst = tmp_path / "c.txt.zst"
    zst.write_bytes(b"\x28\xb5\x2f\xfd")
    assert main(["contamination", "contam", "--corpus", str(zst)]) == 4
    assert "pip install 'assay[zstd]'" in capsys.readouterr().err
