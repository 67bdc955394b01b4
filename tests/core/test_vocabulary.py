"""The vocabulary: references, digests and manifests."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from assay.core import (
    Catalog,
    MetricSpec,
    ModelRef,
    Suite,
    canonical_json,
    diff_manifests,
    digest,
)
from assay.errors import ConfigError
from assay.workflows import capture_code_version, capture_manifest


def test_model_ref_parsing():
    assert ModelRef.parse("income-gbm@2.0") == ModelRef(name="income-gbm", version="2.0")
    assert ModelRef.parse("org/model").version == "unversioned"
    for bad in ("@1", "a@", "", " spaced@1"):
        with pytest.raises(ConfigError, match="NAME@VERSION"):
            ModelRef.parse(bad)


def test_digest_is_canonical():
    assert digest({"b": 1, "a": [1.0, 2.5]}) == digest({"a": [1, 2.5], "b": 1})
    assert canonical_json({"x": float("nan")}) == '{"x":"nan"}'
    # a fixed digest: the same content must give the same identity on any machine
    assert digest({"a": 1}) == "015abd7f5cc57a2dd94b7590f04ad8084273905ee33ec5cebeae62276a97f862"


def test_suite_digest_ignores_catalog_but_not_metrics():
    base = dict(name="s", metrics=[MetricSpec(name="acc")], examples_digest="e", n_examples=1)
    a = Suite(**base)
    b = Suite(**{**base, "name": "renamed", "catalog": {"owner": "someone"}})
    c = Suite(**{**base, "metrics": [MetricSpec(name="acc", goal="lower")]})
    assert a.digest == b.digest != c.digest


def test_a_catalog_without_known_limits_has_its_own_empty_list():
    a, b = Catalog(), Catalog(owner="someone")
    assert a.known_limits == b.known_limits == [] and a.known_limits is not b.known_limits
    assert a.model_dump()["known_limits"] == []
    # a default made by a factory is no default of the JSON schema
    assert "default" not in Catalog.model_json_schema()["properties"]["known_limits"]


@pytest.mark.parametrize("name", ["example_id", "latency_ms", "1abc", "has space"])
def test_metric_names_must_be_columns(name):
    with pytest.raises(ValueError):
        MetricSpec(name=name)


def test_code_version_outside_and_inside_git(tmp_path: Path):
    assert capture_code_version(tmp_path).describe == "not a git checkout"
    run = lambda *a: subprocess.run(["git", *a], cwd=tmp_path, check=True, capture_output=True)  # noqa: E731
    run("init", "-q")
    (tmp_path / "a.py").write_text("x = 1\n")
    run("add", "a.py")
    run("-c", "user.email=t@t", "-c", "user.name=t", "commit", "-qm", "one")
    clean = capture_code_version(tmp_path)
    assert clean.commit and clean.dirty_digest is None and clean.describe.endswith("(clean)")
    (tmp_path / "a.py").write_text("x = 2\n")
    dirty = capture_code_version(tmp_path)
    assert dirty.commit == clean.commit and dirty.dirty_digest
    (tmp_path / "b.py").write_text("y = 1\n")
    assert capture_code_version(tmp_path).dirty_digest != dirty.dirty_digest


def test_manifest_diff_names_what_changed():
    model = ModelRef(name="m", version="1", parameters={"depth": 3})
    a = capture_manifest(suite_digest="s1", model=model, seeds={"model": 0})
    b = capture_manifest(
        suite_digest="s1",
        model=model.model_copy(update={"parameters": {"depth": 5}}),
        seeds={"model": 1},
        provenance={"prompt": "v2"},
    )
    paths = {d.path for d in diff_manifests(a, b)}
    assert {"model.parameters.depth", "seeds.model", "provenance.prompt", "config_digest"} <= paths
    assert "created_at" not in paths and "packages.numpy" not in paths
    assert diff_manifests(a, a) == []
