"""The append-only slot logs kept in artifacts: counted in O(log n) look-ups, appended in
order, a taken slot never changes, and two logs never share a slot."""

from __future__ import annotations

from pathlib import Path

import pytest

from assay.storage import open_store
from assay.workflows._slot_log import append, claim, entries, last, slot, slot_count


@pytest.mark.parametrize("n", [0, 1, 2, 3, 4, 5, 7, 8, 9, 16, 17, 33])
def test_count_and_last_follow_the_appends(tmp_path: Path, n: int) -> None:
    with open_store(f"sqlite:///{tmp_path / 'assay.db'}") as st:
        targets = [st.artifacts.put(f"entry {i}".encode()) for i in range(n)]
        for i, target in enumerate(targets):
            assert append(st, "log", target) == i
        assert slot_count(st, "log") == n
        assert list(entries(st, "log")) == targets
        assert last(st, "log") == ((n - 1, targets[-1]) if n else None)
        assert slot_count(st, "other") == 0  # logs are keyed by name


def test_a_taken_slot_keeps_its_first_target(tmp_path: Path) -> None:
    with open_store(f"sqlite:///{tmp_path / 'assay.db'}") as st:
        first, second = st.artifacts.put(b"first"), st.artifacts.put(b"second")
        assert claim(st, "log", 0, first) == first
        assert claim(st, "log", 0, second) == first  # the second writer is told who holds it
        assert slot(st, "log", 0) == first and slot(st, "log", 1) is None
        assert append(st, "log", second) == 1
