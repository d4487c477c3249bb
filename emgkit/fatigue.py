"""Spectral fatigue: median and mean frequency over time, their slopes, amplitude trend, FInsm5.

With sustained or repeated effort the EMG spectrum compresses (MDF and MNF
fall) and the amplitude often rises (De Luca 1997; Merletti, Knaflitz & De
Luca 1990; review: Cifrek et al. 2009).  Here (docs/science.md#fatigue):

* the band-passed signal is cut into analysis windows (default 1 s, 50 %
  overlap, or one window per repetition at the same phase);
* each window's power spectrum is a Welch estimate (Hann segments of
  0.25 s, 50 % overlap) restricted to 20-450 Hz;
* ``MNF = sum(f P) / sum(P)``; MDF splits the band power in two halves
  (cumulative trapezoid integral, interpolated between bins);
* the fatigue index is the least-squares slope of MDF (and MNF) against time
  in Hz/s and in %/min of the line's intercept (its value at t = 0), with a
  confidence interval from the t distribution; overlapping windows share
  samples, so the interval counts the windows' covered time in window
  lengths as the number of independent points; the RMS slope likewise;
* optional FInsm5 = M(-1) / M(5), ``M_k = integral of f^k P(f) df`` over the
  band (Dimitrov et al. 2006), with its change over the record.

Only windows that are active (a share of at least ``min_active_fraction``
inside detected bursts), free of clipped samples and at a comparable
activation level count: the spectrum shifts with the contraction level as well
as with fatigue, so in an intermittent task a slope through low-level and
contraction windows mixes the two.  A window's level is its RMS against the
channel's contraction level (the ``LEVEL_PERCENTILE``-th percentile of the
RMS of the active, unclipped windows); windows below ``min_level_fraction`` of
it are left out ("low activation").  With fewer than ``min_windows`` (>= 3)
windows there is no slope, and the reason says why
(docs/science.md#fatigue-on-comparable-windows).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ._checks import check_fs
from .errors import InvalidInputError

__all__ = [
    "median_frequency",
    "mean_frequency",
    "welch_psd",
    "linear_trend",
    "Trend",
    "ChannelFatigue",
    "fatigue_indices",
    "sliding_windows",
    "window_measures",
    "channel_fatigue",
]

LEVEL_PERCENTILE = 90.0  # a channel's contraction level: this percentile of its active, unclipped windows' RMS


# -- spectra ------------------------------------------------------------------------------
def _band(f, p, low_hz, high_hz):
    f = np.asarray(f, dtype=np.float64)
    p = np.asarray(p, dtype=np.float64)
    if f.ndim != 1 or p.shape[-1] != f.size:
        raise InvalidInputError(f"f must be 1-D with one value per PSD bin, got shapes {f.shape} and {p.shape}")
    keep = np.ones(f.size, dtype=bool)
    if low_hz is not None:
        keep &= f >= low_hz
    if high_hz is not None:
        keep &= f <= high_hz
    if keep.sum() < 2:
        raise InvalidInputError(f"fewer than 2 spectral bins between {low_hz} and {high_hz} Hz; use a longer segment or a wider band")
    return f[keep], p[..., keep]


def median_frequency(f, p, low_hz=None, high_hz=None):
    """Median frequency of a power spectrum: the frequency that splits the band power in halves.

    Parameters
    ----------
    f : ndarray, shape (n_bins,)
        Bin frequencies in Hz, increasing and evenly spaced.
    p : ndarray, shape (..., n_bins)
        Power spectral density (any unit).
    low_hz, high_hz : float, optional
        Band limits (inclusive); default all bins.

    Returns
    -------
    float or ndarray
        MDF in Hz, from the cumulative trapezoid integral of ``p`` over the
        band, linearly interpolated at half the total.  NaN where the band
        power is 0.

    Examples
    --------
    >>> import numpy as np
    >>> f = np.arange(0.0, 101.0)
    >>> median_frequency(f, np.ones_like(f))
    50.0
    """
    fb, pb = _band(f, p, low_hz, high_hz)
    seg = 0.5 * (pb[..., 1:] + pb[..., :-1])
    cum = np.concatenate([np.zeros(pb.shape[:-1] + (1,)), np.cumsum(seg, axis=-1)], axis=-1)
    flat = cum.reshape(-1, cum.shape[-1])
    out = np.empty(flat.shape[0])
    for i, c in enumerate(flat):
        total = c[-1]
        out[i] = np.interp(0.5 * total, c, fb) if total > 0 and np.isfinite(total) else np.nan
    out = out.reshape(pb.shape[:-1])
    return float(out) if out.ndim == 0 else out


def mean_frequency(f, p, low_hz=None, high_hz=None):
    """Mean (centroid) frequency ``sum(f P) / sum(P)`` over the band, in Hz (NaN for zero power).

    Examples
    --------
    >>> import numpy as np
    >>> mean_frequency(np.array([10.0, 20.0, 30.0]), np.array([1.0, 2.0, 1.0]))
    20.0
    """
    fb, pb = _band(f, p, low_hz, high_hz)
    total = pb.sum(axis=-1)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.where(total > 0, (pb * fb).sum(axis=-1) / total, np.nan)
    return float(out) if np.ndim(out) == 0 else out


def _moment_ratio(f, p):
    """FInsm5 = M(-1) / M(5) on the band bins (f > 0)."""
    pos = f > 0
    f, p = f[pos], p[..., pos]
    m_1 = (p / f).sum(axis=-1)
    m5 = (p * f**5).sum(axis=-1)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(m5 > 0, m_1 / m5, np.nan)


def welch_psd(x, fs, segment_s=0.25):
    """Welch power spectral density with Hann segments of ``segment_s`` and 50 % overlap.

    Parameters
    ----------
    x : ndarray, shape (..., n_samples)
        Band-passed EMG.
    fs : float > 0
        Sampling rate in Hz.
    segment_s : float > 0
        Segment length in s (frequency resolution ``1 / segment_s`` Hz);
        shortened to the signal when longer.

    Returns
    -------
    f : ndarray, shape (n_bins,)
        Frequencies in Hz.
    p : ndarray, shape (..., n_bins)
        One-sided PSD in unit**2/Hz (mean removed per segment).
    """
    from scipy.signal import welch

    fs = check_fs(fs)
    x = np.asarray(x, dtype=np.float64)
    nper = max(8, int(round(segment_s * fs)))
    nper = min(nper, x.shape[-1])
    if nper < 8:
        raise InvalidInputError(f"a spectrum needs at least 8 samples, got {x.shape[-1]}")
    return welch(x, fs=fs, window="hann", nperseg=nper, noverlap=nper // 2, detrend="constant", scaling="density", axis=-1)


# -- trends -------------------------------------------------------------------------------
@dataclass(frozen=True)
class Trend:
    """Least-squares line ``y = intercept + slope * t`` through (t, y).

    Attributes
    ----------
    slope, slope_low, slope_high : float
        Slope (y unit per s) and its confidence interval.
    intercept : float
        Value at t = 0 (y unit).
    pct_per_min, pct_per_min_low, pct_per_min_high : float
        ``slope * 60 / intercept * 100`` and its interval (the intercept taken as
        exact), in %/min.
    r2 : float
        Coefficient of determination.
    n : int
        Points used.
    reason : str
        Why the trend is NaN (``""`` when defined).
    se : float
        Standard error of the slope (y unit per s).
    """

    slope: float = math.nan
    slope_low: float = math.nan
    slope_high: float = math.nan
    intercept: float = math.nan
    pct_per_min: float = math.nan
    pct_per_min_low: float = math.nan
    pct_per_min_high: float = math.nan
    r2: float = math.nan
    n: int = 0
    reason: str = ""
    se: float = math.nan


def linear_trend(t, y, *, confidence=0.95, min_points=3, effective_n=None) -> Trend:
    """Least-squares slope of ``y`` against ``t`` with a t-distribution confidence interval.

    Parameters
    ----------
    t : array_like, shape (n,)
        Times in s.
    y : array_like, shape (n,)
        Values (NaN points are dropped).
    confidence : float in (0, 1), default 0.95
        Level of the interval on the slope.
    min_points : int >= 3, default 3
        Fewer points give a Trend of NaN with a reason (docs/science.md#fatigue).
    effective_n : float, optional
        Number of independent points when the points are correlated (e.g.
        overlapping windows share samples).  The slope's standard error is
        scaled by ``sqrt(n / effective_n)`` and the t quantile uses
        ``effective_n - 2`` degrees of freedom (at least 1).  Default ``n``.

    Returns
    -------
    Trend

    Examples
    --------
    >>> tr = linear_trend([0.0, 60.0, 120.0], [100.0, 90.0, 80.0])
    >>> tr.slope, tr.pct_per_min
    (-0.16666666666666666, -10.0)
    """
    from scipy.stats import t as student_t

    t = np.asarray(t, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    if t.shape != y.shape or t.ndim != 1:
        raise InvalidInputError(f"t and y must be 1-D of equal length, got shapes {t.shape} and {y.shape}")
    if min_points < 3:
        raise InvalidInputError(f"min_points must be at least 3 (a slope needs a residual), got {min_points}")
    ok = np.isfinite(t) & np.isfinite(y)
    t, y = t[ok], y[ok]
    n = int(t.size)
    if n < min_points:
        return Trend(n=n, reason=f"only {n} usable window(s); a slope needs at least {min_points}")
    tm = t.mean()
    sxx = float(np.sum((t - tm) ** 2))
    if sxx == 0:
        return Trend(n=n, reason="all windows at the same time: no slope")
    slope = float(np.sum((t - tm) * (y - y.mean())) / sxx)
    intercept = float(y.mean() - slope * tm)
    resid = y - (intercept + slope * t)
    ss_res = float(np.sum(resid**2))
    ss_tot = float(np.sum((y - y.mean()) ** 2))
    r2 = 1.0 - ss_res / ss_tot if ss_tot > 0 else math.nan
    se = math.sqrt(ss_res / (n - 2) / sxx)
    dof = n - 2
    if effective_n is not None and effective_n < n:
        n_eff = max(float(effective_n), 3.0)
        se *= math.sqrt(n / n_eff)
        dof = n_eff - 2
    q = float(student_t.ppf(0.5 + confidence / 2, dof))
    lo, hi = slope - q * se, slope + q * se
    if intercept != 0:
        k = 60.0 / intercept * 100.0
        pct = (slope * k, *sorted((lo * k, hi * k)))
    else:
        pct = (math.nan, math.nan, math.nan)
    return Trend(slope, lo, hi, intercept, pct[0], pct[1], pct[2], r2, n, "", se)


# -- windows ------------------------------------------------------------------------------
def sliding_windows(n_samples, fs, window_s=1.0, overlap=0.5):
    """Start and stop samples of full windows of ``window_s`` stepping by ``window_s * (1 - overlap)``.

    Returns
    -------
    ndarray of int, shape (n_windows, 2)
        ``[start, stop)`` sample indices; empty when the record is shorter
        than one window.
    """
    fs = check_fs(fs)
    w = int(round(window_s * fs))
    if w < 8:
        raise InvalidInputError(f"window_s={window_s} s is only {w} samples at {fs:g} Hz; use a longer window")
    if not 0 <= overlap < 1:
        raise InvalidInputError(f"overlap must be in [0, 1), got {overlap}")
    step = max(1, int(round(w * (1.0 - overlap))))
    starts = np.arange(0, n_samples - w + 1, step, dtype=np.int64)
    return np.stack([starts, starts + w], axis=1) if starts.size else np.empty((0, 2), dtype=np.int64)


@dataclass(frozen=True)
class ChannelFatigue:
    """Fatigue indices of one channel.

    Attributes
    ----------
    windows : ndarray, shape (n_windows, 2)
        Window ``[start, stop)`` in samples.
    times_s : ndarray, shape (n_windows,)
        Window centres in s.
    mdf_hz, mnf_hz, rms, finsm5 : ndarray, shape (n_windows,)
        Per-window median and mean frequency (Hz), RMS (signal unit) and
        FInsm5 (Hz**-6; NaN when not computed).
    active_fraction : ndarray, shape (n_windows,)
        Share of each window inside detected activity.
    used : ndarray of bool, shape (n_windows,)
        Windows that entered the trends.
    excluded : ndarray of str, shape (n_windows,)
        Why a window was left out (``""`` when used).
    mdf, mnf, rms_trend, finsm5_trend : Trend
        Least-squares trends over the used windows.
    finsm5_change_pct : float
        Change of the fitted FInsm5 line from the first to the last used
        window, in % of its value at the first.
    reason : str
        Why there are no trends (``""`` when there are).
    contraction_rms : float
        The channel's contraction level: the ``LEVEL_PERCENTILE``-th percentile
        of the RMS of its active, unclipped windows (signal unit; NaN when none).
    level_fraction : float
        Windows with an RMS below this fraction of ``contraction_rms`` were left
        out (0: every level counts).
    """

    windows: np.ndarray
    times_s: np.ndarray
    mdf_hz: np.ndarray
    mnf_hz: np.ndarray
    rms: np.ndarray
    finsm5: np.ndarray
    active_fraction: np.ndarray
    used: np.ndarray
    excluded: np.ndarray
    mdf: Trend
    mnf: Trend
    rms_trend: Trend
    finsm5_trend: Trend
    finsm5_change_pct: float
    reason: str
    contraction_rms: float = math.nan
    level_fraction: float = 0.0


def fatigue_indices(
    x,
    fs,
    *,
    windows=None,
    window_s=1.0,
    overlap=0.5,
    segment_s=0.25,
    low_hz=20.0,
    high_hz=450.0,
    active=None,
    clipped=None,
    min_active_fraction=0.9,
    min_level_fraction=0.5,
    min_windows=3,
    finsm5=True,
    confidence=0.95,
):
    """Spectral fatigue indices per channel over sliding (or given) windows.

    Parameters
    ----------
    x : ndarray, shape (n_channels, n_samples) or (n_samples,)
        Band-passed EMG (DC removed), in its unit.
    fs : float > 0
        Sampling rate in Hz.
    windows : array_like, shape (n_windows, 2), optional
        Analysis windows as ``[start_s, stop_s)`` in s, the same for every
        channel (e.g. one per repetition at the same phase: call once per
        channel when phases differ).  Default: sliding windows of
        ``window_s`` with ``overlap``.
    window_s : float > 0, default 1.0
        Sliding window length in s.
    overlap : float in [0, 1), default 0.5
        Overlap of successive sliding windows.
    segment_s : float > 0, default 0.25
        Welch segment inside a window (Hann, 50 % overlap), s.
    low_hz, high_hz : float, default 20, 450
        Spectral band in Hz; ``high_hz`` is capped at fs/2.
    active : ndarray of bool, same shape as ``x``, optional
        Activity mask (detected bursts).  Default: every sample active.
    clipped : ndarray of bool, same shape as ``x``, optional
        Clipped samples (:func:`emgkit.quality.clipped_mask` of the raw
        signal); a window with any is left out.
    min_active_fraction : float in (0, 1], default 0.9
        Least share of active samples for a window to count.
    min_level_fraction : float in [0, 1], default 0.5
        Least RMS of a window, as a fraction of the channel's contraction
        level (the ``LEVEL_PERCENTILE``-th percentile of the RMS of its active,
        unclipped windows), for it to count; 0 counts every level.
    min_windows : int >= 3, default 3
        Fewest usable windows for a trend.
    finsm5 : bool, default True
        Also compute FInsm5 (Dimitrov et al. 2006).
    confidence : float, default 0.95
        Level of the slope intervals.

    Returns
    -------
    ChannelFatigue or list of ChannelFatigue
        One per channel (a single one for 1-D input).

    Raises
    ------
    InvalidInputError
        Band outside (0, fs/2), masks of the wrong shape, windows outside the
        record or shorter than a Welch segment.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> res = fatigue_indices(rng.standard_normal(10000), fs=1000)
    >>> res.mdf.n, bool(res.mdf.slope_low < 0 < res.mdf.slope_high)  # white noise: no trend
    (19, True)
    """
    fs = check_fs(fs)
    arr = np.asarray(x, dtype=np.float64)
    one = arr.ndim == 1
    rows = arr[np.newaxis] if one else arr
    if rows.ndim != 2:
        raise InvalidInputError(f"x must be 1-D or (n_channels, n_samples), got shape {arr.shape}")
    n_ch, n = rows.shape
    high = min(float(high_hz), fs / 2)
    if not 0 <= low_hz < high:
        raise InvalidInputError(f"band {low_hz}-{high_hz} Hz is empty at fs={fs:g} Hz (fs/2 = {fs / 2:g} Hz)")
    masks = {}
    for name, m in (("active", active), ("clipped", clipped)):
        if m is None:
            continue
        m = np.asarray(m, dtype=bool)
        m = m[np.newaxis] if m.ndim == 1 else m
        if m.shape != rows.shape:
            raise InvalidInputError(f"{name} mask has shape {m.shape}, expected {rows.shape} (one flag per sample)")
        masks[name] = m
    wins = _windows(windows, n, fs, window_s, overlap)
    out = []
    for c in range(n_ch):
        out.append(
            _channel(rows[c], fs, wins, segment_s, low_hz, high,
                     masks.get("active", [None] * n_ch)[c], masks.get("clipped", [None] * n_ch)[c],
                     min_active_fraction, min_level_fraction, min_windows, finsm5, confidence)
        )
    return out[0] if one else out


def _windows(windows, n, fs, window_s, overlap):
    if windows is None:
        return sliding_windows(n, fs, window_s, overlap)
    w = np.asarray(windows, dtype=np.float64)
    if w.size == 0:
        return np.empty((0, 2), dtype=np.int64)
    if w.ndim != 2 or w.shape[1] != 2:
        raise InvalidInputError(f"windows must be a sequence of (start_s, stop_s) pairs, got shape {w.shape}")
    if (w[:, 0] < 0).any() or (w[:, 1] > n / fs + 1e-9).any() or (w[:, 1] <= w[:, 0]).any():
        raise InvalidInputError(f"windows must satisfy 0 <= start_s < stop_s <= {n / fs:g} s, got {w.tolist()}")
    return np.round(w * fs).astype(np.int64)


def _window_stats(x, fs, windows, segment_s, low, high):
    """Band power, MDF, MNF and FInsm5 (columns) of the Welch spectrum of every window, shape (n_windows, 4).

    Windows of one length on one segment grid (sliding windows) share their
    segments: each segment's periodogram is computed once and the window
    spectra are means of consecutive ones (the kernels of
    :mod:`emgkit.kernels.spectra`, the same values as ``scipy.signal.welch``
    per window).  Other windows get ``welch_psd`` each.
    """
    lengths = windows[:, 1] - windows[:, 0]
    full = max(8, int(round(segment_s * fs)))
    nper = min(full, int(lengths.min()))
    step = nper - nper // 2
    offset = int(windows[0, 0]) % step
    if nper == full and (lengths == lengths[0]).all() and ((windows[:, 0] - offset) % step == 0).all():
        from scipy.signal import get_window

        from .kernels import window_band_stats

        win = get_window("hann", nper)
        f = np.fft.rfftfreq(nper, 1.0 / fs)
        keep = np.flatnonzero((f >= low) & (f <= high))
        if keep.size < 2:
            _band(f, f, low, high)  # raises the error of too narrow a band
        csum = _segment_periodogram_sums(x, offset, nper, step, win, fs, (keep[0], keep[-1] + 1))
        per_window = (int(lengths[0]) - nper) // step + 1
        return window_band_stats(csum, (windows[:, 0] - offset) // step, per_window, f[keep[0]: keep[-1] + 1])
    psd = [welch_psd(x[a:b], fs, segment_s) for a, b in windows]
    fb, pb = _band(psd[0][0], np.asarray([p for _, p in psd]), low, high)
    return np.column_stack([pb.sum(axis=1), np.atleast_1d(median_frequency(fb, pb)), np.atleast_1d(mean_frequency(fb, pb)),
                            _moment_ratio(fb, pb)])


def _segment_periodogram_sums(x, offset, nper, step, win, fs, band, block_samples=1 << 17):
    """Running sums over the segments of ``x`` of their band periodograms, shape (n_segments + 1, n_bins), unit**2/Hz.

    Segments are cut, transformed and summed about ``block_samples`` samples
    (1 MB) at a time into reused buffers (:func:`emgkit.kernels.hann_segments`,
    ``np.fft.rfft``, :func:`emgkit.kernels.add_band_periodograms`), which stay
    in the cache; fewer, larger blocks spend less on calls (64 segments of
    0.25 s at 2 kHz took 15-25 % more time than 256).
    """
    from .kernels import add_band_periodograms, hann_segments

    x = np.ascontiguousarray(x, dtype=np.float64)
    n_seg = max(0, (x.shape[0] - offset - nper) // step + 1)
    block = max(16, block_samples // nper)
    csum = np.empty((n_seg + 1, band[1] - band[0]))
    csum[0] = 0.0
    frames = np.empty((min(block, n_seg), nper))
    spec = np.empty((frames.shape[0], nper // 2 + 1), dtype=np.complex128)
    for s in range(0, n_seg, block):
        rows = hann_segments(x, offset + s * step, nper, step, win, count=block, out=frames)
        add_band_periodograms(np.fft.rfft(rows, axis=1, out=spec[: rows.shape[0]]), fs, win, band, csum, s)
    return csum


def _channel(x, fs, windows, segment_s, low, high, active, clipped, min_active_fraction, min_level_fraction, min_windows, finsm5,
             confidence):
    active = None if active is None else _window_counts(active, windows)
    clipped = None if clipped is None else _window_counts(clipped, windows)
    part = _measures(x, fs, windows, segment_s, low, high, active, clipped, min_active_fraction, finsm5)
    return channel_fatigue(windows, [part], fs, min_windows=min_windows, finsm5=finsm5, confidence=confidence,
                           min_level_fraction=min_level_fraction)


def window_measures(x, fs, windows, *, segment_s=0.25, low_hz=20.0, high_hz=450.0, active=None, clipped=None,
                    min_active_fraction=0.9, finsm5=True, active_counts=None, clipped_counts=None):
    """Per-window spectra and amplitude of one channel, before any trend: the streamable half of :func:`fatigue_indices`.

    Parameters
    ----------
    x : ndarray, shape (n_samples,)
        A stretch of band-passed EMG holding every window.
    fs : float > 0
    windows : ndarray of int, shape (n_windows, 2)
        ``[start, stop)`` in samples of ``x``.
    segment_s, low_hz, high_hz, active, clipped, min_active_fraction, finsm5
        As in :func:`fatigue_indices` (masks cover ``x``).
    active_counts, clipped_counts : ndarray of int, shape (n_windows,), optional
        Active and clipped samples per window, in place of the masks (a
        caller holding activity as runs need not build masks).

    Returns
    -------
    dict
        ``mdf, mnf, rms, finsm5, active_fraction`` (arrays, one value per
        window) and ``excluded`` (reason a window is left out, ``""`` if used);
        :func:`channel_fatigue` turns a list of them into the trends.
    """
    high = min(float(high_hz), fs / 2)
    if not 0 <= low_hz < high:
        raise InvalidInputError(f"band {low_hz}-{high_hz} Hz is empty at fs={fs:g} Hz (fs/2 = {fs / 2:g} Hz)")
    windows = np.asarray(windows, dtype=np.int64).reshape(-1, 2)
    if active is not None:
        active_counts = _window_counts(active, windows)
    if clipped is not None:
        clipped_counts = _window_counts(clipped, windows)
    return _measures(np.asarray(x, dtype=np.float64), fs, windows, segment_s, low_hz, high, active_counts, clipped_counts,
                     min_active_fraction, finsm5)


def _window_counts(mask, windows):
    """True samples of ``mask`` in each window ``[start, stop)``."""
    csum = np.concatenate([[0], np.cumsum(mask, dtype=np.int64)])
    return csum[windows[:, 1]] - csum[windows[:, 0]]


def _window_rms(x, windows):
    """RMS of ``x`` in each window ``[start, stop)`` from its running energy (0 for an empty window)."""
    from .kernels import squares_cumsum_at

    at, inv = np.unique(windows, return_inverse=True)
    csq = squares_cumsum_at(x, at)[inv.reshape(-1, 2)]
    return np.sqrt(np.maximum(csq[:, 1] - csq[:, 0], 0.0) / np.maximum(windows[:, 1] - windows[:, 0], 1))


def _measures(x, fs, windows, segment_s, low, high, active, clipped, min_active_fraction, finsm5):
    """Per-window values; ``active`` and ``clipped`` are sample counts per window (or None)."""
    k = len(windows)
    nan = np.full(k, np.nan)
    mdf, mnf, rms, fi = nan.copy(), nan.copy(), nan.copy(), nan.copy()
    frac = np.ones(k)
    excluded = np.array([""] * k, dtype=object)
    if k:
        a, b = windows[:, 0], windows[:, 1]
        rms = _window_rms(x, windows)
        length = np.maximum(b - a, 1)
        if active is not None:
            frac = np.asarray(active, dtype=np.int64) / length
        nclip = np.zeros(k, dtype=np.int64) if clipped is None else np.asarray(clipped, dtype=np.int64)
        short = (b - a) < max(8, int(round(segment_s * fs)))
        excluded[short] = "window shorter than a Welch segment"
        rms[short] = np.nan
        idle = ~short & (frac < min_active_fraction)
        _describe(excluded, idle, frac, lambda v: f"not active ({v * 100:.0f} % of the window in bursts)")
        _describe(excluded, ~short & ~idle & (nclip != 0), nclip, lambda v: f"clipped ({int(v)} samples)")
        ok = ~short
        if ok.any():
            power, mdf_ok, mnf_ok, fi_ok = _window_stats(x, fs, windows[ok], segment_s, low, high).T
            idx = np.flatnonzero(ok)
            mdf[idx] = mdf_ok
            mnf[idx] = mnf_ok
            if finsm5:
                fi[idx] = fi_ok
            for i in idx[~(power > 0)]:
                excluded[i] = excluded[i] or "no power in the band"
    return {"mdf": mdf, "mnf": mnf, "rms": rms, "finsm5": fi, "active_fraction": frac, "excluded": excluded}


def _describe(excluded, where, values, text):
    """Set ``excluded[where]`` to ``text(value)`` of each window's value, formatting each distinct value once."""
    if where.any():
        distinct, inverse = np.unique(values[where], return_inverse=True)
        excluded[where] = np.array([text(v) for v in distinct], dtype=object)[inverse.reshape(-1)]


def channel_fatigue(windows, parts, fs, *, min_windows=3, finsm5=True, confidence=0.95, min_level_fraction=0.5) -> "ChannelFatigue":
    """Trends of one channel from :func:`window_measures` of consecutive batches of its windows.

    Parameters
    ----------
    windows : ndarray of int, shape (n_windows, 2)
        All windows, in samples of the record, in the order of ``parts``.
    parts : list of dict
        :func:`window_measures` of consecutive batches of ``windows``.
    fs : float > 0
    min_windows, finsm5, confidence, min_level_fraction
        As in :func:`fatigue_indices`.  The level rule needs every window of
        the channel (its contraction level is a percentile over them), so it
        is applied here, not in :func:`window_measures`.

    Returns
    -------
    ChannelFatigue
    """
    if not 0 <= min_level_fraction <= 1:
        raise InvalidInputError(f"min_level_fraction must be in [0, 1] (a fraction of the contraction level), got {min_level_fraction}")
    windows = np.asarray(windows, dtype=np.int64).reshape(-1, 2)
    k = len(windows)
    cat = {key: np.concatenate([p[key] for p in parts]) if parts else np.empty(0, dtype=object if key == "excluded" else float) for key in
           ("mdf", "mnf", "rms", "finsm5", "active_fraction", "excluded")}
    mdf, mnf, rms, fi, frac = cat["mdf"], cat["mnf"], cat["rms"], cat["finsm5"], cat["active_fraction"]
    excluded = cat["excluded"].astype(object)
    level = _level_rule(rms, excluded, min_level_fraction)
    used = excluded == ""
    times = (windows[:, 0] + windows[:, 1]) / 2.0 / fs if k else np.empty(0)
    reason = ""
    if used.sum() < min_windows:
        why = "no analysis window fits in the record" if k == 0 else _why(excluded)
        reason = f"{int(used.sum())} usable window(s) of {k}, fewer than {min_windows}: no slope ({why})"
        trends = [Trend(n=int(used.sum()), reason=reason)] * 4
        change = math.nan
    else:
        t = times[used]
        n_eff = _independent_windows(windows[used])
        trends = [linear_trend(t, v[used], confidence=confidence, min_points=min_windows, effective_n=n_eff) for v in (mdf, mnf, rms)]
        if finsm5:
            tr = linear_trend(t, fi[used], confidence=confidence, min_points=min_windows, effective_n=n_eff)
            first = tr.intercept + tr.slope * t[0]
            last = tr.intercept + tr.slope * t[-1]
            change = (last - first) / first * 100.0 if first > 0 else math.nan
        else:
            tr, change = Trend(reason="FInsm5 not requested"), math.nan
        trends.append(tr)
    return ChannelFatigue(
        windows=windows, times_s=times, mdf_hz=mdf, mnf_hz=mnf, rms=rms,
        finsm5=fi, active_fraction=frac, used=used, excluded=excluded.astype(str), mdf=trends[0], mnf=trends[1],
        rms_trend=trends[2], finsm5_trend=trends[3], finsm5_change_pct=change, reason=reason, contraction_rms=level,
        level_fraction=float(min_level_fraction),
    )


def _level_rule(rms, excluded, fraction):
    """Mark the windows below ``fraction`` of the contraction level as excluded (in place); return the level.

    The level is the ``LEVEL_PERCENTILE``-th percentile of the RMS of the
    windows not yet excluded (active and unclipped); NaN when there are none.
    """
    ok = (excluded == "") & np.isfinite(rms)
    if not ok.any():
        return math.nan
    level = float(np.percentile(rms[ok], LEVEL_PERCENTILE))
    if fraction > 0 and level > 0:
        for i in np.flatnonzero(ok & (rms < fraction * level)):
            excluded[i] = (f"low activation (RMS {rms[i] / level * 100:.0f} % of the contraction level, below "
                           f"{fraction * 100:g} %)")
    return level


def _independent_windows(windows):
    """Samples covered by the windows (their union) over the mean window length: overlapping windows count once."""
    w = np.asarray(windows, dtype=np.int64).reshape(-1, 2)
    w = w[np.argsort(w[:, 0])]
    ends = np.maximum.accumulate(w[:, 1])
    starts = np.maximum(w[:, 0], np.concatenate([[-1], ends[:-1]]))
    covered = int(np.maximum(w[:, 1] - starts, 0).sum())
    return covered / float(np.mean(w[:, 1] - w[:, 0]))


def _why(excluded):
    """Counts of the kinds of reason (the text before " (") in order of first appearance, e.g. ``"5 not active, 2 clipped"``."""
    given = np.asarray(excluded, dtype=str)
    given = given[given != ""]
    counts = {}
    if given.size:
        reasons, first, n = np.unique(given, return_index=True, return_counts=True)
        for i in np.argsort(first, kind="stable"):
            key = str(reasons[i]).split(" (")[0]
            counts[key] = counts.get(key, 0) + int(n[i])
    return ", ".join(f"{v} {k}" for k, v in counts.items()) or "none excluded"
