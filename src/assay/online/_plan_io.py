"""Reading an experiment plan from YAML (a file, text, or an already parsed mapping)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from assay._util import load_yaml
from assay.errors import ConfigError
from assay.online._plan import ExperimentPlan

__all__ = ["load_plan"]


def load_plan(source: str | Path | Mapping[str, Any]) -> ExperimentPlan:
    """An :class:`ExperimentPlan` from YAML: the fields of :meth:`ExperimentPlan.to_dict`.

    A ``Path``, or a one-line string ending in ``.yaml``/``.yml`` or naming an existing file,
    is read as a file; any other string is YAML text. ConfigError names the file on any
    problem (unreadable, not YAML, not a mapping, unknown or invalid fields).
    """
    if isinstance(source, Mapping):
        return ExperimentPlan.from_dict(source)
    name = "<text>"
    text = str(source)
    raw: str | bytes = text
    one_line = isinstance(source, str) and "\n" not in source
    if isinstance(source, Path) or (
        one_line and (text.strip().endswith((".yaml", ".yml")) or Path(text).is_file())
    ):
        name = str(source)
        try:
            raw = Path(source).read_bytes()
        except OSError as exc:
            raise ConfigError(f"{name}: cannot read the experiment plan: {exc.strerror}") from exc
    data = load_yaml(raw, source=name, error=ConfigError)
    if not isinstance(data, Mapping):
        raise ConfigError(f"{name}: an experiment plan is a YAML mapping of its fields.")
    try:
        return ExperimentPlan.from_dict(data)
    except ConfigError as exc:
        raise ConfigError(f"{name}: {exc}") from exc
    except TypeError as exc:  # a guardrail with unknown or missing fields
        raise ConfigError(f"{name}: invalid experiment plan: {exc}.") from exc
