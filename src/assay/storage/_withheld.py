"""A red-team suite's text withheld from a table of its examples or of a run's records.

A suite whose catalog says ``unsafe_text`` holds harmful prompts. Whoever needs only its ids,
slices, clusters and scores (coverage, safety rates, comparisons) reads its examples with
``text=False`` and gets :data:`~assay.core.WITHHELD` in place of every non-null input and
reference; an assay server serves only that to a caller below editor.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from assay._util import check_instance, lazy_module
from assay.core import WITHHELD, WITHHELD_COLUMNS, Suite

if TYPE_CHECKING:
    import pyarrow as pa
else:
    pa = lazy_module("pyarrow")

__all__ = ["withhold_text"]


def withhold_text(table: pa.Table, suite: Suite) -> pa.Table:
    """``table`` (a suite's examples or a run's records) with every non-null value of
    :data:`~assay.core.WITHHELD_COLUMNS` replaced by :data:`~assay.core.WITHHELD` when
    ``suite`` is a red-team suite; every other column, and which values were null, kept."""
    check_instance(table, "table", "withhold_text", pa.Table, "a pyarrow Table")
    check_instance(suite, "suite", "withhold_text", Suite, "a Suite")
    if not suite.catalog.unsafe_text:
        return table
    for name in WITHHELD_COLUMNS:
        if name not in table.column_names:
            continue
        hidden = [None if v is None else WITHHELD for v in table.column(name).to_pylist()]
        i = table.column_names.index(name)
        table = table.set_column(i, name, pa.array(hidden, pa.string()))
    return table
