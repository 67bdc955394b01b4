"""Checks of a rule's parameter fields, in the one message shape of bad arguments.

A rule's fields come from a policy file, so a bad one is a :class:`FieldProblem` (the loader
adds the file, tier, rule and line), worded as the shared argument checks word theirs with the
rule kind where they name a function: "The 'margin' parameter of a non_inferiority rule must
be a positive number: ... Got -0.01."
"""

from __future__ import annotations

from typing import Any

from assay._util import check_number
from assay.errors import ParameterError
from assay.gates._registry import FieldProblem

__all__ = ["field_problem", "rule_number"]


def field_problem(field: str, kind: str, expected: str, got: Any) -> FieldProblem:
    """The problem with ``field`` of a ``kind`` rule, in the one shape."""
    return FieldProblem(field, str(ParameterError(field, f"a {kind} rule", expected, got)))


def rule_number(value: Any, field: str, kind: str, expected: str) -> float:
    """``value`` as a float when it is a finite number (not a bool); else a FieldProblem."""
    try:
        return check_number(value, field, f"a {kind} rule")
    except ParameterError:
        raise field_problem(field, kind, expected, value) from None
