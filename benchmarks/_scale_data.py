"""The records of ``bench_scale.py``: two runs written block by block as sorted Parquet."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
from bench_compare import ATTRIBUTES, BINARY, CONTINUOUS, LABELS, NON_MEAN, make_suite

from assay.data import record_schema

BLOCK = 1_000_000
ROW_GROUP = 131_072


def _block(schema: pa.Schema, start: int, size: int, seed: int, shift: float) -> pa.Table:
    """Records of examples ``start .. start + size`` of one run (quality shared by runs)."""
    shared = np.random.default_rng([0, start])
    rng = np.random.default_rng([seed, start])
    idx = np.arange(start, start + size)
    ids = pa.array(np.char.add("ex-", np.char.zfill(idx.astype(str), 10)))
    quality = shared.normal(size=size)
    truth = shared.integers(0, len(LABELS), size)
    cols: dict[str, Any] = {"example_id": ids, "cluster": pa.nulls(size, pa.string())}
    cols["sample_index"] = pa.array(np.zeros(size, dtype=np.int32))
    for i, attr in enumerate(ATTRIBUTES):
        codes = np.random.default_rng([100 + i, start]).integers(0, 10, size).astype(np.int32)
        dictionary = pa.array([f"v{j}" for j in range(10)])
        cols[attr] = pa.DictionaryArray.from_arrays(pa.array(codes), dictionary)
    labels = np.array(LABELS, dtype=object)
    right = rng.random(size) < 0.7 + shift
    predicted = np.where(right, truth, rng.integers(0, len(LABELS), size))
    cols["input"] = pa.array(np.char.add("question ", idx.astype(str)))
    cols["reference"] = pa.array(['"' + v + '"' for v in labels[truth]])
    cols["output"] = pa.array(labels[predicted].tolist())
    errored = rng.random(size) < 0.01
    for m in BINARY:
        p = 1.0 / (1.0 + np.exp(-(quality + 1.0 + shift)))
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
    cols["error"] = pa.array(np.where(errored, "TimeoutError", None).tolist(), pa.string())
    arrays = [cols[f.name] for f in schema]
    arrays = [a if isinstance(a, pa.Array) else pa.array(a) for a in arrays]
    return pa.Table.from_arrays(arrays, schema=schema)


def write_runs(n: int, folder: Path) -> None:
    """Both runs' files, each also linked under the name the store gives a record file
    (``<stem>.sha256-<hex>.parquet``), which makes every read of it verify its digest."""
    schema = record_schema(make_suite(n))
    for name, seed, shift in (("baseline", 1, 0.0), ("candidate", 2, 0.02)):
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


def stored_name(folder: Path, name: str) -> str:
    """The digest-carrying name of run ``name``'s file."""
    (found,) = folder.glob(f"{name}.sha256-*.parquet")
    return found.name
