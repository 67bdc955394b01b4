"""Small shared building blocks that every layer may use: one of each.

* :func:`atomic_write` and :func:`atomic_path`: a file appears whole or not at all (temporary
  file in the same folder, flushed and fsynced, renamed into place, folder fsynced).
* :func:`require`: an optional dependency, imported when needed, or one
  :class:`~assay.errors.MissingDependencyError` with the exact install line.
* :func:`check_choice`, :func:`check_instance`, :func:`check_int`, :func:`check_number`,
  :func:`check_probability`, :func:`check_rng`: argument checks with one message shape,
  "The 'alpha' parameter of paired_bootstrap must be a float in (0, 1). Got 1.5."
* :func:`renamed_parameters` and :func:`warn_renamed`: deprecation shims for renamed public
  names.
* :func:`load_json`: the one bounded JSON reader for documents from outside (size, depth,
  numbers in range), every failure one :class:`~assay.errors.DataError`.
* :func:`load_yaml` and :func:`parse_yaml`: the one bounded YAML loader (size, depth, aliases,
  duplicate keys, tags); :func:`brief` quotes a found value in at most 80 characters.
* :class:`Registry`: named extension points with a decorator, an entry-point group and one
  duplicate policy.
* :func:`lazy_module`: a library imported on first attribute access, for one a command may
  never need; :func:`lazy_exports`, a package's public names imported on first use.
* :func:`existing_objects_frozen`: the objects that exist before a run of sends left out of
  the garbage collector's full passes while it runs; :func:`fewer_young_collections`, a short
  command's objects walked by the collector a few times, not hundreds; :func:`quiet_collector`,
  the same for a run of sends or a listing in a long-lived process, counted so that blocks
  overlapping in several threads put the thresholds back once.
* :data:`MINUS`, :func:`format_number`, :func:`summary`, :func:`difference`, :func:`pvalue`,
  :func:`format_time` and the rest of ``_numbers``: numbers and times as the command line,
  the reports and the dashboard write them.
* :func:`printable` and :func:`escape_json`: untrusted text shown, or written as JSON, without
  its control and bidirectional characters acting on a terminal.

Nothing here imports numpy, pyarrow or pydantic at module level, so the vocabulary layer may
use it too. :mod:`assay._util.arrow` (Arrow arrays to NumPy and back without pandas, for the
data and comparison layers) and :mod:`assay._util.minhash` (MinHash signatures and LSH bands,
for the near-duplicate counts of suites and the contamination search) are imported by their
users alone, never from here.
"""

from typing import TYPE_CHECKING, Any

from assay._util._atomic import atomic_path, atomic_write, fsync_folder
from assay._util._deprecation import renamed_parameters, warn_renamed
from assay._util._gc import (
    YOUNG_THRESHOLD,
    existing_objects_frozen,
    fewer_young_collections,
    quiet_collector,
)
from assay._util._json import MAX_JSON_DEPTH, load_json
from assay._util._lazy import lazy_exports, lazy_module
from assay._util._numbers import (
    MINUS,
    Bounds,
    decimals,
    difference,
    effect_size,
    estimate,
    format_number,
    format_time,
    interval_cells,
    plural,
    pvalue,
    result_scale,
    scale_of,
    summary,
)
from assay._util._optional import require
from assay._util._registry import Registry
from assay._util._text import UNPRINTABLE, escape_json, printable
from assay._util._validate import (
    check_choice,
    check_instance,
    check_int,
    check_number,
    check_probability,
    check_rng,
)

if TYPE_CHECKING:
    from assay._util._yaml import YamlDocument, brief, load_yaml, node_mark, parse_yaml

__all__ = [
    "MAX_JSON_DEPTH",
    "MINUS",
    "UNPRINTABLE",
    "YOUNG_THRESHOLD",
    "Bounds",
    "Registry",
    "YamlDocument",
    "atomic_path",
    "atomic_write",
    "brief",
    "check_choice",
    "check_instance",
    "check_int",
    "check_number",
    "check_probability",
    "check_rng",
    "decimals",
    "difference",
    "effect_size",
    "escape_json",
    "estimate",
    "existing_objects_frozen",
    "fewer_young_collections",
    "format_number",
    "format_time",
    "fsync_folder",
    "interval_cells",
    "lazy_exports",
    "lazy_module",
    "load_json",
    "load_yaml",
    "node_mark",
    "parse_yaml",
    "plural",
    "printable",
    "pvalue",
    "quiet_collector",
    "renamed_parameters",
    "require",
    "result_scale",
    "scale_of",
    "summary",
    "warn_renamed",
]

_YAML = frozenset({"YamlDocument", "brief", "load_yaml", "node_mark", "parse_yaml"})


def __getattr__(name: str) -> Any:
    # PyYAML (a twentieth of a second) is loaded by the first command that reads YAML, not by
    # every command that imports this package
    if name in _YAML:
        from assay._util import _yaml

        value = getattr(_yaml, name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'assay._util' has no attribute {name!r}")
