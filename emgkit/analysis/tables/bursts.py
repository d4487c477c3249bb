"""Table ``bursts``: every detected burst, with the repetition its midpoint falls in (0: none)."""

from __future__ import annotations

import numpy as np

from ._frame import tidy


def build(s):
    """:meth:`emgkit.Activation.to_frame` with a ``cycle`` column."""
    table = s.detection.activation.to_frame()
    mid = 0.5 * (table["onset_s"].to_numpy(float) + table["offset_s"].to_numpy(float))
    cycle = np.zeros(len(table), dtype=np.int64)
    if s.segments.n_kept:
        for k, (a, b) in enumerate(s.segments.intervals):
            cycle[(mid >= a) & (mid < b)] = k + 1
    table.insert(4, "cycle", cycle)
    table.attrs = {}
    return tidy(table)
