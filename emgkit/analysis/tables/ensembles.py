"""Table ``ensembles``: time-normalised envelopes (mean and SD over repetitions) of every channel.

With per-side cycles each channel's ensemble is on its own side's cycles
(``cycle_side`` ``"L"``/``"R"``; ``""`` for the shared cycles), so 0 % is the
channel's own side's event and ``n_cycles`` may differ between sides.
"""

from __future__ import annotations

import numpy as np

from ._frame import frame, text

COLUMNS = ["channel", "muscle", "side", "unit", "pct", "mean", "sd", "n_cycles", "cycle_side"]


def build(s):
    """``n_points`` rows per channel, 0-100 % of the repetition, in co-contraction units; empty without repetitions."""
    seg = s.segments
    if not (seg.n_kept or seg.per_side):
        return frame({c: [] for c in COLUMNS}, COLUMNS, ints=("n_cycles",))
    npts = s.cfg.cycles.n_points
    chans = s.selection.channels
    n_ch = len(chans)
    own = [seg.cycle_side(c.side) for c in chans]
    mean, sd = np.full((n_ch, npts), np.nan), np.full((n_ch, npts), np.nan)
    count = np.zeros(n_ch, dtype=np.int64)
    for side in dict.fromkeys(own):
        rows = [k for k, o in enumerate(own) if o == side]
        intervals = seg.cycles_of(side)[0]
        if not (side or seg.n_kept) or not len(intervals):
            continue
        _, m, d = s.norm.ensemble(s.view.fs, intervals, npts)  # every row (a streamed envelope is read by cycle)
        mean[rows], sd[rows], count[rows] = m[rows], d[rows], len(intervals)
    scale = s.norm.cc_scale[:, None]
    row = np.repeat(np.arange(n_ch), npts)  # the channel of every row
    data = {
        "channel": text([c.name for c in chans], row),
        "muscle": text([c.muscle or "" for c in chans], row),
        "side": text([c.side or "" for c in chans], row),
        "unit": text([s.norm.cc_unit], np.zeros(n_ch * npts, dtype=np.int64)),
        "pct": np.tile(np.linspace(0.0, 100.0, npts), n_ch),
        "mean": (mean * scale).reshape(-1),
        "sd": (sd * scale).reshape(-1),
        "n_cycles": np.repeat(count, npts),
        "cycle_side": text(own, row),
    }
    return frame(data, COLUMNS, ints=("n_cycles",))
