"""The detector: one implementation that reads a chunked source in pieces, for records in memory or on disk.

:func:`detect_source` is the entry point; :func:`detect_activation` (an
array or Recording), :func:`detect` (an envelope you made) and
:func:`emgkit.activation.detect_activation_stream` (a file, chunk by chunk)
call the same walk over a source (:mod:`emgkit._chunks`).  In memory the
whole record is one piece, read and conditioned once.  The walk:

1. every piece: the screen of the raw samples (:class:`._screen.Screen`),
   and block means and maximum of the reference statistic;
2. the rest windows (the user's, or the quietest), measured; thresholds (or
   Bonato's whitening) per channel;
3. every piece again: the detector's test with its state carried across
   pieces (hysteresis, or Bonato's r0-of-m), then runs merged and filtered;
4. the pieces holding bursts: their amplitudes.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from emgkit._notes import warn
from emgkit.clipping import adc_limits
from emgkit._signal import as_signal
from emgkit.channels import Channel
from emgkit.errors import InvalidInputError

from . import _baseline as bl
from ._baseline import EDGE_S, judge
from ._methods import low_rate_note, window_length
from ._registry import REGISTRY, check_values, resolve_options
from ._result import Activation
from ._screen import Screen, covered, quantisation_step
from ._signals import SCREEN_BLOCK, ArrayView, Signals, as_source, cores

__all__ = ["detect_activation", "detect", "detect_source"]

AMPLITUDE_WINDOW_MS = 50.0  # moving RMS giving each burst's peak amplitude


@dataclass(frozen=True)
class Plan:
    """What one detection computes: the statistic ``kind``, its options and how the result describes it."""

    kind: str  # "tkeo", "rectified", "bonato" (raw EMG) or "envelope" (a given envelope)
    robust: bool
    power: int  # the statistic scales with amplitude ** power
    opts: dict
    label: str  # Activation.method
    statistic: str  # Activation.statistic
    edge_s: float  # filter transient kept out of automatic baselines, s


def detect_source(source, channels, *, unit="V", meta=None, method="auto", baseline=None, chunk=None, notes=None,
                  filtered=None, clipped=None, **options) -> Activation:
    """Find muscle activity bursts in every channel of a chunked source of raw EMG.

    The one detector behind :func:`emgkit.detect_activation` (the whole
    record as one piece) and
    :func:`emgkit.activation.detect_activation_stream` (pieces of ``chunk``
    samples).  An analysis that has already band-passed the signal and found
    its clipped runs passes them as ``filtered`` and ``clipped``, so the
    detector neither filters nor scans for clipping again.

    Parameters
    ----------
    source : ArraySource or FileSource (:mod:`emgkit._chunks`)
        Raw EMG (a DC offset is fine): ``fs`` (Hz), ``n_channels``,
        ``n_samples`` and ``read(a, b, rows=None)`` giving samples ``a:b``
        as float64, in ``unit``.
    channels : sequence of Channel or str
        One per source row (names unique).
    unit : str, default "V"
        Unit of the samples (and of the burst amplitudes).
    meta : dict, optional
        As :class:`emgkit.Recording`: ``"adc_range"`` / ``"adc_ranges"``
        (converter limits, for clipping) and ``"adc"`` (its ``"scale"`` is
        the quantisation step) are used.
    method : str, default "auto"
        A detector of :data:`emgkit.activation.REGISTRY` (``"auto"``,
        ``"tkeo"``, ``"hodges"``, ``"bonato"``); see
        :func:`emgkit.detect_activation`.
    baseline : (start_s, stop_s) or dict, optional
        Rest interval in s for every channel, or ``{channel name: (start_s,
        stop_s)}``; default the quietest ``baseline_s`` window per channel.
    chunk : int >= 1, optional
        Samples per piece, rounded down to whole rest-search blocks
        (``baseline_s / 10``; even for Bonato).  Default: the whole record in
        one piece.  Each read spans a piece plus filter margins on both
        sides (about 1.7 s at a 20 Hz high-pass), so memory scales with
        ``n_channels * (chunk + 2 * margin)``.
    notes : emgkit._notes.Notes, optional
        Where caveats go (clipping, digital silence, a rate below 1 kHz);
        None: they are warned (:class:`~emgkit.errors.SignalQualityWarning`
        at the caller's line).
    filtered : ArraySource, FileSource or ndarray, optional
        The band-passed signal, same shape and rate as ``source`` (an
        array is read without copying): DC
        removed and band-passed at ``band_hz`` with
        :func:`emgkit.preprocess.bandpass` (it may also be notched, or
        high-passed higher on some channels).  Read instead of
        band-passing ``source``; ``band_hz`` then only describes it.
    clipped : list of (starts, stops), optional
        Per channel, the clipped runs as int64 sample indices (sorted,
        disjoint, stop exclusive) of :func:`emgkit.clipping.clipped_runs`
        (or :func:`emgkit.clipping.scan`) on the raw signal, when the caller
        has them: the detector then does not read the record again to find
        them.
    **options
        Method options in physical units (``band_hz``, ``baseline_s``,
        ``h``, ...; :func:`emgkit.detect_activation` lists them).

    Returns
    -------
    Activation

    Raises
    ------
    InvalidInputError
        NaN/inf samples (naming the channel and first bad sample), bad
        baselines, options, ``chunk``, a channel list, ``filtered`` or
        ``clipped`` that does not match the source.

    Notes
    -----
    The result does not depend on ``chunk`` beyond rounding: each piece's
    filters start from their own state and agree with the whole-record
    filters to about 1e-14 of the signal's scale on the piece's core
    (:func:`emgkit._chunks.settle_samples`), so burst samples, reasons and
    notes are those of the whole record and thresholds, baselines and
    amplitudes agree to about 1e-12 relative.  Memory besides a piece: one
    float per rest-search block and channel, the run lists, and the rest
    windows (Bonato's whole; the others' up to 1,000,000 samples, longer ones
    measured exactly in several passes).

    Examples
    --------
    >>>     >>> from emgkit.datasets.simulate import simulate
    >>> rec = simulate(n_reps=3, muscles=["biceps_brachii"], sides=["L"], ramp_s=0.0, seed=1)
    >>> act = detect_source(ArraySource(rec.data, rec.fs), rec.channels, chunk=5000)
    >>> act.onsets["L biceps_brachii"].round(1)
    array([ 2.,  6., 10.])
    """
    filtered = None if filtered is None else as_source(filtered, source.fs)
    channels, meta = check_source(source, channels, unit, meta)
    _check_companions(source, filtered, clipped)
    return run(source, channels, unit, meta, raw_plan(method, options, unit), baseline, chunk, notes, filtered,
               clipped)


def raw_plan(method, options, unit):
    """The :class:`Plan` of ``method`` on raw EMG, options checked against the registry."""
    method, opts = resolve_options(method, options)
    spec = REGISTRY[method]
    return Plan(spec.kind, spec.robust, spec.power, opts, spec.label or spec.name,
                spec.statistic.format(unit=unit, **opts), EDGE_S)


def envelope_plan(opts, robust, label, unit):
    """The :class:`Plan` of thresholding a given envelope (no filters, no edge transient)."""
    statistic = f"given envelope ({unit})" + (f", {opts['window_ms']:g} ms moving mean" if opts.get("window_ms") else "")
    return Plan("envelope", robust, 1, opts, label, statistic, 0.0)


def conditioned_plan(method, options, unit):
    """The :class:`Plan` of ``detect_activation(..., conditioned=True)``: ``method``'s thresholds on an envelope."""
    if method == "bonato":
        raise InvalidInputError(
            "method='bonato' tests the band-passed signal itself, not an envelope; pass conditioned=False"
        )
    method, opts = resolve_options(method, options, conditioned=True)
    return envelope_plan(opts, REGISTRY[method].robust, f"{method}, conditioned input", unit)


def detect_activation(recording, *, method="auto", baseline=None, conditioned=False, fs=None, notes=None,
                      **options) -> Activation:
    """Find muscle activity bursts (onsets and offsets) in every channel of raw EMG.

    Parameters
    ----------
    recording : Recording or ndarray, shape (n_channels, n_samples) or (n_samples,)
        Raw EMG (a DC offset is fine).  Arrays need ``fs``.
    method : {"auto", "tkeo", "hodges", "bonato"}, default "auto"
        The detectors of :data:`emgkit.activation.REGISTRY`.
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
    notes : emgkit._notes.Notes, optional
        Where caveats go; None: they are warned at the caller's line.
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
    ..."``.  Clipped runs (:mod:`emgkit.clipping`: >= 3 samples at a
    converter limit, ``meta["adc_range"]``, or at an extreme the signal
    piles up at) and dropouts (constant for >= 50 ms) never enter the
    automatic baseline; each burst reports its clipped fraction, and a
    :class:`~emgkit.errors.SignalQualityWarning` names channels with more
    than 0.1 % clipped samples.  A baseline whose spread is exactly 0
    (digital silence) is floored at the quantisation step, with a warning.
    The detector is :func:`detect_source` over the record in one piece.

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
    plan = conditioned_plan(method, options, unit) if conditioned else raw_plan(method, options, unit)
    return run(ArrayView(data, fs), channels, unit, meta, plan, baseline, None, notes)


def detect(envelope, fs=None, *, baseline=None, h=3.0, h_low=None, robust=False, window_ms=None, hold_ms=0.0,
           min_burst_ms=30.0, min_gap_ms=50.0, baseline_s=0.5, track_s=None, channels=None, notes=None) -> Activation:
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
    notes : emgkit._notes.Notes, optional
        Where caveats go; None: they are warned at the caller's line.

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
    opts = check_values({"h": h, "h_low": h_low, "window_ms": window_ms, "hold_ms": hold_ms,
                         "min_burst_ms": min_burst_ms, "min_gap_ms": min_gap_ms, "baseline_s": baseline_s,
                         "track_s": track_s})
    label = "threshold (median + h MAD)" if robust else "threshold (mean + h SD)"
    return run(ArrayView(data, fs), chans, unit, {}, envelope_plan(opts, robust, label, unit), baseline, None, notes)


# -- the walk ------------------------------------------------------------------------------------------------
def run(source, channels, unit, meta, plan, baseline, chunk, notes, filtered=None, clipped=None) -> Activation:
    """Detection of ``plan`` over ``source`` in pieces of ``chunk`` samples (None: one piece); see the module."""
    from ._bonato import Bonato
    from ._threshold import SpreadFloor, Threshold, envelope_floor

    fs, n, opts = float(source.fs), int(source.n_samples), plan.opts
    names = [c.name for c in channels]
    envelope = plan.kind == "envelope"
    user = bl.parse_user_baseline(baseline, names, n / fs)
    check_length(n, fs, opts, user, plan.edge_s)
    block = bl.block_length(opts["baseline_s"], fs)
    core = core_length(n, chunk, block, even=plan.kind == "bonato")
    signals = Signals(source, filtered, plan.kind, fs, opts.get("band_hz"), opts.get("lowpass_hz"),
                      window_length(opts.get("window_ms"), fs))
    if signals.band is not None and low_rate_note(fs):
        warn(low_rate_note(fs), notes)

    screen = Screen(len(names), n, fs, None if envelope else adc_limits(meta, names), clipped, runs=not envelope)
    means, peak = _scan_reference(signals, screen, core, block)
    screened = screen.finish(names, fs, source, core)
    if envelope:
        _check_non_negative(screen.lo, names)
    else:
        warn_clipping(screened.clipped_fraction(n), names, notes)
    _exclude_blocks(means, block, screened.exclude)
    windows = bl.pick_windows(means, block, n, fs, user, plan.edge_s)

    quant = Quantisation(lambda c: quantisation_step(source, c, core, None if envelope else meta.get("adc")))
    if plan.kind == "bonato":
        detector = Bonato(signals, opts, quant)
    else:
        floor = envelope_floor(quant) if envelope else SpreadFloor(plan.kind, plan.power, fs, opts, quant, plan.robust)
        detector = Threshold(signals, opts, plan.robust, floor, core, names, notes)
    results = detector.calibrate(windows, means, block, peak, screened.flat)
    if plan.kind == "bonato":
        signals.forget("ref")  # y^2 served the rest search only
    for a, b in cores(n, core):
        detector.scan(a, b, signals.piece(a, b, detector.margin))
    for c, (starts, stops) in enumerate(detector.runs()):
        if results[c]["reason"] is None:
            judge(results[c], starts, stops, max(n // detector.rate, 1), user[c] is None)

    onsets = [np.asarray(r["starts"], dtype=np.int64) * detector.rate for r in results]
    offsets = [np.minimum(np.asarray(r["stops"], dtype=np.int64) * detector.rate, n) for r in results]
    amplitudes = _envelope_amplitudes if envelope else _burst_amplitudes
    peaks, means_amp = amplitudes(signals, onsets, offsets, core)
    clip_fr = [covered(s, e, *screened.clipped[c]) / np.maximum(e - s, 1) for c, (s, e) in enumerate(zip(onsets, offsets))]
    return assemble(results, onsets, offsets, peaks, means_amp, channels, fs, n, plan.label, plan.statistic, opts,
                    unit, clip_fr, screened.notes)


def _scan_reference(signals, screen, core, block):
    """Pass 1: the screen of every core, and block means and maximum of the reference statistic per channel."""
    n = signals.n
    k = n // block
    means, peak = None, None
    for a, b in cores(n, core):
        piece = signals.piece(a, b, signals.stat_margin)
        if signals.filtered is None:  # the raw piece is read for its band-pass anyway
            screen.add(a, piece.raw[:, a - piece.lo : b - piece.lo])
            piece.forget("raw")
        else:  # only screened: small reads
            for s, e in cores(b - a, SCREEN_BLOCK):
                screen.add(a + s, signals.source.read(a + s, a + e))
        ref = piece.ref[:, a - piece.lo : b - piece.lo]
        if means is None:
            means, peak = np.empty((ref.shape[0], k)), np.full(ref.shape[0], -np.inf)
        peak = np.maximum(peak, ref.max(axis=1))
        first, m = a // block, (min(b, k * block) - a) // block
        if m > 0:
            means[:, first : first + m] = ref[:, : m * block].reshape(-1, m, block).mean(axis=2, dtype=np.float64)
    return means, peak


def _exclude_blocks(means, block, exclude):
    """Set to NaN the block means touching any run of ``exclude`` (clipping, dropouts): never rest."""
    k = means.shape[1]
    for c, (starts, stops) in enumerate(exclude):
        inside = starts // block < k
        touched = np.zeros(k + 1, np.int64)
        np.add.at(touched, starts[inside] // block, 1)
        np.add.at(touched, np.minimum(k, (stops[inside] - 1) // block + 1), -1)
        means[c, np.cumsum(touched[:k]) > 0] = np.nan


def _burst_amplitudes(signals, onsets, offsets, core):
    """Peak 50 ms moving RMS and RMS of the band-passed signal over each burst, piece by piece."""
    from emgkit.kernels import burst_rms

    window = max(1, int(round(AMPLITUDE_WINDOW_MS * 1e-3 * signals.fs)))
    best = [np.zeros(s.size) for s in onsets]
    power = [np.zeros(s.size) for s in onsets]
    for a, b, piece, hits in _pieces_with_bursts(signals, onsets, offsets, core, signals.band_margin + window):
        chan = np.concatenate([np.full(idx.size, piece.at(c), np.int64) for c, idx in hits])
        i0 = np.concatenate([np.maximum(onsets[c][idx], a) for c, idx in hits])
        i1 = np.concatenate([np.minimum(offsets[c][idx], b) for c, idx in hits])
        peak, mean = burst_rms(piece.y, chan, i0 - piece.lo, i1 - piece.lo, window)
        at = 0
        for c, idx in hits:
            part = slice(at, at + idx.size)
            best[c][idx] = np.maximum(best[c][idx], peak[part])
            power[c][idx] += mean[part] ** 2 * (i1[part] - i0[part])
            at += idx.size
    return best, [np.sqrt(p / np.maximum(e - s, 1)) for p, s, e in zip(power, onsets, offsets)]


def _envelope_amplitudes(signals, onsets, offsets, core):
    """Highest and mean value of the thresholded envelope within each burst."""
    best = [np.full(s.size, -np.inf) for s in onsets]
    total = [np.zeros(s.size) for s in onsets]
    for a, b, piece, hits in _pieces_with_bursts(signals, onsets, offsets, core, signals.stat_margin):
        for c, idx in hits:
            row = piece.test[piece.at(c)]
            for i in idx:
                seg = row[max(onsets[c][i], a) - piece.lo : min(offsets[c][i], b) - piece.lo]
                best[c][i] = max(best[c][i], float(seg.max()))
                total[c][i] += float(seg.sum(dtype=np.float64))
    return best, [t / np.maximum(e - s, 1) for t, s, e in zip(total, onsets, offsets)]


def _pieces_with_bursts(signals, onsets, offsets, core, margin):
    """Yield ``(a, b, piece, hits)`` for the cores holding bursts; ``hits`` lists ``(channel, burst indices)``."""
    for a, b in cores(signals.n, core):
        hits = [(c, np.flatnonzero((s < b) & (offsets[c] > a))) for c, s in enumerate(onsets)]
        hits = [(c, idx) for c, idx in hits if idx.size]
        if hits:
            yield a, b, signals.piece(a, b, margin, rows=[c for c, _ in hits]), hits


# -- checks and helpers ---------------------------------------------------------------------------------------
def check_source(source, channels, unit, meta):
    """Checked ``(channels, meta)`` of a source: one Channel per row, names unique (as a Recording checks them)."""
    from emgkit.recording import Recording

    chans = [channels] if isinstance(channels, (str, Channel)) else list(channels)
    if len(chans) != int(source.n_channels):
        raise InvalidInputError(f"{len(chans)} channels for a source of {source.n_channels} rows; "
                                "pass one channel per source row")
    shell = Recording(np.zeros((len(chans), 1)), source.fs, chans, unit=unit, meta=meta)
    return shell.channels, shell.meta


def _check_companions(source, filtered, clipped):
    shape = (int(source.n_channels), int(source.n_samples))
    if filtered is not None and ((int(filtered.n_channels), int(filtered.n_samples)) != shape
                                 or float(filtered.fs) != float(source.fs)):
        raise InvalidInputError(
            f"filtered has shape ({filtered.n_channels}, {filtered.n_samples}) at {filtered.fs} Hz; it must be the "
            f"band-passed source, shape {shape} at {source.fs} Hz"
        )
    if clipped is not None and len(clipped) != shape[0]:
        raise InvalidInputError(f"clipped has {len(clipped)} entries; pass one (starts, stops) per channel ({shape[0]})")


def core_length(n, chunk, block, *, even=False):
    """Samples per piece: the whole record for ``chunk=None``, else whole rest-search blocks (an even number if asked)."""
    if chunk is None:
        return max(n, 1)
    if isinstance(chunk, bool) or not isinstance(chunk, (int, np.integer)) or chunk < 1:
        raise InvalidInputError(f"chunk must be a positive number of samples, got {chunk!r}")
    if chunk >= n:
        return max(n, 1)
    unit = 2 * block if even and block % 2 else block
    return max(unit, int(chunk) // unit * unit)


def check_length(n, fs, opts, user, edge_s=EDGE_S):
    """InvalidInputError for a record too short for the rest search (or the band-pass)."""
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


def _check_non_negative(lowest, names):
    if np.any(lowest < 0):
        c = int(np.argmax(lowest < 0))
        raise InvalidInputError(
            f"an envelope must be non-negative; channel {names[c]!r} has values down to {lowest[c]:.3g}. "
            "Rectify and smooth the signal first, or pass the raw signal with conditioned=False"
        )


def warn_clipping(fractions, names, notes=None):
    """Report channels with more than 0.1 % of their samples (``fractions``) in clipped runs."""
    bad = [f"{names[c]!r} ({100 * fractions[c]:.2g} %)" for c in np.flatnonzero(fractions > 1e-3)]
    if bad:
        warn(f"clipped samples in {', '.join(bad)}: amplitudes there are biased; clipped runs are kept out of the "
             "baseline, and each burst reports its clipped fraction", notes)


class Quantisation:
    """Quantisation step per channel, ``step(c)``, computed only when a zero-spread baseline needs it."""

    def __init__(self, step):
        self.step, self.cache = step, {}

    def __call__(self, c):
        if c not in self.cache:
            self.cache[c] = self.step(c)
        return self.cache[c]


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
