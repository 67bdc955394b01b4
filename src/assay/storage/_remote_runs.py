"""Runs and their records on an assay server (the runs of a
:class:`~assay.storage.RemoteStore`)."""

from __future__ import annotations

import builtins
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from assay._util import check_instance, check_int
from assay.core import Run, RunInfo
from assay.storage._query import RunQuery
from assay.storage._record_page import RecordFilter, RecordPage
from assay.storage._remote import _q, _table
from assay.storage._remote_client import RemoteClient
from assay.storage._run_notes import RunNote, TagChange
from assay.storage.wire import PARQUET, RUN_KEY, parquet_bytes

if TYPE_CHECKING:
    from collections.abc import Mapping

    import pyarrow as pa

__all__ = ["RemoteRunRepository"]

_PAGE = 1000
_TEXT = "True, False or None"


def _sort(query: RunQuery) -> str:
    key = "created_at" if query.sort == "created_at" else f"metric:{query.sort}"
    return ("-" if query.descending else "") + key


class RemoteRunRepository:
    """Runs and their records on an assay server."""

    def __init__(self, client: RemoteClient) -> None:
        self.client = client

    def put(self, run: Run, records: pa.Table) -> tuple[Run, bool]:
        """Upload a run with its records (one Parquet body, checked against its SHA-256);
        the server keeps one copy per content."""
        body = parquet_bytes(records, {RUN_KEY: run.model_dump_json().encode()})
        found = self.client.json("POST", "/api/v1/runs", body=body, media_type=PARQUET, digest=True)
        return Run.model_validate(found["run"]), bool(found["created"])

    def get(self, ref: str) -> Run:
        """A run by id, unique id prefix or ``MODEL@VERSION``."""
        _, _, data = self.client.request("GET", f"/api/v1/runs/{_q(ref)}")
        return Run.model_validate_json(data)

    def records(
        self, run_id: str, columns: list[str] | None = None, *, text: bool | None = None
    ) -> pa.Table:
        """A run's records, optionally only ``columns`` (in that order). The server withholds
        a red-team suite's input, reference, output and error text unless ``text=True`` asks
        for it, and gives it only to an editor or above: a lower role gets
        :class:`~assay.errors.AccessDeniedError`."""
        check_instance(run_id, "run_id", "RunRepository.records", str, "a run id")
        check_instance(text, "text", "RunRepository.records", (bool, type(None)), _TEXT)
        query = {"column": columns or None, "show_unsafe_text": text or None}
        _, _, data = self.client.request(
            "GET", f"/api/v1/runs/{_q(run_id)}/records.parquet", query=query
        )
        return _table(data)

    def record_batches(
        self, run_id: str, batch_rows: int = 65_536, *, text: bool | None = None
    ) -> Iterator[pa.RecordBatch]:
        """A run's records in batches (``text`` as :meth:`records` takes it); the server sends
        the record file in one response, so a remote store holds it whole."""
        rows = check_int(batch_rows, "batch_rows", "RunRepository.record_batches")
        return iter(self.records(run_id, text=text).to_batches(max_chunksize=rows))

    def list(self, query: RunQuery | None = None) -> list[RunInfo]:
        """Runs matching ``query`` (all runs, newest first, without one), without manifests."""
        query = query or RunQuery()
        params: dict[str, Any] = {
            "suite": query.suite,
            "model": query.model,
            "tag": [f"{k}={v}" for k, v in query.tags.items()],
            "where": [f"{f.metric}{f.op}{f.value!r}" for f in query.metric_filters],
            "sort": _sort(query),
        }
        infos: list[RunInfo] = []
        cursor: str | None = None
        while True:
            wanted = _PAGE if query.limit is None else min(_PAGE, query.limit - len(infos))
            if wanted <= 0:
                break
            found = self.client.json(
                "GET", "/api/v1/runs", query={**params, "limit": wanted, "cursor": cursor}
            )
            infos.extend(RunInfo.model_validate(item) for item in found["items"])
            cursor = found["next_cursor"]
            if cursor is None:
                break
        return infos

    def tag(self, ref: str, tags: Mapping[str, str]) -> tuple[Run, builtins.list[TagChange]]:
        """Set tags on a stored run; returns the run with its tags now, and what changed."""
        found = self.client.json(
            "POST", f"/api/v1/runs/{_q(ref)}/tags", json_body={"tags": dict(tags)}
        )
        changes = [TagChange(**change) for change in found["changes"]]
        return Run.model_validate(found["run"]), changes

    def note(self, ref: str, text: str) -> RunNote:
        """Append a note to a stored run."""
        found = self.client.json("POST", f"/api/v1/runs/{_q(ref)}/notes", json_body={"text": text})
        return _note(found)

    def notes(self, ref: str) -> builtins.list[RunNote]:
        """A run's notes, oldest first."""
        found = self.client.json("GET", f"/api/v1/runs/{_q(ref)}/notes")
        return [_note(item) for item in found["items"]]

    def page(
        self, run_id: str, where: RecordFilter | None = None, *, offset: int = 0, limit: int = 50
    ) -> RecordPage:
        """One page of a run's records matching ``where``, filtered on the server."""
        where = where or RecordFilter()
        score = where.score
        query: dict[str, Any] = {
            "offset": offset,
            "limit": limit,
            "slice": [f"{k}={v}" for k, v in where.slices.items()],
            "error": where.error,
            "score": None if score is None else f"{score.metric}{score.op}{score.value!r}",
            "q": where.text,
        }
        found = self.client.json("GET", f"/api/v1/runs/{_q(run_id)}/records", query=query)
        return RecordPage(
            rows=found["items"], total=found["total"], offset=found["offset"], limit=limit
        )


def _note(data: Mapping[str, Any]) -> RunNote:
    from datetime import datetime

    return RunNote(
        run_id=data["run_id"],
        sequence=data["sequence"],
        text=data["text"],
        created_at=datetime.fromisoformat(data["created_at"]),
    )
