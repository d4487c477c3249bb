"""Kernels of the clipping scan and of the quality table, one pass per piece, parallel over channels.

* :func:`stats_update`: running per-row extremes, sums about a shift,
  smallest non-zero step between consecutive samples; the state carries
  over from one piece to the next (extremes and step are exact whatever the
  split; the sums agree to rounding).
* :func:`band_runs`: samples within rail bands, counted, and the runs of at
  least ``min_run`` samples in each band, a run open at a piece's end
  carried into the next piece.
* :func:`window_min_ms`: smallest mean square over windows on a regular grid.
* :func:`add_frame_power`: ``|X|^2`` of spectra summed over their frames
  (the quality table's Welch estimate).
* :func:`runs_mask`: samples ``[a, b)`` of the boolean mask whose True
  samples are given as runs (clipped samples, bursts).

They see only arrays and scalars; :mod:`emgkit.clipping` and
:mod:`emgkit.quality` hold the definitions and the checks.
"""

import numpy as np
from numba import prange

from emgkit.errors import InvalidInputError

from ._jit import jit

__all__ = ["STATS_COLUMNS", "stats_state", "stats_update", "band_runs", "window_min_ms", "add_frame_power", "runs_mask"]

# columns of the running statistics (one row per channel)
STATS_COLUMNS = ("lo", "hi", "shift", "s1", "s2", "step", "last", "count")
_LO, _HI, _SHIFT, _S1, _S2, _STEP, _LAST, _COUNT = range(len(STATS_COLUMNS))
N_BANDS = 4  # top and bottom band of the observed extremes, then of the converter limits


def stats_state(n_rows):
    """Fresh running statistics: float64 array ``(n_rows, len(STATS_COLUMNS))``."""
    state = np.zeros((int(n_rows), len(STATS_COLUMNS)))
    state[:, _LO], state[:, _HI], state[:, _STEP] = np.inf, -np.inf, np.inf
    return state


_BLOCK = 1024  # samples summed in registers before joining the running sums (pairwise-like rounding)


@jit(parallel=True, fastmath=True)
def _stats_update(x, state):
    for r in prange(x.shape[0]):
        row = x[r]
        m = row.shape[0]
        if m == 0:
            continue
        if state[r, _COUNT] == 0:
            state[r, _SHIFT] = row[0]
            state[r, _LAST] = row[0]
        lo, hi, shift = state[r, _LO], state[r, _HI], state[r, _SHIFT]
        s1, s2 = state[r, _S1], state[r, _S2]
        step, prev = state[r, _STEP], state[r, _LAST]
        for a in range(0, m, _BLOCK):
            b = min(m, a + _BLOCK)
            b1, b2 = 0.0, 0.0
            for i in range(a, b):  # one loop: the step's minimum rides beside the sums' dependency chains
                v = row[i]
                lo = min(lo, v)
                hi = max(hi, v)
                d = v - shift
                b1 += d
                b2 += d * d
                g = abs(v - prev)
                step = min(step, g if g > 0.0 else np.inf)
                prev = v
            s1 += b1
            s2 += b2
        state[r, _LO], state[r, _HI] = lo, hi
        state[r, _S1], state[r, _S2] = s1, s2
        state[r, _STEP], state[r, _LAST] = step, row[m - 1]
        state[r, _COUNT] += m


def stats_update(x, state):
    """Fold the rows of ``x`` into the running statistics ``state`` (in place).

    Parameters
    ----------
    x : ndarray, shape (n_rows, m), float32/float64
        The next ``m`` samples of every row.
    state : ndarray, shape (n_rows, len(STATS_COLUMNS)), float64
        From :func:`stats_state`, updated in place: ``lo``/``hi`` extremes
        (a NaN or inf sample makes ``s1`` non-finite), ``shift`` the first
        sample, ``s1``/``s2`` the sums of ``x - shift`` and of its square
        (summed in blocks of 1024 samples, then joined), ``step`` the
        smallest non-zero ``|x[i + 1] - x[i]|`` (inf when none), ``last``
        the last sample, ``count`` the samples seen.
    """
    rows = _rows(x)
    if state.shape != (rows.shape[0], len(STATS_COLUMNS)) or state.dtype != np.float64:
        raise InvalidInputError(f"state must be float64 of shape {(rows.shape[0], len(STATS_COLUMNS))}, got {state.shape}")
    _stats_update(rows, state)


@jit
def _next_near(row, i, bottom, top):
    """First index ``>= i`` of ``row`` whose sample is not strictly between ``bottom`` and ``top`` (the row's length if none)."""
    while i < row.shape[0] and bottom < row[i] < top:
        i += 1
    return i


@jit(parallel=True)
def _band_count(x, thr, inner, open_start, offset, min_run, counts, closed, open_end):
    for r in prange(x.shape[0]):
        row = x[r]
        t0, t1, t2, t3 = thr[r, 0], thr[r, 1], thr[r, 2], thr[r, 3]
        u0, u1 = inner[r, 0], inner[r, 1]
        # a sample strictly between these meets no band and no inner band (NaN thresholds compare false)
        top = min(u0 if u0 == u0 else np.inf, t2 if t2 == t2 else np.inf)
        bottom = max(u1 if u1 == u1 else -np.inf, t3 if t3 == t3 else -np.inf)
        o0, o1, o2, o3 = open_start[r, 0], open_start[r, 1], open_start[r, 2], open_start[r, 3]
        n0 = n1 = i0 = i1 = 0
        c0 = c1 = c2 = c3 = 0
        i = 0
        while True:
            if o0 < 0 and o1 < 0 and o2 < 0 and o3 < 0:  # no run open: samples between the bands change nothing
                i = _next_near(row, i, bottom, top)
            if i >= row.shape[0]:
                break
            v = row[i]
            g = offset + i
            i += 1
            if v >= t0:
                n0 += 1
                if o0 < 0:
                    o0 = g
            else:
                if v >= u0:
                    i0 += 1
                if o0 >= 0:
                    c0 += g - o0 >= min_run
                    o0 = -1
            if v <= t1:
                n1 += 1
                if o1 < 0:
                    o1 = g
            else:
                if v <= u1:
                    i1 += 1
                if o1 >= 0:
                    c1 += g - o1 >= min_run
                    o1 = -1
            if v >= t2:
                if o2 < 0:
                    o2 = g
            elif o2 >= 0:
                c2 += g - o2 >= min_run
                o2 = -1
            if v <= t3:
                if o3 < 0:
                    o3 = g
            elif o3 >= 0:
                c3 += g - o3 >= min_run
                o3 = -1
        counts[r, 0] += n0
        counts[r, 1] += n1
        counts[r, 2] += i0
        counts[r, 3] += i1
        closed[r, 0], closed[r, 1], closed[r, 2], closed[r, 3] = c0, c1, c2, c3
        open_end[r, 0], open_end[r, 1], open_end[r, 2], open_end[r, 3] = o0, o1, o2, o3


@jit(parallel=True)
def _band_fill(x, rows, thr, open_start, offset, min_run, first, starts, stops):
    for q in prange(rows.shape[0]):
        r = rows[q]
        row = x[r]
        for k in range(4):
            t = thr[r, k]
            if not first[r, k + 1] > first[r, k]:
                continue
            j = first[r, k]
            start = open_start[r, k]
            for i in range(row.shape[0]):
                inside = row[i] >= t if k % 2 == 0 else row[i] <= t
                if inside:
                    if start < 0:
                        start = offset + i
                elif start >= 0:
                    if offset + i - start >= min_run:
                        starts[j] = start
                        stops[j] = offset + i
                        j += 1
                    start = -1


def band_runs(x, thr, inner, open_start, offset, min_run, counts):
    """Count the samples of four rail bands per row and return the runs they close in this piece.

    Parameters
    ----------
    x : ndarray, shape (n_rows, m), float32/float64
        Samples ``[offset, offset + m)``.
    thr : ndarray, shape (n_rows, 4), float64
        Band thresholds: columns 0 and 2 are tops (``x >= thr``), 1 and 3
        bottoms (``x <= thr``); NaN: no band.
    inner : ndarray, shape (n_rows, 2), float64
        Inner edges of the bands adjacent to bands 0 and 1 (their samples are
        counted, not collected).
    open_start : ndarray, shape (n_rows, 4), int64
        Global start of the run still open in each band, -1 when none;
        updated in place.
    offset : int
        Global index of ``x[:, 0]``.
    min_run : int >= 1
        Shortest run kept.
    counts : ndarray, shape (n_rows, 4), int64
        Incremented in place: samples in bands 0 and 1, then in the bands
        just inside them (between ``thr`` and ``inner``).

    Returns
    -------
    first : ndarray, shape (n_rows, 5), int64
        Runs of row ``r``, band ``k`` are ``starts[first[r, k]:first[r, k + 1]]``
        (``first[r, 4]`` ends the row; rows are consecutive).
    starts, stops : ndarray of int64
        Global half-open runs ``[start, stop)`` closed in this piece.
    """
    rows = _rows(x)
    n = rows.shape[0]
    for name, arr, shape, dtype in (("thr", thr, (n, 4), np.float64), ("inner", inner, (n, 2), np.float64),
                                     ("open_start", open_start, (n, 4), np.int64), ("counts", counts, (n, 4), np.int64)):
        if arr.shape != shape or arr.dtype != dtype:
            raise InvalidInputError(f"{name} must be {np.dtype(dtype).name} of shape {shape}, got {arr.dtype} {arr.shape}")
    closed = np.zeros((n, N_BANDS), dtype=np.int64)
    open_end = np.empty_like(open_start)
    _band_count(rows, thr, inner, open_start, int(offset), int(min_run), counts, closed, open_end)
    flat = np.concatenate(([0], np.cumsum(closed.ravel())))
    first = np.empty((n, N_BANDS + 1), dtype=np.int64)
    first[:, :N_BANDS] = flat[:-1].reshape(n, N_BANDS)
    first[:, N_BANDS] = flat[N_BANDS::N_BANDS]
    starts = np.empty(int(flat[-1]), dtype=np.int64)
    stops = np.empty(int(flat[-1]), dtype=np.int64)
    busy = np.flatnonzero(closed.sum(axis=1))
    if busy.size:  # a second pass only over rows that closed runs here
        _band_fill(rows, busy.astype(np.int64), thr, open_start, int(offset), int(min_run), first, starts, stops)
    open_start[:] = open_end
    return first, starts, stops


@jit
def _window_min_ms(x, w, hop, k, out):  # serial: called on pieces, where waking threads cost more than the loop (0.25 s
    q = w // hop  #                          over 37 pieces of a 16 ch x 10 min record on a busy 2-core machine, 0.02 s serial)
    for r in range(x.shape[0]):
        row = x[r]
        n_blocks = (k - 1) + q
        blocks = np.empty(n_blocks)
        for b in range(n_blocks):
            s = 0.0
            for i in range(b * hop, (b + 1) * hop):
                s += row[i] * row[i]
            blocks[b] = s
        best = np.inf
        for j in range(k):
            s = 0.0
            for b in range(j, j + q):
                s += blocks[b]
            for i in range(j * hop + q * hop, j * hop + w):
                s += row[i] * row[i]
            if s < best:
                best = s
        out[r] = best / w


def window_min_ms(x, w, hop, k):
    """Smallest mean square of every row over the ``k`` windows ``x[:, j * hop : j * hop + w]``.

    Parameters
    ----------
    x : ndarray, shape (n_rows, m), float64, with ``m >= (k - 1) * hop + w``
    w, hop : int >= 1
        Window length and hop in samples.
    k : int >= 1
        Number of windows.

    Returns
    -------
    ndarray of float64, shape (n_rows,)
        Each window's sum of squares is a sum of hop-long block sums plus the
        remainder, so no running sum drifts.
    """
    rows = _rows(x)
    w, hop, k = int(w), int(hop), int(k)
    if w < 1 or hop < 1 or k < 1 or rows.shape[1] < (k - 1) * hop + w:
        raise InvalidInputError(f"{k} windows of {w} samples every {hop} do not fit in {rows.shape[1]} samples")
    out = np.empty(rows.shape[0])
    _window_min_ms(rows, w, hop, k, out)
    return out


@jit
def _add_frame_power(parts, power):  # serial: a piece's spectra are a few MB, less than waking threads costs
    k, m = parts.shape[1], parts.shape[2]
    sq = np.empty(m)
    for r in range(parts.shape[0]):
        for i in range(m):
            sq[i] = parts[r, 0, i] * parts[r, 0, i]
        for j in range(1, k):
            for i in range(m):
                sq[i] += parts[r, j, i] * parts[r, j, i]
        for i in range(m // 2):
            power[r, i] += sq[2 * i] + sq[2 * i + 1]


def add_frame_power(spec, power):
    """Add each row's ``|spec|^2`` summed over its frames to ``power`` (in place).

    Parameters
    ----------
    spec : ndarray, shape (n_rows, k, n_bins), complex128
        Spectra of ``k`` frames per row (e.g. an ``rfft`` of windowed frames).
    power : ndarray, shape (n_rows, n_bins), float64
        Running sums, incremented by ``re + im``: the squares of the real
        parts summed frame after frame, and those of the imaginary parts
        (what ``np.square(spec.view(float)).sum(axis=1)`` gives, its
        interleaved columns then joined).
    """
    spec = np.asarray(spec)
    if spec.ndim != 3 or spec.dtype != np.complex128:
        raise InvalidInputError(f"spec must be complex128 of shape (n_rows, k, n_bins), got {spec.dtype} {spec.shape}")
    if power.shape != (spec.shape[0], spec.shape[2]) or power.dtype != np.float64:
        raise InvalidInputError(f"power must be float64 of shape {(spec.shape[0], spec.shape[2])}, got {power.dtype} {power.shape}")
    if spec.shape[1]:
        _add_frame_power(np.ascontiguousarray(spec).view(np.float64), power)


@jit
def _paint_runs(starts, stops, first, last, a, out):
    n = out.shape[0]
    for r in range(first, last):
        lo = max(starts[r] - a, 0)
        hi = min(stops[r] - a, n)
        for i in range(lo, hi):
            out[i] = True


def runs_mask(starts, stops, a, b):
    """Samples ``[a, b)`` of the boolean mask whose True samples are the runs ``[starts[i], stops[i])``.

    Parameters
    ----------
    starts, stops : ndarray of int64, shape (n_runs,)
        Half-open runs sorted by start and by stop (they may overlap or touch).
    a, b : int
        Sample range to rebuild.

    Returns
    -------
    ndarray of bool, shape (max(0, b - a),)
    """
    starts = np.ascontiguousarray(starts, dtype=np.int64).reshape(-1)
    stops = np.ascontiguousarray(stops, dtype=np.int64).reshape(-1)
    if starts.shape != stops.shape:
        raise InvalidInputError(f"runs_mask: {starts.size} starts for {stops.size} stops")
    a, b = int(a), int(b)
    out = np.zeros(max(0, b - a), dtype=np.bool_)
    first, last = int(np.searchsorted(stops, a, side="right")), int(np.searchsorted(starts, b, side="left"))
    if last > first and out.size:
        _paint_runs(starts, stops, first, last, a, out)
    return out


def _rows(x):
    arr = np.asarray(x)
    if arr.ndim != 2 or arr.dtype not in (np.float32, np.float64):
        raise InvalidInputError(f"x must be a 2-D float32/float64 array (n_rows, n_samples), got {arr.dtype} {arr.shape}")
    return arr
