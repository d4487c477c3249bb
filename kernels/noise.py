"""Kernel of the noise floor's removal: the envelope with a resting level taken out in quadrature."""

import numpy as np
from ..errors import InvalidInputError
from ._jit import jit

__all__ = ["minus_floor"]


@jit
def _minus_floor(env, floor, out):  # serial: it is called on short pieces, where waking threads costs more than the loop
    for c in range(env.shape[0]):
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
