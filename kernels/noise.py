"""Kernels of the resting noise floor: quietest sliding-window mean, sums over quiet samples, quadrature removal.

A sample is *quiet* when a ``w``-sample window whose mean lies at or below a
channel's level covers it.  The kernels see pieces of a long record: the
caller passes the envelope over the windows that may cover a piece, and the
piece's offset inside it, so sums over consecutive pieces add up to those of
the whole record.
"""

import numpy as np
from numba import prange

from ..errors import InvalidInputError
from ._jit import jit

__all__ = ["min_window_mean", "quiet_sums", "minus_floor"]


@jit(parallel=True)
def _min_window_mean(x, w, out):
    n_win = x.shape[1] - w + 1
    for c in prange(x.shape[0]):
        s = 0.0
        for k in range(w):
            s += x[c, k]
        best = s
        for k in range(1, n_win):
            s += x[c, k + w - 1] - x[c, k - 1]
            if s < best:
                best = s
        out[c] = best / w


def min_window_mean(x, w):
    """Smallest mean of any ``w`` consecutive samples of each row.

    Parameters
    ----------
    x : ndarray, shape (n_channels, n_samples), float64
        ``n_samples >= w``.
    w : int >= 1
        Window length in samples.

    Returns
    -------
    ndarray, shape (n_channels,)
    """
    x = _rows(x)
    w = int(w)
    if not 1 <= w <= x.shape[1]:
        raise InvalidInputError(f"window w={w} must lie between 1 and the {x.shape[1]} samples given")
    out = np.empty(x.shape[0])
    _min_window_mean(x, w, out)
    return out


@jit(parallel=True)
def _quiet_sums(env, y, off, n_win, w, level, out):
    n = y.shape[1]
    for c in prange(env.shape[0]):
        quiet = np.zeros(n_win, dtype=np.bool_)
        s = 0.0
        for k in range(w):
            s += env[c, k]
        for k in range(n_win):
            if k > 0:
                s += env[c, k + w - 1] - env[c, k - 1]
            quiet[k] = s / w <= level[c]
        count = 0  # quiet windows starting in [j - w + 1, j]: those covering sample j
        for k in range(max(0, off - w), min(off, n_win)):
            count += quiet[k]
        e_sum, y_sum, used = 0.0, 0.0, 0
        for i in range(n):
            j = off + i
            if j < n_win and quiet[j]:
                count += 1
            r = j - w
            if 0 <= r < n_win and quiet[r]:
                count -= 1
            if count > 0:
                e_sum += env[c, j]
                y_sum += y[c, i] * y[c, i]
                used += 1
        out[c, 0] = e_sum
        out[c, 1] = y_sum
        out[c, 2] = used


def quiet_sums(env, y, offset, n_windows, w, level):
    """Sums of the envelope and of the squared signal over the quiet samples of a piece, and their count.

    Parameters
    ----------
    env : ndarray, shape (n_channels, n_windows + w - 1), float64
        Envelope over every window start that may cover the piece.
    y : ndarray, shape (n_channels, n), float64
        The signal on the piece, whose first sample is column ``offset`` of ``env``.
    offset : int >= 0
    n_windows : int >= 1
        Window starts: columns ``0 .. n_windows - 1`` of ``env``.
    w : int >= 1
        Window length in samples.
    level : ndarray, shape (n_channels,)
        A window is quiet when its mean is at most this.

    Returns
    -------
    ndarray, shape (n_channels, 3)
        Per channel ``sum(env)``, ``sum(y**2)`` over quiet samples of the piece, and their number.
    """
    env, y = _rows(env), _rows(y)
    offset, n_windows, w = int(offset), int(n_windows), int(w)
    level = np.ascontiguousarray(level, dtype=np.float64).reshape(-1)
    if env.shape[1] != n_windows + w - 1 or offset + y.shape[1] > env.shape[1] or level.size != env.shape[0] or y.shape[0] != env.shape[0]:
        raise InvalidInputError(f"quiet_sums: env {env.shape}, y {y.shape}, offset {offset}, n_windows {n_windows}, w {w} do not fit")
    out = np.empty((env.shape[0], 3))
    _quiet_sums(env, y, offset, n_windows, w, level, out)
    return out


@jit(parallel=True)
def _minus_floor(env, floor, out):
    for c in prange(env.shape[0]):
        f2 = floor[c] * floor[c]
        for i in range(env.shape[1]):
            v = env[c, i] * env[c, i] - f2
            out[c, i] = np.sqrt(v) if v > 0.0 else (v if v != v else 0.0)


def minus_floor(env, floor, out=None):
    """``sqrt(max(env**2 - floor**2, 0))`` row by row (NaN stays NaN): the envelope with a noise level removed in quadrature.

    Parameters
    ----------
    env : ndarray, shape (n_channels, n_samples), float64
    floor : ndarray, shape (n_channels,)
    out : ndarray, optional
        Same shape as ``env`` (may be ``env`` itself).

    Returns
    -------
    ndarray, shape (n_channels, n_samples)
    """
    env = _rows(env)
    floor = np.ascontiguousarray(floor, dtype=np.float64).reshape(-1)
    if floor.size != env.shape[0]:
        raise InvalidInputError(f"minus_floor: {floor.size} floors for {env.shape[0]} channels")
    if out is None:
        out = np.empty_like(env)
    _minus_floor(env, floor, out)
    return out


def _rows(x):
    x = np.ascontiguousarray(x, dtype=np.float64)
    if x.ndim != 2:
        raise InvalidInputError(f"expected (n_channels, n_samples), got shape {x.shape}")
    return x
