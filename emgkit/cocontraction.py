"""Agonist/antagonist co-contraction indices (docs/science.md#co-contraction).

Inputs are two **normalized** envelopes ``a`` (agonist) and ``b``
(antagonist) on one time base over one interval (a repetition or cycle),
1-D ``(n_samples,)`` or stacked ``(..., n_samples)`` (one interval per row;
the indices reduce the last axis).  Scalars are accepted too (one sample).

* :func:`cocontraction_index` ``method="falconer"``: Falconer & Winter (1985),
  ``CCI = 2 * sum(min(A, B)) / sum(A + B) * 100`` (0 % no overlap, 100 %
  identical curves: a *shape* index).
* :func:`cocontraction_index` ``method="rudolph"``: Rudolph, Axe &
  Snyder-Mackler (2000), per sample ``(lower / higher) * (lower + higher)``,
  averaged (in the envelopes' unit, e.g. %MVC: an *amplitude* index).
* :func:`common_area`: ``integral of min(A, B) dt`` (Unnithan et al. 1996).
* :func:`activation_ratio`: ``mean(A) / mean(B)``;
  :func:`antagonist_share`: ``mean(B) / (mean(A) + mean(B)) * 100``.
* :func:`temporal_overlap`: % of the interval with both muscles "on".

Both silent over the interval gives NaN, never a division error.  All of
them need normalized envelopes (amplitude in different muscles is not
comparable raw); crosstalk inflates them and the envelope cut-off changes
the overlap.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from ._checks import check_fs, check_option
from .errors import InvalidInputError

if TYPE_CHECKING:
    from numpy.typing import ArrayLike

__all__ = [
    "cocontraction_index",
    "common_area",
    "activation_ratio",
    "antagonist_share",
    "temporal_overlap",
    "interval_sums",
    "indices_from_sums",
]

METHODS = ("falconer", "rudolph")


def _envelopes(a, b):
    try:
        x = np.asarray(a, dtype=np.float64)
        y = np.asarray(b, dtype=np.float64)
    except (TypeError, ValueError):
        raise InvalidInputError(f"a and b must be numeric envelopes, got {type(a).__name__} and {type(b).__name__}") from None
    if x.shape != y.shape:
        raise InvalidInputError(
            f"a (shape {x.shape}) and b (shape {y.shape}) must have the same shape: both envelopes on one time base "
            "(resample or crop them to the same interval first)"
        )
    if (x < 0).any() or (y < 0).any():
        raise InvalidInputError("envelopes must be non-negative (rectified and smoothed, or RMS); got negative values")
    if x.ndim == 0:
        x, y = x[np.newaxis], y[np.newaxis]
    if x.shape[-1] == 0:
        raise InvalidInputError("the envelopes are empty (0 samples); give at least one sample")
    return x, y


def _reduce_out(value):
    return float(value) if np.ndim(value) == 0 else value


def cocontraction_index(a: ArrayLike, b: ArrayLike, method: str = "falconer") -> float | np.ndarray:
    """Co-contraction index of two normalized envelopes.

    Parameters
    ----------
    a, b : float or array_like, shape (..., n_samples)
        Agonist and antagonist envelopes, normalized (%MVC or %peak), same
        shape, non-negative.  The last axis is time; leading axes are
        separate intervals (e.g. repetitions).
    method : {"falconer", "rudolph"}, default "falconer"
        ``"falconer"``: Falconer & Winter (1985), ``2 * sum(min) / sum(a + b)
        * 100`` in % (shape-based: 100 % for identical curves at any
        amplitude).  ``"rudolph"``: Rudolph et al. (2000), mean over samples
        of ``(lower / higher) * (lower + higher)``, 0 where both are 0, in the
        envelopes' unit (amplitude-based).

    Returns
    -------
    float or ndarray, shape (...)
        The index per interval; NaN where both envelopes are 0 over the whole
        interval (both silent) or contain NaN.

    Examples
    --------
    >>> import numpy as np
    >>> from emgkit.cocontraction import cocontraction_index
    >>> a = np.array([0.0, 50.0, 100.0, 50.0])
    >>> b = np.array([0.0, 25.0, 25.0, 25.0])
    >>> round(cocontraction_index(a, b), 6)  # 2 * 75 / 275 * 100
    54.545455
    >>> cocontraction_index(a, b, "rudolph")  # (0 + 37.5 + 31.25 + 37.5) / 4
    26.5625
    """
    check_option("method", method, METHODS)
    x, y = _envelopes(a, b)
    lower = np.minimum(x, y)
    higher = np.maximum(x, y)
    total = (x + y).sum(axis=-1)
    silent = total == 0
    with np.errstate(divide="ignore", invalid="ignore"):
        if method == "falconer":
            value = 2.0 * lower.sum(axis=-1) / total * 100.0
        else:
            per_sample = np.where(higher > 0, lower / higher * (lower + higher), 0.0)
            per_sample = np.where(np.isnan(x) | np.isnan(y), np.nan, per_sample)
            value = per_sample.mean(axis=-1)
    value = np.where(silent, np.nan, value)
    return _reduce_out(value)


def common_area(a, b, fs):
    """Common area of two envelopes (Unnithan et al. 1996): ``integral of min(A, B) dt``.

    Parameters
    ----------
    a, b : array_like, shape (..., n_samples)
        Normalized envelopes, same shape.
    fs : float > 0
        Sampling rate in Hz.

    Returns
    -------
    float or ndarray
        Area in (envelope unit) * s, e.g. %MVC*s: the rectangle rule
        ``sum(min(a, b)) / fs``.  NaN where both are silent.

    Examples
    --------
    >>> from emgkit.cocontraction import common_area
    >>> common_area([10.0, 20.0], [30.0, 5.0], fs=10)
    1.5
    """
    fs = check_fs(fs)
    x, y = _envelopes(a, b)
    area = np.minimum(x, y).sum(axis=-1) / fs
    silent = (x + y).sum(axis=-1) == 0
    return _reduce_out(np.where(silent, np.nan, area))


def activation_ratio(a, b):
    """Agonist/antagonist activation ratio ``mean(A) / mean(B)``.

    Returns
    -------
    float or ndarray
        Dimensionless; NaN where ``mean(B) == 0`` (silent antagonist) or input is NaN.

    Examples
    --------
    >>> from emgkit.cocontraction import activation_ratio
    >>> activation_ratio([40.0, 60.0], [10.0, 10.0])
    5.0
    """
    x, y = _envelopes(a, b)
    ma, mb = x.mean(axis=-1), y.mean(axis=-1)
    with np.errstate(divide="ignore", invalid="ignore"):
        return _reduce_out(np.where(mb != 0, ma / mb, np.nan))


def antagonist_share(a, b):
    """Antagonist share of the total activity ``mean(B) / (mean(A) + mean(B)) * 100``, in %.

    Returns
    -------
    float or ndarray
        0-100 %; NaN where both are silent.

    Examples
    --------
    >>> from emgkit.cocontraction import antagonist_share
    >>> antagonist_share([30.0], [10.0])
    25.0
    """
    x, y = _envelopes(a, b)
    ma, mb = x.mean(axis=-1), y.mean(axis=-1)
    total = ma + mb
    with np.errstate(divide="ignore", invalid="ignore"):
        return _reduce_out(np.where(total != 0, mb / total * 100.0, np.nan))


def temporal_overlap(on_a, on_b):
    """Share of the interval in which both muscles are active, in %.

    Parameters
    ----------
    on_a, on_b : array_like of bool, shape (..., n_samples)
        Activity masks (e.g. :meth:`Activation.mask`) of agonist and
        antagonist over the same interval.

    Returns
    -------
    float or ndarray
        ``100 * mean(on_a & on_b)`` (amplitude is ignored).

    Examples
    --------
    >>> from emgkit.cocontraction import temporal_overlap
    >>> temporal_overlap([True, True, False, False], [False, True, True, False])
    25.0
    """
    x = np.asarray(on_a)
    y = np.asarray(on_b)
    if x.shape != y.shape:
        raise InvalidInputError(f"activity masks must have the same shape, got {x.shape} and {y.shape}")
    if x.dtype != bool or y.dtype != bool:
        raise InvalidInputError(f"activity masks must be boolean arrays, got {x.dtype} and {y.dtype}")
    if x.ndim == 0 or x.shape[-1] == 0:
        raise InvalidInputError("activity masks must cover at least one sample")
    return _reduce_out((x & y).mean(axis=-1) * 100.0)


# -- the same indices from sums, for intervals read piece by piece -----------------------------------
SUMS = ("lower", "total", "rudolph", "a", "b", "n", "overlap")


def interval_sums(a, b, on_a, on_b) -> np.ndarray:
    """Per-sample sums behind every index of this module, over one piece of an interval.

    Sums of consecutive pieces add up to those of the whole interval, so
    :func:`indices_from_sums` gives the indices of an interval too long to
    hold in memory (the streaming analysis reads it piece by piece).

    Parameters
    ----------
    a, b : ndarray, shape (n_samples,)
        Agonist and antagonist envelopes (non-negative; NaN propagates).
    on_a, on_b : ndarray of bool, shape (n_samples,)
        Activity masks.

    Returns
    -------
    ndarray, shape (7,)
        ``sum(min(a, b))``, ``sum(a + b)``, ``sum`` of Rudolph's per-sample
        term, ``sum(a)``, ``sum(b)``, samples, samples with both active
        (order of :data:`SUMS`).
    """
    x, y = _envelopes(a, b)
    lower, higher = np.minimum(x, y), np.maximum(x, y)
    with np.errstate(divide="ignore", invalid="ignore"):
        per_sample = np.where(higher > 0, lower / higher * (lower + higher), 0.0)
    per_sample = np.where(np.isnan(x) | np.isnan(y), np.nan, per_sample)
    both = np.count_nonzero(np.asarray(on_a, dtype=bool) & np.asarray(on_b, dtype=bool))
    return np.array([lower.sum(), (x + y).sum(), per_sample.sum(), x.sum(), y.sum(), x.size, both], dtype=np.float64)


def indices_from_sums(sums, fs) -> dict:
    """Falconer and Rudolph CCI, common area, ratio, antagonist share and overlap from :func:`interval_sums`.

    Parameters
    ----------
    sums : ndarray, shape (7,)
        Sum of :func:`interval_sums` over the pieces of one interval.
    fs : float > 0
        Sampling rate in Hz (common area in unit x s).

    Returns
    -------
    dict
        ``cci_falconer`` (%), ``cci_rudolph`` (unit), ``common_area``,
        ``ratio``, ``antagonist_share`` (%), ``overlap_pct`` (%): the values
        of the functions above on the whole interval (NaN where they are).
    """
    lower, total, rudolph, sa, sb, n, both = (float(v) for v in sums)
    silent = total == 0
    nan = math.nan
    return {
        "cci_falconer": nan if silent else 2.0 * lower / total * 100.0,
        "cci_rudolph": nan if silent else rudolph / n,
        "common_area": nan if silent else lower / check_fs(fs),
        "ratio": sa / sb if sb != 0 else nan,
        "antagonist_share": sb / (sa + sb) * 100.0 if sa + sb != 0 else nan,
        "overlap_pct": both / n * 100.0,
    }
