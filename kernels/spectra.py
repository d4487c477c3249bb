"""Kernels of the spectral fatigue measures: Welch segments of one channel, the per-window band statistics and RMS.

The fatigue stage cuts a channel into Hann segments on one grid, takes their
periodograms with NumPy's FFT, and averages consecutive segments into each
analysis window's Welch spectrum, of which it keeps the median and mean
frequency, the band power and FInsm5.  These kernels do everything but the
FFT without the NumPy temporaries (demeaned frames, windowed frames, squared
spectra, a cumulative sum over every bin, the band copy) and without a Python
loop per window, with the same arithmetic in the same order as NumPy, so the
results are the very bits of :mod:`emgkit.fatigue`'s NumPy code: a
segment's mean uses NumPy's pairwise summation (reproduced here), and the
sums over a window's band bins follow NumPy's order on the band copy: left
to right when there are several windows (the copy's bins are its slow axis),
pairwise for a single window.  The segments go through the FFT a block at
a time into reused buffers, and each window's RMS comes from the running
energy read at the window edges only.
"""

import numpy as np

from emgkit.errors import InvalidInputError

from ._jit import jit

__all__ = ["hann_segments", "add_band_periodograms", "window_band_stats", "squares_cumsum_at"]

@jit
def _pairwise_block(a, lo, n):
    """NumPy's pairwise sum of ``a[lo:lo + n]`` for ``n <= 128``: eight running sums, then the rest in order."""
    if n < 8:
        res = 0.0
        for i in range(n):
            res += a[lo + i]
        return res
    v = a[lo: lo + n]  # indices from 0 in a range loop: no negative-index checks in the loop
    r0, r1, r2, r3 = v[0], v[1], v[2], v[3]
    r4, r5, r6, r7 = v[4], v[5], v[6], v[7]
    for k in range(1, n // 8):
        i = 8 * k
        r0 += v[i]
        r1 += v[i + 1]
        r2 += v[i + 2]
        r3 += v[i + 3]
        r4 += v[i + 4]
        r5 += v[i + 5]
        r6 += v[i + 6]
        r7 += v[i + 7]
    res = ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7))
    for i in range(n - n % 8, n):
        res += v[i]
    return res


@jit
def _pairwise_split1(a, lo, n):
    """NumPy's pairwise sum of ``a[lo:lo + n]`` for ``n <= 248`` (at most one split into two halves)."""
    if n <= 128:
        return _pairwise_block(a, lo, n)
    half = n // 2
    half -= half % 8
    return _pairwise_block(a, lo, half) + _pairwise_block(a, lo + half, n - half)


@jit
def _pairwise_split2(a, lo, n):
    """NumPy's pairwise sum of ``a[lo:lo + n]`` for ``n <= 488`` (halves of at most 248)."""
    if n <= 128:
        return _pairwise_block(a, lo, n)
    half = n // 2
    half -= half % 8
    return _pairwise_split1(a, lo, half) + _pairwise_split1(a, lo + half, n - half)


@jit
def _pairwise_split3(a, lo, n):
    """NumPy's pairwise sum of ``a[lo:lo + n]`` for ``n <= 968`` (halves of at most 488)."""
    if n <= 128:
        return _pairwise_block(a, lo, n)
    half = n // 2
    half -= half % 8
    return _pairwise_split2(a, lo, half) + _pairwise_split2(a, lo + half, n - half)


@jit
def _pairwise_split4(a, lo, n):
    """NumPy's pairwise sum of ``a[lo:lo + n]`` for ``n <= 1928`` (halves of at most 968)."""
    if n <= 128:
        return _pairwise_block(a, lo, n)
    half = n // 2
    half -= half % 8
    return _pairwise_split3(a, lo, half) + _pairwise_split3(a, lo + half, n - half)


@jit
def _pairwise(a, lo, n):
    """``np.add.reduce`` of the contiguous ``a[lo:lo + n]``: NumPy's pairwise summation, same order of operations.

    Above 128 samples NumPy adds the sums of two halves (the first a multiple
    of 8 long), recursively.  Up to 1928 samples (four levels of halves) the
    levels are the functions above, which allocate nothing; beyond, the
    recursion runs on an explicit stack (Numba's disk cache cannot load a
    self-recursive function).
    """
    if n <= 1928:  # NumPy's PW_BLOCKSIZE is 128 (numpy/_core/src/umath/loops_utils.h.src)
        return _pairwise_split4(a, lo, n)
    todo_lo = np.empty(192, dtype=np.int64)  # pending halves: start, length, 0 = to split, 1 = to add up
    todo_n = np.empty(192, dtype=np.int64)
    todo_add = np.empty(192, dtype=np.int64)
    sums = np.empty(64)
    top, n_sums = 0, 0
    todo_lo[0], todo_n[0], todo_add[0] = lo, n, 0
    top = 1
    while top:
        top -= 1
        start, size, add = todo_lo[top], todo_n[top], todo_add[top]
        if add:
            n_sums -= 1
            sums[n_sums - 1] = sums[n_sums - 1] + sums[n_sums]
        elif size <= 128:
            sums[n_sums] = _pairwise_block(a, start, size)
            n_sums += 1
        else:
            half = size // 2
            half -= half % 8
            todo_lo[top], todo_n[top], todo_add[top] = start, size, 1
            todo_lo[top + 1], todo_n[top + 1], todo_add[top + 1] = start + half, size - half, 0
            todo_lo[top + 2], todo_n[top + 2], todo_add[top + 2] = start, half, 0
            top += 3
    return sums[0]


@jit
def _bin_sum(a, n, pairwise):
    """``a[0] + ... + a[n - 1]``: pairwise (NumPy on a single window's bins), else left to right (NumPy on several)."""
    if pairwise:
        return _pairwise(a, 0, n)
    res = a[0] if n else 0.0
    for i in range(1, n):
        res += a[i]
    return res


@jit
def _hann_segments(x, offset, nper, step, n_seg, win, out):
    for s in range(n_seg):
        a = offset + s * step
        mean = _pairwise(x, a, nper) / nper
        seg = x[a: a + nper]
        row = out[s]
        for i in range(nper):
            row[i] = (seg[i] - mean) * win[i]


def hann_segments(x, offset, nper, step, win, count=None, out=None):
    """Segments ``x[offset + j * step : ... + nper]`` with their mean removed, times ``win``: the rows Welch transforms.

    Parameters
    ----------
    x : ndarray, shape (n_samples,), float64
    offset, nper, step : int
        First segment start, segment length and hop, in samples.
    win : ndarray, shape (nper,), float64
        The window (Hann).
    count : int, optional
        Segments to cut (at most those that fit); default all that fit.
    out : ndarray, shape (>= count, nper), float64, optional
        C-contiguous buffer written in its first rows (a block of a longer
        signal reuses one buffer); default a new array.

    Returns
    -------
    ndarray, shape (n_segments, nper)
        ``(frames - frames.mean(axis=1, keepdims=True)) * win`` of the
        segments, bit for bit (a view of ``out`` when given).
    """
    x = np.ascontiguousarray(x, dtype=np.float64)
    win = np.ascontiguousarray(win, dtype=np.float64)
    if x.ndim != 1 or win.shape != (int(nper),) or nper < 1 or step < 1 or offset < 0:
        raise InvalidInputError(f"hann_segments: a 1-D signal and a window of nper={nper} samples, step >= 1 and offset >= 0")
    n_seg = max(0, (x.shape[0] - offset - nper) // step + 1)
    if count is not None:
        n_seg = min(n_seg, max(0, int(count)))
    if out is None:
        out = np.empty((n_seg, int(nper)))
    elif out.dtype != np.float64 or out.ndim != 2 or out.shape[0] < n_seg or out.shape[1] != nper or not out.flags.c_contiguous:
        raise InvalidInputError(f"hann_segments: out must be a C-contiguous float64 array of at least {n_seg} rows of {nper}")
    _hann_segments(x, int(offset), int(nper), int(step), n_seg, win, out)
    return out[:n_seg]


@jit
def _squares_cumsum_at(x, at, out):
    s = 0.0
    i = 0
    for k in range(at.shape[0]):
        while i < at[k]:
            s += x[i] * x[i]
            i += 1
        out[k] = s


def squares_cumsum_at(x, at):
    """``np.concatenate([[0.0], np.cumsum(x * x)])[at]`` without the cumulative array: the energy before each index.

    Parameters
    ----------
    x : ndarray, shape (n_samples,), float64
        Signal (unit).
    at : ndarray of int, shape (n,)
        Indices in ``[0, n_samples]``, non-decreasing.

    Returns
    -------
    ndarray, shape (n,)
        Sum of ``x[:at[k]] ** 2`` (unit**2), added left to right as ``np.cumsum`` does, bit for bit.
    """
    x = np.ascontiguousarray(x, dtype=np.float64)
    at = np.ascontiguousarray(at, dtype=np.int64)
    if x.ndim != 1 or at.ndim != 1 or (at.size and (at[0] < 0 or at[-1] > x.shape[0] or (np.diff(at) < 0).any())):
        raise InvalidInputError(f"squares_cumsum_at: non-decreasing indices in [0, {x.shape[-1]}] of a 1-D signal")
    out = np.empty(at.size)
    _squares_cumsum_at(x, at, out)
    return out


@jit
def _add_band_periodograms(spec, scale, nper, lo, hi, csum, start):
    n_bins = hi - lo
    for s in range(spec.shape[0]):
        prev = csum[start + s]
        row = csum[start + s + 1]
        band = spec[s, lo:hi]
        for k in range(n_bins):
            z = band[k]
            p = (z.real * z.real + z.imag * z.imag) / scale
            if 1 <= lo + k < (nper + 1) // 2:
                p *= 2.0  # one-sided: every bin but DC (and Nyquist for even nper) counts twice
            row[k] = prev[k] + p


def add_band_periodograms(spec, fs, win, band, csum, start):
    """Running sums of the segments' one-sided density periodograms over the band bins, extended by ``spec``'s rows.

    Parameters
    ----------
    spec : ndarray, shape (n_segments, nper // 2 + 1), complex128
        ``np.fft.rfft`` of consecutive windowed segments (:func:`hann_segments`).
    fs : float
        Sampling rate, Hz.
    win : ndarray, shape (nper,)
        The segments' window (its energy scales the density).
    band : (int, int)
        Bins ``[lo, hi)`` of the band.
    csum : ndarray, shape (>= start + n_segments + 1, hi - lo), float64
        Running sums (unit**2/Hz): row ``start`` holds the sum of the segments
        before ``spec``'s first (zeros for the first block); rows
        ``start + 1 ... start + n_segments`` are written, each the row
        before plus one segment's periodogram, as ``np.cumsum`` adds them.
    start : int
        Index in ``csum`` of the segment before ``spec``'s first.
    """
    spec = np.ascontiguousarray(spec, dtype=np.complex128)
    lo, hi, start = int(band[0]), int(band[1]), int(start)
    if (spec.ndim != 2 or not 0 <= lo < hi <= spec.shape[1] or csum.dtype != np.float64 or csum.ndim != 2
            or csum.shape[1] != hi - lo or not 0 <= start or start + spec.shape[0] >= csum.shape[0]):
        raise InvalidInputError(f"add_band_periodograms: bins [{lo}, {hi}) of spectra shaped {spec.shape} into sums "
                                f"shaped {csum.shape} from row {start}")
    win = np.asarray(win, dtype=np.float64)
    _add_band_periodograms(spec, float(fs * np.sum(win**2)), win.size, lo, hi, csum, start)


@jit
def _window_band_stats(csum, f, f5, first, per_window, out):
    n_bins = csum.shape[1]
    n_win = first.shape[0]
    one = n_win == 1
    pw = np.empty(n_bins)
    tmp = np.empty(n_bins)
    cum = np.empty(n_bins)
    for w in range(n_win):
        a = first[w]
        b = a + per_window
        for k in range(n_bins):
            pw[k] = (csum[b, k] - csum[a, k]) / per_window
        total = _bin_sum(pw, n_bins, one)
        out[w, 0] = total
        # median frequency: cumulative trapezoid over the band, interpolated at half of it
        cum[0] = 0.0
        for k in range(n_bins - 1):
            cum[k + 1] = cum[k] + 0.5 * (pw[k + 1] + pw[k])
        area = cum[n_bins - 1]
        if area > 0 and np.isfinite(area):
            out[w, 1] = _interp(0.5 * area, cum, f)
        else:
            out[w, 1] = np.nan
        # mean frequency
        for k in range(n_bins):
            tmp[k] = pw[k] * f[k]
        out[w, 2] = _bin_sum(tmp, n_bins, one) / total if total > 0 else np.nan
        # FInsm5 = M(-1) / M(5) over the bins above 0 Hz
        m = 0
        for k in range(n_bins):
            if f[k] > 0:
                tmp[m] = pw[k] / f[k]
                m += 1
        m_1 = _bin_sum(tmp, m, one)
        m = 0
        for k in range(n_bins):
            if f[k] > 0:
                tmp[m] = pw[k] * f5[k]
                m += 1
        m5 = _bin_sum(tmp, m, one)
        out[w, 3] = m_1 / m5 if m5 > 0 else np.nan


@jit
def _interp(x, xp, fp):
    """``np.interp(x, xp, fp)`` for one finite ``x`` and non-decreasing ``xp`` (NumPy's rules, same arithmetic)."""
    n = xp.shape[0]
    if x < xp[0]:
        return fp[0]
    if x > xp[n - 1]:
        return fp[n - 1]
    lo, hi = 0, n  # largest j with xp[j] <= x
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if xp[mid] <= x:
            lo = mid
        else:
            hi = mid
    j = lo
    if j == n - 1 or xp[j] == x:
        return fp[j]
    slope = (fp[j + 1] - fp[j]) / (xp[j + 1] - xp[j])
    res = slope * (x - xp[j]) + fp[j]
    if np.isnan(res):
        res = slope * (x - xp[j + 1]) + fp[j + 1]
        if np.isnan(res) and fp[j] == fp[j + 1]:
            res = fp[j]
    return res


def window_band_stats(csum, first, per_window, f):
    """Band power, median and mean frequency and FInsm5 of Welch spectra that average consecutive segments.

    Parameters
    ----------
    csum : ndarray, shape (n_segments + 1, n_bins), float64
        Running sums of the segments' band periodograms (:func:`add_band_periodograms`).
    first : ndarray of int, shape (n_windows,)
        First segment of each analysis window.
    per_window : int >= 1
        Segments averaged per window.
    f : ndarray, shape (n_bins,)
        The band's bin frequencies, Hz.

    Returns
    -------
    ndarray, shape (n_windows, 4)
        Columns: band power (sum of the PSD bins), MDF (Hz, NaN for no
        power), MNF (Hz) and FInsm5 (Hz**-6), as :func:`emgkit.fatigue.median_frequency`,
        :func:`~emgkit.fatigue.mean_frequency` and the moment ratio compute
        them on ``(csum[first + per_window] - csum[first]) / per_window``.
    """
    csum = np.ascontiguousarray(csum, dtype=np.float64)
    first = np.ascontiguousarray(first, dtype=np.int64)
    f = np.ascontiguousarray(f, dtype=np.float64)
    if csum.ndim != 2 or csum.shape[1] < 2 or f.shape != (csum.shape[1],) or per_window < 1:
        raise InvalidInputError(f"window_band_stats: {f.size} frequencies for sums shaped {csum.shape} (at least 2 bins)")
    if first.size and (first.min() < 0 or first.max() + per_window >= csum.shape[0]):
        raise InvalidInputError("window_band_stats: a window runs past the last segment")
    out = np.empty((first.size, 4))
    _window_band_stats(csum, f, f**5, first, int(per_window), out)
    return out
