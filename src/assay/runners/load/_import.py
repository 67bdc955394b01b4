"""Other load tools' per-request files, read into :class:`RequestTiming` under assay's names."""

from __future__ import annotations

from pathlib import Path

from assay._util import check_choice
from assay.errors import ParameterError
from assay.runners.load._import_aiperf import read_aiperf
from assay.runners.load._import_files import ImportedRequests
from assay.runners.load._import_guidellm import read_guidellm
from assay.runners.load._import_llmperf import read_llmperf

__all__ = ["IMPORT_FORMATS", "read_load_results"]

IMPORT_FORMATS = ("guidellm", "llmperf", "aiperf")


def read_load_results(
    path: str | Path, *, format: str, benchmark: int | None = None
) -> ImportedRequests:
    """The requests of a GuideLLM report, LLMPerf individual responses or AIPerf export.

    ``benchmark`` picks one benchmark of a GuideLLM report that holds several (a sweep).
    Nothing is written; a malformed file raises :class:`~assay.errors.DataError` naming the
    file, line or row and field.
    """
    function = "read_load_results"
    kind = check_choice(format, "format", function, IMPORT_FORMATS)
    if not isinstance(path, str | Path):
        raise ParameterError("path", function, "a str or a Path", path)
    if benchmark is not None and (
        isinstance(benchmark, bool) or not isinstance(benchmark, int) or benchmark < 0
    ):
        raise ParameterError("benchmark", function, "an int >= 0 or None", benchmark)
    if benchmark is not None and kind != "guidellm":
        raise ParameterError("benchmark", function, "None unless the format is guidellm", benchmark)
    file = Path(path)
    if kind == "guidellm":
        found = read_guidellm(file, benchmark=benchmark)
    elif kind == "llmperf":
        found = read_llmperf(file)
    else:
        found = read_aiperf(file)
    return ImportedRequests(
        found.timings,
        found.timeline,
        found.unmeasured,
        found.notes,
        {**found.source, "file": str(file)},
    )
