"""Preprocessing: DC removal, band-pass, powerline notch, rectification, amplitude normalization.

Every function takes a channels-first array ``(n_channels, n_samples)`` (or 1-D,
one channel) with ``fs`` in Hz, or a :class:`~emgkit.Recording`, and returns the
same kind.  Recordings log each step in ``meta["processing"]`` for the
methods section of reports (ISEK reporting standards, Merletti 1999).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

import numpy as np

from ._checks import window_samples
from ._signal import Signal, as_signal, wrap
from .errors import InvalidInputError
from .recording import Recording

if TYPE_CHECKING:
    from numpy.typing import ArrayLike

    from ._notes import Notes

__all__ = ["remove_dc", "bandpass", "notch", "rectify", "normalize", "lowpass_sos"]


def remove_dc(x: Signal) -> Signal:
    """Subtract each channel's mean.

    Parameters
    ----------
    x : ndarray, shape (n_channels, n_samples) or (n_samples,), or Recording

    Returns
    -------
    ndarray or Recording
        Same shape and dtype, zero mean per channel (mean computed in float64).
    """
    arr, _, rec = as_signal(x, need_fs=False)
    out = (arr - arr.mean(axis=-1, keepdims=True, dtype=np.float64)).astype(arr.dtype, copy=False)
    return wrap(out, rec, {"step": "remove_dc"})


def _check_band(fs, low, high):
    nyq = fs / 2
    if high is not None and not high < nyq:
        raise InvalidInputError(
            f"high={high} Hz must be below fs/2 = {nyq:g} Hz (Nyquist); use e.g. high={0.9 * nyq:g}"
        )
    if low is not None and not low > 0:
        raise InvalidInputError(f"low={low} Hz must be > 0; SENIAM advises 10-20 Hz for surface EMG")
    if low is not None and high is not None and not low < high:
        raise InvalidInputError(f"low={low} Hz must be below high={high} Hz")


def _filtfilt(sos, arr):
    from emgkit.kernels import sosfiltfilt

    return sosfiltfilt(sos, arr)


def bandpass(x: Signal, fs: float | None = None, low: float = 20.0, high: float = 450.0, order: int = 4, *,
             notes: Notes | None = None) -> Signal:
    """Zero-phase Butterworth band-pass (SciPy design, second-order sections).

    Parameters
    ----------
    x : ndarray, shape (n_channels, n_samples) or (n_samples,), or Recording
    fs : float > 0
        Sampling rate in Hz (taken from a Recording).
    low, high : float
        Corner frequencies in Hz; ``0 < low < high < fs/2``.  Defaults 20-450 Hz
        (De Luca et al. 2010; Hermens et al. 2000, SENIAM).
    order : int >= 1
        Design order N of ``scipy.signal.butter(N, [low, high], "band")``: the
        band-pass has 2N poles, and the forward-backward pass doubles the
        attenuation (-6 dB at the corners).
    notes : emgkit._notes.Notes, optional
        Where a caveat (fs below 1 kHz) goes; None: it is warned
        (:class:`~emgkit.errors.SignalQualityWarning` at the caller's line).

    Returns
    -------
    ndarray or Recording
        Filtered signal, same shape and float dtype.

    Notes
    -----
    Identical to ``scipy.signal.sosfiltfilt(butter(order, [low, high], "band",
    fs=fs, output="sos"), x)`` including the edges: the record is extended at
    both ends by odd reflection of ``3 * (2 * n_sections + 1)`` samples and the
    filter state starts at the steady state of the first sample
    (``sosfilt_zi``).  The first and last ~``3/low`` s are still transient;
    keep them out of onset baselines.  The kernel runs channels in parallel.

    Raises
    ------
    InvalidInputError
        ``high >= fs/2`` (the message proposes a valid value), bad corners, or a
        record too short for the edge padding.

    Examples
    --------
    >>> import numpy as np, emgkit
    >>> x = np.random.default_rng(0).standard_normal((2, 4000))
    >>> emgkit.bandpass(x, fs=2000).shape
    (2, 4000)
    """
    from scipy.signal import butter

    arr, fs, rec = as_signal(x, fs)
    low, high = float(low), float(high)
    _check_band(fs, low, high)
    if not (isinstance(order, (int, np.integer)) and order >= 1):
        raise InvalidInputError(f"order must be a positive integer, got {order!r}")
    if fs < 1000:
        from ._notes import warn

        warn(f"fs = {fs:g} Hz is below the 1 kHz SENIAM recommends for surface EMG; spectra above {fs / 2:g} Hz are lost", notes)
    sos = butter(int(order), [low, high], btype="band", fs=fs, output="sos")
    out = _filtfilt(sos, arr)
    step = {"step": "bandpass", "type": "Butterworth, zero-phase (forward-backward)", "order": int(order),
            "low_hz": low, "high_hz": high}
    return wrap(out, rec, step)


def lowpass_sos(fs: float, cutoff: float, order: int = 2) -> np.ndarray:
    """Butterworth low-pass SOS for ``cutoff`` Hz after checking ``0 < cutoff < fs/2``."""
    from scipy.signal import butter

    _check_band(fs, None, cutoff)
    if not cutoff > 0:
        raise InvalidInputError(f"cutoff={cutoff} Hz must be > 0")
    return butter(int(order), cutoff, btype="low", fs=fs, output="sos")


def notch(x: Signal, fs: float | None = None, freq: float = 50.0, harmonics: int | None = None, q: float = 30.0) -> Signal:
    """Zero-phase IIR notch at the powerline frequency and its harmonics.

    Off in emgkit's default pipeline: a notch removes EMG power too
    (McManus et al. 2020); use it for rough amplitude work only.

    Parameters
    ----------
    x : ndarray or Recording
    fs : float > 0
        Sampling rate in Hz.
    freq : float, default 50
        Line frequency in Hz (50 or 60).
    harmonics : int, optional
        Number of multiples to remove (1 = the fundamental only).  Default:
        every multiple below ``min(fs/2, 500)`` Hz.
    q : float, default 30
        Quality factor of each notch (bandwidth = f / q).

    Returns
    -------
    ndarray or Recording
    """
    arr, fs, rec = as_signal(x, fs)
    sos, freqs = notch_sos(fs, freq, harmonics, q)
    out = _filtfilt(sos, arr)
    return wrap(out, rec, {"step": "notch", "freqs_hz": freqs, "q": float(q)})


def notch_sos(fs: float, freq: float = 50.0, harmonics: int | None = None, q: float = 30.0) -> tuple[np.ndarray, list[float]]:
    """Second-order sections of :func:`notch` and the frequencies they remove, in Hz."""
    from scipy.signal import iirnotch, tf2sos

    freq = float(freq)
    if not 0 < freq < fs / 2:
        raise InvalidInputError(f"freq={freq} Hz must lie between 0 and fs/2 = {fs / 2:g} Hz")
    if harmonics is None:
        harmonics = max(1, int(np.floor((min(fs / 2, 500.0) - 1e-9) / freq)))
    if not (isinstance(harmonics, (int, np.integer)) and harmonics >= 1):
        raise InvalidInputError(f"harmonics must be a positive integer, got {harmonics!r}")
    freqs = [freq * k for k in range(1, int(harmonics) + 1) if freq * k < fs / 2]
    return np.vstack([tf2sos(*iirnotch(f, q, fs=fs)) for f in freqs]), freqs


def rectify(x: Signal) -> Signal:
    """Full-wave rectification ``|x|`` (apply after DC removal and band-pass).

    Parameters
    ----------
    x : ndarray or Recording

    Returns
    -------
    ndarray or Recording
        Same shape and float dtype.
    """
    from emgkit.kernels import rectify as _rectify

    arr, _, rec = as_signal(x, need_fs=False)
    return wrap(_rectify(arr), rec, {"step": "rectify"})


def _reference_values(arr, fs, rec, reference, window_ms):
    """Per-channel reference amplitudes and a description of where they came from."""
    n = arr.shape[0] if arr.ndim == 2 else 1
    flat = arr.reshape(n, -1)
    if isinstance(reference, str):
        if reference == "peak":
            return flat.max(axis=1).astype(np.float64), "peak of the task envelope"
        if reference == "mean":
            return flat.mean(axis=1, dtype=np.float64), "mean of the task envelope"
        raise InvalidInputError(f"reference must be 'peak', 'mean', a number, an array or an MVC Recording, got {reference!r}")
    if isinstance(reference, Recording):
        from emgkit.kernels import moving_average

        if rec is None:
            raise InvalidInputError("an MVC Recording reference needs x to be a Recording (channels are matched by name)")
        if reference.fs != rec.fs:
            raise InvalidInputError(
                f"the MVC recording is sampled at {reference.fs:g} Hz and the task at {rec.fs:g} Hz; "
                "resample one of them first (never pair samples across rates)"
            )
        rows = []
        for ch in rec.channels:
            if ch.name not in reference.channel_names:
                raise InvalidInputError(f"channel {ch.name!r} has no MVC channel of the same name; MVC channels are {reference.channel_names}")
            rows.append(reference.index(ch.name))
        w = window_samples(window_ms, reference.fs)
        if w > reference.n_samples:
            raise InvalidInputError(f"the MVC recording ({reference.duration:.3f} s) is shorter than the {window_ms} ms reference window")
        means = moving_average(np.ascontiguousarray(reference.data[rows], dtype=np.float64), w)
        half = w // 2  # keep only full windows
        return means[:, half : reference.n_samples - (w - 1 - half)].max(axis=1), f"MVC: highest {window_ms:g} ms window mean"
    if isinstance(reference, dict):
        if rec is None:
            raise InvalidInputError("a dict reference needs x to be a Recording (keys are channel names)")
        missing = [c for c in rec.channel_names if c not in reference]
        if missing:
            raise InvalidInputError(f"reference has no value for channel(s) {missing}")
        reference = [reference[c] for c in rec.channel_names]
    try:
        values = np.asarray(reference, dtype=np.float64)
    except (TypeError, ValueError):
        raise InvalidInputError(f"reference values must be numbers, got {reference!r}") from None
    values = np.broadcast_to(values, (n,)) if values.ndim == 0 else values
    if values.shape != (n,):
        raise InvalidInputError(f"reference must be a scalar or one value per channel ({n}), got shape {values.shape}")
    return values.astype(np.float64), "given reference values"


def normalize(x: Signal, reference: str | float | ArrayLike | Mapping[str, float] | Recording = "peak", *,
              fs: float | None = None, window_ms: float = 500.0) -> Signal:
    """Express an envelope as a percentage of a reference amplitude.

    Parameters
    ----------
    x : ndarray or Recording
        Envelope (rectified and smoothed, or RMS), channels first.
    reference : {"peak", "mean"}, float, ndarray (n_channels,), dict or Recording
        ``"peak"``/``"mean"``: task-referenced (Yang & Winter 1984): one
        reference per channel for the whole record.  A number, per-channel
        array or ``{channel: value}`` dict: MVC values in the envelope's unit.
        A Recording: the MVC trial's *envelope*, processed exactly like ``x``;
        its reference is the highest ``window_ms`` window mean per channel
        (Katsavelis & Threlkeld 2014), matched to ``x`` by channel name.
    window_ms : float, default 500
        MVC window, ms.

    Returns
    -------
    ndarray or Recording
        ``100 * x / reference`` (unit ``"%MVC"`` or ``"%peak"``/``"%mean"``).
        Values above 100 % are kept, not clipped; a Recording reports them in
        ``meta["processing"]``.

    Raises
    ------
    InvalidInputError
        Zero, negative or non-finite reference (names the channels).
    """
    arr, fs_, rec = as_signal(x, fs, need_fs=False)
    ref, source = _reference_values(arr, fs_, rec, reference, window_ms)
    bad = np.flatnonzero(~(np.isfinite(ref) & (ref > 0)))
    if bad.size:
        names = [rec.channel_names[i] for i in bad] if rec is not None else bad.tolist()
        raise InvalidInputError(
            f"reference amplitude is zero, negative or not finite for channel(s) {names}; "
            "a silent channel cannot be normalized (drop it or give its MVC value)"
        )
    shape = (-1, 1) if arr.ndim == 2 else ()
    out = (100.0 * arr / ref.reshape(shape)).astype(arr.dtype, copy=False)
    unit = "%MVC" if source.startswith(("MVC", "given")) else ("%peak" if reference == "peak" else "%mean")
    step = {"step": "normalize", "reference": source, "values": ref.tolist(), "unit": unit}
    if rec is not None:
        over = {rec.channel_names[i]: float(out[i].max()) for i in range(out.shape[0]) if out[i].max() > 100.0}
        step["above_100_percent"] = over
    return wrap(out, rec, step, unit=unit)
