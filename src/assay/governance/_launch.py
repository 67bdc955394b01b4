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

from pydantic import BaseModel, ConfigDict, Field, field_validator

from assay._util import brief
from assay.core import digest

__all__ = [
    "EVIDENCE_FIELDS",
    "MAX_CHECKLIST_BYTES",
    "EvidenceItem",
    "LaunchChecklist",
    "PolicyPin",
    "SignoffItem",
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
