"""Suites: versioned evaluation sets, identified by their content digest."""

from __future__ import annotations

import math
import re
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from assay.core._digest import digest

__all__ = [
    "RESERVED_COLUMNS",
    "WITHHELD",
    "WITHHELD_COLUMNS",
    "Catalog",
    "Example",
    "MetricSpec",
    "SliceSpec",
    "Suite",
    "Task",
]

RESERVED_COLUMNS = frozenset(
    {
        "example_id",
        "cluster",
        "sample_index",
        "input",
        "reference",
        "output",
        "latency_ms",
        "tokens_in",
        "tokens_out",
        "cost",
        "error",
        "suite_digest",
        # results a comparison adds beside the suite's own metrics
        "latency_p50",
        "latency_p95",
        "latency_p99",
        "cost_per_example",
    }
)
"""Record columns whose meaning is fixed; no metric or slice may take these names."""

_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def _identifier(value: str, what: str) -> str:
    if not _IDENT.match(value):
        raise ValueError(
            f"a {what} name must be letters, digits and underscores, starting with a letter "
            f"(it becomes a column name). Got {value!r}"
        )
    if value in RESERVED_COLUMNS:
        raise ValueError(f"{value!r} is a reserved record column and cannot name a {what}")
    return value


class MetricSpec(BaseModel):
    """A metric the suite scores: one float column per metric in every run's records."""

    model_config = ConfigDict(frozen=True, extra="forbid", use_attribute_docstrings=True)

    name: str
    """Column name of the per-example score, e.g. ``"accuracy"``."""
    goal: Literal["higher", "lower"] = "higher"
    """Whether higher or lower values are better."""
    aggregate: str = "mean"
    """How per-example scores combine into the metric: ``"mean"`` or a named metric definition."""
    scorer: str | None = None
    """Per-example scorer a runner applies to (output, reference), e.g. ``"exact_match"``."""
    scorer_params: dict[str, Any] = Field(default_factory=dict)
    """Keyword settings of the scorer, e.g. ``{"pattern": "answer: (\\w+)"}`` for ``"regex"``."""
    description: str = ""
    """What the metric measures, in words."""
    margin: float | None = None
    """Largest worsening that does not matter, in the metric's units (0.5 BLEU): the
    non-inferiority margin of a policy rule that states none (the default policy's)."""
    relative_margin: float | None = None
    """The same as a share of the baseline's estimate, in (0, 1) (0.02 = 2%); not with
    ``margin``."""

    @field_validator("name")
    @classmethod
    def _name(cls, v: str) -> str:
        return _identifier(v, "metric")

    @model_validator(mode="after")
    def _margins(self) -> MetricSpec:
        m, r = self.margin, self.relative_margin
        if m is not None and r is not None:
            raise ValueError(f"metric {self.name!r}: give 'margin' or 'relative_margin', not both")
        if m is not None and not (math.isfinite(m) and m > 0.0):
            raise ValueError(
                f"metric {self.name!r}: 'margin' must be a positive number in the metric's "
                f"units. Got {m!r}"
            )
        if r is not None and not 0.0 < r < 1.0:
            raise ValueError(
                f"metric {self.name!r}: 'relative_margin' must be a float in (0, 1). Got {r!r}"
            )
        return self


def _metric_identity(metric: MetricSpec) -> dict[str, Any]:
    # A metric without scorer settings or margins digests as it did before they existed, so
    # suites registered earlier keep their identity.
    out = metric.model_dump()
    for key in ("scorer_params", "margin", "relative_margin"):
        if out[key] in (None, {}):
            del out[key]
    return out


class SliceSpec(BaseModel):
    """A slice attribute: every example has a value, and each value is a slice."""

    model_config = ConfigDict(frozen=True, extra="forbid", use_attribute_docstrings=True)

    name: str
    """Attribute (column) name, e.g. ``"age_band"``."""
    description: str = ""
    """What the attribute is and how its values were assigned."""

    @field_validator("name")
    @classmethod
    def _name(cls, v: str) -> str:
        return _identifier(v, "slice")


def _no_limits() -> list[str]:
    # A function, not ``list``: pydantic reads a default factory's signature, and a builtin's
    # text signature costs its first reader a compile of the tokenizer's patterns (1.5 ms of
    # every process that loads the suite's models).
    return []


class Catalog(BaseModel):
    """Facts about a suite for the people who choose it; not part of its identity."""

    model_config = ConfigDict(frozen=True, extra="forbid", use_attribute_docstrings=True)

    purpose: str = ""
    """What decision the suite informs."""
    coverage: str = ""
    """What population, languages, tasks or time range the examples cover."""
    known_limits: list[str] = Field(default_factory=_no_limits)
    """Known gaps and biases of the examples."""
    owner: str = ""
    """Who answers questions about the suite."""
    source: str = ""
    """Where the examples come from, with licence and attribution."""
    unsafe_text: bool = False
    """The examples hold harmful text by design (a red-team suite): comparisons and reports
    show their ids, slices and statistics, and withhold input and output text unless asked."""


WITHHELD = "[text withheld: red-team suite; --show-unsafe-text shows it]"
"""What stands in place of a red-team suite's text (``Catalog.unsafe_text``) wherever it is
withheld: examples, records, flips."""
WITHHELD_COLUMNS = ("input", "reference", "output", "error")
"""The example and record columns that can hold a suite's or a model's text: the error message
too, since an adapter's error can quote the prompt. A withheld value stays non-null."""


class Task(BaseModel):
    """How a runner turns an example into a model call (optional)."""

    model_config = ConfigDict(frozen=True, extra="forbid", use_attribute_docstrings=True)

    prompt_template: str | None = None
    """A Jinja template over the example's fields, for generative models."""
    parameters: dict[str, Any] = Field(default_factory=dict)
    """Decoding or prediction settings the task fixes."""


class Example(BaseModel):
    """One item of a suite."""

    model_config = ConfigDict(frozen=True, extra="forbid", use_attribute_docstrings=True)

    example_id: str
    """Stable identifier; records are paired across runs by it."""
    cluster: str | None = None
    """Items sharing a cluster are not independent (e.g. questions on one passage)."""
    slices: dict[str, str] = Field(default_factory=dict)
    """Slice attribute values of this example."""
    input: Any = None
    """What the model sees (text, a feature mapping, ...); JSON-serialisable."""
    reference: Any = None
    """The expected answer, label or target; JSON-serialisable."""

    @field_validator("example_id")
    @classmethod
    def _id(cls, v: str) -> str:
        if not v or v != v.strip():
            raise ValueError(f"example_id must be non-empty without surrounding spaces. Got {v!r}")
        return v


class Suite(BaseModel):
    """A versioned evaluation set. Its identity is :attr:`digest`, not its name.

    The examples themselves live in a table beside this definition (``assay.data``);
    ``examples_digest`` binds them to it.
    """

    model_config = ConfigDict(frozen=True, extra="forbid", use_attribute_docstrings=True)

    name: str
    """Human name, e.g. ``"adult-income"``; several versions may share it."""
    version: str = ""
    """Human version label; informative only."""
    description: str = ""
    """What the suite evaluates."""
    catalog: Catalog = Field(default_factory=Catalog)
    """Purpose, coverage, known limits, owner, source."""
    metrics: tuple[MetricSpec, ...]
    """Metrics scored on every example."""
    slices: tuple[SliceSpec, ...] = ()
    """Slice attributes every example carries."""
    task: Task | None = None
    """How runners call a model on an example, when the suite defines it."""
    examples_digest: str
    """Digest of the examples table (ids, clusters, slices, inputs, references)."""
    n_examples: int
    """Number of examples."""

    @model_validator(mode="after")
    def _unique_names(self) -> Suite:
        names = [m.name for m in self.metrics] + [s.name for s in self.slices]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise ValueError(f"metric and slice names must be unique; repeated: {dupes}")
        if not self.metrics:
            raise ValueError("a suite declares at least one metric")
        return self

    @property
    def digest(self) -> str:
        """Content digest over everything that changes what a run on this suite means."""
        return digest(
            {
                "metrics": [_metric_identity(m) for m in self.metrics],
                "slices": [s.name for s in self.slices],
                "task": self.task.model_dump() if self.task else None,
                "examples": self.examples_digest,
            }
        )

    @property
    def metric_names(self) -> list[str]:
        """Names of the metrics, in declaration order."""
        return [m.name for m in self.metrics]

    @property
    def slice_names(self) -> list[str]:
        """Names of the slice attributes, in declaration order."""
        return [s.name for s in self.slices]

    def metric(self, name: str) -> MetricSpec:
        """The metric called ``name``."""
        for m in self.metrics:
            if m.name == name:
                return m
        raise KeyError(name)
