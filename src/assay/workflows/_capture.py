"""Capturing the environment a run was recorded in: code version, packages, hardware."""

from __future__ import annotations

import hashlib
import os
import platform
import shutil
import subprocess
import sys
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

from assay.core import digest
from assay.core.manifest import CodeVersion, Manifest
from assay.core.model import ModelRef

__all__ = ["capture_code_version", "capture_manifest"]


def _git(args: list[str], cwd: Path) -> str | None:
    try:
        out = subprocess.run(["git", *args], cwd=cwd, capture_output=True, timeout=10, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return None
    if out.returncode != 0:
        return None
    return out.stdout.decode("utf-8", "replace")


def capture_code_version(cwd: str | Path | None = None) -> CodeVersion:
    """Git commit and a digest of uncommitted changes of ``cwd`` (default: the working directory)."""
    where = Path(cwd or Path.cwd())
    commit = _git(["rev-parse", "HEAD"], where)
    if commit is None:
        return CodeVersion()
    commit = commit.strip()
    branch = (_git(["rev-parse", "--abbrev-ref", "HEAD"], where) or "").strip() or None
    diff = _git(["diff", "HEAD", "--no-color", "--no-ext-diff"], where) or ""
    untracked = _git(["ls-files", "--others", "--exclude-standard", "-z"], where) or ""
    h = hashlib.sha256(diff.encode())
    for name in sorted(filter(None, untracked.split("\0"))):
        h.update(name.encode() + b"\0")
        try:
            h.update(hashlib.sha256((where / name).read_bytes()).digest())
        except OSError:
            h.update(b"<unreadable>")
    dirty = None if not diff and not untracked else h.hexdigest()
    describe = (
        f"{commit[:12]} (clean)"
        if dirty is None
        else (f"{commit[:12]} + uncommitted changes {dirty[:12]}")
    )
    return CodeVersion(commit=commit, dirty_digest=dirty, branch=branch, describe=describe)


def _packages() -> dict[str, str]:
    found: dict[str, str] = {}
    for dist in metadata.distributions():
        # "name-version.dist-info" says both without parsing the metadata file (10x faster);
        # other layouts (egg-info, editable installs) are read properly
        folder = Path(str(getattr(dist, "_path", "")))
        stem, _, version = folder.name.removesuffix(".dist-info").partition("-")
        if folder.suffix == ".dist-info" and stem and version:
            found.setdefault(stem.replace("_", "-").lower(), version)
            continue
        name = dist.metadata["Name"]
        if name:
            found.setdefault(name.lower(), dist.version)
    return dict(sorted(found.items()))


def _cpu() -> str:
    model = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{model}, {os.cpu_count()} logical cores"


def _gpu() -> str:
    if shutil.which("nvidia-smi") is None:
        return "none detected"
    try:
        out = subprocess.run(
            ["nvidia-smi", "--query-gpu=name,memory.total,driver_version", "--format=csv,noheader"],
            capture_output=True,
            timeout=10,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return "nvidia-smi present but not answering"
    text = out.stdout.decode("utf-8", "replace").strip()
    return "; ".join(text.splitlines()) if text else "none detected"


def _assay_version() -> str:
    try:
        return metadata.version("assay")
    except metadata.PackageNotFoundError:
        return "unknown (not installed)"


def capture_manifest(
    *,
    suite_digest: str,
    model: ModelRef,
    seeds: dict[str, int] | None = None,
    provenance: dict[str, Any] | None = None,
    dataset_digests: dict[str, str] | None = None,
    config: dict[str, Any] | None = None,
    source: str = "python",
    cwd: str | Path | None = None,
) -> Manifest:
    """Capture everything needed to reproduce a run, from the current process and directory."""
    seeds = dict(seeds or {})
    provenance = dict(provenance or {})
    cfg = {
        "model": model.model_dump(mode="json"),
        "seeds": seeds,
        "provenance": provenance,
        "config": config or {},
    }
    return Manifest(
        assay_version=_assay_version(),
        created_at=datetime.now(UTC),
        code=capture_code_version(cwd),
        python=f"{platform.python_implementation()} {sys.version.split()[0]}",
        packages=_packages(),
        platform=f"{platform.system()} {platform.release()} {platform.machine()}",
        cpu=_cpu(),
        gpu=_gpu(),
        seeds=seeds,
        config_digest=digest(cfg),
        suite_digest=suite_digest,
        dataset_digests=dict(dataset_digests or {}),
        model=model,
        provenance=provenance,
        source=source,
    )
