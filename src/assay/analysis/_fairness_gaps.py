"""Disparities between groups: each metric's largest-minus-smallest gap and smallest-over-
largest ratio over the groups large enough for an interval, and Fairlearn's named ones
(demographic parity; equalised odds, the larger of the true- and false-positive-rate gaps),
each with its value on every bootstrap resample."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import numpy as np
import numpy.typing as npt

__all__ = ["EXPANDED", "Clusters", "Gap", "clusters_in", "gap_values", "measure_of"]

FloatArray = npt.NDArray[np.float64]


def _gap(values: FloatArray, measure: Literal["difference", "ratio"]) -> FloatArray:
    with np.errstate(invalid="ignore", divide="ignore"):
        high, low = np.max(values, axis=0), np.min(values, axis=0)
        gap: FloatArray = high - low if measure == "difference" else low / high
        return gap


_NAMED = {
    "demographic_parity_difference": ("selection_rate_difference",),
    "demographic_parity_ratio": ("selection_rate_ratio",),
    "equalized_odds_difference": (
        "true_positive_rate_difference",
        "false_positive_rate_difference",
    ),
    "equalized_odds_ratio": ("true_positive_rate_ratio", "false_positive_rate_ratio"),
}
"""Fairlearn's named disparities and the metric gaps they are the larger (smaller) of."""

Gap = tuple[float, FloatArray, str, str, tuple[str, ...]]
"""A disparity's value, its value on every resample, its lowest and highest group, and the
groups compared."""


def gap_values(
    names: list[str],
    eligible: dict[str, list[int]],
    point: dict[str, FloatArray],
    reps: dict[str, FloatArray],
) -> dict[str, Gap]:
    """Every disparity (``<metric>_difference``, ``<metric>_ratio`` and the named ones) over
    the eligible groups, with its value on every resample."""
    found: dict[str, Gap] = {}
    for metric, ids in eligible.items():
        if len(ids) < 2:
            continue
        values = point[metric][ids]
        low_g, high_g = names[ids[int(np.argmin(values))]], names[ids[int(np.argmax(values))]]
        members = tuple(names[i] for i in ids)
        measures: tuple[Literal["difference", "ratio"], ...] = ("difference", "ratio")
        for measure in measures:
            est = float(_gap(values[:, None], measure)[0])
            rep = _gap(reps[metric][ids], measure)
            found[f"{metric}_{measure}"] = (est, rep, low_g, high_g, members)
    for name, parts in _NAMED.items():
        if not all(p in found for p in parts):
            continue
        difference = name.endswith("difference")
        pick = np.max if difference else np.min
        est = float(pick([found[p][0] for p in parts]))
        rep = pick(np.stack([found[p][1] for p in parts]), axis=0)
        key = max if difference else min
        which = found[key(parts, key=lambda p: found[p][0])]
        groups = tuple(sorted(set.intersection(*(set(found[p][4]) for p in parts))))
        found[name] = (est, rep, which[2], which[3], groups)
    return found


def measure_of(name: str) -> Literal["difference", "ratio"]:
    """Whether the disparity called ``name`` is a difference or a ratio."""
    return "ratio" if name.endswith("ratio") else "difference"


EXPANDED = (
    "; each interval's tails expanded for the clusters with examples in its groups "
    "(Hesterberg's expanded percentile)"
)
"""What a result's method adds over clusters: each interval's own method names its G."""

Clusters = tuple[npt.NDArray[np.int64], npt.NDArray[np.int64], list[str]]
"""The cluster of each example, its group's code, and the group names."""


def clusters_in(clusters: Clusters | None, groups: Sequence[str]) -> int | None:
    """The number of clusters with examples in ``groups`` (``None`` without clusters): the G
    an interval over those groups is expanded for."""
    if clusters is None:
        return None
    units, code, names = clusters
    at = np.isin(code, [names.index(g) for g in groups])
    return int(np.unique(units[at]).size)
