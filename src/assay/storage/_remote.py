"""A store served by ``assay serve``: the same repositories, over the server's HTTP API.

``ASSAY_DB=http://host:port`` (or ``https://``) with the token in ``ASSAY_TOKEN`` makes
:func:`~assay.storage.open_store` return a :class:`RemoteStore`: every command and library
call works unchanged against a shared server, with no database credentials on the client.
Errors the server answers come back as the same exception classes; a server that cannot be
reached raises :class:`~assay.errors.StorageError` naming its URL.
"""

from __future__ import annotations

import os
import urllib.parse
from typing import TYPE_CHECKING, Any

from assay._util import check_instance, lazy_module
from assay.core import Approval, Decision, LedgerEntry, Suite, Verdict
from assay.errors import NotFoundError
from assay.storage._ledger import LedgerVerification
from assay.storage._remote_client import RemoteClient
from assay.storage.wire import (
    PARQUET,
    SUITE_KEY,
    parquet_bytes,
    verification_from_json,
)

if TYPE_CHECKING:
    import pyarrow as pa
    import pyarrow.parquet as pq

    from assay.storage._ledger_view import LedgerCheck
else:
    pa = lazy_module("pyarrow")
    pq = lazy_module("pyarrow.parquet")

__all__ = [
    "RemoteArtifactRepository",
    "RemoteDecisionRepository",
    "RemoteSuiteRepository",
    "is_remote_url",
]


def is_remote_url(url: str | None) -> bool:
    """Whether ``url`` names an assay server rather than a database."""
    return url is not None and url.strip().lower().startswith(("http://", "https://"))


def _q(ref: str) -> str:
    return urllib.parse.quote(ref, safe="")


def _table(data: bytes) -> pa.Table:
    # read where the bytes lie: pq.read_table goes through pyarrow.dataset, which imports
    # pandas, and reads a Python file with a call (and the GIL) per read
    return pq.ParquetFile(pa.BufferReader(data)).read()


class RemoteSuiteRepository:
    """Suite versions on an assay server."""

    def __init__(self, client: RemoteClient) -> None:
        self.client = client

    def put(self, suite: Suite, examples: pa.Table) -> bool:
        """Upload a suite version with its examples; True if the server did not hold it."""
        body = parquet_bytes(examples, {SUITE_KEY: suite.model_dump_json().encode()})
        found = self.client.json(
            "POST", "/api/v1/suites", body=body, media_type=PARQUET, digest=True
        )
        return bool(found["created"])

    def get(self, ref: str) -> Suite:
        """A suite by digest, unique digest prefix, ``name`` (newest) or ``name@version``."""
        _, _, data = self.client.request("GET", f"/api/v1/suites/{_q(ref)}")
        return Suite.model_validate_json(data)

    def examples(self, digest: str, *, text: bool = True) -> pa.Table:
        """The examples of a stored suite version. The server withholds a red-team suite's
        input and reference unless ``text`` is asked for, and gives that text only to an
        editor or above: a lower role gets :class:`~assay.errors.AccessDeniedError`."""
        check_instance(text, "text", "RemoteSuiteRepository.examples", bool, "a bool")
        query = "?show_unsafe_text=true" if text else ""
        path = f"/api/v1/suites/{_q(digest)}/examples{query}"
        _, _, data = self.client.request("GET", path)
        return _table(data)

    def list(self) -> list[Suite]:
        """Every stored suite version, by name and then oldest first."""
        found = self.client.json("GET", "/api/v1/suites")
        return [Suite.model_validate(item) for item in found["items"]]


class RemoteArtifactRepository:
    """Content-addressed bytes on an assay server."""

    def __init__(self, client: RemoteClient) -> None:
        self.client = client

    def put(self, data: bytes, *, media_type: str = "application/octet-stream") -> str:
        """Upload ``data`` (stored once); returns its SHA-256 hex digest."""
        found = self.client.json(
            "POST", "/api/v1/artifacts", body=bytes(data), media_type=media_type, digest=True
        )
        return str(found["digest"])

    def get(self, digest: str) -> bytes:
        """The bytes stored under ``digest``."""
        _, _, data = self.client.request("GET", f"/api/v1/artifacts/{_q(digest)}")
        return data

    def exists(self, digest: str) -> bool:
        """Whether ``digest`` is stored."""
        try:
            self._info(digest)
        except NotFoundError:
            return False
        return True

    def media_type(self, digest: str) -> str:
        """The media type ``digest`` was stored with."""
        return str(self._info(digest)["media_type"])

    def location(self, digest: str) -> str:
        """The URL the artifact is served at."""
        return f"{self.client.url}/api/v1/artifacts/{_q(digest)}"

    def _info(self, digest: str) -> dict[str, Any]:
        found: dict[str, Any] = self.client.json("GET", f"/api/v1/artifacts/{_q(digest)}/info")
        return found


class RemoteDecisionRepository:
    """Decisions and the ledger on an assay server."""

    def __init__(self, client: RemoteClient) -> None:
        self.client = client

    def put(self, decision: Decision, *, check: LedgerCheck | None = None) -> LedgerEntry:
        """Record a decision; returns its ledger entry. ``check`` is not sent: the server
        checks a signed decision's signature under its own ledger lock."""
        found = self.client.json(
            "PUT",
            f"/api/v1/decisions/{_q(decision.decision_id)}",
            json_body=decision.model_dump(mode="json"),
        )
        return LedgerEntry.model_validate(found)

    def approve(
        self, decision_id: str, approval: Approval, *, check: LedgerCheck | None = None
    ) -> LedgerEntry:
        """Append an approval: its role, status and note; the server records the signed-in
        identity as its ``name`` and the time it received it as its ``at``. ``check`` is not
        sent: the server runs the same check under its own ledger lock."""
        body = {"role": approval.role, "status": approval.status, "note": approval.note}
        found = self.client.json(
            "POST", f"/api/v1/decisions/{_q(decision_id)}/approvals", json_body=body
        )
        return LedgerEntry.model_validate(found)

    def challenge(self, decision_id: str, payload: dict[str, Any]) -> LedgerEntry:
        """Append a challenge of a recorded decision (a JSON object); the server adds the
        signed-in identity as ``by``."""
        found = self.client.json(
            "POST", f"/api/v1/decisions/{_q(decision_id)}/challenges", json_body=payload
        )
        return LedgerEntry.model_validate(found)

    def record(
        self,
        kind: str,
        subject: str,
        payload: dict[str, Any],
        *,
        check: LedgerCheck | None = None,
    ) -> LedgerEntry:
        """Append a governance entry; the server adds the signed-in identity as ``by``, checks
        the role the kind needs, and runs the entry's checks under its own ledger lock
        (``check`` is not sent)."""
        found = self.client.json(
            "POST",
            "/api/v1/ledger/entries",
            json_body={"kind": kind, "subject": subject, "payload": payload},
        )
        return LedgerEntry.model_validate(found)

    def entries(self, *, kind: str | None = None, subject: str | None = None) -> list[LedgerEntry]:
        """Ledger entries of one kind and/or about one subject, oldest first."""
        query = {k: v for k, v in (("kind", kind), ("subject", subject)) if v is not None}
        found = self.client.json("GET", "/api/v1/ledger", query=query or None)
        return [LedgerEntry.model_validate(item) for item in found["items"]]

    def get(self, ref: str) -> Decision:
        """A decision by id or unique id prefix."""
        found = self.client.json("GET", f"/api/v1/decisions/{_q(ref)}")
        return Decision.model_validate(found["decision"])

    def approvals(self, decision_id: str) -> list[Approval]:
        """A decision's approvals, oldest first."""
        found = self.client.json("GET", f"/api/v1/decisions/{_q(decision_id)}/approvals")
        return [Approval.model_validate(item) for item in found["items"]]

    def ledger(self) -> list[LedgerEntry]:
        """Every ledger entry, oldest first."""
        found = self.client.json("GET", "/api/v1/ledger")
        return [LedgerEntry.model_validate(item) for item in found["items"]]

    def evidence(
        self, baseline_run: str, candidate_run: str, *, runs: Any = None
    ) -> dict[str, str]:
        """The ``run_evidence`` a decision between two stored runs commits to, computed by the
        server from what it stores."""
        found = self.client.json(
            "GET",
            "/api/v1/run-evidence",
            query={"baseline": baseline_run, "candidate": candidate_run},
        )
        return {str(k): str(v) for k, v in found["evidence"].items()}

    def verify(
        self, *, head: str | None = None, runs: Any = None, artifacts: Any = None
    ) -> LedgerVerification:
        """The server's verification of its ledger and of every decision's evidence."""
        data = self.client.json("GET", "/api/v1/ledger/verify", query={"head": head})
        return verification_from_json(data)

    def list(
        self,
        *,
        verdict: Verdict | str | None = None,
        run: str | None = None,
        limit: int | None = None,
    ) -> list[Decision]:
        """Decisions, newest first, optionally only one verdict or those naming a run."""
        shown = verdict.value if isinstance(verdict, Verdict) else verdict
        query = {"verdict": shown, "run": run, "limit": limit}
        found = self.client.json("GET", "/api/v1/decisions", query=query)
        return [Decision.model_validate(item) for item in found["items"]]


def remote_token() -> str | None:
    """The bearer token for a remote store: ``ASSAY_TOKEN``."""
    return os.environ.get("ASSAY_TOKEN") or None
