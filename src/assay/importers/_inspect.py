"""Inspect AI logs (``.eval`` and ``.json``, read by :mod:`._inspect_files`) as imports.

Samples become examples and records, scorers become metrics; a metric the log declares with
clustered standard errors (``stderr(cluster="group_id")``) makes that metadata field the
examples' cluster.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from assay.core import MetricSpec, ModelRef
from assay.errors import ConfigError, DataError
from assay.importers._common import (
    HarnessImport,
    as_float,
    build_records,
    build_suite,
    check_arguments,
    check_file,
    choose_cluster,
    choose_slices,
    file_sha256,
    metric_name,
    model_name,
)
from assay.importers._inspect_files import declared_clusters, load_json_log, read_eval_zip

__all__ = ["inspect_import", "read_inspect_log", "score_to_float"]

HARNESS = "inspect_ai"
_GRADES = {"C": 1.0, "P": 0.5, "I": 0.0, "N": 0.0, "yes": 1.0, "true": 1.0, "no": 0.0, "false": 0.0}


def score_to_float(value: Any) -> float | None:
    """A scalar score as Inspect's ``value_to_float`` maps it; ``None`` when it has no number.

    ``"C"`` (correct) 1, ``"P"`` (partial) 0.5, ``"I"`` (incorrect) and ``"N"`` (no answer) 0;
    ``yes``/``true`` 1 and ``no``/``false`` 0; booleans 0/1; numbers and numeric strings as
    they are.
    """
    if isinstance(value, str):
        if value in _GRADES:
            return _GRADES[value]
        lowered = value.strip().lower()
        if lowered in ("yes", "true", "no", "false"):
            return _GRADES[lowered]
        try:
            return as_float(float(lowered))
        except ValueError:
            return None
    return as_float(value)


def _text(value: Any) -> Any:
    """An input as plain text, or a list of ``{role, content}`` with text content."""
    if isinstance(value, str) or value is None:
        return value
    if isinstance(value, list):
        out = []
        for m in value:
            content = m.get("content") if isinstance(m, dict) else m
            if isinstance(content, list):
                content = "".join(c.get("text", "") for c in content if isinstance(c, dict))
            out.append({"role": m.get("role") if isinstance(m, dict) else None, "content": content})
        return out
    return value


def _usage(sample: dict[str, Any]) -> tuple[int | None, int | None]:
    usage = sample.get("model_usage") or {}
    if usage:
        return (
            sum(int(u.get("input_tokens") or 0) for u in usage.values()),
            sum(int(u.get("output_tokens") or 0) for u in usage.values()),
        )
    u = (sample.get("output") or {}).get("usage") or {}
    return u.get("input_tokens"), u.get("output_tokens")


def _scores(
    sample: dict[str, Any],
    names: dict[tuple[str, str | None], str],
    skipped: dict[str, str],
) -> dict[tuple[str, str | None], float | None]:
    """``{(scorer, key or None): value}`` of one sample; non-numeric values go to ``skipped``."""
    out: dict[tuple[str, str | None], float | None] = {}
    for scorer, score in (sample.get("scores") or {}).items():
        value = score.get("value") if isinstance(score, dict) else None
        parts: list[tuple[str | None, Any]] = (
            list(value.items()) if isinstance(value, dict) else [(None, value)]
        )
        for key, v in parts:
            number = score_to_float(v)
            if number is None and v is not None:
                skipped.setdefault(
                    scorer if key is None else f"{scorer}.{key}",
                    f"value {str(v)[:40]!r} (sample {sample.get('id')!r}) is not a number or grade",
                )
            names.setdefault((scorer, key), "")
            out[(scorer, key)] = number
    return out


def _metric_names(keys: list[tuple[str, str | None]]) -> dict[tuple[str, str | None], str]:
    """Inspect's own names: the scorer, or the key of a dict-valued score (``scorer__key`` when
    two scorers share a key)."""
    plain = [metric_name(k if k is not None else s) for s, k in keys]
    return {
        (s, k): metric_name(s, k) if k is not None and plain.count(name) > 1 else name
        for (s, k), name in zip(keys, plain, strict=True)
    }


def read_inspect_log(
    path: str | Path, *, slices: Sequence[str] | None = None, cluster: str | None = None
) -> HarnessImport:
    """Read an Inspect AI log (``.eval`` or ``.json``) into a :class:`HarnessImport`.

    Examples are samples by id; epochs are repeated samples (``sample_index = epoch - 1``).
    Every scorer is a metric (a dict-valued score is one metric per key), its values mapped as
    :func:`score_to_float` does; a sample that errored is a record with ``error`` and no
    scores. ``slices`` names sample metadata fields to slice by (default: every scalar field
    that is not an id or the cluster). ``cluster`` names the sample metadata field whose
    samples are not independent (questions on one passage); by default it is the field the
    log's metrics cluster their standard errors by (``stderr(cluster="group_id")``), if any.
    """
    check_arguments(path, slices, "read_inspect_log", cluster)
    p = check_file(path)
    with p.open("rb") as fh:
        is_zip = fh.read(4) == b"PK\x03\x04" or p.suffix.lower() == ".eval"
    log = read_eval_zip(p) if is_zip else load_json_log(p)
    return inspect_import(p, log, slices, cluster)


def inspect_import(
    p: Path, log: dict[str, Any], slices: Sequence[str] | None, cluster: str | None = None
) -> HarnessImport:
    """The import of a log already read into a mapping (see :func:`read_inspect_log`)."""
    for s in log["samples"]:
        if s.get("id") is None or not isinstance(s.get("epoch", 1), int):
            raise DataError(
                "a sample has no id or a bad epoch",
                file=str(p),
                found=str(s["_member"]),
                expected="an id and an integer epoch",
            )
    samples = sorted(log["samples"], key=lambda s: (str(s["id"]), int(s.get("epoch") or 1)))
    if not samples:
        raise DataError(
            "the log has no samples", file=str(p), expected="a log written with samples"
        )
    seen: set[tuple[str, int]] = set()
    keys: dict[tuple[str, str | None], str] = {}
    skipped: dict[str, str] = {}
    parsed = []
    for s in samples:
        ex_id, epoch = str(s["id"]), int(s.get("epoch") or 1)
        if (ex_id, epoch) in seen:
            raise DataError(
                f"sample {ex_id!r} epoch {epoch} appears twice", file=str(p), found=s["_member"]
            )
        seen.add((ex_id, epoch))
        parsed.append((s, _scores(s, keys, skipped)))
    usable = [k for k in keys if (k[0] if k[1] is None else f"{k[0]}.{k[1]}") not in skipped]
    names = _metric_names(usable)
    examples: dict[str, dict[str, Any]] = {}
    attributes: dict[str, dict[str, Any]] = {}
    rows = []
    for s, scores in parsed:
        try:
            row = _row(s, scores, usable, names, examples, attributes)
        except (TypeError, AttributeError, ValueError) as exc:
            raise DataError(
                f"a sample has a field of the wrong type: {exc}",
                file=str(p),
                found=str(s["_member"]),
                expected="an Inspect AI EvalSample",
            ) from exc
        rows.append(row)
    if not names:
        raise DataError(
            "no scores to import",
            file=str(p),
            expected="samples with numeric or C/I/P/N score values",
            found="; ".join(f"{k}: {v}" for k, v in skipped.items()) or "no scores",
        )
    grouping = _cluster(log, p, cluster)
    return _assemble(
        log, p, list(examples.values()), attributes, rows, names, skipped, (slices, grouping)
    )


def _cluster(log: dict[str, Any], path: Path, requested: str | None) -> tuple[str | None, str]:
    """The cluster field and where it came from: the caller, or the log's own metrics."""
    if requested is not None:
        return requested, "requested"
    declared = declared_clusters(log)
    if len(declared) > 1:
        raise ConfigError(
            f"{path}: the log's metrics cluster by different fields {declared}; "
            "name the one to use (cluster=..., or --cluster on the command line)"
        )
    if declared:
        return declared[0], "declared by the log's stderr(cluster=...) metric"
    return None, "none"


def _row(
    s: dict[str, Any],
    scores: Mapping[Any, float | None],
    usable: list[Any],
    names: Mapping[Any, str],
    examples: dict[str, dict[str, Any]],
    attributes: dict[str, dict[str, Any]],
) -> dict[str, Any]:
    """One record from one sample; registers the sample's example on first sight."""
    ex_id = str(s["id"])
    if ex_id not in examples:
        examples[ex_id] = {
            "example_id": ex_id,
            "input": _text(s.get("input")),
            "reference": s.get("target"),
        }
        attributes[ex_id] = dict(s.get("metadata") or {})
    error = (
        (s.get("error") or {}).get("message")
        if isinstance(s.get("error"), dict)
        else s.get("error")
    )
    values = {names[k]: scores.get(k) for k in usable}
    if not error and any(v is None for v in values.values()):
        error = "unscored: " + ", ".join(n for n, v in values.items() if v is None)
    output = (s.get("output") or {}).get("completion")
    tokens_in, tokens_out = _usage(s)
    total = as_float(s.get("total_time"))
    return {
        "example_id": ex_id,
        "sample_index": int(s.get("epoch") or 1) - 1,
        "output": None if error and not output else output,
        "error": error or None,
        "scores": values,
        "tokens_in": tokens_in,
        "tokens_out": tokens_out,
        "latency_ms": None if total is None else total * 1000.0,
    }


def _assemble(
    log: dict[str, Any],
    path: Path,
    examples: list[dict[str, Any]],
    attributes: dict[str, dict[str, Any]],
    rows: list[dict[str, Any]],
    names: dict[tuple[str, str | None], str],
    skipped: dict[str, str],
    grouping: tuple[Sequence[str] | None, tuple[str | None, str]],
) -> HarnessImport:
    ev = log["eval"]
    slices, (cluster, cluster_source) = grouping
    clusters = choose_cluster(attributes, cluster, str(path))
    metric_names = list(names.values())
    specs = [
        MetricSpec(name=n, description=f"inspect scorer {s}" + (f", key {k}" if k else ""))
        for (s, k), n in names.items()
    ]
    chosen = choose_slices(attributes, slices, None, metric_names, str(path), cluster)
    task = str(ev.get("task") or path.stem)
    suite = build_suite(
        task,
        examples,
        chosen,
        specs,
        version=str(ev.get("task_version", "")),
        description=f"{task}, imported from an Inspect AI log",
        source=str(path),
        clusters=clusters,
    )
    params: dict[str, Any] = dict(ev.get("model_generate_config") or {})
    if ev.get("model_args"):
        params["model_args"] = ev["model_args"]
    model = ModelRef(name=model_name(str(ev.get("model") or "unknown-model")), parameters=params)
    reported: dict[str, float] = {}
    by_name: dict[str, Any] = {}
    for score in (log.get("results") or {}).get("scores") or []:
        metrics = {m: v.get("value") for m, v in (score.get("metrics") or {}).items()}
        by_name[str(score.get("name"))] = metrics
        mean = as_float(next((metrics[m] for m in ("accuracy", "mean") if m in metrics), None))
        target = next((n for (s, k), n in names.items() if (k or s) == score.get("name")), None)
        if target is not None and mean is not None:
            reported[target] = mean
    stats = log.get("stats") or {}
    facts: dict[str, Any] = {
        "harness": HARNESS,
        "harness_version": (ev.get("packages") or {}).get("inspect_ai"),
        "log_version": log.get("version"),
        "status": log.get("status"),
        "git": ev.get("revision"),
        "task": task,
        "task_version": ev.get("task_version"),
        "task_file": ev.get("task_file"),
        "task_args": ev.get("task_args"),
        "dataset": ev.get("dataset"),
        "config": ev.get("config"),
        "plan": log.get("plan"),
        "scorers": ev.get("scorers"),
        "created": ev.get("created"),
        "started_at": stats.get("started_at"),
        "completed_at": stats.get("completed_at"),
        "model_usage": stats.get("model_usage"),
        "source_sha256": {path.name: file_sha256(path)},
        "metric_map": {n: s if k is None else f"{s}.{k}" for (s, k), n in names.items()},
        "skipped_metrics": skipped,
        "cluster": {"field": cluster, "source": cluster_source} if cluster else None,
        "reported": by_name,
        "reported_metrics": reported,
    }
    provenance = {k: v for k, v in facts.items() if v not in (None, {}, [])}
    records = build_records(rows, metric_names)
    tags = {"harness": HARNESS, "task": task}
    return HarnessImport(HARNESS, str(path), suite, records, model, provenance, reported, tags)
