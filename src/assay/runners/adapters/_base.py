"""Model adapters: one protocol for anything that maps inputs to outputs.

Built-in adapters register themselves the same way a third-party package would, through
:func:`register_adapter` (and the ``assay.adapters`` entry-point group).
"""

from __future__ import annotations

import importlib
import json
from collections.abc import Callable, Sequence
from typing import Any, Protocol, runtime_checkable

from assay.errors import AdapterError, ConfigError

__all__ = [
    "CallableAdapter",
    "ModelAdapter",
    "SklearnAdapter",
    "adapter_names",
    "get_adapter",
    "load_callable",
    "register_adapter",
]


@runtime_checkable
class ModelAdapter(Protocol):
    """Maps a batch of example inputs to one output per input."""

    name: str
    """Adapter kind, recorded in the run's manifest."""

    def predict(self, inputs: Sequence[Any]) -> Sequence[Any]:
        """One output per input, in order. Raise to fail the whole batch."""
        ...

    def describe(self) -> dict[str, Any]:
        """Facts about the model for the manifest (class, parameters, ...)."""
        ...


_REGISTRY: dict[str, Callable[..., ModelAdapter]] = {}


def register_adapter(
    name: str,
) -> Callable[[Callable[..., ModelAdapter]], Callable[..., ModelAdapter]]:
    """Register an adapter factory under ``name`` (decorator)."""

    def deco(factory: Callable[..., ModelAdapter]) -> Callable[..., ModelAdapter]:
        _REGISTRY[name] = factory
        return factory

    return deco


def get_adapter(name: str, *args: Any, **kwargs: Any) -> ModelAdapter:
    """Build the adapter registered as ``name``."""
    _load_entry_points()
    try:
        factory = _REGISTRY[name]
    except KeyError:
        raise ConfigError(
            f"No model adapter is called {name!r}. Known: {sorted(_REGISTRY)}."
        ) from None
    return factory(*args, **kwargs)


def adapter_names() -> list[str]:
    """Names of every registered adapter."""
    _load_entry_points()
    return sorted(_REGISTRY)


def _load_entry_points() -> None:
    from importlib.metadata import entry_points

    for ep in entry_points(group="assay.adapters"):
        if ep.name not in _REGISTRY:
            _REGISTRY[ep.name] = ep.load()


def load_callable(spec: str) -> Callable[..., Any]:
    """Import ``module:function`` (``module:object.attribute`` works too)."""
    module_name, sep, attr = spec.partition(":")
    if not sep or not module_name or not attr:
        raise ConfigError(
            f"A callable is given as module:function (e.g. mypkg.models:predict). Got {spec!r}."
        )
    try:
        obj: Any = importlib.import_module(module_name)
    except ImportError as exc:
        raise ConfigError(f"Cannot import module {module_name!r} for {spec!r}: {exc}") from exc
    for part in attr.split("."):
        try:
            obj = getattr(obj, part)
        except AttributeError:
            raise ConfigError(f"Module {module_name!r} has no attribute {attr!r}.") from None
    if not callable(obj):
        raise ConfigError(f"{spec!r} is not callable.")
    return obj  # type: ignore[no-any-return]


@register_adapter("callable")
class CallableAdapter:
    """A Python function: ``fn(input) -> output``, or ``fn(inputs) -> outputs`` with ``batched``."""

    name = "callable"

    def __init__(self, fn: Callable[..., Any] | str, *, batched: bool = False) -> None:
        self.fn = fn
        self.batched = batched

    def _fn(self) -> Callable[..., Any]:
        return load_callable(self.fn) if isinstance(self.fn, str) else self.fn

    def predict(self, inputs: Sequence[Any]) -> Sequence[Any]:
        fn = self._fn()
        if self.batched:
            out = list(fn(list(inputs)))
            if len(out) != len(inputs):
                raise AdapterError(
                    f"the batched callable returned {len(out)} outputs for {len(inputs)} inputs"
                )
            return out
        return [fn(x) for x in inputs]

    def describe(self) -> dict[str, Any]:
        fn = self._fn()
        return {
            "adapter": self.name,
            "callable": f"{getattr(fn, '__module__', '?')}:{getattr(fn, '__qualname__', repr(fn))}",
            "batched": self.batched,
        }


@register_adapter("sklearn")
class SklearnAdapter:
    """A fitted scikit-learn estimator (or pipeline) over feature mappings.

    Each example's input is a mapping of feature name to value (or its JSON text); a batch
    becomes one data frame and one ``predict`` call. Outputs are the predicted labels or values.
    """

    name = "sklearn"

    def __init__(self, estimator: Any, *, columns: Sequence[str] | None = None) -> None:
        self.estimator = estimator
        self.columns = columns

    def predict(self, inputs: Sequence[Any]) -> Sequence[Any]:
        import pandas as pd

        rows = [json.loads(x) if isinstance(x, str) else x for x in inputs]
        frame = pd.DataFrame.from_records(
            rows, columns=list(self.columns) if self.columns else None
        )
        return [v.item() if hasattr(v, "item") else v for v in self.estimator.predict(frame)]

    def describe(self) -> dict[str, Any]:
        est = self.estimator
        params: dict[str, Any] = {}
        if hasattr(est, "get_params"):
            # scalar settings only (nested estimators show up through their own parameters),
            # so two manifests differ field by field, not in one long repr
            for key, value in sorted(est.get_params(deep=True).items()):
                if value is None or isinstance(value, bool | int | float | str):
                    params[key] = value
        steps = [type(s).__name__ for _, s in getattr(est, "steps", [])]
        out: dict[str, Any] = {
            "adapter": self.name,
            "estimator": f"{type(est).__module__}.{type(est).__qualname__}",
        }
        if steps:
            out["steps"] = " -> ".join(steps)
        out["parameters"] = params
        return out
