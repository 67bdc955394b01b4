"""Compare and gate two stored runs: the paired comparison, the policy's verdict and the
reports."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from assay._util import (
    atomic_write,
    check_instance,
    renamed_parameters,
)
from assay.compare import text_metrics
from assay.core import Comparison, VerdictResult
from assay.errors import AccessDeniedError
from assay.workflows._compare_loaded import (
    CompareOptions,
    check_compare,
    check_runs,
    compare_loaded,
)
from assay.workflows._compare_streamed import compare_streamed, wants_streaming
from assay.workflows._unsafe import text_asked

if TYPE_CHECKING:
    from collections.abc import Iterator

    import numpy as np
    import pyarrow as pa

    # a comparison alone needs neither policies nor reports, and gating an embedded store
    # (gate_stored) no SQLAlchemy: the functions that use them import them
    from assay.gates import Policy
    from assay.storage import Store

__all__ = [
    "GateResult",
    "check_runs",
    "compare_runs",
    "gate",
    "gate_runs",
    "resolve_policy",
    "write_reports",
]


@renamed_parameters({"seed": "rng"})
def compare_runs(
    baseline: str,
    candidate: str,
    *,
    shared_only: bool = False,
    confidence: float = 0.95,
    rng: int | np.random.Generator = 0,
    resamples: int = 2000,
    max_flips: int | None = 50,
    store: Store | None = None,
    show_unsafe_text: bool = False,
    streaming: bool | None = None,
    chunk_rows: int | None = None,
) -> Comparison:
    """Compare two stored runs by id, paired by example.

    Loads both runs' records from the store and calls :func:`assay.compare.compare_records`
    (which works on record tables); the manifests' differences are included. ``rng`` seeds
    the bootstrap resampling (an int or a numpy ``Generator``). A candidate stopped early by
    plan against this baseline carries its stop, replayed from the records
    (``Comparison.early_stop``; see docs/runners.md, "Early stopping"). ``max_flips`` caps
    the flipped examples listed per metric (``None``: all; ``flip_counts`` counts them all).
    On a suite of harmful text (a red-team suite), the flips' texts are withheld unless
    ``show_unsafe_text`` (docs/safety.md); metrics recomputed from the records' text (corpus
    BLEU, chrF, ...) are computed on the real text all the same, which a server gives only to
    an editor or above (:class:`~assay.errors.AccessDeniedError` naming the metrics for a
    lower role: never a number computed on the withheld text's marker).

    ``streaming``: read the record files a row group at a time and compare them in bounded
    memory (:func:`assay.compare.compare_record_streams`, docs/out-of-core.md); ``None``
    streams when the two runs hold more than 10,000,000 records together. ``chunk_rows``:
    records of each run held at once when streaming (default 250,000).
    """
    from assay.workflows._api import get_run
    from assay.workflows._store import resolve_store

    check_compare(baseline, candidate, confidence, resamples)
    st = resolve_store(store)
    base, cand = get_run(baseline, store=st), get_run(candidate, store=st)
    suite = st.suites.get(base.suite_digest)
    options = CompareOptions(shared_only, confidence, rng, resamples, max_flips, show_unsafe_text)
    # metrics recomputed from text read the real text even when it is not shown: never a
    # number computed on the marker a server puts in its place
    needed = text_metrics(suite) if suite.catalog.unsafe_text and not show_unsafe_text else []
    asked = True if needed else text_asked(show_unsafe_text, "compare_runs")

    def examples(digest: str) -> pa.Table:
        return st.suites.examples(digest, text=show_unsafe_text)

    if wants_streaming(streaming, base, cand, "compare_runs"):
        return compare_streamed(
            base,
            cand,
            suite,
            lambda run, rows: _batches(st, run.run_id, rows, asked, needed),
            examples,
            options,
            chunk_rows=chunk_rows,
        )
    base_records = _records(st, base.run_id, asked, needed)
    cand_records = _records(st, cand.run_id, asked, needed)
    return compare_loaded(base, base_records, cand, cand_records, suite, examples, options)


def _records(st: Store, run_id: str, text: bool | None, needed: list[str]) -> pa.Table:
    try:
        return st.runs.records(run_id, text=text)
    except AccessDeniedError as exc:
        if not needed:
            raise
        from assay.workflows._text_use import metrics_refusal

        raise metrics_refusal(needed, exc) from exc


def _batches(
    st: Store, run_id: str, rows: int, text: bool | None, needed: list[str]
) -> Iterator[pa.RecordBatch]:
    try:
        return st.runs.record_batches(run_id, rows, text=text)
    except AccessDeniedError as exc:
        if not needed:
            raise
        from assay.workflows._text_use import metrics_refusal

        raise metrics_refusal(needed, exc) from exc


def resolve_policy(policy: Policy | str | Path | None) -> Policy:
    """A policy object, a YAML path, the name of a shipped policy (``"safety"``), or ``None``
    for the shipped default policy."""
    from assay.gates import SHIPPED_POLICIES, Policy, default_policy, load_policy, shipped_policy

    if isinstance(policy, Policy):
        return policy
    if policy is None:
        return default_policy()
    check_instance(
        policy, "policy", "resolve_policy", (str, Path), "a Policy, a YAML path, a name or None"
    )
    if str(policy) in SHIPPED_POLICIES and not Path(policy).exists():
        return shipped_policy(str(policy))  # "safety": a policy that ships with assay
    return load_policy(Path(policy))


def gate(comparison: Comparison, policy: Policy | str | Path | None = None) -> VerdictResult:
    """Judge a comparison with a policy: SHIP, BLOCK or INCONCLUSIVE, rule by rule."""
    from assay.gates import evaluate_policy

    check_instance(comparison, "comparison", "gate", Comparison, "a Comparison")
    return evaluate_policy(resolve_policy(policy), comparison)


@renamed_parameters({"directory": "output"})
def write_reports(
    comparison: Comparison,
    verdict: VerdictResult | None,
    output: str | Path,
    policy: Policy | None = None,
) -> dict[str, Path]:
    """Write ``report.html``, ``report.md`` and (with a verdict) ``memo.md`` into the folder
    ``output`` (created when missing); each file appears whole or not at all. ``policy``, the
    policy that judged, gives the memo its rollback margins."""
    from assay.reports import render_html, render_markdown, render_memo

    check_instance(comparison, "comparison", "write_reports", Comparison, "a Comparison")
    if verdict is not None:
        check_instance(
            verdict, "verdict", "write_reports", VerdictResult, "a VerdictResult or None"
        )
    check_instance(output, "output", "write_reports", (str, Path), "a folder path (str or Path)")
    out = Path(output)
    texts = {
        "report_html": ("report.html", render_html(comparison, verdict, policy=policy)),
        "report_md": ("report.md", render_markdown(comparison, verdict, policy=policy)),
    }
    if verdict is not None:
        texts["memo"] = ("memo.md", render_memo(comparison, verdict, policy=policy))
    return {key: atomic_write(out / name, text) for key, (name, text) in texts.items()}


@dataclass(frozen=True)
class GateResult:
    """What gating two stored runs produced."""

    comparison: Comparison
    """The paired comparison, at the policy's confidence."""
    verdict: VerdictResult
    """The policy's verdict."""
    policy: Policy
    """The policy that judged."""
    files: dict[str, Path]
    """Report and memo files written (empty without ``output``)."""


@renamed_parameters({"seed": "rng"})
def gate_runs(
    baseline: str,
    candidate: str,
    *,
    policy: Policy | str | Path | None = None,
    output: str | Path | None = None,
    shared_only: bool = False,
    rng: int | np.random.Generator = 0,
    max_flips: int | None = 50,
    store: Store | None = None,
    show_unsafe_text: bool = False,
) -> GateResult:
    """Compare two stored runs at the policy's confidence, gate the comparison, and (with
    ``output``) write the reports and the memo there: ``assay gate`` and ``assay report``.

    Nothing is recorded; :func:`decide` does this and records the decision in the ledger.
    """
    from assay.gates import evaluate_policy
    from assay.workflows._store import resolve_store

    check_runs(baseline, candidate, "gate_runs")
    chosen = resolve_policy(policy)
    st = resolve_store(store)
    comparison = compare_runs(
        baseline,
        candidate,
        shared_only=shared_only,
        confidence=chosen.confidence,
        rng=rng,
        max_flips=max_flips,
        store=st,
        show_unsafe_text=show_unsafe_text,
    )
    # the suite declares the margins of its metrics, which rules without their own use
    verdict = evaluate_policy(chosen, comparison, suite=st.suites.get(comparison.suite_digest))
    files = write_reports(comparison, verdict, output, chosen) if output is not None else {}
    return GateResult(comparison=comparison, verdict=verdict, policy=chosen, files=files)
