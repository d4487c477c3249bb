"""Amplitude envelopes: moving RMS and the linear envelope (rectify + low-pass)."""

from __future__ import annotations

import numpy as np

from ._checks import window_samples
from ._signal import Signal, as_signal, wrap
from .errors import InvalidInputError
from .preprocess import lowpass_sos

__all__ = ["linear_envelope", "rms_envelope", "winter_correction"]


def winter_correction(order: int = 2) -> float:
    """Dual-pass cut-off correction ``C = (2**0.5 - 1)**(1 / (2 * order))`` (0.802 for order 2; Winter 2009)."""
    return (2 ** 0.5 - 1) ** (1 / (2 * order))


def rms_envelope(x: Signal, fs: float | None = None, window_ms: float = 100.0, *, causal: bool = False) -> Signal:
    """Moving-RMS envelope.

    ``RMS[n] = sqrt(mean(x[k]**2 for k in window(n)))``; near the record's ends
    the mean is over the samples present.

    Parameters
    ----------
    x : ndarray, shape (n_channels, n_samples) or (n_samples,), or Recording
        Band-passed EMG.
    fs : float > 0
        Sampling rate in Hz (taken from a Recording).
    window_ms : float, default 100
        Window length in ms (50-100 ms for dynamic work, 250-500 ms for static
        contractions; Konrad 2005), rounded to whole samples ``W``.
    causal : bool, default False
        False: centred window (offline; sample ``n`` covers
        ``n - W//2 ... n - W//2 + W - 1``).  True: trailing window
        ``n - W + 1 ... n``, which lags by about ``(W - 1) / 2`` samples.

    Returns
    -------
    ndarray or Recording
        Same shape and float dtype, in the input's unit.

    Examples
    --------
    >>> import numpy as np, emgkit
    >>> x = np.ones((1, 1000))
    >>> float(emgkit.rms_envelope(x, fs=1000, window_ms=50)[0, 500])
    1.0
    """
    from emgkit.kernels import moving_rms

    arr, fs, rec = as_signal(x, fs)
    w = window_samples(window_ms, fs)
    centred = moving_rms(arr, w)
    if causal:
        shift = w - 1 - w // 2  # trailing[n] == centred[n - shift]
        out = np.empty_like(centred)
        out[..., shift:] = centred[..., : centred.shape[-1] - shift]
        head = arr[..., :shift].astype(np.float64) ** 2
        out[..., :shift] = np.sqrt(np.cumsum(head, axis=-1) / np.arange(1, head.shape[-1] + 1))
    else:
        out = centred
    step = {"step": "rms_envelope", "window_ms": w * 1e3 / fs, "window_samples": w, "causal": bool(causal)}
    return wrap(out, rec, step)


def linear_envelope(x: Signal, fs: float | None = None, cutoff: float = 6.0, *, order: int = 2,
                    correct_cutoff: bool = True, out: np.ndarray | None = None) -> Signal:
    """Linear envelope: full-wave rectification then zero-phase Butterworth low-pass.

    Parameters
    ----------
    x : ndarray or Recording
        Band-passed EMG (DC removed).
    fs : float > 0
        Sampling rate in Hz.
    cutoff : float, default 6
        Cut-off in Hz (3-10 Hz typical; Winter 2009).
    order : int, default 2
        Butterworth order of one pass.
    correct_cutoff : bool, default True
        A forward-backward pass moves the -3 dB point down.  True designs the
        single pass at ``cutoff / C`` with ``C = (2**0.5 - 1)**(1/(2*order))``
        (0.802 for order 2; Winter 2009) so that ``cutoff`` is the -3 dB point of
        the whole zero-phase filter.  False designs each pass at ``cutoff``.
    out : ndarray, optional
        Receives the envelope (shape and dtype of ``x``), e.g. a buffer no
        longer needed; no fresh memory unless it overlaps ``x``.

    Returns
    -------
    ndarray or Recording
        Non-negative envelope (ringing below 0 clipped at 0), same shape.
    """
    from emgkit.kernels import sosfiltfilt

    arr, fs, rec = as_signal(x, fs)
    cutoff = float(cutoff)
    if not (isinstance(order, (int, np.integer)) and order >= 1):
        raise InvalidInputError(f"order must be a positive integer, got {order!r}")
    c = winter_correction(int(order)) if correct_cutoff else 1.0
    design = cutoff / c
    if not design < fs / 2:
        raise InvalidInputError(f"cutoff={cutoff} Hz is too high for fs={fs:g} Hz; use a cut-off below {0.45 * fs * c:g} Hz")
    out = sosfiltfilt(lowpass_sos(fs, design, order), arr, out, rectify=True)  # |x| read inside the filter: no rectified copy
    np.maximum(out, 0, out=out)
    step = {"step": "linear_envelope", "cutoff_hz": cutoff, "design_cutoff_hz": design, "order": int(order),
            "cutoff_meaning": "-3 dB of the zero-phase filter" if correct_cutoff else "-3 dB of each pass"}
    return wrap(out, rec, step)
