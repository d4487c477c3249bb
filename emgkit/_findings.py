"""The plain-words findings of an imbalance analysis, written from rows judged by the one rule.

:func:`summary_rows` writes each finding from the row that caused it (the
metric, its value, the threshold and the interval, in the sentence's own sign
convention: direction in words, magnitudes positive), after the scope row
(:func:`scope_row`: what was compared and what was not).  The rule itself, the
statistics and the tables' calls (``verdict``, ``si_flag``, ``settle``, ...)
live in :mod:`emgkit._rule`; their names are also reachable from here.
"""

from __future__ import annotations

import math
import re

from ._rule import (  # noqa: F401  (the rule's names, re-exported for the tables and tests that read them from here)
    AMPLITUDE_METRICS,
    DESCRIBED,
    FLAG,
    NA,
    NOTICE,
    OK,
    ROW_FIELDS,
    SLOPE,
    Row,
    ci_text,
    num,
    row_of,
    settle,
    si_flag,
    stats,
    timing_flag,
    verdict,
)
from .channels import split_side

NOT_COMPARED = "not compared"  # severity of the scope row when no pair could be compared: never "ok"
_SEVERITY = {NOT_COMPARED: -1, FLAG: 0, NOTICE: 1, OK: 2, "info": 3}
MAX_NAMES = 6  # channel names listed per group in the scope row (the channels table lists all)
BURST_MATCHED = ("alternating", "paired trials")  # task structures whose SI is per burst pair (bilateral.task_structure)


# -- words ------------------------------------------------------------------------------------
METRIC_WORDS = {  # the one table of metric names in words (sentences, figures, report)
    "mean": "mean activity",
    "peak": "peak activity",
    "rms": "RMS amplitude",
    "iemg": "integrated EMG",
    SLOPE: "median-frequency decline",
}
SIDE_WORDS = {"L": "left", "R": "right"}  # the one table of side words (figures and report use it too)


def muscle_words(name, side=None) -> str:
    """A muscle as a physiotherapist reads it: ``("biceps_brachii", "L")`` -> ``"left biceps brachii"``.

    A side word in the name itself (a channel label standing in for a muscle,
    ``"L Biceps"``) is taken out, so that the side is never said twice.
    """
    text = str(name or "").replace("_", " ").strip()
    own, rest = split_side(text)
    if own is not None:
        text, side = rest, side or own
    word = SIDE_WORDS.get(side if isinstance(side, str) else "", "")
    return f"{word} {text}".strip() if text else (word + " muscle" if word else "muscle")


def plain_note(text, muscles) -> str:
    """``text`` with the catalogue names of ``muscles`` (snake_case) written as words."""
    for m in sorted({str(m) for m in muscles if m and "_" in str(m)}, key=len, reverse=True):
        text = text.replace(m, m.replace("_", " "))
    return text


def _worst(levels):
    return min(levels, key=lambda v: _SEVERITY.get(v, 9))


def _names(names) -> str:
    names = list(names)
    shown = ", ".join(names[:MAX_NAMES])
    return shown + (f" and {len(names) - MAX_NAMES} more" if len(names) > MAX_NAMES else "")


def _plural(n, word) -> str:
    return f"{n} {word}" + ("" if n == 1 else "s")


def _and(words) -> str:
    words = list(words)
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


def effect_text(row: Row, level: str) -> str:
    """``SIZE UNIT (CI a to b UNIT; LEVEL above LIMIT)``, magnitudes positive: the interval is turned with the value.

    The sentence names the direction in words, so the value is printed as a
    magnitude and an interval of a negative value as ``-ci_high to -ci_low``.
    """
    sign = 1.0 if row.value >= 0 else -1.0
    size = f"{num(abs(row.value), row.unit, False)} {row.unit}"
    ci = ci_text(row, *sorted((sign * row.ci_low, sign * row.ci_high)), signed=False) if row.has_ci else "no confidence interval"
    limit = row.flag if level == FLAG else row.notice
    limit_text = ""
    if limit is not None and level in (FLAG, NOTICE):
        limit_text = f"{level} above {limit:g} {row.unit}" if limit > 0 else f"{level}: the interval excludes 0"
    return f"{size} ({ci}" + (f"; {limit_text}" if limit_text else "") + ")"


def _row(severity, category, subject, finding, value=math.nan, unit="", threshold="", source="", metric="",
         ci=(math.nan, math.nan), key=0.0) -> dict:
    return dict(severity=severity, category=category, subject=subject, finding=finding, value=float(value), unit=unit,
                ci_low=float(ci[0]), ci_high=float(ci[1]), metric=metric, threshold=threshold, source=source, _key=key)


def _cause(rows, value):
    """The row that caused a group's verdict: the most severe, then the largest ``|value|``.

    Values equal within 1e-6 (relative) keep table order, so that the choice
    does not hang on rounding (mean and iEMG of one interval, in memory or streamed).
    """
    best = rows[0]
    for r in rows[1:]:
        a, b = _SEVERITY.get(r.flag, 9), _SEVERITY.get(best.flag, 9)
        if a < b or (a == b and abs(value(r)) > abs(value(best)) * (1 + 1e-6) + 1e-9):
            best = r
    return best


def _left_right(bilateral, flags, confidence):
    out = []
    amp = bilateral[bilateral["metric"].isin(AMPLITUDE_METRICS) & bilateral["flag"].isin([FLAG, NOTICE])]
    for (muscle, _, _), group in amp.groupby(["muscle", "left_channel", "right_channel"], sort=False):
        rows = list(group.itertuples(index=False))
        r = _cause(rows, lambda x: x.symmetry_index)
        rule = row_of("bilateral", r._asdict(), flags, confidence)
        larger = "right" if r.symmetry_index > 0 else "left"
        agree = [METRIC_WORDS.get(x.metric, x.metric) for x in rows
                 if x is not r and (x.symmetry_index > 0) == (r.symmetry_index > 0)]
        other = [METRIC_WORDS.get(x.metric, x.metric) for x in rows if (x.symmetry_index > 0) != (r.symmetry_index > 0)]
        by_burst = getattr(r, "task_structure", "") in BURST_MATCHED
        reps = f" over {_plural(int(r.n_reps), 'burst pair' if by_burst else 'repetition')}" if r.n_reps >= 2 else (
            " (one burst pair)" if by_burst else " (one interval)")
        finding = (f"{muscle_words(muscle)}, left vs right: {METRIC_WORDS.get(r.metric, r.metric)} is larger on the {larger} side"
                   f"{reps}: symmetry index {effect_text(rule, r.flag)}"
                   + (f"; {_and(agree)} {'agree' if len(agree) > 1 else 'agrees'}" if agree else "")
                   + (f"; {_and(other)} point{'' if len(other) > 1 else 's'} the other way" if other else "")
                   + (f"; {r.note}" if r.note else ""))
        out.append(_row(_worst([x.flag for x in rows]), "left/right", str(muscle), finding, r.symmetry_index, "% SI",
                        r.threshold, r.source, r.metric, (r.si_ci_low, r.si_ci_high), abs(r.symmetry_index)))
    for r in bilateral[(bilateral["metric"] == SLOPE) & bilateral["flag"].isin([FLAG, NOTICE])].itertuples(index=False):
        rule = row_of("bilateral", r._asdict(), flags, confidence)
        faster, slower = ("right", "left") if r.difference < 0 else ("left", "right")
        finding = (f"{muscle_words(r.muscle)}, left vs right: the {faster} side fatigues faster: its median frequency falls "
                   f"faster than the {slower} side's by {effect_text(rule, r.flag)}")
        out.append(_row(r.flag, "fatigue", str(r.muscle), finding, r.difference, "%/min", r.threshold, r.source, SLOPE,
                        (r.si_ci_low, r.si_ci_high), 3.0 * abs(float(r.difference))))
    return out


def _cocontraction(agonist_antagonist, flags, confidence):
    out, seen = [], set()
    for r in agonist_antagonist.itertuples(index=False):
        key = (r.agonist_muscle, r.antagonist_muscle)
        if r.flag not in (FLAG, NOTICE) or key in seen:
            continue
        seen.add(key)
        rule = row_of("agonist_antagonist", r._asdict(), flags, confidence)
        higher = "right" if r.cci_side_si > 0 else "left"
        finding = (f"{muscle_words(r.joint)} ({muscle_words(r.agonist_muscle)} / {muscle_words(r.antagonist_muscle)}), left vs "
                   f"right: co-contraction is higher on the {higher} side: symmetry index of the co-contraction index "
                   f"{effect_text(rule, r.flag)}")
        out.append(_row(r.flag, "co-contraction", f"{r.agonist_muscle} / {r.antagonist_muscle}", finding, r.cci_side_si,
                        "% SI", r.threshold, r.source, "cci_side_si", (rule.ci_low, rule.ci_high), abs(float(r.cci_side_si))))
    return out


_VERBS = {"onset": ("switches on", "later"), "offset": ("switches off", "later"), "duration": ("stays on", "longer")}


def _described(timing):
    """Agonist/antagonist timing rows described, not judged (no verdict, a mean, :data:`DESCRIBED` in the reason)."""
    if "flag_reason" not in timing.columns:
        return timing.iloc[:0]
    return timing[(timing["flag"] == NA) & (timing["comparison"] == "agonist_antagonist") & timing["mean_ms"].notna()
                  & timing["flag_reason"].astype(str).str.contains(DESCRIBED, regex=False)]


def _timing(timing, flags, confidence):
    """Timing findings: flagged or noticed rows, then agonist/antagonist timing described (severity ``info``)."""
    out = []
    tflag = timing[timing["flag"].isin([FLAG, NOTICE])]
    for _, group in tflag.groupby(["comparison", "channel_a", "channel_b"], sort=False):
        out.append(_timing_finding(list(group.itertuples(index=False)), flags, confidence))
    for _, group in _described(timing).groupby(["comparison", "channel_a", "channel_b"], sort=False):
        out.append(_timing_finding(list(group.itertuples(index=False)), flags, confidence, described=True))
    return out


def _timing_finding(rows, flags, confidence, described=False):
    """One timing finding from the rows of one compared pair of channels (``described``: severity info, no limit)."""
    first = rows[0]
    comparison, a, b = first.comparison, first.channel_a, first.channel_b
    if comparison == "left_right":
        names = ("the left side", "the right side")
        subject, head = str(first.muscle), f"{muscle_words(first.muscle)}, left vs right"
    else:
        parts = [m.strip() for m in str(first.muscle).split("/")] + ["", ""]
        side = first.side if first.side in ("L", "R") else None
        names = (f"the {muscle_words(parts[0])} (agonist)", f"the {muscle_words(parts[1])} (antagonist)")
        subject, head = f"{a} / {b}", f"{muscle_words(parts[0], side)} and {muscle_words(parts[1], side)}"
    parts_text = []
    for r in rows:
        rule = row_of("timing", r._asdict(), flags, confidence)
        verb, more = _VERBS.get(r.metric, (r.metric, "more"))
        who, than = (names[1], names[0]) if r.mean_ms > 0 else names
        parts_text.append(f"{who} {verb} {effect_text(rule, r.flag).replace(' ms (', f' ms {more} than {than} (', 1)}")
    finding = f"{head}: " + "; ".join(parts_text) + f" ({_plural(int(first.n), 'paired burst')})"
    if described:
        finding += f"; {DESCRIBED}"
    if any("breaks into" in r.flag_reason for r in rows):
        finding += "; activity breaks into several bursts per repetition: timing uncertain"
    elif any("detection bias" in r.flag_reason for r in rows):
        finding += "; the two bursts differ in SNR: part of it may be detection bias"
    cause = _cause(rows, lambda x: x.mean_ms)
    severity = "info" if described else _worst([r.flag for r in rows])
    return _row(severity, "timing", subject, finding, cause.mean_ms, "ms", cause.threshold, cause.source, cause.metric,
                (cause.ci_low_ms, cause.ci_high_ms), abs(float(cause.mean_ms)) / 10.0)


def _pair_words(key) -> str:
    """A scope key in words: ``"biceps_brachii (left/right)"`` -> ``"biceps brachii (left/right)"``; channel pairs as they are."""
    tail = " (left/right)"
    return muscle_words(key[: -len(tail)]) + tail if key.endswith(tail) else key


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
        parts.append("Not compared: " + "; ".join(f"{_pair_words(k)}: {v}" for k, v in list(sc["not_compared"].items())[:MAX_NAMES])
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
    return _row(severity, "scope", "", " ".join(parts), sc["pairs_compared"], "pairs compared", key=math.inf)


_SPAN = re.compile(r"span [\d.]+ s, less than ([\d.]+) s")


def _why_not(reasons) -> str:
    """A category's reason for not being judged, in a few words (from its rows' ``flag_reason``)."""
    text = next((str(x) for x in reasons if str(x)), "no verdict")
    m = _SPAN.search(text)
    if m:
        return f"comparable windows span less than {m.group(1)} s (fatigue.min_span_s)"
    text = text.removeprefix("not judged: ").removeprefix("left vs right co-contraction: ")
    return text.split(";")[0].split(" (")[0]


def judged(bilateral, agonist_antagonist, timing) -> dict:
    """Per category of finding, ``(judged, pairs, reason)``: pairs with a verdict, pairs in the tables, why not.

    A pair is judged when one of its rows has a verdict (flag, notice or ok;
    ``""`` is "not judged": unilateral, withheld timing, a fatigue slope from
    too short a record, ...).  ``reason`` is that of the first pair not judged.
    """
    amp = bilateral["metric"].isin(AMPLITUDE_METRICS)
    parts = {
        "left/right": (bilateral[amp], ["left_channel", "right_channel"], "no left/right pair"),
        "co-contraction": (agonist_antagonist, ["agonist_muscle", "antagonist_muscle"], "no agonist/antagonist pair"),
        "timing": (timing, ["comparison", "channel_a", "channel_b"], "no pair timed"),
        "fatigue": (bilateral[bilateral["metric"] == SLOPE], ["left_channel", "right_channel"], "no left/right pair"),
    }
    out = {}
    for category, (t, keys, none) in parts.items():
        if t.empty:
            out[category] = (0, 0, none)
            continue
        has = t.assign(_v=t["flag"] != NA).groupby(keys, sort=False)["_v"].any()
        not_done = t[~t.set_index(keys).index.isin(has[has].index)]
        out[category] = (int(has.sum()), int(has.size), _why_not(not_done.get("flag_reason", ())))
    return out


def all_clear(bilateral, agonist_antagonist, timing) -> dict:
    """The ``overall`` row when nothing is flagged or noticed: it names only the categories judged, and what was not.

    Severity ``ok`` when at least one category was judged, else ``info``
    (nothing was judged, so nothing is cleared).
    """
    state = judged(bilateral, agonist_antagonist, timing)
    done = [c for c, (n, _, _) in state.items() if n]
    partial = [f"{c} judged for {n} of {_plural(m, 'pair')}" for c, (n, m, _) in state.items() if 0 < n < m]
    missing = [f"{c} not judged: {why}" for c, (n, _, why) in state.items() if not n]
    either = done[0] if len(done) == 1 else ", ".join(done[:-1]) + " or " + done[-1] if done else ""
    head = f"No {either} difference exceeds its threshold among the pairs compared" if done else "No difference was judged"
    text = "; ".join([head, *partial, *missing]) + "."
    return _row(OK if done else "info", "overall", "", text)


def summary_rows(bilateral, agonist_antagonist, timing, notes_info, scope=None, *, flags=None, confidence=0.95):
    """Ranked findings in plain words from the settled tables (:func:`settle`), after the scope row.

    The first row (category ``scope``, :func:`scope_row`) says what was
    compared when ``scope`` is given.  Then one finding per muscle for
    left/right amplitude, written from the metric that caused its verdict
    (the most severe of mean, peak, RMS, iEMG, then the largest ``|SI|``;
    the others that agree are named), per muscle for fatigue, per pair for
    co-contraction and per compared pair of channels for timing.  Each states
    its value, interval and threshold as magnitudes with the direction in
    words.  The ``overall`` row (:func:`all_clear`) appears only when
    something was compared and nothing exceeds its threshold; it names only
    the categories judged and says which were not, and why.

    Returns a list of dicts with keys ``rank, severity, category, subject,
    finding, value, unit, ci_low, ci_high, metric, threshold, source``:
    ``value`` and ``ci_low``/``ci_high`` are those of the row that caused the
    finding, in its table's sign convention.
    """
    if flags is None:
        from .config import FlagsConfig

        flags = FlagsConfig()
    rows = _left_right(bilateral, flags, confidence) + _cocontraction(agonist_antagonist, flags, confidence)
    rows += _timing(timing, flags, confidence)
    muscles = set(bilateral["muscle"]) | set(agonist_antagonist["agonist_muscle"]) | set(agonist_antagonist["antagonist_muscle"])
    for text in notes_info:
        rows.append(_row("info", "data", "", plain_note(text, muscles)))
    compared = scope is None or scope["pairs_compared"] > 0
    if compared and not any(r["severity"] in (FLAG, NOTICE) for r in rows):
        rows.append(all_clear(bilateral, agonist_antagonist, timing))
    rows.sort(key=lambda r: (_SEVERITY[r["severity"]], -r["_key"]))
    if scope is not None:
        rows.insert(0, scope_row(scope))
    for rank, r in enumerate(rows, start=1):
        r.pop("_key")
        r["rank"] = rank
    return rows
