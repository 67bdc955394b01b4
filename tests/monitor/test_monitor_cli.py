"""``assay monitor profile`` and ``assay monitor drift`` over a real embedded store, and the
HTML report."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import assay
from assay.cli import main
from assay.errors import NotFoundError
from assay.monitor import profile
from assay.reports import monitor_report_html
from assay.workflows import load_profile, monitor_drift, save_profile


def _write(
    path: Path, n: int, shift: float, seed: int, extra: str = "c", new: bool = False
) -> Path:
    rng = np.random.default_rng(seed)
    values = ["a", "b", "<script>x</script>"] if new else ["a", "b"]
    table = pa.table({"x": rng.normal(shift, 1.0, n), extra: pa.array(rng.choice(values, n))})
    pq.write_table(table, path)
    return path


def test_profile_then_drift_exit_codes_json_and_report(home, tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    ref = _write(tmp_path / "ref.parquet", 20_000, 0.0, 1)
    assert (
        main(
            [
                "monitor",
                "profile",
                str(ref),
                "--name",
                "prod",
                "-o",
                str(tmp_path / "p.profile"),
                "--json",
            ]
        )
        == 0
    )
    stored = json.loads(capsys.readouterr().out)
    assert stored["name"] == "prod" and len(stored["digest"]) == 64
    assert [c["name"] for c in stored["columns"]] == ["x", "c"]

    same = _write(tmp_path / "same.parquet", 3000, 0.0, 2)
    assert main(["monitor", "drift", str(same), "--reference", "prod", "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["verdict"] == "not drifted" and doc["reference_digest"] == stored["digest"]

    moved = _write(tmp_path / "moved.parquet", 3000, 0.6, 3, new=True)
    report = tmp_path / "drift.html"
    code = main(
        [
            "monitor",
            "drift",
            str(moved),
            "--reference",
            str(tmp_path / "p.profile"),
            "--report",
            str(report),
        ]
    )
    assert code == 1
    out = capsys.readouterr().out
    assert "drifted" in out and "wasserstein" in out
    html = report.read_text()
    assert "<svg" in html and "Benjamini-Hochberg" in html and "Methods" in html
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "http://" not in html.replace('xmlns="http://www.w3.org/2000/svg"', "")

    tiny = _write(tmp_path / "tiny.parquet", 8, 0.6, 4)
    assert main(["monitor", "drift", str(tiny), "--reference", "prod"]) == 2
    assert "too few values" in capsys.readouterr().out

    spec = tmp_path / "monitor.yaml"
    spec.write_text("margins: {wasserstein: 5.0, js: 0.9}\n")
    assert (
        main(["monitor", "drift", str(moved), "--reference", "prod", "--spec", str(spec), "--json"])
        == 0
    )
    assert json.loads(capsys.readouterr().out)["settings"]["margins"]["wasserstein"] == 5.0


def test_bad_references_are_clear_errors(home, tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    cur = _write(tmp_path / "cur.parquet", 100, 0.0, 5)
    assert main(["monitor", "drift", str(cur), "--reference", "nothing-by-this-name"]) not in (
        0,
        1,
        2,
    )
    assert "No monitor profile is named" in capsys.readouterr().err
    bad = tmp_path / "bad.profile"
    bad.write_bytes(b'{"columns":[], "format": "assay.profile/99", "name": "x", "rows": 0}')
    assert main(["monitor", "drift", str(cur), "--reference", str(bad)]) not in (0, 1, 2)
    assert "profile format" in capsys.readouterr().err
    assert main(["monitor", "profile", "--name", "x"]) not in (0, 1, 2)


def test_profiles_by_name_and_digest_in_the_store(home, tmp_path) -> None:  # type: ignore[no-untyped-def]
    store = assay.open_store()
    first = profile(pa.table({"x": np.arange(50.0)}), name="ref")
    second = profile(pa.table({"x": np.arange(60.0)}), name="ref")
    d1 = save_profile(first, store=store)
    assert load_profile("ref", store=store) == first
    d2 = save_profile(second, store=store)
    assert load_profile("ref", store=store) == second
    assert load_profile(d1, store=store) == first and d1 != d2
    with pytest.raises(NotFoundError):
        load_profile("other", store=store)
    result = monitor_drift(
        _write(tmp_path / "w.parquet", 40, 20.0, 6, extra="y"), reference="ref", store=store
    )
    assert result.reference_digest == d2 and result.added_columns == ("y",)
    assert "Drift of" in monitor_report_html(result)


def test_profile_of_a_stored_run(home, capsys) -> None:  # type: ignore[no-untyped-def]
    from assay.testing import synthetic_records, synthetic_suite

    suite = synthetic_suite(60, seed=3)
    logged = assay.log_run(synthetic_records(suite, seed=1), suite=suite, model="m@1")
    assert (
        main(["monitor", "profile", "--from-run", logged.run.run_id, "--name", "run-ref", "--json"])
        == 0
    )
    doc = json.loads(capsys.readouterr().out)
    names = {c["name"] for c in doc["columns"]}
    assert "example_id" in names and doc["rows"] == 60


def _keys(section: str, after: str, until: str) -> set[str]:
    text = section[section.index(after) :]
    return set(re.findall(r"`(\w+)`", text[: text.index(until)]))


def test_the_drift_and_profile_json_keys_are_the_documented_ones(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    doc = (Path(__file__).parents[2] / "docs" / "monitor.md").read_text(encoding="utf-8")
    section = doc[doc.index("## JSON output") : doc.index("## The monitor spec")]
    rng = np.random.default_rng(0)
    ref, cur = tmp_path / "ref.parquet", tmp_path / "cur.parquet"
    for path, shift in ((ref, 0.0), (cur, 0.5)):
        pq.write_table(
            pa.table({"x": rng.normal(shift, 1, 2000), "c": rng.choice(["a", "b"], 2000)}), path
        )
    db = f"sqlite:///{tmp_path / 'assay.db'}"
    assert main(["monitor", "profile", str(ref), "--name", "ref", "--db", db, "--json"]) == 0
    profiled = json.loads(capsys.readouterr().out)
    main(["monitor", "drift", str(cur), "--reference", "ref", "--db", db, "--json"])
    drifted = json.loads(capsys.readouterr().out)
    assert set(profiled) == _keys(section, "profile --json", "and `columns`") | {"columns"}
    assert set(profiled["columns"][0]) == _keys(section, "each `name`", ".")
    assert set(drifted) == _keys(section, "`current`,", "Each column") | {
        "reference",
        "reference_digest",
    }
    column = next(c for c in drifted["columns"] if c["column"] == "x")
    assert set(column) == _keys(section, "Each column:", "Each measure")
    assert set(column["measures"][0]) == _keys(section, "Each measure:", "The test:")
    assert set(column["test"]) == _keys(section, "The test:", "The missing share")
    assert set(column["missing"]) == _keys(section, "The missing share:", "\n\n")
    # the counts are the data's
    assert profiled["rows"] == drifted["rows_reference"] == drifted["rows_current"] == 2000
