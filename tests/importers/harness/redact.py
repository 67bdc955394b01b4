"""Replace the absolute paths of the machine that wrote the logs with neutral ones.

The tools write where their packages and task files lived (tracebacks, model paths). Those
paths say nothing about the logs and differ on every machine, so the fixtures keep only the
part after ``site-packages/`` or after the project's root. ``.eval`` members are rewritten
with the compression they had (Zstandard, method 93, as recent Inspect AI writes it).

Usage: python redact.py PROJECT_ROOT FILE [FILE ...]
"""

from __future__ import annotations

import re
import sys
import zipfile
from pathlib import Path
from typing import Any

import pyarrow as pa

_SITE = re.compile(r"/[^\"\s\\]*?/site-packages/")
_ZSTD = 93


def redact_text(text: str, root: str) -> str:
    """``.../site-packages/x`` becomes ``site-packages/x``; ``ROOT/x`` becomes ``x``."""
    return _SITE.sub("site-packages/", text).replace(root.rstrip("/") + "/", "")


class _ZstdCompressor:
    """What zipfile asks of a compressor, for Zstandard through pyarrow."""

    def __init__(self) -> None:
        self.parts: list[bytes] = []

    def compress(self, data: bytes) -> bytes:
        self.parts.append(bytes(data))
        return b""

    def flush(self) -> bytes:
        return bytes(pa.compress(b"".join(self.parts), codec="zstd", asbytes=True))


def _read_member(fh: Any, zf: zipfile.ZipFile, info: zipfile.ZipInfo) -> bytes:
    if info.compress_type != _ZSTD:
        return zf.read(info)
    fh.seek(info.header_offset + 26)
    name_len, extra_len = int.from_bytes(fh.read(2), "little"), int.from_bytes(fh.read(2), "little")
    fh.seek(info.header_offset + 30 + name_len + extra_len)
    raw = fh.read(info.compress_size)
    return bytes(pa.decompress(raw, info.file_size, codec="zstd", asbytes=True))


def redact_eval(path: Path, root: str) -> None:
    """Rewrite every member of an Inspect ``.eval`` zip with its paths redacted."""
    with path.open("rb") as fh:
        zf = zipfile.ZipFile(fh)
        members = [(info, _read_member(fh, zf, info)) for info in zf.infolist()]
    original = zipfile._get_compressor  # type: ignore[attr-defined]
    check = zipfile._check_compression  # type: ignore[attr-defined]

    def compressor(compress_type: int, level: int | None = None) -> Any:
        return _ZstdCompressor() if compress_type == _ZSTD else original(compress_type, level)

    def checked(compress_type: int) -> None:
        if compress_type != _ZSTD:
            check(compress_type)

    zipfile._get_compressor = compressor  # type: ignore[attr-defined]
    zipfile._check_compression = checked  # type: ignore[attr-defined]
    try:
        tmp = path.with_suffix(".tmp")
        with zipfile.ZipFile(tmp, "w") as out:
            for info, data in members:
                text = redact_text(data.decode("utf-8"), root).encode("utf-8")
                new = zipfile.ZipInfo(info.filename, date_time=info.date_time)
                new.compress_type = info.compress_type
                out.writestr(new, text)
        tmp.replace(path)
    finally:
        zipfile._get_compressor = original  # type: ignore[attr-defined]
        zipfile._check_compression = check  # type: ignore[attr-defined]


def main(argv: list[str]) -> None:
    root, files = argv[0], [Path(a) for a in argv[1:]]
    for path in files:
        if path.suffix == ".eval":
            redact_eval(path, root)
        else:
            path.write_text(redact_text(path.read_text(encoding="utf-8"), root), encoding="utf-8")


if __name__ == "__main__":
    main(sys.argv[1:])
