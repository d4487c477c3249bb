"""Zero-phase second-order-section IIR filtering (forward-backward), parallel over channels.

:func:`sosfiltfilt` computes what ``scipy.signal.sosfiltfilt(sos, x,
axis=-1)`` computes with its defaults (odd extension of ``3 * ntaps``
samples at each end, steady-state initial conditions from
``scipy.signal.sosfilt_zi``), in float64, with the same per-section
recurrence and operation order as SciPy's ``sosfilt`` (no fused
multiply-adds), so float64 results agree to the last bit in our tests.

Two code paths, both without a padded copy of the signal (the odd
extensions are built in pad-length buffers, the forward pass writes into the
output row and the backward pass runs in place over it; the backward pass's
outputs over the left extension, which SciPy discards, are not computed):

* many channels (11 or more on two cores, see ``_lanes_pay_off``): groups of
  eight channels are filtered together, the innermost loop running across
  channels, so one vector instruction advances a section's recurrence for
  all of them (``_filtfilt_lanes``); ``prange`` spreads the groups over the
  cores;
* fewer channels: one channel per thread, four sections cascaded per sample
  with their states in registers (``_cascade``), so the sections'
  recurrences overlap in the pipeline instead of running one after another.

Filters with more than four sections run in groups of four (padded with
identity sections, which leave the signal bit-for-bit unchanged) over
cache-sized chunks.
"""

import numba
import numpy as np
from numba import prange

from emgkit.errors import InvalidInputError

from ._jit import jit
from .envelope import _check_signal, _run

__all__ = ["sosfiltfilt"]

# sections cascaded per pass; longer filters run in groups of this many,
# padded with identity sections (which leave the signal bit-for-bit unchanged)
_GROUP = 4
# channels filtered together across SIMD lanes, and the measured cost of one such group in
# units of one channel filtered on its own (x86-64 with AVX2/AVX-512, float64)
_LANES = 8
_LANE_GROUP_COST = 5.5


@jit
def _cascade(src, dst, coef, state):
    """Run four biquads (direct form II transposed) in series over ``src`` into ``dst``.

    ``coef`` rows are ``(b0, b1, b2, a1, a2)`` per section (a0 = 1);
    ``state`` rows ``(z0, z1)`` are read at the start and written back at the
    end, so consecutive calls continue the same filter.  ``dst`` may be
    ``src`` (in place).  Same recurrence as scipy's ``sosfilt``.
    """
    b00, b01, b02, a01, a02 = coef[0, 0], coef[0, 1], coef[0, 2], coef[0, 3], coef[0, 4]
    b10, b11, b12, a11, a12 = coef[1, 0], coef[1, 1], coef[1, 2], coef[1, 3], coef[1, 4]
    b20, b21, b22, a21, a22 = coef[2, 0], coef[2, 1], coef[2, 2], coef[2, 3], coef[2, 4]
    b30, b31, b32, a31, a32 = coef[3, 0], coef[3, 1], coef[3, 2], coef[3, 3], coef[3, 4]
    z00, z01 = state[0, 0], state[0, 1]
    z10, z11 = state[1, 0], state[1, 1]
    z20, z21 = state[2, 0], state[2, 1]
    z30, z31 = state[3, 0], state[3, 1]
    for i in range(src.shape[0]):
        x = np.float64(src[i])
        y = b00 * x + z00
        z00 = b01 * x - a01 * y + z01
        z01 = b02 * x - a02 * y
        x = y
        y = b10 * x + z10
        z10 = b11 * x - a11 * y + z11
        z11 = b12 * x - a12 * y
        x = y
        y = b20 * x + z20
        z20 = b21 * x - a21 * y + z21
        z21 = b22 * x - a22 * y
        x = y
        y = b30 * x + z30
        z30 = b31 * x - a31 * y + z31
        z31 = b32 * x - a32 * y
        dst[i] = y
    state[0, 0], state[0, 1] = z00, z01
    state[1, 0], state[1, 1] = z10, z11
    state[2, 0], state[2, 1] = z20, z21
    state[3, 0], state[3, 1] = z30, z31


@jit
def _single(src, dst, coef, state):
    """One biquad over ``src`` into ``dst``: :func:`_cascade` for a one-section filter (same arithmetic)."""
    b0, b1, b2, a1, a2 = coef[0, 0], coef[0, 1], coef[0, 2], coef[0, 3], coef[0, 4]
    z0, z1 = state[0, 0], state[0, 1]
    for i in range(src.shape[0]):
        x = np.float64(src[i])
        y = b0 * x + z0
        z0 = b1 * x - a1 * y + z1
        z1 = b2 * x - a2 * y
        dst[i] = y
    state[0, 0], state[0, 1] = z0, z1


@jit
def _filter_segment(src, dst, coef, state):
    """All section groups over ``src`` into ``dst`` (float64), chunked so data stays in cache."""
    n_groups = coef.shape[0]
    if coef.shape[1] == 1:  # a one-section filter (the linear envelope's low-pass) is never padded
        _single(src, dst, coef[0], state[0])
        return
    if n_groups == 1:
        _cascade(src, dst, coef[0], state[0])
        return
    n = src.shape[0]
    chunk = 4096  # samples that stay in L1 while every group passes over them
    for lo in range(0, n, chunk):
        hi = min(lo + chunk, n)
        _cascade(src[lo:hi], dst[lo:hi], coef[0], state[0])
        for g in range(1, n_groups):
            _cascade(dst[lo:hi], dst[lo:hi], coef[g], state[g])


@jit
def _read(x, i, rect):
    """``x[i]`` in float64, or ``|x[i]|`` when ``rect``."""
    v = np.float64(x[i])
    return abs(v) if rect else v


@jit
def _filtfilt_row(x, coef, zi, padlen, y, pad, rect):
    """Forward-backward filter one row ``x`` into the float64 row ``y``.

    ``pad`` is a float64 scratch of ``padlen`` samples.  The odd extensions
    ``2*x[0] - x[padlen:0:-1]`` and ``2*x[-1] - x[-2:-padlen-2:-1]`` are built
    in ``pad`` one at a time; the backward pass's outputs over the left
    extension are never used, so that part is skipped.  With ``rect`` the
    row is read as ``|x|`` (full-wave rectification fused into the read).
    """
    n = x.shape[0]
    state = np.empty_like(zi)
    first = _read(x, 0, rect)
    last = _read(x, n - 1, rect)
    # forward pass: left extension (outputs discarded), the signal, right extension
    for e in range(padlen):
        pad[e] = 2.0 * first - _read(x, padlen - e, rect)
    start = pad[0]
    for g in range(zi.shape[0]):
        for s in range(zi.shape[1]):
            state[g, s, 0] = zi[g, s, 0] * start
            state[g, s, 1] = zi[g, s, 1] * start
    _filter_segment(pad, pad, coef, state)
    if rect:
        for i in range(n):
            y[i] = abs(np.float64(x[i]))
        _filter_segment(y, y, coef, state)
    else:
        _filter_segment(x, y, coef, state)
    for e in range(padlen):
        pad[e] = 2.0 * last - _read(x, n - 2 - e, rect)
    _filter_segment(pad, pad, coef, state)
    # backward pass, starting from the steady state of the last forward output
    start = pad[padlen - 1]
    for g in range(zi.shape[0]):
        for s in range(zi.shape[1]):
            state[g, s, 0] = zi[g, s, 0] * start
            state[g, s, 1] = zi[g, s, 1] * start
    back = pad[::-1]
    _filter_segment(back, back, coef, state)
    back = y[::-1]
    _filter_segment(back, back, coef, state)


@jit
def _lanes_pass(buf, m, coef, z):
    """Cascade four sections over ``buf[:m]`` in place, one lane (channel) per column.

    The innermost loop runs across lanes, so each section's recurrence
    advances all channels of the group with one vector instruction.  ``coef``
    is one group's (4, 5) coefficients, ``z`` its (4, 2, lanes) states.  Same
    arithmetic, in the same order, as :func:`_cascade`.  (A literal section
    count lets LLVM unroll the section loop and vectorise the lane loop; a
    runtime count made it 2-3x slower.)
    """
    lanes = buf.shape[1]
    for i in range(m):
        row = buf[i]
        for s in range(4):
            b0, b1, b2, a1, a2 = coef[s, 0], coef[s, 1], coef[s, 2], coef[s, 3], coef[s, 4]
            z0 = z[s, 0]
            z1 = z[s, 1]
            for c in range(lanes):
                x = row[c]
                y = b0 * x + z0[c]
                z0[c] = b1 * x - a1 * y + z1[c]
                z1[c] = b2 * x - a2 * y
                row[c] = y


@jit
def _lanes_single(buf, m, coef, z):
    """:func:`_lanes_pass` for a one-section filter (same arithmetic, a quarter of the work)."""
    lanes = buf.shape[1]
    b0, b1, b2, a1, a2 = coef[0, 0], coef[0, 1], coef[0, 2], coef[0, 3], coef[0, 4]
    z0 = z[0, 0]
    z1 = z[0, 1]
    for i in range(m):
        row = buf[i]
        for c in range(lanes):
            x = row[c]
            y = b0 * x + z0[c]
            z0[c] = b1 * x - a1 * y + z1[c]
            z1[c] = b2 * x - a2 * y
            row[c] = y


@jit
def _lanes_filter(buf, m, coef, z):
    """Every section group over ``buf[:m]``; the chunk stays in L1 between groups."""
    if coef.shape[1] == 1:
        _lanes_single(buf, m, coef[0], z[0])
        return
    for g in range(coef.shape[0]):
        _lanes_pass(buf, m, coef[g], z[g])


@jit
def _set_state(z, zi, lane, value):
    """Steady-state initial conditions ``zi * value`` for one lane."""
    for g in range(zi.shape[0]):
        for s in range(zi.shape[1]):
            z[g, s, 0, lane] = zi[g, s, 0] * value
            z[g, s, 1, lane] = zi[g, s, 1] * value


@jit
def _filtfilt_lanes(x, coef, zi, padlen, lanes, work, rect):
    """Forward-backward filter the rows of ``x`` (at most ``lanes``) together into ``work``.

    Chunks of the rows are transposed into a (chunk, lanes) float64 buffer,
    filtered across lanes (:func:`_lanes_pass`) and written back; unused
    lanes stay 0.  ``work`` is float64 and may be the output itself.  With
    ``rect`` the rows are read as ``|x|``.
    """
    n_valid, n = x.shape
    chunk = 512
    buf = np.zeros((chunk, lanes))
    z = np.zeros((coef.shape[0], coef.shape[1], 2, lanes))
    tail = np.zeros((padlen, lanes))
    for c in range(n_valid):
        _set_state(z, zi, c, 2.0 * _read(x[c], 0, rect) - _read(x[c], padlen, rect))
    # forward pass over the left extension (outputs unused), the signal, the right extension
    for lo in range(0, padlen, chunk):
        m = min(chunk, padlen - lo)
        for c in range(n_valid):
            first = 2.0 * _read(x[c], 0, rect)
            for i in range(m):
                buf[i, c] = first - _read(x[c], padlen - lo - i, rect)
        _lanes_filter(buf, m, coef, z)
    for lo in range(0, n, chunk):
        m = min(chunk, n - lo)
        if rect:
            for i in range(m):
                row = buf[i]
                for c in range(n_valid):
                    row[c] = abs(np.float64(x[c, lo + i]))
        else:
            for i in range(m):
                row = buf[i]
                for c in range(n_valid):
                    row[c] = x[c, lo + i]
        _lanes_filter(buf, m, coef, z)
        for c in range(n_valid):
            dst = work[c, lo : lo + m]
            for i in range(m):
                dst[i] = buf[i, c]
    for lo in range(0, padlen, chunk):
        m = min(chunk, padlen - lo)
        for c in range(n_valid):
            last = 2.0 * _read(x[c], n - 1, rect)
            for i in range(m):
                buf[i, c] = last - _read(x[c], n - 2 - lo - i, rect)
        _lanes_filter(buf, m, coef, z)
        tail[lo : lo + m] = buf[:m]
    # backward pass from the steady state of the last forward output; the left extension is skipped
    for c in range(n_valid):
        _set_state(z, zi, c, tail[padlen - 1, c])
    for lo in range(0, padlen, chunk):
        m = min(chunk, padlen - lo)
        for i in range(m):
            buf[i] = tail[padlen - 1 - lo - i]
        _lanes_filter(buf, m, coef, z)
    for hi in range(n, 0, -chunk):
        m = min(chunk, hi)
        for c in range(n_valid):
            seg = work[c, hi - m : hi]
            for i in range(m):
                buf[i, c] = seg[m - 1 - i]
        _lanes_filter(buf, m, coef, z)
        for c in range(n_valid):
            seg = work[c, hi - m : hi]
            for i in range(m):
                seg[m - 1 - i] = buf[i, c]


@jit(parallel=True)
def _rows_f64(x, coef, zi, padlen, rect, out):
    for r in prange(x.shape[0]):
        _filtfilt_row(x[r], coef, zi, padlen, out[r], np.empty(padlen), rect)


@jit(parallel=True)
def _rows_f32(x, coef, zi, padlen, rect, out):
    # a float64 work row per channel, rounded to float32 once at the end
    for r in prange(x.shape[0]):
        work = np.empty(x.shape[1])
        _filtfilt_row(x[r], coef, zi, padlen, work, np.empty(padlen), rect)
        for i in range(work.shape[0]):
            out[r, i] = work[i]


@jit(parallel=True)
def _lanes_f64(x, coef, zi, padlen, lanes, rect, out):
    n_rows = x.shape[0]
    for g in prange((n_rows + lanes - 1) // lanes):
        r0 = g * lanes
        r1 = min(r0 + lanes, n_rows)
        _filtfilt_lanes(x[r0:r1], coef, zi, padlen, lanes, out[r0:r1], rect)


@jit(parallel=True)
def _lanes_f32(x, coef, zi, padlen, lanes, rect, out):
    # float64 work rows per group, rounded to float32 once at the end
    n_rows, n = x.shape
    for g in prange((n_rows + lanes - 1) // lanes):
        r0 = g * lanes
        r1 = min(r0 + lanes, n_rows)
        work = np.empty((r1 - r0, n))
        _filtfilt_lanes(x[r0:r1], coef, zi, padlen, lanes, work, rect)
        for r in range(r1 - r0):
            for i in range(n):
                out[r0 + r, i] = work[r, i]


def _check_sos(sos):
    """Return ``sos`` as a float64 (n_sections, 6) array with a0 == 1."""
    arr = np.asarray(sos)
    if arr.ndim != 2 or arr.shape[1] != 6 or arr.shape[0] < 1:
        raise InvalidInputError(
            f"sos must have shape (n_sections, 6) with n_sections >= 1, got shape {arr.shape}; "
            "design one with scipy.signal.butter(..., output='sos')"
        )
    if not np.issubdtype(arr.dtype, np.floating) and not np.issubdtype(arr.dtype, np.integer):
        raise InvalidInputError(f"sos must hold real numbers, got dtype {arr.dtype}")
    arr = arr.astype(np.float64)
    if not np.all(np.isfinite(arr)):
        raise InvalidInputError("sos contains NaN or inf coefficients; check the filter design")
    if not np.all(arr[:, 3] == 1.0):
        raise InvalidInputError(
            f"sos[:, 3] (the a0 coefficients) must all be 1, got {arr[:, 3].tolist()}; "
            "normalise each section by dividing its row by a0"
        )
    return arr


def _grouped(sos, zi):
    """Pack coefficients as (n_groups, _GROUP, 5) and zi as (n_groups, _GROUP, 2), identity-padded.

    A one-section filter is packed as (1, 1, 5) and (1, 1, 2): the kernels run
    it on its own instead of beside three identity sections.
    """
    n_sections = sos.shape[0]
    if n_sections == 1:
        return np.ascontiguousarray(sos[:, [0, 1, 2, 4, 5]]).reshape(1, 1, 5), np.asarray(zi, dtype=np.float64).reshape(1, 1, 2)
    n_groups = -(-n_sections // _GROUP)
    coef = np.zeros((n_groups * _GROUP, 5))
    coef[:, 0] = 1.0  # identity section: y = x, state stays 0
    coef[:n_sections] = sos[:, [0, 1, 2, 4, 5]]
    zi_all = np.zeros((n_groups * _GROUP, 2))
    zi_all[:n_sections] = zi
    return coef.reshape(n_groups, _GROUP, 5), zi_all.reshape(n_groups, _GROUP, 2)


def _lanes_pay_off(n_rows):
    """True when groups of ``_LANES`` channels finish sooner than one channel per thread."""
    threads = numba.get_num_threads()
    groups = -(-n_rows // _LANES)
    return -(-groups // threads) * _LANE_GROUP_COST < -(-n_rows // threads)


def sosfiltfilt(sos, x, out=None, *, rectify=False):
    """Zero-phase forward-backward IIR filter in second-order sections, along the last axis.

    Parameters
    ----------
    sos : array_like, shape (n_sections, 6)
        Second-order sections ``[b0, b1, b2, a0, a1, a2]`` with ``a0 = 1``, as
        returned by ``scipy.signal.butter(..., output="sos")``.
    x : ndarray, shape (n_samples,) or (n_channels, n_samples)
        float32 or float64, any strides.  Each row is filtered on its own.
    out : ndarray, optional
        Same shape and dtype as ``x``.
    rectify : bool, default False
        Filter ``|x|`` instead of ``x`` (the linear envelope's full-wave
        rectification, fused into the filter's read: no rectified copy).

    Returns
    -------
    ndarray
        Filtered signal, same shape and dtype as ``x``; computed in float64.

    Raises
    ------
    InvalidInputError
        Bad ``sos``, wrong dtype or number of dimensions of ``x``, a
        mismatching ``out``, or a signal not longer than the padding
        (``3 * (2 * n_sections + 1)`` samples, fewer when sections are of
        first order).

    Notes
    -----
    Equals ``scipy.signal.sosfiltfilt(sos, x, axis=-1)`` with its defaults
    (``padtype="odd"``, ``padlen = 3 * ntaps``, initial conditions
    ``sosfilt_zi(sos)`` scaled by the first sample of each pass): each
    section is the direct form II transposed recurrence of
    ``scipy.signal.sosfilt`` with the same operation order, so float64
    results agree to rounding (bit for bit in our tests); float32 input is
    filtered in float64 and rounded once.  Near the record's ends the odd
    extension shapes the transient exactly as in SciPy.  Channels are
    filtered in parallel (eight at a time across SIMD lanes when there are
    enough channels to keep every core busy that way).

    Examples
    --------
    >>> import numpy as np
    >>> from scipy.signal import butter
    >>> from emgkit.kernels import sosfiltfilt
    >>> sos = butter(2, 10, fs=1000, output="sos")
    >>> y = sosfiltfilt(sos, np.ones(100))
    >>> bool(np.allclose(y, 1.0))
    True
    """
    sos = _check_sos(sos)
    arr = _check_signal(x)
    n = arr.shape[-1]
    n_sections = sos.shape[0]
    ntaps = 2 * n_sections + 1 - min(int((sos[:, 2] == 0).sum()), int((sos[:, 5] == 0).sum()))
    padlen = 3 * ntaps
    if n <= padlen:
        raise InvalidInputError(
            f"x has {n} samples per channel, but a {n_sections}-section filter pads {padlen} samples "
            f"at each end and needs a signal longer than that ({padlen + 1} samples or more); "
            "pass a longer signal or use a lower filter order"
        )
    from scipy.signal import sosfilt_zi

    coef, zi = _grouped(sos, sosfilt_zi(sos))
    n_rows = 1 if arr.ndim == 1 else arr.shape[0]
    f64 = arr.dtype == np.float64
    rect = bool(rectify)
    if _lanes_pay_off(n_rows):
        return _run(_lanes_f64 if f64 else _lanes_f32, arr, out, coef, zi, padlen, _LANES, rect)
    return _run(_rows_f64 if f64 else _rows_f32, arr, out, coef, zi, padlen, rect)
