"""Table ``channels``: every channel's kind and role, bursts, clipping, mains hum, noise, activity and normalisation reference."""

from __future__ import annotations

import math

import numpy as np

from ..activity import activity
from ..normalise import env_max
from ._frame import frame

COLUMNS = ["channel", "muscle", "side", "kind", "role", "n_bursts", "active_s", "activation_reason", "clipped_pct", "flat",
           "powerline_share", "powerline_hz", "notch_hz", "line_share", "lines_notched_hz", "baseline_noise", "noise_rms", "activity", "unit", "reference",
           "reference_source", "max_normalized", "normalized_unit"]


def build(s):
    """Analysed channels first, then the channels left out (excluded, trigger, not EMG, dead, hum) with the reason.

    ``powerline_share`` is measured before any hum notch (``notch_hz``: the
    mains line notched with its harmonics, 0 when none); ``line_share`` is
    the share of narrow lines at other frequencies, ``lines_notched_hz`` those
    notched (:mod:`emgkit.analysis.hum`); ``noise_rms`` is the
    band-passed RMS of the channel's noise floor; ``activity`` is
    ``"active"`` or ``"no activity (...)"`` (:mod:`emgkit.analysis.activity`).
    """
    q, act, norm = s.detection.quality, s.detection.activation, s.norm
    top = env_max(norm.env) * norm.cc_scale
    unit = s.view.unit
    gate = activity(s)
    nf = norm.noise
    line = float(q.attrs.get("powerline_hz") or math.nan)
    rows = []
    for c, ch in enumerate(s.selection.channels):
        share = float(s.hum.share[c]) if s.hum is not None else float(q["powerline_share"].iloc[c])
        rows.append(dict(
            channel=ch.name, muscle=ch.muscle or "", side=ch.side or "", kind="emg", role="emg", n_bursts=len(act.onsets[c]),
            active_s=float(np.sum(act.offsets[c] - act.onsets[c])), activation_reason=act.reason[c] or "",
            clipped_pct=100.0 * float(q["clipped_fraction"].iloc[c]), flat=bool(s.detection.flat[c]),
            powerline_share=share, powerline_hz=line, notch_hz=s.cfg.filters.notch_hz or s.band.notched(c),
            line_share=float(s.hum.line_share[c]) if s.hum is not None else math.nan,
            lines_notched_hz=", ".join(f"{f:.1f}" for f in s.band.lines(c)),
            baseline_noise=float(q["baseline_noise"].iloc[c]),
            noise_rms=float(nf.noise_rms[c]) if nf is not None else math.nan, activity=gate.label(c), unit=unit,
            reference=float(norm.ref[c]),
            reference_source=norm.ref_source[c], max_normalized=float(top[c]), normalized_unit=norm.cc_unit,
        ))
    rows += left_out_rows(s.selection, s.view, unit, s.hum)
    return frame(rows, COLUMNS, ints=("n_bursts",), bools=("flat",))


def left_out_rows(selection, view, unit, hum=None):
    """Rows of the channels left out, with their kind and the reason (also when no channel is usable)."""
    rows = []
    for name, why in selection.excluded.items():
        ch = view.channels[view.index(name)]
        kind = selection.kinds.get(name)
        share, line = hum.of(name) if hum is not None else (math.nan, math.nan)
        role = selection.role(name)
        rows.append(dict(channel=name, muscle=ch.muscle or "", side=ch.side or "", kind=kind.kind if kind else "",
                         role=role, n_bursts=0, active_s=math.nan, activation_reason=why, clipped_pct=math.nan,
                         flat=role == "dead", powerline_share=share, powerline_hz=line, notch_hz=0.0,
                         line_share=float(hum.line_share[hum.names.index(name)]) if hum is not None and name in hum.names
                         else math.nan, lines_notched_hz="",
                         baseline_noise=math.nan, noise_rms=math.nan, activity="", unit=unit, reference=math.nan,
                         reference_source="", max_normalized=math.nan, normalized_unit=""))
    return rows
