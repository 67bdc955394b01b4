"""The command-line reference (docs/cli.md), written from the commands themselves.

``scripts/cli-reference`` calls :func:`cli_reference` and writes the result; a test fails
when the checked-in file differs from what it would write now. The text is built from each
command's declared help, arguments and options, not from ``--help`` output, so it does not
depend on the terminal's width, colours or the shell.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from enum import Enum
from pathlib import PurePath
from typing import Any

import typer
import typer.main
from rich.text import Text

__all__ = ["cli_reference"]

_TITLE = "# Command-line reference"
_INTRO = (
    "<!-- Written by scripts/cli-reference from the commands' own definitions; "
    "edit the commands, then run it again. -->\n\n"
    "Every command is one call of the Python library (`import assay`). Every command takes "
    "`--help` (or `-h`), which prints what this page says about it; `assay --version` prints "
    "the version. The exit codes are listed in the README.\n\n"
    "**Output.** `--format table|plain|json`, before the command (`assay --format plain "
    "compare ...`) or after it, picks the layout. `table` draws tables for a terminal (numbers "
    "and run ids never break across lines; long text wraps); `plain` writes every table as "
    "aligned columns with no box drawing and never wraps or cuts a table row, for logs, "
    "`grep` and `cut` (a verdict's summary and reasons are prose: wrapped at 80 columns under "
    "their rule's row, never inside a word or an interval); `json` is the same as `--json`. Without it, a terminal gets `table` and a pipe or "
    "file gets `plain`. Proportions (0/1 scores) print as percentages and their differences "
    "in percentage points (`+2.0 pts [+1.6, +2.4]`), latencies in ms; the minus sign is `−` "
    "(U+2212); p-values under 0.001, including a resampling p-value at its floor, print as "
    "`< 0.001`.\n\n"
    "**Errors.** A failing command prints `error: ...` on standard error. With `--json` (or "
    '`--format json`) it also prints `{"error": {"type": ..., "message": ..., '
    '"exit_code": ...}}` on standard output (with `candidates` for an ambiguous run '
    "reference); the exit code is the same."
)
_TYPE_WORDS = {
    "str": "TEXT",
    "int": "INTEGER",
    "float": "NUMBER",
    "bool": "BOOLEAN",
    "path": "PATH",
    "file": "FILE",
    "directory": "DIRECTORY",
}


def _plain(text: str | None, markup: str | None) -> str:
    """Help text as plain words: Rich markup resolved, docstring wrapping undone."""
    if not text:
        return ""
    if markup == "rich":
        text = Text.from_markup(text).plain
    paragraphs = re.split(r"\n\s*\n", text.strip())
    return "\n\n".join(" ".join(p.split()) for p in paragraphs)


def _cell(text: str) -> str:
    """Text safe inside one Markdown table cell (a ``|`` is escaped even in code spans)."""
    text = text.replace("\n\n", "<br>").replace("|", "\\|")
    return re.sub(r"(?<![`\\])\*", "\\*", text)


def _value_label(param: Any, ctx: Any) -> str:
    """The word that stands for an option's value or an argument's type."""
    display = getattr(param, "display_type", None)
    if getattr(param, "metavar", None):
        label = str(param.metavar)
    elif callable(display):
        label = str(display(ctx)).strip("<>")
    else:  # click's own parameters
        label = str(getattr(getattr(param, "type", None), "name", "text"))
    inner = re.fullmatch(r"(?:list|tuple)\[(.*)\]", label)
    if inner:
        label = inner.group(1)
    return _TYPE_WORDS.get(label.lower(), label.upper() if label.isidentifier() else label)


def _default(param: Any) -> str | None:
    """An option's default as the user would type it, or None when there is none to show."""
    if getattr(param, "show_default", None) is False:
        return None
    value = param.default
    if callable(value) or value is None:
        return None
    if getattr(param, "is_flag", False) and getattr(param, "secondary_opts", None):
        return str(param.opts[0] if value else param.secondary_opts[0])
    if isinstance(value, (list, tuple)) and not value:
        return None
    if isinstance(value, bool):
        return "on" if value else "off"
    if isinstance(value, Enum):
        value = value.value
    if isinstance(value, PurePath):
        value = value.as_posix()
    if isinstance(value, (list, tuple)):
        return ", ".join(str(v) for v in value)
    return '""' if value == "" else str(value)


def _option_cells(param: Any, ctx: Any) -> tuple[str, str, str]:
    value = "" if getattr(param, "is_flag", False) else f" {_value_label(param, ctx)}"
    names = " / ".join(f"`{o}{value}`" for o in param.opts)
    if param.secondary_opts:
        names += " / " + " / ".join(f"`{o}`" for o in param.secondary_opts)
    parts: list[str] = []
    if param.required:
        parts.append("required")
    else:
        shown = _default(param)
        if shown is not None:
            parts.append(f"`{shown}`")
    envvar = param.envvar
    if envvar:
        envs = [envvar] if isinstance(envvar, str) else list(envvar)
        parts.append("env " + ", ".join(f"`{e}`" for e in envs))
    default = "; ".join(parts) or "—"
    meaning = _plain(getattr(param, "help", None), getattr(ctx.command, "rich_markup_mode", None))
    if getattr(param, "multiple", False):
        meaning += "" if "repeat" in meaning.lower() else " (repeatable)"
    return names, default, meaning


def _usage(path: str, command: Any) -> str:
    pieces = [path]
    if any(p.param_type_name == "option" and not p.hidden for p in command.params):
        pieces.append("[OPTIONS]")
    for p in command.params:
        if p.param_type_name != "argument":
            continue
        word = p.name.upper()
        if p.nargs != 1:
            word += "..."
        pieces.append(word if p.required else f"[{word}]")
    if hasattr(command, "commands"):
        pieces.append("COMMAND")
    return " ".join(pieces)


def _anchor(path: str) -> str:
    return re.sub(r"[^a-z0-9 -]", "", path.lower()).replace(" ", "-")


def _walk(command: Any, ctx: Any, path: str) -> Iterator[tuple[str, Any, Any]]:
    yield path, command, ctx
    if not hasattr(command, "commands"):
        return
    for name in command.list_commands(ctx):
        sub = command.get_command(ctx, name)
        if sub is None or sub.hidden:
            continue
        sub_ctx = sub.context_class(sub, info_name=name, parent=ctx)
        yield from _walk(sub, sub_ctx, f"{path} {name}")


def _section(path: str, command: Any, ctx: Any, level: int) -> list[str]:
    markup = getattr(command, "rich_markup_mode", None)
    lines = [f"{'#' * level} `{path}`", ""]
    text = _plain(command.help, markup)
    if text:
        lines += [text, ""]
    lines += ["```text", _usage(path, command), "```", ""]
    arguments = [p for p in command.params if p.param_type_name == "argument" and not p.hidden]
    options = [p for p in command.params if p.param_type_name == "option" and not p.hidden]
    if arguments:
        lines += ["| argument | meaning |", "|---|---|"]
        for p in arguments:
            meaning = _plain(getattr(p, "help", None), markup)
            if not p.required:
                meaning += " (optional)"
            lines.append(f"| `{p.name.upper()}` | {_cell(meaning)} |")
        lines.append("")
    if options:
        lines += ["| option | default | meaning |", "|---|---|---|"]
        for p in options:
            names, default, meaning = _option_cells(p, ctx)
            lines.append(f"| {_cell(names)} | {_cell(default)} | {_cell(meaning)} |")
        lines.append("")
    return lines


def cli_reference(app: typer.Typer, *, name: str = "assay") -> str:
    """The Markdown reference of every command and subcommand of ``app``, in --help order."""
    root = typer.main.get_command(app)
    root_ctx = root.context_class(root, info_name=name)
    entries = list(_walk(root, root_ctx, name))
    out = [_TITLE, "", _INTRO, ""]
    summary: list[str] = []
    for path, command, _ in entries[1:]:
        words = _plain(command.help, getattr(command, "rich_markup_mode", None))
        indent = "  " * (len(path.split()) - 2)
        summary.append(f"{indent}- [`{path}`](#{_anchor(path)}): {words.split(chr(10))[0]}")
    out += ["## Commands", "", *summary, ""]
    for path, command, ctx in entries:
        out += _section(path, command, ctx, 2 if len(path.split()) <= 2 else 3)
    return "\n".join(_strip_trailing(out)).rstrip("\n") + "\n"


def _strip_trailing(lines: Sequence[str]) -> list[str]:
    return [line.rstrip() for line in lines]
