"""Onset/offset detection: accuracy on synthetic bursts, the Activation result, options and bad input."""

import warnings

import numpy as np
import pytest
from scipy import signal

import emgkit
from emgkit.activation import METHODS, Activation, detect, detect_activation
from emgkit.activation._bonato import whitening_filter, zeta_for
from emgkit.errors import InvalidInputError, SignalQualityWarning

FS = 1000.0
BURSTS = [(2.0, 3.0), (4.5, 5.2), (7.0, 9.5)]


def synthetic(rng, *, fs=FS, duration=11.0, bursts=BURSTS, snr_db=20.0, n_channels=1):
    """Noise floor (SD 1) plus bursts of band-limited Gaussian EMG with step edges at known times."""
    n = int(duration * fs)
    sos = signal.butter(2, [40, 200], "band", fs=fs, output="sos")
    amp = 10 ** (snr_db / 20)
    rows = []
    for _ in range(n_channels):
        emg = signal.sosfilt(sos, rng.standard_normal(n))
        emg *= amp / emg.std()
        env = np.zeros(n)
        for on, off in bursts:
            env[int(on * fs) : int(off * fs)] = 1.0
        rows.append(env * emg + rng.standard_normal(n))
    return np.array(rows)


def assert_bursts(act, c, bursts=BURSTS, tol_s=0.02):
    on, off = act.onsets[c], act.offsets[c]
    assert len(on) == len(bursts), f"found {np.c_[on, off].round(3).tolist()}, expected {bursts}"
    np.testing.assert_allclose(on, [b[0] for b in bursts], atol=tol_s)
    np.testing.assert_allclose(off, [b[1] for b in bursts], atol=tol_s)


# -- accuracy ----------------------------------------------------------------------------------------
@pytest.mark.parametrize("method", METHODS)
def test_every_method_finds_step_bursts(rng, method):
    x = synthetic(rng)
    opts = {"track_s": 6.0} if method == "tonic" else {}  # tonic: a span of a few burst periods (bursts up to 2.5 s)
    act = detect_activation(x, fs=FS, method=method, **opts)
    assert_bursts(act, 0, tol_s=0.03)
    assert act.reason[0] is None


def test_auto_is_accurate_on_simulated_recording():
    from emgkit.datasets.simulate import simulate

    rec = simulate(n_reps=4, burst_s=[0.3, 1.5], rest_s=1.5, muscles=["biceps_brachii"], sides=["L", "R"],
                   ramp_s=0.02, snr_db=20, fs=2000, seed=7)
    act = detect_activation(rec)
    for name, truth in rec.meta["truth"]["channels"].items():
        bursts = np.array(truth["bursts"])
        assert len(act.onsets[name]) == len(bursts)
        assert np.max(np.abs(act.onsets[name] - bursts[:, 0])) < 0.025
        assert np.max(np.abs(act.offsets[name] - bursts[:, 1])) < 0.025


def test_tracking_removes_false_bursts_under_noise_drift():
    from emgkit.datasets.simulate import simulate

    rec = simulate(n_reps=8, burst_s=1.0, rest_s=4.0, muscles=["biceps_brachii"], sides=(None,), ramp_s=0.0,
                   snr_db=20, noise_drift=0.5, noise_drift_period_s=60, fs=1000, seed=3)
    bursts = np.array(rec.meta["truth"]["channels"]["biceps_brachii"]["bursts"])
    tracked = detect_activation(rec)
    constant = detect_activation(rec, track_s=None)
    assert len(tracked.onsets[0]) == len(bursts)
    np.testing.assert_allclose(tracked.onsets[0], bursts[:, 0], atol=0.02)
    assert len(constant.onsets[0]) != len(bursts)  # a fixed threshold fits only part of a drifting floor


def test_long_hold_is_one_burst():
    """The tracked rest level must not climb over a sustained contraction longer than the tracking span."""
    from emgkit.datasets.simulate import simulate

    rec = simulate(schedule=[(3, 33), (40, 41)], duration_s=45, muscles=["biceps_brachii"], sides=(None,),
                   ramp_s=0.05, snr_db=20, fs=1000, seed=11)
    act = detect_activation(rec)
    np.testing.assert_allclose(np.c_[act.onsets[0], act.offsets[0]], [[3, 33], [40, 41]], atol=0.05)


def test_hold_rejects_ecg_complexes():
    from emgkit.datasets.simulate import simulate

    rec = simulate(n_reps=4, burst_s=1.0, rest_s=3.0, muscles=["rectus_abdominis"], sides=(None,), ramp_s=0.0,
                   snr_db=25, ecg_uv=300, fs=1000, seed=5)
    n_true = len(rec.meta["truth"]["channels"]["rectus_abdominis"]["bursts"])
    assert len(detect_activation(rec).onsets[0]) == n_true
    assert len(detect_activation(rec, hold_ms=0).onsets[0]) > n_true


def test_channels_are_independent(rng):
    x = synthetic(rng, n_channels=3)
    x[1] *= 50.0  # a different gain must not change the timing
    x[2] = synthetic(rng, bursts=[(1.0, 2.0), (6.0, 6.5)])[0]
    together = detect_activation(x, fs=FS)
    for c in range(3):
        alone = detect_activation(x[c], fs=FS)
        np.testing.assert_array_equal(together.onsets[c], alone.onsets[0])
        np.testing.assert_array_equal(together.offsets[c], alone.offsets[0])
    np.testing.assert_allclose(together.onsets[0], together.onsets[1], atol=2 / FS)  # gain-free up to rounding
    assert_bursts(together, 2, [(1.0, 2.0), (6.0, 6.5)])


def test_float32_gives_the_same_bursts(rng):
    x = synthetic(rng)
    a64 = detect_activation(x, fs=FS)
    a32 = detect_activation(x.astype(np.float32), fs=FS)
    np.testing.assert_allclose(a32.onsets[0], a64.onsets[0], atol=2 / FS)
    np.testing.assert_allclose(a32.offsets[0], a64.offsets[0], atol=2 / FS)


def test_merging_and_minimum_duration():
    env = np.ones(10000) + 0.01 * np.sin(np.arange(10000))
    for on, off in [(2.0, 2.5), (2.54, 3.0), (5.0, 5.02), (7.0, 8.0)]:
        env[int(on * 1000) : int(off * 1000)] = 5.0
    act = detect(env, fs=1000, baseline=(0.2, 1.8))
    np.testing.assert_allclose(act.onsets[0], [2.0, 7.0])  # the 40 ms gap merged (min_gap_ms = 50),
    np.testing.assert_allclose(act.offsets[0], [3.0, 8.0])  # the 20 ms burst dropped (min_burst_ms = 30)
    apart = detect(env, fs=1000, baseline=(0.2, 1.8), min_gap_ms=20, min_burst_ms=10)
    np.testing.assert_allclose(apart.onsets[0], [2.0, 2.54, 5.0, 7.0])


# -- the Activation result --------------------------------------------------------------------------
def test_activation_result_api(rng):
    from emgkit import Recording

    rec = Recording(synthetic(rng, n_channels=2), FS, ["L Biceps", "R Biceps"], unit="uV")
    act = detect_activation(rec)
    assert isinstance(act, Activation)
    assert act.channel_names == ["L Biceps", "R Biceps"]
    np.testing.assert_array_equal(act.onsets["R Biceps"], act.onsets[1])
    for c in range(2):
        on, off = act.onsets[c], act.offsets[c]
        assert on.dtype == np.float64 and on.ndim == 1 and on.shape == off.shape
        assert np.all(on < off) and np.all(np.diff(on) > 0) and np.all(on[1:] >= off[:-1])
        b = act.baseline[c]
        assert b.source == "auto" and b.stop_s - b.start_s == pytest.approx(0.5)
        assert not any(a < b.stop_s and b.start_s < z for a, z in BURSTS)  # the rest window is rest
        assert act.threshold[c] > act.threshold_low[c] > b.level
    frame = act.to_frame()
    assert list(frame.columns) == ["channel", "muscle", "side", "burst", "onset_s", "offset_s", "duration_s",
                                   "peak", "mean_amplitude", "clipped"]
    assert len(frame) == act.n_bursts.sum() == 6
    assert frame["side"].tolist() == ["L"] * 3 + ["R"] * 3 and set(frame["muscle"]) == {"biceps_brachii"}
    assert frame["burst"].tolist() == [1, 2, 3, 1, 2, 3]
    np.testing.assert_allclose(frame["duration_s"], frame["offset_s"] - frame["onset_s"])
    # amplitudes: RMS of the band-passed burst, about 10 (20 dB over a unit noise floor)
    assert np.all((frame["mean_amplitude"] > 7) & (frame["mean_amplitude"] < 13))
    assert np.all(frame["peak"] >= frame["mean_amplitude"])
    assert act.amplitude_unit == "uV"
    summary = act.summary()
    assert summary["n_bursts"].tolist() == [3, 3] and summary["baseline_source"].tolist() == ["auto", "auto"]
    assert "L Biceps: 3" in repr(act)


def test_mask_matches_bursts(rng):
    act = detect_activation(synthetic(rng), fs=FS)
    m = act.mask()
    assert m.shape == (1, 11000) and m.dtype == bool
    for on, off in zip(act.onsets[0], act.offsets[0]):
        assert m[0, int(round(on * FS)) : int(round(off * FS))].all()
    assert m.sum() == int(round(np.sum(act.offsets[0] - act.onsets[0]) * FS))
    coarse = act.mask(fs=100)
    assert coarse.shape == (1, 1100)
    assert abs(coarse.sum() / 100 - m.sum() / FS) < 0.05
    with pytest.raises(InvalidInputError, match="non-negative number of samples"):
        act.mask(n=-1)


def test_exported_from_emgkit():
    assert emgkit.activation.detect_activation is detect_activation


# -- baselines ----------------------------------------------------------------------------------------------
def test_user_baseline_is_used_and_reported(rng):
    x = synthetic(rng, n_channels=2)
    act = detect_activation(x, fs=FS, baseline=(0.2, 1.8))
    for c in range(2):
        assert act.baseline[c].source == "user"
        assert (act.baseline[c].start_s, act.baseline[c].stop_s) == (0.2, 1.8)
    assert_bursts(act, 0)
    per = detect_activation(x, fs=FS, baseline={"EMG 2": (3.2, 4.2)})
    assert per.baseline[0].source == "auto" and per.baseline[1].source == "user"


@pytest.mark.parametrize(
    "baseline, match",
    [
        ((10.0, 12.0), r"lies outside the record \(0 to 11.000 s\)"),
        ((-1.0, 0.5), "lies outside the record"),
        ((1.0, 1.05), "lasts 50 ms; a rest interval needs at least 100 ms"),
        ((2.0, 1.0), "start_s < stop_s"),
        ("rest", r"must be a rest interval \(start_s, stop_s\)"),
        ({"nope": (0, 1)}, r"unknown channel\(s\) \['nope'\]"),
    ],
)
def test_bad_baselines(rng, baseline, match):
    with pytest.raises(InvalidInputError, match=match):
        detect_activation(synthetic(rng), fs=FS, baseline=baseline)


def test_zero_spread_baseline_is_floored(rng):
    """Quantised data whose rest is digital silence: the spread is floored at the step, with a warning."""
    x = np.round(synthetic(rng, snr_db=30) / 4.0)  # rest noise (SD 1) rounds to 0
    x[0, :1500] = 0.0
    with pytest.warns(SignalQualityWarning, match="floored at the quantisation step"):
        act = detect_activation(x, fs=FS, baseline=(0.2, 1.2))
    assert "floored" in act.baseline[0].note
    assert_bursts(act, 0, tol_s=0.03)


# -- bad input ----------------------------------------------------------------------------------------------
def test_flat_channel_gets_a_reason(rng):
    x = np.vstack([synthetic(rng), np.full((1, 11000), 3.0)])
    act = detect_activation(x, fs=FS)
    assert len(act.onsets[1]) == 0 and act.reason[1].startswith("flat")
    assert act.baseline[1] is None and np.isnan(act.threshold[1])
    assert_bursts(act, 0)


def test_all_activity_channel_gets_a_reason(rng):
    x = synthetic(rng, bursts=[(0.0, 11.0)])
    act = detect_activation(x, fs=FS)
    assert len(act.onsets[0]) == 0
    assert act.reason[0].startswith(("no activity", "no rest"))
    assert "baseline=(start_s, stop_s)" in act.reason[0]


def test_mostly_active_channel_is_no_rest(rng):
    x = synthetic(rng, bursts=[(0.0, 11.0)])
    x[0, 5000:5600] = rng.standard_normal(600) * 0.01  # one quiet stretch, far quieter than the rest
    act = detect_activation(x, fs=FS)
    assert act.reason[0].startswith("no rest: activity covers")


def test_clipped_channel_warns_and_reports(rng):
    x = synthetic(rng, snr_db=30)
    np.clip(x, -15, 15, out=x)
    with pytest.warns(SignalQualityWarning, match="clipped samples in 'EMG 1'"):
        act = detect_activation(x, fs=FS)
    assert_bursts(act, 0, tol_s=0.03)
    assert np.all(act.clipped[0] > 0.05)
    assert any(n.startswith("clipped") for n in act.notes[0])
    assert act.to_frame()["clipped"].min() > 0.05


def test_dropout_is_never_the_baseline(rng):
    x = synthetic(rng)
    x[0, 5500:6500] = 0.0  # a 1 s zero-filled gap (a repaired dropout)
    act = detect_activation(x, fs=FS)
    b = act.baseline[0]
    assert b.stop_s <= 5.5 or b.start_s >= 6.5
    assert any(n.startswith("dropouts") for n in act.notes[0])
    assert_bursts(act, 0)


def test_nan_is_an_error_naming_channel_and_sample(rng):
    x = synthetic(rng, n_channels=2)
    x[1, 1234:1240] = np.nan
    with pytest.raises(InvalidInputError, match=r"'EMG 2' \(6 samples, first at sample 1234\).*nonfinite='interpolate'"):
        detect_activation(x, fs=FS)


def test_too_short_records(rng):
    with pytest.raises(InvalidInputError, match=r"lasts 0.600 s .* shorter than the 0.5 s automatic rest window"):
        detect_activation(rng.standard_normal(600), fs=FS)
    short = synthetic(rng, duration=1.0, bursts=[(0.5, 0.8)], snr_db=30)
    act = detect_activation(short, fs=FS, baseline=(0.1, 0.4))  # a given baseline needs no search margin
    assert len(act.onsets[0]) == 1
    with pytest.raises(InvalidInputError, match=r"has 40 samples; the band-pass filter needs at least 64 \(0.640 s"):
        detect_activation(rng.standard_normal(40), fs=100, baseline=(0.0, 0.2), band_hz=(5, 40))


# -- options -----------------------------------------------------------------------------------------------------
def test_unknown_option_lists_valid_ones(rng):
    with pytest.raises(InvalidInputError, match=r"unknown option\(s\) \['min_burst'\].*Did you mean 'min_burst_ms'"):
        detect_activation(synthetic(rng), fs=FS, min_burst=30)
    with pytest.raises(InvalidInputError, match="method must be one of"):
        detect_activation(synthetic(rng), fs=FS, method="tkoe")
    with pytest.raises(InvalidInputError, match="h_low=5 must not exceed h=3"):
        detect_activation(synthetic(rng), fs=FS, method="hodges", h_low=5)
    with pytest.raises(InvalidInputError, match="min_gap_ms must be a finite number >= 0"):
        detect_activation(synthetic(rng), fs=FS, min_gap_ms=-1)
    with pytest.raises(InvalidInputError, match="band_hz upper corner 600 Hz must be below fs/2 = 500 Hz"):
        detect_activation(synthetic(rng), fs=FS, band_hz=(20, 600))
    with pytest.raises(InvalidInputError, match="r0=6 must not exceed m=5"):
        detect_activation(synthetic(rng), fs=FS, method="bonato", r0=6)


def test_options_are_reported(rng):
    act = detect_activation(synthetic(rng), fs=FS, method="hodges", h=4)
    assert act.options["h"] == 4 and act.options["window_ms"] == 50.0 and act.options["band_hz"] == [20.0, 450.0]
    assert act.method == "hodges" and "50 Hz low-pass" in act.statistic


def test_conditioned_input_and_detect(rng):
    x = synthetic(rng)
    env = np.abs(signal.sosfiltfilt(signal.butter(4, [20, 450], "band", fs=FS, output="sos"), x))
    env = signal.sosfiltfilt(signal.butter(2, 10, fs=FS, output="sos"), env).clip(0)
    act = detect_activation(env, fs=FS, conditioned=True, method="hodges")
    assert_bursts(act, 0, tol_s=0.05)
    assert "conditioned" in act.method
    same = detect(env, fs=FS, window_ms=50)  # hodges' defaults: mean + 3 SD, 50 ms sliding mean
    np.testing.assert_array_equal(same.onsets[0], act.onsets[0])
    with pytest.raises(InvalidInputError, match="method='bonato' tests the band-passed signal"):
        detect_activation(env, fs=FS, conditioned=True, method="bonato")
    with pytest.raises(InvalidInputError, match=r"unknown option\(s\) \['band_hz'\]"):
        detect_activation(env, fs=FS, conditioned=True, band_hz=(20, 450))
    with pytest.raises(InvalidInputError, match="an envelope must be non-negative"):
        detect(x, fs=FS)


def test_detect_on_hand_made_envelope():
    env = np.ones(4000) + 0.05 * np.sin(np.arange(4000))
    env[1500:2500] += 4.0
    act = detect(env, fs=1000, baseline=(0.0, 1.0), channels=["TA"])
    assert act.channel_names == ["TA"] and act.channels[0].muscle == "tibialis_anterior"
    np.testing.assert_allclose(act.onsets[0], [1.5]) and np.testing.assert_allclose(act.offsets[0], [2.5])
    assert act.peak[0][0] == pytest.approx(5.05, abs=0.01) and act.mean_amplitude[0][0] == pytest.approx(5.0, abs=0.01)
    tracked = detect(env, fs=1000, robust=True, h=8, h_low=2, track_s=2.0)
    np.testing.assert_allclose(tracked.onsets[0], [1.5], atol=0.002)


# -- Bonato's statistics ------------------------------------------------------------------------------------------
@pytest.mark.parametrize("pfa, r0, m", [(0.05, 1, 5), (0.01, 2, 5), (0.1, 1, 1)])
def test_zeta_gives_the_requested_false_alarm_rate(pfa, r0, m):
    from math import comb, exp

    p = exp(-zeta_for(pfa, r0, m) / 2)
    assert sum(comb(m, k) * p**k * (1 - p) ** (m - k) for k in range(r0, m + 1)) == pytest.approx(pfa, rel=1e-9)


def test_zeta_default_matches_hand_value():
    # r0 = 1 of m = 5 at P_fa = 0.05: 1 - (1 - p)^5 = 0.05 -> p = 0.010206 -> zeta = -2 ln p = 9.170
    assert zeta_for(0.05, 1, 5) == pytest.approx(9.1695, abs=1e-3)


def test_whitening_filter_whitens_ar_noise(rng):
    x = signal.lfilter([1.0], [1.0, -0.9], rng.standard_normal(20000))
    w = signal.lfilter(whitening_filter(x, 4), [1.0], x)
    lag1 = np.corrcoef(w[1:], w[:-1])[0, 1]
    assert abs(lag1) < 0.03
    np.testing.assert_array_equal(whitening_filter(x, 0), [1.0])


def test_bonato_false_alarms_on_white_noise(rng):
    """On pure white noise, r0-of-m windows fire at about P_fa; the 30 ms state rule removes nearly all."""
    x = rng.standard_normal(60000)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        act = detect_activation(x, fs=FS, method="bonato", band_hz=None, whiten_order=0, baseline=(0.0, 60.0))
    assert len(act.onsets[0]) <= 2
