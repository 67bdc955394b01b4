"""The remote store (``ASSAY_DB=http://...``) over a real server, on SQLite and PostgreSQL:
the store conformance checks, errors as assay's own exceptions, and the same answers as the
server's own store."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from assay.errors import AmbiguousReferenceError, NotFoundError, StorageError
from assay.server import ServerSettings, create_app
from assay.storage import RecordFilter, RemoteStore, Store, open_store
from assay.testing import check_store, running_server
from assay.testing._stored import make_records, make_run, make_suite_model


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    """The server's own store, on each backend."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'server' / 'assay.db'}"
    else:
        url = request.getfixturevalue("pg_migrated_url")
    with open_store(url, artifacts=str(tmp_path / "files")) as store:
        yield store


@pytest.fixture
def remote(backend: Store) -> Iterator[RemoteStore]:
    with running_server(create_app(backend, ServerSettings())) as url:
        store = open_store(url)
        assert isinstance(store, RemoteStore)
        yield store
        store.close()


def test_remote_store_passes_the_store_conformance_checks(remote: RemoteStore) -> None:
    check_store(remote)


def test_remote_store_reads_what_the_server_stores(remote: RemoteStore, backend: Store) -> None:
    suite, examples = make_suite_model("remote-reads", n=30, seed=2)
    assert remote.suites.put(suite, examples) is True
    records = make_records(30, seed=5, errors=3)
    run, created = remote.runs.put(make_run(suite, records, run_id="remote-a"), records)
    assert created
    assert backend.runs.get("remote-a") == run == remote.runs.get("remote-a")
    assert [i.run_id for i in remote.runs.list()] == [i.run_id for i in backend.runs.list()]
    assert remote.runs.records("remote-a", ["example_id"]).equals(
        backend.runs.records("remote-a", ["example_id"])
    )
    page = remote.runs.page("remote-a", RecordFilter(error=True), offset=0, limit=2)
    local = backend.runs.page("remote-a", RecordFilter(error=True), offset=0, limit=2)
    assert (page.total, len(page.rows)) == (local.total, len(local.rows)) == (3, 2)
    tagged, changes = remote.runs.tag("remote-a", {"stage": "canary"})
    assert tagged.tags["stage"] == "canary" and changes[0].previous is None
    remote.runs.note("remote-a", "looks fine")
    assert [n.text for n in remote.runs.notes("remote-a")] == ["looks fine"]
    assert backend.runs.get("remote-a").tags["stage"] == "canary"


def test_remote_errors_are_assay_exceptions(remote: RemoteStore) -> None:
    suite, examples = make_suite_model("remote-errors", n=10, seed=2)
    remote.suites.put(suite, examples)
    for run_id in ("same-1", "same-2"):
        records = make_records(10, seed=len(run_id) + int(run_id[-1]))
        remote.runs.put(make_run(suite, records, run_id=run_id), records)
    with pytest.raises(AmbiguousReferenceError) as found:
        remote.runs.get("same-")
    assert sorted(found.value.candidates)[:2] == ["same-1", "same-2"]
    with pytest.raises(NotFoundError):
        remote.runs.get("nothing-like-it")


def test_an_unreachable_server_is_a_storage_error_naming_it() -> None:
    store = RemoteStore("http://127.0.0.1:9")
    with pytest.raises(StorageError, match=r"127\.0\.0\.1:9"):
        store.runs.list()


def test_an_upload_over_the_server_limit_is_refused_naming_the_limit(backend: Store) -> None:
    limit = 32 * 1024
    with running_server(create_app(backend, ServerSettings(max_upload_bytes=limit))) as url:
        remote = RemoteStore(url)
        suite, examples = make_suite_model("remote-limit", n=10, seed=2)
        remote.suites.put(suite, examples)
        records = make_records(3_000, seed=1)
        with pytest.raises(StorageError, match=f"{limit:,} bytes"):
            remote.runs.put(make_run(suite, records, run_id="too-big"), records)
        remote.close()
    assert [info.run_id for info in backend.runs.list()] == []


def test_the_library_uses_the_server_that_assay_db_names(
    remote: RemoteStore, backend: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    import assay

    suite, examples = make_suite_model("remote-default", n=10, seed=2)
    backend.suites.put(suite, examples)
    records = make_records(10, seed=1)
    backend.runs.put(make_run(suite, records, run_id="by-env"), records)
    monkeypatch.setenv("ASSAY_DB", remote.url)
    monkeypatch.setenv("ASSAY_TOKEN", "not-checked-without-authentication")
    assert [r.run_id for r in assay.list_runs()] == ["by-env"]
    assert isinstance(assay.open_store(), RemoteStore)
