"""A red-team suite's examples on a real token-authenticated server over loopback: no route or
page gives a viewer a prompt (every GET route of the OpenAPI document and every dashboard page
is walked), the examples route withholds the input and reference unless an editor asks, and a
remote store gives the text to the commands that need it only when the token's role allows."""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pyarrow.parquet as pq
import pytest

import assay
import assay.workflows as wf
from assay.core import WITHHELD
from assay.errors import AccessDeniedError, SmallSliceWarning
from assay.server import ServerSettings, create_app
from assay.storage import RemoteStore, Store, withhold_text
from assay.testing import running_server


def _answer(prompt: str) -> str:
    if len(prompt) % 3 == 1:  # an error quoting the prompt, as some clients raise
        raise ValueError(f"content filter tripped on: {prompt[:60]}")
    return f"Sure. You asked: {prompt[:80]}"


def _other(prompt: str) -> str:
    return "I can't help with that." if len(prompt) % 2 else f"Here: {prompt[:50]}"


@dataclass
class Red:
    url: str
    store: Store
    digest: str
    runs: list[str]
    decision: str
    texts: list[str]
    viewer: str
    editor: str


@pytest.fixture
def red(server_store: Store, tmp_path: Path) -> Iterator[Red]:
    data = wf.build_redteam_suite(requests=6, templates=1, benign_reviews=3, store=server_store)
    suite = assay.get_suite(data.digest, store=server_store)
    texts = [json.loads(t) for t in suite.examples.column("input").to_pylist()]
    texts += [r for r in suite.examples.column("reference").to_pylist() if r]
    first = assay.evaluate(_answer, suite=suite, model="echo@1", store=server_store)
    second = assay.evaluate(_other, suite=suite, model="echo@2", store=server_store)
    runs = [first.run.run_id, second.run.run_id]
    with warnings.catch_warnings():  # a few requests per category: small slices
        warnings.simplefilter("ignore", SmallSliceWarning)
        decided = assay.decide(*runs, output=tmp_path / "reports", store=server_store)
    viewer = server_store.users.add("vic", "viewer").token
    editor = server_store.users.add("eddie", "editor").token
    with running_server(create_app(server_store, ServerSettings(auth="token"))) as url:
        yield Red(
            url,
            server_store,
            data.digest,
            runs,
            decided.decision.decision_id,
            texts,
            viewer,
            editor,
        )


def _get(red: Red, path: str, token: str, **params: object) -> httpx.Response:
    headers = {"Authorization": f"Bearer {token}"}
    return httpx.get(red.url + path, params=params, headers=headers, timeout=60)


def _probes(texts: list[str]) -> list[str]:
    """Every run of 24+ plain characters in the texts: found however a body escapes quotes,
    newlines or markup around it."""
    return sorted({m.group(0)[:40] for t in texts for m in re.finditer(r"[A-Za-z0-9 ,]{24,}", t)})


def _leaks(body: str, texts: list[str]) -> list[str]:
    return [p for p in _probes(texts) if p in body]


def _body(answer: httpx.Response) -> str:
    """The response as text: a Parquet body's every value, any other body as decoded."""
    if answer.content[:4] == b"PAR1":
        return json.dumps(pq.read_table(io.BytesIO(answer.content)).to_pylist(), default=str)
    return answer.content.decode("utf-8", "replace")


def _fill(red: Red, path: str) -> list[str]:
    """Every way of filling ``path``'s parameters with what the store holds."""
    artifacts = sorted(red.store.decisions.get(red.decision).artifacts.values())
    values = {
        "ref": [red.digest, *red.runs, red.decision],
        "run_id": red.runs,
        "decision_id": [red.decision],
        "digest": artifacts,
        "name": ["echo"],
    }
    paths = [path]
    for name, choices in values.items():
        marker = re.compile(r"\{" + name + r"(:path)?\}")
        paths = [marker.sub(c, p) for p in paths for c in choices] if marker.search(path) else paths
    return [p for p in paths if "{" not in p]


def _openapi_gets(red: Red) -> list[str]:
    document = _get(red, "/api/v1/openapi.json", red.viewer).json()
    return [p for p, ops in document["paths"].items() if "get" in ops]


def _pages(red: Red) -> list[str]:
    app = create_app(red.store, ServerSettings(auth="token"))
    found = []
    for route in app.routes:
        path = getattr(route, "path", "")
        if "GET" in (getattr(route, "methods", None) or ()) and not path.startswith("/api/"):
            found.append(path)
    return [p for p in found if p not in ("/logout", "/static/{name}")]


@pytest.mark.slow
def test_no_route_or_page_gives_a_viewer_a_prompt(red: Red) -> None:
    pair = {"baseline": red.runs[0], "candidate": red.runs[1]}
    assert all(_probes([t]) for t in red.texts if len(t) > 60)  # every long text is probed
    walked = 0
    for template in _openapi_gets(red) + _pages(red):
        for path in _fill(red, template):
            for params in ({}, pair, {**pair, "metric": "attack_success", "kind": "regressed"}):
                answer = _get(red, path, red.viewer, **params)
                assert answer.status_code < 500, (path, answer.text[:300])
                assert not _leaks(_body(answer), red.texts), (path, params)
                walked += answer.status_code == 200
    assert walked >= 40  # most routes answered, not just refused
    # and the routes that serve examples and records really answered, withholding
    examples = _get(red, f"/api/v1/suites/{red.digest}/examples", red.viewer)
    assert examples.status_code == 200 and WITHHELD in _body(examples)
    page = _get(red, f"/suites/{red.digest}", red.viewer)
    assert page.status_code == 200 and "Input and reference text withheld" in page.text


def test_the_examples_route_withholds_unless_an_editor_asks(red: Red) -> None:
    path = f"/api/v1/suites/{red.digest}/examples"
    stored = red.store.suites.examples(red.digest)
    for token in (red.viewer, red.editor):
        table = pq.read_table(io.BytesIO(_get(red, path, token).content))
        assert table.column("example_id").equals(stored.column("example_id"))
        for name in ("category", "template", "kind", "cluster"):
            assert table.column(name).equals(stored.column(name))
        assert set(table.column("input").to_pylist()) == {WITHHELD}
        assert not _leaks(_body(_get(red, path, token)), red.texts)
    refused = _get(red, path, red.viewer, show_unsafe_text="true")
    assert refused.status_code == 403
    assert "vic is viewer; reading a red-team suite's example text needs editor" in refused.text
    shown = pq.read_table(io.BytesIO(_get(red, path, red.editor, show_unsafe_text="true").content))
    assert shown.equals(stored)
    unasked = _get(red, f"/suites/{red.digest}", red.editor)
    assert "Input and reference text withheld" in unasked.text
    assert not _leaks(unasked.text, red.texts)
    page = _get(red, f"/suites/{red.digest}", red.editor, show_unsafe_text="true")
    assert page.status_code == 200 and _leaks(page.text, red.texts)
    assert (
        _get(red, f"/suites/{red.digest}", red.viewer, show_unsafe_text="true").status_code == 403
    )


def test_a_remote_store_gives_the_text_only_to_a_role_that_may_read_it(red: Red) -> None:
    stored = red.store.suites.examples(red.digest)
    with RemoteStore(red.url, token=red.viewer) as remote:
        hidden = remote.suites.examples(red.digest, text=False)
        assert set(hidden.column("input").to_pylist()) == {WITHHELD}
        assert hidden.column("category").equals(stored.column("category"))
        # what needs only slices works for a viewer, and counts the same as the server's store
        assert wf.run_safety(red.runs[0], store=remote) == wf.run_safety(
            red.runs[0], store=red.store
        )
        # running a red-team suite needs its prompts: a viewer is told which role it needs
        with pytest.raises(AccessDeniedError, match="needs editor or above"):
            remote.suites.examples(red.digest)
        with pytest.raises(AccessDeniedError, match="needs editor or above"):
            assay.get_suite(red.digest, store=remote)
    with RemoteStore(red.url, token=red.editor) as remote:
        assert remote.suites.examples(red.digest).equals(stored)
        assert remote.suites.examples(red.digest, text=False).equals(hidden)
        suite = assay.get_suite(red.digest, store=remote)
        run = assay.evaluate(_answer, suite=suite, model="echo@3", store=remote)
        assert run.run.n_examples == len(stored)


def test_the_local_store_withholds_on_request_only_for_a_red_team_suite(red: Red) -> None:
    stored = red.store.suites.examples(red.digest)
    hidden = red.store.suites.examples(red.digest, text=False)
    assert set(hidden.column("input").to_pylist()) == {WITHHELD}
    assert hidden.drop_columns(["input", "reference"]).equals(
        stored.drop_columns(["input", "reference"])
    )
    nulls = stored.column("reference").null_count
    assert hidden.column("reference").null_count == nulls
    suite = red.store.suites.get(red.digest)
    ordinary = suite.model_copy(
        update={"catalog": suite.catalog.model_copy(update={"unsafe_text": False})}
    )
    assert withhold_text(stored, ordinary) is stored


@pytest.mark.slow
def test_the_cli_through_a_server_shows_a_viewer_no_prompt(red: Red, tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ASSAY_")}
    env.update(ASSAY_DB=red.url, ASSAY_TOKEN=red.viewer, ASSAY_HOME=str(tmp_path / ".assay"))
    source = str(Path(assay.__file__).parents[1])
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [source, env.get("PYTHONPATH")]))

    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "assay", *args],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )

    shown = cli("suites", "show", red.digest[:12])
    assert shown.returncode == 0, shown.stderr
    assert "red-team" in shown.stdout.lower() or red.digest in shown.stdout
    safety = cli("safety", red.runs[0], "--json")
    assert safety.returncode == 0, safety.stderr
    compared = cli("compare", *red.runs, "--json")
    assert compared.returncode == 0, compared.stderr
    for done in (shown, safety, compared):
        assert not _leaks(done.stdout + done.stderr, red.texts)
    # a datasheet counts duplicates in the prompts themselves: refused, naming the role needed
    refused = cli("suites", "datasheet", red.digest[:12])
    assert refused.returncode != 0
    assert "needs editor or above" in refused.stdout + refused.stderr
    assert not _leaks(refused.stdout + refused.stderr, red.texts)
