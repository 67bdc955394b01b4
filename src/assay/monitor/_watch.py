"""Quality watches: one metric tracked against the release evidence with a confidence sequence.

A watch compares production against a fixed threshold set at registration from the decision's
evidence: the candidate run's estimate minus the margin (plus, for a lower-is-better metric).
Each look adds a window's per-example scores to an anytime-valid confidence sequence at the
watch's share of the monitor's α, and judges its interval like a gate:

* ``ok``: the whole interval is on the good side of the threshold;
* ``alarm``: the whole interval is on the bad side (the release evidence is contradicted);
* ``inconclusive``: the interval straddles the threshold (too little production evidence yet).

Because the sequence holds at every n at once, any number of looks keeps P(a false alarm ever)
≤ the watch's α; an alarm is final: the watch's budget is spent (:attr:`WatchState.remaining`).
Methods: ``bernstein`` (predictable plug-in empirical Bernstein, exact for bounded scores),
``normal`` (normal mixture with running sd, asymptotically valid, silent before 30 scores) and
``cbpe`` (empirical Bernstein on expected correctness, widened by the hold-out's calibration
error; the sequence's α and the calibration bins' α each get half the watch's share).
"""

from __future__ import annotations

import math
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
from pydantic import BaseModel, ConfigDict, Field

from assay.errors import DataError
from assay.monitor._watch_cbpe import ASSUMPTIONS, CalibrationProfile, expected_correctness
from assay.stats.sequential import BernsteinState, bernstein_step, normal_mixture_rho

__all__ = [
    "BURN_IN",
    "TUNED_FOR_N",
    "WatchState",
    "estimate_outside",
    "judge",
    "look",
    "normal_mixture_bounds",
]

State = Literal["ok", "alarm", "inconclusive"]
BURN_IN = 30
"""``normal`` watches report no interval before this many scores."""
TUNED_FOR_N = 1000
"""``normal`` watches' mixture is tuned to be narrowest at this many scores."""
_TRUNCATION = 0.5
_FloatArray = npt.NDArray[np.float64]


class WatchState(BaseModel):
    """A watch as stored: its reference, its budget and its sequence after the last look."""

    model_config = ConfigDict(frozen=True, extra="forbid", use_attribute_docstrings=True)

    name: str
    """``metric``, ``metric[attribute=value]``, with ``:cbpe`` for a CBPE watch."""
    metric: str
    """The metric watched."""
    slice: str | None
    """``attribute=value`` or ``None``."""
    column: str
    """The window's column read at each look."""
    method: Literal["bernstein", "normal", "cbpe"]
    """The confidence sequence used."""
    goal: Literal["higher", "lower"]
    """Which direction is better."""
    reference: float
    """The release estimate (the decision's candidate run)."""
    margin: float
    """How much worse than the reference is acceptable."""
    threshold: float
    """reference − margin (higher is better) or reference + margin."""
    alpha: float
    """This watch's share of the monitor's α (Bonferroni: monitor α / number of watches)."""
    bounds: tuple[float, float] | None = None
    """The range of one score (``bernstein``, ``cbpe``)."""
    looks: int = 0
    """Looks so far."""
    n: int = 0
    """Scores seen so far."""
    estimate: float | None = None
    """Running mean of the scores."""
    low: float | None = None
    """Lower bound of the sequence after the last look (``None`` before any bound)."""
    high: float | None = None
    """Upper bound."""
    state: State = "inconclusive"
    """ok, alarm or inconclusive (see the module's docstring)."""
    alarm_look: int | None = None
    """The look that raised the alarm."""
    carried: dict[str, float] = Field(default_factory=dict)
    """The running sums the sequence carries between looks."""
    calibration: CalibrationProfile | None = None
    """``cbpe``: the hold-out's calibration per bin."""
    calibration_term: float = 0.0
    """``cbpe``: the calibration error added to both bounds at the last look."""
    notes: tuple[str, ...] = ()
    """Assumptions and caveats."""

    @property
    def remaining(self) -> float:
        """The watch's unspent error budget: its α until it alarms, 0 after."""
        return 0.0 if self.state == "alarm" else self.alpha

    @property
    def estimate_outside(self) -> str | None:
        """Why the estimate lies outside the shown interval, in words (``None`` when inside)."""
        return estimate_outside(self.method, self.estimate, self.low, self.high)


def estimate_outside(
    method: str, estimate: float | None, low: float | None, high: float | None
) -> str | None:
    """Why a watch's running estimate lies outside its interval (``None`` when it does not).

    ``bernstein`` and ``cbpe`` intervals are the running intersection of every look's interval
    (a confidence sequence may be intersected and stays valid), so they only narrow: after
    the scores move, the mean of all scores can fall outside what earlier looks ruled out."""
    if estimate is None or low is None or high is None or low <= estimate <= high:
        return None
    side = "below" if estimate < low else "above"
    if method in ("bernstein", "cbpe"):
        return (
            f"the estimate {estimate:.4g} (the mean of every score so far) is {side} the "
            "interval: the interval is the running intersection of the confidence sequence "
            "over all looks, which only narrows, and the scores have since moved outside it"
        )
    return f"the estimate {estimate:.4g} is {side} the interval"


def judge(
    low: Any, high: Any, threshold: float, goal: Literal["higher", "lower"]
) -> npt.NDArray[np.str_]:
    """Judge intervals against a threshold, element-wise: ok, alarm or inconclusive."""
    lo, hi = np.asarray(low, dtype=np.float64), np.asarray(high, dtype=np.float64)
    if goal == "higher":
        bad, good = hi < threshold, lo >= threshold
    else:
        bad, good = lo > threshold, hi <= threshold
    return np.where(bad, "alarm", np.where(good, "ok", "inconclusive"))


def normal_mixture_bounds(
    n: Any, total: Any, total_sq: Any, *, alpha: float, rho: float, burn_in: int = BURN_IN
) -> tuple[_FloatArray, _FloatArray]:
    """The normal-mixture sequence's bounds from running sums, element-wise (for many watches
    or looks at once): mean ± s·sqrt((n + ρ)·log((n + ρ)/(ρ α²)))/n, with s the running sd
    (ddof 1); unbounded before ``burn_in`` scores."""
    t = np.asarray(n, dtype=np.float64)
    s1, s2 = np.asarray(total, dtype=np.float64), np.asarray(total_sq, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        mean = s1 / t
        var = np.maximum((s2 - s1 * s1 / t) / (t - 1.0), 0.0)
        radius = np.sqrt(var) * np.sqrt((t + rho) * np.log((t + rho) / (rho * alpha**2))) / t
    radius = np.where(t >= burn_in, radius, np.inf)
    return mean - radius, mean + radius


def _scores(watch: WatchState, values: Any) -> _FloatArray:
    x = np.asarray(values, dtype=np.float64).ravel()
    if watch.method == "cbpe":
        return expected_correctness(x)
    bad = ~np.isfinite(x)
    if bad.any():
        i = int(np.argmax(bad))
        raise DataError(
            f"watch {watch.name}: a score is not finite",
            row=i,
            column=watch.column,
            found=str(x[i]),
        )
    if watch.bounds is not None:
        lo, hi = watch.bounds
        out = (x < lo) | (x > hi)
        if out.any():
            i = int(np.argmax(out))
            raise DataError(
                f"watch {watch.name}: a score is outside its bounds",
                row=i,
                column=watch.column,
                expected=f"a value in [{lo:g}, {hi:g}]",
                found=str(x[i]),
            )
    return x


def _bernstein(
    watch: WatchState, x: _FloatArray, alpha: float
) -> tuple[float, float, dict[str, float]]:
    lo, hi = watch.bounds or (0.0, 1.0)
    c = watch.carried
    state = BernsteinState()
    if c:
        state = BernsteinState(
            t=int(c["t"]),
            **{k: float(v) for k, v in c.items() if k != "t"},
        )
    _, low01, high01, after = bernstein_step(
        x, state, lo=lo, span=hi - lo, log_term=math.log(2.0 / alpha), truncation=_TRUNCATION
    )
    span = hi - lo
    carried = {k: float(v) for k, v in after.__dict__.items()}
    return lo + span * float(low01[-1]), lo + span * float(high01[-1]), carried


def look(watch: WatchState, values: Any) -> WatchState:
    """Add one window's scores (probabilities, for ``cbpe``) and judge the watch again.

    An empty window is a look that adds nothing: the state is unchanged but the look counted.
    An alarm stays an alarm.
    """
    x = _scores(watch, values)
    if x.size == 0:
        return watch.model_copy(update={"looks": watch.looks + 1})
    n = watch.n + int(x.size)
    update: dict[str, Any] = {"looks": watch.looks + 1, "n": n}
    if watch.method == "normal":
        c = watch.carried
        shift = c.get("shift", float(x[0]))
        total = c.get("total", 0.0) + float(np.sum(x - shift))
        total_sq = c.get("total_sq", 0.0) + float(np.sum((x - shift) ** 2))
        rho = normal_mixture_rho(TUNED_FOR_N, 1.0 - watch.alpha)
        low_, high_ = normal_mixture_bounds(n, total, total_sq, alpha=watch.alpha, rho=rho)
        low, high = float(low_) + shift, float(high_) + shift
        update["carried"] = {"shift": shift, "total": total, "total_sq": total_sq}
        update["estimate"] = shift + total / n
    elif watch.method == "bernstein":
        low, high, update["carried"] = _bernstein(watch, x, watch.alpha)
        update["estimate"] = update["carried"]["sum_x"] / n
    else:
        carried = dict(watch.carried)
        calibration = watch.calibration
        counts = (
            [carried.pop(f"bin_{i}", 0.0) for i in range(len(calibration.counts))]
            if calibration
            else []
        )
        low, high, bern = _bernstein(
            watch.model_copy(update={"carried": carried}), x, watch.alpha / 2
        )
        term = 0.0
        if calibration is not None:
            counts = list(
                np.asarray(counts) + np.bincount(calibration.bin_of(x), minlength=len(counts))
            )
            term = calibration.term(counts)
            bern.update({f"bin_{i}": float(v) for i, v in enumerate(counts)})
        low, high = max(0.0, low - term), min(1.0, high + term)
        update.update(carried=bern, estimate=bern["sum_x"] / n, calibration_term=term)
    finite = math.isfinite(low) and math.isfinite(high)
    update["low"], update["high"] = (low, high) if finite else (None, None)
    state = str(judge(low, high, watch.threshold, watch.goal)) if finite else "inconclusive"
    if watch.state == "alarm":
        state = "alarm"
    elif state == "alarm":
        update["alarm_look"] = watch.looks + 1
    update["state"] = state
    return watch.model_copy(update=update)


def cbpe_notes(has_holdout: bool) -> tuple[str, ...]:
    """The notes a CBPE watch carries: its assumptions, and a warning without a hold-out."""
    extra = () if has_holdout else ("no hold-out: calibration assumed perfect",)
    return ASSUMPTIONS + extra
