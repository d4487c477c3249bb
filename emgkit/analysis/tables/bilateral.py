"""Table ``bilateral``: left vs right per muscle and amplitude metric, and the MDF slopes of both sides."""

from __future__ import annotations

import math

import numpy as np

from ... import _rule as fd
from ...symmetry import limb_symmetry_index, symmetry_angle, symmetry_index, undefined_reason
from ..activity import activity
from ..detect import CLIP_TOLERANCE
from ..measure import burst_values
from ..structure import BURST_MATCHED, unilateral_reason
from ._frame import frame

COLUMNS = ["muscle", "metric", "unit", "left_channel", "right_channel", "left", "right", "difference", "ratio",
           "symmetry_index", "symmetry_angle", "si_mean", "si_sd", "si_ci_low", "si_ci_high", "n_reps", "lsi",
           "normalization", "flag", "flag_reason", "threshold", "source", "note", "task_structure"]


def si_reps(s, pair, metric):
    """Per-repetition SI of one pair and metric over its usable repetitions: (usable mask, left, right, SI).

    The repetitions are those of :func:`rep_pairs` (``usable`` is over them): the shared cycles one by one,
    or, with per-side cycles, each side's own cycles paired by their typical lag.
    """
    i, j = s.selection.index(pair.left), s.selection.index(pair.right)
    ki, kj, ri, rj = rep_pairs(s, i, j)
    usable = ri.usable(i)[ki] & rj.usable(j)[kj]
    left, right = ri.values[metric][i, ki[usable]], rj.values[metric][j, kj[usable]]
    return usable, left, right, fd.per_rep_si(left, right)


def rep_pairs(s, i, j):
    """The repetitions left channel ``i`` and right channel ``j`` are compared on: ``(ki, kj, reps_i, reps_j)``.

    ``ki``/``kj`` index the cycles of ``reps_i``/``reps_j`` (:meth:`emgkit.analysis.measure.Measures.reps_of`),
    pair by pair (:meth:`emgkit.analysis.measure.Measures.paired`).
    """
    ms = s.measures
    ki, kj = ms.paired(i, j)
    return ki, kj, ms.reps_of(i), ms.reps_of(j)


def _own_cycles(s, i, j) -> tuple:
    """``(note, reason)`` of a pair measured on each side's own cycles (``("", "")`` on shared cycles)."""
    ki, _, ri, rj = rep_pairs(s, i, j)
    if not (ri.key and rj.key and ri.key != rj.key):
        return "", ""
    seg = s.segments
    ea, eb = seg.for_side(ri.key)[2], seg.for_side(rj.key)[2]
    note = (f"each side on its own cycles ({ea!r}: {len(ri.intervals)}, {eb!r}: {len(rj.intervals)}), "
            f"paired by their typical lag: {ki.size} pair{'s' * (ki.size != 1)}")
    empty = [x for x, r in (("left", ri), ("right", rj)) if not len(r.intervals)]
    return note, (f"no complete cycle of the {empty[0]} side's own events" if empty else "")


def burst_reps(s, i, j, metric, cache):
    """Burst-matched values of one pair and metric: (usable mask, left, right, SI) over burst pairs in order.

    Each side's own bursts (:func:`emgkit.analysis.measure.burst_values`), never one side's contraction
    with the other side's rest: ``left``/``right`` hold every unclipped burst of that side, the SI the
    k-th left burst against the k-th right burst (the k-th repetition of an alternating task).
    """
    for c in (i, j):
        if c not in cache:
            cache[c] = burst_values(c, s.detection, s.norm, s.store, s.view.fs)
    left, right = (cache[c][metric][~(cache[c]["clipped"] > CLIP_TOLERANCE)] for c in (i, j))
    k = min(left.size, right.size)
    return np.ones(k, dtype=bool), left, right, fd.per_rep_si(left[:k], right[:k])


def build(s):
    """One row per bilateral pair and amplitude metric, then one for the MDF slopes.

    The pair's task structure (:mod:`emgkit.analysis.structure`) decides what is compared: repetition by
    repetition (simultaneous, mixed), each side's own bursts (alternating, paired trials), or nothing
    (unilateral: one side at rest, stated or found from the bursts).  With per-side cycles (side-specific events) the repetitions
    are each side's own cycles, paired by their typical lag (:func:`rep_pairs`), alternating pairs included:
    a side's own cycle holds its own contraction, never the other side's rest.
    """
    cfg, norm = s.cfg, s.norm
    conf, flags, involved = cfg.analysis.confidence, cfg.flags, cfg.analysis.involved_side
    norm_text = {"mvc": "MVC", "raw": "none (indicative only)",
                 "refused": f"task {norm.cc_mode} per channel (amplitude SI refused)"}[norm.amp_mode]
    rows = []
    act = activity(s)
    cache = {}
    for p in s.selection.pairing.bilateral:
        i, j = s.selection.index(p.left), s.selection.index(p.right)
        gate = act.pair_gate(s.selection.names, i, j)
        ts = s.structure.of(p.left, p.right) if s.structure is not None else None
        used = ts.used if ts is not None else ""
        own_note, no_cycles = _own_cycles(s, i, j)
        matched = used in BURST_MATCHED and not own_note  # each side's own cycles already hold only its own contractions
        quiet = _within_noise(s, act, p, i, j) if not gate and not matched else ""
        for metric in cfg.analysis.amplitude_metrics:
            if matched:
                usable, L, R, si_per_rep = burst_reps(s, i, j, metric, cache)
            else:
                usable, L, R, si_per_rep = si_reps(s, p, metric)
            note = []
            if matched:
                note.append(f"{used}: each side's own bursts ({L.size} left, {R.size} right; SI per burst pair in order)")
            if own_note:
                note.append(f"{used}: {own_note}" if used in BURST_MATCHED else own_note)
            if norm.amp_mode == "raw":
                note.append("indicative only: not normalized")
            dropped = int((~usable).sum())
            if dropped:
                note.append(f"{dropped} of {len(usable)} repetitions left out (clipped)")
            _, lm, *_ = fd.stats(L, conf)
            _, rm, *_ = fd.stats(R, conf)
            n, si_mean, si_sd, si_lo, si_hi, clipped = fd.si_stats(si_per_rep, conf)
            if clipped:
                note.append(f"the {conf * 100:g} % interval of the SI was clipped to -200..200 % (a repetition with one side at 0 "
                            "has no log ratio)")
            if matched:
                base = _undefined_si(s, i, j, np.ones(1, dtype=bool)) or (
                    "" if L.size and R.size else f"{used}: no unclipped burst on the {'right' if L.size else 'left'} side")
            else:
                base = no_cycles or _undefined_si(s, i, j, usable)
            undefined = base or gate
            if undefined:
                si = sa = math.nan
            else:
                si, sa, undefined = symmetry_index(lm, rm), symmetry_angle(lm, rm), undefined_reason(lm, rm)
            flag, reason, threshold, source = fd.si_flag(si, si_sd, n, flags, undefined)
            if gate:
                flag, reason = fd.NA, f"{gate}; {base}" if base else gate
            elif used == "unilateral":
                si = sa = si_mean = si_sd = si_lo = si_hi = math.nan
                flag, reason = fd.NA, unilateral_reason(s.structure, ts)
            elif quiet and flag in (fd.FLAG, fd.NOTICE):
                flag, reason = fd.OK, f"{reason}, but {quiet}"
            lsi = math.nan
            if involved is not None and math.isfinite(lm) and math.isfinite(rm):
                lsi = limb_symmetry_index(lm, rm) if involved == "L" else limb_symmetry_index(rm, lm)
            if math.isfinite(lsi) and lsi < flags.lsi_min_pct:
                note.append(f"LSI {lsi:.0f} % < {flags.lsi_min_pct:g} % ({flags.lsi_source})")
            rows.append(dict(
                muscle=p.muscle, metric=metric, unit=s.measures.units[metric], left_channel=p.left, right_channel=p.right,
                left=lm, right=rm, difference=rm - lm, ratio=rm / lm if lm else math.nan, symmetry_index=si,
                symmetry_angle=sa, si_mean=si_mean, si_sd=si_sd, si_ci_low=si_lo, si_ci_high=si_hi, n_reps=n, lsi=lsi,
                normalization=norm_text, flag=flag, flag_reason=reason, threshold=threshold, source=source,
                note="; ".join(note), task_structure=used,
            ))
        rows.append(_slope_row(s, p, i, j, gate or (unilateral_reason(s.structure, ts) if used == "unilateral" else ""), used))
    return frame(rows, COLUMNS, ints=("n_reps",))


def _within_noise(s, act, p, i, j) -> str:
    """Why the pair's left/right difference of mean activity is within the noise ('' when it is not)."""
    if "mean" not in s.measures.values:
        return ""
    usable, left, right, _ = si_reps(s, p, "mean")
    lm = float(np.nanmean(left)) if np.isfinite(left).any() else math.nan
    rm = float(np.nanmean(right)) if np.isfinite(right).any() else math.nan
    return act.within_noise(i, j, lm, rm, float(s.norm.amp_scale[i]), float(s.norm.amp_scale[j]))


def _undefined_si(s, i, j, usable):
    det, names = s.detection, s.selection.names
    if s.norm.amp_mode == "refused":
        return f"not computed: each channel is normalized to its own task {s.norm.cc_mode}, which erases left/right amplitude differences"
    for c in (i, j):
        if det.flat[c]:
            return f"{names[c]} is flat (disconnected or unused)"
    if not usable.any():
        return "every repetition is clipped on one side: amplitudes are biased"
    return ""


def why_silent(s, c):
    """Why channel ``c`` has no bursts, in a few words."""
    why = s.detection.activation.reason[c] or "no activity"
    return f"{s.selection.names[c]}: {why.split(':')[0]}"


def _slope_row(s, p, i, j, gate="", used=""):
    flags = s.cfg.flags
    res = s.fatigue.channels
    left, right = res[i].mdf, res[j].mdf
    diff, lo, hi = fd.slope_difference(left, right, 1 - flags.fatigue_alpha)
    flag, reason, threshold, source = fd.fatigue_flag(diff, lo, hi, flags)
    short = s.fatigue.too_short(i, j) if math.isfinite(diff) else ""  # slopes from too short a span of comparable windows: reported, not judged
    if gate or short:
        flag, reason = fd.NA, gate or f"not judged: {short}"
    if not gate and not short and (not math.isfinite(left.pct_per_min) or not math.isfinite(right.pct_per_min)):
        reason = "; ".join(x for x in (res[i].reason, res[j].reason) if x) or reason
    same_sign = left.pct_per_min * right.pct_per_min > 0
    return dict(
        muscle=p.muscle, metric="mdf_slope_pct_per_min", unit="%/min", left_channel=p.left, right_channel=p.right,
        left=left.pct_per_min, right=right.pct_per_min, difference=diff,
        ratio=right.pct_per_min / left.pct_per_min if left.pct_per_min else math.nan,
        symmetry_index=symmetry_index(left.pct_per_min, right.pct_per_min) if same_sign else math.nan,
        symmetry_angle=symmetry_angle(left.pct_per_min, right.pct_per_min),
        si_mean=math.nan, si_sd=math.nan, si_ci_low=lo, si_ci_high=hi, n_reps=min(left.n, right.n), lsi=math.nan,
        normalization="none needed (spectral)", flag=flag, flag_reason=reason, threshold=threshold, source=source,
        note="si_ci_low/si_ci_high hold the CI of the slope difference (right - left); the SI of slopes is given only when "
        "both have the same sign (it is unstable near 0): read the difference", task_structure=used,
    )
