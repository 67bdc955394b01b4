"""``assay card``: a model card made from the store's evidence, published to the ledger."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from assay._util import atomic_write, check_choice, check_instance
from assay.core import LedgerEntry
from assay.governance import (
    CARD_FORMATS,
    CardChanges,
    ModelCard,
    ParsedCard,
    build_card,
    card_changes,
    card_payload,
)
from assay.reports import card_json, render_card
from assay.storage import Store
from assay.workflows._card_evidence import (
    check_model,
    last_published,
    model_evidence,
    read_card_file,
)
from assay.workflows._signing import sign_payload
from assay.workflows._store import resolve_store
from assay.workflows._writable import check_writable

__all__ = ["CardResult", "model_card"]


@dataclass(frozen=True)
class CardResult:
    """A generated card, as written, with what changed since the previous card."""

    card: ModelCard
    """The card's facts, human sections and evidence digests."""
    format: str
    """``hf``, ``markdown``, ``html`` or ``json``."""
    text: str
    """The card in that format."""
    changes: CardChanges
    """What changed against the previous card (new runs and decisions, numbers that moved,
    human sections kept)."""
    previous: str | None
    """Where the previous card came from (a file, or the ledger entry of the last published
    one), ``None`` for a first card."""
    path: Path | None = None
    """The file written, when one was asked for."""
    entry: LedgerEntry | None = None
    """The ``card`` ledger entry, when the card was published."""


def _previous(
    model: str, previous: str | Path | None, store: Store
) -> tuple[ParsedCard | None, str | None]:
    if previous is not None:
        return read_card_file(previous), str(previous)
    found = last_published(model, store)
    if found is None:
        return None, None
    entry, parsed = found
    return parsed, f"published card (ledger entry {entry.sequence})"


def model_card(
    model: str,
    *,
    format: str | None = None,
    out: str | Path | None = None,
    previous: str | Path | None = None,
    publish: bool = False,
    store: Store | None = None,
) -> CardResult:
    """A card for ``model`` (``name`` or ``name@version``) whose every fact comes from the
    store: the model's runs and manifests, each metric overall and by slice with its interval
    and method, the suites' catalogs and data facts, and the decisions naming its runs with
    their differences, verdicts and approvals.

    The human sections (intended use, ethical considerations, caveats, and any a person
    added) and the Hugging Face metadata a person added (``license``, ``language``, ...) are
    kept from ``previous`` (a card file in any format) or, without it, from the
    last published card. ``out`` writes the card atomically; ``publish`` stores the card as
    an artifact and records a ``card`` ledger entry about ``model:MODEL`` with its digest and
    evidence digests (:func:`assay.governance.card_payload`). ``out`` is checked to be
    writable first and written only after the card was recorded, so nothing is written or
    recorded when anything fails (a signing key others can read, a folder that cannot be
    written); a model without runs raises :class:`~assay.errors.NotFoundError`.
    """
    where = "model_card"
    check_model(model, where)
    if format is not None:
        check_choice(format, "format", where, list(CARD_FORMATS))
    check_instance(out, "out", where, (str, Path, type(None)), "a path or None")
    check_instance(previous, "previous", where, (str, Path, type(None)), "a path or None")
    check_instance(publish, "publish", where, bool, "a bool")
    st = resolve_store(store)
    parsed, source = _previous(model, previous, st)
    # regenerating keeps the previous card's form unless another is asked for
    format = format or (parsed.format if parsed is not None else "markdown")
    evidence = model_evidence(model, st)
    card = build_card(
        model,
        evidence.runs,
        [(s, x) for s, x in evidence.suites if x is not None],
        evidence.decisions,
        previous=parsed.human if parsed else None,
        metadata=parsed.metadata if parsed else None,
    )
    changes = card_changes(parsed.block if parsed else None, parsed.human if parsed else None, card)
    text = render_card(card, format)
    if out is not None:
        check_writable(out)
    entry = None
    if publish:
        stored = json.dumps(card_json(card), sort_keys=True).encode()
        artifact = st.artifacts.put(stored, media_type="application/json")
        payload = card_payload(card, format=format, artifact=artifact)
        entry = st.decisions.record(
            "card",
            f"model:{model}",
            sign_payload(payload, kind="card", subject=f"model:{model}", name=None),
        )
    # written last, after every check and the ledger record, so a failure leaves no file
    path = atomic_write(out, text) if out is not None else None
    return CardResult(card, format, text, changes, source, path, entry)
