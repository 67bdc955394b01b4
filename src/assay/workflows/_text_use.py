"""Numbers computed from a red-team suite's text, through a store that withholds it.

An assay server gives a red-team suite's input, reference, output and error text only to an
editor or above who asks; everyone else reads :data:`~assay.core.WITHHELD` in its place. A
number computed from that marker (a BLEU score, a judge's label, a length, a label count)
would be wrong and look right. So a computation that needs the text reads it with
``text=True``: an editor or above gets it for the computation only (what is shown stays
withheld unless ``show_unsafe_text``), a lower role is refused with one message that names
the computation and what to do. A database store holds the text and gives it to its reader.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from assay.core import WITHHELD_COLUMNS, Suite
from assay.errors import AccessDeniedError
from assay.storage import Store

if TYPE_CHECKING:
    from pathlib import Path

    import pyarrow as pa

    from assay.data import SuiteData

__all__ = [
    "metrics_refusal",
    "records_with_text",
    "suite_with_text",
    "text_refusal",
    "without_text",
]


def text_refusal(what: str, denied: AccessDeniedError, remedy: str = "") -> AccessDeniedError:
    """The refusal of ``what`` (a computation from a red-team suite's text) by a server that
    denied the text (``denied``), with ``remedy``: what else the caller can do."""
    why = str(denied).rsplit(": ", 1)[-1]  # the server's reason, without the address
    return AccessDeniedError(
        f"{what} is computed from a red-team suite's text, which the server withholds from this "
        f"token ({why}): it is not computed on the withheld text. An editor or above can run "
        f"it; the text is used for the numbers and stays withheld from what is shown.{remedy}"
    )


def metrics_refusal(names: list[str], denied: AccessDeniedError) -> AccessDeniedError:
    """The refusal of a comparison whose ``names`` metrics read output or reference text."""
    listed = ", ".join(repr(n) for n in names)
    what = f"{'Metric' if len(names) == 1 else 'Metrics'} {listed}"
    remedy = (
        " The server's own comparison computes it on the text without showing it: open the "
        "dashboard's compare page, or GET /api/v1/comparisons?baseline=…&candidate=…."
    )
    return text_refusal(what, denied, remedy)


def records_with_text(
    st: Store, run_id: str, what: str, columns: list[str] | None = None
) -> pa.Table:
    """A run's records with their real text, for ``what`` to be computed from (refused by a
    server below editor on a red-team suite, naming ``what``)."""
    try:
        return st.runs.records(run_id, columns, text=True)
    except AccessDeniedError as exc:
        raise text_refusal(what, exc) from exc


def suite_with_text(st: Store, ref: str | Path, what: str) -> SuiteData:
    """A stored suite with its examples' real text, for ``what`` to be computed from (refused
    by a server below editor on a red-team suite, naming ``what``)."""
    from assay.workflows._api import get_suite

    try:
        return get_suite(ref, store=st)
    except AccessDeniedError as exc:
        raise text_refusal(what, exc) from exc


def without_text(records: pa.Table, suite: Suite) -> pa.Table:
    """``records`` without the columns that hold a red-team suite's text (all of them kept
    on any other suite)."""
    if not suite.catalog.unsafe_text:
        return records
    return records.drop_columns([c for c in WITHHELD_COLUMNS if c in records.column_names])
