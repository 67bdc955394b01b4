"""Release policies, rule kinds and verdicts (SHIP / BLOCK / INCONCLUSIVE)."""

__all__: list[str] = []
