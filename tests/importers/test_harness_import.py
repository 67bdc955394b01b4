"""Importing real lm-evaluation-harness and Inspect AI logs (made by tests/importers/harness/make_logs.sh).

Expected values are read from the same files here, with plain json/zipfile code, and compared
with what the import made of them: counts, per-example scores, the tools' own aggregates.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import struct
import zipfile
import zlib
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pytest

import assay
from assay.cli import main
from assay.errors import ConfigError, DataError
from assay.importers import read_harness_log, read_inspect_log, read_lm_eval_samples

HERE = Path(__file__).parent / "harness"
ARITH = next((HERE / "lmeval" / "arith").glob("samples_assay_arith_*.jsonl"))
ARITH_RESULTS = next((HERE / "lmeval" / "arith").glob("results_*.json"))
QUIZ_RESULTS = next((HERE / "lmeval" / "quiz").glob("results_*.json"))
QUIZ = next(
    p
    for p in (HERE / "lmeval" / "quiz").glob("samples_assay_quiz_*.jsonl")
    if "cloze" not in p.name
)
EVAL_LOG = next((HERE / "inspect").glob("*.eval"))
JSON_LOG = next((HERE / "inspect").glob("*.json"))
NUMERALS = (
    Path(__file__).parent / "handmade" / "samples_count_down_2026-01-02T03-04-05.000000.jsonl"
)


def _lines(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def _zip_json(path: Path, member: str) -> Any:
    """A member of an .eval archive, Zstandard-compressed or not (independent of assay's reader)."""
    with zipfile.ZipFile(path) as zf:
        info = zf.getinfo(member)
        if info.compress_type != 93:
            return json.loads(zf.read(info))
    with path.open("rb") as fh:
        fh.seek(info.header_offset + 26)
        name_len, extra_len = struct.unpack("<HH", fh.read(4))
        fh.seek(info.header_offset + 30 + name_len + extra_len)
        raw = fh.read(info.compress_size)
    data = pa.Codec("zstd").decompress(raw, decompressed_size=info.file_size).to_pybytes()
    assert zlib.crc32(data) == info.CRC
    return json.loads(data)


def _eval_samples(path: Path) -> list[dict[str, Any]]:
    with zipfile.ZipFile(path) as zf:
        names = [n for n in zf.namelist() if n.startswith("samples/")]
    return [_zip_json(path, n) for n in names]


def _tool_means(header: dict[str, Any]) -> dict[str, float]:
    out = {}
    for score in header["results"]["scores"]:
        metrics = score["metrics"]
        out[score["name"]] = (metrics.get("accuracy") or metrics["mean"])["value"]
    return out


def _column_mean(table: pa.Table, column: str) -> float:
    return float(pc.mean(table.column(column)).as_py())


def test_lm_eval_generation_with_two_filters() -> None:
    lines = _lines(ARITH)
    results = json.loads(ARITH_RESULTS.read_text())
    imp = read_lm_eval_samples(ARITH, slices=["operation"])
    doc_ids = {line["doc_id"] for line in lines}
    assert imp.suite.suite.n_examples == len(doc_ids) == 20
    assert imp.records.num_rows == len(doc_ids)  # one record per document, both filters on it
    filters = {line["filter"] for line in lines}
    assert filters == {"strict-match", "flexible-extract"}
    tool = results["results"]["assay_arith"]
    for filt in filters:
        name = "exact_match__" + filt.replace("-", "_")
        mine = [line["exact_match"] for line in lines if line["filter"] == filt]
        assert _column_mean(imp.records, name) == pytest.approx(sum(mine) / len(mine))
        assert _column_mean(imp.records, name) == pytest.approx(tool[f"exact_match,{filt}"])
        assert imp.reported[name] == pytest.approx(tool[f"exact_match,{filt}"])
    by_doc = {f"assay_arith/{line['doc_id']}": line for line in lines}
    columns = imp.records.to_pydict()
    outputs = dict(zip(columns["example_id"], columns["output"], strict=True))
    assert all(outputs[ex] == line["resps"][0][0] for ex, line in by_doc.items())
    examples = imp.suite.examples.to_pylist()
    for ex in examples:
        line = by_doc[ex["example_id"]]
        assert json.loads(ex["input"]) == line["arguments"]["gen_args_0"]["arg_0"]
        assert json.loads(ex["reference"]) == line["target"]
        assert ex["operation"] == line["doc"]["operation"]


def test_lm_eval_provenance_and_model() -> None:
    results = json.loads(ARITH_RESULTS.read_text())
    imp = read_lm_eval_samples(ARITH)
    facts = imp.provenance
    assert imp.harness == facts["harness"] == "lm-evaluation-harness"
    assert facts["harness_version"] == results["lm_eval_version"]
    assert facts["git_hash"] == results["git_hash"]
    assert facts["task_versions"] == {"assay_arith": results["versions"]["assay_arith"]}
    assert facts["config"] == results["config"]
    assert facts["source_sha256"][ARITH.name] == hashlib.sha256(ARITH.read_bytes()).hexdigest()
    assert ARITH_RESULTS.name in facts["source_sha256"]
    gguf = results["config"]["model_args"]["gguf_file"]
    assert imp.model.name == Path(gguf).stem
    assert imp.model.parameters["model_args"] == results["config"]["model_args"]
    first = _lines(ARITH)[0]
    generation = imp.model.parameters["generation"]["assay_arith"]
    assert generation == first["arguments"]["gen_args_0"]["arg_1"]
    assert imp.suite.suite.slice_names == []  # 'operation' is not a default slice field


def test_lm_eval_multiple_choice_answers_and_subject_slice() -> None:
    lines = _lines(QUIZ)
    tool = json.loads(QUIZ_RESULTS.read_text())["results"]["assay_quiz"]
    imp = read_lm_eval_samples(QUIZ)
    assert imp.suite.suite.slice_names == ["subject"]
    assert imp.suite.suite.metric_names == ["acc", "acc_norm"]
    for metric in ("acc", "acc_norm"):
        assert _column_mean(imp.records, metric) == pytest.approx(tool[f"{metric},none"])
    records = {r["example_id"]: r for r in imp.records.to_pylist()}
    examples = {e["example_id"]: e for e in imp.suite.examples.to_pylist()}
    for line in lines:
        ex_id = f"assay_quiz/{line['doc_id']}"
        lls = [float(r[0][0]) for r in line["resps"]]
        best = line["doc"]["choices"][lls.index(max(lls))]
        assert records[ex_id]["output"] == best
        assert (
            json.loads(examples[ex_id]["reference"]) == line["doc"]["choices"][line["doc"]["label"]]
        )
        assert examples[ex_id]["subject"] == line["doc"]["subject"]
        # acc is whether the most likely choice is the correct one
        assert records[ex_id]["acc"] == float(best == line["doc"]["choices"][line["doc"]["label"]])


def test_lm_eval_results_file_imports_every_task_with_a_task_slice() -> None:
    results = json.loads(QUIZ_RESULTS.read_text())
    imp = read_harness_log(QUIZ_RESULTS)
    tasks = sorted(results["results"])
    assert tasks == ["assay_quiz", "assay_quiz_cloze"]
    assert imp.suite.suite.slice_names == ["task", "subject"]
    assert imp.suite.suite.n_examples == imp.records.num_rows == 40
    assert imp.reported == {}  # the tool reports each task, not the pooled set
    examples = imp.suite.examples
    for task in tasks:
        ids = pc.filter(examples.column("example_id"), pc.equal(examples.column("task"), task))
        mask = pc.is_in(imp.records.column("example_id"), value_set=ids.combine_chunks())
        part = imp.records.filter(mask)
        assert part.num_rows == 20
        assert _column_mean(part, "acc") == pytest.approx(results["results"][task]["acc,none"])


def test_lm_eval_samples_without_results_file(tmp_path: Path) -> None:
    copy = tmp_path / QUIZ.name
    shutil.copy(QUIZ, copy)
    imp = read_lm_eval_samples(copy)
    assert imp.provenance["results_file"] == "absent"
    assert "harness_version" not in imp.provenance
    assert imp.model.name == "unknown-model"
    with_results = read_lm_eval_samples(QUIZ)
    assert imp.suite.digest == with_results.suite.digest  # the suite is the samples' alone
    assert imp.records.equals(with_results.records)


def test_inspect_eval_log_scores_errors_and_metadata() -> None:
    header = _zip_json(EVAL_LOG, "header.json")
    samples = _eval_samples(EVAL_LOG)
    imp = read_inspect_log(EVAL_LOG)
    assert imp.suite.suite.n_examples == len(samples) == header["eval"]["dataset"]["samples"]
    assert imp.records.num_rows == len(samples)
    errored = {s["id"]: s["error"]["message"] for s in samples if s.get("error")}
    assert len(errored) == 1
    records = {r["example_id"]: r for r in imp.records.to_pylist()}
    for sid, message in errored.items():
        assert records[sid]["error"] == message
        assert all(records[sid][m] is None for m in imp.suite.suite.metric_names)
    assert sorted(imp.suite.suite.metric_names) == sorted(_tool_means(header))
    for name, value in _tool_means(header).items():
        assert _column_mean(imp.records, name) == pytest.approx(value)
        assert imp.reported[name] == pytest.approx(value)
    grades = {"C": 1.0, "P": 0.5, "I": 0.0, "N": 0.0}
    seen = set()
    for s in samples:
        for scorer, score in s["scores"].items():
            if isinstance(score["value"], str):
                seen.add(score["value"])
                assert records[s["id"]][scorer] == grades[score["value"]]
            elif isinstance(score["value"], dict):
                for key, v in score["value"].items():
                    assert records[s["id"]][key] == pytest.approx(float(v))
        completion = s["output"]["completion"]
        # an errored sample's empty completion is no output; a real empty answer is kept
        expected = (completion or None) if s.get("error") else completion
        assert records[s["id"]]["output"] == expected
    assert seen == {"C", "P", "I", "N"}
    examples = imp.suite.examples.to_pydict()
    categories = dict(zip(examples["example_id"], examples["category"], strict=True))
    assert categories == {s["id"]: s["metadata"]["category"] for s in samples}
    assert imp.suite.suite.slice_names == ["category", "fail"]  # every scalar metadata field
    facts = imp.provenance
    assert facts["harness_version"] == header["eval"]["packages"]["inspect_ai"]
    assert facts["git"] == header["eval"]["revision"]
    assert facts["task_version"] == header["eval"]["task_version"]
    assert (
        facts["source_sha256"][EVAL_LOG.name] == hashlib.sha256(EVAL_LOG.read_bytes()).hexdigest()
    )
    assert imp.model.name == header["eval"]["model"]


def test_inspect_json_log_epochs_are_samples(store: assay.Store) -> None:
    log = json.loads(JSON_LOG.read_text())
    epochs = log["eval"]["config"]["epochs"]
    assert epochs == 2
    imp = read_harness_log(JSON_LOG, slices=["category"])
    assert imp.suite.suite.slice_names == ["category"]
    assert imp.records.num_rows == len(log["samples"]) == 4 * epochs
    assert imp.suite.suite.n_examples == 4
    assert sorted(set(imp.records.column("sample_index").to_pylist())) == list(range(epochs))
    assert sum(r["error"] is not None for r in imp.records.to_pylist()) == sum(
        1 for s in log["samples"] if s.get("error")
    )
    logged = assay.import_log(JSON_LOG, store=store, slices=["category"])
    run = logged.run
    assert run.n_records == 8 and run.n_examples == 4 and run.n_errors == 2
    # repeated samples are averaged per example, as Inspect's default 'mean' epoch reducer does
    for name, value in _tool_means(log).items():
        assert run.metrics[name].estimate == pytest.approx(value)


def test_text_scores_are_left_out_and_missing_scores_are_errors(tmp_path: Path) -> None:
    log = json.loads(JSON_LOG.read_text())
    for sample in log["samples"]:
        if "graded" in sample["scores"]:
            sample["scores"]["graded"]["value"] = "a free-text verdict"
    scored = next(s for s in log["samples"] if not s.get("error"))
    del scored["scores"]["match"]
    edited = tmp_path / "edited.json"
    edited.write_text(json.dumps(log))
    imp = read_inspect_log(edited)
    assert "graded" not in imp.suite.suite.metric_names
    assert "a free-text verdict" in imp.provenance["skipped_metrics"]["graded"]
    row = next(
        r
        for r in imp.records.to_pylist()
        if r["example_id"] == scored["id"] and r["sample_index"] == scored["epoch"] - 1
    )
    assert row["error"] == "unscored: match" and row["match"] is None
    assert row["includes"] is None  # an errored record carries no score at all


@pytest.mark.parametrize(
    ("field", "value"),
    [("metadata", [1, 2]), ("output", "plain text"), ("model_usage", {"m": {"input_tokens": "x"}})],
)
def test_a_sample_field_of_the_wrong_type_is_a_data_error(
    tmp_path: Path, field: str, value: object
) -> None:
    log = json.loads(JSON_LOG.read_text())
    log["samples"][0][field] = value
    edited = tmp_path / "edited.json"
    edited.write_text(json.dumps(log))
    with pytest.raises(DataError, match="wrong type") as info:
        read_inspect_log(edited)
    assert info.value.file == str(edited)


def test_import_is_idempotent_and_keeps_provenance(store: assay.Store) -> None:
    first = assay.import_log(EVAL_LOG, store=store)
    again = assay.import_log(EVAL_LOG, store=store, suite_name="renamed")
    assert first.created and not again.created
    assert again.run.run_id == first.run.run_id
    assert len(store.suites.list()) == 1
    assert len(assay.list_runs(store=store)) == 1
    stored = assay.get_run(first.run.run_id, store=store)
    assert stored.manifest.provenance["harness"] == "inspect_ai"
    assert stored.manifest.source == f"import:inspect_ai:{EVAL_LOG.name}"
    assert stored.tags["harness"] == "inspect_ai"
    other = assay.import_log(ARITH, store=store, model="smollm2@q4_1", suite_name="arith")
    assert other.created
    assert str(other.run.model) == "smollm2@q4_1"
    assert other.run.suite_name == "arith"
    assert other.run.model.parameters["generation"]["assay_arith"]["max_gen_toks"] == 16


def test_cli_import_end_to_end(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    url = f"sqlite:///{tmp_path / 'store' / 'assay.db'}"
    assert main(["import", str(ARITH), "--store", url, "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["created"] is True
    tool = json.loads(ARITH_RESULTS.read_text())["results"]["assay_arith"]
    metrics = out["run"]["metrics"]
    assert metrics["exact_match__flexible_extract"]["estimate"] == pytest.approx(
        tool["exact_match,flexible-extract"]
    )
    assert out["reported"]["exact_match__strict_match"] == pytest.approx(
        tool["exact_match,strict-match"]
    )
    assert main(["import", str(ARITH), "--store", url]) == 0
    text = capsys.readouterr().out
    assert "already stored" in text and out["run"]["run_id"][:12] in text
    # metrics as runs list prints them: a proportion in percent, the tool's number beside it
    line = next(x for x in text.splitlines() if "exact_match__strict_match" in x)
    m = metrics["exact_match__strict_match"]
    pct = f"{100 * m['estimate']:.1f}%"
    assert re.search(rf"{re.escape(pct)} \[[\d.]+%, [\d.]+%\]", line), line
    assert f"lm-evaluation-harness reported {100 * tool['exact_match,strict-match']:.1f}%" in line
    assert not re.search(r"\b0\.\d{4}\b", line)  # no bare 0.xxxx
    assert main(["import", str(EVAL_LOG), "--db", url, "--name", "mock-qa"]) == 0
    text = capsys.readouterr().out
    assert "imported" in text and "mock-qa" in text and "inspect_ai reported" in text
    assert main(["runs", "list", "--db", url, "--json"]) == 0
    assert len(json.loads(capsys.readouterr().out)) == 2


def test_truncated_eval_log_is_a_data_error(tmp_path: Path) -> None:
    cut = tmp_path / "cut.eval"
    cut.write_bytes(EVAL_LOG.read_bytes()[: EVAL_LOG.stat().st_size // 2])
    with pytest.raises(DataError) as err:
        read_harness_log(cut)
    assert err.value.file == str(cut)
    assert main(["import", str(cut), "--store", f"sqlite:///{tmp_path / 'a.db'}"]) == 3
    garbage = tmp_path / "garbage.eval"
    garbage.write_text("not a zip")
    with pytest.raises(DataError, match="not a readable zip archive"):
        read_inspect_log(garbage)


def test_eval_member_that_is_not_json_names_the_member(tmp_path: Path) -> None:
    bad = tmp_path / "bad.eval"
    with zipfile.ZipFile(bad, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("header.json", json.dumps(_zip_json(EVAL_LOG, "header.json")))
        zf.writestr("samples/s01_epoch_1.json", '{"id": "s01", "epoch": 1,\n "scores": ')
    with pytest.raises(DataError, match=r"samples/s01_epoch_1\.json") as err:
        read_inspect_log(bad)
    assert err.value.file == str(bad)


def test_bad_samples_line_names_file_and_line(tmp_path: Path) -> None:
    lines = ARITH.read_text().splitlines()
    bad = tmp_path / "samples_assay_arith_2026-01-01T00-00-00.000000.jsonl"
    bad.write_text("\n".join([*lines[:3], "{not json", *lines[3:]]) + "\n")
    with pytest.raises(DataError) as err:
        read_harness_log(bad)
    assert (err.value.file, err.value.line) == (str(bad), 4)
    dup = tmp_path / "samples_dup.jsonl"
    dup.write_text("\n".join([lines[0], lines[0]]) + "\n")
    with pytest.raises(DataError, match="appears twice") as err:
        read_lm_eval_samples(dup)
    assert err.value.line == 2


def test_results_with_tasks_of_different_metrics_is_refused(tmp_path: Path) -> None:
    results = json.loads(QUIZ_RESULTS.read_text())
    shutil.copy(QUIZ_RESULTS, tmp_path / QUIZ_RESULTS.name)
    date = QUIZ_RESULTS.name.removeprefix("results_").removesuffix(".json")
    shutil.copy(QUIZ, tmp_path / f"samples_assay_quiz_{date}.jsonl")
    # the arithmetic samples standing in for the second task: other metrics
    shutil.copy(ARITH, tmp_path / f"samples_assay_quiz_cloze_{date}.jsonl")
    assert "assay_quiz_cloze" in results["results"]
    with pytest.raises(DataError, match="other metrics"):
        read_harness_log(tmp_path / QUIZ_RESULTS.name)


def test_not_a_log_and_unknown_slices(tmp_path: Path) -> None:
    other = tmp_path / "other.json"
    other.write_text(json.dumps({"hello": 1}))
    with pytest.raises(DataError, match="not an lm-evaluation-harness or Inspect AI log"):
        read_harness_log(other)
    text = tmp_path / "log.txt"
    text.write_text("x")
    with pytest.raises(DataError, match="cannot tell which tool"):
        read_harness_log(text)
    with pytest.raises(DataError, match="no such file"):
        read_harness_log(tmp_path / "missing.eval")
    with pytest.raises(ConfigError, match="no example has a field 'nope'"):
        read_harness_log(JSON_LOG, slices=["nope"])


def test_numeral_choices_keep_the_gold_choice_as_reference() -> None:
    """A hand-made samples file whose choices are "3", "2", "1", "0": a target "2" rendered
    from the label is the third choice, "1"; the last document's target comes from a text
    field and is the answer "2" itself, which only that reading squares with its acc."""
    imp = read_lm_eval_samples(NUMERALS)
    references = {
        e["example_id"]: json.loads(e["reference"]) for e in imp.suite.examples.to_pylist()
    }
    task = "count_down"
    assert references == {f"{task}/0": "1", f"{task}/1": "3", f"{task}/2": "0", f"{task}/3": "2"}
    for record in imp.records.to_pylist():
        # a record agrees with its own score: correct exactly when the output is the reference
        assert (record["output"] == references[record["example_id"]]) == (record["acc"] == 1.0)


def _grouped_log(tmp_path: Path, cluster_option: str | None) -> Path:
    """The JSON log grown to 12 questions in 4 groups of 3 (metadata ``group_id``), its
    ``match`` scorer's stderr declared with ``cluster`` as ``stderr(cluster=...)`` records it."""
    log = json.loads(JSON_LOG.read_text())
    template = [s for s in log["samples"] if not s.get("error")]
    samples = []
    for i in range(12):
        for epoch in (1, 2):
            sample = json.loads(json.dumps(template[(i + epoch) % len(template)]))
            sample.update(id=f"q{i:02d}", epoch=epoch)
            sample["metadata"] = {**sample["metadata"], "group_id": f"g{i // 3}"}
            samples.append(sample)
    log["samples"] = samples
    if cluster_option is not None:
        (scorer,) = [s for s in log["eval"]["scorers"] if s["name"] == "match"]
        (stderr,) = [m for m in scorer["metrics"] if m["name"] == "inspect_ai/stderr"]
        stderr["options"] = {"cluster": cluster_option}
        (score,) = [s for s in log["results"]["scores"] if s["name"] == "match"]
        score["metrics"]["stderr"]["params"] = {"cluster": cluster_option}
    path = tmp_path / f"grouped_{cluster_option}.json"
    path.write_text(json.dumps(log))
    return path


def _clusters(imp: Any) -> dict[str, str | None]:
    return {e["example_id"]: e["cluster"] for e in imp.suite.examples.to_pylist()}


def test_inspect_clustered_stderr_makes_its_field_the_cluster_not_a_slice(
    tmp_path: Path, store: assay.Store
) -> None:
    plain = read_inspect_log(_grouped_log(tmp_path, None))
    assert "group_id" in plain.suite.suite.slice_names  # without a declaration, just a field
    assert set(_clusters(plain).values()) == {None}

    declared = _grouped_log(tmp_path, "group_id")
    imp = read_harness_log(declared)
    assert _clusters(imp) == {f"q{i:02d}": f"g{i // 3}" for i in range(12)}
    assert "group_id" not in imp.suite.suite.slice_names
    assert imp.suite.suite.slice_names == [
        n for n in plain.suite.suite.slice_names if n != "group_id"
    ]
    assert imp.provenance["cluster"]["field"] == "group_id"
    assert "stderr(cluster=" in imp.provenance["cluster"]["source"]

    logged = assay.import_log(declared, store=store)
    # 12 examples in 4 groups: the run's intervals count the 4 groups, not 12 examples
    summary = logged.run.metrics["match"]
    unclustered = assay.import_log(_grouped_log(tmp_path, None), store=store).run.metrics["match"]
    assert summary.estimate == pytest.approx(unclustered.estimate)
    assert "cluster" in summary.method and "cluster" not in unclustered.method


def test_a_named_cluster_wins_over_the_declared_one_and_must_exist(tmp_path: Path) -> None:
    declared = _grouped_log(tmp_path, "group_id")
    imp = read_inspect_log(declared, cluster="category")
    assert imp.provenance["cluster"] == {"field": "category", "source": "requested"}
    assert "category" not in imp.suite.suite.slice_names
    assert "group_id" in imp.suite.suite.slice_names
    with pytest.raises(ConfigError, match="no example has a field 'nope' to cluster by"):
        read_inspect_log(declared, cluster="nope")
    with pytest.raises(
        assay.errors.ParameterError, match="'cluster' parameter of read_inspect_log"
    ):
        read_inspect_log(declared, cluster=3)  # type: ignore[arg-type]
    log = json.loads(declared.read_text())
    log["eval"]["scorers"][1]["metrics"][1]["options"] = {"cluster": "category"}
    two = tmp_path / "two.json"
    two.write_text(json.dumps(log))
    with pytest.raises(ConfigError, match="cluster by different fields"):
        read_inspect_log(two)
    assert read_inspect_log(two, cluster="group_id").provenance["cluster"]["field"] == "group_id"


def test_lm_eval_cluster_field_and_cli_option(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    imp = read_lm_eval_samples(QUIZ, cluster="subject")
    docs = {f"assay_quiz/{line['doc_id']}": line["doc"]["subject"] for line in _lines(QUIZ)}
    assert _clusters(imp) == docs
    assert "subject" not in imp.suite.suite.slice_names  # the default slice it was
    assert "subject" in read_lm_eval_samples(QUIZ).suite.suite.slice_names
    url = f"sqlite:///{tmp_path / 'store' / 'assay.db'}"
    assert main(["import", str(QUIZ), "--cluster", "subject", "--store", url, "--json"]) == 0
    run = json.loads(capsys.readouterr().out)["run"]
    assert run["manifest"]["provenance"]["cluster"] == {"field": "subject", "source": "requested"}
    assert main(["import", str(QUIZ), "--cluster", "subject", "--store", url]) == 0
    assert "clustered by subject (requested); it is not a slice" in capsys.readouterr().out
