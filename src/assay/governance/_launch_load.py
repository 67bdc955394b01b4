"""Reading a launch checklist file: one clear error naming the file, line and column; a
decision item's ``policy_file`` read into its policy's name and digest."""

from __future__ import annotations

from pathlib import Path

import yaml
from pydantic import ValidationError

from assay._util import brief, node_mark, parse_yaml
from assay.errors import ConfigError
from assay.governance._field_words import field_words
from assay.governance._launch import (
    MAX_CHECKLIST_BYTES,
    EvidenceItem,
    LaunchChecklist,
    PolicyPin,
)

__all__ = ["load_checklist"]


def load_checklist(
    source: str | Path,
    *,
    text: str | bytes | None = None,
    policy_pin: PolicyPin | None = None,
) -> LaunchChecklist:
    """A checklist from a YAML file (or ``text`` reported as ``source``); ConfigError naming
    the file, line and column of the first problem.

    ``policy_pin`` reads a decision item's ``policy_file`` (a path relative to the
    checklist's folder made absolute) and returns its policy's name and digest
    (``assay.workflows.check_launch`` passes one); without it a ``policy_file`` is refused."""
    name = str(source)
    raw: str | bytes
    if text is None:
        try:
            raw = Path(source).read_bytes()
        except OSError as exc:
            raise ConfigError(f"{name}: cannot read the launch checklist: {exc.strerror}") from exc
    else:
        raw = text
    document = parse_yaml(raw, source=name, max_bytes=MAX_CHECKLIST_BYTES)
    if not isinstance(document.data, dict):
        raise ConfigError(f"{name}: a launch checklist is a YAML mapping (name, evidence, ...).")
    try:
        checklist = LaunchChecklist.model_validate(document.data)
    except ValidationError as exc:
        error = exc.errors()[0]
        loc = tuple(error["loc"])
        message = field_words(error)
        if error["type"] not in ("value_error", "assertion_error", "missing"):
            message += f" (found {brief(error.get('input'), 60)})"
        if error["type"] == "missing":
            message = "is missing: a launch checklist must state it"
        if error["type"] == "extra_forbidden":
            message = f"unknown field {loc[-1]!r}"
        raise _located(name, document.root, loc, message) from None
    base = Path(name).parent if text is None else Path()
    evidence = tuple(
        _pin_policy(item, (i, base, name, document.root), policy_pin)
        for i, item in enumerate(checklist.evidence)
    )
    return checklist.model_copy(update={"evidence": evidence})


def _located(
    name: str, root: yaml.Node | None, loc: tuple[str | int, ...], message: str
) -> ConfigError:
    """A ConfigError naming the file, and the line and column of ``loc`` where it is found."""
    found = node_mark(root, loc, skip_missing=True)
    mark = found if found is not None or root is None else root.start_mark
    where = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in loc)
    where = where.removeprefix(".") or "checklist"
    if mark is None:
        return ConfigError(f"{name}: {where}: {message}")
    return ConfigError(
        f"{name}, line {mark.line + 1}: {where}: {message} (column {mark.column + 1})"
    )


def _pin_policy(
    item: EvidenceItem,
    where: tuple[int, Path, str, yaml.Node | None],
    policy_pin: PolicyPin | None,
) -> EvidenceItem:
    """A decision item with ``policy_file``: its policy's name and digest filled in from the
    file (a name or digest the item also gives must agree with it)."""
    if item.policy_file is None:
        return item
    index, base, name, root = where
    loc: tuple[str | int, ...] = ("evidence", index, "policy_file")
    if policy_pin is None:
        message = "a policy_file is read when the checklist is checked (assay launch check)"
        raise _located(name, root, loc, message)
    path = Path(item.policy_file)
    path = path if path.is_absolute() else base / path
    try:
        if not path.is_file() or path.stat().st_size > MAX_CHECKLIST_BYTES:
            raise ConfigError(f"{path}: not a policy file of at most {MAX_CHECKLIST_BYTES:,} bytes")
        policy_name, policy_digest = policy_pin(path)
    except ConfigError as exc:
        raise _located(name, root, loc, f"the policy file does not load: {exc}") from None
    if item.policy is not None and item.policy != policy_name:
        message = f"the policy file's policy is named {policy_name!r}, not {item.policy!r}"
        raise _located(name, root, loc, message)
    if item.policy_digest is not None and not policy_digest.startswith(item.policy_digest):
        message = (
            f"the policy file's digest is {policy_digest[:12]}, not the policy_digest "
            f"{item.policy_digest[:12]}"
        )
        raise _located(name, root, loc, message)
    return item.model_copy(update={"policy": policy_name, "policy_digest": policy_digest})
