"""An MLflow run with the per-example table ``mlflow.evaluate`` logged, read into assay's terms.

``mlflow.evaluate`` logs ``eval_results_table.json`` (pandas' ``split`` layout: ``columns`` and
``data``): the evaluation data's columns, the target (``target`` or the name given), the
model's output (``outputs`` or the predictions column), one ``<metric>/score`` column per metric
scored per row, and ``<metric>/justification`` for judged metrics. This reader turns it into a
suite (the data's columns; the same data gives the same suite and example ids, so two MLflow
runs on it pair) and records, and the run's params, metrics and tags into the model reference
and provenance. The HTTP side lives in :mod:`assay.workflows`; this module parses only.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping, Sequence
from typing import Any

from assay._util import check_instance, load_json
from assay.core import MetricSpec, ModelRef
from assay.errors import DataError
from assay.importers._common import (
    HarnessImport,
    as_float,
    build_records,
    build_suite,
    choose_slices,
    metric_name,
    model_name,
)
from assay.importers._mlflow_table import score_columns, table_rows, token_count

__all__ = ["EVAL_TABLE", "evaluation_tables", "read_mlflow_run", "run_entries"]

EVAL_TABLE = "eval_results_table.json"
"""The artifact ``mlflow.evaluate`` writes its per-example table to."""
_OUTPUTS = ("outputs", "predictions", "prediction", "output")
_REFERENCES = ("target", "targets", "ground_truth", "label", "reference")
_INPUTS = ("inputs", "input", "question", "prompt", "text")
_SOURCE = "an MLflow evaluation table"
_VERSION = re.compile(r"[^A-Za-z0-9._\-]+")


def evaluation_tables(tags: Mapping[str, str]) -> list[str]:
    """The table artifacts a run's ``mlflow.loggedArtifacts`` tag lists (``eval_results_table
    .json`` files first)."""
    check_instance(tags, "tags", "evaluation_tables", Mapping, "a mapping of tag names to values")
    try:
        logged = load_json(
            tags.get("mlflow.loggedArtifacts", "[]"), source="tag", max_bytes=1 << 20
        )
    except DataError:
        return []
    paths = (
        [
            str(a["path"])
            for a in logged
            if isinstance(a, dict) and a.get("type") == "table" and isinstance(a.get("path"), str)
        ]
        if isinstance(logged, list)
        else []
    )
    return sorted(paths, key=lambda p: (not p.endswith(EVAL_TABLE), p))


def run_entries(data: Any, name: str, source: str) -> dict[str, Any]:
    """The ``params``, ``metrics`` or ``tags`` of a run's ``data`` (lists of ``key``/``value``
    objects) as a mapping; anything else is a DataError naming the run."""
    if not isinstance(data, dict):
        raise DataError(
            "unexpected MLflow run",
            file=source,
            column="data",
            expected="an object",
            found=type(data).__name__,
        )
    items = data.get(name) or []
    if not isinstance(items, list) or not all(
        isinstance(i, dict) and isinstance(i.get("key"), str) for i in items
    ):
        raise DataError(
            "unexpected MLflow run",
            file=source,
            column=f"data.{name}",
            expected="a list of {key, value} objects",
            found=str(items)[:60],
        )
    return {i["key"]: i.get("value") for i in items}


def _first(columns: Sequence[str], names: Sequence[str], chosen: str | None) -> str | None:
    if chosen is not None:
        return chosen if chosen in columns else None
    return next((c for c in names if c in columns), None)


def _text(value: Any) -> str | None:
    if value is None or isinstance(value, str):
        return value
    return json.dumps(value, sort_keys=True, default=str)


def read_mlflow_run(
    run: Mapping[str, Any],
    table: Any,
    *,
    tracking_uri: str,
    table_name: str = EVAL_TABLE,
    output_column: str | None = None,
    reference_column: str | None = None,
) -> HarnessImport:
    """An MLflow run (the ``run`` object of ``runs/get``) and its parsed evaluation table as a
    suite and records. The model is the run's ``model`` param or its name; the run's params,
    metrics (as MLflow computed them) and tags go into the provenance."""
    check_instance(run, "run", "read_mlflow_run", Mapping, "the run object of runs/get")
    check_instance(tracking_uri, "tracking_uri", "read_mlflow_run", str, "the server's URL")
    info, data = run.get("info"), run.get("data") or {}
    if not isinstance(info, dict) or not isinstance(info.get("run_id"), str):
        raise DataError("not an MLflow run", file=tracking_uri, expected="run.info.run_id")
    run_id = info["run_id"]
    source = f"{tracking_uri} run {run_id} {table_name}"
    params = run_entries(data, "params", source)
    metrics = run_entries(data, "metrics", source)
    tags = {k: str(v) for k, v in run_entries(data, "tags", source).items()}
    columns, rows = table_rows(table, source)
    scores = score_columns(columns, source)
    if not scores:
        raise DataError(
            "the table has no per-example scores",
            file=source,
            expected="<metric>/score columns, as mlflow.evaluate writes",
            found=f"columns {columns[:10]}",
        )
    output = _first(columns, _OUTPUTS, output_column)
    reference = _first(columns, _REFERENCES, reference_column)
    skipped = set(scores) | {c for c in columns if c.endswith("/justification")}
    skipped |= {c for c in (output, reference, "latency", "token_count") if c}
    features = [c for c in columns if c not in skipped]
    text_input = next((c for c in _INPUTS if c in features), None)
    seen: dict[str, int] = {}
    records: list[dict[str, Any]] = []
    examples, attributes = [], {}
    for row in rows:
        values = dict(zip(columns, row, strict=True))
        key = json.dumps(
            [values[c] for c in features] + [values.get(reference or "")],
            sort_keys=True,
            default=str,
        )
        digest = hashlib.sha256(key.encode()).hexdigest()[:16]
        seen[digest] = seen.get(digest, 0) + 1
        example_id = digest if seen[digest] == 1 else f"{digest}-{seen[digest]}"
        inputs = {c: values[c] for c in features}
        examples.append(
            {
                "example_id": example_id,
                "input": _text(values[text_input]) if text_input else _text(inputs),
                "reference": _text(values.get(reference)) if reference else None,
            }
        )
        attributes[example_id] = {c: v for c, v in inputs.items() if c != text_input}
        latency = as_float(values.get("latency"))
        records.append(
            {
                "example_id": example_id,
                "output": _text(values.get(output)) if output else None,
                "scores": {name: as_float(values[c]) for c, name in scores.items()},
                "latency_ms": None if latency is None else latency * 1000.0,
                "tokens_out": token_count(values.get("token_count"), source, len(records)),
            }
        )
    metric_names = list(dict.fromkeys(scores.values()))
    slices = choose_slices(attributes, None, None, metric_names, source)
    suite = build_suite(
        str(tags.get("mlflow.runName") or info.get("run_name") or "mlflow-evaluation"),
        examples,
        slices,
        [MetricSpec(name=m) for m in metric_names],
        version="",
        description=f"Examples of {_SOURCE}.",
        source=_SOURCE,
    )
    model = model_name(
        str(
            params.get("model")
            or params.get("model_name")
            or info.get("run_name")
            or "mlflow-model"
        )
    )
    version = _VERSION.sub("-", str(params.get("model_version") or run_id)).strip("-")
    return HarnessImport(
        harness="mlflow",
        source=source,
        suite=suite,
        records=build_records(records, metric_names),
        model=ModelRef(name=model, version=version or run_id),
        provenance={
            "mlflow": {
                "tracking_uri": tracking_uri,
                "run_id": run_id,
                "experiment_id": info.get("experiment_id"),
                "run_name": info.get("run_name"),
                "table": table_name,
                "params": params,
                "metrics": metrics,
                "tags": {k: v for k, v in tags.items() if not k.startswith("mlflow.log")},
            },
            "reported_metrics": {
                metric_name(k.removesuffix("/mean")): float(v)
                for k, v in metrics.items()
                if k.endswith("/mean")
                and metric_name(k.removesuffix("/mean")) in metric_names
                and isinstance(v, int | float)
            },
        },
        reported={},
        tags={"source": "mlflow", "mlflow_run": run_id},
    )
