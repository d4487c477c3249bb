"""Table ``channels``: every channel's role, bursts, clipping, noise and normalisation reference."""

from __future__ import annotations

import math

import numpy as np

from ..._chunks import row_max
from ._frame import frame

COLUMNS = ["channel", "muscle", "side", "role", "n_bursts", "active_s", "activation_reason", "clipped_pct", "flat",
           "baseline_noise", "unit", "reference", "reference_source", "max_normalized", "normalized_unit"]


def build(s):
    """Analysed channels first, then excluded and trigger channels."""
    q, act, norm = s.detection.quality, s.detection.activation, s.norm
    top = row_max(norm.env) * norm.cc_scale
    unit = s.view.unit
    rows = []
    for c, ch in enumerate(s.selection.channels):
        rows.append(dict(
            channel=ch.name, muscle=ch.muscle or "", side=ch.side or "", role="emg", n_bursts=len(act.onsets[c]),
            active_s=float(np.sum(act.offsets[c] - act.onsets[c])), activation_reason=act.reason[c] or "",
            clipped_pct=100.0 * float(q["clipped_fraction"].iloc[c]), flat=bool(s.detection.flat[c]),
            baseline_noise=float(q["baseline_noise"].iloc[c]), unit=unit, reference=float(norm.ref[c]),
            reference_source=norm.ref_source[c], max_normalized=float(top[c]), normalized_unit=norm.cc_unit,
        ))
    for name, why in s.selection.excluded.items():
        ch = s.view.channels[s.view.index(name)]
        rows.append(dict(channel=name, muscle=ch.muscle or "", side=ch.side or "", role=s.selection.role(name),
                         n_bursts=0, active_s=math.nan, activation_reason=why, clipped_pct=math.nan, flat=False,
                         baseline_noise=math.nan, unit=unit, reference=math.nan, reference_source="",
                         max_normalized=math.nan, normalized_unit=""))
    return frame(rows, COLUMNS, ints=("n_bursts",), bools=("flat",))
