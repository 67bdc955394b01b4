"""Checks of launch evidence in the store, one per evidence kind (a registry).

Each check looks the evidence up; nothing a person records can stand in for it.
"""

from __future__ import annotations

import functools
import importlib.resources
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from assay._util import plural
from assay.core import Decision
from assay.errors import ConfigError
from assay.governance import EvidenceItem, LaunchItem
from assay.storage import RunQuery, Store

__all__ = ["EVIDENCE_CHECKS", "evidence_check"]

EvidenceCheck = Callable[[EvidenceItem, "ModelEvidence"], LaunchItem]
EVIDENCE_CHECKS: dict[str, EvidenceCheck] = {}
"""Evidence kind → the function that checks an item of that kind."""


def evidence_check(kind: str) -> Callable[[EvidenceCheck], EvidenceCheck]:
    """Register the check of an evidence kind."""

    def register(function: EvidenceCheck) -> EvidenceCheck:
        EVIDENCE_CHECKS[kind] = function
        return function

    return register


@dataclass
class ModelEvidence:
    """The model checked and what the store holds about it, read once per check."""

    model: str
    store: Store
    _runs: list[Any] | None = None

    @property
    def runs(self) -> list[Any]:
        """The model's stored runs, newest first."""
        if self._runs is None:
            self._runs = self.store.runs.list(RunQuery(model=self.model))
        return self._runs

    @property
    def run_ids(self) -> set[str]:
        """Their ids."""
        return {r.run_id for r in self.runs}


def _missing(item: EvidenceItem, detail: str, how: str, default_owner: str) -> LaunchItem:
    who = item.owner or default_owner
    return LaunchItem(item.item, item.kind, False, detail, clear_by=f"{who}: {how}" if who else how)


def _decision_state(decision: Decision, store: Store) -> tuple[str, str | None]:
    """(the decision's verdict, who overrode it) — or a reason it does not stand."""
    entries = store.decisions.entries(subject=decision.decision_id)
    challenges = [e for e in entries if e.kind == "challenge"]
    if challenges:
        return (
            "challenged",
            f"a monitor's alarm challenges it (ledger entry {challenges[0].sequence})",
        )
    approvals = [e.payload for e in entries if e.kind == "approval"]
    objections = [a for a in approvals if a.get("status") == "rejected"]
    if objections:
        first = objections[0]
        return "objected", f"{first.get('name')!r} as {first.get('role')!r} objected to it"
    overrides = [a for a in approvals if a.get("status") == "override"]
    if decision.verdict.value != "SHIP" and overrides:
        first = overrides[0]
        return "override", f"overridden by {first.get('name')!r} as {first.get('role')!r}"
    return decision.verdict.value, None


@functools.cache
def shipped_policy_digests() -> dict[str, str]:
    """Name → digest of each policy shipped with assay (``assay/policies/*.yaml``)."""
    from assay.gates import load_policy

    folder = importlib.resources.files("assay").joinpath("policies")
    shipped = {}
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".yaml"):
            policy = load_policy(entry.read_text(encoding="utf-8"))
            shipped[policy.name] = policy.digest
    return shipped


def _pinned(item: EvidenceItem) -> tuple[str | None, str]:
    """The digest (or prefix) a decision's policy must have, and how the checklist pins it."""
    if item.policy_file is not None and item.policy_digest is None:
        raise ConfigError(
            f"The decision item {item.item!r} names the policy_file {item.policy_file!r} that "
            "was never read: load the checklist from its file (assay launch check --checklist)."
        )
    if item.policy_digest is not None:
        source = f"the policy file {item.policy_file}" if item.policy_file else "the checklist"
        return item.policy_digest, f"the digest {item.policy_digest[:12]} pinned by {source}"
    shipped = shipped_policy_digests().get(str(item.policy))
    if shipped is not None:
        return shipped, f"the shipped {item.policy}'s ({shipped[:12]})"
    return None, "any digest (the checklist pins the policy by name only)"


def _how(item: EvidenceItem, model: str, pin: str | None) -> str:
    """How to record the decision the item asks for."""
    shipped = shipped_policy_digests().get(str(item.policy))
    if pin is not None and pin == shipped:
        policy = "" if item.policy == "default" else " --policy FILE"
        return (
            f"record a decision on a run of {model} under the shipped policy {item.policy!r}: "
            f"`assay gate BASELINE CANDIDATE{policy} --record`"
        )
    digest = f" (digest {pin[:12]})" if pin is not None else ""
    return (
        f"record a decision on a run of {model} under the policy {item.policy!r}{digest}: "
        "`assay gate BASELINE CANDIDATE --policy FILE --record`"
    )


@evidence_check("decision")
def _decision(item: EvidenceItem, evidence: ModelEvidence) -> LaunchItem:
    ours = evidence.run_ids
    named = [
        d
        for d in evidence.store.decisions.list()
        if d.candidate_run in ours and d.policy == item.policy
    ]
    pin, pinned_by = _pinned(item)
    decisions = [d for d in named if pin is None or d.policy_digest.startswith(pin)]
    how = _how(item, evidence.model, pin)
    if not decisions and named:
        other = named[0]
        detail = (
            f"decision {other.decision_id[:12]} is {other.verdict.value} under a policy named "
            f"{item.policy!r} whose digest {other.policy_digest[:12]} is not {pinned_by}; no "
            f"decision on a run of {evidence.model} under that policy"
        )
        return _missing(item, detail, how, "the model's owner")
    if not decisions:
        detail = f"no decision on a run of {evidence.model} under the policy {item.policy!r}"
        return _missing(item, detail, how, "the model's owner")
    newest = decisions[0]  # newest first: a later BLOCK is not hidden by an older SHIP
    ref = newest.decision_id[:12]
    under = f"{item.policy!r} ({newest.policy_digest[:12]})"
    state, why = _decision_state(newest, evidence.store)
    if state == "SHIP" or (state == "override" and item.allow_override):
        detail = (
            f"decision {ref} is SHIP under {under}"
            if why is None
            else (
                f"decision {ref} is {newest.verdict.value} under {under}, {why} "
                "(this checklist accepts overrides)"
            )
        )
        return LaunchItem(item.item, item.kind, True, detail, (newest.decision_id,))
    if state == "override":
        why = f"{why}; this checklist does not accept overrides (allow_override: false)"
    detail = f"the newest decision under {under}, {ref}, is {newest.verdict.value}"
    return _missing(item, detail + (f": {why}" if why else ""), how, "the model's owner")


@evidence_check("safety_run")
def _safety_run(item: EvidenceItem, evidence: ModelEvidence) -> LaunchItem:
    found = [
        r.run_id
        for r in evidence.runs
        if r.status == "complete"
        and (r.suite_name in item.suites or all(r.tags.get(k) == v for k, v in item.tags.items()))
    ]
    marks = [f"on {', '.join(item.suites)}"] if item.suites else []
    marks += [", ".join(f"tagged {k}={v}" for k, v in item.tags.items())]
    if found:
        detail = f"{plural(len(found), 'complete safety run')} of {evidence.model}"
        return LaunchItem(item.item, item.kind, True, detail, tuple(found[:10]))
    detail = f"no complete run of {evidence.model} {' or '.join(m for m in marks if m)}"
    tag = " ".join(f"{k}={v}" for k, v in item.tags.items())
    how = f"run {evidence.model} on a safety suite (`assay run`), or `assay runs tag RUN {tag}`"
    return _missing(item, detail, how, "the safety team")


@evidence_check("monitor")
def _monitor(item: EvidenceItem, evidence: ModelEvidence) -> LaunchItem:
    from assay.workflows._monitor_watch import monitor_status

    ours = evidence.run_ids
    found = []
    for status in monitor_status(store=evidence.store):
        decision = evidence.store.decisions.get(status.decision_id)
        if decision.candidate_run in ours:
            found.append(status.name)
    if found:
        detail = f"monitor(s) {', '.join(found)} watch a decision on {evidence.model}"
        return LaunchItem(item.item, item.kind, True, detail, tuple(found))
    detail = f"no monitor watches a decision on {evidence.model}"
    how = "attach one to its decision: `assay monitor watch register SPEC`"
    return _missing(item, detail, how, "the model's owner")


@evidence_check("rollout_plan")
def _rollout_plan(item: EvidenceItem, evidence: ModelEvidence) -> LaunchItem:
    from assay.workflows._experiments_store import experiment_plan, list_experiments

    names = {evidence.model, evidence.model.partition("@")[0]}
    found = []
    for stored in list_experiments(store=evidence.store):
        if item.experiment is not None:
            if stored.name == item.experiment:
                found.append(stored.name)
        elif names & set(experiment_plan(stored.name, store=evidence.store)[1].arms):
            found.append(stored.name)
    what = (
        f"the experiment {item.experiment!r}"
        if item.experiment
        else (f"an experiment with an arm named {evidence.model.partition('@')[0]!r}")
    )
    if found:
        detail = f"{what} is registered ({', '.join(found)})"
        return LaunchItem(item.item, item.kind, True, detail, tuple(found))
    how = "register its plan: `assay ab readout PLAN DATA --record`"
    return _missing(item, f"no rollout plan: {what} is not registered", how, "the product owner")


@evidence_check("model_card")
def _model_card(item: EvidenceItem, evidence: ModelEvidence) -> LaunchItem:
    from assay.workflows._card_verify import card_state

    state = card_state(evidence.model, store=evidence.store)
    if state.present and state.current:
        return LaunchItem(item.item, item.kind, True, f"a current model card: {state.reason}")
    how = f"publish a current card: `assay card {evidence.model} --publish`"
    return _missing(item, f"no current model card: {state.reason}", how, "the model's owner")
