"""Decisions, approvals and the tamper-evident ledger."""

__all__: list[str] = []
