"""Streaming onset detection: the same Activation as the in-memory detect_activation, chunk by chunk."""

import warnings

import numpy as np
import pytest
from scipy.signal import butter

from emgkit import Recording
from emgkit._chunks import ArraySource, settle_samples
from emgkit.activation import _select, detect_activation, detect_activation_stream, detect_source
from emgkit.datasets.simulate import simulate
from emgkit.errors import InvalidInputError
from emgkit.kernels import hysteresis, hysteresis_runs, hysteresis_state, mask_runs

CHUNKS = [997, 5000, 20000, 10**7]  # cores cut inside bursts, and one core holding the whole record


def recording(**kw):
    """Four channels: two clipped at the converter range, one with a dropout, one flat; drifting noise floor."""
    rec = simulate(n_reps=4, muscles=["biceps_brachii", "triceps_brachii"], sides=["L", "R"], adc_range_uv=550,
                   noise_drift=0.5, noise_drift_period_s=8.0, timing_jitter_s=0.05, seed=7, **kw)
    data = rec.data.copy()
    data[1, 9000:9400] = 0.0  # a 0.2 s zero-filled dropout
    data[3] = 1e-3  # a disconnected channel
    return data, rec.fs, rec.channels, rec.meta


def both(data, fs, channels, meta=None, chunk=5000, source=None, **kw):
    """(streamed, in-memory) Activations and the warnings each gave."""
    source = ArraySource(data, fs) if source is None else source
    with warnings.catch_warnings(record=True) as got_stream:
        warnings.simplefilter("always")
        act = detect_activation_stream(source, channels, meta=meta, chunk=chunk, **kw)
    with warnings.catch_warnings(record=True) as got_memory:
        warnings.simplefilter("always")
        ref = detect_activation(Recording(np.array(data, dtype=np.float64), fs, channels, meta=meta), **kw)
    assert [(w.category, str(w.message)) for w in got_stream] == [(w.category, str(w.message)) for w in got_memory]
    return act, ref


def assert_same(act, ref, level_atol=0.0):
    assert (act.method, act.statistic, act.options, act.n_samples, act.fs) == (
        ref.method, ref.statistic, ref.options, ref.n_samples, ref.fs)
    np.testing.assert_allclose(act.threshold, ref.threshold, rtol=1e-9)
    np.testing.assert_allclose(act.threshold_low, ref.threshold_low, rtol=1e-9)
    for c in range(ref.n_channels):
        np.testing.assert_array_equal(act.onsets[c], ref.onsets[c])
        np.testing.assert_array_equal(act.offsets[c], ref.offsets[c])
        assert act.reason[c] == ref.reason[c]
        assert act.notes[c] == ref.notes[c]
        b, rb = act.baseline[c], ref.baseline[c]
        assert (b is None) == (rb is None)
        if rb is not None:
            assert (b.start_s, b.stop_s, b.source, b.note) == (rb.start_s, rb.stop_s, rb.source, rb.note)
            np.testing.assert_allclose([b.level, b.spread], [rb.level, rb.spread], rtol=1e-9, atol=level_atol)
        for name in ("peak", "mean_amplitude", "clipped"):
            np.testing.assert_allclose(getattr(act, name)[c], getattr(ref, name)[c], rtol=1e-9, atol=0)


@pytest.mark.parametrize("chunk", CHUNKS)
def test_auto_equals_in_memory(chunk):
    data, fs, channels, meta = recording()
    act, ref = both(data, fs, channels, meta, chunk=chunk)
    assert_same(act, ref)
    assert ref.n_bursts[:3].min() >= 3 and ref.reason[3].startswith("flat")
    assert any(n.startswith("clipped") for n in ref.notes[0]) and ref.clipped[0].max() > 0
    assert any(n.startswith("dropouts") for n in ref.notes[1])


@pytest.mark.parametrize("method", ["tkeo", "hodges"])
@pytest.mark.parametrize("chunk", [997, 20000])
def test_other_methods_equal_in_memory(method, chunk):
    data, fs, channels, meta = recording()
    act, ref = both(data, fs, channels, meta, chunk=chunk, method=method, min_gap_ms=20.0)
    assert_same(act, ref)
    assert ref.n_bursts[:3].min() >= 3


@pytest.mark.parametrize("baseline", [(0.2, 1.8), {"L biceps_brachii": (0.5, 1.5), "R triceps_brachii": (0.1, 1.9)}])
def test_user_baseline_equals_in_memory(baseline):
    data, fs, channels, meta = recording()
    act, ref = both(data, fs, channels, meta, chunk=997, baseline=baseline)
    assert_same(act, ref)
    assert ref.baseline[0].source == "user"


@pytest.mark.parametrize("method", ["auto", "hodges"])
def test_long_user_baseline_is_measured_exactly_in_passes(monkeypatch, method):
    """A rest window longer than WINDOW_CAP: exact median / MAD (or mean / SD) over several passes."""
    monkeypatch.setattr(_select, "WINDOW_CAP", 300)
    monkeypatch.setattr(_select, "SELECT_BINS", 4)
    data, fs, channels, meta = recording()
    act, ref = both(data, fs, channels, meta, chunk=997, baseline=(0.1, 1.9), method=method)
    assert_same(act, ref)


def test_exact_selection_matches_numpy_median(monkeypatch):
    monkeypatch.setattr(_select, "WINDOW_CAP", 50)
    rng = np.random.default_rng(3)
    values = np.r_[rng.standard_normal(501) ** 3, np.full(300, 0.25), np.nextafter(0.25, 1) * np.ones(200)]
    rng.shuffle(values)
    for part in (values, values[:-1]):
        pieces = lambda p=part: iter(np.array_split(p, 7))  # noqa: E731
        assert _select.median(pieces, part.size) == np.median(part)
    for k in (0, 500, 600, 999):
        assert _select.kth(lambda: iter(np.array_split(values, 7)), k) == np.sort(values)[k]


def test_reads_stay_within_chunk_plus_margins():
    """A source refusing reads longer than a core and two filter margins: no whole-record read anywhere."""
    data, fs, channels, meta = recording(duration_s=40.0)
    chunk = 5000
    margin = settle_samples(butter(4, [20, 450], "band", fs=fs, output="sos")) + settle_samples(
        butter(2, 40, fs=fs, output="sos")) + 100
    limit = chunk + 2 * margin

    class Strict(ArraySource):
        def read(self, a, b, rows=None):
            assert b - a <= limit, f"read of {b - a} samples > {limit}"
            return super().read(a, b, rows)

    source = Strict(data, fs)
    assert source.n_samples > 5 * limit
    act, ref = both(data, fs, channels, meta, chunk=chunk, source=source)
    assert_same(act, ref)
    act, ref = both(data, fs, channels, meta, chunk=chunk, source=source, method="hodges", baseline=(0.1, 1.9))
    assert_same(act, ref)
    act, ref = both(data, fs, channels, meta, chunk=chunk, source=source, method="bonato")
    assert_same(act, ref)


def test_digital_silence_is_floored_as_in_memory():
    """Quantised data whose rest is digital silence: same floor, same warning (the level is ~0 to rounding)."""
    x = np.round(simulate(n_reps=3, muscles=["biceps_brachii"], sides=["L"], snr_db=60, seed=2).data / 2e-5)
    x[0, :3000] = 0.0
    channels = ["EMG 1"]
    act, ref = both(x, 2000.0, channels, chunk=997, baseline=(0.2, 1.2))
    assert "floored" in ref.baseline[0].note
    assert_same(act, ref, level_atol=1e-9 * ref.threshold[0])


@pytest.mark.filterwarnings("ignore::emgkit.errors.SignalQualityWarning")
def test_low_rate_warning_once_and_errors_as_in_memory():
    data, _, channels, _ = recording()
    act, ref = both(data[:, ::3], 2000.0 / 3, channels, chunk=997, band_hz=(20, 300))
    assert_same(act, ref)
    source = ArraySource(data, 2000.0)
    with pytest.raises(InvalidInputError, match="band_hz upper corner"):
        detect_activation_stream(source, channels, band_hz=(20, 1500))
    with pytest.raises(InvalidInputError, match="unknown option"):
        detect_activation_stream(source, channels, window=3)


def test_nonfinite_samples_named_as_in_memory():
    data, fs, channels, _ = recording()
    data[2, 12345:12350] = np.nan
    data[2, 30000] = np.inf
    with pytest.raises(InvalidInputError, match=r"'R biceps_brachii' \(6 samples, first at sample 12345\)"):
        detect_activation_stream(ArraySource(data, fs), channels, chunk=997)


@pytest.mark.parametrize("chunk", [997, 20000])
def test_bonato_equals_in_memory(chunk):
    """Bonato streams too: whitening (a FIR) and the r0-of-m test are local, so pieces with margins are exact."""
    data, fs, channels, meta = recording()
    act, ref = both(data, fs, channels, meta, chunk=chunk, method="bonato")
    assert_same(act, ref)
    assert ref.n_bursts[:3].min() >= 3 and ref.baseline[0].note.startswith("AR(8) whitening")
    act, ref = both(data, fs, channels, meta, chunk=chunk, method="bonato", baseline=(0.2, 1.8), whiten_order=3, m=4,
                    r0=2)
    assert_same(act, ref)


def test_conditioned_envelope_streams():
    data, fs, channels, meta = recording()
    from scipy.signal import sosfiltfilt

    emg = sosfiltfilt(butter(4, [20, 450], "band", fs=fs, output="sos"), data)
    env = sosfiltfilt(butter(2, 10, fs=fs, output="sos"), np.abs(emg)).clip(0)
    for method in ("hodges", "auto"):
        act, ref = both(env, fs, channels, chunk=997, method=method, conditioned=True)
        assert_same(act, ref)
        assert "conditioned" in ref.method and ref.n_bursts[0] >= 3


def test_bad_calls():
    data, fs, channels, _ = recording()
    with pytest.raises(InvalidInputError, match="chunk"):
        detect_activation_stream(ArraySource(data, fs), channels, chunk=0)
    with pytest.raises(InvalidInputError, match="3 channels for a source of 4 rows"):
        detect_activation_stream(ArraySource(data, fs), channels[:3])
    with pytest.raises(InvalidInputError, match="filtered has shape"):
        detect_source(ArraySource(data, fs), channels, filtered=ArraySource(data[:2], fs))
    with pytest.raises(InvalidInputError, match="one \\(starts, stops\\) per channel"):
        detect_source(ArraySource(data, fs), channels, clipped=[])


@pytest.mark.parametrize("seed", range(3))
def test_hysteresis_runs_on_pieces_equal_hysteresis(seed):
    rng = np.random.default_rng(seed)
    t = np.arange(5000)
    x = 2 + 1.5 * np.sin(2 * np.pi * t / 137 + rng.random((3, 1)) * 6) + 0.5 * rng.standard_normal((3, 5000))
    high, low = np.array([2.0, 3.0, 1.5]), np.array([1.0, 2.0, 1.5])
    gain = 1 + rng.random((3, 5000 // 70 + 1))
    want = mask_runs(hysteresis(x, high, low, hold=7, gain=gain, gain_step=70))
    cuts = np.r_[0, np.sort(rng.choice(np.arange(1, 5000), 40, replace=False)), 5000]
    state = hysteresis_state(3)
    got = []
    for a, b in zip(cuts[:-1], cuts[1:]):
        counts, starts, stops = hysteresis_runs(x[:, a:b], int(a), state, high, low, hold=7, gain=gain, gain_step=70)
        got += [(c, s, e) for c in range(3) for s, e in zip(starts[c, : counts[c]], stops[c, : counts[c]])]
    got += [(c, state[c, 0], 5000) for c in range(3) if state[c, 0] >= 0 and state[c, 2]]
    assert sorted(got) == sorted(zip(*want))
    assert len(got) > 10
