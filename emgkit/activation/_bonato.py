"""Bonato, D'Alessio & Knaflitz (1998): the double-threshold statistical detector, piece by piece.

On the whitened band-passed signal ``w`` with rest variance ``sigma0^2``,
``z_i = (w[2i]^2 + w[2i+1]^2) / sigma0^2`` is chi-square with 2 degrees of
freedom under Gaussian noise, so ``P(z > zeta) = exp(-zeta / 2)``.  A window
of ``m`` successive ``z`` is active when at least ``r0`` exceed ``zeta``; the
false-alarm probability of a window is
``P_fa = sum_{k=r0}^{m} C(m, k) p^k (1 - p)^(m - k)`` with ``p = exp(-zeta/2)``,
and ``zeta`` is solved from the requested ``pfa``.  Active and inactive
states shorter than ``min_state_ms`` (30 ms) are discarded.  Whitening: an
AR model of order ``whiten_order`` fitted to the rest window (Yule-Walker)
gives the prediction-error filter.

Every step is local: the whitening filter is a FIR of ``whiten_order + 1``
taps and the r0-of-m decision at a pair of samples depends on the ``m - 1``
pairs either side, so a piece read with that margin (plus the band-pass's)
gives the whole record's decisions on its core.
"""

from __future__ import annotations

import math

import numpy as np

from . import _baseline as bl
from ._baseline import SILENCE
from ._result import Baseline


def zeta_for(pfa, r0, m):
    """Threshold ``zeta`` on ``z`` whose r0-of-m window false-alarm probability is ``pfa``."""

    def window_pfa(p):
        return sum(math.comb(m, k) * p**k * (1.0 - p) ** (m - k) for k in range(r0, m + 1))

    lo, hi = 0.0, 1.0  # window_pfa rises monotonically with p
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        if window_pfa(mid) > pfa:
            hi = mid
        else:
            lo = mid
    p = 0.5 * (lo + hi)
    return -2.0 * math.log(p)


def whitening_filter(segment, order):
    """Prediction-error FIR ``[1, -a1, ..., -ap]`` of an AR(order) Yule-Walker fit to ``segment``."""
    from scipy.linalg import LinAlgError, solve_toeplitz

    seg = np.asarray(segment, dtype=np.float64)
    seg = seg - seg.mean()
    if order == 0 or seg.size <= 2 * order:
        return np.ones(1)
    n = seg.size
    spec = np.fft.rfft(seg, 2 * n)
    acf = np.fft.irfft(spec * np.conj(spec))[: order + 1] / n
    if acf[0] <= 0:
        return np.ones(1)
    try:
        coef = solve_toeplitz(acf[:-1], acf[1:])
    except LinAlgError:
        return np.ones(1)
    return np.concatenate(([1.0], -coef))


class Bonato:
    """One Bonato detection over a record, fed piece by piece (pieces start on even samples).

    Parameters
    ----------
    signals : Signals
        Its reference statistic is ``y^2`` (for the rest-window search).
    opts : dict
        pfa, m, r0, min_state_ms, whiten_order, baseline_s.
    quant : callable
        ``quant(c)``: quantisation step of channel ``c`` (digital-silence floor).
    """

    rate = 2  # one test value per pair of samples

    def __init__(self, signals, opts, quant):
        self.signals, self.opts, self.quant = signals, opts, quant
        self.fs, self.n = signals.fs, signals.n
        self.zeta = zeta_for(opts["pfa"], opts["r0"], opts["m"])
        need = signals.band_margin + opts["whiten_order"] + 2 * opts["m"]
        self.margin = need + need % 2  # even, so pieces start on a pair

    def calibrate(self, windows, means, block, peak, flat):
        """Whitening filter, rest variance and baseline statistics per channel, from the rest windows.

        ``peak`` is the maximum of ``y^2`` per channel: a rest variance below
        ``SILENCE`` of it is digital silence, floored at the quantisation step.
        """
        n_ch = len(windows)
        self.fir, self.var0 = [None] * n_ch, np.ones(n_ch)
        results = bl.empty_results(n_ch)
        for c in range(n_ch):
            res = results[c]
            res["reason"] = bl.unusable_reason(flat[c], windows[c], self.opts["baseline_s"])
            if res["reason"]:
                continue
            a, b, source = windows[c]
            start = a - a % 2  # whole pairs of the window
            first = max(0, start - self.opts["whiten_order"])
            piece = self.signals.piece(first, b, self.signals.band_margin, rows=[c])
            y = piece.y[piece.at(c), first - piece.lo : b - piece.lo]
            fir = whitening_filter(y[a - first :], self.opts["whiten_order"])
            w = _whiten(fir, y)[start - first :]  # samples start:b, FIR memory filled from the record
            var0 = float(np.var(w[a - start :]))
            note = f"AR({fir.size - 1}) whitening" if fir.size > 1 else "no whitening"
            if var0 <= SILENCE * float(peak[c]):  # zero up to filter ringing: digital silence
                var0 = (self.quant(c) ** 2) / 12.0
                if var0 <= 0:
                    res["reason"] = "flat: the rest window is digital silence and the quantisation step is unknown"
                    continue
                note += "; zero variance (digital silence) floored at the quantisation step"
            zb = _pairs(w) / var0  # pairs a // 2 to b // 2
            self.fir[c], self.var0[c] = fir, var0
            res.update(baseline=Baseline(a / self.fs, b / self.fs, source, float(zb.mean()), float(zb.std()),
                                         f"{note}; sigma0 = {math.sqrt(var0):.4g}"),
                       threshold=self.zeta, threshold_low=self.zeta)
        self.found = [[] for _ in range(n_ch)]
        return results

    def scan(self, a, b, piece):
        """The r0-of-m decisions on the pairs of the core ``[a, b)`` (``a`` even)."""
        from emgkit.kernels import mask_runs, r_of_m

        rows = [c for c, fir in enumerate(self.fir) if fir is not None]
        if not rows:
            return
        lo = piece.lo  # even: pieces start at 0 or an even margin before an even core
        n_pairs = (piece.hi - lo) // 2
        exceed = np.zeros((len(rows), n_pairs), dtype=bool)
        for i, c in enumerate(rows):
            w = _whiten(self.fir[c], piece.y[piece.at(c)])
            exceed[i] = _pairs(w)[:n_pairs] / self.var0[c] > self.zeta
        active = r_of_m(exceed, self.opts["r0"], self.opts["m"])
        first, last = a // 2 - lo // 2, b // 2 - lo // 2
        chan, starts, stops = mask_runs(np.ascontiguousarray(active[:, first:last]))
        for i, c in enumerate(rows):
            pick = chan == i
            self.found[c].append(np.c_[starts[pick], stops[pick]] + a // 2)

    def runs(self):
        """Active states per channel ``(starts, stops)`` in pairs of samples, after the 30 ms state rule."""
        from ._threshold import filter_run_list

        k = int(round(self.opts["min_state_ms"] * 1e-3 * self.fs / 2))
        out = []
        for found in self.found:
            runs = np.concatenate(found + [np.empty((0, 2), np.int64)])
            starts, stops = filter_run_list(runs[:, 0], runs[:, 1], 1, 0)  # join runs split at core edges
            starts, stops = filter_run_list(starts, stops, 0, k)  # drop short active states first,
            out.append(filter_run_list(starts, stops, k, 0))  # then fill short inactive ones
        return out


def _whiten(fir, y):
    """``y`` filtered by the FIR ``fir`` (causal, zero state before ``y``), float64."""
    from scipy.signal import lfilter

    y = np.asarray(y, dtype=np.float64)
    return lfilter(fir, [1.0], y) if fir.size > 1 else y


def _pairs(w):
    """``w[2i]^2 + w[2i+1]^2`` for every whole pair of ``w``."""
    n2 = w.size // 2
    return np.square(w[0 : 2 * n2 : 2]) + np.square(w[1 : 2 * n2 : 2])

