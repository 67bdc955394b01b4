"""``assay analyze``: where a run fails (or where a candidate is worse than its baseline).

With ``taxonomy``, the failure taxonomy of :func:`assay.workflows.run_taxonomy` (MiniLM
embeddings: slow, hence opt-in) is made too and its clusters join the fix list; the latest
contamination result stored for the suite version (``assay contamination``) is summarised,
and so are its stored integrity findings (``assay suites check``).
The result (slice discovery, taxonomy, fix list, contamination summary) is stored as a JSON artifact and appended to the
run's analysis log (``analysis:<run id>``, a slot log of :mod:`assay.workflows._slot_log`), so
it is found again from the run, locally or through a team server.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from assay._util import atomic_write, check_choice
from assay.analysis import (
    FailureTaxonomy,
    FixList,
    SliceDiscovery,
    discover_slices,
    example_values,
    fix_list,
    problems_from_clusters,
    problems_from_slices,
    promote_slices,
)
from assay.errors import ConfigError, SuiteMismatchError
from assay.storage import Store
from assay.workflows._api import get_run, register_suite
from assay.workflows._contamination_store import (
    contamination_summary,
    finite_json,
    latest_contamination,
)
from assay.workflows._slot_log import append, entries, get_json, put_json
from assay.workflows._store import resolve_store
from assay.workflows._suite_check_store import latest_suite_check
from assay.workflows._taxonomy import Embed, run_taxonomy
from assay.workflows._text_use import records_with_text

if TYPE_CHECKING:
    import pyarrow as pa

    from assay.core import Suite

__all__ = ["ANALYSIS_MEDIA", "Analysis", "analyze_run", "run_analyses"]

ANALYSIS_MEDIA = "application/vnd.assay.analysis+json"
_LENGTH = "input_length"
DEFAULT_FIELDS = (_LENGTH,)
_CHECK_KEYS = ("artifact", "checks", "findings", "warnings")


@dataclass(frozen=True)
class Analysis:
    """A stored analysis of a run: discovered slices, the fix list, where they were written."""

    discovery: SliceDiscovery
    fixes: FixList
    artifact: str
    """Digest of the stored JSON artifact."""
    files: dict[str, str] = field(default_factory=dict)
    """Files written (``html``, ``markdown``)."""
    promoted: dict[str, Any] | None = None
    """The suite version the slices were promoted into (``name``, ``version``, ``digest``,
    ``slices``), when asked."""
    taxonomy: FailureTaxonomy | None = None
    """The failure clusters, when asked (``taxonomy=True``)."""
    contamination: dict[str, Any] | None = None
    """Summary of the latest contamination result stored for the suite version, if any."""
    suite_checks: dict[str, Any] | None = None
    """The suite version's stored integrity findings (``artifact``, ``checks``,
    ``findings``, ``warnings``), if any."""

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON types."""
        return {
            **_payload(
                self.discovery, self.fixes, self.taxonomy, self.contamination, self.suite_checks
            ),
            "artifact": self.artifact,
            "files": dict(self.files),
            "promoted": self.promoted,
        }


def _payload(
    discovery: SliceDiscovery,
    fixes: FixList,
    taxonomy: FailureTaxonomy | None,
    contamination: dict[str, Any] | None,
    suite_checks: dict[str, Any] | None,
) -> dict[str, Any]:
    from dataclasses import asdict

    return {
        "discovery": discovery.to_dict(),
        "fix_list": fixes.to_dict(),
        "taxonomy": None if taxonomy is None else finite_json(asdict(taxonomy)),
        "contamination": contamination,
        "suite_checks": suite_checks,
    }


def _log(run_id: str) -> str:
    return f"analysis:{run_id}"


def _records_for_fields(
    st: Store, run_id: str, suite: Suite, fields: Sequence[str] | None
) -> pa.Table:
    """The run's records, with a red-team suite's real input text when ``input_length`` is
    (or by default may be) a field: never a length measured on a withheld text's marker."""
    if not suite.catalog.unsafe_text or (fields is not None and _LENGTH not in fields):
        return st.runs.records(run_id)
    what = f"The field {_LENGTH} of the analysis of run {run_id[:12]} (each input's length)"
    return records_with_text(st, run_id, what)


def analyze_run(
    run: str,
    *,
    against: str | None = None,
    metric: str | None = None,
    attributes: Sequence[str] | None = None,
    fields: Sequence[str] | None = None,
    control: Literal["bh", "holm", "split"] = "bh",
    alpha: float = 0.05,
    max_predicates: int = 3,
    min_size: int = 30,
    bins: int = 4,
    rng: int | np.random.Generator = 0,
    html: str | Path | None = None,
    markdown: str | Path | None = None,
    promote: bool = False,
    taxonomy: bool = False,
    embed: Embed | None = None,
    store: Store | None = None,
) -> Analysis:
    """Discover the slices where ``run`` fails more than elsewhere (with ``against``, where it
    is worse than that baseline, paired by example), rank them in a fix list, store both as
    an artifact of the run, and write the HTML report and the Markdown fix list when asked.

    ``metric`` defaults to the suite's first; ``attributes`` to the suite's slice attributes;
    ``fields`` (numeric, binned at ``bins`` quantiles) to ``input_length`` when the records
    have inputs. ``promote`` registers the next version of the suite with every discovered
    slice declared (see :func:`assay.analysis.promote_slices`). ``taxonomy`` clusters the
    failures too (see :func:`run_taxonomy`; ``embed`` replaces MiniLM) and ranks the clusters
    with the slices.
    """
    function = "analyze_run"
    check_choice(control, "control", function, ("bh", "holm", "split"))
    st = resolve_store(store)
    found = get_run(run, store=st)
    suite = st.suites.get(found.suite_digest)
    records = _records_for_fields(st, found.run_id, suite, fields)
    base_records = None
    run_ids = {"run": found.run_id}
    if against is not None:
        base = get_run(against, store=st)
        if base.suite_digest != found.suite_digest:
            raise SuiteMismatchError(
                f"run {found.run_id[:12]} is on suite version {found.suite_digest[:12]} and "
                f"baseline {base.run_id[:12]} on {base.suite_digest[:12]}: a paired analysis "
                "needs both on the same version"
            )
        base_records = st.runs.records(base.run_id)
        run_ids = {"run": found.run_id, "baseline": base.run_id}
    name = metric or suite.metric_names[0]
    specs = {m.name: m for m in suite.metrics}
    if name not in specs:
        raise ConfigError(
            f"Suite {suite.name!r} has no metric {name!r}; it has {', '.join(specs)}."
        )
    chosen = list(suite.slice_names if attributes is None else attributes)
    if fields is None:
        has_input = "input" in records.column_names and records.column("input").null_count < (
            records.num_rows
        )
        fields = DEFAULT_FIELDS if has_input else ()
    values = example_values(
        records, name, goal=specs[name].goal, attributes=[*chosen, *fields], baseline=base_records
    )
    discovery = discover_slices(
        values.examples,
        values.values,
        attributes=chosen,
        numeric=list(fields),
        target="difference" if against is not None else "error",
        metric=name,
        value_definition=values.definition,
        control=control,
        alpha=alpha,
        max_predicates=max_predicates,
        min_size=min_size,
        bins=bins,
        rng=rng,
    )
    discovery = _with_runs(discovery, run_ids)
    clusters = None
    if taxonomy:
        clusters = run_taxonomy(
            found.run_id, against=against, metric=name, embed=embed, store=st
        ).taxonomy
    problems = problems_from_slices(discovery)
    if clusters is not None:
        problems += problems_from_clusters(clusters)
    fixes = fix_list(problems, what=values.definition)
    stored = latest_contamination(st, found.suite_digest)
    contamination = None if stored is None else contamination_summary(stored)
    checked = latest_suite_check(st, found.suite_digest)
    checks = None if checked is None else {k: checked[k] for k in _CHECK_KEYS}
    payload = _payload(discovery, fixes, clusters, contamination, checks)
    digest = put_json(st, payload, ANALYSIS_MEDIA)
    append(st, _log(found.run_id), digest)
    files = _write(payload, discovery, fixes, clusters, html, markdown)
    promoted = None
    if promote:
        from assay.data import SuiteData

        data = SuiteData(suite=suite, examples=st.suites.examples(suite.digest))
        new = register_suite(promote_slices(data, discovery.slices), store=st)
        promoted = {
            "name": new.name,
            "version": new.version,
            "digest": new.digest,
            "slices": new.suite.slice_names[len(suite.slices) :],
        }
    return Analysis(discovery, fixes, digest, files, promoted, clusters, contamination, checks)


def _with_runs(discovery: SliceDiscovery, run_ids: dict[str, str]) -> SliceDiscovery:
    from dataclasses import replace

    return replace(discovery, run_ids=run_ids)


def _write(
    payload: dict[str, Any],
    discovery: SliceDiscovery,
    fixes: FixList,
    clusters: FailureTaxonomy | None,
    html: str | Path | None,
    markdown: str | Path | None,
) -> dict[str, str]:
    from assay.reports import analysis_html, fix_list_markdown

    files = {}
    stored = {"contamination": payload["contamination"], "suite_checks": payload["suite_checks"]}
    if html is not None:
        page = analysis_html(discovery, fixes, taxonomy=clusters, **stored)
        atomic_write(Path(html), page.encode("utf-8"))
        files["html"] = str(html)
    if markdown is not None:
        text = fix_list_markdown(fixes, taxonomy=clusters, **stored)
        atomic_write(Path(markdown), text.encode("utf-8"))
        files["markdown"] = str(markdown)
    return files


def run_analyses(run: str, *, store: Store | None = None) -> list[dict[str, Any]]:
    """Every stored analysis of ``run``, oldest first (the JSON of each, with its digest)."""
    st = resolve_store(store)
    found = get_run(run, store=st)
    out = []
    for digest in entries(st, _log(found.run_id)):
        out.append({"artifact": digest, **get_json(st, digest)})
    return out


def analysis_json(analysis: Analysis) -> str:
    """The analysis as indented JSON text."""
    return json.dumps(analysis.to_dict(), indent=2)
