"""Quoting a found value in a message, with PyYAML loaded only when a message needs it."""

from __future__ import annotations

__all__ = ["brief"]


def brief(value: object, limit: int = 80) -> str:
    """:func:`assay._util.brief`, imported on the first message that quotes a value: it
    lives beside the YAML loader, whose import would otherwise weigh on every run's start."""
    from assay._util import brief as quote

    return quote(value, limit)
