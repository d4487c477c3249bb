"""The user-facing signal functions against SciPy/NumPy references and published formulas."""

import numpy as np
import pytest
from scipy import signal

import emgkit
from emgkit import Recording
from emgkit.envelope import winter_correction
from emgkit.errors import InvalidInputError, SignalQualityWarning


@pytest.fixture
def emg(rng):
    return rng.standard_normal((3, 6000))


def test_remove_dc(emg):
    out = emgkit.remove_dc(emg + np.array([[1.0], [-2.0], [5.0]]))
    np.testing.assert_allclose(out.mean(axis=1), 0, atol=1e-12)
    np.testing.assert_allclose(out, emg - emg.mean(axis=1, keepdims=True), atol=1e-12)


@pytest.mark.parametrize("order", [2, 4])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_bandpass_equals_scipy_sosfiltfilt(emg, order, dtype):
    x = emg.astype(dtype)
    sos = signal.butter(order, [20, 450], btype="band", fs=2000, output="sos")
    expected = signal.sosfiltfilt(sos, x.astype(np.float64), axis=-1)
    out = emgkit.bandpass(x, fs=2000, order=order)
    assert out.dtype == dtype and out.shape == x.shape
    tol = 1e-10 if dtype == np.float64 else 1e-4
    np.testing.assert_allclose(out, expected, atol=tol * np.abs(expected).max(), err_msg=f"order {order}")


def test_bandpass_one_dimensional_and_recording(emg):
    one = emgkit.bandpass(emg[0], fs=2000)
    np.testing.assert_allclose(one, emgkit.bandpass(emg, fs=2000)[0], atol=1e-12)
    rec = Recording(emg, 2000, ["L Biceps", "R Biceps", "x"])
    out = emgkit.bandpass(rec)
    assert isinstance(out, Recording) and out.channel_names == rec.channel_names
    assert out.meta["processing"][-1]["step"] == "bandpass" and "processing" not in rec.meta
    with pytest.raises(InvalidInputError, match="disagrees"):
        emgkit.bandpass(rec, fs=1000)


def test_bandpass_attenuates_out_of_band():
    fs = 2000
    t = np.arange(4 * fs) / fs
    x = np.sin(2 * np.pi * 2 * t) + np.sin(2 * np.pi * 100 * t) + np.sin(2 * np.pi * 900 * t)
    y = emgkit.bandpass(x, fs=fs)[fs:-fs]
    np.testing.assert_allclose(y, np.sin(2 * np.pi * 100 * t)[fs:-fs], atol=0.01)


def test_bandpass_errors(emg):
    with pytest.raises(InvalidInputError, match=r"high=450.0 Hz must be below fs/2 = 400 Hz.*high=360"):
        emgkit.bandpass(emg, fs=800)
    with pytest.raises(InvalidInputError, match="low=500.0 Hz must be below high"):
        emgkit.bandpass(emg, fs=2000, low=500, high=450)
    with pytest.raises(InvalidInputError, match="fs .* is required"):
        emgkit.bandpass(emg)
    with pytest.raises(InvalidInputError, match="order must be a positive integer"):
        emgkit.bandpass(emg, fs=2000, order=0)
    with pytest.warns(SignalQualityWarning, match="below the 1 kHz"):
        emgkit.bandpass(emg, fs=960, high=400)


def test_notch_removes_line_and_harmonics(rng):
    fs = 2000
    t = np.arange(10 * fs) / fs
    base = emgkit.bandpass(rng.standard_normal(t.size), fs=fs)
    hum = 0.5 * np.sin(2 * np.pi * 50 * t) + 0.2 * np.sin(2 * np.pi * 150 * t)
    out = emgkit.notch(base + hum, fs=fs, freq=50, harmonics=3)
    f, p_in = signal.welch(base + hum, fs, nperseg=4096)
    _, p_out = signal.welch(out, fs, nperseg=4096)
    for line in (50, 150):
        k = np.argmin(np.abs(f - line))
        assert p_out[k] < 0.01 * p_in[k], f"{line} Hz not removed"
    far = (f > 300) & (f < 400)  # far from the 50, 100 and 150 Hz notches
    np.testing.assert_allclose(p_out[far].mean(), p_in[far].mean(), rtol=0.05)
    sos = np.vstack([signal.tf2sos(*signal.iirnotch(50, 30, fs=fs))])
    np.testing.assert_allclose(emgkit.notch(base, fs=fs, harmonics=1), signal.sosfiltfilt(sos, base), atol=1e-10)


def test_rectify(emg):
    np.testing.assert_array_equal(emgkit.rectify(emg), np.abs(emg))


def _rms_reference(x, w, causal=False):
    n = x.shape[-1]
    out = np.empty(n)
    for i in range(n):
        lo = i - w + 1 if causal else i - w // 2
        seg = x[max(lo, 0) : min(lo + w, n)]
        out[i] = np.sqrt(np.mean(seg**2))
    return out


@pytest.mark.parametrize("causal", [False, True])
@pytest.mark.parametrize("window_ms", [1.0, 10.0, 25.0, 100.0])
def test_rms_envelope_matches_definition(rng, window_ms, causal):
    x = rng.standard_normal(700)
    out = emgkit.rms_envelope(x, fs=1000, window_ms=window_ms, causal=causal)
    w = round(window_ms)
    np.testing.assert_allclose(out, _rms_reference(x, w, causal), rtol=1e-10)


def test_causal_envelope_lags_by_half_window():
    fs = 1000
    x = np.zeros(2000)
    x[1000:] = 1.0
    centred = emgkit.rms_envelope(x, fs=fs, window_ms=101)
    trailing = emgkit.rms_envelope(x, fs=fs, window_ms=101, causal=True)
    # 50 % crossing: centred at the step, trailing (W-1)/2 = 50 samples later
    assert abs(np.argmax(centred**2 >= 0.5) - 1000) <= 1
    assert abs(np.argmax(trailing**2 >= 0.5) - 1050) <= 1


def test_linear_envelope_cutoff_is_minus_3db():
    fs, fc = 1000, 6.0
    sos = signal.butter(2, fc / winter_correction(2), fs=fs, output="sos")
    w, h = signal.sosfreqz(sos, worN=2**16, fs=fs)
    gain_dual = np.abs(h) ** 2  # forward-backward: |H|^2
    k = np.argmin(np.abs(w - fc))
    assert gain_dual[k] == pytest.approx(1 / np.sqrt(2), abs=0.01)
    assert winter_correction(2) == pytest.approx(0.802, abs=5e-4)


def test_linear_envelope_matches_reference(rng):
    fs = 1000
    x = rng.standard_normal((2, 5000))
    out = emgkit.linear_envelope(x, fs=fs, cutoff=6)
    sos = signal.butter(2, 6 / winter_correction(2), fs=fs, output="sos")
    ref = np.maximum(signal.sosfiltfilt(sos, np.abs(x), axis=-1), 0)
    np.testing.assert_allclose(out, ref, atol=1e-10)
    assert (out >= 0).all()
    with pytest.raises(InvalidInputError, match="cutoff=480.0 Hz is too high"):
        emgkit.linear_envelope(x, fs=fs, cutoff=480)


@pytest.mark.parametrize("alias", [False, True])
def test_linear_envelope_into_out(rng, alias):
    x = rng.standard_normal((3, 4000))
    want = emgkit.linear_envelope(x, fs=1000, cutoff=6)
    buf = x.copy() if alias else np.full_like(x, np.nan)
    got = emgkit.linear_envelope(buf, fs=1000, cutoff=6, out=buf) if alias else emgkit.linear_envelope(x, fs=1000, cutoff=6, out=buf)
    assert got is buf
    np.testing.assert_array_equal(got, want)


def test_normalize_peak_mvc_and_dict(rng):
    env = np.abs(rng.standard_normal((2, 1000))) + 0.1
    np.testing.assert_allclose(emgkit.normalize(env).max(axis=1), 100)
    np.testing.assert_allclose(emgkit.normalize(env, [2.0, 4.0]), 100 * env / [[2.0], [4.0]])
    rec = Recording(env, 100, ["L Biceps", "R Biceps"])
    out = emgkit.normalize(rec, {"L Biceps": 1.0, "R Biceps": 0.5})
    assert out.unit == "%MVC"
    np.testing.assert_allclose(out.data, 100 * env / [[1.0], [0.5]])
    assert set(out.meta["processing"][-1]["above_100_percent"]) == {"L Biceps", "R Biceps"}
    # MVC recording: highest 500 ms window mean (50 samples at 100 Hz)
    mvc_data = np.ones((2, 300))
    mvc_data[0, 100:150] = 3.0  # exactly one full window at 3.0
    mvc_data[1, 0:40] = 9.0  # at the edge: never a full window of 9
    mvc = Recording(mvc_data, 100, ["R Biceps", "L Biceps"])
    out = emgkit.normalize(rec, mvc)
    ref_l = (40 * 9 + 10 * 1) / 50  # best full window for L starts at sample 0
    np.testing.assert_allclose(out.data, 100 * env / [[ref_l], [3.0]])


def test_normalize_errors(rng):
    env = np.abs(rng.standard_normal((2, 100)))
    env[1] = 0
    rec = Recording(env, 100, ["a", "b"])
    with pytest.raises(InvalidInputError, match=r"zero, negative or not finite for channel\(s\) \['b'\]"):
        emgkit.normalize(rec)
    with pytest.raises(InvalidInputError, match="one value per channel"):
        emgkit.normalize(env, [1.0, 2.0, 3.0])
    mvc = Recording(np.ones((2, 1000)), 200, ["a", "b"])
    with pytest.raises(InvalidInputError, match="resample one of them first"):
        emgkit.normalize(rec, mvc)
