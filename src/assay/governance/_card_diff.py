"""What changed between a card and the evidence now: the change summary and staleness."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import NamedTuple

from assay._util import interval_cells, scale_of
from assay.governance._card import CARD_LAYOUT, HumanSection, ModelCard

__all__ = ["CardChanges", "EvidenceChange", "card_changes", "evidence_changes"]

_WHAT = {"run": "metadata", "metrics": "metric rows", "records": "record file"}


@dataclass(frozen=True)
class EvidenceChange:
    """One piece of evidence added, removed or changed since a card was made."""

    key: str
    """The evidence key, e.g. ``run:ID:records`` or ``decision:ID``."""
    change: str
    """``added``, ``removed`` or ``changed``."""

    def describe(self) -> str:
        """The change in words."""
        scheme, _, rest = self.key.partition(":")
        if scheme == "run":
            run_id, _, kind = rest.rpartition(":")
            what = f"run {run_id[:12]} {_WHAT.get(kind, kind)}"
            if self.change != "changed" and kind == "run":
                return f"run {run_id[:12]} {self.change}"
        elif scheme == "decision":
            what = f"decision {rest[:12]}"
            if self.change == "changed":
                return f"{what}: new ledger entries (approvals or challenges)"
        else:
            what = f"{scheme} {rest}"
        return f"{what} {self.change}"


def evidence_changes(
    recorded: Mapping[str, str], current: Mapping[str, str]
) -> list[EvidenceChange]:
    """How ``current`` evidence differs from what a card ``recorded``; a run added or removed
    is one change, not one per digest."""
    out = []
    for key in sorted(set(recorded) | set(current)):
        if key not in recorded:
            change = "added"
        elif key not in current:
            change = "removed"
        elif recorded[key] != current[key]:
            change = "changed"
        else:
            continue
        if change != "changed" and key.startswith("run:") and not key.endswith(":run"):
            continue  # told by the run's own key
        out.append(EvidenceChange(key, change))
    return out


@dataclass(frozen=True)
class CardChanges:
    """What a regenerated card changes against the previous one."""

    evidence: list[EvidenceChange] = field(default_factory=list)
    """Runs and decisions added or removed, digests changed."""
    moved: list[str] = field(default_factory=list)
    """Numbers whose value or interval moved, as ``key: old -> new``."""
    human_kept: list[str] = field(default_factory=list)
    """Human sections carried over with text."""
    human_empty: list[str] = field(default_factory=list)
    """Human sections still for a person to write."""
    previous: bool = True
    """Whether there was a previous card to compare with."""
    comparable: bool = True
    """Whether the previous card held the evidence block that changes are listed from."""
    layout_from: int | None = None
    """The previous card's layout when it is older than the new card's, else ``None``."""

    def lines(self) -> list[str]:
        """The summary, one line per change."""
        if not self.previous:
            out = ["first card: no previous card to compare with"]
        else:
            out = [c.describe() for c in self.evidence] + [f"moved: {m}" for m in self.moved]
            if not self.comparable:
                out.append("the previous card holds no <!-- assay:card --> block: changes unknown")
            elif not self.evidence and not self.moved:
                out.append("no evidence changed since the previous card")
            if self.layout_from is not None:
                out.append(
                    f"card layout {self.layout_from} -> {CARD_LAYOUT}: every number now "
                    "printed as the gate prints it (latency in ms)"
                )
        if self.human_kept:
            out.append("human sections kept: " + ", ".join(self.human_kept))
        if self.human_empty:
            out.append("human sections still to write: " + ", ".join(self.human_empty))
        return out


class _Values(NamedTuple):
    estimate: float
    low: float
    high: float


def _interval(key: str, values: Sequence[float], scales: Mapping[str, str]) -> str:
    """``86.7% [86.1%, 87.2%]`` (a run's value) or ``+2.0 pts [+1.6, +2.4]`` (a decision's
    difference): a card value by :mod:`assay._util`'s formatter. ``key`` is
    ``id|metric|slice``; ``scales`` holds each run's metric scale, and a key not in it is a
    decision's."""
    shown = _Values(*(list(values) + [float("nan")] * 3)[:3])
    metric = key.split("|")[1] if key.count("|") >= 2 else key
    if key in scales:
        return " ".join(interval_cells(shown, scales[key]))
    scale = next((v for k, v in scales.items() if k.split("|")[1] == metric), scale_of(metric, []))
    return " ".join(interval_cells(shown, scale, signed=True))


def card_changes(
    previous_block: Mapping[str, object] | None,
    previous_human: Sequence[HumanSection] | None,
    card: ModelCard,
) -> CardChanges:
    """Compare ``card`` with the previous card's block and human sections."""
    kept = [s.key for s in card.human if s.text.strip()]
    empty = [s.key for s in card.human if not s.text.strip()]
    if previous_block is None:
        return CardChanges(
            human_kept=kept,
            human_empty=empty,
            previous=previous_human is not None,
            comparable=False,
        )
    old_evidence = previous_block.get("evidence")
    old_values = previous_block.get("values")
    evidence = evidence_changes(
        old_evidence if isinstance(old_evidence, dict) else {}, card.evidence
    )
    moved = []
    now = card.metric_values()
    scales = {
        f"{r.run_id}|{m.metric}|{m.slice_attribute or ''}={m.slice_value or ''}": scale_of(
            m.metric, [m.estimate, m.low, m.high]
        )
        for r in card.runs
        for m in r.metrics
    }
    if isinstance(old_values, dict):
        for key in sorted(set(old_values) & set(now)):
            if [round(x, 12) for x in old_values[key]] != [round(x, 12) for x in now[key]]:
                old = _interval(key, old_values[key], scales)
                new = _interval(key, now[key], scales)
                moved.append(f"{key}: {old} -> {new}")
    old_layout = previous_block.get("layout", 1)
    return CardChanges(
        evidence=evidence,
        moved=moved,
        human_kept=kept,
        human_empty=empty,
        layout_from=old_layout
        if isinstance(old_layout, int) and old_layout < CARD_LAYOUT
        else None,
    )
