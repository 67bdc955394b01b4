"""Run manifests: everything needed to reproduce a run, and how two manifests differ."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from assay.core.model import ModelRef

__all__ = ["CodeVersion", "Manifest", "ManifestDifference", "diff_manifests"]


class CodeVersion(BaseModel):
    """The code a run came from."""

    model_config = ConfigDict(frozen=True, extra="forbid", use_attribute_docstrings=True)

    commit: str | None = None
    """Git commit of the working directory, or ``None`` when it is not a git checkout."""
    dirty_digest: str | None = None
    """Digest of uncommitted changes (diff against HEAD plus untracked files); ``None`` if clean."""
    branch: str | None = None
    """Current branch, when there is one."""
    describe: str = "not a git checkout"
    """Human summary: ``"<commit> (clean)"``, ``"<commit> + uncommitted changes <digest>"``."""


class Manifest(BaseModel):
    """What a run needs to be reproduced. Captured automatically for every run."""

    model_config = ConfigDict(frozen=True, extra="forbid", use_attribute_docstrings=True)

    assay_version: str
    """Version of assay that recorded the run."""
    created_at: datetime
    """When the run was recorded (UTC)."""
    code: CodeVersion
    """Code version of the working directory the run was recorded from."""
    python: str
    """Python implementation and version."""
    packages: dict[str, str] = Field(default_factory=dict)
    """Installed distributions and their versions."""
    platform: str = ""
    """Operating system and architecture."""
    cpu: str = ""
    """CPU model and logical core count."""
    gpu: str = ""
    """GPU description, or ``"none detected"``."""
    seeds: dict[str, int] = Field(default_factory=dict)
    """Every seed the run used, by role (``{"model": 0, "split": 0}``)."""
    config_digest: str = ""
    """Digest of the run's configuration (model parameters, task, provenance, seeds)."""
    suite_digest: str
    """Digest of the suite version evaluated."""
    dataset_digests: dict[str, str] = Field(default_factory=dict)
    """Digests of other data the run used (training set, retrieval corpus, ...)."""
    model: ModelRef
    """The model and its parameters."""
    provenance: dict[str, Any] = Field(default_factory=dict)
    """Free-form facts: prompt template, decoding settings, retrieval index version, ..."""
    source: str = ""
    """How the records were produced: ``"ingest:<file>"``, ``"runner:<adapter>"``, ``"python"``."""


@dataclass(frozen=True)
class ManifestDifference:
    """One field that differs between two manifests."""

    path: str
    """Dotted path of the field, e.g. ``packages.numpy`` or ``model.parameters.max_depth``."""
    a: Any
    """Value in the first manifest (``None`` when absent)."""
    b: Any
    """Value in the second manifest (``None`` when absent)."""


_ALWAYS_DIFFERENT = {"created_at"}


def _flatten(value: Any, prefix: str, out: dict[str, Any]) -> None:
    if isinstance(value, dict) and value:
        for k, v in value.items():
            _flatten(v, f"{prefix}.{k}" if prefix else str(k), out)
    else:
        out[prefix] = value


def diff_manifests(
    a: Manifest, b: Manifest, *, include_time: bool = False
) -> list[ManifestDifference]:
    """Fields that differ between two manifests, sorted by path.

    Creation time always differs and is left out unless ``include_time`` is true.
    """
    fa: dict[str, Any] = {}
    fb: dict[str, Any] = {}
    _flatten(a.model_dump(mode="json"), "", fa)
    _flatten(b.model_dump(mode="json"), "", fb)
    out = []
    for path in sorted(fa.keys() | fb.keys()):
        if not include_time and path in _ALWAYS_DIFFERENT:
            continue
        va, vb = fa.get(path), fb.get(path)
        if va != vb:
            out.append(ManifestDifference(path, va, vb))
    return out
