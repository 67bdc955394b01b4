"""What running a suite loads at start: no YAML reader unless a suite is read from YAML, none
of the data layer's checks."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pyarrow as pa

from assay._util import brief
from assay.data._quote import brief as quoted


def test_running_a_stored_suite_starts_without_pyyaml() -> None:
    code = (
        "import sys\n"
        "from assay.data import make_suite\n"
        "from assay.runners import OpenAIAdapter, evaluate_suite\n"
        "print(sorted(m for m in ('yaml', 'assay._util._yaml') if m in sys.modules))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    assert done.stdout.strip() == "[]"


def test_running_a_suite_starts_without_the_data_layers_checks() -> None:
    # record validation, suite checks, near duplicates and corpus reading: a run uses none
    unused = (
        "assay.data._corpus",
        "assay.data._near_duplicates",
        "assay.data._records",
        "assay.data._split_overlap",
        "assay.data._suite_checks",
        "assay._util.minhash",
    )
    code = (
        "import sys\n"
        "from assay.data import make_suite\n"
        "from assay.runners import OpenAIAdapter, evaluate_suite\n"
        f"print(sorted(m for m in {unused!r} if m in sys.modules))\n"
        "from assay.data import check_suite, read_corpus, validate_records\n"
        "print(all(callable(f) for f in (check_suite, read_corpus, validate_records)))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    assert done.stdout.split() == ["[]", "True"]


def test_a_small_stored_suite_is_built_and_run_without_pyarrows_compute_kernels(
    tmp_path: Path,
) -> None:
    # the suite's digest and id check sort in Python below PYTHON_ROWS; the same digest as
    # the kernels give (this process loads them first)
    import pyarrow.compute  # noqa: F401
    import pyarrow.parquet as pq

    from assay.data import make_suite

    ids = ["b", "a", "é", "c10", "c9"]
    table = pa.table({"example_id": ids, "input": [{"q": i} for i in ids], "reference": ids})
    pq.write_table(table, tmp_path / "examples.parquet")
    code = (
        "import sys\n"
        "import pyarrow.parquet as pq\n"
        "from assay.data import make_suite\n"
        "from assay.runners import evaluate_suite\n"
        f"table = pq.ParquetFile({str(tmp_path / 'examples.parquet')!r}).read()\n"
        "suite = make_suite('s', table, metrics=['m']).suite\n"
        "print(suite.examples_digest, 'pyarrow.compute' in sys.modules)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    digest = make_suite("s", table, metrics=["m"]).suite.examples_digest
    assert done.stdout.split() == [digest, "False"]


def test_the_data_layer_quotes_values_as_the_shared_helper_does() -> None:
    for value in ("short", "x" * 500, {"k": [1, 2]}, None):
        assert quoted(value) == brief(value)
        assert quoted(value, 20) == brief(value, 20)
