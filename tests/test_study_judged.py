"""A study reads a session's value only when the analysis judged it; the others are gaps with the reason, never a change."""

import math
import warnings

import numpy as np
import pytest

import emgkit
from emgkit.analysis import load_analysis
from emgkit.analysis.structure import UNILATERAL_REASON
from emgkit.datasets import simulate
from emgkit.study import study
from emgkit.study.changes import VERDICTS
from emgkit.study.measures import TABLES_USED, read_session, split_measures

SLOPES = ("mdf_slope_pct_per_min", "mdf_slope_lr_diff")
SPECTRA = {"biceps_brachii": 100.0, "triceps_brachii": 90.0}
CHANNELS = ("L biceps_brachii", "L triceps_brachii", "R biceps_brachii", "R triceps_brachii")


def lr_ratio(si_pct):
    """Right / left amplitude ratio whose symmetry index 200 (R - L) / (R + L) is ``si_pct``."""
    return (1 + si_pct / 200) / (1 - si_pct / 200)


def _save(folder, n_reps, seed, config=None):
    """A 1 kHz session of ``n_reps`` 1.5 s biceps bursts every 2.5 s (14 reps: 36 s; 5 reps: 13.5 s) saved by Analysis.save."""
    rec = simulate(muscles=("biceps_brachii", "triceps_brachii"), lr_ratio={"biceps_brachii": lr_ratio(20.0)}, mdf_hz=SPECTRA,
                   cocontraction={"triceps_brachii": 0.2}, seed=seed, fs=1000, n_reps=n_reps, burst_s=1.5, rest_s=1.0, lead_in_s=1.0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        emgkit.analyze(rec, config=config).save(folder, overwrite=True)
    return str(folder)


@pytest.fixture(scope="module")
def sessions(tmp_path_factory):
    """Sessions 1 and 3 long enough to judge their MDF slopes (36 s), session 2 too short (13.5 s, fatigue.min_span_s = 30 s)."""
    root = tmp_path_factory.mktemp("judged")
    return [_save(root / f"s{k}", n, 299 + k) for k, n in enumerate((14, 5, 14), start=1)]


def test_short_fatigue_record_is_a_gap_and_the_rest_is_read(sessions):
    result = study([dict(subject="S", session=str(k), file=f) for k, f in enumerate(sessions, start=1)])
    m = result.measures
    short = load_analysis(sessions[1]).fatigue.set_index("channel")
    # the analysis marked every slope of session 2 as too short, though each has a finite value the old study read
    assert short["note"].str.contains("fatigue.min_span_s").all() and np.isfinite(short["mdf_slope_pct_per_min"]).all()
    assert not m[(m["session"] == "2") & m["measure"].isin(SLOPES)].size
    for s in ("1", "3"):  # judged there: 4 channel slopes and 2 left/right differences each
        assert m[(m["session"] == s) & m["measure"].isin(SLOPES)]["measure"].value_counts().to_dict() == {SLOPES[0]: 4, SLOPES[1]: 2}
    skipped = result.skipped.set_index("muscle")
    assert set(skipped["session"]) == {"2"} and len(skipped) == 6
    for ch in CHANNELS:  # the value kept as the analysis gave it, with the reason
        assert skipped.loc[ch, "value"] == pytest.approx(short.loc[ch, "mdf_slope_pct_per_min"])
        assert skipped.loc[ch, "reason"] == "comparable windows span less than 30 s (fatigue.min_span_s)"
    (gap,) = result.gaps[result.gaps["problem"] == "not judged"].itertuples(index=False)
    assert gap.session == "2" and "fatigue.min_span_s" in gap.detail and all(ch in gap.detail for ch in CHANNELS)
    assert f"{short.loc['R triceps_brachii', 'mdf_slope_pct_per_min']:+.1f} %/min" in gap.detail
    assert "mixed muscle sets" not in set(result.gaps["problem"])  # a value not judged is no missing muscle
    # never a change: no row of session 2 for the slopes; session 3 against baseline 1 as before
    c = result.changes
    assert not c[(c["session"] == "2") & c["measure"].isin(SLOPES)].size
    later = c[(c["session"] == "3") & c["measure"].isin(SLOPES)]
    assert len(later) == 6 and later["verdict"].isin(VERDICTS).all() and (later["baseline_session"] == "1").all()
    # the others unaffected: session 2's symmetry index is the analysis' own, and it has a verdict
    bil = load_analysis(sessions[1]).bilateral.set_index(["muscle", "metric"])
    si2 = c[(c["session"] == "2") & (c["measure"] == "si_mean")].set_index("muscle")["value"]
    assert si2.to_dict() == pytest.approx({mu: bil.loc[(mu, "mean"), "symmetry_index"] for mu in SPECTRA})
    assert len(m[m["session"] == "2"]) == len(m[m["session"] == "1"]) - 6


def test_the_analysis_mark_decides_not_the_study(sessions, tmp_path):
    """The same short session analysed with fatigue.min_span_s = 0: its slopes are judged, so the study reads them."""
    folder = _save(tmp_path / "s2", 5, 301, config={"fatigue": {"min_span_s": 0}})
    read, skipped = read_session(folder)
    assert not skipped
    slopes = {r["muscle"]: r["value"] for r in read if r["measure"] == SLOPES[0]}
    default = {s["muscle"]: s["value"] for s in read_session(sessions[1])[1] if s["measure"] == SLOPES[0]}
    assert sorted(slopes) == sorted(CHANNELS) and slopes == pytest.approx(default)  # same values, read once judged


def test_noise_only_outlier_slope_is_not_followed(tmp_path):
    """docs/study.md's noise-only outlier: seed 87 session 2, right triceps MDF slope +2,389 %/min (SE 999) from 4 s of windows.

    With fatigue.min_span_s = 15 s (as tests/test_study_simulated.py analyses its 20 s sessions), the other three slopes
    (18-19 s) are judged and read; the right triceps' is a gap.
    """
    rec = simulate(muscles=("biceps_brachii", "triceps_brachii"), lr_ratio={"biceps_brachii": lr_ratio(15.0)}, mdf_hz=SPECTRA,
                   cocontraction={"triceps_brachii": 0.2}, seed=87001, fs=1000, n_reps=8, burst_s=1.5, rest_s=1.0, lead_in_s=1.0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        emgkit.analyze(rec, config={"fatigue": {"min_span_s": 15}}).save(tmp_path / "a")
    read, skipped = read_session(tmp_path / "a")
    slopes = {r["muscle"]: r["value"] for r in read if r["measure"] == SLOPES[0]}
    assert sorted(slopes) == ["L biceps_brachii", "L triceps_brachii", "R biceps_brachii"]
    assert max(abs(v) for v in slopes.values()) < 100
    outlier = {(s["muscle"], s["measure"]): s for s in skipped}
    assert set(outlier) == {("R triceps_brachii", SLOPES[0]), ("triceps_brachii", SLOPES[1])}
    assert outlier[("R triceps_brachii", SLOPES[0])]["value"] == pytest.approx(2389.3, abs=0.1)


# -- hand-made tables: the rule row by row ----------------------------------------------------------
def _bilateral(muscle, metric, si, flag, reason=""):
    return dict(muscle=muscle, metric=metric, symmetry_index=si, si_sd="4.0", n_reps="8", flag=flag, flag_reason=reason)


def _fatigue(side, muscle, slope, note="12 of 20 windows used"):
    return dict(channel=f"{side} {muscle}", side=side, muscle=muscle, mdf_slope_pct_per_min=slope, n_used="12",
                mdf_pct_ci_low=str(float(slope) - 10), mdf_pct_ci_high=str(float(slope) + 10), reason="", note=note)


def _cci(side, cci, flag, reason):
    return dict(side=side, agonist=f"{side} biceps", antagonist=f"{side} triceps", agonist_muscle="biceps_brachii",
                antagonist_muscle="triceps_brachii", cci_falconer=cci, cci_falconer_sd="5.0", n_reps="8", flag=flag, flag_reason=reason)


def _timing(muscle, metric, mean, flag, reason):
    return dict(comparison="left_right", muscle=muscle, metric=metric, mean_ms=mean, sd_ms="10", n="8", flag=flag, flag_reason=reason)


NOISE = ("co-contraction not measurable: R triceps_brachii is at its noise floor (burst SNR 2 dB), so it does not work beside "
         "the other muscle (negligible co-contraction); no index is computed from noise")
PAIRED = "not compared: paired trials: the two sides were recorded in separate trials, so their onsets share no time base"


def _tables():
    """Biceps judged everywhere; triceps a unilateral task (withheld); the co-contraction pair's right side at its noise floor."""
    return {
        "bilateral": [_bilateral("biceps_brachii", "mean", "12.0", "notice", "symmetry index +12.0 %: |value| > 10 %"),
                      _bilateral("biceps_brachii", "mdf_slope_pct_per_min", "", "ok", "slope difference +3.0 %/min: |value| within 0 %/min"),
                      _bilateral("triceps_brachii", "mean", "", "", UNILATERAL_REASON),
                      _bilateral("triceps_brachii", "peak", "35.0", "", "not compared: no activity (no bursts in either muscle)"),
                      _bilateral("triceps_brachii", "mdf_slope_pct_per_min", "", "", UNILATERAL_REASON)],
        "agonist_antagonist": [_cci("L", "30.0", "", f"left vs right co-contraction: right side: {NOISE}"),
                               _cci("R", "", "", f"left vs right co-contraction: right side: {NOISE}")],
        "timing": [_timing("biceps_brachii", "onset", "5.0", "ok", "difference +5 ms: |value| within 20 ms"),
                   _timing("triceps_brachii", "onset", "", "", PAIRED)],
        "fatigue": [_fatigue("L", "biceps_brachii", "-10.0"), _fatigue("R", "biceps_brachii", "-7.0"),
                    _fatigue("L", "triceps_brachii", "-4.0"), _fatigue("R", "triceps_brachii", "-6.0")],
    }


def test_rows_without_a_verdict_are_skipped_with_the_reason():
    read, skipped = split_measures(_tables())
    got = {(r["muscle"], r["measure"]): r["value"] for r in read}
    assert got == pytest.approx({("biceps_brachii", "si_mean"): 12.0, ("biceps_brachii", "onset_lr_ms"): 5.0,
                                 ("L biceps_brachii/triceps_brachii", "cci_falconer"): 30.0,
                                 ("L biceps_brachii", SLOPES[0]): -10.0, ("R biceps_brachii", SLOPES[0]): -7.0,
                                 ("L triceps_brachii", SLOPES[0]): -4.0, ("R triceps_brachii", SLOPES[0]): -6.0,
                                 ("biceps_brachii", SLOPES[1]): 3.0})
    why = {(r["muscle"], r["measure"]): r["reason"] for r in skipped}
    unilateral = UNILATERAL_REASON.split(";")[0]  # its first clause: "unilateral task: one side at rest by design"
    assert why == {("triceps_brachii", "si_mean"): unilateral,
                   ("triceps_brachii", "si_peak"): "not compared: no activity",
                   ("R biceps_brachii/triceps_brachii", "cci_falconer"): "right side: co-contraction not measurable: "
                                                                          "R triceps_brachii is at its noise floor",
                   ("biceps_brachii/triceps_brachii", "cci_side_si"): "right side: co-contraction not measurable: "
                                                                       "R triceps_brachii is at its noise floor",
                   ("triceps_brachii", "onset_lr_ms"): "not compared: paired trials: the two sides were recorded in separate trials, "
                                                       "so their onsets share no time base",
                   ("triceps_brachii", SLOPES[1]): unilateral}
    peak = next(r for r in skipped if r["measure"] == "si_peak")
    assert peak["value"] == 35.0  # a finite value without a verdict is still not read
    slope = next(r for r in skipped if r["measure"] == SLOPES[1])
    assert slope["value"] == pytest.approx(-2.0)  # what the old study followed: right - left


def test_a_verdict_of_ok_is_read_and_short_slopes_by_the_note():
    """``ok`` is a verdict (read); a channel's slope is skipped only when its note names fatigue.min_span_s."""
    tables = _tables()
    note = ("12 of 20 windows used; its comparable windows span 12.0 s, less than 30 s, so its MDF slope (-7.0 %/min, "
            "CI -17 to +3) is not judged (fatigue.min_span_s)")
    tables["fatigue"][1]["note"] = note
    tables["bilateral"][1].update(flag="", flag_reason="not judged: R biceps_brachii: its comparable windows span 12.0 s, "
                                  "less than 30 s, so its MDF slope (-7.0 %/min, CI -17 to +3) is not judged")
    read, skipped = split_measures(tables)
    short = {(r["muscle"], r["measure"]): r["reason"] for r in skipped if r["measure"] in SLOPES and r["muscle"].endswith("biceps_brachii")}
    assert short == {("R biceps_brachii", SLOPES[0]): "comparable windows span less than 30 s (fatigue.min_span_s)",
                     ("biceps_brachii", SLOPES[1]): "comparable windows span less than 30 s (fatigue.min_span_s)"}
    assert ("L biceps_brachii", SLOPES[0]) in {(r["muscle"], r["measure"]) for r in read}
    assert all(math.isfinite(r["value"]) for r in read) and set(TABLES_USED) == set(tables)
