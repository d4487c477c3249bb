"""Co-contraction without an MVC: one common reference per pair, silent antagonists, bounded intervals (issue #13)."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

from emgkit import analyze
from emgkit._chunks import RunMask
from emgkit.analysis.normalise import Normalisation
from emgkit.analysis.tables.agonist_antagonist import bounded_interval
from emgkit.cocontraction import cocontraction_index
from emgkit.datasets import simulate
from emgkit.errors import SignalQualityWarning


def _quiet(fn, *args, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SignalQualityWarning)
        return fn(*args, **kw)


def _norm(mode, ref):
    ref = np.asarray(ref, dtype=np.float64)
    env = np.array([[0.0, 2.0, 4.0, 2.0], [0.0, 0.5, 0.5, 0.5], [1.0, 1.0, 1.0, 1.0]])
    scale = 100.0 / ref
    unit = "%MVC" if mode == "mvc" else f"%{mode}"
    return Normalisation(np.zeros(3), np.zeros(3), env, ref, [""] * 3, scale, unit, "raw", scale, unit, mode)


def _sums(n, rows):
    """Sums of :func:`emgkit.kernels.pair_sums` of the pair ``rows`` over the 4 samples, in co-contraction units."""
    return n.cc_sums(rows, np.array([[0, 4]]), RunMask([([], [])] * 3, 4), 4)[0]


def test_pair_takes_the_agonists_reference_without_mvc():
    n = _norm("peak", [4.0, 0.5, 2.0])
    # both rows divided by the agonist's (row 0) peak 4: the antagonist stays at 1/8 of the agonist
    lower, total, _, sa, sb, samples, _ = _sums(n, (0, 1))
    assert (sa, sb, samples) == (0 + 50 + 100 + 50, 0 + 12.5 * 3, 4)
    assert tuple(_sums(n, (1, 0))[3:5]) == (0 + 100 * 3, 0 + 400 + 800 + 400)  # agonist first
    assert n.pair_unit == "% agonist task peak"
    assert 2 * lower / total * 100 == pytest.approx(2 * 37.5 / (200 + 37.5) * 100)  # Falconer by hand: 2 sum(min) / sum(a + b)


def test_mvc_keeps_each_muscles_own_reference():
    n = _norm("mvc", [4.0, 0.5, 2.0])
    assert tuple(_sums(n, (0, 1))[3:5]) == (200.0, 300.0)
    assert n.pair_unit == "%MVC"


def test_bounded_interval():
    assert bounded_interval(80.0, 114.0, 0.0, 100.0) == (80.0, 100.0, True)
    assert bounded_interval(-3.0, 20.0, 0.0, 100.0) == (0.0, 20.0, True)
    assert bounded_interval(10.0, 20.0, 0.0, 100.0) == (10.0, 20.0, False)
    lo, hi, clipped = bounded_interval(math.nan, math.nan, 0.0, 100.0)
    assert math.isnan(lo) and math.isnan(hi) and not clipped


def _truth_falconer(rec, res, ag, an):
    """Falconer CCI of the simulated activations in raw units (level x RMS amplitude), averaged over the kept cycles."""
    t = np.arange(rec.n_samples) / rec.fs

    def env(name):
        ch = rec.meta["truth"]["channels"][name]
        out = np.zeros(rec.n_samples)
        for (on, off), level in zip(ch["bursts"], ch["levels"]):
            u = np.clip(np.minimum(t - on, off - t) / ch["ramp_s"], 0, 1)
            out = np.where((t > on) & (t < off), level * 0.5 * (1 - np.cos(np.pi * u)), out)
        return out * ch["amplitude_v"]

    A, B = env(ag), env(an)
    cyc = res.cycles[res.cycles["kept"]]
    vals = [cocontraction_index(A[int(round(a * rec.fs)):int(round(e * rec.fs))], B[int(round(a * rec.fs)):int(round(e * rec.fs))])
            for a, e in zip(cyc["start_s"], cyc["stop_s"])]
    return float(np.mean(vals))


@pytest.mark.parametrize("level", [0.1, 0.3])
def test_low_antagonist_reads_low_without_mvc(level):
    """Antagonist co-contracting at ``level`` of the same amplitude: CCI near 2c/(1+c), not near 100 % (own peaks)."""
    rec = simulate(n_reps=6, fs=2000, sides=("L",), cocontraction=level, snr_db=30, seed=21)
    res = _quiet(analyze, rec)
    row = res.agonist_antagonist.iloc[0]
    truth = _truth_falconer(rec, res, row.agonist, row.antagonist)
    assert truth == pytest.approx(2 * level / (1 + level) * 100, abs=3)  # the simulation is what it says
    assert row.cci_falconer == pytest.approx(truth, abs=5)
    assert 0 <= row.cci_falconer_ci_low <= row.cci_falconer <= row.cci_falconer_ci_high <= 100
    assert row.unit == "% agonist task peak" and "common reference" in row.normalization
    # the old rule (each muscle to its own task peak) would read identical shapes as near-total co-contraction
    a, b = np.array([0.0, 1.0, 1.0, 0.0]), level * np.array([0.0, 1.0, 1.0, 0.0])
    assert cocontraction_index(a / a.max(), b / b.max()) == pytest.approx(100.0)


def test_amplitude_ratio_between_muscles_is_kept():
    """Same activation level, antagonist electrode 4x weaker: the raw ratio enters the CCI (indicative, noted)."""
    rec = simulate(n_reps=6, fs=2000, sides=("L",), cocontraction=0.5, amplitude_uv={"biceps_brachii": 400, "triceps_brachii": 100},
                   snr_db=30, seed=22)
    res = _quiet(analyze, rec)
    row = res.agonist_antagonist.iloc[0]
    truth = _truth_falconer(rec, res, row.agonist, row.antagonist)
    assert truth == pytest.approx(2 * 0.125 / 1.125 * 100, abs=3)
    assert row.cci_falconer == pytest.approx(truth, abs=4)
    assert "indicative only" in row.note


def test_silent_antagonist_withheld_with_reason():
    rec = simulate(n_reps=6, fs=2000, sides=("L",), cocontraction=0.0, snr_db=30, seed=23)
    res = _quiet(analyze, rec)
    row = res.agonist_antagonist.iloc[0]
    assert math.isnan(row.cci_falconer) and math.isnan(row.cci_rudolph) and row.n_reps == 0
    assert "noise floor" in row.flag_reason and row.antagonist in row.flag_reason


def test_with_mvc_unchanged():
    rec = simulate(n_reps=6, fs=2000, sides=("L",), cocontraction=0.3, snr_db=30, seed=24)
    mvc = {n: c["amplitude_v"] * math.sqrt(2 / math.pi) for n, c in rec.meta["truth"]["channels"].items()}
    row = _quiet(analyze, rec, mvc=mvc).agonist_antagonist.iloc[0]
    assert row.unit == "%MVC" and row.normalization == "MVC"
    assert row.cci_falconer == pytest.approx(2 * 0.3 / 1.3 * 100, abs=5)
