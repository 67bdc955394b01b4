"""Registering a study is one locked step: first registrations of one name sent at once to a
real server on loopback (over the real PostgreSQL server and over SQLite), each by its own
remote store, record exactly one; the others are refused as already registered, nothing of
theirs is recorded, and the study reads back with no problems."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from adult_runs import adult_subset, write_study

import assay
from assay.errors import ImmutableError
from assay.server import ServerSettings, create_app
from assay.storage import Store, open_store
from assay.testing import running_server
from assay.workflows import register_study, study_status

SENDERS = 6


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def served(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[str, Store]]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'server' / 'assay.db'}"
    else:
        url = request.getfixturevalue("pg_migrated_url")
    with open_store(url, artifacts=str(tmp_path / "files")) as store:
        assay.register_suite(adult_subset(), store=store)
        with running_server(create_app(store, ServerSettings())) as base:
            yield base, store


def _register_all_at_once(base: str, study: Path) -> list[BaseException | None]:
    """Register ``study`` from each thread with its own remote store, released together."""
    start, outcomes = threading.Barrier(SENDERS), [None] * SENDERS
    found: list[BaseException | None] = list(outcomes)

    def send(i: int) -> None:
        remote = open_store(base)
        try:
            start.wait()
            register_study(study, store=remote)
        except Exception as exc:  # each outcome is checked below
            found[i] = exc
        finally:
            remote.close()

    threads = [threading.Thread(target=send, args=(i,)) for i in range(SENDERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return found


def test_one_first_registration_of_a_name(
    served: tuple[str, Store], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    base, store = served
    monkeypatch.chdir(tmp_path)
    outcomes = _register_all_at_once(base, write_study(tmp_path))
    refused = [o for o in outcomes if o is not None]
    assert len(refused) == SENDERS - 1, outcomes
    for exc in refused:
        assert isinstance(exc, ImmutableError), repr(exc)
        assert "already registered" in str(exc) and "Nothing was recorded" in str(exc)
    (entry,) = store.decisions.entries(kind="study", subject="study:adult-retrain")
    status = study_status("adult-retrain", store=store)
    assert (status.version, status.digest, status.problems) == (
        1,
        entry.payload["digest"],
        [],
    )
    assert store.decisions.verify().ok


def test_one_first_registration_in_one_store(
    served: tuple[str, Store], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The same through one store's own threads, without a server in between."""
    _, store = served
    monkeypatch.chdir(tmp_path)
    study, start = write_study(tmp_path), threading.Barrier(SENDERS)
    found: list[BaseException | None] = [None] * SENDERS

    def send(i: int) -> None:
        start.wait()
        try:
            register_study(study, store=store)
        except Exception as exc:  # each outcome is checked below
            found[i] = exc

    threads = [threading.Thread(target=send, args=(i,)) for i in range(SENDERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    refused = [o for o in found if o is not None]
    assert len(refused) == SENDERS - 1 and all(isinstance(o, ImmutableError) for o in refused)
    assert len(store.decisions.entries(kind="study")) == 1
    assert study_status("adult-retrain", store=store).problems == []
