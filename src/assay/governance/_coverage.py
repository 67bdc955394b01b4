"""Scenario coverage: which of the scenarios that matter to users the stored suites cover, by
weight, and which covered slices are too small for their metric's interval to be useful.

Shares are weights over the total weight (weights need not add up to 1; traffic shares that
do are used as given). A scenario with no suite mapped, or whose mapped slices hold no
example, counts in the total and not in the covered share: an unmapped weight is weight the
suites do not cover. A mapping to a suite, slice attribute or metric the store does not have is
an error naming the registry line, never a silent gap.

"Useful" is a precision target: a slice's interval for its metric must be at most
± ``half_width`` (in the metric's units). The n it needs is
:func:`assay.stats.interval_sample_size` (t interval, the one assay computes for 30 or more
examples) at the scenario's planning proportion (0.5 when not given: the widest interval, so
the n holds whatever the proportion is) or its ``sd``. When the suite has clusters, the cluster
is the unit, as in assay's clustered intervals (cluster-robust standard error, t with G − 1
degrees of freedom; an example without a cluster is a cluster of its own): the slice's
clusters G must reach the needed n, and its interval now is the one G units give. This is the
design effect n / G of clusters whose examples are fully correlated (ICC 1) and equal in size:
the most a cluster's examples can be worth, so a slice reported useful is useful whatever the
correlation; the report shows the unit and the design effect.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from assay.errors import ConfigError
from assay.governance._coverage_model import (
    CoverageReport,
    ScenarioCoverage,
    ScenarioStatus,
    SliceCoverage,
    SuiteFacts,
)
from assay.governance._coverage_registry import CoverageRegistry, Scenario, ScenarioMapping
from assay.stats import interval_half_width, interval_sample_size

__all__ = ["check_coverage"]


def _resolve(
    m: ScenarioMapping, suites: Mapping[str, SuiteFacts], stored: Iterable[str]
) -> SuiteFacts:
    facts = suites.get(m.suite)
    if facts is None:
        known = ", ".join(sorted(stored)) or "none"
        raise ConfigError(
            m.located(
                f"the suite {m.suite!r} is not in the store (stored suites: {known}). "
                "Register it (assay ingest) or correct the name."
            )
        )
    if m.attribute is not None and m.attribute not in facts.slice_names:
        known = ", ".join(facts.slice_names) or "none"
        raise ConfigError(
            m.located(
                f"the suite {m.suite!r} has no slice attribute {m.attribute!r} "
                f"(its slice attributes: {known})."
            )
        )
    if m.metric is not None and m.metric not in facts.metric_names:
        raise ConfigError(
            m.located(
                f"the suite {m.suite!r} has no metric {m.metric!r} "
                f"(its metrics: {', '.join(facts.metric_names)})."
            )
        )
    return facts


def _slice(s: Scenario, m: ScenarioMapping, facts: SuiteFacts, conf: float) -> SliceCoverage:
    if m.attribute is None or m.value is None:
        n, clusters = facts.n_examples, facts.n_clusters
    else:
        n, clusters = facts.slices.get((m.attribute, m.value), (0, None))
    if facts.n_clusters is not None and n > 0 and clusters is None:
        clusters = n  # a suite with clusters: a slice whose examples have none, each its own
    size: dict[str, Any] = {"confidence": conf}
    if s.sd is not None:
        size["sd"], planning = s.sd, f"sd {s.sd:g}"
    else:
        p = 0.5 if s.proportion is None else s.proportion
        size["proportion"], planning = p, f"proportion {p:g}"
    return SliceCoverage(
        scenario=s.name,
        suite=facts.name,
        suite_digest=facts.digest,
        attribute=m.attribute,
        value=m.value,
        metric=m.metric or facts.metric_names[0],
        n=n,
        n_clusters=clusters,
        half_width=s.half_width,
        half_width_now=interval_half_width(n if clusters is None else clusters, **size),
        needed_n=interval_sample_size(s.half_width, **size),
        planning=planning,
    )


def _status(slices: tuple[SliceCoverage, ...]) -> ScenarioStatus:
    if not slices:
        return "uncovered"
    if any(c.useful and c.n > 0 for c in slices):
        return "covered"
    return "too small" if any(c.n > 0 for c in slices) else "no examples"


def check_coverage(
    registry: CoverageRegistry,
    suites: Mapping[str, SuiteFacts],
    *,
    stored_names: Iterable[str] | None = None,
) -> CoverageReport:
    """Check every scenario's mappings against ``suites`` (by name) and weigh the result.

    :class:`~assay.errors.ConfigError` when a mapping names a suite, slice attribute or metric
    that ``suites`` does not have (the message names the registry's line and lists
    ``stored_names``, by default the names of ``suites``).
    """
    stored = sorted(suites if stored_names is None else stored_names)
    total = sum(s.weight for s in registry.scenarios)
    rows = []
    for s in registry.scenarios:
        slices = tuple(
            _slice(s, m, _resolve(m, suites, stored), registry.confidence) for m in s.covered_by
        )
        rows.append(
            ScenarioCoverage(s.name, s.weight, s.weight / total, s.owner, _status(slices), slices)
        )
    covered = sum(r.weight for r in rows if r.status in ("covered", "too small"))
    useful = sum(r.weight for r in rows if r.status == "covered")
    return CoverageReport(
        source=registry.source,
        confidence=registry.confidence,
        total_weight=total,
        covered_share=covered / total,
        useful_share=useful / total,
        scenarios=tuple(rows),
    )
