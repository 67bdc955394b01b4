"""A pre-registered study: hypothesis, primary metric, decision rule, sample size, stopping and
kill criteria, written before any result is seen.

:class:`StudyPlan` is what the study file says; :class:`StudyRegistration` is what is frozen in
the ledger: the plan plus what it resolved to when it was registered (the suites' digests, the
decision policy's digest, the sample size from the power calculation, an online experiment's
plan). Its :meth:`StudyRegistration.digest` is the canonical digest of all of it, recorded with
it, so an edited registration no longer matches its own digest.

A new version of a registration names the digest of the version it replaces and the reason
inside itself (``previous_digest``, ``supersede_reason``), so the replacement and its reason
are one ledger entry, covered by one digest: a later registration that does not name its
predecessor this way is not a valid version (:func:`registration_chain`).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from assay.core import digest

__all__ = [
    "STUDY_NAME",
    "SampleSize",
    "SampleSizePlan",
    "StoppingRule",
    "StudyPlan",
    "StudyRegistration",
    "registration_chain",
]

_CONFIG = ConfigDict(frozen=True, extra="forbid", use_attribute_docstrings=True)
STUDY_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")
"""A study's name: letters, digits, ``.``, ``_`` and ``-``, at most 100 characters."""


class SampleSizePlan(BaseModel):
    """How the sample size is planned: the power calculation's inputs, and the n the study
    states (optional; checked against the calculation)."""

    model_config = _CONFIG

    method: Literal["paired_t", "mcnemar", "ab_mean", "ab_proportion"] = "paired_t"
    """``paired_t``: a mean of per-example scores (the paired t test's exact noncentral-t
    power); ``mcnemar``: a paired 0/1 metric (McNemar's test, Connor 1987); ``ab_mean`` and
    ``ab_proportion``: an online A/B test's units per arm (:func:`assay.stats.ab_sample_size`)."""
    sd_of_differences: float | None = Field(default=None, gt=0, allow_inf_nan=False)
    """``paired_t``: the expected standard deviation of the per-example differences."""
    discordance: float | None = Field(default=None, gt=0, le=1, allow_inf_nan=False)
    """``mcnemar``: the expected share of examples on which the two models disagree."""
    sd: float | None = Field(default=None, gt=0, allow_inf_nan=False)
    """``ab_mean``: the expected standard deviation of the metric per unit."""
    baseline_rate: float | None = Field(default=None, gt=0, lt=1, allow_inf_nan=False)
    """``ab_proportion``: the control arm's expected rate."""
    alpha: float = Field(default=0.05, gt=0, lt=1, allow_inf_nan=False)
    """Significance level of the planned test."""
    power: float = Field(default=0.8, gt=0, lt=1, allow_inf_nan=False)
    """Power wanted at the minimum effect."""
    alternative: Literal["two-sided", "one-sided"] = "two-sided"
    """Sidedness of the planned test."""
    n: int | None = Field(default=None, ge=1, le=10**9)
    """The number of examples the study states it will use (optional)."""

    @model_validator(mode="after")
    def _inputs(self) -> SampleSizePlan:
        if self.method == "paired_t" and self.sd_of_differences is None:
            raise ValueError("method paired_t needs sd_of_differences")
        if self.method == "mcnemar" and self.discordance is None:
            raise ValueError("method mcnemar needs discordance")
        if self.method == "ab_mean" and self.sd is None:
            raise ValueError("method ab_mean needs sd")
        if self.method == "ab_proportion" and self.baseline_rate is None:
            raise ValueError("method ab_proportion needs baseline_rate")
        return self


class StoppingRule(BaseModel):
    """When the study may stop: after the planned n only (``fixed``: one look), or at any of
    up to ``max_looks`` looks judged on anytime-valid confidence sequences (``sequential``)."""

    model_config = _CONFIG

    kind: Literal["fixed", "sequential"] = "fixed"
    """``fixed``: one look at the planned n; ``sequential``: anytime-valid looks."""
    max_looks: int = Field(default=1, ge=1, le=1000)
    """The most looks (candidate runs read against the baseline) the plan allows."""
    confidence: float = Field(default=0.95, gt=0, lt=1, allow_inf_nan=False)
    """Time-uniform confidence of the confidence sequence used for futility."""

    @model_validator(mode="after")
    def _looks(self) -> StoppingRule:
        if self.kind == "fixed" and self.max_looks != 1:
            raise ValueError("a fixed stopping rule has one look: drop max_looks or use sequential")
        return self


class StudyPlan(BaseModel):
    """What a study file says (see docs/governance-studies.md for the file format)."""

    model_config = _CONFIG

    name: str
    """The study's name (letters, digits, ``.``, ``_``, ``-``)."""
    hypothesis: str = Field(min_length=1, max_length=4000)
    """What the change should do and why, written before the results exist."""
    owner: str = Field(min_length=1, max_length=200)
    """Who answers for the study."""
    deadline: date
    """The day by which the study must be decided (ISO date)."""
    suites: tuple[str, ...] = ()
    """Offline: the suites (names or digests) the runs must be evaluated on."""
    experiment: str | dict[str, Any] | None = None
    """Online: the name of a stored A/B experiment plan, or an inline plan."""
    primary_metric: str = Field(min_length=1, max_length=200)
    """The one metric the decision rests on."""
    minimum_effect: float = Field(gt=0, allow_inf_nan=False)
    """The smallest improvement of the primary metric that matters, in the metric's units."""
    goal: Literal["higher", "lower"] = "higher"
    """Which direction of the primary metric is better."""
    decision_rule: str = Field(min_length=1, max_length=500)
    """The policy that decides: a shipped policy's name (``default``) or a policy file."""
    sample_size: SampleSizePlan
    """The power calculation's inputs and the stated n."""
    stopping_rule: StoppingRule = StoppingRule()
    """Fixed n or anytime-valid sequential looks."""
    kill_criteria: tuple[str, ...] = Field(min_length=1, max_length=50)
    """When the study is stopped for good, in words."""

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        if not STUDY_NAME.match(value):
            raise ValueError("letters, digits, '.', '_' and '-' only, at most 100 characters")
        return value

    @field_validator("suites", "kill_criteria")
    @classmethod
    def _texts(cls, values: tuple[str, ...]) -> tuple[str, ...]:
        if any(not v.strip() or len(v) > 1000 for v in values):
            raise ValueError("each entry must be non-empty text of at most 1000 characters")
        return values

    @model_validator(mode="after")
    def _offline_or_online(self) -> StudyPlan:
        if bool(self.suites) == (self.experiment is not None):
            raise ValueError("a study names either suites (offline) or an experiment (online)")
        online = self.sample_size.method.startswith("ab_")
        if online != (self.experiment is not None):
            raise ValueError(
                "sample_size.method ab_mean or ab_proportion is for an online study (an "
                "experiment); paired_t or mcnemar for an offline one (suites)"
            )
        return self

    @property
    def kind(self) -> Literal["offline", "online"]:
        """``offline`` (suites) or ``online`` (an A/B experiment)."""
        return "offline" if self.suites else "online"

    @property
    def subject(self) -> str:
        """The ledger subject of the study's entries: ``study:NAME``."""
        return f"study:{self.name}"


class SampleSize(BaseModel):
    """The power calculation as registered."""

    model_config = _CONFIG

    required: int
    """Examples (pairs) the planned test needs for the wanted power at the minimum effect."""
    method: str
    """The calculation, in words."""
    stated: int | None = None
    """The n the study file states, if any."""
    power_at_stated: float | None = None
    """The planned test's power at the stated n."""

    @property
    def planned(self) -> int:
        """The n the study plans to use: the stated one, else the required one."""
        return self.stated if self.stated is not None else self.required

    @property
    def underpowered(self) -> bool:
        """Whether the stated n is below what the power calculation requires."""
        return self.stated is not None and self.stated < self.required


class StudyRegistration(BaseModel):
    """What is frozen in the ledger when a study is registered."""

    model_config = _CONFIG

    plan: StudyPlan
    """The study file's content."""
    version: int = Field(default=1, ge=1)
    """1 for the first registration; each ``--supersede`` adds one."""
    previous_digest: str | None = None
    """From version 2: the digest of the version this one replaces."""
    supersede_reason: str | None = Field(default=None, min_length=1, max_length=4000)
    """From version 2: why the plan was replaced."""
    suite_digests: dict[str, str] = Field(default_factory=dict)
    """Offline: each suite named, with the digest of its version when registered."""
    policy_name: str
    """The decision policy's name."""
    policy_digest: str
    """The decision policy's digest when registered."""
    sample_size: SampleSize
    """The power calculation."""
    experiment_plan: dict[str, Any] | None = None
    """Online: the A/B experiment plan (``ExperimentPlan.to_dict()``) when registered."""
    after_decisions: list[str] | None = None
    """A version registered after the study was decided (``--after-decision``): the decisions
    already attached, recorded with the new plan so that the override is itself on record."""

    @model_validator(mode="after")
    def _supersedes(self) -> StudyRegistration:
        first = self.version == 1
        if first != (self.previous_digest is None) or first != (self.supersede_reason is None):
            raise ValueError(
                "version 1 names no previous version; a later version names the digest of the "
                "version it replaces (previous_digest) and why (supersede_reason)"
            )
        return self

    def to_json(self) -> dict[str, Any]:
        """Plain JSON types; a first version leaves out the (empty) supersede fields."""
        out = self.model_dump(mode="json")
        if self.version == 1:
            del out["previous_digest"], out["supersede_reason"]
        if self.after_decisions is None:  # absent unless given: earlier digests are unchanged
            del out["after_decisions"]
        return out

    def digest(self) -> str:
        """The canonical digest of everything registered."""
        return digest(self.to_json())

    def payload(self) -> dict[str, Any]:
        """The ledger payload: the registration and its digest."""
        return {"registration": self.to_json(), "digest": self.digest()}


def registration_chain(
    registrations: Sequence[tuple[int, StudyRegistration | None, str]],
) -> tuple[list[tuple[int, StudyRegistration]], list[str]]:
    """The valid versions of a study among its ``study`` ledger entries, oldest first, and why
    each other entry is not one.

    ``registrations``: (ledger sequence, the entry's registration or ``None`` when it is not
    readable, the digest recorded with it), in ledger order. Version 1 is valid when it is the
    first; version k is valid only when it comes after version k−1, names its digest as
    ``previous_digest`` and gives its ``supersede_reason``, all inside its own entry. Anything
    else (a second version 1, a version that skips or does not name its predecessor, a digest
    that does not match) is reported and never read as the plan.
    """
    chain: list[tuple[int, StudyRegistration]] = []
    problems: list[str] = []
    for sequence, registration, recorded in registrations:
        where = f"ledger entry {sequence}"
        if registration is None:
            problems.append(f"{where}: the registration is not readable")
            continue
        if registration.digest() != recorded:
            problems.append(f"{where}: the registered plan no longer matches its digest")
            continue
        head = chain[-1][1] if chain else None
        expected = 1 if head is None else head.version + 1
        if registration.version != expected or (
            head is not None and registration.previous_digest != head.digest()
        ):
            what = (
                "a first registration (version 1)"
                if head is None
                else f"version {expected} naming version {head.version}'s digest "
                f"{head.digest()[:12]} and its reason"
            )
            problems.append(
                f"{where}: a registration of version {registration.version} that is not "
                f"{what}; it is not a valid registration and is not read as the plan"
            )
            continue
        chain.append((sequence, registration))
    return chain, problems
