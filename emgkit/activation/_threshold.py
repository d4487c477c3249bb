"""Threshold detectors (``auto``, ``tkeo``, ``hodges``, a given envelope): thresholds from the rest, then hysteresis.

Per channel, the rest window's level and spread (mean and SD, or median and
1.4826 MAD) give the detection threshold ``level + h spread`` and the
localisation threshold ``level + h_low spread``; with ``track_s`` both rise
where the tracked rest level is above the baseline's.  The statistic is
then scanned piece by piece with the hysteresis kernel, its state carried
from one piece to the next, and the runs are merged (gaps shorter than
``min_gap_ms``) and filtered (shorter than ``min_burst_ms``).
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from emgkit._notes import warn

from . import _baseline as bl
from . import _methods as mt
from ._baseline import SILENCE
from ._result import Baseline
from ._select import level_spread
from ._signals import cores

SURE_ACTIVITY = 2.0  # blocks this many times above the detection threshold never count as rest level
TONIC_QUANTILES = (10.0, 25.0)  # percentiles of the block means over the tonic level giving its centre and spread
Z10, Z25 = -1.2816, -0.6745  # a Gaussian's 10th and 25th percentiles, in SDs from its median
LEVEL_FLOOR = 1e-3  # the followed level never falls below this fraction of its median (digital silence)


class Threshold:
    """One threshold detection over a record, fed piece by piece.

    Parameters
    ----------
    signals : Signals
    opts : dict
        The method's options (h, h_low, hold_ms, track_s, min_gap_ms, min_burst_ms, baseline_s).
    robust : bool
        Median and MAD (True) or mean and SD (False) of the rest.
    floor : callable
        ``floor(c)``: the spread used when channel ``c``'s rest is digital silence.
    core : int
        Samples per piece of the walks.
    names : list of str
    notes : Notes or None
        Where caveats go (None: warned to the caller).
    follow : bool, default False
        With ``track_s``: thresholds follow the tracked level both ways (a
        tonic level, the ``tonic`` method) instead of only rising above the
        baseline's (a drifting noise floor).
    """

    rate = 1  # one statistic value per sample

    def __init__(self, signals, opts, robust, floor, core, names, notes, follow=False):
        self.signals, self.opts, self.robust, self.floor = signals, opts, robust, floor
        self.core, self.names, self.notes, self.follow = core, names, notes, follow
        self.fs, self.n = signals.fs, signals.n
        self.margin = signals.stat_margin

    def calibrate(self, windows, means, block, peak, flat):
        """Baselines and thresholds per channel (:func:`._baseline.empty_results`) from the rest windows.

        ``means`` are the block means of the reference statistic (NaN where
        excluded), ``block`` samples each; ``peak`` its maximum per channel.
        """
        from emgkit.kernels import hysteresis_state

        opts, fs = self.opts, self.fs
        n_ch = len(windows)
        h_low = opts["h"] if opts["h_low"] is None else opts["h_low"]
        self.high, self.low = np.full(n_ch, np.inf), np.full(n_ch, np.inf)
        results = bl.empty_results(n_ch)
        for c in range(n_ch):
            res = results[c]
            res["reason"] = bl.unusable_reason(flat[c], windows[c], opts["baseline_s"])
            if res["reason"]:
                continue
            a, b, source = windows[c]
            note = ""
            loc, spread = self.measure(c, a, b)
            if spread <= SILENCE * float(peak[c]):  # zero up to filter ringing: digital silence
                spread = self.floor(c)
                if spread <= 0:
                    res["reason"] = "flat: the rest window is digital silence and the quantisation step is unknown"
                    continue
                note = "zero spread (digital silence) floored at the quantisation step"
                warn(f"channel {self.names[c]!r}: {note}", self.notes)
            self.high[c] = loc + opts["h"] * spread
            self.low[c] = loc + h_low * spread
            res.update(baseline=Baseline(a / fs, b / fs, source, loc, spread, note), threshold=self.high[c],
                       threshold_low=self.low[c])
        self.block, self.gain = block, None
        if opts.get("track_s") and self.follow:
            self._follow(results, means, block, windows, opts["h"], h_low)
        elif opts.get("track_s"):
            self.gain, tracked = _tracked_gain(_rest_blocks(means, self.high), block, fs, opts, windows)
            for c in np.flatnonzero(~tracked & np.isfinite(self.high)):
                results[c]["baseline"] = _with_note(results[c]["baseline"], "rest level not trackable; constant baseline used")
        self.state = hysteresis_state(n_ch)
        self.found = [[] for _ in range(n_ch)]
        return results

    def _follow(self, results, means, block, windows, h, h_low):
        """Thresholds that follow the tonic level (the ``tonic`` method); see :func:`tonic_thresholds`."""
        level, centre, spread = tonic_thresholds(means, int(round(self.opts["track_s"] * self.fs / block)))
        self.gain = np.ones_like(level)
        for c in np.flatnonzero(np.isfinite(self.high)):
            if not (np.isfinite(spread[c]) and spread[c] > 0):
                results[c]["baseline"] = _with_note(results[c]["baseline"],
                                                    "tonic level not trackable; constant baseline used")
                continue
            self.gain[c] = level[c]
            self.high[c], self.low[c] = centre[c] + h * spread[c], centre[c] + h_low * spread[c]
            first = windows[c][0] // block
            at_rest = float(np.mean(level[c, first : max(first + 1, windows[c][1] // block)]))
            results[c].update(threshold=self.high[c] * at_rest, threshold_low=self.low[c] * at_rest)
            results[c]["baseline"] = _with_note(
                results[c]["baseline"], f"thresholds follow the tonic level: ({centre[c]:.3g} + h x {spread[c]:.3g}) "
                f"x the running 10th percentile over {self.opts['track_s']:g} s; threshold given at the rest window")

    def measure(self, c, a, b):
        """(level, spread) of channel ``c``'s reference statistic on samples ``a:b``."""
        signals = self.signals

        def pieces():
            for a0, b0 in cores(b - a, self.core):
                yield signals.piece(a + a0, a + b0, self.margin, rows=[c]).row(c, a + a0, a + b0)

        return level_spread(pieces, b - a, self.robust)

    def scan(self, a, b, piece):
        """Hysteresis over the core ``[a, b)`` of ``piece``, its state carried from the previous core."""
        from emgkit.kernels import hysteresis_runs

        hold = max(1, int(round(self.opts.get("hold_ms", 0.0) * 1e-3 * self.fs)))
        for s, test in piece.parts(a, b, test=True):
            counts, starts, stops = hysteresis_runs(test, s, self.state, self.high, self.low, hold=hold, gain=self.gain,
                                                    gain_step=self.block)
            for c in np.flatnonzero(counts):
                self.found[c].append(np.c_[starts[c, : counts[c]], stops[c, : counts[c]]])

    def runs(self):
        """Bursts per channel ``(starts, stops)`` in samples: merged across gaps, short ones dropped."""
        min_gap = int(round(self.opts["min_gap_ms"] * 1e-3 * self.fs))
        min_len = int(round(self.opts["min_burst_ms"] * 1e-3 * self.fs))
        out = []
        for c, found in enumerate(self.found):
            runs = np.concatenate(found + [np.empty((0, 2), np.int64)])
            if self.state[c, 0] >= 0 and self.state[c, 2]:  # active at the end of the record
                runs = np.r_[runs, [[self.state[c, 0], self.n]]]
            out.append(filter_run_list(runs[:, 0], runs[:, 1], min_gap, min_len))
        return out


def filter_run_list(starts, stops, min_gap, min_len):
    """:func:`emgkit.kernels.filter_runs` on a run list (sorted, disjoint).

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


class SpreadFloor:
    """Spread of the statistic for white noise of the quantisation step (SD q / sqrt 12), per channel.

    Called only when a baseline's spread is exactly 0 (digital silence): the
    spread of the method's reference statistic on unit white noise
    (band-passed like the signal), scaled to q.
    """

    def __init__(self, kind, power, fs, opts, quant, robust):
        self.kind, self.power, self.fs, self.opts, self.quant, self.robust = kind, power, fs, opts, quant, robust
        self._unit = None

    def __call__(self, c):
        q = self.quant(c)
        if q <= 0:
            return 0.0
        if self._unit is None:
            n = max(64, int(round(max(self.opts["baseline_s"], 0.25) * self.fs)))
            y = np.random.default_rng(0).standard_normal((1, 3 * n))
            if self.opts.get("band_hz") is not None:
                y = mt.band_pass(y, mt.band_sos(self.fs, self.opts["band_hz"]))
            unit_stat = mt.reference(self.kind, y, mt.statistic_sos(self.fs, self.opts["lowpass_hz"]))[0, n : 2 * n]
            self._unit = bl.location_spread(unit_stat, self.robust)[1]
        return self._unit * (q / np.sqrt(12.0)) ** self.power


def envelope_floor(quant):
    """The spread floor of a given envelope: its own step, as uniform quantisation noise (``q / sqrt 12``)."""
    return lambda c: quant(c) / np.sqrt(12.0)


def _tracked_gain(blocks, block, fs, opts, windows):
    """Per-block threshold gains ``max(1, rest level / rest level at the baseline)``, and which rows have one."""
    level = mt.tracked_level(blocks, int(round(opts["track_s"] * fs / block)))
    gains = np.ones_like(level)
    ok_rows = np.zeros(level.shape[0], dtype=bool)
    for c, win in enumerate(windows):
        if win is None or not np.all(np.isfinite(level[c])):
            continue
        first, last = win[0] // block, max(win[0] // block + 1, win[1] // block)
        ref_level = float(np.mean(level[c, first:last]))
        if ref_level > 0:
            gains[c] = np.maximum(level[c] / ref_level, 1.0)  # tracking only raises thresholds above the baseline's
            ok_rows[c] = True
    return gains, ok_rows


def tonic_thresholds(means, span_blocks):
    """The tonic level of every block, and the centre and spread of the block means relative to it, per channel.

    The level is a running 10th percentile of the block means over
    ``span_blocks`` (:func:`._methods.tracked_level`), floored at
    ``LEVEL_FLOOR`` of its median.  Relative to it the block means ``z`` of
    tonic stretches scatter around a centre; bursts only add values above
    it, so the centre and spread are read from the low quantiles, as for a
    Gaussian: ``spread = (z25 - z10) / 0.6071`` and ``centre = z25 + 0.6745
    spread`` (the median of the tonic part), robust to bursts covering up to
    half the record.

    Returns
    -------
    level : ndarray, shape of ``means``
    centre, spread : ndarray, shape (n_channels,)
        NaN where a channel has no usable block.
    """
    level = mt.tracked_level(means, span_blocks)
    n_ch = means.shape[0]
    centre, spread = np.full(n_ch, np.nan), np.full(n_ch, np.nan)
    for c in range(n_ch):
        ok = np.isfinite(means[c]) & np.isfinite(level[c])
        if not ok.any():
            continue
        level[c] = np.maximum(level[c], LEVEL_FLOOR * np.median(level[c, ok]))
        if not np.median(level[c, ok]) > 0:
            continue
        z10, z25 = np.percentile(means[c, ok] / level[c, ok], TONIC_QUANTILES)
        spread[c] = (z25 - z10) / (Z25 - Z10)
        centre[c] = z25 - Z25 * spread[c]
    return level, centre, spread


def _rest_blocks(blocks, high):
    """Block means, with blocks far above the detection threshold (surely activity) set to NaN.

    A drifting noise floor rarely lifts the statistic to ``SURE_ACTIVITY``
    times the detection threshold; sustained contractions do, and leaving them
    out keeps a long hold from lifting the tracked rest level over itself.
    """
    out = blocks.copy()
    out[blocks > SURE_ACTIVITY * high[:, None]] = np.nan
    return out


def _with_note(baseline, note):
    return replace(baseline, note=f"{baseline.note}; {note}" if baseline.note else note)
