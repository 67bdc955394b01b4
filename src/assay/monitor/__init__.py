"""Monitoring after release: profiles of reference and current data, drift with intervals,
quality watches with anytime-valid error budgets, and alarms that challenge a decision.

Built from :mod:`assay.stats` (the statistics) and :mod:`assay.core` (the vocabulary); what
is stored (profiles as artifacts, monitors, challenge entries in the ledger) goes through
:mod:`assay.workflows`.
"""

__all__: list[str] = []
