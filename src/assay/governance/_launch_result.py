"""What checking a launch checklist found: each item's status, its evidence or its gap."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

__all__ = ["LaunchItem", "LaunchReadiness"]


@dataclass(frozen=True)
class LaunchItem:
    """One checklist item as found in the store."""

    item: str
    """The item's id."""
    kind: str
    """Its evidence kind, or ``signoff``."""
    satisfied: bool
    """Whether the store holds what it asks for."""
    detail: str
    """What was found, or what is missing, in words."""
    found: tuple[str, ...] = ()
    """The ids of the evidence that clears it (runs, decisions, monitors, experiments,
    ledger entries)."""
    clear_by: str = ""
    """Who can clear it when it is missing (a role or owner) and how."""

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON types."""
        return {
            "item": self.item,
            "kind": self.kind,
            "status": "ok" if self.satisfied else "missing",
            "detail": self.detail,
            "found": list(self.found),
            "clear_by": self.clear_by,
        }


@dataclass(frozen=True)
class LaunchReadiness:
    """A model checked against a launch checklist: READY when every item is satisfied."""

    model: str
    """The model checked (``name`` or ``name@version``)."""
    checklist: str
    """The checklist's name."""
    checklist_digest: str
    """The checklist's digest; sign-offs count only against this version of it."""
    source: str
    """Where the checklist was read from."""
    items: tuple[LaunchItem, ...]
    """Evidence items first, then sign-offs, in checklist order."""

    @property
    def ready(self) -> bool:
        """Whether every item is satisfied."""
        return all(i.satisfied for i in self.items)

    @property
    def missing(self) -> tuple[LaunchItem, ...]:
        """The items that are not satisfied."""
        return tuple(i for i in self.items if not i.satisfied)

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON types."""
        return {
            "model": self.model,
            "status": "READY" if self.ready else "NOT READY",
            "checklist": self.checklist,
            "checklist_digest": self.checklist_digest,
            "source": self.source,
            "items": [i.to_dict() for i in self.items],
            "missing": [i.item for i in self.missing],
        }
