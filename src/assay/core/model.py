"""Model references: which model, which version, with which parameters."""

from __future__ import annotations

import re
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from assay.errors import ConfigError

__all__ = ["ModelRef"]

# fullmatch, not "$": "$" also matches before a trailing newline
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._\-/:]*")
_VERSION = re.compile(r"[^\x00-\x20\x7f-\x9f](?:[^\x00-\x1f\x7f-\x9f]*[^\x00-\x20\x7f-\x9f])?")
_MAX_LENGTH = 500


class ModelRef(BaseModel):
    """A model: name, version and the parameters it ran with."""

    model_config = ConfigDict(frozen=True, extra="forbid", use_attribute_docstrings=True)

    name: str
    """The model's name, e.g. ``"income-gbm"``."""
    version: str = "unversioned"
    """The model's version, e.g. a release tag, a checkpoint step or a weights digest."""
    parameters: dict[str, Any] = Field(default_factory=dict)
    """Parameters the model ran with (hyper-parameters, decoding settings, ...)."""

    @classmethod
    def parse(cls, text: str, parameters: dict[str, Any] | None = None) -> ModelRef:
        """Parse ``NAME@VERSION`` (or ``NAME``) into a reference."""
        if not isinstance(text, str):
            raise ConfigError(f"A model is named NAME@VERSION (e.g. income-gbm@1.2). Got {text!r}.")
        name, _, version = text.partition("@")
        shown = text if len(text) <= 80 else f"{text[:80]}… ({len(text):,} characters)"
        if (
            not _NAME.fullmatch(name)
            or ("@" in text and not _VERSION.fullmatch(version))
            or len(text) > _MAX_LENGTH
        ):
            raise ConfigError(
                f"A model is named NAME@VERSION (e.g. income-gbm@1.2). Got {shown!r}."
            )
        return cls(name=name, version=version or "unversioned", parameters=parameters or {})

    def __str__(self) -> str:
        return f"{self.name}@{self.version}"
