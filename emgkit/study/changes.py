"""Per-subject series: change of every measure from a baseline session, with its CI, MDC and verdict.

For one subject, condition, muscle (or pair) and measure, with ``b`` the
baseline value (the first session, or a named one) and ``v`` a later one:

* ``change = v - b``; its 95 % CI is ``change +- 1.96 SE_change`` with
  ``SE_change = sqrt(SE_v^2 + SE_b^2)`` (within-session reliability: each
  session's own standard error) or ``sqrt(2) SEM`` (test-retest);
* ``mdc = 1.96 sqrt(2) SEM`` (:mod:`~emgkit.study.reliability`);
* the verdict compares the distance from the healthier value: ``|v| - |b|``
  for measures whose healthy value is 0 (symmetry indices, left/right
  differences), ``v - b`` when lower is healthier, ``b - v`` when higher is.
  A distance that shrinks by more than the MDC is ``improving``, one that
  grows by more than the MDC ``worsening``, anything else ``within_noise``.
  For measures centred on 0 the distance change never exceeds ``|change|``,
  so a swing past symmetry (10 % to -12 %) is not called a worsening unless
  the gap itself grew beyond the MDC.

The baseline row and rows without any reliability estimate have an empty
verdict and say why in ``note``.
"""

from __future__ import annotations

import math

import numpy as np

from ..errors import InvalidInputError
from .reliability import MIN_RETEST_PAIRS, Z95, mdc95, retest_sem
from .table import gap

__all__ = ["compute_changes", "muscle_set_gaps", "CHANGE_COLUMNS", "VERDICTS", "RELIABILITY"]

CHANGE_COLUMNS = ["subject", "session", "muscle", "measure", "value", "change", "change_ci_low", "change_ci_high", "mdc", "verdict",
                  "unit", "condition", "group", "baseline_session", "se", "sem", "reliability", "note"]
VERDICTS = ("improving", "worsening", "within_noise")
RELIABILITY = ("auto", "within-session", "test-retest")
KEY = ["subject", "condition", "muscle", "measure"]


def _retest_sem(measures):
    """Test-retest SEM per (condition, muscle, measure) from rows marked ``retest_of``: a frame with ``sem_tr, n_pairs``."""
    retest = measures[measures["retest_of"] != ""]
    ref = measures[measures["retest_of"] == ""][KEY + ["session", "value"]]
    pairs = retest.merge(ref, left_on=KEY + ["retest_of"], right_on=KEY + ["session"], suffixes=("", "_ref"))
    pairs["d"] = pairs["value"] - pairs["value_ref"]
    grouped = pairs.groupby(["condition", "muscle", "measure"])["d"]
    return grouped.agg(sem_tr=retest_sem, n_pairs="count").reset_index()


def _distance_change(better, value, base):
    return np.where(better == "zero", np.abs(value) - np.abs(base), np.where(better == "lower", value - base, base - value))


def compute_changes(measures, *, baseline=None, reliability="auto", better=None):
    """Changes from baseline with CI, MDC and verdict.

    Parameters
    ----------
    measures : pandas.DataFrame
        One row per session and measure: ``subject, condition, session,
        order, group, retest_of`` and the columns of
        :data:`emgkit.study.measures.MEASURE_COLUMNS`.
    baseline : str, optional
        Session label of the baseline; default: each series' first session.
        A subject without that session falls back to its first one (listed in
        the gaps).
    reliability : {"auto", "within-session", "test-retest"}
        ``auto``: test-retest where the study marks at least two retest pairs
        for the measure, else within-session.
    better : dict, optional
        Measure -> ``"zero"``, ``"lower"`` or ``"higher"``, overriding
        :data:`emgkit.study.measures.BETTER`.

    Returns
    -------
    changes : pandas.DataFrame
        :data:`CHANGE_COLUMNS`, sorted by subject, condition, muscle, measure, session order.
    gaps : list of dict
    """
    import pandas as pd

    if reliability not in RELIABILITY:
        raise InvalidInputError(f"reliability must be one of {RELIABILITY}, got {reliability!r}")
    for measure, direction in (better or {}).items():
        if direction not in ("zero", "lower", "higher"):
            raise InvalidInputError(f"better[{measure!r}] must be 'zero', 'lower' or 'higher', got {direction!r}")
    gaps = []
    series = measures[measures["retest_of"] == ""].copy()
    if better:
        series["better"] = [better.get(m, b) for m, b in zip(series["measure"], series["better"])]
    series["named"] = series["session"] == baseline if baseline is not None else False
    if baseline is not None:
        for (subject, condition), part in series.groupby(["subject", "condition"], sort=False):
            if not part["named"].any():
                gaps.append(gap(subject, "", condition, "no baseline session",
                                f"subject {subject!r} has no session {baseline!r}; its first session is the baseline"))
    base = series.sort_values(KEY + ["named", "order"], ascending=[True] * 4 + [False, True]).drop_duplicates(KEY)
    base = base[KEY + ["session", "value", "se"]].rename(columns={"session": "baseline_session", "value": "base_value", "se": "base_se"})
    series["se2"] = series["se"] ** 2
    pooled = ["condition", "muscle", "measure"]  # one SEM per measure of the protocol, as MDCs are used clinically
    within = series.groupby(pooled)["se2"].agg(sem_ws="mean", n_ws="count").reset_index()
    within["sem_ws"] = np.sqrt(within["sem_ws"].to_numpy(dtype=float))
    out = series.merge(base, on=KEY).merge(within, on=pooled)
    out = out.merge(_retest_sem(measures), on=["condition", "muscle", "measure"], how="left")
    use_tr = np.isfinite(out["sem_tr"].to_numpy(dtype=float)) if reliability != "within-session" else np.zeros(len(out), bool)
    if reliability == "test-retest":
        out.loc[~use_tr, "sem_ws"] = math.nan
    out["sem"] = np.where(use_tr, out["sem_tr"], out["sem_ws"])
    out["reliability"] = np.where(use_tr, [f"test-retest ({n:.0f} pairs)" for n in out["n_pairs"].fillna(0)],
                                  [f"within-session ({n} sessions)" if np.isfinite(s) else "" for n, s in zip(out["n_ws"], out["sem_ws"])])
    sem = out["sem"].to_numpy(dtype=float)
    se_v = np.where(np.isfinite(out["se"]), out["se"], sem)
    se_b = np.where(np.isfinite(out["base_se"]), out["base_se"], sem)
    se_change = np.where(use_tr, math.sqrt(2.0) * sem, np.hypot(se_v, se_b))
    value, base_value = out["value"].to_numpy(dtype=float), out["base_value"].to_numpy(dtype=float)
    is_base = (out["session"] == out["baseline_session"]).to_numpy()
    change = np.where(is_base, 0.0, value - base_value)
    out["change"] = change
    out["change_ci_low"] = np.where(is_base, math.nan, change - Z95 * se_change)
    out["change_ci_high"] = np.where(is_base, math.nan, change + Z95 * se_change)
    out["mdc"] = mdc95(sem)
    dist = _distance_change(out["better"].to_numpy(), value, base_value)
    verdict = np.where(dist < -out["mdc"], "improving", np.where(dist > out["mdc"], "worsening", "within_noise"))
    known = np.isfinite(out["mdc"].to_numpy(dtype=float))
    out["verdict"] = np.where(is_base | ~known, "", verdict)
    if reliability == "test-retest":
        why = f"no test-retest estimate (fewer than {MIN_RETEST_PAIRS} retest pairs)"
    else:
        why = "no reliability estimate (single repetitions: no between-repetition SD)"
    out["note"] = np.where(is_base, "baseline", np.where(known, "", why))
    out = out.sort_values(KEY + ["order"]).reset_index(drop=True)
    return pd.DataFrame({c: out[c] for c in CHANGE_COLUMNS}), gaps


def muscle_set_gaps(measures, skipped=None) -> list[dict]:
    """Gaps for subjects whose sessions do not all hold the same muscles (and pairs).

    ``skipped`` (same columns; the values the analysis did not judge) counts
    as held: such a muscle was recorded, and its gap is already listed as
    ``not judged``.
    """
    import pandas as pd

    gaps = []
    both = measures if skipped is None or skipped.empty else pd.concat([measures, skipped[measures.columns.intersection(skipped.columns)]])
    series = both[both["retest_of"] == ""]
    for (subject, condition), part in series.groupby(["subject", "condition"], sort=False):
        sets = {s: set(p["muscle"]) for s, p in part.groupby("session", sort=False)}
        every = set.union(*sets.values()) if sets else set()
        missing = {s: sorted(every - m) for s, m in sets.items() if every - m}
        if missing and len(sets) > 1:
            detail = "; ".join(f"session {s}: no {', '.join(m)}" for s, m in missing.items())
            gaps.append(gap(subject, ",".join(missing), condition, "mixed muscle sets",
                            f"subject {subject!r}: sessions differ in muscles/pairs ({detail}); those series have fewer sessions"))
    return gaps
