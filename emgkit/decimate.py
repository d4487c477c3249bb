"""Decimation for display: keep the shape of bursts in a few thousand points per channel."""

from __future__ import annotations

import numpy as np

from .errors import InvalidInputError

__all__ = ["minmax_decimate"]


def minmax_decimate(x, fs, n_buckets=2000):
    """Min/max per bucket, in time order: what a plot of ``x`` would draw at ``n_buckets`` pixels.

    Parameters
    ----------
    x : ndarray, shape (n_samples,) or (n_channels, n_samples)
    fs : float > 0
        Sampling rate in Hz.
    n_buckets : int >= 1
        Buckets across the record (about the plot's width in pixels).

    Returns
    -------
    t : ndarray, shape (m,)
        Times in s of the kept samples (shared by all channels).
    y : ndarray, shape (m,) or (n_channels, m)
        Kept values: each channel's smallest and largest sample of each
        bucket, in the order they occurred.

    Notes
    -----
    Records with no more than ``2 * n_buckets`` samples are returned whole.
    Each bucket contributes two points stamped at the bucket's first and last
    sample time, holding ``min`` and ``max`` in the order they occurred, so
    peaks and burst edges survive (Steinarsson's min/max downsampling; LTTB
    keeps one point per bucket and loses the envelope of dense EMG).
    """
    arr = np.asarray(x)
    one_d = arr.ndim == 1
    arr2 = arr.reshape(1, -1) if one_d else arr
    n = arr2.shape[-1]
    if not (isinstance(n_buckets, (int, np.integer)) and n_buckets >= 1):
        raise InvalidInputError(f"n_buckets must be a positive integer, got {n_buckets!r}")
    if n <= 2 * n_buckets:
        t = np.arange(n) / fs
        return t, (arr2[0] if one_d else arr2).copy()
    size = n // n_buckets
    used = size * n_buckets
    blocks = arr2[:, :used].reshape(arr2.shape[0], n_buckets, size)
    imin = blocks.argmin(axis=-1)
    imax = blocks.argmax(axis=-1)
    vmin = np.take_along_axis(blocks, imin[..., None], axis=-1)[..., 0]
    vmax = np.take_along_axis(blocks, imax[..., None], axis=-1)[..., 0]
    first_is_min = imin <= imax
    y = np.empty((arr2.shape[0], 2 * n_buckets), dtype=arr2.dtype)
    y[:, 0::2] = np.where(first_is_min, vmin, vmax)
    y[:, 1::2] = np.where(first_is_min, vmax, vmin)
    starts = np.arange(n_buckets) * size
    t = np.empty(2 * n_buckets)
    t[0::2] = starts / fs
    t[1::2] = (starts + size - 1) / fs
    if used < n:  # the tail that did not fill a bucket is kept as it is
        t = np.concatenate([t, np.arange(used, n) / fs])
        y = np.concatenate([y, arr2[:, used:]], axis=1)
    return t, (y[0] if one_d else y)


def browser_traces(recording, config=None, *, n_buckets=2000):
    """Band-passed raw EMG and its envelope, decimated for the report's data browser.

    Parameters
    ----------
    recording : Recording
        Raw EMG.
    config : emgkit.config.Config, optional
        Filters and envelope settings (defaults when omitted), so the browser
        shows what the analysis used.
    n_buckets : int
        Min/max buckets across the record (about 2 points each).

    Returns
    -------
    dict
        ``t_raw, raw, t_env, envelope`` (arrays), ``names, sides, unit``.
    """
    from .config import load_config
    from .envelope import linear_envelope
    from .preprocess import bandpass, remove_dc

    cfg = load_config(config)
    f = cfg.filters
    high = min(f.high_hz, 0.45 * recording.fs)
    emg = bandpass(remove_dc(recording.data), recording.fs, low=f.low_hz, high=high, order=f.order)
    env = linear_envelope(emg, recording.fs, cutoff=cfg.envelope.cutoff_hz)
    t_raw, raw = minmax_decimate(emg, recording.fs, n_buckets)
    step = max(1, recording.n_samples // n_buckets)
    t_env = recording.times[::step]
    return {"t_raw": t_raw, "raw": raw, "t_env": t_env, "envelope": env[:, ::step], "names": recording.channel_names,
            "sides": [c.side or "" for c in recording.channels], "unit": recording.unit}
