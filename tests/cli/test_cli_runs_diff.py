"""`assay runs diff`: short run ids with the model as headers, digests cut to 12 characters."""

from __future__ import annotations

import json

import assay
from assay.cli import main
from assay.testing import synthetic_records, synthetic_suite


def test_runs_diff_shows_short_ids_and_digests(home, capsys) -> None:  # type: ignore[no-untyped-def]
    data = synthetic_suite(40, name="qa")
    a = assay.log_run(synthetic_records(data, seed=1), suite=data, model="m@1").run
    b = assay.log_run(synthetic_records(data, seed=2), suite=data, model="m@2").run
    assert main(["runs", "diff", "m@1", b.run_id]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[1].split() == ["field", a.run_id[:12], "(m@1)", b.run_id[:12], "(m@2)"]
    assert b.run_id not in "\n".join(lines)  # the typed full id is not a header
    assert main(["runs", "diff", "m@1", "m@2", "--json"]) == 0
    diffs = {d["field"]: d for d in json.loads(capsys.readouterr().out)}
    full = str(diffs["config_digest"]["a"])
    assert len(full) >= 40  # JSON keeps the whole digest
    assert main(["runs", "diff", "m@1", "m@2"]) == 0
    row = next(x for x in capsys.readouterr().out.splitlines() if x.startswith("config_digest"))
    assert row.split()[1] == full.removeprefix("sha256:")[:12]
    assert full not in row
