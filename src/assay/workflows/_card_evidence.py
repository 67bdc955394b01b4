"""Reading a model's evidence out of the store: runs, suites, decisions and published cards."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from assay._util import check_instance
from assay.core import Comparison, LedgerEntry, ModelRef
from assay.errors import ConfigError, DataError, NotFoundError, StorageError
from assay.governance import (
    MAX_CARD_CHARS,
    DecisionEvidence,
    ParsedCard,
    RunEvidence,
    parse_card_text,
)
from assay.storage import RunQuery, Store

if TYPE_CHECKING:
    import pyarrow as pa

    from assay.core import Suite

__all__ = [
    "ModelEvidence",
    "check_model",
    "last_published",
    "model_evidence",
    "published_cards",
    "read_card_file",
    "read_card_text",
]

_RUN_KINDS = {"baseline_run": "run", "baseline_metrics": "metrics", "baseline_records": "records"}


@dataclass(frozen=True)
class ModelEvidence:
    """What the store holds about a model, read once."""

    model: str
    """The model as asked for."""
    runs: list[RunEvidence]
    """Its complete runs."""
    suites: list[tuple[Suite, pa.Table | None]]
    """The suites they ran on, with their examples."""
    decisions: list[DecisionEvidence]
    """Decisions naming one of its runs."""


def check_model(model: object, where: str) -> str:
    """``model`` as ``name`` or ``name@version``, checked."""
    name: str = check_instance(model, "model", where, str, "a model name or NAME@VERSION")
    ModelRef.parse(name)
    if len(name) > 190:  # the ledger names it as the subject model:MODEL, at most 200
        raise ConfigError(f"A card's model name has at most 190 characters. Got {len(name):,}.")
    return name


def model_evidence(model: str, store: Store, *, contents: bool = True) -> ModelEvidence:
    """Every run of ``model`` (``name`` or ``name@version``), the suites they ran on and the
    decisions that name them; :class:`~assay.errors.NotFoundError` without any run. Without
    ``contents`` only what the evidence digests need is read (no records, no examples)."""
    infos = store.runs.list(RunQuery(model=model))
    runs = [i for i in infos if i.status == "complete"]
    if not runs:
        raise NotFoundError(
            f"No complete run of model {model!r} is stored, so there is no evidence to make a "
            "card from; log or evaluate a run of it first (assay runs list shows the models)."
        )
    evidence = []
    for info in runs:
        digests = store.decisions.evidence(info.run_id, info.run_id, runs=store.runs)
        evidence.append(
            RunEvidence(
                run=store.runs.get(info.run_id),
                records=store.runs.records(info.run_id) if contents else None,
                digests={_RUN_KINDS[k]: v for k, v in digests.items() if k in _RUN_KINDS},
            )
        )
    suites = []
    for digest in sorted({r.run.suite_digest for r in evidence}):
        examples = store.suites.examples(digest) if contents else None
        suites.append((store.suites.get(digest), examples))
    seen: dict[str, DecisionEvidence] = {}
    for info in runs:
        for decision in store.decisions.list(run=info.run_id):
            if decision.decision_id in seen:
                continue
            entries = store.decisions.entries(subject=decision.decision_id)
            comparison = None
            if "comparison" in decision.artifacts:
                try:
                    raw = store.artifacts.get(decision.artifacts["comparison"])
                    comparison = Comparison.model_validate_json(raw)
                except (NotFoundError, StorageError, ValueError):
                    comparison = None  # the card says so by listing no differences
            seen[decision.decision_id] = DecisionEvidence(
                decision=decision,
                comparison=comparison,
                entry_hash=entries[-1].entry_hash if entries else "",
                approvals=store.decisions.approvals(decision.decision_id),
            )
    return ModelEvidence(model, evidence, suites, list(seen.values()))


def published_cards(model: str, store: Store) -> list[LedgerEntry]:
    """The ``card`` ledger entries about ``model``, oldest first."""
    return store.decisions.entries(kind="card", subject=f"model:{model}")


def read_card_file(path: str | Path) -> ParsedCard:
    """A written card's human sections and evidence block, read within the size bound."""
    return parse_card_text(read_card_text(path), source=str(path))


def read_card_text(path: str | Path) -> str:
    """A written card's text, read within the size bound."""
    p = Path(path)
    try:
        with p.open("rb") as handle:
            raw = handle.read(MAX_CARD_CHARS * 4 + 1)
    except FileNotFoundError:
        raise NotFoundError(f"{p}: no such card file") from None
    except OSError as exc:
        raise StorageError(f"{p}: the card could not be read ({exc.strerror or exc})") from None
    if len(raw) > MAX_CARD_CHARS * 4:
        raise DataError(f"{p}: larger than a card can be ({MAX_CARD_CHARS * 4:,} bytes)")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise DataError(f"{p}, line {line}: not UTF-8 text ({exc.reason})") from None
    return text


def last_published(model: str, store: Store) -> tuple[LedgerEntry, ParsedCard] | None:
    """The newest published card of ``model`` with its stored text read back, or ``None``."""
    entries = published_cards(model, store)
    if not entries:
        return None
    entry = entries[-1]
    artifact = entry.payload.get("artifact")
    if not isinstance(artifact, str):
        raise DataError(f"ledger entry {entry.sequence}: a card entry without its artifact")
    text = store.artifacts.get(artifact).decode("utf-8")
    return entry, parse_card_text(text, source=f"published card (ledger entry {entry.sequence})")
