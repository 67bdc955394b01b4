"""The profile of a table: per-column counts, moments, pinned bins and sketches.

A :class:`Profile` is a value: frozen, serialisable to canonical bytes (see
:mod:`assay.monitor._profile_io`) and named by the SHA-256 of those bytes. Numeric columns keep
exact counts and value sums in up to 100 bins whose edges are the reference's percentiles
(the PSI/JS bins are the reference's deciles, a subset of those edges), a KLL quantile sketch,
and moments; categorical columns keep exact counts of their (at most ``max_categories``) most
frequent values, a frequent-items sketch and a HyperLogLog distinct count.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Literal

__all__ = ["PROFILE_FORMAT", "CategoricalSummary", "ColumnProfile", "NumericSummary", "Profile"]

PROFILE_FORMAT = "assay.profile/1"
"""The serialisation format; profiles of another format are refused, never misread."""

ColumnKind = Literal["numeric", "categorical", "unsupported"]


@dataclass(frozen=True)
class NumericSummary:
    """What a profile keeps of a numeric column (finite values only)."""

    edges: tuple[float, ...]
    """Interior bin edges (sorted, unique): bin ``j`` holds ``edges[j-1] <= x < edges[j]``."""
    coarse: tuple[int, ...]
    """For each of the ``len(edges) + 1`` bins, its PSI/JS bin (the reference deciles)."""
    counts: tuple[int, ...]
    """Finite values in each bin."""
    sums: tuple[float, ...]
    """Sum of the finite values in each bin (a bin's mean is ``sums / counts``)."""
    exact_bins: bool
    """Whether ``counts`` were counted from the values (False: estimated from the sketch)."""
    count: int
    """Finite values."""
    mean: float
    """Mean of the finite values (NaN when none)."""
    m2: float
    """Sum of squared deviations from the mean (Chan's merge keeps it exact)."""
    minimum: float
    """Smallest finite value (NaN when none)."""
    maximum: float
    """Largest finite value (NaN when none)."""
    kll: bytes
    """Serialized KLL quantile sketch of the finite values."""
    hll: bytes | None
    """Serialized HyperLogLog sketch of the distinct values; None for a continuous column."""

    @property
    def std(self) -> float:
        """Sample standard deviation (NaN with fewer than two values)."""
        return (self.m2 / (self.count - 1)) ** 0.5 if self.count > 1 else float("nan")


@dataclass(frozen=True)
class CategoricalSummary:
    """What a profile keeps of a categorical column (strings, booleans, dictionaries)."""

    categories: tuple[str, ...]
    """The most frequent values, in descending count (ties by value)."""
    counts: tuple[int, ...]
    """Exact count of each kept value."""
    other: int
    """Values outside the kept categories (0 when every value is kept: counts are exact)."""
    frequent: bytes
    """Serialized frequent-items sketch (all values)."""
    hll: bytes
    """Serialized HyperLogLog sketch of the distinct values."""


@dataclass(frozen=True)
class ColumnProfile:
    """One column of a profile."""

    name: str
    """The column's name."""
    kind: ColumnKind
    """How the column is profiled: numeric, categorical, or unsupported (counts only)."""
    dtype: str
    """The Arrow type of the column."""
    rows: int
    """Rows (including nulls)."""
    nulls: int
    """Null values."""
    nan: int
    """NaN values (numeric columns)."""
    inf: int
    """Infinite values (numeric columns)."""
    numeric: NumericSummary | None = None
    """The numeric summary (numeric columns)."""
    categorical: CategoricalSummary | None = None
    """The categorical summary (categorical columns)."""

    @property
    def missing(self) -> int:
        """Nulls plus NaN."""
        return self.nulls + self.nan


@dataclass(frozen=True)
class Profile:
    """A table's profile: a name, its row count and one :class:`ColumnProfile` per column."""

    name: str
    """A label (``"reference"``, ``"2026-12-06T07"``); part of the content."""
    rows: int
    """Rows of the profiled table (or of all merged tables)."""
    columns: tuple[ColumnProfile, ...]
    """The columns, in table order."""
    format: str = PROFILE_FORMAT
    """Serialisation format."""

    def column(self, name: str) -> ColumnProfile:
        """The column called ``name`` (KeyError when absent)."""
        for col in self.columns:
            if col.name == name:
                return col
        raise KeyError(name)

    @property
    def column_names(self) -> tuple[str, ...]:
        """The column names, in order."""
        return tuple(c.name for c in self.columns)

    def to_bytes(self) -> bytes:
        """Canonical serialisation (sorted-key JSON, sketches base64)."""
        from assay.monitor._profile_io import profile_to_bytes

        return profile_to_bytes(self)

    @cached_property
    def digest(self) -> str:
        """SHA-256 of :meth:`to_bytes`: the profile's identity (computed once)."""
        import hashlib

        return hashlib.sha256(self.to_bytes()).hexdigest()
