"""Reading the files of Inspect AI logs: ``.eval`` zip archives and ``.json`` documents.

A ``.eval`` log is a zip of JSON members: ``header.json`` (eval, plan, results, stats),
``samples/<id>_epoch_<n>.json``, summaries and reductions (``_journal/start.json`` stands in for
the header of a log that never finished). Recent Inspect releases compress members with
Zstandard (zip method 93), which Python's ``zipfile`` reads only from 3.14: those members are
decompressed with pyarrow's zstd codec and checked against their CRC. A ``.json`` log is one
EvalLog document with the same fields and a ``samples`` list. Either way the log becomes one
mapping with a ``samples`` list, each sample marked with the member it came from.
"""

from __future__ import annotations

import json
import struct
import zipfile
import zlib
from pathlib import Path
from typing import Any, BinaryIO

import pyarrow as pa

from assay.errors import DataError
from assay.importers._common import read_json_object

__all__ = ["declared_clusters", "load_json_log", "read_eval_zip"]

_ZSTD = 93


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


def read_eval_zip(path: Path) -> dict[str, Any]:
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


def _mapping(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _listed(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _metric_entries(metrics: Any) -> list[Any]:
    """Metric definitions from a list, or from a mapping of score key to list."""
    if isinstance(metrics, dict):
        return [m for group in metrics.values() for m in _listed(group)]
    return list(_listed(metrics))


def declared_clusters(log: dict[str, Any]) -> list[str]:
    """The metadata fields the log's metrics cluster by, in order of first mention.

    Inspect records a metric's arguments with it: ``stderr(cluster="group_id")`` appears as
    ``{"name": "inspect_ai/stderr", "options": {"cluster": "group_id"}}`` under a scorer in
    ``eval.scorers`` (or task-level ``eval.metrics``) and with ``"params"`` in
    ``results.scores``. Malformed entries are ignored: the scores, not these, are imported.
    """
    ev = _mapping(log.get("eval"))
    entries = _metric_entries(ev.get("metrics"))
    for scorer in _listed(ev.get("scorers")):
        entries += _metric_entries(_mapping(scorer).get("metrics"))
    for score in _listed(_mapping(log.get("results")).get("scores")):
        entries += list(_mapping(_mapping(score).get("metrics")).values())
    found: dict[str, None] = {}
    for entry in entries:
        if not isinstance(entry, dict):
            continue
        for key in ("options", "params"):
            args = entry.get(key)
            if isinstance(args, dict) and isinstance(args.get("cluster"), str) and args["cluster"]:
                found[args["cluster"]] = None
    return list(found)
