"""Validating per-example results against a suite and shaping them into the record schema.

Every check is vectorised; only the error path looks at single rows, to say where.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from assay._util import check_instance, renamed_parameters
from assay._util.arrow import arrow_array, arrow_scalar, numpy_array
from assay.core import MetricSpec, short_digest
from assay.data._declared import check_score_range, scorable_metrics, score_outputs
from assay.data._files import Location
from assay.data._located import check_text, short_text
from assay.data._quote import brief
from assay.data._record_columns import (
    MAX_SCORE,
    as_text,
    first_true,
    float_views,
    id_rank,
    is_prefix_of,
    json_text,
    numeric_column,
    place,
    too_large,
)
from assay.data._schema import OPERATIONAL, SuiteData, record_schema, table_digest
from assay.errors import DataError, SuiteMismatchError

__all__ = ["records_digest", "validate_records"]

_EXTRA_ALLOWED = {"suite_digest"}
MODEL_GRADED = "model_graded"  # a judge grades it; a judge's failure leaves it missing
# Arrow scalars built once from buffers: a Python value in a compute call imports pandas
_MAX_SCORE = arrow_scalar(MAX_SCORE, pa.float64())
_TRUE, _FALSE = arrow_scalar(True, pa.bool_()), arrow_scalar(False, pa.bool_())


def _abstains(spec: MetricSpec) -> bool:
    from assay.metrics import scorer_abstains

    return bool(spec.scorer) and spec.scorer != "model_graded" and scorer_abstains(str(spec.scorer))


@renamed_parameters({"where": "location"})
def validate_records(
    table: pa.Table,
    data: SuiteData,
    *,
    location: Location,
    rename: Mapping[str, str] | None = None,
) -> pa.Table:
    """Check ``table`` against the suite and return it in the record schema, sorted by
    ``(example_id, sample_index)``.

    Slice attributes and clusters come from the suite; inputs and references too, unless the
    file has them. Raises :class:`DataError` naming file, line or row, column, expected and found.
    """
    function = "validate_records"
    check_instance(table, "table", function, pa.Table, "a pyarrow.Table")
    check_instance(data, "data", function, SuiteData, "a SuiteData")
    check_instance(location, "location", function, Location, "a Location")
    where = location.of(table)
    suite = data.suite
    check_text(table, where)  # invalid UTF-8 stored is a crash when the run is read back
    if rename:
        table = table.rename_columns([rename.get(c, c) for c in table.column_names])
    names = table.column_names
    for i, name in enumerate(names):
        if name in names[:i]:
            renamed = [old for old, new in (rename or {}).items() if new == name]
            raise DataError(
                f"two columns are named {brief(name)}"
                + (f" (after renaming {brief(renamed[0])})" if renamed else ""),
                file=where.file,
                column=short_text(name),
                expected="one column per name",
                found=f"columns {names.index(name) + 1} and {i + 1}",
            )
    schema = record_schema(suite)
    allowed = set(schema.names) | _EXTRA_ALLOWED
    unknown = [c for c in table.column_names if c not in allowed]
    if unknown:
        raise DataError(
            f"column {brief(unknown[0])} is not a record column of suite {brief(suite.name)}",
            file=where.file,
            column=short_text(unknown[0]),
            expected=f"metric columns {suite.metric_names} or record columns "
            "(example_id, sample_index, cluster, input, reference, output, latency_ms, "
            "tokens_in, tokens_out, cost, error)",
            found=f"{len(unknown)} unknown column(s): {brief(unknown[:5])}",
        )
    n = table.num_rows
    if n == 0:
        raise DataError(
            "no records", file=where.file, expected="at least one record", found="0 rows"
        )
    if "suite_digest" in table.column_names:
        declared = table.column("suite_digest").cast(pa.string())
        bad_rows = pc.invert(pc.fill_null(is_prefix_of(declared, suite.digest), False))
        if pc.any(bad_rows).as_py():
            row = first_true(bad_rows)
            raise SuiteMismatchError(
                f"records belong to another suite version than {suite.name!r}",
                column="suite_digest",
                expected=short_digest(suite.digest),
                found=short_text(str(declared[row].as_py())),
                **where.at(row),
            )
    if "example_id" not in table.column_names:
        raise DataError(
            "no 'example_id' column",
            file=where.file,
            column="example_id",
            found=f"columns {brief(table.column_names)}",
        )
    id_type = table.column("example_id").type
    if pa.types.is_nested(id_type) or pa.types.is_floating(id_type):
        raise DataError(
            "example ids are text or whole numbers",
            file=where.file,
            column="example_id",
            expected="text",
            found=f"values of type {id_type}",
        )
    ids = as_text(table.column("example_id"))
    if pc.any(pc.is_null(ids)).as_py():
        raise DataError(
            "missing example id",
            column="example_id",
            expected="an id",
            found="null",
            **where.at(first_true(pc.is_null(ids))),
        )
    suite_ids = data.examples.column("example_id")
    in_suite_order = len(ids) == len(suite_ids) and ids.equals(suite_ids)
    if in_suite_order:  # the common case, and a hash lookup of every id costs most of the time
        codes = arrow_array(np.arange(n, dtype=np.int32))
    else:
        codes = pc.index_in(ids, value_set=suite_ids)
    if codes.null_count:
        row = first_true(pc.is_null(codes))
        raise DataError(
            f"example id {brief(ids[row].as_py())} is not in suite {brief(suite.name)} "
            f"({short_digest(suite.digest)}); {codes.null_count} record(s) name unknown ids",
            column="example_id",
            expected="an id of the suite",
            found=brief(ids[row].as_py()),
            **where.at(row),
        )
    if "sample_index" in table.column_names:
        samples = numeric_column(table.column("sample_index"), "sample_index", where, pa.int32())
        if samples.null_count or pc.any(pc.less(samples, 0)).as_py():
            row = first_true(pc.or_kleene(pc.is_null(samples), pc.less(samples, 0)))
            raise DataError(
                "bad sample index",
                column="sample_index",
                expected="an integer >= 0",
                found=repr(samples[row].as_py()),
                **where.at(row),
            )
    else:
        samples = pa.chunked_array([arrow_array(np.zeros(n, dtype=np.int32))])
    # records are kept sorted by (example_id, sample_index): the rank of each suite id in
    # sorted order replaces its suite position, so comparisons pair stored runs by merge
    rank = id_rank(suite_ids)
    if in_suite_order and "sample_index" not in table.column_names:
        key = rank  # one record per example, in the suite's order: the same key, no copies
    else:
        sample_np = numpy_array(samples).astype(np.int64)
        key = rank[numpy_array(codes)] * (int(sample_np.max()) + 1) + sample_np
    # sorted already (so without duplicates), or the order that sorts them
    order = None if bool(np.all(key[1:] > key[:-1])) else np.argsort(key, kind="stable")
    dup = np.empty(0, dtype=np.int64) if order is None else np.flatnonzero(np.diff(key[order]) == 0)
    if order is not None and dup.size:
        first, second = int(order[dup[0]]), int(order[dup[0] + 1])
        raise DataError(
            f"example id {brief(ids[second].as_py())} (sample {samples[second].as_py()}) "
            "appears more than once "
            f"(first at {place(where, first)}); repeated samples need distinct sample_index values",
            column="example_id",
            expected="one record per example and sample",
            found=f"{dup.size} duplicate record(s)",
            **where.at(second),
        )
    errors = (
        as_text(table.column("error"))
        if "error" in table.column_names
        else pa.nulls(n, pa.string())
    )
    # a non-empty error text; no Python scalars ("", False): pyarrow converts those through
    # its pandas bridge, which imports pandas. Kleene AND: an absent error is False, not null
    nonempty = pc.cast(pc.binary_length(errors), pa.bool_())
    errored = pc.and_kleene(pc.is_valid(errors), nonempty)
    out: dict[str, pa.Array | pa.ChunkedArray] = {}
    ex = (
        data.examples
        if in_suite_order
        else data.examples.take(arrow_array(numpy_array(codes).astype(np.int64)))
    )
    out["example_id"] = ids
    out["cluster"] = ex.column("cluster")
    out["sample_index"] = samples
    for s in suite.slice_names:
        out[s] = ex.column(s)
    for c in ("input", "reference"):
        # the suite's value is authoritative; a file's own value fills only what it lacks,
        # written as JSON text like the suite's so the same content has one digest
        out[c] = (
            pc.coalesce(ex.column(c), json_text(table.column(c)))
            if c in table.column_names
            else ex.column(c)
        )
    out["output"] = (
        as_text(table.column("output"))
        if "output" in table.column_names
        else pa.nulls(n, pa.string())
    )
    scorable = scorable_metrics(table.column_names, suite)
    for spec in suite.metrics:
        m = spec.name
        if m in scorable:
            # the suite declares how to score this metric and the file has the outputs
            out[m] = score_outputs(spec, table.column("output"), out["reference"], errored, where)
            continue
        if m not in table.column_names:
            can_score = (
                f" (or an 'output' column to score with {spec.scorer})"
                if spec.scorer and spec.scorer != "model_graded"
                else ""
            )
            raise DataError(
                f"metric {m!r} of suite {suite.name!r} has no column",
                file=where.file,
                column=m,
                expected=f"a score column for every metric {suite.metric_names}{can_score}",
                found=f"columns {brief(table.column_names)}",
            )
        scores = numeric_column(table.column(m), m, where, pa.float64())
        # past 1e150 a square overflows, and the mean and variance with it; one maximum and
        # one minimum (skipping NaN and nulls, counting infinities), no mask unless one is found
        if too_large(scores):
            infinite = pc.fill_null(pc.greater(pc.abs(scores), _MAX_SCORE), _FALSE)
            row = first_true(infinite)
            raise DataError(
                "score is infinite or too large",
                column=m,
                expected=f"a finite number of magnitude at most {MAX_SCORE:g}",
                found=repr(scores[row].as_py()),
                **where.at(row),
            )
        check_score_range(scores, spec, where)
        out[m] = _missing_as_null(scores, spec, errored, where)
    for name, typ, _ in OPERATIONAL:
        if name == "error":
            out[name] = pc.if_else(errored, errors, arrow_scalar(None, pa.string()))
        elif name in table.column_names:
            out[name] = numeric_column(table.column(name), name, where, typ)
        else:
            out[name] = pa.nulls(n, typ)
    result = pa.table(out, schema=schema)
    # not strictly increasing and no duplicate: some record is out of place
    return result if order is None else result.take(arrow_array(order))


def _missing_as_null(
    scores: pa.ChunkedArray, spec: MetricSpec, errored: pa.ChunkedArray, where: Location
) -> pa.ChunkedArray:
    """The scores with NaN stored as null; refused where one is missing on a record without
    an error. A column with neither null nor NaN (the common case) is kept as it is."""
    views = float_views(scores)
    has_nan = (
        any(bool(np.isnan(v).any()) for v in views)
        if views is not None
        else bool(pc.any(pc.is_nan(scores)).as_py())
    )
    if not (scores.null_count or has_nan):
        return scores
    missing = pc.fill_null(pc.or_kleene(pc.is_null(scores), pc.is_nan(scores)), _TRUE)
    # a judge that failed on a record, or a scorer that abstains (a detector with no text
    # to judge), leaves only its metric missing there
    bad = pc.and_(missing, pc.invert(errored))
    if spec.scorer != MODEL_GRADED and not _abstains(spec) and pc.any(bad).as_py():
        row = first_true(bad)
        raise DataError(
            "missing score on a record without an error",
            column=spec.name,
            expected="a number (or an 'error' on the record)",
            found=repr(scores[row].as_py()),
            **where.at(row),
        )
    return pc.if_else(missing, arrow_scalar(None, pa.float64()), scores) if has_nan else scores


def records_digest(records: pa.Table) -> str:
    """Digest of a record table's content (values and nulls of every column, in order)."""
    check_instance(records, "records", "records_digest", pa.Table, "a pyarrow.Table")
    return table_digest(records)
