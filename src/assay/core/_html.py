"""Notebook display of core models without core knowing how to render them.

``Comparison`` and ``VerdictResult`` have a ``_repr_html_`` method (Jupyter's hook) that asks
this registry for a renderer of their type. :mod:`assay.reports`, which owns the HTML, fills it
when it is imported; until then ``_repr_html_`` returns ``None`` and Jupyter shows the plain
``repr``. Core never imports reports (layers): a higher layer may name a module that registers
renderers (:func:`register_html_module`), imported on the first ``_repr_html_`` call, so that
using the API without a notebook never pays for importing the report code.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

__all__ = ["html_for", "register_html_module", "register_html_renderer"]

_RENDERERS: dict[type, Callable[[Any], str]] = {}
_RENDERER_MODULES: list[str] = []


def register_html_renderer(kind: type, renderer: Callable[[Any], str]) -> None:
    """Render instances of ``kind`` (and its subclasses) in notebooks with ``renderer``.

    Registering again for the same type replaces the renderer.
    """
    _RENDERERS[kind] = renderer


def register_html_module(module: str) -> None:
    """Import ``module`` (which registers renderers when imported) on the first lookup."""
    if module not in _RENDERER_MODULES:
        _RENDERER_MODULES.append(module)


def html_for(value: object) -> str | None:
    """The HTML of ``value`` by the renderer registered for its type, or ``None``."""
    for module in _RENDERER_MODULES:  # imported once; later calls find it in sys.modules
        importlib.import_module(module)
    for kind in type(value).__mro__:
        renderer = _RENDERERS.get(kind)
        if renderer is not None:
            return renderer(value)
    return None
