"""Withholding the text of suites that are harmful by design (red-team suites).

A suite whose catalog says ``unsafe_text`` holds harmful prompts; the answers to them may be
harmful too. Comparisons of runs on it keep every id, score and count, and replace the text
of listed flips (input, reference and both outputs) with :data:`WITHHELD`, unless the caller
asks to see it (``show_unsafe_text=True``, ``--show-unsafe-text``).
"""

from __future__ import annotations

from assay.core import Comparison, Suite

__all__ = ["WITHHELD", "withhold_unsafe_text"]

WITHHELD = "[text withheld: red-team suite; --show-unsafe-text shows it]"


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
