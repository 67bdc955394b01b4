"""What an export to MLflow holds: metrics, params, tags and artifacts of a run, a comparison or
a decision, under the keys docs/mlflow.md describes."""

from __future__ import annotations

import hashlib
import math
import re
from dataclasses import dataclass, field

from assay.core import Comparison
from assay.storage import RemoteStore, Store

__all__ = ["Payload", "comparison_payload", "decision_payload", "link", "run_payload"]

# MLflow's own check of metric, param and tag names: ^[/\w.\- :]*$ (\w is Unicode), at most
# 250 characters.
_KEY = re.compile(r"[^\w\-. :/]+")
_MAX_KEY = 250
_DIGEST = 12


def _key(*parts: str) -> str:
    """An MLflow key for ``parts``: unchanged when MLflow accepts it; otherwise the characters
    it refuses become ``_``, the key is cut to fit, and ``_`` plus the first 12 hex digits of
    the SHA-256 of the original parts ends it, so two different originals never share a key."""
    key = "/".join(_KEY.sub("_", p).strip() or "_" for p in parts)
    if key == "/".join(parts) and len(key) <= _MAX_KEY:
        return key
    digest = hashlib.sha256("\x00".join(parts).encode("utf-8", "surrogatepass")).hexdigest()
    return f"{key[: _MAX_KEY - _DIGEST - 1].rstrip()}_{digest[:_DIGEST]}"


def _finite(value: float | None) -> bool:
    return value is not None and math.isfinite(value)


def _comparison_metrics(comparison: Comparison) -> dict[str, float]:
    out: dict[str, float] = {}
    for r in comparison.results:
        where = "all" if r.slice_attribute is None else f"{r.slice_attribute}:{r.slice_value}"
        values: dict[str, float | None] = {"n": float(r.n), "p_value": r.p_value}
        if r.p_adjusted is not None:
            values["p_adjusted"] = r.p_adjusted
        for role, interval in (
            ("baseline", r.baseline),
            ("candidate", r.candidate),
            ("difference", r.difference),
        ):
            values[role] = interval.estimate
            values[f"{role}_low"] = interval.low
            values[f"{role}_high"] = interval.high
        for name, value in values.items():
            if _finite(value):
                out[_key(r.metric, where, name)] = float(value)  # type: ignore[arg-type]
    return out


@dataclass
class Payload:
    """One MLflow run's content."""

    name: str
    metrics: dict[str, float] = field(default_factory=dict)
    params: dict[str, str] = field(default_factory=dict)
    tags: dict[str, str] = field(default_factory=dict)
    artifacts: dict[str, tuple[bytes, str]] = field(default_factory=dict)


def run_payload(store: Store, ref: str) -> Payload:
    run = store.runs.get(ref)
    payload = Payload(name=f"{run.model.name}@{run.model.version} on {run.suite_name}")
    for name, m in run.metrics.items():
        for suffix, value in (("", m.estimate), ("_low", m.low), ("_high", m.high)):
            if _finite(value):
                payload.metrics[_key(name + suffix)] = value
    payload.metrics.update(
        {"n_records": run.n_records, "n_examples": run.n_examples, "n_errors": run.n_errors}
    )
    payload.params = {_key(k): str(v) for k, v in run.params.items()}
    payload.params.update({_key("model", k): str(v) for k, v in run.model.parameters.items()})
    payload.tags = {
        "assay.kind": "run",
        "assay.run_id": run.run_id,
        "assay.model": f"{run.model.name}@{run.model.version}",
        "assay.suite": run.suite_name,
        "assay.suite_digest": run.suite_digest,
        **{f"assay.tag.{_key(k)}": v for k, v in run.tags.items()},
    }
    return payload


def comparison_payload(comparison: Comparison) -> Payload:
    from assay.reports import render_html, render_markdown

    payload = Payload(
        name=f"{comparison.candidate_model} vs {comparison.baseline_model} "
        f"on {comparison.suite_name}"
    )
    payload.metrics = _comparison_metrics(comparison)
    payload.tags = {
        "assay.kind": "comparison",
        "assay.baseline_run": comparison.baseline_run,
        "assay.candidate_run": comparison.candidate_run,
        "assay.baseline_model": comparison.baseline_model,
        "assay.candidate_model": comparison.candidate_model,
        "assay.suite": comparison.suite_name,
        "assay.suite_digest": comparison.suite_digest,
        "assay.confidence": f"{comparison.confidence:g}",
    }
    payload.artifacts = {
        "assay/report.html": (render_html(comparison, None).encode(), "text/html"),
        "assay/report.md": (render_markdown(comparison, None).encode(), "text/markdown"),
    }
    return payload


_DECISION_FILES = {
    "report_html": ("assay/report.html", "text/html"),
    "report_md": ("assay/report.md", "text/markdown"),
    "memo": ("assay/memo.md", "text/markdown"),
    "verdict": ("assay/verdict.json", "application/json"),
    "policy": ("assay/policy.yaml", "application/yaml"),
    "comparison": ("assay/comparison.json", "application/json"),
}


def decision_payload(store: Store, ref: str) -> Payload:
    decision = store.decisions.get(ref)
    comparison = Comparison.model_validate_json(
        store.artifacts.get(decision.artifacts["comparison"])
    )
    payload = Payload(name=decision.title, metrics=_comparison_metrics(comparison))
    payload.tags = {
        "assay.kind": "decision",
        "assay.decision_id": decision.decision_id,
        "assay.verdict": decision.verdict.value,
        "assay.policy": decision.policy,
        "assay.policy_digest": decision.policy_digest,
        "assay.baseline_run": decision.baseline_run,
        "assay.candidate_run": decision.candidate_run,
        "assay.suite_digest": decision.suite_digest,
        "mlflow.note.content": decision.summary,
    }
    for role, digest in decision.artifacts.items():
        if role in _DECISION_FILES:
            name, media = _DECISION_FILES[role]
            payload.artifacts[name] = (store.artifacts.get(digest), media)
    return payload


def link(store: Store, kind: str, ref: str, payload: Payload) -> str:
    if isinstance(store, RemoteStore):
        if kind == "comparison":
            base, cand = payload.tags["assay.baseline_run"], payload.tags["assay.candidate_run"]
            return f"{store.url}/compare?baseline={base}&candidate={cand}"
        return f"{store.url}/{'runs' if kind == 'run' else 'decisions'}/{ref}"
    if kind == "comparison":
        base, cand = payload.tags["assay.baseline_run"], payload.tags["assay.candidate_run"]
        return f"assay compare {base} {cand} --db {store.url}"
    command = "runs show" if kind == "run" else "decisions show"
    return f"assay {command} {ref} --db {store.url}"
