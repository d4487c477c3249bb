"""Stage 7: spectral fatigue measures (MDF/MNF, RMS, FInsm5) per analysis window and their trends per channel."""

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
    """

    mode: str
    channels: list


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
    from ..cycles import ensemble
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
        _, mean_curve, _ = ensemble(norm.env, fs, segments.intervals, cfg.cycles.n_points)
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
    low = {selection.names[c]: int(sum(e.startswith("low activation") for e in r.excluded)) for c, r in enumerate(out)}
    if any(low.values()):
        notes.add(f"fatigue slopes count only windows at >= {f.min_level_fraction * 100:g} % of each channel's contraction level "
                  "(the spectrum shifts with activation level as well as with fatigue); left out as low activation: "
                  + ", ".join(f"{k} {v}" for k, v in low.items() if v) + " window(s)")
    return Fatigue(mode, out)


def _window_batches(windows, piece):
    """Consecutive runs of windows (sorted by start) spanning at most ``piece`` samples: ``(i, j, a, b)``."""
    i, n = 0, len(windows)
    while i < n:
        a = int(windows[i, 0])
        j = i + 1
        while j < n and windows[j, 1] - a <= piece:
            j += 1
        yield i, j, a, int(windows[i:j, 1].max())
        i = j
