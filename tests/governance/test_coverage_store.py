"""``assay coverage`` against a real store holding a sample of the Adult census: counts per
slice equal the stored examples', shares are hand-weighed, needed n matches statsmodels, and a
mapping the store cannot satisfy is refused naming the registry line."""

from __future__ import annotations

import json
import math
import re
from pathlib import Path

import pytest
from statsmodels.stats.proportion import samplesize_confint_proportion

import assay
from assay.cli import EXIT_CODES, main
from assay.errors import ConfigError
from assay.stats import interval_sample_size
from assay.workflows import scenario_coverage

REGISTRY = """\
scenarios:
  - name: women
    weight: 0.3
    owner: fairness team
    half_width: 0.08
    covered_by:
      - suite: adult-sample
        slice: sex=Female
  - name: older people
    weight: 0.2
    half_width: 0.1
    covered_by:
      - suite: adult-sample
        slice: age_band=60+
  - name: smallest group
    weight: 0.1
    proportion: 0.9
    covered_by:
      - suite: adult-sample
        slice: race=Other
  - name: martians
    weight: 0.1
    covered_by:
      - suite: adult-sample
        slice: race=Martian
  - name: self-employed
    weight: 0.3
"""


@pytest.fixture
def registry(tmp_path: Path) -> Path:
    path = tmp_path / "coverage.yaml"
    path.write_text(REGISTRY)
    return path


def test_coverage_counts_shares_and_needed_n_are_true(
    real_store, adult_data, adult_frame, registry
):
    assay.register_suite(adult_data, store=real_store)
    report = scenario_coverage(registry, store=real_store)
    by_name = {s.name: s for s in report.scenarios}
    # counts per slice equal the stored examples' counts (and the source data's)
    stored = real_store.suites.examples("adult-sample").to_pandas()
    women = by_name["women"].slices[0]
    assert (
        women.n
        == int((stored["sex"] == "Female").sum())
        == int((adult_frame["sex"] == "Female").sum())
    )
    older = by_name["older people"].slices[0]
    assert older.n == int((adult_frame["age_band"] == "60+").sum())
    other = by_name["smallest group"].slices[0]
    assert other.n == int((adult_frame["race"] == "Other").sum()) > 0
    assert by_name["martians"].slices[0].n == 0
    # needed n: the t size at the planning proportion, never below the normal closed form
    assert women.needed_n == interval_sample_size(0.08, proportion=0.5)
    assert women.needed_n >= math.ceil(samplesize_confint_proportion(0.5, 0.08))
    assert other.needed_n == interval_sample_size(0.05, proportion=0.9)
    assert older.needed_n == interval_sample_size(0.1, proportion=0.5)
    # statuses follow from n against needed n, by hand
    assert women.n >= women.needed_n and older.n < older.needed_n  # (190 >= 153, 45 < 99)
    expected = {
        "women": "covered",
        "older people": "too small",
        "smallest group": "too small",
        "martians": "no examples",
        "self-employed": "uncovered",
    }
    assert {s.name: s.status for s in report.scenarios} == expected
    covered = 0.3 + 0.2 + 0.1  # women, older people, smallest group have examples
    assert report.covered_share == pytest.approx(covered)
    assert report.useful_share == pytest.approx(0.3)  # women only
    assert [c.scenario for c in report.too_small] == ["older people", "smallest group"]


def test_unknown_suite_slice_attribute_and_metric_are_refused(real_store, adult_data, tmp_path):
    assay.register_suite(adult_data, store=real_store)
    cases = [
        (
            "suite: adult-income",
            "line 5: the suite 'adult-income' is not in the store (stored suites: adult-sample)",
        ),
        (
            "suite: adult-sample\n        slice: income=high",
            "line 5: the suite 'adult-sample' has no slice attribute 'income' "
            "(its slice attributes: sex, race, age_band)",
        ),
        ("suite: adult-sample\n        metric: f1", "has no metric 'f1' (its metrics: accuracy)"),
    ]
    for mapping, message in cases:
        path = tmp_path / "bad.yaml"
        path.write_text(
            f"scenarios:\n  - name: a\n    weight: 1\n    covered_by:\n      - {mapping}\n"
        )
        with pytest.raises(ConfigError) as err:
            scenario_coverage(path, store=real_store)
        assert str(err.value).startswith(f"{path}, line 5: "), err.value
        assert message in str(err.value) and "(column 9)" in str(err.value)


def test_a_missing_registry_file_is_a_config_error(store, tmp_path):
    with pytest.raises(ConfigError, match="cannot read the coverage registry"):
        scenario_coverage(tmp_path / "nope.yaml", store=store)


def test_the_command_prints_json_html_and_a_table_at_80_columns(
    home, adult_data, registry, capsys, tmp_path
):
    assay.register_suite(adult_data)
    assert main(["coverage", "--registry", str(registry), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["uncovered"] == ["martians", "self-employed"]
    assert data["covered_share"] == pytest.approx(0.6)
    assert "smallest group" in [c["scenario"] for c in data["too_small"]]
    counts = {s["name"]: [c["n"] for c in s["slices"]] for s in data["scenarios"]}
    assert counts["martians"] == [0] and counts["self-employed"] == []
    page = tmp_path / "coverage.html"
    assert main(["coverage", "--registry", str(registry), "--html", str(page)]) == 0
    out = capsys.readouterr().out
    assert "60.0% of the weight covered" in out
    table = out[out.index("scenario ") : out.index("uncovered:")]
    assert max(len(line) for line in table.splitlines()) <= 80, table
    assert "uncovered: martians (10.0% of the weight), its slices hold no example" in out
    html = page.read_text()
    assert re.search(r"<(script|link|img|iframe)|\bsrc=|href=\"?http|url\(", html) is None
    assert "smallest group" in html and "60.0%" in html


def test_a_bad_registry_exits_with_the_configuration_code(home, tmp_path, capsys):
    path = tmp_path / "bad.yaml"
    path.write_text("scenarios:\n  - name: a\n    weight: -1\n")
    code = main(["coverage", "--registry", str(path)])
    err = capsys.readouterr().err
    assert code == EXIT_CODES[ConfigError] == 4
    assert "line 3: 'weight' of scenario 'a' is at least 0" in " ".join(err.split())


def test_hostile_names_are_shown_neutralised(home, adult_data, tmp_path, capsys):
    assay.register_suite(adult_data)
    path = tmp_path / "hostile.yaml"
    name = "<script>alert(1)</script>\u202egnp.exe"
    path.write_text(
        f'scenarios:\n  - name: {json.dumps(name)}\n    weight: 1\n    owner: "\\u202eevil"\n',
        encoding="utf-8",
    )
    page = tmp_path / "page.html"
    assert main(["coverage", "--registry", str(path), "--html", str(page)]) == 0
    out = capsys.readouterr().out
    assert "\u202e" not in out and "uncovered" in out
    html = page.read_text()
    assert "<script>" not in html and "&lt;script&gt;" in html and "\u202e" not in html
