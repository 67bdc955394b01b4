"""Content-addressed artifacts (reports, plots, model cards) in any fsspec file system."""

from __future__ import annotations

import hashlib
import json
import re

from assay._util import check_instance
from assay.errors import NotFoundError, ParameterError
from assay.storage._files import FileRoot

__all__ = ["FileArtifactRepository"]

_SHA256 = re.compile(r"^[0-9a-f]{64}$")


def _check_digest(digest: str, function: str) -> str:
    if not isinstance(digest, str) or not _SHA256.match(digest):
        raise ParameterError("digest", function, "a 64-character lower-case SHA-256 hex", digest)
    return digest


def _relative(digest: str) -> str:
    return f"{digest[:2]}/{digest}"


class FileArtifactRepository:
    """Artifacts stored once per content: the same bytes always get the same digest.

    Each artifact is ``<root>/<first two hex>/<sha256>``, with its media type beside it in
    ``<sha256>.json``.
    """

    def __init__(self, root: FileRoot) -> None:
        self.root = root

    def put(self, data: bytes, *, media_type: str = "application/octet-stream") -> str:
        """Store ``data`` (once) and return its SHA-256 digest."""
        check_instance(
            data, "data", "ArtifactRepository.put", (bytes, bytearray, memoryview), "bytes"
        )
        payload = bytes(data)
        digest = hashlib.sha256(payload).hexdigest()
        relative = _relative(digest)
        if not self.root.exists(relative):
            # The metadata goes first: once the content exists, its media type does too.
            meta = json.dumps({"media_type": media_type, "size": len(payload)})
            self.root.write_bytes(relative + ".json", meta.encode("utf-8"))
            self.root.write_bytes(relative, payload)
        return digest

    def get(self, digest: str) -> bytes:
        """The artifact's bytes."""
        relative = _relative(_check_digest(digest, "ArtifactRepository.get"))
        try:
            return self.root.read_bytes(relative)
        except FileNotFoundError:
            raise NotFoundError(f"No artifact has digest {digest}.") from None

    def exists(self, digest: str) -> bool:
        """Whether an artifact with this digest is stored."""
        return self.root.exists(_relative(_check_digest(digest, "ArtifactRepository.exists")))

    def media_type(self, digest: str) -> str:
        """The media type the artifact was stored with."""
        relative = _relative(_check_digest(digest, "ArtifactRepository.media_type"))
        try:
            meta = json.loads(self.root.read_bytes(relative + ".json"))
        except FileNotFoundError:
            raise NotFoundError(f"No artifact has digest {digest}.") from None
        return str(meta["media_type"])
