"""``assay contamination``: a stored suite against training-corpus files, with a run's metric
compared between contaminated and clean examples."""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Sequence
from pathlib import Path

from assay._util import check_instance
from assay.analysis import (
    ContaminationResult,
    check_contamination,
    contamination_effect,
    mark_contamination,
)
from assay.data import CORPUS_MAX_LINE_BYTES
from assay.errors import ConfigError
from assay.storage import Store
from assay.workflows._contamination_store import store_contamination
from assay.workflows._planned_stop import example_scores
from assay.workflows._store import resolve_store
from assay.workflows._text_use import suite_with_text

__all__ = ["suite_contamination"]


def suite_contamination(
    suite: str | Path,
    corpus: Sequence[str | os.PathLike[str]],
    *,
    run: str | None = None,
    metric: str | None = None,
    n: int = 13,
    near_threshold: float | None = 0.8,
    bands: int = 32,
    rows: int = 4,
    text_field: str = "text",
    max_line_bytes: int = CORPUS_MAX_LINE_BYTES,
    confidence: float = 0.95,
    mark: bool = False,
    store: Store | None = None,
) -> ContaminationResult:
    """Mark each example of ``suite`` (a stored name, digest or YAML path) contaminated, clean
    or undetectable against the ``corpus`` files; with ``run`` (a run of that suite), compare
    its ``metric`` (the suite's first by default) between contaminated and clean examples.
    ``mark`` registers the suite's next version with a ``contamination`` slice attribute
    (its digest in ``marked_suite``), for the ``clean_subset`` rule kind. The result is stored
    as a JSON artifact in the suite version's contamination log (and the marked version's),
    where ``assay analyze`` finds the latest one.

    See :func:`assay.analysis.check_contamination` for the detectors and
    ``docs/contamination.md`` for what each status means.
    """
    where = "suite_contamination"
    check_instance(run, "run", where, (str, type(None)), "a run id or None")
    st = resolve_store(store)
    data = suite_with_text(st, suite, f"The contamination check of suite {str(suite)[:40]!r}")
    result = check_contamination(
        data,
        corpus,
        n=n,
        near_threshold=near_threshold,
        bands=bands,
        rows=rows,
        text_field=text_field,
        max_line_bytes=max_line_bytes,
    )
    if mark:
        marked = mark_contamination(data, result)
        st.suites.put(marked.suite, marked.examples)
        result = dataclasses.replace(result, marked_suite=marked.digest)
    if run is None:
        store_contamination(st, result)
        return result
    found = st.runs.get(run)
    if found.suite_digest != data.digest:
        raise ConfigError(
            f"Run {found.run_id[:12]} was made on suite version {found.suite_digest[:12]}, not "
            f"on {data.suite.name} {data.digest[:12]}; pass a run of the suite searched."
        )
    name = metric or data.suite.metric_names[0]
    if name not in data.suite.metric_names:
        raise ConfigError(
            f"{name!r} is not a metric of suite {data.suite.name!r} "
            f"(its metrics: {', '.join(data.suite.metric_names)})."
        )
    scores = example_scores(st.runs.records(found.run_id), name)
    effect = contamination_effect(result, scores, metric=name, confidence=confidence)
    result = dataclasses.replace(result, effect=effect)
    store_contamination(st, result)
    return result
