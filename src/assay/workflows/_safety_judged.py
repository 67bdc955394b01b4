"""A run's safety rate from a trained judge, as the rate people would give (PPI++).

The judge labels every harmful and jailbreak prompt's answer (first sample, no error); a
file of human labels on a uniformly random subset of those examples corrects it
(:func:`assay.metrics.judged_rate`). Without human labels PPI++ is refused, unless ``raw``
asks for the judge's own rate, which then carries its warning.
"""

from __future__ import annotations

import csv
import io
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa

from assay._util import check_probability
from assay.errors import ConfigError, DataError
from assay.metrics import JudgedRate, judged_rate
from assay.runners import JudgeValidation, PairEmbedder, judge_records, load_judge
from assay.storage import Store
from assay.workflows._api import get_run
from assay.workflows._store import resolve_store
from assay.workflows._text_use import records_with_text, suite_with_text

__all__ = ["JudgedSafety", "judged_safety_rate", "read_human_labels"]

MAX_LABEL_BYTES = 16 * 1024**2
"""The largest human-labels file read."""


@dataclass(frozen=True)
class JudgedSafety:
    """What :func:`judged_safety_rate` measured."""

    run_id: str
    judge: str
    """The judge's ``name@version`` and the first 12 characters of its digest."""
    kind: str
    """What a 1 means: refusal, objective (attack success) or harm."""
    rate: JudgedRate
    not_judged: int
    """Harmful or jailbreak prompts the judge could not label (errored or without text)."""
    validation: JudgeValidation | None = None
    """The judge's cross-validated agreement with people (kappa and alpha with intervals,
    the confusion matrix), reported beside its rate; ``None`` for an unvalidated judge."""


def read_human_labels(path: str | Path) -> dict[str, int]:
    """``example_id`` → 0/1 from a CSV file with columns ``example_id`` and ``label``.

    Raises DataError naming the file and line of a bad row (a label not 0/1, a repeated or
    empty id), of a missing column, of a file that is not UTF-8 or is over 16 MiB."""
    p = Path(path)
    raw = p.read_bytes()
    if len(raw) > MAX_LABEL_BYTES:
        raise DataError(f"{p}: human labels over {MAX_LABEL_BYTES:,} bytes are not read")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise DataError(f"{p}: not UTF-8 text (byte {exc.start})") from None
    reader = csv.DictReader(io.StringIO(text, newline=""))
    if not reader.fieldnames or not {"example_id", "label"} <= set(reader.fieldnames):
        raise DataError(
            f"{p}, line 1: the header must name columns example_id and label",
            expected="example_id,label",
            found=",".join(reader.fieldnames or [])[:80],
        )
    out: dict[str, int] = {}
    for row in reader:
        line = reader.line_num
        eid, label = (row.get("example_id") or "").strip(), (row.get("label") or "").strip()
        if not eid:
            raise DataError(f"{p}, line {line}: an empty example_id")
        if label not in ("0", "1"):
            raise DataError(f"{p}, line {line}: the label must be 0 or 1", found=label[:20])
        if eid in out:
            raise DataError(f"{p}, line {line}: example {eid[:60]!r} is labelled twice")
        out[eid] = int(label)
    return out


def judged_safety_rate(
    run: str,
    judge: str | Path,
    *,
    human_labels: str | Path | None = None,
    raw: bool = False,
    confidence: float = 0.95,
    cache_dir: str | Path | None = None,
    store: Store | None = None,
) -> JudgedSafety:
    """The rate of the judge's label (attack success, refusal or harm) over a red-team run's
    harmful and jailbreak prompts, as people would give it: PPI++ with ``human_labels`` (a
    CSV of ``example_id,label`` on a random subset), else refused unless ``raw``.

    Raises:
        ConfigError: the run's suite is not a red-team suite.
        DataError: a labelled example is not a judged prompt of the run; a bad labels file;
            no human labels and not ``raw`` (PPI++ refused).
    """
    check_probability(confidence, "confidence", "judged_safety_rate")
    st = resolve_store(store)
    info = get_run(run, store=st)
    what = f"The judge's labels of run {info.run_id[:12]} (from its prompts and answers)"
    data = suite_with_text(st, info.suite_digest, what)
    if "kind" not in data.examples.column_names or "attack_success" not in (
        data.suite.metric_names
    ):
        raise ConfigError(
            f"run {info.run_id[:12]} is not on a red-team suite: build one with "
            "`assay suites redteam`."
        )
    the_judge = load_judge(judge)
    labels = read_human_labels(human_labels) if human_labels is not None else {}
    kinds = dict(
        zip(
            data.examples.column("example_id").to_pylist(),
            data.examples.column("kind").to_pylist(),
            strict=True,
        )
    )
    columns = ["example_id", "sample_index", "output", "error"]
    records = records_with_text(st, info.run_id, what, columns)
    keep = [
        sample == 0 and kinds.get(eid) != "benign"
        for eid, sample in zip(
            records.column("example_id").to_pylist(),
            records.column("sample_index").to_pylist(),
            strict=True,
        )
    ]
    first = records.filter(pa.array(keep, pa.bool_()))
    scored = judge_records(
        data, first, {"attack_success": the_judge}, embedder=PairEmbedder(cache_dir=cache_dir)
    )
    ids = [str(i) for i in scored.column("example_id").to_pylist()]
    values = np.asarray(scored.column("attack_success").to_pylist(), dtype=float)
    judged = ~np.isnan(values)
    unknown = sorted(set(labels) - {i for i, ok in zip(ids, judged, strict=True) if ok})
    if unknown:
        raise DataError(
            f"{len(unknown)} labelled example(s) are not judged harmful or jailbreak prompts of "
            f"run {info.run_id[:12]}",
            found=", ".join(u[:40] for u in unknown[:5]),
        )
    kept = [i for i, ok in enumerate(judged) if ok]
    human = [labels.get(ids[i], math.nan) for i in kept]
    rate = judged_rate(values[kept], human if labels else None, confidence=confidence, raw=raw)
    return JudgedSafety(
        run_id=info.run_id,
        judge=f"{the_judge.name}@{the_judge.version} {the_judge.digest[:12]}",
        kind=the_judge.kind,
        rate=rate,
        not_judged=int((~judged).sum()),
        validation=the_judge.validation,
    )
