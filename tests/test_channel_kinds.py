"""Channel typing on simulations with known truth: one signal of each kind, named, unit-tagged and anonymous."""

import time

import numpy as np
import pytest

import emgkit
from emgkit._chunks import ArraySource, FileSource
from emgkit.channel_kinds import BLOCK_S, MAX_BLOCKS, classify
from emgkit.channels import KINDS, Channel
from emgkit.datasets import simulate
from emgkit.errors import InvalidInputError

FS = 1000.0


@pytest.fixture(scope="module")
def emg():
    """Two EMG channels (left biceps and triceps, 4 repetitions of 2 s bursts), 1 kHz, 18 s."""
    return simulate(n_reps=4, fs=FS, muscles=("biceps_brachii", "triceps_brachii"), sides=("L",), seed=3)


def with_channels(rec, rows, names, unit=None, units=None):
    """``rec`` plus extra rows; returns {name: ChannelKind}."""
    data = np.vstack([rec.data, *[np.asarray(r, dtype=float)[np.newaxis] for r in rows]])
    both = emgkit.Recording(data, rec.fs, [*rec.channels, *names], unit=unit or rec.unit)
    return {k.name: k for k in classify(both, units=units)}


def envelope(x, fs, window_s=0.1):
    w = int(window_s * fs)
    return np.sqrt(np.convolve(x**2, np.ones(w) / w, mode="same"))


def test_simulated_emg_is_emg(emg):
    kinds = classify(emg)
    assert [k.kind for k in kinds] == ["emg", "emg"] and all(k.is_emg for k in kinds)
    assert kinds[0].reason.startswith("biceps_brachii; ") and "10-450 Hz" in kinds[0].reason


def test_trigger_square_waves(emg, rng):
    n = emg.n_samples
    t = np.arange(n) / FS
    pulses = np.zeros(n)
    for start in rng.uniform(0, n / FS - 0.1, 12):  # 50 ms TTL pulses at random times (not tied to the bursts)
        pulses[int(start * FS): int((start + 0.05) * FS)] = 5.0
    sync = np.where(np.sin(2 * np.pi * 20 * t) >= 0, 3.3, 0.0)  # 20 Hz camera sync: harmonics all in the EMG band
    noisy = pulses + rng.normal(0, 0.02, n)  # analog input: TTL with noise
    kinds = with_channels(emg, [pulses, sync, noisy], ["Input 1", "Input 2", "Input 3"])
    for name in ("Input 1", "Input 2", "Input 3"):
        assert kinds[name].kind == "trigger" and kinds[name].basis == "content", kinds[name]
    assert "two levels" in kinds["Input 1"].reason
    named = with_channels(emg, [rng.normal(0, 1e-5, n), pulses], ["Footswitch L", "Sync"])
    assert named["Footswitch L"].kind == named["Sync"].kind == "trigger" and named["Sync"].basis == "label"


def test_processed_on_off_channel_follows_its_emg(emg):
    """A device's on/off channel: 0 at rest, a constant when the envelope of CH1 crosses a threshold (100 ms late)."""
    env = envelope(emg.data[0], FS)
    on = np.roll(np.where(env > 0.3 * env.max(), 1.0, 0.0), 100)
    kinds = with_channels(emg, [on * 250.0], ["CH1 Processed 2"])
    k = kinds["CH1 Processed 2"]
    assert k.kind == "processed" and k.basis == "label"
    k = with_channels(emg, [on * 250.0], ["CH3"])["CH3"]
    assert k.kind == "processed" and k.basis == "content", k
    assert "'L biceps_brachii'" in k.reason and "on/off" in k.reason
    busy = with_channels(emg, [1.0 - on], ["CH4"])["CH4"]  # inverted logic (high at rest) follows as well
    assert busy.kind == "processed" and "r = -0." in busy.reason
    # with no EMG channel to follow, the same content is a trigger: still never EMG
    alone = emgkit.Recording(on[np.newaxis] * 250.0, FS, ["CH3"])
    assert classify(alone)[0].kind == "trigger"


def test_envelope_channels_are_processed(emg):
    env = envelope(emg.data[0], FS, 0.25)
    kinds = with_channels(emg, [env, env], ["CH5", "L biceps RMS"])
    assert kinds["CH5"].kind == "processed" and "envelope" in kinds["CH5"].reason
    assert kinds["L biceps RMS"].kind == "processed" and kinds["L biceps RMS"].basis == "label"
    # a muscle label does not make an envelope EMG
    renamed = emgkit.Recording(env[np.newaxis], FS, ["R Biceps"])
    k = classify(renamed)[0]
    assert k.kind == "processed" and "(named biceps_brachii)" in k.reason


def test_goniometer_angle(emg, rng):
    n = emg.n_samples
    angle = 45 * np.sin(2 * np.pi * 0.25 * np.arange(n) / FS) + rng.normal(0, 0.05, n)
    held = np.repeat(angle[::20], 20)[:n]  # 50 Hz sampled and held, as the UCI logger did
    kinds = with_channels(emg, [angle, held, angle, angle], ["CH3", "CH4", "Knee angle", "FX"],
                          units=["V"] * 5 + ["deg"])
    assert kinds["CH3"].kind == "unknown" and "slow signal" in kinds["CH3"].reason
    assert kinds["CH4"].kind != "emg"
    assert kinds["Knee angle"].kind == "angle" and kinds["Knee angle"].basis == "label"
    assert kinds["FX"].kind == "angle" and kinds["FX"].basis == "unit"  # FX alone reads as a force-plate label


def test_force(emg, rng):
    n = emg.n_samples
    grf = 700 * np.clip(np.sin(2 * np.pi * 0.5 * np.arange(n) / FS), 0, None) + rng.normal(0, 0.5, n)
    kinds = with_channels(emg, [grf, grf, grf], ["Fz1", "Load cell", "CH6"], units=["V", "V", "V", "N", "V"])
    assert kinds["Fz1"].kind == "force" and kinds["Fz1"].basis == "label"
    assert kinds["Load cell"].kind == "force" and kinds["Load cell"].basis == "unit"
    assert kinds["CH6"].kind != "emg"


def test_accelerometer(emg, rng):
    n = emg.n_samples
    t = np.arange(n) / FS
    acc = 1.0 + 0.5 * np.sin(2 * np.pi * 1.2 * t) + rng.normal(0, 0.01, n)
    kinds = with_channels(emg, [acc, acc, acc], ["ACC X", "Sensor 3 AccZ", "CH7"], units=["V", "V", "V", "V", "g"])
    assert kinds["ACC X"].kind == "accelerometer" and kinds["Sensor 3 AccZ"].kind == "accelerometer"
    assert kinds["CH7"].kind == "accelerometer" and kinds["CH7"].basis == "unit"
    assert with_channels(emg, [acc], ["CH7"])["CH7"].kind == "unknown"


def test_mains_only_and_mains_with_emg(rng):
    """Hum on a disconnected input is not EMG; hum over real EMG stays EMG (the powerline check removes it)."""
    hummed = simulate(n_reps=3, fs=FS, muscles=("biceps_brachii",), sides=("L",), powerline_uv=150.0,
                      powerline_harmonics=(3,), seed=1)
    n = hummed.n_samples
    t = np.arange(n) / FS
    hum_only = 150e-6 * np.sin(2 * np.pi * 50 * t) + 30e-6 * np.sin(2 * np.pi * 150 * t) + rng.normal(0, 1e-6, n)
    kinds = with_channels(hummed, [hum_only], ["CH2"])
    share = emgkit.quality.powerline_share(hummed.data[0], FS, 50.0)
    assert share > 0.5  # the EMG channel carries a lot of hum
    assert kinds["L biceps_brachii"].kind == "emg"
    assert kinds["CH2"].kind == "unknown" and "mains hum at 50 Hz" in kinds["CH2"].reason


def test_flat_and_quantisation_only_channels(emg, rng):
    n = emg.n_samples
    flicker = rng.integers(0, 2, n) * 0.001  # one LSB of converter noise, no signal
    kinds = with_channels(emg, [np.zeros(n), flicker, np.full(n, 2.5)], ["Sensor 12.EMG12", "CH9", "L Biceps 2"])
    for name in ("Sensor 12.EMG12", "CH9", "L Biceps 2"):
        assert kinds[name].kind == "unknown", kinds[name]
    assert "constant" in kinds["Sensor 12.EMG12"].reason and "quantisation" in kinds["CH9"].reason


def test_digital_event_codes_are_triggers(emg, rng):
    n = emg.n_samples
    codes = np.repeat(rng.choice([0, 1, 2, 4, 8, 16, 31], size=n // 500 + 1), 500)[:n]
    assert with_channels(emg, [codes], ["CH8"])["CH8"].kind == "trigger"


def test_clipped_quantised_and_drifting_emg_stay_emg(rng):
    clipped = simulate(n_reps=3, fs=FS, muscles=("quadriceps",), sides=("R",), amplitude_uv=800, adc_range_uv=150,
                       seed=2)
    assert np.mean(np.abs(clipped.data[0]) >= 149e-6) > 0.2  # clipped on a large share of the samples
    assert classify(clipped)[0].kind == "emg"
    quiet = simulate(n_reps=3, fs=FS, muscles=("biceps_brachii",), sides=("L",), amplitude_uv=4, noise_uv=2, seed=4)
    counts = np.round(quiet.data / 1e-6).astype(np.int32) + 2048  # 12-bit counts around mid-scale, a few LSB of signal
    assert len(np.unique(counts)) < 60
    assert classify(emgkit.Recording(counts, FS, ["EMG"], unit="counts"))[0].kind == "emg"
    t = np.arange(clipped.n_samples) / FS
    drift = simulate(n_reps=3, fs=FS, muscles=("quadriceps",), sides=("R",), seed=5).data[0]
    drift = drift + np.sqrt(2) * drift.std() * np.sin(2 * np.pi * 2.0 * t[: drift.size])  # 2 Hz artefact, EMG's RMS
    k = classify(emgkit.Recording(drift[np.newaxis], FS, ["CH1 Raw"]))[0]
    assert k.kind == "emg" and 40 <= int(k.reason.split("%")[0]) <= 60, k.reason


def test_rates_too_low_for_emg(rng):
    x = rng.normal(size=(2, 3000))
    kinds = classify(emgkit.Recording(x, 100.0, ["L Biceps", "CH2"]))
    assert [k.kind for k in kinds] == ["processed", "unknown"] and all(k.basis == "rate" for k in kinds)
    assert classify(emgkit.Recording(x, 120.0, ["L Biceps", "CH2"]))[0].kind == "emg"


def test_declared_kind_wins_and_every_kind_is_known(emg):
    chans = [Channel(emg.channels[0].name, kind="trigger"), emg.channels[1]]
    kinds = classify(emg.replace(channels=chans))
    assert kinds[0].kind == "trigger" and kinds[0].basis == "declared" and kinds[1].kind == "emg"
    assert {k.kind for k in kinds} <= set(KINDS)


def test_units_from_c3d_meta(emg):
    meta = {**emg.meta, "c3d": {"labels": emg.channel_names, "units": ["mV", "Nmm"]}}
    kinds = classify(emg.replace(meta=meta))
    assert [k.kind for k in kinds] == ["emg", "force"]


def test_short_records_use_the_label():
    rec = emgkit.Recording(np.random.default_rng(0).normal(size=(2, 40)), 1000, ["L Biceps", "CH2"])
    kinds = classify(rec)
    assert [k.kind for k in kinds] == ["emg", "unknown"] and "too few" in kinds[1].reason


def test_same_kinds_in_memory_from_a_file_and_from_a_source(emg, tmp_path, rng):
    n = emg.n_samples
    pulses = np.where((np.arange(n) % 3100) < 60, 5.0, 0.0)
    rec = emgkit.Recording(np.vstack([emg.data, pulses]), FS, [*emg.channel_names, "Input 1"])
    path = emgkit.write(rec, tmp_path / "r.h5")
    expected = classify(rec)
    with emgkit.open(path) as handle:
        assert classify(handle) == expected
        assert classify(FileSource(handle), channels=handle.channels, unit=handle.unit) == expected
    assert classify(ArraySource(rec.data, FS), channels=rec.channel_names, unit="V") == expected


def test_reads_a_bounded_number_of_blocks(rng):
    """A long record is sampled in at most MAX_BLOCKS blocks of BLOCK_S: the samples read do not grow with it."""
    fs, n = 2000.0, 2000 * 600
    x = rng.normal(size=(2, n)).astype(np.float32)
    reads = []

    class Counting(ArraySource):
        def read(self, a, b, rows=None):
            reads.append(b - a)
            return super().read(a, b, rows)

    kinds = classify(Counting(x, fs), channels=["CH1", "CH2"])
    assert [k.kind for k in kinds] == ["emg", "emg"]
    assert len(reads) == MAX_BLOCKS and sum(reads) == MAX_BLOCKS * int(BLOCK_S * fs)


def test_fast_on_16_channels_of_10_minutes(rng):
    rec = emgkit.Recording(rng.normal(size=(16, 2000 * 600)), 2000.0, [f"CH{i}" for i in range(16)])
    classify(rec)
    best = min(_timed(classify, rec) for _ in range(3))
    assert best < 0.1, f"classify took {best:.3f} s"


def _timed(f, *args):
    t0 = time.perf_counter()
    f(*args)
    return time.perf_counter() - t0


def test_bad_input_is_one_clear_error(emg):
    with pytest.raises(InvalidInputError, match="classify needs a Recording"):
        classify(np.zeros((2, 100)))
    with pytest.raises(InvalidInputError, match="needs channels="):
        classify(ArraySource(emg.data, FS))
    with pytest.raises(InvalidInputError, match="units has 1 entries for 2 channels"):
        classify(emg, units=["V"])
    with pytest.raises(InvalidInputError, match="3 channels for a source of 2"):
        classify(ArraySource(emg.data, FS), channels=["a", "b", "c"])
