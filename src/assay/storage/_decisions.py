"""Decisions in SQL, each recorded with its approvals in an append-only hash chain
(appended by :mod:`assay.storage._ledger_append`, after the checks of
:mod:`assay.storage._ledger_inputs`)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pydantic
import sqlalchemy as sa

from assay._util import check_choice, check_instance, check_int
from assay.core import GOVERNANCE_KINDS, Approval, Decision, LedgerEntry, Verdict
from assay.errors import ImmutableError, NotFoundError, StorageError
from assay.storage._artifacts import FileArtifactRepository
from assay.storage._engine import read_connection, write_transaction
from assay.storage._evidence import check_evidence, decision_evidence
from assay.storage._ledger import (
    LedgerVerification,
    decision_row,
    verify_chain,
)
from assay.storage._ledger_append import append_entry, lock_ledger
from assay.storage._ledger_inputs import (
    APPROVE,
    bounded_payload,
    check_approval,
    check_decision,
    check_head,
    check_subject,
)
from assay.storage._ledger_view import LedgerCheck, LedgerView, read_entries
from assay.storage._rows import check_text, like_prefix
from assay.storage._runs import SqlRunRepository
from assay.storage._schema import decisions, ledger, runs

__all__ = ["SqlDecisionRepository"]

_CHALLENGE = "DecisionRepository.challenge"
_RECORD = "DecisionRepository.record"
_KINDS = ("decision", "approval", "challenge", *GOVERNANCE_KINDS)


def _decision_exists(conn: sa.Connection, decision_id: str) -> bool:
    query = sa.select(decisions.c.decision_id).where(decisions.c.decision_id == decision_id)
    return conn.execute(query).first() is not None


def _stored(model: type[pydantic.BaseModel], text: str, what: str) -> Any:
    try:
        return model.model_validate_json(text)
    except pydantic.ValidationError as exc:
        raise StorageError(
            f"The stored {what} is not readable; the store may have been edited by hand "
            f"(see DecisionRepository.verify): {exc.errors()[0]['msg']}"
        ) from exc


class SqlDecisionRepository:
    """Decisions in the ``decisions`` table; decisions and approvals chained in ``ledger``.

    Nothing here updates or deletes a row: a decision is changed only by recording a new one.
    """

    def __init__(self, engine: sa.Engine) -> None:
        self.engine = engine

    def put(self, decision: Decision, *, check: LedgerCheck | None = None) -> LedgerEntry:
        """Store a decision and append its ``decision`` ledger entry, in one transaction.

        ``created_at`` is stored in UTC (a naive datetime is taken to be UTC). Both runs must
        be stored (:class:`~assay.errors.NotFoundError` otherwise); a stored decision id
        cannot be used again (:class:`~assay.errors.ImmutableError`). ``check`` runs under
        the ledger lock, in the same transaction, as for :meth:`approve` (a signed decision's
        signature against the keys registered then).
        """
        stored = check_decision(decision)
        decision_id = stored.decision_id
        try:
            with write_transaction(self.engine) as conn:
                lock_ledger(conn)
                if _decision_exists(conn, decision_id):
                    raise ImmutableError(
                        f"Decision {decision_id!r} is already recorded; a decision cannot be "
                        "changed. Record a new decision under a new id."
                    )
                wanted = {stored.baseline_run, stored.candidate_run}
                found = set(
                    conn.execute(sa.select(runs.c.run_id).where(runs.c.run_id.in_(wanted)))
                    .scalars()
                    .all()
                )
                for role, run_id in (
                    ("baseline", stored.baseline_run),
                    ("candidate", stored.candidate_run),
                ):
                    if run_id not in found:
                        raise NotFoundError(
                            f"Decision {decision_id!r} names the {role} run {run_id!r}, which "
                            "is not stored; store the run first (store.runs.put)."
                        )
                if check is not None:
                    check(LedgerView(conn))
                conn.execute(decisions.insert().values(**decision_row(stored)))
                return append_entry(conn, decision_id, "decision", stored.model_dump(mode="json"))
        except sa.exc.SQLAlchemyError as exc:
            raise StorageError(f"Recording decision {decision_id!r} failed: {exc}") from exc

    def approve(
        self, decision_id: str, approval: Approval, *, check: LedgerCheck | None = None
    ) -> LedgerEntry:
        """Append an ``approval`` entry for a recorded decision (its full id).

        ``approval.at`` is stored in UTC. Every call appends: a later approval in the same role
        does not replace an earlier one, both stay in the ledger. ``check`` runs under the
        ledger lock, in the appending transaction, on what the ledger holds then: what it
        refuses (by raising) is not appended, whatever is appended concurrently.
        """
        check_text(decision_id, "decision_id", APPROVE, "a decision id")
        stored = check_approval(approval)
        try:
            with write_transaction(self.engine) as conn:
                lock_ledger(conn)
                if not _decision_exists(conn, decision_id):
                    raise NotFoundError(
                        f"No decision has the id {decision_id!r}. See `assay decisions list`."
                    )
                if check is not None:
                    check(LedgerView(conn))
                return append_entry(conn, decision_id, "approval", stored.model_dump(mode="json"))
        except sa.exc.SQLAlchemyError as exc:
            raise StorageError(f"Recording an approval of {decision_id!r} failed: {exc}") from exc

    def challenge(self, decision_id: str, payload: dict[str, Any]) -> LedgerEntry:
        """Append a ``challenge`` entry for a recorded decision (its full id): evidence from
        production that the decision's bet is failing (a monitor's alarm), as a JSON object
        that links the decision and the window's evidence. The decision itself is unchanged;
        the challenge stays in the ledger beside it."""
        check_text(decision_id, "decision_id", _CHALLENGE, "a decision id")
        stored = bounded_payload(payload, _CHALLENGE)
        try:
            with write_transaction(self.engine) as conn:
                lock_ledger(conn)
                if not _decision_exists(conn, decision_id):
                    raise NotFoundError(
                        f"No decision has the id {decision_id!r}. See `assay decisions list`."
                    )
                return append_entry(conn, decision_id, "challenge", stored)
        except sa.exc.SQLAlchemyError as exc:
            raise StorageError(f"Recording a challenge of {decision_id!r} failed: {exc}") from exc

    def record(
        self,
        kind: str,
        subject: str,
        payload: dict[str, Any],
        *,
        check: LedgerCheck | None = None,
    ) -> LedgerEntry:
        """Append a governance entry (``kind`` one of :data:`~assay.core.GOVERNANCE_KINDS`)
        about ``subject`` (``scheme:name``, e.g. ``study:churn-v2``): a JSON object within
        :data:`MAX_PAYLOAD_BYTES` and :data:`MAX_PAYLOAD_DEPTH`. What the payload must hold
        is the governance layer's to check, in ``check``: it runs under the ledger lock, in the
        appending transaction, so what it refuses (by raising) is not appended whatever is
        appended concurrently. Nothing is changed or removed later, a correction is a new
        entry."""
        check_choice(kind, "kind", _RECORD, list(GOVERNANCE_KINDS))
        check_subject(subject, _RECORD)
        stored = bounded_payload(payload, _RECORD)
        try:
            with write_transaction(self.engine) as conn:
                lock_ledger(conn)
                if check is not None:
                    check(LedgerView(conn))
                return append_entry(conn, subject, kind, stored)  # type: ignore[arg-type]
        except sa.exc.SQLAlchemyError as exc:
            raise StorageError(f"Recording a {kind} entry about {subject!r} failed: {exc}") from exc

    def inspect(self, check: LedgerCheck) -> None:
        """Run ``check`` on the ledger as it stands, in one read transaction without the
        ledger lock: a check ahead of an append reads only what it needs (the appending
        transaction runs it again under the lock)."""
        with read_connection(self.engine) as conn, conn.begin():
            check(LedgerView(conn))

    def entries(self, *, kind: str | None = None, subject: str | None = None) -> list[LedgerEntry]:
        """Ledger entries of one ``kind`` and/or about one ``subject`` (a decision id or a
        governance subject), oldest first, as stored."""
        query = sa.select(ledger).order_by(ledger.c.sequence)
        if kind is not None:
            check_choice(kind, "kind", "DecisionRepository.entries", list(_KINDS))
            query = query.where(ledger.c.kind == kind)
        if subject is not None:
            check_text(subject, "subject", "DecisionRepository.entries", "a subject")
            query = query.where(ledger.c.decision_id == subject)
        return self._read_entries(query)

    def get(self, ref: str) -> Decision:
        """A decision by id or unique id prefix."""
        check_text(ref, "ref", "DecisionRepository.get", "a decision id or prefix")
        columns = (decisions.c.decision_id, decisions.c.body)
        with read_connection(self.engine) as conn:
            row = conn.execute(sa.select(*columns).where(decisions.c.decision_id == ref)).first()
            rows = [row] if row is not None else []
            if not rows:
                pattern = decisions.c.decision_id.like(like_prefix(ref), escape="\\")
                query = sa.select(*columns).where(pattern).order_by(decisions.c.decision_id)
                rows = list(conn.execute(query.limit(11)).all())
        if len(rows) > 1:
            shown = ", ".join(r.decision_id for r in rows[:10]) + (
                ", ..." if len(rows) > 10 else ""
            )
            raise StorageError(
                f"The prefix {ref!r} matches several decisions: {shown}. Give more of the id."
            )
        if not rows:
            raise NotFoundError(
                f"No decision has the id or id prefix {ref!r}. See `assay decisions list`."
            )
        decision: Decision = _stored(Decision, rows[0].body, f"decision {rows[0].decision_id!r}")
        return decision

    def approvals(self, decision_id: str) -> list[Approval]:
        """The approvals of a decision (its full id), in the order they were recorded."""
        check_text(decision_id, "decision_id", "DecisionRepository.approvals", "a decision id")
        query = (
            sa.select(ledger.c.sequence, ledger.c.payload)
            .where((ledger.c.decision_id == decision_id) & (ledger.c.kind == "approval"))
            .order_by(ledger.c.sequence)
        )
        with read_connection(self.engine) as conn:
            if not _decision_exists(conn, decision_id):
                raise NotFoundError(
                    f"No decision has the id {decision_id!r}. See `assay decisions list`."
                )
            rows = conn.execute(query).all()
        return [_stored(Approval, r.payload, f"ledger entry {r.sequence}") for r in rows]

    def ledger(self) -> list[LedgerEntry]:
        """Every ledger entry, oldest first, as stored (check them with :meth:`verify`)."""
        return self._read_entries(sa.select(ledger).order_by(ledger.c.sequence))

    def _read_entries(self, query: sa.Select[Any]) -> list[LedgerEntry]:
        with read_connection(self.engine) as conn:
            return read_entries(conn, query)

    def evidence(
        self, baseline_run: str, candidate_run: str, *, runs: SqlRunRepository
    ) -> dict[str, str]:
        """The ``run_evidence`` a decision between two stored runs commits to (see
        :attr:`~assay.core.Decision.run_evidence`): their metadata, metric rows and record files
        as stored now, read from this database and the record files of ``runs``."""
        where = "DecisionRepository.evidence"
        check_text(baseline_run, "baseline_run", where, "a run id")
        check_text(candidate_run, "candidate_run", where, "a run id")
        check_instance(runs, "runs", where, SqlRunRepository, "the store's runs (store.runs)")
        try:
            with read_connection(self.engine) as conn:
                return decision_evidence(conn, runs.files, baseline_run, candidate_run)
        except sa.exc.SQLAlchemyError as exc:
            raise StorageError(f"Reading the evidence of two runs failed: {exc}") from exc

    def verify(
        self,
        *,
        head: str | None = None,
        runs: SqlRunRepository | None = None,
        artifacts: FileArtifactRepository | None = None,
    ) -> LedgerVerification:
        """Recompute every entry's hash and link, compare every decision row with its entry,
        and re-hash the evidence each decision entry committed to.

        ``head`` is an ``entry_hash`` exported earlier (``LedgerVerification.head``): the check
        fails when it is no longer in the chain, which is how entries removed from the end show.
        Run metadata and metric rows are checked from this database; record files only with
        ``runs`` and artifacts (reports, memo, policy) only with ``artifacts`` (pass the
        store's ``runs`` and ``artifacts``). Reads everything in one snapshot, so that
        decisions recorded meanwhile do not look like tampering.
        """
        where = "DecisionRepository.verify"
        if head is not None:
            head = check_head(head, where)
        if runs is not None:
            check_instance(runs, "runs", where, SqlRunRepository, "the store's runs or None")
        if artifacts is not None:
            check_instance(
                artifacts, "artifacts", where, FileArtifactRepository, "the store's artifacts"
            )
        with read_connection(self.engine) as conn:
            if conn.dialect.name == "postgresql":
                conn.execution_options(isolation_level="REPEATABLE READ")
            with conn.begin():
                rows = {
                    r.decision_id: r._asdict() for r in conn.execute(sa.select(decisions)).all()
                }
                ordered = sa.select(ledger).order_by(ledger.c.sequence)
                entries = (r._asdict() for r in conn.execute(ordered))
                result, recorded = verify_chain(entries, rows, head)
                records = None if runs is None else runs.files
                found = check_evidence(conn, recorded, records, artifacts)
        notes = result.notes + found.notes
        if not found.problems:
            return replace(result, notes=notes)
        if result.ok:
            result = replace(result, ok=False, reason=found.problems[0].describe())
        return replace(result, evidence_problems=found.problems, notes=notes)

    def list(
        self,
        *,
        verdict: Verdict | str | None = None,
        run: str | None = None,
        limit: int | None = None,
    ) -> list[Decision]:
        """Decisions, newest first; only those with ``verdict``, or naming ``run`` as baseline
        or candidate (its full id), and at most ``limit``."""
        where = "DecisionRepository.list"
        query = sa.select(decisions.c.decision_id, decisions.c.body)
        if verdict is not None:
            chosen = Verdict(check_choice(verdict, "verdict", where, [v.value for v in Verdict]))
            query = query.where(decisions.c.verdict == chosen.value)
        if run is not None:
            check_text(run, "run", where, "a run id")
            query = query.where(
                (decisions.c.baseline_run == run) | (decisions.c.candidate_run == run)
            )
        if limit is not None:
            check_int(limit, "limit", where)
            query = query.limit(limit)
        query = query.order_by(decisions.c.created_at.desc(), decisions.c.decision_id.desc())
        with read_connection(self.engine) as conn:
            rows = conn.execute(query).all()
        return [_stored(Decision, r.body, f"decision {r.decision_id!r}") for r in rows]
