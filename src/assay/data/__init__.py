"""Data integrity: suites from files and frames, and records checked against their suite.

Every error names the file, the line or row, the column, what was expected and what was found.
Run summaries, record validation, suite checks, near duplicates and corpus reading load on
first use: a runner needs none of them, so it starts without the statistics engine and without
their modules (whose objects every process would also free one by one at exit). Readers of other tools' logs live in :mod:`assay.importers`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from assay._util import lazy_exports
from assay.data._declared import scorable_metrics
from assay.data._files import FileFormat, Location, detect_format, read_table
from assay.data._schema import SuiteData, examples_digest, examples_table, record_schema
from assay.data._suites import load_suite, make_suite

if TYPE_CHECKING:
    from assay.data._corpus import CORPUS_MAX_LINE_BYTES, CorpusReadStats, read_corpus
    from assay.data._near_duplicates import DuplicateCount, count_duplicates
    from assay.data._records import records_digest, validate_records
    from assay.data._split_overlap import split_overlap
    from assay.data._suite_checks import SuiteCheck, SuiteFinding, check_suite, input_key
    from assay.data._summary import SampleSummary, summarise_records, summarise_samples

__all__ = [
    "CORPUS_MAX_LINE_BYTES",
    "CorpusReadStats",
    "DuplicateCount",
    "FileFormat",
    "Location",
    "SampleSummary",
    "SuiteCheck",
    "SuiteData",
    "SuiteFinding",
    "check_suite",
    "count_duplicates",
    "detect_format",
    "examples_digest",
    "examples_table",
    "input_key",
    "load_suite",
    "make_suite",
    "read_corpus",
    "read_table",
    "record_schema",
    "records_digest",
    "scorable_metrics",
    "split_overlap",
    "summarise_records",
    "summarise_samples",
    "validate_records",
]

_LAZY = {
    **dict.fromkeys(
        ("CORPUS_MAX_LINE_BYTES", "CorpusReadStats", "read_corpus"), "assay.data._corpus"
    ),
    **dict.fromkeys(("DuplicateCount", "count_duplicates"), "assay.data._near_duplicates"),
    **dict.fromkeys(("records_digest", "validate_records"), "assay.data._records"),
    "split_overlap": "assay.data._split_overlap",
    **dict.fromkeys(
        ("SuiteCheck", "SuiteFinding", "check_suite", "input_key"), "assay.data._suite_checks"
    ),
    "SampleSummary": "assay.data._summary",
    "summarise_records": "assay.data._summary",
    "summarise_samples": "assay.data._summary",
}


__getattr__, __dir__ = lazy_exports(__name__, _LAZY, globals())
