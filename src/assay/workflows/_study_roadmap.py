"""The research roadmap written to a file: ``assay studies --html FILE`` / ``--md FILE``."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from pathlib import Path

from assay._util import atomic_write, check_choice, check_instance
from assay.storage import Store
from assay.workflows._study_status import StudyStatus, list_studies

__all__ = ["write_roadmap"]


def write_roadmap(
    output: str | Path,
    *,
    format: str = "html",
    state: str | None = None,
    today: date | None = None,
    studies: Sequence[StudyStatus] | None = None,
    store: Store | None = None,
) -> Path:
    """Write the roadmap of every study (or those in ``state``) to ``output``: one
    self-contained HTML page (``format="html"``) or Markdown (``"markdown"``), whole or not
    at all. ``studies`` (from :func:`list_studies`) saves reading them again."""
    from assay.reports import roadmap_html, roadmap_markdown

    check_instance(output, "output", "write_roadmap", (str, Path), "a file path")
    check_choice(format, "format", "write_roadmap", ("html", "markdown"))
    found = studies if studies is not None else list_studies(state=state, today=today, store=store)
    rows = [s.to_dict() for s in found]
    text = roadmap_html(rows) if format == "html" else roadmap_markdown(rows)
    return atomic_write(Path(output), text)
