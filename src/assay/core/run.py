"""Runs: one model evaluated on one suite version."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel, ConfigDict, Field

from assay.core._frames import runs_frame
from assay.core._html import html_for
from assay.core.manifest import Manifest
from assay.core.model import ModelRef

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["MetricSummary", "Run", "RunInfo", "RunList", "RunStatus"]

RunStatus = Literal["running", "complete"]


class MetricSummary(BaseModel):
    """A run's aggregate of one metric, with its interval and the method that produced it."""

    model_config = ConfigDict(frozen=True, extra="forbid", use_attribute_docstrings=True)

    estimate: float
    """The metric's value."""
    low: float
    """Lower bound of the interval."""
    high: float
    """Upper bound of the interval."""
    confidence: float = 0.95
    """Confidence level of the interval."""
    method: str
    """The interval method, e.g. ``"wilson"`` or ``"t (cluster-robust)"``."""
    n: int
    """Examples scored (repeated samples averaged per example first)."""
    n_clusters: int | None = None
    """Clusters, when the interval accounts for them."""
    n_missing: int = 0
    """Records with no score (errored or missing output)."""


class RunInfo(BaseModel):
    """A run's metadata without its manifest: what listings return.

    Its records live in a table beside it; both are immutable once complete.
    """

    model_config = ConfigDict(frozen=True, extra="forbid", use_attribute_docstrings=True)

    run_id: str
    """Unique identifier."""
    suite_name: str
    """Name of the suite evaluated."""
    suite_digest: str
    """Digest of the suite version evaluated."""
    model: ModelRef
    """The model and its parameters."""
    params: dict[str, str | int | float | bool | None] = Field(default_factory=dict)
    """Run parameters worth filtering on (learning rate, prompt variant, ...)."""
    tags: dict[str, str] = Field(default_factory=dict)
    """Free labels (``{"stage": "candidate"}``)."""
    status: RunStatus = "running"
    """``running`` until its records are stored, then ``complete`` and immutable."""
    created_at: datetime
    """When the run was recorded (UTC)."""
    content_digest: str = ""
    """Digest of suite, model and records: two runs with the same content are the same run."""
    n_records: int = 0
    """Number of records (rows), repeated samples included."""
    n_examples: int = 0
    """Number of distinct examples with records."""
    n_errors: int = 0
    """Records whose model call failed."""
    metrics: dict[str, MetricSummary] = Field(default_factory=dict)
    """Aggregate of every metric with its interval and method."""

    def _repr_html_(self) -> str | None:
        """A table in notebooks, by the renderer :mod:`assay.reports` registers."""
        return html_for(self)


class Run(RunInfo):
    """A run's metadata with its manifest."""

    manifest: Manifest
    """Everything needed to reproduce the run."""

    def info(self) -> RunInfo:
        """The run without its manifest."""
        return RunInfo.model_validate(self.model_dump(exclude={"manifest"}))


class RunList(list[RunInfo]):
    """What :func:`assay.list_runs` returns: a plain list of runs that also converts to a
    data frame and shows as a table in notebooks."""

    def to_pandas(self) -> pd.DataFrame:
        """One row per run: ``run_id``, ``model``, ``version``, ``suite``, ``suite_digest``,
        ``created`` (UTC), ``status``, ``records``, ``examples``, ``errors``, ``tags`` (a dict),
        then each metric's estimate and interval as ``<metric>``, ``<metric>_low`` and
        ``<metric>_high``."""
        return runs_frame(list(self))

    def _repr_html_(self) -> str | None:
        """A table in notebooks, by the renderer :mod:`assay.reports` registers."""
        return html_for(self)
