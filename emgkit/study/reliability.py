"""Measurement error of a session value: the SEM and the minimal detectable change.

Two estimates of the standard error of measurement (SEM), both in the unit of
the measure (docs/study.md gives the sources):

* **within-session** (default): a session's value is a mean over
  repetitions, so its error is its standard error ``SE = SD_reps / sqrt(n)``;
  the SEM of one condition, muscle and measure is the root mean square of the
  SEs of all sessions of the study, ``SEM = sqrt(mean(SE_i^2))`` (pooled like
  a reliability study's SEM: one session's SE from a handful of repetitions
  is itself too uncertain).  It misses between-day sources (electrode
  placement, skin) and error in what the analysis estimates once per
  session (noise floors, detection thresholds), which moves every
  repetition of a session together, so it is a lower bound.
* **test-retest**: when the study table marks repeated sessions
  (``retest_of``), the differences ``d`` between a session and its retest,
  pooled over subjects, give the typical error ``SEM = SD(d) / sqrt(2)``
  (Hopkins 2000; Weir 2005), which includes the between-day sources.

MDC95 = 1.96 x sqrt(2) x SEM: the smallest change between two sessions that
exceeds measurement error with 95 % confidence (Beckerman et al. 2001;
Haley & Fragala-Pinkham 2006).
"""

from __future__ import annotations

import math

import numpy as np

__all__ = ["Z95", "mdc95", "within_session_sem", "retest_sem", "MIN_RETEST_PAIRS"]

Z95 = 1.96  # two-sided 95 % normal quantile, as written in the MDC95 formula
MIN_RETEST_PAIRS = 2  # an SD of differences needs at least two pairs


def mdc95(sem):
    """Minimal detectable change at 95 % confidence, ``1.96 * sqrt(2) * SEM`` (same unit as ``sem``; scalar or array).

    >>> round(mdc95(5.0), 3)
    13.859
    """
    return Z95 * math.sqrt(2.0) * sem


def within_session_sem(se) -> float:
    """Root mean square of the finite session SEs (NaN when none is finite).

    >>> within_session_sem([3.0, 4.0, float("nan")])
    3.5355339059327378
    """
    se = np.asarray(se, dtype=float)
    se = se[np.isfinite(se)]
    return float(np.sqrt(np.mean(se**2))) if se.size else math.nan


def retest_sem(differences) -> float:
    """Typical error ``SD(d) / sqrt(2)`` of test-retest differences (NaN with fewer than 2 finite pairs).

    >>> round(retest_sem([1.0, -1.0, 3.0]), 4)
    1.4142
    """
    d = np.asarray(differences, dtype=float)
    d = d[np.isfinite(d)]
    return float(np.std(d, ddof=1) / math.sqrt(2.0)) if d.size >= MIN_RETEST_PAIRS else math.nan
