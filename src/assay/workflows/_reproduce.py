"""Reproducing a stored run: rebuild its model adapter, run the suite again, compare."""

from __future__ import annotations

import math
import uuid
from dataclasses import dataclass
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from assay._util import renamed_parameters
from assay.compare import compare_records
from assay.core import (
    Manifest,
    ManifestDifference,
    MetricComparison,
    Run,
    diff_manifests,
)
from assay.data import Location, validate_records
from assay.errors import ConfigError
from assay.runners import (
    AdapterRebuildError,
    AsyncModelAdapter,
    ModelAdapter,
    adapter_names,
    build_adapter,
    evaluate_suite,
)
from assay.storage import Store
from assay.workflows._api import _store, get_run
from assay.workflows._capture import capture_manifest
from assay.workflows._evaluate import as_adapter
from assay.workflows._log_run import log_run
from assay.workflows._text_use import records_with_text, suite_with_text

__all__ = ["Reproduction", "rebuild_adapter", "reproduce"]


@dataclass(frozen=True)
class Reproduction:
    """How far a stored run was reproduced by running its model on its suite again."""

    original_run: str
    """Id of the run that was reproduced."""
    reproduction_run: str | None
    """Id of the stored reproduction; the original's id when the reproduction was identical
    (same outputs and scores, so the store kept one run); ``None`` when not recorded."""
    identical: bool
    """True when the store found the reproduction identical to the original (deduplicated)."""
    output_agreement: float
    """Share of (example_id, sample_index) pairs whose outputs are equal (NaN when none pair)."""
    n_compared: int
    """Number of (example_id, sample_index) pairs present in both runs."""
    metric_results: list[MetricComparison]
    """Overall paired comparison per metric (the suite's, then latency and cost), original as
    baseline, reproduction as candidate."""
    manifest_differences: list[ManifestDifference]
    """What differs between the original manifest and the reproduction's (time left out)."""
    summary: str
    """One line: how many outputs agree and which metrics differ."""

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dictionary."""
        return {
            "original_run": self.original_run,
            "reproduction_run": self.reproduction_run,
            "identical": self.identical,
            "output_agreement": None
            if math.isnan(self.output_agreement)
            else self.output_agreement,
            "n_compared": self.n_compared,
            "metric_results": [r.model_dump(mode="json") for r in self.metric_results],
            "manifest_differences": [
                {"path": d.path, "original": d.a, "reproduction": d.b}
                for d in self.manifest_differences
            ],
            "summary": self.summary,
        }


def _missing(what: str, why: str) -> ConfigError:
    return ConfigError(
        f"Cannot rebuild the model of this run: {why}. Pass {what} as "
        "reproduce(..., adapter=...): a fitted estimator, a callable, 'module:function' or a "
        "ModelAdapter (on the command line: --callable module:function)."
    )


def rebuild_adapter(manifest: Manifest) -> ModelAdapter | AsyncModelAdapter:
    """The adapter a run was made with, from ``provenance["adapter"]`` of its manifest.

    Any registered adapter is rebuilt from the :class:`~assay.runners.AdapterSpec` it
    recorded, by :func:`~assay.runners.build_adapter`: callables are imported again by
    ``module:qualname``; OpenAI-compatible endpoints get their recorded address, model,
    decoding parameters and prompt template (the API key comes from the environment); local
    models (Hugging Face, sentence embeddings) are refused when the weights' digest no longer
    matches. Fitted estimators (scikit-learn), adapters that are not registered and runs that
    were ingested raise :class:`~assay.errors.ConfigError`: pass ``adapter=`` instead.
    """
    desc = manifest.provenance.get("adapter")
    if not isinstance(desc, dict):
        raise _missing(
            "the model",
            f"it was recorded from {manifest.source or 'outside assay'!r} without an adapter "
            "description",
        )
    kind = desc.get("adapter")
    if not isinstance(kind, str) or kind not in adapter_names():
        raise _missing(
            "the model",
            f"no rebuild is known for the adapter {kind!r} (registered adapters: "
            f"{', '.join(adapter_names())})",
        )
    try:
        adapter: ModelAdapter | AsyncModelAdapter = build_adapter(desc)
    except AdapterRebuildError as exc:
        raise _missing(exc.what, exc.why) from exc
    except ConfigError as exc:
        raise _missing("the model", str(exc).rstrip(".")) from exc
    return adapter


def _pairs(records: pa.Table) -> dict[tuple[str, int], Any]:
    ids = records.column("example_id").to_pylist()
    samples = records.column("sample_index").to_pylist()
    outputs = records.column("output").to_pylist()
    return dict(zip(zip(ids, samples, strict=True), outputs, strict=True))


def _agreement(original: pa.Table, again: pa.Table) -> tuple[float, int]:
    a, b = _pairs(original), _pairs(again)
    shared = a.keys() & b.keys()
    if not shared:
        return math.nan, 0
    return sum(a[k] == b[k] for k in shared) / len(shared), len(shared)


def _summary(
    agreement: float, n: int, results: list[MetricComparison], quality: set[str], identical: bool
) -> str:
    # latency and cost are measured, not computed: they are shown but not expected to reproduce
    differ = [
        r.metric
        for r in results
        if r.metric in quality and not r.difference.low <= 0.0 <= r.difference.high
    ]
    ok = agreement == 1.0 and not differ
    share = "no outputs paired" if n == 0 else f"{agreement:.1%} of outputs identical"
    metrics = (
        "no metric differs (every interval contains 0)"
        if not differ
        else f"{', '.join(differ)} differ{'s' if len(differ) == 1 else ''} (interval excludes 0)"
    )
    same = "; stored once (identical to the original)" if identical else ""
    return f"{'reproduced' if ok else 'not reproduced'}: {share}; {metrics}{same}"


@renamed_parameters({"model": "adapter", "seed": "rng"})
def reproduce(
    run_ref: str,
    *,
    store: Store | None = None,
    adapter: Any = None,
    record: bool = True,
    rng: int | np.random.Generator = 0,
) -> Reproduction:
    """Run a stored run's model on the same suite version again and report the agreement.

    The model is rebuilt from the manifest (:func:`rebuild_adapter`: any registered adapter,
    from the spec it recorded) unless ``adapter`` is given (a fitted estimator, a callable,
    ``'module:function'`` or an adapter; ``model=`` is its deprecated spelling). The suite is the stored version the run was made on, with as many samples per
    example as the run has; the suite's own scorers score the outputs (scorers passed to the
    original evaluation are not recorded). The new run keeps the original's model name,
    parameters, seeds and data digests and is tagged ``reproduces=<run id>``; when its
    outputs and scores equal the original's, the store keeps one run (``identical``).

    Agreement is the share of (example_id, sample_index) pairs with equal outputs. Metric
    differences are :func:`assay.compare.compare_records` with the original as baseline (paired
    tests, intervals at 95%, bootstrap randomness from ``rng``; ``seed=`` is its deprecated
    spelling); manifest differences are
    :func:`assay.core.diff_manifests` without the creation time. The summary judges the
    suite's metrics only: latency and cost are reported but are measurements of the machine
    and the moment, not expected to reproduce.
    """
    st = _store(store)
    original = get_run(run_ref, store=st)
    rebuilt = rebuild_adapter(original.manifest) if adapter is None else as_adapter(adapter)
    what = f"A reproduction of run {original.run_id[:12]} (its prompts; its outputs to agree with)"
    data = suite_with_text(st, original.suite_digest, what)
    suite = data.suite
    before = records_with_text(st, original.run_id, what)
    samples = int(pc.max(before.column("sample_index")).as_py() or 0) + 1 if before.num_rows else 1
    raw = evaluate_suite(data, rebuilt, samples=samples)
    table = validate_records(raw, data, location=Location("<reproduction>", "parquet"))
    m = original.manifest
    provenance = {**m.provenance, "adapter": rebuilt.describe()}
    tags = {**original.tags, "reproduces": original.run_id}
    manifest = capture_manifest(
        suite_digest=original.suite_digest,
        model=original.model,
        seeds=dict(m.seeds),
        provenance=provenance,
        dataset_digests=dict(m.dataset_digests),
        config={"params": dict(original.params)},
        source=f"runner:{rebuilt.name}",
    )
    identical = False
    candidate: Run = original.model_copy(
        update={"run_id": f"unrecorded-{uuid.uuid4().hex[:8]}", "manifest": manifest, "tags": tags}
    )
    if record:
        logged = log_run(
            table,
            suite=data,
            model=original.model,
            store=st,
            params=original.params,
            tags=tags,
            seeds=m.seeds,
            provenance=provenance,
            dataset_digests=m.dataset_digests,
            source=f"runner:{rebuilt.name}",
        )
        identical = not logged.created
        # an identical reproduction is not stored again: its manifest is the one captured here
        candidate = logged.run if logged.created else candidate
    differences = diff_manifests(m, candidate.manifest)
    comparison = compare_records(
        original, before, candidate, table, suite, rng=rng, manifest_differences=differences
    )
    results = [r for r in comparison.results if r.slice_attribute is None]
    agreement, n = _agreement(before, table)
    return Reproduction(
        original_run=original.run_id,
        reproduction_run=(original.run_id if identical else candidate.run_id) if record else None,
        identical=identical,
        output_agreement=agreement,
        n_compared=n,
        metric_results=results,
        manifest_differences=differences,
        summary=_summary(agreement, n, results, set(suite.metric_names), identical),
    )
