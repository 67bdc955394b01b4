"""Serve one store with ``assay.server.serve`` (what ``assay serve`` runs) in this process; the
benchmark starts it as a subprocess.

    python benchmarks/_server_launch.py --db URL --artifacts DIR --port PORT [--workers N]
        [--auth none|token]

The load generator of ``bench_server.py`` then runs in another process, so the server does
not share its interpreter lock. The server has auth ``none`` (or ``token`` with ``--auth``: the
benchmark adds a viewer and sends its bearer token), binds loopback only and writes
its access log (one JSON line per request) to standard error, as ``assay serve`` does.
"""

from __future__ import annotations

import argparse
import os


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", required=True, help="store URL (postgresql://… or sqlite:///…)")
    parser.add_argument("--artifacts", required=True, help="folder of records and artifacts")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--workers", type=int, default=1, help="worker processes")
    parser.add_argument("--auth", choices=("none", "token"), default="none")
    args = parser.parse_args()

    from assay.server import ServerSettings, serve

    os.environ["ASSAY_ARTIFACTS"] = args.artifacts  # the workers open the store themselves
    settings = ServerSettings(
        host="127.0.0.1", port=args.port, workers=args.workers, auth=args.auth
    )
    serve(settings, args.db)


if __name__ == "__main__":
    main()
