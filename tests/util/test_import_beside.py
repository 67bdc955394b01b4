"""A module imported in a background thread before its first use (assay._util.import_beside)."""

from __future__ import annotations

import subprocess
import sys
import textwrap

_CHILD = textwrap.dedent(
    """
    import sys, threading
    from assay._util import import_beside, lazy_module

    assert "scipy.special" not in sys.modules
    import_beside("scipy.special")
    import_beside("scipy.special")  # once per process
    started = [t for t in threading.enumerate() if t.name.startswith("assay-import-")]
    special = lazy_module("scipy.special")
    value = float(special.ndtri(0.975))  # waits for the import under way, or finds it done
    print(len(started), repr(value))
    import_beside("scipy.special")  # imported already: nothing started
    assert not [t for t in threading.enumerate() if t.name.startswith("assay-import-")]
    import_beside("assay_no_such_module")
    try:
        __import__("assay_no_such_module")
    except ModuleNotFoundError as exc:
        print(exc.name)
    """
)


def test_a_module_imported_beside_is_the_module_its_first_use_gets() -> None:
    done = subprocess.run(
        [sys.executable, "-c", _CHILD], capture_output=True, text=True, check=True, timeout=120
    )
    count, value = done.stdout.splitlines()[0].split()
    from scipy.special import ndtri

    assert count in {"0", "1"}  # the thread may have finished already
    assert float(value) == float(ndtri(0.975))
    # a failed import beside is silent there and raises where the module is used
    assert done.stdout.splitlines()[1] == "assay_no_such_module"
    assert done.stderr == ""
