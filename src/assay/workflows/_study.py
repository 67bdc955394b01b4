"""Studies in the ledger: register (frozen with a digest), attach runs and decisions, kill.

A study's registration is a ``study`` ledger entry about ``study:NAME`` whose payload is
``{"registration": ..., "digest": ...}``; everything later is a ``study_event`` entry about the
same subject: ``{"event": "attach", "run": ID}``, ``{"event": "attach", "decision": ID}``,
``{"event": "kill", "reason": TEXT}`` and ``{"event": "supersede", "reason": TEXT, "version":
K, "previous_digest": DIGEST}``. Every check runs before the entry is appended, so a refused
request records nothing.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from pathlib import Path

import pydantic

from assay._util import check_instance
from assay.core import LedgerEntry
from assay.errors import (
    ConfigError,
    ImmutableError,
    NotFoundError,
    StorageError,
    SuiteMismatchError,
    UnderpoweredWarning,
)
from assay.governance import (
    STUDY_NAME,
    StudyPlan,
    StudyRegistration,
    load_study_file,
    plan_sample_size,
)
from assay.storage import Store
from assay.workflows._signing import sign_payload
from assay.workflows._store import resolve_store
from assay.workflows._study_resolve import resolve_plan

__all__ = [
    "LoadedStudy",
    "attach_to_study",
    "kill_study",
    "load_study",
    "register_study",
]


@dataclass(frozen=True)
class LoadedStudy:
    """A study as the ledger holds it: its newest registration, its events and whether its
    registration entries still verify."""

    registration: StudyRegistration
    """The newest registration (the highest version)."""
    entry: LedgerEntry
    """The ledger entry of that registration."""
    events: list[LedgerEntry]
    """Its ``study_event`` entries, oldest first."""
    problems: list[str] = field(default_factory=list)
    """Why a registration entry no longer verifies (empty when every one does)."""

    @property
    def name(self) -> str:
        """The study's name."""
        return self.registration.plan.name

    def attached(self, what: str) -> list[str]:
        """Ids of the runs (``what="run"``) or decisions attached, in the order attached."""
        attaches = [e.payload for e in self.events if e.payload.get("event") == "attach"]
        return list(dict.fromkeys(str(p[what]) for p in attaches if what in p))


def _subject(name: object, function: str) -> str:
    check_instance(name, "name", function, str, "a study name")
    if not isinstance(name, str) or not STUDY_NAME.match(name):
        raise ConfigError(f"{name!r} is not a study name (letters, digits, '.', '_', '-').")
    return f"study:{name}"


def _registration_problems(entry: LedgerEntry, bad_from: int | None) -> list[str]:
    """Why a registration entry cannot be trusted: its digest, or the ledger's chain broken at
    or before it (an edited payload breaks the entry's hash, which the chain check finds)."""
    problems = []
    try:
        registration = StudyRegistration.model_validate(entry.payload.get("registration"))
        if registration.digest() != entry.payload.get("digest"):
            problems.append(
                f"ledger entry {entry.sequence}: the registered plan no longer matches its digest"
            )
    except pydantic.ValidationError:
        problems.append(f"ledger entry {entry.sequence}: the registration is not readable")
    if bad_from is not None and bad_from <= entry.sequence:
        problems.append(
            f"the ledger stops verifying at entry {bad_from}, at or before this registration "
            f"(entry {entry.sequence}); see `assay decisions verify`"
        )
    return problems


def load_study(name: str, *, store: Store | None = None, strict: bool = True) -> LoadedStudy:
    """A registered study with its events; ``strict`` (default) refuses one whose registration
    no longer verifies (:class:`~assay.errors.StorageError`), else its problems are listed."""
    subject = _subject(name, "load_study")
    st = resolve_store(store)
    entries = st.decisions.entries(kind="study", subject=subject)
    if not entries:
        raise NotFoundError(f"No study is registered as {name!r}. See `assay studies`.")
    verification = st.decisions.verify()
    bad_from = verification.first_bad_sequence
    problems = [p for e in entries for p in _registration_problems(e, bad_from)]
    if problems and strict:
        raise StorageError(
            f"The registration of study {name!r} no longer verifies: " + "; ".join(problems)
        )
    readable = []
    for e in entries:
        try:
            readable.append((StudyRegistration.model_validate(e.payload["registration"]), e))
        except (pydantic.ValidationError, KeyError):
            continue
    if not readable:
        raise StorageError(f"No registration of study {name!r} is readable: " + "; ".join(problems))
    registration, entry = max(readable, key=lambda pair: pair[0].version)
    events = st.decisions.entries(kind="study_event", subject=subject)
    return LoadedStudy(registration, entry, events, problems)


def register_study(
    source: str | Path | StudyPlan,
    *,
    supersede: str | None = None,
    store: Store | None = None,
) -> tuple[StudyRegistration, LedgerEntry]:
    """Check a study file (or plan), resolve what it names, compute its sample size, and
    record its registration in the ledger: ``assay study register``. A stated n below the
    power calculation's is registered with an :class:`~assay.errors.UnderpoweredWarning`.

    A second registration of a name is refused (:class:`~assay.errors.ImmutableError`) unless
    ``supersede`` gives the reason for a new version, recorded as a ``supersede`` event.
    """
    st = resolve_store(store)
    if isinstance(source, StudyPlan):
        plan, folder = source, None
    else:
        check_instance(source, "source", "register_study", (str, Path), "a study file path")
        plan, folder = load_study_file(source), Path(source).resolve().parent
    if supersede is not None and not supersede.strip():
        raise ConfigError("A superseding registration needs its reason (--supersede TEXT).")
    earlier = st.decisions.entries(kind="study", subject=plan.subject)
    # a new version of a registration that no longer verifies is refused: it would hide it
    previous = load_study(plan.name, store=st, strict=supersede is not None) if earlier else None
    if previous is not None and supersede is None:
        raise ImmutableError(
            f"Study {plan.name!r} is already registered (version "
            f"{previous.registration.version}, digest {previous.entry.payload.get('digest', '')!s:.12}); "
            "a registered plan is frozen. Register a new version with --supersede REASON."
        )
    if previous is None and supersede is not None:
        raise NotFoundError(f"No study {plan.name!r} is registered: there is nothing to supersede.")
    version = 1 if previous is None else previous.registration.version + 1
    registration = StudyRegistration(
        plan=plan,
        version=version,
        sample_size=plan_sample_size(plan),
        **resolve_plan(plan, folder, st),
    )
    size = registration.sample_size
    if size.underpowered:
        power = "" if size.power_at_stated is None else f" (power {size.power_at_stated:.0%})"
        warnings.warn(
            f"study {plan.name!r} states n = {size.stated:,}{power}, below the {size.required:,} "
            f"that {size.method} requires: it is underpowered for the effect that matters.",
            UnderpoweredWarning,
            stacklevel=2,
        )
    entry = st.decisions.record(
        "study",
        plan.subject,
        sign_payload(registration.payload(), kind="study", subject=plan.subject, name=None),
    )
    if previous is not None:
        event = {
            "event": "supersede",
            "reason": supersede,
            "version": version,
            "previous_digest": previous.entry.payload.get("digest"),
        }
        st.decisions.record(
            "study_event",
            plan.subject,
            sign_payload(event, kind="study_event", subject=plan.subject, name=None),
        )
    if isinstance(plan.experiment, dict):
        from assay.workflows._experiments_store import record_experiment_plan

        record_experiment_plan(registration.experiment_plan or {}, store=st)
    return registration, entry


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
    study = load_study(name, store=st)
    if any(e.payload.get("event") == "kill" for e in study.events):
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
    for e in study.events:  # a server adds who recorded it: compare what was attached
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
