"""Spectral fatigue indices: formulas on known spectra, trends on synthetic data, simulator ground truth."""

import math

import numpy as np
import pytest

from emgkit.errors import InvalidInputError
from emgkit.fatigue import fatigue_indices, linear_trend, mean_frequency, median_frequency, sliding_windows, welch_psd


def test_median_and_mean_frequency_of_known_spectra():
    f = np.arange(0.0, 101.0)
    assert median_frequency(f, np.ones_like(f)) == pytest.approx(50.0)
    assert mean_frequency(f, np.ones_like(f)) == pytest.approx(50.0)
    # triangle rising with f on [0, 100]: cumulative ~ f^2, half at 100 / sqrt(2)
    assert median_frequency(f, f.copy()) == pytest.approx(100 / math.sqrt(2), abs=0.05)
    assert mean_frequency(f, f.copy()) == pytest.approx(np.sum(f * f) / np.sum(f))
    # band limits are inclusive
    assert median_frequency(f, np.ones_like(f), 20, 60) == pytest.approx(40.0)
    assert math.isnan(median_frequency(f, np.zeros_like(f)))
    stacked = median_frequency(f, np.vstack([np.ones_like(f), f]))
    assert stacked.shape == (2,) and stacked[0] == pytest.approx(50.0)


def test_sine_peaks_at_its_frequency():
    fs = 2000.0
    t = np.arange(4000) / fs
    f, p = welch_psd(np.sin(2 * np.pi * 100 * t), fs, 0.25)
    assert median_frequency(f, p, 20, 450) == pytest.approx(100.0, abs=2.0)
    assert mean_frequency(f, p, 20, 450) == pytest.approx(100.0, abs=2.0)


def test_linear_trend_exact_line_and_ci():
    t = np.arange(10.0)
    tr = linear_trend(t, 100 - 0.5 * t)
    assert tr.slope == pytest.approx(-0.5) and tr.intercept == pytest.approx(100.0)
    assert tr.pct_per_min == pytest.approx(-0.5 * 60 / 100 * 100)
    assert tr.slope_low == pytest.approx(-0.5) and tr.slope_high == pytest.approx(-0.5)  # no residual
    rng = np.random.default_rng(4)
    y = 100 - 0.5 * t + rng.normal(0, 1, t.size)
    tr = linear_trend(t, y)
    ref = np.polyfit(t, y, 1)
    assert tr.slope == pytest.approx(ref[0]) and tr.intercept == pytest.approx(ref[1])
    assert tr.slope_low < tr.slope < tr.slope_high
    from scipy import stats

    lr = stats.linregress(t, y)
    q = stats.t.ppf(0.975, t.size - 2)
    assert tr.slope_high - tr.slope == pytest.approx(q * lr.stderr)
    wider = linear_trend(t, y, effective_n=5)
    assert wider.slope == tr.slope and wider.slope_high - wider.slope > tr.slope_high - tr.slope


def test_fewer_than_three_points_no_slope():
    tr = linear_trend([0.0, 1.0], [1.0, 2.0])
    assert math.isnan(tr.slope) and "at least 3" in tr.reason
    with pytest.raises(InvalidInputError, match="at least 3"):
        linear_trend([0, 1, 2], [1, 2, 3], min_points=2)


def test_sliding_windows():
    w = sliding_windows(5000, 1000, 1.0, 0.5)
    assert w[:3].tolist() == [[0, 1000], [500, 1500], [1000, 2000]]
    assert w[-1, 1] <= 5000 and len(w) == 9
    assert sliding_windows(500, 1000, 1.0, 0.5).shape == (0, 2)
    with pytest.raises(InvalidInputError, match="overlap"):
        sliding_windows(5000, 1000, 1.0, 1.0)


def _chirp_emg(rng, fs, seconds, f0, f1):
    """Noise through a band-pass whose centre moves linearly from f0 to f1 Hz (window by window)."""
    from scipy.signal import butter, sosfilt

    out = []
    n_win = int(seconds)
    for k in range(n_win):
        fc = f0 + (f1 - f0) * k / max(1, n_win - 1)
        sos = butter(2, [fc * 0.7, fc * 1.3], "band", fs=fs, output="sos")
        out.append(sosfilt(sos, rng.standard_normal(int(fs) + 2000))[2000:])
    return np.concatenate(out)


def test_mdf_slope_recovers_a_falling_spectrum(rng):
    fs = 2000.0
    x = _chirp_emg(rng, fs, 30, 120.0, 90.0)
    res = fatigue_indices(x, fs, overlap=0.0)
    assert res.mdf.n == 30
    # 30 Hz drop over ~29 s between the first and last window centres
    assert res.mdf.slope == pytest.approx(-30 / 29, rel=0.2)
    assert res.mdf.slope_high < 0 and res.mnf.slope_high < 0
    assert res.finsm5_change_pct > 0  # FInsm5 rises as the spectrum compresses


def test_only_active_unclipped_windows_count(rng):
    fs = 1000.0
    x = rng.standard_normal((2, 10000))
    active = np.zeros_like(x, dtype=bool)
    active[:, 2000:8000] = True
    clipped = np.zeros_like(active)
    clipped[1, 4200:4205] = True
    res = fatigue_indices(x, fs, active=active, clipped=clipped)
    used0 = res[0].windows[res[0].used]
    assert (used0[:, 0] >= 2000).all() and (used0[:, 1] <= 8000).all()
    assert res[1].used.sum() == res[0].used.sum() - 2  # the windows holding the clipped run
    assert any(e.startswith("clipped") for e in res[1].excluded)
    assert any(e.startswith("not active") for e in res[0].excluded)


def test_too_few_windows_gives_reason(rng):
    x = rng.standard_normal(3000)
    active = np.zeros(3000, bool)
    active[:1200] = True
    res = fatigue_indices(x, 1000.0, active=active)
    assert math.isnan(res.mdf.slope)
    assert "fewer than 3" in res.reason and "not active" in res.reason


def test_bad_input(rng):
    with pytest.raises(InvalidInputError, match="band"):
        fatigue_indices(rng.standard_normal(4000), 1000.0, low_hz=600)
    with pytest.raises(InvalidInputError, match="mask"):
        fatigue_indices(rng.standard_normal(4000), 1000.0, active=np.ones(10, bool))
    with pytest.raises(InvalidInputError, match="windows must"):
        fatigue_indices(rng.standard_normal(4000), 1000.0, windows=[[3.5, 4.5]])


def test_simulated_fatigue_slope_within_ci():
    from emgkit.datasets import simulate
    from emgkit.preprocess import bandpass

    rec = simulate(muscles=["biceps_brachii"], sides=["L"], schedule=[(1.0, 41.0)], fs=2000,
                   fatigue={"mdf_pct_per_min": -20, "amplitude_pct_per_min": 10}, snr_db=30, seed=5)
    truth = rec.meta["truth"]["channels"]["L biceps_brachii"]["fatigue"]
    x = bandpass(rec.data, rec.fs)
    active = np.zeros_like(x, dtype=bool)
    active[:, int(1.2 * rec.fs):int(40.8 * rec.fs)] = True
    res = fatigue_indices(x, rec.fs, active=active)[0]
    assert res.mdf.pct_per_min_low < truth["mdf_slope_pct_per_min"] < res.mdf.pct_per_min_high
    assert res.mdf.pct_per_min == pytest.approx(truth["mdf_slope_pct_per_min"], abs=6)
    assert res.rms_trend.slope > 0  # amplitude rises with fatigue


@pytest.mark.parametrize("fs, segment_s", [(2000.0, 0.25), (1000.0, 0.3), (1500.0, 0.2)])
def test_window_spectra_equal_scipy_welch_per_window(rng, fs, segment_s):
    from emgkit.fatigue import _band, _moment_ratio, _window_stats

    x = rng.standard_normal(12000)
    w = sliding_windows(x.size, fs, 1.0, 0.5)  # aligned windows use shared segments, others scipy per window
    off = w[:-1].copy()
    off[::2] += 1
    for windows in (w, w[:-1] + 1, off):  # on segment grids (kernels), and off them (scipy per window)
        got = _window_stats(x, fs, windows, segment_s, 20.0, 450.0)
        for (a, b), row in zip(windows, got):
            fb, pb = _band(*welch_psd(x[a:b], fs, segment_s), 20.0, 450.0)
            ref = [pb.sum(), median_frequency(fb, pb), mean_frequency(fb, pb), float(_moment_ratio(fb, pb))]
            np.testing.assert_allclose(row, ref, rtol=1e-10)


@pytest.mark.parametrize("nper", [64, 500])
def test_segment_periodogram_sums_do_not_depend_on_the_block(rng, nper):
    from scipy.signal import get_window

    from emgkit.fatigue import _segment_periodogram_sums

    x = rng.standard_normal(40 * nper + 7)
    win = get_window("hann", nper)
    args = (x, 3, nper, nper // 2, win, 1000.0, (2, nper // 4))
    want = _segment_periodogram_sums(*args, block_samples=nper)  # blocks of 16 segments
    for block_samples in (33 * nper, 1 << 17):
        np.testing.assert_array_equal(_segment_periodogram_sums(*args, block_samples=block_samples), want)
