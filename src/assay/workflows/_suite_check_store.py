"""Suite-check findings kept with their suite version: each result stored as a JSON artifact
and appended to the version's check log (``suite-check:<suite digest>``, a slot log of
:mod:`assay.workflows._slot_log`). Registration stores the fast checks once; ``assay suites
check`` stores every check it ran. ``suites show``, the datasheet and the dashboard read the
newest entry instead of checking again."""

from __future__ import annotations

import dataclasses
from typing import Any

from assay._util import check_instance
from assay.data import SuiteCheck, SuiteData, SuiteFinding, check_suite
from assay.storage import Store
from assay.workflows._contamination_store import finite_json
from assay.workflows._slot_log import append, get_json, last, put_json
from assay.workflows._store import resolve_store

__all__ = [
    "SUITE_CHECK_MEDIA",
    "check_at_registration",
    "latest_suite_check",
    "store_suite_check",
    "stored_suite_check",
    "suite_check_from_json",
]

SUITE_CHECK_MEDIA = "application/vnd.assay.suite-check+json"


def _log(suite_digest: str) -> str:
    return f"suite-check:{suite_digest}"


def store_suite_check(st: Store, result: SuiteCheck) -> str:
    """Store ``result`` and append it to its suite version's check log; returns its digest."""
    body: dict[str, Any] = finite_json(dataclasses.asdict(result))
    body["warnings"] = result.warnings
    digest = put_json(st, body, SUITE_CHECK_MEDIA)
    append(st, _log(result.digest), digest)
    return digest


def latest_suite_check(st: Store, suite_digest: str) -> dict[str, Any] | None:
    """The newest stored check of that suite version as JSON (with its ``artifact``
    digest), or None when none was stored."""
    found = last(st, _log(suite_digest))
    if found is None:
        return None
    return {"artifact": found[1], **get_json(st, found[1])}


def suite_check_from_json(body: dict[str, Any]) -> SuiteCheck:
    """A stored check back as a :class:`assay.data.SuiteCheck`."""
    findings = tuple(
        SuiteFinding(
            check=f["check"],
            severity=f["severity"],
            count=f["count"],
            message=f["message"],
            example_ids=tuple(f["example_ids"]),
        )
        for f in body["findings"]
    )
    return SuiteCheck(
        suite=body["suite"],
        digest=body["digest"],
        n_examples=body["n_examples"],
        checks=tuple(body["checks"]),
        findings=findings,
        method=body["method"],
    )


def check_at_registration(st: Store, data: SuiteData) -> SuiteCheck:
    """The fast checks of a suite being registered, stored once per version: a version that
    already has stored findings (fast or full) keeps them, and they are returned."""
    stored = latest_suite_check(st, data.digest)
    if stored is not None:
        return suite_check_from_json(stored)
    result = check_suite(data, near=False)
    store_suite_check(st, result)
    return result


def stored_suite_check(suite: str, *, store: Store | None = None) -> SuiteCheck | None:
    """The newest stored integrity findings of the suite version ``suite`` (name,
    ``name@version``, digest or digest prefix), or None when none were stored: registration
    stores the fast checks, ``assay suites check`` every check it ran."""
    check_instance(suite, "suite", "stored_suite_check", str, "a suite name or digest")
    st = resolve_store(store)
    found = latest_suite_check(st, st.suites.get(suite).digest)
    return None if found is None else suite_check_from_json(found)
