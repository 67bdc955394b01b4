"""Studies in the ledger: register (frozen with a digest), attach runs and decisions, kill.

A study's registration is a ``study`` ledger entry about ``study:NAME`` whose payload is
``{"registration": ..., "digest": ...}``; a new version is one more such entry whose
registration names the digest of the version it replaces and the reason
(:func:`assay.governance.registration_chain` says which entries are valid versions).
Everything else is a ``study_event`` entry about the same subject (attaching runs and
decisions, killing: :mod:`assay.workflows._study_events`). Every check runs before the entry is appended, so a refused request records nothing;
whether a registration is the next version is checked again under the ledger lock.

The ledger is verified once per request: :func:`load_study` takes a verification already made
(``assay studies`` verifies once for every study it lists).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pydantic

from assay._util import check_instance
from assay.core import LedgerEntry
from assay.errors import (
    ConfigError,
    ImmutableError,
    NotFoundError,
    StorageError,
    UnderpoweredWarning,
)
from assay.governance import (
    STUDY_NAME,
    StudyDeviation,
    StudyPlan,
    StudyRegistration,
    load_study_file,
    plan_sample_size,
    registration_chain,
    supersede_deviations,
)
from assay.storage import LedgerVerification, Store
from assay.workflows._signing import sign_payload
from assay.workflows._store import resolve_store
from assay.workflows._study_lock import study_registration_check
from assay.workflows._study_resolve import resolve_plan, warn_plan

__all__ = ["LoadedStudy", "load_study", "register_study"]


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
    versions: list[tuple[int, int]] = field(default_factory=list)
    """(ledger sequence, version) of each valid registration, oldest first."""

    @property
    def name(self) -> str:
        """The study's name."""
        return self.registration.plan.name

    def superseded(self) -> list[StudyDeviation]:
        """Versions registered after runs or decisions were attached
        (:func:`assay.governance.supersede_deviations`)."""
        return supersede_deviations(self.versions, [(e.sequence, e.payload) for e in self.events])

    def attached(self, what: str) -> list[str]:
        """Ids of the runs (``what="run"``) or decisions attached, in the order attached."""
        attaches = [e.payload for e in self.events if e.payload.get("event") == "attach"]
        return list(dict.fromkeys(str(p[what]) for p in attaches if what in p))


def _subject(name: object, function: str) -> str:
    check_instance(name, "name", function, str, "a study name")
    if not isinstance(name, str) or not STUDY_NAME.match(name):
        raise ConfigError(f"{name!r} is not a study name (letters, digits, '.', '_', '-').")
    return f"study:{name}"


def _readable(entry: LedgerEntry) -> StudyRegistration | None:
    try:
        return StudyRegistration.model_validate(entry.payload.get("registration"))
    except pydantic.ValidationError:
        return None


def load_study(
    name: str,
    *,
    store: Store | None = None,
    strict: bool = True,
    verification: LedgerVerification | None = None,
) -> LoadedStudy:
    """A registered study with its events; ``strict`` (default) refuses one whose registration
    no longer verifies or that holds a ``study`` entry that is not a valid version
    (:class:`~assay.errors.StorageError`), else its problems are listed. ``verification``: the
    ledger's, when the caller has already verified it (else it is verified here)."""
    subject = _subject(name, "load_study")
    st = resolve_store(store)
    entries = st.decisions.entries(kind="study", subject=subject)
    if not entries:
        raise NotFoundError(f"No study is registered as {name!r}. See `assay studies`.")
    found = verification if verification is not None else st.decisions.verify()
    chain, problems = registration_chain(
        [(e.sequence, _readable(e), str(e.payload.get("digest"))) for e in entries]
    )
    bad_from = found.first_bad_sequence
    if bad_from is not None and bad_from <= entries[-1].sequence:
        problems.append(
            f"the ledger stops verifying at entry {bad_from}, at or before a registration of "
            "this study; see `assay decisions verify`"
        )
    if problems and strict:
        raise StorageError(
            f"The registration of study {name!r} no longer verifies: " + "; ".join(problems)
        )
    # listed with its problems: the valid versions' newest, else the first readable entry's
    shown = chain or [(e.sequence, r) for e in entries if (r := _readable(e)) is not None][:1]
    if not shown:
        raise StorageError(f"No registration of study {name!r} is readable: " + "; ".join(problems))
    sequence, registration = shown[-1]
    entry = next(e for e in entries if e.sequence == sequence)
    events = st.decisions.entries(kind="study_event", subject=subject)
    versions = [(seq, r.version) for seq, r in chain]
    return LoadedStudy(registration, entry, events, problems, versions)


def register_study(
    source: str | Path | StudyPlan,
    *,
    supersede: str | None = None,
    after_decision: bool = False,
    store: Store | None = None,
) -> tuple[StudyRegistration, LedgerEntry]:
    """Check a study file (or plan), resolve what it names, compute its sample size, and
    record its registration in the ledger: ``assay study register``. A stated n below the
    power calculation's is registered with an :class:`~assay.errors.UnderpoweredWarning`, and so
    is a planned n above the suites' examples; a deadline already past, with an
    :class:`~assay.errors.AssayWarning`.

    A second registration of a name is refused (:class:`~assay.errors.ImmutableError`) unless
    ``supersede`` gives the reason for a new version: one entry that names the digest of the
    version it replaces and the reason. A study already decided is not superseded (its plan
    would be rewritten knowing the outcome; :class:`~assay.errors.ImmutableError`) unless
    ``after_decision`` says so: the new version then records the decisions it follows
    (``after_decisions``), and every later reading of the study flags the
    ``superseded_after_decision`` deviation. A version registered after runs were attached is
    flagged ``superseded_after_runs``.
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
    decided = [] if previous is None else previous.attached("decision")
    if decided and not after_decision:
        raise ImmutableError(
            f"Study {plan.name!r} is already decided (decision {decided[-1][:12]}): a new version "
            "now would be a plan written knowing the outcome. Nothing was recorded. If it must "
            "be replaced, pass --after-decision: the new version records the decisions it "
            "follows, and the study's status, roadmap and later decisions flag it as a "
            "deviation (superseded_after_decision)."
        )
    if after_decision and not decided:
        raise ConfigError(
            f"--after-decision: study {plan.name!r} has no decision attached; leave it out."
        )
    registration = StudyRegistration(
        plan=plan,
        version=1 if previous is None else previous.registration.version + 1,
        previous_digest=None if previous is None else previous.registration.digest(),
        supersede_reason=supersede if previous is not None else None,
        after_decisions=decided or None,
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
    warn_plan(registration, st)
    # the time inside the hashed (and signed) payload: the ledger's own recorded_at is not hashed
    payload = {**registration.payload(), "registered_at": datetime.now(UTC).isoformat()}
    signed = sign_payload(payload, kind="study", subject=plan.subject, name=None)
    # checked again under the ledger lock (through a server, by the server): one of two wins
    entry = st.decisions.record(
        "study", plan.subject, signed, check=study_registration_check(plan.subject, signed)
    )
    if isinstance(plan.experiment, dict):
        from assay.workflows._experiments_store import record_experiment_plan

        record_experiment_plan(registration.experiment_plan or {}, store=st)
    return registration, entry
