"""The models and roles of the red-team tests of the dashboard: an echo model (answers that
repeat the prompt, so a leaked answer shows prompt text as well) and a viewer's and an
editor's headers behind a proxy that names the user."""

from __future__ import annotations

from collections.abc import Callable

from assay.server import Role, ServerSettings

HEADER = "X-Forwarded-User"
VIEWER = {HEADER: "reader"}
EDITOR = {HEADER: "ed"}


def echo_model(guarded: bool) -> Callable[[str], str]:
    """A model repeating the prompt; ``guarded``, it refuses every prompt whose length is a
    multiple of three."""

    def model(prompt: str) -> str:
        if guarded and len(prompt) % 3 == 0:
            return "I'm sorry, but I can't help with that."
        return f"Sure. You asked: {prompt[:80]}"

    return model


def role_settings() -> ServerSettings:
    """Users named by :data:`HEADER`: ``ed`` an editor, anyone else a viewer."""
    return ServerSettings(
        auth="header",
        auth_header=HEADER,
        header_roles={"ed": Role.editor},
        header_default_role=Role.viewer,
    )
