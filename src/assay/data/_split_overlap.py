"""Examples of a suite that also occur in a training split: test rows a model may have fitted.

Feature-mapping inputs (a tabular suite) are compared on the suite's feature names, value by
value (an integral float equals the integer: 39.0 is 39); text inputs on their normalised text
against the training table's ``input`` or ``text`` column.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import pyarrow as pa

from assay._util import check_instance
from assay.data._near_duplicates import normalise_text
from assay.data._schema import SuiteData
from assay.data._suite_checks import SHOWN_IDS, SuiteFinding
from assay.errors import DataError

__all__ = ["split_overlap"]


def _value(v: Any) -> Any:
    if isinstance(v, float) and v.is_integer():
        return int(v)
    if isinstance(v, str):
        return v.strip()
    return v


def _row(values: Sequence[Any]) -> str:
    return json.dumps([_value(v) for v in values], default=str)


def split_overlap(
    data: SuiteData,
    train: pa.Table,
    *,
    columns: Sequence[str] | None = None,
    source: str = "the training split",
) -> SuiteFinding | None:
    """How many of ``data``'s examples equal a row of ``train`` (``None`` when none do)."""
    check_instance(data, "data", "split_overlap", SuiteData, "a SuiteData")
    check_instance(train, "train", "split_overlap", pa.Table, "a pyarrow.Table")
    ids = [str(i) for i in data.examples.column("example_id").to_pylist()]
    parsed: list[Any] = []
    for value in data.examples.column("input").to_pylist():
        try:
            parsed.append(json.loads(value) if value is not None else None)
        except (ValueError, RecursionError):
            parsed.append(value)
    mappings = [p for p in parsed if isinstance(p, dict)]
    if mappings:
        names = list(columns or mappings[0].keys())
        missing = [c for c in names if c not in train.column_names]
        if missing:
            raise DataError(
                "the training table lacks feature columns of the suite",
                file=source,
                column=missing[0],
                expected=f"columns {', '.join(names)}",
                found=", ".join(train.column_names[:20]),
            )
        seen = {_row(r) for r in zip(*(train.column(c).to_pylist() for c in names), strict=True)}
        keys = [_row([p.get(c) for c in names]) if isinstance(p, dict) else None for p in parsed]
        what = f"the {len(names)} features {', '.join(names)}"
    else:
        name = next((c for c in ("input", "text") if c in train.column_names), None)
        if name is None:
            raise DataError(
                "the training table has no text column",
                file=source,
                expected="a column 'input' or 'text'",
                found=", ".join(train.column_names[:20]),
            )
        seen = {normalise_text(t) for t in train.column(name).to_pylist() if isinstance(t, str)}
        keys = [normalise_text(p) if isinstance(p, str) else None for p in parsed]
        what = "their normalised text"
    shared = [i for i, k in enumerate(keys) if k is not None and k in seen]
    if not shared:
        return None
    share = len(shared) / len(ids)
    return SuiteFinding(
        "split_overlap",
        "warning",
        len(shared),
        f"{len(shared):,} examples ({share:.1%}) equal a row of {source} on {what}; a model "
        "trained on it may have fitted them",
        tuple(ids[i] for i in shared[:SHOWN_IDS]),
    )
