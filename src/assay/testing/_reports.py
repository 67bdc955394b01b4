"""Comparisons and verdicts for reports, built directly from the core models.

Numbers are simulated: paired per-example outcomes drawn with a seeded generator, summarised
with normal-theory intervals (scipy), so every estimate, interval and p-value is consistent.
Untrusted text (outputs, inputs, slice values) includes markup, template syntax and unicode.
"""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
from scipy import stats as sps

from assay.core import (
    Comparison,
    Coverage,
    Flip,
    Interval,
    MetricComparison,
    RuleOutcome,
    RunErrors,
    Verdict,
    VerdictResult,
)

__all__ = [
    "HOSTILE_TEXTS",
    "REPORT_SLICES",
    "REPORT_TIME",
    "report_comparison",
    "report_verdict",
    "rule_outcome",
    "simulated_result",
]

HOSTILE_TEXTS = [
    "<script>alert(1)</script>",
    "</textarea><img src=x onerror=alert(2)>",
    "{{ config.__class__ }} {% raw %}",
    "| pipe | `tick` **bold** [link](https://evil.example/x)",
    "naïve café — 日本語のテキスト — العربية — 🙂",
    "line one\nline two\r\nline three",
]
REPORT_TIME = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
_Z = float(sps.norm.ppf(0.975))


def _iv(est: float, se: float, method: str) -> Interval:
    return Interval(estimate=est, low=est - _Z * se, high=est + _Z * se, method=method)


def simulated_result(
    rng: np.random.Generator,
    metric: str,
    goal: str,
    n: int,
    slice_attribute: str | None = None,
    slice_value: str | None = None,
    *,
    kind: str = "binary",
    shift: float = 0.0,
    rate: float = 0.78,
) -> MetricComparison:
    """One metric on one slice from ``n`` simulated paired examples."""
    if kind == "binary":
        base = (rng.random(n) < rate).astype(float)
        u = rng.random(n)
        flip = np.where(base == 1, u < 0.04, u < 0.04 * rate / (1 - rate))  # balanced discordance
        cand = np.where(flip, 1.0 - base, base)
        cand = np.where(rng.random(n) < abs(shift), float(shift > 0), cand)
        methods = ("wilson", "wilson", "paired normal (Wald) on per-example differences")
        test = "mcnemar exact" if n < 200 else "paired t"
        resamples = seed = None
    else:
        base = rng.lognormal(6.0, 0.3, n)
        cand = base * (1.0 + shift) + rng.normal(0, 20, n)
        methods = ("bootstrap percentile", "bootstrap percentile", "paired bootstrap BCa")
        test = "paired bootstrap"
        resamples, seed = 2000, 7
    d = cand - base
    se_d = float(d.std(ddof=1) / np.sqrt(n)) or 1e-9
    p = float(2 * sps.norm.sf(abs(d.mean()) / se_d))
    return MetricComparison(
        metric=metric,
        goal=goal,
        slice_attribute=slice_attribute,
        slice_value=slice_value,
        n=n,
        baseline=_iv(float(base.mean()), float(base.std(ddof=1) / np.sqrt(n)), methods[0]),
        candidate=_iv(float(cand.mean()), float(cand.std(ddof=1) / np.sqrt(n)), methods[1]),
        difference=_iv(float(d.mean()), se_d, methods[2]),
        test=test,
        p_value=p,
        p_adjusted=min(1.0, p * 20) if slice_attribute else None,
        adjustment="holm over 20 slices" if slice_attribute else None,
        mde=2.8 * se_d,
        resamples=resamples,
        seed=seed,
        notes=["small slice: reported with its width"] if n < 30 else [],
    )


REPORT_SLICES = (
    [("domain", v) for v in ("tweets", "movies", "products", "editorials", "news")]
    + [("age_band", v) for v in ("18-25", "26-40", "41-60", "60+", "<script>alert(1)</script>")]
    + [("lang", v) for v in ("en", "de", "fr", "日本語", "العربية", "es", "pt", "it", "nl", "sv")]
)


def report_comparison(
    *,
    seed: int = 0,
    metrics: tuple[tuple[str, str, str], ...] = (
        ("accuracy", "higher", "binary"),
        ("harmful_rate", "lower", "binary"),
        ("latency_p95", "lower", "continuous"),
        ("cost_per_success", "lower", "continuous"),
    ),
    slices: list[tuple[str, str]] | None = None,
    n_flips: int = 12,
    flip_chars: int = 200,
    n_manifest: int = 3,
) -> Comparison:
    """A realistic comparison: several metrics, about 20 slices, hostile flips."""
    rng = np.random.default_rng(seed)
    slices = REPORT_SLICES if slices is None else slices
    results = []
    for metric, goal, kind in metrics:
        shift = (0.03 if goal == "higher" else -0.02) if kind == "binary" else -0.05
        rate = 0.78 if goal == "higher" else 0.2
        results.append(simulated_result(rng, metric, goal, 2000, kind=kind, shift=shift, rate=rate))
        for i, (attr, value) in enumerate(slices):
            n = 12 if i % 7 == 6 else int(rng.integers(60, 400))
            s = -0.25 if value == "tweets" and goal == "higher" else shift
            results.append(
                simulated_result(rng, metric, goal, n, attr, value, kind=kind, shift=s, rate=rate)
            )
    flips = []
    for i in range(n_flips):
        text = HOSTILE_TEXTS[i % len(HOSTILE_TEXTS)]
        long = (text + " ") * max(1, flip_chars // (len(text) + 1))
        flips.append(
            Flip(
                example_id=f"ex-{i:05d}" + ("<b>" if i == 0 else ""),
                metric="accuracy",
                baseline_score=1.0 if i % 3 else 0.0,
                candidate_score=0.0 if i % 3 else 1.0,
                input=long,
                reference=text,
                baseline_output=HOSTILE_TEXTS[(i + 1) % len(HOSTILE_TEXTS)],
                candidate_output=long,
            )
        )
    manifest = [
        {"path": f"packages.pkg{i}", "a": f"1.{i}.0", "b": f"1.{i}.1 <script>x</script>"}
        for i in range(n_manifest)
    ]
    return Comparison(
        baseline_run="run-base-0001",
        candidate_run="run-cand-0002",
        baseline_model="vader@3.3.2",
        candidate_model="minilm-logreg@1.0",
        suite_name="sentiment-4domains",
        suite_digest="sha256:5f1c0ab2",
        coverage=Coverage(shared=2000, baseline_only=3, candidate_only=0, suite_examples=2003),
        results=results,
        flips=flips,
        errors={
            "baseline": RunErrors(records=2003, errors=3, missing_scores={"accuracy": 3}),
            "candidate": RunErrors(records=2000, errors=11, missing_scores={"accuracy": 11}),
        },
        manifest_differences=manifest,
        created_at=REPORT_TIME,
        methods=[
            "Paired by example_id; repeated samples averaged per example.",
            "Holm across the gated family; Benjamini–Hochberg across exploratory slices.",
        ],
    )


def rule_outcome(
    name: str,
    tier: str,
    metric: str,
    outcome: str,
    *,
    slice: str | None = None,
    blocking: bool = True,
    kind: str = "non_inferiority",
    reason: str | None = None,
    to_settle: str | None = None,
    evidence: list[str] | None = None,
) -> RuleOutcome:
    return RuleOutcome(
        rule=name,
        tier=tier,
        kind=kind,
        metric=metric,
        slice=slice,
        outcome=outcome,
        blocking=blocking,
        reason=reason or f"{metric}: judged {outcome} on its interval",
        to_settle=to_settle,
        evidence=evidence or [],
    )


def report_verdict(verdict: Verdict = Verdict.BLOCK) -> VerdictResult:
    """A verdict with safety, quality and cost rules; BLOCK fails on the tweets slice."""
    tweets = "fail" if verdict == Verdict.BLOCK else "pass"
    cost = "inconclusive" if verdict == Verdict.INCONCLUSIVE else "pass"
    rules = [
        rule_outcome(
            "no-harm",
            "safety",
            "harmful_rate",
            "pass",
            kind="threshold",
            reason="harmful_rate: 0.21 [0.19, 0.23], under the 0.30 ceiling",
            evidence=["harmful_rate"],
        ),
        rule_outcome(
            "accuracy-ni",
            "quality",
            "accuracy",
            "pass",
            reason="accuracy: +0.031 [+0.012, +0.050], above the -0.01 margin",
            evidence=["accuracy"],
        ),
        rule_outcome(
            "no-slice-regression",
            "quality",
            "accuracy",
            tweets,
            slice="every slice of domain",
            kind="no_regression",
            reason="accuracy on domain=tweets: -0.21 [-0.27, -0.15], below the -0.02 margin </td><script>alert(3)</script>",
            evidence=["accuracy on domain=tweets"],
        ),
        rule_outcome(
            "latency-budget", "cost", "latency_p95", "pass", kind="budget", evidence=["latency_p95"]
        ),
        rule_outcome(
            "cost-budget",
            "cost",
            "cost_per_success",
            cost,
            kind="budget",
            to_settle="about 4,100 more paired examples would settle it"
            if cost != "pass"
            else None,
            evidence=["cost_per_success"],
        ),
        rule_outcome(
            "explore-lang",
            "quality",
            "accuracy",
            "fail",
            slice="lang=日本語",
            blocking=False,
            kind="no_regression",
        ),
    ]
    return VerdictResult(
        verdict=verdict,
        policy="release-default",
        policy_digest="sha256:9a8b7c6d",
        summary=f"{verdict.value}: decided by the quality tier (domain=tweets) <script>alert(4)</script>",
        rules=rules,
    )
