"""Team-draft interleaving: compare two rankers on the same queries, and read out the result.

Interleaving shows each user one list merged from both rankers and credits each click to the
ranker that contributed the clicked item. Because both rankers face the same user and query,
it needs one to two orders of magnitude less traffic than an A/B test of the two rankings
(Radlinski, Kurup and Joachims, 2008; Chapelle et al., 2012).
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from assay._util import check_int
from assay.errors import DataError, ParameterError
from assay.stats._checks import check_confidence, check_rng
from assay.stats._results import Alternative, Estimate, TestResult
from assay.stats._scipy import stats

__all__ = ["InterleavedList", "InterleavingResult", "interleaving_test", "team_draft_interleave"]


@dataclass(frozen=True)
class InterleavedList:
    """One interleaved result list and which ranker contributed each position."""

    items: tuple[Hashable, ...]
    """The merged list shown to the user, best position first."""
    teams: tuple[str, ...]
    """``"a"`` or ``"b"`` for each position: the ranker whose pick it was."""
    seed: int | None = None
    """Seed of the coin flips, when one was given as an integer."""

    def credit(self, clicked_positions: Sequence[int]) -> tuple[int, int]:
        """Clicks credited to ranker a and to ranker b, from 0-based clicked positions."""
        a = b = 0
        for pos in clicked_positions:
            if not 0 <= pos < len(self.items):
                raise DataError(
                    f"clicked position {pos} is outside the list of {len(self.items)} items",
                    expected=f"a position in [0, {len(self.items)})",
                    found=str(pos),
                )
            if self.teams[pos] == "a":
                a += 1
            else:
                b += 1
        return a, b


def team_draft_interleave(
    ranking_a: Sequence[Hashable],
    ranking_b: Sequence[Hashable],
    *,
    rng: int | np.random.Generator = 0,
    length: int | None = None,
) -> InterleavedList:
    """Merge two rankings by team draft (Radlinski, Kurup and Joachims, 2008).

    In each round a fair coin decides which ranker picks first; each ranker then adds its
    highest-ranked item not already in the list. When one ranking is exhausted the other keeps
    picking. ``length`` caps the merged list (default: every distinct item). Items must be
    hashable; duplicates within one ranking are ignored after their first occurrence.

    Examples
    --------
    >>> merged = team_draft_interleave(["d1", "d2", "d3"], ["d2", "d4", "d1"], rng=7)
    >>> merged.items, merged.teams
    (('d2', 'd1', 'd4', 'd3'), ('b', 'a', 'b', 'a'))
    >>> merged.credit([0, 2])  # the user clicked d2 and d4: both were b's picks
    (0, 2)
    """
    fn = "team_draft_interleave"
    gen, seed = check_rng(rng, fn)
    lists = (list(ranking_a), list(ranking_b))
    total = len(set(lists[0]) | set(lists[1]))
    limit = total if length is None else min(check_int(length, "length", fn), total)
    items: list[Hashable] = []
    teams: list[str] = []
    seen: set[Hashable] = set()
    cursor = [0, 0]

    def pick(who: int) -> bool:
        src = lists[who]
        while cursor[who] < len(src) and src[cursor[who]] in seen:
            cursor[who] += 1
        if cursor[who] == len(src):
            return False
        item = src[cursor[who]]
        seen.add(item)
        items.append(item)
        teams.append("ab"[who])
        return True

    while len(items) < limit:
        first = int(gen.integers(2))
        for who in (first, 1 - first):
            if len(items) < limit and not pick(who):
                pick(1 - who)
    return InterleavedList(tuple(items), tuple(teams), seed)


@dataclass(frozen=True)
class InterleavingResult:
    """Which ranker users preferred: per-query wins, preference share, and the sign test."""

    wins_a: int
    """Queries where ranker a's picks got more clicks."""
    wins_b: int
    """Queries where ranker b's picks got more clicks."""
    ties: int
    """Queries with clicks where both got the same number of clicks."""
    no_clicks: int
    """Queries without any click (they carry no preference and are left out)."""
    share_a: Estimate
    """Share of decisive queries won by a, with the exact (Clopper–Pearson) interval."""
    delta_ab: float
    """Chapelle et al.'s Δ_AB = (wins_a + ties/2) / (queries with clicks) − 1/2."""
    test: TestResult
    """Exact binomial sign test of share_a = 1/2 over decisive queries ."""
    notes: tuple[str, ...] = field(default_factory=tuple)
    """Caveats."""


def interleaving_test(
    clicks_a: Any,
    clicks_b: Any,
    *,
    confidence: float = 0.95,
    alternative: Alternative = "two-sided",
) -> InterleavingResult:
    """Read out an interleaving experiment from clicks credited per query to each ranker.

    Each query (impression) counts once: a win for the ranker with more credited clicks, a tie
    when equal, nothing without clicks. The preference share of ranker a among decisive queries
    gets an exact Clopper–Pearson interval and an exact binomial sign test of 1/2
    (``"greater"``: a is preferred). Assumes queries are independent; with several impressions
    per user, aggregate per user first.

    Examples
    --------
    >>> res = interleaving_test([2, 1, 0, 1, 3, 0], [0, 1, 0, 0, 1, 2])
    >>> res.wins_a, res.wins_b, res.ties, res.no_clicks
    (3, 1, 1, 1)
    >>> round(res.share_a.estimate, 2), round(res.delta_ab, 2)
    (0.75, 0.2)
    """
    fn = "interleaving_test"
    conf = check_confidence(confidence, fn)
    if alternative not in ("two-sided", "greater", "less"):
        raise ParameterError("alternative", fn, "'two-sided', 'greater' or 'less'", alternative)
    a = _clicks(clicks_a, "clicks_a", fn)
    b = _clicks(clicks_b, "clicks_b", fn)
    if a.shape != b.shape:
        raise ParameterError(
            "clicks_b", fn, f"an array of the same length as clicks_a ({a.size})", b.size
        )
    wins_a, wins_b = int(np.sum(a > b)), int(np.sum(b > a))
    clicked = (a + b) > 0
    ties = int(np.sum((a == b) & clicked))
    decisive = wins_a + wins_b
    n_clicked = decisive + ties
    method = "exact binomial sign test over decisive queries; Clopper-Pearson interval"
    if decisive == 0:
        nan = math.nan
        reason = "no decisive query: every query was a tie or had no clicks"
        return InterleavingResult(
            wins_a, wins_b, ties, int(a.size) - n_clicked,
            Estimate(nan, nan, nan, conf, method, 0, notes=(reason,)),
            0.0 if n_clicked else nan,
            TestResult(nan, nan, method, 0, alternative, notes=(reason,)),
            (reason,),
        )  # fmt: skip
    res = stats.binomtest(wins_a, decisive, 0.5, alternative=alternative)
    ci = res.proportion_ci(confidence_level=conf, method="exact")
    share = Estimate(
        wins_a / decisive, float(ci.low), float(ci.high), conf, "clopper-pearson", decisive
    )
    return InterleavingResult(
        wins_a=wins_a,
        wins_b=wins_b,
        ties=ties,
        no_clicks=int(a.size) - n_clicked,
        share_a=share,
        delta_ab=(wins_a + ties / 2) / n_clicked - 0.5,
        test=TestResult(float(wins_a), float(res.pvalue), method, decisive, alternative),
    )


def _clicks(values: Any, name: str, fn: str) -> np.ndarray[Any, np.dtype[np.float64]]:
    arr = np.asarray(values, dtype=np.float64)
    if arr.ndim != 1:
        raise ParameterError(
            name, fn, "a 1-dimensional array of click counts", f"shape {arr.shape}"
        )
    bad = np.flatnonzero(~np.isfinite(arr) | (arr < 0))
    if bad.size:
        i = int(bad[0])
        raise DataError(
            f"{fn}: {name}[{i}] is not a non-negative click count",
            row=i,
            column=name,
            expected="a count >= 0",
            found=str(arr[i]),
        )
    return arr
