"""Public entry points: :func:`detect_activation` (raw EMG) and :func:`detect` (an envelope you made)."""

from __future__ import annotations

import warnings

import numpy as np

from emgkit._signal import as_signal
from emgkit.channels import Channel
from emgkit.errors import InvalidInputError, SignalQualityWarning

from . import _baseline as bl
from . import _methods as mt
from ._baseline import EDGE_S, SILENCE, judge
from ._result import Activation, Baseline
from ._screen import check_finite, quantisation_step, screen

__all__ = ["detect_activation", "detect"]

AMPLITUDE_WINDOW_MS = 50.0  # moving RMS giving each burst's peak amplitude
SURE_ACTIVITY = 2.0  # blocks this many times above the detection threshold never count as rest level


def detect_activation(recording, *, method="auto", baseline=None, conditioned=False, fs=None, **options) -> Activation:
    """Find muscle activity bursts (onsets and offsets) in every channel of raw EMG.

    Parameters
    ----------
    recording : Recording or ndarray, shape (n_channels, n_samples) or (n_samples,)
        Raw EMG (a DC offset is fine).  Arrays need ``fs``.
    method : {"auto", "tkeo", "hodges", "bonato"}, default "auto"
        ``"hodges"``: Hodges & Bui (1996): rectified signal low-passed at
        50 Hz, 50 ms moving mean, threshold baseline mean + h SD (h = 3).
        ``"tkeo"``: Solnik et al. (2010): Teager-Kaiser energy, rectified,
        low-passed at 50 Hz, threshold baseline median + h 1.4826 MAD (h = 8).
        ``"bonato"``: Bonato et al. (1998) on the whitened signal: at least
        r0 of m successive ``(y[2i]^2 + y[2i+1]^2) / sigma0^2`` above the
        level with false-alarm probability ``pfa``; states shorter than
        30 ms discarded.
        ``"auto"``: emgkit's default, the most accurate on the validation
        table (``docs/validation.md``): the TKEO statistic low-passed at
        40 Hz, with hysteresis (detect at h = 8, place onsets and offsets at
        h_low = 1), the detection threshold held for 25 ms (rejects ECG and
        spikes), and the rest level tracked over 10 s (noise-floor drift).
    baseline : (start_s, stop_s) or dict, optional
        A rest interval in s for every channel, or ``{channel name: (start_s,
        stop_s)}``.  Default: per channel, the quietest ``baseline_s`` window
        of the detection statistic (searched in steps of ``baseline_s / 10``,
        0.15 s filter edges excluded), reported in ``Activation.baseline``.
    conditioned : bool, default False
        True: ``recording`` already holds an envelope (rectified and
        smoothed, non-negative) and is thresholded as is (see :func:`detect`);
        ``"hodges"`` uses mean + h SD, ``"tkeo"`` and ``"auto"`` median +
        h MAD.  Not available for ``"bonato"``, which needs the band-passed
        signal.
    fs : float > 0, optional
        Sampling rate in Hz, for arrays.
    **options
        Method options, in physical units (unknown names are an error that
        lists the valid ones):

        * ``band_hz`` (default ``(20, 450)``): Butterworth band-pass (order 4,
          zero phase) applied first; None if the signal is already band-passed.
        * ``baseline_s`` (0.5): length of the automatic rest window, s.
        * ``min_burst_ms`` (30), ``min_gap_ms`` (50): bursts closer than
          ``min_gap_ms`` are merged (so a new burst cannot start within
          ``min_gap_ms`` of an offset: the refractory time), then bursts
          shorter than ``min_burst_ms`` are dropped.
        * ``h``, ``h_low``: threshold multipliers of the baseline spread
          (detection; localisation, ``None`` = a single threshold).
          ``hold_ms``: time the statistic must stay above the detection
          threshold.  ``lowpass_hz``: smoothing of the statistic.
          ``window_ms`` (hodges): sliding mean.  ``track_s``: span over which
          the rest level is tracked (None = a constant baseline).
        * bonato: ``pfa`` (0.05), ``m`` (5), ``r0`` (1), ``min_state_ms``
          (30), ``whiten_order`` (8: AR order of the whitening filter fitted
          on the baseline; 0 = none).

    Returns
    -------
    Activation
        Bursts per channel (s), thresholds, baselines, reasons for channels
        without bursts, and burst amplitudes (RMS over the burst and peak
        50 ms moving RMS of the band-passed signal) in the recording's unit.

    Raises
    ------
    InvalidInputError
        NaN/inf samples (naming the channel and first bad sample), a baseline
        outside the record or shorter than 100 ms, a record too short for the
        rest window and filter edges, unknown methods or options.

    Notes
    -----
    Channels never make the call fail: a constant channel gets the reason
    ``"flat: ..."``; a channel whose bursts cover more than 90 % of the
    record (automatic baseline), or with no clean window for a baseline,
    ``"no rest: ..."``; one with nothing above threshold ``"no activity:
    ..."``.  Clipped runs (>= 3 identical samples at the channel extremes or
    ``meta["adc_range"]``) and dropouts (constant for >= 50 ms) never enter
    the automatic baseline; each burst reports its clipped fraction, and a
    :class:`~emgkit.errors.SignalQualityWarning` names channels with more
    than 0.1 % clipped samples.  A baseline whose spread is exactly 0
    (digital silence) is floored at the quantisation step, with a warning.

    Examples
    --------
    >>> import emgkit
    >>> from emgkit.datasets.simulate import simulate
    >>> rec = simulate(n_reps=3, muscles=["biceps_brachii"], sides=["L"], ramp_s=0.0, seed=1)
    >>> act = emgkit.detect_activation(rec)
    >>> act.onsets["L biceps_brachii"].round(1), act.offsets["L biceps_brachii"].round(1)
    (array([ 2.,  6., 10.]), array([ 4.,  8., 12.]))
    """
    arr, fs, rec = as_signal(recording, fs)
    data = arr.reshape(1, -1) if arr.ndim == 1 else arr
    channels = rec.channels if rec is not None else [Channel(f"EMG {i + 1}") for i in range(data.shape[0])]
    unit = rec.unit if rec is not None else "unit"
    meta = rec.meta if rec is not None else {}
    names = [c.name for c in channels]
    if conditioned:
        if method == "bonato":
            raise InvalidInputError(
                "method='bonato' tests the band-passed signal itself, not an envelope; pass conditioned=False"
            )
        method, opts = mt.resolve_options(method, options, conditioned=True)
        kind = "mean_sd" if method == "hodges" else "robust"
        return _detect_envelope(data, fs, channels, unit, kind, opts, baseline, f"{method}, conditioned input")
    method, opts = mt.resolve_options(method, options, conditioned=False)
    n = data.shape[1]
    user = bl.parse_user_baseline(baseline, names, n / fs)
    check_length(n, fs, opts, user)
    flat, exclude, clipped, notes = screen(data, fs, names, meta.get("adc_range"))
    if clipped is not None:
        warn_clipping(clipped.mean(axis=1), names)
    y, band = mt.band_pass(data, fs, opts["band_hz"])
    opts["band_hz"] = band
    quant = Quantisation(lambda c: quantisation_step(data[c], meta.get("adc")))
    if method == "bonato":
        from ._bonato import detect_bonato

        found = detect_bonato(y, fs, opts, names, user, flat, exclude, quant)
        rate = 2  # Bonato's statistic has one value per pair of samples
    else:
        test, ref = mt.statistic(method, y, fs, opts)
        floor = SpreadFloor(method, fs, opts, quant, y.dtype)
        found = _threshold(test, ref, fs, opts, names, user, flat, exclude, floor, robust=mt.ROBUST[method])
        rate = 1
    onsets, offsets = _to_samples(found, rate, n)
    peaks, means = _burst_amplitudes(y, fs, onsets, offsets)
    return assemble(found, onsets, offsets, peaks, means, channels, fs, n, method_label(method),
                    mt.STATISTIC[method].format(unit=unit, **opts), opts, unit,
                    clip_fractions(clipped, onsets, offsets), notes)


def detect(envelope, fs=None, *, baseline=None, h=3.0, h_low=None, robust=False, window_ms=None, hold_ms=0.0,
           min_burst_ms=30.0, min_gap_ms=50.0, baseline_s=0.5, track_s=None, channels=None) -> Activation:
    """Threshold an envelope you computed yourself (rectified and smoothed, RMS, TKEO, ...).

    Parameters
    ----------
    envelope : ndarray, shape (n_channels, n_samples) or (n_samples,), or Recording
        Non-negative amplitude envelope.
    fs : float > 0
        Sampling rate in Hz (taken from a Recording).
    baseline : (start_s, stop_s) or dict, optional
        Rest interval(s) in s; default the quietest ``baseline_s`` window of
        each channel (searched in steps of ``baseline_s / 10``).
    h : float >= 0, default 3
        Detection threshold = baseline level + h x baseline spread.
    h_low : float, optional
        Localisation threshold multiplier (hysteresis, ``h_low <= h``): a
        burst extends while the envelope stays above level + h_low x spread.
        Default: ``h`` (a single threshold).
    robust : bool, default False
        False: level = mean and spread = SD of the baseline (Hodges & Bui).
        True: median and 1.4826 MAD (for heavy-tailed envelopes such as TKEO).
    window_ms : float, optional
        Centred moving mean applied to the envelope before thresholding
        (Hodges' sliding window); the baseline statistics stay those of the
        envelope itself.
    hold_ms : float, default 0
        The envelope must stay above the detection threshold this long.
    min_burst_ms, min_gap_ms : float, default 30, 50
        Merge bursts closer than ``min_gap_ms``, then drop bursts shorter
        than ``min_burst_ms``.
    baseline_s : float, default 0.5
        Length of the automatic rest window in s.
    track_s : float, optional
        Track a drifting rest level over this span in s: thresholds rise
        where the rest level (a running 10th percentile of 50 ms means) is
        above the baseline's.  Default: a constant baseline.
    channels : sequence of str, optional
        Channel names for arrays (default ``"EMG 1"``, ...).

    Returns
    -------
    Activation
        Bursts in s; ``peak`` and ``mean_amplitude`` are the highest and mean
        envelope value within each burst.

    Raises
    ------
    InvalidInputError
        Negative or non-finite envelope values, bad options or baselines.

    Examples
    --------
    >>> import numpy as np
    >>> from emgkit.activation import detect
    >>> rng = np.random.default_rng(0)
    >>> env = 1 + 0.1 * rng.random(3000)
    >>> env[1000:2000] += 5
    >>> act = detect(env, fs=1000)
    >>> act.onsets[0], act.offsets[0]
    (array([1.]), array([2.]))
    """
    arr, fs, rec = as_signal(envelope, fs)
    data = arr.reshape(1, -1) if arr.ndim == 1 else arr
    if rec is not None:
        chans, unit = rec.channels, rec.unit
    else:
        names = [f"EMG {i + 1}" for i in range(data.shape[0])] if channels is None else list(channels)
        if len(names) != data.shape[0]:
            raise InvalidInputError(f"{len(names)} channel names for {data.shape[0]} envelope rows")
        chans, unit = [Channel(str(n)) for n in names], "unit"
    opts = {"h": h, "h_low": h_low, "window_ms": window_ms, "hold_ms": hold_ms, "min_burst_ms": min_burst_ms,
            "min_gap_ms": min_gap_ms, "baseline_s": baseline_s, "track_s": track_s}
    mt.check_numbers("detect", opts)
    kind = "robust" if robust else "mean_sd"
    label = "threshold (median + h MAD)" if robust else "threshold (mean + h SD)"
    return _detect_envelope(data, fs, chans, unit, kind, opts, baseline, label)


# -- shared machinery ---------------------------------------------------------------------
def _detect_envelope(data, fs, channels, unit, kind, opts, baseline, label):
    names = [c.name for c in channels]
    check_finite(data, names)
    if np.any(data < 0):
        c = int(np.flatnonzero((data < 0).any(axis=1))[0])
        raise InvalidInputError(
            f"an envelope must be non-negative; channel {names[c]!r} has values down to {data[c].min():.3g}. "
            "Rectify and smooth the signal first, or pass the raw signal with conditioned=False"
        )
    n = data.shape[1]
    user = bl.parse_user_baseline(baseline, names, n / fs)
    check_length(n, fs, opts, user, edge_s=0.0)
    flat = data.min(axis=1) == data.max(axis=1)
    test = mt.smooth_envelope(data, fs, opts)
    quant = Quantisation(lambda c: quantisation_step(data[c]))

    def floor(c):  # a step of the envelope itself, as uniform quantisation noise
        return quant(c) / np.sqrt(12.0)

    found = _threshold(test, data, fs, opts, names, user, flat, None, floor, robust=kind == "robust", edge_s=0.0)
    stat_desc = f"given envelope ({unit})" + (f", {opts['window_ms']:g} ms moving mean" if opts.get("window_ms") else "")
    onsets, offsets = _to_samples(found, 1, n)
    peaks, means = [], []
    for c in range(len(names)):
        row = test[c].astype(np.float64)
        peaks.append(np.array([row[a:b].max() for a, b in zip(onsets[c], offsets[c])]))
        means.append(np.array([row[a:b].mean() for a, b in zip(onsets[c], offsets[c])]))
    return assemble(found, onsets, offsets, peaks, means, channels, fs, n, label, stat_desc, opts, unit,
                    clip_fractions(None, onsets, offsets), [[] for _ in names])


def check_length(n, fs, opts, user, edge_s=EDGE_S):
    duration = n / fs
    if any(u is None for u in user):
        need = opts["baseline_s"] + 2 * edge_s
        if duration < need:
            raise InvalidInputError(
                f"the record lasts {duration:.3f} s ({n} samples), shorter than the {opts['baseline_s']:g} s automatic "
                f"rest window plus {edge_s:g} s filter edges at each end ({need:.3f} s); pass a longer record, "
                "a shorter baseline_s, or baseline=(start_s, stop_s)"
            )
    if opts.get("band_hz") is not None and n < 64:
        raise InvalidInputError(
            f"the record has {n} samples; the band-pass filter needs at least 64 ({64 / fs:.3f} s at {fs:g} Hz)"
        )


def method_label(method):
    """The method as reported in ``Activation.method``."""
    return method if method != "auto" else "auto (tkeo, hysteresis, tracked rest level)"


def warn_clipping(fractions, names):
    """Warn about channels with more than 0.1 % of their samples (``fractions``) in clipped runs."""
    bad = [f"{names[c]!r} ({100 * fractions[c]:.2g} %)" for c in np.flatnonzero(fractions > 1e-3)]
    if bad:
        warnings.warn(
            f"clipped samples in {', '.join(bad)}: amplitudes there are biased; clipped runs are kept out of the "
            "baseline, and each burst reports its clipped fraction",
            SignalQualityWarning,
            stacklevel=3,
        )


class Quantisation:
    """Quantisation step per channel, ``step(c)``, computed only when a zero-spread baseline needs it."""

    def __init__(self, step):
        self.step, self.cache = step, {}

    def __call__(self, c):
        if c not in self.cache:
            self.cache[c] = self.step(c)
        return self.cache[c]


class SpreadFloor:
    """Spread of the statistic for white noise of the quantisation step (SD q / sqrt 12), per channel.

    Called only when a baseline's spread is exactly 0 (digital silence): the
    spread of the method's statistic on unit white noise, scaled to q.
    """

    def __init__(self, method, fs, opts, quant, dtype):
        self.method, self.fs, self.opts, self.quant, self.dtype = method, fs, opts, quant, dtype
        self._unit = None

    def __call__(self, c):
        q = self.quant(c)
        if q <= 0:
            return 0.0
        if self._unit is None:
            n = max(64, int(round(max(self.opts["baseline_s"], 0.25) * self.fs)))
            noise = np.random.default_rng(0).standard_normal((1, 3 * n)).astype(self.dtype)
            y, _ = mt.band_pass(noise, self.fs, self.opts["band_hz"])
            unit_stat = mt.statistic(self.method, y, self.fs, self.opts)[1][0, n : 2 * n]
            self._unit = bl.location_spread(unit_stat, mt.ROBUST[self.method])[1]
        power = 2 if self.method in ("tkeo", "auto") else 1  # TKEO is quadratic in amplitude
        return self._unit * (q / np.sqrt(12.0)) ** power


def _tracked_gain(blocks, block, fs, opts, windows):
    """Per-block threshold gains ``max(1, rest level / rest level at the baseline)``, and which rows have one."""
    level = mt.tracked_level(blocks, int(round(opts["track_s"] * fs / block)))
    gains = np.ones_like(level)
    ok_rows = np.zeros(level.shape[0], dtype=bool)
    for c, win in enumerate(windows):
        if win is None or not np.all(np.isfinite(level[c])):
            continue
        first, last = win[0] // block, max(win[0] // block + 1, win[1] // block)
        ref_level = float(np.mean(level[c, first:last]))
        if ref_level > 0:
            gains[c] = np.maximum(level[c] / ref_level, 1.0)  # tracking only raises thresholds above the baseline's
            ok_rows[c] = True
    return gains, ok_rows


def _rest_blocks(blocks, high):
    """Block means, with blocks far above the detection threshold (surely activity) set to NaN.

    A drifting noise floor rarely lifts the statistic to ``SURE_ACTIVITY``
    times the detection threshold; sustained contractions do, and leaving them
    out keeps a long hold from lifting the tracked rest level over itself.
    """
    out = blocks.copy()
    out[blocks > SURE_ACTIVITY * high[:, None]] = np.nan
    return out


def _with_note(baseline, note):
    from dataclasses import replace

    return replace(baseline, note=f"{baseline.note}; {note}" if baseline.note else note)


def _threshold(test, ref, fs, opts, names, user, flat, exclude, floor, *, robust, edge_s=EDGE_S):
    """Baselines, thresholds and bursts (in samples of ``test``) for every channel.

    ``test`` is compared with the thresholds; the baseline window is chosen
    and measured on ``ref`` (often the same array).
    """
    from emgkit.kernels import filter_runs, hysteresis, mask_runs

    n_ch, n = test.shape
    windows, blocks, block = bl.baseline_windows(ref, fs, opts["baseline_s"], user, exclude, edge_s)
    def measure(c, a, b):
        return bl.location_spread(ref[c, a:b], robust)

    results, high, low, gain = set_thresholds(windows, blocks, block, measure, np.max(ref, axis=1), fs, opts, names,
                                              flat, floor)
    mask = hysteresis(test, high, low, hold=hold_samples(opts, fs), gain=gain, gain_step=block)
    filter_runs(mask, *run_limits(opts, fs), out=mask)
    chan, starts, stops = mask_runs(mask)
    bounds = np.searchsorted(chan, np.arange(n_ch + 1))
    for c in range(n_ch):
        if results[c]["reason"] is None:
            judge(results[c], starts[bounds[c] : bounds[c + 1]], stops[bounds[c] : bounds[c + 1]], n, user[c] is None)
    return results


def set_thresholds(windows, blocks, block, measure, peak, fs, opts, names, flat, floor):
    """Baselines and thresholds of every channel from its rest window.

    Parameters
    ----------
    windows : list of (a, b, source) or None
        Rest window per channel, in samples (:func:`._baseline.pick_windows`).
    blocks : ndarray, shape (n_channels, n_blocks)
        Block means of the reference statistic (NaN where excluded), ``block`` samples each.
    measure : callable
        ``measure(c, a, b)`` -> (level, spread) of channel ``c``'s reference statistic on samples ``a:b``.
    peak : ndarray, shape (n_channels,)
        Maximum of each channel's reference statistic over the record.
    flat : ndarray of bool
    floor : callable
        ``floor(c)``: spread used when the baseline's is zero (digital silence).

    Returns
    -------
    results : list of dict
        Per channel (:func:`._baseline.empty_results`), with baseline, thresholds or reason.
    high, low : ndarray, shape (n_channels,)
        Detection and localisation thresholds (inf for channels not thresholded).
    gain : ndarray, shape (n_channels, n_blocks), or None
        Per-block threshold gains of the tracked rest level (None without ``track_s``).
    """
    n_ch = len(windows)
    h = opts["h"]
    h_low = h if opts["h_low"] is None else opts["h_low"]
    high = np.full(n_ch, np.inf)
    low = np.full(n_ch, np.inf)
    results = bl.empty_results(n_ch)
    for c in range(n_ch):
        res = results[c]
        res["reason"] = bl.unusable_reason(flat[c], windows[c], opts["baseline_s"])
        if res["reason"]:
            continue
        a, b, source = windows[c]
        notes = []
        loc, spread = measure(c, a, b)
        if spread <= SILENCE * float(peak[c]):  # zero up to filter ringing: digital silence
            spread = floor(c)
            if spread <= 0:
                res["reason"] = "flat: the rest window is digital silence and the quantisation step is unknown"
                continue
            notes.append("zero spread (digital silence) floored at the quantisation step")
            warnings.warn(f"channel {names[c]!r}: {notes[-1]}", SignalQualityWarning, stacklevel=5)
        high[c] = loc + h * spread
        low[c] = loc + h_low * spread
        res.update(baseline=Baseline(a / fs, b / fs, source, loc, spread, "; ".join(notes)),
                   threshold=high[c], threshold_low=low[c])
    gain = None
    if opts.get("track_s"):
        gain, tracked = _tracked_gain(_rest_blocks(blocks, high), block, fs, opts, windows)
        for c in np.flatnonzero(~tracked & np.isfinite(high)):
            results[c]["baseline"] = _with_note(results[c]["baseline"], "rest level not trackable; constant baseline used")
    return results, high, low, gain


def hold_samples(opts, fs):
    """Samples the statistic must stay above the detection threshold (>= 1)."""
    return max(1, int(round(opts.get("hold_ms", 0.0) * 1e-3 * fs)))


def run_limits(opts, fs):
    """``(min_gap, min_len)`` in samples: merge bursts closer than min_gap, then drop those shorter than min_len."""
    return int(round(opts["min_gap_ms"] * 1e-3 * fs)), int(round(opts["min_burst_ms"] * 1e-3 * fs))


def _to_samples(found, rate, n):
    """Burst starts and stops in signal samples (statistic samples times ``rate``)."""
    onsets = [np.asarray(r["starts"], dtype=np.int64) * rate for r in found]
    offsets = [np.minimum(np.asarray(r["stops"], dtype=np.int64) * rate, n) for r in found]
    return onsets, offsets


def _burst_amplitudes(y, fs, onsets, offsets):
    """Peak 50 ms moving RMS and RMS over each burst of the band-passed signal, per channel."""
    from emgkit.kernels import burst_rms

    chan = np.concatenate([np.full(len(s), c, dtype=np.int64) for c, s in enumerate(onsets)])
    starts, stops = np.concatenate(onsets), np.concatenate(offsets)
    peak, mean = burst_rms(y, chan, starts, stops, max(1, int(round(AMPLITUDE_WINDOW_MS * 1e-3 * fs))))
    bounds = np.cumsum([0] + [len(s) for s in onsets])
    return ([peak[bounds[c] : bounds[c + 1]] for c in range(len(onsets))],
            [mean[bounds[c] : bounds[c + 1]] for c in range(len(onsets))])


def clip_fractions(clipped, onsets, offsets):
    """Fraction of each burst's samples in clipped runs, per channel (``clipped`` a mask or None)."""
    out = []
    for c, (s, e) in enumerate(zip(onsets, offsets)):
        if clipped is None or not s.size:
            out.append(np.zeros(s.size))
        else:
            csum = np.concatenate(([0], np.cumsum(clipped[c], dtype=np.int64)))
            out.append((csum[e] - csum[s]) / (e - s))
    return out


def assemble(found, onsets, offsets, peaks, means, channels, fs, n, method, statistic, opts, unit, clip_fr, notes):
    """The :class:`Activation` of per-channel results, bursts in samples and burst amplitudes."""
    opts = {k: (list(v) if isinstance(v, tuple) else v) for k, v in opts.items()}
    return Activation(
        channels=channels, fs=fs, n_samples=n, onsets=[s / fs for s in onsets], offsets=[e / fs for e in offsets],
        threshold=[r["threshold"] for r in found], threshold_low=[r["threshold_low"] for r in found],
        baseline=[r["baseline"] for r in found], reason=[r["reason"] for r in found], method=method,
        statistic=statistic, options=opts, amplitude_unit=unit, peak=peaks, mean_amplitude=means, clipped=clip_fr,
        notes=notes,
    )
