"""The rows of an MLflow evaluation table (pandas' ``split`` layout), its score columns and
token counts, checked: every problem one :class:`~assay.errors.DataError` naming the table."""

from __future__ import annotations

from typing import Any

from assay.errors import DataError
from assay.importers._common import metric_name

__all__ = ["score_columns", "table_rows", "token_count"]

_MAX_ROWS = 1_000_000


def score_columns(columns: list[str], source: str) -> dict[str, str]:
    """``<metric>/score`` columns and the metric names they become; two columns that would
    become one name are refused rather than one silently dropped."""
    scores: dict[str, str] = {}
    for column in columns:
        if not column.endswith("/score"):
            continue
        name = metric_name(column.removesuffix("/score"))
        clash = next((c for c, n in scores.items() if n == name), None)
        if clash is not None:
            raise DataError(
                f"the score columns {clash!r} and {column!r} both become the metric {name!r}",
                file=source,
                column=column,
                expected="score columns whose names differ in letters or digits",
                found=f"{clash!r} and {column!r}",
            )
        scores[column] = name
    return scores


def token_count(value: Any, source: str, row: int) -> int | None:
    if not isinstance(value, int) or isinstance(value, bool):
        return None
    if not 0 <= value <= 2**63 - 1:
        raise DataError(
            "the token count is out of range",
            file=source,
            row=row,
            column="token_count",
            expected="a count from 0 to 2**63 - 1",
            found=str(value)[:40],
        )
    return value


def table_rows(document: Any, source: str) -> tuple[list[str], list[list[Any]]]:
    if not isinstance(document, dict):
        raise DataError(
            "not an MLflow table",
            file=source,
            expected="a JSON object",
            found=type(document).__name__,
        )
    columns, data = document.get("columns"), document.get("data")
    if not isinstance(columns, list) or not all(isinstance(c, str) for c in columns):
        raise DataError(
            "not an MLflow table",
            file=source,
            column="columns",
            expected="a list of column names",
            found=str(columns)[:60],
        )
    if not isinstance(data, list) or not all(
        isinstance(r, list) and len(r) == len(columns) for r in data
    ):
        bad = (
            next(
                (
                    i
                    for i, r in enumerate(data or [])
                    if not isinstance(r, list) or len(r) != len(columns)
                ),
                0,
            )
            if isinstance(data, list)
            else None
        )
        raise DataError(
            "not an MLflow table",
            file=source,
            line=bad,
            column="data",
            expected=f"rows of {len(columns)} values",
        )
    if not data:
        raise DataError("the table has no rows", file=source, expected="per-example rows")
    if len(data) > _MAX_ROWS:
        raise DataError(
            "the table is too large",
            file=source,
            found=f"{len(data):,} rows",
            expected=f"at most {_MAX_ROWS:,} rows",
        )
    return columns, data
