"""The fix list: problems ranked by how much of the error they account for.

A problem is any group of examples with an error gap: a discovered slice today, a failure
cluster of a failure taxonomy, or anything else with a name, examples and a gap with an
interval. Its impact is ``share x gap``: the share of all examples it holds times how much
worse they are than the rest, i.e. how much the overall error would fall if the group were
brought to the level of the rest. The share is a count in the evaluated data (fixed), so the
impact's interval is the share times the gap's interval.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from assay.analysis._slices import SliceDiscovery
from assay.analysis._taxonomy import FailureTaxonomy

__all__ = ["FixList", "Problem", "fix_list", "problems_from_clusters", "problems_from_slices"]


def _num(x: float) -> float | None:
    return None if x != x or x in (float("inf"), float("-inf")) else float(x)


@dataclass(frozen=True)
class Problem:
    """A group of examples that does worse than the rest."""

    source: str
    """Where it comes from: ``slice`` (slice discovery), ``cluster`` (a failure taxonomy)."""
    name: str
    """What it is, in words: a slice's description, a cluster's distinguishing terms."""
    size: int
    """Examples in the group."""
    share: float
    """Share of all examples in the group."""
    gap: float
    """Error in the group minus error of the rest (positive: worse)."""
    gap_low: float
    """Lower bound of the gap's interval."""
    gap_high: float
    """Upper bound of the gap's interval."""
    example_ids: tuple[str, ...]
    """The group's examples."""
    method: str = ""
    """How the gap and its interval were computed."""
    link: str = ""
    """Where the group is described in full (a slice's predicates, a cluster's id)."""

    @property
    def impact(self) -> float:
        """``share x gap``: the drop of the overall error if the group did as well as the rest."""
        return self.share * self.gap

    @property
    def impact_interval(self) -> tuple[float, float]:
        """The share times the gap's interval."""
        return self.share * self.gap_low, self.share * self.gap_high

    def to_dict(self, *, max_examples: int | None = None) -> dict[str, Any]:
        """Plain JSON types (at most ``max_examples`` example ids, all when None)."""
        low, high = self.impact_interval
        ids = self.example_ids if max_examples is None else self.example_ids[:max_examples]
        return {
            "source": self.source,
            "name": self.name,
            "size": self.size,
            "share": self.share,
            "gap": _num(self.gap),
            "gap_low": _num(self.gap_low),
            "gap_high": _num(self.gap_high),
            "impact": _num(self.impact),
            "impact_low": _num(low),
            "impact_high": _num(high),
            "method": self.method,
            "link": self.link,
            "n_examples": len(self.example_ids),
            "example_ids": list(ids),
        }


@dataclass(frozen=True)
class FixList:
    """Problems, largest impact first."""

    problems: tuple[Problem, ...]
    what: str
    """What the errors are (the value definition of the analysis)."""

    def to_dict(self, *, max_examples: int | None = None) -> dict[str, Any]:
        """Plain JSON types, each problem ranked from 1."""
        return {
            "what": self.what,
            "ranked_by": "impact = share of examples x error gap (interval: share x gap interval)",
            "problems": [
                {"rank": i, **p.to_dict(max_examples=max_examples)}
                for i, p in enumerate(self.problems, start=1)
            ],
        }


def fix_list(problems: Iterable[Problem], *, what: str = "") -> FixList:
    """Rank problems by impact (ties: the larger group first, then by name)."""
    ranked = sorted(problems, key=lambda p: (-p.impact, -p.size, p.name))
    return FixList(tuple(ranked), what)


def problems_from_slices(discovery: SliceDiscovery) -> list[Problem]:
    """Each discovered slice as a problem."""
    level = f"{discovery.confidence:.0%}"
    return [
        Problem(
            source="slice",
            name=s.description,
            size=len(s.example_ids),
            share=s.share,
            gap=s.effect,
            gap_low=s.low,
            gap_high=s.high,
            example_ids=s.example_ids,
            method=f"{discovery.test}, {level} interval of slice mean minus rest mean"
            + (f" from the confirming half only ({s.n_text()})" if s.confirming_half else ""),
            link=" AND ".join(p.describe() for p in s.predicates),
        )
        for s in discovery.slices
    ]


def problems_from_clusters(taxonomy: FailureTaxonomy) -> list[Problem]:
    """Each failure cluster as a problem: its region (the examples nearest its centre, failing
    or not) against every other example. Without a baseline the gap is the region's failure
    rate minus the rest's (Newcombe); with one, the region's paired change of failures per
    example (candidate minus baseline), whose rest is taken as unchanged."""
    n = max(taxonomy.n_examples, 1)
    changes = {c.cluster: c for c in taxonomy.changes}
    out = []
    for c in taxonomy.clusters:
        share = c.region_size / n
        change = changes.get(c.cluster)
        if change is None:
            gap, method = c.error_gap, f"{c.error_gap.method}, failure rate in region minus rest"
            low, high, estimate = gap.low, gap.high, gap.estimate
        else:
            d, scale = change.difference.difference, 1.0 / share if share else float("nan")
            estimate, low, high = d.estimate * scale, d.low * scale, d.high * scale
            method = f"{d.method}, change of failures in the region per example of it"
        out.append(
            Problem(
                source="cluster",
                name=c.name,
                size=c.region_size,
                share=share,
                gap=estimate,
                gap_low=low,
                gap_high=high,
                example_ids=c.example_ids,
                method=method,
                link=f"cluster {c.cluster}: {', '.join(c.terms)}",
            )
        )
    return out
