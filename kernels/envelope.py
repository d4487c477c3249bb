"""Per-sample amplitude kernels: rectification, centred moving mean / RMS, TKEO.

Every public function here is a thin wrapper in the stumpy style: it checks
the shape and dtype, makes the input C-contiguous once, allocates (or checks)
``out`` and calls a private ``@jit`` kernel that gets only arrays and
integers.  Inputs are 1-D ``(n_samples,)`` or channels-first
``(n_channels, n_samples)``, float32 or float64; results keep the input's
shape and dtype, while sums are accumulated in float64.  Windows are in
**samples** (the seconds-based API lives in :mod:`emgkit.envelope`).

Work is split into (channel, stretch of samples) tasks run with
``numba.prange``, so both cores stay busy even for a single channel.
"""

import operator

import numpy as np
from numba import prange

from emgkit.errors import InvalidInputError

from ._jit import jit

__all__ = ["rectify", "moving_average", "moving_rms", "tkeo"]

# Samples per parallel task for the streaming kernels: big enough to amortise
# task start-up, small enough to balance a few channels over the cores.
_TASK_SAMPLES = 1 << 17
# windows up to this many samples are summed directly (faster than the blocked scan there)
_DIRECT_MAX = 20
# samples streamed per segment into the blocked scan's buffer (fits L2 with room to spare)
_SEGMENT_SAMPLES = 1 << 15


# -- validation shared with the other kernel modules -------------------------
def _check_signal(x):
    """Return ``x`` as a float32/float64 ndarray of 1 or 2 dimensions."""
    arr = np.asarray(x)
    if arr.dtype not in (np.float32, np.float64):
        raise InvalidInputError(
            f"x must be a float32 or float64 array, got dtype {arr.dtype}; convert it first, "
            "e.g. x.astype(np.float64) (emgkit.Recording scales integer ADC counts for you)"
        )
    if arr.ndim not in (1, 2):
        raise InvalidInputError(
            f"x must be 1-D (n_samples,) or 2-D (n_channels, n_samples), got {arr.ndim}-D shape {arr.shape}"
        )
    return arr


def _check_out(out, arr):
    """Validate a caller-supplied ``out`` against the input ``arr``."""
    if not isinstance(out, np.ndarray):
        raise InvalidInputError(f"out must be a numpy array, got {type(out).__name__}")
    if out.shape != arr.shape or out.dtype != arr.dtype:
        raise InvalidInputError(
            f"out must have the input's shape {arr.shape} and dtype {arr.dtype}, "
            f"got shape {out.shape} and dtype {out.dtype}; allocate it with np.empty_like(x)"
        )
    if not out.flags.writeable:
        raise InvalidInputError("out is read-only; pass a writeable array (e.g. np.empty_like(x))")
    return out


def _check_window(window):
    """Return ``window`` as an int >= 1 or raise InvalidInputError."""
    if isinstance(window, (bool, np.bool_)):
        raise InvalidInputError(f"window must be a whole number of samples >= 1, got {window!r}")
    try:
        value = operator.index(window)
    except TypeError:
        raise InvalidInputError(
            f"window must be a whole number of samples >= 1, got {window!r}; "
            "convert a duration with emgkit._checks.window_samples(window_ms, fs)"
        ) from None
    if value < 1:
        raise InvalidInputError(f"window must be a whole number of samples >= 1, got {value}")
    return value


def _as_rows(arr):
    """C-contiguous 2-D view (or copy) of a validated 1-D/2-D array."""
    arr = np.ascontiguousarray(arr)
    return arr.reshape(1, -1) if arr.ndim == 1 else arr


def _run(kernel, arr, out, *args, elementwise=False):
    """Call ``kernel(rows, *args, out_rows)`` and return the result shaped like ``arr``.

    The kernel always writes into a fresh or caller-owned C-contiguous array
    that does not overlap its input; a non-contiguous or overlapping ``out``
    gets the result copied in.  ``elementwise`` kernels may write in place
    when ``out`` *is* the input (same memory, same strides).
    """
    if out is not None:
        _check_out(out, arr)
    if arr.size == 0:
        return out if out is not None else np.empty_like(arr, order="C")
    rows = _as_rows(arr)
    direct = out is not None and out.flags.c_contiguous
    if direct and np.may_share_memory(out, rows):
        # both C-contiguous with the same shape: identical memory iff same start address
        direct = elementwise and out.ctypes.data == rows.ctypes.data
    target = out.reshape(rows.shape) if direct else np.empty(rows.shape, dtype=arr.dtype)
    kernel(rows, *args, target)
    if direct:
        return out
    if out is None:
        return target.reshape(arr.shape)
    np.copyto(out, target.reshape(arr.shape))
    return out


def _tasks_per_row(n_rows, n_samples, chunk=_TASK_SAMPLES):
    """How many stretches to cut each row into so the cores share the work evenly."""
    if n_samples <= chunk:
        return 1
    return max(1, min(-(-n_samples // chunk), -(-8 // n_rows)))


# -- rectify -------------------------------------------------------------------
@jit(parallel=True)
def _rectify(x, out):
    flat_x = x.reshape(-1)
    flat_out = out.reshape(-1)
    size = flat_x.shape[0]
    chunk = 1 << 16
    for task in prange((size + chunk - 1) // chunk):
        stop = min(size, (task + 1) * chunk)
        for i in range(task * chunk, stop):
            flat_out[i] = abs(flat_x[i])


def rectify(x, out=None):
    """Full-wave rectification, ``|x|``, parallel over the array.

    Parameters
    ----------
    x : ndarray, shape (n_samples,) or (n_channels, n_samples)
        float32 or float64, any strides.
    out : ndarray, optional
        Same shape and dtype as ``x``; may be ``x`` itself (in place).

    Returns
    -------
    ndarray
        ``|x|`` with the shape and dtype of ``x`` (``out`` when given).

    Raises
    ------
    InvalidInputError
        Wrong dtype or number of dimensions, or a mismatching ``out``.

    Examples
    --------
    >>> import numpy as np
    >>> from emgkit.kernels import rectify
    >>> rectify(np.array([-1.5, 0.0, 2.0]))
    array([1.5, 0. , 2. ])
    """
    arr = _check_signal(x)
    return _run(_rectify, arr, out, elementwise=True)


# -- centred moving mean / RMS ------------------------------------------------
@jit
def _load_padded(row, start, size, square, buf):
    """buf[m] = row[start + m] (squared if ``square``) in float64; 0 where outside the row."""
    n = row.shape[0]
    lo = min(max(-start, 0), size)
    hi = max(min(n - start, size), lo)
    for m in range(lo):
        buf[m] = 0.0
    src = row[start + lo : start + hi]
    dst = buf[lo:hi]
    if square:
        for m in range(hi - lo):
            v = np.float64(src[m])
            dst[m] = v * v
    else:
        for m in range(hi - lo):
            dst[m] = np.float64(src[m])
    for m in range(hi, size):
        buf[m] = 0.0


@jit
def _scan_tail(block, size, tail):
    """tail[m] = sum(block[m:size])."""
    acc = 0.0
    src = block[:size][::-1]
    dst = tail[::-1]
    for m in range(size):
        acc += src[m]
        dst[m] = acc


@jit
def _scan_pair(pair, size, head1, tail1, head2, tail2):
    """In-block running sums of the two blocks ``pair[:size]`` and ``pair[size:]``.

    head[m] = sum of the block's first m + 1 terms, tail[m] = sum of its terms
    from m on.  The four sums are independent chains, so they overlap in
    the CPU pipeline.  (Reversed views keep every index provably
    non-negative, so Numba emits no wraparound checks: 2.5x faster.)
    """
    b1 = pair[:size]
    b2 = pair[size:]
    r1 = b1[::-1]
    r2 = b2[::-1]
    tail1_r = tail1[::-1]
    tail2_r = tail2[::-1]
    h1 = 0.0
    t1 = 0.0
    h2 = 0.0
    t2 = 0.0
    for m in range(size):
        h1 += b1[m]
        head1[m] = h1
        t1 += r1[m]
        tail1_r[m] = t1
        h2 += b2[m]
        head2[m] = h2
        t2 += r2[m]
        tail2_r[m] = t2


@jit
def _emit_block(start, window, n, tail, head, root, out_row):
    """Outputs whose window starts in the block at ``start``: tail of it + head of the next."""
    half = window // 2
    t_lo = max(0, -start - half)
    t_hi = min(window, n - start - half)
    if start >= 0 and start + 2 * window - 1 <= n:  # every window complete
        inv = 1.0 / window
        dest = out_row[start + half : start + half + window]
        v = tail[0] * inv
        dest[0] = np.sqrt(v) if root else v
        if root:
            for t in range(1, window):
                dest[t] = np.sqrt((tail[t] + head[t - 1]) * inv)
        else:
            for t in range(1, window):
                dest[t] = (tail[t] + head[t - 1]) * inv
    else:  # truncated windows at the record's edges: divide by the samples present
        for t in range(t_lo, t_hi):
            s = tail[t]
            if t > 0:
                s += head[t - 1]
            count = min(start + t + window, n) - max(start + t, 0)
            v = s / count
            out_row[start + t + half] = np.sqrt(max(v, 0.0)) if root else v


@jit
def _window_stretch(row, window, square, root, first_block, stop_block, seg_blocks, out_row):
    """Centred window means for the window starts in blocks [first_block, stop_block).

    The time axis is cut into blocks of ``window`` samples.  A window starting
    at ``l = k * window + t`` is the tail of block ``k`` (its terms from ``t``
    on) plus the head of block ``k + 1`` (its first ``t`` terms): two sums of
    at most ``window`` terms and never a subtraction, so no rounding error
    carries over from one window to the next (no drift, however large an
    earlier artifact).  The row is streamed ``seg_blocks`` blocks at a time
    into a cache-resident buffer (squared, zero outside the record), whose
    blocks are then scanned two at a time.
    """
    n = row.shape[0]
    head1 = np.empty(window)
    tail1 = np.empty(window)
    head2 = np.empty(window)
    tail2 = np.empty(window)
    tail0 = np.empty(window)
    seg = np.empty((seg_blocks + 2) * window)
    for k0 in range(first_block, stop_block, seg_blocks):
        k1 = min(k0 + seg_blocks, stop_block)
        # blocks k0 ... k1 + 1: the last pair scanned may reach one block past the last head used
        _load_padded(row, k0 * window, (k1 - k0 + 2) * window, square, seg)
        _scan_tail(seg, window, tail0)
        for k in range(k0, k1, 2):
            a = (k + 1 - k0) * window
            _scan_pair(seg[a : a + 2 * window], window, head1, tail1, head2, tail2)
            _emit_block(k * window, window, n, tail0, head1, root, out_row)
            if k + 1 < k1:
                _emit_block((k + 1) * window, window, n, tail1, head2, root, out_row)
            tail0, tail2 = tail2, tail0


@jit
def _direct_stretch(row, window, square, root, lo, hi, out_row):
    """Centred window means for outputs lo..hi-1 by direct summation (short windows).

    Complete windows are summed 1024 outputs at a time, one window offset
    per pass, so the inner loop runs across outputs and vectorises.  Used
    for windows of at most ``_DIRECT_MAX`` samples, where it beats the
    blocked scan.
    """
    n = row.shape[0]
    half = window // 2
    inv = 1.0 / window
    # outputs whose window lies inside the record: half <= i <= n - window + half
    inner_lo = min(max(lo, half), hi)
    inner_hi = max(min(hi, n - window + half + 1), inner_lo)
    _edge_means(row, window, square, root, lo, inner_lo, out_row)
    _edge_means(row, window, square, root, inner_hi, hi, out_row)
    acc = np.empty(1024)
    for c0 in range(inner_lo, inner_hi, 1024):
        size = min(1024, inner_hi - c0)
        acc[:size] = 0.0
        for j in range(window):
            src = row[c0 - half + j : c0 - half + j + size]
            if square:
                for t in range(size):
                    v = np.float64(src[t])
                    acc[t] += v * v
            else:
                for t in range(size):
                    acc[t] += np.float64(src[t])
        dest = out_row[c0 : c0 + size]
        if root:
            for t in range(size):
                dest[t] = np.sqrt(acc[t] * inv)
        else:
            for t in range(size):
                dest[t] = acc[t] * inv


@jit
def _edge_means(row, window, square, root, lo, hi, out_row):
    """Window means for outputs lo..hi-1 whose windows may be cut by the record's ends."""
    n = row.shape[0]
    half = window // 2
    for i in range(lo, hi):
        first = max(i - half, 0)
        stop = min(i - half + window, n)
        s = 0.0
        for j in range(first, stop):
            v = np.float64(row[j])
            s += v * v if square else v
        v = s / (stop - first)
        out_row[i] = np.sqrt(max(v, 0.0)) if root else v


@jit(parallel=True)
def _moving_mean(x, window, square, root, tasks_per_row, direct_max, seg_blocks, out):
    n_rows, n = x.shape
    half = window // 2
    # blocks holding the window start of some output sample
    first = -1 if half > 0 else 0
    last = (n - 1 - half) // window
    n_blocks = last - first + 1
    per_task = (n_blocks + tasks_per_row - 1) // tasks_per_row
    for task in prange(n_rows * tasks_per_row):
        r = task // tasks_per_row
        b0 = first + (task % tasks_per_row) * per_task
        b1 = min(b0 + per_task, last + 1)
        if b0 >= b1:
            continue
        if window <= direct_max:
            lo = max(b0 * window + half, 0)
            hi = min(b1 * window + half, n)
            _direct_stretch(x[r], window, square, root, lo, hi, out[r])
        else:
            _window_stretch(x[r], window, square, root, b0, b1, seg_blocks, out[r])


def _moving(x, window, out, square, root):
    arr = _check_signal(x)
    window = _check_window(window)
    n = arr.shape[-1]
    # with window >= 2n every (truncated) window spans the whole record; 2n + 1 gives the same
    # windows and bounds the work buffers
    window = min(window, 2 * n + 1)
    n_rows = 1 if arr.ndim == 1 else arr.shape[0]
    tasks = _tasks_per_row(n_rows, n, max(_TASK_SAMPLES, 8 * window))
    seg_blocks = max(2, _SEGMENT_SAMPLES // window)
    return _run(_moving_mean, arr, out, window, square, root, tasks, _DIRECT_MAX, seg_blocks)


def moving_average(x, window, out=None):
    """Centred moving average over ``window`` samples, truncated at the edges.

    Parameters
    ----------
    x : ndarray, shape (n_samples,) or (n_channels, n_samples)
        float32 or float64, any strides.  Each row is filtered on its own.
    window : int >= 1
        Window length in samples; may exceed the record.
    out : ndarray, optional
        Same shape and dtype as ``x``.

    Returns
    -------
    ndarray
        Same shape and dtype as ``x``: ``y[i] = mean(x[j])`` over
        ``j = i - window//2 ... i - window//2 + window - 1`` inside the record
        (divided by the number of samples present, so edges are not biased
        towards 0).

    Raises
    ------
    InvalidInputError
        Wrong dtype or number of dimensions, ``window`` not an integer >= 1,
        or a mismatching ``out``.

    Notes
    -----
    Sums are formed in float64 as a suffix sum of one ``window``-long block
    plus a prefix sum of the next (van Herk / Gil-Werman blocking), so each
    output has the rounding error of a direct sum of its window: there is
    no running sum that could drift after large artifacts, and NaN or inf
    only affect the windows that contain them.  Even windows are centred
    half a sample late (``window//2`` samples before ``i``, ``window//2 - 1``
    after).

    Examples
    --------
    >>> import numpy as np
    >>> from emgkit.kernels import moving_average
    >>> moving_average(np.array([1.0, 2.0, 3.0, 4.0]), 3)
    array([1.5, 2. , 3. , 3.5])
    """
    return _moving(x, window, out, square=False, root=False)


def moving_rms(x, window, out=None):
    """Centred moving root mean square over ``window`` samples, truncated at the edges.

    Parameters
    ----------
    x : ndarray, shape (n_samples,) or (n_channels, n_samples)
        float32 or float64, any strides.  Each row is processed on its own.
    window : int >= 1
        Window length in samples; may exceed the record.
    out : ndarray, optional
        Same shape and dtype as ``x``.

    Returns
    -------
    ndarray
        Same shape and dtype as ``x``:
        ``y[i] = sqrt(mean(x[j] ** 2))`` over
        ``j = i - window//2 ... i - window//2 + window - 1`` inside the record
        (divided by the number of samples present).  Unit of ``x``.

    Raises
    ------
    InvalidInputError
        Wrong dtype or number of dimensions, ``window`` not an integer >= 1,
        or a mismatching ``out``.

    Notes
    -----
    RMS[n] = sqrt((1/W) * sum_{k in window(n)} x[k]**2) (Konrad 2005, *The
    ABC of EMG*).  The sums of squares are built as in
    :func:`moving_average`: every window is the sum of at most two block
    partial sums of non-negative terms, so its relative error is below
    ``window * 2**-53`` whatever came before; there is no subtraction and
    hence no drift (e.g. in quiet stretches after a 1e6 artifact).

    Examples
    --------
    >>> import numpy as np
    >>> from emgkit.kernels import moving_rms
    >>> moving_rms(np.array([3.0, -4.0, 0.0]), 2)  # windows [3], [3, -4], [-4, 0]
    array([3.        , 3.53553391, 2.82842712])
    """
    return _moving(x, window, out, square=True, root=True)


# -- Teager-Kaiser energy operator ----------------------------------------------
@jit
def _tkeo_stretch(row, lo, hi, out_row):
    """psi[i] for i in [lo, hi) with 1 <= lo and hi <= n - 1 (interior samples)."""
    for i in range(lo, hi):
        a = np.float64(row[i - 1])
        b = np.float64(row[i])
        c = np.float64(row[i + 1])
        out_row[i] = b * b - a * c


@jit(parallel=True)
def _tkeo(x, tasks_per_row, out):
    n_rows, n = x.shape
    if n < 3:
        for r in range(n_rows):
            for i in range(n):
                out[r, i] = 0.0
        return
    interior = n - 2
    per_task = (interior + tasks_per_row - 1) // tasks_per_row
    for task in prange(n_rows * tasks_per_row):
        r = task // tasks_per_row
        lo = 1 + (task % tasks_per_row) * per_task
        hi = min(lo + per_task, n - 1)
        _tkeo_stretch(x[r], lo, hi, out[r])
    for r in range(n_rows):
        out[r, 0] = out[r, 1]
        out[r, n - 1] = out[r, n - 2]


def tkeo(x, out=None):
    """Teager-Kaiser energy operator, ``psi[n] = x[n]**2 - x[n-1] * x[n+1]``.

    Parameters
    ----------
    x : ndarray, shape (n_samples,) or (n_channels, n_samples)
        float32 or float64 (usually band-passed EMG), any strides.
    out : ndarray, optional
        Same shape and dtype as ``x``; must not overlap ``x``
        (an overlapping ``out`` is filled through a temporary).

    Returns
    -------
    ndarray
        Same shape and dtype as ``x``, in the unit of ``x`` squared.  The end
        samples are copied from their neighbours (``psi[0] = psi[1]``,
        ``psi[-1] = psi[-2]``).  Records shorter than 3 samples have no
        sample with both neighbours and give zeros.

    Raises
    ------
    InvalidInputError
        Wrong dtype or number of dimensions, or a mismatching ``out``.

    Notes
    -----
    Li, Zhou & Aruin (2007), *Ann Biomed Eng* 35:1532-1538.  Products are
    formed in float64.  psi can be negative: rectify and low-pass it before
    thresholding (Solnik et al. 2010).

    Examples
    --------
    >>> import numpy as np
    >>> from emgkit.kernels import tkeo
    >>> tkeo(np.array([1.0, 2.0, 3.0, 5.0]))
    array([ 1.,  1., -1., -1.])
    """
    arr = _check_signal(x)
    n_rows = 1 if arr.ndim == 1 else arr.shape[0]
    return _run(_tkeo, arr, out, _tasks_per_row(n_rows, arr.shape[-1]))
