"""The quality table and the clipped samples of a recording read in time chunks (:mod:`emgkit.quality`, streamed).

Two passes over a *source* (:mod:`emgkit._chunks`): the first gives each
channel's mean, extremes and smallest non-zero step; the second reads every
core with margins and gives the centred RMS, the clipped runs (a run touching
a core's edge is judged on the margin, which is longer than a clipping run),
the Welch periodogram (frames on the same global grid as the in-memory
estimate, summed), and the baseline noise (20 Hz high-pass settled over the
margin, 0.5 s windows on the global 50 ms grid).  Records no longer than one
chunk are read whole and handed to :func:`emgkit.quality.assess`.
"""

from __future__ import annotations

import numpy as np

from ._chunks import blocks, settle_samples
from .quality import (
    BASELINE_HIGHPASS_HZ,
    BASELINE_HOP_S,
    BASELINE_WINDOW_S,
    MIN_CLIP_RUN,
    _check_range,
    _long_runs,
    assess,
    line_choice,
    meta_line_hz,
    quality_table,
)
from .recording import Recording

__all__ = ["assess_stream", "clipped_runs_stream", "mask_runs"]


def assess_stream(source, channels, *, unit="V", meta=None, chunk=60000):
    """:func:`emgkit.quality.assess` of a source, read in chunks.

    Parameters
    ----------
    source : emgkit._chunks.ArraySource or FileSource
        Raw samples, ``(n_channels, n_samples)``.
    channels : list of Channel
        One per source row.
    unit : str
    meta : dict, optional
        ``adc_range`` and ``powerline_hz`` are used as by ``assess``.
    chunk : int
        Core length in samples.

    Returns
    -------
    pandas.DataFrame
        The table of ``assess`` (numbers within 1e-9 relative, flags and texts identical).
    """
    meta = dict(meta or {})
    fs, n, n_ch = source.fs, source.n_samples, source.n_channels
    if n <= chunk:
        return assess(Recording(source.read(0, n), fs, channels, unit=unit, meta=meta))
    first = _first_pass(source, chunk)
    mean = np.where(first["lo"] == first["hi"], first["lo"], first["sum"] / n)  # as assess: constant channels centre to 0
    adc = _check_range(meta.get("adc_range"))
    nper = min(n, int(round(2.0 * fs)))
    hop = max(1, nper // 2)
    w = min(n, max(1, int(round(BASELINE_WINDOW_S * fs))))
    w_hop = max(1, int(round(BASELINE_HOP_S * fs)))
    from scipy import signal

    sos = None
    if fs > 2.5 * BASELINE_HIGHPASS_HZ:
        sos = signal.butter(4, BASELINE_HIGHPASS_HZ, "highpass", fs=fs, output="sos")
    margin = max(MIN_CLIP_RUN, settle_samples(sos) if sos is not None else 0)
    ahead = max(nper, w)
    sq = np.zeros(n_ch)
    n_clipped = np.zeros(n_ch)
    psd = _Welch(n_ch, nper, hop, fs)
    quietest = np.full(n_ch, np.inf)
    for blk in _blocks_ahead(source, chunk, margin, ahead):
        centred = blk.data - mean[:, None]
        core = centred[:, blk.core]
        sq += np.einsum("ij,ij->i", core, core)
        n_clipped += _clipped_core(blk, first["lo"], first["hi"], adc).sum(axis=1)
        psd.add(centred, blk.lo, blk.a, blk.b, n)
        high = signal.sosfiltfilt(sos, centred, axis=-1) if sos is not None else centred
        quietest = np.minimum(quietest, _window_mean_squares(high, blk, w, w_hop, n))
    rms = np.sqrt(sq / n)
    lo, hi = first["lo"], first["hi"]
    flat = (lo == hi) | (np.isfinite(first["step"]) & (rms <= first["step"]))
    clipped = n_clipped / n
    on_rail = (first["x0"] <= adc[0]) | (first["x0"] >= adc[1]) if adc is not None else np.zeros(n_ch, dtype=bool)
    clipped = np.where(flat & ~on_rail, 0.0, clipped)
    line_hz = meta_line_hz(meta)
    if fs < 100.0:
        line_hz, shares = (line_hz if line_hz is not None else np.nan), np.full(n_ch, np.nan)
    else:
        line_hz, shares = line_choice(*psd.result(), fs, line_hz)
    noise = np.sqrt(np.maximum(quietest, 0.0))
    return quality_table(channels, unit, fs, rms, clipped, flat, line_hz, shares, noise)


def clipped_runs_stream(source, adc_range=None, *, min_run=MIN_CLIP_RUN, chunk=60000):
    """Clipped samples of :func:`emgkit.quality.clipped_mask` as runs, from a source read in chunks.

    Returns
    -------
    list of (starts, stops)
        Per channel, sorted half-open sample intervals ``[start, stop)``.
    """
    first = _first_pass(source, chunk)
    adc = _check_range(adc_range)
    runs = [([], []) for _ in range(source.n_channels)]
    for blk in blocks(source, chunk, int(min_run)):
        mask = _clipped_core(blk, first["lo"], first["hi"], adc, min_run)
        for c, (s, e) in enumerate(mask_runs(mask)):
            starts, stops = runs[c]
            s, e = list(s + blk.a), list(e + blk.a)
            if s and stops and stops[-1] == s[0]:  # a run crossing the core edge continues
                stops[-1] = e.pop(0)
                s.pop(0)
            starts.extend(s)
            stops.extend(e)
    return [(np.asarray(s, dtype=np.int64), np.asarray(e, dtype=np.int64)) for s, e in runs]


def mask_runs(mask):
    """Runs of True in every row of a boolean ``(n_channels, n)`` mask: list of (starts, stops)."""
    out = []
    for row in np.atleast_2d(mask):
        edges = np.flatnonzero(np.diff(np.concatenate(([False], row, [False])).astype(np.int8)))
        out.append((edges[::2], edges[1::2]))
    return out


# -- passes ------------------------------------------------------------------------------------
def _first_pass(source, chunk):
    """Per channel: sum, min, max, first sample and smallest non-zero step between consecutive samples."""
    n_ch = source.n_channels
    total, lo, hi = np.zeros(n_ch), np.full(n_ch, np.inf), np.full(n_ch, -np.inf)
    step = np.full(n_ch, np.inf)
    last, x0 = None, None
    for blk in blocks(source, chunk):
        x = blk.data
        total += x.sum(axis=1)
        lo, hi = np.minimum(lo, x.min(axis=1)), np.maximum(hi, x.max(axis=1))
        d = np.abs(np.diff(x if last is None else np.concatenate([last, x], axis=1), axis=1))
        d[d == 0] = np.inf
        if d.shape[1]:
            step = np.minimum(step, d.min(axis=1))
        x0 = x[:, 0].copy() if x0 is None else x0
        last = x[:, -1:]
    return {"sum": total, "lo": lo, "hi": hi, "step": step, "x0": x0}


def _blocks_ahead(source, chunk, margin, ahead):
    """Blocks whose reads reach ``ahead`` samples past the core (windows starting in the core) plus ``margin``."""
    n = source.n_samples
    for a in range(0, n, chunk):
        b = min(n, a + chunk)
        lo, hi = max(0, a - margin), min(n, b + ahead + margin)
        yield _Block(a, b, lo, hi, source.read(lo, hi))


class _Block:
    def __init__(self, a, b, lo, hi, data):
        self.a, self.b, self.lo, self.hi, self.data = a, b, lo, hi, data
        self.core = slice(a - lo, b - lo)


def _clipped_core(blk, lo, hi, adc, min_run=MIN_CLIP_RUN):
    """Clipped-sample mask of the block's core (runs judged over the whole block)."""
    x = blk.data
    out = np.zeros((x.shape[0], blk.b - blk.a), dtype=bool)
    for c, row in enumerate(x):
        high, low = row == hi[c], row == lo[c]
        if adc is not None:
            low |= row <= adc[0]
            high |= row >= adc[1]
        out[c] = (_long_runs(high, int(min_run)) | _long_runs(low, int(min_run)))[blk.core]
    return out


def _window_mean_squares(y, blk, w, hop, n):
    """Smallest mean square of the ``w``-sample windows starting on the ``hop`` grid inside the core."""
    starts = np.arange(-(-blk.a // hop) * hop, blk.b, hop)
    starts = starts[starts <= n - w]
    if starts.size == 0:
        return np.full(y.shape[0], np.inf)
    rel = starts - blk.lo
    c = np.concatenate((np.zeros((y.shape[0], 1)), np.cumsum(np.square(y[:, rel[0] : rel[-1] + w]), axis=1)), axis=1)
    rel = rel - rel[0]
    return ((c[:, rel + w] - c[:, rel]) / w).min(axis=1)


class _Welch:
    """Welch periodogram of :func:`emgkit.quality._psd`, accumulated frame by frame on its global grid."""

    def __init__(self, n_ch, nper, hop, fs):
        from scipy import signal

        self.nper, self.hop, self.fs = nper, hop, fs
        self.win = signal.get_window("hann", nper)
        self.total = np.zeros((n_ch, nper // 2 + 1))
        self.count = 0

    def add(self, x, lo, a, b, n):
        from numpy.lib.stride_tricks import sliding_window_view
        from scipy import fft

        starts = np.arange(-(-a // self.hop) * self.hop, b, self.hop)
        starts = starts[starts <= n - self.nper]
        if starts.size == 0:
            return
        for c, row in enumerate(x):
            frames = sliding_window_view(row[starts[0] - lo : starts[-1] - lo + self.nper], self.nper)[:: self.hop]
            spec = fft.rfft(frames * self.win, axis=-1)
            self.total[c] += (spec.real**2 + spec.imag**2).sum(axis=0)
        self.count += starts.size

    def result(self):
        p = self.total / self.count / (self.fs * np.sum(np.square(self.win)))
        p[:, 1 : (self.nper + 1) // 2] *= 2.0
        return np.fft.rfftfreq(self.nper, 1.0 / self.fs), p
