"""How an adapter describes itself, so that it can be rebuilt from the description.

A registered adapter's ``describe()`` returns an :class:`AdapterSpec`: its registry name and
JSON-able settings, never a secret (an API key is read from the environment again when the
adapter is rebuilt). The run's manifest records it as ``provenance["adapter"]`` and
:func:`~assay.runners.build_adapter` turns it back into an adapter.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, NoReturn

from assay.errors import ConfigError

__all__ = ["AdapterRebuildError", "AdapterSpec"]


class AdapterRebuildError(ConfigError):
    """An adapter cannot be rebuilt from its recorded description.

    ``what`` is what the caller must pass instead ("the fitted estimator"), ``why`` the reason
    in plain words; :func:`assay.reproduce` puts both in its message.
    """

    def __init__(self, what: str, why: str) -> None:
        self.what = what
        self.why = why
        super().__init__(f"Cannot rebuild {what}: {why}.")


class AdapterSpec(dict[str, Any]):
    """An adapter's registry name and settings: ``{"adapter": name, **settings}``, read-only.

    It is the very mapping a run's manifest records under ``provenance["adapter"]``, which is
    why it is a (read-only) ``dict``: the manifest, its config digest and
    :func:`~assay.core.diff_manifests` see the same JSON they always did, and a manifest read
    back from a store gives the spec again with :meth:`from_description`.
    """

    def __init__(self, name: str, settings: Mapping[str, Any] | None = None) -> None:
        if not isinstance(name, str) or not name:
            raise ConfigError(f"An adapter spec needs the adapter's registry name. Got {name!r}.")
        settings = dict(settings or {})
        if "adapter" in settings:
            raise ConfigError("An adapter's settings cannot have a setting named 'adapter'.")
        super().__init__({"adapter": name, **settings})

    @classmethod
    def from_description(cls, description: Mapping[str, Any]) -> AdapterSpec:
        """The spec in a recorded description (``provenance["adapter"]`` of a manifest)."""
        if isinstance(description, AdapterSpec):
            return description
        if not isinstance(description, Mapping) or not isinstance(description.get("adapter"), str):
            raise ConfigError(
                "An adapter description is a mapping with the adapter's registry name under "
                f"'adapter'. Got {description!r}."
            )
        settings = {k: v for k, v in description.items() if k != "adapter"}
        return cls(description["adapter"], settings)

    @property
    def name(self) -> str:
        """The name the adapter is registered under."""
        return str(self["adapter"])

    @property
    def settings(self) -> dict[str, Any]:
        """Everything recorded besides the name (a copy)."""
        return {k: v for k, v in self.items() if k != "adapter"}

    def __reduce__(self) -> tuple[Any, ...]:
        # pickling (Ray, copy) must not go through the refused item assignment
        return (AdapterSpec, (self.name, self.settings))

    def _read_only(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise TypeError("An AdapterSpec is read-only; build a new one with other settings.")

    __setitem__ = _read_only
    __delitem__ = _read_only
    __ior__ = _read_only
    clear = _read_only
    pop = _read_only
    popitem = _read_only
    setdefault = _read_only
    update = _read_only
