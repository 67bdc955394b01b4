"""What a study file names, resolved when it is registered: each suite's digest, the decision
policy's name and digest, and an online study's experiment plan. Every check runs before the
registration is recorded."""

from __future__ import annotations

import re
import warnings
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from assay.errors import (
    AssayWarning,
    ConfigError,
    ImmutableError,
    NotFoundError,
    UnderpoweredWarning,
)
from assay.gates import Policy, is_proportion
from assay.governance import StudyPlan, StudyRegistration, weak_policy
from assay.storage import Store

__all__ = ["resolve_plan", "warn_plan"]


def resolve_plan(plan: StudyPlan, source_dir: Path | None, st: Store) -> dict[str, Any]:
    """What the plan names, as registered: suite digests, the policy, an experiment plan."""
    from assay.workflows._gate import resolve_policy

    resolved: dict[str, Any] = {"suite_digests": {}, "experiment_plan": None}
    for ref in plan.suites:
        try:
            resolved["suite_digests"][ref] = st.suites.get(ref).digest
        except LookupError:
            raise NotFoundError(
                f"Study {plan.name!r} names the suite {ref!r}, which is not stored; register "
                "the suite first, so that its version is frozen with the study."
            ) from None
    rule = plan.decision_rule
    shipped = Path(__file__).parent.parent / "policies" / f"{rule}.yaml"
    if re.fullmatch(r"[A-Za-z0-9_-]+", rule) and shipped.is_file():  # a shipped policy's name
        path = shipped
    else:
        path = Path(rule) if source_dir is None else source_dir / rule
    if not path.is_file():
        raise ConfigError(
            f"Study {plan.name!r}: the decision rule {rule!r} is neither a shipped policy "
            "(default) nor a policy file."
        )
    policy = resolve_policy(path)
    resolved["policy_name"], resolved["policy_digest"] = policy.name, policy.digest
    if plan.kind == "offline":
        specs = [
            m
            for digest in resolved["suite_digests"].values()
            for m in st.suites.get(digest).metrics
            if m.name == plan.primary_metric
        ]
        _warn_weak_policy(
            plan, policy, points=bool(specs) and is_proportion(specs[0], zero_one=False)
        )
    if plan.experiment is not None:
        resolved["experiment_plan"] = _experiment(plan, st)
    return resolved


def warn_plan(registration: StudyRegistration, st: Store) -> None:
    """Warn (without refusing) about a plan that cannot be carried out as written: a planned n
    above the examples of every suite it names (:class:`~assay.errors.UnderpoweredWarning`), a
    deadline already past (:class:`~assay.errors.AssayWarning`)."""
    plan, planned = registration.plan, registration.sample_size.planned
    if plan.kind == "offline":
        largest = max(st.suites.get(d).n_examples for d in registration.suite_digests.values())
        if planned > largest:
            warnings.warn(
                f"study {plan.name!r} plans n = {planned:,} paired examples, more than its "
                f"suites hold ({largest:,}): the planned n cannot be reached.",
                UnderpoweredWarning,
                stacklevel=3,
            )
    today = datetime.now(UTC).date()
    if plan.deadline < today:
        warnings.warn(
            f"study {plan.name!r} has a deadline already past ({plan.deadline.isoformat()}, "
            f"today is {today.isoformat()}): it is overdue from the start.",
            AssayWarning,
            stacklevel=3,
        )


def _warn_weak_policy(plan: StudyPlan, policy: Policy, *, points: bool) -> None:
    """Warn when the policy's rules on the primary metric can ship a candidate whose effect is
    below the registered minimum effect (:func:`assay.governance.weak_policy`)."""
    rules = [
        (rule.kind, rule.params.get("min_effect" if rule.kind == "superiority" else "margin"))
        for _, _, rule in policy.tiered()
        if rule.blocking and rule.slice is None and rule.metric in (plan.primary_metric, "*")
    ]
    weak = weak_policy(plan, policy.name, rules, points=points)
    if weak is not None:
        warnings.warn(
            f"study {plan.name!r}: {weak.message}. A SHIP under this policy does not show the "
            "hypothesis; read the decision's hypothesis outcome.",
            AssayWarning,
            stacklevel=4,
        )


def _experiment(plan: StudyPlan, st: Store) -> dict[str, Any]:
    from assay.online import ExperimentPlan
    from assay.workflows._experiments_store import experiment_plan

    if isinstance(plan.experiment, str):
        _, experiment = experiment_plan(plan.experiment, store=st)
    else:
        try:
            experiment = ExperimentPlan.from_dict(plan.experiment or {})
        except ConfigError as exc:
            raise ConfigError(f"Study {plan.name!r}, experiment: {exc}") from None
        try:  # the inline plan is stored under its name after the study: check it fits now
            _, held = experiment_plan(experiment.name, store=st)
        except NotFoundError:
            held = experiment
        if held != experiment:
            raise ImmutableError(
                f"Study {plan.name!r}: an experiment named {experiment.name!r} is stored with "
                "another plan; name the inline plan differently or refer to the stored one."
            )
    if experiment.primary_metric != plan.primary_metric:
        raise ConfigError(
            f"Study {plan.name!r}: the primary metric {plan.primary_metric!r} is not the "
            f"experiment's ({experiment.primary_metric!r})."
        )
    return experiment.to_dict()
