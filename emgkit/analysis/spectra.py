"""Stage 7: spectral fatigue measures (MDF/MNF, RMS, FInsm5) per analysis window and their trends per channel.

A slope whose comparable windows span less than ``fatigue.min_span_s`` (30 s)
is kept but marked as too short to judge (:meth:`Fatigue.too_short`): on 11-39 s
records the MDF slopes' 95 % intervals spanned +-23 to +-400 %/min
(docs/science.md#fatigue-from-short-records).
"""

from __future__ import annotations

import dataclasses
import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np

__all__ = ["Fatigue", "fatigue"]


@dataclass(frozen=True)
class Fatigue:
    """Windows and trends of every channel.

    Attributes
    ----------
    mode : {"windows", "repetitions"}
        Sliding windows, or one window per repetition centred on the ensemble peak.
    channels : list of ChannelFatigue
        One per analysed channel (:func:`emgkit.fatigue.channel_fatigue`).
    short : tuple of str
        Per channel, why its slope is too short to judge (its comparable
        windows span less than ``fatigue.min_span_s``); ``""`` otherwise.
    """

    mode: str
    channels: list
    short: tuple = ()

    def too_short(self, *rows) -> str:
        """Why the slopes of channels ``rows`` are not judged (joined), ``""`` when each spans enough time."""
        return "; ".join(self.short[r] for r in rows if r < len(self.short) and self.short[r])


def fatigue(selection, detection, segments, norm, store, cfg, notes) -> Fatigue:
    """Spectral fatigue measures of every analysed channel.

    Parameters
    ----------
    selection, detection, segments, norm
        Earlier stages (activity and clipped samples decide which windows count).
    store : MemoryStore or ScratchStore
        The band-passed signal is read from it, window batch by window batch.
    cfg : Config
    notes : Notes

    Returns
    -------
    Fatigue
    """
    from ..fatigue import channel_fatigue, sliding_windows, window_measures

    f = cfg.fatigue
    view = selection.view
    fs, n = view.fs, view.n_samples
    kw = dict(segment_s=f.welch_segment_s, low_hz=f.low_hz, high_hz=f.high_hz, min_active_fraction=f.min_active_fraction,
              finsm5=f.finsm5)
    trend_kw = dict(min_windows=f.min_windows, finsm5=f.finsm5, confidence=1 - cfg.flags.fatigue_alpha,
                    min_level_fraction=f.min_level_fraction)
    mode = f.mode
    if mode == "repetitions" and not segments.n_kept:
        notes.add("fatigue.mode = 'repetitions' needs repetitions; sliding windows are used instead")
        mode = "windows"
    n_ch = len(selection.names)
    if mode == "windows":
        wins = [sliding_windows(n, fs, f.window_s, f.overlap)] * n_ch
    else:
        _, mean_curve, _ = norm.ensemble(fs, segments.intervals, cfg.cycles.n_points)
        half, duration = f.window_s / 2, n / fs
        wins = []
        for c in range(n_ch):
            curve = mean_curve[c] * norm.cc_scale[c]
            phase = int(np.nanargmax(curve)) / (mean_curve.shape[1] - 1) if np.isfinite(curve).any() else 0.5
            centres = segments.intervals[:, 0] + phase * (segments.intervals[:, 1] - segments.intervals[:, 0])
            start = np.clip(centres - half, 0, duration - f.window_s)
            wins.append(np.round(np.column_stack([start, start + f.window_s]) * fs).astype(np.int64))
    def one(c):
        w = wins[c]
        active, clipped = detection.active.count(c, w[:, 0], w[:, 1]), detection.clipped.count(c, w[:, 0], w[:, 1])
        parts = [window_measures(store.filtered[c, a:b], fs, w[i:j] - a, active_counts=active[i:j],
                                 clipped_counts=clipped[i:j], **kw)
                 for i, j, a, b in _window_batches(w, store.piece)]
        res = channel_fatigue(w, parts, fs, **trend_kw)
        if detection.flat[c]:
            res = dataclasses.replace(res, reason=f"{selection.names[c]} is flat (disconnected or unused)")
        return res

    with ThreadPoolExecutor(max(1, min(n_ch, os.cpu_count() or 1))) as pool:  # FFTs and reductions release the GIL
        out = list(pool.map(one, range(n_ch)))
    short = tuple(_too_short(selection.names[c], r, fs, f.min_span_s) for c, r in enumerate(out))
    if any(short):
        notes.add(f"fatigue slopes from comparable windows spanning less than {f.min_span_s:g} s are reported but not judged "
                  "(no flag or notice; emgkit default): " + ", ".join(n for n, why in zip(selection.names, short) if why)
                  + "; their intervals are too wide to read (see the fatigue table's note)")
    low = {selection.names[c]: int(np.char.startswith(r.excluded, "low activation").sum()) for c, r in enumerate(out)}
    if any(low.values()):
        notes.add(f"fatigue slopes count only windows at >= {f.min_level_fraction * 100:g} % of each channel's contraction level "
                  "(the spectrum shifts with activation level as well as with fatigue); left out as low activation: "
                  + ", ".join(f"{k} {v}" for k, v in low.items() if v) + " window(s)")
    return Fatigue(mode, out, short)


def _too_short(name, res, fs, min_span_s) -> str:
    """Why channel ``name``'s MDF slope is too short to judge, ``""`` when its comparable windows span ``min_span_s``."""
    tr = res.mdf
    if not np.isfinite(tr.pct_per_min) or not res.used.any():
        return ""
    w = res.windows[res.used]
    span = (w[:, 1].max() - w[:, 0].min()) / fs
    if span >= min_span_s:
        return ""
    return (f"{name}: its comparable windows span {span:.1f} s, less than {min_span_s:g} s, so its MDF slope "
            f"({tr.pct_per_min:+.1f} %/min, CI {tr.pct_per_min_low:+.0f} to {tr.pct_per_min_high:+.0f}) is not judged")


def _window_batches(windows, piece):
    """Consecutive runs of windows (sorted by start) spanning at most ``piece`` samples: ``(i, j, a, b)``.

    Each run ends before the first window that stops more than ``piece``
    after the run's first start, sought in chunks of doubling length.
    """
    i, n = 0, len(windows)
    while i < n:
        a = int(windows[i, 0])
        j, m = i + 1, 64
        while j < n:
            over = np.flatnonzero(windows[j: j + m, 1] - a > piece)
            if over.size:
                j += int(over[0])
                break
            j, m = min(j + m, n), 2 * m
        yield i, j, a, int(windows[i:j, 1].max())
        i = j
