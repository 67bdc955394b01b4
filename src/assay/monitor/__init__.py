"""Production monitoring: drift and regression alarms."""

__all__: list[str] = []
