"""Fatigue on comparable windows: only windows at a comparable activation level enter the MDF slope (issue #13)."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

import emgkit
from emgkit.datasets import simulate
from emgkit.errors import InvalidInputError
from emgkit.fatigue import LEVEL_PERCENTILE, channel_fatigue, fatigue_indices, linear_trend


def _part(rms, mdf):
    k = len(rms)
    return {"mdf": np.asarray(mdf, float), "mnf": np.asarray(mdf, float), "rms": np.asarray(rms, float), "finsm5": np.full(k, np.nan),
            "active_fraction": np.ones(k), "excluded": np.array([""] * k, dtype=object)}


def test_level_rule_by_hand():
    rms = [1.0, 0.9, 0.2, 1.1, 0.4, 1.0]
    mdf = [100.0, 98.0, 150.0, 94.0, 140.0, 90.0]
    windows = np.array([[i * 1000, i * 1000 + 1000] for i in range(6)])
    res = channel_fatigue(windows, [_part(rms, mdf)], 1000.0, finsm5=False, min_level_fraction=0.5)
    # 90th percentile of [0.2, 0.4, 0.9, 1.0, 1.0, 1.1] by linear interpolation: position 4.5 -> 1.0 + 0.5 * 0.1 = 1.05
    assert LEVEL_PERCENTILE == 90.0 and res.contraction_rms == pytest.approx(1.05)
    assert list(res.used) == [True, True, False, True, False, True]  # 0.2 and 0.4 < 0.525
    assert res.excluded[2] == "low activation (RMS 19 % of the contraction level, below 50 %)"
    t = np.array([0.5, 1.5, 3.5, 5.5])
    assert res.mdf.slope == pytest.approx(linear_trend(t, [100.0, 98.0, 94.0, 90.0]).slope)
    off = channel_fatigue(windows, [_part(rms, mdf)], 1000.0, finsm5=False, min_level_fraction=0.0)
    assert off.used.all() and off.level_fraction == 0.0 and off.contraction_rms == pytest.approx(1.05)


def test_level_rule_ignores_windows_already_left_out():
    part = _part([1.0, 1.0, 0.1, 1.0, 1.0], [100.0, 99.0, 98.0, 97.0, 96.0])
    part["excluded"][2] = "not active (10 % of the window in bursts)"
    res = channel_fatigue(np.array([[i, i + 1] for i in range(5)]) * 1000, [part], 1000.0, finsm5=False)
    assert res.contraction_rms == pytest.approx(1.0) and res.excluded[2].startswith("not active")


@pytest.mark.parametrize("bad", [-0.1, 1.5])
def test_level_fraction_out_of_range(bad):
    with pytest.raises(InvalidInputError, match="min_level_fraction must be in"):
        channel_fatigue(np.array([[0, 1000]]), [_part([1.0], [100.0])], 1000.0, min_level_fraction=bad)


def _intermittent(seed=3):
    """Contractions of 6 s with tonic low-level activity (15 %) between; the low-level stretches grow late in the record."""
    sched, t = [], 2.0
    for rest in (1, 1, 1, 1, 2, 4, 6, 8, 8, 8):
        sched.append((t, t + 6.0))
        t += 6.0 + rest
    rec = simulate(muscles=["biceps_brachii"], sides=(None,), schedule=sched, fs=2000, tonic=0.15, snr_db=20, seed=seed,
                   fatigue={"mdf_pct_per_min": -20.0})
    return rec, rec.meta["truth"]["channels"]["biceps_brachii"]["fatigue"]["mdf_slope_pct_per_min"]


def test_known_slope_recovered_from_comparable_windows_only():
    """Every window counted as active: the low-level windows (more noise, higher MDF) bias the mixed slope; the rule removes them."""
    rec, truth = _intermittent()
    mixed = fatigue_indices(rec.data[0], rec.fs, min_level_fraction=0.0)
    comparable = fatigue_indices(rec.data[0], rec.fs)
    assert comparable.mdf.pct_per_min == pytest.approx(truth, abs=3)
    assert comparable.mdf.pct_per_min_low <= truth <= comparable.mdf.pct_per_min_high
    assert not mixed.mdf.pct_per_min_low <= truth <= mixed.mdf.pct_per_min_high  # the mixed slope misses the truth
    assert abs(mixed.mdf.pct_per_min - truth) > 4
    low = [e for e in comparable.excluded if e.startswith("low activation")]
    assert len(low) == len(comparable.used) - comparable.used.sum() > 30


def test_sustained_hold_keeps_every_window():
    """One constant-level hold whose amplitude rises 20 %/min (fatigue): no window is left out for its level."""
    rec = simulate(muscles=["biceps_brachii"], sides=(None,), schedule=[(1.0, 91.0)], fs=2000, snr_db=25, seed=4,
                   fatigue={"mdf_pct_per_min": -10.0, "amplitude_pct_per_min": 20.0})
    a, b = int(1.5 * rec.fs), int(90.5 * rec.fs)
    res = fatigue_indices(rec.data[0, a:b], rec.fs)
    assert res.used.all()
    truth = rec.meta["truth"]["channels"]["biceps_brachii"]["fatigue"]["mdf_slope_pct_per_min"]
    assert res.mdf.pct_per_min == pytest.approx(truth, abs=3)


@pytest.fixture(scope="module")
def two_level():
    """Bursts with detected activity at two levels: the second half of the last 6 bursts at 20 % (still above the noise)."""
    sched, t = [], 2.0
    for _ in range(12):
        sched.append((t, t + 5.0))
        t += 7.0
    rec = simulate(muscles=["biceps_brachii"], sides=(None,), schedule=sched, fs=2000, snr_db=None, seed=5,
                   fatigue={"mdf_pct_per_min": -20.0})
    truth = rec.meta["truth"]["channels"]["biceps_brachii"]
    x = rec.data.copy()
    for on, off in sched[6:]:
        x[:, int((on + off) / 2 * rec.fs):int(off * rec.fs)] *= 0.2
    x += np.random.default_rng(1).standard_normal(x.shape) * 0.08 * truth["amplitude_v"]
    rec = rec.replace(data=x)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        on = emgkit.analyze(rec)
        off = emgkit.analyze(rec, config={"fatigue": {"min_level_fraction": 0.0}})
    return on, off, truth["fatigue"]["mdf_slope_pct_per_min"]


def test_analysis_counts_and_explains_the_windows(two_level):
    on, off, truth = two_level
    f, w = on.fatigue.iloc[0], on.fatigue_windows
    assert f.n_low_level >= 12 and f.n_used + f.n_not_active + f.n_clipped + f.n_low_level == f.n_windows
    assert off.fatigue.iloc[0].n_low_level == 0 and off.fatigue.iloc[0].n_used == f.n_used + f.n_low_level
    assert f"{f.n_used} of {f.n_windows} windows used" in f.note and f"{f.n_low_level} low activation" in f.note
    low = w[w["excluded"].str.startswith("low activation")]
    assert len(low) == f.n_low_level and (low["level_pct"] < 50).all() and (w[w["used"]]["level_pct"] >= 50).all()
    assert low["time_s"].min() > 2 + 6 * 7  # only in the bursts held at 20 %
    assert any("left out as low activation" in n for n in on.notes)
    assert math.isclose(f.contraction_rms, np.percentile(w[w["used"] | w["excluded"].str.startswith("low")]["rms"], 90))


def test_analysis_slope_on_comparable_windows(two_level):
    on, off, truth = two_level
    f = on.fatigue.iloc[0]
    assert f.mdf_slope_pct_per_min == pytest.approx(truth, abs=3) and f.mdf_pct_ci_low <= truth <= f.mdf_pct_ci_high

    def r(res):
        u = res.fatigue_windows[res.fatigue_windows["used"]]
        return abs(np.corrcoef(u["mdf_hz"], u["rms"])[0, 1])

    assert r(on) < r(off)  # the level-driven part of the MDF is gone
