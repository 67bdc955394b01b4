"""``assay db gc``: orphaned objects older than the grace period go, referenced ones never."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest

import assay
from assay.cli import main
from assay.errors import ConfigError, ParameterError
from assay.storage import Store, open_store, sweep_orphans
from assay.testing import synthetic_records, synthetic_suite


def _fill(store: Store) -> str:
    """A suite, a run and an artifact; returns the run id."""
    data = synthetic_suite(120, seed=9)
    logged = assay.log_run(synthetic_records(data, seed=9), suite=data, model="m@1", store=store)
    store.artifacts.put(b"kept", media_type="text/plain")
    return logged.run.run_id


def _age(path: Path, seconds: float) -> None:
    then = time.time() - seconds
    os.utime(path, (then, then))


def test_local_orphans_go_and_referenced_files_stay(tmp_path: Path) -> None:
    files = tmp_path / "files"
    with open_store(f"sqlite:///{tmp_path / 'assay.db'}", artifacts=str(files)) as store:
        run_id = _fill(store)
        in_use = sorted(p for p in files.rglob("*") if p.is_file())
        orphans = {
            files / "records" / f"gone.0badc0de.sha256-{'a' * 64}.parquet": b"PAR1 no run",
            files / "suites" / "old.0badc0de.parquet": b"PAR1 no suite",
            files / "records" / ".x.parquet.0123.tmp": b"half",
            files / "artifacts" / "ab" / f"ab{'c' * 62}.json": b'{"media_type": "x"}',
        }
        for path, data in orphans.items():
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
            _age(path, 7 * 3600)
        young = files / "records" / "fresh.0badc0de.parquet"
        young.write_bytes(b"PAR1 still being committed")
        stranger = files / "records" / "notes.txt"  # not a name assay writes: never touched
        stranger.write_bytes(b"mine")
        _age(stranger, 30 * 86400)

        dry = sweep_orphans(store, dry_run=True)
        assert {Path(o.location) for o in dry.orphans} == set(orphans)
        assert dry.removed_bytes == sum(len(d) for d in orphans.values())
        assert dry.young == 1 and dry.referenced == len(in_use) + 1
        assert all(p.exists() for p in orphans)

        swept = sweep_orphans(store)
        assert {Path(o.location) for o in swept.orphans} == set(orphans)
        assert not any(p.exists() for p in orphans)
        assert young.exists() and stranger.exists() and all(p.exists() for p in in_use)
        assert store.runs.records(run_id).num_rows == 120
        assert sweep_orphans(store).orphans == ()


def test_a_complete_artifact_is_never_an_orphan(tmp_path: Path) -> None:
    with open_store(f"sqlite:///{tmp_path / 'assay.db'}", artifacts=str(tmp_path / "f")) as st:
        digest = st.artifacts.put(b"a log entry no row names", media_type="text/plain")
        for path in (tmp_path / "f").rglob("*"):
            if path.is_file():
                _age(path, 365 * 86400)
        assert sweep_orphans(st, grace_seconds=0).orphans == ()
        assert st.artifacts.get(digest) == b"a log entry no row names"


def test_s3_orphans_are_listed_with_their_size(s3, tmp_path: Path) -> None:
    with open_store(f"sqlite:///{tmp_path / 'assay.db'}") as store:
        _fill(store)
        in_use = s3.objects()
        s3.put("team/records/.lost.parquet.0123.tmp", b"partial upload")
        s3.put(f"team/artifacts/de/de{'f' * 62}.json", b"{}")
        assert sweep_orphans(store).young == 2  # moments old: kept
        swept = sweep_orphans(store, grace_seconds=0)
        assert sorted(o.reason for o in swept.orphans) == [
            "artifact metadata whose content was never written",
            "temporary object of an interrupted write",
        ]
        assert swept.removed_bytes == len(b"partial upload") + 2
        assert s3.objects() == in_use


def test_the_command_prints_what_and_how_much(tmp_path: Path, monkeypatch, capsys) -> None:
    monkeypatch.setenv("ASSAY_HOME", str(tmp_path / "home"))
    with open_store() as store:
        _fill(store)
    orphan = tmp_path / "home" / "records" / "gone.0badc0de.parquet"
    orphan.write_bytes(b"x" * 2048)
    _age(orphan, 2 * 86400)
    assert main(["db", "gc", "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "would remove" in out and "gone.0badc0de.parquet" in out and "2.0 KiB" in out
    assert orphan.exists()
    assert main(["db", "gc", "--grace", "1d", "--json"]) == 0
    swept = json.loads(capsys.readouterr().out)
    assert [o["size"] for o in swept["orphans"]] == [2048] and swept["bytes"] == 2048
    assert not orphan.exists()
    assert main(["db", "gc", "--grace", "soon"]) != 0
    assert "--grace is a duration" in capsys.readouterr().err


def test_bad_arguments(tmp_path: Path) -> None:
    with open_store(f"sqlite:///{tmp_path / 'assay.db'}") as store:
        with pytest.raises(ParameterError, match="'grace_seconds' parameter of sweep_orphans"):
            sweep_orphans(store, grace_seconds=-1)
        with pytest.raises(ParameterError, match="'dry_run' parameter of sweep_orphans"):
            sweep_orphans(store, dry_run="yes")  # type: ignore[arg-type]
    with pytest.raises(ParameterError, match="'store' parameter of sweep_orphans"):
        sweep_orphans("sqlite://")  # type: ignore[arg-type]
    assert issubclass(ParameterError, ConfigError)
