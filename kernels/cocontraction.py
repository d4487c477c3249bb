"""Kernel of the co-contraction indices: the per-sample sums of one interval of two envelopes in one pass.

:func:`pair_sums` gives the same seven sums as
:func:`emgkit.cocontraction.interval_sums`, bit for bit: each sum is NumPy's
pairwise summation of the same per-sample terms (:func:`_pairwise`, NumPy's
``pairwise_sum`` for contiguous float64: blocks of 128 samples summed in 8
lanes, halves added pairwise), so the streamed and in-memory analyses
keep their values.  It only saves NumPy's temporaries and call overhead,
which cost more than the arithmetic on a repetition of a few thousand samples.
"""

import numpy as np
from numba import prange

from emgkit.errors import InvalidInputError

from ._jit import jit

__all__ = ["pair_sums", "pair_sums_spans"]


@jit
def _leaf(a, lo, n):
    """NumPy's sum of at most 128 samples: sequential below 8, else 8 lanes then the rest."""
    if n < 8:
        res = 0.0
        for i in range(lo, lo + n):
            res += a[i]
        return res
    r0, r1, r2, r3 = a[lo], a[lo + 1], a[lo + 2], a[lo + 3]
    r4, r5, r6, r7 = a[lo + 4], a[lo + 5], a[lo + 6], a[lo + 7]
    i = 8
    m = n - n % 8
    while i < m:
        j = lo + i
        r0 += a[j]
        r1 += a[j + 1]
        r2 += a[j + 2]
        r3 += a[j + 3]
        r4 += a[j + 4]
        r5 += a[j + 5]
        r6 += a[j + 6]
        r7 += a[j + 7]
        i += 8
    res = ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7))
    while i < n:
        res += a[lo + i]
        i += 1
    return res


@jit
def _pairwise(a, lo, n):
    """NumPy's pairwise sum of ``a[lo:lo + n]``: halves (cut at a multiple of 8) summed apart, then added.

    Written with an explicit stack: Numba's on-disk cache of a recursive
    function crashed when loaded in another process.  The twin of
    :func:`kernels.spectra._pairwise` (and ``_leaf`` of its
    ``_pairwise_block``), kept here because a kernel's callees stay in its
    module (:mod:`._jit`: the cache does not see edits elsewhere); change both.
    """
    task_lo = np.empty(256, np.int64)
    task_n = np.empty(256, np.int64)  # -1: add the last two partial sums
    vals = np.empty(256)
    t, v = 0, 0
    task_lo[0], task_n[0] = lo, n
    t = 1
    while t > 0:
        t -= 1
        start, size = task_lo[t], task_n[t]
        if size < 0:
            v -= 1
            vals[v - 1] = vals[v - 1] + vals[v]
        elif size <= 128:
            vals[v] = _leaf(a, start, size)
            v += 1
        else:
            half = size // 2
            half -= half % 8
            task_lo[t], task_n[t] = 0, -1  # after both halves
            task_lo[t + 1], task_n[t + 1] = start + half, size - half  # right half, summed second
            task_lo[t + 2], task_n[t + 2] = start, half  # left half, summed first
            t += 3
    return vals[0]


@jit
def _pair_sums(x, y, on_a, on_b, out):
    n = x.shape[0]
    terms = np.empty((3, n))
    both = 0
    negative = False
    for i in range(n):  # selects, no branch or early exit: the loop vectorises
        u, v = x[i], y[i]
        negative |= (u < 0.0) | (v < 0.0)
        lower, higher = (u if u < v else v), (v if u < v else u)
        silent = not higher > 0.0
        rudolph = 0.0 if silent else lower / (1.0 if silent else higher) * (lower + higher)  # no division by 0
        missing = (u != u) | (v != v)
        terms[0, i] = np.nan if missing else lower
        terms[2, i] = np.nan if missing else rudolph
        terms[1, i] = u + v
        both += on_a[i] & on_b[i]
    if negative:
        return False
    out[0] = _pairwise(terms[0], 0, n)
    out[1] = _pairwise(terms[1], 0, n)
    out[2] = _pairwise(terms[2], 0, n)
    out[3] = _pairwise(x, 0, n)
    out[4] = _pairwise(y, 0, n)
    out[5] = n
    out[6] = both
    return True


def pair_sums(a, b, on_a, on_b):
    """The sums of :func:`emgkit.cocontraction.interval_sums` over one piece of an interval, in one pass.

    Parameters
    ----------
    a, b : ndarray, shape (n_samples,)
        Agonist and antagonist envelopes (non-negative; NaN propagates).
    on_a, on_b : ndarray of bool, shape (n_samples,)
        Activity masks.

    Returns
    -------
    ndarray, shape (7,)
        ``sum(min(a, b))``, ``sum(a + b)``, the sum of Rudolph's per-sample
        term, ``sum(a)``, ``sum(b)``, samples, samples with both active, equal
        bit for bit to :func:`~emgkit.cocontraction.interval_sums`.

    Raises
    ------
    InvalidInputError
        Unequal lengths, no sample, or a negative envelope sample.
    """
    x, y = (np.ascontiguousarray(v, dtype=np.float64).reshape(-1) for v in (a, b))
    m, k = (np.ascontiguousarray(v, dtype=np.bool_).reshape(-1) for v in (on_a, on_b))
    if not x.size == y.size == m.size == k.size:
        raise InvalidInputError(f"pair_sums: envelopes and masks of {x.size}, {y.size}, {m.size} and {k.size} samples; "
                                "give both envelopes and both masks over the same samples")
    if x.size == 0:
        raise InvalidInputError("the envelopes are empty (0 samples); give at least one sample")
    out = np.empty(7)
    if not _pair_sums(x, y, m, k, out):
        raise InvalidInputError("envelopes must be non-negative (rectified and smoothed, or RMS); got negative values")
    return out


@jit
def _span_sums(env, r0, r1, f0, f1, floored, s0, s1, on_a, on_b, a, n, out):
    """:func:`_pair_sums` of rows ``r0``, ``r1`` of ``env[:, a:a + n]``, floors (squared) removed if ``floored``, scaled."""
    x, y = np.empty(n), np.empty(n)
    if floored:  # kernels.noise.minus_floor, inlined as selects (0 at or below the floor, NaN kept): the loop vectorises
        for i in range(n):
            u, v = env[r0, a + i], env[r1, a + i]
            u, v = u * u - f0, v * v - f1
            su, sv = np.sqrt(u if u > 0.0 else 0.0), np.sqrt(v if v > 0.0 else 0.0)
            x[i], y[i] = (su if u == u else u) * s0, (sv if v == v else v) * s1
    else:
        for i in range(n):
            x[i], y[i] = env[r0, a + i] * s0, env[r1, a + i] * s1
    return _pair_sums(x, y, on_a[a : a + n], on_b[a : a + n], out)


@jit
def _pair_sums_spans(env, r0, r1, f0, f1, floored, s0, s1, on_a, on_b, starts, stops, ok, out):
    for k in range(starts.shape[0]):  # serial: a streamed envelope comes one interval per call
        ok[k] = _span_sums(env, r0, r1, f0, f1, floored, s0, s1, on_a, on_b, starts[k], stops[k] - starts[k], out[k])


@jit(parallel=True)
def _pair_sums_spans_parallel(env, r0, r1, f0, f1, floored, s0, s1, on_a, on_b, starts, stops, ok, out):
    for k in prange(starts.shape[0]):
        ok[k] = _span_sums(env, r0, r1, f0, f1, floored, s0, s1, on_a, on_b, starts[k], stops[k] - starts[k], out[k])


def pair_sums_spans(env, rows, floor, scale, on_a, on_b, starts, stops):
    """:func:`pair_sums` of two rows of an envelope over several intervals, read in place in one call (in parallel).

    Row ``rows[0]`` (agonist) and ``rows[1]`` (antagonist) of ``env``, each with its
    floor removed in quadrature like :func:`emgkit.kernels.minus_floor` (when
    ``floor`` is given) and multiplied by its ``scale``: the same values, bit for
    bit, as ``pair_sums(*(minus_floor(env[rows, a:b], floor[rows]) * scale[:, None]), ...)``.

    Parameters
    ----------
    env : ndarray, shape (n_channels, n_samples), float64, C-contiguous
        The envelope, recording unit.
    rows : (int, int)
    floor : ndarray, shape (n_channels,), or None
        Every row's floor (recording unit); None: nothing removed.
    scale : (float, float)
        Factors of the two rows (e.g. to co-contraction units).
    on_a, on_b : ndarray of bool, shape (n_samples,)
        Activity masks of the two rows, on ``env``'s samples.
    starts, stops : ndarray of int, shape (n_intervals,)
        Intervals ``[starts[k], stops[k])`` of samples, each non-empty.

    Returns
    -------
    ndarray, shape (n_intervals, 7)
        The sums of :func:`pair_sums` per interval.

    Raises
    ------
    InvalidInputError
        Shapes that do not match, an empty interval or one outside ``env``, or a negative envelope sample.
    """
    if not (isinstance(env, np.ndarray) and env.ndim == 2 and env.dtype == np.float64 and env.flags.c_contiguous):
        raise InvalidInputError("pair_sums_spans needs a C-contiguous (n_channels, n_samples) float64 envelope")
    n_ch, n = env.shape
    r0, r1 = (int(r) for r in rows)
    m, k = (np.ascontiguousarray(v, dtype=np.bool_).reshape(-1) for v in (on_a, on_b))
    lo, hi = (np.ascontiguousarray(v, dtype=np.int64).reshape(-1) for v in (starts, stops))
    if not (0 <= r0 < n_ch and 0 <= r1 < n_ch) or m.size != n or k.size != n or lo.shape != hi.shape:
        raise InvalidInputError(f"pair_sums_spans: rows {r0}, {r1} of {n_ch}, masks of {m.size} and {k.size} samples for {n}, "
                                f"{lo.size} starts for {hi.size} stops")
    if lo.size and (lo.min() < 0 or hi.max() > n or (hi <= lo).any()):
        raise InvalidInputError(f"pair_sums_spans: intervals must be non-empty and inside 0-{n}")
    f = (0.0, 0.0) if floor is None else (float(floor[r0]), float(floor[r1]))
    out, ok = np.empty((lo.size, 7)), np.empty(lo.size, dtype=np.bool_)
    kernel = _pair_sums_spans_parallel if lo.size > 1 else _pair_sums_spans
    kernel(env, r0, r1, f[0] * f[0], f[1] * f[1], floor is not None, float(scale[0]), float(scale[1]), m, k, lo, hi, ok, out)
    if not ok.all():
        raise InvalidInputError("envelopes must be non-negative (rectified and smoothed, or RMS); got negative values")
    return out
