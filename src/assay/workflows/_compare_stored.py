"""Comparing and gating two runs of a store named by URL, the way ``assay compare``, ``assay gate``
and ``assay report`` do."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING

from pydantic import ValidationError

from assay._util import check_instance
from assay.core import Comparison, Run, Suite
from assay.storage import RunPair, read_run_pair
from assay.workflows._compare_loaded import (
    CompareOptions,
    check_compare,
    check_runs,
    compare_loaded,
)
from assay.workflows._compare_streamed import compare_streamed, wants_streaming

if TYPE_CHECKING:
    from pathlib import Path

    import numpy as np

    from assay.gates import Policy
    from assay.workflows._gate import GateResult

__all__ = ["compare_stored", "gate_stored"]

_Read = tuple[RunPair, Run, Run, Suite]


def _runs(pair: RunPair) -> tuple[Run, Run, Suite] | None:
    try:
        base = Run.model_validate(pair.baseline.data)
        cand = Run.model_validate(pair.candidate.data)
        suite = Suite.model_validate_json(pair.baseline.suite_definition)
    except ValidationError:  # the typed path explains it
        return None
    return base, cand, suite


def _read(baseline: str, candidate: str, url: str | None) -> _Read | None:
    """The two runs and the baseline's suite read with sqlite3, or None for the typed path."""
    if not isinstance(baseline, str) or not isinstance(candidate, str):
        return None
    pair = read_run_pair(baseline, candidate, url=url)
    read = None if pair is None else _runs(pair)
    return None if pair is None or read is None else (pair, *read)


def _comparison(
    found: _Read, options: CompareOptions, streaming: bool | None
) -> Callable[[], Comparison]:
    """The call that compares the two runs read; a :func:`~functools.partial`, which adds no
    frame, so that a warning of the comparison names the line that called its caller."""
    pair, base, cand, suite = found
    if wants_streaming(streaming, base, cand, "compare_runs"):
        rows_of = {base.run_id: pair.baseline, cand.run_id: pair.candidate}
        return partial(
            compare_streamed,
            base,
            cand,
            suite,
            lambda run, rows: pair.record_batches(rows_of[run.run_id], rows),
            pair.examples,
            options,
        )
    return partial(
        compare_loaded,
        base,
        pair.records(pair.baseline),
        cand,
        pair.records(pair.candidate),
        suite,
        pair.examples,
        options,
    )


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
    found = _read(baseline, candidate, url)
    if found is None:
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
    options = CompareOptions(shared_only, confidence, rng, resamples, max_flips, show_unsafe_text)
    return _comparison(found, options, streaming)()  # its warnings name our caller's line


def gate_stored(
    baseline: str,
    candidate: str,
    *,
    url: str | None = None,
    policy: Policy | str | Path | None = None,
    output: str | Path | None = None,
    shared_only: bool = False,
    rng: int | np.random.Generator = 0,
    max_flips: int | None = 50,
    show_unsafe_text: bool = False,
) -> GateResult:
    """:func:`gate_runs` of two runs of the store at ``url`` (else the one the environment
    names): the same comparison, verdict and files, the runs read as :func:`compare_stored`
    reads them (an embedded store at the current schema with the standard library alone; any
    other store, and any reference that names no run or several, through
    :func:`~assay.open_store` and :func:`gate_runs`)."""
    from assay.gates import evaluate_policy
    from assay.workflows._gate import GateResult, gate_runs, resolve_policy, write_reports

    check_instance(url, "url", "gate_stored", (str, type(None)), "a URL string or None")
    check_runs(baseline, candidate, "gate_runs")
    chosen = resolve_policy(policy)
    found = _read(baseline, candidate, url)
    if found is None:
        from assay.storage import open_store

        with open_store(url) as store:
            return gate_runs(
                baseline,
                candidate,
                policy=chosen,
                output=output,
                shared_only=shared_only,
                rng=rng,
                max_flips=max_flips,
                store=store,
                show_unsafe_text=show_unsafe_text,
            )
    resamples = 2000  # what gate_runs compares with
    check_compare(baseline, candidate, chosen.confidence, resamples)
    options = CompareOptions(
        shared_only, chosen.confidence, rng, resamples, max_flips, show_unsafe_text
    )
    comparison = _comparison(found, options, None)()
    # the suite declares the margins of its metrics, which rules without their own use
    verdict = evaluate_policy(chosen, comparison, suite=found[3])
    files = write_reports(comparison, verdict, output, chosen) if output is not None else {}
    return GateResult(comparison=comparison, verdict=verdict, policy=chosen, files=files)
