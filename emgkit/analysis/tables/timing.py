"""Table ``timing``: onset, offset and duration differences of left/right and agonist/antagonist pairs.

With one rule for every channel, both channels of a pair are timed in the same
(shared) cycles.  With per-side cycles (:attr:`Segments.by_side`), each channel
is timed from its own side's event in its own side's cycles, and the cycles of
the two sides are paired by their typical lag (:func:`emgkit.analysis.segment.pair_cycles`; docs/science.md#per-side-cycles):
a cycle's onset is then the first burst onset at or after its event (activity
already on at the event belongs to the previous cycle), its offset the offset
of the last burst starting in it (which may lie in the next cycle, above 100 %).
Left/right timing is withheld, with the reason in ``flag_reason``, for unilateral
pairs and paired trials (:func:`emgkit.analysis.structure.timing_withheld`).
Agonist/antagonist timing is described (mean, SD, interval), not judged, unless
``flags.agonist_antagonist_timing_ms`` gives a reference for the task: agonist
and antagonist normally fire at different times (:func:`emgkit._rule.timing_flag`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ... import _rule as fd
from ..measure import FRAGMENTED, SNR_GAP_DB, matched_bursts
from ..segment import pair_cycles
from ..structure import timing_withheld
from ._frame import frame

COLUMNS = ["comparison", "side", "muscle", "channel_a", "channel_b", "metric", "mean_ms", "sd_ms", "ci_low_ms",
           "ci_high_ms", "mean_pct_cycle", "n", "n_unpaired", "flag", "flag_reason", "threshold", "source",
           "cycle_reference", "a_ms", "b_ms", "a_pct_cycle", "b_pct_cycle"]


def comparisons(s):
    """``(comparison, side, muscle, channel_a, channel_b)`` of every timing comparison, in table order."""
    chans, sel = s.selection.channels, s.selection
    jobs = [("left_right", "L/R", p.muscle, p.left, p.right) for p in sel.pairing.bilateral]
    jobs += [("agonist_antagonist", p.side or "", f"{chans[sel.index(p.agonist)].muscle} / {chans[sel.index(p.antagonist)].muscle}",
              p.agonist, p.antagonist) for p in sel.pairing.agonist_antagonist]
    return jobs


@dataclass(frozen=True)
class Matched:
    """Matched activity of two channels, cycle by cycle.

    Attributes
    ----------
    rows : ndarray, shape (n, 5)
        ``(onset_a, offset_a, onset_b, offset_b, k)``, s; ``k`` indexes ``intervals_a``.  With per-side cycles,
        b's times are moved by the difference of the paired cycles' starts (so b - a compares own-cycle times).
    unpaired : int
        Cycles with a burst on one channel only.
    intervals_a : ndarray, shape (n_intervals, 2)
        The cycles of ``a`` (s).
    t0_a : ndarray, shape (n,)
        Start (s) of each row's cycle of a (NaN without cycles).
    len_a, len_b : ndarray, shape (n,)
        Length (s) of each row's cycle of a and of b (NaN without cycles).
    reference : str
        Which cycles the times are measured in (the ``cycle_reference`` column).
    withheld : str
        Why the comparison is not made (``""`` when it is).
    """

    rows: np.ndarray
    unpaired: int
    intervals_a: np.ndarray
    t0_a: np.ndarray
    len_a: np.ndarray
    len_b: np.ndarray
    reference: str
    withheld: str = ""

    def deltas_ms(self) -> dict:
        """metric -> differences b - a in ms (onset, offset, duration), one per row."""
        m = self.rows
        return {"onset": (m[:, 2] - m[:, 0]) * 1e3, "offset": (m[:, 3] - m[:, 1]) * 1e3,
                "duration": ((m[:, 3] - m[:, 2]) - (m[:, 1] - m[:, 0])) * 1e3}

    def own_ms(self) -> dict:
        """metric -> (a, b) arrays in ms from each channel's own cycle start (duration: the burst's length)."""
        m = self.rows
        a_on, a_off = (m[:, 0] - self.t0_a) * 1e3, (m[:, 1] - self.t0_a) * 1e3
        b_on, b_off = (m[:, 2] - self.t0_a) * 1e3, (m[:, 3] - self.t0_a) * 1e3  # b already moved onto a's cycle start
        return {"onset": (a_on, b_on), "offset": (a_off, b_off), "duration": (a_off - a_on, b_off - b_on)}


def matched(s, a_name, b_name) -> Matched:
    """The matched activity of channels ``a_name`` and ``b_name`` in the cycles the rule gives them."""
    seg = s.segments
    i, j = s.selection.index(a_name), s.selection.index(b_name)
    chans = s.selection.channels
    sa, sb = chans[i].side, chans[j].side
    why = timing_withheld(s.structure, a_name, b_name) or (seg.fallback if {sa, sb} == {"L", "R"} else "")
    if why:
        none = np.empty((0, 5))
        z = np.empty(0)
        return Matched(none, 0, seg.intervals, z, z, z, _shared_reference(seg), why)
    if not seg.by_side or (sa not in seg.by_side and sb not in seg.by_side):
        m, unpaired = matched_bursts(i, j, s.detection, seg, s.measures)
        ks = m[:, 4].astype(int)
        kept = bool(seg.n_kept)
        t0 = seg.intervals[ks, 0] if kept else np.full(len(m), np.nan)
        length = np.diff(seg.intervals[ks], axis=1)[:, 0] if kept else np.full(len(m), np.nan)
        return Matched(m, unpaired, seg.intervals, t0, length, length, _shared_reference(seg) if kept else "")
    ia, _, ea = seg.for_side(sa)
    ib, _, eb = seg.for_side(sb)
    act = s.detection.activation
    on_a, off_a = own_activity(act.onsets[i], act.offsets[i], ia)
    on_b, off_b = own_activity(act.onsets[j], act.offsets[j], ib)
    pa, pb = pair_cycles(ia[:, 0], ib[:, 0])
    fa, fb = np.isfinite(on_a[pa]), np.isfinite(on_b[pb])
    both = fa & fb
    pa, pb = pa[both], pb[both]
    shift = ia[pa, 0] - ib[pb, 0]
    rows = np.column_stack([on_a[pa], off_a[pa], on_b[pb] + shift, off_b[pb] + shift, pa.astype(np.float64)])
    reference = f"own cycles: {ea!r}" if ea == eb else f"own cycles: {ea!r} / {eb!r}"
    withheld = ""
    for side, ivl in ((sa, ia), (sb, ib)):
        if not len(ivl):
            withheld = f"no complete cycle of the {'left' if side == 'L' else 'right'} side's own events"
    return Matched(rows.reshape(-1, 5), int(np.count_nonzero(fa ^ fb)), ia, ia[pa, 0],
                   np.diff(ia[pa], axis=1)[:, 0], np.diff(ib[pb], axis=1)[:, 0], reference, withheld)


def own_activity(onsets, offsets, intervals):
    """Per cycle, the first burst onset at or after its start and the offset of the last burst starting in it (s).

    Parameters
    ----------
    onsets, offsets : ndarray, shape (n_bursts,)
        One channel's bursts in s, sorted.
    intervals : ndarray, shape (n_cycles, 2)
        Cycles ``[start, stop)`` in s.

    Returns
    -------
    onset, offset : ndarray, shape (n_cycles,)
        NaN for a cycle in which no burst starts (a burst on at the cycle's start belongs to the previous cycle).
    """
    on, off = np.full(len(intervals), np.nan), np.full(len(intervals), np.nan)
    if not len(intervals):
        return on, off
    lo = np.searchsorted(onsets, intervals[:, 0], side="left")
    hi = np.searchsorted(onsets, intervals[:, 1], side="left")
    has = hi > lo
    on[has] = onsets[lo[has]]
    off[has] = offsets[hi[has] - 1]
    return on, off


def _shared_reference(seg) -> str:
    event = seg.for_side(None)[2]
    return f"shared cycles: {event!r}" if event else f"shared cycles: {seg.cycles.source}"


def build(s):
    """Three rows (onset, offset, duration) per comparison; left/right rows judged against ``flags.timing_ms``."""
    conf, flags = s.cfg.analysis.confidence, s.cfg.flags
    names, det = s.selection.names, s.detection
    kept = s.segments.n_kept
    rows = []
    for comparison, side, muscle, a_name, b_name in comparisons(s):
        i, j = s.selection.index(a_name), s.selection.index(b_name)
        mt = matched(s, a_name, b_name)
        d_all, own = mt.deltas_ms(), mt.own_ms()
        unpaired = mt.unpaired
        caveat = _caveat(s, i, j, a_name, b_name)
        for metric, d in d_all.items():
            n, mean, sd, lo, hi = fd.stats(d, conf)
            a_ms, b_ms = own[metric]
            a_pct, b_pct = a_ms / 1e3 / mt.len_a * 100, b_ms / 1e3 / mt.len_b * 100
            timed = bool(kept or s.segments.by_side) and len(d) > 0
            pct = float(np.mean(b_pct - a_pct)) if timed else math.nan
            extra = dict(cycle_reference=mt.reference, a_ms=_mean(a_ms) if timed else math.nan,
                         b_ms=_mean(b_ms) if timed else math.nan, a_pct_cycle=_mean(a_pct) if timed else math.nan,
                         b_pct_cycle=_mean(b_pct) if timed else math.nan)
            if n == 0:  # a withheld comparison has no matched rows
                if mt.withheld:
                    reason = f"not compared: {mt.withheld}"
                elif not (det.silent[i] or det.silent[j]):
                    reason = "no burst detected on both channels"
                else:
                    reason = f"{names[i] if det.silent[i] else names[j]} has no bursts: unpaired, never 0"
                _, _, threshold, source = fd.timing_flag(0, math.nan, math.nan, math.nan, flags, comparison)
                flag = ""
            else:
                flag, reason, threshold, source = fd.timing_flag(n, mean, lo, hi, flags, comparison)
                if caveat and flag == fd.FLAG:
                    flag = fd.NOTICE
                if caveat:
                    reason += f"; {caveat}; the detected timing is uncertain"
            rows.append(dict(comparison=comparison, side=side, muscle=muscle, channel_a=a_name, channel_b=b_name, metric=metric,
                             mean_ms=mean, sd_ms=sd, ci_low_ms=lo, ci_high_ms=hi, mean_pct_cycle=pct, n=n, n_unpaired=unpaired,
                             flag=flag, flag_reason=reason, threshold=threshold, source=source, **extra))
    return frame(rows, COLUMNS, ints=("n", "n_unpaired"))


def _mean(x) -> float:
    x = np.asarray(x, dtype=np.float64)
    x = x[np.isfinite(x)]
    return float(x.mean()) if x.size else math.nan


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
