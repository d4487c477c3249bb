"""Table ``fatigue_windows``: every analysis window of every channel, with its spectral values and why it was left out.

``level_pct`` is the window's RMS in % of its channel's contraction level
(:attr:`emgkit.fatigue.ChannelFatigue.contraction_rms`): windows below
``fatigue.min_level_fraction`` of it are left out as "low activation".
"""

from __future__ import annotations

import numpy as np

from ._frame import frame, text

COLUMNS = ["channel", "window", "start_s", "stop_s", "time_s", "mdf_hz", "mnf_hz", "rms", "finsm5",
           "active_fraction", "level_pct", "used", "excluded"]


def build(s):
    """One row per window, channel by channel (columns built whole, not row by row)."""
    import pandas as pd

    fs = s.view.fs
    res = s.fatigue.channels
    n = [len(r.times_s) for r in res]

    def cat(get, dtype=np.float64):
        return np.concatenate([np.asarray(get(r), dtype=dtype) for r in res]) if res else np.empty(0, dtype=dtype)

    data = {
        "channel": text(s.selection.names, np.repeat(np.arange(len(n)), n)),
        "window": np.concatenate([np.arange(1, k + 1) for k in n]) if res else np.empty(0, np.int64),
        "start_s": cat(lambda r: r.windows[:, 0].reshape(-1)) / fs,
        "stop_s": cat(lambda r: r.windows[:, 1].reshape(-1)) / fs,
        "time_s": cat(lambda r: r.times_s),
        "mdf_hz": cat(lambda r: r.mdf_hz),
        "mnf_hz": cat(lambda r: r.mnf_hz),
        "rms": cat(lambda r: r.rms),
        "finsm5": cat(lambda r: r.finsm5),
        "active_fraction": cat(lambda r: r.active_fraction),
        "level_pct": cat(lambda r: r.rms / r.contraction_rms * 100.0 if r.contraction_rms > 0 else np.full(len(r.rms), np.nan)),
        "used": cat(lambda r: r.used, bool),
        "excluded": pd.array(cat(lambda r: r.excluded, object), dtype="str"),
    }
    return frame(data, COLUMNS, ints=("window",), bools=("used",))
