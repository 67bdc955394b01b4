"""Functions-of-sums metrics of a streamed comparison: category counts, merged exactly.

The in-memory comparison draws the bootstrap of F1, MCC, ... as Poisson (or multinomial)
counts of *categories*: examples with the same label combination in both runs, in the same
slice. Those categories and their sizes are exact, chunk-independent sums, so a stream keeps,
per family, each category's size and its first example (its global position among the paired
examples), and computes the statistics of each label combination once, at the end, when the
label set is known. The categories are then ordered by (slice value, first example), exactly
as in memory, and drawn from the same seeded Poisson streams: the intervals are identical to
``compare_records(..., resampling="poisson")``, whatever the chunk size.

Metrics whose inputs take too many combinations (text metrics such as BLEU, whose statistics
differ for nearly every example) cannot be resampled this way in bounded memory and are
refused by name.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from assay.compare._align import PairedRuns, RunSide
from assay.compare._categories import MAX_CATEGORIES, Categories, category_results
from assay.compare._groups import _compact
from assay.compare._inputs import _as_array, input_column, record_inputs
from assay.compare._stream_cells import distinct_columns
from assay.core import MetricSpec
from assay.errors import ConfigError
from assay.metrics import MetricDefinition, get_metric
from assay.stats import PairedResult, ResampleWeights

__all__ = ["CategoryTotals"]

IntArray = npt.NDArray[np.int64]


def _refuse(spec: MetricSpec, why: str) -> ConfigError:
    return ConfigError(
        f"Metric {spec.name!r} ({spec.aggregate}) cannot be compared by streaming: {why}. "
        "Compare these runs in memory (streaming=False), or leave the metric out of the suite."
    )


@dataclass
class _Combos:
    """One run's label combinations of one metric, numbered as first seen."""

    index: dict[tuple[Any, ...], int] = field(default_factory=dict)

    def ids(self, at: dict[str, npt.NDArray[Any]], m: int) -> IntArray:
        columns = [at[k].tolist() for k in at]
        out = [
            self.index.setdefault(tuple(col[j] for col in columns), len(self.index))
            for j in range(m)
        ]
        return np.array([*out, -1], dtype=np.int64)

    def inputs(self, names: list[str]) -> dict[str, npt.NDArray[Any]]:
        keys = sorted(self.index, key=self.index.__getitem__)
        return {k: _as_array([key[i] for key in keys] or [0]) for i, k in enumerate(names)}


def _per_example(
    side: RunSide, usable: npt.NDArray[np.bool_], global_ids: IntArray, code: IntArray, n: int
) -> IntArray:
    """Each paired example's label combination (-1: none), from each record's ``code``."""
    if side.identity:  # record i is example i; an unusable record's code maps to -1
        found: IntArray = global_ids.take(code)
        return found
    per_example = np.full(n, -1, dtype=np.int64)
    rows = np.flatnonzero(usable & (side.example >= 0))
    per_example[side.example[rows]] = global_ids[code[rows]]
    return per_example


_LOW = (1 << 32) - 1


@dataclass
class _Found:
    """Categories met so far, by key ``(slice code + 1) << 32 | joint combination`` (sorted),
    with each one's size and first example; merged chunk by chunk without a Python loop."""

    keys: IntArray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    sizes: IntArray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    first: IntArray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))

    def add(self, keys: IntArray, sizes: IntArray, first: IntArray) -> None:
        """Add a chunk's categories (distinct ``keys``; ``first``: global positions)."""
        at = np.searchsorted(self.keys, keys)
        hit = np.zeros(keys.size, dtype=bool)
        inside = at < self.keys.size
        hit[inside] = self.keys[at[inside]] == keys[inside]
        np.add.at(self.sizes, at[hit], sizes[hit])
        new = ~hit
        if new.any():
            merged = np.concatenate([self.keys, keys[new]])
            order = np.argsort(merged, kind="stable")
            self.keys = merged[order]
            self.sizes = np.concatenate([self.sizes, sizes[new]])[order]
            self.first = np.concatenate([self.first, first[new]])[order]


@dataclass
class CategoryTotals:
    """Every functions-of-sums metric's categories, per family, over every chunk."""

    specs: list[tuple[MetricSpec, MetricDefinition]]
    n_families: int
    combos: list[tuple[_Combos, _Combos]] = field(default_factory=list)
    names: list[list[str]] = field(default_factory=list)
    joint: dict[tuple[int, ...], int] = field(default_factory=dict)
    found: list[_Found] = field(default_factory=list)
    """Per family: each (slice code, joint combination)'s size and first example."""
    missing: dict[str, dict[str, int]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.combos = [(_Combos(), _Combos()) for _ in self.specs]
        self.found = [_Found() for _ in range(self.n_families)]

    def __getstate__(self) -> dict[str, Any]:
        # a metric's definition travels by its name: definitions may hold local functions
        state = dict(self.__dict__)
        state["specs"] = [(spec, None) for spec, _ in self.specs]
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        state["specs"] = [(spec, get_metric(spec.aggregate)) for spec, _ in state["specs"]]
        self.__dict__.update(state)

    def add(self, paired: PairedRuns, codes: list[IntArray], offset: int) -> None:
        """Add a chunk: ``codes`` holds each family's slice code per paired example."""
        n = paired.n
        if paired.max_samples > 1:
            raise _refuse(
                self.specs[0][0],
                "its examples have repeated samples, whose statistics are averaged per "
                "example in memory",
            )
        columns = []
        # metrics that read the same columns (macro-F1 and MCC) decode them once
        decoded: dict[tuple[Any, ...], Any] = {}
        for (spec, d), combos in zip(self.specs, self.combos, strict=True):
            sources = tuple(input_column(k, spec.name, spec.aggregate) for k in d.inputs)
            for side, seen in zip((paired.baseline, paired.candidate), combos, strict=True):
                key = (side.name, d.inputs, sources)
                if key not in decoded:
                    inputs = record_inputs(side, d, spec.name, spec.aggregate)
                    if inputs.numbers:
                        raise _refuse(spec, "its inputs include numbers, not only labels")
                    decoded[key] = (inputs, inputs.combinations(limit=MAX_CATEGORIES))
                inputs, found = decoded[key]
                gone = self.missing.setdefault(side.name, {})
                gone[spec.name] = gone.get(spec.name, 0) + int((~inputs.usable).sum())
                if found is None:
                    raise _refuse(
                        spec, f"its inputs take more than {MAX_CATEGORIES:,} combinations"
                    )
                code, m, at = found
                global_ids = seen.ids(at, m)
                self.names_for(spec, list(at))
                spread = (key, global_ids.tobytes())  # metrics with the same inputs agree
                if spread not in decoded:
                    decoded[spread] = _per_example(side, inputs.usable, global_ids, code, n)
                columns.append(decoded[spread])
        if not n:
            return
        # a column repeated (two metrics of the same inputs) leaves the distinct combinations
        # and their order as they are: count them on the first of each
        distinct = [c for i, c in enumerate(columns) if all(c is not d for d in columns[:i])]
        local, first = distinct_columns(np.stack(distinct))
        combos = np.stack([c[first] for c in columns]).T.tolist()
        ids = np.array(
            [self.joint.setdefault(tuple(col), len(self.joint)) for col in combos],
            dtype=np.int64,
        )
        joint = ids[local]
        width = len(self.joint)
        backwards = np.arange(n, dtype=np.int64)[::-1]
        for f, group in enumerate(codes):
            packed, card = (group + 1) * width + joint, (int(group.max()) + 2) * width
            if card > 4 * n + 1024:
                packed, card = _compact(packed, card)
            starts = np.zeros(card, dtype=np.int64)
            starts[packed[::-1]] = backwards  # each category's first example
            sizes = np.bincount(packed, minlength=card)
            met = np.flatnonzero(sizes)
            starts, sizes = starts[met], sizes[met]
            keys = ((group[starts] + 1) << 32) | joint[starts]
            self.found[f].add(keys, sizes, offset + starts)
            if self.found[f].keys.size > MAX_CATEGORIES:
                spec = self.specs[0][0]
                raise _refuse(
                    spec, f"its label combinations × slice values pass {MAX_CATEGORIES:,}"
                )

    def names_for(self, spec: MetricSpec, names: list[str]) -> None:
        """Remember the order of the metric's label inputs."""
        i = [s for s, _ in self.specs].index(spec)
        while len(self.names) <= i:
            self.names.append([])
        self.names[i] = names

    def results(
        self,
        groups_of_codes: list[IntArray],
        family_sizes: list[int],
        weights: ResampleWeights,
        confidence: float,
    ) -> dict[str, list[list[PairedResult | None]]]:
        """Every metric's paired results on every group of every family."""
        keys = sorted(self.joint, key=self.joint.__getitem__)
        joint = np.array(keys, dtype=np.int64).reshape(len(keys), 2 * len(self.specs))
        stats, named = [], []
        for i, ((spec, d), (cb, cc)) in enumerate(zip(self.specs, self.combos, strict=True)):
            names = self.names[i] if i < len(self.names) else list(d.inputs)
            ib, ic = cb.inputs(names), cc.inputs(names)
            bound = d.bound(ib, ic)
            assert bound.statistics is not None and bound.value is not None
            pair = []
            for inputs, combos in ((ib, cb), (ic, cc)):
                table = np.asarray(bound.statistics(**inputs), dtype=np.float64)
                table = table.reshape(max(len(combos.index), 1), -1)[: len(combos.index)]
                pair.append(np.vstack([table, np.zeros((1, table.shape[1]))]))
            stats.append(pair)
            named.append((spec.name, bound.value))
        out: dict[str, list[list[PairedResult | None]]] = {name: [] for name, _ in named}
        for f, found in enumerate(self.found):
            codes = (found.keys >> 32) - 1
            group = groups_of_codes[f][codes] if f else np.zeros(codes.size, dtype=np.int64)
            order = np.lexsort((found.first, group))
            sizes = found.sizes[order]
            combo = joint[(found.keys & _LOW)[order]]
            tables, valids = [], []
            for i, (tb, tc) in enumerate(stats):
                gb, gc = combo[:, 2 * i], combo[:, 2 * i + 1]
                keep = (gb >= 0) & (gc >= 0)
                tables += [
                    np.where(keep[:, None], tb[gb], 0.0),
                    np.where(keep[:, None], tc[gc], 0.0),
                ]
                valids.append(keep)
            cats = Categories(sizes, group[order], tables, valids)
            res = category_results(named, cats, family_sizes[f], f, weights, confidence)
            for name, _ in named:
                out[name].append(res[name])
        return out

    def scored(self, metric: int) -> bool:
        """Whether some example has metric ``metric``'s statistics in both runs."""
        return any(k[2 * metric] >= 0 and k[2 * metric + 1] >= 0 for k in self.joint)
