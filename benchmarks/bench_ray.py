"""The Ray backend's overhead: one suite sent to a loopback model server, locally and on Ray.

One command: ``python benchmarks/bench_ray.py`` (``--quick`` for 10,000 requests, ``--n N``
for another size).

A loopback OpenAI-compatible server (a separate process) answers every chat completion after
a fixed 5 ms and counts the requests it gets, per prompt. A Ray cluster is started on this
machine with ``ray start`` (a head and one worker node, one CPU each:
:class:`assay.testing.LocalRayCluster`) and warmed up (its worker processes started and
assay imported in them). Then, in turn, the same suite of ``N`` examples is evaluated with
``OpenAIAdapter(concurrency=32)``:

* the reference: the local runner, ``evaluate_suite``, in this process;
* ``evaluate_suite_ray`` with one shard (one worker process);
* ``evaluate_suite_ray`` with two shards (two worker processes, one per node; each shard
  with concurrency 32).

Printed per row: wall seconds, requests/s and the ratio of its throughput to the local
runner's, and the checks that nothing was lost: every record present, none errored, every
output the server's answer, and the server asked each prompt exactly once. On two shared
cores a ratio near 1x is expected: the cluster adds processes, not cores; the point is that
nothing is lost and the overhead is small.

Results (dated; ``uptime`` load average at the start):

| date | machine | N | local req/s | 1 worker | 2 workers | lost | load |
|---|---|---|---|---|---|---|---|
| 2026-12-06 | 2 cores | 10,000 | 1319 | 1.02x | 1.52x | none | 13.8 |
| 2026-12-06 | 2 cores | 100,000 | 1058 | 1.23x | 1.84x | none | 13.8 |

On 2026-12-06 the machine was shared (load average near 14 on 2 cores): a run spread over
more processes then gets a larger share of the contended cores, which is most of the
ratios above 1x; they are not a speed-up to expect on an idle machine.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import time
import urllib.request
from datetime import date

DELAY_S = 0.005
CONCURRENCY = 32


def serve() -> None:
    """The loopback server: prints its port, answers after DELAY_S, counts prompts."""
    from collections import Counter

    from aiohttp import web

    asked: Counter[str] = Counter()

    async def chat(request: web.Request) -> web.Response:
        body = await request.json()
        prompt = body["messages"][-1]["content"]
        asked[prompt] += 1
        await asyncio.sleep(DELAY_S)
        usage = {"prompt_tokens": len(prompt.split()), "completion_tokens": 2}
        message = {"role": "assistant", "content": "A: " + prompt}
        return web.json_response({"choices": [{"index": 0, "message": message}], "usage": usage})

    async def stats(request: web.Request) -> web.Response:
        data = {"requests": sum(asked.values()), "distinct": len(asked)}
        if request.query.get("reset"):
            asked.clear()
        return web.json_response(data)

    async def main() -> None:
        app = web.Application()
        app.router.add_post("/v1/chat/completions", chat)
        app.router.add_get("/stats", stats)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0, backlog=1024)
        await site.start()
        print(runner.addresses[0][1], flush=True)
        await asyncio.Event().wait()

    asyncio.run(main())


def _stats(port: int, reset: bool = False) -> dict[str, int]:
    url = f"http://127.0.0.1:{port}/stats" + ("?reset=1" if reset else "")
    with urllib.request.urlopen(url, timeout=30) as resp:
        return json.loads(resp.read())  # type: ignore[no-any-return]


def _lost(records: object, inputs: list[str], served: dict[str, int]) -> str:
    """What a run lost or repeated, in words; "none" when every check holds."""
    import pyarrow as pa

    assert isinstance(records, pa.Table)
    n = len(inputs)
    problems = []
    if records.num_rows != n:
        problems.append(f"{records.num_rows} records of {n}")
    errors = n - records.column("error").null_count
    if errors:
        problems.append(f"{errors} errors")
    outputs = records.column("output").to_pylist()
    wrong = sum(o != "A: " + i for i, o in zip(inputs, outputs, strict=True))
    if wrong:
        problems.append(f"{wrong} wrong outputs")
    if served != {"requests": n, "distinct": n}:
        problems.append(f"server saw {served}")
    return "; ".join(problems) or "none"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="10,000 requests")
    parser.add_argument("--n", type=int, default=None, help="requests (default 100,000)")
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve()
        return
    n = args.n or (10_000 if args.quick else 100_000)

    import ray

    from assay.runners import OpenAIAdapter, evaluate_suite, evaluate_suite_ray
    from assay.testing import LocalRayCluster, synthetic_suite

    load = os.getloadavg()
    server = subprocess.Popen(
        [sys.executable, __file__, "--serve"], stdout=subprocess.PIPE, text=True
    )
    try:
        assert server.stdout is not None
        port = int(server.stdout.readline())
        adapter = OpenAIAdapter(
            "bench",
            base_url=f"http://127.0.0.1:{port}/v1",
            concurrency=CONCURRENCY,
            max_retries=0,
        )
        data = synthetic_suite(n, seed=1)
        with LocalRayCluster(workers=1, cpus=1) as cluster:
            ray.init(address=cluster.address, log_to_driver=False)
            try:
                evaluate_suite_ray(synthetic_suite(64, seed=2), adapter, num_shards=2)  # warm-up
                _stats(port, reset=True)
                rows = []
                inputs = [json.loads(v) for v in data.examples.column("input").to_pylist()]
                for label, shards in (
                    ("local runner", 0),
                    ("Ray, 1 worker", 1),
                    ("Ray, 2 workers", 2),
                ):
                    t0 = time.perf_counter()
                    if shards:
                        records = evaluate_suite_ray(data, adapter, num_shards=shards)
                    else:
                        records = evaluate_suite(data, adapter)
                    wall = time.perf_counter() - t0
                    rows.append((label, wall, _lost(records, inputs, _stats(port, reset=True))))
                    del records
            finally:
                ray.shutdown()
    finally:
        server.terminate()
        server.wait(10)
    local = n / rows[0][1]
    print(
        f"{n:,} requests, server delay {DELAY_S * 1000:.0f} ms, concurrency {CONCURRENCY} per shard"
    )
    print(f"load average at start: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    print(f"{'':16} {'wall s':>8} {'req/s':>8} {'vs local':>9}  lost or repeated")
    for label, wall, lost in rows:
        print(f"{label:16} {wall:8.1f} {n / wall:8.0f} {n / wall / local:8.2f}x  {lost}")
    print(
        f"table row: | {date.today()} | {os.cpu_count()} cores | {n:,} | {local:.0f} | "
        f"{n / rows[1][1] / local:.2f}x | {n / rows[2][1] / local:.2f}x | "
        f"{'none' if all(r[2] == 'none' for r in rows) else 'SEE ABOVE'} | {load[0]:.1f} |"
    )


if __name__ == "__main__":
    main()
