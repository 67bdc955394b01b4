"""Appending a signed governance entry to a ledger that already holds N entries, as a team
server's ``POST /api/v1/ledger/entries`` does (:func:`assay.workflows.record_entry`): the
entry's signature is checked under the ledger lock, reading only the key entries and the head
sequence. Reference, in the same run: the check as it ran before, ahead of the append
(:func:`assay.workflows.check_entry_signature`, which reads the whole ledger to number the
entry) followed by the append.

    python benchmarks/bench_ledger_append.py [--quick] [--sizes 1000,10000] [--appends K]

Results (2-core shared machine under load, SQLite file store, 2026-12-06, `--sizes
1000,10000 --appends 10`; milliseconds per append, median):

| ledger entries | check, then append (before) | checked under the lock (now) | ratio |
|---|---|---|---|
| 1,000 | 115.3 | 22.1 | 5.2× |
| 10,000 | 1073.6 | 34.5 | 31.2× |

The time before grows with the ledger (every entry read and parsed to number the new one);
now it grows only with the key entries.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from assay import workflows
from assay.governance import new_signing_key, signature_of
from assay.storage import open_store


def _signed(key: Any, i: int) -> dict[str, Any]:
    payload = {"item": "safety-review", "role": "safety", "name": "ana", "note": f"look {i}"}
    signed = signature_of(key, payload, kind="signoff", subject="model:m")
    return {**payload, "signature": signed.model_dump(mode="json")}


def _filled(folder: Path, size: int) -> tuple[Any, Any]:
    store = open_store(f"sqlite:///{folder / 'assay.db'}", artifacts=str(folder / "files"))
    key = new_signing_key("ana")
    entry: dict[str, Any] = {**key.public_entry(), "replaces": None}
    entry["signature"] = signature_of(key, entry, kind="key", subject="user:ana").model_dump(
        mode="json"
    )
    store.decisions.record("key", "user:ana", entry)
    for i in range(size - 1):
        store.decisions.record("study_event", f"study:s{i % 50}", {"event": "note", "i": i})
    return store, key


def _time(size: int, appends: int) -> tuple[float, float]:
    with tempfile.TemporaryDirectory() as tmp:
        store, key = _filled(Path(tmp), size)
        before, now = [], []
        for i in range(appends):
            sent = {**_signed(key, 2 * i), "by": "ana"}
            start = time.perf_counter()
            workflows.check_entry_signature("signoff", "model:m", sent, store=store)
            store.decisions.record("signoff", "model:m", sent)
            before.append(time.perf_counter() - start)
            start = time.perf_counter()
            workflows.record_entry(
                "signoff", "model:m", _signed(key, 2 * i + 1), by="ana", store=store
            )
            now.append(time.perf_counter() - start)
        assert store.decisions.verify().ok
        store.close()
    return statistics.median(before) * 1000, statistics.median(now) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="ledgers of 200 and 2,000 entries")
    parser.add_argument("--sizes", default="1000,10000", help="ledger sizes, comma separated")
    parser.add_argument("--appends", type=int, default=20, help="appends timed per size")
    args = parser.parse_args()
    sizes = [200, 2000] if args.quick else [int(s) for s in args.sizes.split(",")]
    print("| ledger entries | check, then append (before) | checked under the lock (now) | ratio |")
    print("|---|---|---|---|")
    for size in sizes:
        before, now = _time(size, args.appends)
        print(f"| {size:,} | {before:.1f} | {now:.1f} | {before / now:.1f}× |")


if __name__ == "__main__":
    main()
