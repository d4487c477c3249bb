"""Validation helpers shared by the public API (boundary checks, one place)."""

import difflib
import math

from .errors import InvalidInputError


def check_fs(fs):
    """Return ``fs`` as a positive finite float or raise InvalidInputError.

    Only a real number (or a one-element numeric array) is a rate: ``True``,
    ``"2000"``-like strings, lists such as ``[1000, 2000]`` and ``0`` are refused.
    """
    import numpy as np  # here, not at the top: the command line imports this module before numpy

    arr = np.asarray(fs) if not isinstance(fs, (str, bytes)) else None
    if isinstance(fs, (bool, np.bool_)) or arr is None or arr.dtype.kind not in "iuf" or arr.size != 1:
        shown = repr(fs) if len(repr(fs)) <= 80 else repr(fs)[:77] + "..."
        raise InvalidInputError(
            f"fs must be one number in Hz, got {shown}; pass the rate the recording was sampled at, e.g. fs=2000"
        )
    try:
        value = float(arr.reshape(-1)[0])
    except (TypeError, ValueError):
        raise InvalidInputError(
            f"fs must be a number in Hz, got {fs!r}; pass the sampling rate, e.g. fs=2000"
        ) from None
    if not math.isfinite(value) or value <= 0:
        raise InvalidInputError(
            f"fs must be a positive, finite sampling rate in Hz, got {fs!r}; "
            "pass the rate the recording was sampled at, e.g. fs=2000"
        )
    return value


def check_option(name, value, allowed):
    """Raise InvalidInputError naming the parameter, allowed values and a suggestion."""
    if value in allowed:
        return value
    hint = difflib.get_close_matches(str(value), [str(a) for a in allowed], n=1)
    extra = f" Did you mean {hint[0]!r}?" if hint else ""
    raise InvalidInputError(
        f"{name} must be one of {', '.join(repr(a) for a in allowed)}, got {value!r}.{extra}"
    )


def window_samples(window_ms, fs, *, name="window_ms"):
    """Convert a window in ms to a whole number of samples (at least 1)."""
    try:
        ms = float(window_ms)
    except (TypeError, ValueError):
        raise InvalidInputError(f"{name} must be a number of milliseconds, got {window_ms!r}") from None
    if not math.isfinite(ms) or ms <= 0:
        raise InvalidInputError(f"{name} must be a positive number of milliseconds, got {window_ms!r}")
    return max(1, int(round(ms * 1e-3 * fs)))
