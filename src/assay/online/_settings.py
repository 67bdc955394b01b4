"""Every setting of an A/B readout in one model, and how the plan and the caller combine.

:func:`readout_settings` is the one place where a setting is resolved: the caller's explicit
value wins, else the pre-registered plan's, else the documented default. A setting that
differs from the plan is not refused here; it shows in ``Readout.parameters`` and
:func:`~assay.online.check_deviations` flags it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, ValidationError

from assay._util import check_choice, check_number, check_probability
from assay.errors import ParameterError
from assay.online._metrics import MetricSpec
from assay.online._plan import ExperimentPlan
from assay.stats import Alternative

__all__ = ["DEFAULT_TAU", "Multiplicity", "ReadoutSettings", "readout_settings"]

Multiplicity = Literal["holm", "bh", "none"]
DEFAULT_TAU = 0.05
_ALTERNATIVES = ("two-sided", "greater", "less")
_MULTIPLICITIES = ("holm", "bh", "none")


class ReadoutSettings(BaseModel):
    """How :func:`~assay.online.readout` reads an experiment; every field has its default.

    Build it with :func:`readout_settings` to start from a plan, or directly when there is none.
    ``None`` in ``control``, ``unit_level``, ``planned_split`` and ``family`` means "from the
    data": the first arm, the detected input form, an equal split, every metric read.
    """

    model_config = ConfigDict(
        frozen=True, extra="forbid", strict=True, use_attribute_docstrings=True
    )

    metrics: tuple[str | MetricSpec, ...] | None = None
    """Metrics to read (names, or :class:`MetricSpec` for unit-level rows); ``None``: all."""
    unit_level: bool | None = None
    """Whether the data is unit-level rows; ``None`` detects it from the column names."""
    control: str | None = None
    """The control arm; ``None``: the plan's first arm, else the data's first arm."""
    confidence: float = 0.95
    """Confidence level of the intervals (the plan's ``1 − alpha``)."""
    alternative: Alternative = "two-sided"
    """``two-sided``, ``greater`` or ``less``."""
    cuped: bool = False
    """CUPED on every metric with a pre-period covariate (θ pooled over the two arms compared)."""
    sequential: bool = False
    """Always-valid normal-mixture SPRT intervals and p-values instead of fixed-horizon ones."""
    tau: float = DEFAULT_TAU
    """Mixture standard deviation of the sequential test, in per-unit standard deviations."""
    planned_split: dict[str, float] | tuple[float, ...] | None = None
    """Planned share per arm, by name or in arm order; ``None``: an equal split."""
    srm_threshold: float = 0.001
    """Sample-ratio-mismatch p-value below which the readout is untrusted."""
    winsorize: float | None = None
    """Cap every metric column at its pooled quantile (unit-level rows only); ``None``: no cap."""
    bayesian: bool = False
    """Add a normal-prior readout of each relative lift."""
    prior_sd: float = 0.3
    """Prior standard deviation of the relative lift (Bayesian readout)."""
    multiplicity: Multiplicity = "holm"
    """P-value adjustment over the family: ``holm``, ``bh`` (Benjamini–Hochberg) or ``none``."""
    family: tuple[str, ...] | None = None
    """Metrics adjusted together; ``None``: every metric read."""
    arm_column: str = "arm"
    """Arm column of unit-level rows."""
    unit_column: str = "unit"
    """Unit id column of unit-level rows."""
    directions: dict[str, Literal["higher", "lower"]] | None = None
    """Which way is better, per metric. A one-sided test reads each metric named here on its
    own good side (``greater`` where higher is better, ``less`` where lower is), so that a
    lower-is-better guardrail is judged on its upper bound; other metrics use
    ``alternative``. From a plan: its primary metric and guardrails."""


def _from_plan(plan: ExperimentPlan) -> dict[str, Any]:
    """The settings a plan fixes in advance."""
    values: dict[str, Any] = {
        "confidence": 1 - plan.alpha,
        "alternative": plan.alternative,
        "cuped": plan.cuped,
        "sequential": plan.sequential,
        "srm_threshold": plan.srm_threshold,
        "multiplicity": plan.multiplicity,
        "family": plan.effective_family(),
    }
    directions: dict[str, Literal["higher", "lower"]] = {
        g.metric: "higher" if g.higher_is_better else "lower" for g in plan.guardrails
    }
    if plan.alternative != "two-sided":
        directions[plan.primary_metric] = "lower" if plan.alternative == "less" else "higher"
    values["directions"] = directions
    if plan.tau:
        values["tau"] = plan.tau
    if plan.arms:
        values["control"] = plan.arms[0]
    if plan.planned_split:
        values["planned_split"] = dict(zip(plan.arms, plan.planned_split, strict=True))
    return values


def _given(name: str, value: Any) -> bool:
    """Whether the caller set ``name``: ``None`` never counts, nor an empty arm or method name."""
    if name in ("control", "alternative", "multiplicity"):
        return bool(value)
    return value is not None


def _normalised(name: str, value: Any) -> Any:
    """Sequences as tuples and mappings as dicts, so the settings are immutable values."""
    if name in ("metrics", "family", "planned_split") and not isinstance(value, (str, Mapping)):
        # Any iterable, a numpy array included, as readout has always accepted.
        return tuple(value) if isinstance(value, Iterable) else value
    if name in ("planned_split", "directions") and isinstance(value, Mapping):
        return dict(value)
    return value


def _check(values: dict[str, Any], function: str) -> None:
    """The checks with a sharper message than the model's own validation."""
    if "confidence" in values:
        check_probability(values["confidence"], "confidence", function)
    if "alternative" in values:
        check_choice(values["alternative"], "alternative", function, _ALTERNATIVES)
    for direction in (values.get("directions") or {}).values():
        check_choice(direction, "directions", function, ("higher", "lower"))
    if "multiplicity" in values:
        check_choice(values["multiplicity"], "multiplicity", function, _MULTIPLICITIES)
    if "srm_threshold" in values:
        check_probability(values["srm_threshold"], "srm_threshold", function)
    if "tau" in values:
        check_number(values["tau"], "tau", function, low=0, low_open=True)
    if "winsorize" in values:
        check_number(
            values["winsorize"],
            "winsorize",
            function,
            low=0.5,
            high=1,
            low_open=True,
            high_open=True,
        )


def readout_settings(
    plan: ExperimentPlan | None = None, *, function: str = "readout", **overrides: Any
) -> ReadoutSettings:
    """The settings of a readout: each explicit override, else the plan's value, else the default.

    ``overrides`` are :class:`ReadoutSettings` fields; ``None`` (and an empty ``control``,
    ``alternative`` or ``multiplicity``) means "not given". From the plan come the confidence
    (``1 − alpha``), sidedness, CUPED, sequential monitoring and its ``tau`` (when set), the
    sample-ratio threshold, the multiplicity method and family, the control arm (the first) and
    the planned split. ``function`` names the public function in error messages.
    """
    unknown = sorted(set(overrides) - set(ReadoutSettings.model_fields))
    if unknown:
        raise ParameterError(unknown[0], function, "a ReadoutSettings field", overrides[unknown[0]])
    given = {k: _normalised(k, v) for k, v in overrides.items() if _given(k, v)}
    _check(given, function)
    values = (_from_plan(plan) if plan is not None else {}) | given
    if plan is not None and "directions" in given:
        # The caller's directions add to the plan's rather than erase them.
        values["directions"] = {**_from_plan(plan)["directions"], **given["directions"]}
    try:
        return ReadoutSettings(**values)
    except ValidationError as exc:
        error = exc.errors()[0]
        name = str(error["loc"][0])
        expected = str(error["msg"]).removeprefix("Input should be ")
        raise ParameterError(name, function, expected, values.get(name)) from None
