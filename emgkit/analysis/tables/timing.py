"""Table ``timing``: onset, offset and duration differences of left/right and agonist/antagonist pairs."""

from __future__ import annotations

import math

import numpy as np

from ... import _findings as fd
from ..measure import FRAGMENTED, SNR_GAP_DB, matched_bursts
from ._frame import frame

COLUMNS = ["comparison", "side", "muscle", "channel_a", "channel_b", "metric", "mean_ms", "sd_ms", "ci_low_ms",
           "ci_high_ms", "mean_pct_cycle", "n", "n_unpaired", "flag", "flag_reason", "threshold", "source"]


def comparisons(s):
    """``(comparison, side, muscle, channel_a, channel_b)`` of every timing comparison, in table order."""
    chans, sel = s.selection.channels, s.selection
    jobs = [("left_right", "L/R", p.muscle, p.left, p.right) for p in sel.pairing.bilateral]
    jobs += [("agonist_antagonist", p.side or "", f"{chans[sel.index(p.agonist)].muscle} / {chans[sel.index(p.antagonist)].muscle}",
              p.agonist, p.antagonist) for p in sel.pairing.agonist_antagonist]
    return jobs


def deltas(s, a_name, b_name):
    """Differences b - a in ms of matched bursts: dict metric -> array, the matched rows and the unpaired count."""
    i, j = s.selection.index(a_name), s.selection.index(b_name)
    m, unpaired = matched_bursts(i, j, s.detection, s.segments, s.measures)
    d = {"onset": (m[:, 2] - m[:, 0]) * 1e3, "offset": (m[:, 3] - m[:, 1]) * 1e3,
         "duration": ((m[:, 3] - m[:, 2]) - (m[:, 1] - m[:, 0])) * 1e3}
    return d, m, unpaired


def build(s):
    """Three rows (onset, offset, duration) per comparison, flagged against the timing threshold."""
    conf, flags = s.cfg.analysis.confidence, s.cfg.flags
    names, det = s.selection.names, s.detection
    kept = s.segments.n_kept
    rows = []
    for comparison, side, muscle, a_name, b_name in comparisons(s):
        i, j = s.selection.index(a_name), s.selection.index(b_name)
        d_all, m, unpaired = deltas(s, a_name, b_name)
        caveat = _caveat(s, i, j, a_name, b_name)
        cycle_len = np.diff(s.segments.intervals[m[:, 4].astype(int)], axis=1)[:, 0] if len(m) else np.empty(0)
        for metric, d in d_all.items():
            n, mean, sd, lo, hi = fd.stats(d, conf)
            pct = float(np.mean(d / 1e3 / cycle_len * 100)) if kept and len(d) else math.nan
            if n == 0:
                reason = "no burst detected on both channels" if not (det.silent[i] or det.silent[j]) else (
                    f"{names[i] if det.silent[i] else names[j]} has no bursts: unpaired, never 0")
                flag, threshold, source = "", fd.timing_flag(0, math.nan, math.nan, math.nan, flags)[2], flags.timing_source
            else:
                flag, reason, threshold, source = fd.timing_flag(n, mean, lo, hi, flags)
                if caveat and flag == fd.FLAG:
                    flag = fd.NOTICE
                if caveat:
                    reason += f"; {caveat}; the detected timing is uncertain"
            rows.append(dict(comparison=comparison, side=side, muscle=muscle, channel_a=a_name, channel_b=b_name, metric=metric,
                             mean_ms=mean, sd_ms=sd, ci_low_ms=lo, ci_high_ms=hi, mean_pct_cycle=pct, n=n, n_unpaired=unpaired,
                             flag=flag, flag_reason=reason, threshold=threshold, source=source))
    return frame(rows, COLUMNS, ints=("n", "n_unpaired"))


def _caveat(s, i, j, a_name, b_name) -> str:
    """Why detected timing may be biased: fragmented bursts, or bursts of very different SNR."""
    names, ms = s.selection.names, s.measures
    frag = ""
    if s.segments.n_kept:
        per = {x: ms.burst_count[x][ms.burst_count[x] > 0] for x in (i, j)}
        frag = ", ".join(f"{names[x]} breaks into {per[x].mean():.1f} bursts per repetition"
                         for x in (i, j) if per[x].size and per[x].mean() > FRAGMENTED)
    snr = ms.snr_db
    if math.isfinite(snr[i]) and math.isfinite(snr[j]) and abs(snr[i] - snr[j]) > SNR_GAP_DB:
        bias = (f"burst SNR {snr[i]:.0f} dB on {a_name} vs {snr[j]:.0f} dB on {b_name}: threshold detectors place the "
                "onsets of weaker bursts later and their offsets earlier, so part of this difference may be detection bias")
        frag = f"{frag}; {bias}" if frag else bias
    return frag
