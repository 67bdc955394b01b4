"""Loopback servers in subprocesses and a bounded aiohttp load generator for bench_server.py.

Each server started by :func:`serving` is remembered by its address, so a :func:`load` of
one of its URLs also measures the CPU time that server's processes (its workers included)
spent meanwhile, from ``/proc``: the server's CPU per request, the figure that a loaded
machine changes least.
"""

from __future__ import annotations

import asyncio
import gc
import json
import math
import os
import socket
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

_SERVERS: dict[str, int] = {}
"""The process group of each server :func:`serving` runs, by ``host:port``."""
_TICK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def group_cpu(pgid: int) -> float:
    """CPU seconds (user + system) of the live processes of process group ``pgid``, NaN
    where ``/proc`` cannot tell."""
    total = 0
    try:
        entries = os.listdir("/proc")
    except OSError:
        return math.nan
    for entry in entries:
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as stat:
                text = stat.read()
        except OSError:
            continue
        fields = text[text.rindex(")") + 2 :].split()
        if int(fields[2]) == pgid:
            total += int(fields[11]) + int(fields[12])
    return total / _TICK


def _server_cpu(url: str) -> float:
    pgid = _SERVERS.get(urllib.parse.urlsplit(url).netloc)
    return math.nan if pgid is None else group_cpu(pgid)


def free_port() -> int:
    """A TCP port on loopback that nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2):
            return True
    except urllib.error.HTTPError:
        return True  # any HTTP answer (a 404 too) means the server is up
    except OSError:
        return False


@contextmanager
def serving(
    command: list[str],
    probe: str,
    log: Path,
    *,
    timeout: float = 120,
    env: dict[str, str] | None = None,
    cwd: Path | None = None,
) -> Iterator[None]:
    """Run ``command`` (a server, in ``cwd`` with ``env``) until the block ends; wait until
    ``probe`` answers HTTP."""
    with log.open("w") as out:
        proc = subprocess.Popen(
            command,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            env=env,
            cwd=cwd,
        )
    where = urllib.parse.urlsplit(probe).netloc
    _SERVERS[where] = proc.pid  # start_new_session: its pid is its process group
    try:
        deadline = time.monotonic() + timeout
        while not _answers(probe):
            if proc.poll() is not None or time.monotonic() > deadline:
                tail = log.read_text(errors="replace").strip().splitlines()[-5:]
                raise RuntimeError(f"{command[0]} did not start: {' | '.join(tail)}")
            time.sleep(0.1)
        yield
    finally:
        _SERVERS.pop(where, None)
        if proc.poll() is None:
            os.killpg(proc.pid, 15)  # the server's own process group (workers included)
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, 9)
                proc.wait()


def percentile(values: list[float], q: float) -> float:
    """The ``q``-quantile (0..1) of ``values``, nearest rank; NaN when empty."""
    if not values:
        return math.nan
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(q * len(ordered)) - 1))]


@dataclass
class Load:
    """What a load run saw: timings of successful requests and every status."""

    seconds: float = 0.0
    latencies: list[float] = field(default_factory=list)
    statuses: dict[int, int] = field(default_factory=dict)
    sample: Any = None
    error: Any = None
    server_cpu: float = math.nan
    """CPU seconds the server's processes spent during the load (NaN: not measured)."""

    @property
    def ok(self) -> int:
        return len(self.latencies)

    @property
    def failed(self) -> int:
        return sum(n for status, n in self.statuses.items() if status != 200)

    @property
    def per_second(self) -> float:
        return self.ok / self.seconds if self.seconds else math.nan

    def ms(self, q: float) -> float:
        return percentile(self.latencies, q) * 1000

    @property
    def cpu_ms(self) -> float:
        """The server's CPU milliseconds per answered request (NaN: not measured)."""
        return 1000 * self.server_cpu / self.ok if self.ok else math.nan


async def _load(
    url: str,
    *,
    body: Any,
    clients: int,
    seconds: float,
    max_requests: int,
    read_json: bool,
    headers: dict[str, str] | None,
) -> Load:
    import aiohttp

    result = Load()
    issued = 0
    connector = aiohttp.TCPConnector(limit=clients)
    timeout = aiohttp.ClientTimeout(total=60)
    async with aiohttp.ClientSession(
        connector=connector, timeout=timeout, headers=headers
    ) as session:
        stop_at = time.perf_counter() + seconds

        async def client() -> None:
            nonlocal issued
            while issued < max_requests and time.perf_counter() < stop_at:
                issued += 1
                start = time.perf_counter()
                request = session.get(url) if body is None else session.post(url, json=body)
                try:
                    async with request as response:
                        payload: Any = await response.read()
                        elapsed = time.perf_counter() - start
                    status = response.status
                except (aiohttp.ClientError, TimeoutError) as exc:
                    status, payload = 0, repr(exc)  # 0: no HTTP answer at all
                if status == 200 and read_json and result.sample is None:
                    payload = json.loads(payload)  # the first answer is kept, parsed
                elif status != 200 and result.error is None:
                    result.error = payload[:300] if isinstance(payload, str | bytes) else None
                result.statuses[status] = result.statuses.get(status, 0) + 1
                if status == 200:
                    result.latencies.append(elapsed)
                    if result.sample is None:
                        result.sample = payload
                elif status == 404:
                    return  # an endpoint that is missing stays missing

        started = time.perf_counter()
        await asyncio.gather(*(client() for _ in range(clients)))
        result.seconds = time.perf_counter() - started
    return result


def load(
    url: str,
    *,
    body: Any = None,
    clients: int = 1,
    seconds: float = 5.0,
    max_requests: int = 1_000_000,
    read_json: bool = True,
    headers: dict[str, str] | None = None,
) -> Load:
    """``clients`` concurrent loops of GET ``url`` (POST ``body`` as JSON when given, with
    ``headers``) for at most ``seconds`` and ``max_requests`` requests in all; one
    connection per client. For a server :func:`serving` runs, its CPU time meanwhile too.

    The objects this process held before are frozen out of the garbage collector's passes
    meanwhile: a full pass over them (the benchmark has imported assay, pyarrow and MLflow's
    answers) would stall every client at once and be timed as the server's latency."""
    gc.collect()
    gc.freeze()
    try:
        before = _server_cpu(url)
        result = asyncio.run(
            _load(
                url,
                body=body,
                clients=clients,
                seconds=seconds,
                max_requests=max_requests,
                read_json=read_json,
                headers=headers,
            )
        )
        result.server_cpu = _server_cpu(url) - before
        return result
    finally:
        gc.unfreeze()


def fetch(
    url: str, *, body: Any = None, read_json: bool = True, headers: dict[str, str] | None = None
) -> tuple[int, Any, float]:
    """One request: its status, its body (parsed JSON, or bytes) and its wall time."""
    one = load(
        url, body=body, clients=1, seconds=600, max_requests=1, read_json=False, headers=headers
    )
    status = next(iter(one.statuses), 0)
    payload = one.sample
    if read_json and status == 200 and payload is not None:
        payload = json.loads(payload)
    return status, payload, one.latencies[0] if one.latencies else math.nan
