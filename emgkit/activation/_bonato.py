"""Bonato, D'Alessio & Knaflitz (1998): the double-threshold statistical detector.

On the whitened band-passed signal ``w`` with rest variance ``sigma0^2``,
``z_i = (w[2i]^2 + w[2i+1]^2) / sigma0^2`` is chi-square with 2 degrees of
freedom under Gaussian noise, so ``P(z > zeta) = exp(-zeta / 2)``.  A window
of ``m`` successive ``z`` is active when at least ``r0`` exceed ``zeta``; the
false-alarm probability of a window is
``P_fa = sum_{k=r0}^{m} C(m, k) p^k (1 - p)^(m - k)`` with ``p = exp(-zeta/2)``,
and ``zeta`` is solved from the requested ``pfa``.  Active and inactive
states shorter than ``min_state_ms`` (30 ms) are discarded (SCIENCE.md
section 3).  Whitening: an AR model of order ``whiten_order`` fitted to the
rest window (Yule-Walker) gives the prediction-error filter.
"""

from __future__ import annotations

import math

import numpy as np

from . import _baseline as bl
from ._baseline import EDGE_S, SILENCE, judge
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


def detect_bonato(y, fs, opts, names, user, flat, exclude, quant):
    """Per-channel Bonato detection on the band-passed ``y``; results in pairs of samples."""
    from scipy.signal import lfilter

    from emgkit.kernels import filter_runs, mask_runs, r_of_m

    n_ch, n = y.shape
    n2 = n // 2
    power = np.square(y, dtype=np.float64)
    windows, _, _ = bl.baseline_windows(power, fs, opts["baseline_s"], user, exclude, EDGE_S)
    del power
    zeta = zeta_for(opts["pfa"], opts["r0"], opts["m"])
    exceed = np.zeros((n_ch, n2), dtype=bool)
    results = bl.empty_results(n_ch)
    for c in range(n_ch):
        res = results[c]
        res["reason"] = bl.unusable_reason(flat[c], windows[c], opts["baseline_s"])
        if res["reason"]:
            continue
        a, b, source = windows[c]
        fir = whitening_filter(y[c, a:b], opts["whiten_order"])
        w = lfilter(fir, [1.0], y[c].astype(np.float64)) if fir.size > 1 else y[c].astype(np.float64)
        var0 = float(np.var(w[a:b]))
        note = f"AR({fir.size - 1}) whitening" if fir.size > 1 else "no whitening"
        if var0 <= SILENCE * float(np.max(np.abs(w))) ** 2:  # zero up to filter ringing: digital silence
            var0 = (quant(c) ** 2) / 12.0
            if var0 <= 0:
                res["reason"] = "flat: the rest window is digital silence and the quantisation step is unknown"
                continue
            note += "; zero variance (digital silence) floored at the quantisation step"
        z = (np.square(w[0 : 2 * n2 : 2]) + np.square(w[1 : 2 * n2 : 2])) / var0
        exceed[c] = z > zeta
        zb = z[a // 2 : b // 2]
        res.update(baseline=Baseline(a / fs, b / fs, source, float(zb.mean()), float(zb.std()),
                                     f"{note}; sigma0 = {math.sqrt(var0):.4g}"),
                   threshold=zeta, threshold_low=zeta)
    active = r_of_m(exceed, opts["r0"], opts["m"])
    k = int(round(opts["min_state_ms"] * 1e-3 * fs / 2))
    filter_runs(active, 0, k, out=active)  # drop short active states first, so noise blips cannot bridge gaps
    filter_runs(active, k, 0, out=active)  # then fill short inactive states
    chan, starts, stops = mask_runs(active)
    bounds = np.searchsorted(chan, np.arange(n_ch + 1))
    for c in range(n_ch):
        if results[c]["reason"] is None:
            judge(results[c], starts[bounds[c] : bounds[c + 1]], stops[bounds[c] : bounds[c + 1]], max(n2, 1),
                  user[c] is None)
    return results
