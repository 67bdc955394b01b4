"""``bench_scale.py --s3``: moto's S3 server on loopback, the read through s3fs, the steps."""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
from _scale_data import stored_name


def start_moto() -> tuple[subprocess.Popen[bytes], str]:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = int(sock.getsockname()[1])
    process = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return process, f"http://127.0.0.1:{port}"
        except OSError:
            time.sleep(0.1)
    process.kill()
    raise SystemExit("moto.server did not start (pip install 'moto[server]' s3fs)")


def s3_batches(fs: Any, key: str) -> Iterator[pa.RecordBatch]:
    """An object's batches through s3fs, one reader per row group (ranged reads)."""
    with fs.open(key, "rb") as handle:
        file = pq.ParquetFile(handle)
        for group in range(file.num_row_groups):
            yield from file.iter_batches(batch_size=65_536, row_groups=[group])


def _s3() -> Any:
    import s3fs

    return s3fs.S3FileSystem()


def step_read_s3(
    folder: Path, cpu: Callable[[], float], rss: Callable[[], float]
) -> dict[str, Any]:
    bucket, fs = os.environ["ASSAY_BENCH_BUCKET"], _s3()
    start = time.perf_counter()
    rows = 0
    for name in ("baseline", "candidate"):
        for batch in s3_batches(fs, f"{bucket}/{stored_name(folder, name)}"):
            rows += batch.num_rows
    return {"wall": time.perf_counter() - start, "cpu": cpu(), "rss": rss(), "rows": rows}


def s3_steps(folder: Path, args: argparse.Namespace, child: Callable[..., dict[str, Any]]) -> None:
    """Upload both files to a bucket of moto's server on loopback; time the pyarrow read
    through s3fs and the comparison through the store's object-store reader."""
    process, endpoint = start_moto()
    os.environ.update(
        AWS_ACCESS_KEY_ID="bench",
        AWS_SECRET_ACCESS_KEY="bench",
        AWS_ENDPOINT_URL=endpoint,
        AWS_DEFAULT_REGION="us-east-1",
        ASSAY_BENCH_BUCKET="assay-bench-scale",
    )
    try:
        import boto3

        s3 = boto3.client("s3")
        s3.create_bucket(Bucket="assay-bench-scale")
        for name in ("baseline", "candidate"):
            key = stored_name(folder, name)
            s3.upload_file(str(folder / key), "assay-bench-scale", key)
        read = child("read-s3", folder, args)
        print(
            f"read both objects (s3fs):     {read['wall']:8.1f} s  {read['rss']:7.0f} MiB  "
            f"{read['cpu']:7.1f} CPU-s  <- reference (S3)"
        )
        ours = child("assay-s3", folder, args)
        print(
            f"compare_record_streams (S3):  {ours['wall']:8.1f} s  {ours['rss']:7.0f} MiB  "
            f"{ours['cpu']:7.1f} CPU-s  ratio {ours['wall'] / read['wall']:.1f}x the S3 read's "
            f"wall, {ours['cpu'] / read['cpu']:.1f}x its CPU"
        )
    finally:
        process.terminate()
        process.wait(timeout=30)
