"""Noise floor (emgkit.noise_floor): simulated ground truth, the subtraction rule, chunked input, real recordings."""

import math
import warnings
import numpy as np
import pytest
from scipy.signal import butter, sosfreqz

import emgkit
from emgkit import noise_floor as nfm
from emgkit._chunks import ArraySource, FileSource, Rows
from emgkit.datasets import simulate
from emgkit.errors import InvalidInputError
from emgkit.noise_floor import estimate_noise, floor_from_conditioned, subtract_floor, within_noise

GAUSS_MAV = math.sqrt(2 / math.pi)  # mean |x| / RMS of Gaussian noise: the linear envelope's level at rest


def band_truth(rec, name, low=20.0, high=450.0, order=4):
    """Expected RMS of the simulated noise floor (and hum) after the zero-phase band-pass, in V."""
    truth = rec.meta["truth"]
    ch = truth["channels"][name]
    sos = butter(order, [low, high], btype="band", fs=rec.fs, output="sos")
    lo, hi = truth["noise"]["band_hz"]
    f = np.linspace(lo, hi, 20001)
    gain = np.abs(sosfreqz(sos, worN=f, fs=rec.fs)[1]) ** 4
    power = ch["noise_rms_v"] ** 2 * np.trapezoid(gain, f) / (hi - lo)
    for h, rel in enumerate([1.0, *truth["powerline"]["harmonics"]], start=1):
        if ch["powerline_v"] and h * truth["powerline"]["hz"] < rec.fs / 2:
            g = np.abs(sosfreqz(sos, worN=[h * truth["powerline"]["hz"]], fs=rec.fs)[1][0]) ** 2
            power += (ch["powerline_v"] * rel * g) ** 2 / 2
    return math.sqrt(power)


def ratios(rec, nf):
    return nf.noise_rms / np.array([band_truth(rec, n) for n in rec.channel_names])


def sim(**kw):
    kw = {"fs": 1000.0, "n_reps": 3, "amplitude_uv": 300.0, "noise_uv": 5.0, "seed": 3, **kw}
    return simulate(**kw)


# -- the subtraction rule ------------------------------------------------------------


def test_subtract_floor_is_quadrature_above_the_ratio_and_capped_below():
    v = np.array([10.0, 2.0, 1.5, 1.0, 0.5, 0.0])
    out = subtract_floor(v, 1.0)
    assert out[0] == pytest.approx(math.sqrt(99.0))
    assert out[1] == pytest.approx(math.sqrt(3.0))  # exactly at ratio 2: quadrature and the cap agree
    assert np.allclose(out[2:], v[2:] * math.sqrt(0.75))  # within the noise: scaled, never 0
    assert np.all(out[:-1] > 0) and out[-1] == 0.0
    dense = np.linspace(0.01, 10, 2000)
    assert np.all(np.diff(subtract_floor(dense, 1.0)) > 0)  # monotone: the order of values never changes
    assert np.array_equal(subtract_floor(v, 1.0, trusted=False), v)
    assert np.isnan(subtract_floor([np.nan], 1.0)[0])


def test_subtract_floor_broadcasts_per_channel_and_flags_values_within_the_noise():
    values = np.array([[30.0, 3.0], [5.0, 50.0]])  # (channels, repetitions)
    floor = np.array([2.0, 4.0])
    trusted = np.array([True, False])
    out = subtract_floor(values, floor[:, None], trusted[:, None])
    assert out[0, 0] == pytest.approx(math.sqrt(900 - 4)) and out[0, 1] == pytest.approx(3.0 * math.sqrt(0.75))
    assert np.array_equal(out[1], values[1])
    assert within_noise(values, floor[:, None], trusted[:, None]).tolist() == [[False, True], [False, False]]
    with pytest.raises(InvalidInputError):
        subtract_floor(values, 1.0, ratio=1.0)


# -- simulations with known noise --------------------------------------------------------


@pytest.mark.parametrize("fs", [1000.0, 2000.0])
def test_rest_periods_give_a_trusted_floor_at_the_true_noise(fs):
    rec = sim(fs=fs)
    nf = estimate_noise(rec)
    assert nf.trusted.all() and set(nf.method) == {"task: quietest windows"}
    assert np.allclose(ratios(rec, nf), 1.0, atol=0.06)
    assert np.allclose(nf.floor, GAUSS_MAV * nf.noise_rms, rtol=0.03)  # linear envelope of Gaussian noise
    assert np.all(nf.noise_likeness > 0.85) and np.all(nf.reason == ("",) * 4)


def test_moving_rms_envelope_floor_is_the_noise_rms():
    rec = sim()
    nf = estimate_noise(rec, envelope="rms", rms_window_ms=100)
    assert nf.trusted.all()
    assert np.allclose(nf.floor, nf.noise_rms, rtol=0.03)


def test_tonic_activity_without_rest_is_not_taken_for_noise():
    rec = sim(tonic=0.2, cocontraction=0.0)  # tonic 60 uV RMS against 5 uV of noise: +22 dB, no rest anywhere
    nf = estimate_noise(rec)
    assert not nf.trusted.any()
    assert set(nf.method) == {"task: upper-band estimate"}
    assert all("muscle activity, not noise" in r and "rest recording" in r for r in nf.reason)
    assert np.all(nf.quiet_rms / nf.noise_rms > 1.8)  # the estimate is far below the tonic level it replaces
    assert np.all(nf.noise_likeness < nfm.NOISE_LIKE)


def test_a_rest_recording_gives_the_floor_under_tonic_activity():
    rec = sim(tonic=0.2)
    rest = sim(n_reps=1, amplitude_uv=1e-3, seed=4)  # same electrodes at rest: noise only
    nf = estimate_noise(rec, rest=rest)
    assert nf.trusted.all() and set(nf.method) == {"rest recording"}
    assert np.allclose(ratios(rec, nf), 1.0, atol=0.06)


def test_a_rest_interval_gives_the_floor():
    rec = sim()  # 2 s lead-in before the first burst
    nf = estimate_noise(rec, rest_interval=(0.0, 1.9))
    assert nf.trusted.all() and set(nf.method) == {"rest interval 0-1.9 s"}
    assert np.allclose(ratios(rec, nf), 1.0, atol=0.08)
    assert np.all(nf.rest_s <= 1.9)


def test_hum_stays_in_the_floor_and_does_not_fail_the_test():
    rec = sim(powerline_uv=15.0, powerline_harmonics=(0.3, 0.1))  # hum 3x the noise RMS at rest
    nf = estimate_noise(rec)
    assert nf.trusted.all()
    assert np.allclose(ratios(rec, nf), 1.0, atol=0.06)  # truth: noise and hum after the band-pass


def test_different_gains_left_and_right_give_each_side_its_floor():
    rec = sim(lr_ratio=2.0, noise_uv={"L biceps_brachii": 5.0, "L triceps_brachii": 5.0,
                                      "R biceps_brachii": 10.0, "R triceps_brachii": 10.0})
    nf = estimate_noise(rec)
    assert nf.trusted.all()
    assert np.allclose(ratios(rec, nf), 1.0, atol=0.06)
    left, right = nf.noise_rms[:2], nf.noise_rms[2:]
    assert np.allclose(right / left, 2.0, rtol=0.08)


def test_a_rest_recording_noisier_than_the_task_is_not_trusted():
    rec = sim()
    rest = sim(n_reps=1, amplitude_uv=1e-3, noise_uv=15.0, seed=4)
    nf = estimate_noise(rec, rest=rest)
    assert not nf.trusted.any()
    assert all("above the task's quietest" in r for r in nf.reason)


def test_a_rest_recording_with_the_muscle_active_is_not_trusted():
    rec = sim(tonic=0.2)
    rest = sim(n_reps=1, tonic=0.2, seed=4)
    nf = estimate_noise(rec, rest=rest)
    assert not nf.trusted.any() and set(nf.method) == {"rest recording"}
    assert all("muscle relaxed" in r for r in nf.reason)


# -- edge cases ----------------------------------------------------------------------


def test_silent_channel_and_partly_silent_channel():
    rec = sim()
    x = np.array(rec.data)
    x[0] = 0.0
    x[1, : x.shape[1] // 2] = 0.0  # digital zero, then signal: the floor comes from the signal part
    nf = estimate_noise(x, rec.fs)
    assert not nf.trusted[0] and nf.noise_rms[0] == 0.0 and nf.floor[0] == 0.0 and "silent" in nf.reason[0]
    assert nf.trusted[1] and nf.noise_rms[1] == pytest.approx(band_truth(rec, rec.channel_names[1]), rel=0.08)


def test_too_short_and_too_slow_records_are_not_trusted():
    x = np.random.default_rng(0).standard_normal((2, 900))
    nf = estimate_noise(x, 1000.0)
    assert not nf.trusted.any() and all("too short" in r for r in nf.reason)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        nf = estimate_noise(np.random.default_rng(0).standard_normal((1, 5000)), 500.0, high_hz=225.0)
    assert not nf.trusted[0] and "leaving less than 100 Hz above 250 Hz" in nf.reason[0]
    assert np.isnan(nf.noise_likeness[0])


def test_bad_arguments_are_clear_errors():
    rec = sim()
    with pytest.raises(InvalidInputError, match="not both"):
        estimate_noise(rec, rest=rec, rest_interval=(0, 1))
    with pytest.raises(InvalidInputError, match="holds no 0.5 s window"):
        estimate_noise(rec, rest_interval=(0.0, 0.5))
    with pytest.raises(InvalidInputError, match="same order"):
        estimate_noise(rec, rest=rec.data[:2], fs=rec.fs)
    with pytest.raises(InvalidInputError, match="'linear' or 'rms'"):
        estimate_noise(rec, envelope="tkeo")


# -- chunked input -----------------------------------------------------------------------


def _same(a, b):
    for field in ("floor", "noise_rms", "noise_likeness", "quiet_rms", "loud_rms", "rest_s"):
        assert np.allclose(getattr(a, field), getattr(b, field), rtol=1e-9, atol=0, equal_nan=True), field
    assert a.trusted.tolist() == b.trusted.tolist() and a.method == b.method


def test_pieces_give_the_same_floor_as_the_whole_array(monkeypatch):
    rec = sim(tonic={"L biceps_brachii": 0.2})
    whole = estimate_noise(rec)
    monkeypatch.setattr(nfm, "PIECE_S", 0.75)  # many pieces, windows straddling every boundary
    y, e = nfm._Conditioning(20.0, 450.0, 4, None, "linear", 6.0, 2, 100.0).apply(
        rec.data - rec.data.mean(axis=1, keepdims=True), rec.fs)
    rows = [Rows(y.shape, lambda r, a, b, s=s: s[r, a:b], 997) for s in (y, e)]
    _same(whole, floor_from_conditioned(*rows, rec.fs))
    _same(whole, estimate_noise(ArraySource(rec.data, rec.fs), chunk_s=1.3))


def test_file_source_is_read_in_pieces(tmp_path):
    rec = sim(tonic={"R biceps_brachii": 0.2})
    path = tmp_path / "task.h5"
    emgkit.write(rec, path)
    with emgkit.open(path) as handle:
        streamed = estimate_noise(FileSource(handle), chunk_s=2.0)
    _same(estimate_noise(rec), streamed)


# -- the simulator's tonic option ------------------------------------------------------------


def test_simulated_tonic_activity_has_no_rest():
    rec = simulate(fs=1000.0, n_reps=2, tonic={"biceps_brachii": 0.1}, cocontraction=0.0, snr_db=None, seed=1)
    truth = rec.meta["truth"]
    assert truth["channels"]["L biceps_brachii"]["tonic"] == 0.1
    assert "tonic" not in truth["channels"]["L triceps_brachii"]
    lead_in = rec.data[0, : int(1.9 * rec.fs)]  # before the first burst: tonic EMG at 10 % of 300 uV
    assert np.sqrt(np.mean(lead_in**2)) == pytest.approx(30e-6, rel=0.15)
    assert np.all(rec.data[1] == 0.0)  # silent antagonist without tonic stays silent
    assert "tonic" not in simulate(fs=1000.0, n_reps=1).meta["truth"]["params"]  # default: truth unchanged


# -- real recordings (expected outcomes in docs/noise_floor.md, written before running) ------------------

def _pa(shared, subject, action):
    from emgkit.datasets.readers import read_uci_physical_action

    kind = "Normal" if action in {"Bowing", "Clapping", "Handshaking", "Hugging", "Jumping", "Running", "Seating",
                                  "Standing", "Walking", "Waving"} else "Aggressive"
    return read_uci_physical_action(shared / "uci_physical_action" / subject / kind / "txt" / f"{action}.txt")


@pytest.mark.shared_data
def test_physical_action_clapping_biceps_tonic_activity_is_not_the_floor(shared_data):
    rec = _pa(shared_data, "sub01", "Clapping")
    nf = estimate_noise(rec)
    for name in ("R-Bic", "L-Bic"):
        c = rec.channel_names.index(name)
        assert not nf.trusted[c] and nf.method[c] == "task: upper-band estimate"
        assert nf.quiet_rms[c] > 100 and nf.noise_rms[c] < nf.quiet_rms[c] / 4
    c = rec.channel_names.index("R-Ham")
    assert nf.trusted[c] and 12 <= nf.noise_rms[c] <= 15


@pytest.mark.shared_data
def test_physical_action_standing_is_at_the_floor_and_gives_clapping_its_floor(shared_data):
    standing = _pa(shared_data, "sub01", "Standing")
    nf = estimate_noise(standing)
    assert nf.trusted.all() and np.all((12 <= nf.noise_rms) & (nf.noise_rms <= 16))
    assert np.sum(nf.loud_rms <= 2 * nf.noise_rms) >= 6
    with_rest = estimate_noise(_pa(shared_data, "sub01", "Clapping"), rest=standing)
    assert with_rest.trusted.all() and np.all((12 <= with_rest.noise_rms) & (with_rest.noise_rms <= 16))


@pytest.mark.shared_data
def test_physical_action_no_trusted_floor_is_tonic_activity(shared_data):
    for subject in ("sub01", "sub02"):
        for path in sorted((shared_data / "uci_physical_action" / subject).glob("*/txt/*.txt")):
            nf = estimate_noise(_pa(shared_data, subject, path.stem))
            assert np.all(nf.noise_rms[nf.trusted] < 40), (subject, path.stem)


@pytest.mark.shared_data
def test_biosppy_signals_have_their_rest_level_as_floor(shared_data):
    from emgkit.datasets.readers import read_opensignals

    nf = estimate_noise(read_opensignals(shared_data / "biosppy_single" / "emg_1.txt"))
    assert nf.trusted[0] and 4.5 <= nf.noise_rms[0] <= 6.5  # band-passed; the raw rest RMS (10 counts) has 450-500 Hz noise
    assert nf.loud_rms[0] > 5 * nf.noise_rms[0]
    nf = estimate_noise(read_opensignals(shared_data / "biosppy_single" / "emg.txt"))
    assert nf.trusted[0] and 1.3 <= nf.noise_rms[0] <= 2.5


@pytest.mark.shared_data
def test_pyomeca_unused_sensors_are_silent(shared_data):
    rec = emgkit.read(shared_data / "pyomeca_shoulder" / "markers_analogs.c3d")
    nf = estimate_noise(rec)
    zero = np.all(np.asarray(rec.data) == 0, axis=1)
    assert zero.sum() == 19
    assert not nf.trusted[zero].any() and np.all(nf.noise_rms[zero] == 0)
    assert all("silent" in r for r, z in zip(nf.reason, zero) if z)


@pytest.mark.shared_data
@pytest.mark.filterwarnings("ignore::emgkit.errors.SignalQualityWarning")  # type-2a.c3d is sampled at 960 Hz
def test_lower_limb_and_gait_outcomes_are_those_recorded(shared_data):
    """docs/noise_floor.md: most quiet windows there hold low-frequency activity, so few floors are trusted."""
    from emgkit.datasets.readers import read_uci_lower_limb

    trusted = {}
    for path in sorted((shared_data / "uci_lower_limb").glob("*.txt")):
        rec = read_uci_lower_limb(path)
        nf = estimate_noise(rec)
        lsb = 0.00075 / math.sqrt(12)  # quantisation noise of the 14-bit recorder, mV
        assert np.all((nf.noise_rms[nf.trusted] > lsb) & (nf.noise_rms[nf.trusted] < 0.02)), path.stem
        trusted.update({f"{path.stem} {n}": nf.noise_rms[c] for c, n in enumerate(rec.channel_names) if nf.trusted[c]})
    assert sorted(trusted) == ["3Apie Recto Femoral", "3Asen Recto Femoral", "3Npie BF", "3Npie ST"]
    counts = {}
    for path in sorted((shared_data / "c3d_bilateral_gait").glob("*.c3d")):
        nf = estimate_noise(emgkit.read(path))
        counts[path.name] = int(nf.trusted.sum())
        assert np.all(nf.noise_rms[nf.trusted] <= nf.loud_rms[nf.trusted])
    assert counts == {"1123x01EMG.c3d": 0, "Gait.c3d": 0, "PiG_Motion-FlatFoot-Full.c3d": 4, "type-2a.c3d": 3}
