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

from emgkit.errors import InvalidInputError

from ._jit import jit

__all__ = ["pair_sums"]


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
    for i in range(n):
        u, v = x[i], y[i]
        if u < 0.0 or v < 0.0:
            return False
        if u != u or v != v:
            terms[0, i] = terms[2, i] = np.nan
        else:
            lower, higher = (u, v) if u < v else (v, u)
            terms[0, i] = lower
            terms[2, i] = lower / higher * (lower + higher) if higher > 0.0 else 0.0
        terms[1, i] = u + v
        if on_a[i] and on_b[i]:
            both += 1
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
