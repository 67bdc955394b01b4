"""The monitor commands as single calls: profile a table or run and store it; judge a window.

``assay monitor profile`` is :func:`monitor_profile`; ``assay monitor drift`` is
:func:`monitor_drift`. A reference or window given as a file is a profile when its bytes are a
profile (``assay monitor profile -o FILE`` writes one), else a table (Parquet, CSV, JSONL).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from assay._util import atomic_write
from assay.monitor import (
    DriftResult,
    DriftSpec,
    Profile,
    drift,
    load_drift_spec,
    profile,
    profile_from_bytes,
)
from assay.storage import Store
from assay.workflows._monitor_profiles import load_profile, profile_run, save_profile
from assay.workflows._store import resolve_store

__all__ = ["StoredProfile", "monitor_drift", "monitor_profile", "read_profile_or_table"]


@dataclass(frozen=True)
class StoredProfile:
    """A profile and where it went."""

    profile: Profile
    """The profile."""
    digest: str
    """Its SHA-256 (the artifact's digest in the store)."""
    name: str
    """The name it is saved under."""
    output: str | None = None
    """The file it was also written to, if any."""


def _is_profile_file(path: Path) -> bool:
    # Canonical profile bytes are sorted-key JSON: they always begin with the column list.
    try:
        with path.open("rb") as fh:
            return fh.read(12) == b'{"columns":['
    except OSError:
        return False


def read_profile_or_table(source: Any) -> Any:
    """A :class:`Profile` when ``source`` is a profile file, else ``source`` unchanged."""
    if isinstance(source, (str, Path)):
        path = Path(source)
        if path.is_file() and _is_profile_file(path):
            return profile_from_bytes(path.read_bytes(), source=str(path))
    return source


def monitor_profile(
    data: Any = None,
    *,
    name: str,
    output: str | Path | None = None,
    from_run: str | None = None,
    store: Store | None = None,
) -> StoredProfile:
    """Profile a table (or a stored run's records with ``from_run``), store it as an artifact
    under ``name``, and optionally write its bytes to ``output``."""
    st = resolve_store(store)
    prof = (
        profile_run(from_run, name=name, store=st)
        if from_run is not None
        else profile(data, name=name)
    )
    digest = save_profile(prof, name=name, store=st)
    if output is not None:
        atomic_write(Path(output), prof.to_bytes())
    return StoredProfile(prof, digest, name, None if output is None else str(output))


def monitor_drift(
    current: Any,
    *,
    reference: str | Path | Profile,
    spec: str | Path | DriftSpec | None = None,
    name: str | None = None,
    report: str | Path | None = None,
    store: Store | None = None,
) -> DriftResult:
    """Judge ``current`` (a table, a path, or a profile file) against ``reference`` (a profile,
    a profile file, or the name or digest of a stored profile); write the HTML report to
    ``report`` when given."""
    if isinstance(reference, Profile):
        ref = reference
    elif Path(reference).is_file():
        ref = profile_from_bytes(Path(reference).read_bytes(), source=str(reference))
    else:
        ref = load_profile(str(reference), store=resolve_store(store))
    settings = spec if isinstance(spec, DriftSpec) or spec is None else load_drift_spec(spec)
    label = name or (Path(current).name if isinstance(current, (str, Path)) else "current")
    result = drift(read_profile_or_table(current), ref, spec=settings, name=label)
    if report is not None:
        from assay.reports import monitor_report_html

        atomic_write(Path(report), monitor_report_html(result).encode("utf-8"))
    return result
