"""Split-sample discovery says which examples its effect comes from, in every output."""

from __future__ import annotations

import json

import numpy as np
import pyarrow as pa
import pytest

from assay.analysis import discover_slices, fix_list, problems_from_slices
from assay.reports import analysis_html, fix_list_markdown


def _data() -> tuple[pa.Table, np.ndarray]:
    rng = np.random.default_rng(0)
    n = 4000
    region = rng.choice(["n", "s", "e", "w"], n)
    device = rng.choice(["p", "t", "d"], n)
    y = (rng.random(n) < np.where((region == "e") & (device == "p"), 0.4, 0.1)).astype(float)
    table = pa.table(
        {"example_id": [f"ex{i}" for i in range(n)], "region": region, "device": device}
    )
    return table, y


def test_split_mode_reports_the_confirming_half_next_to_the_whole_slice() -> None:
    table, y = _data()
    found = discover_slices(table, y, attributes=["region", "device"], control="split")
    top = found.slices[0]
    # before: the CLI printed n = len(example_ids) beside an interval from about half of them
    assert top.confirming_half and top.size < len(top.example_ids)
    words = f"n = {top.size:,} of {len(top.example_ids):,} (confirming half)"
    assert top.n_text() == words
    assert json.loads(json.dumps(top.to_dict()))["n_text"] == words
    fixes = fix_list(problems_from_slices(found))
    assert f"from the confirming half only ({words})" in fix_list_markdown(fixes)
    html = analysis_html(found, fixes)
    assert f"{top.size:,} of {len(top.example_ids):,} (confirming half)" in html
    whole = discover_slices(table, y, attributes=["region", "device"], control="bh").slices[0]
    assert not whole.confirming_half and whole.n_text() == f"n = {whole.size:,}"
    assert whole.size == len(whole.example_ids)


def test_markdown_fix_list_keeps_an_untrusted_name_on_one_line() -> None:
    table, y = _data()
    table = table.set_column(
        1,
        "region",
        pa.array(["e\n# Ship it\tnow" if r == "e" else r for r in table["region"].to_pylist()]),
    )
    found = discover_slices(table, y, attributes=["region", "device"], control="bh")
    text = fix_list_markdown(fix_list(problems_from_slices(found)))
    assert "\n# Ship it" not in text and "\t" not in text
    assert "e # Ship it now" in text


def test_the_cli_prints_the_confirming_half_in_split_mode(
    home: object, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from analysis_data import planted_runs

    import assay
    from assay.cli import main

    monkeypatch.setenv("COLUMNS", "80")
    _, base, cand = planted_runs(assay.open_store())
    assert main(["analyze", cand, "--against", base, "--control", "split", "--json"]) == 0
    top = json.loads(capsys.readouterr().out)["discovery"]["slices"][0]
    assert top["n_text"] == f"n = {top['size']} of {top['n_examples']} (confirming half)"
    assert main(["analyze", cand, "--against", base, "--control", "split"]) == 0
    flat = " ".join(capsys.readouterr().out.split())
    assert f"{top['size']} of {top['n_examples']} (confirming" in flat
