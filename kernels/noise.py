"""Kernel of the noise floor's removal: the envelope with a resting level taken out in quadrature."""

import numpy as np
from ..errors import InvalidInputError
from ._jit import jit

__all__ = ["minus_floor", "minus_floor_rows", "minus_floor_max"]


@jit
def _minus_floor(env, floor, out):  # serial: it is called on short pieces, where waking threads costs more than the loop
    for c in range(env.shape[0]):
        f2 = floor[c] * floor[c]
        for i in range(env.shape[1]):
            v = env[c, i] * env[c, i] - f2
            out[c, i] = np.sqrt(v) if v > 0.0 else (v if v != v else 0.0)


@jit
def _minus_floor_rows(env, rows, a, floor, out):  # serial, like _minus_floor: it is called per repetition and per piece
    for k in range(rows.shape[0]):
        c = rows[k]
        f2 = floor[c] * floor[c]
        for i in range(out.shape[1]):
            v = env[c, a + i] * env[c, a + i] - f2
            out[k, i] = np.sqrt(v) if v > 0.0 else (v if v != v else 0.0)


@jit
def _minus_floor_max(env, floor, out):
    for c in range(env.shape[0]):
        t0 = t1 = t2 = t3 = -1.0  # largest |sample| so far in 4 interleaved lanes (they overlap in the pipeline); -1: none but NaN
        n = env.shape[1]
        m = n - n % 4
        for i in range(0, m, 4):
            v = abs(env[c, i])
            t0 = v if v > t0 else t0
            v = abs(env[c, i + 1])
            t1 = v if v > t1 else t1
            v = abs(env[c, i + 2])
            t2 = v if v > t2 else t2
            v = abs(env[c, i + 3])
            t3 = v if v > t3 else t3
        for i in range(m, n):
            v = abs(env[c, i])
            t0 = v if v > t0 else t0
        top = max(max(t0, t1), max(t2, t3))
        if top < 0.0:
            out[c] = -np.inf
        else:
            v = top * top - floor[c] * floor[c]
            out[c] = np.sqrt(v) if v > 0.0 else (-np.inf if v != v else 0.0)


def minus_floor_max(env, floor):
    """Row maxima of :func:`minus_floor` ``(env, floor)``, NaN ignored, without computing the rows.

    The removal is non-decreasing in ``|env|`` (each rounded step is), so a
    row's maximum is the removal of its largest ``|sample|``: equal bit for
    bit to ``np.fmax.reduce(minus_floor(env, floor), axis=1, initial=-np.inf)``.

    Parameters
    ----------
    env : ndarray, shape (n_channels, n_samples), float64
    floor : ndarray, shape (n_channels,)

    Returns
    -------
    ndarray, shape (n_channels,)
        ``-inf`` for a row with no sample but NaN (or a NaN floor).
    """
    env = _rows(env)
    floor = np.ascontiguousarray(floor, dtype=np.float64).reshape(-1)
    if floor.size != env.shape[0]:
        raise InvalidInputError(f"minus_floor_max: {floor.size} floors for {env.shape[0]} channels")
    out = np.empty(env.shape[0])
    _minus_floor_max(env, floor, out)
    return out


def minus_floor_rows(env, rows, a, b, floor):
    """:func:`minus_floor` of ``env[rows, a:b]`` read in place (no copy of the rows first).

    Parameters
    ----------
    env : ndarray, shape (n_channels, n_samples), float64, C-contiguous
        The whole envelope.
    rows : sequence of int
        Rows to read, each in ``[0, n_channels)``.
    a, b : int
        Sample range, ``0 <= a <= b <= n_samples``.
    floor : ndarray, shape (n_channels,)
        Every row's floor (indexed by row, like ``env``).

    Returns
    -------
    ndarray, shape (len(rows), b - a)
    """
    if not (isinstance(env, np.ndarray) and env.ndim == 2 and env.dtype == np.float64 and env.flags.c_contiguous):
        raise InvalidInputError("minus_floor_rows needs a C-contiguous (n_channels, n_samples) float64 envelope")
    idx = np.asarray(rows, dtype=np.int64).reshape(-1)
    floor = np.ascontiguousarray(floor, dtype=np.float64).reshape(-1)
    a, b = int(a), int(b)
    if floor.size != env.shape[0]:
        raise InvalidInputError(f"minus_floor_rows: {floor.size} floors for {env.shape[0]} channels")
    if idx.size and (idx.min() < 0 or idx.max() >= env.shape[0]):
        raise InvalidInputError(f"minus_floor_rows: rows {idx.tolist()} outside 0-{env.shape[0] - 1}")
    if not 0 <= a <= b <= env.shape[1]:
        raise InvalidInputError(f"minus_floor_rows: samples [{a}, {b}) outside 0-{env.shape[1]}")
    out = np.empty((idx.size, b - a))
    _minus_floor_rows(env, idx, a, floor, out)
    return out


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
