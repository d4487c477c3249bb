"""Statistics, flags and the plain-words summary of an imbalance analysis.

Pure functions over numbers and table rows: :mod:`emgkit.analysis` computes
the per-repetition values and calls these to aggregate them (mean, SD,
confidence interval), to flag them against the configured thresholds (each
flag carries its threshold and source) and to rank the findings.
"""

from __future__ import annotations

import math

import numpy as np

from .symmetry import symmetry_index

FLAG, NOTICE, OK, NA = "flag", "notice", "ok", ""
NOT_COMPARED = "not compared"  # severity of the scope row when no pair could be compared: never "ok"
_SEVERITY = {NOT_COMPARED: -1, FLAG: 0, NOTICE: 1, OK: 2, "info": 3}
MAX_NAMES = 6  # channel names listed per group in the scope row (the channels table lists all)


def stats(values, confidence):
    """``(n, mean, sd, ci_low, ci_high)`` of the finite values (t-distribution interval of the mean)."""
    from scipy.stats import t as student_t

    v = np.asarray(values, dtype=np.float64)
    v = v[np.isfinite(v)]
    n = int(v.size)
    if n == 0:
        return 0, math.nan, math.nan, math.nan, math.nan
    mean = float(v.mean())
    if n < 2:
        return n, mean, math.nan, math.nan, math.nan
    sd = float(v.std(ddof=1))
    half = float(student_t.ppf(0.5 + confidence / 2, n - 1)) * sd / math.sqrt(n)
    return n, mean, sd, mean - half, mean + half


def si_threshold_text(flags) -> str:
    return f"notice > {flags.si_notice_pct:g} %, flag > {flags.si_flag_pct:g} % (|SI|)"


def si_flag(si, si_sd, n_reps, flags, undefined=""):
    """``(flag, reason, threshold, source)`` of a symmetry index against the configured thresholds."""
    threshold = si_threshold_text(flags)
    if not math.isfinite(si):
        return NA, undefined or "index undefined", threshold, ""
    a = abs(si)
    if a > flags.si_flag_pct:
        level, limit, source = FLAG, flags.si_flag_pct, flags.si_flag_source
    elif a > flags.si_notice_pct:
        level, limit, source = NOTICE, flags.si_notice_pct, flags.si_notice_source
    else:
        return OK, f"|SI| {a:.1f} % is within {flags.si_notice_pct:g} %", threshold, flags.si_notice_source
    reason = f"|SI| {a:.1f} % > {limit:g} %"
    if n_reps < 2 or not math.isfinite(si_sd):
        reason += " (one interval: no between-repetition SD to compare with)"
    elif a <= si_sd:
        if flags.beyond_variability:
            return OK, reason + f", but within the between-repetition SD of the SI ({si_sd:.1f} %)", threshold, flags.beyond_variability_source
        reason += f", within the between-repetition SD of the SI ({si_sd:.1f} %)"
    else:
        reason += f" and beyond the between-repetition SD of the SI ({si_sd:.1f} %)"
    return level, reason, threshold, source


def timing_flag(n, mean, lo, hi, flags):
    """``(flag, reason, threshold, source)`` of a mean timing difference in ms."""
    threshold = f"|mean| > {flags.timing_ms:g} ms and 95 % CI excludes 0"
    if n < 2 or not math.isfinite(lo):
        return NA, f"{n} paired burst(s): no confidence interval", threshold, flags.timing_source
    excludes = lo > 0 or hi < 0
    big = abs(mean) > flags.timing_ms
    if excludes and big:
        return FLAG, f"{mean:+.0f} ms, CI {lo:+.0f} to {hi:+.0f} ms excludes 0 and exceeds {flags.timing_ms:g} ms", threshold, flags.timing_source
    if excludes:
        why = f"CI excludes 0 but |{mean:.0f}| ms is within the detector's expected error ({flags.timing_ms:g} ms)"
    else:
        why = f"CI {lo:+.0f} to {hi:+.0f} ms includes 0"
    return OK, why, threshold, flags.timing_source


def slope_difference(left, right, confidence):
    """Difference right - left of two fatigue trends (%/min) with its CI: ``(diff, lo, hi)``."""
    from scipy.stats import t as student_t

    d = right.pct_per_min - left.pct_per_min
    se = []
    for tr in (left, right):
        if not (math.isfinite(tr.se) and math.isfinite(tr.intercept) and tr.intercept != 0):
            return d, math.nan, math.nan
        se.append(tr.se * 60.0 / abs(tr.intercept) * 100.0)
    dof = max(1, left.n + right.n - 4)
    half = float(student_t.ppf(0.5 + confidence / 2, dof)) * math.hypot(*se)
    return d, d - half, d + half


def fatigue_flag(diff, lo, hi, flags):
    threshold = f"{(1 - flags.fatigue_alpha) * 100:g} % CI of the slope difference excludes 0"
    if not math.isfinite(lo):
        return NA, "no slope on one side (too few active windows)", threshold, flags.fatigue_source
    if lo > 0 or hi < 0:
        return NOTICE, f"slopes differ by {diff:+.1f} %/min (CI {lo:+.1f} to {hi:+.1f})", threshold, flags.fatigue_source
    return OK, f"CI of the difference {lo:+.1f} to {hi:+.1f} %/min includes 0", threshold, flags.fatigue_source


def per_rep_si(left, right):
    """Symmetry index per repetition (NaN where undefined)."""
    return np.asarray(symmetry_index(np.asarray(left, float), np.asarray(right, float)), dtype=np.float64).reshape(-1)


# -- summary ----------------------------------------------------------------------------------
def _words(muscle) -> str:
    return str(muscle).replace("_", " ")


def _side_word(side) -> str:
    return {"L": "left", "R": "right"}.get(side, "")


_METRIC_WORDS = {
    "mean": "mean activity",
    "peak": "peak activity",
    "rms": "RMS amplitude",
    "iemg": "integrated EMG",
    "mdf_slope_pct_per_min": "median-frequency decline",
}


def _worst(levels):
    return min(levels, key=lambda v: _SEVERITY.get(v, 9))


def _names(names) -> str:
    names = list(names)
    shown = ", ".join(names[:MAX_NAMES])
    return shown + (f" and {len(names) - MAX_NAMES} more" if len(names) > MAX_NAMES else "")


def _plural(n, word) -> str:
    return f"{n} {word}" + ("" if n == 1 else "s")


def scope_row(sc) -> dict:
    """The first row of the summary: what was analysed and compared, what was not (reason and fix).

    ``sc`` is the scope dict of :func:`emgkit.analysis.tables.summary.scope`.
    Severity ``"not compared"`` when no pair was compared (never ``ok``),
    else ``"info"``.
    """
    parts = [f"Analysed {_plural(sc['channels'], 'EMG channel')} ({_plural(sc['muscles'], 'muscle')} named): "
             f"{sc['bilateral_compared']} of {_plural(sc['bilateral_pairs'], 'left/right pair')} and "
             f"{sc['agonist_antagonist_compared']} of {_plural(sc['agonist_antagonist_pairs'], 'agonist/antagonist pair')} compared."]
    if sc["not_compared"]:
        parts.append("Not compared: " + "; ".join(f"{k}: {v}" for k, v in list(sc["not_compared"].items())[:MAX_NAMES])
                     + (f"; and {len(sc['not_compared']) - MAX_NAMES} more" if len(sc["not_compared"]) > MAX_NAMES else "") + ".")
    groups = {}
    for name, why in sc["left_out"].items():
        role = sc["roles"].get(name, "excluded")
        head = {"dead": "dead", "hum": "with hum or interference", "excluded": "excluded"}.get(role, f"not EMG ({role})")
        groups.setdefault(head, []).append(name)
    if groups:
        parts.append("Left out: " + "; ".join(f"{_plural(len(v), 'channel')} {k}: {_names(v)}" for k, v in groups.items())
                     + " (reasons in the channels table; a channel map overrules a wrong kind: --channel \"NAME=emg\").")
    fixes = {}
    for name, fix in sc["not_paired"].items():
        fixes.setdefault(fix.split(":")[0], []).append((name, fix))
    for head, items in fixes.items():
        parts.append(f"Not paired ({head}): {_names(n for n, _ in items)}; {items[0][1].split(': ', 1)[-1]}.")
    if not sc["channels"]:
        parts = ["No usable EMG in any channel: " + "; ".join(f"{n}: {w}" for n, w in list(sc["left_out"].items())[:MAX_NAMES])
                 + (f"; and {len(sc['left_out']) - MAX_NAMES} more" if len(sc["left_out"]) > MAX_NAMES else "")
                 + ". Nothing was compared."]
    severity = "info" if sc["pairs_compared"] else NOT_COMPARED
    return dict(severity=severity, category="scope", subject="", finding=" ".join(parts), value=float(sc["pairs_compared"]),
                unit="pairs compared", threshold="", source="", _key=math.inf)


def summary_rows(bilateral, agonist_antagonist, timing, notes_info, scope=None):
    """Ranked findings in plain words from the aggregated tables, after the scope row.

    The first row (category ``scope``, :func:`scope_row`) says what was
    compared when ``scope`` is given.  Then one finding per muscle for
    left/right amplitude (the first flagged of mean, peak, RMS, iEMG, naming
    the others that agree), per pair for co-contraction and per compared pair
    of channels for timing.  The ``ok`` row appears only when something was
    compared and nothing exceeds its threshold.

    Returns a list of dicts with keys ``rank, severity, category, subject,
    finding, value, unit, threshold, source``.
    """
    rows = []
    flagged = bilateral[bilateral["flag"].isin([FLAG, NOTICE])]
    amp = flagged[flagged["metric"] != "mdf_slope_pct_per_min"]
    for muscle, group in amp.groupby("muscle", sort=False):
        r = next(group.itertuples(index=False))
        others = [_METRIC_WORDS.get(m, m) for m in group["metric"].iloc[1:]]
        larger = "right" if r.symmetry_index > 0 else "left"
        big, small = (r.right, r.left) if r.symmetry_index > 0 else (r.left, r.right)
        pct = (big / small - 1) * 100 if small else math.nan
        finding = (
            f"{_words(muscle)}: the {larger} side shows {pct:.0f} % more {_METRIC_WORDS.get(r.metric, r.metric)} "
            f"(symmetry index {r.symmetry_index:+.1f} %"
            + (f", SD {r.si_sd:.1f} % over {int(r.n_reps)} repetitions" if r.n_reps >= 2 and math.isfinite(r.si_sd) else "")
            + ")"
            + (f"; {', '.join(others)} agree" if others else "")
            + (f"; {r.note}" if r.note else "")
        )
        rows.append(dict(severity=_worst(group["flag"].tolist()), category="left/right", subject=str(muscle), finding=finding,
                         value=float(r.symmetry_index), unit="% SI", threshold=r.threshold, source=r.source,
                         _key=abs(float(r.symmetry_index))))
    for r in flagged[flagged["metric"] == "mdf_slope_pct_per_min"].itertuples(index=False):
        faster = "right" if r.difference < 0 else "left"
        finding = (
            f"{_words(r.muscle)}: median frequency changes {r.left:+.1f} %/min on the left and {r.right:+.1f} %/min on the right: "
            f"the {faster} side fatigues faster (difference {r.difference:+.1f} %/min, CI {r.si_ci_low:+.1f} to {r.si_ci_high:+.1f})"
        )
        rows.append(dict(severity=r.flag, category="fatigue", subject=str(r.muscle), finding=finding, value=float(r.difference),
                         unit="%/min", threshold=r.threshold, source=r.source, _key=3.0 * abs(float(r.difference))))
    seen = set()
    for r in agonist_antagonist.itertuples(index=False):
        if r.flag not in (FLAG, NOTICE):
            continue
        key = (r.agonist_muscle, r.antagonist_muscle)
        if key in seen:
            continue
        seen.add(key)
        finding = (
            f"{_words(r.joint)} ({_words(r.agonist_muscle)} / {_words(r.antagonist_muscle)}): co-contraction differs between sides "
            f"(Falconer-Winter CCI left {r.cci_left:.0f} %, right {r.cci_right:.0f} %; symmetry index {r.cci_side_si:+.1f} %)"
        )
        rows.append(dict(severity=r.flag, category="co-contraction", subject=f"{r.agonist_muscle} / {r.antagonist_muscle}",
                         finding=finding, value=float(r.cci_side_si), unit="% SI", threshold=r.threshold, source=r.source,
                         _key=abs(float(r.cci_side_si))))
    tflag = timing[timing["flag"].isin([FLAG, NOTICE])]
    for (comparison, a, b), group in tflag.groupby(["comparison", "channel_a", "channel_b"], sort=False):
        first = next(group.itertuples(index=False))
        parts = []
        for r in group.itertuples(index=False):
            if comparison == "left_right":
                who = "the right side" if r.mean_ms > 0 else "the left side"
            else:
                who = "the antagonist" if r.mean_ms > 0 else "the agonist"
            verb = {"onset": "switches on", "offset": "switches off", "duration": "stays on"}[r.metric]
            more = "longer" if r.metric == "duration" else "later"
            parts.append(f"{who} {verb} {abs(r.mean_ms):.0f} ms {more} (95 % CI {r.ci_low_ms:+.0f} to {r.ci_high_ms:+.0f} ms)")
        if comparison == "left_right":
            subject, head = str(first.muscle), _words(first.muscle)
        else:
            subject = f"{a} / {b}"
            head = f"{_side_word(first.side) or 'unilateral'} {_words(first.muscle)}"
        finding = f"{head}: " + "; ".join(parts) + f" over {int(first.n)} repetitions"
        if any("breaks into" in r.flag_reason for r in group.itertuples(index=False)):
            finding += " (activity broken into several bursts per repetition: timing uncertain)"
        elif any("detection bias" in r.flag_reason for r in group.itertuples(index=False)):
            finding += " (the two bursts differ in SNR: part of it may be detection bias)"
        biggest = float(group["mean_ms"].abs().max())
        rows.append(dict(severity=_worst(group["flag"].tolist()), category="timing", subject=subject, finding=finding,
                         value=float(group.loc[group["mean_ms"].abs().idxmax(), "mean_ms"]), unit="ms",
                         threshold=first.threshold, source=first.source, _key=biggest / 10.0))
    for text in notes_info:
        rows.append(dict(severity="info", category="data", subject="", finding=text, value=math.nan, unit="", threshold="", source="", _key=0.0))
    compared = scope is None or scope["pairs_compared"] > 0
    if compared and not any(r["severity"] in (FLAG, NOTICE) for r in rows):
        rows.append(dict(severity=OK, category="overall", subject="",
                         finding="No left/right, co-contraction, timing or fatigue difference exceeds its threshold "
                                 "among the pairs compared.",
                         value=math.nan, unit="", threshold="", source="", _key=0.0))
    rows.sort(key=lambda r: (_SEVERITY[r["severity"]], -r["_key"]))
    if scope is not None:
        rows.insert(0, scope_row(scope))
    for rank, r in enumerate(rows, start=1):
        r.pop("_key")
        r["rank"] = rank
    return rows
