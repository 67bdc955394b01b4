"""Aligning two runs, slicing, and building paired comparison results."""

__all__: list[str] = []
