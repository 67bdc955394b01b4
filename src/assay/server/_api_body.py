"""Request bodies streamed to temporary files (bounded, hashed), and the responses the API
sends: JSON from pydantic models as they dump themselves, and Parquet files."""

from __future__ import annotations

import hashlib
import math
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from fastapi import Request, Response
from pydantic import BaseModel

from assay.server._errors import http_error, too_large
from assay.server._state import app_state
from assay.storage.wire import DIGEST_HEADER, PARQUET, parquet_bytes

if TYPE_CHECKING:
    import pyarrow as pa

__all__ = [
    "json_response",
    "parquet_response",
    "plain",
    "quiet",
    "read_parquet",
    "receive_body",
    "temporary_file",
]

_JSON = "application/json"


@contextmanager
def temporary_file() -> Iterator[Path]:
    """A path in a fresh temporary folder, removed with everything in it afterwards."""
    with tempfile.TemporaryDirectory(prefix="assay-upload-") as folder:
        yield Path(folder) / "body"


async def receive_body(request: Request, path: Path) -> str:
    """Stream the request's body into ``path``; returns its SHA-256 (hex), after checking
    the size limit and the digest header."""
    limit = app_state(request).settings.max_upload_bytes
    sha = hashlib.sha256()
    size = 0
    with path.open("wb") as out:
        async for chunk in request.stream():
            size += len(chunk)
            if size > limit:
                raise too_large(limit)
            sha.update(chunk)
            out.write(chunk)
    found = sha.hexdigest()
    claimed = request.headers.get(DIGEST_HEADER)
    if claimed is not None and claimed.strip().lower() != found:
        raise http_error(
            422,
            "digest_mismatch",
            f"The body's SHA-256 is {found}, not the {DIGEST_HEADER} sent ({claimed[:80]!r}); "
            "nothing was stored.",
        )
    return found


def read_parquet(path: Path) -> pa.Table:
    """The Parquet file at ``path`` (422 when it is not one)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        # not through pyarrow.dataset, which imports pandas; the body is opened here and closed
        # on the way out, also when it is not Parquet (the reader's error would keep it open
        # while the answer is made and the body's folder removed)
        with pa.OSFile(str(path)) as body:
            return pq.ParquetFile(body).read()
    except (pa.ArrowException, OSError, ValueError) as exc:
        raise http_error(
            422, "invalid_parquet", f"The body is not a readable Parquet file: {exc}"
        ) from exc


@contextmanager
def quiet() -> Iterator[None]:
    """Run library code whose warnings (small slices, self-comparisons) belong in its result
    or a terminal, not in an HTTP answer: they are not raised, whatever the filters say."""
    import warnings

    from assay.errors import AssayWarning

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", AssayWarning)
        yield


def plain(value: Any) -> Any:
    """``value`` as strict JSON values: non-finite floats become null, times ISO text."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    if value is None or isinstance(value, (str, int, bool)):
        return value
    return str(value)


def json_response(value: BaseModel | Any, status: int = 200) -> Response:
    """A JSON response: a pydantic model as it dumps itself (``model_dump_json``), anything
    else through :func:`plain`."""
    import json

    if isinstance(value, BaseModel):
        return Response(value.model_dump_json(), status_code=status, media_type=_JSON)
    text = json.dumps(plain(value), separators=(",", ":"), allow_nan=False)
    return Response(text, status_code=status, media_type=_JSON)


def parquet_response(table: pa.Table, name: str) -> Response:
    """``table`` as a Parquet file download named ``name``."""
    return Response(
        parquet_bytes(table),
        media_type=PARQUET,
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
