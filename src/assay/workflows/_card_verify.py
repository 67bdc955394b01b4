"""``assay card verify``: is a model card still true to the evidence in the store?"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from assay._util import check_instance
from assay.errors import NotFoundError
from assay.governance import EvidenceChange, card_evidence, evidence_changes
from assay.storage import RunQuery, Store
from assay.workflows._card_evidence import (
    check_model,
    last_published,
    model_evidence,
    published_cards,
    read_card_file,
)
from assay.workflows._store import resolve_store

__all__ = ["CardState", "card_state", "verify_card"]


@dataclass(frozen=True)
class CardState:
    """Whether a model has a card and whether it is current."""

    model: str
    """The model asked about."""
    present: bool
    """Whether there is a card to check (a published one, or the file given)."""
    current: bool
    """Whether the card's evidence digests equal the evidence in the store now."""
    reason: str
    """Why, in one sentence: what evidence was added, removed or changed."""
    changes: list[EvidenceChange] = field(default_factory=list)
    """Every piece of evidence that differs."""
    card_digest: str | None = None
    """The checked card's digest (``None`` when there is none)."""
    source: str | None = None
    """Which card was checked: a file, or the ledger entry of the newest published card."""


def _current_evidence(model: str, store: Store) -> dict[str, str]:
    found = model_evidence(model, store, contents=False)
    return card_evidence(found.runs, [s for s, _ in found.suites], found.decisions)


def verify_card(
    model: str, *, card: str | Path | None = None, store: Store | None = None
) -> CardState:
    """Compare a card's evidence digests with the store's evidence for ``model`` now.

    ``card`` is a card file in any format; without it, the newest published card (the last
    ``card`` ledger entry about ``model:MODEL``) is checked. The card is stale when a run or
    decision was added or removed, a run's metadata, metric rows or record file changed, or a
    decision gained ledger entries (approvals, challenges); :attr:`CardState.reason` says
    which. A model with neither a published card nor a complete run is not found
    (:class:`~assay.errors.NotFoundError`).
    """
    where = "verify_card"
    check_model(model, where)
    check_instance(card, "card", where, (str, Path, type(None)), "a path or None")
    st = resolve_store(store)
    if card is not None:
        parsed = read_card_file(card)
        block, source = parsed.block, str(card)
        if block is None:
            return CardState(
                model,
                True,
                False,
                f"{card} holds no <!-- assay:card --> evidence block, so it cannot be checked",
                source=source,
            )
    else:
        found = last_published(model, st)
        if found is None and not any(
            r.status == "complete" for r in st.runs.list(RunQuery(model=model))
        ):
            raise NotFoundError(
                f"No complete run of model {model!r} is stored and no card of it was "
                "published, so there is no card to verify (assay runs list shows the models)."
            )
        if found is None:
            return CardState(
                model,
                False,
                False,
                f"no card of {model!r} was published (assay card {model} --publish)",
            )
        entry, parsed = found
        block, source = dict(entry.payload), f"published card (ledger entry {entry.sequence})"
    recorded = block["evidence"] if isinstance(block.get("evidence"), dict) else {}
    digest = block.get("card_digest")
    changes = evidence_changes(recorded, _current_evidence(model, st))
    if not changes:
        reason = f"the {source} was made from the evidence stored now"
    else:
        listed = "; ".join(c.describe() for c in changes[:10])
        more = f" (and {len(changes) - 10} more)" if len(changes) > 10 else ""
        reason = f"since the {source} was made: {listed}{more}"
    return CardState(
        model,
        True,
        not changes,
        reason,
        changes,
        digest if isinstance(digest, str) else None,
        source,
    )


def card_state(model: str, *, store: Store | None = None) -> CardState:
    """The newest published card of ``model``: ``present`` (one was published), ``current``
    (its evidence digests equal the store's now) and ``reason`` (why, in one sentence).
    A model with no runs has no current card: ``current`` is False and ``reason`` says so."""
    check_model(model, "card_state")
    st = resolve_store(store)
    if not published_cards(model, st):
        return CardState(
            model,
            False,
            False,
            f"no card of {model!r} was published (assay card {model} --publish)",
        )
    try:
        return verify_card(model, store=st)
    except NotFoundError as exc:
        return CardState(model, True, False, str(exc))
