"""Aligning two runs, slicing, and building paired comparison results.

:func:`compare_runs` pairs a candidate run with a baseline run by example and compares every
metric of the suite on all examples and on every slice, with the conventions of DESIGN.md
(paired tests, clusters as units, repeated samples averaged, Benjamini-Hochberg across a
metric's slices, the minimum detectable effect of every result). It reads no store: the
caller passes the runs' metadata and record tables.
"""

from assay.compare._compare import compare_runs

__all__ = ["compare_runs"]
