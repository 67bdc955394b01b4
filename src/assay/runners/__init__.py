"""Running a suite against a model adapter; records go to whatever the caller does with them."""

from assay.runners._adapters import (
    CallableAdapter,
    ModelAdapter,
    SklearnAdapter,
    adapter_names,
    get_adapter,
    load_callable,
    register_adapter,
)
from assay.runners._local import ProgressCallback, Scorer, evaluate_suite

__all__ = [
    "CallableAdapter",
    "ModelAdapter",
    "ProgressCallback",
    "Scorer",
    "SklearnAdapter",
    "adapter_names",
    "evaluate_suite",
    "get_adapter",
    "load_callable",
    "register_adapter",
]
