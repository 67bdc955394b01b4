"""Artifacts: content-addressed, idempotent, atomic, in local folders and any fsspec system."""

from __future__ import annotations

import hashlib
import uuid
from pathlib import Path

import pytest

from assay.errors import NotFoundError, ParameterError
from assay.storage import ArtifactRepository, Store, open_store
from assay.testing import make_records, make_run
from assay.testing import make_suite_model as make_suite


@pytest.fixture(params=["local", "memory"])
def artifact_store(request: pytest.FixtureRequest, tmp_path: Path) -> Store:
    if request.param == "local":
        store = open_store(f"sqlite:///{tmp_path / 'assay.db'}", artifacts=str(tmp_path / "f"))
    else:
        # memory:// files need a database that vanishes with them
        store = open_store("sqlite://", artifacts=f"memory://{uuid.uuid4().hex}")
    request.addfinalizer(store.close)
    return store


def test_round_trip_and_idempotence(artifact_store: Store) -> None:
    artifacts = artifact_store.artifacts
    assert isinstance(artifacts, ArtifactRepository)
    data = b"<html>report</html>"
    digest = artifacts.put(data, media_type="text/html")
    assert digest == hashlib.sha256(data).hexdigest()
    assert artifacts.exists(digest)
    assert artifacts.get(digest) == data
    assert artifacts.media_type(digest) == "text/html"
    assert artifacts.put(data, media_type="text/html") == digest
    empty = artifacts.put(b"")
    assert artifacts.get(empty) == b""
    assert artifacts.media_type(empty) == "application/octet-stream"


def test_unknown_and_malformed_digests(artifact_store: Store) -> None:
    artifacts = artifact_store.artifacts
    missing = hashlib.sha256(b"never stored").hexdigest()
    assert not artifacts.exists(missing)
    with pytest.raises(NotFoundError, match=missing):
        artifacts.get(missing)
    with pytest.raises(ParameterError, match=r"'digest' parameter of ArtifactRepository\.get"):
        artifacts.get("../../etc/passwd")
    with pytest.raises(ParameterError, match="'data' parameter"):
        artifacts.put("text")  # type: ignore[arg-type]


def test_no_temporary_files_remain(tmp_path: Path) -> None:
    with open_store(f"sqlite:///{tmp_path / 'assay.db'}", artifacts=str(tmp_path / "f")) as store:
        for i in range(5):
            store.artifacts.put(f"artifact {i}".encode())
    names = [p.name for p in (tmp_path / "f" / "artifacts").rglob("*") if p.is_file()]
    assert len(names) == 10
    assert not [n for n in names if n.startswith(".")]


def test_records_and_examples_in_an_fsspec_file_system(tmp_path: Path) -> None:
    files = f"memory://{uuid.uuid4().hex}"
    with open_store("sqlite://", artifacts=files) as store:
        suite, examples = make_suite("qa")
        store.suites.put(suite, examples)
        records = make_records(30)
        store.runs.put(make_run(suite, records, run_id="remote"), records)
        assert store.suites.examples(suite.digest).equals(examples)
        assert store.runs.records("remote").equals(records)
        assert store.runs.records("remote", ["accuracy"]).column_names == ["accuracy"]
    assert not (tmp_path / "records").exists()
