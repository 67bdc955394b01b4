"""Rendering helpers: rich tables for people, JSON for scripts."""

from __future__ import annotations

import json
import sys
from typing import Any

from rich.console import Console
from rich.markup import escape

__all__ = ["console", "emit_json", "safe"]

console = Console()


def emit_json(payload: Any) -> None:
    """Print ``payload`` as JSON on standard output (no colour, no wrapping)."""
    sys.stdout.write(json.dumps(payload, indent=2, default=str, ensure_ascii=False) + "\n")
    sys.stdout.flush()


def safe(text: object) -> str:
    """Escape untrusted text (model outputs, dataset content) for rich markup."""
    return escape(str(text))
