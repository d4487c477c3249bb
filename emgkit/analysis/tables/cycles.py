"""Table ``cycles``: candidate repetitions, kept (numbered from 1) or dropped (0) with the reason.

Columns: those of :meth:`emgkit.cycles.Cycles.to_frame`, then ``side`` (``""``
for the cycles shared by every channel; ``"L"``/``"R"`` for a side's own cycles
with per-side cycles, numbered from 1 per side) and ``event`` (the events or
trigger the cycles start at).
"""

from __future__ import annotations


def build(s):
    """The segmentation's candidate cycles: the shared ones, or each side's own (left first) with per-side cycles."""
    import pandas as pd

    seg = s.segments
    if seg.per_side:
        parts = []
        for side in ("L", "R"):
            own = seg.by_side[side]
            table = own.cycles.to_frame()
            table["side"] = pd.Series([side] * len(table), dtype="str")
            table["event"] = pd.Series([own.event] * len(table), dtype="str")
            parts.append(table)
        return pd.concat(parts, ignore_index=True)
    table = seg.cycles.to_frame()
    table["side"] = pd.Series([""] * len(table), dtype="str")
    table["event"] = pd.Series([seg.for_side(None)[2]] * len(table), dtype="str")
    return table
