"""Errors as the command line shows them: in its own words, and as JSON under ``--json``.

The library names its functions and keyword arguments in messages (``The 'ref' parameter of
RunRepository.get must be …``, ``pass shared_only=True``), which is right for a Python caller
and wrong at a shell prompt. Here a :class:`~assay.errors.ParameterError` is told again from
its attributes without the function's name, and a keyword argument the command line has as a
flag is written as that flag (``--shared-only``).
"""

from __future__ import annotations

import re
from functools import cache
from typing import Any

import typer

from assay.errors import AssayError, ParameterError

__all__ = ["error_json", "user_message"]

# What the command line calls a parameter whose library name means nothing at a prompt.
_WORDS = {
    "ref": "run reference",
    "run_id": "run id",
    "run": "run",
    "baseline": "baseline run reference",
    "candidate": "candidate run reference",
    "decision_id": "decision reference",
    "suite": "suite reference",
    "tags": "--tag value",
}
_KEYWORD = re.compile(r"\b([a-z][a-z0-9_]*)=(True|False)\b")


@cache
def _flags(app: typer.Typer) -> frozenset[str]:
    """Every long option name of every command, such as ``--shared-only``."""
    import typer.main

    names: set[str] = set()
    stack = [typer.main.get_command(app)]
    while stack:
        command = stack.pop()
        for param in command.params:
            names.update(o for o in (*param.opts, *param.secondary_opts) if o.startswith("--"))
        stack.extend(getattr(command, "commands", {}).values())
    return frozenset(names)


def _flag(name: str, app: typer.Typer) -> str | None:
    flag = "--" + name.replace("_", "-")
    return flag if flag in _flags(app) else None


def user_message(exc: AssayError, app: typer.Typer) -> str:
    """The error's message with library spellings replaced by the command line's."""
    if isinstance(exc, ParameterError):
        words = _WORDS.get(exc.parameter)
        if words is None:
            flag = _flag(exc.parameter, app)
            words = f"{flag} value" if flag else f"{exc.parameter!r} value"
        text = f"The {words} must be {exc.expected}. Got {exc.got!r}."
    else:
        text = str(exc)

    def as_flag(match: re.Match[str]) -> str:
        flag = _flag(match[1], app)
        if flag is None:
            return match[0]
        return flag if match[2] == "True" else f"no {flag}"

    return _KEYWORD.sub(as_flag, text)


def error_json(kind: str, message: str, exit_code: int, **extra: Any) -> dict[str, Any]:
    """``{"error": {"type", "message", "exit_code", …}}``, what ``--json`` prints on failure."""
    return {"error": {"type": kind, "message": message, "exit_code": exit_code, **extra}}
