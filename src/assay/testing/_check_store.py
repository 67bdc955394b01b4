"""Conformance of a store with the protocols of :mod:`assay.storage`.

:func:`check_store` writes a suite, two runs, an artifact, a decision and an approval under
fresh ids, so it works on a store that already holds data, and checks what every store owes
its callers: content-addressed idempotency, immutability, not-found errors for unknown ids,
and a ledger that verifies after the writes.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Callable
from typing import Any, Protocol

import pyarrow as pa

from assay.data import examples_digest
from assay.errors import ImmutableError, NotFoundError
from assay.storage import ArtifactRepository, DecisionRepository, RunRepository, SuiteRepository
from assay.testing._gated import gated_decision
from assay.testing._stored import (
    make_approval,
    make_decision,
    make_records,
    make_run,
    make_suite_model,
)

__all__ = ["check_store"]


class _HasRepositories(Protocol):
    suites: Any
    runs: Any
    artifacts: Any
    decisions: Any


def _fail(message: str) -> AssertionError:
    return AssertionError(f"store conformance: {message}")


def _raises(error: type[Exception], what: str, call: Callable[[], object]) -> None:
    try:
        call()
    except error:
        return
    except Exception as exc:
        raise _fail(f"{what} raised {type(exc).__name__}, not {error.__name__}: {exc}") from exc
    raise _fail(f"{what} did not raise {error.__name__}")


def _check_protocols(store: _HasRepositories) -> None:
    for attribute, protocol in (
        ("suites", SuiteRepository),
        ("runs", RunRepository),
        ("artifacts", ArtifactRepository),
        ("decisions", DecisionRepository),
    ):
        if not isinstance(getattr(store, attribute, None), protocol):
            raise _fail(f"store.{attribute} does not follow {protocol.__name__}")


def _check_suites(store: _HasRepositories, tag: str) -> Any:
    suite, examples = make_suite_model(f"conformance-{tag}", n=12, seed=7)
    # a suite's identity is its content, not its name: make this one's content new too
    examples = examples.append_column("tag", pa.array([tag] * examples.num_rows))
    suite = suite.model_copy(update={"examples_digest": examples_digest(examples)})
    if store.suites.put(suite, examples) is not True:
        raise _fail("suites.put of a new suite did not return True")
    if store.suites.put(suite, examples) is not False:
        raise _fail("suites.put of a stored suite (same digest) did not return False")
    if store.suites.get(suite.digest).digest != suite.digest:
        raise _fail("suites.get(digest) returned another suite")
    if store.suites.get(suite.name).digest != suite.digest:
        raise _fail("suites.get(name) did not return the newest version")
    if not store.suites.examples(suite.digest).equals(examples):
        raise _fail("suites.examples returned other examples than were stored")
    if suite.digest not in {s.digest for s in store.suites.list()}:
        raise _fail("suites.list does not list a stored suite")
    _raises(NotFoundError, "suites.get of an unknown suite", lambda: store.suites.get(f"no-{tag}"))
    return suite


def _sliced(records: pa.Table) -> pa.Table:
    """Records with the suite's slice column, so that two runs can be gated."""
    return records.append_column("lang", pa.array(["en", "fr"] * (records.num_rows // 2)))


def _check_runs(store: _HasRepositories, suite: Any, tag: str) -> tuple[str, str]:
    records = _sliced(make_records(12, seed=3, errors=2))
    run = make_run(suite, records, run_id=f"conf-{tag}-a", accuracy=0.8)
    stored, created = store.runs.put(run, records)
    if created is not True:
        raise _fail("runs.put of a new run did not return True")
    again, created = store.runs.put(run, records)
    if created is not False or again.run_id != stored.run_id:
        raise _fail("runs.put of a stored run (same content) did not return it with False")
    if store.runs.get(run.run_id) != stored:
        raise _fail("runs.get returned another run than runs.put stored")
    if not store.runs.records(run.run_id).equals(records):
        raise _fail("runs.records returned other records than were stored")
    batches = list(store.runs.record_batches(run.run_id, batch_rows=5))
    if any(b.num_rows > 5 for b in batches) or not pa.Table.from_batches(batches).equals(records):
        raise _fail("runs.record_batches returned other records than were stored")
    if run.run_id not in {info.run_id for info in store.runs.list()}:
        raise _fail("runs.list does not list a stored run")
    # other records under the same run id (a server computes the digest from the records)
    changed_records = make_records(12, seed=5)
    changed = make_run(suite, changed_records, run_id=run.run_id, accuracy=0.9)
    _raises(
        ImmutableError,
        "runs.put changing a stored run",
        lambda: store.runs.put(changed, changed_records),
    )
    if store.runs.get(run.run_id) != stored:
        raise _fail("a refused change altered the stored run")
    _raises(NotFoundError, "runs.get of an unknown run", lambda: store.runs.get(f"no-{tag}"))
    _raises(
        NotFoundError, "runs.records of an unknown run", lambda: store.runs.records(f"no-{tag}")
    )
    other = _sliced(make_records(12, seed=4))
    second, _ = store.runs.put(make_run(suite, other, run_id=f"conf-{tag}-b"), other)
    return stored.run_id, second.run_id


def _check_artifacts(store: _HasRepositories, tag: str) -> None:
    data = f"conformance artifact {tag}".encode()
    digest = store.artifacts.put(data, media_type="text/plain")
    if digest != hashlib.sha256(data).hexdigest():
        raise _fail("artifacts.put did not return the SHA-256 of the bytes")
    if store.artifacts.put(data, media_type="text/plain") != digest:
        raise _fail("artifacts.put of stored bytes gave another digest")
    if store.artifacts.get(digest) != data or not store.artifacts.exists(digest):
        raise _fail("artifacts.get / exists do not see the stored bytes")
    if store.artifacts.media_type(digest) != "text/plain":
        raise _fail("artifacts.media_type is not the type the bytes were stored with")
    missing = hashlib.sha256(data + b"?").hexdigest()
    if store.artifacts.exists(missing):
        raise _fail("artifacts.exists is true for bytes never stored")
    _raises(NotFoundError, "artifacts.get of unknown bytes", lambda: store.artifacts.get(missing))


def _check_decisions(store: _HasRepositories, runs: tuple[str, str], tag: str) -> None:
    before = len(store.decisions.ledger())
    decision = gated_decision(store, *runs, decision_id=f"conf-{tag}")
    store.decisions.put(decision)
    _raises(ImmutableError, "decisions.put of a recorded id", lambda: store.decisions.put(decision))
    ghost = make_decision(runs[0], f"ghost-{tag}", decision_id=f"conf-{tag}-ghost")
    _raises(
        NotFoundError, "decisions.put naming an unknown run", lambda: store.decisions.put(ghost)
    )
    approval = make_approval("safety")
    store.decisions.approve(decision.decision_id, approval)
    if store.decisions.get(decision.decision_id) != decision:
        raise _fail("decisions.get returned another decision than was stored")
    if [a.role for a in store.decisions.approvals(decision.decision_id)] != ["safety"]:
        raise _fail("decisions.approvals does not list the approval")
    store.decisions.challenge(decision.decision_id, {"monitor": f"conf-{tag}", "state": "alarm"})
    _raises(
        NotFoundError,
        "decisions.challenge of an unknown id",
        lambda: store.decisions.challenge(f"no-{tag}", {"state": "alarm"}),
    )
    kinds = [e.kind for e in store.decisions.ledger()[before:]]
    if kinds != ["decision", "approval", "challenge"]:
        raise _fail(
            "the ledger did not grow by one entry per decision, approval and challenge; "
            f"it grew by {kinds}"
        )
    if decision.decision_id not in {d.decision_id for d in store.decisions.list(run=runs[1])}:
        raise _fail("decisions.list(run=...) does not list the decision")
    _raises(
        NotFoundError, "decisions.get of an unknown id", lambda: store.decisions.get(f"no-{tag}")
    )
    verified = store.decisions.verify()
    if not verified.ok:
        raise _fail(f"the ledger does not verify: {verified.reason}")


def check_store(store: _HasRepositories) -> None:
    """Check a store (anything with ``suites``, ``runs``, ``artifacts`` and ``decisions``)
    against the storage protocols; AssertionError naming the first broken promise.

    It writes under fresh ids, so the store may already hold data; what it writes stays.
    """
    _check_protocols(store)
    tag = uuid.uuid4().hex[:12]
    suite = _check_suites(store, tag)
    runs = _check_runs(store, suite, tag)
    _check_artifacts(store, tag)
    _check_decisions(store, runs, tag)
