"""Model adapters: one protocol for anything that maps inputs to outputs.

Built-in adapters register themselves the same way a third-party package would, through
:func:`register_adapter` (and the ``assay.adapters`` entry-point group).
"""

from __future__ import annotations

import importlib
import json
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Protocol, runtime_checkable

from assay._util import Registry
from assay.errors import AdapterError, ConfigError
from assay.runners.adapters._spec import AdapterRebuildError, AdapterSpec

__all__ = [
    "AdapterFactory",
    "CallableAdapter",
    "ModelAdapter",
    "SklearnAdapter",
    "adapter_names",
    "build_adapter",
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
        """Facts about the model for the manifest: for a registered adapter an
        :class:`AdapterSpec` (registry name and settings), from which it is rebuilt."""
        ...


AdapterFactory = Callable[..., Any]
"""An adapter class (or a function) that builds an adapter from its arguments."""

_ADAPTERS: Registry[AdapterFactory] = Registry(
    "model adapter", group="assay.adapters", function="register_adapter"
)


def register_adapter(
    name: str, *, replace: bool = False
) -> Callable[[AdapterFactory], AdapterFactory]:
    """Register an adapter factory (usually the adapter class) under ``name`` (decorator).

    A second factory under a taken name is a :class:`~assay.errors.ConfigError` unless
    ``replace`` is true. The adapter's ``describe()`` should return an :class:`AdapterSpec`
    with this name, so :func:`build_adapter` (and :func:`assay.reproduce`) can rebuild it.
    """
    return _ADAPTERS.register(name, replace=replace)


def get_adapter(name: str, *args: Any, **kwargs: Any) -> ModelAdapter:
    """Build the adapter registered as ``name`` with the given arguments."""
    adapter: ModelAdapter = _ADAPTERS.get(name)(*args, **kwargs)
    return adapter


def adapter_names() -> list[str]:
    """Names of every registered adapter."""
    return _ADAPTERS.names()


def build_adapter(spec: AdapterSpec | Mapping[str, Any]) -> Any:
    """The adapter an :class:`AdapterSpec` (or a recorded description) describes.

    The registered factory's ``from_spec(spec)`` rebuilds it when the factory has one (it
    checks what must still hold, such as the weights' digest); otherwise the factory is
    called with the recorded settings as keywords. Raises
    :class:`~assay.errors.ConfigError` for an unknown name and :class:`AdapterRebuildError`
    when the description is not enough to rebuild the adapter.
    """
    spec = AdapterSpec.from_description(spec)
    factory = _ADAPTERS.get(spec.name)
    from_spec = getattr(factory, "from_spec", None)
    if callable(from_spec):
        return from_spec(spec)
    try:
        return factory(**spec.settings)
    except TypeError as exc:
        raise AdapterRebuildError(
            "the model", f"the {spec.name!r} adapter does not take its recorded settings ({exc})"
        ) from exc


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

    def describe(self) -> AdapterSpec:
        """The callable's importable name (``module:qualname``) and whether it is batched."""
        fn = self._fn()
        where = f"{getattr(fn, '__module__', '?')}:{getattr(fn, '__qualname__', repr(fn))}"
        return AdapterSpec(self.name, {"callable": where, "batched": self.batched})

    @classmethod
    def from_spec(cls, spec: AdapterSpec) -> CallableAdapter:
        """The callable imported again by name; refused when it cannot be imported."""
        where = spec.get("callable")
        if not isinstance(where, str) or "<" in where:
            raise AdapterRebuildError(
                "the callable", f"the callable {where!r} cannot be imported by name"
            )
        try:
            load_callable(where)
        except ConfigError as exc:
            raise AdapterRebuildError("the callable", str(exc).rstrip(".")) from exc
        return cls(where, batched=bool(spec.get("batched", False)))


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

    def describe(self) -> AdapterSpec:
        """The estimator's class, pipeline steps and scalar parameters (not its fitted state)."""
        est = self.estimator
        params: dict[str, Any] = {}
        if hasattr(est, "get_params"):
            # scalar settings only (nested estimators show up through their own parameters),
            # so two manifests differ field by field, not in one long repr
            for key, value in sorted(est.get_params(deep=True).items()):
                if value is None or isinstance(value, bool | int | float | str):
                    params[key] = value
        steps = [type(s).__name__ for _, s in getattr(est, "steps", [])]
        out: dict[str, Any] = {"estimator": f"{type(est).__module__}.{type(est).__qualname__}"}
        if steps:
            out["steps"] = " -> ".join(steps)
        out["parameters"] = params
        return AdapterSpec(self.name, out)

    @classmethod
    def from_spec(cls, spec: AdapterSpec) -> SklearnAdapter:
        """Always refused: a manifest records the estimator's settings, not its fitted state."""
        raise AdapterRebuildError(
            "the fitted estimator",
            f"the manifest names the estimator {spec.get('estimator')!r} and its parameters, "
            "but not its fitted state",
        )
