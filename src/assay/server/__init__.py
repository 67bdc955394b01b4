"""The web dashboard and HTTP API."""

__all__: list[str] = []
