"""The quality table and the clipped samples of a recording read in time chunks (:mod:`emgkit.quality`, streamed).

Two passes over a *source* (:mod:`emgkit._chunks`).  The first gives each
channel's sum, extremes, first sample and smallest non-zero step between
consecutive samples.  The second reads every core with a margin and gives

* the centred RMS (sum of squares over the cores);
* the clipped samples (a run touching a core's edge is judged on the margin,
  which is at least a clipping run long);
* the Welch periodogram: the 2 s frames on the global grid of
  :func:`emgkit.quality.assess`, assembled from consecutive cores and summed;
* the baseline noise: the 20 Hz high-pass run on each block and settled over
  the margin (:func:`emgkit._chunks.settle_samples`), its 0.5 s windows on the
  global 50 ms grid, assembled like the frames.

Reads never exceed the core plus two margins; besides one block, memory holds
the carry of one frame and one window per channel.  Records that fit in one
block are read whole and handed to :func:`emgkit.quality.assess`.
"""

from __future__ import annotations

import numpy as np

from ._chunks import blocks, runs_to_mask, settle_samples
from .errors import InvalidInputError
from .quality import (
    MIN_CLIP_RUN,
    _baseline_grid,
    _baseline_highpass,
    _check_range,
    _frame_power,
    _long_runs,
    _spectra_usable,
    _welch_finish,
    _welch_grid,
    _window_mean_squares,
    assess,
    line_choice,
    meta_line_hz,
    quality_table,
)
from .recording import Recording

__all__ = ["assess_stream", "clipped_runs", "clipped_runs_stream", "runs_to_mask"]


def assess_stream(source, channels, *, unit="V", meta=None, chunk=60000):
    """:func:`emgkit.quality.assess` of a source, read in chunks.

    Parameters
    ----------
    source : emgkit._chunks.ArraySource or FileSource
        Raw samples (before filtering), ``(n_channels, n_samples)``.
    channels : sequence of str or Channel
        One per source row, as for :class:`emgkit.Recording`.
    unit : str, default "V"
        Unit of the samples.
    meta : dict, optional
        ``adc_range`` and ``powerline_hz`` are used as by ``assess``.
    chunk : int >= 1, default 60000
        Core length in samples.  Reads are at most ``chunk`` plus twice the
        margin (the settling length of the 20 Hz high-pass, about 0.6 s).

    Returns
    -------
    pandas.DataFrame
        The table of ``assess(Recording(all samples, source.fs, channels, unit, meta))``:
        same columns, dtypes, attrs, flags and issue texts; numbers within
        1e-9 relative.

    Raises
    ------
    InvalidInputError
        Channels that do not match the rows, a bad ``adc_range`` or
        ``powerline_hz``, non-finite samples.
    """
    chunk = _check_chunk(chunk)
    fs, n, n_ch = source.fs, source.n_samples, source.n_channels
    probe = Recording(np.zeros((n_ch, 1)), fs, channels, unit=unit, meta=meta)  # checks as the in-memory path does
    sos = _baseline_highpass(fs, n)
    margin = max(MIN_CLIP_RUN, settle_samples(sos) if sos is not None else 0)
    if n <= chunk + 2 * margin:
        return assess(Recording(source.read(0, n), fs, channels, unit=unit, meta=meta))
    adc = _check_range(probe.meta.get("adc_range"))
    line_hz = meta_line_hz(probe.meta)
    first = _first_pass(source, chunk, probe.channels)
    lo, hi = first["lo"], first["hi"]
    mean = np.where(lo == hi, lo, first["sum"] / n)  # as assess: a constant channel centres to exact zeros

    sq, n_clipped = np.zeros(n_ch), np.zeros(n_ch)
    nper, hop, win = _welch_grid(n, fs)
    frames, power = _Frames(nper, hop), np.zeros((n_ch, nper // 2 + 1))
    w, w_hop = _baseline_grid(n, fs)
    windows, quietest = _Frames(w, w_hop), np.full(n_ch, np.inf)
    for blk in blocks(source, chunk, margin):
        centred = blk.data - mean[:, None]
        core = centred[:, blk.core]
        sq += np.einsum("ij,ij->i", core, core)
        n_clipped += _clipped_core(blk, lo, hi, adc, MIN_CLIP_RUN).sum(axis=1)
        power += _frame_power_sum(*frames.push(core), nper, hop, win)
        high = _sosfiltfilt(sos, centred)[:, blk.core] if sos is not None else core
        buf, starts = windows.push(high)
        if starts.size:
            quietest = np.minimum(quietest, _window_mean_squares(buf, starts, w).min(axis=1))

    rms = np.sqrt(sq / n)
    flat = (lo == hi) | (np.isfinite(first["step"]) & (rms <= first["step"]))
    on_rail = (first["x0"] <= adc[0]) | (first["x0"] >= adc[1]) if adc is not None else np.zeros(n_ch, dtype=bool)
    clipped = np.where(flat & ~on_rail, 0.0, n_clipped / n)
    if _spectra_usable(fs, n):
        line_hz, shares = line_choice(*_welch_finish(power / frames.count, fs, win), fs, line_hz)
    else:
        line_hz, shares = (line_hz if line_hz is not None else np.nan), np.full(n_ch, np.nan)
    noise = np.sqrt(np.maximum(quietest, 0.0))
    return quality_table(probe.channels, probe.unit, fs, rms, clipped, flat, line_hz, shares, noise)


def clipped_runs_stream(source, adc_range=None, *, min_run=MIN_CLIP_RUN, chunk=60000):
    """The samples of :func:`emgkit.quality.clipped_mask` as runs, from a source read in chunks.

    Parameters
    ----------
    source : emgkit._chunks.ArraySource or FileSource
        Raw samples, ``(n_channels, n_samples)``.
    adc_range : (float, float), optional
        Converter limits, as for ``clipped_mask``.
    min_run : int >= 1, default 3
        Shortest run at a limit that counts as clipping.
    chunk : int >= 1, default 60000
        Core length in samples; reads are at most ``chunk + 2 * min_run``.

    Returns
    -------
    list of (starts, stops)
        Per channel, int64 arrays of the half-open sample intervals
        ``[start, stop)`` where ``clipped_mask(all samples, adc_range,
        min_run=min_run)`` is True: sorted, merged (no two runs touch).
        :func:`runs_to_mask` rebuilds any piece of the mask.
    """
    if isinstance(min_run, bool) or not isinstance(min_run, (int, np.integer)) or min_run < 1:
        raise InvalidInputError(f"min_run must be a positive whole number of samples, got {min_run!r}")
    chunk = _check_chunk(chunk)
    adc = _check_range(adc_range)
    first = _first_pass(source, chunk)
    runs = [([], []) for _ in range(source.n_channels)]
    for blk in blocks(source, chunk, int(min_run)):
        mask = _clipped_core(blk, first["lo"], first["hi"], adc, int(min_run))
        for (starts, stops), (s, e) in zip(runs, clipped_runs(mask)):
            s, e = list(s + blk.a), list(e + blk.a)
            if s and stops and stops[-1] == s[0]:  # a run crossing the core edge continues
                stops[-1] = e.pop(0)
                s.pop(0)
            starts.extend(s)
            stops.extend(e)
    return [(np.asarray(s, dtype=np.int64), np.asarray(e, dtype=np.int64)) for s, e in runs]


def clipped_runs(mask):
    """Runs of True in every row of a boolean mask (e.g. from ``clipped_mask``).

    Parameters
    ----------
    mask : array_like of bool, shape (n,) or (n_rows, n)

    Returns
    -------
    list of (starts, stops)
        Per row (one entry for a 1-D mask), int64 arrays of half-open
        intervals ``[start, stop)``, sorted and merged.

    Examples
    --------
    >>> clipped_runs(np.array([False, True, True, False, True]))
    [(array([1, 4]), array([3, 5]))]
    """
    out = []
    for row in np.atleast_2d(np.asarray(mask, dtype=bool)):
        edges = np.flatnonzero(np.diff(np.concatenate(([False], row, [False])).astype(np.int8)))
        out.append((edges[::2].astype(np.int64), edges[1::2].astype(np.int64)))
    return out


# -- helpers ---------------------------------------------------------------------------------
def _check_chunk(chunk):
    if isinstance(chunk, bool) or not isinstance(chunk, (int, np.integer)) or chunk < 1:
        raise InvalidInputError(f"chunk must be a positive whole number of samples, got {chunk!r}")
    return int(chunk)


def _first_pass(source, chunk, channels=None):
    """Per channel: sum, min, max, first sample and smallest non-zero step between consecutive samples (inf if none)."""
    n_ch = source.n_channels
    total, lo, hi = np.zeros(n_ch), np.full(n_ch, np.inf), np.full(n_ch, -np.inf)
    step = np.full(n_ch, np.inf)
    last, x0 = None, None
    for blk in blocks(source, chunk):
        x = blk.data
        total += x.sum(axis=1)
        lo, hi = np.minimum(lo, x.min(axis=1)), np.maximum(hi, x.max(axis=1))
        d = np.abs(np.diff(x if last is None else np.concatenate((last, x), axis=1), axis=1))
        d[d == 0] = np.inf
        if d.shape[1]:
            step = np.minimum(step, d.min(axis=1))
        x0 = x[:, 0].copy() if x0 is None else x0
        last = x[:, -1:]
    bad = np.flatnonzero(~np.isfinite(total))
    if bad.size:
        names = [channels[r].name for r in bad] if channels is not None else [f"row {r}" for r in bad]
        raise InvalidInputError(f"non-finite samples (NaN/inf) in channel(s) {names}; repair them before the quality table")
    return {"sum": total, "lo": lo, "hi": hi, "step": step, "x0": x0}


def _clipped_core(blk, lo, hi, adc, min_run):
    """Clipped-sample mask of the block's core, runs judged over the whole block (as ``clipped_mask``)."""
    out = np.zeros((blk.data.shape[0], blk.b - blk.a), dtype=bool)
    for c, row in enumerate(blk.data):
        high, low = row == hi[c], row == lo[c]
        if adc is not None:
            low |= row <= adc[0]
            high |= row >= adc[1]
        out[c] = (_long_runs(high, min_run) | _long_runs(low, min_run))[blk.core]
    return out


def _sosfiltfilt(sos, x):
    from scipy import signal

    return signal.sosfiltfilt(sos, x, axis=-1)


def _frame_power_sum(buf, starts, nper, hop, win):
    """Sum over the frames at ``starts`` (indices into ``buf``, ``hop`` apart) of ``|rfft(frame * win)|^2``, per row."""
    from numpy.lib.stride_tricks import sliding_window_view

    out = np.zeros((buf.shape[0], nper // 2 + 1))
    if starts.size:
        for c, row in enumerate(buf):
            out[c] = _frame_power(sliding_window_view(row[starts[0] : starts[-1] + nper], nper)[::hop], win).sum(axis=0)
    return out


class _Frames:
    """Frames of ``length`` samples starting at 0, ``hop``, 2 ``hop``, ... (``hop <= length``) assembled from consecutive pieces.

    :meth:`push` takes the next piece of every row and returns the frames it
    completes; the samples of the frames still open are carried to the next
    call (fewer than ``length`` per row).
    """

    def __init__(self, length, hop):
        self.length, self.hop = length, hop
        self.buf = None  # samples from the start of the next frame on
        self.count = 0  # frames returned so far

    def push(self, piece):
        """Append ``piece`` (rows x samples); return ``(buf, starts)``: the frames now complete are ``buf[:, s:s + length]``."""
        buf = piece if self.buf is None else np.concatenate((self.buf, piece), axis=1)
        k = max(0, (buf.shape[1] - self.length) // self.hop + 1)
        self.buf, self.count = buf[:, k * self.hop :], self.count + k
        return buf, self.hop * np.arange(k)
