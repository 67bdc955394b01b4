"""Serve one store with a real uvicorn in this process (the benchmark starts it as a subprocess).

    python benchmarks/_server_launch.py --db URL --artifacts DIR --port PORT

The load generator of ``bench_server.py`` then runs in another process, so the server does
not share its interpreter lock. The server has auth ``none`` and binds loopback only.
"""

from __future__ import annotations

import argparse


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", required=True, help="store URL (postgresql://… or sqlite:///…)")
    parser.add_argument("--artifacts", required=True, help="folder of records and artifacts")
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()

    import uvicorn

    from assay.server import ServerSettings, create_app
    from assay.storage import open_store

    store = open_store(args.db, artifacts=args.artifacts)
    app = create_app(store, ServerSettings(host="127.0.0.1", port=args.port))
    try:
        uvicorn.run(app, host="127.0.0.1", port=args.port, log_level="warning", access_log=False)
    finally:
        store.close()


if __name__ == "__main__":
    main()
