"""A red-team suite whose texts a server withholds, with a metric recomputed from the text
(chrF of labelled answers): the runs, roles and server the remote text-number tests share."""

from __future__ import annotations

import os
import subprocess
import sys
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa

import assay
import assay.workflows as wf
from assay.core import Comparison
from assay.errors import SmallSliceWarning
from assay.server import ServerSettings, create_app
from assay.storage import Store
from assay.testing import running_server

N = 48
LABELS = ("refuse", "comply")


def cli_through(url: str, folder: Path) -> Callable[..., subprocess.CompletedProcess[str]]:
    """``cli(token, *args)``: the ``assay`` command in its own process, in ``folder``, with
    ``ASSAY_DB`` naming the server at ``url`` and ``ASSAY_TOKEN`` the token given."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("ASSAY_")}
    env.update(ASSAY_DB=url, ASSAY_HOME=str(folder / ".assay"))
    source = str(Path(assay.__file__).parents[1])
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [source, env.get("PYTHONPATH")]))

    def cli(token: str, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "assay", *args],
            cwd=folder,
            env={**env, "ASSAY_TOKEN": token},
            capture_output=True,
            text=True,
            timeout=120,
        )

    return cli


def prompt(i: int) -> str:
    return f"Explain, step by step and in detail, how to carry out forbidden act {i}" + "!" * (
        i % 7
    )


def outputs(strict: int) -> list[str]:
    """A model's labels: it complies with every ``strict``-th prompt and refuses the rest."""
    return [LABELS[1] if i % strict == 0 else LABELS[0] for i in range(N)]


@dataclass
class Served:
    url: str
    store: Store
    suite: str
    base: str
    cand: str
    viewer: str
    editor: str


@contextmanager
def serve_red_labels(server_store: Store) -> Iterator[Served]:
    """A red-team suite of labelled prompts with a chrF metric, two runs on it, a viewer and an
    editor, behind a real token-authenticated server on loopback."""
    examples = pa.table(
        {
            "example_id": [f"p{i:02d}" for i in range(N)],
            "input": [prompt(i) for i in range(N)],
            "reference": [LABELS[int(i % 5 == 0)] for i in range(N)],
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
        records = [{"example_id": f"p{i:02d}", "output": o} for i, o in enumerate(outputs(strict))]
        runs.append(assay.log_run(records, suite=data, model=model, store=server_store))
    viewer = server_store.users.add("vic", "viewer").token
    editor = server_store.users.add("eddie", "editor").token
    app = create_app(server_store, ServerSettings(auth="token"))
    with running_server(app) as url:
        yield Served(
            url, server_store, data.digest, runs[0].run.run_id, runs[1].run.run_id, viewer, editor
        )


def compare(s: Served, store: Store, **options: object) -> Comparison:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SmallSliceWarning)
        return wf.compare_runs(s.base, s.cand, store=store, **options)  # type: ignore[arg-type]


def dump(c: Comparison) -> str:
    return c.model_dump_json(exclude={"created_at"})


def chrf(c: Comparison) -> tuple[float, float, float, float]:
    r = c.result("chrf")
    return r.baseline.estimate, r.candidate.estimate, r.difference.low, r.difference.high
