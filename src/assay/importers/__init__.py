"""Readers of other evaluation tools' logs: each turns a log into a suite and its records.

* :func:`read_harness_log` detects the tool from the file and reads it.
* :func:`read_lm_eval_samples`: lm-evaluation-harness ``samples_*.jsonl`` (with the
  ``results_*.json`` beside them for the model and task configuration).
* :func:`read_inspect_log`: Inspect AI ``.eval`` and ``.json`` logs.
* :func:`read_mlflow_run`: an MLflow run and the per-example table ``mlflow.evaluate`` logged
  (:func:`evaluation_tables` finds it, :func:`run_entries` reads a run's params, metrics
  and tags; ``assay.import_from_mlflow`` fetches both over HTTP).

Each returns a :class:`HarnessImport` (suite, records, model, provenance, metrics skipped with
the reason). ``assay.import_log`` stores one.
"""

from assay.importers._common import HarnessImport
from assay.importers._detect import read_harness_log
from assay.importers._inspect import read_inspect_log
from assay.importers._lmeval import read_lm_eval_samples
from assay.importers._mlflow import EVAL_TABLE, evaluation_tables, read_mlflow_run, run_entries

__all__ = [
    "EVAL_TABLE",
    "HarnessImport",
    "evaluation_tables",
    "read_harness_log",
    "read_inspect_log",
    "read_lm_eval_samples",
    "read_mlflow_run",
    "run_entries",
]
