"""The one verdict rule of every flag and every finding, and the statistics it reads.

Pure functions over numbers and table rows: :mod:`emgkit.analysis` computes
the per-repetition values and calls these to aggregate them (mean, SD,
confidence interval; :func:`si_stats` keeps a symmetry index's interval inside
its range) and to judge them against the configured thresholds (each verdict
carries its threshold and source).  :mod:`emgkit._findings` writes the
sentences from the rows judged here.

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
lowered to a notice, and so is a flag from fewer than ``flags.min_reps_for_flag``
repetitions or paired bursts (``n`` < ``min_n``: with 2 the t-interval has one
degree of freedom).  A value that is not finite, or a row without limits
(agonist/antagonist timing without a reference for the task,
``flags.agonist_antagonist_timing_ms`` unset), gets no verdict (``""``): it is
described, not judged.  Mean and peak, SI, timing, co-contraction and fatigue
are judged the same way.

Tables decide their flags with :func:`si_flag` (by value; the interval check is
applied by :func:`settle` once the row holds its interval), :func:`timing_flag`
and :func:`fatigue_flag`; a table may lower a verdict further for its own
reason (no activity, within the noise, detection bias).  :func:`settle` applies
the rule to the finished rows of ``bilateral``, ``agonist_antagonist`` and
``timing`` (reading the columns named in :data:`ROW_FIELDS`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .symmetry import symmetry_index

FLAG, NOTICE, OK, NA = "flag", "notice", "ok", ""
_STRENGTH = {NA: 0, OK: 1, NOTICE: 2, FLAG: 3}  # how much a verdict asserts: the milder of two wins
AMPLITUDE_METRICS = ("mean", "peak", "rms", "iemg")
SLOPE = "mdf_slope_pct_per_min"

#: Why antagonist-agonist timing has no verdict unless the user gives a reference (docs/science.md#one-rule-for-every-flag).
DESCRIBED = "agonist/antagonist timing is described, not judged: no reference for this task"
DESCRIBED_FIX = "set flags.agonist_antagonist_timing_ms to judge it against a reference"

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


SI_RANGE = 200.0  # |SI| <= 200 % (one side at 0)


def si_stats(si, confidence):
    """``(n, mean, sd, ci_low, ci_high, clipped)`` of per-repetition symmetry indices, the interval bounded.

    ``n``, ``mean`` and ``sd`` are those of :func:`stats` (arithmetic, in % SI).
    The interval is the t-interval of ``atanh(SI / 200) = ln(R / L) / 2`` (the
    log ratio of the two sides) mapped back by ``SI = 200 tanh(z)``, which is
    monotone, so it stays inside -200..200 % and excludes 0 exactly when the
    interval of the log ratio does (Bland & Altman 1996; docs/science.md,
    "Bounded intervals of the SI").  When a repetition has one side at 0
    (``|SI| = 200``, no log ratio), the t-interval of the SI itself is
    clipped to -200..200 % and ``clipped`` is True.

    Examples
    --------
    >>> n, mean, sd, lo, hi, clipped = si_stats([20.0, 60.0, 100.0], 0.95)
    >>> round(mean, 1), round(lo, 1), round(hi, 1), clipped
    (60.0, -46.8, 141.1, False)
    """
    n, mean, sd, lo, hi = stats(si, confidence)
    if n < 2:
        return n, mean, sd, lo, hi, False
    v = np.asarray(si, dtype=np.float64)
    v = v[np.isfinite(v)]
    if np.all(np.abs(v) < SI_RANGE):
        _, _, _, zlo, zhi = stats(np.arctanh(v / SI_RANGE), confidence)
        return n, mean, sd, SI_RANGE * math.tanh(zlo), SI_RANGE * math.tanh(zhi), False
    a, b = max(lo, -SI_RANGE), min(hi, SI_RANGE)
    return n, mean, sd, a, b, (a, b) != (lo, hi)


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
    n : int
        Repetitions or paired bursts behind ``value`` (-1: not known, not checked).
    min_n : int
        Fewest ``n`` for a flag (``flags.min_reps_for_flag``); below it a flag is lowered to a notice.
    n_word : str
        What ``n`` counts, in words (``"repetitions"``, ``"paired bursts"``).
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
    n: int = -1
    min_n: int = 1
    n_word: str = "repetitions"

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
    if row.notice is None and row.flag is None:
        return NA, f"{row.quantity} {num(row.value, row.unit)} {row.unit}" + (f" ({ci_text(row)})" if row.has_ci else "")
    reason = value_reason(row)
    if level == OK or not row.use_ci:
        return few_reps(row, level, reason + (f" ({ci_text(row)})" if row.has_ci else ""))
    if not row.has_ci:
        lower = NOTICE if level == FLAG else OK
        return lower, reason + f", but no confidence interval (one interval or one pair): lowered to {lower}"
    if (row.ci_low > 0) if row.value > 0 else (row.ci_high < 0):
        return few_reps(row, level, reason + f" and its {ci_text(row)} excludes 0")
    return OK, reason + f", but its {ci_text(row)} reaches 0 or the other side: no difference shown"


def few_reps(row: Row, level: str, reason: str) -> tuple[str, str]:
    """A flag from fewer than ``row.min_n`` repetitions lowered to a notice, with the reason; anything else as it is."""
    if level != FLAG or not 0 <= row.n < row.min_n:
        return level, reason
    return NOTICE, (f"{reason}, but only {row.n} {row.n_word} (a flag needs {row.min_n}, flags.min_reps_for_flag): "
                    "lowered to notice")


def milder(a: str, b: str) -> str:
    """The less assertive of two verdicts (``""`` < ok < notice < flag)."""
    return a if _STRENGTH.get(a, 0) <= _STRENGTH.get(b, 0) else b


# -- the tables' calls ------------------------------------------------------------------------
def si_threshold_text(flags) -> str:
    ci = "; its CI must exclude 0" if flags.beyond_variability else ""
    return f"notice > {flags.si_notice_pct:g} %, flag > {flags.si_flag_pct:g} % (|SI|{ci})"


def _si_row(si, flags, metric="si", ci=(math.nan, math.nan), confidence=0.95, quantity="symmetry index", n=-1,
            n_word="repetitions") -> Row:
    return Row(metric, si, ci[0], ci[1], flags.si_notice_pct, flags.si_flag_pct, "%", confidence, quantity,
               flags.beyond_variability, n, flags.min_reps_for_flag, n_word)


def _si_source(level, flags) -> str:
    return flags.si_flag_source if level == FLAG else flags.si_notice_source


def si_flag(si, si_sd, n_reps, flags, undefined=""):
    """``(flag, reason, threshold, source)`` of a symmetry index by its value (``si_sd`` is not used).

    The interval half of the rule needs the row's interval: :func:`settle`
    applies it to the finished table.  With fewer than two repetitions there
    is no interval, and a flag is lowered to a notice here, as it is with
    fewer than ``flags.min_reps_for_flag``.
    """
    threshold = si_threshold_text(flags)
    if not math.isfinite(si):
        return NA, undefined or "index undefined", threshold, ""
    row = _si_row(si, flags, n=n_reps)
    level, reason = level_by_value(si, row.notice, row.flag), value_reason(row)
    if n_reps < 2 and level != OK and flags.beyond_variability:
        level, reason = verdict(row)
    level, reason = few_reps(row, level, reason)
    return level, reason, threshold, _si_source(level, flags)


def timing_limit(comparison, flags):
    """``(limit in ms or None, source)`` of a timing comparison: left/right ``flags.timing_ms``; agonist/antagonist
    ``flags.agonist_antagonist_timing_ms`` (None by default: described, not judged)."""
    if comparison != "agonist_antagonist":
        return flags.timing_ms, flags.timing_source
    limit = flags.agonist_antagonist_timing_ms
    return limit, ("" if limit is None else "user reference (flags.agonist_antagonist_timing_ms)")


def _timing_row(metric, mean, lo, hi, n, comparison, flags, confidence=0.95, quantity="difference") -> Row:
    return Row(metric, mean, lo, hi, None, timing_limit(comparison, flags)[0], "ms", confidence, quantity, True, n,
               flags.min_reps_for_flag, "paired bursts")


def timing_flag(n, mean, lo, hi, flags, comparison="left_right"):
    """``(flag, reason, threshold, source)`` of a mean timing difference in ms, by the rule.

    Agonist/antagonist timing (``comparison="agonist_antagonist"``) has no verdict unless
    ``flags.agonist_antagonist_timing_ms`` is set: the reason says it is described, not judged.
    """
    limit, source = timing_limit(comparison, flags)
    threshold = (f"|mean| > {limit:g} ms and 95 % CI excludes 0" if limit is not None
                 else f"none: {DESCRIBED} ({DESCRIBED_FIX})")
    if n < 1 or not math.isfinite(mean):
        return NA, f"{n} paired burst(s): nothing to compare", threshold, source
    level, reason = verdict(_timing_row("timing", mean, lo, hi, n, comparison, flags))
    if limit is None:
        reason = f"{DESCRIBED} ({DESCRIBED_FIX}); {reason}"
    return level, reason, threshold, source


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
    count = _get(r, "n" if table == "timing" else "n_reps")
    n = int(count) if math.isfinite(count) else -1
    if table == "timing":
        comparison = r.get("comparison", "") if isinstance(r, dict) else getattr(r, "comparison", "")
        return _timing_row(metric, v, lo, hi, n, comparison, flags, confidence, f"{metric} difference")
    quantity = "symmetry index" if table == "bilateral" else "symmetry index of the co-contraction index"
    burst = (r.get("task_structure", "") if isinstance(r, dict) else getattr(r, "task_structure", "")) in ("alternating",
                                                                                                          "paired trials")
    return _si_row(v, flags, metric, (lo, hi), confidence, quantity, n, "burst pairs" if burst else "repetitions")


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
                source[k] = timing_limit(r.get("comparison", ""), flags)[1] if name == "timing" else (
                    flags.fatigue_source if row.metric == SLOPE else _si_source(final, flags))
            flag[k] = final
        t["flag"], t["flag_reason"], t["source"] = flag, reason, source
