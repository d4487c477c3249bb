"""Streamed quality table and clipped runs (emgkit.quality_stream) against emgkit.quality on the whole record."""

import tracemalloc

import numpy as np
import pytest
from scipy import signal

from emgkit import Recording
from emgkit._chunks import ArraySource, settle_samples
from emgkit.datasets import simulate
from emgkit.errors import InvalidInputError
from emgkit.quality import MIN_CLIP_RUN, assess, clipped_mask
from emgkit.quality_stream import assess_stream, clipped_runs, clipped_runs_stream, runs_to_mask


class BoundedSource(ArraySource):
    """A source that refuses reads longer than ``limit`` samples: proof that nothing reads the whole record."""

    def __init__(self, data, fs, limit):
        super().__init__(data, fs)
        self.limit = limit
        self.longest = 0

    def read(self, a, b, rows=None):
        assert b - a <= self.limit, f"read of {b - a} samples, limit {self.limit}"
        self.longest = max(self.longest, b - a)
        return super().read(a, b, rows)


def highpass_margin(fs):
    """Settling length of the 20 Hz high-pass of the baseline noise (the margin the stream may read)."""
    return max(MIN_CLIP_RUN, settle_samples(signal.butter(4, 20.0, "highpass", fs=fs, output="sos")))


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


def same_table(ref, got):
    assert list(ref.columns) == list(got.columns)
    assert list(ref.dtypes) == list(got.dtypes)
    for col in ref.columns:
        a, b = ref[col].to_numpy(), got[col].to_numpy()
        if a.dtype.kind == "f":
            np.testing.assert_allclose(b, a, rtol=1e-9, atol=0, equal_nan=True, err_msg=col)
        else:
            assert ref[col].equals(got[col]), col  # None/NaN muscles and sides compare equal in place
    assert ref.attrs == got.attrs


def stream(rec, chunk, meta=None):
    meta = rec.meta if meta is None else meta
    limit = max(chunk + 2 * highpass_margin(rec.fs), rec.n_samples if chunk >= rec.n_samples else 0)
    source = BoundedSource(rec.data, rec.fs, limit)
    return assess_stream(source, rec.channels, unit=rec.unit, meta=meta, chunk=chunk), source


@pytest.mark.parametrize("chunk", [997, 5000, 20011, 10**7])
@pytest.mark.parametrize("meta_case", ["adc", "own extremes", "60 Hz given"])
def test_assess_stream_equals_assess(rec, chunk, meta_case):
    meta = dict(rec.meta)
    if meta_case != "adc":
        del meta["adc_range"]
    if meta_case == "60 Hz given":
        meta["powerline_hz"] = 60.0
    ref = assess(rec.replace(meta=meta))
    got, _ = stream(rec, chunk, meta)
    same_table(ref, got)
    assert got["flat"].tolist() == [False, False, False, False, True, True]
    assert (got["clipped_fraction"].iloc[[0, 2, 3]] > 0.001).all()
    if meta_case != "60 Hz given":
        assert got["issues"].str.contains("powerline").any()


def test_powerline_frequency_is_detected_as_in_memory():
    r = simulate(n_reps=2, fs=1000, powerline_hz=60, powerline_uv=60, seed=4)
    r = r.replace(meta={"powerline_hz": None})
    ref = assess(r)
    got, _ = stream(r, 1499)
    same_table(ref, got)
    assert got.attrs["powerline_hz"] == 60.0


@pytest.mark.parametrize("fs, chunk", [(80.0, 97), (500.0, 333)])
def test_low_rates_and_their_notes(fs, chunk):
    x = np.random.default_rng(1).standard_normal((2, int(40 * fs)))
    r = Recording(x, fs, ["a", "b"], unit="mV")
    got, _ = stream(r, chunk)
    same_table(assess(r), got)
    assert got.attrs["notes"]


def test_reads_stay_within_the_core_and_two_margins(rec):
    _, source = stream(rec, 997)
    assert source.longest <= 997 + 2 * highpass_margin(rec.fs)


def test_records_that_fit_one_block_are_read_whole(rec):
    short = rec.replace(data=rec.data[:, :4000])
    got, source = stream(short, 2000)  # 2000 + two margins hold 4000 samples
    same_table(assess(short), got)
    assert source.longest == 4000


def peak_bytes(run):
    tracemalloc.start()
    try:
        run()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


@pytest.mark.parametrize("name", ["assess_stream", "clipped_runs_stream"])
def test_memory_does_not_grow_with_the_record(name):
    def run(n):
        source = ArraySource(np.random.default_rng(2).standard_normal((4, n)), 2000.0)
        if name == "assess_stream":
            return lambda: assess_stream(source, ["a", "b", "c", "d"], chunk=20000)
        return lambda: clipped_runs_stream(source, chunk=20000)

    peak_bytes(run(100_000))  # first calls import and cache
    short, long = peak_bytes(run(300_000)), peak_bytes(run(1_200_000))
    assert long < 1.2 * short, f"peak {short / 1e6:.1f} MB for 300k samples, {long / 1e6:.1f} MB for 1.2M"
    assert long < 0.2 * 4 * 1_200_000 * 8


def test_assess_stream_rejects_what_assess_rejects(rec):
    source = ArraySource(rec.data, rec.fs)
    with pytest.raises(InvalidInputError, match="channel names"):
        assess_stream(source, rec.channels[:2], chunk=997)
    with pytest.raises(InvalidInputError, match="adc_range"):
        assess_stream(source, rec.channels, meta={"adc_range": [1, -1]}, chunk=997)
    with pytest.raises(InvalidInputError, match="chunk"):
        assess_stream(source, rec.channels, chunk=0)
    bad = rec.data.copy()
    bad[2, 9000] = np.nan
    with pytest.raises(InvalidInputError, match="R biceps_brachii"):
        assess_stream(ArraySource(bad, rec.fs), rec.channels, chunk=997)


@pytest.mark.parametrize("chunk", [1, 2, 3, 997, 5000, 10**7])
@pytest.mark.parametrize("min_run", [1, 3, 6])
def test_clipped_runs_stream_equals_clipped_mask(rec, chunk, min_run):
    x = rec.data[:, 4000:5500] if chunk < 10 else rec.data  # tiny chunks on the first burst only (a Python step per chunk)
    for adc in (None, rec.meta["adc_range"]):
        mask = clipped_mask(x, adc, min_run=min_run)
        source = BoundedSource(x, rec.fs, min(x.shape[1], chunk + 2 * min_run))
        runs = clipped_runs_stream(source, adc, min_run=min_run, chunk=chunk)
        want = clipped_runs(mask)
        for c in range(rec.n_channels):
            assert runs[c][0].dtype == runs[c][1].dtype == np.int64
            np.testing.assert_array_equal(runs[c][0], want[c][0])
            np.testing.assert_array_equal(runs[c][1], want[c][1])
        assert all(len(runs[c][0]) > 0 for c in (0, 2, 3))


def test_runs_rebuild_any_piece_of_the_mask(rec):
    adc = rec.meta["adc_range"]
    mask = clipped_mask(rec.data, adc)
    runs = clipped_runs_stream(ArraySource(rec.data, rec.fs), adc, chunk=997)
    rng = np.random.default_rng(0)
    for c in range(rec.n_channels):
        for a, b in [(0, rec.n_samples), (5, 5), *np.sort(rng.integers(0, rec.n_samples, (20, 2)), axis=1)]:
            np.testing.assert_array_equal(runs_to_mask(*runs[c], a, b), mask[c, a:b])


def test_a_plateau_across_a_chunk_edge_is_one_run():
    x = np.zeros((1, 40))
    x[0, 8:13] = 5.0  # a 5-sample plateau at the maximum, cut by the chunk edge at 10
    x[0, 20] = -1.0
    runs = clipped_runs_stream(ArraySource(x, 100.0), chunk=10)
    np.testing.assert_array_equal(runs[0][0], [8])  # one run, not pieces of 2 and 3 samples (under 3: dropped)
    np.testing.assert_array_equal(runs[0][1], [13])


def test_clipped_runs_of_an_in_memory_mask():
    m = np.array([[True, True, False, True], [False, False, False, False]])
    (s0, e0), (s1, e1) = clipped_runs(m)
    assert s0.tolist() == [0, 3] and e0.tolist() == [2, 4]
    assert s1.size == e1.size == 0
    assert len(clipped_runs(m[0])) == 1


def test_clipped_runs_stream_checks_its_arguments():
    source = ArraySource(np.zeros((1, 10)), 100.0)
    with pytest.raises(InvalidInputError, match="min_run"):
        clipped_runs_stream(source, min_run=0)
    with pytest.raises(InvalidInputError, match="adc_range"):
        clipped_runs_stream(source, adc_range=[2, 1])
