"""Bayesian readout of an A/B lift: normal likelihood, normal prior on the relative lift."""

from __future__ import annotations

import math

from assay._util import check_number, check_probability
from assay.errors import ParameterError
from assay.stats._results import Estimate
from assay.stats._scipy import stats
from assay.stats.experiments._types import BayesianLift, LiftResult

__all__ = ["bayesian_lift"]


def bayesian_lift(
    lift: LiftResult,
    *,
    prior_mean: float = 0.0,
    prior_sd: float = 0.3,
    confidence: float = 0.95,
) -> BayesianLift:
    """Posterior of the relative lift from its delta-method estimate and a normal prior.

    The likelihood is the normal approximation ``estimate ~ N(lift, se²)`` of the relative lift;
    the prior is ``N(prior_mean, prior_sd²)`` (default: centred on no effect, sd 0.3, i.e. most
    changes move a metric by well under ±60%). ``prior_sd=math.inf`` is the flat prior, under
    which the chance to beat control equals one minus the one-sided p-value. Reports the
    chance to beat control P(lift > 0), the expected loss of each choice (E[max(0, −lift)] for
    shipping treatment, E[max(0, lift)] for keeping control) and an equal-tailed credible
    interval. "Beat" means a higher metric value; read it the other way for metrics where
    lower is better.
    """
    fn = "bayesian_lift"
    conf = check_probability(confidence, "confidence", fn)
    if isinstance(prior_sd, bool) or not prior_sd > 0:
        raise ParameterError("prior_sd", fn, "a positive float (inf for a flat prior)", prior_sd)
    check_number(prior_mean, "prior_mean", fn)
    method = (
        f"normal approximation to the relative lift with a normal prior "
        f"(mean={prior_mean:g}, sd={prior_sd:g}); credible level={conf:g}"
    )
    est, se = lift.relative.estimate, lift.relative.se
    if lift.status != "ok" or se is None or not se > 0 or math.isnan(est):
        nan = math.nan
        return BayesianLift(
            lift.metric,
            lift.treatment,
            prior_mean,
            prior_sd,
            nan,
            nan,
            Estimate(nan, nan, nan, conf, method, lift.relative.n),
            nan,
            nan,
            nan,
            method + "; not computed: the relative lift has no standard error",
        )
    if math.isinf(prior_sd):
        post_var, post_mean = se**2, est
    else:
        precision = 1.0 / se**2 + 1.0 / prior_sd**2
        post_var = 1.0 / precision
        post_mean = post_var * (est / se**2 + prior_mean / prior_sd**2)
    s = math.sqrt(post_var)
    z = float(stats.norm.ppf(0.5 + conf / 2.0))
    r = post_mean / s
    pdf, cdf = float(stats.norm.pdf(r)), float(stats.norm.cdf(r))
    return BayesianLift(
        metric=lift.metric,
        treatment=lift.treatment,
        prior_mean=prior_mean,
        prior_sd=prior_sd,
        posterior_mean=post_mean,
        posterior_sd=s,
        credible=Estimate(
            post_mean,
            post_mean - z * s,
            post_mean + z * s,
            conf,
            "normal posterior",
            lift.relative.n,
            se=s,
        ),
        chance_to_beat_control=cdf,
        expected_loss_treatment=s * pdf - post_mean * (1.0 - cdf),
        expected_loss_control=s * pdf + post_mean * cdf,
        method=method,
    )
