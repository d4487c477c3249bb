"""Public entry points of the detector: :func:`detect_source`, :func:`detect_activation`, :func:`detect`.

There is one detector, which reads a chunked source in pieces
(:mod:`._walk`): :func:`detect_source` hands it a source of raw EMG (and,
from an analysis, the band-passed signal and the clipped runs);
:func:`detect_activation` an array or Recording as one piece; :func:`detect`
an envelope you made; :func:`emgkit.activation.detect_activation_stream` a
file, chunk by chunk.  Each builds the :class:`._walk.Plan` of what to
compute from the method registry (:mod:`._registry`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import numpy as np

from emgkit._signal import as_signal
from emgkit.channels import Channel
from emgkit.errors import InvalidInputError

from ._baseline import EDGE_S
from ._registry import REGISTRY, check_values, resolve_options
from ._result import Activation
from ._signals import ArrayView, as_source
from ._walk import Plan, run

if TYPE_CHECKING:
    from emgkit._notes import Notes
    from emgkit.recording import Recording

__all__ = ["detect_activation", "detect", "detect_source"]


def detect_source(source, channels, *, unit="V", meta=None, method="auto", baseline=None, chunk=None, notes=None,
                  filtered=None, clipped=None, screen=None, **options) -> Activation:
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
    screen : emgkit.activation._screen.Screen, optional
        The screen of the raw samples (extremes, non-finite samples,
        dropouts) already fed every sample of ``source`` in order, made with
        ``clipped_later=True`` (an analysis's conditioning pass feeds it);
        needs ``clipped``.  The raw samples are then not read at all when
        ``filtered`` is given.
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
    >>> from emgkit._chunks import ArraySource
    >>> from emgkit.datasets.simulate import simulate
    >>> rec = simulate(n_reps=3, muscles=["biceps_brachii"], sides=["L"], ramp_s=0.0, seed=1)
    >>> act = detect_source(ArraySource(rec.data, rec.fs), rec.channels, chunk=5000)
    >>> act.onsets["L biceps_brachii"].round(1)
    array([ 2.,  6., 10.])
    """
    filtered = None if filtered is None else as_source(filtered, source.fs)
    channels, meta = check_source(source, channels, unit, meta)
    _check_companions(source, filtered, clipped)
    if screen is not None and (clipped is None or getattr(screen, "shape", None) != (source.n_channels, source.n_samples)):
        raise InvalidInputError(f"screen must be the Screen of this source's {source.n_channels} x {source.n_samples} raw "
                                "samples, given with its clipped runs (clipped=...)")
    return run(source, channels, unit, meta, raw_plan(method, options, unit), baseline, chunk, notes, filtered,
               clipped, screen)


def raw_plan(method, options, unit):
    """The :class:`Plan` of ``method`` on raw EMG, options checked against the registry."""
    method, opts = resolve_options(method, options)
    spec = REGISTRY[method]
    _check_follow(spec, opts)
    return Plan(spec.kind, spec.robust, spec.power, opts, spec.label or spec.name,
                spec.statistic.format(unit=unit, **opts), EDGE_S, spec.tracking)


def envelope_plan(opts, robust, label, unit, tracking="rise"):
    """The :class:`Plan` of thresholding a given envelope (no filters, no edge transient)."""
    statistic = f"given envelope ({unit})" + (f", {opts['window_ms']:g} ms moving mean" if opts.get("window_ms") else "")
    return Plan("envelope", robust, 1, opts, label, statistic, 0.0, tracking)


def conditioned_plan(method, options, unit):
    """The :class:`Plan` of ``detect_activation(..., conditioned=True)``: ``method``'s thresholds on an envelope."""
    if method == "bonato":
        raise InvalidInputError(
            "method='bonato' tests the band-passed signal itself, not an envelope; pass conditioned=False"
        )
    method, opts = resolve_options(method, options, conditioned=True)
    spec = REGISTRY[method]
    _check_follow(spec, opts)
    return envelope_plan(opts, spec.robust, f"{method}, conditioned input", unit, spec.tracking)


def detect_activation(recording: Recording | np.ndarray, *, method: str = "auto",
                      baseline: tuple[float, float] | Mapping[str, tuple[float, float]] | None = None,
                      conditioned: bool = False, fs: float | None = None, notes: Notes | None = None,
                      **options: Any) -> Activation:
    """Find muscle activity bursts (onsets and offsets) in every channel of raw EMG.

    Parameters
    ----------
    recording : Recording or ndarray, shape (n_channels, n_samples) or (n_samples,)
        Raw EMG (a DC offset is fine).  Arrays need ``fs``.
    method : {"auto", "tkeo", "hodges", "bonato", "tonic"}, default "auto"
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
        ``"tonic"``: rhythmic bursts riding on tonic activity (no rest in
        the record): the ``hodges`` statistic; thresholds (centre + h
        spread) x the tonic level, a running 10th percentile of 20 ms means
        over ``track_s`` = 2 s, with centre and spread of the means over
        that level from their 10th and 25th percentiles (h = 3.5, h_low =
        2, a 25 ms hold): they follow the level both ways
        (``docs/activation.md``).
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
    record (automatic baseline), with no clean window for a baseline, or
    (all methods but ``"tonic"``) whose automatic rest window held activity
    while a third or more of the record's burst-like rises were missed
    (bursts on tonic activity), ``"no rest: ..."``; one with nothing above
    threshold ``"no activity: ..."``.  Clipped runs (:mod:`emgkit.clipping`: >= 3 samples at a
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



# -- checks -------------------------------------------------------------------------------------------------
def _check_follow(spec, opts):
    """InvalidInputError for a method that follows a tonic level given no span to track it over."""
    if spec.tracking == "follow" and opts.get("track_s") is None:
        raise InvalidInputError(
            f"method={spec.name!r} follows the tonic level over track_s seconds; track_s=None leaves nothing to "
            f"follow: pass track_s of a few burst periods (default {spec.defaults['track_s']:g} s), or use "
            "method='hodges' for a constant baseline"
        )


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


