"""Signal quality: clipping runs, flat channels, powerline share, baseline noise."""

import numpy as np
import pytest

import emgkit
from emgkit.datasets import simulate
from emgkit.errors import InvalidInputError
from emgkit.quality import assess, powerline_share


# -- clipping: emgkit.clipping holds the definition (tests/test_clipping.py) -----------------


def test_quality_uses_the_one_clipping_definition():
    from emgkit import clipping, quality

    assert quality.clipped_mask is clipping.clipped_mask and quality.MIN_CLIP_RUN == clipping.MIN_RUN


# -- assess -------------------------------------------------------------------------------------


def _rec(rows, fs=1000.0, names=None, **meta):
    names = names or [f"ch{i}" for i in range(len(rows))]
    return emgkit.Recording(np.asarray(rows, dtype=np.float64), fs, names, meta=meta)


def test_flat_and_quantisation_only_channels(rng):
    n = 5000
    noise = 2048 + 50 * rng.standard_normal(n)
    toggling = 2048 + rng.integers(0, 2, n).astype(float)  # one ADC step: disconnected input
    railed = np.full(n, 4095.0)
    rec = _rec([noise, np.full(n, 2048.0), toggling, railed], adc_range=[0, 4095])
    q = assess(rec)
    assert q["flat"].tolist() == [False, True, True, True]
    assert q["clipped_fraction"].tolist() == [0.0, 0.0, 0.0, 1.0]  # only the railed flat channel is clipped
    assert q.loc[1, "issues"].startswith("flat") and q.loc[3, "issues"] == "flat (disconnected or unused?); clipped 100.0%"
    assert q.loc[0, "issues"] == ""


def test_rms_clipped_fraction_and_columns(rng):
    x = rng.standard_normal(10_000) * 2 + 7
    x[100:400] = 20.0  # 300 samples piled up at the top: 3 %
    q = assess(_rec([x], names=["L Biceps"]))
    assert list(q.columns) == ["channel", "muscle", "side", "rms", "clipped_fraction", "flat", "powerline_hz",
                               "powerline_share", "baseline_noise", "issues"]
    assert (q.loc[0, "muscle"], q.loc[0, "side"]) == ("biceps_brachii", "L")
    assert q.loc[0, "rms"] == pytest.approx(np.std(x))
    assert q.loc[0, "clipped_fraction"] == pytest.approx(0.03)
    assert "clipped 3.0%" in q.loc[0, "issues"]


def _expected_share(a, sigma, fs, line_hz):
    """Sine of amplitude a on a 0.5 Hz bin plus white noise: exact Welch expectation, bin by bin."""
    f = np.arange(0, fs / 2 + 0.25, 0.5)
    noise_bin = 2 * sigma**2 / fs * 0.5  # one-sided PSD x bin width
    band = (f >= 20) & (f <= 450)
    near = np.zeros_like(band)
    for h in np.arange(1, 10) * line_hz:
        near |= np.abs(f - h) <= 1
    line_power = a**2 / 2
    return (line_power + noise_bin * np.sum(band & near)) / (line_power + noise_bin * np.sum(band))


def test_powerline_share_of_a_known_50hz_tone(rng):
    fs, n = 1000.0, 200_000
    t = np.arange(n) / fs
    x = 1.0 * np.sin(2 * np.pi * 50 * t + 0.3) + rng.standard_normal(n)
    expected = _expected_share(1.0, 1.0, fs, 50.0)
    assert expected == pytest.approx(0.400, abs=0.002)  # 0.545 / 1.361 by hand
    assert powerline_share(x, fs, 50.0) == pytest.approx(expected, abs=0.01)
    q = assess(_rec([x, rng.standard_normal(n)]))
    assert q["powerline_hz"].tolist() == [50.0, 50.0]  # auto-detected
    assert q.loc[0, "powerline_share"] == pytest.approx(expected, abs=0.01)
    assert q.loc[1, "powerline_share"] == pytest.approx(_expected_share(0.0, 1.0, fs, 50.0), abs=0.005)
    assert q.loc[0, "issues"] == "powerline 40%"


def test_powerline_frequency_auto_detected_or_from_meta(rng):
    fs, n = 2000.0, 40_000
    t = np.arange(n) / fs
    hum60 = 0.5 * np.sin(2 * np.pi * 60 * t) + 0.2 * np.sin(2 * np.pi * 180 * t) + rng.standard_normal(n)
    q = assess(_rec([hum60], fs=fs))
    assert q.loc[0, "powerline_hz"] == 60.0 and q.loc[0, "powerline_share"] > 0.1
    forced = assess(_rec([hum60], fs=fs, powerline_hz=50))
    assert forced.loc[0, "powerline_hz"] == 50.0 and forced.loc[0, "powerline_share"] < 0.05


def test_baseline_noise_is_the_quiet_floor_not_the_bursts(rng):
    fs, n = 1000.0, 20_000
    x = rng.standard_normal(n)
    for start in range(2000, n, 4000):
        x[start : start + 2000] += 20 * rng.standard_normal(2000)
    x += 5 * np.sin(2 * np.pi * 0.3 * np.arange(n) / fs)  # wander: removed by the 20 Hz high-pass
    q = assess(_rec([x], fs=fs))
    assert 0.85 < q.loc[0, "baseline_noise"] < 1.0  # white noise keeps 96 % of its power above 20 Hz; minimum of windows
    assert q.loc[0, "rms"] > 5


def test_recording_quality_method_and_attrs():
    rec = simulate(n_reps=2, fs=800, powerline_hz=60, seed=1)
    q = rec.quality()
    assert len(q) == rec.n_channels and q["powerline_hz"].eq(60).all()
    assert q.attrs["powerline_hz"] == 60 and "below 1 kHz" in q.attrs["notes"][0]
    truth = rec.meta["truth"]["channels"]
    np.testing.assert_allclose(q["baseline_noise"], [truth[n]["noise_rms_v"] for n in rec.channel_names], rtol=0.2)


def test_assess_wants_a_recording():
    with pytest.raises(InvalidInputError, match="assess needs a Recording, an open file"):
        assess(np.zeros((2, 100)))


def test_the_issue_jittering_rail_is_reported(rng):
    """A rail at +-5.49 mV jittering by 0-3 LSB: exact-equality runs gave 0; the table now reports it."""
    x = simulate(n_reps=8, fs=2000, seed=5).data[:1].astype(np.float64)
    lsb = 11.0 / 2**16
    x = x * 5.49 / np.quantile(np.abs(x), 1 - 0.047)
    y = np.where(np.abs(x) >= 5.49, np.sign(x) * (5.49 - rng.integers(0, 4, x.shape) * lsb), x)
    q = assess(emgkit.Recording(np.round(y / lsb) * lsb, 2000.0, ["L Biceps"], unit="mV"))
    assert q.loc[0, "clipped_fraction"] > 0.025 and q.loc[0, "issues"].startswith("clipped")


def test_table_against_scipy_and_numpy_references(rng):
    """rms, powerline share and baseline noise recomputed with SciPy's welch/sosfiltfilt and a window loop."""
    from scipy import signal

    fs, n = 1000.0, 12_345
    t = np.arange(n) / fs
    x = np.stack([rng.standard_normal(n) * (1 + (t > 6)) + 0.3 * np.sin(2 * np.pi * 50 * t) + 4.0,
                  rng.standard_normal(n) * 0.2])
    q = assess(emgkit.Recording(x, fs, ["a", "b"]))
    centred = x - x.mean(axis=1, keepdims=True)
    np.testing.assert_allclose(q["rms"], np.sqrt(np.mean(centred**2, axis=1)), rtol=1e-12)
    f, p = signal.welch(centred, fs, window="hann", nperseg=2000, noverlap=1000, detrend=False)
    band = (f >= 20) & (f <= 450)
    near = np.zeros_like(band)
    for h in range(50, 500, 50):
        near |= np.abs(f - h) <= 1
    np.testing.assert_allclose(q["powerline_share"], p[:, band & near].sum(1) / p[:, band].sum(1), rtol=1e-9)
    high = signal.sosfiltfilt(signal.butter(4, 20, "highpass", fs=fs, output="sos"), centred)
    floor = [min(np.mean(row[s:s + 500] ** 2) for s in range(0, n - 500 + 1, 50)) for row in high]
    np.testing.assert_allclose(q["baseline_noise"], np.sqrt(floor), rtol=1e-9)
