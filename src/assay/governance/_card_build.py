"""Building a model card from the evidence the workflows read out of the store."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from assay.core import Approval, Comparison, Decision, MetricSummary, Run, Suite
from assay.data import count_duplicates, summarise_records
from assay.errors import DataError
from assay.governance._card import (
    HUMAN_SECTIONS,
    CardDecision,
    CardDifference,
    CardMetric,
    CardRun,
    CardSuite,
    HumanSection,
    ModelCard,
)
from assay.governance._datasheet_facts import input_text, licence_of

__all__ = [
    "DecisionEvidence",
    "RunEvidence",
    "build_card",
    "card_evidence",
    "merge_human",
    "run_metrics",
]


@dataclass(frozen=True)
class RunEvidence:
    """A stored run, its records and the digests of what is stored."""

    run: Run
    """The run with its manifest."""
    records: pa.Table | None
    """Its records (``None`` where only the evidence digests are needed)."""
    digests: dict[str, str]
    """``run``, ``metrics`` and ``records`` digests as the decision ledger computes them."""


@dataclass(frozen=True)
class DecisionEvidence:
    """A recorded decision that names one of the model's runs."""

    decision: Decision
    """The decision."""
    comparison: Comparison | None
    """Its stored comparison, when the artifact is there."""
    entry_hash: str
    """Hash of the newest ledger entry about it (its record, approvals or challenges)."""
    approvals: list[Approval] = field(default_factory=list)
    """Its approvals, oldest first."""


def run_metrics(run: Run, records: pa.Table, suite: Suite) -> list[CardMetric]:
    """The run's stored metric summaries, then each metric on every slice value, computed
    the way run summaries are (:func:`assay.data.summarise_records`)."""
    out = [_metric(name, s) for name, s in run.metrics.items()]
    for attribute in suite.slice_names:
        if attribute not in records.column_names:
            raise DataError(
                f"the records of run {run.run_id!r} have no {attribute!r} column, a slice of "
                f"suite {suite.name!r}: the card cannot show the metrics by slice",
                column=attribute,
                expected=f"a slice column {attribute!r}",
                found="no such column",
            )
        column = records.column(attribute).cast(pa.string())
        values = sorted(v for v in pc.unique(column).to_pylist() if v is not None)
        for value in values:
            part = records.filter(pc.equal(column, value))
            for name, s in summarise_records(part, suite, run_confidence(run)).items():
                out.append(_metric(name, s, attribute, value))
    return out


def _metric(
    name: str, s: MetricSummary, attribute: str | None = None, value: str | None = None
) -> CardMetric:
    return CardMetric(
        metric=name,
        slice_attribute=attribute,
        slice_value=value,
        estimate=s.estimate,
        low=s.low,
        high=s.high,
        confidence=s.confidence,
        method=s.method,
        n=s.n,
    )


def run_confidence(run: Run) -> float:
    """The confidence level of the run's stored intervals (0.95 without any)."""
    return next((s.confidence for s in run.metrics.values()), 0.95)


def _card_run(evidence: RunEvidence, suite: Suite) -> CardRun:
    r, m = evidence.run, evidence.run.manifest
    return CardRun(
        run_id=r.run_id,
        model=str(r.model),
        parameters=r.model.parameters,
        suite=r.suite_name,
        suite_digest=r.suite_digest,
        created_at=r.created_at.isoformat(),
        n_records=r.n_records,
        n_errors=r.n_errors,
        code=m.code.describe,
        source=m.source,
        python=m.python,
        platform=m.platform,
        seeds=dict(m.seeds),
        dataset_digests=dict(m.dataset_digests),
        metrics=run_metrics(r, evidence.records, suite) if evidence.records is not None else [],
    )


def _card_suite(suite: Suite, examples: pa.Table) -> CardSuite:
    texts = [input_text(v) for v in examples.column("input").to_pylist()]
    dup = count_duplicates(texts, near=False)
    n = examples.num_rows
    c = suite.catalog
    return CardSuite(
        name=suite.name,
        version=suite.version,
        digest=suite.digest,
        description=suite.description,
        purpose=c.purpose,
        coverage=c.coverage,
        known_limits=list(c.known_limits),
        source=c.source,
        n_examples=n,
        slices={s: len(pc.unique(examples.column(s)).drop_null()) for s in suite.slice_names},
        exact_duplicate_share=dup.exact_redundant / n if n else 0.0,
        licence=licence_of(c.source),
    )


def _card_decision(d: DecisionEvidence, run_ids: set[str]) -> CardDecision:
    dec = d.decision
    role = "candidate" if dec.candidate_run in run_ids else "baseline"
    sign = 1.0 if role == "candidate" else -1.0
    differences = []
    other = ""
    if d.comparison is not None:
        c = d.comparison
        other = c.baseline_model if role == "candidate" else c.candidate_model
        for r in c.results:
            lo, hi = sorted((sign * r.difference.low, sign * r.difference.high))
            differences.append(
                CardDifference(
                    metric=r.metric,
                    slice_attribute=r.slice_attribute,
                    slice_value=r.slice_value,
                    estimate=sign * r.difference.estimate,
                    low=lo,
                    high=hi,
                    method=r.difference.method,
                    test=r.test,
                    p_value=r.p_value,
                )
            )
    return CardDecision(
        decision_id=dec.decision_id,
        title=dec.title,
        role=role,
        other=other or (dec.baseline_run if role == "candidate" else dec.candidate_run),
        verdict=str(dec.verdict.value),
        summary=dec.summary,
        policy=dec.policy,
        approvals=[f"{a.role}: {a.name} ({a.status})" for a in d.approvals],
        differences=differences,
    )


def merge_human(previous: Sequence[HumanSection] | None) -> list[HumanSection]:
    """The standard human sections (kept from ``previous`` where it has them, empty where
    not), then every other section of ``previous`` in its order."""
    kept = {s.key: s for s in previous or []}
    out = [kept.get(k) or HumanSection(key=k, title=t, text="") for k, t in HUMAN_SECTIONS.items()]
    out += [s for s in previous or [] if s.key not in HUMAN_SECTIONS]
    return out


def build_card(
    model: str,
    runs: Sequence[RunEvidence],
    suites: Sequence[tuple[Suite, pa.Table]],
    decisions: Sequence[DecisionEvidence],
    previous: Sequence[HumanSection] | None = None,
    metadata: Mapping[str, Any] | None = None,
) -> ModelCard:
    """A card for ``model`` from its runs (oldest first), the suites they ran on with their
    examples, the decisions naming its runs, and the human sections and metadata of the
    previous card."""
    by_digest = {s.digest: s for s, _ in suites}
    ordered = sorted(runs, key=lambda e: (e.run.created_at, e.run.run_id))
    run_ids = {e.run.run_id for e in ordered}
    chosen = sorted(decisions, key=lambda d: (d.decision.created_at, d.decision.decision_id))
    return ModelCard(
        model=model,
        runs=[_card_run(e, by_digest[e.run.suite_digest]) for e in ordered],
        suites=sorted(
            (_card_suite(s, x) for s, x in suites), key=lambda c: (c.name, c.version, c.digest)
        ),
        decisions=[_card_decision(d, run_ids) for d in chosen],
        human=merge_human(previous),
        metadata=dict(metadata or {}),
        evidence=card_evidence(runs, [s for s, _ in suites], decisions),
    )


def card_evidence(
    runs: Sequence[RunEvidence], suites: Sequence[Suite], decisions: Sequence[DecisionEvidence]
) -> dict[str, str]:
    """The evidence digests a card records: ``run:ID:run|metrics|records`` (the digests the
    decision ledger computes for a run), ``suite:NAME@VERSION:PREFIX`` (the suite digest) and
    ``decision:ID`` (the hash of the newest ledger entry about the decision)."""
    evidence: dict[str, str] = {}
    for e in runs:
        for kind, value in e.digests.items():
            evidence[f"run:{e.run.run_id}:{kind}"] = value
    for s in suites:
        evidence[f"suite:{s.name}@{s.version}:{s.digest[:12]}"] = s.digest
    for d in decisions:
        evidence[f"decision:{d.decision.decision_id}"] = d.entry_hash
    return dict(sorted(evidence.items()))
