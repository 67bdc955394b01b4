"""Reading Inspect AI logs (``.eval`` zip archives and ``.json`` documents) without inspect_ai.

A ``.eval`` log is a zip of JSON members: ``header.json`` (eval, plan, results, stats),
``samples/<id>_epoch_<n>.json``, summaries and reductions (``_journal/start.json`` stands in for
the header of a log that never finished). Recent Inspect releases compress members with
Zstandard (zip method 93), which Python's ``zipfile`` reads only from 3.14: those members are
decompressed with pyarrow's zstd codec and checked against their CRC. A ``.json`` log is one
EvalLog document with the same fields and a ``samples`` list.
"""

from __future__ import annotations

import json
import struct
import zipfile
import zlib
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, BinaryIO

import pyarrow as pa

from assay.core import MetricSpec, ModelRef
from assay.errors import DataError
from assay.importers._common import (
    HarnessImport,
    as_float,
    build_records,
    build_suite,
    check_arguments,
    check_file,
    choose_slices,
    file_sha256,
    metric_name,
    model_name,
    read_json_object,
)

__all__ = ["inspect_import", "load_json_log", "read_inspect_log", "score_to_float"]

HARNESS = "inspect_ai"
_ZSTD = 93
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


def _read_member(fh: BinaryIO, zf: zipfile.ZipFile, info: zipfile.ZipInfo) -> bytes:
    if info.compress_type != _ZSTD:
        return zf.read(info)
    fh.seek(info.header_offset)
    header = fh.read(30)
    if len(header) < 30 or header[:4] != b"PK\x03\x04":
        raise zipfile.BadZipFile(f"bad local header for {info.filename!r}")
    name_len, extra_len = struct.unpack("<HH", header[26:30])
    fh.seek(info.header_offset + 30 + name_len + extra_len)
    raw = fh.read(info.compress_size)
    if len(raw) < info.compress_size:
        raise zipfile.BadZipFile(f"member {info.filename!r} is truncated")
    try:
        data: bytes = (
            pa.Codec("zstd").decompress(raw, decompressed_size=info.file_size).to_pybytes()
        )
    except (pa.ArrowInvalid, pa.ArrowIOError, OSError) as exc:
        raise zipfile.BadZipFile(f"member {info.filename!r}: {exc}") from exc
    if zlib.crc32(data) != info.CRC:
        raise zipfile.BadZipFile(f"bad CRC-32 for member {info.filename!r}")
    return data


def _member_json(path: Path, fh: BinaryIO, zf: zipfile.ZipFile, name: str) -> Any:
    try:
        data = _read_member(fh, zf, zf.getinfo(name))
    except (zipfile.BadZipFile, EOFError, OSError, zlib.error) as exc:
        raise DataError(f"zip member {name!r} cannot be read: {exc}", file=str(path)) from exc
    try:
        return json.loads(data)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        where = f", line {exc.lineno}" if isinstance(exc, json.JSONDecodeError) else ""
        raise DataError(
            f"zip member {name!r}{where} is not valid JSON: {exc}", file=str(path)
        ) from exc


def _read_eval_zip(path: Path) -> dict[str, Any]:
    fh = path.open("rb")
    try:
        zf = zipfile.ZipFile(fh)
    except (zipfile.BadZipFile, OSError) as exc:
        fh.close()
        raise DataError(
            f"not a readable zip archive (an Inspect .eval log is one): {exc}",
            file=str(path),
            expected="a complete .eval file",
        ) from exc
    with fh, zf:
        names = zf.namelist()
        head = "header.json" if "header.json" in names else "_journal/start.json"
        if head not in names:
            raise DataError(
                "not an Inspect AI log: the archive has no header.json",
                file=str(path),
                expected="header.json or _journal/start.json",
                found=f"members {names[:5]}",
            )
        log = _member_json(path, fh, zf, head)
        if not isinstance(log, dict) or not isinstance(log.get("eval"), dict):
            raise DataError(f"zip member {head!r} has no 'eval' object", file=str(path))
        members = sorted(n for n in names if n.startswith("samples/") and n.endswith(".json"))
        log["samples"] = []
        for n in members:
            sample = _member_json(path, fh, zf, n)
            if not isinstance(sample, dict):
                raise DataError(f"zip member {n!r} is not a sample object", file=str(path))
            log["samples"].append(sample | {"_member": n})
    return log


def load_json_log(path: Path, doc: Any | None = None) -> dict[str, Any]:
    """An Inspect ``.json`` log as a mapping (``doc``: the file's JSON when already parsed)."""
    doc = read_json_object(path, "eval", "an Inspect AI log", doc)
    samples = doc.get("samples") or []
    bad = next((i for i, s in enumerate(samples) if not isinstance(s, dict)), None)
    if bad is not None or not isinstance(samples, list):
        raise DataError(
            "a sample is not a JSON object",
            file=str(path),
            column="samples",
            found=f"samples[{bad}]" if bad is not None else type(samples).__name__,
        )
    doc["samples"] = [s | {"_member": f"samples[{i}]"} for i, s in enumerate(samples)]
    return doc


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


def read_inspect_log(path: str | Path, *, slices: Sequence[str] | None = None) -> HarnessImport:
    """Read an Inspect AI log (``.eval`` or ``.json``) into a :class:`HarnessImport`.

    Examples are samples by id; epochs are repeated samples (``sample_index = epoch - 1``).
    Every scorer is a metric (a dict-valued score is one metric per key), its values mapped as
    :func:`score_to_float` does; a sample that errored is a record with ``error`` and no
    scores. ``slices`` names sample metadata fields to slice by (default: every scalar field
    that is not an id).
    """
    check_arguments(path, slices, "read_inspect_log")
    p = check_file(path)
    with p.open("rb") as fh:
        is_zip = fh.read(4) == b"PK\x03\x04" or p.suffix.lower() == ".eval"
    return inspect_import(p, _read_eval_zip(p) if is_zip else load_json_log(p), slices)


def inspect_import(p: Path, log: dict[str, Any], slices: Sequence[str] | None) -> HarnessImport:
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
    return _assemble(log, p, list(examples.values()), attributes, rows, names, skipped, slices)


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
    slices: Sequence[str] | None,
) -> HarnessImport:
    ev = log["eval"]
    metric_names = list(names.values())
    specs = [
        MetricSpec(name=n, description=f"inspect scorer {s}" + (f", key {k}" if k else ""))
        for (s, k), n in names.items()
    ]
    chosen = choose_slices(attributes, slices, None, metric_names, str(path))
    task = str(ev.get("task") or path.stem)
    suite = build_suite(
        task,
        examples,
        chosen,
        specs,
        version=str(ev.get("task_version", "")),
        description=f"{task}, imported from an Inspect AI log",
        source=str(path),
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
        "reported": by_name,
        "reported_metrics": reported,
    }
    provenance = {k: v for k, v in facts.items() if v not in (None, {}, [])}
    records = build_records(rows, metric_names)
    tags = {"harness": HARNESS, "task": task}
    return HarnessImport(HARNESS, str(path), suite, records, model, provenance, reported, tags)
