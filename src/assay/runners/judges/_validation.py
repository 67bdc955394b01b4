"""How well a judge's labels agree with people's: κ, α, the confusion matrix, with methods.

The judge's labels here are *out-of-fold*: each example was labelled by a judge fitted
without it (nor any repeat of its text), so the agreement is what a new example can expect.

Repeats of one text are not independent pairs. When ``groups`` (one key per example, the text
digest) has repeats, the κ and α intervals are a percentile cluster bootstrap over the texts
(each resample draws texts with replacement and keeps all their examples; κ and nominal α
recomputed from the weighted confusion matrix), its tails expanded for the G texts
(Hesterberg's expanded percentile, as the comparison engine's clusters; with few texts a
plain percentile interval is narrower than stated); with every text distinct they are κ's
large-sample interval and α's bootstrap over examples.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import numpy.typing as npt

from assay.stats import (
    Estimate,
    bootstrap_weights,
    cohens_kappa,
    estimate_from_replicates,
    krippendorff_alpha,
)

__all__ = ["JudgeValidation", "agreement_with_people"]

_IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True)
class JudgeValidation:
    """A judge's cross-validated agreement with human labels (binary: 1 = the kind holds)."""

    kind: str
    """What the judge labels: ``"refusal"``, ``"objective"`` (attack success) or ``"harm"``."""
    n: int
    """Human-labelled examples validated on."""
    n_groups: int
    """Distinct texts among them (repeats of a text always sit in one fold)."""
    folds: int
    """Folds of the stratified, grouped cross-validation."""
    seed: int
    """Seed of the fold assignment."""
    confusion: tuple[tuple[int, int], tuple[int, int]]
    """``((TN, FP), (FN, TP))``: rows are the human label (0, 1), columns the judge's."""
    kappa: Estimate
    """Cohen's κ, judge against people, with its large-sample interval."""
    alpha: Estimate
    """Krippendorff's α (nominal), judge and people as two raters, bootstrap interval."""
    source: str
    """Where the human labels came from."""

    @property
    def accuracy(self) -> float:
        """Share of examples where judge and people agree."""
        (tn, _), (_, tp) = self.confusion
        return (tn + tp) / self.n if self.n else math.nan

    @property
    def human_rate(self) -> float:
        """Share of examples people labelled 1."""
        return sum(self.confusion[1]) / self.n if self.n else math.nan

    @property
    def judge_rate(self) -> float:
        """Share of examples the judge labelled 1."""
        return (self.confusion[0][1] + self.confusion[1][1]) / self.n if self.n else math.nan

    @property
    def sensitivity(self) -> float:
        """Share of people's 1s the judge also labels 1 (recall, true-positive rate)."""
        fn, tp = self.confusion[1]
        return tp / (fn + tp) if fn + tp else math.nan

    @property
    def specificity(self) -> float:
        """Share of people's 0s the judge also labels 0 (true-negative rate)."""
        tn, fp = self.confusion[0]
        return tn / (tn + fp) if tn + fp else math.nan

    def methods(self) -> dict[str, str]:
        """The method behind every number, by name."""
        return {
            "labels": f"out-of-fold: stratified {self.folds}-fold cross-validation grouped by "
            f"text digest, seed {self.seed}",
            "kappa": self.kappa.method,
            "alpha": f"nominal {self.alpha.method}, {self.alpha.resamples} resamples, "
            f"seed {self.alpha.seed}",
            "confusion": "counts of (human label, judge label) over the out-of-fold labels",
        }

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready numbers (what a judge file and ``--json`` hold)."""
        return {
            "kind": self.kind,
            "n": self.n,
            "n_groups": self.n_groups,
            "folds": self.folds,
            "seed": self.seed,
            "source": self.source,
            "confusion": [list(row) for row in self.confusion],
            "accuracy": self.accuracy,
            "human_rate": self.human_rate,
            "judge_rate": self.judge_rate,
            "sensitivity": self.sensitivity,
            "specificity": self.specificity,
            "kappa": _estimate_dict(self.kappa),
            "alpha": _estimate_dict(self.alpha),
            "methods": self.methods(),
        }

    @classmethod
    def from_dict(cls, value: dict[str, Any]) -> JudgeValidation:
        """The validation as :meth:`to_dict` wrote it (KeyError/TypeError when malformed)."""
        (tn, fp), (fn, tp) = value["confusion"]
        return cls(
            kind=str(value["kind"]),
            n=int(value["n"]),
            n_groups=int(value["n_groups"]),
            folds=int(value["folds"]),
            seed=int(value["seed"]),
            confusion=((int(tn), int(fp)), (int(fn), int(tp))),
            kappa=_estimate_from(value["kappa"]),
            alpha=_estimate_from(value["alpha"]),
            source=str(value["source"]),
        )


def agreement_with_people(
    human: _IntArray,
    judge: _IntArray,
    *,
    kind: str,
    n_groups: int,
    folds: int,
    seed: int,
    source: str,
    confidence: float = 0.95,
    resamples: int = 2000,
    groups: _IntArray | None = None,
) -> JudgeValidation:
    """κ, α and the confusion matrix of 0/1 judge labels against 0/1 human labels; with
    ``groups`` (codes from 0) that repeat, the intervals are a cluster bootstrap over them."""
    confusion = np.bincount(2 * human + judge, minlength=4).reshape(2, 2)
    kappa = cohens_kappa(judge, human, confidence=confidence, categories=[0, 1])
    alpha = krippendorff_alpha(
        np.column_stack([judge, human]).astype(np.float64),
        level="nominal",
        confidence=confidence,
        resamples=resamples,
        rng=seed,
    )
    k_est, a_est = kappa.estimate, alpha.estimate
    if groups is not None and np.unique(groups).size < human.size:
        k_est, a_est = _cluster_intervals(
            human, judge, groups, k_est, a_est, confidence, resamples, seed
        )
    return JudgeValidation(
        kind=kind,
        n=int(human.size),
        n_groups=n_groups,
        folds=folds,
        seed=seed,
        confusion=(
            (int(confusion[0, 0]), int(confusion[0, 1])),
            (int(confusion[1, 0]), int(confusion[1, 1])),
        ),
        kappa=k_est,
        alpha=a_est,
        source=source,
    )


def _kappa_alpha(cells: npt.NDArray[np.float64]) -> tuple[npt.NDArray[np.float64], ...]:
    """Cohen's κ and nominal Krippendorff α of each row of weighted (TN, FP, FN, TP)."""
    tn, fp, fn, tp = cells.T
    n = tn + fp + fn + tp
    with np.errstate(divide="ignore", invalid="ignore"):
        po = (tn + tp) / n
        pe = ((tn + fp) * (tn + fn) + (fn + tp) * (fp + tp)) / (n * n)
        kappa = (po - pe) / (1.0 - pe)
        n0, n1 = 2 * tn + fp + fn, 2 * tp + fp + fn
        alpha = 1.0 - (2 * n - 1.0) * (fp + fn) / (n0 * n1)
    return kappa, alpha


def _cluster_intervals(
    human: _IntArray,
    judge: _IntArray,
    groups: _IntArray,
    kappa: Estimate,
    alpha: Estimate,
    confidence: float,
    resamples: int,
    seed: int,
) -> tuple[Estimate, Estimate]:
    codes = np.unique(groups, return_inverse=True)[1]
    cell = np.zeros((codes.max() + 1, 4))
    np.add.at(cell, (codes, 2 * human + judge), 1.0)
    texts = cell.shape[0]
    weights = bootstrap_weights(texts, resamples=resamples, rng=seed)
    draws = weights.reduce(cell)
    method = (
        f"percentile cluster bootstrap over {texts} distinct texts ({human.size} "
        f"examples), repeats of a text resampled together, expanded for {texts} clusters"
    )
    out = []
    for est, values in zip((kappa, alpha), _kappa_alpha(draws), strict=True):
        ok = values[np.isfinite(values)]
        if not ok.size:
            out.append(
                Estimate(
                    est.estimate,
                    math.nan,
                    math.nan,
                    confidence,
                    method,
                    est.n,
                    None,
                    texts,
                    resamples,
                    seed,
                )
            )
            continue
        # the tails expanded for the texts resampled (Hesterberg), as the engine's clusters
        found = estimate_from_replicates(
            est.estimate, ok, n=est.n, confidence=confidence, method="percentile", n_clusters=texts
        )
        out.append(replace(found, method=method, resamples=resamples, seed=seed))
    return out[0], out[1]


def _estimate_dict(est: Estimate) -> dict[str, Any]:
    """The estimate as a judge file holds it. ``n_clusters`` and ``notes`` only when there are
    any: a judge file's digest covers this, and files written before they were kept (without
    either) must still match theirs."""
    out: dict[str, Any] = {
        "estimate": est.estimate,
        "low": est.low,
        "high": est.high,
        "confidence": est.confidence,
        "method": est.method,
        "n": est.n,
        "se": est.se,
        "resamples": est.resamples,
        "seed": est.seed,
    }
    if est.n_clusters is not None:
        out["n_clusters"] = est.n_clusters
    if est.notes:
        out["notes"] = list(est.notes)
    return out


def _estimate_from(value: dict[str, Any]) -> Estimate:
    return Estimate(
        estimate=float(value["estimate"]),
        low=float(value["low"]),
        high=float(value["high"]),
        confidence=float(value["confidence"]),
        method=str(value["method"]),
        n=int(value["n"]),
        se=None if value.get("se") is None else float(value["se"]),
        resamples=None if value.get("resamples") is None else int(value["resamples"]),
        seed=None if value.get("seed") is None else int(value["seed"]),
        n_clusters=None if value.get("n_clusters") is None else int(value["n_clusters"]),
        notes=tuple(str(v) for v in value.get("notes", ())),
    )
