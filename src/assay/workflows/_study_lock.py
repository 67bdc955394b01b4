"""The check that makes registering a study one locked step with appending it: run by the
store under its ledger lock, in the appending transaction, so that of two registrations sent
at once (two first registrations of one name, two new versions of the same version) only the
first is recorded and the other is refused with nothing recorded."""

from __future__ import annotations

from typing import Any

import pydantic

from assay.core import LedgerEntry
from assay.errors import ConfigError, ImmutableError
from assay.governance import StudyRegistration, registration_chain
from assay.storage import LedgerCheck, LedgerView

__all__ = ["study_registration_check"]


def _readable(entry: LedgerEntry) -> StudyRegistration | None:
    try:
        return StudyRegistration.model_validate(entry.payload.get("registration"))
    except pydantic.ValidationError:
        return None


def study_registration_check(subject: str, payload: dict[str, Any]) -> LedgerCheck:
    """Refuse a ``study`` entry about ``subject`` that would not be the next valid version of
    the study as the ledger holds it when it is appended (:func:`~assay.governance.
    registration_chain`): a first registration of a name already registered, or a new
    version of a version that is no longer the newest (:class:`~assay.errors.ImmutableError`),
    and a registration that is not readable or not its digest
    (:class:`~assay.errors.ConfigError`); and a new version that does not name every decision
    attached by then (a plan written knowing an outcome it does not record)."""
    try:
        registration = StudyRegistration.model_validate(payload.get("registration"))
    except pydantic.ValidationError as exc:
        raise ConfigError(
            f"The study entry about {subject[:100]!r} does not hold a registration "
            f"({exc.errors()[0]['msg']}); nothing was recorded."
        ) from None
    if registration.digest() != payload.get("digest"):
        raise ConfigError(
            f"The study entry about {subject[:100]!r} records another digest than its "
            "registration's; nothing was recorded."
        )
    name = registration.plan.name

    def check(view: LedgerView) -> None:
        entries = view.entries(kind="study", subject=subject)
        chain, _ = registration_chain(
            [(e.sequence, _readable(e), str(e.payload.get("digest"))) for e in entries]
        )
        newest = chain[-1][1] if chain else None
        if newest is not None and registration.version == 1:
            raise ImmutableError(
                f"Study {name!r} is already registered (version {newest.version}, digest "
                f"{newest.digest()[:12]}); a registered plan is frozen. Register a new version "
                "with --supersede REASON. Nothing was recorded."
            )
        proposed = [(view.next_sequence(), registration, registration.digest())]
        if len(registration_chain([(s, r, r.digest()) for s, r in chain] + proposed)[0]) <= len(
            chain
        ):
            now = "no version" if newest is None else f"version {newest.version}"
            raise ImmutableError(
                f"Study {name!r} now has {now} registered: a version "
                f"{registration.version} written against another is not the next one. "
                "Nothing was recorded; read the study again (`assay study status`)."
            )
        attached = [
            str(e.payload["decision"])
            for e in view.entries(kind="study_event", subject=subject)
            if e.payload.get("event") == "attach" and "decision" in e.payload
        ]
        missing = [
            d for d in dict.fromkeys(attached) if d not in (registration.after_decisions or [])
        ]
        if newest is not None and missing:
            raise ImmutableError(
                f"Study {name!r} has a decision attached ({missing[-1][:12]}) that this new "
                "version does not record as one it follows: it would be a plan written "
                "knowing the outcome. Nothing was recorded; register it again "
                "(--after-decision)."
            )

    return check
