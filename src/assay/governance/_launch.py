"""Launch checklists: the evidence and sign-offs a model needs before it ships.

A checklist is a YAML file per product or model family::

    name: income-models
    models: ["income-*"]          # which model names it covers (globs; optional)
    distinct_signers: true        # one person clears at most one sign-off (the default)
    require_signed: false         # true: only sign-offs signed with a registered key count
    evidence:
      - item: ship-decision
        kind: decision            # a SHIP decision for the model under the policy
        policy: default           # a shipped policy's name pins the shipped policy's digest
        # policy_file: policies/strict.yaml   # or pin a policy by its file (name and digest)
        # policy_digest: 99d2dfba1a41          # or by its digest (12 to 64 hex characters)
        allow_override: false     # an override of a BLOCK counts only when true
      - item: safety-run
        kind: safety_run          # a complete run of the model on a safety suite
        suites: [adult-safety]
      - {item: monitor, kind: monitor}
      - {item: rollout, kind: rollout_plan, experiment: income-rollout}
      - {item: card, kind: model_card}
    signoffs:
      - {item: safety-review, role: safety}
      - {item: privacy-review, role: privacy}

A decision counts only when its policy's digest is the pinned one: ``policy_digest``, the
digest of ``policy_file`` (relative to the checklist's folder), or, for the name of a policy
shipped with assay (``default``), the shipped policy's digest; a decision under a same-named
but different policy does not count. Evidence items are looked up in the store when the
checklist is checked; sign-offs are ledger entries. Unknown fields are refused; every problem names the file, line and column.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from assay._util import brief, parse_yaml
from assay.core import digest
from assay.errors import ConfigError

__all__ = [
    "EVIDENCE_FIELDS",
    "EvidenceItem",
    "LaunchChecklist",
    "SignoffItem",
    "load_checklist",
]

MAX_CHECKLIST_BYTES = 1 << 20
_ITEM = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,63}$")
_ROLE = re.compile(r"^[a-z][a-z0-9_-]{0,39}$")
_TEXT = re.compile(r"^[^\x00-\x1f\x7f]{1,200}$")
_DIGEST = re.compile(r"^[0-9a-f]{12,64}$")
EvidenceKind = Literal["decision", "safety_run", "monitor", "rollout_plan", "model_card"]
EVIDENCE_FIELDS: dict[str, tuple[str, ...]] = {
    "decision": ("policy", "policy_digest", "policy_file", "allow_override"),
    "safety_run": ("suites", "tags"),
    "monitor": (),
    "rollout_plan": ("experiment",),
    "model_card": (),
}
"""The fields each evidence kind takes besides ``item``, ``kind`` and ``owner``."""
PolicyPin = Callable[[Path], tuple[str, str]]
"""Reads a policy file: its policy's name and digest (ConfigError when it does not load)."""
_CONFIG = ConfigDict(frozen=True, extra="forbid", use_attribute_docstrings=True)


def _check(pattern: re.Pattern[str], value: str, what: str) -> str:
    if not pattern.match(value):
        raise ValueError(f"{what}; got {brief(value)}")
    return value


class EvidenceItem(BaseModel):
    """Evidence the store must hold; checked, never ticked."""

    model_config = _CONFIG

    item: str
    """The item's id, e.g. ``safety-run``."""
    kind: EvidenceKind
    """What to look for (see the module docstring)."""
    owner: str = ""
    """Who can clear it when it is missing (a role or a team), shown with the gap."""
    policy: str | None = None
    """``decision``: the policy name the SHIP decision must be made under (required unless
    ``policy_file`` names it)."""
    policy_digest: str | None = None
    """``decision``: the policy's digest (or its first 12+ hex characters) the decision must
    carry; set from ``policy_file`` when that is given."""
    policy_file: str | None = None
    """``decision``: a policy YAML file whose name and digest the decision must carry (a
    relative path is read from the checklist's folder)."""
    allow_override: bool = False
    """``decision``: whether an override of a BLOCK or INCONCLUSIVE decision counts."""
    suites: tuple[str, ...] = ()
    """``safety_run``: suite names that are safety suites."""
    tags: dict[str, str] = Field(default_factory=lambda: {"purpose": "safety"})
    """``safety_run``: run tags that mark a safety run (default ``purpose: safety``)."""
    experiment: str | None = None
    """``rollout_plan``: the registered experiment (else one whose arms name the model)."""

    @field_validator("item")
    @classmethod
    def _item(cls, value: str) -> str:
        return _check(_ITEM, value, "an item id is 1-64 of a-z, 0-9, '_', '.', '-'")

    @field_validator("policy_digest")
    @classmethod
    def _digest(cls, value: str | None) -> str | None:
        if value is not None:
            _check(_DIGEST, value, "a policy digest is 12 to 64 lowercase hex characters")
        return value

    @field_validator("owner", "policy", "experiment", "policy_file")
    @classmethod
    def _text(cls, value: str | None) -> str | None:
        if value:
            _check(_TEXT, value, "1 to 200 printable characters")
        return value

    def model_post_init(self, context: Any, /) -> None:
        """Fields of another kind are refused; a decision item names its policy."""
        allowed = {"item", "kind", "owner", *EVIDENCE_FIELDS[self.kind]}
        extra = sorted(set(self.model_fields_set) - allowed)
        if extra:
            raise ValueError(f"a {self.kind} item does not take {extra}")
        if self.kind == "decision" and not (self.policy or self.policy_file):
            raise ValueError(
                "a decision item names the policy its SHIP decision is made under "
                "(policy, or policy_file)"
            )


class SignoffItem(BaseModel):
    """A sign-off a person in ``role`` must record (``assay launch sign``)."""

    model_config = _CONFIG

    item: str
    """The item's id, e.g. ``privacy-review``."""
    role: str
    """The role that signs, e.g. ``safety``, ``privacy``, ``product`` or any team role."""
    owner: str = ""
    """Who holds the role (a team or a channel), shown with the gap."""

    @field_validator("item")
    @classmethod
    def _item(cls, value: str) -> str:
        return _check(_ITEM, value, "an item id is 1-64 of a-z, 0-9, '_', '.', '-'")

    @field_validator("role")
    @classmethod
    def _role(cls, value: str) -> str:
        return _check(_ROLE, value, "a role is 1-40 of a-z, 0-9, '_', '-', from a letter")

    @field_validator("owner")
    @classmethod
    def _owner(cls, value: str) -> str:
        if value:
            _check(_TEXT, value, "1 to 200 printable characters")
        return value


class LaunchChecklist(BaseModel):
    """A product's or model family's launch checklist."""

    model_config = _CONFIG

    name: str
    """The checklist's name."""
    description: str = ""
    """What it is for."""
    models: tuple[str, ...] = ()
    """Model names it covers, as globs (``income-*``); empty covers none by default."""
    distinct_signers: bool = True
    """Whether one person may clear at most one sign-off item (two roles need two people)."""
    require_signed: bool = False
    """Whether only signed sign-offs count (a signature that does not verify never counts)."""
    evidence: tuple[EvidenceItem, ...] = ()
    """Evidence the store must hold."""
    signoffs: tuple[SignoffItem, ...] = ()
    """Sign-offs by role."""

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        return _check(_TEXT, value, "a name is 1 to 200 printable characters")

    def model_post_init(self, context: Any, /) -> None:
        """Item ids are unique; a checklist asks for something."""
        ids = [i.item for i in self.evidence] + [s.item for s in self.signoffs]
        repeated = sorted({i for i in ids if ids.count(i) > 1})
        if repeated:
            raise ValueError(f"item ids must be unique; repeated: {repeated}")
        if not ids:
            raise ValueError("a checklist lists at least one evidence or signoffs item")

    @property
    def digest(self) -> str:
        """SHA-256 of the checklist's canonical JSON: what a sign-off was given against
        (a policy pin that is not set is left out, so checklists without one keep the digest
        they had before pins existed)."""
        data = self.model_dump(mode="json")
        for item in data["evidence"]:
            for pin in ("policy_digest", "policy_file"):
                if item[pin] is None:
                    del item[pin]
        return digest(data)

    @property
    def roles(self) -> tuple[str, ...]:
        """The roles the checklist knows, in order."""
        return tuple(dict.fromkeys(s.role for s in self.signoffs))

    def covers(self, model: str) -> bool:
        """Whether ``model`` (``name`` or ``name@version``) matches one of :attr:`models`."""
        name = model.partition("@")[0]
        return any(fnmatch.fnmatchcase(name, pattern) for pattern in self.models)


def _node_at(root: yaml.Node | None, path: tuple[str | int, ...]) -> yaml.Node | None:
    """The deepest node of ``path`` in the YAML tree (steps that are not there are skipped:
    pydantic's locations carry names that are not keys)."""
    node = found = root
    for step in path:
        if isinstance(node, yaml.MappingNode):
            match = [(k, v) for k, v in node.value if getattr(k, "value", None) == step]
            if match:
                found, node = match[0][0], match[0][1]
        elif (
            isinstance(node, yaml.SequenceNode) and isinstance(step, int) and step < len(node.value)
        ):
            found = node = node.value[step]
    return found


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
        message = str(error["msg"]).removeprefix("Value error, ")
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
    node = _node_at(root, loc)
    where = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in loc)
    where = where.removeprefix(".") or "checklist"
    if node is None:
        return ConfigError(f"{name}: {where}: {message}")
    mark = node.start_mark
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
