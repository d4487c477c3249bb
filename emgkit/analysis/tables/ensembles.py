"""Table ``ensembles``: time-normalised envelopes (mean and SD over repetitions) of every channel."""

from __future__ import annotations

import numpy as np

from ._frame import frame

COLUMNS = ["channel", "muscle", "side", "unit", "pct", "mean", "sd", "n_cycles"]


def build(s):
    """``n_points`` rows per channel, 0-100 % of the repetition, in co-contraction units; empty without repetitions."""
    from ...cycles import ensemble

    if not s.segments.n_kept:
        return frame({c: [] for c in COLUMNS}, COLUMNS, ints=("n_cycles",))
    npts = s.cfg.cycles.n_points
    _, mean, sd = ensemble(s.norm.env, s.view.fs, s.segments.intervals, npts)
    scale = s.norm.cc_scale[:, None]
    chans = s.selection.channels
    n_ch = len(chans)
    data = {
        "channel": [c.name for c in chans for _ in range(npts)],
        "muscle": [c.muscle or "" for c in chans for _ in range(npts)],
        "side": [c.side or "" for c in chans for _ in range(npts)],
        "unit": [s.norm.cc_unit] * (n_ch * npts),
        "pct": np.tile(np.linspace(0.0, 100.0, npts), n_ch),
        "mean": (mean * scale).reshape(-1),
        "sd": (sd * scale).reshape(-1),
        "n_cycles": np.full(n_ch * npts, s.segments.n_kept),
    }
    return frame(data, COLUMNS, ints=("n_cycles",))
