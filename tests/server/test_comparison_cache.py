"""Comparisons over real HTTP are computed on demand and kept under the two runs' content
digests and the options: the same pair asked again, by any reference, is not computed again;
other options, or the pair the other way round, are."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

import assay
import assay.workflows
from assay.server import ServerSettings, create_app
from assay.storage import Store, open_store
from assay.testing import running_server, synthetic_records, synthetic_suite


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with open_store(f"sqlite:///{tmp_path / 'assay.db'}") as opened:
        data = synthetic_suite(60, seed=5)
        for model, seed in (("m@1", 1), ("m@2", 2)):
            records = synthetic_records(data, seed=seed)
            assay.log_run(records, suite=data, model=model, store=opened)
        yield opened


def test_a_comparison_is_computed_once_per_pair_of_contents_and_options(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    computed: list[tuple[str, str, float]] = []
    plain = assay.workflows.compare_runs

    def counted(baseline: str, candidate: str, **options: Any) -> Any:
        computed.append((baseline, candidate, options["confidence"]))
        return plain(baseline, candidate, **options)

    monkeypatch.setattr(assay.workflows, "compare_runs", counted)
    base, cand = (assay.get_run(m, store=store).run_id for m in ("m@1", "m@2"))
    with running_server(create_app(store, ServerSettings(comparison_cache_size=8))) as url:

        def compare(**params: Any) -> dict[str, Any]:
            answer = httpx.get(f"{url}/api/v1/comparisons", params=params, timeout=60)
            assert answer.status_code == 200, answer.text
            found: dict[str, Any] = answer.json()
            return found

        first = compare(baseline=base, candidate=cand)
        assert compare(baseline=base, candidate=cand) == first
        assert compare(baseline="m@1", candidate=cand[:10]) == first  # other references
        assert computed == [(base, cand, 0.95)]
        narrower = compare(baseline=base, candidate=cand, confidence=0.8)
        assert computed[-1] == (base, cand, 0.8)
        assert narrower["results"] != first["results"]
        compare(baseline=base, candidate=cand, max_flips=3)
        compare(baseline=cand, candidate=base)
        assert len(computed) == 4
        compare(baseline=base, candidate=cand, confidence=0.8)  # kept too
        assert len(computed) == 4
