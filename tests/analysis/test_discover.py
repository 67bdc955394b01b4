"""Slice discovery on tables: merging, binning, clusters, the stated empty answer, bad input,
the fix list and promotion into the next suite version."""

from __future__ import annotations

import json

import numpy as np
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from assay.analysis import (
    Predicate,
    Problem,
    discover_slices,
    fix_list,
    problems_from_slices,
    promote_slices,
)
from assay.data import make_suite
from assay.errors import ConfigError, DataError
from assay.reports import analysis_html, fix_list_markdown


def _table(n: int, seed: int = 0) -> tuple[pa.Table, np.ndarray]:
    rng = np.random.default_rng(seed)
    colour = rng.choice(["red", "green", "blue"], n)
    # 'shade' names the same groups as 'colour' in other words: same rows, other descriptions
    shade = np.select([colour == "red", colour == "green"], ["warm", "fresh"], "cool")
    size = rng.integers(0, 100, n).astype(float)
    errors = (rng.random(n) < np.where(colour == "red", 0.4, 0.1)).astype(float)
    table = pa.table(
        {
            "example_id": [f"x{i:04d}" for i in range(n)],
            "colour": colour,
            "shade": shade,
            "size": size,
        }
    )
    return table, errors


def test_same_rows_are_merged_under_the_shortest_description():
    table, errors = _table(900)
    found = discover_slices(table, errors, attributes=["shade", "colour"], control="holm")
    assert [s.description for s in found.slices] == ["colour = red"]
    (red,) = found.slices
    assert set(red.same_rows_as) == {"shade = warm", "shade = warm AND colour = red"}
    ids = np.array(table.column("example_id").to_pylist())
    colour = np.array(table.column("colour").to_pylist())
    assert list(red.example_ids) == sorted(ids[colour == "red"])
    assert red.size == len(red.example_ids) and red.share == pytest.approx(np.mean(colour == "red"))
    assert red.low > 0 and red.adjusted_p_value <= 0.05
    assert found.candidates == 3 + 3 + 3  # colour, shade, and the 3 conjunctions that are non-empty


def test_no_slice_found_is_a_stated_answer():
    table, _ = _table(600)
    errors = (np.random.default_rng(5).random(600) < 0.1).astype(float)
    found = discover_slices(table, errors, attributes=["colour"], numeric=["size"])
    assert not found.found and found.slices == ()
    assert found.summary().startswith("No slice found worse than the rest among")
    page = analysis_html(found, fix_list(problems_from_slices(found)))
    assert "No slice found." in page and f"{found.candidates:,} slices" in page
    assert "No problem found." in fix_list_markdown(fix_list([]))


def test_numeric_fields_are_binned_at_quantiles_and_read_back():
    table, _ = _table(400)
    errors = (np.asarray(table.column("size").to_pylist()) >= 75).astype(float)
    found = discover_slices(table, errors, attributes=[], numeric=["size"], bins=4, control="holm")
    top = found.slices[0]
    assert top.description.startswith("size >= ")
    (pred,) = top.predicates
    inside = pred.matches(table.column("size"))
    assert inside.sum() == top.size
    assert Predicate("size", low=10.0, high=20.0).describe() == "10 <= size < 20"


def test_clusters_make_the_test_cluster_robust():
    table, errors = _table(800)
    table = table.append_column("cluster", pa.array([f"c{i // 4}" for i in range(800)]))
    found = discover_slices(table, errors, attributes=["colour"], control="bh")
    assert found.test == "cluster-robust t" and found.n_clusters == 200
    assert found.slices[0].n_clusters is not None


def test_nothing_to_slice_on_is_a_clear_error():
    table, errors = _table(100)
    with pytest.raises(DataError, match="nothing to slice on"):
        discover_slices(table, errors, attributes=[])
    with pytest.raises(DataError, match="no column 'absent'"):
        discover_slices(table, errors, attributes=["absent"])


def test_fix_list_ranks_by_share_times_gap_and_takes_other_sources():
    table, errors = _table(900)
    found = discover_slices(table, errors, attributes=["colour"])
    cluster = Problem("cluster", "refund questions", 50, 50 / 900, 0.9, 0.7, 1.1, ("x0001",))
    fixes = fix_list([*problems_from_slices(found), cluster])
    impacts = [p.impact for p in fixes.problems]
    assert impacts == sorted(impacts, reverse=True)
    doc = fixes.to_dict()
    assert [p["rank"] for p in doc["problems"]] == list(range(1, len(impacts) + 1))
    red = next(p for p in doc["problems"] if p["source"] == "slice")
    assert red["impact_low"] == pytest.approx(red["share"] * red["gap_low"])
    json.dumps(doc, allow_nan=False)
    text = fix_list_markdown(fixes)
    assert "| 1 |" in text and "refund questions" in text


def test_promoted_slices_become_declared_slices_of_the_next_version():
    table, errors = _table(300)
    suite = make_suite(
        "colours",
        [
            {"example_id": i, "slices": {"colour": c}}
            for i, c in zip(
                table.column("example_id").to_pylist(),
                table.column("colour").to_pylist(),
                strict=True,
            )
        ],
        metrics=["accuracy"],
        slices=["colour"],
        version="1",
    )
    found = discover_slices(table, errors, attributes=["colour"], control="holm")
    new = promote_slices(suite, found.slices)
    assert new.version == "2" and new.suite.slice_names == ["colour", "found_colour_red"]
    rows = new.examples.to_pylist()
    inside = sorted(r["example_id"] for r in rows if r["found_colour_red"] == "in")
    assert inside == list(found.slices[0].example_ids)
    with pytest.raises(ConfigError, match="Cannot declare"):
        promote_slices(suite, found.slices, names=["colour"])


_TEXT = st.text(alphabet=st.characters(codec="utf-8"), min_size=0, max_size=6)


@settings(max_examples=40, deadline=None)
@given(
    values=st.lists(
        st.tuples(_TEXT, st.sampled_from(["a", "b"]), st.floats(-5, 5)), min_size=4, max_size=80
    ),
    control=st.sampled_from(["bh", "holm", "split"]),
)
def test_fuzz_any_attribute_text_and_values(values, control):
    table = pa.table(
        {
            "example_id": [f"e{i}" for i in range(len(values))],
            "weird": [v[0] for v in values],
            "ab": [v[1] for v in values],
        }
    )
    y = np.array([v[2] for v in values])
    found = discover_slices(table, y, attributes=["weird", "ab"], min_size=2, control=control)
    assert found.candidates >= 0
    for s in found.slices:
        assert s.effect > 0 and len(s.example_ids) >= 1
    page = analysis_html(found, fix_list(problems_from_slices(found)))
    assert "\x1b" not in page and "\u202e" not in page
    json.dumps(found.to_dict(), allow_nan=False)
