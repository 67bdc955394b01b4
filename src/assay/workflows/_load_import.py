"""``assay load import``: another load tool's per-request results, under assay's definitions.

GuideLLM, LLMPerf and AIPerf files are read by :func:`assay.runners.load.read_load_results`
(docs/load-imports.md); vLLM's is read here.

vLLM's ``vllm bench serve --save-result --save-detailed`` (and ``benchmark_serving.py``)
writes one JSON object with per-request lists: ``ttfts`` (seconds), ``itls`` (each request's
gaps between chunks after the first, seconds), ``output_lens``, ``input_lens`` and ``errors``
(empty for a success). Its "TPOT" is assay's ``tpot_excl_first`` and its pooled "ITL" assay's
``itl_pooled``; they are recomputed here from the per-request values, with intervals. The file
has no send time per request, so rates, goodput and client lag are not measured (its own
``duration`` gives only point throughputs, which are not re-derived).
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from assay.errors import ConfigError, DataError
from assay.runners.load import (
    IMPORT_FORMATS,
    ImportedRequests,
    LoadResult,
    LoadSummary,
    ObjectiveResult,
    RequestTiming,
    judge_objectives,
    parse_objective,
    read_load_results,
    summarise_load,
)
from assay.storage import Store
from assay.workflows._load import LoadReport, _log

__all__ = ["load_import"]

MAX_BYTES = 512 * 1024 * 1024
FORMATS = ("vllm", *IMPORT_FORMATS)
_COLUMN = {
    "ttft": "ttft_ms",
    "e2e": "e2e_ms",
    "tpot_excl_first": "tpot_excl_first_ms",
    "tpot_incl_first": "tpot_incl_first_ms",
    "itl": "itl_mean_ms",
    "client_lag": "client_lag_ms",
}


def load_import(
    path: str | Path,
    *,
    format: str = "vllm",
    slo: Sequence[str] = (),
    confidence: float = 0.95,
    benchmark: int | None = None,
    log: bool = False,
    store: Store | None = None,
    name: str = "import",
) -> LoadReport:
    """Read a per-request results file and summarise it like ``assay load run`` would.

    ``format``: ``vllm``, ``guidellm``, ``llmperf`` or ``aiperf`` (docs/load-imports.md);
    ``benchmark`` picks one benchmark of a GuideLLM report holding several. With ``log`` the
    requests are stored as one run of the suite ``load:NAME`` (nothing is stored when the file
    is refused).
    """
    if format not in FORMATS:
        raise ConfigError(f"Unknown load format {format!r}: one of {', '.join(FORMATS)}")
    objectives = [parse_objective(text) for text in slo]
    if format == "vllm":
        found = ImportedRequests(tuple(_vllm(Path(path))), False, source={"format": "vllm"})
    else:
        found = read_load_results(path, format=format, benchmark=benchmark)
    for o in objectives:
        if o.metric in found.unmeasured:
            raise ConfigError(
                f"The objective {o.text!r} is on {o.metric}, which a {format} file does not "
                "measure (docs/load-imports.md)"
            )
    timings = list(found.timings)
    summary = summarise_load(
        timings, objectives=objectives, confidence=confidence, timeline=found.timeline
    )
    summary = _without(summary, found)
    verdict: str | None = None
    judged: list[ObjectiveResult] = []
    if objectives:
        verdict, judged = judge_objectives(summary, timings, objectives, confidence=confidence)
    settings = {"file": str(path), **found.source, "format": format}
    result = LoadResult(tuple(timings), ("measured",) * len(timings), None, settings)
    run_id = None
    if log:
        hidden = {_COLUMN[m] for m in [*found.unmeasured, *summary.unmeasured] if m in _COLUMN}
        if not found.timeline:
            hidden.add("client_lag_ms")
        run_id = _log(
            result,
            objectives,
            [f"{format} request {i}" for i in range(len(timings))],
            f"{format}-import",
            name,
            store,
            0,
            hidden=hidden,
        )
    return LoadReport(result, summary, verdict, tuple(judged), run_id)


def _without(summary: LoadSummary, found: ImportedRequests) -> LoadSummary:
    """The summary less the metrics the file cannot give (they would be numbers, but wrong)."""
    gone = set(found.unmeasured)
    metrics = {
        k: v for k, v in summary.metrics.items() if not any(k.startswith(f"{m}_") for m in gone)
    }
    unmeasured = tuple(dict.fromkeys([*summary.unmeasured, *sorted(gone)]))
    return replace(
        summary, metrics=metrics, unmeasured=unmeasured, notes=(*summary.notes, *found.notes)
    )


def _read(path: Path) -> dict[str, Any]:
    try:
        size = path.stat().st_size
        if size > MAX_BYTES:
            raise DataError(
                "file too large for a load import", file=str(path), found=f"{size} bytes"
            )
        data = json.loads(path.read_bytes())
    except json.JSONDecodeError as exc:
        raise DataError(
            "not JSON", file=str(path), line=exc.lineno, column=str(exc.colno), found=exc.msg
        ) from exc
    except (UnicodeDecodeError, RecursionError) as exc:
        raise DataError("not UTF-8 JSON of a sane depth", file=str(path)) from exc
    if not isinstance(data, dict):
        raise DataError("expected one JSON object", file=str(path), found=type(data).__name__)
    return data


def _list(data: dict[str, Any], key: str, path: Path, n: int | None) -> list[Any]:
    value = data.get(key)
    if not isinstance(value, list) or (n is not None and len(value) != n):
        want = "a list" if n is None else f"a list of {n}"
        raise DataError(
            f"expected {want} in {key!r} (save with --save-detailed)",
            file=str(path),
            found=type(value).__name__ if not isinstance(value, list) else f"{len(value)} items",
        )
    return value


def _number(x: Any, key: str, i: int, path: Path) -> float:
    if isinstance(x, bool) or not isinstance(x, int | float) or not math.isfinite(x) or x < 0:
        raise DataError(
            f"expected a non-negative number in {key!r}", file=str(path), row=i, found=repr(x)[:40]
        )
    return float(x)


def _vllm(path: Path) -> list[RequestTiming]:
    data = _read(path)
    ttfts = _list(data, "ttfts", path, None)
    n = len(ttfts)
    if n == 0:
        raise DataError("no requests in 'ttfts'", file=str(path), found="0 items")
    itls = _list(data, "itls", path, n)
    outs = _list(data, "output_lens", path, n)
    given_in, given_err = data.get("input_lens"), data.get("errors")
    ins: list[Any] = given_in if isinstance(given_in, list) and len(given_in) == n else [None] * n
    errors: list[Any] = (
        given_err if isinstance(given_err, list) and len(given_err) == n else [""] * n
    )
    timings = []
    for i in range(n):
        if errors[i]:
            timings.append(RequestTiming(0.0, 0.0, error="imported_error"))
            continue
        first = _number(ttfts[i], "ttfts", i, path)
        gaps = itls[i] if isinstance(itls[i], list) else []
        times = [first]
        for g in gaps:
            times.append(times[-1] + _number(g, "itls", i, path))
        tokens = int(_number(outs[i], "output_lens", i, path))
        tin = ins[i] if isinstance(ins[i], int) and not isinstance(ins[i], bool) else None
        timings.append(
            RequestTiming(
                0.0,
                0.0,
                chunk_times_s=tuple(times),
                output_tokens=tokens,
                input_tokens=tin,
                end_s=times[-1],
            )
        )
    return timings
