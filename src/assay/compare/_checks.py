"""The checks and inputs of a comparison that come before pairing: seed, slices, suites."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import pyarrow as pa
import pyarrow.compute as pc

from assay._util import check_rng
from assay.core import RunInfo, Suite
from assay.errors import ParameterError, SuiteMismatchError

__all__ = ["_attributes", "_check_suites", "_seed", "_suite_values"]

_FN = "compare_records"


def _seed(rng: object) -> int:
    """The integer seed of every resampling of the comparison (drawn once from a Generator)."""
    generator, seed = check_rng(rng, _FN)
    return int(generator.integers(0, 2**63 - 1)) if seed is None else seed


def _attributes(slices: Sequence[str] | None, suite: Suite) -> list[str]:
    if slices is None:
        return suite.slice_names
    names = [slices] if isinstance(slices, str) else list(slices)
    unknown = [s for s in names if s not in suite.slice_names]
    if unknown:
        raise ParameterError(
            "slices", _FN, f"names of the suite's slice attributes {suite.slice_names}", unknown
        )
    return list(dict.fromkeys(names))


def _check_suites(baseline: RunInfo, candidate: RunInfo, suite: Suite, shared_only: bool) -> None:
    if baseline.suite_digest != candidate.suite_digest and not shared_only:
        raise SuiteMismatchError(
            f"baseline run {baseline.run_id} (suite {baseline.suite_name!r}) and candidate run "
            f"{candidate.run_id} (suite {candidate.suite_name!r}) were made on different suite "
            "versions, so their examples or metrics differ and the comparison would not be "
            "paired on one suite; pass shared_only=True to compare only the examples both runs "
            "share, on the baseline's suite",
            expected=f"suite digest {baseline.suite_digest[:12]}",
            found=candidate.suite_digest[:12],
        )
    if suite.digest != baseline.suite_digest:
        raise SuiteMismatchError(
            f"the suite given ({suite.name!r}) is not the suite version baseline run "
            f"{baseline.run_id} was made on; pass the baseline's suite",
            expected=f"suite digest {baseline.suite_digest[:12]}",
            found=suite.digest[:12],
        )


def _suite_values(
    examples: pa.Table | Callable[[], pa.Table] | None,
    paired: int,
    suite: Suite,
    attributes: list[str],
) -> dict[str, list[str]] | None:
    """The values of each slice attribute in the suite's examples, read only when needed."""
    if examples is None or not attributes or paired >= suite.n_examples:
        return None
    table = examples() if callable(examples) else examples
    return {
        a: [str(v) for v in pc.unique(table.column(a).cast(pa.string())).to_pylist() if v]
        for a in attributes
        if a in table.column_names
    }
