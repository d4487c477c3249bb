"""Exceptions and warnings raised by emgkit.

Every error subclasses :class:`EmgkitError` *and* the matching built-in, so
``except ValueError`` keeps working for callers who do not know emgkit.
Messages say what was wrong, the value received, and how to fix it.
"""

__all__ = [
    "EmgkitError",
    "InvalidInputError",
    "FileFormatError",
    "OutputExistsError",
    "MissingDependencyError",
    "SignalQualityWarning",
]


class EmgkitError(Exception):
    """Base class of every emgkit error."""


class InvalidInputError(EmgkitError, ValueError):
    """An argument or a signal is unusable (bad shape, rate, window, NaN, ...)."""


class FileFormatError(EmgkitError, ValueError):
    """A file could not be read: unknown layout, corrupt, truncated or missing fields."""


class OutputExistsError(EmgkitError, FileExistsError):
    """An output file exists and overwriting was not requested."""


class MissingDependencyError(EmgkitError, ImportError):
    """An optional dependency is missing; the message names the extra to install."""


class SignalQualityWarning(UserWarning):
    """The signal is usable but a result may be biased (clipping, low fs, no normalization)."""
