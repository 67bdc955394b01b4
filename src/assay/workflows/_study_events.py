"""A registered study's events: runs and decisions attached, and its kill.

Each is a ``study_event`` ledger entry about ``study:NAME``: ``{"event": "attach", "run":
ID}``, ``{"event": "attach", "decision": ID}`` and ``{"event": "kill", "reason": TEXT}``.
Every check runs before the entry is appended, so a refused request records nothing.
"""

from __future__ import annotations

from assay._util import check_instance
from assay.core import LedgerEntry
from assay.errors import ConfigError, ImmutableError, SuiteMismatchError
from assay.storage import Store
from assay.workflows._signing import sign_payload
from assay.workflows._store import resolve_store
from assay.workflows._study import LoadedStudy, load_study

__all__ = ["attach_loaded", "attach_to_study", "kill_study"]


def attach_to_study(
    name: str,
    *,
    run: str | None = None,
    decision: str | None = None,
    store: Store | None = None,
) -> LedgerEntry:
    """Attach a stored run or a recorded decision to a registered study: ``assay study
    attach``. A run (or a decision's runs) of another suite version than registered is refused
    (:class:`~assay.errors.SuiteMismatchError`); attaching twice returns the first entry."""
    if (run is None) == (decision is None):
        raise ConfigError("Attach either a run (--run) or a decision (--decision), not both.")
    st = resolve_store(store)
    return attach_loaded(load_study(name, store=st), st, run=run, decision=decision)


def attach_loaded(
    study: LoadedStudy, st: Store, *, run: str | None = None, decision: str | None = None
) -> LedgerEntry:
    """:func:`attach_to_study` for a study already loaded (and so verified) by the caller."""
    name = study.name
    events = st.decisions.entries(kind="study_event", subject=f"study:{name}")
    if any(e.payload.get("event") == "kill" for e in events):
        raise ImmutableError(f"Study {name!r} was killed; nothing more can be attached.")
    registered = set(study.registration.suite_digests.values())
    if run is not None:
        if study.registration.plan.kind == "online":
            raise ConfigError(
                f"Study {name!r} is an online study: its evidence is its experiment's readouts."
            )
        found = st.runs.get(run)
        pairs = [(found.run_id, found.suite_digest)]
        payload = {"event": "attach", "run": found.run_id}
    else:
        d = st.decisions.get(str(decision))
        pairs = [(d.candidate_run, d.suite_digest)]
        payload = {"event": "attach", "decision": d.decision_id}
    for run_id, suite in pairs:
        if registered and suite not in registered:
            names = ", ".join(
                f"{k} ({v[:12]})" for k, v in study.registration.suite_digests.items()
            )
            raise SuiteMismatchError(
                f"Run {run_id[:12]} was evaluated on suite version {suite[:12]}; study "
                f"{name!r} is registered on {names}. Nothing was attached."
            )
    key = "run" if run is not None else "decision"
    for e in events:  # a server adds who recorded it: compare what was attached
        if e.payload.get("event") == "attach" and e.payload.get(key) == payload[key]:
            return e
    return st.decisions.record(
        "study_event",
        f"study:{name}",
        sign_payload(payload, kind="study_event", subject=f"study:{name}", name=None),
    )


def kill_study(name: str, *, reason: str, store: Store | None = None) -> LedgerEntry:
    """Stop a study for good, with the reason (a kill criterion met, futility): ``assay study
    kill``."""
    check_instance(reason, "reason", "kill_study", str, "the reason, in words")
    if not reason.strip():
        raise ConfigError("Killing a study needs its reason (--reason TEXT).")
    st = resolve_store(store)
    study = load_study(name, store=st)
    if any(e.payload.get("event") == "kill" for e in study.events):
        raise ImmutableError(f"Study {name!r} is already killed.")
    kill = {"event": "kill", "reason": reason}
    return st.decisions.record(
        "study_event",
        f"study:{name}",
        sign_payload(kill, kind="study_event", subject=f"study:{name}", name=None),
    )
