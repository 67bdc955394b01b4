"""VADER, the rule-based sentiment model of Hutto & Gilbert (2014), as a model adapter.

``vaderSentiment`` is imported when the adapter first predicts, never with ``assay.runners``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from assay._util import check_instance, check_number, require
from assay.errors import ConfigError
from assay.runners.adapters._base import register_adapter
from assay.runners.adapters._spec import AdapterSpec

__all__ = ["VaderAdapter"]


@register_adapter("vader")
class VaderAdapter:
    """Texts -> ``positive`` / ``negative`` / ``neutral`` from VADER's compound score.

    The standard thresholds of VADER's documentation: compound >= 0.05 is positive,
    compound <= -0.05 is negative, anything in between is neutral. ``neutral_label`` says what
    a neutral text is called: ``"neutral"`` (the default) keeps three classes, so against
    binary references a neutral answer is simply wrong; a binary task names one of its own
    labels instead (the sentiment demo uses the majority label of its training split).
    """

    name = "vader"

    def __init__(
        self,
        *,
        positive_threshold: float = 0.05,
        negative_threshold: float = -0.05,
        neutral_label: str = "neutral",
    ) -> None:
        check_number(positive_threshold, "positive_threshold", "VaderAdapter")
        check_number(negative_threshold, "negative_threshold", "VaderAdapter")
        if negative_threshold >= positive_threshold:
            raise ConfigError(
                "The 'negative_threshold' parameter of VaderAdapter must be below "
                f"positive_threshold ({positive_threshold!r}). Got {negative_threshold!r}."
            )
        check_instance(neutral_label, "neutral_label", "VaderAdapter", str, "text")
        self.positive_threshold = positive_threshold
        self.negative_threshold = negative_threshold
        self.neutral_label = neutral_label
        self._analyzer: Any = None

    def _model(self) -> Any:
        if self._analyzer is None:
            vader = require(
                "vaderSentiment.vaderSentiment", "sentiment", feature="the VADER adapter"
            )
            self._analyzer = vader.SentimentIntensityAnalyzer()
        return self._analyzer

    def compound(self, texts: Sequence[str]) -> list[float]:
        """VADER's compound score in [-1, 1] for each text."""
        model = self._model()
        out = []
        for text in texts:
            if not isinstance(text, str):
                raise TypeError(f"VADER scores text; got {type(text).__name__}")
            out.append(float(model.polarity_scores(text)["compound"]))
        return out

    def predict(self, inputs: Sequence[Any]) -> Sequence[Any]:
        """One label per text."""
        return [
            "positive"
            if c >= self.positive_threshold
            else "negative"
            if c <= self.negative_threshold
            else self.neutral_label
            for c in self.compound(inputs)
        ]

    def describe(self) -> AdapterSpec:
        """Thresholds, the neutral label and the vaderSentiment version."""
        from importlib.metadata import PackageNotFoundError, version

        try:
            installed = version("vaderSentiment")
        except PackageNotFoundError:
            installed = None
        return AdapterSpec(
            self.name,
            {
                "model": "vaderSentiment.SentimentIntensityAnalyzer",
                "vaderSentiment": installed,
                "positive_threshold": self.positive_threshold,
                "negative_threshold": self.negative_threshold,
                "neutral_label": self.neutral_label,
            },
        )

    @classmethod
    def from_spec(cls, spec: AdapterSpec) -> VaderAdapter:
        """The adapter with its recorded thresholds and neutral label (a different
        vaderSentiment version shows up as a manifest difference)."""
        keys = ("positive_threshold", "negative_threshold", "neutral_label")
        return cls(**{k: spec[k] for k in keys if k in spec})
