"""Group comparison across subjects: one value per subject first, then means, differences and Hedges' g.

Repeated recordings of a subject are not independent, so each subject's
sessions are averaged first (``subjects`` table) and the comparison counts
subjects, not recordings (no pseudo-replication; Hurlbert 1984, Lazic 2010).
For every condition, muscle and measure, each group is compared with the
reference group ``a`` (``difference = mean_b - mean_a``):

* group mean with the t interval ``mean +- t(0.975, n - 1) SD / sqrt(n)``;
* difference with Welch's interval (unequal variances; Welch 1947):
  ``SE = sqrt(SD_a^2/n_a + SD_b^2/n_b)``, Welch-Satterthwaite degrees of freedom;
* Hedges' g (Hedges 1981): ``d = difference / SD_pooled`` with
  ``SD_pooled = sqrt(((n_a-1) SD_a^2 + (n_b-1) SD_b^2) / (n_a + n_b - 2))``,
  ``g = J d``, ``J = 1 - 3 / (4 (n_a + n_b) - 9)``; its 95 % CI is
  ``g +- 1.96 SE_g``, ``SE_g = sqrt((n_a + n_b)/(n_a n_b) + g^2 / (2 (n_a + n_b)))``
  (Hedges & Olkin 1985).
"""

from __future__ import annotations

import math

from ..errors import InvalidInputError

__all__ = ["subject_values", "compare_groups", "mean_ci", "welch", "hedges_g", "SUBJECT_COLUMNS", "GROUP_COLUMNS", "GROUP_SESSIONS"]

SUBJECT_COLUMNS = ["condition", "group", "subject", "muscle", "measure", "unit", "value", "n_sessions"]
GROUP_COLUMNS = ["condition", "muscle", "measure", "unit", "group_a", "group_b", "n_a", "n_b", "mean_a", "sd_a", "ci_low_a", "ci_high_a",
                 "mean_b", "sd_b", "ci_low_b", "ci_high_b", "difference", "difference_ci_low", "difference_ci_high",
                 "hedges_g", "hedges_g_ci_low", "hedges_g_ci_high", "note"]
GROUP_SESSIONS = ("all", "first", "last")


def mean_ci(values):
    """``(n, mean, sd, ci_low, ci_high)`` of finite values with the t interval (NaN SD/CI below 2 values).

    >>> [round(v, 3) for v in mean_ci([1.0, 2.0, 3.0])]
    [3, 2.0, 1.0, -0.484, 4.484]
    """
    from .._rule import stats

    return stats(values, 0.95)


def welch(n_a, mean_a, sd_a, n_b, mean_b, sd_b):
    """``(difference, ci_low, ci_high)`` of ``mean_b - mean_a`` with Welch's 95 % interval."""
    from scipy.stats import t as student_t

    diff = mean_b - mean_a
    if n_a < 2 or n_b < 2:
        return diff, math.nan, math.nan
    va, vb = sd_a**2 / n_a, sd_b**2 / n_b
    se = math.sqrt(va + vb)
    if se == 0:
        return diff, diff, diff
    dof = (va + vb) ** 2 / (va**2 / (n_a - 1) + vb**2 / (n_b - 1))
    half = float(student_t.ppf(0.975, dof)) * se
    return diff, diff - half, diff + half


def hedges_g(n_a, mean_a, sd_a, n_b, mean_b, sd_b):
    """``(g, ci_low, ci_high)``: bias-corrected standardized difference ``(mean_b - mean_a) / SD_pooled``.

    Examples
    --------
    >>> [round(v, 4) for v in hedges_g(10, 0.0, 1.0, 10, 1.0, 1.0)]
    [0.9577, 0.0323, 1.8832]
    """
    if n_a < 2 or n_b < 2:
        return math.nan, math.nan, math.nan
    pooled = math.sqrt(((n_a - 1) * sd_a**2 + (n_b - 1) * sd_b**2) / (n_a + n_b - 2))
    if pooled == 0:
        return math.nan, math.nan, math.nan
    g = (1.0 - 3.0 / (4.0 * (n_a + n_b) - 9.0)) * (mean_b - mean_a) / pooled
    se = math.sqrt((n_a + n_b) / (n_a * n_b) + g**2 / (2.0 * (n_a + n_b)))
    return g, g - 1.96 * se, g + 1.96 * se


def subject_values(measures, *, sessions="all"):
    """One value per subject, condition, muscle and measure: the mean over its sessions.

    Parameters
    ----------
    measures : pandas.DataFrame
        As for :func:`emgkit.study.changes.compute_changes`; retest rows are left out.
    sessions : {"all", "first", "last"}
        Which sessions of each subject enter its value.

    Returns
    -------
    pandas.DataFrame
        :data:`SUBJECT_COLUMNS`; subjects without a group are left out.
    """
    import pandas as pd

    if sessions not in GROUP_SESSIONS:
        raise InvalidInputError(f"group_sessions must be one of {GROUP_SESSIONS}, got {sessions!r}")
    m = measures[(measures["retest_of"] == "") & (measures["group"] != "")]
    key = ["condition", "group", "subject", "muscle", "measure", "unit"]
    if sessions != "all":
        m = m.sort_values(key + ["order"]).drop_duplicates(key, keep="first" if sessions == "first" else "last")
    out = m.groupby(key, sort=True)["value"].agg(value="mean", n_sessions="count").reset_index()
    return pd.DataFrame({c: out[c] for c in SUBJECT_COLUMNS})


def compare_groups(subjects, *, reference=None):
    """Compare every group with the reference group, per condition, muscle and measure.

    Parameters
    ----------
    subjects : pandas.DataFrame
        From :func:`subject_values`.
    reference : str, optional
        The reference group ``a``; default: the first group in sorted order.

    Returns
    -------
    pandas.DataFrame
        :data:`GROUP_COLUMNS`; empty (with those columns) for fewer than two groups.

    Raises
    ------
    InvalidInputError
        ``reference`` names no group of the study.
    """
    import pandas as pd

    groups = sorted(set(subjects["group"]))
    if reference is not None and reference not in groups:
        raise InvalidInputError(f"reference group {reference!r} is not in the study; its groups are {groups}")
    ref = reference if reference is not None else (groups[0] if groups else None)
    rows = []
    for (condition, muscle, measure, unit), part in subjects.groupby(["condition", "muscle", "measure", "unit"], sort=True):
        a = mean_ci(part.loc[part["group"] == ref, "value"])
        for other in (g for g in groups if g != ref):
            b = mean_ci(part.loc[part["group"] == other, "value"])
            diff = welch(a[0], a[1], a[2], b[0], b[1], b[2])
            g = hedges_g(a[0], a[1], a[2], b[0], b[1], b[2])
            note = "" if a[0] >= 2 and b[0] >= 2 else f"fewer than 2 subjects in a group ({ref}: {a[0]}, {other}: {b[0]}): no SD, CI or effect size"
            rows.append(dict(condition=condition, muscle=muscle, measure=measure, unit=unit, group_a=ref, group_b=other,
                             n_a=a[0], n_b=b[0], mean_a=a[1], sd_a=a[2], ci_low_a=a[3], ci_high_a=a[4],
                             mean_b=b[1], sd_b=b[2], ci_low_b=b[3], ci_high_b=b[4], difference=diff[0],
                             difference_ci_low=diff[1], difference_ci_high=diff[2], hedges_g=g[0], hedges_g_ci_low=g[1],
                             hedges_g_ci_high=g[2], note=note))
    return pd.DataFrame(rows, columns=GROUP_COLUMNS)
