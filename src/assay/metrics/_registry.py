"""Metric definitions: what a metric needs, which way is better, and how it is resampled.

A metric is declared once, as a :class:`MetricDefinition`, by a factory registered with
``@register_metric("name")`` (built-ins register exactly as plug-ins do, or through the
``assay.metrics`` entry-point group). The definition says how the metric aggregates, which
decides how its uncertainty is computed:

``"mean"``
    A mean of per-example scores (accuracy, exact match, ROUGE, NDCG, MRR). ``score`` gives
    the per-example scores; intervals and paired tests are the closed-form mean methods of
    :mod:`assay.stats` (t / Wilson / Newcombe–McNemar, clustered when needed).
``"sums"``
    A function of sums of per-example sufficient statistics (F1, macro-F1, MCC, corpus BLEU,
    chrF, cost per success). ``statistics`` maps inputs to an ``(n, k)`` array and ``value``
    maps summed statistics ``(..., k)`` to the metric, vectorised over resamples; the paired
    bootstrap recomputes it on every resample, and the jackknife costs ``O(n)``.
``"custom"``
    Neither (AUC, quantiles): ``resampling`` computes replicates on the shared resample
    weights directly.
"""

from __future__ import annotations

import importlib
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal, Protocol

import numpy as np
import numpy.typing as npt

from assay._util import Registry, check_instance
from assay.errors import ParameterError
from assay.stats import Alternative, Estimate, IntervalMethod, PairedResult, ResampleWeights

__all__ = [
    "Aggregation",
    "CustomResampling",
    "Direction",
    "MetricDefinition",
    "get_metric",
    "list_metrics",
    "register_metric",
]

Direction = Literal["higher", "lower"]
Aggregation = Literal["mean", "sums", "custom"]
FloatArray = npt.NDArray[np.float64]
Inputs = Mapping[str, Any]
MetricFactory = Callable[..., "MetricDefinition"]

_METRICS: Registry[MetricFactory] = Registry(
    "metric", group="assay.metrics", function="register_metric"
)
# the modules whose import registers the built-in metrics, loaded on the registry's first use
_BUILT_IN = (
    "assay.metrics._classification",
    "assay.metrics._latency",
    "assay.metrics._ranking",
    "assay.metrics._text",
    "assay.metrics._ter",
)
_built_in_loaded = False
_built_in_loading = False  # true while the thread holding the lock imports them
_built_in_lock = threading.RLock()


def _load_built_in() -> None:
    """Import the built-in metrics once; other threads wait until all are registered."""
    global _built_in_loaded, _built_in_loading
    if _built_in_loaded:
        return
    with _built_in_lock:
        # re-entered by the loading thread itself: each module registers through this registry
        if _built_in_loaded or _built_in_loading:
            return
        _built_in_loading = True
        try:
            for module in _BUILT_IN:
                importlib.import_module(module)
            _built_in_loaded = True  # only once every import succeeded
        finally:
            _built_in_loading = False


class CustomResampling(Protocol):
    """How a metric that is not a function of sums computes its bootstrap."""

    def estimate(
        self,
        inputs: Inputs,
        *,
        weights: ResampleWeights,
        clusters: npt.NDArray[np.int64] | None,
        confidence: float,
        method: IntervalMethod,
    ) -> Estimate:
        """The metric on ``inputs`` with its interval, on the shared ``weights``."""
        ...

    def paired(
        self,
        baseline: Inputs,
        candidate: Inputs,
        *,
        weights: ResampleWeights,
        clusters: npt.NDArray[np.int64] | None,
        confidence: float,
        method: IntervalMethod,
        alternative: Alternative,
    ) -> PairedResult:
        """Candidate minus baseline on the same resamples."""
        ...


@dataclass(frozen=True)
class MetricDefinition:
    """A metric: its name, which direction is better, its inputs and how it aggregates."""

    name: str
    """Registered name, e.g. ``"macro_f1"``."""
    direction: Direction
    """``"higher"`` or ``"lower"`` is better."""
    aggregation: Aggregation
    """``"mean"`` of per-example scores, function of ``"sums"``, or ``"custom"``."""
    inputs: tuple[str, ...]
    """Names of the per-example inputs, e.g. ``("y_true", "y_pred")``."""
    description: str = ""
    """What the metric measures, with its conventions (tokenisation, ties, zero division)."""
    score: Callable[..., FloatArray] | None = None
    """Per-example scores ``(n,)`` from the inputs (``"mean"`` metrics)."""
    statistics: Callable[..., FloatArray] | None = None
    """Per-example sufficient statistics ``(n, k)`` from the inputs (``"sums"`` metrics)."""
    value: Callable[[FloatArray], FloatArray] | None = None
    """Metric from summed statistics, ``(..., k) -> (...)`` (``"sums"`` metrics)."""
    point: Callable[..., float] | None = None
    """The metric's value on the inputs (``"custom"`` metrics)."""
    resampling: CustomResampling | None = None
    """Bootstrap of a ``"custom"`` metric."""
    bind: Callable[[Sequence[Inputs]], MetricDefinition] | None = None
    """Fixes data-dependent settings (e.g. the label set) from every input set of a
    comparison, so both models' statistics have the same columns."""

    @property
    def is_mean(self) -> bool:
        """Whether the metric is a mean of per-example scores (closed-form paired methods)."""
        return self.aggregation == "mean"

    def bound(self, *input_sets: Inputs) -> MetricDefinition:
        """This definition with data-dependent settings fixed from ``input_sets``."""
        return self if self.bind is None else self.bind(input_sets)

    def compute(self, **inputs: Any) -> float:
        """The metric's value on one set of inputs (keyword per input name)."""
        missing = [k for k in self.inputs if k not in inputs]
        if missing:
            raise ParameterError(
                "inputs", f"{self.name}.compute", f"the inputs {list(self.inputs)}", missing
            )
        d = self.bound(inputs)
        if d.aggregation == "mean":
            assert d.score is not None
            return float(np.mean(d.score(**inputs)))
        if d.aggregation == "sums":
            assert d.statistics is not None and d.value is not None
            total = np.asarray(d.statistics(**inputs), dtype=np.float64).sum(axis=0)
            return float(d.value(total[None, :])[0])
        assert d.point is not None
        return float(d.point(**inputs))


def register_metric(
    name: str, *, replace: bool = False
) -> Callable[[MetricFactory], MetricFactory]:
    """Register a metric factory under ``name`` (decorator).

    The factory takes keyword settings (labels, ``k``, ...) and returns a
    :class:`MetricDefinition`; ``get_metric(name, **settings)`` calls it. A second factory
    under a taken name is a :class:`~assay.errors.ConfigError` unless ``replace`` is true.
    """
    _load_built_in()
    return _METRICS.register(name, replace=replace)


def get_metric(name: str, **settings: Any) -> MetricDefinition:
    """The metric registered as ``name``, built with ``settings``; ConfigError if unknown."""
    check_instance(name, "name", "get_metric", str, "a metric's name")
    _load_built_in()
    return _METRICS.get(name)(**settings)


def list_metrics() -> list[str]:
    """Names of all registered metrics, sorted."""
    _load_built_in()
    return _METRICS.names()
