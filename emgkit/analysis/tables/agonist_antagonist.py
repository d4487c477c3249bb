"""Table ``agonist_antagonist``: co-contraction of each agonist/antagonist pair, and its left/right comparison."""

from __future__ import annotations

import math

from ... import _rule as fd
from ...symmetry import symmetry_index
from ..activity import activity
from ._frame import frame
from .bilateral import why_silent

COLUMNS = ["side", "agonist", "antagonist", "agonist_muscle", "antagonist_muscle", "joint", "action", "unit", "cci_falconer",
           "cci_falconer_sd", "cci_falconer_ci_low", "cci_falconer_ci_high", "cci_rudolph", "cci_rudolph_sd", "common_area",
           "ratio", "antagonist_share", "overlap_pct", "n_reps", "cci_left", "cci_right", "cci_side_si",
           "cci_side_si_ci_low", "cci_side_si_ci_high",
           "agonist_mdf_slope_pct_per_min", "antagonist_mdf_slope_pct_per_min", "normalization", "flag", "flag_reason",
           "threshold", "source", "note"]


def undefined_reason(s, i, j, usable, act=None) -> str:
    """Why co-contraction of channels ``i`` and ``j`` is not computed ('' when it is)."""
    det, names = s.detection, s.selection.names
    if det.flat[i] or det.flat[j]:
        return f"{names[i] if det.flat[i] else names[j]} is flat (disconnected or unused)"
    if det.silent[i] and det.silent[j]:
        return f"not compared: no activity (no bursts in either muscle: {why_silent(s, i)}; {why_silent(s, j)})"
    act = act or activity(s)
    gate = act.pair_gate(names, i, j)
    if gate:
        return gate
    quiet = [c for c in (j, i) if act.at_floor[c]]
    if quiet:
        c = quiet[0]
        return (f"co-contraction not measurable: {names[c]} is at its noise floor ({act.why[c]}), so it does not work beside "
                "the other muscle (negligible co-contraction); no index is computed from noise")
    if not usable.any():
        return "every repetition is clipped on one of the muscles"
    return ""


def bounded_interval(low, high, lo, hi):
    """A t-interval ``(low, high)`` clipped to an index's range ``[lo, hi]``, and whether it was clipped.

    Examples
    --------
    >>> bounded_interval(80.0, 114.0, 0.0, 100.0)
    (80.0, 100.0, True)
    """
    if not (math.isfinite(low) and math.isfinite(high)):
        return low, high, False
    a, b = min(max(low, lo), hi), min(max(high, lo), hi)
    return a, b, (a, b) != (low, high)


def build(s):
    """One row per side and pair; pairs found on both sides are compared (SI and flag on both rows)."""
    conf, flags, norm = s.cfg.analysis.confidence, s.cfg.flags, s.norm
    chans = s.selection.channels
    norm_text = {"mvc": "MVC", "peak": "agonist's task peak (common reference of both muscles)",
                 "mean": "agonist's task mean (common reference of both muscles)"}[norm.cc_mode]
    rows, per_rep = [], {}
    act = activity(s)
    for p in s.selection.pairing.agonist_antagonist:
        i, j = s.selection.index(p.agonist), s.selection.index(p.antagonist)
        cc = s.measures.cocontraction[(p.side, p.agonist, p.antagonist)]
        usable = cc["usable"]
        reason = undefined_reason(s, i, j, usable, act)
        metrics = {m: v if not reason else v * math.nan for m, v in cc.items() if m != "usable"}
        per_rep[(p.side, p.agonist, p.antagonist)] = metrics["cci_falconer"]
        n, f_mean, f_sd, f_lo, f_hi = fd.stats(metrics["cci_falconer"], conf)
        f_lo, f_hi, clipped = bounded_interval(f_lo, f_hi, 0.0, 100.0)
        _, r_mean, r_sd, *_ = fd.stats(metrics["cci_rudolph"], conf)
        note = []
        if norm.cc_mode != "mvc":
            note.append(f"no MVC: both envelopes expressed against the agonist's task {norm.cc_mode} (one common reference, so "
                        "their raw amplitude ratio is kept; electrode site and tissue make it indicative only)")
        if clipped:
            note.append(f"the {conf * 100:g} % interval of the mean CCI was clipped to the index's range 0-100 %")
        dropped = int((~usable).sum())
        if dropped and usable.any():
            note.append(f"{dropped} of {len(usable)} repetitions left out (clipped)")
        rows.append(dict(
            side=p.side or "", agonist=p.agonist, antagonist=p.antagonist, agonist_muscle=chans[i].muscle or p.agonist,
            antagonist_muscle=chans[j].muscle or p.antagonist, joint=p.joint, action=p.action, unit=norm.pair_unit,
            cci_falconer=f_mean, cci_falconer_sd=f_sd, cci_falconer_ci_low=f_lo, cci_falconer_ci_high=f_hi,
            cci_rudolph=r_mean, cci_rudolph_sd=r_sd, common_area=fd.stats(metrics["common_area"], conf)[1],
            ratio=fd.stats(metrics["ratio"], conf)[1], antagonist_share=fd.stats(metrics["antagonist_share"], conf)[1],
            overlap_pct=fd.stats(metrics["overlap_pct"], conf)[1], n_reps=n, cci_left=math.nan, cci_right=math.nan,
            cci_side_si=math.nan, cci_side_si_ci_low=math.nan, cci_side_si_ci_high=math.nan, agonist_mdf_slope_pct_per_min=s.fatigue.channels[i].mdf.pct_per_min,
            antagonist_mdf_slope_pct_per_min=s.fatigue.channels[j].mdf.pct_per_min, normalization=norm_text,
            flag="", flag_reason=reason, threshold=fd.si_threshold_text(flags), source="", note="; ".join(note),
        ))
    _side_compare(rows, per_rep, flags, conf, s)
    return frame(rows, COLUMNS, ints=("n_reps",))


def _side_compare(rows, per_rep, flags, conf, s):
    """Compare each pair's Falconer CCI between the left and right side (SI, flags on both rows).

    Per repetition, the two sides' repetitions :meth:`emgkit.analysis.measure.Measures.paired` pairs (with
    per-side cycles each side's own cycles, paired by their typical lag).
    """
    by_key = {}
    for r in rows:
        by_key.setdefault((r["agonist_muscle"], r["antagonist_muscle"]), {})[r["side"]] = r
    for key, sides in by_key.items():
        if "L" not in sides or "R" not in sides or len([r for r in rows if (r["agonist_muscle"], r["antagonist_muscle"]) == key]) != 2:
            for r in sides.values():
                if not r["flag_reason"]:
                    r["flag_reason"] = "no single pair of the same muscles on the other side to compare with; no absolute CCI cut-off is published"
            continue
        L, R = sides["L"], sides["R"]
        si = symmetry_index(L["cci_falconer"], R["cci_falconer"])
        reps_l = per_rep[("L", L["agonist"], L["antagonist"])]
        reps_r = per_rep[("R", R["agonist"], R["antagonist"])]
        kl, kr = s.measures.paired(s.selection.index(L["agonist"]), s.selection.index(R["agonist"]))
        n, _, sd, lo, hi, clipped = fd.si_stats(fd.per_rep_si(reps_l[kl], reps_r[kr]), conf)
        undefined = "; ".join(f"{side} side: {r['flag_reason']}" for side, r in (("left", L), ("right", R)) if r["flag_reason"])
        if undefined:
            si = lo = hi = math.nan
        flag, reason, threshold, source = fd.si_flag(si, sd, n, flags, undefined)
        note = (f"the {conf * 100:g} % interval of the left/right SI was clipped to -200..200 % (a repetition with no "
                "co-contraction on one side has no log ratio)") if clipped and not undefined else ""
        for r in (L, R):
            r.update(cci_left=L["cci_falconer"], cci_right=R["cci_falconer"], cci_side_si=si, cci_side_si_ci_low=lo,
                     cci_side_si_ci_high=hi, flag=flag, flag_reason=f"left vs right co-contraction: {reason}",
                     threshold=threshold, source=source, note="; ".join(x for x in (r["note"], note) if x))
