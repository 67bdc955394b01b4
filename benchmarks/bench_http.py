"""Throughput of the OpenAI-compatible adapter against a bare aiohttp loop.

One command: ``python benchmarks/bench_http.py`` (``--quick`` for 2,000 requests).

A loopback OpenAI-compatible server (a separate process) answers every chat completion after
a fixed 20 ms. Each client runs as its own process, timed as a whole command (start-up and
imports included), with its CPU time from ``getrusage`` of the child:

* the reference: a bare aiohttp loop, one ``ClientSession`` over ``TCPConnector(limit=64)``
  and 64 workers, each POSTing a chat request and decoding the JSON answer;
* assay: ``evaluate_suite`` with ``OpenAIAdapter(concurrency=64)`` over a suite of as many
  examples (prompt template, exact-match scoring, token counts, cost, response cache), the
  examples read from a Parquet file as a stored suite is (written by the parent beforehand;
  building them from Python lists would import pandas through pyarrow, which the runner
  itself no longer does);
* assay again over the same cache: every answer comes from the cache, no request is sent;
* httpx's ``AsyncClient`` with the same concurrency, when httpx is installed.

Printed: requests/s, CPU-seconds per 1,000 requests, and the ratio of assay's throughput to
the bare loop's; also the time ``evaluate_suite`` spends inside the assay process (without
interpreter start-up and the imports before the call), reported by the child itself. Both
clients' time inside includes importing aiohttp: the adapter imports it inside
``evaluate_suite``, and the bare loops' timing starts before their client's import (until
2026-12-07 the bare loop imported aiohttp before its timing started, 0.1-0.2 s that only
assay's figure inside carried). The whole command is this
script's child, not the ``assay`` CLI: it writes no store, only the response cache.

Every assay child runs with this checkout's ``src`` first on ``PYTHONPATH`` (in a folder
outside the checkout). With ``--against SRC`` (the ``src`` folder of another checkout, e.g.
``git archive HEAD~1 src | tar -x -C /tmp/before``), that package's assay is also timed, one
process of each in turn, so a before/after pair shares the machine's load::

    python benchmarks/bench_http.py --repeat 5 --against /tmp/before/src
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _http_report import report

DELAY_S = 0.02
THIS = str(Path(__file__).resolve().parents[1] / "src")
# Children may write and use compiled bytecode, as an installed package does (pip compiles it
# at install); the warm-up runs below write it where it is missing.
_ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
TEMPLATE = "Q: {{ question }}"


def _answer(prompt: str) -> dict[str, object]:
    return {
        "id": "cmpl-bench",
        "object": "chat.completion",
        "choices": [
            {"index": 0, "message": {"role": "assistant", "content": "A: " + prompt}},
        ],
        "usage": {"prompt_tokens": len(prompt.split()), "completion_tokens": 3},
    }


def serve() -> None:
    """The loopback server: prints its port, answers after DELAY_S."""
    from aiohttp import web

    async def chat(request: web.Request) -> web.Response:
        body = await request.json()
        await asyncio.sleep(DELAY_S)
        return web.json_response(_answer(body["messages"][-1]["content"]))

    async def main() -> None:
        app = web.Application()
        app.router.add_post("/v1/chat/completions", chat)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0, backlog=1024)
        await site.start()
        print(runner.addresses[0][1], flush=True)
        await asyncio.Event().wait()

    asyncio.run(main())


def _inside(t0: float, cpu0: float, **extra: object) -> None:
    """Print the seconds and CPU seconds spent since (t0, cpu0), as the child's last line."""
    use = resource.getrusage(resource.RUSAGE_SELF)
    cpu = use.ru_utime + use.ru_stime - cpu0
    print(json.dumps({"inside_s": time.perf_counter() - t0, "inside_cpu": cpu, **extra}))


def _cpu() -> float:
    use = resource.getrusage(resource.RUSAGE_SELF)
    return use.ru_utime + use.ru_stime


def bare(url: str, n: int, concurrency: int) -> None:
    """The reference client: a bare aiohttp loop. Its time inside the process starts before
    aiohttp is imported, as assay's does (the adapter imports aiohttp inside evaluate_suite)."""
    t0, cpu0 = time.perf_counter(), _cpu()
    import aiohttp

    async def main() -> None:
        connector = aiohttp.TCPConnector(limit=concurrency)
        async with aiohttp.ClientSession(connector=connector) as session:
            items = iter(range(n))

            async def worker() -> None:
                for i in items:
                    body = {
                        "model": "bench",
                        "messages": [{"role": "user", "content": f"Q: what is item {i}"}],
                    }
                    async with session.post(url + "/chat/completions", json=body) as resp:
                        answer = await resp.json()
                        assert answer["choices"][0]["message"]["content"]

            await asyncio.gather(*(worker() for _ in range(concurrency)))

    asyncio.run(main())
    _inside(t0, cpu0)


def bare_httpx(url: str, n: int, concurrency: int) -> None:
    """httpx's async client with the same concurrency; its import timed, as aiohttp's is."""
    t0, cpu0 = time.perf_counter(), _cpu()
    import httpx

    async def main() -> None:
        limits = httpx.Limits(max_connections=concurrency)
        async with httpx.AsyncClient(limits=limits) as client:
            items = iter(range(n))

            async def worker() -> None:
                for i in items:
                    body = {
                        "model": "bench",
                        "messages": [{"role": "user", "content": f"Q: what is item {i}"}],
                    }
                    resp = await client.post(url + "/chat/completions", json=body)
                    assert resp.json()["choices"][0]["message"]["content"]

            await asyncio.gather(*(worker() for _ in range(concurrency)))

    asyncio.run(main())
    _inside(t0, cpu0)


def write_examples(path: Path, n: int) -> None:
    """The suite's examples as a Parquet file, as a stored suite is read by ``assay run``."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    questions = pa.array([f"what is item {i}" for i in range(n)])
    examples = pa.table(
        {
            "example_id": [f"q{i:06d}" for i in range(n)],
            "input": pa.StructArray.from_arrays([questions], names=["question"]),
            "reference": [f"A: Q: what is item {i}" if i % 2 else "no" for i in range(n)],
        }
    )
    pq.write_table(examples, path)


def run_assay(url: str, n: int, concurrency: int, cache_dir: str) -> None:
    """assay's path: evaluate_suite over an n-example suite; prints in-process seconds."""
    import pyarrow.parquet as pq

    from assay.data import make_suite
    from assay.runners import OpenAIAdapter, evaluate_suite

    examples = pq.ParquetFile(Path(cache_dir).parent / f"examples-{n}.parquet").read()
    data = make_suite("bench", examples, metrics=[{"name": "match", "scorer": "exact_match"}])
    adapter = OpenAIAdapter(
        "bench",
        base_url=url,
        prompt_template=TEMPLATE,
        concurrency=concurrency,
        price_per_1k_input=0.15,
        price_per_1k_output=0.6,
    )
    t0, cpu0 = time.perf_counter(), _cpu()
    records = evaluate_suite(data, adapter, cache_dir=cache_dir)
    _inside(
        t0,
        cpu0,
        errors=records.num_rows - records.column("error").null_count,
        pandas="pandas" in sys.modules,
    )


def timed(args: list[str], src: str = THIS) -> dict[str, float]:
    """Wall and CPU seconds (user + system) of one child command, whole and inside; its
    ``assay`` is the package in ``src``."""
    env = {**_ENV, "PYTHONPATH": os.pathsep.join([src, *filter(None, [_ENV.get("PYTHONPATH")])])}
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    done = subprocess.run(
        [sys.executable, __file__, *args],
        capture_output=True,
        text=True,
        check=False,
        env=env,
        cwd=tempfile.gettempdir(),  # outside any checkout, whose own path hooks could win
    )
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise SystemExit(f"{args[1]} failed:\n{done.stderr}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    inside = json.loads(done.stdout.strip().splitlines()[-1])
    return {"wall": wall, "cpu": cpu, **inside}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="2,000 requests instead of 10,000")
    parser.add_argument("--requests", type=int, default=None)
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--repeat", type=int, default=5, help="runs of each client; median kept")
    parser.add_argument("--against", help="another checkout's src folder, timed in turn")
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--client", nargs=4, help=argparse.SUPPRESS)
    opts = parser.parse_args()
    if opts.serve:
        return serve()
    if opts.client:
        kind, url, n, c = opts.client
        if kind == "bare":
            return bare(url, int(n), int(c))
        if kind == "httpx":
            return bare_httpx(url, int(n), int(c))
        return run_assay(url, int(n), int(c), kind.split("=", 1)[1])

    n = opts.requests or (2_000 if opts.quick else 10_000)
    c = opts.concurrency
    server = subprocess.Popen(
        [sys.executable, __file__, "--serve"], stdout=subprocess.PIPE, text=True
    )
    rows: dict[str, list[dict[str, float]]] = {
        k: [] for k in ("bare", "assay", "hit", "before", "before hit", "httpx")
    }
    other = None if opts.against is None else str(Path(opts.against).resolve())
    try:
        assert server.stdout is not None
        url = f"http://127.0.0.1:{server.stdout.readline().strip()}/v1"
        timed(["--client", "bare", url, "200", str(c)])  # warm the server and the OS caches
        with tempfile.TemporaryDirectory() as tmp:
            for size in {200, n}:
                write_examples(Path(tmp) / f"examples-{size}.parquet", size)
            timed(["--client", f"assay={Path(tmp) / 'warm'}", url, "200", str(c)])
            if other is not None:
                timed(["--client", f"assay={Path(tmp) / 'warm-b'}", url, "200", str(c)], other)
            for i in range(opts.repeat):  # interleaved, so load from elsewhere hits all alike
                rows["bare"].append(timed(["--client", "bare", url, str(n), str(c)]))
                cache = f"assay={Path(tmp) / f'cache{i}'}"
                rows["assay"].append(timed(["--client", cache, url, str(n), str(c)]))
                rows["hit"].append(timed(["--client", cache, url, str(n), str(c)]))
                if other is not None:
                    cache = f"assay={Path(tmp) / f'before{i}'}"
                    rows["before"].append(timed(["--client", cache, url, str(n), str(c)], other))
                    hit = timed(["--client", cache, url, str(n), str(c)], other)
                    rows["before hit"].append(hit)
        try:
            import httpx  # noqa: F401

            rows["httpx"].append(timed(["--client", "httpx", url, str(min(n, 2_000)), str(c)]))
        except ImportError:
            pass
    finally:
        server.kill()
        server.wait()
    report(n, c, opts.repeat, {k: v for k, v in rows.items() if v}, other)


if __name__ == "__main__":
    main()
