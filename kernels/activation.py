"""Per-sample loops of onset/offset detection: hysteresis, run filtering, runs, Bonato's r-of-m test.

Every kernel works on one channel ``(n_samples,)`` or on channels first
``(n_channels, n_samples)`` (channels run in parallel), with lengths in
**samples**.  Masks are boolean arrays; a *run* is a maximal stretch of True
samples, reported as ``start`` (first True sample) and ``stop`` (one past the
last), so ``stop - start`` is its length.  The wrappers check shapes, dtypes
and integer arguments and raise ``emgkit.errors.InvalidInputError`` (a
``ValueError``), like the envelope kernels; physical checks (seconds, Hz)
belong to :mod:`emgkit.activation`.
"""

import functools

import numpy as np
from numba import prange

from emgkit.errors import InvalidInputError

from ._jit import jit

__all__ = [
    "hysteresis",
    "hysteresis_runs",
    "hysteresis_state",
    "equal_runs",
    "equal_runs_state",
    "filter_runs",
    "mask_runs",
    "r_of_m",
    "constant_runs",
    "row_extremes",
    "tkeo_envelope",
    "rectified_envelope",
    "burst_rms",
    "window_quantiles",
    "smoothed_states",
    "smoothed_tile",
]


RUN_SPACING = 1024  # the run buffers start with room for one run per this many samples (grown when full)


# -- hysteresis ------------------------------------------------------------------
@jit
def _hysteresis_row(x, i0, offset, high, low, hold, gain, step, state, starts, stops, count):
    """The hysteresis state machine over ``x[i0:]`` (``x[0]`` is sample ``offset``); returns (runs, position).

    Runs are written from ``starts[count]`` on.  Stops early, before the
    sample that would close a run, when ``starts`` is full; ``state`` then
    holds the state before that sample, so the caller resumes from there.
    """
    n_gain = gain.shape[0]
    block = (offset + i0) // step
    edge = (block + 1) * step
    g = gain[min(block, n_gain - 1)]
    hi_t = high * g
    lo_t = low * g
    start, above, hit = state[0], state[1], state[2] != 0  # open run above low (-1: none), samples above high, detected
    for i in range(i0, x.shape[0]):
        t = offset + i
        if t >= edge:  # next block of the piecewise-constant gain
            block += 1
            edge += step
            g = gain[min(block, n_gain - 1)]
            hi_t = high * g
            lo_t = low * g
        v = x[i]
        if v > lo_t:
            if start < 0:
                start = t
                above = 0
                hit = False
            if v > hi_t:
                above += 1
                if above >= hold:
                    hit = True
            else:
                above = 0
        elif start >= 0:
            if hit:
                if count == starts.shape[0]:
                    state[0], state[1], state[2] = start, above, 1
                    return count, i
                starts[count] = start
                stops[count] = t
                count += 1
            start = -1
    state[0], state[1], state[2] = start, above, 1 if hit else 0
    return count, x.shape[0]


@jit(parallel=True)
def _hysteresis(x, pos, offset, high, low, hold, gain, step, state, starts, stops, counts):
    for c in prange(x.shape[0]):
        counts[c], pos[c] = _hysteresis_row(x[c], pos[c], offset, high[c], low[c], hold, gain[c], step, state[c],
                                            starts[c], stops[c], counts[c])


@jit(parallel=True)
def _paint(starts, stops, counts, out):
    for c in prange(out.shape[0]):
        row = out[c]
        row[:] = False
        for r in range(counts[c]):
            row[starts[c, r] : stops[c, r]] = True


def _hysteresis_args(x, high, low, hold, gain, gain_step):
    x2 = _as_rows(x, "x", floating=True, view=True)
    n_ch = x2.shape[0]
    high = _per_channel(high, n_ch, "high")
    low = high.copy() if low is None else _per_channel(low, n_ch, "low")
    if np.any(low > high):
        raise InvalidInputError(f"low thresholds must not exceed high thresholds, got low={low} > high={high}")
    hold = max(_count(hold, "hold"), 1)
    step = _count(gain_step, "gain_step")
    if step < 1:
        raise InvalidInputError(f"gain_step must be >= 1 sample, got {gain_step}")
    if gain is None:
        return x2, high, low, hold, np.ones((n_ch, 1)), step
    gain2 = np.ascontiguousarray(np.asarray(gain, dtype=np.float64))
    gain2 = gain2.reshape(1, -1) if gain2.ndim == 1 else gain2
    if gain2.ndim != 2 or gain2.shape[0] != n_ch or gain2.shape[1] < 1:
        raise InvalidInputError(f"gain must have shape (n_blocks,) or ({n_ch}, n_blocks), got {np.shape(gain)}")
    return x2, high, low, hold, gain2, step


def _grown(kernel, n_ch, n, dtypes):
    """Call ``kernel(pos, counts, *buffers)`` until every row is consumed, growing the run buffers when one fills.

    ``kernel`` writes row ``c``'s runs from ``buffers[k][c, counts[c]]`` on and
    advances ``pos[c]`` (samples consumed) and ``counts[c]``.  The buffers
    start with one run per ``RUN_SPACING`` samples and grow to what the
    densest unfinished row projects for its whole length (at least double),
    so a piece is rarely scanned in more than two calls.
    """
    size = max(16, n // RUN_SPACING)
    buffers = [np.empty((n_ch, size), dtype) for dtype in dtypes]
    counts = np.zeros(n_ch, np.int64)
    pos = np.zeros(n_ch, np.int64)
    while True:
        kernel(pos, counts, *buffers)
        left = pos < n
        if not left.any():
            return counts, buffers
        projected = int(np.max(counts[left] * n // np.maximum(pos[left], 1))) * 5 // 4 + 16
        grow = max(size, projected - size)
        buffers = [np.concatenate([b, np.empty((n_ch, grow), b.dtype)], axis=1) for b in buffers]
        size += grow


def _runs(x2, offset, state, high, low, hold, gain2, step):
    """Hysteresis over every row of a piece: ``(counts, starts, stops)``."""
    def kernel(pos, counts, starts, stops):
        _hysteresis(x2, pos, offset, high, low, hold, gain2, step, state, starts, stops, counts)

    counts, (starts, stops) = _grown(kernel, x2.shape[0], x2.shape[1], (np.int64, np.int64))
    return counts, starts, stops


def hysteresis_state(n_channels):
    """The state of :func:`hysteresis_runs` before the first piece: no open run, shape ``(n_channels, 3)``."""
    state = np.zeros((int(n_channels), 3), np.int64)
    state[:, 0] = -1
    return state


def hysteresis_runs(x, offset, state, high, low=None, hold=1, gain=None, gain_step=1):
    """Double-threshold (hysteresis) detection on one piece of a signal, with its state carried to the next piece.

    A sample is active when it belongs to a run of samples with
    ``x > low * g`` that contains at least ``hold`` consecutive samples with
    ``x > high * g``: ``high`` (held for ``hold`` samples) decides *whether*
    there is a burst, ``low`` *where* it starts and ends.  ``g`` is 1, or the
    gain of ``gain`` (a tracked rest level relative to the baseline's),
    constant over blocks of ``gain_step`` samples.  NaN is never active.

    Like ``scipy.signal.sosfilt(..., zi=)``, the detector's state is carried
    in ``state``: feeding consecutive pieces ``x[:, a:b]`` (with
    ``offset = a``) finds the runs of the whole signal, wherever it is cut.
    A run still open at the end of a piece stays in ``state``; after the
    last piece, a row with ``state[c, 0] >= 0`` and ``state[c, 2] == 1`` has
    an active run from ``state[c, 0]`` to the end.

    Parameters
    ----------
    x : ndarray, shape (n_samples,) or (n_channels, n_samples), float32/float64
        One piece of the test signal (an envelope or a normalised statistic).
    offset : int >= 0
        Index of the piece's first sample in the whole signal (``gain``
        blocks count from sample 0 of the whole signal).
    state : ndarray of int64, shape (n_channels, 3)
        Start of the open run above ``low`` (-1 for none), consecutive
        samples above ``high``, whether it was detected.  Start from
        :func:`hysteresis_state`; updated in place.
    high : float or ndarray, shape (n_channels,)
        Detection threshold, in the unit of ``x``.
    low : float or ndarray, shape (n_channels,), optional
        Localisation threshold, ``low <= high``.  Default ``high`` (a single
        threshold).
    hold : int >= 1, default 1
        Consecutive samples above ``high`` needed to detect a burst.
    gain : ndarray, shape (n_blocks,) or (n_channels, n_blocks), optional
        Threshold multipliers: ``gain[j]`` applies to samples
        ``j * gain_step`` to ``(j + 1) * gain_step - 1`` of the whole
        signal; the last value holds to the end.  Default: 1 everywhere.
    gain_step : int >= 1
        Samples per gain block.

    Returns
    -------
    counts : ndarray of int64, shape (n_channels,)
    starts, stops : ndarray of int64, shape (n_channels, >= max(counts))
        Channel ``c``'s active runs that end in this piece are
        ``starts[c, :counts[c]]`` to ``stops[c, :counts[c]]`` (whole-signal
        samples, stop exclusive).
    """
    x2, high, low, hold, gain2, step = _hysteresis_args(x, high, low, hold, gain, gain_step)
    offset = _count(offset, "offset")
    if not (isinstance(state, np.ndarray) and state.dtype == np.int64 and state.shape == (x2.shape[0], 3)
            and state.flags.c_contiguous):
        raise InvalidInputError(f"state must be a C-contiguous int64 array of shape ({x2.shape[0]}, 3); "
                                "start from hysteresis_state(n_channels)")
    return _runs(x2, offset, state, high, low, hold, gain2, step)


def hysteresis(x, high, low=None, hold=1, gain=None, gain_step=1, out=None):
    """Double-threshold (hysteresis) activity mask of a whole signal: :func:`hysteresis_runs` in one piece.

    Parameters
    ----------
    x : ndarray, shape (n_samples,) or (n_channels, n_samples), float32/float64
        Test signal (an envelope or a normalised statistic).
    high, low, hold, gain, gain_step
        As :func:`hysteresis_runs`.
    out : ndarray of bool, same shape as ``x``, optional

    Returns
    -------
    ndarray of bool, same shape as ``x``
        True on every active sample.
    """
    x2, high, low, hold, gain2, step = _hysteresis_args(x, high, low, hold, gain, gain_step)
    out2 = _out_mask(out, x)
    state = hysteresis_state(x2.shape[0])
    counts, starts, stops = _runs(x2, 0, state, high, low, hold, gain2, step)
    open_end = (state[:, 0] >= 0) & (state[:, 2] == 1)  # runs still active at the end of the signal
    if open_end.any():
        starts = np.concatenate([starts, np.zeros((x2.shape[0], 1), np.int64)], axis=1)
        stops = np.concatenate([stops, np.zeros((x2.shape[0], 1), np.int64)], axis=1)
        rows = np.flatnonzero(open_end)
        starts[rows, counts[rows]] = state[rows, 0]
        stops[rows, counts[rows]] = x2.shape[1]
        counts = counts + open_end
    _paint(starts, stops, counts, out2)
    return out2.reshape(np.shape(x))


# -- run filtering ---------------------------------------------------------------
@jit
def _filter_runs_row(mask, min_gap, min_len):
    n = mask.shape[0]
    # 1) fill interior gaps shorter than min_gap (merge close bursts)
    if min_gap > 0:
        last_stop = -1  # one past the end of the previous run, -1 before the first run
        i = 0
        while i < n:
            if mask[i]:
                if last_stop >= 0 and i - last_stop < min_gap:
                    for k in range(last_stop, i):
                        mask[k] = True
                while i < n and mask[i]:
                    i += 1
                last_stop = i
            else:
                i += 1
    # 2) clear runs shorter than min_len
    if min_len > 1:
        i = 0
        while i < n:
            if mask[i]:
                j = i
                while j < n and mask[j]:
                    j += 1
                if j - i < min_len:
                    for k in range(i, j):
                        mask[k] = False
                i = j
            else:
                i += 1


@jit(parallel=True)
def _filter_runs(mask, min_gap, min_len):
    for c in prange(mask.shape[0]):
        _filter_runs_row(mask[c], min_gap, min_len)


def filter_runs(mask, min_gap=0, min_len=0, out=None):
    """Merge runs closer than ``min_gap`` samples, then drop runs shorter than ``min_len``.

    Parameters
    ----------
    mask : ndarray of bool, shape (n_samples,) or (n_channels, n_samples)
    min_gap : int >= 0
        A gap of fewer than ``min_gap`` False samples *between* two runs is
        filled (gaps at the record edges are kept).  0 merges nothing.
    min_len : int >= 0
        Runs of fewer than ``min_len`` samples (after merging) are cleared.
    out : ndarray of bool, optional
        Output; may be ``mask`` itself to filter in place.

    Returns
    -------
    ndarray of bool, same shape as ``mask``
    """
    m2 = _as_rows(mask, "mask", floating=False)
    min_gap = _count(min_gap, "min_gap")
    min_len = _count(min_len, "min_len")
    if out is None:
        out2 = m2.copy()
    else:
        out2 = _out_mask(out, mask)
        if out2 is not m2 and not np.shares_memory(out2, m2):
            out2[...] = m2
    _filter_runs(out2, min_gap, min_len)
    return out2.reshape(np.shape(mask))


# -- runs -> indices ---------------------------------------------------------------
@jit
def _count_runs_row(mask):
    count = 0
    prev = False
    for i in range(mask.shape[0]):
        if mask[i] and not prev:
            count += 1
        prev = mask[i]
    return count


@jit
def _mask_runs(mask):
    n_ch, n = mask.shape
    total = 0
    for c in range(n_ch):
        total += _count_runs_row(mask[c])
    chan = np.empty(total, np.int64)
    starts = np.empty(total, np.int64)
    stops = np.empty(total, np.int64)
    r = 0
    for c in range(n_ch):
        i = 0
        while i < n:
            if mask[c, i]:
                j = i
                while j < n and mask[c, j]:
                    j += 1
                chan[r] = c
                starts[r] = i
                stops[r] = j
                r += 1
                i = j
            else:
                i += 1
    return chan, starts, stops


def mask_runs(mask):
    """Start and stop samples of the True runs of a mask.

    Parameters
    ----------
    mask : ndarray of bool, shape (n_samples,) or (n_channels, n_samples)

    Returns
    -------
    starts, stops : ndarray of int64
        For 1-D input: first sample of each run and one past its last sample.
    channel, starts, stops : ndarray of int64
        For 2-D input: runs of all channels, sorted by channel then start.
    """
    m2 = _as_rows(mask, "mask", floating=False)
    chan, starts, stops = _mask_runs(m2)
    if np.ndim(mask) == 1:
        return starts, stops
    return chan, starts, stops


# -- Bonato r0-of-m --------------------------------------------------------------------
@jit
def _r_of_m_row(exceed, r0, m, out):
    n = exceed.shape[0]
    for i in range(n):
        out[i] = False
    if n == 0:
        return
    width = min(m, n)
    count = 0
    for k in range(width):
        if exceed[k]:
            count += 1
    marked = 0  # samples before this index are already decided
    for s in range(n - width + 1):
        if s > 0:
            if exceed[s + width - 1]:
                count += 1
            if exceed[s - 1]:
                count -= 1
        if count >= r0:
            first = s
            while not exceed[first]:
                first += 1
            last = s + width - 1
            while not exceed[last]:
                last -= 1
            for k in range(max(first, marked), last + 1):
                out[k] = True
            if last + 1 > marked:
                marked = last + 1


@jit(parallel=True)
def _r_of_m(exceed, r0, m, out):
    for c in prange(exceed.shape[0]):
        _r_of_m_row(exceed[c], r0, m, out[c])


def r_of_m(exceed, r0, m, out=None):
    """Bonato's r0-of-m test: activity where at least ``r0`` of ``m`` successive samples exceed.

    Every window of ``m`` successive samples holding at least ``r0``
    exceedances is active from its first to its last exceeding sample (so a
    burst starts at an exceedance, not up to ``m - 1`` samples before it).  A
    record shorter than ``m`` is one window.

    Parameters
    ----------
    exceed : ndarray of bool, shape (n,) or (n_channels, n)
        Whether each test-function sample exceeds the threshold ``zeta``.
    r0 : int, 1 <= r0 <= m
    m : int >= 1
    out : ndarray of bool, optional

    Returns
    -------
    ndarray of bool, same shape as ``exceed``
    """
    e2 = _as_rows(exceed, "exceed", floating=False)
    r0 = _count(r0, "r0")
    m = _count(m, "m")
    if not 1 <= r0 <= m:
        raise InvalidInputError(f"need 1 <= r0 <= m, got r0={r0}, m={m}")
    out2 = _out_mask(out, exceed)
    _r_of_m(e2, r0, m, out2)
    return out2.reshape(np.shape(exceed))


# -- constant runs (clipping, dropouts) ---------------------------------------------------
@jit
def _equal_runs_row(x, i0, offset, min_len, state_start, state_value, stats, starts, stops, values, count):
    """Runs of identical samples ending in ``x[i0:]`` (``x[0]`` is sample ``offset``), and the row's extremes.

    Returns (runs written, position reached); stops early, before the
    sample that would close a run, when ``starts`` is full (nothing of that
    sample is counted yet, so the caller resumes there).
    """
    start = state_start[0]  # first sample of the open run (-1: none yet)
    value = state_value[0]
    lo, hi, bad, first = stats[0], stats[1], stats[2], stats[3]
    reached = x.shape[0]
    for i in range(i0, x.shape[0]):
        v = x[i]
        if start >= 0 and v == value:  # NaN equals nothing: it never extends a run
            if v - v != 0.0:  # a repeated inf
                bad += 1.0
            continue
        t = offset + i
        if start >= 0 and t - start >= min_len:
            if count == starts.shape[0]:
                reached = i
                break
            starts[count] = start
            stops[count] = t
            values[count] = value
            count += 1
        start = t
        value = v
        if v - v != 0.0:  # NaN or inf
            bad += 1.0
            if first < 0:
                first = t
        else:
            if v < lo:
                lo = v
            if v > hi:
                hi = v
    state_start[0] = start
    state_value[0] = value
    stats[0], stats[1], stats[2], stats[3] = lo, hi, bad, first
    return count, reached


@jit(parallel=True)
def _equal_runs(x, pos, offset, min_len, state_start, state_value, stats, starts, stops, values, counts):
    for c in prange(x.shape[0]):
        counts[c], pos[c] = _equal_runs_row(x[c], pos[c], offset, min_len, state_start[c : c + 1],
                                            state_value[c : c + 1], stats[c], starts[c], stops[c], values[c],
                                            counts[c])


def equal_runs_state(n_channels):
    """The state of :func:`equal_runs` before the first sample: no open run, no extremes, no non-finite sample."""
    n = int(n_channels)
    stats = np.empty((n, 4))
    stats[:] = [np.inf, -np.inf, 0.0, -1.0]
    return np.full(n, -1, np.int64), np.zeros(n), stats


def equal_runs(x, offset, state, min_len, *, final=False):
    """Runs of at least ``min_len`` identical consecutive samples on one piece of a signal, state carried.

    Feeding consecutive pieces ``x[:, a:b]`` (``offset = a``) with the same
    ``state`` finds the runs of the whole signal wherever it is cut; the run
    open at the end of a piece is carried in ``state`` and reported in the
    piece where it ends (``final=True`` on the last piece closes it).  Used
    for clipping (runs at the converter rails) and dropouts (digital
    silence).  NaN never equals itself, so it never forms a run.  The same
    pass keeps each row's extremes and non-finite samples in ``state``, so
    screening a record reads it once.

    Parameters
    ----------
    x : ndarray, shape (n,) or (n_channels, n), float32/float64
        One piece of the signal.
    offset : int >= 0
        Index of the piece's first sample in the whole signal.
    state : (open_start, open_value, stats)
        From :func:`equal_runs_state`, updated in place.  ``open_start``
        (int64, shape (n_channels,)) and ``open_value`` (float64): start
        (-1 before the first sample) and value of the open run.  ``stats``
        (float64, shape (n_channels, 4)): minimum and maximum of the finite
        samples so far (inf and -inf before any), number of NaN/inf samples,
        index of the first (-1 for none).
    min_len : int >= 1
        Shortest run reported, in samples.
    final : bool, default False
        This is the last piece: also report the run open at its end.

    Returns
    -------
    counts : ndarray of int64, shape (n_channels,)
    starts, stops : ndarray of int64, shape (n_channels, >= max(counts))
    values : ndarray of float64, shape (n_channels, >= max(counts))
        Channel ``c``'s runs ending in this piece are ``starts[c, :counts[c]]``
        to ``stops[c, :counts[c]]`` (whole-signal samples, stop exclusive),
        at the sample values ``values[c, :counts[c]]``.
    """
    x2 = _as_rows(x, "x", floating=True)
    n_ch, n = x2.shape
    offset = _count(offset, "offset")
    min_len = max(_count(min_len, "min_len"), 1)
    ok = isinstance(state, tuple) and len(state) == 3 and all(isinstance(v, np.ndarray) for v in state)
    if ok:
        open_start, open_value, stats = state
        ok = (open_start.dtype == np.int64 and open_start.shape == (n_ch,) and open_value.dtype == np.float64
              and open_value.shape == (n_ch,) and stats.dtype == np.float64 and stats.shape == (n_ch, 4)
              and stats.flags.c_contiguous)
    if not ok:
        raise InvalidInputError(f"state must be the {n_ch}-channel state of equal_runs_state(n_channels)")

    def kernel(pos, counts, starts, stops, values):
        _equal_runs(x2, pos, offset, min_len, open_start, open_value, stats, starts, stops, values, counts)

    counts, (starts, stops, values) = _grown(kernel, n_ch, n, (np.int64, np.int64, np.float64))
    if final:
        end = offset + n
        closing = (open_start >= 0) & (end - open_start >= min_len)
        if closing.any():
            starts, stops, values = (np.concatenate([b, np.zeros((n_ch, 1), b.dtype)], axis=1)
                                     for b in (starts, stops, values))
            rows = np.flatnonzero(closing)
            starts[rows, counts[rows]] = open_start[rows]
            stops[rows, counts[rows]] = end
            values[rows, counts[rows]] = open_value[rows]
            counts = counts + closing
        open_start[:] = -1
    return counts, starts, stops, values


def constant_runs(x, min_len, out=None):
    """Mask of runs of at least ``min_len`` identical consecutive samples: :func:`equal_runs` in one piece.

    Parameters
    ----------
    x : ndarray, shape (n,) or (n_channels, n), float32/float64
    min_len : int >= 1
    out : ndarray of bool, optional

    Returns
    -------
    ndarray of bool, same shape as ``x``
    """
    x2 = _as_rows(x, "x", floating=True)
    out2 = _out_mask(out, x)
    counts, starts, stops, _ = equal_runs(x2, 0, equal_runs_state(x2.shape[0]), min_len, final=True)
    _paint(starts, stops, counts, out2)
    return out2.reshape(np.shape(x))


# -- row screening ----------------------------------------------------------------------
@jit(parallel=True)
def _row_extremes(x, lo, hi, longest, nonfinite):
    for c in prange(x.shape[0]):
        row = x[c]
        mn = np.inf
        mx = -np.inf
        best = 1
        run = 1
        bad = 0
        for i in range(row.shape[0]):
            v = row[i]
            if not np.isfinite(v):
                bad += 1
            else:
                if v < mn:
                    mn = v
                if v > mx:
                    mx = v
            if i > 0 and v == row[i - 1]:
                run += 1
                if run > best:
                    best = run
            else:
                run = 1
        lo[c] = mn
        hi[c] = mx
        longest[c] = best
        nonfinite[c] = bad


def row_extremes(x):
    """Minimum, maximum, longest run of identical samples and non-finite count of each row, in one pass.

    Parameters
    ----------
    x : ndarray, shape (n,) or (n_channels, n), float32/float64, n >= 1

    Returns
    -------
    lo, hi : ndarray of float64, shape (n_channels,)
        Extremes of the finite samples (inf and -inf for a row with none).
    longest : ndarray of int64, shape (n_channels,)
    nonfinite : ndarray of int64, shape (n_channels,)
        Number of NaN/inf samples.
    """
    x2 = _as_rows(x, "x", floating=True)
    if x2.shape[1] == 0:
        raise InvalidInputError("x has no samples")
    n_ch = x2.shape[0]
    lo = np.empty(n_ch)
    hi = np.empty(n_ch)
    longest = np.empty(n_ch, np.int64)
    nonfinite = np.empty(n_ch, np.int64)
    _row_extremes(x2, lo, hi, longest, nonfinite)
    return lo, hi, longest, nonfinite


# -- smoothed statistics: |TKEO| or |y|, zero-phase low-pass, fused ------------------------------
_LANES = 4  # channels filtered in lockstep: their recurrences overlap in the CPU pipeline


@jit
def _stat_value(row, i, n, kind):
    if kind == 1:
        return abs(np.float64(row[i]))
    if n < 3:
        return 0.0
    k = min(max(i, 1), n - 2)  # end samples copied from their neighbours
    a = np.float64(row[k - 1])
    b = np.float64(row[k])
    c = np.float64(row[k + 1])
    return abs(b * b - a * c)


@jit(parallel=True)
def _smoothed(y, kind, b0, b1, b2, a1, a2, zi0, zi1, out):
    """The whole record as one tile (:func:`_tile_group`): each pass starts in the steady state of its first value."""
    n_rows, n = y.shape
    forward = np.empty((n_rows, 2))
    backward = np.empty((n_rows, 2))
    for r in range(n_rows):
        v0 = _stat_value(y[r], 0, n, kind)
        forward[r, 0] = zi0 * v0
        forward[r, 1] = zi1 * v0
    n_groups = (n_rows + _LANES - 1) // _LANES
    for g in prange(n_groups):
        r0 = g * _LANES
        _tile_group(y, r0, min(_LANES, n_rows - r0), kind, b0, b1, b2, a1, a2, zi0, zi1, 0, n, forward, backward, True,
                    out)


@functools.lru_cache(maxsize=16)
def _section_zi(coefficients):
    """``scipy.signal.sosfilt_zi`` of one section given as a tuple of its six coefficients (a piecewise walk asks often)."""
    from scipy.signal import sosfilt_zi

    return tuple(float(v) for v in sosfilt_zi(np.array([coefficients]))[0])


def _smoothed_stat(y, sos, kind, out):
    y2 = _as_rows(y, "y", floating=True)
    sos = np.asarray(sos, dtype=np.float64)
    if sos.shape != (1, 6) or sos[0, 3] != 1.0:
        raise InvalidInputError(f"sos must be one second-order section, shape (1, 6) with a0 = 1, got shape {sos.shape}")
    b0, b1, b2, _, a1, a2 = (float(v) for v in sos[0])
    zi0, zi1 = _section_zi(tuple(float(v) for v in sos[0]))
    if out is None:
        out2 = np.empty(y2.shape, y2.dtype)
    else:
        if not isinstance(out, np.ndarray) or out.shape != np.shape(y) or out.dtype != y2.dtype or not out.flags.c_contiguous:
            raise InvalidInputError(f"out must be a C-contiguous {y2.dtype} array of shape {np.shape(y)}")
        out2 = out.reshape(y2.shape)
    if y2.shape[1]:
        _smoothed(y2, kind, b0, b1, b2, a1, a2, zi0, zi1, out2)
    return out2.reshape(np.shape(y))


def tkeo_envelope(y, sos, out=None):
    """``|TKEO(y)|`` low-passed forward and backward (zero phase), clipped at 0, in one fused pass.

    ``psi[n] = y[n]^2 - y[n-1] y[n+1]`` (end samples copied from their
    neighbours; Li, Zhou & Aruin 2007), rectified, then filtered by ``sos``
    forward and backward.  Each pass starts in the filter's steady state for
    its first input value (``scipy.signal.sosfilt_zi``) instead of padding the
    record, so the first and last few filter time constants differ slightly
    from ``scipy.signal.sosfiltfilt``.

    Parameters
    ----------
    y : ndarray, shape (n,) or (n_channels, n), float32/float64
        Band-passed EMG.
    sos : ndarray, shape (1, 6)
        One second-order section, e.g. ``scipy.signal.butter(2, fc, fs=fs, output="sos")``.
    out : ndarray, optional
        Output, same shape and dtype as ``y``.

    Returns
    -------
    ndarray, same shape and dtype as ``y`` (unit^2)
    """
    return _smoothed_stat(y, sos, 0, out)


def rectified_envelope(y, sos, out=None):
    """``|y|`` low-passed forward and backward (zero phase), clipped at 0: :func:`tkeo_envelope` without TKEO."""
    return _smoothed_stat(y, sos, 1, out)


# -- the same statistics tile by tile, never held whole -----------------------------------------
_STATISTICS = {"tkeo": 0, "rectified": 1}


@jit
def _forward_states_group(y, r0, nr, kind, b0, b1, b2, a1, a2, zi0, zi1, edges, states):
    """Rows ``r0 .. r0 + nr - 1``: the forward pass of :func:`_tile_group` over the record, keeping its state at each edge."""
    n = y.shape[1]
    z0 = np.zeros(_LANES)
    z1 = np.zeros(_LANES)
    last = nr - 1
    for lane in range(_LANES):
        v0 = _stat_value(y[r0 + min(lane, last)], 0, n, kind)
        z0[lane] = zi0 * v0
        z1[lane] = zi1 * v0
    i = 0
    for j in range(edges.shape[0]):
        while i < edges[j]:
            for lane in range(_LANES):
                v = _stat_value(y[r0 + min(lane, last)], i, n, kind)
                w = b0 * v + z0[lane]
                z0[lane] = b1 * v - a1 * w + z1[lane]
                z1[lane] = b2 * v - a2 * w
            i += 1
        for lane in range(nr):
            states[r0 + lane, j, 0] = z0[lane]
            states[r0 + lane, j, 1] = z1[lane]


@jit(parallel=True)
def _forward_states(y, kind, b0, b1, b2, a1, a2, zi0, zi1, edges, states):
    n_groups = (y.shape[0] + _LANES - 1) // _LANES
    for g in prange(n_groups):
        r0 = g * _LANES
        _forward_states_group(y, r0, min(_LANES, y.shape[0] - r0), kind, b0, b1, b2, a1, a2, zi0, zi1, edges, states)


@jit
def _tile_group(y, k0, nr, kind, b0, b1, b2, a1, a2, zi0, zi1, a, b, forward, backward, fresh, out):
    """Rows ``k0 .. k0 + nr - 1`` (nr <= _LANES) of the statistic on samples ``a:b``, one biquad forward and backward.

    The passes start from the states ``forward`` (at ``a``) and ``backward``
    (at ``b``; with ``fresh``, the steady state of the last forward value,
    as at the record's end); the backward state reached at ``a`` is written
    back.  Lanes beyond ``nr`` repeat the last row; only real rows are written.
    """
    n = y.shape[1]
    z0 = np.zeros(_LANES)
    z1 = np.zeros(_LANES)
    last = nr - 1
    for lane in range(_LANES):
        k = k0 + min(lane, last)
        z0[lane] = forward[k, 0]
        z1[lane] = forward[k, 1]
    for i in range(a, b):
        for lane in range(_LANES):
            k = k0 + min(lane, last)
            v = _stat_value(y[k], i, n, kind)
            w = b0 * v + z0[lane]
            z0[lane] = b1 * v - a1 * w + z1[lane]
            z1[lane] = b2 * v - a2 * w
            if lane <= last:
                out[k, i - a] = w
    for lane in range(_LANES):
        k = k0 + min(lane, last)
        if fresh:  # the record's end: from the last forward value
            v0 = np.float64(out[k, b - 1 - a])
            z0[lane] = zi0 * v0
            z1[lane] = zi1 * v0
        else:
            z0[lane] = backward[k, 0]
            z1[lane] = backward[k, 1]
    for i in range(b - 1, a - 1, -1):
        for lane in range(_LANES):
            k = k0 + min(lane, last)
            v = np.float64(out[k, i - a])
            w = b0 * v + z0[lane]
            z0[lane] = b1 * v - a1 * w + z1[lane]
            z1[lane] = b2 * v - a2 * w
            if lane <= last:
                out[k, i - a] = w if w > 0.0 else 0.0
    for lane in range(nr):
        backward[k0 + lane, 0] = z0[lane]
        backward[k0 + lane, 1] = z1[lane]


@jit(parallel=True)
def _tile(y, kind, b0, b1, b2, a1, a2, zi0, zi1, a, b, forward, backward, fresh, out):
    n_groups = (y.shape[0] + _LANES - 1) // _LANES
    for g in prange(n_groups):
        k0 = g * _LANES
        _tile_group(y, k0, min(_LANES, y.shape[0] - k0), kind, b0, b1, b2, a1, a2, zi0, zi1, a, b, forward,
                    backward, fresh, out)


def _statistic_args(y, sos, statistic):
    if statistic not in _STATISTICS:
        raise InvalidInputError(f"statistic must be one of {sorted(_STATISTICS)}, got {statistic!r}")
    y2 = _as_rows(y, "y", floating=True, view=True)
    sos = np.asarray(sos, dtype=np.float64)
    if sos.shape != (1, 6) or sos[0, 3] != 1.0:
        raise InvalidInputError(f"sos must be one second-order section, shape (1, 6) with a0 = 1, got shape {sos.shape}")
    b0, b1, b2, _, a1, a2 = (float(v) for v in sos[0])
    return y2, _STATISTICS[statistic], (b0, b1, b2, a1, a2) + _section_zi(tuple(float(v) for v in sos[0]))


def smoothed_states(y, sos, edges, statistic="tkeo"):
    """Forward-pass filter states of :func:`tkeo_envelope` (or :func:`rectified_envelope`) at the samples ``edges``.

    With them (and :func:`smoothed_tile`) the statistic of a long record is
    computed tile by tile, in any order once the backward states are known,
    with the same bits as the whole-record kernel, and never held whole.

    Parameters
    ----------
    y : ndarray, shape (n,) or (n_channels, n), float32/float64
        Band-passed EMG.
    sos : ndarray, shape (1, 6)
        One second-order section, as for :func:`tkeo_envelope`.
    edges : sequence of int
        Increasing sample indices in ``[0, n]``.
    statistic : {"tkeo", "rectified"}

    Returns
    -------
    ndarray, shape (n_channels, len(edges), 2), float64
        The filter state before sample ``edges[j]`` of the forward pass.
    """
    y2, kind, coefficients = _statistic_args(y, sos, statistic)
    edges = np.ascontiguousarray(edges, dtype=np.int64)
    if edges.ndim != 1 or np.any(np.diff(edges) <= 0) or (edges.size and (edges[0] < 0 or edges[-1] > y2.shape[1])):
        raise InvalidInputError(f"edges must be increasing sample indices in [0, {y2.shape[1]}]")
    states = np.zeros((y2.shape[0], edges.size, 2))
    if y2.shape[1] and edges.size:
        _forward_states(y2, kind, *coefficients, edges, states)
    return states


def smoothed_tile(y, sos, a, b, forward, backward=None, *, statistic="tkeo", out=None):
    """Samples ``a:b`` of :func:`tkeo_envelope` (or :func:`rectified_envelope`) of ``y``, bit for bit, from filter states.

    Parameters
    ----------
    y : ndarray, shape (n,) or (n_channels, n), float32/float64
        The whole band-passed EMG the statistic is of (for some channels:
        a slice of rows, with the same rows of the states).
    sos : ndarray, shape (1, 6)
    a, b : int
        The tile, ``0 <= a < b <= n``.
    forward : ndarray, shape (n_channels, 2)
        Forward-pass state before sample ``a`` (:func:`smoothed_states`).
    backward : ndarray, shape (n_channels, 2), optional
        Backward-pass state after sample ``b - 1`` (returned by the call for
        the tile after this one); None only for ``b == n``.
    statistic : {"tkeo", "rectified"}
    out : ndarray, optional
        Buffer of ``y``'s dtype, shape ``(n_channels, >= b - a)``, C-contiguous.

    Returns
    -------
    values : ndarray, shape (n_channels, b - a)
        A view of ``out`` (unit^2 for tkeo, unit for rectified).
    backward : ndarray, shape (n_channels, 2)
        Backward-pass state after sample ``a``: pass it for the tile ending at ``a``.
    """
    y2, kind, coefficients = _statistic_args(y, sos, statistic)
    n_ch, n = y2.shape
    if not 0 <= a < b <= n or (backward is None and b != n):
        raise InvalidInputError(f"need 0 <= a < b <= {n}, and a backward state unless b == {n}; got a={a}, b={b}")
    forward = np.ascontiguousarray(forward, dtype=np.float64).reshape(-1, 2)
    state = np.array(np.zeros((n_ch, 2)) if backward is None else backward, dtype=np.float64).reshape(-1, 2)
    if forward.shape != (n_ch, 2) or state.shape != (n_ch, 2):
        raise InvalidInputError(f"forward and backward states must have shape ({n_ch}, 2)")
    if out is None:
        out = np.empty((n_ch, b - a), y2.dtype)
    elif (not isinstance(out, np.ndarray) or out.dtype != y2.dtype or out.ndim != 2 or out.shape[0] != n_ch
          or out.shape[1] < b - a or not out.flags.c_contiguous):
        raise InvalidInputError(f"out must be a C-contiguous {y2.dtype} array of shape ({n_ch}, >= {b - a})")
    _tile(y2, kind, *coefficients, int(a), int(b), forward, state, backward is None, out)
    return out[:, : b - a], state


# -- running low quantiles (tracked rest levels) --------------------------------------------------
_NEAR_RANK = 8  # a knot this close in rank to the previous knot's value is found by one pass with a small buffer


@jit
def _select(buf, count, k):
    """The ``k``-th smallest of ``buf[:count]`` (0-based), reordering ``buf`` in place (quickselect)."""
    lo, hi = 0, count - 1
    while lo < hi:
        pivot = buf[(lo + hi) // 2]
        i, j = lo, hi
        while i <= j:
            while buf[i] < pivot:
                i += 1
            while buf[j] > pivot:
                j -= 1
            if i <= j:
                buf[i], buf[j] = buf[j], buf[i]
                i += 1
                j -= 1
        if k <= j:
            hi = j
        elif k >= i:
            lo = i
        else:
            return buf[k]
    return buf[k]


@jit
def _nearest_beyond(buf, count, q, r, above, near):
    """The ``r``-th smallest value above ``q`` (``above``) or ``r``-th largest below it, of ``buf[:count]``."""
    m = 0  # near[:m] holds the r + 1 values closest to q seen so far, nearest first
    for i in range(count):
        v = buf[i]
        if (v > q) if above else (v < q):
            if m <= r:
                m += 1
            elif (v >= near[r]) if above else (v <= near[r]):
                continue
            j = m - 1
            while j > 0 and ((near[j - 1] > v) if above else (near[j - 1] < v)):
                near[j] = near[j - 1]
                j -= 1
            near[j] = v
    return near[r]


@jit
def _knot(buf, count, k, q, near):
    """The ``k``-th smallest of ``buf[:count]``, searched near ``q`` (the previous knot; NaN: none)."""
    if q == q:
        below = 0
        equal = 0
        for i in range(count):
            below += buf[i] < q
            equal += buf[i] == q
        if below <= k < below + equal:
            return q
        if k < below and below - 1 - k < _NEAR_RANK:
            return _nearest_beyond(buf, count, q, below - 1 - k, False, near)
        if k >= below + equal and k - below - equal < _NEAR_RANK:
            return _nearest_beyond(buf, count, q, k - below - equal, True, near)
    return _select(buf, count, k)


@jit(parallel=True)
def _window_quantiles(x, width, first, stride, fraction, out):
    for c in prange(x.shape[0]):
        row = x[c]
        buf = np.empty(width)
        near = np.empty(_NEAR_RANK)
        q = np.nan
        for j in range(out.shape[1]):
            count = 0
            for i in range(first + j * stride, first + j * stride + width):
                if not np.isnan(row[i]):
                    buf[count] = row[i]
                    count += 1
            q = _knot(buf, count, int(fraction * (count - 1)), q, near) if count else np.nan
            out[c, j] = q


def window_quantiles(x, width, first, stride, quantile):
    """Lower-nearest-rank ``quantile`` of the non-NaN values of windows ``x[:, s:s + width]``, NaN left out.

    The windows start at ``s = first, first + stride, ...`` while
    ``s + width <= n_samples``.  Of the ``count`` non-NaN values of a window
    the ``k``-th smallest (0-based) is taken, ``k = int(quantile / 100 *
    (count - 1))``; a window with none gives NaN.  Overlapping windows are
    searched near the previous window's value, so a slowly moving quantile
    costs about one pass over each window.

    Parameters
    ----------
    x : ndarray, shape (n,) or (n_channels, n), float64
    width : int >= 1
        Samples per window.
    first : int >= 0
        Start of the first window.
    stride : int >= 1
        Samples between window starts.
    quantile : float in [0, 100]
        Percentile.

    Returns
    -------
    ndarray of float64, shape (n_channels, n_windows)
    """
    x2 = _as_rows(x, "x", floating=True).astype(np.float64, copy=False)
    width, first, stride = _count(width, "width"), _count(first, "first"), _count(stride, "stride")
    if width < 1 or stride < 1:
        raise InvalidInputError(f"width and stride must be >= 1 sample, got width={width}, stride={stride}")
    if not 0.0 <= quantile <= 100.0:
        raise InvalidInputError(f"quantile must lie in [0, 100], got {quantile}")
    out = np.empty((x2.shape[0], len(range(first, x2.shape[1] - width + 1, stride))))
    if out.shape[1]:
        _window_quantiles(x2, width, first, stride, quantile / 100.0, out)
    return out


# -- burst amplitudes ------------------------------------------------------------------------------
@jit(parallel=True)
def _burst_rms(y, chan, starts, stops, window, peak, mean):
    n = y.shape[1]
    half = window // 2
    for b in prange(starts.shape[0]):
        row = y[chan[b]]
        s = starts[b]
        e = stops[b]
        lo = max(0, s - half)
        hi = lo
        wsum = 0.0
        acc = 0.0
        best = 0.0
        for i in range(s, e):
            v = np.float64(row[i])
            acc += v * v
            new_lo = max(0, i - half)
            new_hi = min(n, i - half + window)
            for k in range(hi, new_hi):
                v = np.float64(row[k])
                wsum += v * v
            for k in range(lo, new_lo):
                v = np.float64(row[k])
                wsum -= v * v
            lo = new_lo
            hi = new_hi
            ms = wsum / (hi - lo)
            if ms > best:
                best = ms
        mean[b] = np.sqrt(acc / (e - s))
        peak[b] = np.sqrt(best)


def burst_rms(y, channel, starts, stops, window):
    """RMS over each burst and the peak of the centred moving RMS within it.

    Parameters
    ----------
    y : ndarray, shape (n,) or (n_channels, n), float32/float64
    channel, starts, stops : ndarray of int
        Row, first sample and one-past-last sample of each burst
        (``channel`` is ignored for 1-D ``y``; pass zeros).
    window : int >= 1
        Moving-RMS window in samples (centred, as :func:`emgkit.kernels.moving_rms`).

    Returns
    -------
    peak, mean : ndarray of float64, shape (n_bursts,)
        Peak moving RMS and RMS over ``[start, stop)`` of each burst.
    """
    y2 = _as_rows(y, "y", floating=True)
    chan = np.ascontiguousarray(channel, dtype=np.int64)
    s = np.ascontiguousarray(starts, dtype=np.int64)
    e = np.ascontiguousarray(stops, dtype=np.int64)
    if not (chan.shape == s.shape == e.shape) or chan.ndim != 1:
        raise InvalidInputError("channel, starts and stops must be 1-D arrays of the same length")
    if s.size and (np.any(chan < 0) or np.any(chan >= y2.shape[0]) or np.any(s < 0) or np.any(e > y2.shape[1]) or np.any(e <= s)):
        raise InvalidInputError("every burst needs 0 <= start < stop <= n_samples and a valid channel")
    window = _count(window, "window")
    peak = np.empty(s.size)
    mean = np.empty(s.size)
    if s.size:
        _burst_rms(y2, chan, s, e, max(window, 1), peak, mean)
    return peak, mean


# -- argument plumbing ------------------------------------------------------------------
def _as_rows(a, name, *, floating, view=False):
    """``a`` as rows ``(n_channels, n_samples)``, C-contiguous; ``view``: rows of contiguous samples are kept as they are."""
    arr = np.asarray(a)
    if arr.ndim not in (1, 2):
        raise InvalidInputError(f"{name} must be 1-D (n_samples,) or 2-D (n_channels, n_samples), got shape {arr.shape}")
    if floating:
        if arr.dtype not in (np.float32, np.float64):
            raise InvalidInputError(f"{name} must be float32 or float64, got {arr.dtype}")
    elif arr.dtype != np.bool_:
        raise InvalidInputError(f"{name} must be a boolean mask, got {arr.dtype}")
    if not (view and arr.ndim == 2 and arr.strides[1] == arr.itemsize and arr.strides[0] > 0):
        arr = np.ascontiguousarray(arr)
    return arr.reshape(1, -1) if arr.ndim == 1 else arr


def _out_mask(out, like):
    shape = np.shape(like)
    if out is None:
        return np.empty((1, shape[0]) if len(shape) == 1 else shape, np.bool_)
    if not isinstance(out, np.ndarray) or out.dtype != np.bool_ or out.shape != shape or not out.flags.c_contiguous:
        raise InvalidInputError(f"out must be a C-contiguous boolean array of shape {shape}")
    return out.reshape(1, -1) if out.ndim == 1 else out


def _per_channel(value, n_ch, name):
    arr = np.asarray(value, dtype=np.float64)
    if arr.ndim == 0:
        return np.full(n_ch, float(arr))
    if arr.shape != (n_ch,):
        raise InvalidInputError(f"{name} must be a scalar or one value per channel ({n_ch}), got shape {arr.shape}")
    return np.ascontiguousarray(arr)


def _count(value, name):
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)) or value < 0:
        raise InvalidInputError(f"{name} must be a non-negative integer number of samples, got {value!r}")
    return int(value)
