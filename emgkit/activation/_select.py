"""Level and spread of values read in pieces, exactly, holding at most ``WINDOW_CAP`` of them at once.

A rest window longer than ``WINDOW_CAP`` samples (a long user baseline on a
record larger than memory) is measured over several passes: mean and SD
from sums, median and MAD by narrowing a value range with histograms until
the k-th value is found exactly.
"""

from __future__ import annotations

import math

import numpy as np

from ._baseline import MAD_TO_SD, location_spread

WINDOW_CAP = 1_000_000  # values measured at once; more are measured in passes
SELECT_BINS = 1024  # histogram bins per pass of the exact median


def level_spread(pieces, size, robust):
    """:func:`._baseline.location_spread` of the ``size`` values yielded by ``pieces()`` (callable, re-iterable)."""
    if size <= WINDOW_CAP:
        return location_spread(np.concatenate(list(pieces())), robust)
    if not robust:
        mean = sum(float(p.sum()) for p in pieces()) / size
        return mean, math.sqrt(sum(float(np.sum((p - mean) ** 2)) for p in pieces()) / size)
    med = median(pieces, size)
    return med, MAD_TO_SD * median(lambda: (np.abs(p - med) for p in pieces()), size)


def median(pieces, size):
    """``np.median`` of the values yielded by ``pieces()``."""
    if size % 2:
        return float(kth(pieces, size // 2))
    return float((kth(pieces, size // 2 - 1) + kth(pieces, size // 2)) / 2)


def kth(pieces, k):
    """The ``k``-th smallest value (0-based) of ``pieces()``, exactly, by narrowing a value range over passes."""
    lo, hi, below = -np.inf, np.inf, 0  # the answer lies in [lo, hi); `below` values are < lo
    while True:
        count, vmin, vmax = _survey(pieces, lo, hi)
        if count <= WINDOW_CAP:
            return np.partition(np.concatenate([p[(p >= lo) & (p < hi)] for p in pieces()]), k - below)[k - below]
        if vmin == vmax:
            return vmin
        edges = np.linspace(vmin, vmax, SELECT_BINS + 1)
        counts = np.zeros(SELECT_BINS, np.int64)
        for p in pieces():
            v = p[(p >= lo) & (p < hi)]
            counts += np.bincount(np.clip(np.searchsorted(edges, v, side="right") - 1, 0, SELECT_BINS - 1),
                                  minlength=SELECT_BINS)
        cum = np.cumsum(counts)
        j = int(np.searchsorted(cum, k - below, side="right"))
        new_lo = edges[j] if j else lo
        new_hi = edges[j + 1] if j < SELECT_BINS - 1 else hi
        if counts[j] == cum[-1]:  # range too narrow for the bins: a handful of distinct values
            return _kth_distinct(pieces, lo, hi, k - below)
        below += int(cum[j - 1]) if j else 0
        lo, hi = new_lo, new_hi


def _survey(pieces, lo, hi):
    """Number, minimum and maximum of the values in ``[lo, hi)``."""
    count, vmin, vmax = 0, np.inf, -np.inf
    for p in pieces():
        v = p[(p >= lo) & (p < hi)]
        if v.size:
            count, vmin, vmax = count + v.size, min(vmin, v.min()), max(vmax, v.max())
    return count, vmin, vmax


def _kth_distinct(pieces, lo, hi, k):
    counts = {}
    for p in pieces():
        values, times = np.unique(p[(p >= lo) & (p < hi)], return_counts=True)
        for v, t in zip(values.tolist(), times.tolist()):
            counts[v] = counts.get(v, 0) + t
    total = 0
    for v in sorted(counts):
        total += counts[v]
        if total > k:
            return v
    raise AssertionError("k beyond the values counted")  # pragma: no cover
