"""emgkit.quality.assess walking pieces: a Recording, an open file and a chunked source give one table;
bounded reads and memory; the fusing inputs (statistics, clipped runs, a high-passed signal); the kept
emgkit.quality_stream names."""

import tracemalloc

import numpy as np
import pytest
from scipy import signal

import emgkit
from emgkit import Recording, clipping
from emgkit._chunks import ArraySource, runs_to_mask, settle_samples
from emgkit._notes import Notes
from emgkit.datasets import simulate
from emgkit.errors import InvalidInputError
from emgkit.quality import assess, scan
from emgkit.quality_stream import assess_stream, clipped_runs, clipped_runs_stream


class BoundedSource(ArraySource):
    """A source that refuses reads longer than ``limit`` samples and counts the samples read."""

    def __init__(self, data, fs, limit):
        super().__init__(data, fs)
        self.limit = limit
        self.longest = 0
        self.samples_read = 0

    def read(self, a, b, rows=None):
        assert b - a <= self.limit, f"read of {b - a} samples, limit {self.limit}"
        self.longest = max(self.longest, b - a)
        self.samples_read += b - a
        return super().read(a, b, rows)


def highpass_margin(fs):
    """Settling length of the 20 Hz high-pass of the baseline noise (the margin a piece is read with)."""
    return settle_samples(signal.butter(4, 20.0, "highpass", fs=fs, output="sos"))


@pytest.fixture(scope="module")
def rec():
    """Bursts with 50 Hz hum, converter clipping on the biceps, a channel clipped at its own extremes,
    a constant channel and a quantised near-silent (flat) one."""
    r = simulate(n_reps=4, fs=2000, powerline_uv=40, adc_range_uv=450, seed=2)
    rail = 0.5 * np.abs(r.data[3]).max()
    own = np.clip(r.data[3], -rail, rail)
    q = 1e-6
    quantised = q * (np.random.default_rng(5).random(r.n_samples) < 0.1)  # SD 0.3 q: varies at quantisation level
    data = np.vstack([r.data[:3], own, np.full(r.n_samples, 0.1), quantised])
    names = [*r.channel_names, "EMG const", "EMG quantised"]
    return Recording(data, r.fs, names, unit=r.unit, meta={k: v for k, v in r.meta.items() if k != "truth"})


def same_table(ref, got, rtol=1e-9):
    assert list(ref.columns) == list(got.columns)
    assert list(ref.dtypes) == list(got.dtypes)
    for col in ref.columns:
        a, b = ref[col].to_numpy(), got[col].to_numpy()
        if a.dtype.kind == "f":
            np.testing.assert_allclose(b, a, rtol=rtol, atol=0, equal_nan=True, err_msg=col)
        else:
            assert ref[col].equals(got[col]), col  # None/NaN muscles and sides compare equal in place
    assert ref.attrs == got.attrs


def pieces(rec, chunk, meta=None):
    meta = rec.meta if meta is None else meta
    source = BoundedSource(rec.data, rec.fs, chunk + 2 * highpass_margin(rec.fs))
    return assess(source, rec.channels, unit=rec.unit, meta=meta, chunk=chunk), source


@pytest.mark.parametrize("chunk", [997, 5000, 20011, 10**7])
@pytest.mark.parametrize("meta_case", ["adc", "own extremes", "60 Hz given"])
def test_pieces_equal_the_whole_record(rec, chunk, meta_case):
    meta = dict(rec.meta)
    if meta_case != "adc":
        del meta["adc_range"]
    if meta_case == "60 Hz given":
        meta["powerline_hz"] = 60.0
    whole = rec.replace(meta=meta)
    ref = assess(whole, chunk=whole.n_samples)
    got, _ = pieces(rec, chunk, meta)
    same_table(ref, got)
    same_table(ref, assess(whole, chunk=chunk))  # a Recording walked in the same pieces
    assert got["flat"].tolist() == [False, False, False, False, True, True]
    assert (got["clipped_fraction"].iloc[[0, 2, 3]] > 0.001).all() and got["clipped_fraction"].iloc[5] == 0
    assert got["clipped_fraction"].iloc[4] == (1.0 if meta_case == "adc" else 0.0)  # 0.1 V is beyond a 450 uV converter
    if meta_case != "60 Hz given":
        assert got["issues"].str.contains("powerline").any()


def test_an_open_file_gives_the_table_of_the_recording(rec, tmp_path):
    path = tmp_path / "rec.h5"
    emgkit.write(rec, path)
    with emgkit.open(path) as handle:
        got = assess(handle, chunk=3001)
    same_table(assess(emgkit.read(path)), got)


def test_powerline_frequency_is_detected_in_pieces():
    r = simulate(n_reps=2, fs=1000, powerline_hz=60, powerline_uv=60, seed=4)
    r = r.replace(meta={"powerline_hz": None})
    got, _ = pieces(r, 1499)
    same_table(assess(r), got)
    assert got.attrs["powerline_hz"] == 60.0


@pytest.mark.parametrize("fs, chunk", [(80.0, 97), (500.0, 333)])
def test_low_rates_and_their_notes(fs, chunk):
    x = np.random.default_rng(1).standard_normal((2, int(40 * fs)))
    r = Recording(x, fs, ["a", "b"], unit="mV")
    got, _ = pieces(r, chunk)
    same_table(assess(r), got)
    notes = Notes()
    assert assess(r, notes=notes).attrs["notes"] == list(notes) and len(notes) == 1


def test_short_records(rng):
    for n in (1, 2, 7, 30, 400):
        r = Recording(rng.standard_normal((2, n)), 2000.0, ["a", "b"])
        got, _ = pieces(r, 3)
        same_table(assess(r), got)
        assert len(got) == 2


def test_reads_stay_within_the_piece_and_two_margins(rec):
    _, source = pieces(rec, 997)
    assert source.longest <= 997 + 2 * highpass_margin(rec.fs)


def peak_bytes(run):
    tracemalloc.start()
    try:
        run()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


@pytest.mark.parametrize("what", ["table", "clipped runs"])
def test_memory_does_not_grow_with_the_record(what):
    def run(n):
        source = ArraySource(np.random.default_rng(2).standard_normal((4, n)), 2000.0)
        if what == "table":
            return lambda: assess(source, ["a", "b", "c", "d"], chunk=20000)
        return lambda: clipping.scan(source, chunk=20000)

    peak_bytes(run(100_000))  # first calls import and compile
    short, long = peak_bytes(run(300_000)), peak_bytes(run(1_200_000))
    assert long < 1.2 * short, f"peak {short / 1e6:.1f} MB for 300k samples, {long / 1e6:.1f} MB for 1.2M"
    assert long < 0.2 * 4 * 1_200_000 * 8


# -- the fusing inputs ---------------------------------------------------------------------------------------
def test_given_statistics_and_runs_are_used_and_the_raw_record_is_read_once(rec):
    adc = clipping.adc_limits(rec.meta, rec.channel_names)
    stats, runs = clipping.scan(ArraySource(rec.data, rec.fs), adc, chunk=4096)
    source = BoundedSource(rec.data, rec.fs, rec.n_samples)
    got = scan(source, rec.channels, unit=rec.unit, meta=rec.meta, chunk=5000, stats=stats, clipped=runs)
    same_table(assess(rec), got.table)
    assert got.stats is stats and got.clipped[0][0] is not None
    assert source.samples_read <= rec.n_samples + 2 * highpass_margin(rec.fs) * (rec.n_samples // 5000 + 1)
    # runs the caller marks are the runs counted: the table follows them
    marked = [(np.array([0]), np.array([rec.n_samples // 2]))] + runs[1:]
    frac = scan(rec, stats=stats, clipped=marked).table["clipped_fraction"]
    assert frac[0] == pytest.approx(0.5, abs=1e-3)


def test_a_given_highpassed_signal_replaces_the_filter(rec):
    from emgkit.kernels import sosfiltfilt

    stats = clipping.channel_stats(rec.data)
    sos = signal.butter(4, 20.0, "highpass", fs=rec.fs, output="sos")
    high = sosfiltfilt(sos, rec.data - stats.mean[:, None])
    source = BoundedSource(rec.data, rec.fs, 4000)  # no margins needed any more
    got = scan(source, rec.channels, unit=rec.unit, meta=rec.meta, chunk=4000, stats=stats,
               highpassed=ArraySource(high, rec.fs))
    same_table(assess(rec), got.table)
    band = emgkit.bandpass(rec, low=20.0, high=450.0)  # the analysis band: a lower noise floor (no noise above 450 Hz)
    noise = scan(rec, highpassed=band.data).table["baseline_noise"]
    own = assess(rec)["baseline_noise"]
    assert (noise[:4] < own[:4]).all() and (noise[:4] > 0.5 * own[:4]).all()


def test_bad_inputs(rec):
    source = ArraySource(rec.data, rec.fs)
    with pytest.raises(InvalidInputError, match="channel names"):
        assess(source, rec.channels[:2], chunk=997)
    with pytest.raises(InvalidInputError, match="needs channels"):
        assess(source)
    with pytest.raises(InvalidInputError, match="adc_range"):
        assess(source, rec.channels, meta={"adc_range": [1, -1]}, chunk=997)
    with pytest.raises(InvalidInputError, match="chunk"):
        assess(source, rec.channels, chunk=0)
    with pytest.raises(InvalidInputError, match="for chunked sources"):
        assess(rec, channels=rec.channels)
    with pytest.raises(InvalidInputError, match="stats describe 6 channels x 10 samples"):
        assess(rec, stats=clipping.channel_stats(rec.data[:, :10]))
    with pytest.raises(InvalidInputError, match="highpassed has shape"):
        assess(rec, highpassed=rec.data[:2])
    with pytest.raises(InvalidInputError, match="clipped holds runs of 1 channels"):
        assess(rec, clipped=[(np.array([0]), np.array([1]))])
    bad = rec.data.copy()
    bad[2, 9000] = np.nan
    with pytest.raises(InvalidInputError, match="R biceps_brachii"):
        assess(ArraySource(bad, rec.fs), rec.channels, chunk=997)


# -- emgkit.quality_stream: the names kept -------------------------------------------------------------------
def test_kept_names_call_the_one_implementation(rec):
    source = ArraySource(rec.data, rec.fs)
    same_table(assess(rec), assess_stream(source, rec.channels, unit=rec.unit, meta=rec.meta, chunk=3000))
    adc = rec.meta["adc_range"]
    runs = clipped_runs_stream(source, adc, chunk=997)
    mask = clipping.clipped_mask(rec.data, adc)
    assert all(len(runs[c][0]) > 0 for c in (0, 2, 3))
    rng = np.random.default_rng(0)
    for c in range(rec.n_channels):
        for a, b in [(0, rec.n_samples), (5, 5), *np.sort(rng.integers(0, rec.n_samples, (20, 2)), axis=1)]:
            np.testing.assert_array_equal(runs_to_mask(*runs[c], a, b), mask[c, a:b])
    (s0, e0), (s1, e1) = clipped_runs(np.array([[True, True, False, True], [False, False, False, False]]))
    assert s0.tolist() == [0, 3] and e0.tolist() == [2, 4] and s1.size == e1.size == 0


def test_a_plateau_across_a_piece_edge_is_one_run():
    x = np.zeros((1, 40))
    x[0, ::2] = 1.0
    x[0, 8:13] = 5.0  # a 5-sample plateau at the converter limit, cut by the piece edge at 10
    runs = clipped_runs_stream(ArraySource(x, 100.0), adc_range=(-5, 5), chunk=10)
    np.testing.assert_array_equal(runs[0][0], [8])  # one run, not pieces of 2 and 3 samples (under 3: dropped)
    np.testing.assert_array_equal(runs[0][1], [13])
