"""Slice discovery with false-discovery control over a table of examples and their values.

Every slice of the lattice (:func:`assay.stats.slice_tests`) is tested against the rest; the
family is every candidate tested, and the control is Benjamini-Hochberg (``bh``), Holm
(``holm``) or split-sample (``split``: units, clusters when there are any, are split in two
halves by a seeded permutation; BH on the first half proposes, Holm on the second confirms, and
the reported effects and intervals are the second half's, free of the selection). A discovery
is a rejected slice whose mean is worse than the rest's. Discoveries that select exactly the
same examples are merged under the description with the fewest predicates.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import replace
from typing import Literal

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from assay._util import check_choice, check_int, check_probability, check_rng
from assay._util.arrow import numpy_array
from assay.analysis._attributes import AttributeCodes, Predicate, encode_attributes
from assay.analysis._nesting import explained_pairs
from assay.analysis._slices import DiscoveredSlice, SliceDiscovery
from assay.errors import DataError
from assay.stats import adjust_pvalues, slice_mask_tests, slice_tests

__all__ = ["discover_slices"]

Control = Literal["bh", "holm", "split"]
MAX_CONFIRM = 100
"""Split mode: at most this many first-half slices go to the second half."""

BoolArray = npt.NDArray[np.bool_]
IntArray = npt.NDArray[np.int64]


class _Masks:
    """Row masks of slices, each predicate's mask computed once and the slices' as their ANDs
    (a discovery's mask costs its predicates' ANDs, not a pass over every attribute)."""

    def __init__(self, codes: AttributeCodes) -> None:
        self.codes = codes
        self.columns: npt.NDArray[np.int64] | None = None
        self.levels: dict[tuple[int, int], BoolArray] = {}

    def __call__(self, slice_: tuple[tuple[int, int], ...]) -> BoolArray:
        inside: BoolArray | None = None
        for attribute, code in slice_:
            level = self.levels.get((attribute, code))
            if level is None:
                if self.columns is None:  # one copy with each attribute's codes contiguous
                    self.columns = np.asfortranarray(self.codes.codes)
                level = self.columns[:, attribute] == code
                self.levels[(attribute, code)] = level
            inside = level.copy() if inside is None else inside & level
        if inside is None:
            return np.ones(self.codes.codes.shape[0], dtype=bool)
        return inside


def _describe(codes: AttributeCodes, slice_: tuple[tuple[int, int], ...]) -> tuple[Predicate, ...]:
    return tuple(codes.predicates[a][c] for a, c in slice_)


def _cluster_codes(examples: pa.Table) -> IntArray | None:
    if "cluster" not in examples.column_names:
        return None
    column = examples.column("cluster").cast(pa.string()).combine_chunks()
    if column.null_count == len(column):
        return None
    encoded = pc.dictionary_encode(column)
    rank = np.argsort(np.argsort(encoded.dictionary.to_pylist(), kind="stable"))
    index = np.asarray(numpy_array(pc.fill_null(encoded.indices, -1)), dtype=np.int64)
    codes = np.where(index >= 0, rank[np.maximum(index, 0)], -1)
    alone = codes < 0
    # an example without a cluster is a cluster of its own
    codes[alone] = len(rank) + np.arange(int(alone.sum()))
    return codes.astype(np.int64)


def _merged(
    found: list[tuple[tuple[tuple[int, int], ...], int]], codes: AttributeCodes, masks: _Masks
) -> list[tuple[int, tuple[tuple[int, int], ...], list[str], BoolArray]]:
    """One entry per distinct set of rows: (index of the kept candidate, its slice, the
    descriptions merged into it, its row mask)."""
    groups: dict[bytes, list[tuple[tuple[tuple[int, int], ...], int]]] = {}
    rows: dict[bytes, BoolArray] = {}
    for slice_, index in found:
        mask = masks(slice_)
        key = hashlib.sha256(np.packbits(mask).tobytes()).digest()
        groups.setdefault(key, []).append((slice_, index))
        rows.setdefault(key, mask)

    def text(s: tuple[tuple[int, int], ...]) -> str:
        return " AND ".join(p.describe() for p in _describe(codes, s))

    out = []
    for key, members in groups.items():
        members.sort(key=lambda m: (len(m[0]), text(m[0])))
        keep, index = members[0]
        out.append((index, keep, [text(s) for s, _ in members[1:]], rows[key]))
    return out


def _example_ids(ids: list[str], masks: list[BoolArray]) -> list[tuple[str, ...]]:
    """Each mask's example ids, sorted (one sort of every id, then a selection per mask)."""
    if not masks:
        return []
    order = np.array(sorted(range(len(ids)), key=ids.__getitem__), dtype=np.int64)
    in_order = np.empty(len(ids), dtype=object)
    in_order[:] = [ids[j] for j in order]
    return [tuple(in_order[mask[order]].tolist()) for mask in masks]


def discover_slices(
    examples: pa.Table,
    values: npt.ArrayLike,
    *,
    attributes: Sequence[str],
    numeric: Sequence[str] = (),
    target: str = "error",
    metric: str = "",
    value_definition: str = "",
    control: Control = "bh",
    alpha: float = 0.05,
    max_predicates: int = 3,
    min_size: int = 30,
    bins: int = 4,
    confidence: float = 0.95,
    rng: int | np.random.Generator = 0,
) -> SliceDiscovery:
    """Slices of ``examples`` (one row per example: ``example_id``, optional ``cluster``,
    the attribute columns) whose mean of ``values`` is worse (higher) than the rest's.

    ``attributes`` are categorical columns used as they are; ``numeric`` fields are binned at
    ``bins`` quantiles (``input_length`` is computed from ``input``). See the module docstring
    for the controls; ``alpha`` is the FDR level q for ``bh`` and the family-wise level for
    ``holm`` and ``split``. ``rng`` seeds the split.
    """
    function = "discover_slices"
    check_choice(control, "control", function, ("bh", "holm", "split"))
    level = check_probability(alpha, "alpha", function)
    check_int(max_predicates, "max_predicates", function)
    check_int(min_size, "min_size", function, minimum=2)
    check_int(bins, "bins", function, minimum=2)
    y = np.asarray(values, dtype=np.float64)
    if y.shape != (examples.num_rows,):
        raise DataError(f"{function}: {y.shape} values for {examples.num_rows} examples")
    if not [*attributes, *numeric]:
        raise DataError(
            f"{function}: nothing to slice on: the suite declares no slice attributes and no "
            "numeric field was named (name one, e.g. input_length)"
        )
    codes = encode_attributes(examples, attributes, numeric, bins=bins)
    clusters = _cluster_codes(examples)
    ids = examples.column("example_id").cast(pa.string()).to_pylist()
    n = len(y)
    common = dict(max_predicates=max_predicates, min_size=min_size, confidence=confidence)
    masker = _Masks(codes)
    seed = None
    confirmed_family = None
    first = np.zeros(n, dtype=bool)
    if control == "split":
        generator, seed = check_rng(rng, function)
        units = clusters if clusters is not None else np.arange(n)
        n_units = int(units.max()) + 1 if n else 0
        first_units = generator.permutation(n_units)[: n_units // 2]
        first = np.isin(units, first_units)
        g1 = None if clusters is None else np.unique(clusters[first], return_inverse=True)[1]
        g2 = None if clusters is None else np.unique(clusters[~first], return_inverse=True)[1]
        half = slice_tests(codes.codes[first], y[first], clusters=g1, **common)  # type: ignore[arg-type]
        adj1 = adjust_pvalues(half.moments.p_value, method="bh", alpha=level)
        picked = np.flatnonzero(np.array(adj1.reject, dtype=bool) & (half.moments.effect > 0))
        picked = picked[np.argsort(half.moments.p_value[picked], kind="stable")][:MAX_CONFIRM]
        candidates = [half.predicates[i] for i in picked]
        confirmed_family = len(candidates)
        masks = np.array([masker(s)[~first] for s in candidates]).reshape(-1, int((~first).sum()))
        moments = slice_mask_tests(masks, y[~first], clusters=g2, confidence=confidence)
        adj = adjust_pvalues(moments.p_value, method="holm", alpha=level)
        family, attribute_sets, test = len(half.predicates), half.attribute_sets, half.method
        few = half.moments.few_clusters
    else:
        tests = slice_tests(codes.codes, y, clusters=clusters, **common)  # type: ignore[arg-type]
        candidates = list(tests.predicates)
        moments = tests.moments
        adj = adjust_pvalues(moments.p_value, method=control, alpha=level)
        family, attribute_sets, test = len(candidates), tests.attribute_sets, tests.method
        few = moments.few_clusters
    reject = np.array(adj.reject, dtype=bool) & (moments.effect > 0)
    found = [(candidates[i], int(i)) for i in np.flatnonzero(reject)]
    adjusted = np.array(adj.adjusted, dtype=np.float64)
    slices = []
    full_masks, rows_of = [], []
    # the data the reported effects come from: the confirming half in split mode
    part = ~first if control == "split" else np.ones(n, dtype=bool)
    for i, slice_, merged, mask in _merged(found, codes, masker):
        full_masks.append(mask)
        rows_of.append(mask if control != "split" else mask[part])
        clusters_in = moments.clusters_in
        slices.append(
            DiscoveredSlice(
                description=" AND ".join(p.describe() for p in _describe(codes, slice_)),
                predicates=_describe(codes, slice_),
                size=int(moments.size[i]),
                n_clusters=None if clusters_in is None else int(clusters_in[i]),
                mean=float(moments.mean[i]),
                rest_mean=float(moments.rest_mean[i]),
                effect=float(moments.effect[i]),
                low=float(moments.low[i]),
                high=float(moments.high[i]),
                p_value=float(moments.p_value[i]),
                adjusted_p_value=float(adjusted[i]),
                share=float(np.count_nonzero(mask) / n) if n else 0.0,
                example_ids=(),
                same_rows_as=tuple(merged),
                confirming_half=control == "split",
            )
        )
    part_clusters = None
    if clusters is not None:
        part_clusters = np.unique(clusters[part], return_inverse=True)[1].astype(np.int64)
    why = explained_pairs(
        rows_of, [s.adjusted_p_value for s in slices], y[part], part_clusters, level
    )
    explained = tuple(
        (slices[k].description, slices[v].description) for k, v in sorted(why.items())
    )
    listed = [k for k in range(len(slices)) if k not in why]
    # example ids only of what is listed (of every example, in split mode too)
    shown = _example_ids(ids, [full_masks[k] for k in listed])
    slices = [
        replace(slices[k], example_ids=found_ids)
        for k, found_ids in zip(listed, shown, strict=True)
    ]
    slices.sort(key=lambda s: (s.adjusted_p_value, -s.effect * s.share, s.description))
    n_clusters = None if clusters is None else int(clusters.max()) + 1
    return SliceDiscovery(
        target=target,
        metric=metric,
        value_definition=value_definition,
        n=n,
        n_clusters=n_clusters,
        overall_mean=float(y.mean()) if n else float("nan"),
        attributes=codes.names,
        binned=codes.binned,
        bins=bins,
        max_predicates=max_predicates,
        min_size=min_size,
        test=test,
        control=control,
        alpha=level,
        confidence=confidence,
        candidates=family,
        attribute_sets=attribute_sets,
        slices=tuple(slices),
        confirmed_family=confirmed_family,
        seed=seed,
        explained=explained,
        too_few_clusters=0 if few is None else int(few.sum()),
    )
