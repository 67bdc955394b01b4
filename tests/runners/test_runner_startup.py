"""What running a suite loads at start: no YAML reader unless a suite is read from YAML."""

from __future__ import annotations

import subprocess
import sys

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


def test_the_data_layer_quotes_values_as_the_shared_helper_does() -> None:
    for value in ("short", "x" * 500, {"k": [1, 2]}, None):
        assert quoted(value) == brief(value)
        assert quoted(value, 20) == brief(value, 20)
