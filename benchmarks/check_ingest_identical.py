"""Whether two checkouts store the same runs from the same records.

Ingests the same inputs with this checkout's package and another's (``--against SRC``), each
in its own process and store, and compares what was stored: the run's JSON (less its id, its
time and the manifest's moment and machine), its content digest, summaries and counts; the
records read back (schema, values, nulls, NaN and order, bit for bit); the digest of the
records; the record file's bytes (its name carries their SHA-256); and, for input that is
refused, the error's type and message. The inputs: ``bench_ingest.py``'s workload (1,000,000
records, 100,000 with ``--quick``) as Parquet and JSONL, and small awkward ones (nulls and NaN
on errored records, unicode ids, repeated samples, records out of order and covering part of
the suite, clusters, CSV, an empty file, duplicate ids, an unknown id).

Prints one line per case and exits non-zero when any differs.

    python benchmarks/check_ingest_identical.py --against /tmp/before/src [--quick]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from bench_ingest import bench_data

THIS = str(Path(__file__).resolve().parents[1] / "src")


def _table_fingerprint(table: Any) -> str:
    """Schema and every value's bits, in order (IPC stream of the table, one chunk)."""
    import pyarrow as pa

    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(table.combine_chunks())
    return hashlib.sha256(sink.getvalue().to_pybytes()).hexdigest()


def _cases(n: int, folder: Path) -> dict[str, tuple[Any, Any, str]]:
    """name: (suite data, records table, file format)."""
    import pyarrow as pa

    import assay

    examples, metrics, records = bench_data(n)
    big = assay.make_suite("bench", examples, metrics=metrics, slices=["lang", "domain", "length"])
    cases: dict[str, tuple[Any, Any, str]] = {
        "bench parquet": (big, records, "parquet"),
        "bench jsonl": (big, records, "jsonl"),
    }
    uni = ["ä-1", "日本-2", "e\u0301-3", "😀-4", "plain-5", "Z-6", "a-7", "ß-8"]
    small = pa.table(
        {
            "example_id": uni,
            "lang": ["en", "de", "en", "ja", "de", "en", "en", "de"],
            "cluster": ["c1", "c1", "c2", "c2", "c3", "c3", "c4", "c4"],
        }
    )
    suite = assay.make_suite("small", small, metrics=["acc", "f"], slices=["lang"])
    order = [7, 0, 5, 2, 6, 1, 4, 3]
    nan = float("nan")
    cases["unicode ids out of order, NaN and null on errors"] = (
        suite,
        pa.table(
            {
                "example_id": [uni[i] for i in order],
                "acc": [1.0, 0.0, nan, 1.0, None, 1.0, 0.0, 1.0],
                "f": [0.25, 0.5, 0.75, nan, 0.0, 1.0, 0.125, None],
                "error": ["", None, "timeout", "x", "boom", None, "", "late"],
                "output": ["ö", "", None, "答え", "a", "b", "c", "d"],
                "latency_ms": [1.5, 2.0, None, 3.0, 4.0, 5.0, 6.0, 7.0],
            }
        ),
        "parquet",
    )
    cases["the same (suite given)"] = cases["unicode ids out of order, NaN and null on errors"]
    samples = [(i, s) for s in (2, 0, 1) for i in range(6)]
    cases["repeated samples, part of the suite"] = (
        suite,
        pa.table(
            {
                "example_id": [uni[i] for i, _ in samples],
                "sample_index": [s for _, s in samples],
                "acc": [float((i + s) % 2) for i, s in samples],
                "f": [((i * 7 + s) % 5) / 4 for i, s in samples],
            }
        ),
        "parquet",
    )
    cases["repeated samples as JSONL"] = (
        *cases["repeated samples, part of the suite"][:2],
        "jsonl",
    )
    cases["CSV, constant scores"] = (
        suite,
        pa.table({"example_id": uni, "acc": [1.0] * 8, "f": [0.5] * 8}),
        "csv",
    )
    one = assay.make_suite("one", pa.table({"example_id": ["only"]}), metrics=["acc"])
    cases["one record"] = (one, pa.table({"example_id": ["only"], "acc": [1.0]}), "parquet")
    cases["empty"] = (suite, pa.table({"example_id": pa.array([], pa.string())}), "parquet")
    cases["duplicate ids"] = (
        suite,
        pa.table({"example_id": [uni[0], uni[1], uni[0]], "acc": [1.0] * 3, "f": [0.0] * 3}),
        "parquet",
    )
    cases["unknown id"] = (
        suite,
        pa.table({"example_id": [uni[0], "nope"], "acc": [1.0] * 2, "f": [0.0] * 2}),
        "parquet",
    )
    return cases


def _write(records: Any, path: Path, fmt: str) -> None:
    import pyarrow.csv as pacsv
    import pyarrow.parquet as pq

    if fmt == "parquet":
        pq.write_table(records, path)
    elif fmt == "csv":
        pacsv.write_csv(records, path)
    else:
        records.to_pandas().to_json(path, orient="records", lines=True)


def _stored(store: Any, logged: Any) -> dict[str, str]:
    from assay.data import records_digest

    run = logged.run
    doc = json.loads(run.model_dump_json())
    for key in ("run_id", "created_at"):
        doc.pop(key)
    manifest = doc.pop("manifest")
    for key in ("captured_at", "created_at", "environment", "git", "hardware", "host"):
        manifest.pop(key, None)
    table = store.runs.records(run.run_id)
    files = [p for p in Path(store.runs.files.path("")).iterdir() if run.run_id in p.name]
    [file] = files
    return {
        "run": json.dumps(doc, sort_keys=True),
        "manifest": json.dumps(manifest, sort_keys=True, default=str),
        "records": _table_fingerprint(table),
        "records digest": records_digest(table.drop_columns(["latency_ms"])),
        "file bytes": hashlib.sha256(file.read_bytes()).hexdigest(),
        "file name digest": file.name.rsplit(".sha256-", 1)[1],
    }


def produce(n: int, folder: Path) -> dict[str, dict[str, str]]:
    os.environ["ASSAY_HOME"] = str(folder / "home")
    import assay

    out: dict[str, dict[str, str]] = {}
    for i, (name, (suite, records, fmt)) in enumerate(_cases(n, folder).items()):
        path = folder / f"case{i}.{fmt}"
        _write(records, path, fmt)
        (folder / f"store{i}").mkdir()
        store = assay.open_store(f"sqlite:///{folder / f'store{i}' / 'a.db'}")
        given = name.endswith("(suite given)")  # registered by the ingest itself
        if not given:
            assay.register_suite(suite, store=store)
        try:
            ref = suite if given else suite.digest
            logged = assay.ingest(path, suite=ref, model="m@1", store=store)
        except Exception as exc:  # refused input: the same refusal
            out[name] = {"error": f"{type(exc).__name__}: {exc}".replace(str(folder), "<tmp>")}
        else:
            out[name] = _stored(store, logged)
        store.close()
    return out


def _child(src: str, n: int) -> dict[str, dict[str, str]]:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([src, os.environ.get("PYTHONPATH", "")])}
    with tempfile.TemporaryDirectory() as tmp:
        code = (
            "import json, sys; sys.path.insert(0, sys.argv[3]);"
            "from check_ingest_identical import produce; from pathlib import Path;"
            "print(json.dumps(produce(int(sys.argv[1]), Path(sys.argv[2]))))"
        )
        here = str(Path(__file__).resolve().parent)
        out = subprocess.run(
            [sys.executable, "-W", "ignore", "-c", code, str(n), tmp, here],
            capture_output=True,
            text=True,
            env=env,
            cwd=tmp,
        )
        if out.returncode:
            raise SystemExit(out.stderr)
        result: dict[str, dict[str, str]] = json.loads(out.stdout.strip().splitlines()[-1])
        return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--against", required=True, help="another checkout's src folder")
    parser.add_argument("--quick", action="store_true", help="100,000 records, not 1,000,000")
    args = parser.parse_args()
    n = 100_000 if args.quick else 1_000_000
    mine, theirs = _child(THIS, n), _child(args.against, n)
    differences = 0
    for case, got in mine.items():
        want = theirs[case]
        differ = [k for k in sorted(set(got) | set(want)) if got.get(k) != want.get(k)]
        differences += len(differ)
        shown = "; ".join(f"{k}: differs" for k in differ) or "identical"
        print(f"{case:<50} {len(got)} facts, {shown}")
        for k in differ:
            print(f"    {k}:\n      this:    {got.get(k)}\n      against: {want.get(k)}")
    print(f"\n{differences} difference(s)")
    sys.exit(1 if differences else 0)


if __name__ == "__main__":
    main()
