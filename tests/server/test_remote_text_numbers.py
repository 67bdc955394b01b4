"""Comparisons of runs on a red-team suite with a metric recomputed from the text (chrF),
through a real token-authenticated server on loopback. The server puts a marker in place of
the text for whoever does not ask for it; no number is ever computed on that marker. An
editor gets the numbers of the server's own store (the text read for the computation, still
withheld from what is shown); a viewer is refused with one message naming the metric and the
server's own comparison, which computes it. Each test fails with the marker in place of the
text."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from red_text import Served, chrf, cli_through, compare, dump

import assay.workflows as wf
from assay.core import WITHHELD, Comparison
from assay.errors import AccessDeniedError
from assay.storage import RemoteStore

pytestmark = pytest.mark.filterwarnings("ignore::assay.errors.SmallSliceWarning")


def test_the_marker_would_give_a_wrongchrf() -> None:
    # what the other tests guard against: chrF of the marker against itself is a perfect 100
    from assay.metrics import get_metric

    chrf = get_metric("chrf")
    assert chrf.compute(hypotheses=[WITHHELD] * 3, references=[WITHHELD] * 3) == 100.0
    assert chrf.compute(hypotheses=["refuse", "comply"], references=["comply", "comply"]) < 80


def test_an_editor_compares_on_the_real_text_and_sees_none(served: Served) -> None:
    local = compare(served, served.store)
    assert 0 < local.result("chrf").baseline.estimate < 100  # not the marker's 100
    with RemoteStore(served.url, token=served.editor) as remote:
        compared = compare(served, remote)
        streamed = compare(served, remote, streaming=True)
        gated = wf.gate_runs(served.base, served.cand, store=remote)
    assert dump(compared) == dump(local)  # every number, interval and (withheld) flip
    assert chrf(streamed) == pytest.approx(chrf(compare(served, served.store, streaming=True)))
    assert compared.flips and {f.candidate_output for f in compared.flips} == {WITHHELD}
    assert {f.input for f in compared.flips} == {WITHHELD}
    assert gated.verdict == wf.gate_runs(served.base, served.cand, store=served.store).verdict


def test_a_viewer_is_refused_naming_the_metric_and_the_server_computes_it(
    served: Served,
) -> None:
    local = compare(served, served.store)
    with RemoteStore(served.url, token=served.viewer) as remote:
        for options in ({}, {"streaming": True}):
            with pytest.raises(AccessDeniedError) as refused:
                compare(served, remote, **options)
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
    assert chrf(on_server) == pytest.approx(chrf(local))
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


@pytest.mark.slow
def test_the_cli_through_a_server_computes_chrf_on_the_real_text(
    served: Served, tmp_path: Path
) -> None:
    cli = cli_through(served.url, tmp_path)

    local = compare(served, served.store).result("chrf")
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
