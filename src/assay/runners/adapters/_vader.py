"""VADER, the rule-based sentiment model of Hutto & Gilbert (2014), as a model adapter.

``vaderSentiment`` is imported when the adapter first predicts, never with ``assay.runners``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from assay.errors import AdapterError, ConfigError
from assay.runners.adapters._base import register_adapter

__all__ = ["VaderAdapter"]

_INSTALL = "pip install vaderSentiment==3.3.2 (or pip install 'assay[sentiment]')"


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
        for name, value in (
            ("positive_threshold", positive_threshold),
            ("negative_threshold", negative_threshold),
        ):
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise ConfigError(
                    f"The {name!r} parameter of VaderAdapter must be a number. Got {value!r}."
                )
        if negative_threshold >= positive_threshold:
            raise ConfigError(
                "The 'negative_threshold' parameter of VaderAdapter must be below "
                f"positive_threshold ({positive_threshold!r}). Got {negative_threshold!r}."
            )
        if not isinstance(neutral_label, str):
            raise ConfigError(
                f"The 'neutral_label' parameter of VaderAdapter must be text. Got {neutral_label!r}."
            )
        self.positive_threshold = positive_threshold
        self.negative_threshold = negative_threshold
        self.neutral_label = neutral_label
        self._analyzer: Any = None

    def _model(self) -> Any:
        if self._analyzer is None:
            try:
                from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer
            except ImportError:
                raise AdapterError(f"The VADER adapter needs vaderSentiment: {_INSTALL}") from None
            self._analyzer = SentimentIntensityAnalyzer()
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

    def describe(self) -> dict[str, Any]:
        """Thresholds, the neutral label and the vaderSentiment version."""
        from importlib.metadata import PackageNotFoundError, version

        try:
            installed = version("vaderSentiment")
        except PackageNotFoundError:
            installed = None
        return {
            "adapter": self.name,
            "model": "vaderSentiment.SentimentIntensityAnalyzer",
            "vaderSentiment": installed,
            "positive_threshold": self.positive_threshold,
            "negative_threshold": self.negative_threshold,
            "neutral_label": self.neutral_label,
        }
