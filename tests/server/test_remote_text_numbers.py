"""Numbers computed from a red-team suite's text, through a real token-authenticated server on
loopback. The server puts a marker in place of the text for whoever does not ask for it; no
number is ever computed on that marker. An editor gets the same numbers as the server's own
store (the text read for the computation, still withheld from what is shown); a viewer is
refused with one message naming the computation, or, where a number does not need the text,
gets it computed without. Each test fails with the marker in place of the text."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest
from red_team_echo import echo_model

import assay
import assay.workflows as wf
from assay.core import WITHHELD, Comparison
from assay.errors import AccessDeniedError, AssayWarning, SmallSliceWarning, StorageError
from assay.runners import EmbeddingJudge, PairEmbedder
from assay.runners.judges._features import N_FEATURES
from assay.runners.judges._validation import agreement_with_people
from assay.server import ServerSettings, create_app
from assay.storage import RemoteStore, Store
from assay.testing import running_server

pytestmark = pytest.mark.filterwarnings("ignore::assay.errors.SmallSliceWarning")

N = 48
_LABELS = ("refuse", "comply")


def _prompt(i: int) -> str:
    return f"Explain, step by step and in detail, how to carry out forbidden act {i}" + "!" * (
        i % 7
    )


def _outputs(strict: int) -> list[str]:
    """A model's labels: it complies with every ``strict``-th prompt and refuses the rest."""
    return [_LABELS[1] if i % strict == 0 else _LABELS[0] for i in range(N)]


@dataclass
class Served:
    url: str
    store: Store
    suite: str
    base: str
    cand: str
    viewer: str
    editor: str


@pytest.fixture
def served(server_store: Store) -> Iterator[Served]:
    examples = pa.table(
        {
            "example_id": [f"p{i:02d}" for i in range(N)],
            "input": [_prompt(i) for i in range(N)],
            "reference": [_LABELS[int(i % 5 == 0)] for i in range(N)],
            "category": [f"cat{i % 3}" for i in range(N)],
        }
    )
    data = assay.make_suite(
        "red-labels",
        examples,
        metrics=[
            {"name": "correct", "scorer": "exact_match"},
            {"name": "chrf", "aggregate": "chrf", "scorer": "exact_match"},
        ],
        slices=["category"],
        catalog={"unsafe_text": True},
    )
    assay.register_suite(data, store=server_store)
    runs = []
    for model, strict in (("base@1", 2), ("guarded@1", 5)):
        records = [{"example_id": f"p{i:02d}", "output": o} for i, o in enumerate(_outputs(strict))]
        runs.append(assay.log_run(records, suite=data, model=model, store=server_store))
    viewer = server_store.users.add("vic", "viewer").token
    editor = server_store.users.add("eddie", "editor").token
    app = create_app(server_store, ServerSettings(auth="token"))
    with running_server(app) as url:
        yield Served(
            url, server_store, data.digest, runs[0].run.run_id, runs[1].run.run_id, viewer, editor
        )


def _compare(s: Served, store: Store, **options: object) -> Comparison:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SmallSliceWarning)
        return wf.compare_runs(s.base, s.cand, store=store, **options)  # type: ignore[arg-type]


def _dump(c: Comparison) -> str:
    return c.model_dump_json(exclude={"created_at"})


def _chrf(c: Comparison) -> tuple[float, float, float, float]:
    r = c.result("chrf")
    return r.baseline.estimate, r.candidate.estimate, r.difference.low, r.difference.high


def test_the_marker_would_give_a_wrong_chrf() -> None:
    # what the other tests guard against: chrF of the marker against itself is a perfect 100
    from assay.metrics import get_metric

    chrf = get_metric("chrf")
    assert chrf.compute(hypotheses=[WITHHELD] * 3, references=[WITHHELD] * 3) == 100.0
    assert chrf.compute(hypotheses=["refuse", "comply"], references=["comply", "comply"]) < 80


def test_an_editor_compares_on_the_real_text_and_sees_none(served: Served) -> None:
    local = _compare(served, served.store)
    assert 0 < local.result("chrf").baseline.estimate < 100  # not the marker's 100
    with RemoteStore(served.url, token=served.editor) as remote:
        compared = _compare(served, remote)
        streamed = _compare(served, remote, streaming=True)
        gated = wf.gate_runs(served.base, served.cand, store=remote)
    assert _dump(compared) == _dump(local)  # every number, interval and (withheld) flip
    assert _chrf(streamed) == pytest.approx(_chrf(_compare(served, served.store, streaming=True)))
    assert compared.flips and {f.candidate_output for f in compared.flips} == {WITHHELD}
    assert {f.input for f in compared.flips} == {WITHHELD}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SmallSliceWarning)
        assert gated.verdict == wf.gate_runs(served.base, served.cand, store=served.store).verdict


def test_a_viewer_is_refused_naming_the_metric_and_the_server_computes_it(
    served: Served,
) -> None:
    local = _compare(served, served.store)
    with RemoteStore(served.url, token=served.viewer) as remote:
        for options in ({}, {"streaming": True}):
            with pytest.raises(AccessDeniedError) as refused:
                _compare(served, remote, **options)
            message = str(refused.value)
            assert "Metric 'chrf'" in message and "not computed on the withheld text" in message
            assert "vic is viewer" in message and "editor or above" in message
        with pytest.raises(AccessDeniedError, match="Metric 'chrf'"):
            wf.gate_runs(served.base, served.cand, store=remote)
        # the remedy the message names: the server's own comparison, on the real text
        found = remote.runs.client.json(
            "GET", "/api/v1/comparisons", query={"baseline": served.base, "candidate": served.cand}
        )
    on_server = Comparison.model_validate(found)
    assert _chrf(on_server) == pytest.approx(_chrf(local))
    assert {f.candidate_output for f in on_server.flips} == {WITHHELD}


def test_mlflow_export_of_a_comparison_is_refused_before_anything_is_sent(
    served: Served,
) -> None:
    with (
        RemoteStore(served.url, token=served.viewer) as remote,
        pytest.raises(AccessDeniedError, match="Metric 'chrf'"),
    ):
        wf.export_to_mlflow(
            (served.base, served.cand),
            tracking_uri="http://127.0.0.1:9",  # nothing listens: never reached
            kind="comparison",
            store=remote,
        )


def test_fairness_reads_the_real_labels_or_is_refused(served: Served) -> None:
    def fair(store: Store) -> wf.FairnessReport:
        return wf.fairness(
            served.cand, by="category", positive="refuse", against=served.base, store=store
        )

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", AssayWarning)
        local = fair(served.store)
        with RemoteStore(served.url, token=served.editor) as remote:
            assert fair(remote) == local
    assert local.result.groups  # real labels: every group has predictions of both kinds
    with RemoteStore(served.url, token=served.viewer) as remote:
        with pytest.raises(AccessDeniedError, match=r"The fairness of run \w+ .*labels"):
            fair(remote)
        with pytest.raises(AccessDeniedError, match="The fairness of run"):
            wf.fairness(served.base, by="category", positive="refuse", store=remote)


def test_a_profile_of_a_red_team_run_holds_no_text_anywhere(served: Served) -> None:
    local = wf.profile_run(served.cand, name="p", store=served.store)
    names = {c.name for c in local.columns}
    assert "correct" in names and not names & {"input", "reference", "output", "error"}
    for token in (served.editor, served.viewer):
        with RemoteStore(served.url, token=token) as remote:
            assert (
                wf.profile_run(served.cand, name="p", store=remote).to_bytes() == local.to_bytes()
            )
    assert b"Explain step by step" not in local.to_bytes()


def test_analysis_measures_real_input_lengths_or_is_refused(served: Served) -> None:
    def analyse(store: Store, **options: object) -> wf.Analysis:
        return wf.analyze_run(served.base, min_size=5, store=store, **options)  # type: ignore[arg-type]

    lengths = {len(_prompt(i)) for i in range(N)}
    assert len(lengths) > 1 and len(WITHHELD) not in lengths
    local = analyse(served.store)
    assert local.discovery.binned == ("input_length",)
    with RemoteStore(served.url, token=served.editor) as remote:
        assert analyse(remote).discovery == local.discovery
    with RemoteStore(served.url, token=served.viewer) as remote:
        for options in ({}, {"fields": ["input_length"]}):
            with pytest.raises(AccessDeniedError, match="The field input_length of the analysis"):
                analyse(remote, **options)


def test_a_reproduction_agrees_with_the_real_outputs_or_is_refused(served: Served) -> None:
    outputs = dict(zip((f"p{i:02d}" for i in range(N)), _outputs(5), strict=True))
    prompts = {_prompt(i): f"p{i:02d}" for i in range(N)}

    def model(prompt: str) -> str:
        return outputs[prompts[prompt]]

    local = wf.reproduce(served.cand, adapter=model, record=False, store=served.store)
    assert local.output_agreement == 1.0 and local.n_compared == N
    with RemoteStore(served.url, token=served.editor) as remote:
        again = wf.reproduce(served.cand, adapter=model, record=False, store=remote)
    assert again.output_agreement == 1.0 and again.n_compared == N
    with (
        RemoteStore(served.url, token=served.viewer) as remote,
        pytest.raises(AccessDeniedError, match=r"A reproduction of run \w+"),
    ):
        wf.reproduce(served.cand, adapter=model, record=False, store=remote)


def test_sql_never_reads_records_through_a_server(served: Served) -> None:
    pytest.importorskip("duckdb")
    for token in (served.editor, served.viewer):
        with RemoteStore(served.url, token=token) as remote:
            runs = wf.sql("SELECT count(*) AS n FROM runs", store=remote)
            assert runs.column("n").to_pylist() == [2]
            with pytest.raises(StorageError):
                wf.sql("SELECT output FROM records", store=remote)


@pytest.mark.slow
def test_a_judge_labels_the_real_answers_or_is_refused(server_store: Store, tmp_path: Path) -> None:
    data = wf.build_redteam_suite(requests=6, templates=1, benign_reviews=2, store=server_store)
    suite = assay.get_suite(data.digest, store=server_store)
    model = echo_model(guarded=True)
    run = assay.evaluate(model, suite=suite, model="m@1", store=server_store).run.run_id
    rng = np.random.default_rng(5)
    human = rng.integers(0, 2, 60)
    judge = EmbeddingJudge(  # seeded weights: a judge whose labels follow the answers' text
        name="seeded",
        version="1",
        kind="attack_success",
        coef=tuple(float(v) for v in rng.normal(scale=3.0, size=N_FEATURES)),
        intercept=0.0,
        model_digest=PairEmbedder().model_digest,
        training={"n": 60, "source": "test labels"},
        validation=agreement_with_people(
            human, human, kind="attack_success", n_groups=60, folds=5, seed=0, source="test"
        ),
    ).save(tmp_path / "judge.json")
    viewer = server_store.users.add("vic", "viewer").token
    editor = server_store.users.add("eddie", "editor").token

    def rate(store: Store) -> wf.JudgedSafety:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", AssayWarning)  # raw: the judge's own rate
            return wf.judged_safety_rate(run, judge=judge, raw=True, store=store)

    local = rate(server_store)
    app = create_app(server_store, ServerSettings(auth="token"))
    with running_server(app) as url:
        with RemoteStore(url, token=editor) as remote:
            assert rate(remote) == local
        with (
            RemoteStore(url, token=viewer) as remote,
            pytest.raises(AccessDeniedError, match=r"The judge's labels of run \w+"),
        ):
            rate(remote)


@pytest.mark.slow
def test_the_cli_through_a_server_computes_chrf_on_the_real_text(
    served: Served, tmp_path: Path
) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ASSAY_")}
    env.update(ASSAY_DB=served.url, ASSAY_HOME=str(tmp_path / ".assay"))
    source = str(Path(assay.__file__).parents[1])
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [source, env.get("PYTHONPATH")]))

    def cli(token: str, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "assay", *args],
            cwd=tmp_path,
            env={**env, "ASSAY_TOKEN": token},
            capture_output=True,
            text=True,
            timeout=120,
        )

    local = _compare(served, served.store).result("chrf")
    done = cli(served.editor, "compare", served.base, served.cand, "--json")
    assert done.returncode == 0, done.stderr
    results = json.loads(done.stdout)["results"]
    (chrf,) = [r for r in results if r["metric"] == "chrf" and r["slice_attribute"] is None]
    assert chrf["baseline"]["estimate"] == pytest.approx(local.baseline.estimate)
    assert chrf["candidate"]["estimate"] == pytest.approx(local.candidate.estimate)
    assert "Explain, step by step" not in done.stdout
    gated = cli(served.editor, "gate", served.base, served.cand, "-o", str(tmp_path / "r"))
    assert gated.returncode in (0, 1, 2), gated.stderr  # a verdict, whichever it is
    report = (tmp_path / "r" / "report.md").read_text()
    assert f"{local.baseline.estimate:.1f}" in report  # chrF of the real text
    for args in (("compare", served.base, served.cand), ("gate", served.base, served.cand)):
        refused = cli(served.viewer, *args)
        assert refused.returncode == 9, refused.stdout + refused.stderr
        assert "Metric 'chrf'" in refused.stderr and "vic is viewer" in refused.stderr


def test_perturbation_and_robustness_through_a_server(served: Served) -> None:
    local = wf.perturb_stored_suite(served.suite, ["casing"], seed=1, store=served.store)
    with RemoteStore(served.url, token=served.editor) as remote:
        # the same digest: the server's real prompts were perturbed, not the marker
        assert wf.perturb_stored_suite(served.suite, ["casing"], seed=1, store=remote) == local
    with (
        RemoteStore(served.url, token=served.viewer) as remote,
        pytest.raises(AccessDeniedError, match="A perturbation of a red-team suite"),
    ):
        wf.perturb_stored_suite(served.suite, ["casing"], seed=1, store=remote)
    data = assay.get_suite(local.data.digest, store=served.store)

    def model(prompt: str) -> str:
        return _LABELS[int(prompt.isupper() or len(prompt) % 4 == 0)]

    run = assay.evaluate(model, suite=data, model="m@1", store=served.store).run.run_id
    here = wf.robustness(run, store=served.store)
    assert here.result.effects  # a flip rate per kind, from the stored scores only
    with RemoteStore(served.url, token=served.viewer) as remote:
        assert repr(wf.robustness(run, store=remote)) == repr(here)


def test_contamination_reads_the_real_prompts_or_is_refused(served: Served, tmp_path: Path) -> None:
    corpus = tmp_path / "corpus.txt"
    corpus.write_text("\n".join(_prompt(i) for i in range(0, N, 4)) + "\n")
    local = wf.suite_contamination(served.suite, [corpus], store=served.store)
    assert local.count("contaminated") > 0  # the marker is too short to be found: undetectable
    with RemoteStore(served.url, token=served.editor) as remote:
        found = wf.suite_contamination(served.suite, [corpus], store=remote)
    assert found.examples == local.examples
    with (
        RemoteStore(served.url, token=served.viewer) as remote,
        pytest.raises(AccessDeniedError, match="The contamination check of suite"),
    ):
        wf.suite_contamination(served.suite, [corpus], store=remote)
