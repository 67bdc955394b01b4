"""Aligning two runs, slicing, and building paired comparison results.

:func:`compare_records` pairs a candidate run with a baseline run by example and compares every
metric of the suite on all examples and on every slice, with the conventions of DESIGN.md
(paired tests, clusters as units, repeated samples averaged, Benjamini-Hochberg across a
metric's slices, the minimum detectable effect of every result). It reads no store: the
caller passes the runs' metadata and record tables. :func:`compare_record_streams` is the
same comparison of two runs too large for memory, read as streams of record batches sorted by
example id (docs/out-of-core.md); :func:`stream_plan` splits it into steps that may run in
different processes (a :class:`StreamState` per range of example ids, merged in id order, as
:func:`assay.runners.compare_records_ray` runs it on Ray workers). :func:`text_metrics` names the metrics of a suite that a
comparison recomputes from the records' text.

``compare_runs`` is the deprecated old name of :func:`compare_records` (it warns); the
store-level :func:`assay.compare_runs`, which reads the runs from a store, is another function.
"""

from assay.compare._compare import compare_records
from assay.compare._compare import compare_runs as compare_runs  # deprecated alias
from assay.compare._inputs import text_metrics
from assay.compare._stream_plan import StreamPlan, stream_plan
from assay.compare._stream_state import StreamState
from assay.compare._streaming import DEFAULT_CHUNK_ROWS, compare_record_streams

__all__ = [
    "DEFAULT_CHUNK_ROWS",
    "StreamPlan",
    "StreamState",
    "compare_record_streams",
    "compare_records",
    "stream_plan",
    "text_metrics",
]
