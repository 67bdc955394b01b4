"""Data integrity: suites from files and frames, and records checked against their suite.

Every error names the file, the line or row, the column, what was expected and what was found.
Reading files, the suite's schema and its examples' digest are imported with the package;
building suites, record validation, summaries, suite checks, near duplicates and corpus
reading load on first use, so a runner or an ingest starts without the statistics engine or
the parts it never calls (whose objects every process would also free one by one at exit).
Readers of other tools' logs live in :mod:`assay.importers`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from assay._util import lazy_exports
from assay.data._declared import scorable_metrics
from assay.data._files import FileFormat, Location, detect_format, read_table
from assay.data._schema import SuiteData, examples_digest, examples_table, record_schema

if TYPE_CHECKING:
    from assay.data._corpus import CORPUS_MAX_LINE_BYTES, CorpusReadStats, read_corpus
    from assay.data._near_duplicates import DuplicateCount, count_duplicates
    from assay.data._records import records_digest, validate_records
    from assay.data._split_overlap import split_overlap
    from assay.data._suite_checks import SuiteCheck, SuiteFinding, check_suite, input_key
    from assay.data._suites import load_suite, make_suite
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
    name: module
    for module, names in {
        "assay.data._corpus": "CORPUS_MAX_LINE_BYTES CorpusReadStats read_corpus",
        "assay.data._near_duplicates": "DuplicateCount count_duplicates",
        "assay.data._records": "records_digest validate_records",
        "assay.data._split_overlap": "split_overlap",
        "assay.data._suite_checks": "SuiteCheck SuiteFinding check_suite input_key",
        "assay.data._suites": "load_suite make_suite",
        "assay.data._summary": "SampleSummary summarise_records summarise_samples",
    }.items()
    for name in names.split()
}


__getattr__, __dir__ = lazy_exports(__name__, _LAZY, globals())
