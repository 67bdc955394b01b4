"""The one exception tree of assay, and its warning classes.

Every error assay raises on purpose derives from :class:`AssayError`, branched by what
the caller can do about it::

    AssayError
    ├── ConfigError          a setting, argument, suite or policy definition is wrong: fix it
    │   ├── ParameterError   a function argument is out of its domain (one message shape)
    │   ├── MissingDependencyError  an optional package is not installed (says the install line)
    │   └── AmbiguousReferenceError  a reference (id prefix, model@version) names several things
    ├── DataError            the data is wrong (file, row, column, expected, found): fix the data
    │   └── SuiteMismatchError   records or runs belong to another suite version
    ├── AdapterError         a model or endpoint failed in a way that is not per-example
    ├── StorageError         the store could not be read or written; nothing was half written
    │   ├── NotFoundError    no run, suite or decision has that id
    │   ├── AccessDeniedError  a server refused the token, or the role is too low
    │   └── ImmutableError   a complete run, record table or decision cannot be changed
    └── GateError            a policy cannot be evaluated against a comparison

Statistical caveats are warnings, not exceptions::

    AssayWarning (UserWarning)
    ├── UnderpoweredWarning  the data cannot detect the effect that matters
    ├── SmallSliceWarning    a slice is too small to be judged; it is reported with its width
    ├── CoverageWarning      a run covers only part of its suite (a gate will see it later)
    ├── SelfComparisonWarning  a run is compared with itself: every difference is zero
    └── UnvalidatedJudgeWarning  a judge's scores are used with no measured agreement with people

HTTP status codes exist only in ``assay.server``; exit codes only in ``assay.cli``.
"""

from __future__ import annotations

__all__ = [
    "AccessDeniedError",
    "AdapterError",
    "AmbiguousReferenceError",
    "AssayError",
    "AssayWarning",
    "ConfigError",
    "CoverageWarning",
    "DataError",
    "GateError",
    "ImmutableError",
    "MissingDependencyError",
    "NotFoundError",
    "ParameterError",
    "SelfComparisonWarning",
    "SmallSliceWarning",
    "StorageError",
    "SuiteMismatchError",
    "UnderpoweredWarning",
    "UnvalidatedJudgeWarning",
]


class AssayError(Exception):
    """Base of every error assay raises on purpose."""


class ConfigError(AssayError):
    """A setting, argument, suite or policy definition is wrong."""


class ParameterError(ConfigError, ValueError):
    """A function argument is outside its domain.

    The message always has one shape: ``The 'alpha' parameter of paired_bootstrap must be a
    float in (0, 1). Got 1.5.``
    """

    def __init__(self, parameter: str, function: str, expected: str, got: object) -> None:
        self.parameter = parameter
        self.function = function
        self.expected = expected
        self.got = got
        super().__init__(
            f"The {parameter!r} parameter of {function} must be {expected}. Got {got!r}."
        )


class MissingDependencyError(ConfigError, ImportError):
    """An optional package is not installed; the message ends with the exact install line.

    ``The Hugging Face adapter needs the 'transformers' package: pip install 'assay[hf]'``
    """

    def __init__(self, module: str, extra: str, *, feature: str | None = None) -> None:
        self.module = module
        self.extra = extra
        self.install = f"pip install 'assay[{extra}]'"
        who = feature[:1].upper() + feature[1:] if feature else "This feature"
        super().__init__(f"{who} needs the {module!r} package: {self.install}")


class AmbiguousReferenceError(ConfigError, LookupError):
    """A reference (a run id prefix, ``model@version``) matches several things; ``candidates``
    lists them so the user can pick one (the command line treats it as a usage error)."""

    def __init__(self, message: str, candidates: list[str]) -> None:
        super().__init__(message)
        self.candidates = list(candidates)


class DataError(AssayError, ValueError):
    """The data is wrong. Names where (file, line or row, column), what was expected and found.

    ``line`` is a 1-based line of a text file (JSONL, CSV, YAML); ``row`` a 0-based row of a
    table (Parquet, a data frame) or an index into an array.
    """

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        row: int | None = None,
        line: int | None = None,
        column: str | None = None,
        expected: str | None = None,
        found: str | None = None,
    ) -> None:
        self.file = file
        self.row = row
        self.line = line
        self.column = column
        self.expected = expected
        self.found = found
        self.reason = message
        where = []
        if file is not None:
            where.append(str(file))
        if line is not None:
            where.append(f"line {line}")
        if row is not None:
            where.append(f"row {row}")
        if column is not None:
            where.append(f"column {column!r}")
        text = ", ".join(where) + ": " + message if where else message
        if expected is not None:
            text += f"; expected {expected}"
        if found is not None:
            text += f", found {found}"
        super().__init__(text)


class SuiteMismatchError(DataError):
    """Records or runs belong to another suite version than the one named."""


class AdapterError(AssayError):
    """A model adapter or endpoint failed for the whole run, not for one example."""


class StorageError(AssayError):
    """The store could not be read or written. Nothing was half written."""


class NotFoundError(StorageError, LookupError):
    """No run, suite or decision has that id."""


class AccessDeniedError(StorageError, PermissionError):
    """A server refused the request: no token or a wrong, expired or revoked one
    (``ASSAY_TOKEN``), or a role too low for what was asked."""


class ImmutableError(StorageError):
    """A complete run, its records, a decision, a registered study or plan, or a user cannot
    be changed."""


class GateError(AssayError):
    """A policy cannot be evaluated against a comparison (unknown metric, slice, bad margin)."""


class AssayWarning(UserWarning):
    """Base of assay's warnings: statistical caveats the user should see."""


class UnderpoweredWarning(AssayWarning):
    """The data cannot detect the smallest effect that matters."""


class SmallSliceWarning(AssayWarning):
    """A slice is too small to be judged; it is reported with its interval width."""


class CoverageWarning(AssayWarning):
    """A run covers only part of its suite; a gate's coverage rule will see it later."""


class SelfComparisonWarning(AssayWarning):
    """A run is compared with itself (or with an identical copy): every difference is zero."""


class UnvalidatedJudgeWarning(AssayWarning):
    """A judge's scores are used although its agreement with human labels was never measured:
    they are the judge's numbers, not people's."""
