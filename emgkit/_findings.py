"""Statistics, the one verdict rule, and the plain-words findings of an imbalance analysis.

Pure functions over numbers and table rows: :mod:`emgkit.analysis` computes
the per-repetition values and calls these to aggregate them (mean, SD,
confidence interval), to judge them against the configured thresholds (each
verdict carries its threshold and source) and to write and rank the findings.

The rule
--------
Every flag of every table and every sentence of the summary come from
:func:`verdict`, applied to a *finding row* (:class:`Row`) that any table can
provide:

``metric``
    What was compared (``"mean"``, ``"onset"``, ``"cci_side_si"``, ...).
``value``
    The signed effect in ``unit``; its sign convention is the table's
    (SI > 0: right larger; timing > 0: the second channel later; ...).
``ci_low``, ``ci_high``, ``confidence``
    The confidence interval of that same value (NaN when there is none).
``notice``, ``flag``
    The magnitude limits of the two levels (``None``: level not used).

The verdict is ``"flag"`` when ``|value| > flag``, ``"notice"`` when
``|value| > notice`` (else ``"ok"``), and such a level stands only when the
interval lies wholly on the value's side of 0 (``ci_low > 0`` for a positive
value, ``ci_high < 0`` for a negative one); an interval that reaches 0 or the
other side makes it ``"ok"`` (the data do not show a difference in that
direction).  Without an interval (one interval, one burst pair) a flag is
lowered to a notice.  A value that is not finite gets no verdict (``""``).
Mean and peak, SI, timing, co-contraction and fatigue are judged the same way.

Tables decide their flags with :func:`si_flag` (by value; the interval check is
applied by :func:`settle` once the row holds its interval), :func:`timing_flag`
and :func:`fatigue_flag`; a table may lower a verdict further for its own
reason (no activity, within the noise, detection bias).  :func:`settle` applies
the rule to the finished rows of ``bilateral``, ``agonist_antagonist`` and
``timing`` (reading the columns named in :data:`ROW_FIELDS`), and
:func:`summary_rows` writes each finding from the row that caused it: the
metric, its value, the threshold and the interval, in the sentence's own sign
convention (direction in words, magnitudes positive).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .channels import split_side
from .symmetry import symmetry_index

FLAG, NOTICE, OK, NA = "flag", "notice", "ok", ""
NOT_COMPARED = "not compared"  # severity of the scope row when no pair could be compared: never "ok"
_SEVERITY = {NOT_COMPARED: -1, FLAG: 0, NOTICE: 1, OK: 2, "info": 3}
_STRENGTH = {NA: 0, OK: 1, NOTICE: 2, FLAG: 3}  # how much a verdict asserts: the milder of two wins
MAX_NAMES = 6  # channel names listed per group in the scope row (the channels table lists all)
AMPLITUDE_METRICS = ("mean", "peak", "rms", "iemg")
SLOPE = "mdf_slope_pct_per_min"
BURST_MATCHED = ("alternating", "paired trials")  # task structures whose SI is per burst pair (bilateral.task_structure)

#: The columns each table's rows give the rule: value, interval low, interval high.
ROW_FIELDS = {
    "bilateral": ("symmetry_index", "si_ci_low", "si_ci_high"),
    "bilateral " + SLOPE: ("difference", "si_ci_low", "si_ci_high"),
    "agonist_antagonist": ("cci_side_si", "cci_side_si_ci_low", "cci_side_si_ci_high"),
    "timing": ("mean_ms", "ci_low_ms", "ci_high_ms"),
}


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


# -- the rule ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class Row:
    """One finding row as the rule reads it (see the module docstring).

    Attributes
    ----------
    metric : str
        What was compared.
    value : float
        The signed effect, in ``unit``.
    ci_low, ci_high : float
        Confidence interval of ``value`` (NaN: none).
    notice, flag : float or None
        Limits of ``|value|`` for the two levels (``None``: level not used).
    unit : str
        ``"%"``, ``"ms"``, ``"%/min"``.
    confidence : float
        Level of the interval (0-1).
    quantity : str
        The value's name in words, e.g. ``"symmetry index"``.
    use_ci : bool
        False: the level is decided by the value alone (``flags.beyond_variability = false`` for SI).
    """

    metric: str
    value: float
    ci_low: float = math.nan
    ci_high: float = math.nan
    notice: float | None = None
    flag: float | None = None
    unit: str = "%"
    confidence: float = 0.95
    quantity: str = "symmetry index"
    use_ci: bool = True

    @property
    def has_ci(self) -> bool:
        return math.isfinite(self.ci_low) and math.isfinite(self.ci_high)


def num(x, unit, signed=True) -> str:
    """A number as the findings print it: ms without decimals, everything else with one."""
    digits = 0 if unit == "ms" else 1
    return f"{x:{'+' if signed else ''}.{digits}f}"


def level_by_value(value, notice, flag) -> str:
    """``flag``/``notice``/``ok`` from ``|value|`` alone; ``""`` when the value is not finite."""
    if not math.isfinite(value):
        return NA
    a = abs(value)
    if flag is not None and a > flag:
        return FLAG
    if notice is not None and a > notice:
        return NOTICE
    return OK


def value_reason(row: Row) -> str:
    """The first part of every reason: the value against the limit it passed (or the lowest it did not)."""
    level = level_by_value(row.value, row.notice, row.flag)
    v = f"{row.quantity} {num(row.value, row.unit)} {row.unit}"
    if level == FLAG:
        return f"{v}: |value| > {row.flag:g} {row.unit}"
    if level == NOTICE:
        return f"{v}: |value| > {row.notice:g} {row.unit}"
    limit = min(x for x in (row.notice, row.flag) if x is not None)
    return f"{v}: |value| within {limit:g} {row.unit}"


def ci_text(row: Row, lo=None, hi=None, signed=True) -> str:
    """``95 % CI a to b unit`` of the row (or of ``lo``/``hi`` given in another sign convention)."""
    lo, hi = (row.ci_low, row.ci_high) if lo is None else (lo, hi)
    return f"{row.confidence * 100:g} % CI {num(lo, row.unit, signed)} to {num(hi, row.unit, signed)} {row.unit}"


def verdict(row: Row) -> tuple[str, str]:
    """``(level, reason)`` of one finding row by the one rule (module docstring)."""
    level = level_by_value(row.value, row.notice, row.flag)
    if level == NA:
        return NA, "value undefined"
    reason = value_reason(row)
    if level == OK or not row.use_ci:
        return level, reason + (f" ({ci_text(row)})" if row.has_ci else "")
    if not row.has_ci:
        lower = NOTICE if level == FLAG else OK
        return lower, reason + f", but no confidence interval (one interval or one pair): lowered to {lower}"
    if (row.ci_low > 0) if row.value > 0 else (row.ci_high < 0):
        return level, reason + f" and its {ci_text(row)} excludes 0"
    return OK, reason + f", but its {ci_text(row)} reaches 0 or the other side: no difference shown"


def milder(a: str, b: str) -> str:
    """The less assertive of two verdicts (``""`` < ok < notice < flag)."""
    return a if _STRENGTH.get(a, 0) <= _STRENGTH.get(b, 0) else b


# -- the tables' calls ------------------------------------------------------------------------
def si_threshold_text(flags) -> str:
    ci = "; its CI must exclude 0" if flags.beyond_variability else ""
    return f"notice > {flags.si_notice_pct:g} %, flag > {flags.si_flag_pct:g} % (|SI|{ci})"


def _si_row(si, flags, metric="si", ci=(math.nan, math.nan), confidence=0.95, quantity="symmetry index") -> Row:
    return Row(metric, si, ci[0], ci[1], flags.si_notice_pct, flags.si_flag_pct, "%", confidence, quantity,
               flags.beyond_variability)


def _si_source(level, flags) -> str:
    return flags.si_flag_source if level == FLAG else flags.si_notice_source


def si_flag(si, si_sd, n_reps, flags, undefined=""):
    """``(flag, reason, threshold, source)`` of a symmetry index by its value (``si_sd`` is not used).

    The interval half of the rule needs the row's interval: :func:`settle`
    applies it to the finished table.  With fewer than two repetitions there
    is no interval, and a flag is lowered to a notice here.
    """
    threshold = si_threshold_text(flags)
    if not math.isfinite(si):
        return NA, undefined or "index undefined", threshold, ""
    row = _si_row(si, flags)
    level, reason = level_by_value(si, row.notice, row.flag), value_reason(row)
    if n_reps < 2 and level != OK and flags.beyond_variability:
        level, reason = verdict(row)
    return level, reason, threshold, _si_source(level, flags)


def timing_flag(n, mean, lo, hi, flags):
    """``(flag, reason, threshold, source)`` of a mean timing difference in ms, by the rule."""
    threshold = f"|mean| > {flags.timing_ms:g} ms and 95 % CI excludes 0"
    if n < 1 or not math.isfinite(mean):
        return NA, f"{n} paired burst(s): nothing to compare", threshold, flags.timing_source
    level, reason = verdict(Row("timing", mean, lo, hi, None, flags.timing_ms, "ms", 0.95, "difference"))
    return level, reason, threshold, flags.timing_source


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


def _fatigue_row(diff, lo, hi, flags) -> Row:
    return Row(SLOPE, diff, lo, hi, 0.0, None, "%/min", 1 - flags.fatigue_alpha, "slope difference")


def fatigue_flag(diff, lo, hi, flags):
    """``(flag, reason, threshold, source)`` of a difference of MDF slopes (%/min): a notice at most, by the rule."""
    threshold = f"{(1 - flags.fatigue_alpha) * 100:g} % CI of the slope difference excludes 0"
    if not math.isfinite(diff):
        return NA, "no slope on one side (too few active windows)", threshold, flags.fatigue_source
    level, reason = verdict(_fatigue_row(diff, lo, hi, flags))
    return level, reason, threshold, flags.fatigue_source


def per_rep_si(left, right):
    """Symmetry index per repetition (NaN where undefined)."""
    return np.asarray(symmetry_index(np.asarray(left, float), np.asarray(right, float)), dtype=np.float64).reshape(-1)


def _get(r, name):
    v = r.get(name, math.nan) if isinstance(r, dict) else getattr(r, name, math.nan)
    try:
        return float(v)
    except (TypeError, ValueError):
        return math.nan


def row_of(table, r, flags, confidence=0.95) -> Row:
    """The :class:`Row` of one row (a namedtuple or dict) of ``table``, read through :data:`ROW_FIELDS`."""
    metric = (r["metric"] if isinstance(r, dict) else getattr(r, "metric", "")) if table != "agonist_antagonist" else "cci_side_si"
    if table == "bilateral" and metric == SLOPE:
        v, lo, hi = (_get(r, c) for c in ROW_FIELDS["bilateral " + SLOPE])
        return _fatigue_row(v, lo, hi, flags)
    v, lo, hi = (_get(r, c) for c in ROW_FIELDS[table])
    if table == "timing":
        return Row(metric, v, lo, hi, None, flags.timing_ms, "ms", confidence, f"{metric} difference")
    quantity = "symmetry index" if table == "bilateral" else "symmetry index of the co-contraction index"
    return _si_row(v, flags, metric, (lo, hi), confidence, quantity)


def settle(tables, flags, confidence=0.95) -> None:
    """Apply the rule to the finished rows of ``bilateral``, ``agonist_antagonist`` and ``timing`` (in place).

    A row keeps its table's verdict when that is milder (the table lowered it
    for a reason of its own, e.g. "within the noise") and gets the rule's
    verdict otherwise; its ``flag_reason`` then states the value, the limit
    and the interval, and its ``source`` the limit's source.
    """
    for name in ("bilateral", "agonist_antagonist", "timing"):
        t = tables.get(name)
        if t is None or t.empty or "flag" not in t.columns:
            continue
        flag, reason, source = t["flag"].tolist(), t["flag_reason"].tolist(), t["source"].tolist()
        for k, r in enumerate(t.to_dict("records")):
            if r["flag"] == NA:
                continue
            row = row_of(name, r, flags, confidence)
            level, why = verdict(row)
            if level == NA:
                continue
            final = milder(r["flag"], level)
            pre = value_reason(row)
            if why not in reason[k]:
                reason[k] = reason[k].replace(pre, why) if pre in reason[k] else (why if final != r["flag"] else reason[k])
            if final != r["flag"]:
                source[k] = flags.timing_source if name == "timing" else (
                    flags.fatigue_source if row.metric == SLOPE else _si_source(final, flags))
            flag[k] = final
        t["flag"], t["flag_reason"], t["source"] = flag, reason, source


# -- words ------------------------------------------------------------------------------------
_METRIC_WORDS = {
    "mean": "mean activity",
    "peak": "peak activity",
    "rms": "RMS amplitude",
    "iemg": "integrated EMG",
    SLOPE: "median-frequency decline",
}
_SIDE_WORDS = {"L": "left", "R": "right"}


def muscle_words(name, side=None) -> str:
    """A muscle as a physiotherapist reads it: ``("biceps_brachii", "L")`` -> ``"left biceps brachii"``.

    A side word in the name itself (a channel label standing in for a muscle,
    ``"L Biceps"``) is taken out, so that the side is never said twice.
    """
    text = str(name or "").replace("_", " ").strip()
    own, rest = split_side(text)
    if own is not None:
        text, side = rest, side or own
    word = _SIDE_WORDS.get(side, "")
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
        agree = [_METRIC_WORDS.get(x.metric, x.metric) for x in rows
                 if x is not r and (x.symmetry_index > 0) == (r.symmetry_index > 0)]
        other = [_METRIC_WORDS.get(x.metric, x.metric) for x in rows if (x.symmetry_index > 0) != (r.symmetry_index > 0)]
        by_burst = getattr(r, "task_structure", "") in BURST_MATCHED
        reps = f" over {_plural(int(r.n_reps), 'burst pair' if by_burst else 'repetition')}" if r.n_reps >= 2 else (
            " (one burst pair)" if by_burst else " (one interval)")
        finding = (f"{muscle_words(muscle)}, left vs right: {_METRIC_WORDS.get(r.metric, r.metric)} is larger on the {larger} side"
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


def _timing(timing, flags, confidence):
    out = []
    tflag = timing[timing["flag"].isin([FLAG, NOTICE])]
    for (comparison, a, b), group in tflag.groupby(["comparison", "channel_a", "channel_b"], sort=False):
        rows = list(group.itertuples(index=False))
        first = rows[0]
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
        if any("breaks into" in r.flag_reason for r in rows):
            finding += "; activity breaks into several bursts per repetition: timing uncertain"
        elif any("detection bias" in r.flag_reason for r in rows):
            finding += "; the two bursts differ in SNR: part of it may be detection bias"
        cause = _cause(rows, lambda x: x.mean_ms)
        out.append(_row(_worst([r.flag for r in rows]), "timing", subject, finding, cause.mean_ms, "ms", cause.threshold,
                        cause.source, cause.metric, (cause.ci_low_ms, cause.ci_high_ms), abs(float(cause.mean_ms)) / 10.0))
    return out


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


def summary_rows(bilateral, agonist_antagonist, timing, notes_info, scope=None, *, flags=None, confidence=0.95):
    """Ranked findings in plain words from the settled tables (:func:`settle`), after the scope row.

    The first row (category ``scope``, :func:`scope_row`) says what was
    compared when ``scope`` is given.  Then one finding per muscle for
    left/right amplitude, written from the metric that caused its verdict
    (the most severe of mean, peak, RMS, iEMG, then the largest ``|SI|``;
    the others that agree are named), per muscle for fatigue, per pair for
    co-contraction and per compared pair of channels for timing.  Each states
    its value, interval and threshold as magnitudes with the direction in
    words.  The ``ok`` row appears only when something was compared and
    nothing exceeds its threshold.

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
        rows.append(_row(OK, "overall", "", "No left/right, co-contraction, timing or fatigue difference exceeds its threshold "
                                            "among the pairs compared."))
    rows.sort(key=lambda r: (_SEVERITY[r["severity"]], -r["_key"]))
    if scope is not None:
        rows.insert(0, scope_row(scope))
    for rank, r in enumerate(rows, start=1):
        r.pop("_key")
        r["rank"] = rank
    return rows
