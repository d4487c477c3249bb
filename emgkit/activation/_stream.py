"""Streaming :func:`detect_activation` for records larger than memory, read from a chunked source.

The in-memory detector holds the raw signal, the band-passed signal, the
statistic and several masks of the whole record.  Here the record is walked
in cores of ``chunk`` samples (:mod:`emgkit._chunks`), each filtered with a
margin on both sides wide enough for the zero-phase filters to forget where
the block starts, and only what the decisions need is kept: run lists
(clipping, dropouts, bursts), one mean per rest-search block, per-channel
extremes and per-burst sums.  The passes are:

1. raw samples: extremes, non-finite samples, constant runs (clipping,
   dropouts);
2. statistic: block means for the rest-window search and its maximum;
3. the rest windows, re-read and measured (in several passes when one is too
   long to hold);
4. statistic again: hysteresis with its state carried across cores;
5. the band-passed signal around the bursts: their amplitudes.
"""

from __future__ import annotations

import math
import warnings

import numpy as np

from emgkit._chunks import blocks, settle_samples
from emgkit.channels import Channel
from emgkit.errors import InvalidInputError, SignalQualityWarning
from emgkit.recording import Recording

from . import _baseline as bl
from . import _methods as mt
from ._baseline import MAD_TO_SD, judge
from ._detect import (AMPLITUDE_WINDOW_MS, Quantisation, SpreadFloor, assemble, check_length, hold_samples,
                      method_label, run_limits, set_thresholds, warn_clipping)
from ._screen import CLIP_MIN_RUN, dropout_samples, nonfinite_error, rails, screen_notes

__all__ = ["detect_activation_stream"]

WINDOW_CAP = 1_000_000  # rest-window samples measured at once; longer windows are measured in passes
SELECT_BINS = 1024  # histogram bins per pass of the exact median of a long rest window


def detect_activation_stream(source, channels, *, unit="V", meta=None, method="auto", baseline=None, chunk=60000,
                             **options):
    """:func:`emgkit.detect_activation` on a source read chunk by chunk, never whole.

    Gives the Activation ``detect_activation(Recording(source.read(0, n),
    source.fs, channels, unit=unit, meta=meta), method=method,
    baseline=baseline, **options)`` would, for records that do not fit in
    memory.

    Parameters
    ----------
    source : ArraySource or FileSource (:mod:`emgkit._chunks`)
        Raw EMG: ``fs`` (Hz), ``n_channels``, ``n_samples`` and
        ``read(a, b, rows=None)`` giving samples ``a:b`` as float64.
    channels : sequence of Channel or str
        One per source row (names unique).
    unit : str, default "V"
        Unit of the samples (of the burst amplitudes).
    meta : dict, optional
        As :class:`emgkit.Recording`; ``"adc_range"`` (converter limits, for
        clipping) and ``"adc"`` (its ``"scale"`` is the quantisation step) are used.
    method : {"auto", "tkeo", "hodges"}, default "auto"
        As :func:`emgkit.detect_activation`; ``"bonato"`` is not streamed.
    baseline : (start_s, stop_s) or dict, optional
        As :func:`emgkit.detect_activation`.
    chunk : int >= 1, default 60000
        Core length in samples, rounded down to a whole number of rest-search
        blocks (``baseline_s / 10``, at least one block).  Each read spans a
        core plus filter margins on both sides (a few filter time constants:
        about 1.7 s at 20 Hz high-pass), so memory scales with
        ``n_channels * (chunk + 2 * margin)``.
    **options
        As :func:`emgkit.detect_activation` (``conditioned`` is not streamed).

    Returns
    -------
    Activation

    Raises
    ------
    InvalidInputError
        As :func:`emgkit.detect_activation`; also for ``method="bonato"``
        and ``conditioned=True`` (use :func:`emgkit.detect_activation`), a
        bad ``chunk`` or a channel list that does not match the source.

    Notes
    -----
    Burst samples, reasons, notes and warnings are those of the in-memory
    path; thresholds, baselines and amplitudes agree to about 1e-12
    relative: each block's filters start from their own state and differ
    from the whole-record filters by less than 1e-14 of the signal's scale
    on the core (:func:`emgkit._chunks.settle_samples`), and sums are formed
    in another order.  (A baseline level of digital silence, itself at the
    rounding level, agrees to that absolute error only.)  Memory besides a
    block: one float per rest-search block and channel, the run lists, and
    a rest window of up to ``WINDOW_CAP`` samples (longer user baselines
    are measured exactly in several passes).  When a rest window is digital
    silence and ``meta["adc"]`` gives no scale, the quantisation step is the
    smallest gap between the channel's distinct values, gathered chunk by
    chunk: that needs memory for the channel's distinct values (few for
    quantised data, which is where digital silence occurs).

    Examples
    --------
    >>> from emgkit._chunks import ArraySource
    >>> from emgkit.datasets.simulate import simulate
    >>> rec = simulate(n_reps=3, muscles=["biceps_brachii"], sides=["L"], ramp_s=0.0, seed=1)
    >>> act = detect_activation_stream(ArraySource(rec.data, rec.fs), rec.channels, chunk=5000)
    >>> act.onsets["L biceps_brachii"].round(1), act.offsets["L biceps_brachii"].round(1)
    (array([ 2.,  6., 10.]), array([ 4.,  8., 12.]))
    """
    channels, fs, meta, method, opts = _check_call(source, channels, unit, meta, method, chunk, options)
    n = int(source.n_samples)
    names = [c.name for c in channels]
    user = bl.parse_user_baseline(baseline, names, n / fs)
    check_length(n, fs, opts, user)
    block = bl.block_length(opts["baseline_s"], fs)
    core = max(block, int(chunk) // block * block)  # cores hold whole rest-search blocks

    flat, clipped, exclude, notes = _screen(source, core, fs, names, meta.get("adc_range"))
    warn_clipping(np.array([_run_total(s, e) for s, e in clipped]) / n, names)
    cond = _Conditioner(source, fs, method, opts, core)
    means, peak = _block_means(cond, block, exclude)
    windows = bl.pick_windows(means, block, n, fs, user, bl.EDGE_S)
    quant = Quantisation(lambda c: _quantisation_step(source, c, core, meta.get("adc")))
    floor = SpreadFloor(method, fs, opts, quant, np.float64)
    robust = mt.ROBUST[method]
    results, high, low, gain = set_thresholds(windows, means, block, lambda c, a, b: _measure(cond, c, a, b, robust),
                                              peak, fs, opts, names, flat, floor)
    runs = _bursts(cond, high, low, hold_samples(opts, fs), gain, block, run_limits(opts, fs))
    for c, (starts, stops) in enumerate(runs):
        if results[c]["reason"] is None:
            judge(results[c], starts, stops, n, user[c] is None)
    onsets = [np.asarray(r["starts"], dtype=np.int64) for r in results]
    offsets = [np.asarray(r["stops"], dtype=np.int64) for r in results]
    peaks, means_amp = _burst_amplitudes(cond, onsets, offsets)
    clip_fr = [_covered(s, e, *clipped[c]) / np.maximum(e - s, 1) for c, (s, e) in enumerate(zip(onsets, offsets))]
    return assemble(results, onsets, offsets, peaks, means_amp, channels, fs, n, method_label(method),
                    mt.STATISTIC[method].format(unit=unit, **opts), opts, unit, clip_fr, notes)


def _check_call(source, channels, unit, meta, method, chunk, options):
    """Checked ``(channels, fs, meta, method, options)``; errors for what the streaming path cannot do."""
    if options.pop("conditioned", False):
        raise InvalidInputError("the streaming path does not support conditioned input (an envelope); "
                                "use the in-memory emgkit.detect_activation(..., conditioned=True)")
    if isinstance(chunk, bool) or not isinstance(chunk, (int, np.integer)) or chunk < 1:
        raise InvalidInputError(f"chunk must be a positive number of samples, got {chunk!r}")
    chans = [channels] if isinstance(channels, (str, Channel)) else list(channels)
    if len(chans) != int(source.n_channels):
        raise InvalidInputError(f"{len(chans)} channels for a source of {source.n_channels} rows; "
                                "pass one channel per source row")
    shell = Recording(np.zeros((len(chans), 1)), source.fs, chans, unit=unit, meta=meta)  # the Recording's checks
    method, opts = mt.resolve_options(method, options, conditioned=False)
    if method == "bonato":
        raise InvalidInputError("the streaming path does not support method='bonato'; "
                                "use the in-memory emgkit.detect_activation(..., method='bonato')")
    return shell.channels, shell.fs, shell.meta, method, opts


# -- pass 1: screening of the raw samples -------------------------------------------------------------
class _ConstantRuns:
    """Runs of >= ``CLIP_MIN_RUN`` identical samples per channel, gathered piece by piece.

    Only runs that can end up clipped (their value is a running extreme or a
    converter limit) or dropouts (long enough) are kept, so the lists stay
    short.
    """

    def __init__(self, n_ch, fs, adc_range):
        self.adc_range, self.min_dropout = adc_range, dropout_samples(fs)
        self.lo, self.hi = np.full(n_ch, np.inf), np.full(n_ch, -np.inf)
        self.open_value, self.open_start = np.full(n_ch, np.nan), np.zeros(n_ch, np.int64)
        self.runs = [[] for _ in range(n_ch)]  # (start, stop, value)

    def _may_count(self, c, start, stop, value):
        return stop - start >= self.min_dropout or value in rails(self.lo[c], self.hi[c], self.adc_range)

    def add(self, a, x):
        """Samples ``a : a + x.shape[1]`` (finite) of every channel."""
        for c, row in enumerate(x):
            lo, hi = row.min(), row.max()
            if lo < self.lo[c] or hi > self.hi[c]:
                self.lo[c], self.hi[c] = min(lo, self.lo[c]), max(hi, self.hi[c])
                self.runs[c] = [r for r in self.runs[c] if self._may_count(c, *r)]
            cut = np.flatnonzero(row[1:] != row[:-1]) + 1
            starts, stops = np.r_[0, cut] + a, np.r_[cut, row.size] + a
            if row[0] == self.open_value[c]:  # the open run goes on (NaN, for none, equals nothing)
                starts[0] = self.open_start[c]
            else:
                self._close(c, a)
            self.open_value[c], self.open_start[c] = row[-1], starts[-1]  # the last run may go on in the next piece
            starts, stops = starts[:-1], stops[:-1]
            values = row[stops - 1 - a]
            at_rail = np.isin(values, list(rails(self.lo[c], self.hi[c], self.adc_range)))
            keep = (stops - starts >= CLIP_MIN_RUN) & ((stops - starts >= self.min_dropout) | at_rail)
            self.runs[c] += zip(starts[keep].tolist(), stops[keep].tolist(), values[keep].tolist())

    def _close(self, c, stop):
        start, value = int(self.open_start[c]), float(self.open_value[c])
        if not np.isnan(value) and stop - start >= CLIP_MIN_RUN and self._may_count(c, start, stop, value):
            self.runs[c].append((start, stop, value))
        self.open_value[c] = np.nan

    def finish(self, n):
        """Close the runs open at the end of the record."""
        for c in range(len(self.runs)):
            self._close(c, n)


def _screen(source, core, fs, names, adc_range):
    """Flat channels, clipped and excluded runs ``(starts, stops)`` per channel, and notes, in one raw pass."""
    n_ch, n = int(source.n_channels), int(source.n_samples)
    runs = _ConstantRuns(n_ch, fs, adc_range)
    bad_count, bad_first = np.zeros(n_ch, np.int64), np.full(n_ch, -1, np.int64)
    for blk in blocks(source, core):
        bad = ~np.isfinite(blk.data)
        if bad.any():
            count = bad.sum(axis=1)
            bad_first = np.where((bad_first < 0) & (count > 0), blk.a + np.argmax(bad, axis=1), bad_first)
            bad_count += count
        elif not bad_count.any():
            runs.add(blk.a, blk.data)
    rows = np.flatnonzero(bad_count).tolist()
    if rows:
        raise nonfinite_error(names, rows, bad_count[rows[:5]].tolist(), bad_first[rows[:5]].tolist())
    runs.finish(n)
    flat = runs.lo == runs.hi
    clipped, exclude, notes = [], [], []
    for c in range(n_ch):
        kept = [] if flat[c] else runs.runs[c]
        at_rail = rails(runs.lo[c], runs.hi[c], adc_range)
        clip = [(s, e) for s, e, v in kept if v in at_rail]
        drop = [(s, e) for s, e, v in kept if v not in at_rail and e - s >= runs.min_dropout]
        clipped.append(_as_runs(clip))
        exclude.append(_as_runs(sorted(clip + drop)))
        notes.append(screen_notes(_run_total(*clipped[-1]), _run_total(*_as_runs(drop)), n, fs))
    return flat, clipped, exclude, notes


def _as_runs(pairs):
    arr = np.array(pairs, dtype=np.int64).reshape(-1, 2)
    return arr[:, 0].copy(), arr[:, 1].copy()


def _run_total(starts, stops):
    return int(np.sum(stops - starts))


def _covered(a, b, starts, stops):
    """Samples of the runs ``starts:stops`` (sorted, disjoint) inside each ``[a[i], b[i])``."""
    if starts.size == 0:
        return np.zeros(np.shape(a), np.int64)
    cum = np.r_[0, np.cumsum(stops - starts)]

    def before(t):  # run samples < t: whole runs before the last one starting before t, and part of that one
        j = np.searchsorted(starts, t, side="left")
        last = np.maximum(j - 1, 0)
        return np.where(j > 0, cum[last] + np.minimum(t, stops[last]) - starts[last], 0)

    return before(np.asarray(b)) - before(np.asarray(a))


# -- filtering of blocks -------------------------------------------------------------------------------
class _Conditioner:
    """Band-pass and detection statistic of blocks of the source, with margins that make them whole-record exact."""

    def __init__(self, source, fs, method, opts, core):
        from scipy.signal import butter

        from emgkit.preprocess import lowpass_sos

        self.source, self.fs, self.method, self.opts, self.core = source, fs, method, opts, core
        self.n = int(source.n_samples)
        # the in-memory checks and warnings (fs below 1 kHz), once, on a dummy block
        mt.statistic(method, mt.band_pass(np.zeros((1, 64)), fs, opts["band_hz"])[0], fs, opts)
        band = opts["band_hz"]
        self.band_margin = 0 if band is None else settle_samples(butter(4, band, btype="band", fs=fs, output="sos"))
        window = mt.window_length(opts.get("window_ms"), fs) if method == "hodges" else 0
        self.stat_margin = self.band_margin + 2 + settle_samples(lowpass_sos(fs, opts["lowpass_hz"], 2)) + window

    def band(self, x):
        """Band-passed block (the in-memory filter; its warnings were given once already)."""
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", SignalQualityWarning)
            return mt.band_pass(x, self.fs, self.opts["band_hz"])[0]

    def stat(self, x):
        """``(test, reference)`` statistics of a raw block."""
        return mt.statistic(self.method, self.band(x), self.fs, self.opts)

    def walk(self, margin, start=0, stop=None, rows=None):
        """Yield ``(a, b, lo, data)``: cores ``[a, b)`` of ``[start, stop)``; ``data`` holds samples ``lo:hi``."""
        stop = self.n if stop is None else stop
        for a in range(start, stop, self.core):
            b = min(stop, a + self.core)
            lo, hi = max(0, a - margin), min(self.n, b + margin)
            yield a, b, lo, self.source.read(lo, hi, rows)


# -- pass 2: block means for the rest-window search ----------------------------------------------------
def _block_means(cond, block, exclude):
    """Block means of the reference statistic (NaN for blocks touching ``exclude``) and its maximum, per channel."""
    n_ch = int(cond.source.n_channels)
    k = cond.n // block
    means = np.empty((n_ch, k))
    peak = np.full(n_ch, -np.inf)
    for a, b, lo, data in cond.walk(cond.stat_margin):
        ref = cond.stat(data)[1][:, a - lo : b - lo]
        peak = np.maximum(peak, ref.max(axis=1))
        first, m = a // block, (min(b, k * block) - a) // block
        if m > 0:
            means[:, first : first + m] = ref[:, : m * block].reshape(n_ch, m, block).mean(axis=2, dtype=np.float64)
    for c, (starts, stops) in enumerate(exclude):
        inside = starts // block < k
        touched = np.zeros(k + 1, np.int64)
        np.add.at(touched, starts[inside] // block, 1)
        np.add.at(touched, np.minimum(k, (stops[inside] - 1) // block + 1), -1)
        means[c, np.cumsum(touched[:k]) > 0] = np.nan
    return means, peak


# -- pass 3: level and spread of the rest windows ----------------------------------------------------
def _measure(cond, c, a, b, robust):
    """(level, spread) of channel ``c``'s reference statistic on samples ``a:b``, as :func:`location_spread`."""

    def pieces():
        for a0, b0, lo, data in cond.walk(cond.stat_margin, a, b, rows=[c]):
            yield cond.stat(data)[1][0, a0 - lo : b0 - lo]

    size = b - a
    if size <= WINDOW_CAP:
        return bl.location_spread(np.concatenate(list(pieces())), robust)
    if not robust:
        mean = sum(float(p.sum()) for p in pieces()) / size
        return mean, math.sqrt(sum(float(np.sum((p - mean) ** 2)) for p in pieces()) / size)
    med = _median(pieces, size)
    return med, MAD_TO_SD * _median(lambda: (np.abs(p - med) for p in pieces()), size)


def _median(pieces, size):
    """``np.median`` of the values yielded by ``pieces()``, holding at most ``WINDOW_CAP`` of them at once."""
    if size % 2:
        return float(_kth(pieces, size // 2))
    return float((_kth(pieces, size // 2 - 1) + _kth(pieces, size // 2)) / 2)


def _kth(pieces, k):
    """The ``k``-th smallest value (0-based) of ``pieces()``, exactly, by narrowing a value range over passes."""
    lo, hi, below = -np.inf, np.inf, 0  # the answer lies in [lo, hi); `below` values are < lo
    while True:
        count, vmin, vmax = _survey(pieces, lo, hi)
        if count <= WINDOW_CAP:
            return np.partition(np.concatenate([p[(p >= lo) & (p < hi)] for p in pieces()]), k - below)[k - below]
        if vmin == vmax:
            return vmin
        edges = np.linspace(vmin, vmax, SELECT_BINS + 1)
        counts = np.zeros(SELECT_BINS, np.int64)
        for p in pieces():
            v = p[(p >= lo) & (p < hi)]
            counts += np.bincount(np.clip(np.searchsorted(edges, v, side="right") - 1, 0, SELECT_BINS - 1),
                                  minlength=SELECT_BINS)
        cum = np.cumsum(counts)
        j = int(np.searchsorted(cum, k - below, side="right"))
        new_lo = edges[j] if j else lo
        new_hi = edges[j + 1] if j < SELECT_BINS - 1 else hi
        if counts[j] == cum[-1]:  # range too narrow for the bins: a handful of distinct values
            return _kth_distinct(pieces, lo, hi, k - below)
        below += int(cum[j - 1]) if j else 0
        lo, hi = new_lo, new_hi


def _survey(pieces, lo, hi):
    """Number, minimum and maximum of the values in ``[lo, hi)``."""
    count, vmin, vmax = 0, np.inf, -np.inf
    for p in pieces():
        v = p[(p >= lo) & (p < hi)]
        if v.size:
            count, vmin, vmax = count + v.size, min(vmin, v.min()), max(vmax, v.max())
    return count, vmin, vmax


def _kth_distinct(pieces, lo, hi, k):
    counts = {}
    for p in pieces():
        values, times = np.unique(p[(p >= lo) & (p < hi)], return_counts=True)
        for v, t in zip(values.tolist(), times.tolist()):
            counts[v] = counts.get(v, 0) + t
    total = 0
    for v in sorted(counts):
        total += counts[v]
        if total > k:
            return v
    raise AssertionError("k beyond the values counted")  # pragma: no cover


def _quantisation_step(source, c, core, adc):
    """:func:`._screen.quantisation_step` of channel ``c``, from its distinct values gathered chunk by chunk."""
    if adc and adc.get("scale"):
        return abs(float(adc["scale"]))
    values = np.empty(0)
    for blk in blocks(source, core, rows=[c]):
        values = np.union1d(values, blk.data[0])
    return float(np.diff(values).min()) if values.size >= 2 else 0.0


# -- pass 4: hysteresis and run filtering --------------------------------------------------------------
def _bursts(cond, high, low, hold, gain, block, limits):
    """Bursts per channel ``(starts, stops)`` in samples: hysteresis carried over cores, then merged and filtered."""
    from emgkit.kernels.activation import hysteresis_runs

    n_ch = int(cond.source.n_channels)
    state = np.tile(np.array([-1, 0, 0], np.int64), (n_ch, 1))
    found = [[] for _ in range(n_ch)]
    for a, b, lo, data in cond.walk(cond.stat_margin):
        test = np.ascontiguousarray(cond.stat(data)[0][:, a - lo : b - lo])
        counts, starts, stops = hysteresis_runs(test, a, state, high, low, hold=hold, gain=gain, gain_step=block)
        for c in np.flatnonzero(counts):
            found[c].append(np.c_[starts[c, : counts[c]], stops[c, : counts[c]]])
    out = []
    for c in range(n_ch):
        runs = np.concatenate(found[c] + [np.empty((0, 2), np.int64)])
        if state[c, 0] >= 0 and state[c, 2]:
            runs = np.r_[runs, [[state[c, 0], cond.n]]]
        out.append(_filter_runs(runs[:, 0], runs[:, 1], *limits))
    return out


def _filter_runs(starts, stops, min_gap, min_len):
    """:func:`emgkit.kernels.filter_runs` on a run list.

    Merges runs separated by fewer than ``min_gap`` samples, then drops runs
    shorter than ``min_len``.
    """
    if starts.size and min_gap > 0:
        apart = starts[1:] - stops[:-1] >= min_gap
        starts, stops = starts[np.r_[True, apart]], stops[np.r_[apart, True]]
    if min_len > 1:
        keep = stops - starts >= min_len
        starts, stops = starts[keep], stops[keep]
    return starts, stops


# -- pass 5: burst amplitudes -------------------------------------------------------------------------
def _burst_amplitudes(cond, onsets, offsets):
    """Peak 50 ms moving RMS and RMS of the band-passed signal over each burst, as :func:`emgkit.kernels.burst_rms`."""
    n, fs = cond.n, cond.fs
    window = max(1, int(round(AMPLITUDE_WINDOW_MS * 1e-3 * fs)))
    half = window // 2
    best = [np.zeros(s.size) for s in onsets]
    power = [np.zeros(s.size) for s in onsets]
    for a in range(0, n, cond.core):
        b = min(n, a + cond.core)
        hits = [(c, np.flatnonzero((s < b) & (offsets[c] > a))) for c, s in enumerate(onsets)]
        hits = [(c, idx) for c, idx in hits if idx.size]
        if not hits:
            continue
        lo, hi = max(0, a - cond.band_margin - window), min(n, b + cond.band_margin + window)
        y = cond.band(cond.source.read(lo, hi, [c for c, _ in hits]))
        for row, (c, idx) in enumerate(hits):
            for i in idx:
                i0, i1 = max(onsets[c][i], a), min(offsets[c][i], b)
                w0, w1 = max(0, i0 - half), min(n, i1 - half + window)
                sums = np.r_[0.0, np.cumsum(y[row, w0 - lo : w1 - lo] ** 2)]
                pos = np.arange(i0, i1)
                left, right = np.maximum(0, pos - half), np.minimum(n, pos - half + window)
                best[c][i] = max(best[c][i], float(np.max((sums[right - w0] - sums[left - w0]) / (right - left))))
                power[c][i] += float(np.sum(y[row, i0 - lo : i1 - lo] ** 2))
    peaks = [np.sqrt(p) for p in best]
    means = [np.sqrt(p / np.maximum(e - s, 1)) for p, s, e in zip(power, onsets, offsets)]
    return peaks, means
