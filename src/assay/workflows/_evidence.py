"""The evidence files of a recorded decision: listed by name, and exported with their digests
checked."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from assay._util import atomic_write, check_instance
from assay.core import Decision
from assay.errors import NotFoundError, StorageError
from assay.storage import Store, artifact_location, evidence_file_name
from assay.workflows._store import resolve_store

__all__ = ["EvidenceFile", "evidence_files", "export_evidence"]


@dataclass(frozen=True)
class EvidenceFile:
    """One piece of a decision's evidence (a report, the memo, the policy, ...)."""

    role: str
    """What it is to the decision: ``report_html``, ``report_md``, ``memo``, ``policy``,
    ``comparison`` or ``verdict``."""
    name: str
    """The file name it is exported as, e.g. ``report.html``."""
    digest: str
    """The SHA-256 of its bytes, as the decision's ledger entry recorded it."""
    stored_at: str
    """Where the artifact store keeps it (a path or URL)."""
    path: Path | None = None
    """Where :func:`export_evidence` wrote it; ``None`` when only listed."""

    def to_dict(self) -> dict[str, str | None]:
        """The file as plain JSON values."""
        return {
            "role": self.role,
            "name": self.name,
            "digest": self.digest,
            "stored_at": self.stored_at,
            "path": None if self.path is None else str(self.path),
        }


def evidence_files(decision: Decision, store: Store) -> list[EvidenceFile]:
    """The evidence files a decision names, in the order it recorded them."""
    return [
        EvidenceFile(
            role=role,
            name=evidence_file_name(role),
            digest=digest,
            stored_at=artifact_location(store.artifacts, digest),
        )
        for role, digest in decision.artifacts.items()
    ]


def export_evidence(
    decision: str, output: str | Path, *, store: Store | None = None
) -> list[EvidenceFile]:
    """Write every evidence file of a decision (``report.html``, ``report.md``, ``memo.md``,
    ``policy.yaml``, ``comparison.json``, ``verdict.json``) into the folder ``output``.

    Each file's bytes are hashed and compared with the digest the ledger recorded before
    anything is written: one missing or changed file means no file is written
    (:class:`~assay.errors.StorageError`; ``assay decisions verify`` names every problem).
    Each file appears whole or not at all. Returns the files written, with their paths.
    """
    check_instance(decision, "decision", "export_evidence", str, "a decision id or id prefix")
    check_instance(output, "output", "export_evidence", (str, Path), "a folder path")
    st = resolve_store(store)
    recorded = st.decisions.get(decision)
    out = Path(output)
    if out.exists() and not out.is_dir():
        raise StorageError(f"The output {str(out)!r} is a file; give a folder.")
    files = evidence_files(recorded, st)
    contents: list[bytes] = []
    for file in files:
        try:
            data = st.artifacts.get(file.digest)
        except (NotFoundError, ValueError) as exc:
            raise StorageError(
                f"The evidence {file.name} of decision {recorded.decision_id!r} is missing from "
                f"the artifact store (expected at {file.stored_at}); nothing was written. "
                "See `assay decisions verify`."
            ) from exc
        except StorageError as exc:  # a local store refuses bytes that no longer match
            raise StorageError(
                f"The evidence {file.name} of decision {recorded.decision_id!r} changed; nothing "
                f"was written. {exc} See `assay decisions verify`."
            ) from exc
        found = hashlib.sha256(data).hexdigest()
        if found != file.digest:
            raise StorageError(
                f"The evidence {file.name} of decision {recorded.decision_id!r} changed: it "
                f"hashes to {found}, not to the recorded {file.digest}; nothing was written. "
                "See `assay decisions verify`."
            )
        contents.append(data)
    names = [f.name for f in files]
    if len(set(names)) != len(names):
        raise StorageError(
            f"Decision {recorded.decision_id!r} names two pieces of evidence that would be "
            f"written to the same file ({', '.join(sorted(names))}); nothing was written."
        )
    return [
        EvidenceFile(f.role, f.name, f.digest, f.stored_at, atomic_write(out / f.name, data))
        for f, data in zip(files, contents, strict=True)
    ]
