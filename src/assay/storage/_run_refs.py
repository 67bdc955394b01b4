"""Finding a run the way people name it: a run id, a unique id prefix, or ``MODEL@VERSION``."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from assay.errors import AmbiguousReferenceError, ConfigError, NotFoundError
from assay.storage._rows import like_prefix
from assay.storage._schema import runs

__all__ = ["find_run"]

_SHOWN = 10
_FORMS = "a run id, a unique id prefix or MODEL@VERSION (e.g. income-gbm@2.0)"


def _describe(row: Any) -> str:
    created = row.created_at.strftime("%Y-%m-%d %H:%M")
    return (
        f"{row.run_id}  {row.model_name}@{row.model_version} on {row.suite_name}, "
        f"created {created} UTC"
    )


def _ambiguous(ref: str, rows: list[Any], more: bool, how: str) -> AmbiguousReferenceError:
    count = f"more than {_SHOWN}" if more else str(len(rows))
    listed = "\n  ".join(_describe(r) for r in rows[:_SHOWN]) + ("\n  ..." if more else "")
    return AmbiguousReferenceError(
        f"The run reference {ref!r} matches {count} runs ({how}):\n"
        f"  {listed}\nName one by its id, or by a longer id prefix.",
        [r.run_id for r in rows[:_SHOWN]],
    )


def find_run(conn: sa.Connection, ref: object, columns: tuple[Any, ...]) -> Any:
    """The row (``columns``) of the one run ``ref`` names.

    ``ref`` is a run id, a unique id prefix, or ``MODEL@VERSION`` (run ids never hold '@').
    Several matches raise :class:`~assay.errors.AmbiguousReferenceError` listing them (id,
    model, suite, creation time); none raises :class:`~assay.errors.NotFoundError`.
    """
    if not isinstance(ref, str) or not ref.strip():
        raise ConfigError(f"A run reference is {_FORMS}. Got {ref!r}.")
    wanted = (*columns, runs.c.model_name, runs.c.model_version, runs.c.suite_name)
    wanted = (*wanted, runs.c.created_at)
    row = conn.execute(sa.select(*wanted).where(runs.c.run_id == ref)).first()
    if row is not None:
        return row
    if "@" in ref:
        name, _, version = ref.partition("@")
        match: sa.ColumnElement[bool] = (runs.c.model_name == name) & (
            runs.c.model_version == version
        )
        order: tuple[Any, ...] = (sa.desc(runs.c.created_at), runs.c.run_id)
        how = "runs of that model and version"
    else:
        match = runs.c.run_id.like(like_prefix(ref), escape="\\")
        order = (runs.c.run_id,)
        how = "run ids starting with it"
    query = sa.select(*wanted).where(match).order_by(*order).limit(_SHOWN + 1)
    rows = list(conn.execute(query).all())
    if len(rows) == 1:
        return rows[0]
    if rows:
        raise _ambiguous(ref, rows, len(rows) > _SHOWN, how)
    if "@" in ref:
        raise NotFoundError(
            f"No run is of model {ref!r} (MODEL@VERSION). See `assay runs list --model NAME`."
        )
    raise NotFoundError(f"No run has the id or id prefix {ref!r}. See `assay runs list`.")
