"""A flush writes its queued answers in statements of many rows: same content as one per row."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from assay.runners import ResponseCache


def test_a_flush_of_more_rows_than_one_statement_holds_stores_each_key_once_first_wins(
    tmp_path: Path,
) -> None:
    cache = ResponseCache(tmp_path)
    answers = {f"k{i:05d}": {"output": f"answer {i}", "latency_ms": i / 3} for i in range(1_203)}
    for key, answer in answers.items():
        assert cache.put(key, answer)
    assert cache.put("k00007", {"output": "a later answer"})  # same key, same flush: ignored
    assert cache.put("k01202", {"output": "a later answer"})  # same key, same statement too
    cache.flush()
    assert cache.put("k01000", {"output": "later still"})  # a later flush: ignored too
    cache.close()
    again = ResponseCache(tmp_path)
    assert len(again) == len(answers)
    assert again.get_many(answers) == answers
    again.close()
    rows = sqlite3.connect(tmp_path / "responses.sqlite").execute(
        "SELECT count(*), count(DISTINCT key) FROM responses_v1"
    )
    assert rows.fetchone() == (1_203, 1_203)
