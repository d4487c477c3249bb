"""The simulator: determinism, and ground truth that the signal actually honours."""

import json
import math

import numpy as np
import pytest
from scipy import signal

from emgkit.channels import parse_channel_name
from emgkit.datasets import simulate
from emgkit.errors import InvalidInputError

FS = 1000.0


def _quiet(**kw):
    """No noise, no interference: the data are exactly the EMG component."""
    base = dict(fs=FS, snr_db=None, seed=5)
    base.update(kw)
    return simulate(**base)


def _truth(rec, name):
    return rec.meta["truth"]["channels"][name]


def _plateau(bursts, ramp, fs):
    """Sample slices of each burst's plateau (ramps excluded)."""
    return [slice(int(math.ceil((on + ramp) * fs)), int(math.floor((off - ramp) * fs))) for on, off in bursts]


def _mdf(x, fs):
    f, p = signal.welch(x, fs, nperseg=int(fs), noverlap=int(fs) // 2)
    band = (f >= 20) & (f <= 450)
    c = np.cumsum(p[band])
    return float(np.interp(c[-1] / 2, c, f[band]))


# -- determinism ---------------------------------------------------------------------


def test_same_seed_gives_identical_bytes():
    kw = dict(n_reps=3, fs=FS, fatigue={"mdf_pct_per_min": -10}, powerline_uv=5, wander_uv=10, ecg_uv=20, level_cv=0.1, timing_jitter_s=0.01)
    a, b = simulate(seed=11, **kw), simulate(seed=11, **kw)
    assert a.data.tobytes() == b.data.tobytes()
    assert json.dumps(a.meta["truth"], sort_keys=True) == json.dumps(b.meta["truth"], sort_keys=True)
    c = simulate(seed=12, **kw)
    assert a.data.shape == c.data.shape and not np.array_equal(a.data, c.data)
    assert a.meta["truth"]["channels"]["L biceps_brachii"]["bursts"] != c.meta["truth"]["channels"]["L biceps_brachii"]["bursts"]


def test_truth_is_strict_json_and_params_reproduce_the_recording():
    rec = simulate(n_reps=2, fs=FS, snr_db=math.inf, lr_ratio={"biceps_brachii": 1.2}, sides=("L", "R"), seed=None)
    text = json.dumps(rec.meta["truth"], allow_nan=False)
    params = json.loads(text)["params"]
    assert isinstance(params["seed"], int) and params["snr_db"] is None
    again = simulate(**params)
    assert again.data.tobytes() == rec.data.tobytes()


def test_noise_level_does_not_change_the_emg_itself():
    clean = _quiet(n_reps=2)
    noisy = simulate(n_reps=2, fs=FS, snr_db=10, seed=5)
    diff = noisy.data[0] - clean.data[0]
    expected = _truth(noisy, "L biceps_brachii")["noise_rms_v"]
    assert _truth(noisy, "L biceps_brachii")["amplitude_v"] / expected == pytest.approx(10 ** 0.5)
    assert np.sqrt(np.mean(diff**2)) == pytest.approx(expected, rel=0.05)


def test_float32_and_layout():
    rec = simulate(n_reps=1, fs=FS, muscles=["rectus_femoris", "biceps_femoris"], sides=["R"], dtype="float32")
    assert rec.data.dtype == np.float32 and rec.data.flags.c_contiguous
    assert rec.channel_names == ["R rectus_femoris", "R biceps_femoris"]
    assert [(c.muscle, c.side) for c in rec.channels] == [("rectus_femoris", "R"), ("biceps_femoris", "R")]
    assert all(parse_channel_name(c.name) == (c.muscle, c.side) for c in rec.channels)  # names parse on their own
    uni = simulate(n_reps=1, fs=FS, sides=(None,))
    assert uni.channel_names == ["biceps_brachii", "triceps_brachii"] and uni.channels[0].side is None


# -- bursts and envelope -------------------------------------------------------------------


@pytest.mark.parametrize("ramp", [0.0, 0.1])
def test_signal_is_zero_exactly_outside_bursts_and_active_inside(ramp):
    rec = _quiet(n_reps=4, burst_s=[0.3, 1.5], rest_s=[1.0, 0.5], ramp_s=ramp, timing_jitter_s=0.02)
    t = rec.times
    for c, name in enumerate(rec.channel_names):
        tr = _truth(rec, name)
        inside = np.zeros(rec.n_samples, dtype=bool)
        for on, off in tr["bursts"]:
            inside |= (t > on) & (t < off)
        assert np.all(rec.data[c][~inside] == 0), name
        assert np.count_nonzero(rec.data[c][inside]) == inside.sum(), name
        if ramp:
            for on, off in tr["bursts"]:
                # the envelope starts at 0: the first samples after onset are tiny
                first = (t > on) & (t < on + 0.1 * ramp)
                assert np.all(np.abs(rec.data[c][first]) < 0.05 * 6 * tr["amplitude_v"])


def test_schedule_durations_and_default_length():
    rec = _quiet(n_reps=3, burst_s=[1.0, 2.0], rest_s=1.5, lead_in_s=2.5, ramp_s=0.05)
    assert rec.meta["truth"]["schedule"]["bursts"] == [[2.5, 3.5], [5.0, 7.0], [8.5, 9.5]]
    assert rec.duration == pytest.approx(9.5 + 1.5)
    filled = simulate(duration_s=30, fs=FS, burst_s=2, rest_s=2, lead_in_s=2)
    assert len(filled.meta["truth"]["schedule"]["bursts"]) == 7 and filled.duration == 30
    short = simulate(duration_s=5, fs=FS)  # the burst fits; the last rest is cut to 1 s
    assert short.meta["truth"]["schedule"]["bursts"] == [[2.0, 4.0]] and short.duration == 5


def test_onset_delay_right_minus_left_is_exact():
    rec = _quiet(n_reps=3, ramp_s=0.0, onset_delay_s={"biceps_brachii": 0.047}, cocontraction=0.0)
    left = np.array(_truth(rec, "L biceps_brachii")["bursts"])
    right = np.array(_truth(rec, "R biceps_brachii")["bursts"])
    np.testing.assert_allclose(right - left, 0.047, atol=1e-12)
    assert rec.meta["truth"]["onset_delay_s"]["biceps_brachii"] == 0.047
    first = lambda c: np.flatnonzero(rec.data[c])[0] / FS  # noqa: E731
    assert first(2) - first(0) == pytest.approx(0.047, abs=1.5 / FS)
    assert _truth(rec, "L triceps_brachii")["bursts"] == []  # silent antagonist
    assert not rec.data[1].any()


def test_lag_shifts_the_antagonist_after_the_agonist():
    rec = _quiet(n_reps=2, onset_lag_s={"triceps_brachii": 0.12})
    ag = np.array(_truth(rec, "L biceps_brachii")["bursts"])
    an = np.array(_truth(rec, "L triceps_brachii")["bursts"])
    np.testing.assert_allclose(an - ag, 0.12, atol=1e-12)


# -- amplitude, ratios, co-contraction ---------------------------------------------------


def test_plateau_rms_matches_amplitude_lr_ratio_and_cocontraction():
    rec = _quiet(n_reps=6, burst_s=4.0, ramp_s=0.2, amplitude_uv={"biceps_brachii": 500, "triceps_brachii": 300},
                 lr_ratio={"biceps_brachii": 1.3}, cocontraction={"triceps_brachii": 0.2})
    rms = {}
    for c, name in enumerate(rec.channel_names):
        tr = _truth(rec, name)
        parts = [rec.data[c][s] for s in _plateau(tr["bursts"], tr["ramp_s"], FS)]
        rms[name] = np.sqrt(np.mean(np.concatenate(parts) ** 2))
        assert rms[name] == pytest.approx(tr["amplitude_v"] * tr["levels"][0], rel=0.04), name
    assert _truth(rec, "L biceps_brachii")["amplitude_v"] == pytest.approx(500e-6)
    assert _truth(rec, "R biceps_brachii")["amplitude_v"] == pytest.approx(650e-6)
    assert rms["R biceps_brachii"] / rms["L biceps_brachii"] == pytest.approx(1.3, rel=0.05)
    assert rms["L triceps_brachii"] / 300e-6 == pytest.approx(0.2, rel=0.05)
    assert rec.meta["truth"]["pairs"][0] == {"side": "L", "agonist": "biceps_brachii", "antagonist": "triceps_brachii", "cocontraction": 0.2}


def test_realised_burst_levels_follow_level_cv():
    rec = _quiet(n_reps=12, burst_s=3.0, ramp_s=0.1, level_cv=0.3, sides=("L",), muscles=["biceps_brachii"])
    tr = _truth(rec, "L biceps_brachii")
    measured = [np.sqrt(np.mean(rec.data[0][s] ** 2)) / tr["amplitude_v"] for s in _plateau(tr["bursts"], 0.1, FS)]
    assert np.std(tr["levels"]) > 0.1
    np.testing.assert_allclose(measured, tr["levels"], rtol=0.06)


def test_snr_sets_the_noise_floor_and_noise_uv_overrides_it():
    rec = simulate(n_reps=2, fs=FS, snr_db=12, lead_in_s=5, seed=2)
    tr = _truth(rec, "L biceps_brachii")
    rest = rec.data[0][: int(4.5 * FS)]
    assert np.sqrt(np.mean(rest**2)) == pytest.approx(tr["amplitude_v"] / 10 ** (12 / 20), rel=0.05)
    absolute = simulate(n_reps=2, fs=FS, noise_uv=20, lr_ratio=2.0, seed=2)
    left, right = _truth(absolute, "L biceps_brachii"), _truth(absolute, "R biceps_brachii")
    assert left["noise_rms_v"] == right["noise_rms_v"] == pytest.approx(20e-6)
    assert right["snr_db"] - left["snr_db"] == pytest.approx(20 * math.log10(2))


# -- fatigue and spectrum ----------------------------------------------------------------------


@pytest.mark.parametrize("rate", [-12.0, 0.0, 6.0])
def test_realised_mdf_slope_and_amplitude_rise_match_truth(rate):
    rec = _quiet(schedule=[(0.5, 179.5)], lead_in_s=0.5, ramp_s=0.2, sides=("L",), muscles=["biceps_brachii"],
                 mdf_hz=100, fatigue={"mdf_pct_per_min": rate, "amplitude_pct_per_min": 10}, seed=8)
    tr = _truth(rec, "L biceps_brachii")
    x = rec.data[0]
    w = int(3 * FS)
    starts = range(int(1 * FS), rec.n_samples - w - int(FS), w)
    times = np.array([(s + w / 2) / FS for s in starts])
    mdf = np.array([_mdf(x[s : s + w], FS) for s in starts])
    rms = np.array([np.sqrt(np.mean(x[s : s + w] ** 2)) for s in starts])
    slope, intercept = np.polyfit(times, mdf, 1)
    assert tr["mdf_hz"] == pytest.approx(100.0, abs=0.01)
    assert intercept == pytest.approx(tr["mdf_hz"], abs=2.5)
    assert slope == pytest.approx(tr["fatigue"]["mdf_slope_hz_per_s"], abs=0.02)
    if rate:
        assert tr["fatigue"]["mdf_slope_pct_per_min"] == pytest.approx(rate, rel=0.1)  # band-limited MDF is near-linear in k
    a_slope, a0 = np.polyfit(times, rms, 1)
    assert a0 == pytest.approx(tr["amplitude_v"], rel=0.03)
    assert a_slope == pytest.approx(tr["fatigue"]["amplitude_slope_v_per_s"], rel=0.1)


def test_per_channel_mdf_is_drawn_in_range_and_mapping_targets_are_hit():
    rec = _quiet(n_reps=1, muscles=["biceps_brachii", "triceps_brachii", "brachioradialis"])
    mdfs = [_truth(rec, n)["mdf_hz"] for n in rec.channel_names]
    assert all(85 <= m <= 115 for m in mdfs) and len(set(mdfs)) == len(mdfs)
    fixed = _quiet(n_reps=1, mdf_hz={"triceps_brachii": 70, "R biceps_brachii": 130})
    assert [round(_truth(fixed, n)["mdf_hz"], 6) for n in ("L triceps_brachii", "R triceps_brachii", "R biceps_brachii")] == [70, 70, 130]


# -- interference -------------------------------------------------------------------------------


def test_powerline_amplitude_and_phase_are_in_the_truth():
    rec = simulate(n_reps=1, fs=FS, snr_db=None, cocontraction=0.0, powerline_hz=60, powerline_uv=30, powerline_harmonics=[0.0, 0.5], seed=3)
    tr = _truth(rec, "L triceps_brachii")  # silent muscle: pure hum
    t = rec.times
    p1, _, p3 = tr["powerline_phase_rad"]
    expected = 30e-6 * (np.sin(2 * np.pi * 60 * t + p1) + 0.5 * np.sin(2 * np.pi * 180 * t + p3))
    np.testing.assert_allclose(rec.data[1], expected, atol=1e-12)
    assert rec.meta["powerline_hz"] == 60


def test_ecg_r_peaks_and_amplitude():
    rec = simulate(n_reps=1, fs=FS, snr_db=None, cocontraction=0.0, ecg_uv={"L triceps_brachii": 100}, heart_rate_bpm=60, seed=4)
    peaks = rec.meta["truth"]["ecg"]["r_peaks_s"]
    x = rec.data[1]
    assert len(peaks) == pytest.approx(rec.duration, abs=2)
    for tp in peaks[1:-1]:
        k = int(round(tp * FS))
        seg = x[k - 20 : k + 21]
        assert abs(np.argmax(seg) - 20) <= 1
        assert seg.max() == pytest.approx(100e-6, rel=0.02)
    assert not rec.data[3].any()  # R triceps got no ECG


def test_wander_and_noise_drift_are_slow():
    rec = simulate(n_reps=1, fs=FS, snr_db=None, cocontraction=0.0, wander_uv=50, wander_hz=0.5, seed=6)
    x = rec.data[1]
    assert np.sqrt(np.mean(x**2)) == pytest.approx(50e-6, rel=0.5)
    f, p = signal.welch(x, FS, nperseg=4096)
    assert p[f > 2].sum() < 1e-3 * p.sum()


def test_adc_range_clips_and_reports():
    rec = simulate(n_reps=2, fs=FS, amplitude_uv=1000, adc_range_uv=1500, seed=1)
    lim = 1500e-6
    assert rec.meta["adc_range"] == [-lim, lim]
    assert np.abs(rec.data).max() <= lim
    frac = _truth(rec, "L biceps_brachii")["clipped_fraction"]
    assert frac == pytest.approx(np.mean(np.abs(rec.data[0]) >= lim)) and frac > 0


def test_sixteen_channels_ten_minutes_at_2khz_runs():
    muscles = ["biceps_brachii", "triceps_brachii", "rectus_femoris", "vastus_lateralis", "biceps_femoris",
               "semitendinosus", "tibialis_anterior", "gastrocnemius_medialis"]
    rec = simulate(duration_s=600, fs=2000, muscles=muscles, fatigue={"mdf_pct_per_min": -3}, dtype="float32", seed=0)
    assert rec.data.shape == (16, 1_200_000)
    assert np.isfinite(rec.data).all()


# -- bad input --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(muscles=["bicep_brachii"]), "unknown muscle 'bicep_brachii'.*biceps_brachii"),
        (dict(lr_ratio={"biceps": 1.2}), r"lr_ratio has unknown keys \['biceps'\]"),
        (dict(lr_ratio=0), "lr_ratio must be > 0"),
        (dict(cocontraction=1.5), "cocontraction must be >= 0 and <= 1"),
        (dict(burst_s=0.15, ramp_s=0.1), "shorter than its two ramps"),
        (dict(onset_delay_s=-3.0), "outside the record"),
        (dict(fatigue={"mdf_pct_per_min": -120}, n_reps=10), "keep the scale within"),
        (dict(fatigue={"mdf": -5}), "unknown keys"),
        (dict(seed=-1), "seed must be a non-negative integer"),
        (dict(seed=1.5), "seed must be a non-negative integer"),
        (dict(dtype="int16"), "dtype must be 'float32' or 'float64'"),
        (dict(sides=("L", "X")), "sides must be"),
        (dict(agonists=["deltoid_anterior"]), "agonists must be a non-empty subset"),
        (dict(schedule=[(1, 2)], n_reps=3), "either schedule or n_reps"),
        (dict(schedule=[(1, 3), (2.5, 4)]), "before burst 0 ends"),
        (dict(duration_s=3, lead_in_s=2), "no repetition fits"),
        (dict(fs=0), "fs must be a positive"),
        (dict(powerline_hz=600, fs=1000), "powerline_hz must be"),
    ],
)
def test_bad_arguments_are_explained(kwargs, match):
    with pytest.raises(InvalidInputError, match=match):
        simulate(**kwargs)


# -- bundled samples ----------------------------------------------------------------------------------


def test_samples_are_listed_small_and_regenerate_identically():
    from emgkit.datasets import available, load, make_samples, sample_path

    assert available() == ["curls", "squats", "trunk"]
    assert sum(sample_path(n).stat().st_size for n in available()) < 3e6
    for name in available():
        rec = load(name)
        fresh = make_samples.make(name)
        assert rec.data.dtype == np.float32 and rec.fs == 1000.0
        assert np.array_equal(rec.data, fresh.data), f"{name}.h5 is stale: run python -m emgkit.datasets.make_samples"
        assert rec.meta["truth"] == fresh.meta["truth"]
        assert all(c.muscle and c.side in ("L", "R") for c in rec.channels)


def test_sample_contents_match_their_descriptions():
    from emgkit.datasets import load

    curls = load("curls").meta["truth"]
    assert curls["lr_ratio"]["biceps_brachii"] > 1 and curls["onset_delay_s"]["biceps_brachii"] < 0
    assert curls["cocontraction"] == {"triceps_brachii": 0.2}
    squats = load("squats")
    assert {c.muscle for c in squats.channels} == {"rectus_femoris", "vastus_lateralis", "biceps_femoris", "semitendinosus"}
    assert squats.meta["powerline_hz"] == 60
    trunk = load("trunk").meta["truth"]
    assert trunk["channels"]["L rectus_abdominis"]["ecg_v"] > trunk["channels"]["R erector_spinae"]["ecg_v"] > 0
    assert len(trunk["ecg"]["r_peaks_s"]) > 30


def test_unknown_sample_lists_the_available_ones():
    from emgkit.datasets import load

    with pytest.raises(InvalidInputError, match=r"no sample recording named 'curl'; available: 'curls', 'squats', 'trunk'\. Did you mean 'curls'\?"):
        load("curl")
