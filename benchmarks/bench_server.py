"""The team server on PostgreSQL against an MLflow tracking server, measured in the same run.

1. Runs list: 10,000 runs in PostgreSQL; 32 concurrent aiohttp clients for 30 s (in three
   turns of 10 s that alternate with MLflow's, so that the rest of the machine weighs on both
   alike) ask for the filtered list (``GET /api/v1/runs?suite=…&where=accuracy>=0.8&tag=team=x&limit=50``):
   requests/s and p50/p99 latency, against ``mlflow server`` on a schema of the same database
   holding the same runs, asked ``POST /api/2.0/mlflow/runs/search`` with
   ``metrics.accuracy >= 0.8 and tags.team = 'x'`` and ``max_results`` 50. Both servers must
   return the same 50 runs. Aim: ≥ 10× MLflow's throughput and p99 < 100 ms.
2. A run of 1,000,000 records: one page of the records browser with a slice filter and a search
   term (p99 < 200 ms), the comparison of two such runs (first request computes it, repeats are
   served from the cache; < 300 ms) and the dashboard's comparison page likewise.
3. Upload of a 1,000,000-record Parquet file with ``assay ingest`` through the remote store
   (``ASSAY_DB=http://…``) against ``assay ingest`` of the same file into an embedded store,
   each a whole command. Aim: within 2×.

The assay server is ``assay serve --workers 2`` in its own process
(``benchmarks/_server_launch.py``; ``--workers`` changes it), so the load generator does not share its interpreter lock; MLflow's server runs in the interpreter
of ``--mlflow-python`` (its own virtual environment: ``python -m venv mlflow-venv &&
mlflow-venv/bin/pip install mlflow psycopg2-binary``). Everything is on loopback, bounded in
time and requests, in schemas of its own that are dropped at the end. An endpoint the server
does not have (404) is reported as not available.

    python benchmarks/bench_server.py            # 10,000 runs, 30 s; 1,000,000 records
    python benchmarks/bench_server.py --quick    # 1,000 runs, 5 s; 100,000 records
    python benchmarks/bench_server.py --only list --against /tmp/before/src
    python benchmarks/bench_server.py --only list --auth token   # a bearer token each request

Each load also reports the CPU time the server's processes (workers included) spent per
answered request, from ``/proc``: on a machine shared with other work, wall-clock latencies
are mostly waiting for a core, while CPU per request changes little.

With ``--against SRC`` (the ``src`` folder of another checkout, e.g. an earlier commit's
``git archive HEAD~1 src | tar -x -C /tmp/before``) a second assay server, of that package,
serves the same store, and the runs list is measured on it in the same alternating turns:
a before/after pair that shares the machine's load and MLflow's numbers.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

from _server_against import THIS, against, print_before, source_env
from _server_data import fill_runs, record_suite, records
from _server_load import Load, fetch, free_port, load, serving
from _server_mlflow import SUITE, THRESHOLD, expected_matches, mlflow_filter, run_specs

DEFAULT_PG = "postgresql://postgres@127.0.0.1:5432/test"
NA = "not available"


def schema_url(server: str, schema: str) -> str:
    separator = "&" if "?" in server else "?"
    return f"{server}{separator}options={quote(f'-csearch_path={schema}')}"


def admin(server: str, statement: str) -> None:
    import sqlalchemy as sa

    engine = sa.create_engine(sa.make_url(server).set(drivername="postgresql+psycopg"))
    with engine.begin() as conn:
        conn.execute(sa.text(statement))
    engine.dispose()


def analyze(server: str, schema: str) -> None:
    """Refresh the planner's statistics of ``schema``'s tables after a bulk fill, as
    autovacuum would soon after: both databases are measured settled."""
    import sqlalchemy as sa

    engine = sa.create_engine(sa.make_url(server).set(drivername="postgresql+psycopg"))
    with engine.begin() as conn:
        found = conn.execute(
            sa.text("SELECT tablename FROM pg_tables WHERE schemaname = :s"), {"s": schema}
        )
        for table in found.scalars().all():
            conn.execute(sa.text(f'ANALYZE "{schema}"."{table}"'))
    engine.dispose()


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


def describe(result: Load) -> str:
    if result.ok == 0:
        return NA + (f" (HTTP {sorted(result.statuses)})" if result.statuses else "")
    failed = ""
    if result.failed:
        statuses = [(s, n) for s, n in sorted(result.statuses.items()) if s != 200]
        listed = ", ".join(f"{n} × {f'HTTP {s}' if s else 'no answer'}" for s, n in statuses)
        failed = f"; {result.failed} failed: {listed}"
    cpu = "" if math.isnan(result.cpu_ms) else f"; server CPU {result.cpu_ms:.2f} ms/request"
    return (
        f"{result.per_second:,.0f} requests/s, p50 {result.ms(0.5):.1f} ms, "
        f"p99 {result.ms(0.99):.1f} ms ({result.ok:,} requests{failed}{cpu})"
    )


def usable(result: Load) -> bool:
    """A load worth a ratio: answers, and at most 1% of requests failed."""
    return result.ok > 0 and result.failed <= 0.01 * (result.ok + result.failed)


def explain_failures(who: str, result: Load, log: Path) -> None:
    """Print why requests failed: the server log's last error line, else the first answer."""
    if not result.failed:
        return
    lines = log.read_text(errors="replace").splitlines() if log.exists() else []
    causes = [line for line in lines if re.search(r"(Error|Exception|FATAL)\b[:(]", line)]
    print(f"  {who}'s failures: {(causes or [str(result.error)])[-1][:300]}")


def repeated(
    url: str, n: int, *, html: bool = False, headers: dict[str, str] | None = None
) -> tuple[int, float, Load]:
    """The first request (its status and time), then ``n`` more one after the other."""
    status, body, first = fetch(url, read_json=not html, headers=headers)
    if status != 200:
        return status, first, Load()
    again = load(url, max_requests=n, seconds=120, read_json=not html, headers=headers)
    again.sample = body
    return status, first, again


# --------------------------------------------------------------------------- the parts


def merged(parts: list[Load]) -> Load:
    """Several loads of one server as one: every timing, every status, their total time."""
    out = Load(sample=next((p.sample for p in parts if p.sample is not None), None), server_cpu=0.0)
    for part in parts:
        out.seconds += part.seconds
        out.latencies += part.latencies
        for status, n in part.statuses.items():
            out.statuses[status] = out.statuses.get(status, 0) + n
        out.error = out.error or part.error
        out.server_cpu += part.server_cpu
    return out


def interleaved(
    targets: list[tuple[str, Any, dict[str, str] | None]], opts: argparse.Namespace
) -> list[tuple[Load, Load]]:
    """For each ``(url, body, headers)``: an untimed warm-up (every worker answers its first requests
    slowly) and requests one after the other from one client; then ``opts.clients``
    concurrent clients for ``opts.seconds`` in all, in ``opts.rounds`` turns that alternate
    between the servers, so that whatever else the machine is doing weighs on both alike."""
    alone = []
    for url, body, headers in targets:
        load(
            url,
            body=body,
            clients=opts.clients,
            seconds=60,
            max_requests=opts.warm_up,
            headers=headers,
        )
        alone.append(load(url, body=body, seconds=10, max_requests=opts.n, headers=headers))
    crowds: list[list[Load]] = [[] for _ in targets]
    for _ in range(opts.rounds):
        for (url, body, headers), parts in zip(targets, crowds, strict=True):
            parts.append(
                load(
                    url,
                    body=body,
                    headers=headers,
                    clients=opts.clients,
                    seconds=opts.seconds / opts.rounds,
                    max_requests=opts.max_requests // opts.rounds,
                )
            )
    return [(a, merged(c)) for a, c in zip(alone, crowds, strict=True)]


def runs_list_url(base: str) -> str:
    query = urlencode(
        {"suite": SUITE, "where": f"accuracy>={THRESHOLD}", "tag": "team=x", "limit": 50}
    )
    return f"{base}/api/v1/runs?{query}"


@contextmanager
def mlflow_serving(
    opts: argparse.Namespace, server: str, folder: Path
) -> Iterator[tuple[str, Any, str] | str]:
    """MLflow's tracking server over the same runs, on a schema of its own: yields the
    ``runs/search`` URL, its request body and MLflow's version (or why there is none)."""
    python = opts.mlflow_python or os.environ.get("ASSAY_BENCH_MLFLOW_PYTHON")
    if not python:
        yield "no --mlflow-python given (an interpreter with mlflow and psycopg2)"
        return
    schema = f"mlflow_bench_{uuid.uuid4().hex[:12]}"
    admin(server, f'CREATE SCHEMA "{schema}"')
    try:
        # psycopg2: what MLflow's own instructions install (SQLAlchemy 2.1 defaults to psycopg 3)
        uri = schema_url(server, schema).replace("postgresql://", "postgresql+psycopg2://", 1)
        artifacts = (folder / "mlflow-artifacts").as_uri()
        config = json.dumps({"uri": uri, "artifacts": artifacts, "n_runs": opts.n_runs})
        here = Path(__file__).resolve().parent
        done = subprocess.run(
            [python, str(here / "_server_mlflow.py"), "fill", config],
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode != 0:
            yield f"filling MLflow failed: {done.stderr.strip().splitlines()[-1:]}"
            return
        filled = json.loads(done.stdout.strip().splitlines()[-1])
        analyze(server, schema)
        port = free_port()
        command = [python, "-m", "mlflow", "server", "--backend-store-uri", uri]
        command += ["--default-artifact-root", artifacts, "--host", "127.0.0.1"]
        command += ["--port", str(port), "--workers", str(opts.mlflow_workers)]
        # on a busy machine uvicorn's supervisor would kill workers slow to answer its 5 s check
        command += ["--uvicorn-opts", "--timeout-worker-healthcheck 120"]
        base = f"http://127.0.0.1:{port}"
        body = {
            "experiment_ids": [filled["experiment_id"]],
            "filter": mlflow_filter(),
            "max_results": 50,
        }
        with serving(command, f"{base}/health", folder / "mlflow-server.log"):
            yield f"{base}/api/2.0/mlflow/runs/search", body, filled["version"]
    finally:
        admin(server, f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


def list_part(base: str, opts: argparse.Namespace, folder: Path, before: str | None) -> None:
    """The runs list of both servers (and of ``before``, the ``--against`` server), measured
    in alternating turns; the ratio."""
    matches = expected_matches(run_specs(opts.n_runs))
    print(
        f"runs list: {opts.n_runs:,} runs, accuracy >= {THRESHOLD} and team = x "
        f"({matches:,} match, first 50 returned), {opts.clients} clients, "
        f"{opts.seconds:.0f} s each in {opts.rounds} alternating turns, after "
        f"{opts.warm_up} untimed warm-up requests and up to {opts.n} from one client"
    )
    with mlflow_serving(opts, opts.pg, folder) as reference:
        targets = [(runs_list_url(base), None, opts.headers)]
        if before is not None:
            targets.append((runs_list_url(before), None, opts.headers))
        if not isinstance(reference, str):
            targets.append((reference[0], reference[1], None))
        measured = interleaved(targets, opts)
    if before is not None:
        print_before(measured.pop(1), measured[0][1], opts.against)
    alone, ours = measured[0]
    explain_failures("assay", ours, folder / "assay-server.log")
    print(f"  assay  GET /api/v1/runs, 1 client: {describe(alone)}")
    print(f"  assay  GET /api/v1/runs: {describe(ours)}")
    if isinstance(reference, str):
        print(f"  MLflow runs/search: {NA} ({reference})")
        print(f"runs list throughput ratio {NA} (aim ≥ 10×)")
        return
    theirs_alone, theirs = measured[1]
    explain_failures("MLflow", theirs, folder / "mlflow-server.log")
    print(f"  MLflow POST runs/search, 1 client: {describe(theirs_alone)}")
    print(
        f"  MLflow {reference[2]} POST runs/search ({opts.mlflow_workers} workers, "
        f"PostgreSQL): {describe(theirs)}"
    )
    if broken := [w for w, r in (("assay", ours), ("MLflow", theirs)) if not usable(r)]:
        print(f"runs list throughput ratio {NA}: {' and '.join(broken)} failed requests")
        return
    print(f"  {same_runs(ours.sample, theirs.sample)}")
    print(
        f"runs list throughput ratio {ours.per_second / theirs.per_second:.1f}× "
        f"MLflow (aim ≥ 10×); assay p99 {ours.ms(0.99):.1f} ms (aim < 100 ms)"
    )


def same_runs(ours: Any, theirs: Any) -> str:
    try:
        a = [item["run_id"] for item in ours["items"]]
        b = [run["info"]["run_name"] for run in theirs["runs"]]
    except (KeyError, TypeError):
        return "could not compare the two pages"
    return "same 50 runs" if a == b and len(a) == 50 else f"pages differ ({len(a)} vs {len(b)})"


def records_part(base: str, ids: tuple[str, str], opts: argparse.Namespace) -> None:
    baseline, candidate = ids
    query = urlencode({"slice": "lang=de", "q": "lantern", "limit": 50})
    where = f"{base}/api/v1/runs/{candidate}/records?{query}"
    status, first, page = repeated(where, opts.n, headers=opts.headers)
    print(f"records page (lang=de, q=lantern, limit 50) of a run of {opts.n_records:,} records:")
    if status == 200:
        rows = page.sample["items"]
        hits = all("lantern" in r["output"] and r["lang"] == "de" for r in rows)
        print(f"  {page.sample['total']:,} records match; the page's {len(rows)} all do: {hits}")
        print(f"  first request {ms(first)}; then {opts.n} requests: {describe(page)}")
        print(f"records page p99 {page.ms(0.99):.1f} ms (aim < 200 ms)")
    else:
        print(f"  records page {NA} (HTTP {status})")
    pair = urlencode({"baseline": baseline, "candidate": candidate})
    swapped = urlencode({"baseline": candidate, "candidate": baseline})  # not cached yet
    for label, path, html in (
        ("comparison API", f"/api/v1/comparisons?{pair}", False),
        ("comparison page", f"/compare?{swapped}", True),
    ):
        status, first, again = repeated(f"{base}{path}", opts.n, html=html, headers=opts.headers)
        if status == 200:
            print(f"{label}: first request {ms(first)}; then {opts.n}: {describe(again)}")
            print(f"{label} cached p99 {again.ms(0.99):.1f} ms (aim < 300 ms)")
        else:
            print(f"{label} {NA} (HTTP {status})")


def ingest_command(path: Path, env: dict[str, str]) -> tuple[float, str]:
    command = [sys.executable, "-m", "assay", "ingest", str(path)]
    command += ["--suite", "bench-records", "--model", "uploaded@1"]
    start = time.perf_counter()
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        return -1.0, (done.stderr or done.stdout).strip().splitlines()[-1:][0][:200]
    return seconds, ""


def upload_part(base: str, folder: Path, suite: Any, opts: argparse.Namespace) -> None:
    import pyarrow.parquet as pq

    import assay

    path = folder / "upload.parquet"
    pq.write_table(records(opts.n_records, seed=7), path)
    home = folder / "local-home"
    with assay.open_store(f"sqlite:///{home / 'assay.db'}", artifacts=str(home)) as local:
        assay.register_suite(suite, store=local)
    env = {k: v for k, v in os.environ.items() if not k.startswith("ASSAY_")}
    local_s, error = ingest_command(path, {**env, "ASSAY_HOME": str(home)})
    remote = {**env, "ASSAY_DB": base, **({"ASSAY_TOKEN": opts.token} if opts.token else {})}
    remote_s, remote_error = ingest_command(path, remote)
    print(f"upload of {opts.n_records:,} records (Parquet, whole `assay ingest` commands):")
    print(f"  embedded store: {ms(local_s) if not error else 'failed: ' + error}")
    if remote_error:
        print(f"  remote store (ASSAY_DB={base}): {NA} ({remote_error})")
        print(f"upload ratio {NA} (aim ≤ 2×)")
    elif not error:
        listed = f"{base}/api/v1/runs?suite=bench-records&model=uploaded"
        status, found, _ = fetch(listed, headers=opts.headers)
        stored = [r["n_records"] for r in (found or {}).get("items", [])] if status == 200 else []
        check = "on the server" if stored == [opts.n_records] else f"NOT on the server: {stored}"
        print(f"  remote store (ASSAY_DB={base}): {ms(remote_s)} ({check})")
        print(f"upload ratio {remote_s / local_s:.2f}× the embedded ingest (aim ≤ 2×)")
    else:
        print(f"upload ratio {NA}: the embedded ingest failed")


# --------------------------------------------------------------------------- main


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="1,000 runs, 5 s, 100,000 records")
    parser.add_argument("--pg", default=os.environ.get("ASSAY_BENCH_PG", DEFAULT_PG))
    parser.add_argument("--mlflow-python", help="an interpreter with mlflow and psycopg2")
    parser.add_argument("--mlflow-workers", type=int, default=4, help="MLflow server workers")
    parser.add_argument("--workers", type=int, default=2, help="assay serve --workers")
    parser.add_argument("--rounds", type=int, default=3, help="alternating turns of the load")
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--seconds", type=float, help="load duration (default 30, quick 5)")
    parser.add_argument("--max-requests", type=int, default=200_000)
    parser.add_argument("--only", default="list,records,upload", help="parts to run")
    parser.add_argument("--against", help="another checkout's src: its server's runs list too")
    parser.add_argument(
        "--auth",
        choices=("none", "token"),
        default="none",
        help="token: the servers check a bearer token on every request (an editor's)",
    )
    opts = parser.parse_args()
    quick = opts.quick
    opts.n_runs = 1_000 if quick else 10_000
    opts.n_records = 100_000 if quick else 1_000_000
    opts.seconds = opts.seconds or (5.0 if quick else 30.0)
    opts.n = 50 if quick else 200
    opts.warm_up = 2 * opts.clients
    parts = {p.strip() for p in opts.only.split(",")}

    import assay

    schema = f"assay_bench_{uuid.uuid4().hex[:12]}"
    folder = Path(tempfile.mkdtemp(prefix="bench-server-"))
    admin(opts.pg, f'CREATE SCHEMA "{schema}"')
    try:
        url = schema_url(opts.pg, schema)
        assay.upgrade_database(url)
        files = str(folder / "files")
        t0 = time.perf_counter()
        with assay.open_store(url, artifacts=files) as store:
            fill_runs(store, opts.n_runs)
            suite = record_suite(opts.n_records if parts & {"records", "upload"} else 1)
            assay.register_suite(suite, store=store)
            ids = tuple(
                assay.log_run(
                    records(opts.n_records, seed), suite=suite, model=m, store=store
                ).run.run_id
                for seed, m in ((0, "base@1"), (1, "cand@1"))
                if "records" in parts
            )
            opts.token = store.users.add("bench", "editor").token if opts.auth == "token" else None
        opts.headers = {"Authorization": f"Bearer {opts.token}"} if opts.token else None
        analyze(opts.pg, schema)
        print(
            f"stored in PostgreSQL ({opts.pg}, schema {schema}, analyzed): {opts.n_runs:,} runs and "
            f"{len(ids)} runs of {opts.n_records:,} records "
            f"({time.perf_counter() - t0:.1f} s, untimed)"
        )
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        here = Path(__file__).resolve().parent
        command = [sys.executable, str(here / "_server_launch.py"), "--db", url]
        command += ["--artifacts", files, "--port", str(port), "--workers", str(opts.workers)]
        command += ["--auth", opts.auth]
        print(
            f"assay server: `assay serve` in its own process (benchmarks/_server_launch.py), "
            f"{opts.workers} worker{'s' if opts.workers > 1 else ''}, auth {opts.auth}"
            f"{' (a bearer token on every request)' if opts.token else ''}, access log on"
        )
        started = {"env": source_env(THIS), "cwd": folder}  # both servers start alike
        with (
            serving(command, f"{base}/healthz", folder / "assay-server.log", **started),
            against(opts, command, folder) as before,
        ):
            if "list" in parts:
                list_part(base, opts, folder, before)
            if "records" in parts:
                records_part(base, ids, opts)  # type: ignore[arg-type]
            if "upload" in parts:
                upload_part(base, folder, suite, opts)
    finally:
        admin(opts.pg, f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
