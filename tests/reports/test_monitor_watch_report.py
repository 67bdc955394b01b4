"""The quality-watch report shows the numbers the monitor's status holds, one chart point per
stored look, the threshold and the alarm look, and escapes every text from a spec or a window;
``assay monitor report`` writes it."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from xml.etree import ElementTree

import numpy as np
import pyarrow as pa
import pytest

import assay
import assay.workflows as wf
from assay.cli import main
from assay.monitor import MonitorSpec, MonitorStatus, WatchSpec, WatchState
from assay.reports import monitor_watch_body, monitor_watch_report_html
from assay.storage import Store, open_store
from assay.testing import synthetic_records, synthetic_suite


@pytest.fixture
def alarmed(tmp_path: Path) -> Iterator[tuple[Store, MonitorStatus, Path]]:
    """A store with a decision and a monitor on it that alarmed after some looks."""
    db = tmp_path / "assay.db"
    store = open_store(f"sqlite:///{db}")
    suite = synthetic_suite(200, seed=5)
    base, cand = (
        assay.log_run(
            synthetic_records(suite, seed=s), suite=suite, model=f"m@{s}", store=store
        ).run.run_id
        for s in (1, 2)
    )
    decision = assay.decide(base, cand, output=tmp_path / "reports", store=store)
    spec = MonitorSpec(
        name="quality",
        decision=decision.decision.decision_id,
        watches=(WatchSpec(metric="accuracy"), WatchSpec(metric="accuracy", slice="lang=en")),
    )
    status = wf.register_monitor(spec, store=store)
    reference = status.watches[0].reference
    rng = np.random.default_rng(3)
    for p in [reference] * 2 + [max(reference - 0.3, 0.0)] * 5:
        window = pa.table(
            {
                "accuracy": rng.binomial(1, p, 400).astype(float),
                "lang": rng.choice(["en", "fr"], 400),
            }
        )
        status = wf.record_window("quality", window, store=store)
    yield store, status, tmp_path
    store.close()


def _looks(svg_html: str) -> list[int]:
    return [int(n) for n in re.findall(r'<g class="look" data-look="(\d+)"', svg_html)]


def test_the_report_shows_the_status_numbers_and_a_point_per_look(
    alarmed: tuple[Store, MonitorStatus, Path],
) -> None:
    store, _, _ = alarmed
    stored = wf.monitor_status("quality", store=store)[0]
    history = wf.monitor_history("quality", store=store)
    assert [h["look"] for h in history] == list(range(1, stored.looks + 1)) and stored.looks == 7
    html = monitor_watch_report_html(stored, history)
    ElementTree.fromstring(html.split("<body>", 1)[1].rsplit("</body>", 1)[0].join(["<b>", "</b>"]))
    assert stored.watches[0].state == "alarm" and stored.state == "alarm"
    sections = html.split('<section class="watch">')[1:]
    assert len(sections) == len(stored.watches)
    for watch, section in zip(stored.watches, sections, strict=True):
        assert f"<h3>{watch.name}</h3>" in section
        word = {"alarm": "fail", "ok": "pass"}.get(watch.state, "inconclusive")
        assert f'<span class="watch-state o-{word}">{watch.state}</span>' in section
        assert f"{watch.remaining:.3g} of {watch.alpha:.3g}" in section
        assert f"threshold {watch.threshold:.4g}" in section
        assert f"<tr><td>looks</td><td>{watch.looks}</td></tr>" in section
        assert _looks(section) == list(range(1, stored.looks + 1))
        assert f"Method: {watch.method}" in section
        if watch.alarm_look is not None:
            assert f"alarm at look {watch.alarm_look}" in section
            assert section.count('class="alarm"') == 1
    assert stored.watches[0].remaining == 0.0
    assert f"{stored.remaining:.3g} of {stored.alpha:.3g}" in html
    assert f"<tr><td>looks</td><td>{stored.looks}</td></tr>" in html
    # the last look's bounds in the history are the watch's bounds
    last = history[-1]["watches"][0]
    assert (last["low"], last["high"]) == (stored.watches[0].low, stored.watches[0].high)


def test_a_shorter_history_says_how_many_looks_it_shows(
    alarmed: tuple[Store, MonitorStatus, Path],
) -> None:
    store, status, _ = alarmed
    history = wf.monitor_history("quality", limit=3, store=store)
    assert [h["look"] for h in history] == [5, 6, 7]
    body = monitor_watch_body(status, history)
    assert "newest 3 of 7 looks" in body
    assert _looks(body) == [5, 6, 7] * len(status.watches)


def test_hostile_names_are_escaped() -> None:
    hostile = '<script>alert(1)</script>"\u202e\x1b'
    spec = MonitorSpec(name="m", decision="d", watches=(WatchSpec(metric="accuracy"),))
    watch = WatchState(
        name=hostile,
        metric=hostile,
        slice=None,
        column=hostile,
        method="bernstein",
        goal="higher",
        reference=0.8,
        margin=0.02,
        threshold=0.78,
        alpha=0.05,
        looks=1,
        n=10,
        estimate=0.5,
        low=0.3,
        high=0.7,
        state="alarm",
        alarm_look=1,
        notes=(hostile,),
    )
    status = MonitorStatus("m", hostile, 0.05, 60, 1, (watch,), "s", "t", hostile, (1,), (), spec)
    history = [{"look": 1, "watches": [{"watch": hostile, "low": 0.3, "high": 0.7}]}]
    html = monitor_watch_report_html(status, history)
    assert "<script>" not in html and "\u202e" not in html and "\x1b" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert _looks(html) == [1]


def test_the_command_writes_the_report(
    alarmed: tuple[Store, MonitorStatus, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    _, _, folder = alarmed
    out = folder / "out" / "monitor.html"
    out.parent.mkdir()
    db = f"sqlite:///{folder / 'assay.db'}"
    code = main(["monitor", "report", "quality", "-o", str(out), "--db", db])
    assert code == 0, capsys.readouterr()
    html = out.read_text(encoding="utf-8")
    assert "Monitor quality" in html and _looks(html)
    assert list(out.parent.iterdir()) == [out]
    assert main(["monitor", "report", "missing", "-o", str(out), "--db", db]) != 0
