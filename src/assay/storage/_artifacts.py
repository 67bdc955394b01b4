"""Content-addressed artifacts (reports, plots, model cards) in any fsspec file system.

An artifact's name is the SHA-256 of its bytes, so reading one verifies it: bytes altered after
they were stored are refused, with the object named. Its content is published last (under a
temporary key, then moved into place), so a content object that exists is whole; a writer
killed before that leaves only the metadata, which ``assay db gc`` removes.
"""

from __future__ import annotations

import hashlib
import json
import re

from assay._util import check_instance
from assay.errors import NotFoundError, ParameterError, StorageError
from assay.storage._files import FileRoot
from assay.storage._objects import verify_digest

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
        """The artifact's bytes, verified: bytes that no longer hash to ``digest`` raise
        :class:`~assay.errors.StorageError` naming the object."""
        relative = _relative(_check_digest(digest, "ArtifactRepository.get"))
        try:
            data = self.root.read_bytes(relative)
        except FileNotFoundError:
            # the digest names the object; its path stays on the server that holds it
            raise NotFoundError(f"No artifact has digest {digest}.") from None
        except OSError as exc:
            raise StorageError(f"Cannot read {self.root.location(relative)}: {exc}") from exc
        verify_digest(data, digest, self.root.location(relative))
        return data

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
