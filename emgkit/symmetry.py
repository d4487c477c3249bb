"""Left/right symmetry indices (docs/science.md#left-right-symmetry).

All functions take scalars or arrays (broadcast together) and return a float
for scalar input, an ndarray otherwise.  Undefined cases give NaN, never a
division error or warning; :func:`undefined_reason` says why a value is NaN.

* :func:`symmetry_index`: ``SI = (R - L) / (0.5 (R + L)) * 100`` (Robinson,
  Herzog & Nigg 1987).  Positive: right larger.
* :func:`symmetry_angle`: ``SA = (45 deg - atan2(L, R)) / 90 deg * 100``
  (Zifchock et al. 2008), bounded to +-100 %.  Positive: right larger.
* :func:`limb_symmetry_index`: ``LSI = involved / uninvolved * 100``
  (return-to-sport rules ask for >= 90 %; Grindem et al. 2016).
* :func:`normalized_symmetry_index`: min-max scaling over all trials of both
  sides before differencing (Queen et al. 2020), bounded to +-100 %.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, overload

import numpy as np

from .errors import InvalidInputError

if TYPE_CHECKING:
    from numpy.typing import ArrayLike

__all__ = [
    "symmetry_index",
    "symmetry_angle",
    "limb_symmetry_index",
    "normalized_symmetry_index",
    "undefined_reason",
]


def _pair(left, right, names=("left", "right")):
    try:
        a = np.asarray(left, dtype=np.float64)
        b = np.asarray(right, dtype=np.float64)
    except (TypeError, ValueError):
        raise InvalidInputError(f"{names[0]} and {names[1]} must be numbers or numeric arrays, got {left!r} and {right!r}") from None
    try:
        a, b = np.broadcast_arrays(a, b)
    except ValueError:
        raise InvalidInputError(f"{names[0]} (shape {a.shape}) and {names[1]} (shape {b.shape}) cannot be broadcast together") from None
    return a, b


def _out(value, scalar):
    return float(value) if scalar else value


@overload
def symmetry_index(left: float, right: float) -> float: ...
@overload
def symmetry_index(left: ArrayLike, right: ArrayLike) -> float | np.ndarray: ...
def symmetry_index(left: ArrayLike, right: ArrayLike) -> float | np.ndarray:
    """Symmetry index of Robinson, Herzog & Nigg (1987), in %.

    ``SI = (R - L) / (0.5 * (R + L)) * 100``

    Parameters
    ----------
    left, right : float or array_like
        One value per side (mean or peak %MVC, iEMG, onset latency, ...), in
        the same unit; broadcast together.

    Returns
    -------
    float or ndarray
        SI in %.  0 = symmetric, positive = right larger, negative = left
        larger; +-200 % when one side is 0.  NaN where ``R + L == 0`` (both
        silent) or an input is NaN.

    Notes
    -----
    The reference (the mean of both sides) makes SI unstable when the sum is
    near 0 (values of opposite sign, e.g. slopes): prefer
    :func:`symmetry_angle` or a plain difference there.

    Examples
    --------
    >>> from emgkit.symmetry import symmetry_index
    >>> symmetry_index(100.0, 120.0)
    18.181818181818183
    >>> symmetry_index(0.0, 0.0)
    nan
    """
    scalar = np.ndim(left) == 0 and np.ndim(right) == 0
    a, b = _pair(left, right)
    total = a + b
    with np.errstate(divide="ignore", invalid="ignore"):
        si = np.where(total != 0, (b - a) / (0.5 * total) * 100.0, np.nan)
    return _out(si, scalar)


@overload
def symmetry_angle(left: float, right: float) -> float: ...
@overload
def symmetry_angle(left: ArrayLike, right: ArrayLike) -> float | np.ndarray: ...
def symmetry_angle(left: ArrayLike, right: ArrayLike) -> float | np.ndarray:
    """Symmetry angle of Zifchock et al. (2008), in %.

    ``SA = (45 deg - atan2(L, R)) / 90 deg * 100``; where ``45 - atan2(L, R)``
    exceeds 90 deg, 180 deg is subtracted (the published rule), and where it
    falls below -90 deg, 180 deg is added, so the result stays within +-100 %.

    Parameters
    ----------
    left, right : float or array_like
        One value per side, same unit.

    Returns
    -------
    float or ndarray
        SA in %: 0 symmetric, positive = right larger in magnitude, +-50 % when
        one side is 0, +-100 % for equal magnitudes of opposite sign.  NaN
        when both sides are 0 or an input is NaN.

    Notes
    -----
    ``atan2`` keeps ``R = 0`` finite, unlike ``arctan(L / R)``.  SA needs no
    reference value and is bounded, so it does not inflate as SI does when
    values are small (Zifchock et al. 2008).

    Examples
    --------
    >>> from emgkit.symmetry import symmetry_angle
    >>> round(symmetry_angle(1.0, 2.0), 4)
    20.4833
    >>> symmetry_angle(1.0, 0.0)
    -50.0
    """
    scalar = np.ndim(left) == 0 and np.ndim(right) == 0
    a, b = _pair(left, right)
    theta = np.degrees(np.arctan2(a, b))
    d = 45.0 - theta
    d = np.where(d > 90.0, d - 180.0, np.where(d < -90.0, d + 180.0, d))
    sa = np.where((a == 0) & (b == 0), np.nan, d / 90.0 * 100.0)
    return _out(sa, scalar)


@overload
def limb_symmetry_index(involved: float, uninvolved: float) -> float: ...
@overload
def limb_symmetry_index(involved: ArrayLike, uninvolved: ArrayLike) -> float | np.ndarray: ...
def limb_symmetry_index(involved: ArrayLike, uninvolved: ArrayLike) -> float | np.ndarray:
    """Limb symmetry index, in %: ``LSI = involved / uninvolved * 100``.

    Parameters
    ----------
    involved, uninvolved : float or array_like
        Values of the involved (injured, operated) and the uninvolved side.

    Returns
    -------
    float or ndarray
        LSI in % (100 = equal).  Return-to-sport rules often require
        LSI >= 90 % (Grindem et al. 2016, strength and hop tests).  NaN where
        the uninvolved value is 0 or an input is NaN.

    Examples
    --------
    >>> from emgkit.symmetry import limb_symmetry_index
    >>> limb_symmetry_index(85.0, 100.0)
    85.0
    """
    scalar = np.ndim(involved) == 0 and np.ndim(uninvolved) == 0
    a, b = _pair(involved, uninvolved, ("involved", "uninvolved"))
    with np.errstate(divide="ignore", invalid="ignore"):
        lsi = np.where(b != 0, a / b * 100.0, np.nan)
    return _out(lsi, scalar)


def normalized_symmetry_index(left, right, *, lo=None, hi=None):
    """Normalized symmetry index (Queen et al. 2020), in %.

    Each value is min-max scaled over all trials of both sides,
    ``x' = (x - lo) / (hi - lo)``, then ``NSI = (R' - L') * 100``.

    Parameters
    ----------
    left, right : array_like
        Values per trial (or repetition) of each side, broadcast together.
    lo, hi : float, optional
        Scaling range; default the minimum and maximum over both sides
        (NaN ignored).  Give them to compare sessions on one scale.

    Returns
    -------
    float or ndarray
        NSI in %, bounded to +-100 % when ``lo``/``hi`` are the data's range.
        NaN where an input is NaN, or everywhere when ``hi == lo`` (all
        values equal: no spread to scale by).

    Examples
    --------
    >>> from emgkit.symmetry import normalized_symmetry_index
    >>> normalized_symmetry_index([10, 12], [14, 12]).tolist()
    [100.0, 0.0]
    """
    scalar = np.ndim(left) == 0 and np.ndim(right) == 0
    a, b = _pair(left, right)
    both = np.concatenate([a.ravel(), b.ravel()])
    finite = both[np.isfinite(both)]
    lo = (float(finite.min()) if finite.size else np.nan) if lo is None else float(lo)
    hi = (float(finite.max()) if finite.size else np.nan) if hi is None else float(hi)
    span = hi - lo
    if not np.isfinite(span) or span == 0:
        return _out(np.full(a.shape, np.nan), scalar)
    nsi = ((b - lo) / span - (a - lo) / span) * 100.0
    return _out(nsi, scalar)


def undefined_reason(left, right, index="si") -> str:
    """Why an index of two scalars is NaN (``""`` when it is defined).

    Parameters
    ----------
    left, right : float
        The two values (for ``index="lsi"``: involved, uninvolved).
    index : {"si", "sa", "lsi"}
        Which index.

    Examples
    --------
    >>> from emgkit.symmetry import undefined_reason
    >>> undefined_reason(0.0, 0.0)
    'both sides are 0 (no activity): the index is undefined'
    """
    a, b = float(left), float(right)
    if np.isnan(a) and np.isnan(b):
        return "both values are missing (NaN)"
    if np.isnan(a) or np.isnan(b):
        which = ("involved" if np.isnan(a) else "uninvolved") if index == "lsi" else ("left" if np.isnan(a) else "right")
        return f"the {which} value is missing (NaN)"
    if index == "lsi":
        return "the uninvolved side is 0: LSI is undefined" if b == 0 else ""
    if a == 0 and b == 0:
        return "both sides are 0 (no activity): the index is undefined"
    if index == "si" and a + b == 0:
        return "left + right = 0 (values of opposite sign): SI is undefined; use the symmetry angle"
    return ""
