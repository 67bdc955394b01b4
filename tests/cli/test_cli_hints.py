"""Every ``assay …`` command a message suggests is a real command: walked through the
command line's own tree, so a renamed or imagined command (``assay decide``) is caught."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import typer.main

import assay
from assay.cli import app

SOURCE = Path(assay.__file__).parent
_HINT = re.compile(r"`assay((?: [^`\n]*)?)`")
_WORD = re.compile(r"^[a-z][a-z0-9-]*$")
_FLAG = re.compile(r"^--[a-z][a-z0-9-]*")


def _hints() -> list[tuple[str, str]]:
    """(file, hint) for each backticked ``assay …`` in the source, f-string fields and all."""
    found = []
    for path in sorted(SOURCE.rglob("*.py")):
        for match in _HINT.finditer(path.read_text(encoding="utf-8")):
            found.append((str(path.relative_to(SOURCE)), match.group(1).strip()))
    return found


def _problems(hint: str, root: Any) -> list[str]:
    """What in ``hint`` the command line does not have: a command or one of its options."""
    command, path = root, ["assay"]
    words = hint.split()
    rest = words
    for i, word in enumerate(words):
        commands = getattr(command, "commands", None)
        if commands is None or not _WORD.match(word.split("|")[0]):
            break
        if any(w not in commands for w in word.split("|")):
            return [f"no command {' '.join(path)} {word}"]
        if "|" in word:
            return []  # alternatives: each is a command; their options are not one set
        command, rest = commands[word], words[i + 1 :]
        path.append(word)
    options = {o for p in command.params for o in (*p.opts, *p.secondary_opts)} | {"--help"}
    flags = {m.group(0) for w in rest if (m := _FLAG.match(w))}
    return [f"{' '.join(path)} has no option {f}" for f in sorted(flags - options)]


def test_the_source_has_hints_to_check() -> None:
    files = {f.split("/")[0] for f, _ in _hints()}
    assert {"cli", "governance", "workflows"} <= files
    assert ("cli/_kpis.py", "gate BASELINE CANDIDATE --record") in _hints()


@pytest.mark.parametrize("hint", ["decide", "gate --recrd", "launch sgn", "monitor watch|nope"])
def test_an_imagined_command_or_option_is_caught(hint: str) -> None:
    assert _problems(hint, typer.main.get_command(app))


def test_every_suggested_command_is_a_real_command() -> None:
    root = typer.main.get_command(app)
    wrong = [
        f"{file}: `assay {hint}`: {p}" for file, hint in _hints() for p in _problems(hint, root)
    ]
    assert not wrong, "\n".join(wrong)
