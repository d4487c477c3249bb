"""Conditioning of the detectors: band-pass, detection statistics, and the tracked rest level.

The method definitions (statistic, defaults, options) are in
:mod:`._registry`; this module computes what a method's ``kind`` names from
a piece of signal, channels first:

* ``"tkeo"``: ``|TKEO(y)|`` low-passed forward and backward (Solnik et al.
  2010);
* ``"rectified"``: ``|y|`` low-passed, then an optional centred moving mean
  (Hodges & Bui 1996): the baseline is measured on the low-passed signal,
  the moving mean is what is thresholded;
* ``"envelope"``: an envelope given by the user, with the optional moving
  mean;
* ``"bonato"``: ``y^2``, on which the quietest rest window is searched (the
  test itself is in :mod:`._bonato`).
"""

from __future__ import annotations

import numpy as np

from emgkit.errors import InvalidInputError

LOW_RATE_HZ = 1000.0  # SENIAM: sample surface EMG at >= 1 kHz


def band_sos(fs, band_hz):
    """Second-order sections of the detectors' band-pass: Butterworth, order 4 (the design of ``emgkit.bandpass``)."""
    from scipy.signal import butter

    low, high = band_hz
    if high >= fs / 2:
        raise InvalidInputError(
            f"band_hz upper corner {high:g} Hz must be below fs/2 = {fs / 2:g} Hz; pass e.g. band_hz=({low:g}, {0.9 * fs / 2:g})"
        )
    return butter(4, [low, high], btype="band", fs=fs, output="sos")


def low_rate_note(fs):
    """The caveat of band-passing at ``fs`` below 1 kHz (the text of ``emgkit.bandpass``), or None."""
    if fs < LOW_RATE_HZ:
        return f"fs = {fs:g} Hz is below the 1 kHz SENIAM recommends for surface EMG; spectra above {fs / 2:g} Hz are lost"
    return None


def band_pass(x, sos):
    """``x`` (channels first, float) filtered forward and backward by ``sos``, exactly as ``emgkit.bandpass``."""
    from emgkit.kernels import sosfiltfilt

    return sosfiltfilt(sos, x)


def statistic_sos(fs, lowpass_hz):
    """Low-pass of the TKEO and rectified statistics: Butterworth, order 2, one section."""
    from emgkit.preprocess import lowpass_sos

    if not lowpass_hz < fs / 2:
        raise InvalidInputError(f"lowpass_hz={lowpass_hz:g} must be below fs/2 = {fs / 2:g} Hz")
    return lowpass_sos(fs, lowpass_hz, 2)


def reference(kind, y, sos):
    """What the rest level and spread are measured on, for band-passed ``y`` (or a given envelope).

    Parameters
    ----------
    kind : {"tkeo", "rectified", "envelope", "bonato"}
    y : ndarray, shape (n_channels, n)
    sos : ndarray, shape (1, 6), or None
        The statistic's low-pass (:func:`statistic_sos`; tkeo and rectified only).

    Returns
    -------
    ndarray, shape of ``y``
    """
    from emgkit.kernels import rectified_envelope, tkeo_envelope

    if kind == "tkeo":
        return tkeo_envelope(y, sos)
    if kind == "rectified":
        return rectified_envelope(y, sos)
    if kind == "bonato":
        return np.square(y, dtype=np.float64)
    return y


def thresholded(ref, window):
    """What is compared with the thresholds: ``ref``, or its centred moving mean over ``window`` samples."""
    from emgkit.kernels import moving_average

    return moving_average(ref, window) if window > 1 else ref


def window_length(window_ms, fs):
    """A moving-mean window in ms as samples (1 = none)."""
    if not window_ms:
        return 1
    return max(1, int(round(window_ms * 1e-3 * fs)))


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
    from emgkit.kernels import window_quantiles

    n_ch, n_blocks = blocks.shape
    half = max(1, span_blocks // 2)
    width = 2 * half + 1
    stride = max(1, half // 10) | 1
    padded = np.pad(blocks, ((0, 0), (half, half)), mode="reflect" if n_blocks > 1 else "edge")
    knots = window_quantiles(padded, width, stride // 2, stride, quantile)
    centres = np.arange(knots.shape[1]) * stride + stride // 2
    level = np.full(blocks.shape, np.nan)
    grid = np.arange(n_blocks)
    for c in range(n_ch):
        ok = np.isfinite(knots[c])
        if ok.any():
            level[c] = np.interp(grid, centres[ok], knots[c, ok])
    return level
