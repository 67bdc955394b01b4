"""Reading lm-evaluation-harness sample logs (``lm_eval --log_samples``) without lm_eval.

``--log_samples`` writes ``samples_<task>_<date>.jsonl`` beside ``results_<date>.json``. Each
sample line has ``doc_id``, ``doc``, ``target``, ``arguments``, ``resps``, ``filtered_resps``,
``filter``, ``metrics`` and one key per metric. A document scored under several filters (gsm8k's
``strict-match`` and ``flexible-extract``) has one line per filter: the filter becomes part of
the metric name (``exact_match__strict_match``), so the example stays one example and runs
still pair by it. The results file, when it is beside the samples, adds the model, versions,
configuration, aggregation and direction of each metric; without it the import still works.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from assay.core import MetricSpec, ModelRef
from assay.errors import DataError
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
    model_name,
    read_json_object,
)
from assay.importers._lmeval_corpus import (
    CORPUS_AGGREGATIONS,
    CORPUS_METRICS,
    apply_pieces,
    corpus_problem,
    shared_pieces,
)
from assay.importers._lmeval_samples import TaskSamples, parse_task
from assay.metrics import get_metric

__all__ = ["DEFAULT_DOC_SLICES", "read_lm_eval_samples"]

HARNESS = "lm-evaluation-harness"
_DATE = r"(?P<date>\d{4}-\d{2}-\d{2}T[0-9.\-]+)"
_SAMPLES = re.compile(rf"^samples_(?P<task>.+)_{_DATE}\.jsonl$")
_RESULTS = re.compile(rf"^results_{_DATE}\.json$")
# lm-eval's default aggregation of these is not a mean of the per-sample values
_NOT_MEAN = {
    "perplexity",
    "word_perplexity",
    "byte_perplexity",
    "bits_per_byte",
    "f1",
    "mcc",
    "bleu",
    "chrf",
    "ter",
    "brier_score",
}
DEFAULT_DOC_SLICES = (
    "task",
    "subject",
    "category",
    "subcategory",
    "subset",
    "domain",
    "topic",
    "type",
    "level",
    "difficulty",
    "language",
    "lang",
)
"""Document fields used as slices when present (``task`` only when a log has several tasks)."""


def _load_results(path: Path) -> dict[str, Any]:
    return read_json_object(path, "results", "an lm-evaluation-harness results file")


def _samples_files(results_path: Path, results: dict[str, Any]) -> list[tuple[str, Path]]:
    match = _RESULTS.match(results_path.name)
    date = match.group("date") if match else None
    files = []
    folder = results_path.parent
    for task in results["results"]:
        if date is not None:  # the samples of this run carry the results file's date
            candidates = [folder / f"samples_{task}_{date}.jsonl"]
        else:  # a renamed results file: a task's samples file only when there is one
            candidates = [
                f
                for f in folder.glob("samples_*.jsonl")
                if (m := _SAMPLES.match(f.name)) and m.group("task") == task
            ]
            candidates = candidates if len(candidates) == 1 else []
        files += [(task, f) for f in candidates if f.is_file()]
    if not files:
        raise DataError(
            "no samples files beside the results file",
            file=str(results_path),
            expected="samples_<task>_<date>.jsonl files (run lm_eval with --log_samples)",
            found=f"tasks {sorted(results['results'])[:8]} without samples",
        )
    return files


def _results_beside(samples_path: Path) -> Path | None:
    match = _SAMPLES.match(samples_path.name)
    if match is None:
        return None
    candidate = samples_path.parent / f"results_{match.group('date')}.json"
    return candidate if candidate.is_file() else None


def _model(results: dict[str, Any] | None) -> ModelRef:
    if results is None:
        return ModelRef(name="unknown-model")
    config = results.get("config") or {}
    args = config.get("model_args") or {}
    if isinstance(args, str):
        args = dict(kv.split("=", 1) for kv in args.split(",") if "=" in kv)
    gguf, pretrained = args.get("gguf_file"), args.get("pretrained")
    if gguf:
        name = Path(str(gguf)).stem
    elif pretrained:
        name = (
            Path(str(pretrained)).name
            if str(pretrained).startswith(("/", ".", "~"))
            else str(pretrained)
        )
    else:
        name = str(results.get("model_name") or config.get("model") or "unknown-model")
    version = config.get("model_sha") or config.get("model_revision") or "unversioned"
    params: dict[str, Any] = {"backend": config.get("model"), "model_args": args}
    if config.get("gen_kwargs"):
        params["gen_kwargs"] = config["gen_kwargs"]
    return ModelRef(name=model_name(name), version=str(version), parameters=params)


def _metric_specs(
    parsed: TaskSamples, results: dict[str, Any] | None, skipped: dict[str, str]
) -> list[MetricSpec]:
    """The metrics of a task that are means of per-sample numbers, or corpus metrics whose
    pieces each sample holds (:mod:`assay.importers._lmeval_corpus`); the others go to
    ``skipped``."""
    config = ((results or {}).get("configs") or {}).get(parsed.task) or {}
    aggregation = {
        m.get("metric"): m.get("aggregation")
        for m in config.get("metric_list") or []
        if isinstance(m, dict)
    }
    better = ((results or {}).get("higher_is_better") or {}).get(parsed.task) or {}
    specs = []
    for name, (metric, filt) in parsed.metrics.items():
        key = f"{metric},{filt}"
        agg = aggregation.get(metric)
        goal = "lower" if better.get(metric) is False else "higher"
        corpus = metric in CORPUS_METRICS
        if corpus:  # a corpus metric keeps its own direction (TER: lower is better)
            goal = get_metric(CORPUS_METRICS[metric]).direction
        if (
            corpus
            and agg in (None, *CORPUS_AGGREGATIONS.get(metric, ()))
            and name in parsed.non_numeric
        ):
            problem = corpus_problem(parsed, name)
            if problem is not None:
                skipped[key] = problem
                continue
            what = f"lm-eval {key}, a corpus metric recomputed from each sample's pieces"
            specs.append(
                MetricSpec(name=name, goal=goal, aggregate=CORPUS_METRICS[metric], description=what)
            )
        elif name in parsed.non_numeric:
            skipped[key] = f"per-sample values are not numbers (e.g. {parsed.non_numeric[name]})"
        elif isinstance(agg, str) and agg != "mean":
            skipped[key] = f"the tool aggregates it as {agg!r}, not as a mean of per-sample values"
        elif results is None and metric in _NOT_MEAN:
            skipped[key] = "lm-evaluation-harness aggregates it as a corpus metric, not a mean"
        else:
            specs.append(MetricSpec(name=name, goal=goal, description=f"lm-eval {key}"))
    return specs


def _check_complete(parsed: TaskSamples, specs: list[MetricSpec], first: list[MetricSpec]) -> None:
    names = [s.name for s in specs]
    if names != [s.name for s in first]:
        raise DataError(
            f"task {parsed.task!r} scores other metrics than the tasks before it; "
            "import its samples file on its own",
            file=str(parsed.file),
            expected=f"metrics {[s.name for s in first]}",
            found=f"metrics {names}",
        )
    means = [s.name for s in specs if s.aggregate == "mean"]
    for ex_id, row in parsed.rows.items():
        missing = [m for m in means if row["scores"].get(m) is None]
        if missing:
            metric, filt = parsed.metrics[missing[0]]
            raise DataError(
                f"document {ex_id!r} has no {metric!r} score under filter {filt!r}",
                file=str(parsed.file),
                line=row["line"],
                column=missing[0],
                expected="every document scored by every metric and filter",
            )


def read_lm_eval_samples(
    path: str | Path, *, slices: Sequence[str] | None = None, cluster: str | None = None
) -> HarnessImport:
    """Read an lm-evaluation-harness ``samples_<task>_<date>.jsonl`` (or a ``results_<date>.json``
    with its samples files beside it) into a :class:`HarnessImport`.

    Examples are ``<task>/<doc_id>``; the input is the prompt the model saw, the reference the
    target (the correct choice's text for multiple choice). The output is the generated text, or
    the most likely choice. Metrics are the per-sample numeric ones aggregated as means; a
    metric under a filter other than ``none`` is named ``<metric>__<filter>``. Several tasks
    (from a results file) must score the same metrics; they become a ``task`` slice. ``slices``
    names document fields to slice by (default: those of :data:`DEFAULT_DOC_SLICES` present);
    ``cluster`` names the document field whose documents are not independent (questions on
    one passage), which is then not a default slice.
    """
    check_arguments(path, slices, "read_lm_eval_samples", cluster)
    p = check_file(path)
    results_path: Path | None
    results: dict[str, Any] | None
    if p.suffix.lower() == ".json":
        results_path, results = p, _load_results(p)
        files = _samples_files(p, results)
    else:
        match = _SAMPLES.match(p.name)
        files = [(match.group("task") if match else p.stem, p)]
        results_path = _results_beside(p)
        results = _load_results(results_path) if results_path else None
    multi = len(files) > 1
    tasks = [parse_task(task, file, multi) for task, file in files]
    skipped: dict[str, str] = {}
    specs = _metric_specs(tasks[0], results, skipped)
    for parsed in tasks:
        _check_complete(parsed, _metric_specs(parsed, results, skipped), specs)
    corpus = [s.name for s in specs if s.aggregate != "mean"]
    kept, left = shared_pieces(tasks, corpus)
    for name in left:
        metric, filt = tasks[0].metrics[name]
        skipped[f"{metric},{filt}"] = left[name]
    specs = [s for s in specs if s.aggregate == "mean" or s.name in kept]
    if kept:
        apply_pieces(tasks, kept)
    if not specs:
        raise DataError(
            "no metric to import",
            file=str(p),
            expected="a per-sample numeric metric aggregated as a mean, or a corpus metric",
            found="; ".join(f"{k}: {v}" for k, v in skipped.items()) or "no metrics",
        )
    metric_names = [s.name for s in specs]
    metric_map = {n: f"{m},{f}" for n, (m, f) in tasks[0].metrics.items() if n in metric_names}
    attributes = {k: v for t in tasks for k, v in t.attributes.items()}
    default = DEFAULT_DOC_SLICES if multi else DEFAULT_DOC_SLICES[1:]
    chosen = choose_slices(attributes, slices, default, metric_names, str(p), cluster)
    clusters = choose_cluster(attributes, cluster, str(p))
    names = [t.task for t in tasks]
    versions = (results or {}).get("versions") or {}
    name = _suite_name(names, results)
    suite = build_suite(
        name,
        [ex for t in tasks for ex in t.examples],
        chosen,
        specs,
        version="" if multi else str(versions.get(name, "")),
        description=f"{name}, imported from an {HARNESS} samples log",
        source=str(p),
        clusters=clusters,
    )
    records = build_records([r for t in tasks for r in t.rows.values()], metric_names)
    model = _model(results)
    generation = {t.task: t.generation for t in tasks if t.generation}
    if generation:
        model = model.model_copy(
            update={"parameters": {**model.parameters, "generation": generation}}
        )
    raw = {t: (results or {}).get("results", {}).get(t) or {} for t in names}
    reported = {
        n: float(raw[names[0]][k])
        for n, k in metric_map.items()
        if not multi and as_float(raw[names[0]].get(k)) is not None
    }
    sources = {t.file.name: file_sha256(t.file) for t in tasks}
    if results_path is not None:
        sources[results_path.name] = file_sha256(results_path)
    provenance = _provenance(results, names, sources, metric_map, skipped, raw if results else {})
    provenance["reported_metrics"] = reported
    if cluster is not None:
        provenance["cluster"] = {"field": cluster, "source": "requested"}
    tags = {"harness": HARNESS, "task": name}
    return HarnessImport(HARNESS, str(p), suite, records, model, provenance, reported, tags)


def _suite_name(tasks: list[str], results: dict[str, Any] | None) -> str:
    """The task, the smallest group holding every task, or the tasks joined by ``+``."""
    groups: dict[str, Any] = (results or {}).get("group_subtasks") or {}
    holding = [
        (len(subs), str(g))
        for g, subs in groups.items()
        if isinstance(subs, list) and set(tasks) <= set(subs)
    ]
    if len(tasks) > 1 and holding:
        return min(holding)[1]
    joined = "+".join(tasks)
    return joined if len(joined) <= 120 else f"{tasks[0]}+{len(tasks) - 1} more tasks"


def _provenance(
    results: dict[str, Any] | None,
    tasks: list[str],
    sources: dict[str, str],
    metric_map: dict[str, str],
    skipped: dict[str, str],
    reported: dict[str, Any],
) -> dict[str, Any]:
    r = results or {}
    date = r.get("date")
    facts: dict[str, Any] = {
        "harness": HARNESS,
        "harness_version": r.get("lm_eval_version"),
        "git_hash": r.get("git_hash"),
        "tasks": tasks,
        "task_versions": {t: v for t, v in (r.get("versions") or {}).items() if t in tasks},
        "n_shot": {t: v for t, v in (r.get("n-shot") or {}).items() if t in tasks},
        "task_hashes": {t: v for t, v in (r.get("task_hashes") or {}).items() if t in tasks},
        "task_configs": {t: v for t, v in (r.get("configs") or {}).items() if t in tasks},
        "config": r.get("config"),
        "date": datetime.fromtimestamp(float(date), UTC).isoformat()
        if isinstance(date, int | float)
        else date,
        "total_evaluation_time_seconds": r.get("total_evaluation_time_seconds"),
        "transformers_version": r.get("transformers_version"),
        "model_name": r.get("model_name"),
        "source_sha256": sources,
        "metric_map": metric_map,
        "skipped_metrics": skipped,
        "reported": reported,
        "results_file": "present" if results is not None else "absent",
    }
    return {k: v for k, v in facts.items() if v not in (None, {}, [])}
