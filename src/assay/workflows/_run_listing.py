"""Stored runs as JSON objects, for listings that only show them (``assay runs list``)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from assay.errors import ParameterError
from assay.storage import MetricFilter, RunQuery, list_run_json

__all__ = ["list_runs_json"]


def list_runs_json(
    *,
    url: str | None = None,
    suite: str | None = None,
    model: str | None = None,
    tags: Mapping[str, str] | None = None,
    where: Sequence[str | MetricFilter] = (),
    sort: str = "created_at",
    descending: bool = True,
    limit: int | None = None,
) -> list[dict[str, Any]]:
    """What :func:`list_runs` lists in the store at ``url`` (else the one the environment
    names), each run as ``RunInfo.model_dump(mode="json")`` gives it.

    An embedded store at the current schema is read with the standard library alone (no
    typed models are built, nothing is migrated or cleaned); any other store, and any query
    that fails, goes through :func:`~assay.open_store` and :func:`list_runs`, which raise what
    they raise there."""
    try:
        query = RunQuery(
            suite=suite,
            model=model,
            tags=dict(tags or {}),
            metric_filters=[
                w if isinstance(w, MetricFilter) else MetricFilter.parse(w) for w in where
            ],
            sort=sort,
            descending=descending,
            limit=limit,
        )
    except ParameterError:
        query = None  # the typed path reports it, after the store's own errors
    found = None if query is None else list_run_json(query, url=url)
    if found is not None:
        return found
    from assay.storage import open_store
    from assay.workflows._api import list_runs

    runs = list_runs(
        store=open_store(url),
        suite=suite,
        model=model,
        tags=tags,
        where=where,
        sort=sort,
        descending=descending,
        limit=limit,
    )
    return [r.model_dump(mode="json") for r in runs]
