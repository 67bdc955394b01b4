"""A folder of immutable files, local or behind fsspec, written atomically.

Every file is written under a temporary name and renamed into place, so a reader sees either
nothing or the whole file. Local files go through :func:`assay._util.atomic_path`: flushed to
disk before the rename and the folder synced after it, so that a database row committed after
the write never points at a truncated or vanished file. Remote stores (fsspec) have no fsync;
there the rename is the file system's own move. Folders a write creates are synced into their
parent too, or the first file of a new folder could vanish with it.

A writer killed between writing and renaming leaves a hidden temporary file behind;
:meth:`FileRoot.remove_orphans` deletes those once they are older than any live write, and
``assay db gc`` (:func:`~assay.storage.sweep_orphans`) also those of object stores.

Parquet files are published under names that carry their SHA-256
(:meth:`FileRoot.publish_parquet`), and every read of such a file verifies its bytes
(:mod:`assay.storage._parquet_io`).
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import uuid
from collections.abc import Callable, Iterator
from functools import cached_property
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, TypeVar

from assay._util import atomic_path, fsync_folder, lazy_module
from assay.storage._local_files import make_folders, remove_temporary_files, write_error
from assay.storage._objects import OBJECT_STORES, StoredObject, digest_name, modified, object_errors
from assay.storage._parquet_io import (
    parquet_batches,
    parquet_bytes,
    parquet_options,
    parquet_schema,
    read_parquet,
    verify_file,
)

if TYPE_CHECKING:
    import fsspec
    import pyarrow as pa
    import pyarrow.parquet as pq
else:  # the database alone answers most commands: these load when a file is used
    fsspec = lazy_module("fsspec")
    pa = lazy_module("pyarrow")
    pq = lazy_module("pyarrow.parquet")

__all__ = ["ORPHAN_GRACE_SECONDS", "FileRoot", "split_protocol"]

T = TypeVar("T")

ORPHAN_GRACE_SECONDS = 6 * 3600
"""How old a temporary file must be before it is taken for a dead writer's and removed.

Far longer than writing one file takes, so that a writer that is merely slow (a large run, a
suspended laptop, a busy disk) never loses the file it is about to rename into place.
"""


def split_protocol(url: str) -> tuple[str | None, str]:
    """``fsspec.core.split_protocol`` of a string: ``("s3", "b/p")``, or ``(None, url)``.

    The same rule, so that a local folder is told from a URL without importing fsspec.
    """
    if "://" in url:
        protocol, path = url.split("://", 1)
        if len(protocol) > 1:  # not a Windows drive letter
            return protocol, path
    if url.startswith("data:"):
        protocol, path = url.split(":", 1)
        return protocol, path
    return None, url


class FileRoot:
    """A root folder (a local path or an fsspec URL such as ``memory://x`` or ``s3://b/p``)."""

    def __init__(self, url: str) -> None:
        self.url = url

    @cached_property
    def _resolved(self) -> tuple[Any, str]:
        fs, root = fsspec.core.url_to_fs(self.url)
        return fs, str(root).rstrip("/")

    @cached_property
    def _plain(self) -> str | None:
        """An absolute POSIX folder path as fsspec's local file system resolves it (unchanged,
        less a trailing slash), or ``None``: reading a local file needs no file-system layer."""
        if os.sep == "/" and self.url.startswith("/") and ":" not in self.url:
            return self.url.rstrip("/")
        return None

    @property
    def _fs(self) -> Any:
        return self._resolved[0]

    @property
    def _local(self) -> bool:
        if self._plain is not None:
            return True
        from fsspec.implementations.local import LocalFileSystem

        return isinstance(self._fs, LocalFileSystem)

    @property
    def local(self) -> bool:
        """Whether the files are on a local disk (read without a file-system layer)."""
        return self._local

    @property
    def filesystem(self) -> Any:
        """The fsspec file system the files are in."""
        return self._fs

    def location(self, relative: str) -> str:
        """Where ``relative`` is, as a user names it: a path, or a URL such as ``s3://b/k``."""
        full = self.path(relative)
        return full if self._local else str(self._fs.unstrip_protocol(full))

    def child(self, name: str) -> FileRoot:
        """The sub-folder ``name``."""
        return FileRoot(self.url.rstrip("/") + "/" + name)

    def path(self, relative: str) -> str:
        """The full path of ``relative`` in the file system's own terms."""
        root = self._plain if self._plain is not None else self._resolved[1]
        return f"{root}/{relative}"

    def remove_orphans(self, grace_seconds: float = ORPHAN_GRACE_SECONDS) -> int:
        """Delete temporary files older than ``grace_seconds``, left by killed writers.

        Only local folders are cleaned, and only assay's own hidden temporary names; a folder
        this process may not write is left alone. Returns how many files were removed.
        """
        protocol, folder_name = split_protocol(self.url)
        if protocol is None:  # a plain folder, found without loading a file system
            root = Path(folder_name).expanduser().absolute()
        elif self._local:
            root = Path(self._resolved[1])
        else:
            return 0
        return remove_temporary_files(root, grace_seconds)

    def names(self, folder: str) -> list[str]:
        """The file names directly in ``folder``, sorted (none when it does not exist)."""
        fs, full = self._fs, self.path(folder)
        with object_errors(self.location(folder), "list"):
            if not fs.isdir(full):
                return []
            listed = fs.ls(full, detail=False)
        return sorted(str(p).rstrip("/").rsplit("/", 1)[-1] for p in listed)

    def objects(self) -> list[StoredObject]:
        """Every file under this root, at any depth, with its size and age, by name."""
        fs, root = self._fs, self.path("").rstrip("/")
        with object_errors(self.location(""), "list"):
            fs.invalidate_cache(root)
            found = fs.find(root, detail=True, withdirs=False) if fs.exists(root) else {}
        listed = []
        for name, info in found.items():
            relative = str(name).rstrip("/")[len(root) + 1 :]
            if relative and info.get("type", "file") == "file":
                listed.append(StoredObject(relative, int(info.get("size") or 0), modified(info)))
        return sorted(listed, key=lambda o: o.relative)

    def exists(self, relative: str) -> bool:
        """Whether the file exists."""
        with object_errors(self.location(relative), "look up"):
            return bool(self._fs.exists(self.path(relative)))

    def remove(self, relative: str) -> None:
        """Delete the file if it exists (used to undo a write whose transaction failed)."""
        self.discard(self.path(relative))

    def discard(self, full: str) -> None:
        """Remove a file by its full path, e.g. one :meth:`stage` wrote and nothing adopted
        (gone already is fine)."""
        where = full if self._local else str(self._fs.unstrip_protocol(full))
        with contextlib.suppress(FileNotFoundError), object_errors(where, "remove"):
            if self._local:
                os.unlink(full)
            else:
                self._fs.rm_file(full)

    def stage(self, relative: str, data: bytes | memoryview) -> str:
        """Write ``data`` under a hidden temporary name in the folder of ``relative`` and return
        its full path, for :meth:`adopt` to move into place or :meth:`discard` to remove.

        A local file is flushed to disk before this returns (the folders it needs are created
        and synced). A writer that dies before the move leaves the temporary file to
        :meth:`remove_orphans` and ``assay db gc``; a failed write leaves nothing."""
        if self._local:
            return self.stage_written(relative, lambda handle: handle.write(data))[0]
        final = self.path(relative)
        folder, _, name = final.rpartition("/")
        temporary = f"{folder}/.{name}.{uuid.uuid4().hex}.tmp"
        try:
            with object_errors(self.location(relative), "write", missing_ok=False):
                if split_protocol(self.url)[0] not in OBJECT_STORES:
                    # An object store has keys, not folders; making one would create a bucket.
                    self._fs.makedirs(folder, exist_ok=True)
                self._fs.pipe_file(temporary, bytes(data))
            return temporary
        except BaseException:
            with contextlib.suppress(Exception):
                self.discard(temporary)
            raise

    def stage_written(self, relative: str, write: Callable[[IO[bytes]], T]) -> tuple[str, T]:
        """:meth:`stage` for a local file whose bytes ``write(handle)`` writes as it makes
        them; returns the temporary file's full path and what ``write`` returned."""
        final = self.path(relative)
        folder, _, name = final.rpartition("/")
        temporary = f"{folder}/.{name}.{uuid.uuid4().hex[:12]}.partial"
        try:
            make_folders(Path(folder))
            with open(temporary, "wb") as handle:
                written = write(handle)
                handle.flush()
                os.fsync(handle.fileno())
            return temporary, written
        except BaseException as exc:
            with contextlib.suppress(Exception):
                self.discard(temporary)
            if isinstance(exc, OSError):
                raise write_error(final, exc) from exc
            raise

    def adopt(self, temporary: str, relative: str) -> None:
        """Move a file :meth:`stage` wrote to ``relative``: one rename, made durable on a local
        disk (the folder is synced after it). If the move fails, the temporary file is removed."""
        final = self.path(relative)
        try:
            if self._local:
                os.replace(temporary, final)
            else:
                with object_errors(self.location(relative), "write", missing_ok=False):
                    self._fs.mv(temporary, final)
        except BaseException as exc:
            with contextlib.suppress(Exception):
                self.discard(temporary)
            if self._local and isinstance(exc, OSError):
                raise write_error(final, exc) from exc
            raise
        if self._local:
            fsync_folder(Path(final).parent)

    def write_bytes(self, relative: str, data: bytes | memoryview) -> None:
        """Write ``data`` to ``relative`` atomically."""
        self.adopt(self.stage(relative, data), relative)

    def read_bytes(self, relative: str) -> bytes:
        """The content of ``relative`` (``FileNotFoundError`` when there is none)."""
        if self._local:
            return Path(self.path(relative)).read_bytes()
        with object_errors(self.location(relative), "read"):
            return bytes(self._fs.cat_file(self.path(relative)))

    def write_parquet(self, relative: str, table: pa.Table) -> None:
        """Write ``table`` as zstd-compressed Parquet to ``relative`` atomically."""
        if self._local:
            final = self.path(relative)
            try:
                make_folders(Path(final).parent)
                with atomic_path(final) as temporary:
                    pq.write_table(table, temporary, **parquet_options(table))
            except (OSError, pa.ArrowException) as exc:
                raise write_error(final, exc) from exc
            return
        self.write_bytes(relative, parquet_bytes(table, self.location(relative)))

    def publish_parquet(self, stem: str, table: pa.Table) -> str:
        """Write ``table`` atomically as ``<stem>.sha256-<hex>.parquet``, named for the SHA-256
        of its bytes, and return that name: a reader verifies the bytes against it."""
        data = parquet_bytes(table, self.location(stem))
        relative = digest_name(stem, hashlib.sha256(data).hexdigest())
        self.write_bytes(relative, data)
        return relative

    def parquet_schema(self, relative: str) -> pa.Schema:
        """The schema of a Parquet file, without reading its data."""
        return parquet_schema(self, relative)

    def iter_parquet(
        self,
        relative: str,
        columns: list[str] | None = None,
        batch_rows: int = 65_536,
        owner: str | None = None,
    ) -> Iterator[pa.RecordBatch]:
        """A Parquet file's rows in batches of at most ``batch_rows``, read a row group at a
        time, so memory holds a row group whatever the file's size (local or fsspec: the
        file stays open, and is closed, with the iteration). A name that records a digest is
        verified before the iteration ends (:func:`~assay.storage._parquet_io.parquet_batches`);
        ``owner`` says whose file it is in an error."""
        return parquet_batches(self, relative, columns, batch_rows, owner)

    def read_parquet(self, relative: str, columns: list[str] | None = None) -> pa.Table:
        """Read a Parquet file, optionally only some columns.

        ``ParquetFile.read`` rather than ``read_table``: one file needs no dataset machinery,
        whose first use imports pandas (a fifth of a second on every command that reads
        records). A name that records a digest is verified: the whole file is read and hashed
        first, and bytes that differ raise :class:`~assay.errors.StorageError`."""
        return read_parquet(self, relative, columns)

    def verify(self, relative: str, owner: str | None = None) -> None:
        """Hash a file whose name records its digest, and refuse it when the bytes differ."""
        verify_file(self, relative, owner)
