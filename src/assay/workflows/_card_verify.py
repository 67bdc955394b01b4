"""``assay card verify``: is a model card still true to the evidence in the store?"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from assay._util import check_instance
from assay.errors import NotFoundError
from assay.governance import (
    CARD_LAYOUT,
    EvidenceChange,
    ParsedCard,
    build_card,
    card_evidence,
    evidence_changes,
    parse_card_text,
)
from assay.storage import RunQuery, Store
from assay.workflows._card_edits import machine_edits
from assay.workflows._card_evidence import (
    check_model,
    last_published,
    model_evidence,
    published_cards,
    read_card_text,
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
    """Whether the card's evidence digests equal the evidence in the store now and, for a
    card file, every machine-made part of it is what the store gives (see ``edited``)."""
    reason: str
    """Why, in one sentence: what evidence was added, removed or changed."""
    changes: list[EvidenceChange] = field(default_factory=list)
    """Every piece of evidence that differs."""
    card_digest: str | None = None
    """The checked card's digest (``None`` when there is none)."""
    source: str | None = None
    """Which card was checked: a file, or the ledger entry of the newest published card."""
    edited: list[str] = field(default_factory=list)
    """The machine-made parts of a card file that differ from the card rebuilt from the store
    (a table, a number, the YAML ``model-index``, the evidence block), by heading; human
    sections may change freely. Only checked when the evidence is unchanged."""
    layout: int | None = None
    """The card layout the checked card was rendered in (and is rebuilt in to be compared),
    ``None`` when there is no card."""


def _current_evidence(model: str, store: Store) -> dict[str, str]:
    found = model_evidence(model, store, contents=False)
    return card_evidence(found.runs, [s for s, _ in found.suites], found.decisions)


def _edits(model: str, text: str, parsed: ParsedCard, store: Store) -> list[str]:
    found = model_evidence(model, store)
    rebuilt = build_card(
        model,
        found.runs,
        [(s, x) for s, x in found.suites if x is not None],
        found.decisions,
        previous=parsed.human,
        metadata=parsed.metadata,
    )
    written = parsed.block.get("card_digest") if parsed.block else None
    return machine_edits(text, rebuilt, written, parsed.layout)


def verify_card(
    model: str, *, card: str | Path | None = None, store: Store | None = None
) -> CardState:
    """Compare a card's evidence digests with the store's evidence for ``model`` now.

    ``card`` is a card file in any format; without it, the newest published card (the last
    ``card`` ledger entry about ``model:MODEL``) is checked. The card is stale when a run or
    decision was added or removed, a run's metadata, metric rows or record file changed, or a
    decision gained ledger entries (approvals, challenges); :attr:`CardState.reason` says
    which. A card file is also rebuilt from the store with its own human sections and
    compared part by part, rendered in the card layout the file states (layout 1 when it
    states none): a hand-edited table, number or evidence block makes it not current, named in :attr:`CardState.edited` and the reason ("... is not what the store
    gives in: Metrics"). A model
    with neither a published card nor a complete run is not found
    (:class:`~assay.errors.NotFoundError`).
    """
    where = "verify_card"
    check_model(model, where)
    check_instance(card, "card", where, (str, Path, type(None)), "a path or None")
    st = resolve_store(store)
    text = None
    if card is not None:
        text = read_card_text(card)
        parsed = parse_card_text(text, source=str(card))
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
    edited = _edits(model, text, parsed, st) if text is not None and not changes else []
    if edited:
        listed = ", ".join(edited[:10]) + (
            f" (and {len(edited) - 10} more)" if len(edited) > 10 else ""
        )
        reason = (
            f"the {source} is not what the store gives in: {listed} (only the sections "
            "written by a person may change; regenerate it with assay card)"
        )
    elif not changes:
        reason = f"the {source} was made from the evidence stored now"
        if parsed.layout < CARD_LAYOUT:
            reason += (
                f" (in card layout {parsed.layout}; regenerating it with assay card --previous "
                f"writes layout {CARD_LAYOUT})"
            )
    else:
        listed = "; ".join(c.describe() for c in changes[:10])
        more = f" (and {len(changes) - 10} more)" if len(changes) > 10 else ""
        reason = f"since the {source} was made: {listed}{more}"
    return CardState(
        model,
        True,
        not changes and not edited,
        reason,
        changes,
        digest if isinstance(digest, str) else None,
        source,
        edited,
        parsed.layout,
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
