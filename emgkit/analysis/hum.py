"""The hum rule: a channel whose mains hum or other narrowband interference exceeds ``filters.hum_max_share`` is notched or left out.

Two shares of the band-passed signal's 20-450 Hz power are measured after
the first conditioning pass:

* the **powerline share** (:func:`emgkit.quality.powerline_share`, measured
  by the detection stage): power within +-1 Hz of the mains line (50 or 60
  Hz, detected) and its harmonics;
* the **line share**: power in narrow spectral lines at any frequency (other
  equipment, stimulators, switching supplies): Welch periodogram bins above
  :data:`LINE_FACTOR` times the median of the bins within +-10 Hz, with one
  bin each side.  A smooth EMG spectrum has no such bins.

Clean surface EMG puts about 5 % of its power in the mains bins; above the
configured share (default 10 %) the channel is notched at the mains line and
harmonics, and at the other lines found (at most :data:`MAX_LINES`), and the
analysis runs again on the notched signal (``hum_action = "notch"``, with a
note naming the share), or the channel is left out with the reason
(``"exclude"``).  A notched channel whose mains and line shares, measured
again on the notched signal, still exceed the share (sidebands, drifting or
modulated lines) is left out whatever the action.  No finding and no median frequency is then built on hum
(docs/channels.md#mains-hum-and-other-lines).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace

import numpy as np

__all__ = ["Hum", "find_hum", "line_spectrum_lines", "LINE_FACTOR", "MAX_LINES"]

LINE_FACTOR = 10.0  # a bin this many times the local median is a line (Welch average: noise bins exceed it with p < 1e-3 per bin)
LOCAL_HZ = 10.0  # half width of the local median, Hz
MAX_LINES = 12  # at most this many non-mains lines notched per channel (strongest first)
MAX_FRAMES = 64  # Welch frames of 2 s read per channel (evenly spaced over a long record)
BAND_HZ = (20.0, 450.0)


@dataclass(frozen=True)
class Hum:
    """Narrowband interference measured on the first conditioning pass, per analysed channel.

    Attributes
    ----------
    names : list of str
        Analysed channels, in order.
    share : ndarray
        Mains share before any notch (NaN when it cannot be measured).
    line_share : ndarray
        Share of the power in lines at other frequencies (0 when none).
    lines : list of tuple of float
        Per channel, the non-mains line frequencies found (Hz).
    line_hz : float
        Detected (or given) mains frequency, Hz; NaN when unknown.
    over : ndarray of bool
        ``share + line_share`` above ``filters.hum_max_share``.
    limit : float
        The configured share.
    residual : dict
        Channel -> reason, for notched channels whose hum stays above the
        share after the notch (:meth:`with_residual`): left out whatever the action.
    action : str
        ``"notch"`` or ``"exclude"``.
    """

    names: list
    share: np.ndarray
    line_share: np.ndarray
    lines: list
    line_hz: float
    over: np.ndarray
    limit: float
    action: str
    residual: dict = field(default_factory=dict)

    @property
    def found(self) -> bool:
        return bool(self.over.any())

    def notch_for(self, name) -> tuple:
        """The notches of channel ``name``: ``(mains Hz or 0, (other line Hz, ...))``; ``(0, ())`` when none."""
        if name not in self.names:
            return (0.0, ())
        c = self.names.index(name)
        if not self.over[c] or name in self.residual:
            return (0.0, ())
        mains = self.line_hz if math.isfinite(self.line_hz) and self.share[c] > 0.5 * self.limit else 0.0
        return (mains, tuple(self.lines[c]))

    def of(self, name):
        """``(mains share, mains Hz)`` of channel ``name`` (NaN share when it was not measured)."""
        return (float(self.share[self.names.index(name)]), self.line_hz) if name in self.names else (math.nan, self.line_hz)

    def reason(self, c) -> str:
        parts = []
        if np.isfinite(self.share[c]) and math.isfinite(self.line_hz):
            parts.append(f"{100 * self.share[c]:.0f} % of its 20-450 Hz power lies at {self.line_hz:g} Hz and harmonics")
        if self.lines[c]:
            parts.append(f"{100 * self.line_share[c]:.0f} % in narrow lines at "
                         + ", ".join(f"{f:.1f}" for f in self.lines[c]) + " Hz")
        return ("mains hum: " if not self.lines[c] else "hum and narrowband interference: ") + "; ".join(parts) + \
            f" (limit filters.hum_max_share = {100 * self.limit:g} %)"

    def excluded(self) -> dict:
        """Channel -> reason it is left out (``hum_action = "exclude"``, or interference above ``hum_exclude_share``)."""
        out = {}
        for c, n in enumerate(self.names):
            if n in self.residual:
                out[n] = self.residual[n]
            elif self.over[c] and self.action == "exclude":
                out[n] = self.reason(c) + "; left out (filters.hum_action = 'exclude'; 'notch' keeps it, notched)"
        return out

    def share_total(self, c) -> float:
        return float((self.share[c] if np.isfinite(self.share[c]) else 0.0) + self.line_share[c])

    def with_residual(self, after) -> Hum:
        """This hum with the notched channels whose interference ``after`` (a :class:`Hum` of the notched signal) still exceeds the share."""
        left = dict(self.residual)
        for c, n in enumerate(after.names):
            if n in self.names and self.over[self.names.index(n)] and after.share_total(c) > self.limit:
                k = self.names.index(n)
                left[n] = (self.reason(k) + f"; after notching, {100 * after.share_total(c):.0f} % is still interference "
                           + (f"(lines at {', '.join(f'{f:.1f}' for f in after.lines[c])} Hz) " if after.lines[c] else "")
                           + "(sidebands or drifting lines a notch cannot remove): left out")
        return replace(self, residual=left)

    def add_notes(self, notes) -> None:
        """One note per notched channel, naming its shares and the notches."""
        for c, n in enumerate(self.names):
            if self.over[c] and n not in self.residual:
                mains, other = self.notch_for(n)
                where = ([f"{mains:g} Hz and harmonics"] if mains else []) + ([", ".join(f"{f:.1f}" for f in other) + " Hz"]
                                                                              if other else [])
                notes.add(f"{n}: {self.reason(c)}: notched at {' and '.join(where)} before every measure "
                          "(filters.hum_action = 'notch'); the notch also removes some EMG power at those frequencies")


def find_hum(selection, detection, band, store, cfg, fs, *, after_notch=False) -> Hum:
    """Channels of ``selection`` whose mains and line shares together exceed ``cfg.filters.hum_max_share``.

    Channels already notched (``filters.notch_hz`` or a notch in ``band``)
    are not counted again.

    Parameters
    ----------
    selection : Selection
    detection : Detection
        Its quality table holds the mains share.
    band : Band
    store : MemoryStore or ScratchStore
        The band-passed signal, read for the line spectrum.
    cfg : Config
    fs : float
        Sampling rate, Hz.
    after_notch : bool
        Measure channels already notched too (what is left after the notch).

    Returns
    -------
    Hum
    """
    q = detection.quality
    f = cfg.filters
    share = q["powerline_share"].to_numpy(dtype=np.float64)
    line = q.attrs.get("powerline_hz")
    line = float(line) if line else math.nan
    n_ch = len(share)
    done = np.array([not after_notch and (bool(f.notch_hz) or bool(band.notched(c)) or bool(band.lines(c)))
                     for c in range(n_ch)], dtype=bool)
    freqs, power = _welch(store, float(fs))
    if after_notch and math.isfinite(line):  # the quality table measured the raw signal: measure the notched one here
        from ..quality import _share

        share = _share(freqs, power, float(fs), line)
    lines, line_share = [], np.zeros(n_ch)
    for c in range(n_ch):
        found, s = line_spectrum_lines(freqs, power[c], float(fs), line)
        lines.append(found)
        line_share[c] = s
    total = np.where(np.isfinite(share), share, 0.0) + line_share
    over = (total > f.hum_max_share) & ~done
    return Hum(list(selection.names), share, line_share, lines, line, over, float(f.hum_max_share), f.hum_action)


def line_spectrum_lines(freqs, p, fs, mains_hz=math.nan):
    """Narrow lines of one power spectrum away from the mains harmonics: ``(frequencies, share of the band's power)``.

    Parameters
    ----------
    freqs, p : ndarray
        Frequencies (Hz) and power spectral density of one channel.
    fs : float
        Sampling rate, Hz (the band ends below fs/2).
    mains_hz : float
        Mains frequency; its harmonics (+-1.5 Hz) are left to the mains share.

    Returns
    -------
    tuple of float, float
        Up to :data:`MAX_LINES` line frequencies (strongest first) and their share of the 20-450 Hz power.
    """
    hi = min(BAND_HZ[1], 0.5 * fs - 2.0)
    band = (freqs >= BAND_HZ[0]) & (freqs <= hi)
    total = float(p[band].sum())
    if not np.isfinite(total) or total <= 0 or band.sum() < 8:
        return (), 0.0
    df = float(freqs[1] - freqs[0])
    half = max(2, int(round(LOCAL_HZ / df)))
    idx = np.flatnonzero(band)
    from scipy.ndimage import median_filter

    local = median_filter(p, size=2 * half + 1, mode="nearest")
    hot = np.zeros_like(band)
    hot[idx] = p[idx] > LINE_FACTOR * np.maximum(local[idx], np.finfo(float).tiny)
    if math.isfinite(mains_hz) and mains_hz > 0:
        near = np.abs(freqs / mains_hz - np.round(freqs / mains_hz)) * mains_hz <= 1.5
        hot &= ~(near & (np.round(freqs / mains_hz) >= 1))
    peaks = []
    k = 0
    hot_idx = np.flatnonzero(hot)
    while k < len(hot_idx):
        j = k
        while j + 1 < len(hot_idx) and hot_idx[j + 1] == hot_idx[j] + 1:
            j += 1
        run = hot_idx[k: j + 1]
        lo, up = max(run[0] - 1, idx[0]), min(run[-1] + 1, idx[-1])
        top = run[np.argmax(p[run])]
        peaks.append((float(p[lo: up + 1].sum()), float(freqs[top])))
        k = j + 1
    peaks.sort(reverse=True)
    peaks = peaks[:MAX_LINES]
    return tuple(f for _, f in peaks), sum(w for w, _ in peaks) / total


def _welch(store, fs):
    """Welch PSD (2 s Hann frames, at most :data:`MAX_FRAMES` evenly spaced) of every channel of the store's band-passed signal."""
    from scipy.signal import get_window

    n_ch, n = store.shape
    nper = max(8, min(n, int(round(2.0 * fs))))
    starts = np.arange(0, n - nper + 1, nper // 2)
    if len(starts) > MAX_FRAMES:
        starts = starts[np.linspace(0, len(starts) - 1, MAX_FRAMES).round().astype(int)]
    win = get_window("hann", nper)
    acc = np.zeros((n_ch, nper // 2 + 1))
    frame, power = np.empty((n_ch, nper)), np.empty_like(acc)
    for a in starts:
        x = np.asarray(store.filtered[:, int(a): int(a) + nper], dtype=np.float64)
        np.subtract(x, x.mean(axis=1, keepdims=True), out=frame)
        frame *= win
        np.abs(np.fft.rfft(frame, axis=1), out=power)
        acc += np.square(power, out=power)
    p = acc / max(1, len(starts)) / (fs * np.sum(win**2))
    return np.fft.rfftfreq(nper, 1.0 / fs), p
