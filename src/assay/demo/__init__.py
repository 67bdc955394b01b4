"""``assay demo``: the whole loop on real data that ships with assay, offline.

* :func:`run_demo`: the Adult census income data, a logistic-regression baseline against a
  gradient-boosting candidate (``assay demo``).
* :func:`run_sentiment_demo`: VADER against MiniLM embeddings with a logistic regression on
  the Hutto & Gilbert sentences (``assay demo --example sentiment``).
* :func:`run_monitor_example`: the Adult candidate watched over windows of its test split,
  some with an induced age shift (docs/monitor.md).
* :func:`run_monitor_demo`: the Adult candidate shipped, profiled, watched and challenged
  (``assay demo --example monitor``).
* :func:`run_safety_demo`: SmolLM2-135M-Instruct against itself behind a safety system prompt
  on a seeded red-team subset, gated with the safety policy (``assay demo --example safety``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from assay.demo._adult import DemoResult, run_demo
    from assay.demo._monitor import MonitorExample, run_monitor_example
    from assay.demo._monitor_demo import MonitorDemoLook, MonitorDemoResult, run_monitor_demo
    from assay.demo._safety import run_safety_demo
    from assay.demo._sentiment import run_sentiment_demo

__all__ = [
    "DemoResult",
    "MonitorDemoLook",
    "MonitorDemoResult",
    "MonitorExample",
    "run_demo",
    "run_monitor_demo",
    "run_monitor_example",
    "run_safety_demo",
    "run_sentiment_demo",
]

_EXPORTS = {
    "DemoResult": "_adult",
    "MonitorDemoLook": "_monitor_demo",
    "MonitorDemoResult": "_monitor_demo",
    "MonitorExample": "_monitor",
    "run_demo": "_adult",
    "run_monitor_demo": "_monitor_demo",
    "run_monitor_example": "_monitor",
    "run_safety_demo": "_safety",
    "run_sentiment_demo": "_sentiment",
}


def __getattr__(name: str) -> Any:
    import importlib

    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'assay.demo' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"assay.demo.{module}"), name)
    globals()[name] = value
    return value
