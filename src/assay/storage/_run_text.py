"""A red-team suite's text withheld from a run's records read with ``text=False``: the input,
reference, output and error of every record replaced by :data:`~assay.core.WITHHELD`, ids,
slices, scores and which records errored kept (:func:`~assay.storage.withhold_text`)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING

import sqlalchemy as sa

from assay._util import lazy_module
from assay.core import Suite
from assay.storage._engine import read_connection
from assay.storage._schema import runs, suites
from assay.storage._withheld import withhold_text

if TYPE_CHECKING:
    import pyarrow as pa
else:
    pa = lazy_module("pyarrow")

__all__ = ["withheld_batches", "withheld_records"]


def _unsafe_suite(engine: sa.Engine, run_id: str) -> Suite | None:
    """The suite of run ``run_id`` when it is a red-team suite, else None."""
    query = (
        sa.select(suites.c.definition)
        .join(runs, runs.c.suite_digest == suites.c.digest)
        .where(runs.c.run_id == run_id)
    )
    with read_connection(engine) as conn:
        definition = conn.execute(query).scalar_one()
    suite = Suite.model_validate_json(definition)
    return suite if suite.catalog.unsafe_text else None


def withheld_records(engine: sa.Engine, run_id: str, table: pa.Table) -> pa.Table:
    """``table`` (records of run ``run_id``) with its suite's text withheld."""
    suite = _unsafe_suite(engine, run_id)
    return table if suite is None else withhold_text(table, suite)


def withheld_batches(
    engine: sa.Engine, run_id: str, batches: Iterable[pa.RecordBatch]
) -> Iterator[pa.RecordBatch]:
    """``batches`` (records of run ``run_id``) with its suite's text withheld, batch by batch."""
    suite = _unsafe_suite(engine, run_id)
    for batch in batches:
        if suite is None:
            yield batch
        else:
            yield from withhold_text(pa.Table.from_batches([batch]), suite).to_batches()
