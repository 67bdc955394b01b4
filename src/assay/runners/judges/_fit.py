"""Fitting an embedding judge on human labels, and cross-validating it against them.

The judge is an L2-regularised logistic regression (scikit-learn's ``LogisticRegression``,
``lbfgs``) on :func:`~assay.runners.judges.pair_features`; its regularisation ``C`` is chosen
from :data:`C_GRID` by log-loss in an inner stratified 5-fold cross-validation of the
training pairs alone, so the outer agreement numbers are not flattered by that choice. Its
agreement with people is measured out of fold: scikit-learn's ``StratifiedGroupKFold``
(shuffled with the seed) splits the labelled pairs so each fold keeps the label balance and
every repeat of a text (same ``group``) sits in one fold; each pair is labelled by the judge
fitted on the other folds; κ, α and the confusion matrix compare those labels with people's.
The judge that is kept is then fitted on every labelled pair.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from assay._util import check_int, check_number
from assay.errors import DataError, ParameterError
from assay.runners.judges._features import PairEmbedder, pair_features
from assay.runners.judges._trained import EmbeddingJudge
from assay.runners.judges._validation import JudgeValidation, agreement_with_people

C_GRID = (1.0, 10.0, 100.0)
"""Regularisation strengths the inner cross-validation chooses from."""

__all__ = ["C_GRID", "binary_labels", "cross_validated_labels", "fit_embedding_judge"]

_FUNCTION = "fit_embedding_judge"
_FloatArray = npt.NDArray[np.float64]
_IntArray = npt.NDArray[np.int64]


def binary_labels(labels: Any, *, label_threshold: float | None, function: str) -> _IntArray:
    """Human labels as 0/1: as they are (``label_threshold`` None) or ``score >= threshold``.

    Raises DataError naming the first label that is not a number, not 0/1, or (with a
    threshold) outside [0, 1].
    """
    try:
        values = np.asarray(labels, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise DataError(
            f"{function}: human labels must be numbers", expected="0 or 1", found=str(exc)[:80]
        ) from exc
    if values.ndim != 1:
        raise DataError(
            f"{function}: human labels must be one per pair",
            expected="a 1-D sequence",
            found=f"shape {values.shape}",
        )
    if label_threshold is None:
        bad = np.flatnonzero((values != 0.0) & (values != 1.0))
        expected = "0 or 1"
    else:
        bad = np.flatnonzero(~((values >= 0.0) & (values <= 1.0)))
        expected = "a score in [0, 1]"
    if bad.size:
        raise DataError(
            f"{function}: a human label is out of range",
            row=int(bad[0]),
            column="label",
            expected=expected,
            found=str(values[bad[0]]),
        )
    cut = 0.5 if label_threshold is None else label_threshold
    return (values >= cut).astype(np.int64)


def cross_validated_labels(
    features: _FloatArray,
    labels: _IntArray,
    groups: Sequence[str],
    *,
    folds: int,
    seed: int,
) -> _FloatArray:
    """Each pair's out-of-fold probability of a 1 (see the module's description)."""
    from sklearn.model_selection import StratifiedGroupKFold  # heavy: imported when used

    codes = np.unique(np.asarray(groups, dtype=object), return_inverse=True)[1]
    _check_folds(labels, codes, folds)
    splitter = StratifiedGroupKFold(n_splits=folds, shuffle=True, random_state=seed)
    out = np.full(labels.size, np.nan)
    for number, (train, test) in enumerate(splitter.split(features, labels, codes)):
        if np.unique(labels[train]).size < 2 or test.size == 0:
            raise DataError(
                f"{_FUNCTION}: fold {number + 1} of {folds} cannot be fitted or is empty",
                expected="both labels in every training split and a non-empty test split",
                found=f"{test.size} test pairs, labels {sorted(set(labels[train].tolist()))}",
            )
        out[test] = _logistic(features[train], labels[train], seed).predict_proba(features[test])[
            :, 1
        ]
    return out


def fit_embedding_judge(
    objectives: Sequence[str],
    responses: Sequence[str],
    labels: Any,
    *,
    kind: str,
    name: str,
    version: str = "1",
    groups: Sequence[str] | None = None,
    label_threshold: float | None = None,
    folds: int = 5,
    seed: int = 0,
    source: str = "labels given",
    embedder: PairEmbedder | None = None,
    confidence: float = 0.95,
    resamples: int = 2000,
) -> EmbeddingJudge:
    """Fit a logistic-regression judge on MiniLM pair embeddings and cross-validate it.

    Args:
        objectives, responses: the (objective, response) pairs people labelled.
        labels: the human label of each pair: 0/1, or a score in [0, 1] with
            ``label_threshold`` (a score at least the threshold is 1).
        kind: what a 1 means (``"refusal"``, ``"objective"``, ``"harm"``, or your own word).
        name, version: the judge's identity in manifests.
        groups: pairs that must never be split between training and validation (repeats of
            one text); by default each pair is its own group.
        folds: cross-validation folds (2 or more); seed: fold assignment seed.
        source: where the labels came from, recorded in the judge.
        embedder: the encoder (with its cache); by default the shipped MiniLM, no cache.
        confidence, resamples: of the κ and α intervals.

    Raises:
        DataError: lengths differ, a label is out of range, a pair is not text, or a label
            class has fewer distinct texts than ``folds`` (a fold would lack it).
        ParameterError: bad ``folds``, ``seed`` or ``label_threshold``.
        MissingDependencyError: sentence-transformers is not installed (the install line is
            in the message).
    """
    check_int(folds, "folds", _FUNCTION, minimum=2)
    check_int(seed, "seed", _FUNCTION, minimum=0)
    if label_threshold is not None:
        check_number(label_threshold, "label_threshold", _FUNCTION)
        if not 0.0 < label_threshold <= 1.0:
            raise ParameterError(
                "label_threshold", _FUNCTION, "a number in (0, 1]", label_threshold
            )
    y = binary_labels(labels, label_threshold=label_threshold, function=_FUNCTION)
    _check_pairs(objectives, responses, y.size)
    group_keys = [str(i) for i in range(y.size)] if groups is None else [str(g) for g in groups]
    if len(group_keys) != y.size:
        raise DataError(
            f"{_FUNCTION}: one group per labelled pair",
            expected=f"{y.size} groups",
            found=str(len(group_keys)),
        )
    enc = embedder or PairEmbedder()
    x = pair_features(enc, objectives, responses)
    probs = cross_validated_labels(x, y, group_keys, folds=folds, seed=seed)
    validation: JudgeValidation = agreement_with_people(
        y,
        (probs >= 0.5).astype(np.int64),
        kind=kind,
        n_groups=len(set(group_keys)),
        folds=folds,
        seed=seed,
        source=source,
        confidence=confidence,
        resamples=resamples,
        groups=np.unique(group_keys, return_inverse=True)[1].astype(np.int64),
    )
    final = _logistic(x, y, seed)
    return EmbeddingJudge(
        name=name,
        version=version,
        kind=kind,
        coef=tuple(float(v) for v in final.coef_[0]),
        intercept=float(final.intercept_[0]),
        model_digest=enc.model_digest,
        threshold=0.5,
        training={
            "source": source,
            "n": int(y.size),
            "n_positive": int(y.sum()),
            "label_threshold": label_threshold,
            "model": "sklearn LogisticRegression (lbfgs, l2), C chosen by inner stratified "
            f"5-fold log-loss from {list(C_GRID)}",
            "c": float(final.C),
        },
        validation=validation,
    )


def _logistic(x: _FloatArray, y: _IntArray, seed: int) -> Any:
    """The logistic regression with the C of least inner cross-validated log-loss.

    BLAS runs on one thread: these are small problems, and on a busy machine a multi-threaded
    BLAS makes them tens of times slower (it also keeps the sums in one order).
    """
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import log_loss
    from sklearn.model_selection import StratifiedKFold
    from threadpoolctl import threadpool_limits  # type: ignore[import-untyped]

    inner = StratifiedKFold(
        n_splits=min(5, int(np.bincount(y).min())), shuffle=True, random_state=seed
    )
    splits = list(inner.split(x, y))
    losses = []
    with threadpool_limits(limits=1):
        for c in C_GRID:
            loss = 0.0
            for train, test in splits:
                model = LogisticRegression(C=c, max_iter=5000).fit(x[train], y[train])
                loss += log_loss(y[test], model.predict_proba(x[test])[:, 1], labels=[0, 1])
            losses.append(loss)
        best = C_GRID[int(np.argmin(losses))]  # the first of equal losses: the stronger penalty
        return LogisticRegression(C=best, max_iter=5000).fit(x, y)


def _check_folds(labels: _IntArray, groups: npt.NDArray[np.intp], folds: int) -> None:
    for value in (0, 1):
        distinct = np.unique(groups[labels == value]).size
        if distinct < folds:
            raise DataError(
                f"{_FUNCTION}: too few labelled texts of one label for {folds} folds (a fold "
                "would have none of it)",
                column="label",
                expected=f"at least {folds} distinct texts labelled {value}",
                found=str(distinct),
            )


def _check_pairs(objectives: Sequence[str], responses: Sequence[str], n: int) -> None:
    for values, what in ((objectives, "objectives"), (responses, "responses")):
        if len(values) != n:
            raise DataError(
                f"{_FUNCTION}: one of {what} per label",
                expected=f"{n} {what}",
                found=str(len(values)),
            )
        for row, text in enumerate(values):
            if not isinstance(text, str):
                raise DataError(
                    f"{_FUNCTION}: a pair is not text",
                    row=row,
                    column=what[:-1],
                    expected="text",
                    found=type(text).__name__,
                )
