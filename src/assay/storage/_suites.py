"""Suite versions in SQL, their examples as Parquet files."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa

from assay._util import check_instance, lazy_module
from assay.core import Suite
from assay.errors import DataError, NotFoundError, StorageError
from assay.storage._engine import check_writable, read_connection, write_transaction
from assay.storage._files import FileRoot
from assay.storage._parquet_io import file_version
from assay.storage._rows import check_length, check_text, like_prefix
from assay.storage._schema import suites
from assay.storage._withheld import withhold_text

if TYPE_CHECKING:
    import pyarrow as pa
else:  # suites are SQL rows: pyarrow loads when their examples file is used
    pa = lazy_module("pyarrow")

__all__ = ["SqlSuiteRepository"]

_HEX_PREFIX = re.compile(r"^[0-9a-f]{6,64}$")


class SqlSuiteRepository:
    """Suites in the ``suites`` table; examples in ``<files>/suites/*.parquet``."""

    def __init__(self, engine: sa.Engine, files: FileRoot) -> None:
        self.engine = engine
        self.files = files
        # The examples file last read, with the version of it read: (path, version, table).
        self._examples: tuple[str, tuple[object, ...], pa.Table] | None = None

    def put(self, suite: Suite, examples: pa.Table) -> bool:
        """Store a suite version with its examples; True if it was not stored before.

        The examples table must have one row per example and an ``example_id`` column.
        """
        check_instance(suite, "suite", "SuiteRepository.put", Suite, "a Suite")
        check_instance(examples, "examples", "SuiteRepository.put", pa.Table, "a pyarrow.Table")
        if "example_id" not in examples.column_names:
            raise DataError(
                f"the examples of suite {suite.name!r} have no example_id column",
                expected="an example_id column",
                found=f"columns {examples.column_names}",
            )
        if examples.num_rows != suite.n_examples:
            raise DataError(
                f"suite {suite.name!r} declares {suite.n_examples} examples",
                expected=f"{suite.n_examples} rows",
                found=f"{examples.num_rows} rows",
            )
        check_length(suite.name, 200, "suite.name", "SuiteRepository.put")
        check_length(suite.version, 200, "suite.version", "SuiteRepository.put")
        digest = suite.digest
        if self._exists(digest):
            return False
        check_writable(self.engine)
        relative = self.files.publish_parquet(f"{digest[:16]}.{uuid.uuid4().hex[:8]}", examples)
        row = {
            "digest": digest,
            "name": suite.name,
            "version": suite.version,
            "definition": suite.model_dump_json(),
            "n_examples": suite.n_examples,
            "examples_path": relative,
            "created_at": datetime.now(UTC),
        }
        try:
            with write_transaction(self.engine) as conn:
                conn.execute(suites.insert().values(**row))
        except BaseException as exc:
            self.files.remove(relative)
            if isinstance(exc, sa.exc.IntegrityError) and self._exists(digest):
                return False
            if isinstance(exc, sa.exc.SQLAlchemyError):
                raise StorageError(f"Storing suite {suite.name!r} failed: {exc}") from exc
            raise
        return True

    def _exists(self, digest: str) -> bool:
        with read_connection(self.engine) as conn:
            found = conn.execute(sa.select(suites.c.digest).where(suites.c.digest == digest))
            return found.first() is not None

    def _row(self, ref: str) -> sa.Row[str, str, str]:
        check_text(ref, "ref", "SuiteRepository.get", "a digest, prefix or name")
        columns = (suites.c.digest, suites.c.definition, suites.c.examples_path)
        newest = (suites.c.created_at.desc(), suites.c.digest)
        with read_connection(self.engine) as conn:
            row = conn.execute(sa.select(*columns).where(suites.c.digest == ref)).first()
            if row is None:
                name, at, version = ref.partition("@")
                where = suites.c.name == name
                if at:
                    where = where & (suites.c.version == version)
                row = conn.execute(sa.select(*columns).where(where).order_by(*newest)).first()
            if row is None and _HEX_PREFIX.match(ref):
                pattern = suites.c.digest.like(like_prefix(ref), escape="\\")
                rows = conn.execute(sa.select(*columns).where(pattern).limit(11)).all()
                if len(rows) > 1:
                    shown = ", ".join(r.digest[:12] for r in rows[:10])
                    raise StorageError(
                        f"The prefix {ref!r} matches several suites ({shown}); "
                        "give more characters of the digest."
                    )
                row = rows[0] if rows else None
            if row is None:
                names = sorted(set(conn.execute(sa.select(suites.c.name)).scalars()))
        if row is None:
            known = f"Stored suites: {', '.join(names)}." if names else "No suite is stored yet."
            raise NotFoundError(
                f"No suite has the digest, digest prefix or name {ref!r}. {known} "
                "See `assay suites list`."
            )
        return row

    def get(self, ref: str) -> Suite:
        """A suite by full digest, unique digest prefix (6+ hex), ``name`` or ``name@version``.

        A name gives the newest stored version of that name.
        """
        return Suite.model_validate_json(self._row(ref).definition)

    def examples(self, digest: str, *, text: bool = True) -> pa.Table:
        """The examples table of a stored suite (``digest`` may be any reference ``get`` takes).
        Without ``text`` a red-team suite's input and reference are withheld
        (:func:`~assay.storage.withhold_text`): for readers that need only ids, slices and
        clusters."""
        check_instance(text, "text", "SqlSuiteRepository.examples", bool, "a bool")
        row = self._row(digest)
        table = self._read_examples(row.examples_path)
        if text:
            return table
        return withhold_text(table, Suite.model_validate_json(row.definition))

    def _read_examples(self, relative: str) -> pa.Table:
        """The examples file, decoded and verified once per version of it: a process that
        records many runs of one suite (a server taking uploads, a loop of ingests) does not
        read it again while it is unchanged; a file rewritten since is read and verified
        again (its size, times or inode differ), and a missing one raises as a read does."""
        try:
            version = file_version(self.files, relative, self.files.location(relative))
        except (OSError, StorageError):
            version = ()
        kept = self._examples
        if version and kept is not None and kept[0] == relative and kept[1] == version:
            return kept[2]
        table = self.files.read_parquet(relative)
        if version:
            self._examples = (relative, version, table)
        return table

    def list(self) -> list[Suite]:
        """Every stored suite version, by name and then oldest first."""
        query = sa.select(suites.c.definition).order_by(
            suites.c.name, suites.c.created_at, suites.c.digest
        )
        with read_connection(self.engine) as conn:
            return [Suite.model_validate_json(text) for text in conn.execute(query).scalars()]
