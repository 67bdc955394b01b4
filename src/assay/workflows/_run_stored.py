"""Runs of a store named by URL, the way ``assay runs show`` and ``assay runs diff`` read them."""

from __future__ import annotations

from pydantic import ValidationError

from assay._util import check_instance
from assay.core import ManifestDifference, Run, diff_manifests
from assay.storage import read_run_data

__all__ = ["diff_stored_runs", "get_stored_run"]

_REF = "a run id, a unique id prefix or MODEL@VERSION"


def get_stored_run(ref: str, *, url: str | None = None) -> Run:
    """What :func:`get_run` gives for ``ref`` (a run id, a unique id prefix or
    ``MODEL@VERSION``) in the store at ``url``, else the one the environment names.

    An embedded store at the current schema is read with the standard library's sqlite3
    (nothing is migrated or written, SQLAlchemy is not imported); any other store, and a
    reference that names no run or several, goes through :func:`~assay.open_store` and
    :func:`get_run`, which raise what they raise there."""
    check_instance(ref, "ref", "get_stored_run", str, _REF)
    check_instance(url, "url", "get_stored_run", (str, type(None)), "a store URL or None")
    data = read_run_data(ref, url=url)
    if data is not None:
        try:
            return Run.model_validate(data)
        except ValidationError:  # the typed path explains it
            pass
    from assay.storage import open_store
    from assay.workflows._api import get_run

    return get_run(ref, store=open_store(url))


def diff_stored_runs(
    a: str, b: str, *, url: str | None = None
) -> tuple[Run, Run, list[ManifestDifference]]:
    """The runs ``a`` and ``b`` name in the store at ``url`` (read as :func:`get_stored_run`
    reads them) and what differs between their manifests, as :func:`diff_runs` gives it."""
    check_instance(a, "a", "diff_stored_runs", str, _REF)
    check_instance(b, "b", "diff_stored_runs", str, _REF)
    check_instance(url, "url", "diff_stored_runs", (str, type(None)), "a store URL or None")
    first, second = get_stored_run(a, url=url), get_stored_run(b, url=url)
    return first, second, diff_manifests(first.manifest, second.manifest)
