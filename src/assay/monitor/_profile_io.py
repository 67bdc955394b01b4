"""Profiles as canonical bytes, back, and merged.

The bytes are UTF-8 JSON with sorted keys and no spaces, sketches in base64, floats written as
Python's shortest round-trip form: the same profile always gives the same bytes, so its SHA-256
names it. ``format`` is checked on reading; another format is refused with a DataError.

Merging (shards of one table, hourly windows into a day): counts, nulls, NaN, infinities,
minimum and maximum, bin counts on identical edges and category counts add exactly; mean and
variance merge exactly by Chan's formula; KLL, HyperLogLog and frequent-items sketches merge
within their stated error. Numeric bins on different edges are re-estimated from the merged
KLL sketch on the first profile's edges (``exact_bins`` becomes False).
"""

from __future__ import annotations

import base64
import json
from collections.abc import Sequence
from dataclasses import asdict, replace
from typing import Any

import numpy as np

from assay.errors import DataError
from assay.monitor._profile import MAX_CATEGORIES, _ds
from assay.monitor._profile_model import (
    PROFILE_FORMAT,
    CategoricalSummary,
    ColumnProfile,
    NumericSummary,
    Profile,
)

__all__ = ["merge_profiles", "profile_from_bytes", "profile_to_bytes"]

_BYTES_FIELDS = {"kll", "hll", "frequent"}
MAX_PROFILE_BYTES = 256 * 1024 * 1024


def _encode(value: Any) -> Any:
    if isinstance(value, bytes):
        return base64.b64encode(value).decode("ascii")
    if isinstance(value, dict):
        return {k: _encode(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_encode(v) for v in value]
    return value


def profile_to_bytes(profile: Profile) -> bytes:
    """Canonical serialisation of a profile."""
    doc = _encode(asdict(profile))
    return json.dumps(doc, sort_keys=True, separators=(",", ":"), allow_nan=True).encode()


def _b64(value: Any, where: str) -> bytes | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise DataError(
            f"profile field {where} is not base64 text",
            expected="base64",
            found=type(value).__name__,
        )
    return base64.b64decode(value.encode("ascii"), validate=True)


def _numeric(doc: dict[str, Any], where: str) -> NumericSummary:
    kll = _b64(doc["kll"], f"{where}.kll")
    return NumericSummary(
        edges=tuple(float(x) for x in doc["edges"]),
        coarse=tuple(int(x) for x in doc["coarse"]),
        counts=tuple(int(x) for x in doc["counts"]),
        sums=tuple(float(x) for x in doc["sums"]),
        exact_bins=bool(doc["exact_bins"]),
        count=int(doc["count"]),
        mean=float(doc["mean"]),
        m2=float(doc["m2"]),
        minimum=float(doc["minimum"]),
        maximum=float(doc["maximum"]),
        kll=kll or b"",
        hll=_b64(doc.get("hll"), f"{where}.hll"),
    )


def _categorical(doc: dict[str, Any], where: str) -> CategoricalSummary:
    return CategoricalSummary(
        categories=tuple(str(x) for x in doc["categories"]),
        counts=tuple(int(x) for x in doc["counts"]),
        other=int(doc["other"]),
        frequent=_b64(doc["frequent"], f"{where}.frequent") or b"",
        hll=_b64(doc["hll"], f"{where}.hll") or b"",
    )


def profile_from_bytes(raw: bytes, *, source: str = "profile") -> Profile:
    """A profile from :func:`profile_to_bytes` output; a DataError for anything else."""
    if len(raw) > MAX_PROFILE_BYTES:
        raise DataError(f"{source}: a profile larger than {MAX_PROFILE_BYTES} bytes is refused")
    try:
        doc = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise DataError(f"{source} is not a profile (not JSON): {exc}") from exc
    if not isinstance(doc, dict) or "format" not in doc:
        raise DataError(f"{source} is not a profile", expected=f"format {PROFILE_FORMAT}")
    if doc["format"] != PROFILE_FORMAT:
        raise DataError(
            f"{source} has profile format {str(doc['format'])[:40]!r}; this assay reads "
            f"{PROFILE_FORMAT!r}: rebuild the profile with this version"
        )
    try:
        columns = []
        for i, c in enumerate(doc["columns"]):
            where = f"columns[{i}]"
            if c["kind"] not in ("numeric", "categorical", "unsupported"):
                raise ValueError(f"{where}.kind is {str(c['kind'])[:40]!r}")
            columns.append(
                ColumnProfile(
                    name=str(c["name"]),
                    kind=c["kind"],
                    dtype=str(c["dtype"]),
                    rows=int(c["rows"]),
                    nulls=int(c["nulls"]),
                    nan=int(c["nan"]),
                    inf=int(c["inf"]),
                    numeric=None if c.get("numeric") is None else _numeric(c["numeric"], where),
                    categorical=None
                    if c.get("categorical") is None
                    else _categorical(c["categorical"], where),
                )
            )
        return Profile(name=str(doc["name"]), rows=int(doc["rows"]), columns=tuple(columns))
    except (KeyError, TypeError, ValueError) as exc:
        raise DataError(f"{source} is a damaged profile: {type(exc).__name__} {exc}") from exc


def _merge_numeric(parts: list[NumericSummary]) -> NumericSummary:
    ds = _ds()
    kll = ds.kll_doubles_sketch.deserialize(parts[0].kll)
    for p in parts[1:]:
        kll.merge(ds.kll_doubles_sketch.deserialize(p.kll))
    n = sum(p.count for p in parts)
    mean, m2, seen = 0.0, 0.0, 0
    for p in parts:
        if p.count == 0:
            continue
        delta = p.mean - mean
        total = seen + p.count
        mean += delta * p.count / total
        m2 += p.m2 + delta * delta * seen * p.count / total
        seen = total
    edges = parts[0].edges
    if all(p.edges == edges for p in parts):
        counts = np.sum([p.counts for p in parts], axis=0)
        sums = np.sum([p.sums for p in parts], axis=0)
        exact = all(p.exact_bins for p in parts)
    else:
        pmf = np.asarray(kll.get_pmf(list(edges)) if edges and n else [1.0] * (len(edges) + 1))
        counts = np.rint(pmf * n)
        mids = (
            kll.get_quantiles(list(np.clip(np.cumsum(pmf) - pmf / 2, 0, 1)))
            if n
            else [0.0] * pmf.size
        )
        sums = counts * np.asarray(mids, dtype=np.float64)
        exact = False
    hll: bytes | None = None
    if all(p.hll is not None for p in parts):
        union = ds.hll_union(12)
        for p in parts:
            union.update(ds.hll_sketch.deserialize(p.hll))
        hll = bytes(union.get_result().serialize_compact())
    mins = [p.minimum for p in parts if p.count]
    maxs = [p.maximum for p in parts if p.count]
    return NumericSummary(
        edges=edges,
        coarse=parts[0].coarse,
        counts=tuple(int(c) for c in counts),
        sums=tuple(float(s) for s in sums),
        exact_bins=exact,
        count=n,
        mean=mean if n else float("nan"),
        m2=m2,
        minimum=min(mins) if mins else float("nan"),
        maximum=max(maxs) if maxs else float("nan"),
        kll=bytes(kll.serialize()),
        hll=hll,
    )


def _merge_categorical(parts: list[CategoricalSummary]) -> CategoricalSummary:
    ds = _ds()
    totals: dict[str, int] = {}
    for p in parts:
        for cat, count in zip(p.categories, p.counts, strict=True):
            totals[cat] = totals.get(cat, 0) + count
    order = sorted(totals, key=lambda k: (-totals[k], k))
    limit = max(MAX_CATEGORIES, max(len(p.categories) for p in parts))
    kept = order[:limit]
    freq = ds.frequent_strings_sketch.deserialize(parts[0].frequent)
    union = ds.hll_union(12)
    for p in parts:
        if p is not parts[0]:
            freq.merge(ds.frequent_strings_sketch.deserialize(p.frequent))
        union.update(ds.hll_sketch.deserialize(p.hll))
    return CategoricalSummary(
        categories=tuple(kept),
        counts=tuple(totals[k] for k in kept),
        other=sum(p.other for p in parts) + sum(totals[k] for k in order[limit:]),
        frequent=bytes(freq.serialize()),
        hll=bytes(union.get_result().serialize_compact()),
    )


def merge_profiles(profiles: Sequence[Profile], *, name: str | None = None) -> Profile:
    """One profile of the union of the profiled tables (same columns, same kinds, same format)."""
    if not profiles:
        raise DataError("no profiles to merge", expected="at least one profile")
    first = profiles[0]
    for p in profiles[1:]:
        if p.format != first.format:
            raise DataError(
                f"profiles of formats {first.format!r} and {p.format!r} cannot be merged"
            )
        if p.column_names != first.column_names:
            raise DataError(
                "profiles with different columns cannot be merged",
                expected=", ".join(first.column_names)[:200],
                found=", ".join(p.column_names)[:200],
            )
    columns = []
    for i, col in enumerate(first.columns):
        parts = [p.columns[i] for p in profiles]
        kinds = {c.kind for c in parts}
        if len(kinds) > 1:
            raise DataError(
                f"column {col.name!r} has different kinds across profiles: {sorted(kinds)}"
            )
        merged = replace(
            col,
            rows=sum(c.rows for c in parts),
            nulls=sum(c.nulls for c in parts),
            nan=sum(c.nan for c in parts),
            inf=sum(c.inf for c in parts),
        )
        if col.kind == "numeric":
            merged = replace(
                merged, numeric=_merge_numeric([c.numeric for c in parts if c.numeric])
            )
        elif col.kind == "categorical":
            merged = replace(
                merged,
                categorical=_merge_categorical([c.categorical for c in parts if c.categorical]),
            )
        columns.append(merged)
    return Profile(
        name=name or first.name, rows=sum(p.rows for p in profiles), columns=tuple(columns)
    )
