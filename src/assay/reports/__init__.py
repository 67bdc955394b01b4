"""Markdown and self-contained HTML reports."""

__all__: list[str] = []
