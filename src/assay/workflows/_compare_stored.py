"""Comparing two runs of a store named by URL, the way ``assay compare`` does."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pydantic import ValidationError

from assay._util import check_instance
from assay.core import Comparison, Run, Suite
from assay.storage import RunPair, read_run_pair
from assay.workflows._compare_loaded import CompareOptions, check_compare, compare_loaded
from assay.workflows._compare_streamed import compare_streamed, wants_streaming

if TYPE_CHECKING:
    import numpy as np

__all__ = ["compare_stored"]


def _runs(pair: RunPair) -> tuple[Run, Run, Suite] | None:
    try:
        base = Run.model_validate(pair.baseline.data)
        cand = Run.model_validate(pair.candidate.data)
        suite = Suite.model_validate_json(pair.baseline.suite_definition)
    except ValidationError:  # the typed path explains it
        return None
    return base, cand, suite


def compare_stored(
    baseline: str,
    candidate: str,
    *,
    url: str | None = None,
    shared_only: bool = False,
    confidence: float = 0.95,
    rng: int | np.random.Generator = 0,
    resamples: int = 2000,
    max_flips: int | None = 50,
    show_unsafe_text: bool = False,
    streaming: bool | None = None,
) -> Comparison:
    """:func:`compare_runs` of two runs of the store at ``url`` (else the one the
    environment names), the same comparison (texts of a red-team suite withheld unless
    ``show_unsafe_text``).

    An embedded store at the current schema is read with the standard library alone (no
    SQLAlchemy, nothing migrated or cleaned); any other store, and any reference that names
    no run or several, goes through :func:`~assay.open_store` and :func:`compare_runs`,
    which raise what they raise there. ``streaming`` as :func:`compare_runs` takes it."""
    check_instance(url, "url", "compare_stored", (str, type(None)), "a URL string or None")
    pair = None
    if isinstance(baseline, str) and isinstance(candidate, str):
        pair = read_run_pair(baseline, candidate, url=url)
    read = None if pair is None else _runs(pair)
    if pair is None or read is None:
        from assay.storage import open_store
        from assay.workflows._gate import compare_runs

        with open_store(url) as store:  # its connections closed when the comparison is made
            return compare_runs(
                baseline,
                candidate,
                shared_only=shared_only,
                confidence=confidence,
                rng=rng,
                resamples=resamples,
                max_flips=max_flips,
                store=store,
                show_unsafe_text=show_unsafe_text,
                streaming=streaming,
            )
    check_compare(baseline, candidate, confidence, resamples)
    base, cand, suite = read
    options = CompareOptions(shared_only, confidence, rng, resamples, max_flips, show_unsafe_text)
    if wants_streaming(streaming, base, cand, "compare_runs"):
        rows_of = {base.run_id: pair.baseline, cand.run_id: pair.candidate}
        return compare_streamed(
            base,
            cand,
            suite,
            lambda run, rows: pair.record_batches(rows_of[run.run_id], rows),
            pair.examples,
            options,
        )
    return compare_loaded(
        base,
        pair.records(pair.baseline),
        cand,
        pair.records(pair.candidate),
        suite,
        pair.examples,
        options,
    )
