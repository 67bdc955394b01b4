"""What slice discovery returns: the slices found, and the facts that make them believable."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from assay.analysis._attributes import Predicate

__all__ = ["DiscoveredSlice", "SliceDiscovery"]


def _num(x: float) -> float | None:
    return None if x != x or x in (float("inf"), float("-inf")) else float(x)


@dataclass(frozen=True)
class DiscoveredSlice:
    """A slice whose mean is worse than the rest's, after the multiplicity control."""

    description: str
    """Its predicates joined by ``AND`` (the shortest description of its rows)."""
    predicates: tuple[Predicate, ...]
    size: int
    """Examples in the slice (in the half that confirmed it, in split-sample mode)."""
    n_clusters: int | None
    """Clusters touching the slice, when clusters are the unit."""
    mean: float
    """Mean value (error or paired difference) in the slice."""
    rest_mean: float
    """Mean value outside the slice."""
    effect: float
    """``mean - rest_mean``: how much worse the slice is."""
    low: float
    """Lower bound of the effect's interval."""
    high: float
    """Upper bound of the effect's interval."""
    p_value: float
    """Two-sided p-value of the slice's test."""
    adjusted_p_value: float
    """The p-value adjusted over the whole family of candidates (or the confirmed set)."""
    share: float
    """Share of all examples in the slice (whole data)."""
    example_ids: tuple[str, ...]
    """Every example of the slice (whole data), sorted."""
    same_rows_as: tuple[str, ...] = ()
    """Longer descriptions of exactly the same examples, merged into this one."""
    confirming_half: bool = False
    """Split-sample mode: ``size``, the effect and its interval come from the confirming half
    only, while ``share`` and ``example_ids`` are over the whole data."""

    def n_text(self) -> str:
        """The examples behind the effect, in words: ``n = 87 of 170 (confirming half)`` in
        split-sample mode, ``n = 170`` otherwise."""
        total = len(self.example_ids)
        if self.confirming_half:
            return f"n = {self.size:,} of {total:,} (confirming half)"
        return f"n = {self.size:,}"

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON types."""
        return {
            "description": self.description,
            "predicates": [p.to_dict() for p in self.predicates],
            "size": self.size,
            "n_clusters": self.n_clusters,
            "mean": _num(self.mean),
            "rest_mean": _num(self.rest_mean),
            "effect": _num(self.effect),
            "low": _num(self.low),
            "high": _num(self.high),
            "p_value": self.p_value,
            "adjusted_p_value": self.adjusted_p_value,
            "share": self.share,
            "n_examples": len(self.example_ids),
            "confirming_half": self.confirming_half,
            "n_text": self.n_text(),
            "example_ids": list(self.example_ids),
            "same_rows_as": list(self.same_rows_as),
        }


@dataclass(frozen=True)
class SliceDiscovery:
    """Slices of a run (or of a paired difference) that are worse than the rest."""

    target: str
    """What was compared: ``error`` (of one run) or ``difference`` (candidate minus baseline
    error, per paired example)."""
    metric: str
    """The metric the values come from."""
    value_definition: str
    """How each example's value was computed, in words."""
    n: int
    """Examples analysed."""
    n_clusters: int | None
    """Clusters (the unit of every test), when the data has them."""
    overall_mean: float
    """Mean value over all examples."""
    attributes: tuple[str, ...]
    """The attributes slices are built from."""
    binned: tuple[str, ...]
    """Those of them that are numeric fields binned at quantiles."""
    bins: int
    max_predicates: int
    min_size: int
    test: str
    """``Welch t`` or ``cluster-robust t`` (two-sided; a discovery must be worse)."""
    control: str
    """``bh`` (false discovery rate), ``holm`` (family-wise error rate) or ``split``
    (discover on one half with BH, confirm on the other with Holm)."""
    alpha: float
    """The level: q for BH, the family-wise error rate for Holm and split."""
    confidence: float
    candidates: int
    """Slices tested: every candidate of the lattice (the family the control counts)."""
    attribute_sets: int
    """Attribute combinations evaluated (one pass over the data each)."""
    slices: tuple[DiscoveredSlice, ...]
    """The discoveries, most significant first; empty when none survives the control."""
    confirmed_family: int | None = None
    """Split mode: slices taken from the first half to be confirmed on the second."""
    seed: int | None = None
    """Split mode: the seed of the split."""
    run_ids: dict[str, str] = field(default_factory=dict)
    """The runs analysed (``run``, and ``baseline`` for a difference)."""
    explained: tuple[tuple[str, str], ...] = ()
    """Discoveries left out because another one explains them: (slice, explained by)."""
    too_few_clusters: int = 0
    """Candidates not tested because they (or their rest) touch fewer clusters than the
    minimum (their p-value counts as 1 in the family)."""

    @property
    def found(self) -> bool:
        """Whether any slice survived the control."""
        return bool(self.slices)

    def summary(self) -> str:
        """One sentence: what was found, among how many candidates, under which control."""
        control = {
            "bh": f"Benjamini-Hochberg at q = {self.alpha:g}",
            "holm": f"Holm at a family-wise {self.alpha:g}",
            "split": f"split-sample (BH then Holm at {self.alpha:g})",
        }[self.control]
        found = f"{len(self.slices)} slice(s) found" if self.slices else "No slice found"
        if self.explained:
            found += f" (and {len(self.explained)} inside or around them that they explain)"
        few = ""
        if self.too_few_clusters:
            few = f" {self.too_few_clusters:,} of them touch too few clusters to be tested."
        return (
            f"{found} worse than the rest among {self.candidates:,} candidate slices tested "
            f"({self.test}, {control}).{few}"
        )

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON types."""
        return {
            "target": self.target,
            "metric": self.metric,
            "value_definition": self.value_definition,
            "n": self.n,
            "n_clusters": self.n_clusters,
            "overall_mean": _num(self.overall_mean),
            "attributes": list(self.attributes),
            "binned": list(self.binned),
            "bins": self.bins,
            "max_predicates": self.max_predicates,
            "min_size": self.min_size,
            "test": self.test,
            "control": self.control,
            "alpha": self.alpha,
            "confidence": self.confidence,
            "candidates": self.candidates,
            "attribute_sets": self.attribute_sets,
            "confirmed_family": self.confirmed_family,
            "seed": self.seed,
            "run_ids": dict(self.run_ids),
            "found": self.found,
            "summary": self.summary(),
            "slices": [s.to_dict() for s in self.slices],
            "explained": [{"slice": a, "explained_by": b} for a, b in self.explained],
            "too_few_clusters": self.too_few_clusters,
        }
