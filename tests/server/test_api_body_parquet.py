"""A Parquet body is read from its temporary file, which is closed again whether or not the
body is Parquet: the folder holding it is removed while the answer is made."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from fastapi import HTTPException

from assay.server._api_body import read_parquet

pytestmark = pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="open files are listed in /proc/self/fd"
)


def _open_handles(path: Path) -> int:
    folder = Path("/proc/self/fd")
    found = 0
    for fd in os.listdir(folder):
        try:
            found += os.readlink(folder / fd) == str(path)
        except OSError:
            continue  # closed meanwhile
    return found


@pytest.mark.parametrize("content", [b"", b"a,b\n1,2\n", b"PAR1" + b"\0" * 64 + b"PAR1"])
def test_a_body_that_is_not_parquet_is_closed_while_its_422_is_answered(
    tmp_path: Path, content: bytes
) -> None:
    body = tmp_path / "body"
    body.write_bytes(content)
    with pytest.raises(HTTPException) as err:
        read_parquet(body)
    assert err.value.status_code == 422
    assert "The body is not a readable Parquet file" in str(err.value.detail)
    assert _open_handles(body) == 0  # the error, still held here, holds no open file


def test_a_parquet_body_is_read_whole_and_closed(tmp_path: Path) -> None:
    body = tmp_path / "body"
    table = pa.table({"x": np.arange(10_000)}).replace_schema_metadata({b"k": b"v"})
    pq.write_table(table, body, row_group_size=1_000)
    read = read_parquet(body)
    assert read.equals(table) and read.schema.metadata == {b"k": b"v"}
    assert _open_handles(body) == 0
