"""Per-channel signal quality: clipping, flat channels, powerline share, baseline noise.

:func:`assess` gives one row per channel (``Recording.quality()`` and
``emgkit info`` show it); :func:`clipped_mask` marks clipped samples so that
analyses can leave them out (SCIENCE.md section 0: clipped windows never
enter indices silently).
"""

from __future__ import annotations

import numpy as np

from .errors import InvalidInputError
from .recording import Recording

__all__ = ["assess", "clipped_mask", "powerline_share"]

MIN_CLIP_RUN = 3  # samples: a run this long at a limit counts as clipping (SCIENCE.md section 0)
LINE_HALF_WIDTH_HZ = 1.0  # power within +-1 Hz of each harmonic
SHARE_BAND_HZ = (20.0, 450.0)  # reference band of the powerline share
BASELINE_WINDOW_S = 0.5  # quietest window for the baseline noise
BASELINE_HOP_S = 0.05
BASELINE_HIGHPASS_HZ = 20.0
# thresholds that put a note in the issues column
CLIP_NOTE = 0.001  # fraction of samples
LINE_NOTE = 0.10  # share of 20-450 Hz power
MIN_FS_SPECTRA = 1000.0  # below this spectra are unreliable (SCIENCE.md section 0)


def clipped_mask(x, adc_range=None, *, min_run=MIN_CLIP_RUN):
    """Mark samples in runs of at least ``min_run`` at a channel extreme or a converter limit.

    Parameters
    ----------
    x : array_like, shape (n_samples,) or (n_channels, n_samples)
        Signal in any unit (raw, before filtering: filters smear the flat tops).
    adc_range : (float, float), optional
        Converter limits ``[lo, hi]`` in the unit of ``x``
        (``Recording.meta["adc_range"]``).  Samples ``<= lo`` or ``>= hi``
        count as at the limit.  Without it only the channel's own minimum and
        maximum are tested.
    min_run : int >= 1, default 3
        Shortest run of consecutive samples at a limit that counts as clipping.

    Returns
    -------
    ndarray of bool, same shape as ``x``
        True where a sample belongs to such a run.

    Notes
    -----
    A real signal almost never repeats its own extreme value on 3 consecutive
    samples; a saturated amplifier or converter does (SCIENCE.md section 0).
    A constant channel is entirely "at its extreme": :func:`assess` reports
    it as flat instead, and as clipped only when it sits on ``adc_range``.

    Examples
    --------
    >>> import numpy as np
    >>> clipped_mask(np.array([0.0, 5, 5, 5, 1, -2, 5, 5]))
    array([False,  True,  True,  True, False, False, False, False])
    """
    arr = np.asarray(x)
    if arr.ndim not in (1, 2):
        raise InvalidInputError(f"x must be 1-D or (n_channels, n_samples), got shape {arr.shape}")
    if isinstance(min_run, bool) or not isinstance(min_run, (int, np.integer)) or min_run < 1:
        raise InvalidInputError(f"min_run must be a positive whole number of samples, got {min_run!r}")
    lo_hi = _check_range(adc_range)
    rows = arr[np.newaxis] if arr.ndim == 1 else arr
    out = np.zeros(rows.shape, dtype=bool)
    for c, row in enumerate(rows):
        if row.size == 0:
            continue
        high = row == row.max()
        low = row == row.min()
        if lo_hi is not None:
            low |= row <= lo_hi[0]
            high |= row >= lo_hi[1]
        # runs are counted per limit: a minimum next to a maximum is no plateau
        out[c] = _long_runs(high, int(min_run)) | _long_runs(low, int(min_run))
    return out[0] if arr.ndim == 1 else out


def powerline_share(x, fs, line_hz, *, half_width_hz=LINE_HALF_WIDTH_HZ, band_hz=SHARE_BAND_HZ):
    """Share of the 20-450 Hz power that lies within +-1 Hz of the mains frequency and its harmonics.

    Parameters
    ----------
    x : array_like, shape (n_samples,) or (n_channels, n_samples)
    fs : float > 0
        Sampling rate in Hz.
    line_hz : float > 0
        Mains frequency (50 or 60 Hz).
    half_width_hz : float > 0, default 1
        Half width of the band counted around each harmonic.
    band_hz : (float, float), default (20, 450)
        Reference band (its top is capped just below fs/2).

    Returns
    -------
    float or ndarray of float, shape (n_channels,)
        Share in [0, 1]; NaN where the band holds no power.

    Notes
    -----
    Welch periodogram, Hann window of 2 s (0.5 Hz bins, so a stable tone
    falls inside +-1 Hz), 50 % overlap, mean removed; shorter records use one
    segment of the whole record.  Share = sum of the bins with
    ``|f - h line_hz| <= half_width_hz`` for every harmonic ``h line_hz`` in
    the band, divided by the sum of the band's bins (SCIENCE.md section 1).
    """
    arr = np.asarray(x, dtype=np.float64)
    if arr.ndim not in (1, 2):
        raise InvalidInputError(f"x must be 1-D or (n_channels, n_samples), got shape {arr.shape}")
    rows = arr[np.newaxis] if arr.ndim == 1 else arr
    f, p = _psd(rows, float(fs))
    share = _share(f, p, float(fs), float(line_hz), half_width_hz, band_hz)
    return float(share[0]) if arr.ndim == 1 else share


def _psd(rows, fs):
    """Welch PSD (one-sided, unit^2/Hz): periodic Hann window of 2 s (or the whole record), 50 % overlap.

    No detrending: callers remove the mean.  Same estimate as
    ``scipy.signal.welch(..., detrend=False)``, computed one channel at a time
    on strided frames (several times faster for long records).
    """
    from numpy.lib.stride_tricks import sliding_window_view

    nper, hop, win = _welch_grid(rows.shape[-1], fs)
    p = np.empty((rows.shape[0], nper // 2 + 1))
    for c, row in enumerate(rows):
        p[c] = np.mean(_frame_power(sliding_window_view(row, nper)[::hop], win), axis=0)
    return _welch_finish(p, fs, win)


def _welch_grid(n, fs):
    """Frame length and hop (samples) and Hann window of :func:`_psd` for ``n`` samples at ``fs`` Hz."""
    from scipy import signal

    nper = min(n, int(round(2.0 * fs)))
    return nper, max(1, nper // 2), signal.get_window("hann", nper)


def _frame_power(frames, win):
    """``|rfft(frame * win)|^2`` of every frame (rows of ``frames``)."""
    from scipy import fft

    spec = fft.rfft(frames * win, axis=-1)
    return spec.real**2 + spec.imag**2


def _welch_finish(mean_power, fs, win):
    """Frequencies and one-sided PSD (unit^2/Hz) from the frame-averaged ``|rfft|^2`` of every channel."""
    nper = win.size
    p = mean_power * (1.0 / (fs * np.sum(np.square(win))))
    p[:, 1 : (nper + 1) // 2] *= 2.0  # one-sided: double all but DC and Nyquist
    return np.fft.rfftfreq(nper, 1.0 / fs), p


def _share(f, p, fs, line_hz, half_width_hz=LINE_HALF_WIDTH_HZ, band_hz=SHARE_BAND_HZ):
    lo, hi = band_hz[0], min(band_hz[1], 0.5 * fs - half_width_hz)
    band = (f >= lo) & (f <= hi)
    near = np.zeros_like(band)
    for h in np.arange(1, int(hi // line_hz) + 2) * line_hz:
        near |= np.abs(f - h) <= half_width_hz + 1e-9
    total = p[:, band].sum(axis=1)
    line = p[:, band & near].sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(total > 0, line / total, np.nan)


def assess(rec: Recording):
    """Per-channel quality table of a Recording.

    Parameters
    ----------
    rec : Recording
        Raw recording (before filtering).  ``meta["adc_range"]`` (converter
        limits) and ``meta["powerline_hz"]`` (mains frequency) are used when
        present.

    Returns
    -------
    pandas.DataFrame
        One row per channel with columns

        ``channel``, ``muscle``, ``side``
            From the channel.
        ``rms``
            RMS after removing the mean, in the recording's unit.
        ``clipped_fraction``
            Fraction of samples in runs of >= 3 at the channel's extreme or at
            ``meta["adc_range"]`` (:func:`clipped_mask`).
        ``flat``
            True when the channel is constant or varies only at quantisation
            level (SD at most one quantisation step, the smallest non-zero
            difference between consecutive samples): disconnected or unused.
        ``powerline_hz``, ``powerline_share``
            Mains frequency (``meta["powerline_hz"]``, else whichever of 50 and
            60 Hz holds more power over all channels) and the share of 20-450
            Hz power within +-1 Hz of it and its harmonics
            (:func:`powerline_share`; NaN when fs < 100 Hz).
        ``baseline_noise``
            RMS of the quietest 0.5 s window (hop 50 ms) after a 20 Hz
            high-pass (4th-order Butterworth, zero phase), in the unit.
        ``issues``
            Short text: ``"flat"``, ``"clipped 75.1%"``, ``"powerline 32%"``,
            joined by ``"; "``; empty when nothing was found.

        ``DataFrame.attrs`` holds ``fs``, ``unit``, ``powerline_hz`` and
        ``notes`` (recording-level remarks such as fs below 1 kHz).

    Examples
    --------
    >>> from emgkit.datasets import simulate
    >>> q = assess(simulate(n_reps=2, fs=1000, powerline_uv=50, seed=0))
    >>> list(q.columns)[:5]
    ['channel', 'muscle', 'side', 'rms', 'clipped_fraction']
    """
    if not isinstance(rec, Recording):
        raise InvalidInputError(f"assess needs a Recording, got {type(rec).__name__}; wrap arrays with emgkit.Recording(data, fs, channels)")
    x = np.asarray(rec.data, dtype=np.float64)
    fs = rec.fs
    adc = rec.meta.get("adc_range")
    lo, hi = x.min(axis=1, initial=np.inf), x.max(axis=1, initial=-np.inf)
    mean = np.where(lo == hi, lo, x.mean(axis=1))  # a constant channel centres to exact zeros (no rounding residue)
    centred = x - mean[:, None]
    rms = np.sqrt(np.mean(np.square(centred), axis=1))
    flat = np.array([_is_flat(row) for row in x])
    clipped = clipped_mask(x, adc).mean(axis=1)
    if adc is not None:
        lo, hi = _check_range(adc)
        on_rail = (x[:, 0] <= lo) | (x[:, 0] >= hi)
    else:
        on_rail = np.zeros(len(x), dtype=bool)
    clipped = np.where(flat & ~on_rail, 0.0, clipped)

    line_hz, shares = _line(rec, centred)
    noise = _baseline_noise(centred, fs)
    return quality_table(rec.channels, rec.unit, fs, rms, clipped, flat, line_hz, shares, noise)


def quality_table(channels, unit, fs, rms, clipped, flat, line_hz, shares, noise):
    """The table of :func:`assess` from its per-channel numbers (shared with the streaming version)."""
    import pandas as pd

    issues = []
    for c in range(len(channels)):
        notes = []
        if flat[c]:
            notes.append("flat (disconnected or unused?)")
        if clipped[c] >= CLIP_NOTE:
            notes.append(f"clipped {100 * clipped[c]:.1f}%")
        if np.isfinite(shares[c]) and shares[c] >= LINE_NOTE:
            notes.append(f"powerline {100 * shares[c]:.0f}%")
        issues.append("; ".join(notes))

    table = pd.DataFrame(
        {
            "channel": [c.name for c in channels],
            "muscle": [c.muscle for c in channels],
            "side": [c.side for c in channels],
            "rms": rms,
            "clipped_fraction": clipped,
            "flat": flat,
            "powerline_hz": line_hz,
            "powerline_share": shares,
            "baseline_noise": noise,
            "issues": issues,
        }
    )
    notes = []
    if fs < MIN_FS_SPECTRA:
        notes.append(f"fs {fs:g} Hz is below 1 kHz: spectra and the powerline share are unreliable")
    table.attrs = {"fs": fs, "unit": unit, "powerline_hz": line_hz, "notes": notes}
    return table


def _check_range(adc_range):
    if adc_range is None:
        return None
    try:
        lo, hi = (float(v) for v in adc_range)
    except (TypeError, ValueError):
        raise InvalidInputError(f"adc_range must be [lo, hi] in the signal's unit, got {adc_range!r}") from None
    if not lo < hi:
        raise InvalidInputError(f"adc_range must have lo < hi, got {adc_range!r}")
    return lo, hi


def _long_runs(mask, min_run):
    """True where ``mask`` is in a run of at least ``min_run`` True values."""
    if min_run == 1 or not mask.any():
        return mask.copy()
    padded = np.concatenate(([False], mask, [False]))
    edges = np.flatnonzero(padded[1:] != padded[:-1])
    starts, stops = edges[::2], edges[1::2]
    keep = (stops - starts) >= min_run
    out = np.zeros(mask.size + 1, dtype=np.int32)
    np.add.at(out, starts[keep], 1)
    np.add.at(out, stops[keep], -1)
    return np.cumsum(out[:-1]) > 0


def _is_flat(row):
    """Constant, or a standard deviation no larger than the quantisation step."""
    if row.size < 2 or row.min() == row.max():
        return True
    sd = row.std()
    steps = np.abs(np.diff(row))
    steps = steps[steps > 0]
    return bool(steps.size and sd <= steps.min())


def _line(rec, centred):
    """Mains frequency (meta or auto-detected) and each channel's powerline share."""
    fs = rec.fs
    nan = np.full(rec.n_channels, np.nan)
    line_hz = meta_line_hz(rec.meta)
    if not _spectra_usable(fs, centred.shape[1]):
        return (line_hz if line_hz is not None else np.nan), nan
    return line_choice(*_psd(centred, fs), fs, line_hz)


def _spectra_usable(fs, n):
    """Whether ``n`` samples at ``fs`` Hz give a powerline share (else it is NaN)."""
    return fs >= 100.0 and n >= 8


def meta_line_hz(meta):
    """``meta["powerline_hz"]`` as a float, or None when absent."""
    value = meta.get("powerline_hz")
    if value is None:
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        raise InvalidInputError(f"meta['powerline_hz'] must be a frequency in Hz (50 or 60), got {value!r}") from None


def line_choice(f, p, fs, line_hz):
    """Mains frequency (given, else whichever of 50 and 60 Hz holds more power) and every channel's share."""
    if line_hz is not None:
        return line_hz, _share(f, p, fs, line_hz)
    # auto-detect: the candidate whose harmonics hold more of the power, summed over channels
    candidates = {hz: _share(f, p, fs, hz) for hz in (50.0, 60.0)}
    best = max(candidates, key=lambda hz: np.nansum(candidates[hz]))
    return best, candidates[best]


def _baseline_noise(centred, fs):
    """RMS of the quietest 0.5 s window (hop 50 ms) after a 20 Hz high-pass."""
    from scipy import signal

    n = centred.shape[1]
    sos = _baseline_highpass(fs, n)
    x = centred if sos is None else signal.sosfiltfilt(sos, centred, axis=-1)
    w, hop = _baseline_grid(n, fs)
    ms = _window_mean_squares(x, np.arange(0, n - w + 1, hop), w)
    return np.sqrt(np.maximum(ms.min(axis=1), 0.0))


def _baseline_highpass(fs, n):
    """Second-order sections of the 20 Hz high-pass of the baseline noise, or None when it is not applied."""
    from scipy import signal

    if fs > 2.5 * BASELINE_HIGHPASS_HZ and n > 27:
        return signal.butter(4, BASELINE_HIGHPASS_HZ, "highpass", fs=fs, output="sos")
    return None


def _baseline_grid(n, fs):
    """Window length and hop (samples) of the baseline noise for ``n`` samples at ``fs`` Hz."""
    return min(n, max(1, int(round(BASELINE_WINDOW_S * fs)))), max(1, int(round(BASELINE_HOP_S * fs)))


def _window_mean_squares(x, starts, w):
    """Mean square of every row of ``x`` over the ``w``-sample windows at ``starts``: shape (n_rows, len(starts))."""
    first = int(starts[0])
    c = np.concatenate((np.zeros((x.shape[0], 1)), np.cumsum(np.square(x[:, first : int(starts[-1]) + w]), axis=1)), axis=1)
    rel = starts - first
    return (c[:, rel + w] - c[:, rel]) / w
