"""The response cache: no repeated requests, identical records, resume after a kill or cancel."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pyarrow as pa
import pytest

from assay.runners import OpenAIAdapter, ResponseCache, evaluate_suite, evaluate_suite_async
from assay.testing import QA_TEMPLATE as TEMPLATE
from assay.testing import FakeOpenAI, qa_suite

CHILD = Path(__file__).resolve().parent / "resume_child.py"
# how a non-interactive shell starts a background job: with SIGINT ignored (os.execv keeps the
# ignored disposition, and the process id)
IGNORING_SIGINT = (
    "import os, signal, sys; signal.signal(signal.SIGINT, signal.SIG_IGN); "
    "os.execv(sys.executable, [sys.executable, *sys.argv[1:]])"
)


def model(server: FakeOpenAI, **kwargs: object) -> OpenAIAdapter:
    settings: dict[str, object] = {"prompt_template": TEMPLATE, "concurrency": 4}
    settings.update(kwargs)
    return OpenAIAdapter("fake-model", base_url=server.url, **settings)  # type: ignore[arg-type]


def without_latency(records: pa.Table) -> pa.Table:
    return records.drop_columns(["latency_ms"])


def start_child(
    server: FakeOpenAI,
    cache_dir: Path,
    n: int,
    *,
    sigint_ignored: bool = False,
    in_asyncio_run: bool = False,
) -> subprocess.Popen[bytes]:
    """The resume child, evaluating ``n`` examples against ``server`` with ``cache_dir``."""
    start = [sys.executable, "-c", IGNORING_SIGINT] if sigint_ignored else [sys.executable]
    mode = ["asyncio.run"] if in_asyncio_run else []
    return subprocess.Popen(
        [*start, str(CHILD), server.url, str(cache_dir), str(n), *mode],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


def signal_when(
    child: subprocess.Popen[bytes], ready: Callable[[], bool], sig: int, awaited: str
) -> tuple[bytes, bytes]:
    """Send ``sig`` to ``child`` once ``ready()``; the child's stdout and stderr once it ended."""
    try:
        deadline = time.monotonic() + 60
        while not ready():
            assert child.poll() is None, child.communicate()
            assert time.monotonic() < deadline, f"the child never {awaited}"
            time.sleep(0.02)
        child.send_signal(sig)
        return child.communicate(timeout=30)
    finally:
        if child.poll() is None:
            child.kill()
            child.communicate()


def test_second_run_makes_no_request_and_gives_equal_records(server, suite, tmp_path):
    first = evaluate_suite(suite, model(server), cache_dir=tmp_path, samples=2)
    assert server.requests == 24
    server.reset()
    second = evaluate_suite(suite, model(server), cache_dir=tmp_path, samples=2)
    assert server.requests == 0
    assert second.equals(first)  # latency included: a cached answer keeps its own
    assert len(ResponseCache(tmp_path)) == 24


def test_other_decoding_settings_miss_the_cache(server, suite, tmp_path):
    evaluate_suite(suite, model(server, parameters={"temperature": 0.0}), cache_dir=tmp_path)
    server.reset()
    evaluate_suite(suite, model(server, parameters={"temperature": 0.5}), cache_dir=tmp_path)
    assert server.requests == 12


def test_failed_answers_are_not_cached(server, suite, tmp_path):
    server.status = 500
    failed = evaluate_suite(suite, model(server, max_retries=0), cache_dir=tmp_path)
    assert failed.column("error").null_count == 0
    server.status = None
    server.reset()
    again = evaluate_suite(suite, model(server), cache_dir=tmp_path)
    assert server.requests == 12
    assert again.column("error").null_count == 12


def test_cache_keeps_the_first_answer_and_survives_reopening(tmp_path):
    with ResponseCache(tmp_path / "c") as cache:
        cache.put("k1", {"output": "a", "latency_ms": 1.5})
        cache.put("k1", {"output": "b", "latency_ms": 2.5})
        cache.put("k2", {"output": [1, 2], "latency_ms": 0.1})
        assert not (tmp_path / "c").exists() or len(cache) == 2
    with ResponseCache(tmp_path / "c") as cache:
        assert len(cache) == 2
        assert cache.get("k1") == {"output": "a", "latency_ms": 1.5}
        assert cache.get_many(["k2", "nope"]) == {"k2": {"output": [1, 2], "latency_ms": 0.1}}


def test_cancelled_run_leaves_a_consistent_cache_and_resumes(server, tmp_path):
    server.delay_s = 0.02
    data = qa_suite(120)
    reference = evaluate_suite(data, model(server))
    server.reset()
    probe = ResponseCache(tmp_path)

    async def cancel_midway() -> None:
        task = asyncio.create_task(evaluate_suite_async(data, model(server), cache_dir=tmp_path))
        deadline = time.monotonic() + 30
        while len(probe) < 20:
            assert time.monotonic() < deadline and not task.done()
            await asyncio.sleep(0.01)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    asyncio.run(cancel_midway())
    cached = len(probe)
    probe.close()
    assert 20 <= cached < 120
    assert cached >= server.requests - 4  # at most the requests in flight were lost
    server.reset()
    resumed = evaluate_suite(data, model(server), cache_dir=tmp_path)
    assert server.requests == 120 - cached
    assert without_latency(resumed).equals(without_latency(reference))


def test_an_interrupt_inside_a_running_loop_stops_the_run_and_keeps_its_answers(server, tmp_path):
    # as in a notebook: evaluate_suite called where a loop runs sends its requests from a
    # worker thread, while Ctrl-C raises KeyboardInterrupt in the calling thread
    server.delay_s = 0.05  # the whole run would take 5 s; the interrupt comes after 20 requests
    n = 400
    probe = ResponseCache(tmp_path)
    stop = threading.Event()

    def interrupt() -> None:
        while server.requests < 20 and not stop.is_set():
            time.sleep(0.005)
        if not stop.is_set():
            os.kill(os.getpid(), signal.SIGINT)

    async def cell() -> None:
        evaluate_suite(qa_suite(n), model(server), cache_dir=tmp_path)

    loop = asyncio.new_event_loop()
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    interrupter = threading.Thread(target=interrupt)
    interrupter.start()
    try:
        with pytest.raises(KeyboardInterrupt):
            loop.run_until_complete(cell())
    finally:
        stop.set()
        interrupter.join()
        signal.signal(signal.SIGINT, previous)
        loop.close()
    cached = len(probe)
    probe.close()
    assert 20 <= server.requests < n  # the run stopped
    assert cached >= server.requests - 4  # only the requests in flight were lost


def test_an_interrupt_stops_a_run_called_inside_asyncio_run(server, tmp_path):
    # a script's asyncio.run(main()) handles SIGINT by cancelling main, which waits, blocked,
    # for the run in evaluate_suite: the interrupt must stop the run all the same
    server.delay_s = 0.05
    n = 400
    child = start_child(server, tmp_path / "cache", n, in_asyncio_run=True)
    stdout, stderr = signal_when(
        child, lambda: server.requests >= 20, signal.SIGINT, "sent 20 requests"
    )
    assert child.returncode != 0
    assert b"KeyboardInterrupt" in stderr
    assert b"finished" not in stdout
    assert server.requests < n // 2  # the run stopped, not only the script after it


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGINT], ids=["SIGKILL", "SIGINT"])
def test_killed_run_resumes_with_only_the_remaining_requests(server, tmp_path, sig):
    n = 300
    server.delay_s = 0.02
    data = qa_suite(n)
    reference = evaluate_suite(data, model(server, concurrency=64))
    server.reset()
    server.delay_s = 0.1  # slow enough that the child cannot finish before the signal
    cache_dir = tmp_path / "cache"
    child = start_child(server, cache_dir, n)
    probe = ResponseCache(cache_dir)

    def cached_40() -> bool:
        return probe.path.exists() and len(probe) >= 40

    _, stderr = signal_when(child, cached_40, sig, "cached 40 answers")
    assert child.returncode != 0
    cached = len(probe)
    probe.close()
    assert 40 <= cached < n
    if sig == signal.SIGINT:
        # an interrupt commits every answer received; only the 4 requests in flight are lost
        assert b"KeyboardInterrupt" in stderr
        assert cached >= server.requests - 4
    server.reset()
    resumed = evaluate_suite(data, model(server, concurrency=64), cache_dir=cache_dir)
    assert server.requests == n - cached
    assert without_latency(resumed).equals(without_latency(reference))
    server.reset()
    again = evaluate_suite(data, model(server), cache_dir=cache_dir)
    assert server.requests == 0
    assert again.equals(resumed)


def test_the_child_is_interrupted_also_when_started_with_sigint_ignored(server, tmp_path):
    # a suite started in the background by a script (``pytest ... &``) ignores SIGINT and so
    # do the children it starts; the resume child must stop at an interrupt all the same.
    # No answer comes before the interrupt, so a child that ignored it would finish with 0.
    server.hang_s = 10.0
    child = start_child(server, tmp_path / "cache", 4, sigint_ignored=True)
    stdout, stderr = signal_when(
        child, lambda: server.requests > 0, signal.SIGINT, "sent a request"
    )
    assert child.returncode != 0
    assert b"KeyboardInterrupt" in stderr
    assert b"finished" not in stdout
