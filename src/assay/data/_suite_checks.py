"""Integrity checks of a suite: does it repeat itself, contradict itself, or promise slices too
small to measure?

Each check gives a :class:`SuiteFinding` (``warning`` for what distorts a result, ``info`` for
what a reader should know) with a count and the first example ids. The fast checks (exact
duplicates, label conflicts, empty or degenerate inputs, small slices) run whenever a suite is
registered; near duplicates (MinHash LSH, :mod:`assay.data._near_duplicates`), overlap with
other versions and with a training split run with ``assay suites check``.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

from assay._util import check_instance, check_int, check_number, plural
from assay.data._near_duplicates import count_duplicates, normalise_text
from assay.data._schema import SuiteData

__all__ = ["SuiteCheck", "SuiteFinding", "check_suite", "input_key"]

Severity = Literal["warning", "info"]
SHOWN_IDS = 20
_WORD = re.compile(r"\w", re.UNICODE)


@dataclass(frozen=True)
class SuiteFinding:
    """One problem a check found."""

    check: str
    """``exact_duplicates``, ``near_duplicates``, ``label_conflicts``, ``empty_inputs``,
    ``degenerate_inputs``, ``small_slices``, ``version_overlap`` or ``split_overlap``."""
    severity: Severity
    """``warning`` (it distorts results) or ``info`` (worth knowing)."""
    count: int
    """Examples (or slices, for ``small_slices``) concerned."""
    message: str
    """What was found, with its numbers."""
    example_ids: tuple[str, ...] = ()
    """The first concerned example ids (at most 20), or slice labels."""


@dataclass(frozen=True)
class SuiteCheck:
    """Every finding of the checks run on one suite version."""

    suite: str
    """The suite's name."""
    digest: str
    """Its content digest."""
    n_examples: int
    """Examples checked."""
    checks: tuple[str, ...]
    """The checks run (a check without a finding found nothing)."""
    findings: tuple[SuiteFinding, ...]
    """What they found, warnings first."""
    method: str
    """How duplicates were judged."""

    @property
    def warnings(self) -> int:
        """Findings of severity ``warning``."""
        return sum(f.severity == "warning" for f in self.findings)


def input_key(value: str | None) -> str | None:
    """An input as duplicates are judged: a text normalised (NFKC, case folded, white space
    collapsed), a feature mapping as its canonical JSON; ``None`` stays ``None``."""
    if value is None:
        return None
    check_instance(value, "value", "input_key", str, "a stored input (a str) or None")
    try:
        parsed: Any = json.loads(value)
    except (ValueError, RecursionError):  # RecursionError: nested too deep to be a mapping
        return normalise_text(value)
    if isinstance(parsed, str):
        return normalise_text(parsed)
    return json.dumps(parsed, sort_keys=True, separators=(",", ":"))


def _verb(n: int, one: str, many: str) -> str:
    """``1 example has`` / ``3 examples have``."""
    return f"{n:,} {one if n == 1 else many}"


def _ids(ids: Sequence[str], rows: Sequence[int]) -> tuple[str, ...]:
    return tuple(ids[i] for i in rows[:SHOWN_IDS])


def _groups(keys: Sequence[str | None]) -> list[list[int]]:
    found: dict[str, list[int]] = {}
    for i, key in enumerate(keys):
        if key is not None:
            found.setdefault(hashlib.sha256(key.encode()).hexdigest(), []).append(i)
    return [g for g in found.values() if len(g) > 1]


def _half_width(n: int) -> float:
    """The widest 95% Wilson half-width for a proportion from ``n`` examples (at p = 0.5)."""
    z = 1.959963984540054
    return z * math.sqrt(0.25 / n + z * z / (4 * n * n)) / (1 + z * z / n)


def _fast(data: SuiteData, min_slice_size: int) -> list[SuiteFinding]:
    ex = data.examples
    ids = [str(i) for i in ex.column("example_id").to_pylist()]
    raw = ex.column("input").to_pylist()
    refs = ex.column("reference").to_pylist()
    keys = [input_key(v) for v in raw]
    out: list[SuiteFinding] = []
    groups = _groups(keys)
    repeats = [i for g in groups for i in g[1:]]
    if repeats:
        out.append(
            SuiteFinding(
                "exact_duplicates",
                "warning",
                len(repeats),
                f"{_verb(len(repeats), 'example repeats', 'examples repeat')} an earlier "
                f"example's input ({plural(len(groups), 'group')}); a repeated item counts "
                "twice in every mean",
                _ids(ids, repeats),
            )
        )
    conflicts = [g for g in groups if len({refs[i] for i in g}) > 1]
    if conflicts:
        rows = [i for g in conflicts for i in g]
        out.append(
            SuiteFinding(
                "label_conflicts",
                "warning",
                len(rows),
                f"{plural(len(conflicts), 'group')} of identical inputs "
                f"({plural(len(rows), 'example')}) "
                f"{'has' if len(conflicts) == 1 else 'have'} different references: no model "
                "can score on all of them",
                _ids(ids, rows),
            )
        )
    empty = [i for i, k in enumerate(keys) if k is None or not k.strip()]
    if empty:
        out.append(
            SuiteFinding(
                "empty_inputs",
                "warning",
                len(empty),
                f"{_verb(len(empty), 'example has', 'examples have')} no input",
                _ids(ids, empty),
            )
        )
    degenerate = [
        i
        for i, k in enumerate(keys)
        if k is not None and k.strip() and (k in ("{}", "[]", "null") or not _WORD.search(k))
    ]
    if degenerate:
        out.append(
            SuiteFinding(
                "degenerate_inputs",
                "warning",
                len(degenerate),
                f"{_verb(len(degenerate), 'input has', 'inputs have')} no letter or digit "
                "(only punctuation, "
                "symbols or an empty mapping)",
                _ids(ids, degenerate),
            )
        )
    small: list[str] = []
    for name in data.suite.slice_names:
        values = ex.column(name).to_pylist()
        counts: dict[str, int] = {}
        for v in values:
            if v is not None:
                counts[str(v)] = counts.get(str(v), 0) + 1
        small += [
            f"{name}={v} (n={n}, ±{_half_width(n):.0%})"
            for v, n in sorted(counts.items())
            if n < min_slice_size
        ]
    if small:
        out.append(
            SuiteFinding(
                "small_slices",
                "info",
                len(small),
                f"{_verb(len(small), 'slice has', 'slices have')} fewer than {min_slice_size} examples: a proportion "
                "on them has a 95% interval up to the ± shown wide, so they are reported with "
                "their width, never as alarms",
                tuple(small[:SHOWN_IDS]),
            )
        )
    return out


def _near(data: SuiteData, threshold: float) -> list[SuiteFinding]:
    texts = [input_key(v) for v in data.examples.column("input").to_pylist()]
    dup = count_duplicates(texts, threshold=threshold)
    if not dup.near_pairs:
        return []
    return [
        SuiteFinding(
            "near_duplicates",
            "warning",
            dup.near_examples,
            f"{_verb(dup.near_examples, 'example nearly repeats', 'examples nearly repeat')} another distinct input "
            f"({plural(dup.near_pairs, 'pair')} at Jaccard >= {threshold})",
        )
    ]


def _overlap(data: SuiteData, other: SuiteData) -> list[SuiteFinding]:
    ids = [str(i) for i in data.examples.column("example_id").to_pylist()]
    keys = [input_key(v) for v in data.examples.column("input").to_pylist()]
    theirs = {input_key(v) for v in other.examples.column("input").to_pylist()} - {None}
    shared = [i for i, k in enumerate(keys) if k and k.strip() and k in theirs]
    if not shared:
        return []
    share = len(shared) / len(keys)
    return [
        SuiteFinding(
            "version_overlap",
            "info",
            len(shared),
            f"{plural(len(shared), 'example')} ({share:.1%}) "
            f"{'has' if len(shared) == 1 else 'have'} an input of version "
            f"{other.suite.version or other.digest[:12]} ({other.digest[:12]}); results on them "
            "are not independent of results on that version",
            _ids(ids, shared),
        )
    ]


def check_suite(
    data: SuiteData,
    *,
    others: Sequence[SuiteData] = (),
    near: bool = True,
    threshold: float = 0.8,
    min_slice_size: int = 30,
) -> SuiteCheck:
    """Run the integrity checks on ``data``; ``others`` are other versions of the suite to
    measure overlap with; ``near=False`` runs only the fast checks."""
    where = "check_suite"
    check_instance(data, "data", where, SuiteData, "a SuiteData")
    check_number(threshold, "threshold", where, low=0.0, high=1.0, low_open=True)
    check_int(min_slice_size, "min_slice_size", where, minimum=1)
    checks = ["exact_duplicates", "label_conflicts", "empty_inputs", "degenerate_inputs"]
    checks.append("small_slices")
    findings = _fast(data, min_slice_size)
    if near:
        checks.append("near_duplicates")
        findings += _near(data, threshold)
    for other in others:
        check_instance(other, "others", where, SuiteData, "SuiteData objects")
        checks.append("version_overlap")
        findings += _overlap(data, other)
    findings.sort(key=lambda f: f.severity != "warning")
    method = count_duplicates([], threshold=threshold).method if near else "exact duplicates only"
    return SuiteCheck(
        data.suite.name,
        data.digest,
        data.examples.num_rows,
        tuple(dict.fromkeys(checks)),
        tuple(findings),
        method,
    )
