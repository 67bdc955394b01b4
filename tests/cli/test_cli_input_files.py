"""A missing or unreadable input file is exit 5 with one message naming it, on every command."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from assay.cli import main

MISSING = "missing-input.file"

COMMANDS = [
    (["ingest", MISSING, "--suite", "s", "--model", "m@1"], "the records file"),
    (["ingest", "{existing}", "--suite", MISSING + ".yaml", "--model", "m@1"], "the suite file"),
    (["suites", "add", MISSING], "the suite file"),
    (["gate", "a", "b", "--policy", MISSING], "the policy file"),
    (["report", "a", "b", "--policy", MISSING, "-o", "out"], "the policy file"),
    (["import", MISSING], "the log file"),
    (["ab", "readout", MISSING], "the experiment data"),
    (["ab", "readout", "{existing}", "--plan", MISSING], "the plan file"),
    (["ab", "readout", "{existing}", "--policy", MISSING], "the policy file"),
    (["ab", "plan", MISSING], "the plan file"),
    (["load", "import", MISSING], "the results file"),
]


def _args(args: list[str], existing: Path) -> list[str]:
    return [str(existing) if a == "{existing}" else a for a in args]


@pytest.mark.parametrize(
    ("args", "what"), COMMANDS, ids=lambda v: " ".join(v[:3]) if isinstance(v, list) else v
)
def test_missing_input_file_exits_5_naming_it(
    home: Path, capsys: pytest.CaptureFixture[str], args: list[str], what: str
) -> None:
    existing = home.parent / "present.csv"
    existing.write_text("arm,users\n")
    assert main(_args(args, existing)) == 5
    err = capsys.readouterr().err
    name = next(a for a in args if a.startswith(MISSING))
    assert f"cannot read {name} ({what}): no such file" in err
    assert err.count(name) == 1 and err.count("error:") == 1


def test_a_folder_or_json_mode_says_the_same(
    home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = home.parent / "a-folder"
    folder.mkdir()
    assert main(["gate", "a", "b", "--policy", str(folder), "--json"]) == 5
    captured = capsys.readouterr()
    error = json.loads(captured.out)["error"]
    assert error["exit_code"] == 5
    assert error["message"] == f"cannot read {folder} (the policy file): it is a folder, not a file"


def test_a_file_with_bad_content_is_still_bad_data(
    home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = home.parent / "bad.yaml"
    bad.write_text("name: [unclosed\n")
    assert main(["suites", "add", str(bad)]) in (3, 4)
    assert "cannot read" not in capsys.readouterr().err
