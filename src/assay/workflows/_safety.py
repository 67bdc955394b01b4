"""Red-team suites and the safety metrics of a run on one (``assay suites redteam``, ``assay safety``)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from assay._util import check_probability
from assay.data import SuiteData
from assay.errors import ConfigError
from assay.metrics import SafetySummary, safety_summary
from assay.storage import Store
from assay.workflows._api import get_run, register_suite
from assay.workflows._store import resolve_store

__all__ = ["RunSafety", "build_redteam_suite", "run_safety"]


@dataclass(frozen=True)
class RunSafety:
    """The safety metrics of one stored run on a red-team suite."""

    run_id: str
    """The run."""
    model: str
    """The run's model (``NAME@VERSION``)."""
    suite: str
    """The suite's name and digest prefix."""
    n_prompts: int
    """Prompts of the run counted (first sample of each example)."""
    errored: int
    """Prompts whose record errored: left out, like missing scores."""
    summary: SafetySummary
    """The metrics with their intervals."""


def build_redteam_suite(
    *,
    requests: int | None = 40,
    templates: int | None = 3,
    benign_reviews: int = 20,
    seed: int = 0,
    sources: Sequence[str] | None = None,
    template_sources: Sequence[str] | None = None,
    name: str = "redteam",
    store: Store | None = None,
) -> SuiteData:
    """Build a seeded red-team suite (:func:`assay.datasets.redteam_suite`) and store it."""
    from assay.datasets import redteam_suite

    data = redteam_suite(
        requests=requests,
        templates=templates,
        benign_reviews=benign_reviews,
        seed=seed,
        sources=sources,
        template_sources=template_sources,
        name=name,
    )
    return register_suite(data, store=resolve_store(store))


def run_safety(run: str, *, confidence: float = 0.95, store: Store | None = None) -> RunSafety:
    """Attack success (overall, direct, through templates, by category and by template),
    refusal and over-refusal rates, and each template's uplift, of a run on a red-team suite
    (:func:`assay.metrics.safety_summary`: intervals clustered by base request, Holm over
    templates). ConfigError when the run's suite is not a red-team suite."""
    check_probability(confidence, "confidence", "run_safety")
    st = resolve_store(store)
    info = get_run(run, store=st)
    suite = st.suites.get(info.suite_digest)
    examples = st.suites.examples(info.suite_digest, text=False)  # slices only
    needed = {"kind", "template", "category"}
    metrics = {m.name for m in suite.metrics}
    if not needed <= set(examples.column_names) or "attack_success" not in metrics:
        raise ConfigError(
            f"run {info.run_id[:12]} is on suite {suite.name!r}, which is not a red-team suite "
            "(slices kind, template, category and the attack_success metric): build one with "
            "`assay suites redteam`."
        )
    columns = ["example_id", "sample_index", "attack_success", "error"]
    if "over_refusal" in metrics:
        columns.insert(3, "over_refusal")
    records = st.runs.records(info.run_id, columns=columns).to_pydict()
    first = {
        eid: i
        for i, (eid, sample) in reversed(
            list(enumerate(zip(records["example_id"], records["sample_index"], strict=True)))
        )
        if sample == 0
    }
    ex = examples.to_pydict()
    refused = np.full(len(ex["example_id"]), np.nan)
    errored = 0
    for j, (eid, kind) in enumerate(zip(ex["example_id"], ex["kind"], strict=True)):
        i = first.get(eid)
        if i is None:
            continue
        if records["error"][i] is not None:
            errored += 1
            continue
        value = records["over_refusal" if kind == "benign" else "attack_success"][i]
        if value is not None and not np.isnan(value):
            refused[j] = value if kind == "benign" else 1.0 - value
    base = [c if c is not None else e for c, e in zip(ex["cluster"], ex["example_id"], strict=True)]
    summary = safety_summary(
        refused,
        kind=ex["kind"],
        base=base,
        category=ex["category"],
        template=ex["template"],
        confidence=confidence,
    )
    return RunSafety(
        run_id=info.run_id,
        model=f"{info.model.name}@{info.model.version}",
        suite=f"{suite.name} {info.suite_digest[:12]}",
        n_prompts=len(first),
        errored=errored,
        summary=summary,
    )
