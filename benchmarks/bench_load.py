"""The load generator against two floors, a bare aiohttp loop and vLLM's client loop.

One command: ``python benchmarks/bench_load.py`` (``--quick``: 500 req/s for 1,000 requests;
default 2,000 req/s for 6,000 requests; ``--rate``, ``--requests`` to choose).

A loopback server (its own process) streams 32 SSE chunks per answer after 20 ms. Each client
is its own process, sending the same seeded Poisson schedule (``arrival_schedule``, seed 0);
the clients are in ``_load_clients.py``:

* timer floor: an event loop (uvloop's) that only sleeps until each send time and records
  how late it woke: what the machine's scheduler allows any client, nothing sent;
* raw protocol sender: a minimal HTTP/1.1 client on asyncio protocols writing one
  pre-encoded request per send on an idle keep-alive connection and waiting for the end of
  the chunked answer, nothing parsed: what sending costs with the least Python per request;
* the reference: a bare aiohttp loop in the style of vLLM's benchmark client: sleep until each
  send time, start a task that POSTs with ``stream=True`` and reads every chunk, recording the
  send time, the first chunk and the last;
* vLLM's client loop: ``vllm bench serve``'s sending loop and chat request function,
  reproduced in aiohttp (``vllm`` itself is too heavy to install here; see ``vllm_loop``);
* assay: ``run_load`` (SSE parsing, usage, error kinds, per-chunk times), run as the CLI
  runs it, by ``run_blocking`` (uvloop's event loop where installed).

Printed per client: achieved send rate, client lag (actual − scheduled send) p50 and p99,
errors, CPU-milliseconds per request (``getrusage`` of the child) and the server's CPU per
request while that client ran (``/proc``); then assay's achieved rate and lag p99 against
each other client. Runs take turns (``--repeat``), the median by lag p99 kept.

2026-12-06, the same 2-core machine on a quiet moment (load average 0.5–0.8, nothing else
running), default run (2,000 req/s, 6,000 requests), median of 5, after ``run_load`` leaves
the objects that exist before the load out of the garbage collector's passes while it runs:

| client | achieved req/s | lag p50 ms | lag p99 ms | CPU ms/request | server CPU ms/request |
|---|---|---|---|---|---|
| timer floor (no I/O) | 1,993.0 | 0.04 | 0.59 | 0.124 | — |
| raw protocol sender | 1,987.8 | 0.12 | 1.21 | 0.169 | 0.117 |
| bare aiohttp loop | 1,967.1 | 0.51 | 2.00 | 0.431 | 0.137 |
| vLLM client loop | 1,955.3 | 0.46 | 1.83 | 0.385 | 0.113 |
| assay ``run_load`` | 1,987.0 | 0.23 | 1.28 | 0.452 | 0.128 |

assay / vLLM client loop: achieved rate x1.02, client lag p99 x0.70 (−0.55 ms); / bare
aiohttp loop x1.01, x0.64. Two more runs that quarter hour (median of 3 each, the first before
the helper moved to ``assay._util``): assay lag p99 1.83 and 1.9 ms, x0.94 and x1.00 vLLM's
loop, rate x1.01 both. The aim (lag p99 under 5 ms at 2,000 req/s, at least vLLM's rate) is
met on this machine when it is quiet; the lag of both clients is then within a millisecond of
the timer floor, where assay's is lower or equal, not clearly lower. Minutes earlier, same quiet machine,
one run of each before that change: assay 1,987.1 req/s with lag p50 0.41 ms but p99 22.11
ms (bare loop 2.38, vLLM loop 1.90): a full collection walks every object of a process
holding numpy, pyarrow and the prompts (tens of milliseconds) and no request is sent
meanwhile; the client processes of the other rows hold far fewer objects. The tables below,
taken while other work loaded the machine, show what a busy client machine does instead.

2026-12-06, the shared 2-core machine at load average 9.7–14.0 (other work running), default
run (2,000 req/s, 6,000 requests), median of 3:

| client | achieved req/s | lag p50 ms | lag p99 ms | CPU ms/request | server CPU ms/request |
|---|---|---|---|---|---|
| timer floor (no I/O) | 1,998.8 | 0.22 | 10.05 | 0.113 | — |
| raw protocol sender | 1,978.8 | 7.60 | 35.88 | 0.174 | 0.212 |
| bare aiohttp loop | 639.6 | 2,545 | 6,390 | 0.805 | 0.310 |
| vLLM client loop | 456.1 | 3,154 | 10,154 | 0.805 | 0.283 |
| assay ``run_load`` | 521.8 | 5,366 | 8,566 | 0.689 | 0.282 |

What the lag is made of, from these rows: at this load the scheduler alone makes an idle
loop wake 10 ms late at p99, so the 5 ms aim is below this machine's floor whatever the
client does. A sender that spends 0.17 CPU-ms per request keeps the 2,000 req/s schedule
(lag p99 36 ms, 3.6× the timer floor); every aiohttp-based client spends 0.7–0.8 CPU-ms
per request (4–5× the raw sender, which builds no request or response objects and parses
nothing; the bare loop parses little either, so most of it is aiohttp's), needs 1.4–1.6
cores at 2,000 req/s besides the server's 0.6, and falls behind: lag grows through the run
(seconds). assay's client is 0.86× the others' CPU per request and 1.14× vLLM's loop's
achieved rate, 0.82× the bare loop's (runs at this load move by more than that). Every
client keeps its connections alive, so connection set-up is paid by the first requests only;
the server runs in its own process at 0.2–0.3 CPU-ms per request. Reaching the aim needs a
sender near the raw one's CPU per request, on cores of its own.

Minutes later, after the client reads each body to its end after ``[DONE]`` (so that its
connections are kept alive: stopping at ``[DONE]`` closed one whenever the end of the chunked
body came in a later read, as this server sends it), load average 12.7–14.9, same command:

| client | achieved req/s | lag p50 ms | lag p99 ms | CPU ms/request | server CPU ms/request |
|---|---|---|---|---|---|
| timer floor (no I/O) | 1,994.4 | 0.11 | 4.43 | 0.119 | — |
| raw protocol sender | 1,673.8 | 13.65 | 616.5 | 0.199 | 0.295 |
| bare aiohttp loop | 491.6 | 3,578 | 9,177 | 0.835 | 0.325 |
| vLLM client loop | 392.2 | 4,731 | 12,137 | 0.820 | 0.330 |
| assay ``run_load`` | 670.0 | 1,403 | 6,002 | 0.751 | 0.270 |

assay / vLLM client loop: achieved rate x1.71, client lag p99 x0.49; / bare loop x1.36,
x0.65. At this load even the raw sender fell behind (lag p99 617 ms), while the idle loop's
p99 was 4.4 ms: the floor moves with the machine's load from minute to minute.

Earlier measurements, same machine, 2026-12-06, median of 3 (the server andMeasured on the shared 2-core development machine, 2026-12-06, median of 3 (the server and
the client share the two cores with other work, so neither client reaches 2,000 req/s here;
``summarise_load`` would mark such a run invalid):

| run | client | achieved req/s | lag p50 ms | lag p99 ms | CPU ms/request |
|---|---|---|---|---|---|
| ``--quick`` (500 req/s) | bare aiohttp loop | 489.2 | 1.73 | 20.70 | 1.246 |
| ``--quick`` (500 req/s) | assay ``run_load`` | 487.4 | 3.39 | 23.32 | 1.383 |
| default (2,000 req/s) | bare aiohttp loop | 804.0 | 1,797 | 4,449 | 0.916 |
| default (2,000 req/s) | assay ``run_load`` | 870.2 | 2,280 | 3,863 | 1.289 |

Achieved-rate ratio assay / bare loop: 1.00 at 500 req/s, 1.08 at 2,000 req/s.

With vLLM's client loop, 2026-12-06, same machine under heavier shared load (load average
13-28 on 2 cores), median of 3, after ``timed_request`` read whole network chunks instead of
line by line:

| run | client | achieved req/s | lag p50 ms | lag p99 ms | CPU ms/request |
|---|---|---|---|---|---|
| ``--quick`` (500 req/s) | bare aiohttp loop | 485.7 | 32.0 | 232.4 | 1.190 |
| ``--quick`` (500 req/s) | vLLM client loop | 487.6 | 1.90 | 14.5 | 1.047 |
| ``--quick`` (500 req/s) | assay ``run_load`` | 485.9 | 3.84 | 26.2 | 1.203 |
| ``--quick``, again | bare aiohttp loop | 370.9 | 571 | 761 | 1.355 |
| ``--quick``, again | vLLM client loop | 472.1 | 13.5 | 152 | 1.223 |
| ``--quick``, again | assay ``run_load`` | 432.6 | 9.71 | 279 | 1.380 |
| default (2,000 req/s) | bare aiohttp loop | 455.7 | 4,861 | 10,085 | 0.882 |
| default (2,000 req/s) | vLLM client loop | 510.7 | 3,854 | 8,664 | 0.877 |
| default (2,000 req/s) | assay ``run_load`` | 487.9 | 5,192 | 9,239 | 1.043 |

Achieved-rate ratio assay / vLLM client loop: 1.00 and 0.92 at 500 req/s, 0.96 at 2,000
req/s; assay's client lag p99 was higher in all three (+11.7, +127, +575 ms) and it spends
about 15% more CPU per request (it keeps every chunk time, usage and error kinds). On this
machine the target of at least vLLM's rate with lower client lag is not met; the runs move
by more than their differences from one minute to the next.

2026-12-06, same machine, load average 4.5-7.7 on 2 cores, median of 3, before and after the
client was made cheaper per request (bodies encoded before the run, one pass over each
network read's ``data:`` lines with token events read from a decoded template instead of
``json.loads`` each, no second timer per request, one coroutine per request, uvloop through
``run_blocking``); "before" is the previous version of this file and the client, run
minutes apart:

| run | client | achieved req/s | lag p50 ms | lag p99 ms | CPU ms/request |
|---|---|---|---|---|---|
| default (2,000 req/s), before | vLLM client loop | 1,069.5 | 1,035 | 2,599 | 0.772 |
| default (2,000 req/s), before | assay ``run_load`` | 1,122.4 | 1,103 | 2,392 | 0.892 |
| default (2,000 req/s), after | vLLM client loop | 1,248.1 | 631 | 1,961 | 0.664 |
| default (2,000 req/s), after | assay ``run_load`` | 1,325.7 | 705 | 1,523 | 0.641 |
| ``--quick`` (500 req/s), before | vLLM client loop | 488.8 | 0.71 | 8.94 | 1.135 |
| ``--quick`` (500 req/s), before | assay ``run_load`` | 488.9 | 0.75 | 6.04 | 1.194 |
| ``--quick`` (500 req/s), after | vLLM client loop | 488.2 | 0.82 | 9.00 | 1.165 |
| ``--quick`` (500 req/s), after | assay ``run_load`` | 489.1 | 0.34 | 4.60 | 1.274 |

At 2,000 req/s assay / vLLM client loop: CPU per request 1.16x before, 0.97x after; achieved
rate x1.05 before, x1.06 after; client lag p99 lower in both (-207 ms, -437 ms). At 500
req/s both keep the schedule (lag p99 under 10 ms) and CPU per request is dominated by the
process start-up (1,000 requests), where the clients are within the run-to-run spread (the
identical bare loop moved from 1.075 to 1.319). Neither client reaches 2,000 req/s on this
shared machine, so the "lag p99 under 5 ms at 2,000 req/s" target is not shown here.

Once more after, minutes later with the machine less busy (load average 4.5), default run,
median of 3: vLLM client loop 1,974.7 req/s, lag p50 19.4 ms, p99 82.4 ms, 0.377 CPU
ms/request; assay ``run_load`` 1,984.0 req/s, lag p50 0.89 ms, p99 50.1 ms, 0.377 CPU
ms/request (rate x1.00, lag p99 -32 ms). Lag p99 is still above 5 ms for both.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import subprocess
import sys
from pathlib import Path

DELAY_S = 0.02
CHUNKS = 32
_ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def serve() -> None:
    from aiohttp import web

    event = b'data: {"choices": [{"delta": {"content": "tok "}}]}\n\n'
    usage = b'data: {"choices": [], "usage": {"prompt_tokens": 3, "completion_tokens": 32}}\n\n'

    async def chat(request: web.Request) -> web.StreamResponse:
        await request.read()
        await asyncio.sleep(DELAY_S)
        response = web.StreamResponse(headers={"Content-Type": "text/event-stream"})
        await response.prepare(request)
        await response.write(event * CHUNKS + usage + b"data: [DONE]\n\n")
        return response

    async def main() -> None:
        app = web.Application()
        app.router.add_post("/v1/chat/completions", chat)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0, backlog=4096)
        await site.start()
        print(runner.addresses[0][1], flush=True)
        await asyncio.Event().wait()

    asyncio.run(main())


def timed(args: list[str]) -> dict[str, float]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    command = [sys.executable, __file__, *args]
    done = subprocess.run(command, capture_output=True, text=True, check=False, env=_ENV)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise SystemExit(f"{args[1]} failed:\n{done.stderr}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return {"cpu": cpu, **json.loads(done.stdout.strip().splitlines()[-1])}


def _server_cpu(pid: int) -> float:
    """CPU seconds (user + system) the server process has used so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


NAMES = {
    "timer": "timer floor (no I/O)",
    "raw": "raw protocol sender",
    "bare": "bare aiohttp loop",
    "vllm": "vLLM client loop",
    "assay": "assay run_load",
}


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="500 req/s, 1,000 requests")
    parser.add_argument("--rate", type=float, default=None)
    parser.add_argument("--requests", type=int, default=None)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--client", nargs=4, help=argparse.SUPPRESS)
    opts = parser.parse_args()
    if opts.serve:
        return serve()
    if opts.client:
        from _load_clients import CLIENTS

        kind, url, n, rate = opts.client
        print(json.dumps(CLIENTS[kind](url, int(n), float(rate))))
        return None
    rate = opts.rate or (500.0 if opts.quick else 2000.0)
    n = opts.requests or (1_000 if opts.quick else 6_000)
    server = subprocess.Popen(
        [sys.executable, __file__, "--serve"], stdout=subprocess.PIPE, text=True
    )
    rows: dict[str, list[dict[str, float]]] = {kind: [] for kind in NAMES}
    load = os.getloadavg()[0]
    try:
        assert server.stdout is not None
        url = f"http://127.0.0.1:{server.stdout.readline().strip()}/v1/chat/completions"
        timed(["--client", "bare", url, "100", "100"])  # warm-up
        for _ in range(opts.repeat):  # in turns, so load from elsewhere hits all alike
            for kind in NAMES:
                before = _server_cpu(server.pid)
                row = timed(["--client", kind, url, str(n), str(rate)])
                row["server_cpu"] = _server_cpu(server.pid) - before
                rows[kind].append(row)
    finally:
        server.kill()
        server.wait()
    load = max(load, os.getloadavg()[0])
    print(
        f"{n} requests, Poisson at {rate:g} req/s, {CHUNKS} chunks after {DELAY_S * 1e3:g} ms; "
        f"median of {opts.repeat} by lag p99; load average up to {load:.1f} on "
        f"{os.cpu_count()} cores"
    )
    print(
        f"{'client':<24}{'req/s':>9}{'lag p50 ms':>12}{'lag p99 ms':>12}{'errors':>8}"
        f"{'CPU ms/req':>12}{'server CPU ms/req':>19}"
    )
    kept = {}
    for kind, runs in rows.items():
        r = sorted(runs, key=lambda x: x["lag_p99_ms"])[(len(runs) - 1) // 2]
        kept[kind] = r
        print(
            f"{NAMES[kind]:<24}{r['rate']:>9.1f}{r['lag_p50_ms']:>12.2f}{r['lag_p99_ms']:>12.2f}"
            f"{int(r['errors']):>8}{r['cpu'] / n * 1e3:>12.3f}{r['server_cpu'] / n * 1e3:>19.3f}"
        )
    mine = kept["assay"]
    for kind in ("timer", "raw", "bare", "vllm"):
        ratio = mine["rate"] / kept[kind]["rate"]
        lag = mine["lag_p99_ms"] / max(kept[kind]["lag_p99_ms"], 1e-3)
        print(
            f"assay / {NAMES[kind]}: achieved rate x{ratio:.2f}, client lag p99 x{lag:.2f} "
            f"({mine['lag_p99_ms'] - kept[kind]['lag_p99_ms']:+.2f} ms)"
        )
    return None


if __name__ == "__main__":
    main()
