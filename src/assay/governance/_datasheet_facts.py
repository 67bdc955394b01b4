"""The facts of a suite that its examples can answer: size, slices, clusters, duplicates."""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Sequence
from typing import Any

import pyarrow as pa
from pydantic import BaseModel, ConfigDict, Field

from assay._util import check_instance
from assay.core import Suite
from assay.data import SuiteData, SuiteFinding, check_suite, count_duplicates

__all__ = ["DatasheetFacts", "SliceCounts", "compute_facts", "input_text", "licence_of"]

_CONFIG = ConfigDict(frozen=True, extra="forbid", use_attribute_docstrings=True)
MISSING = "(missing)"
# Licence names as catalogs write them, longest first so "CC BY-SA 4.0" wins over "CC BY".
_LICENCES = re.compile(
    r"\b(CC[ -]BY(?:[ -](?:SA|NC|ND|NC-SA|NC-ND))?(?:[ -]\d\.\d)?|CC0(?:[ -]1\.0)?|"
    r"MIT|Apache(?:[ -]License)?[ -]?2\.0|BSD[ -]\d-Clause|GPL-?\dv?\.?\d?|ODC-BY|ODbL|"
    r"public domain)\b",
    re.IGNORECASE,
)


class SliceCounts(BaseModel):
    """How the examples spread over one slice attribute's values."""

    model_config = _CONFIG

    attribute: str
    """The slice attribute."""
    counts: dict[str, int]
    """Examples per value, largest first; ``(missing)`` for examples without a value."""


class DatasheetFacts(BaseModel):
    """What the examples themselves say about a suite, computed, not written."""

    model_config = _CONFIG

    n_examples: int
    """Examples in the suite."""
    n_clusters: int | None
    """Distinct clusters (an example without one counts as its own), ``None`` without any."""
    largest_cluster: int | None
    """Examples in the largest cluster."""
    slices: list[SliceCounts] = Field(default_factory=list)
    """Distribution of every slice attribute."""
    missing_inputs: int
    """Examples without an input."""
    missing_references: int
    """Examples without a reference (label, target, expected answer)."""
    exact_duplicates: int
    """Examples whose normalised input repeats an earlier example's."""
    exact_duplicate_share: float
    """``exact_duplicates / n_examples``."""
    label_conflicts: int
    """Groups of identical inputs whose references differ."""
    near_duplicate_examples: int
    """Examples whose input nearly repeats another distinct one."""
    near_duplicate_share: float
    """``near_duplicate_examples / n_examples``."""
    near_duplicate_pairs: int
    """Pairs of distinct inputs at or above the threshold."""
    near_duplicate_left_out: int = 0
    """Examples left out of the near-duplicate check: their input has no words."""
    duplicate_method: str
    """How exact and near duplicates were found (normalisation, shingles, threshold)."""
    licence: str | None
    """The licence the catalog's source names, ``None`` when it names none."""
    integrity: list[str] = Field(default_factory=list)
    """Findings of the suite's fast integrity checks beyond duplicates (empty or degenerate
    inputs, slices too small for their metric; :func:`assay.data.check_suite`)."""


def licence_of(source: str) -> str | None:
    """The first licence named in a catalog's ``source`` text, as written there."""
    check_instance(source, "source", "licence_of", str, "a str")
    found = _LICENCES.search(source)
    return found[0] if found else None


def input_text(value: str | None) -> str | None:
    """An example's stored input as duplicates are judged: a text as the text, anything else
    (a feature mapping) as its canonical JSON, as stored."""
    if value is None:
        return None
    try:
        parsed: Any = json.loads(value)
    except ValueError:
        return value
    return parsed if isinstance(parsed, str) else value


def compute_facts(
    suite: Suite,
    examples: pa.Table,
    *,
    threshold: float = 0.8,
    findings: Sequence[SuiteFinding] | None = None,
) -> DatasheetFacts:
    """The computed facts of ``suite`` from its examples table; ``findings`` are its stored
    integrity findings (the fast checks run here when None)."""
    check_instance(suite, "suite", "compute_facts", Suite, "a Suite")
    check_instance(examples, "examples", "compute_facts", pa.Table, "a pyarrow.Table")
    check_instance(findings, "findings", "compute_facts", (list, tuple, type(None)), "a list")
    if findings is None:
        findings = check_suite(SuiteData(suite, examples), near=False).findings
    n = examples.num_rows
    clusters = examples.column("cluster").to_pylist()
    ids = examples.column("example_id").to_pylist()
    n_clusters = largest = None
    if any(c is not None for c in clusters):
        sizes = Counter(
            c if c is not None else f"\x00{i}" for c, i in zip(clusters, ids, strict=True)
        )
        n_clusters, largest = len(sizes), max(sizes.values())
    slices = []
    for name in suite.slice_names:
        counts = Counter(v if v is not None else MISSING for v in examples.column(name).to_pylist())
        ordered = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
        slices.append(SliceCounts(attribute=name, counts=dict(ordered)))
    inputs = [input_text(v) for v in examples.column("input").to_pylist()]
    references = examples.column("reference").to_pylist()
    dup = count_duplicates(inputs, references, threshold=threshold)
    return DatasheetFacts(
        n_examples=n,
        n_clusters=n_clusters,
        largest_cluster=largest,
        slices=slices,
        missing_inputs=sum(v is None for v in inputs),
        missing_references=sum(v is None for v in references),
        exact_duplicates=dup.exact_redundant,
        exact_duplicate_share=dup.exact_redundant / n if n else 0.0,
        label_conflicts=dup.label_conflicts,
        near_duplicate_examples=dup.near_examples,
        near_duplicate_share=dup.near_examples / n if n else 0.0,
        near_duplicate_pairs=dup.near_pairs,
        near_duplicate_left_out=dup.near_left_out,
        duplicate_method=dup.method,
        licence=licence_of(suite.catalog.source),
        integrity=[
            f"{f.check.replace('_', ' ')}: {f.message}"
            + (f" ({', '.join(f.example_ids[:5])})" if f.example_ids else "")
            for f in findings
            if f.check not in ("exact_duplicates", "label_conflicts", "near_duplicates")
        ],
    )
