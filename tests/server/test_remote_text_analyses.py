"""Analyses of runs on a red-team suite through a real token-authenticated server on
loopback: fairness, judged safety rates, input-length slices, reproductions, profiles,
perturbations, robustness, contamination and SQL. Each reads the real text for its numbers
(an editor gets the server's own store's numbers) or is refused naming itself; a number that
needs no text (robustness) is computed for a viewer; none is computed on the marker."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pytest
from red_team_echo import echo_model
from red_text import LABELS, N, Served, outputs, prompt

import assay
import assay.workflows as wf
from assay.core import WITHHELD
from assay.errors import AccessDeniedError, AssayWarning, StorageError
from assay.runners import EmbeddingJudge, PairEmbedder
from assay.runners.judges._features import N_FEATURES
from assay.runners.judges._validation import agreement_with_people
from assay.server import ServerSettings, create_app
from assay.storage import RemoteStore, Store
from assay.testing import running_server

pytestmark = pytest.mark.filterwarnings("ignore::assay.errors.SmallSliceWarning")


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

    lengths = {len(prompt(i)) for i in range(N)}
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
    answers = dict(zip((f"p{i:02d}" for i in range(N)), outputs(5), strict=True))
    prompts = {prompt(i): f"p{i:02d}" for i in range(N)}

    def model(prompt: str) -> str:
        return answers[prompts[prompt]]

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
        return LABELS[int(prompt.isupper() or len(prompt) % 4 == 0)]

    run = assay.evaluate(model, suite=data, model="m@1", store=served.store).run.run_id
    here = wf.robustness(run, store=served.store)
    assert here.result.effects  # a flip rate per kind, from the stored scores only
    with RemoteStore(served.url, token=served.viewer) as remote:
        assert repr(wf.robustness(run, store=remote)) == repr(here)


def test_contamination_reads_the_real_prompts_or_is_refused(served: Served, tmp_path: Path) -> None:
    corpus = tmp_path / "corpus.txt"
    corpus.write_text("\n".join(prompt(i) for i in range(0, N, 4)) + "\n")
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
