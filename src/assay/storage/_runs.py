"""Runs in SQL, their records as Parquet files; written atomically and never changed.

Tags and notes added later are metadata about a run (``_run_notes``); they never touch its
records, manifest or content digest."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from assay._util import check_instance, check_int, lazy_module
from assay.core import Run, RunInfo
from assay.errors import ConfigError, DataError, ImmutableError, NotFoundError, StorageError
from assay.storage._engine import check_writable, read_connection, write_transaction
from assay.storage._files import FileRoot
from assay.storage._generation import RUNS, generations
from assay.storage._query import RunQuery
from assay.storage._record_page import RecordFilter, RecordIndex, RecordPage
from assay.storage._rows import check_identifier, check_text
from assay.storage._run_infos import CACHED_INFOS, infos_of, read_ids
from assay.storage._run_notes import (
    MAX_NOTE,
    RunNote,
    TagChange,
    add_note,
    check_tags,
    current_tags,
    notes,
    set_tags,
    with_current_tags,
)
from assay.storage._run_query import query_shape
from assay.storage._run_refs import find_run
from assay.storage._run_text import withheld_batches, withheld_records
from assay.storage._run_write import (
    check_lengths,
    complete_run,
    content_digest,
    insert_run,
    record_stem,
    sorted_records,
)
from assay.storage._schema import runs
from assay.storage._staged_records import StagedRecords

if TYPE_CHECKING:
    import pyarrow as pa
else:  # listing and reading runs is SQL only: pyarrow loads when a record file is used
    pa = lazy_module("pyarrow")

__all__ = ["SqlRunRepository"]

_CACHED_LISTINGS = 32
_GENERATION = sa.select(generations.c.value).where(generations.c.name == RUNS)
_PAGED_RUNS = 2
_TEXT = "True, False or None"


class SqlRunRepository:
    """Runs in the ``runs`` table and its children; records in ``<files>/records/``."""

    def __init__(self, engine: sa.Engine, files: FileRoot) -> None:
        self.engine = engine
        self.files = files
        # Stored runs never change, so a parsed RunInfo stays valid for the life of the store.
        self._infos: dict[str, RunInfo] = {}
        # The record tables of the last runs paged through (a browser pages one run at a time).
        self._paged: dict[str, RecordIndex] = {}
        # The last listings by query, each under the runs' counter it was read at: storing a
        # run or setting a tag moves the counter on in its own transaction, so a listing read
        # under the counter's current value is still the answer.
        self._listings: dict[tuple[Any, ...], tuple[int, list[RunInfo]]] = {}
        self._listings_lock = threading.Lock()

    def put(self, run: Run, records: pa.Table | StagedRecords) -> tuple[Run, bool]:
        """Store a complete run and its records, atomically, once per content.

        The records are written to a Parquet file (zstd) under a temporary name and renamed
        into place, under a new name that carries the file's SHA-256 (reads verify it); then
        one transaction inserts the run, its metric summaries, tags and params. If the
        transaction fails, the file is removed; if the process dies first, the file is an
        orphan no run refers to, which ``assay db gc`` removes. ``records`` may be staged
        (:meth:`stage`): their file was encoded while the run was built.

        ``n_records`` and ``n_errors`` are counted from the records, and ``n_examples`` when
        the run leaves it 0 (hashing every example id costs more than the rest of the write).
        The records are stored sorted by ``(example_id, sample_index)`` (a stable sort; records
        already in that order are kept as they are). An empty ``content_digest`` is computed
        from suite, model, params and the sorted records, so the same records in any order
        give the same digest (computed while the file is written). If a run with the same
        content is stored, it is returned with False and nothing is kept. Storing a different
        run under a stored run id raises :class:`~assay.errors.ImmutableError`.
        """
        check_instance(run, "run", "RunRepository.put", Run, "a Run")
        check_instance(
            records, "records", "RunRepository.put", (pa.Table, StagedRecords), "a pyarrow.Table"
        )
        check_identifier(run.run_id, "run.run_id", "RunRepository.put")
        check_lengths(run)
        if isinstance(records, StagedRecords):
            return self._put_staged(run, records)
        if not run.content_digest:  # computed while the file is written
            with self.stage(records) as staged:
                return self._put_staged(run, staged)
        stored = complete_run(run, records, run.content_digest)
        existing = self._existing(stored)
        if existing is not None:  # found before anything is written
            return existing, False
        check_writable(self.engine)
        relative = self.files.publish_parquet(record_stem(run), sorted_records(records))
        return self._insert_new(stored, relative)

    def stage(self, records: pa.Table) -> StagedRecords:
        """Sort ``records`` and start encoding their record file on a thread of its own, for
        :meth:`put` to store while the caller builds the run (a context manager)."""
        check_instance(records, "records", "RunRepository.stage", pa.Table, "a pyarrow.Table")
        try:
            check_writable(self.engine)
        except StorageError:  # nothing to write: put finds a stored run or says why not
            return StagedRecords(self.files, records, write=False)
        return StagedRecords(self.files, records, write=True)

    def _put_staged(self, run: Run, staged: StagedRecords) -> tuple[Run, bool]:
        try:
            records = staged.records_for(self.files, "RunRepository.put")
            content = run.content_digest or content_digest(run, records)
            stored = complete_run(run, records, content)
            existing = self._existing(stored)
            if existing is not None:
                staged.discard()
                return existing, False
            check_writable(self.engine)
            relative = staged.adopt(record_stem(run))
        except BaseException:
            staged.discard()
            raise
        return self._insert_new(stored, relative)

    def _insert_new(self, stored: Run, relative: str) -> tuple[Run, bool]:
        """Insert a run whose record file is in place; the file is removed if that fails."""
        try:
            with write_transaction(self.engine) as conn:
                insert_run(conn, stored, relative)
        except BaseException as exc:
            self.files.remove(relative)
            if isinstance(exc, sa.exc.IntegrityError):
                existing = self._existing(stored)
                if existing is not None:
                    return existing, False
            if isinstance(exc, sa.exc.SQLAlchemyError):
                raise StorageError(f"Storing run {stored.run_id!r} failed: {exc}") from exc
            raise
        return stored, True

    def _existing(self, run: Run) -> Run | None:
        query = sa.select(runs.c.run_id, runs.c.content_digest).where(
            (runs.c.run_id == run.run_id) | (runs.c.content_digest == run.content_digest)
        )
        with read_connection(self.engine) as conn:
            rows = conn.execute(query).all()
        for row in rows:
            if row.run_id == run.run_id and row.content_digest != run.content_digest:
                raise ImmutableError(
                    f"Run {run.run_id!r} is stored and complete, with other content; a complete "
                    "run cannot be changed. Store the new results under a new run id."
                )
        return self.get(rows[0].run_id) if rows else None

    def _find(self, ref: str) -> sa.Row[Any, Any, Any, Any]:
        columns = (runs.c.run_id, runs.c.info, runs.c.manifest, runs.c.records_path)
        with read_connection(self.engine) as conn:
            row: sa.Row[Any, Any, Any, Any] = find_run(conn, ref, columns)
        return row

    def get(self, ref: str) -> Run:
        """A run, with its manifest, by id, unique id prefix or ``MODEL@VERSION``.

        Several runs matching raise :class:`~assay.errors.AmbiguousReferenceError` (its
        ``candidates`` list them); none raises :class:`~assay.errors.NotFoundError`.
        """
        row = self._find(ref)
        data = json.loads(row.info)
        data["manifest"] = json.loads(row.manifest)
        run = Run.model_validate(data)
        with read_connection(self.engine) as conn:
            tags = current_tags(conn, [run.run_id]).get(run.run_id, {})
        return with_current_tags(run, tags)

    def tag(self, ref: str, tags: Mapping[str, str]) -> tuple[Run, list[TagChange]]:
        """Set tags on a stored run (a new value replaces the old one, and the change is
        kept with its time); returns the run with its tags now, and what changed."""
        checked = check_tags(tags, "tag_run")
        run_id = self._find(ref).run_id
        with write_transaction(self.engine) as conn:
            changes = set_tags(conn, run_id, checked)
        return self.get(run_id), changes

    def note(self, ref: str, text: str) -> RunNote:
        """Append a note (free text, at most 10,000 characters) to a stored run."""
        if not isinstance(text, str) or not text.strip() or len(text) > MAX_NOTE:
            shown = text if not isinstance(text, str) or len(text) <= 60 else text[:57] + "..."
            raise ConfigError(f"A note is text of 1 to {MAX_NOTE:,} characters. Got {shown!r}.")
        run_id = self._find(ref).run_id
        with write_transaction(self.engine) as conn:
            return add_note(conn, run_id, text)

    def notes(self, ref: str) -> list[RunNote]:
        """A run's notes, oldest first."""
        run_id = self._find(ref).run_id
        with read_connection(self.engine) as conn:
            return notes(conn, run_id)

    def records(
        self, run_id: str, columns: list[str] | None = None, *, text: bool | None = None
    ) -> pa.Table:
        """A run's records as stored, optionally only ``columns`` (in that order); with
        ``text=False`` a red-team suite's input, reference, output and error text is withheld
        (``None`` or ``True``: every text as stored)."""
        relative = self._records_path(run_id, "RunRepository.records")
        check_instance(text, "text", "RunRepository.records", (bool, type(None)), _TEXT)
        if columns is not None:
            available = self.files.parquet_schema(relative).names
            missing = [c for c in columns if c not in available]
            if missing:
                raise DataError(
                    f"the records of run {run_id!r} have no column {missing[0]!r}",
                    column=missing[0],
                    expected=f"one of {available}",
                )
        table = self.files.read_parquet(relative, columns=columns)
        return table if text is not False else withheld_records(self.engine, run_id, table)

    def _records_path(self, run_id: str, function: str) -> str:
        check_text(run_id, "run_id", function, "a run id")
        with read_connection(self.engine) as conn:
            found = conn.execute(sa.select(runs.c.records_path).where(runs.c.run_id == run_id))
            relative = found.scalar_one_or_none()
        if relative is None:
            raise NotFoundError(f"No run has the id {run_id!r}. See `assay runs`.")
        return str(relative)

    def record_batches(
        self, run_id: str, batch_rows: int = 65_536, *, text: bool | None = None
    ) -> Iterator[pa.RecordBatch]:
        """A run's records as stored (sorted by example id), read a row group at a time in
        batches of at most ``batch_rows`` (local or object storage alike); ``text`` as
        :meth:`records` takes it."""
        relative = self._records_path(run_id, "RunRepository.record_batches")
        rows = check_int(batch_rows, "batch_rows", "RunRepository.record_batches")
        check_instance(text, "text", "RunRepository.record_batches", (bool, type(None)), _TEXT)
        batches = self.files.iter_parquet(
            relative, batch_rows=rows, owner=f"the record file of run {run_id}"
        )
        return batches if text is not False else withheld_batches(self.engine, run_id, batches)

    def page(
        self, run_id: str, where: RecordFilter | None = None, *, offset: int = 0, limit: int = 50
    ) -> RecordPage:
        """One page of a run's records matching ``where`` (see :func:`page_records`); the
        records of the last two runs paged through stay in memory between calls, with the
        matches of their last filters."""
        index = self._paged.pop(run_id, None)
        if index is None:
            index = RecordIndex(self.records(run_id))
        self._paged[run_id] = index  # most recently used last
        while len(self._paged) > _PAGED_RUNS:
            self._paged.pop(next(iter(self._paged)))
        return index.page(where, offset=offset, limit=limit)

    def list(self, query: RunQuery | None = None) -> list[RunInfo]:
        """Runs matching ``query`` (all runs, newest first, without one), without manifests.

        The returned objects are shared between calls (runs are immutable): do not mutate
        their ``tags``, ``params`` or ``metrics``; ``model_copy(deep=True)`` gives a private copy.
        The last listings are kept under the runs' counter they were read at; asking again
        while no run was stored and no tag set costs one read of the counter.
        """
        query = query or RunQuery()
        shape = query_shape(query)
        with read_connection(self.engine) as conn:
            # Read before the listing: a change committed in between moves the counter past
            # the value this listing is kept under, so the next call reads the runs again.
            generation = int(conn.execute(_GENERATION).scalar() or 0)
            kept = self._listings.get(shape) if shape is not None else None
            if kept is not None and kept[0] == generation:
                return list(kept[1])
            ids, new, tags = read_ids(conn, query, self._infos)
        found = infos_of(self._infos, ids, new, tags)
        if shape is not None and len(found) <= CACHED_INFOS:
            with self._listings_lock:  # a server lists from several threads
                self._listings.pop(shape, None)
                self._listings[shape] = (generation, found)  # most recently used last
                while len(self._listings) > _CACHED_LISTINGS:
                    self._listings.pop(next(iter(self._listings)))
        return list(found)
