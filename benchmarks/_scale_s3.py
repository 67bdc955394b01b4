"""moto's S3 server on loopback, and reading an object's row groups through s3fs."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq


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
