"""The 2×2 of paired outcomes per metric (improved, regressed, both right, both wrong) and
the examples in each cell, computed in Arrow and NumPy from both runs' records.

Scores are averaged over an example's samples, as the comparison does; examples where either
run has no score are left out. Improved and regressed match
:attr:`assay.core.Comparison.flip_counts`; "right" and "wrong" are defined for 0/1 metrics
(1 is right for a higher-is-better metric, 0 for a lower-is-better one); other metrics count
the unchanged examples together.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt
    import pyarrow as pa

    from assay.storage import Store

__all__ = ["KINDS", "Paired", "Quadrant", "paired_scores", "quadrants"]

Kind = Literal["improved", "regressed", "both_right", "both_wrong", "unchanged"]
KINDS: tuple[Kind, ...] = ("improved", "regressed", "both_right", "both_wrong", "unchanged")


@dataclass(frozen=True)
class Quadrant:
    """How the shared examples of one metric split by the two runs' scores."""

    metric: str
    improved: int
    regressed: int
    both_right: int | None
    """None for metrics whose scores are not all 0 or 1."""
    both_wrong: int | None
    unchanged: int


@dataclass(frozen=True)
class Paired:
    """Each shared example's mean score in both runs, for one metric."""

    metric: str
    goal: str
    example_ids: npt.NDArray[Any]
    baseline: npt.NDArray[np.float64]
    candidate: npt.NDArray[np.float64]

    def masks(self) -> dict[Kind, npt.NDArray[np.bool_]]:
        """Which examples fall in each cell (valid scores only)."""
        import numpy as np

        b, c = self.baseline, self.candidate
        valid = ~(np.isnan(b) | np.isnan(c))
        change = np.where(valid, (c - b) if self.goal == "higher" else (b - c), 0.0)
        same = valid & (change == 0)
        good = 1.0 if self.goal == "higher" else 0.0
        return {
            "improved": valid & (change > 0),
            "regressed": valid & (change < 0),
            "both_right": same & (b == good),
            "both_wrong": same & (b != good),
            "unchanged": same,
        }

    @property
    def binary(self) -> bool:
        """Whether every score is 0 or 1."""
        import numpy as np

        scores = np.concatenate((self.baseline, self.candidate))
        scores = scores[~np.isnan(scores)]
        return bool(np.all((scores == 0.0) | (scores == 1.0)))

    def examples(self, kind: Kind) -> list[str]:
        """The example ids in one cell, in id order."""
        import numpy as np

        ids = self.example_ids[self.masks()[kind]]
        return [str(x) for x in np.sort(ids).tolist()]


def _means(records: pa.Table, metric: str) -> pa.Table:
    import pyarrow as pa

    scores = records.select(["example_id", metric])
    scores = scores.set_column(1, metric, scores.column(metric).cast(pa.float64()))
    grouped = scores.group_by("example_id").aggregate([(metric, "mean")])
    return grouped.select(["example_id", f"{metric}_mean"])


def paired_scores(store: Store, baseline: str, candidate: str) -> list[Paired]:
    """Per metric of the suite, the shared examples' mean scores in both runs."""
    import numpy as np
    import pyarrow.compute as pc

    base, cand = store.runs.get(baseline), store.runs.get(candidate)
    suite = store.suites.get(cand.suite_digest)
    out = []
    for spec in suite.metrics:
        if spec.aggregate != "mean":
            continue
        b = store.runs.records(base.run_id, ["example_id", spec.name])
        c = store.runs.records(cand.run_id, ["example_id", spec.name])
        left = _means(b, spec.name).rename_columns(["example_id", "b"])
        right = _means(c, spec.name).rename_columns(["example_id", "c"])
        joined = left.join(right, "example_id", join_type="inner")
        out.append(
            Paired(
                metric=spec.name,
                goal=spec.goal,
                example_ids=np.asarray(joined.column("example_id").to_numpy(zero_copy_only=False)),
                baseline=np.asarray(pc.fill_null(joined.column("b"), np.nan).to_numpy(), float),
                candidate=np.asarray(pc.fill_null(joined.column("c"), np.nan).to_numpy(), float),
            )
        )
    return out


def quadrants(paired: list[Paired]) -> list[Quadrant]:
    """The 2×2 counts of each metric."""
    out = []
    for p in paired:
        m = p.masks()
        binary = p.binary
        out.append(
            Quadrant(
                metric=p.metric,
                improved=int(m["improved"].sum()),
                regressed=int(m["regressed"].sum()),
                both_right=int(m["both_right"].sum()) if binary else None,
                both_wrong=int(m["both_wrong"].sum()) if binary else None,
                unchanged=int(m["unchanged"].sum()),
            )
        )
    return out
