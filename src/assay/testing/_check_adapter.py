"""Conformance of a model adapter with :class:`assay.runners.ModelAdapter` or
:class:`assay.runners.AsyncModelAdapter`.

:func:`check_adapter` evaluates a suite the adapter can answer and, when given, one it cannot,
through :func:`assay.runners.evaluate_suite` (the path every run takes), and checks what every
adapter owes the runner: a name and a JSON-ready description for the manifest, one record per
example, failures that become records with an error instead of stopping the run, and a copy
that survives pickling (the Ray backend ships adapters to its workers with cloudpickle). An
adapter that can be rebuilt from its description must rebuild into an equivalent one.
"""

from __future__ import annotations

import importlib
import json
import pickle
from typing import Any

import pyarrow as pa

from assay.data import SuiteData
from assay.runners import AsyncModelAdapter, ModelAdapter, evaluate_suite
from assay.testing._factories import qa_suite

__all__ = ["check_adapter"]

Adapter = ModelAdapter | AsyncModelAdapter


def _fail(message: str) -> AssertionError:
    return AssertionError(f"adapter conformance: {message}")


def _dumps(adapter: Adapter) -> bytes:
    try:
        # what the Ray backend uses; plain pickle where it is absent
        cloudpickle = importlib.import_module("cloudpickle")
    except ImportError:
        return pickle.dumps(adapter)
    blob: bytes = cloudpickle.dumps(adapter)
    return blob


def _evaluate(adapter: Adapter, data: SuiteData, what: str) -> pa.Table:
    try:
        records = evaluate_suite(data, adapter)
    except Exception as exc:
        raise _fail(f"evaluating {what} raised {type(exc).__name__}: {exc}") from exc
    want = data.examples.column("example_id").to_pylist()
    if sorted(records.column("example_id").to_pylist()) != sorted(want):
        raise _fail(f"the records of {what} are not one per example")
    return records


def _outputs(records: pa.Table) -> list[Any]:
    order = sorted(range(records.num_rows), key=lambda i: records["example_id"][i].as_py())
    outputs = records.column("output").to_pylist()
    return [outputs[i] for i in order]


def _rebuilt(adapter: Adapter, description: Any) -> Adapter | None:
    """The adapter rebuilt from its description by the registry, or None where the adapter
    refuses to be rebuilt with a reason (fitted state that no description records)."""
    from assay.runners import AdapterRebuildError, AdapterSpec, adapter_names, build_adapter

    spec = AdapterSpec.from_description(description)
    if spec.name not in adapter_names():
        raise _fail(f"describe() names {spec.name!r}, which is not a registered adapter")
    try:
        return build_adapter(spec)  # type: ignore[no-any-return]
    except AdapterRebuildError as exc:
        if not str(exc):
            raise _fail("the adapter refuses to be rebuilt without saying why") from exc
        return None


def check_adapter(
    adapter: Adapter,
    suite: SuiteData | None = None,
    *,
    failing_suite: SuiteData | None = None,
) -> pa.Table:
    """Check ``adapter`` against the adapter protocols; AssertionError if it falls short.

    ``suite`` holds examples the adapter answers (default :func:`qa_suite`, whose inputs are
    ``{"question": ...}`` mappings); ``failing_suite``, when given, holds examples it cannot
    answer, each of which must become a record with an error. Returns the records of ``suite``.
    """
    if not isinstance(adapter, (ModelAdapter, AsyncModelAdapter)):
        raise _fail(f"{type(adapter).__name__} follows neither ModelAdapter nor AsyncModelAdapter")
    if not isinstance(adapter.name, str) or not adapter.name:
        raise _fail("the adapter has no 'name' for the manifest")
    description = adapter.describe()
    try:
        json.dumps(description)
    except (TypeError, ValueError) as exc:
        raise _fail(f"describe() is not JSON-ready for the manifest: {exc}") from exc
    data = qa_suite() if suite is None else suite
    records = _evaluate(adapter, data, "the suite")
    errors = [e for e in records.column("error").to_pylist() if e is not None]
    if errors:
        raise _fail(f"{len(errors)} examples of the suite failed, first: {errors[0]}")
    if failing_suite is not None:
        failed = _evaluate(adapter, failing_suite, "the failing suite")
        if None in failed.column("error").to_pylist():
            raise _fail("an example the adapter cannot answer has a record without an error")
    try:
        copy = pickle.loads(_dumps(adapter))
    except Exception as exc:
        raise _fail(f"the adapter does not survive pickling: {type(exc).__name__}: {exc}") from exc
    if copy.describe() != description:
        raise _fail("a pickled copy describes itself differently")
    if _outputs(_evaluate(copy, data, "the suite with a pickled copy")) != _outputs(records):
        raise _fail("a pickled copy answers differently")
    rebuilt = _rebuilt(adapter, description)
    if rebuilt is not None:
        if rebuilt.describe() != description:
            raise _fail("the adapter rebuilt from its description describes itself differently")
        if _outputs(_evaluate(rebuilt, data, "the suite with a rebuilt adapter")) != _outputs(
            records
        ):
            raise _fail("the adapter rebuilt from its description answers differently")
    return records
