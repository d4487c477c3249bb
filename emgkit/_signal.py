"""Input plumbing shared by the signal functions: arrays or Recordings in, same kind out."""

from __future__ import annotations

from typing import TypeVar

import numpy as np

from ._checks import check_fs
from .errors import InvalidInputError
from .recording import Recording

#: An array or a Recording: the signal functions return the kind they were given.
Signal = TypeVar("Signal", np.ndarray, Recording)


def as_signal(x, fs=None, *, need_fs=True):
    """Split ``x`` into ``(array, fs, recording)``.

    ``array`` is float32/float64, 1-D or ``(n_channels, n_samples)``;
    ``recording`` is the Recording ``x`` was (else None).  A Recording supplies
    ``fs``; an explicit ``fs`` that disagrees is an error.
    """
    if isinstance(x, Recording):
        if fs is not None and check_fs(fs) != x.fs:
            raise InvalidInputError(f"fs={fs} disagrees with the Recording's fs={x.fs}; omit fs for Recordings")
        return x.data, x.fs, x
    arr = np.asarray(x)
    if arr.dtype not in (np.float32, np.float64):
        if not (np.issubdtype(arr.dtype, np.number) and not np.iscomplexobj(arr)):
            raise InvalidInputError(f"x must be a real numeric array or a Recording, got dtype {arr.dtype}")
        arr = arr.astype(np.float64)
    if arr.ndim not in (1, 2):
        raise InvalidInputError(f"x must be 1-D or (n_channels, n_samples), got shape {arr.shape}")
    if need_fs and fs is None:
        raise InvalidInputError("fs (sampling rate in Hz) is required for arrays; pass fs=..., or pass a Recording")
    return arr, (check_fs(fs) if fs is not None else None), None


def wrap(out, rec, step=None, unit=None):
    """Return ``out`` as the caller gave it: a Recording (with the step logged) or an array."""
    if rec is None:
        return out
    new = rec.replace(data=out, **({"unit": unit} if unit else {}))
    if step is not None:
        new.meta.setdefault("processing", []).append(step)
    return new
