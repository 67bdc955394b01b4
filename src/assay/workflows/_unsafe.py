"""Withholding the text of suites that are harmful by design (red-team suites).

A suite whose catalog says ``unsafe_text`` holds harmful prompts; the answers to them may be
harmful too. Comparisons of runs on it keep every id, score and count, and replace the text
of listed flips (input, reference and both outputs) with :data:`WITHHELD`, unless the caller
asks to see it (``show_unsafe_text=True``, ``--show-unsafe-text``). A record's error message
is withheld with its texts: an adapter's error can quote the prompt it failed on.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from assay._util import check_instance
from assay.core import WITHHELD, WITHHELD_COLUMNS, Comparison, Suite

if TYPE_CHECKING:
    import pyarrow as pa

__all__ = [
    "WITHHELD",
    "WITHHELD_COLUMNS",
    "WITHHELD_NOTE",
    "text_asked",
    "withhold_record_text",
    "withhold_unsafe_text",
]

WITHHELD_NOTE = "input, output and error text withheld (red-team suite; --show-unsafe-text to show)"
"""The line printed beside output whose records' texts were withheld."""


def text_asked(show: bool, function: str) -> bool | None:
    """The ``text`` to read a run's records with when the caller did or did not ask to see a
    red-team suite's text: ``True`` when asked (a server then gives it only to an editor or
    above, and refuses anyone else rather than withholding silently), else ``None``, the
    records as the store gives them (statistics on every text a database holds)."""
    check_instance(show, "show_unsafe_text", function, bool, "a bool")
    return True if show else None


def withhold_record_text(table: pa.Table, suite: Suite, show: bool) -> pa.Table:
    """``table`` (a run's records) with every non-null value of :data:`WITHHELD_COLUMNS`
    replaced by :data:`WITHHELD` when ``suite`` is unsafe and not ``show``; ids, slices,
    scores and which records errored kept."""
    from assay.storage import withhold_text

    return table if show else withhold_text(table, suite)


def withhold_unsafe_text(comparison: Comparison, suite: Suite, show: bool) -> Comparison:
    """``comparison`` with its flips' texts withheld when ``suite`` is unsafe and not ``show``."""
    if show or not suite.catalog.unsafe_text or not comparison.flips:
        return comparison
    hidden = {
        "input": WITHHELD,
        "reference": None,
        "baseline_output": WITHHELD,
        "candidate_output": WITHHELD,
    }
    flips = [f.model_copy(update=hidden) for f in comparison.flips]
    return comparison.model_copy(update={"flips": flips})
