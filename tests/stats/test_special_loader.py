"""SciPy's special functions loaded without the ``scipy.special`` package are the package's
own objects, from any thread, and a failure falls back to the package."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import scipy.special

from assay.stats._special import UFUNCS, _SpecialFunctions


def _python(code: str) -> list[str]:
    out = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return out.stdout.split()


def test_the_functions_load_without_the_package_and_are_its_own_objects() -> None:
    out = _python(
        """
        import sys
        from assay.stats._scipy import special
        assert not hasattr(special, "__wrapped__")
        values = [special.ndtri(0.975), special.stdtrit(7, 0.9), special._nct_sf(1.0, 5, 0.5)]
        alone = {m for m in ("scipy.special", "scipy._lib.array_api_compat.numpy")
                 if m in sys.modules}
        print("alone" if not alone else sorted(alone))
        import scipy.special, scipy.special._ufuncs, scipy.stats
        from assay.stats._special import UFUNCS
        same = [getattr(special, n) is getattr(scipy.special._ufuncs, n) for n in UFUNCS]
        same += [getattr(special, n) is getattr(scipy.special, n) for n in UFUNCS if n[0] != "_"]
        print(all(same))
        print(bool(values[0] == scipy.stats.norm.ppf(0.975)))
        print(bool(values[1] == scipy.stats.t.ppf(0.9, 7)))
        print(bool(values[2] == scipy.stats.nct.sf(1.0, 5, 0.5)))
        """
    )
    assert out == ["alone", "True", "True", "True", "True"]


def test_with_the_package_imported_every_name_comes_from_it() -> None:
    special = _SpecialFunctions()
    for name in sorted(UFUNCS - {"_nct_sf"}):
        assert getattr(special, name) is getattr(scipy.special, name), name
    assert special.erf is scipy.special.erf  # not one of UFUNCS: the package's attribute
    assert special.erf(0.5) == scipy.special.erf(0.5)


def test_threads_loading_and_importing_scipy_at_once_finish_with_the_same_objects() -> None:
    code = """
        import threading
        from assay.stats._scipy import special
        barrier = threading.Barrier(4)
        seen, errors = [], []

        def use(name):
            try:
                barrier.wait()
                seen.append((name, getattr(special, name)))
            except Exception as error:
                errors.append(repr(error))

        def load(module):
            try:
                barrier.wait()
                __import__(module)
            except Exception as error:
                errors.append(repr(error))

        threads = [threading.Thread(target=use, args=("ndtri",)),
                   threading.Thread(target=use, args=("stdtrit",)),
                   threading.Thread(target=load, args=("scipy.stats",)),
                   threading.Thread(target=load, args=("scipy.special",))]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        import scipy.special
        print(not errors and not any(t.is_alive() for t in threads))
        print(all(getattr(scipy.special, name) is f for name, f in seen) and len(seen) == 2)
        print(type(scipy.special).__name__, hasattr(scipy.special, "__file__"))
        """
    for _ in range(3):
        assert _python(code) == ["True", "True", "module", "True"]


def test_a_failed_load_falls_back_to_the_package_and_leaves_no_stand_in() -> None:
    out = _python(
        """
        import sys
        import assay.stats._special as loader
        loader._UFUNC_MODULE = "scipy.special._no_such_module"
        f = loader.special.ndtri
        import scipy.special
        print(f is scipy.special.ndtri, hasattr(sys.modules["scipy.special"], "__file__"))
        print("scipy.special._no_such_module" in sys.modules)
        """
    )
    assert out == ["True", "True", "False"]


def test_another_thread_importing_the_package_meanwhile_gets_its_functions() -> None:
    # The other thread runs while the compiled module is being imported under the stand-in:
    # importing a module found in sys.modules takes no lock, so it finds the stand-in there.
    out = _python(
        """
        import importlib, sys, threading, types
        import assay.stats._special as loader
        got, reached = [], threading.Event()

        def other():
            reached.set()
            got.append(importlib.import_module("scipy.special").erf(0.5))
            from scipy.special import gammaln
            got.append(gammaln(3.0))

        def import_module(name):
            if name == loader._UFUNC_MODULE:
                thread = threading.Thread(target=other)
                thread.start()
                reached.wait(10)
                thread.join(0.3)
            return importlib.import_module(name)

        loader.importlib = types.SimpleNamespace(import_module=import_module)
        loader.special.ndtri(0.9)
        loader.importlib = importlib
        for thread in threading.enumerate():
            if thread is not threading.current_thread():
                thread.join(60)
        import scipy.special
        print(got == [scipy.special.erf(0.5), scipy.special.gammaln(3.0)])
        print(hasattr(sys.modules["scipy.special"], "__file__"))
        """
    )
    assert out == ["True", "True"]
