"""The narrow contracts a store implements: one small protocol per kind of thing stored."""

from __future__ import annotations

import builtins
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from assay.core import Approval, Decision, LedgerEntry, Run, RunInfo, Suite, Verdict
from assay.storage._ledger import LedgerVerification
from assay.storage._query import RunQuery
from assay.storage._record_page import RecordFilter, RecordPage
from assay.storage._run_notes import RunNote, TagChange

if TYPE_CHECKING:
    import pyarrow as pa

__all__ = ["ArtifactRepository", "DecisionRepository", "RunRepository", "SuiteRepository"]


@runtime_checkable
class SuiteRepository(Protocol):
    """Suite versions and their examples, identified by the suite's content digest."""

    def put(self, suite: Suite, examples: pa.Table) -> bool:
        """Store a suite version with its examples; True if it was not stored before."""
        ...

    def get(self, ref: str) -> Suite:
        """A suite by digest, unique digest prefix, ``name`` (newest) or ``name@version``."""
        ...

    def examples(self, digest: str, *, text: bool = True) -> pa.Table:
        """The examples of a stored suite version; without ``text`` a red-team suite's input
        and reference are withheld (ids, slices and clusters kept). A server gives the text
        of a red-team suite only to an editor or above (AccessDeniedError otherwise)."""
        ...

    def list(self) -> list[Suite]:
        """Every stored suite version, by name and then oldest first."""
        ...


@runtime_checkable
class RunRepository(Protocol):
    """Complete, immutable runs with their per-example records."""

    def put(self, run: Run, records: pa.Table) -> tuple[Run, bool]:
        """Store a run and its records atomically.

        Returns the stored run and True, or the already stored run with the same content and
        False. A stored run cannot be changed.
        """
        ...

    def get(self, ref: str) -> Run:
        """A run by id or unique id prefix, with its manifest."""
        ...

    def records(
        self, run_id: str, columns: list[str] | None = None, *, text: bool | None = None
    ) -> pa.Table:
        """A run's records, optionally only some columns. A red-team suite's input, reference,
        output and error text: ``text=None`` reads them as the store gives them (a database
        store gives them, a server withholds them), ``True`` asks for them (a server gives
        them only to an editor or above: AccessDeniedError otherwise), ``False`` withholds
        them."""
        ...

    def record_batches(
        self, run_id: str, batch_rows: int = 65_536, *, text: bool | None = None
    ) -> Iterator[pa.RecordBatch]:
        """A run's records as stored (sorted by example id), in batches of at most
        ``batch_rows``; ``text`` as :meth:`records` takes it."""
        ...

    def list(self, query: RunQuery | None = None) -> list[RunInfo]:
        """Runs matching ``query`` (all runs, newest first, without one), without manifests."""
        ...

    def tag(self, ref: str, tags: Mapping[str, str]) -> tuple[Run, builtins.list[TagChange]]:
        """Set tags on a stored run; returns the run with its tags now, and what changed."""
        ...

    def note(self, ref: str, text: str) -> RunNote:
        """Append a note to a stored run."""
        ...

    def notes(self, ref: str) -> builtins.list[RunNote]:
        """A run's notes, oldest first."""
        ...

    def page(
        self, run_id: str, where: RecordFilter | None = None, *, offset: int = 0, limit: int = 50
    ) -> RecordPage:
        """One page of a run's records matching ``where``."""
        ...


@runtime_checkable
class ArtifactRepository(Protocol):
    """Content-addressed bytes: the same content is stored once under its SHA-256."""

    def put(self, data: bytes, *, media_type: str = "application/octet-stream") -> str:
        """Store ``data`` once; returns its SHA-256 hex digest."""
        ...

    def get(self, digest: str) -> bytes:
        """The bytes stored under ``digest``."""
        ...

    def exists(self, digest: str) -> bool:
        """Whether ``digest`` is stored."""
        ...

    def media_type(self, digest: str) -> str:
        """The media type ``digest`` was stored with."""
        ...


@runtime_checkable
class DecisionRepository(Protocol):
    """Immutable decisions, and a tamper-evident ledger of decisions and their approvals."""

    def put(self, decision: Decision, *, check: Any = None) -> LedgerEntry:
        """Store a decision and append its ledger entry atomically; returns the entry.

        A recorded decision id cannot be used again; both runs must be stored. ``check`` as
        for :meth:`approve`.
        """
        ...

    def approve(self, decision_id: str, approval: Approval, *, check: Any = None) -> LedgerEntry:
        """Append an approval of a recorded decision to the ledger; returns the entry.
        ``check`` (a :data:`~assay.storage.LedgerCheck`) runs under the ledger lock in the
        appending transaction and refuses the entry by raising; a remote store's server runs
        its own check there."""
        ...

    def challenge(self, decision_id: str, payload: dict[str, Any]) -> LedgerEntry:
        """Append a challenge of a recorded decision (a monitor's alarm and the evidence behind
        it, as a JSON object) to the ledger; returns the entry."""
        ...

    def record(
        self, kind: str, subject: str, payload: dict[str, Any], *, check: Any = None
    ) -> LedgerEntry:
        """Append a governance entry (a study, a study event, a sign-off, a card publication,
        a signing key) about ``subject`` (``scheme:name``); returns the entry. ``check`` as
        for :meth:`approve`."""
        ...

    def entries(self, *, kind: str | None = None, subject: str | None = None) -> list[LedgerEntry]:
        """Ledger entries of one kind and/or about one subject, oldest first."""
        ...

    def get(self, ref: str) -> Decision:
        """A decision by id or unique id prefix."""
        ...

    def approvals(self, decision_id: str) -> list[Approval]:
        """A decision's approvals, oldest first."""
        ...

    def ledger(self) -> list[LedgerEntry]:
        """Every ledger entry, oldest first."""
        ...

    def verify(
        self, *, head: str | None = None, runs: Any = None, artifacts: Any = None
    ) -> LedgerVerification:
        """Recompute the hash chain and compare the stored decisions with their entries (and,
        given the store's ``runs`` and ``artifacts``, the evidence each decision names)."""
        ...

    def evidence(self, baseline_run: str, candidate_run: str, *, runs: Any) -> dict[str, str]:
        """The ``run_evidence`` a decision between two stored runs commits to."""
        ...

    def list(
        self,
        *,
        verdict: Verdict | str | None = None,
        run: str | None = None,
        limit: int | None = None,
    ) -> list[Decision]:
        """Decisions, newest first, optionally only one verdict or those naming a run."""
        ...
