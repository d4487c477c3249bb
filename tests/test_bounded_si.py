"""Symmetry-index intervals inside -200..200 %, the left/right co-contraction interval and the honest all-clear (issue #13).

Intervals are checked against hand-computed numbers (the log-ratio t-interval written out), the co-contraction
interval against the per-repetition indices of the repetitions table, and the all-clear against its tables.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy.stats import t as student_t

import emgkit
from emgkit import _findings as fd
from emgkit import _rule
from emgkit.datasets.simulate import simulate


# -- the bounded interval, by hand ----------------------------------------------------------------------------------
def test_si_interval_by_hand():
    """SI 20, 60, 100 %: z = atanh(SI/200) = 0.10034, 0.30952, 0.54931; mean 0.31972, SD 0.22466;
    t(0.975, 2) = 4.30265, half 0.55809; back: 200 tanh(-0.23837) = -46.79 %, 200 tanh(0.87781) = +141.06 %.
    (The plain t-interval, 60 +- 99.4, would end at +159.4 %.)"""
    n, mean, sd, lo, hi, clipped = _rule.si_stats([20.0, 60.0, 100.0], 0.95)
    assert (n, mean, sd, clipped) == (3, 60.0, 40.0, False)
    assert lo == pytest.approx(-46.79, abs=0.01) and hi == pytest.approx(141.06, abs=0.01)


def test_si_interval_is_the_log_ratio_interval_mapped_back():
    """The interval on ln(R/L) per repetition, mapped through SI = 200 (r - 1) / (r + 1): same bounds, same test of 0."""
    left = np.array([10.0, 12.0, 9.0, 11.0, 10.5])
    right = np.array([30.0, 13.0, 40.0, 12.0, 25.0])
    si = 200.0 * (right - left) / (right + left)
    lr = np.log(right / left)
    half = student_t.ppf(0.975, lr.size - 1) * lr.std(ddof=1) / math.sqrt(lr.size)
    r_lo, r_hi = math.exp(lr.mean() - half), math.exp(lr.mean() + half)
    expected = (200.0 * (r_lo - 1) / (r_lo + 1), 200.0 * (r_hi - 1) / (r_hi + 1))
    _, _, _, lo, hi, clipped = _rule.si_stats(si, 0.95)
    assert (lo, hi) == pytest.approx(expected, rel=1e-12) and not clipped
    assert (lo > 0) == (lr.mean() - half > 0)


def test_sub02_bowing_like_interval_stays_in_range():
    """Per-repetition SI that a t-interval carries past +200 % (the issue's -98 to +270 %) stays inside the range."""
    si = np.array([190.0, -150.0, 180.0, 195.0, 100.0])
    _, mean, sd, lo, hi, clipped = _rule.si_stats(si, 0.95)
    t_half = student_t.ppf(0.975, 4) * sd / math.sqrt(5)
    assert mean + t_half > 200.0  # the plain t-interval would leave the range
    assert -200.0 < lo < 0.0 < hi < 200.0 and not clipped


def test_one_side_at_zero_falls_back_to_a_clipped_interval():
    """SI 200, 150, 100 %: no log ratio for 200 %; t-interval 150 +- 4.30265 x 50 / sqrt(3) = 25.8 to 274.2, clipped to 200."""
    _, mean, sd, lo, hi, clipped = _rule.si_stats([200.0, 150.0, 100.0], 0.95)
    assert (mean, sd, clipped) == (150.0, 50.0, True)
    assert lo == pytest.approx(150.0 - 4.302653 * 50 / math.sqrt(3), abs=1e-3) and hi == 200.0


def test_fewer_than_two_repetitions_have_no_interval():
    n, mean, _, lo, hi, clipped = _rule.si_stats([40.0, math.nan], 0.95)
    assert (n, mean, clipped) == (1, 40.0, False) and math.isnan(lo) and math.isnan(hi)


# -- the left/right co-contraction interval -----------------------------------------------------------------------------
@pytest.fixture(scope="module")
def cc_analysis():
    rec = simulate(n_reps=8, lr_ratio=1.0, cocontraction=0.3, level_cv=0.2, seed=3)
    return emgkit.analyze(rec)


def test_cocontraction_side_interval_from_repetitions(cc_analysis):
    """cci_side_si_ci_low/high: the bounded interval of the per-repetition SI of Falconer's CCI, right vs left."""
    aa, reps = cc_analysis.agonist_antagonist, cc_analysis.repetitions
    row = aa[aa["side"] == "L"].iloc[0]
    per_side = {}
    for side in ("L", "R"):
        r = reps[(reps["kind"] == "agonist_antagonist") & (reps["side"] == side) & (reps["metric"] == "cci_falconer")]
        per_side[side] = dict(zip(r["cycle"], r["value"]))
    cycles = sorted(set(per_side["L"]) & set(per_side["R"]))
    assert len(cycles) >= 6
    left = np.array([per_side["L"][k] for k in cycles])
    right = np.array([per_side["R"][k] for k in cycles])
    z = np.arctanh((right - left) / (right + left))  # atanh(SI / 200)
    half = student_t.ppf(0.975, z.size - 1) * z.std(ddof=1) / math.sqrt(z.size)
    expected = (200.0 * math.tanh(z.mean() - half), 200.0 * math.tanh(z.mean() + half))
    assert (row["cci_side_si_ci_low"], row["cci_side_si_ci_high"]) == pytest.approx(expected, abs=1e-9)
    both = aa[aa["agonist_muscle"] == row["agonist_muscle"]]
    assert both["cci_side_si_ci_low"].nunique() == 1  # the same interval on both sides' rows
    assert expected[0] < 0 < expected[1] and row["flag"] == "ok"  # a symmetric simulation: the interval reaches 0


# -- the all-clear names only what was judged ----------------------------------------------------------------------------
def _tables(slope_flag, slope_reason, amp_flag="ok", timing_flag="ok"):
    b = pd.DataFrame([
        dict(muscle="biceps_brachii", metric="mean", left_channel="L-Bic", right_channel="R-Bic", flag=amp_flag,
             flag_reason="symmetry index +3.0 %: |value| within 10 %", symmetry_index=3.0),
        dict(muscle="biceps_brachii", metric=fd.SLOPE, left_channel="L-Bic", right_channel="R-Bic", flag=slope_flag,
             flag_reason=slope_reason, symmetry_index=math.nan),
    ])
    aa = pd.DataFrame([dict(agonist_muscle="biceps_brachii", antagonist_muscle="triceps_brachii", flag="", cci_side_si=math.nan,
                            flag_reason="no single pair of the same muscles on the other side to compare with; no absolute CCI "
                                        "cut-off is published")])
    tm = pd.DataFrame([dict(comparison="left_right", channel_a="L-Bic", channel_b="R-Bic", flag=timing_flag, mean_ms=5.0,
                            flag_reason="withheld: unilateral task" if timing_flag == "" else "difference +5 ms")])
    return b, aa, tm


SHORT = ("not judged: L-Bic: its comparable windows span 9.8 s, less than 30 s, so its MDF slope (+4.0 %/min, CI -30 to +38) "
         "is not judged")


def test_all_clear_names_fatigue_not_judged_on_a_short_record():
    rows = fd.summary_rows(*_tables("", SHORT), [])
    overall = [r for r in rows if r["category"] == "overall"]
    assert len(overall) == 1 and overall[0]["severity"] == "ok"
    text = overall[0]["finding"]
    assert text.startswith("No left/right or timing difference exceeds its threshold")
    assert "fatigue not judged: comparable windows span less than 30 s (fatigue.min_span_s)" in text
    assert "co-contraction not judged: no single pair of the same muscles on the other side to compare with" in text


def test_all_clear_names_every_category_when_all_were_judged():
    b, aa, tm = _tables("ok", "slope difference +1.0 %/min")
    aa.loc[0, "flag"] = "ok"
    text = [r for r in fd.summary_rows(b, aa, tm, []) if r["category"] == "overall"][0]["finding"]
    assert text == "No left/right, co-contraction, timing or fatigue difference exceeds its threshold among the pairs compared."


def test_nothing_judged_is_not_an_all_clear():
    rows = fd.summary_rows(*_tables("", SHORT, amp_flag="", timing_flag=""), [])
    overall = [r for r in rows if r["category"] == "overall"][0]
    assert overall["severity"] == "info" and overall["finding"].startswith("No difference was judged")
    assert "timing not judged: withheld: unilateral task" in overall["finding"]


def test_analysis_of_a_short_record_does_not_clear_fatigue():
    """A 22 s simulated record (< fatigue.min_span_s = 30 s), biceps only: slopes reported, not judged, and the all-clear
    names left/right and timing only."""
    a = emgkit.analyze(simulate(n_reps=5, muscles=("biceps_brachii",), seed=3))
    slope = a.bilateral[a.bilateral["metric"] == fd.SLOPE]
    assert len(slope) == 1 and slope["flag"].iloc[0] == "", slope[["flag", "flag_reason"]]
    overall = a.summary[a.summary["category"] == "overall"]
    assert overall["finding"].tolist() == [
        "No left/right or timing difference exceeds its threshold among the pairs compared; co-contraction not judged: no "
        "agonist/antagonist pair; fatigue not judged: comparable windows span less than 30 s (fatigue.min_span_s)."]
