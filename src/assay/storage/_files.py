"""A folder of immutable files, local or behind fsspec, written atomically.

Every file is written under a temporary name and renamed into place, so a reader sees either
nothing or the whole file. Local files go through :func:`assay._util.atomic_path`: flushed to
disk before the rename and the folder synced after it, so that a database row committed after
the write never points at a truncated or vanished file. Remote stores (fsspec) have no fsync;
there the rename is the file system's own move. Folders a write creates are synced into their
parent too, or the first file of a new folder could vanish with it.

A writer killed between writing and renaming leaves a hidden temporary file behind;
:meth:`FileRoot.remove_orphans` deletes those once they are older than any live write.
"""

from __future__ import annotations

import contextlib
import os
import time
import uuid
from collections.abc import Iterator
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from assay._util import atomic_path, fsync_folder, lazy_module
from assay.errors import StorageError

if TYPE_CHECKING:
    import fsspec
    import pyarrow as pa
    import pyarrow.parquet as pq
else:  # the database alone answers most commands: these load when a file is used
    fsspec = lazy_module("fsspec")
    pa = lazy_module("pyarrow")
    pq = lazy_module("pyarrow.parquet")

__all__ = ["ORPHAN_GRACE_SECONDS", "FileRoot", "split_protocol"]

ORPHAN_GRACE_SECONDS = 6 * 3600
"""How old a temporary file must be before it is taken for a dead writer's and removed.

Far longer than writing one file takes, so that a writer that is merely slow (a large run, a
suspended laptop, a busy disk) never loses the file it is about to rename into place.
"""

# The suffixes of assay's own temporary names: atomic_path's and the fsspec path's below.
_TEMPORARY_SUFFIXES = (".partial", ".tmp")


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


def _make_folders(folder: Path) -> None:
    """Create ``folder`` and its missing parents, each synced into the folder that holds it."""
    missing: list[Path] = []
    while not folder.is_dir():
        missing.append(folder)
        if folder.parent == folder:
            break
        folder = folder.parent
    for created in reversed(missing):
        with contextlib.suppress(FileExistsError):
            created.mkdir()
        fsync_folder(created.parent)


def _write_error(final: str, exc: BaseException) -> StorageError:
    # pyarrow reports a refused open as a plain OSError, so the folder's rights decide too.
    folder = Path(final).parent
    if isinstance(exc, PermissionError) or (folder.is_dir() and not os.access(folder, os.W_OK)):
        return StorageError(f"The store at {final} is read-only: cannot write it ({exc}).")
    return StorageError(f"Cannot write {final}: {exc}")


def _parquet_options(table: pa.Table) -> dict[str, Any]:
    """zstd, which pandas, DuckDB, Polars and Spark all read; dictionary pages for all but
    floating-point columns. Scores and latencies rarely repeat, so building a dictionary for
    them costs more time than it saves space (zstd packs 0/1 scores tightly without one)."""
    keep = [f.name for f in table.schema if not pa.types.is_floating(f.type)]
    return {"compression": "zstd", "use_dictionary": keep}


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
        if not root.is_dir() or not os.access(root, os.W_OK):
            return 0
        cutoff = time.time() - grace_seconds
        removed = 0
        for folder, _, names in os.walk(root):
            for name in names:
                if not (name.startswith(".") and name.endswith(_TEMPORARY_SUFFIXES)):
                    continue
                path = Path(folder, name)
                # A file that vanished or cannot be removed belongs to someone else's clean-up.
                with contextlib.suppress(OSError):
                    if path.stat().st_mtime < cutoff:
                        path.unlink()
                        removed += 1
        return removed

    def names(self, folder: str) -> list[str]:
        """The file names directly in ``folder``, sorted (none when it does not exist)."""
        fs, full = self._fs, self.path(folder)
        if not fs.isdir(full):
            return []
        return sorted(str(p).rstrip("/").rsplit("/", 1)[-1] for p in fs.ls(full, detail=False))

    def exists(self, relative: str) -> bool:
        """Whether the file exists."""
        return bool(self._fs.exists(self.path(relative)))

    def remove(self, relative: str) -> None:
        """Delete the file if it exists (used to undo a write whose transaction failed)."""
        self._discard(self.path(relative))

    def _discard(self, full: str) -> None:
        with contextlib.suppress(FileNotFoundError):
            self._fs.rm_file(full)

    def _temporary(self, relative: str) -> tuple[str, str]:
        final = self.path(relative)
        folder, _, name = final.rpartition("/")
        self._fs.makedirs(folder, exist_ok=True)
        return f"{folder}/.{name}.{uuid.uuid4().hex}.tmp", final

    def _commit(self, temporary: str, final: str) -> None:
        try:
            self._fs.mv(temporary, final)
        except BaseException:
            self._discard(temporary)
            raise

    def write_bytes(self, relative: str, data: bytes) -> None:
        """Write ``data`` to ``relative`` atomically."""
        if self._local:
            final = self.path(relative)
            try:
                _make_folders(Path(final).parent)
                with atomic_path(final) as temporary:
                    temporary.write_bytes(data)
            except OSError as exc:
                raise _write_error(final, exc) from exc
            return
        temporary_url, final = self._temporary(relative)
        try:
            self._fs.pipe_file(temporary_url, data)
        except OSError as exc:
            self._discard(temporary_url)
            raise _write_error(final, exc) from exc
        self._commit(temporary_url, final)

    def read_bytes(self, relative: str) -> bytes:
        """The content of ``relative``."""
        return bytes(self._fs.cat_file(self.path(relative)))

    def write_parquet(self, relative: str, table: pa.Table) -> None:
        """Write ``table`` as zstd-compressed Parquet to ``relative`` atomically."""
        if self._local:
            final = self.path(relative)
            try:
                _make_folders(Path(final).parent)
                with atomic_path(final) as temporary:
                    pq.write_table(table, temporary, **_parquet_options(table))
            except (OSError, pa.ArrowException) as exc:
                raise _write_error(final, exc) from exc
            return
        temporary_url, final = self._temporary(relative)
        try:
            sink = pa.BufferOutputStream()
            pq.write_table(table, sink, **_parquet_options(table))
            self._fs.pipe_file(temporary_url, sink.getvalue().to_pybytes())
        except (OSError, pa.ArrowException) as exc:
            self._discard(temporary_url)
            raise StorageError(f"Cannot write {final}: {exc}") from exc
        self._commit(temporary_url, final)

    def parquet_schema(self, relative: str) -> pa.Schema:
        """The schema of a Parquet file, without reading its data."""
        try:
            if self._local:
                return pq.read_schema(self.path(relative))
            with self._fs.open(self.path(relative), "rb") as handle:
                return pq.read_schema(handle)
        except (OSError, pa.ArrowException) as exc:
            raise StorageError(f"Cannot read {self.path(relative)}: {exc}") from exc

    def iter_parquet(
        self, relative: str, columns: list[str] | None = None, batch_rows: int = 65_536
    ) -> Iterator[pa.RecordBatch]:
        """A Parquet file's rows in batches of at most ``batch_rows``, read a row group at a
        time, so memory holds a row group whatever the file's size (local or fsspec: the
        file stays open, and is closed, with the iteration).

        One reader per row group: a single ``iter_batches`` over a whole file keeps memory
        that grows with every batch it has read (about 2 MB per batch of 65,536 records with
        pyarrow 26)."""
        full = self.path(relative)
        try:
            with contextlib.ExitStack() as stack:
                source = full if self._local else stack.enter_context(self._fs.open(full, "rb"))
                reader = pq.ParquetFile(source)
                for group in range(reader.num_row_groups):
                    yield from reader.iter_batches(
                        batch_size=batch_rows, row_groups=[group], columns=columns
                    )
        except (OSError, pa.ArrowException) as exc:
            raise StorageError(f"Cannot read {full}: {exc}") from exc

    def read_parquet(self, relative: str, columns: list[str] | None = None) -> pa.Table:
        """Read a Parquet file, optionally only some columns.

        ``ParquetFile.read`` rather than ``read_table``: one file needs no dataset machinery,
        whose first use imports pandas (a fifth of a second on every command that reads
        records)."""
        try:
            if self._local:
                return pq.ParquetFile(self.path(relative)).read(columns=columns)
            with self._fs.open(self.path(relative), "rb") as handle:
                return pq.ParquetFile(handle).read(columns=columns)
        except (OSError, pa.ArrowException) as exc:
            raise StorageError(f"Cannot read {self.path(relative)}: {exc}") from exc
