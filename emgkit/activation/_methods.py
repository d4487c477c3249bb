"""The detectors: their options, defaults, and the conditioning that makes each one's statistic.

Each threshold detector turns the band-passed signal ``y`` into a
non-negative *statistic* and thresholds it against a rest baseline
(SCIENCE.md section 3):

* ``hodges`` (Hodges & Bui 1996): ``|y|`` low-passed at 50 Hz, then a 50 ms
  centred moving mean; threshold baseline mean + h SD (h = 3).
* ``tkeo`` (Solnik et al. 2010): TKEO ``y[n]^2 - y[n-1] y[n+1]``, rectified,
  low-passed at 50 Hz; threshold baseline median + h 1.4826 MAD (TKEO
  baselines are heavy-tailed).
* ``auto``: emgkit's default, chosen on the validation table
  (``docs/validation.md``): the TKEO statistic (40 Hz low-pass) with a
  double threshold (detect at h = 8, place onsets and offsets at h_low = 1),
  a detection threshold that must hold for 25 ms (rejects ECG QRS
  complexes and spikes), and a rest level tracked over 10 s so a drifting
  noise floor raises no false bursts.

``bonato`` (Bonato et al. 1998) is a statistical test on the whitened signal
and lives in :mod:`._bonato`.
"""

from __future__ import annotations

import math
import warnings

import numpy as np

from emgkit._checks import check_option
from emgkit.errors import InvalidInputError

COMMON_DEFAULTS = {
    "band_hz": (20.0, 450.0),  # band-pass of the raw signal (SCIENCE.md section 1); None = already band-passed
    "baseline_s": 0.5,  # length of the automatic rest window
    "min_burst_ms": 30.0,  # drop bursts shorter than this (SCIENCE.md section 3)
    "min_gap_ms": 50.0,  # merge bursts closer than this; also the refractory time after an offset
}

METHOD_DEFAULTS = {
    "auto": {"h": 8.0, "h_low": 1.0, "lowpass_hz": 40.0, "hold_ms": 25.0, "track_s": 10.0},
    "tkeo": {"h": 8.0, "h_low": None, "lowpass_hz": 50.0, "hold_ms": 0.0, "track_s": None},
    "hodges": {"h": 3.0, "h_low": None, "lowpass_hz": 50.0, "window_ms": 50.0, "hold_ms": 0.0, "track_s": None},
    "bonato": {"pfa": 0.05, "m": 5, "r0": 1, "min_state_ms": 30.0, "whiten_order": 8},
}

METHODS = tuple(METHOD_DEFAULTS)

# what is thresholded, per method ({unit} is the signal's unit)
STATISTIC = {
    "hodges": "rectified signal, {lowpass_hz:g} Hz low-pass, {window_ms:g} ms moving mean ({unit})",
    "tkeo": "|TKEO|, {lowpass_hz:g} Hz low-pass ({unit}^2)",
    "auto": "|TKEO|, {lowpass_hz:g} Hz low-pass, scaled by the tracked rest level ({unit}^2)",
    "bonato": "(y[2i]^2 + y[2i+1]^2) / baseline variance of the whitened signal (dimensionless)",
}

ROBUST = {"hodges": False, "tkeo": True, "auto": True}


def resolve_options(method, options, *, conditioned):
    """Defaults merged with the user's options, checked; unknown names are an error."""
    method = check_option("method", method, METHODS)
    defaults = {**COMMON_DEFAULTS, **METHOD_DEFAULTS[method]}
    if method == "bonato":  # Bonato's rule: active and inactive states shorter than 30 ms are discarded
        defaults.pop("min_burst_ms")
        defaults.pop("min_gap_ms")
    if conditioned:
        for key in ("band_hz", "lowpass_hz"):
            defaults.pop(key, None)
    unknown = [k for k in options if k not in defaults]
    if unknown:
        import difflib

        hints = [difflib.get_close_matches(k, list(defaults), n=1) for k in unknown]
        hint = "".join(f" Did you mean {h[0]!r} for {k!r}?" for k, h in zip(unknown, hints) if h)
        raise InvalidInputError(
            f"unknown option(s) {unknown} for method={method!r}"
            f"{' on a conditioned envelope' if conditioned else ''}; valid options: {sorted(defaults)}.{hint}"
        )
    opts = {**defaults, **options}
    check_numbers(method, opts)
    return method, opts


def _positive(opts, key, *, allow_zero=False, allow_none=False):
    value = opts[key]
    if value is None and allow_none:
        return
    ok = isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool) and math.isfinite(value)
    if not ok or value < 0 or (value == 0 and not allow_zero):
        need = ">= 0" if allow_zero else "> 0"
        raise InvalidInputError(f"{key} must be a finite number {need}, got {value!r}")


def check_numbers(method, opts):
    """Check the numeric options in ``opts`` (in place: ``band_hz`` becomes a float pair)."""
    for key in ("min_burst_ms", "min_gap_ms", "hold_ms", "min_state_ms"):
        if key in opts:
            _positive(opts, key, allow_zero=True)
    for key in ("baseline_s", "lowpass_hz", "pfa"):
        if key in opts:
            _positive(opts, key)
    if "window_ms" in opts:
        _positive(opts, "window_ms", allow_zero=True, allow_none=True)
    if "track_s" in opts:
        _positive(opts, "track_s", allow_none=True)
    if "h" in opts:
        _positive(opts, "h", allow_zero=True)
        _positive(opts, "h_low", allow_zero=True, allow_none=True)
        if opts["h_low"] is not None and opts["h_low"] > opts["h"]:
            raise InvalidInputError(
                f"h_low={opts['h_low']} must not exceed h={opts['h']}: h detects a burst, h_low (lower) places its edges"
            )
    if "band_hz" in opts and opts["band_hz"] is not None:
        band = opts["band_hz"]
        try:
            low, high = (float(v) for v in band)
        except (TypeError, ValueError):
            raise InvalidInputError(f"band_hz must be (low_hz, high_hz) or None, got {band!r}") from None
        if not 0 < low < high:
            raise InvalidInputError(f"band_hz must satisfy 0 < low < high, got {band!r}")
        opts["band_hz"] = (low, high)
    if method == "bonato":
        if not 0 < opts["pfa"] < 1:
            raise InvalidInputError(f"pfa (false-alarm probability) must lie in (0, 1), got {opts['pfa']!r}")
        for key in ("m", "r0", "whiten_order"):
            v = opts[key]
            if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < (0 if key == "whiten_order" else 1):
                raise InvalidInputError(f"{key} must be a {'non-negative' if key == 'whiten_order' else 'positive'} integer, got {v!r}")
        if opts["r0"] > opts["m"]:
            raise InvalidInputError(f"r0={opts['r0']} must not exceed m={opts['m']} (at least r0 of m samples exceed)")


# -- conditioning -------------------------------------------------------------------
def band_pass(x, fs, band_hz):
    """Band-pass ``x`` (channels first) with emgkit's default filter; returns (y, band actually used)."""
    from emgkit.preprocess import bandpass

    if band_hz is None:
        return x, None
    low, high = band_hz
    if high >= fs / 2:
        raise InvalidInputError(
            f"band_hz upper corner {high:g} Hz must be below fs/2 = {fs / 2:g} Hz; pass e.g. band_hz=({low:g}, {0.9 * fs / 2:g})"
        )
    return bandpass(x, fs, low=low, high=high, order=4), (low, high)


def statistic(method, y, fs, opts):
    """Detection statistic of ``method`` for the band-passed ``y`` (channels first).

    Returns
    -------
    test : ndarray
        What is compared with the thresholds.
    reference : ndarray
        What the baseline level and spread are measured on: for Hodges & Bui
        the low-passed rectified signal (the threshold is h SD of the signal,
        tested with a sliding-window mean); ``test`` itself for the others.
    """
    from emgkit.kernels import moving_average, rectified_envelope, tkeo_envelope
    from emgkit.preprocess import lowpass_sos

    cutoff = opts["lowpass_hz"]
    if not cutoff < fs / 2:
        raise InvalidInputError(f"lowpass_hz={cutoff:g} must be below fs/2 = {fs / 2:g} Hz")
    sos = lowpass_sos(fs, cutoff, 2)
    if method == "hodges":
        ref = rectified_envelope(y, sos)
        w = window_length(opts["window_ms"], fs)
        return (moving_average(ref, w) if w > 1 else ref), ref
    stat = tkeo_envelope(y, sos)
    return stat, stat


def smooth_envelope(envelope, fs, opts):
    """A user's envelope with the optional ``window_ms`` moving mean (``conditioned=True``)."""
    from emgkit.kernels import moving_average

    w = window_length(opts.get("window_ms"), fs)
    return moving_average(envelope, w) if w > 1 else envelope


def window_length(window_ms, fs):
    """A moving-mean window in ms as samples (1 = none)."""
    if not window_ms:
        return 1
    return max(1, int(round(window_ms * 1e-3 * fs)))


KNOT_BATCH = 1 << 21  # values sorted at once by tracked_level (16 MB of float64)


def _low_quantile(windows, quantile, width):
    """Lower-nearest-rank ``quantile`` of every window (last axis), NaN left out; NaN for all-NaN windows."""
    bad = np.isnan(windows)
    if not bad.any():
        k = int(quantile / 100.0 * (width - 1))
        return np.partition(windows, k, axis=2)[..., k]
    ordered = np.sort(np.where(bad, np.inf, windows), axis=2)
    count = width - bad.sum(axis=2)
    k = np.maximum((quantile / 100.0 * (count - 1)).astype(np.int64), 0)
    knots = np.take_along_axis(ordered, k[..., None], axis=2)[..., 0]
    knots[count == 0] = np.nan
    return knots


def tracked_level(blocks, span_blocks, *, quantile=10.0):
    """Rest level tracked over ``span_blocks`` blocks: a running low quantile of block means.

    Each value is the ``quantile``-th percentile (lower nearest rank) of the
    block means within ``span_blocks`` around it, NaN blocks (clipped or
    dropout blocks) left out.  A burst shorter than about 90 % of the span,
    with rest around it, does not lift the level.  The percentile is taken
    every ``stride`` blocks (odd, about span / 20) and interpolated between.

    Returns
    -------
    ndarray, shape of ``blocks``, float64
        NaN for channels with no usable block.
    """
    from numpy.lib.stride_tricks import sliding_window_view

    n_ch, n_blocks = blocks.shape
    half = max(1, span_blocks // 2)
    width = 2 * half + 1
    stride = max(1, half // 10) | 1
    padded = np.pad(blocks, ((0, 0), (half, half)), mode="reflect" if n_blocks > 1 else "edge")
    windows = sliding_window_view(padded, width, axis=1)[:, stride // 2 :: stride]
    centres = np.arange(windows.shape[1]) * stride + stride // 2
    knots = np.empty(windows.shape[:2])
    step = max(1, KNOT_BATCH // max(1, n_ch * width))  # windows are views; their sorted copies are made a batch at a time
    for i in range(0, windows.shape[1], step):
        knots[:, i : i + step] = _low_quantile(windows[:, i : i + step], quantile, width)
    level = np.full(blocks.shape, np.nan)
    grid = np.arange(n_blocks)
    for c in range(n_ch):
        ok = np.isfinite(knots[c])
        if ok.any():
            level[c] = np.interp(grid, centres[ok], knots[c, ok])
    return level
