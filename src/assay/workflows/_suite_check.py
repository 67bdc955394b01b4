"""``assay suites check``: a stored suite's integrity, against its other versions and a
training split."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from assay._util import check_instance
from assay.data import SuiteCheck, SuiteData, check_suite, read_table, split_overlap
from assay.storage import Store
from assay.workflows._api import get_suite
from assay.workflows._store import resolve_store
from assay.workflows._suite_check_store import store_suite_check

__all__ = ["suite_check"]


def suite_check(
    suite: str | Path | SuiteData,
    *,
    against: list[str] | None = None,
    train: str | Path | None = None,
    near: bool = True,
    threshold: float = 0.8,
    min_slice_size: int = 30,
    keep: bool = True,
    store: Store | None = None,
) -> SuiteCheck:
    """Check ``suite`` (a stored name, digest, YAML path or a :class:`SuiteData`): exact and
    near duplicates, label conflicts, empty or degenerate inputs, slices smaller than
    ``min_slice_size``; overlap with the suite versions ``against`` (default: every other
    stored version of the same name) and with the rows of a ``train`` file (JSONL, CSV or
    Parquet). ``near=False`` runs only the fast checks, as registration does.

    The findings are stored with the suite version (``keep=False`` does not store them) and
    are what :func:`stored_suite_check`, ``assay suites show``, the datasheet and the
    dashboard show until the next check."""
    where = "suite_check"
    check_instance(against, "against", where, (list, type(None)), "a list of suite references")
    check_instance(train, "train", where, (str, Path, type(None)), "a path or None")
    check_instance(keep, "keep", where, bool, "True or False")
    st = resolve_store(store)
    data = get_suite(suite, store=st)
    if against is None:
        refs = [
            s.digest for s in st.suites.list() if s.name == data.name and s.digest != data.digest
        ]
    else:
        refs = against
    others = [get_suite(ref, store=st) for ref in refs]
    result = check_suite(
        data, others=others, near=near, threshold=threshold, min_slice_size=min_slice_size
    )
    if train is not None:
        finding = split_overlap(data, read_table(train), source=str(train))
        found = (finding,) if finding is not None else ()
        result = dataclasses.replace(
            result,
            checks=(*result.checks, "split_overlap"),
            findings=tuple(
                sorted((*result.findings, *found), key=lambda f: f.severity != "warning")
            ),
        )
    if keep:
        store_suite_check(st, result)
    return result
