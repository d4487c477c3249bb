"""Table ``fatigue``: per channel, the windows used (and why others were not) and the MDF, MNF, RMS and FInsm5 trends."""

from __future__ import annotations

import numpy as np

from ._frame import frame

COLUMNS = ["channel", "muscle", "side", "mode", "n_windows", "n_used", "mdf_initial_hz", "mdf_slope_hz_per_s",
           "mdf_slope_ci_low", "mdf_slope_ci_high", "mdf_slope_pct_per_min", "mdf_pct_ci_low", "mdf_pct_ci_high",
           "mdf_r2", "mnf_initial_hz", "mnf_slope_hz_per_s", "mnf_slope_pct_per_min", "mnf_pct_ci_low",
           "mnf_pct_ci_high", "rms_initial", "rms_slope_per_s", "rms_slope_pct_per_min", "rms_unit",
           "finsm5_change_pct", "finsm5_slope_pct_per_min", "reason", "n_not_active", "n_clipped", "n_low_level",
           "contraction_rms", "note"]


def build(s):
    """One row per analysed channel."""
    rows = []
    for c, (ch, r) in enumerate(zip(s.selection.channels, s.fatigue.channels)):
        rows.append(dict(
            channel=ch.name, muscle=ch.muscle or "", side=ch.side or "", mode=s.fatigue.mode, n_windows=len(r.times_s),
            n_used=int(r.used.sum()), mdf_initial_hz=r.mdf.intercept, mdf_slope_hz_per_s=r.mdf.slope,
            mdf_slope_ci_low=r.mdf.slope_low, mdf_slope_ci_high=r.mdf.slope_high, mdf_slope_pct_per_min=r.mdf.pct_per_min,
            mdf_pct_ci_low=r.mdf.pct_per_min_low, mdf_pct_ci_high=r.mdf.pct_per_min_high, mdf_r2=r.mdf.r2,
            mnf_initial_hz=r.mnf.intercept, mnf_slope_hz_per_s=r.mnf.slope, mnf_slope_pct_per_min=r.mnf.pct_per_min,
            mnf_pct_ci_low=r.mnf.pct_per_min_low, mnf_pct_ci_high=r.mnf.pct_per_min_high,
            rms_initial=r.rms_trend.intercept, rms_slope_per_s=r.rms_trend.slope, rms_slope_pct_per_min=r.rms_trend.pct_per_min,
            rms_unit=s.view.unit, finsm5_change_pct=r.finsm5_change_pct, finsm5_slope_pct_per_min=r.finsm5_trend.pct_per_min,
            reason=r.reason, **_left_out(r, s.fatigue.too_short(c)),
        ))
    return frame(rows, COLUMNS, ints=("n_windows", "n_used", "n_not_active", "n_clipped", "n_low_level"))


def _left_out(r, short="") -> dict:
    """Windows left out by kind, the contraction level and one sentence saying which windows count and why.

    ``short`` (:meth:`emgkit.analysis.spectra.Fatigue.too_short`) is added when
    the slope spans too little time to be judged.
    """
    excluded = np.asarray(r.excluded, dtype=str)
    n = {k: int(np.count_nonzero((excluded == k) | np.char.startswith(excluded, k + " ("))) for k in
         ("not active", "clipped", "low activation")}
    other = int(np.count_nonzero(~r.used)) - sum(n.values())
    parts = [f"{v} {k}" for k, v in n.items() if v] + ([f"{other} other (short or without band power)"] if other else [])
    note = f"{int(r.used.sum())} of {len(r.used)} windows used"
    if parts:
        note += f"; left out: {', '.join(parts)}"
    if r.level_fraction > 0:
        note += (f"; only windows in sustained activity at >= {r.level_fraction * 100:g} % of the contraction level count, since "
                 "the spectrum shifts with activation level as well as with fatigue")
    if short:
        note += "; " + short.split(": ", 1)[-1] + " (fatigue.min_span_s)"
    return dict(n_not_active=n["not active"], n_clipped=n["clipped"], n_low_level=n["low activation"],
                contraction_rms=r.contraction_rms, note=note)
