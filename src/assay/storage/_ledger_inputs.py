"""Checks of what is appended to the decision ledger before it is: decisions and approvals,
the bounds of a challenge's or governance entry's payload, a governance subject, and an
exported head hash."""

from __future__ import annotations

import json
import re
from typing import Any

from assay._util import check_instance
from assay.core import Approval, Decision
from assay.errors import ParameterError
from assay.storage._ledger import payload_text
from assay.storage._rows import check_identifier, check_length, utc

__all__ = [
    "MAX_PAYLOAD_BYTES",
    "MAX_PAYLOAD_DEPTH",
    "bounded_payload",
    "check_approval",
    "check_decision",
    "check_head",
    "check_subject",
    "deeper_than",
]

PUT = "DecisionRepository.put"
APPROVE = "DecisionRepository.approve"
_SUBJECT = re.compile(r"^[a-z_]+:[^\x00-\x1f\x7f]{1,200}$")
_HASH = re.compile(r"^[0-9a-f]{64}$")


def check_decision(decision: Decision) -> Decision:
    check_instance(decision, "decision", PUT, Decision, "a Decision")
    check_identifier(decision.decision_id, "decision.decision_id", PUT)
    check_length(decision.policy, 200, "decision.policy", PUT)
    check_length(decision.policy_digest, 128, "decision.policy_digest", PUT)
    check_length(decision.suite_digest, 64, "decision.suite_digest", PUT)
    return decision.model_copy(update={"created_at": utc(decision.created_at)})


def check_approval(approval: Approval) -> Approval:
    check_instance(approval, "approval", APPROVE, Approval, "an Approval")
    for field in ("role", "name"):
        value = getattr(approval, field)
        if not value.strip():
            raise ParameterError(f"approval.{field}", APPROVE, "a non-empty string", value)
    return approval.model_copy(update={"at": utc(approval.at)})


def check_head(head: object, where: str) -> str:
    # A hash kept in a file or pasted from a terminal may carry a newline or capitals.
    text = head.strip().lower() if isinstance(head, str) else ""
    if not _HASH.match(text):
        raise ParameterError("head", where, "a 64-character SHA-256 hex entry hash", head)
    return text


MAX_PAYLOAD_DEPTH = 32
"""How deeply a challenge's or governance entry's payload may nest (objects and lists)."""
MAX_PAYLOAD_BYTES = 64 * 1024
"""The largest challenge or governance payload, as canonical JSON."""


def deeper_than(value: object, limit: int) -> bool:
    """Whether ``value`` nests lists and dicts more than ``limit`` levels (without recursion,
    so any depth is measured)."""
    stack: list[tuple[object, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict | list | tuple):
            if depth > limit:
                return True
            children = item.values() if isinstance(item, dict) else item
            stack.extend((child, depth + 1) for child in children)
    return False


def bounded_payload(payload: object, where: str) -> dict[str, Any]:
    """``payload`` as it will be stored: a JSON object within the depth and size bounds."""
    check_instance(payload, "payload", where, dict, "a JSON object (dict)")
    if deeper_than(payload, MAX_PAYLOAD_DEPTH):
        raise ParameterError(
            "payload",
            where,
            f"a JSON object nested at most {MAX_PAYLOAD_DEPTH} levels deep",
            "a deeper one",
        )
    try:
        # strict first: no NaN or infinity, nothing turned into a string on the way
        json.dumps(payload, allow_nan=False)
        text = payload_text(payload)  # type: ignore[arg-type]
    except (TypeError, ValueError) as exc:
        raise ParameterError(
            "payload",
            where,
            "a JSON object of strings, finite numbers, lists and objects",
            str(exc)[:100],
        ) from exc
    size = len(text.encode("utf-8"))
    if size > MAX_PAYLOAD_BYTES:
        raise ParameterError(
            "payload", where, f"at most {MAX_PAYLOAD_BYTES:,} bytes of JSON", f"{size:,} bytes"
        )
    stored: dict[str, Any] = json.loads(text)
    return stored


def check_subject(subject: object, where: str) -> str:
    """A governance entry's subject: ``scheme:name`` (lower-case scheme such as ``study``,
    ``model`` or ``user``; a name of 1 to 200 printable characters)."""
    if not isinstance(subject, str) or not _SUBJECT.match(subject):
        raise ParameterError(
            "subject",
            where,
            "'scheme:name' (e.g. 'study:NAME', 'model:REF', 'user:NAME')",
            subject,
        )
    return subject
