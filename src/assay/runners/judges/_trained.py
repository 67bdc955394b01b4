"""A trained judge as a file: logistic regression on MiniLM embeddings, versioned and digested.

A judge file is JSON (never pickle, so loading one runs no code): the judge's name, version
and kind, the encoder's model digest and feature recipe, the fitted coefficients, the label
threshold, how it was trained and its cross-validated agreement with people. Its ``digest``
is the SHA-256 of the canonical JSON of everything else, so a judge is identified by its
content; a file whose content no longer matches its digest is refused.
"""

from __future__ import annotations

import json
import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from assay._util import atomic_write
from assay.core import digest
from assay.errors import DataError, UnvalidatedJudgeWarning
from assay.runners.judges._features import (
    FEATURES,
    MAX_TOKENS,
    N_FEATURES,
    PairEmbedder,
    pair_features,
)
from assay.runners.judges._validation import JudgeValidation

__all__ = ["JUDGE_FORMAT", "EmbeddingJudge", "load_judge"]

JUDGE_FORMAT = "assay.embedding-judge/1"
_MAX_BYTES = 8 << 20  # a judge is ~40 kB; anything near this is not a judge file
_FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True)
class EmbeddingJudge:
    """A fitted logistic-regression judge on MiniLM pair embeddings (see :func:`load_judge`)."""

    name: str
    """The judge's name, e.g. ``pyrit-refusal``."""
    version: str
    """The version its owner gave it."""
    kind: str
    """What a label of 1 means: ``"refusal"``, ``"objective"`` (attack success), ``"harm"``."""
    coef: tuple[float, ...]
    """Logistic-regression coefficients, one per feature."""
    intercept: float
    """Logistic-regression intercept."""
    model_digest: str
    """sha256 of the sentence-embedding model's files the features came from."""
    threshold: float = 0.5
    """A pair is labelled 1 when the judge's probability is at least this."""
    training: dict[str, Any] = field(default_factory=dict)
    """How it was fitted: label source, counts, regularisation, label threshold."""
    validation: JudgeValidation | None = None
    """Cross-validated agreement with people; None for a judge never checked against them."""

    @property
    def validated(self) -> bool:
        """Whether the judge's agreement with human labels was measured."""
        return self.validation is not None

    def content(self) -> dict[str, Any]:
        """Everything the digest covers, as JSON-ready values."""
        return {
            "format": JUDGE_FORMAT,
            "name": self.name,
            "version": self.version,
            "kind": self.kind,
            "features": FEATURES,
            "max_tokens": MAX_TOKENS,
            "model_digest": self.model_digest,
            "coef": list(self.coef),
            "intercept": self.intercept,
            "threshold": self.threshold,
            "training": self.training,
            "validation": None if self.validation is None else self.validation.to_dict(),
        }

    @property
    def digest(self) -> str:
        """SHA-256 of the canonical JSON of :meth:`content`."""
        return digest(self.content())

    def describe(self) -> dict[str, Any]:
        """What a run manifest records of the judge: identity, digest and agreement."""
        out: dict[str, Any] = {
            "scorer": "embedding_judge",
            "name": self.name,
            "version": self.version,
            "digest": self.digest,
            "kind": self.kind,
            "features": FEATURES,
            "model_digest": self.model_digest,
            "threshold": self.threshold,
            "validated": self.validated,
        }
        if self.validation is not None:
            v = self.validation
            out["agreement"] = {
                "kappa": [v.kappa.estimate, v.kappa.low, v.kappa.high],
                "alpha": [v.alpha.estimate, v.alpha.low, v.alpha.high],
                "n": v.n,
                "source": v.source,
            }
        return out

    def probabilities(
        self, embedder: PairEmbedder, objectives: Sequence[str], responses: Sequence[str]
    ) -> _FloatArray:
        """The judge's probability that each pair is a 1 (warns when the judge is unvalidated)."""
        self.check_encoder(embedder)
        if not self.validated:
            warnings.warn(self.unvalidated_message(), UnvalidatedJudgeWarning, stacklevel=2)
        x = pair_features(embedder, objectives, responses)
        return self.probabilities_of(x)

    def probabilities_of(self, features: _FloatArray) -> _FloatArray:
        """The probability of a 1 from features already computed."""
        z = features @ np.asarray(self.coef, dtype=np.float64) + self.intercept
        return np.asarray(1.0 / (1.0 + np.exp(-z)), dtype=np.float64)

    def labels(
        self, embedder: PairEmbedder, objectives: Sequence[str], responses: Sequence[str]
    ) -> npt.NDArray[np.int64]:
        """The judge's 0/1 label of each pair (probability at least :attr:`threshold`)."""
        probs = self.probabilities(embedder, objectives, responses)
        return (probs >= self.threshold).astype(np.int64)

    def check_encoder(self, embedder: PairEmbedder) -> None:
        """Refuse an encoder whose model is not the one the judge was fitted on."""
        if embedder.model_digest != self.model_digest:
            raise DataError(
                f"judge {self.name!r} was fitted on embeddings of another model",
                expected=f"model digest {self.model_digest[:12]}",
                found=embedder.model_digest[:12],
            )

    def unvalidated_message(self) -> str:
        """The warning shown when an unvalidated judge scores anything."""
        return (
            f"judge {self.name!r} {self.version} has no measured agreement with human labels: "
            "its scores are the judge's, not people's (raw scores only; PPI++ is refused)"
        )

    def save(self, path: str | Path) -> Path:
        """Write the judge file atomically (content plus digest); return its path."""
        payload = {**self.content(), "digest": self.digest}
        return atomic_write(path, json.dumps(payload, indent=1, allow_nan=True) + "\n")

    def with_version(self, version: str) -> EmbeddingJudge:
        """The same judge under another version (so another digest)."""
        return replace(self, version=version)


def load_judge(path: str | Path) -> EmbeddingJudge:
    """Read a judge file, checking its format, shape and digest.

    Raises:
        DataError: the file cannot be read, is too large, is not a judge file of this format,
            is malformed (the message names the field), or its content does not match its
            digest (it was changed after it was written).
    """
    file = Path(path)
    try:
        size = file.stat().st_size
        if size > _MAX_BYTES:
            raise DataError(
                "the file is too large to be a judge",
                file=str(file),
                expected=f"at most {_MAX_BYTES} bytes",
                found=f"{size} bytes",
            )
        raw = json.loads(file.read_bytes().decode("utf-8"))
    except OSError as exc:
        raise DataError(f"cannot read the judge file: {exc.strerror}", file=str(file)) from exc
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        raise DataError(
            "the judge file is not JSON", file=str(file), expected="JSON", found=str(exc)[:80]
        ) from exc
    if not isinstance(raw, dict) or raw.get("format") != JUDGE_FORMAT:
        found = raw.get("format") if isinstance(raw, dict) else type(raw).__name__
        raise DataError(
            "not a judge file", file=str(file), expected=JUDGE_FORMAT, found=repr(found)[:80]
        )
    judge = _judge_from(raw, file)
    if raw.get("digest") != judge.digest:
        raise DataError(
            "the judge file's content does not match its digest (it was changed after it "
            "was written)",
            file=str(file),
            column="digest",
            expected=judge.digest[:12],
            found=repr(raw.get("digest"))[:20],
        )
    return judge


def _judge_from(raw: dict[str, Any], file: Path) -> EmbeddingJudge:
    field_name = "name"
    try:
        name, version, kind = (str(raw[k]) for k in ("name", "version", "kind"))
        field_name = "coef"
        coef = tuple(float(v) for v in raw["coef"])
        field_name = "intercept"
        intercept = float(raw["intercept"])
        field_name = "threshold"
        threshold = float(raw["threshold"])
        field_name = "training"
        training = raw["training"]
        if not isinstance(training, dict):
            raise TypeError("training must be an object")
        field_name = "validation"
        valid = raw["validation"]
        validation = None if valid is None else JudgeValidation.from_dict(valid)
        field_name = "model_digest"
        model_digest = str(raw["model_digest"])
    except (KeyError, TypeError, ValueError) as exc:
        raise DataError(
            "a judge file field is missing or malformed",
            file=str(file),
            column=field_name,
            expected="the field as a judge file writes it",
            found=str(exc)[:80],
        ) from exc
    if raw.get("features") != FEATURES or raw.get("max_tokens") != MAX_TOKENS:
        raise DataError(
            "the judge was fitted on features this version of assay does not build",
            file=str(file),
            column="features",
            expected=f"{FEATURES} at {MAX_TOKENS} tokens",
            found=f"{raw.get('features')!r} at {raw.get('max_tokens')!r}",
        )
    if len(coef) != N_FEATURES or not all(math.isfinite(c) for c in (*coef, intercept, threshold)):
        raise DataError(
            "the judge's coefficients are not usable",
            file=str(file),
            column="coef",
            expected=f"{N_FEATURES} finite coefficients and a finite intercept and threshold",
            found=f"{len(coef)} coefficients",
        )
    return EmbeddingJudge(
        name=name,
        version=version,
        kind=kind,
        coef=coef,
        intercept=intercept,
        model_digest=model_digest,
        threshold=threshold,
        training=training,
        validation=validation,
    )
