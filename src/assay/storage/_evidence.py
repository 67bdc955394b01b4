"""The evidence a decision commits to outside the ledger, and re-hashing it.

A decision entry carries the digests of both runs as stored (their metadata row, their metric
rows and the bytes of their record file) and of its artifacts (reports, memo, policy). The hash
chain covers those digests, so replacing a record file, editing a metric row or swapping a
report cannot be hidden by leaving the ledger alone: :func:`check_evidence` hashes them again.
Record files are hashed as bytes, not re-encoded, so a newer pyarrow cannot change a digest.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass

import sqlalchemy as sa

from assay._util import check_instance
from assay.core import Decision, digest
from assay.errors import NotFoundError, ParameterError
from assay.storage._artifacts import FileArtifactRepository
from assay.storage._files import FileRoot
from assay.storage._schema import run_metrics, runs

__all__ = [
    "EvidenceProblem",
    "artifact_location",
    "check_evidence",
    "decision_evidence",
    "evidence_file_name",
    "file_digest",
]

_ROLES = ("baseline", "candidate")
_KINDS = ("run", "metrics", "records")
_SHA256 = re.compile(r"^[0-9a-f]{64}$")
_CHUNK = 1 << 20
# The names users know the artifacts by (the files `assay gate --output` writes).
_ARTIFACT_NAMES = {
    "report_html": "report.html",
    "report_md": "report.md",
    "memo": "memo.md",
    "policy": "policy",
    "comparison": "comparison",
    "verdict": "verdict",
}
# The file an exported piece of evidence is written to.
_EXPORT_NAMES = {
    **_ARTIFACT_NAMES,
    "policy": "policy.yaml",
    "comparison": "comparison.json",
    "verdict": "verdict.json",
}
_UNSAFE = re.compile(r"[^A-Za-z0-9_.-]+")
_WHAT = {"run": "stored run metadata", "metrics": "stored metric rows", "records": "record file"}


@dataclass(frozen=True)
class EvidenceProblem:
    """One piece of a decision's evidence that no longer hashes to what its entry recorded."""

    decision_id: str
    """The decision whose evidence changed."""
    sequence: int
    """The ledger entry that recorded it."""
    evidence: str
    """Which evidence, e.g. ``artifact report.html`` or ``baseline record file``."""
    expected: str
    """The digest the ledger entry committed to."""
    found: str | None
    """The digest found now, ``None`` when the evidence is gone, or why it could not be read."""

    def describe(self) -> str:
        """The problem in one sentence."""
        state = "missing" if self.found is None else "changed"
        return (
            f"decision {self.decision_id!r} (entry {self.sequence}): {self.evidence} {state}; "
            f"expected digest {self.expected}, found {self.found or 'nothing'}"
        )


def evidence_file_name(role: str) -> str:
    """The file name a decision's evidence ``role`` is exported as (``report_html`` is
    ``report.html``); an unknown role becomes a plain name that cannot leave its folder."""
    check_instance(role, "role", "evidence_file_name", str, "a str")
    if role in _EXPORT_NAMES:
        return _EXPORT_NAMES[role]
    name = _UNSAFE.sub("_", role).lstrip(".") or "evidence"
    return name[:100]


def artifact_location(artifacts: object, digest: str) -> str:
    """Where an artifact's bytes are stored (a path or URL in the artifact store; a remote
    store's artifacts are at their URL on the server)."""
    locate = getattr(artifacts, "location", None)
    if not isinstance(artifacts, FileArtifactRepository) and not callable(locate):
        raise ParameterError(
            "artifacts", "artifact_location", "the artifacts of a store", artifacts
        )
    if not isinstance(digest, str) or not _SHA256.fullmatch(digest):
        raise ParameterError(
            "digest", "artifact_location", "a SHA-256 hex digest (64 characters)", digest
        )
    if isinstance(artifacts, FileArtifactRepository):
        return artifacts.root.path(f"{digest[:2]}/{digest}")
    return str(locate(digest))  # type: ignore[misc]


def file_digest(root: FileRoot, relative: str) -> str | None:
    """SHA-256 of a file's bytes, read in chunks; ``None`` when it does not exist."""
    import fsspec

    fs, _ = fsspec.core.url_to_fs(root.url)
    sha = hashlib.sha256()
    try:
        with fs.open(root.path(relative), "rb") as handle:
            while chunk := handle.read(_CHUNK):
                sha.update(chunk)
    except FileNotFoundError:
        return None
    except OSError as exc:
        # A folder or an unreadable file where the evidence was is a finding, not a crash.
        return f"unreadable ({type(exc).__name__})"
    return sha.hexdigest()


def _run_digests(conn: sa.Connection, records: FileRoot | None, run_id: str) -> dict[str, str]:
    """The digests of a stored run; a missing part is left out."""
    row = conn.execute(
        sa.select(runs.c.info, runs.c.manifest, runs.c.records_path).where(runs.c.run_id == run_id)
    ).first()
    if row is None:
        return {}
    metrics = conn.execute(
        sa.select(
            run_metrics.c.metric,
            run_metrics.c.estimate,
            run_metrics.c.low,
            run_metrics.c.high,
            run_metrics.c.confidence,
            run_metrics.c.method,
            run_metrics.c.n,
        )
        .where(run_metrics.c.run_id == run_id)
        .order_by(run_metrics.c.metric)
    ).all()
    found = {
        # The stored texts, not a parsed model: a field added later must not change a digest.
        "run": digest({"info": row.info, "manifest": row.manifest}),
        "metrics": digest([list(m) for m in metrics]),
    }
    if records is not None:
        file = file_digest(records, row.records_path)
        if file is not None:
            found["records"] = file
    return found


def decision_evidence(
    conn: sa.Connection, records: FileRoot, baseline_run: str, candidate_run: str
) -> dict[str, str]:
    """The ``run_evidence`` of a decision between two stored runs, as stored now."""
    evidence: dict[str, str] = {}
    for role, run_id in zip(_ROLES, (baseline_run, candidate_run), strict=True):
        found = _run_digests(conn, records, run_id)
        for kind in _KINDS:
            if kind not in found:
                raise NotFoundError(
                    f"The {role} run {run_id!r} has no {_WHAT[kind]} in the store; a decision "
                    "can only be recorded on runs stored whole (store.runs.put)."
                )
            evidence[f"{role}_{kind}"] = found[kind]
    return evidence


@dataclass(frozen=True)
class EvidenceCheck:
    """What :func:`check_evidence` found."""

    problems: tuple[EvidenceProblem, ...]
    """Every piece of evidence that changed, in ledger order."""
    notes: tuple[str, ...]
    """What the check did not cover."""


def check_evidence(
    conn: sa.Connection,
    recorded: Iterable[tuple[int, Decision]],
    records: FileRoot | None,
    artifacts: FileArtifactRepository | None,
) -> EvidenceCheck:
    """Re-hash the evidence of each ``(sequence, decision)``; files only where a root is given."""
    problems: list[EvidenceProblem] = []
    uncovered = 0
    cache: dict[str, dict[str, str]] = {}
    for sequence, decision in recorded:
        if not decision.run_evidence:
            uncovered += 1
            continue
        for role in _ROLES:
            run_id = getattr(decision, f"{role}_run")
            if run_id not in cache:
                cache[run_id] = _run_digests(conn, records, run_id)
            for kind in _KINDS:
                expected = decision.run_evidence.get(f"{role}_{kind}")
                if expected is None or (kind == "records" and records is None):
                    continue
                found = cache[run_id].get(kind)
                if found != expected:
                    what = f"{role} {_WHAT[kind]} (run {run_id!r})"
                    problems.append(
                        EvidenceProblem(decision.decision_id, sequence, what, expected, found)
                    )
        if artifacts is None:
            continue
        for role, expected in decision.artifacts.items():
            name = _ARTIFACT_NAMES.get(role, role)
            found = None
            if _SHA256.match(expected):
                found = file_digest(artifacts.root, f"{expected[:2]}/{expected}")
            if found != expected:
                problems.append(
                    EvidenceProblem(
                        decision.decision_id, sequence, f"artifact {name}", expected, found
                    )
                )
    notes = []
    if uncovered:
        notes.append(
            f"{uncovered} decision(s) recorded before the ledger covered evidence: their chain "
            "is checked, their runs and artifacts are not"
        )
    if records is None or artifacts is None:
        notes.append("record files and artifacts were not re-hashed (no file store was given)")
    return EvidenceCheck(tuple(problems), tuple(notes))
