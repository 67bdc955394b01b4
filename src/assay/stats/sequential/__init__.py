"""Anytime-valid inference: confidence sequences, the mixture SPRT and the early-stop sequence.

* Confidence sequences for a mean and a paired difference: empirical Bernstein and normal
  mixture (:class:`ConfidenceSequence`).
* :func:`msprt_interval` and :func:`msprt_p_value`: the normal-mixture sequential test of online
  experiments, with its tuning parameter stated.
* :class:`BernsteinState` and :func:`bernstein_step`: the empirical-Bernstein sequence carried
  from one batch to the next (a watch's look stores the state, not the observations).
* :func:`sequential_decision` and :func:`early_stop_decision`: the sequence behind a planned
  early stop of an evaluation, shared by the runner and by the replay before a gate.
"""

from assay.stats.sequential._confidence import (
    ConfidenceSequence,
    empirical_bernstein_confidence_sequence,
    normal_mixture_confidence_sequence,
    normal_mixture_rho,
    paired_empirical_bernstein_confidence_sequence,
    paired_normal_mixture_confidence_sequence,
)
from assay.stats.sequential._early_stop import (
    Tracker,
    evaluation_order,
    replay_early_stop,
    sequential_decision,
)
from assay.stats.sequential._early_stop_types import (
    METHOD,
    TRUNCATION,
    EarlyStop,
    EarlyStopDecision,
    EarlyStopResult,
    Goal,
    check_values,
    early_stop_decision,
    plan_parameters,
)
from assay.stats.sequential._msprt import msprt_interval, msprt_p_value
from assay.stats.sequential._running import BernsteinState, bernstein_step

__all__ = [
    "METHOD",
    "TRUNCATION",
    "BernsteinState",
    "ConfidenceSequence",
    "EarlyStop",
    "EarlyStopDecision",
    "EarlyStopResult",
    "Goal",
    "Tracker",
    "bernstein_step",
    "check_values",
    "early_stop_decision",
    "empirical_bernstein_confidence_sequence",
    "evaluation_order",
    "msprt_interval",
    "msprt_p_value",
    "normal_mixture_confidence_sequence",
    "normal_mixture_rho",
    "paired_empirical_bernstein_confidence_sequence",
    "paired_normal_mixture_confidence_sequence",
    "plan_parameters",
    "replay_early_stop",
    "sequential_decision",
]
