"""A second assay server, from another checkout's package, for ``bench_server.py --against``."""

from __future__ import annotations

import argparse
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from _server_load import Load, free_port, serving

THIS = str(Path(__file__).resolve().parents[1] / "src")
"""This checkout's package: first on ``PYTHONPATH`` of the server measured."""


def source_env(src: str) -> dict[str, str]:
    """The environment of a server whose ``assay`` is the package in ``src``."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([src, *filter(None, [env.get("PYTHONPATH")])])
    return env


@contextmanager
def against(opts: argparse.Namespace, command: list[str], folder: Path) -> Iterator[str | None]:
    """The base URL of the ``--against`` server over the same store (None without one): the
    same launch command on another port, with the other package first on ``PYTHONPATH``."""
    if not opts.against:
        yield None
        return
    src = str(Path(opts.against).resolve())
    port = free_port()
    other = list(command)
    other[other.index("--port") + 1] = str(port)
    base = f"http://127.0.0.1:{port}"
    log = folder / "assay-against.log"
    with serving(other, f"{base}/healthz", log, env=source_env(src), cwd=folder):
        yield base


def print_before(measured: tuple[Load, Load], after: Load, src: str) -> None:
    """The ``--against`` server's lines, and this checkout's against it."""
    alone, crowd = measured
    print(f"  before ({src}) GET /api/v1/runs, 1 client: {_brief(alone)}")
    print(f"  before ({src}) GET /api/v1/runs: {_brief(crowd)}")
    if crowd.ok and after.ok:
        print(
            f"  this checkout against it: {after.per_second / crowd.per_second:.2f}× the "
            f"throughput, p99 {after.ms(0.99):.1f} ms against {crowd.ms(0.99):.1f} ms, "
            f"server CPU {after.cpu_ms:.2f} against {crowd.cpu_ms:.2f} ms/request"
        )


def _brief(result: Load) -> str:
    if not result.ok:
        return f"no answers ({sorted(result.statuses)})"
    return (
        f"{result.per_second:,.0f} requests/s, p50 {result.ms(0.5):.1f} ms, "
        f"p99 {result.ms(0.99):.1f} ms ({result.ok:,} requests, {result.failed} failed; "
        f"server CPU {result.cpu_ms:.2f} ms/request)"
    )
