"""Where and why a model fails, and whether its evaluation can be trusted.

Slice discovery with false-discovery control, failure taxonomies, fix lists and
contamination checks, built from :mod:`assay.stats` (the tests and intervals),
:mod:`assay.metrics`, :mod:`assay.compare` and :mod:`assay.data` (the run's records and the
suite's integrity checks). Reading the store is the workflows' job, rendering the reports'.
"""

from __future__ import annotations

# --- slice discovery and the fix list ---
from assay.analysis._attributes import Predicate
from assay.analysis._discover import discover_slices
from assay.analysis._problems import FixList, Problem, fix_list, problems_from_slices
from assay.analysis._promote import next_version, promote_slices, slice_name
from assay.analysis._slices import DiscoveredSlice, SliceDiscovery
from assay.analysis._values import ExampleValues, example_values

__all__ = [
    # --- slice discovery and the fix list (names) ---
    "DiscoveredSlice",
    "ExampleValues",
    "FixList",
    "Predicate",
    "Problem",
    "SliceDiscovery",
    "discover_slices",
    "example_values",
    "fix_list",
    "next_version",
    "problems_from_slices",
    "promote_slices",
    "slice_name",
]
