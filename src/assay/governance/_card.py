"""Model cards made from evidence: the typed card, its digest and its ledger payload.

The sections follow Google's Model Card Toolkit schema (model details, intended use, factors,
metrics, evaluation data, training data, quantitative analyses, ethical considerations,
caveats). Every fact comes from the store; the parts only a person can write (intended use,
ethical considerations, caveats, and any section a person adds) are :class:`HumanSection`
values carried over from the previous card.
"""

from __future__ import annotations

import re
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from assay.core import digest

__all__ = [
    "CARD_FORMATS",
    "CARD_LAYOUT",
    "CARD_LAYOUTS",
    "HUMAN_SECTIONS",
    "CardDecision",
    "CardDifference",
    "CardMetric",
    "CardRun",
    "CardSuite",
    "HumanSection",
    "ModelCard",
    "card_payload",
]

_CONFIG = ConfigDict(frozen=True, extra="forbid", use_attribute_docstrings=True)
CARD_FORMATS = ("hf", "markdown", "html", "json")
"""The formats a card is written in."""
CARD_LAYOUTS: dict[int, str] = {
    1: "the first layout: a decision's latency and other rows of a metric no run summary "
    "holds show no unit, and the HTML introduction shows Markdown's asterisks",
    2: "every number as the gate and runs commands print it (a latency difference in ms), "
    "and the HTML introduction's emphasis rendered; the card states its layout",
}
"""The layouts a card is rendered in, by number, with how each differs. A card states its
layout in its ``<!-- assay:card -->`` block (or a JSON card's ``layout``); a card that states
none was written in layout 1. ``assay card verify`` rebuilds a card in its own layout."""
CARD_LAYOUT = max(CARD_LAYOUTS)
"""The layout a card is generated in now."""
HUMAN_SECTIONS: dict[str, str] = {
    "intended_use": "Intended use",
    "ethical_considerations": "Ethical considerations",
    "caveats": "Caveats and recommendations",
}
"""The sections a person writes, by key, with their headings; a card always has them."""
SECTION_KEY = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
# A person's text may hold HTML comments, but not the card's own markers.
_MARKER = re.compile(r"<!--\s*/?\s*assay:", re.IGNORECASE)
MAX_SECTION_CHARS = 20_000


class CardMetric(BaseModel):
    """A run's metric, overall or on one slice, with its interval and method."""

    model_config = _CONFIG

    metric: str
    """The metric."""
    slice_attribute: str | None = None
    """The slice attribute, ``None`` overall."""
    slice_value: str | None = None
    """The slice value, ``None`` overall."""
    estimate: float
    """The metric's value."""
    low: float
    """Lower bound of the interval."""
    high: float
    """Upper bound of the interval."""
    confidence: float
    """Confidence level of the interval."""
    method: str
    """The interval method (as run summaries compute it)."""
    n: int
    """Examples scored."""


class CardRun(BaseModel):
    """A run of the model: what was evaluated, how to reproduce it, and what it scored."""

    model_config = _CONFIG

    run_id: str
    """The run's id."""
    model: str
    """``name@version`` of the model."""
    parameters: dict[str, Any] = Field(default_factory=dict)
    """Parameters the model ran with."""
    suite: str
    """The suite's name."""
    suite_digest: str
    """The suite version's digest."""
    created_at: str
    """When the run was recorded (UTC, ISO 8601)."""
    n_records: int
    """Records stored."""
    n_errors: int
    """Records whose model call failed."""
    code: str
    """The code version the run came from."""
    source: str
    """How the records were produced."""
    python: str
    """Python implementation and version."""
    platform: str
    """Operating system and architecture."""
    seeds: dict[str, int] = Field(default_factory=dict)
    """Seeds by role."""
    dataset_digests: dict[str, str] = Field(default_factory=dict)
    """Digests of other data the run used (training data among them)."""
    metrics: list[CardMetric]
    """Every metric overall, then by slice."""


class CardDifference(BaseModel):
    """The model against a baseline (or a challenger) on one metric and slice."""

    model_config = _CONFIG

    metric: str
    """The metric."""
    slice_attribute: str | None = None
    """The slice attribute, ``None`` overall."""
    slice_value: str | None = None
    """The slice value, ``None`` overall."""
    estimate: float
    """This model minus the other one."""
    low: float
    """Lower bound of the difference's interval."""
    high: float
    """Upper bound."""
    method: str
    """The interval method of the difference."""
    test: str
    """The test behind the p-value."""
    p_value: float
    """Raw p-value."""


class CardDecision(BaseModel):
    """A recorded decision that involves the model, with its verdict and approvals."""

    model_config = _CONFIG

    decision_id: str
    """The decision's id."""
    title: str
    """What was decided."""
    role: str
    """``candidate`` or ``baseline``: the model's side of the comparison."""
    other: str
    """The other model, ``name@version``."""
    verdict: str
    """``SHIP``, ``BLOCK`` or ``INCONCLUSIVE``."""
    summary: str
    """The verdict's one-sentence summary."""
    policy: str
    """The policy it was judged under."""
    approvals: list[str] = Field(default_factory=list)
    """Sign-offs as ``role: name (status)``, oldest first."""
    differences: list[CardDifference] = Field(default_factory=list)
    """This model minus the other, per metric and slice (from the stored comparison)."""


class CardSuite(BaseModel):
    """A suite the model was evaluated on: catalog facts and its datasheet's numbers."""

    model_config = _CONFIG

    name: str
    """The suite's name."""
    version: str
    """Its version label."""
    digest: str
    """Its content digest."""
    description: str
    """What it evaluates."""
    purpose: str
    """The catalog's purpose (what decision it informs)."""
    coverage: str
    """The catalog's coverage."""
    known_limits: list[str] = Field(default_factory=list)
    """The catalog's known limits."""
    source: str
    """Where the examples come from."""
    n_examples: int
    """Examples."""
    slices: dict[str, int] = Field(default_factory=dict)
    """Slice attributes and how many values each has."""
    exact_duplicate_share: float
    """Share of examples repeating an earlier one's normalised input."""
    licence: str | None = None
    """The licence the catalog's source names."""


class HumanSection(BaseModel):
    """A section a person wrote, kept from card to card as written."""

    model_config = _CONFIG

    key: str
    """Lower-case identifier, e.g. ``intended_use``."""
    title: str
    """Its heading."""
    text: str
    """What the person wrote; empty until someone does."""

    @field_validator("key")
    @classmethod
    def _key(cls, v: str) -> str:
        if not SECTION_KEY.match(v):
            raise ValueError(f"a section key is lower-case letters, digits and _. Got {v!r}")
        return v

    @field_validator("title", "text")
    @classmethod
    def _text(cls, v: str) -> str:
        if _MARKER.search(v):
            raise ValueError("a human section cannot contain the card's own <!-- assay: markers")
        if len(v) > MAX_SECTION_CHARS:
            raise ValueError(f"a human section holds at most {MAX_SECTION_CHARS:,} characters")
        return v


class ModelCard(BaseModel):
    """A model card: facts from the store, the human sections, and the evidence digests."""

    model_config = _CONFIG

    model: str
    """The model as asked for: ``name`` or ``name@version``."""
    runs: list[CardRun]
    """The model's runs, oldest first."""
    suites: list[CardSuite]
    """The suites it was evaluated on, by name."""
    decisions: list[CardDecision] = Field(default_factory=list)
    """Decisions that involve it, oldest first."""
    human: list[HumanSection]
    """What people wrote, in order: the standard sections first."""
    metadata: dict[str, Any] = Field(default_factory=dict)
    """Hugging Face metadata a person added to the README's YAML (``license``, ``language``,
    ``base_model``, their own ``tags``, ...), kept as written; never ``model-index``."""
    evidence: dict[str, str]
    """What the card was made from: ``run:ID:run|metrics|records``, ``decision:ID`` (the
    hash of its newest ledger entry) and ``suite:NAME@VERSION`` → digest."""

    @property
    def digest(self) -> str:
        """The card's content digest: every fact, every human section and the evidence."""
        return digest(self.model_dump(mode="json"))

    def metric_values(self) -> dict[str, list[float]]:
        """Every number a change summary compares, by ``run|metric|slice`` and
        ``decision|metric|slice`` key: ``[estimate, low, high]``."""
        out: dict[str, list[float]] = {}
        for run in self.runs:
            for m in run.metrics:
                key = f"{run.run_id}|{m.metric}|{m.slice_attribute or ''}={m.slice_value or ''}"
                out[key] = [m.estimate, m.low, m.high]
        for d in self.decisions:
            for x in d.differences:
                key = f"{d.decision_id}|{x.metric}|{x.slice_attribute or ''}={x.slice_value or ''}"
                out[key] = [x.estimate, x.low, x.high]
        return out


def card_payload(card: ModelCard, *, format: str, artifact: str) -> dict[str, Any]:
    """The payload of a ``card`` ledger entry (subject ``model:MODEL``): the one place it is
    built. ``artifact`` is the digest of the card's JSON stored as an artifact."""
    return {
        "model": card.model,
        "card_digest": card.digest,
        "evidence": dict(sorted(card.evidence.items())),
        "format": format,
        "artifact": artifact,
    }
