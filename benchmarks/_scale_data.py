"""The records of ``bench_scale.py``: two runs written block by block as sorted Parquet."""

from __future__ import annotations

import hashlib
import os
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
from bench_compare import ATTRIBUTES, BINARY, CONTINUOUS, LABELS, NON_MEAN, make_suite

from assay.data import record_schema

BLOCK = 1_000_000
ROW_GROUP = 131_072
DIGITS = 10  # example ids are zero-padded to this many digits


def _digits(values: np.ndarray) -> np.ndarray:
    """The ``DIGITS`` decimal digits of each value, as ASCII bytes (one row per value)."""
    out = np.empty((len(values), DIGITS), np.uint8)
    rest = values.copy()
    for j in range(DIGITS - 1, -1, -1):
        quotient = rest // 10
        out[:, j] = rest - quotient * 10
        rest = quotient
    return out + ord("0")


def _strings(prefix: str, digits: np.ndarray, count: np.ndarray | None) -> pa.StringArray:
    """``prefix`` and each row of ``digits``: all of them, or the last ``count`` of each row
    (no leading zeros), built as Arrow buffers rather than one Python string per value."""
    head = np.frombuffer(prefix.encode(), np.uint8)
    chars = np.concatenate([np.broadcast_to(head, (len(digits), len(head))), digits], axis=1)
    if count is None:
        lengths = np.full(len(digits), chars.shape[1], np.int32)
        data = chars.ravel()
    else:
        keep = np.ones(chars.shape, bool)
        keep[:, len(head) :] = np.arange(DIGITS) >= DIGITS - count[:, None]
        lengths, data = (len(head) + count).astype(np.int32), chars[keep]
    offsets = np.zeros(len(digits) + 1, np.int32)
    np.cumsum(lengths, out=offsets[1:])
    return pa.StringArray.from_buffers(len(digits), pa.py_buffer(offsets), pa.py_buffer(data))


def _block(schema: pa.Schema, start: int, size: int, seed: int, shift: float) -> pa.Table:
    """Records of examples ``start .. start + size`` of one run (quality shared by runs)."""
    shared = np.random.default_rng([0, start])
    rng = np.random.default_rng([seed, start])
    idx = np.arange(start, start + size)
    digits = _digits(idx)
    ids = _strings("ex-", digits, None)
    quality = shared.normal(size=size)
    truth = shared.integers(0, len(LABELS), size)
    cols: dict[str, Any] = {"example_id": ids, "cluster": pa.nulls(size, pa.string())}
    cols["sample_index"] = pa.array(np.zeros(size, dtype=np.int32))
    dictionary = pa.array([f"v{j}" for j in range(10)])
    for i, attr in enumerate(ATTRIBUTES):
        codes = np.random.default_rng([100 + i, start]).integers(0, 10, size).astype(np.int32)
        cols[attr] = pa.DictionaryArray.from_arrays(pa.array(codes), dictionary)
    right = rng.random(size) < 0.7 + shift
    predicted = np.where(right, truth, rng.integers(0, len(LABELS), size))
    count = 1 + np.searchsorted(10 ** np.arange(1, DIGITS), idx, side="right")
    cols["input"] = _strings("question ", digits, count)
    cols["reference"] = pa.array([f'"{v}"' for v in LABELS]).take(pa.array(truth))
    cols["output"] = pa.array(LABELS).take(pa.array(predicted))
    errored = rng.random(size) < 0.01
    p = 1.0 / (1.0 + np.exp(-(quality + 1.0 + shift)))
    for m in BINARY:
        cols[m] = pa.array((rng.random(size) < p).astype(np.float64), mask=errored)
    for m in CONTINUOUS:
        x = 1.0 / (1.0 + np.exp(-(quality + shift + rng.normal(0.0, 0.7, size))))
        cols[m] = pa.array(x, mask=errored)
    for m in NON_MEAN:
        cols[m] = pa.array(right.astype(np.float64), mask=errored)
    cols["latency_ms"] = rng.gamma(4.0, 25.0 * (1.0 - shift), size)
    cols["tokens_in"] = pa.nulls(size, pa.int64())
    cols["tokens_out"] = pa.nulls(size, pa.int64())
    cols["cost"] = rng.gamma(2.0, 0.001, size)
    which = pa.array(np.zeros(size, np.int8), mask=~errored)
    cols["error"] = pa.array(["TimeoutError"]).take(which)
    arrays = [cols[f.name] for f in schema]
    arrays = [a if isinstance(a, pa.Array) else pa.array(a) for a in arrays]
    return pa.Table.from_arrays(arrays, schema=schema)


def _write_run(schema: pa.Schema, n: int, folder: Path, name: str, seed: int, shift: float) -> None:
    path = folder / f"{name}.parquet"
    with pq.ParquetWriter(path, schema, compression="zstd") as writer:
        for start in range(0, n, BLOCK):
            table = _block(schema, start, min(BLOCK, n - start), seed, shift)
            writer.write_table(table, row_group_size=ROW_GROUP)
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while block := handle.read(1 << 22):
            digest.update(block)
    os.link(path, folder / f"{name}.sha256-{digest.hexdigest()}.parquet")


def write_runs(n: int, folder: Path) -> None:
    """Both runs' files, written side by side by two processes, each also linked under the
    name the store gives a record file (``<stem>.sha256-<hex>.parquet``), which makes every
    read of it verify its digest."""
    if n > 10**DIGITS:
        raise ValueError(f"at most {10**DIGITS:,} examples per run")
    schema = record_schema(make_suite(n))
    runs = (("baseline", 1, 0.0), ("candidate", 2, 0.02))
    with ProcessPoolExecutor(len(runs)) as pool:
        for done in [pool.submit(_write_run, schema, n, folder, *run) for run in runs]:
            done.result()


def stored_name(folder: Path, name: str) -> str:
    """The digest-carrying name of run ``name``'s file."""
    (found,) = folder.glob(f"{name}.sha256-*.parquet")
    return found.name
