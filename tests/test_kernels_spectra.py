"""The spectral fatigue kernels (emgkit.kernels.spectra) against the plain NumPy code they replace: the same bits."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.lib.stride_tricks import sliding_window_view
from scipy.signal import get_window

from emgkit.errors import InvalidInputError
from emgkit.fatigue import (
    _band,
    _moment_ratio,
    mean_frequency,
    median_frequency,
    sliding_windows,
)
from emgkit.kernels import add_band_periodograms, hann_segments, squares_cumsum_at, window_band_stats


def numpy_segments(x, offset, nper, step, win):
    frames = sliding_window_view(x[offset:], nper)[::step]
    return (frames - frames.mean(axis=1, keepdims=True)) * win


def numpy_window_stats(spec, fs, win, first, per_window, low, high):
    """Welch spectra of the windows as means of segment periodograms (a cumulative sum), then the band measures."""
    nper = win.size
    p = (spec.real**2 + spec.imag**2) / (fs * np.sum(win**2))
    p[:, 1: (nper + 1) // 2] *= 2.0
    csum = np.concatenate([np.zeros((1, p.shape[1])), np.cumsum(p, axis=0)])
    psd = (csum[first + per_window] - csum[first]) / per_window
    fb, pb = _band(np.fft.rfftfreq(nper, 1.0 / fs), psd, low, high)
    return np.column_stack([pb.sum(axis=1), median_frequency(fb, pb), mean_frequency(fb, pb), _moment_ratio(fb, pb)])


def kernel_window_stats(spec, fs, win, first, per_window, low, high, block=None):
    """The kernels' path: running periodogram sums built ``block`` segments at a time (default all at once)."""
    f = np.fft.rfftfreq(win.size, 1.0 / fs)
    keep = np.flatnonzero((f >= low) & (f <= high))
    band = (keep[0], keep[-1] + 1)
    csum = np.full((spec.shape[0] + 1, band[1] - band[0]), np.nan)
    csum[0] = 0.0
    block = block or max(1, spec.shape[0])
    for s in range(0, spec.shape[0], block):
        add_band_periodograms(spec[s: s + block], fs, win, band, csum, s)
    assert np.isfinite(csum).all()
    return window_band_stats(csum, first, per_window, f[keep[0]: keep[-1] + 1])


@pytest.mark.parametrize("fs, segment_s, window_s", [(2000.0, 0.25, 1.0), (1000.0, 0.3, 2.0), (1500.0, 0.2, 0.5), (2048.0, 0.125, 1.0)])
def test_same_bits_as_numpy(rng, fs, segment_s, window_s):
    n = int(30 * fs)
    x = rng.standard_normal(n) * np.linspace(1.0, 4.0, n) + 0.5  # rising amplitude, a DC offset per segment to remove
    nper = int(round(segment_s * fs))
    step = nper - nper // 2
    win = get_window("hann", nper)
    windows = sliding_windows(n, fs, window_s, 0.5)
    first = windows[:, 0] // step
    per_window = (int(windows[0, 1] - windows[0, 0]) - nper) // step + 1
    segments = hann_segments(x, 0, nper, step, win)
    np.testing.assert_array_equal(segments, numpy_segments(x, 0, nper, step, win))
    spec = np.fft.rfft(segments, axis=1)
    ref = numpy_window_stats(spec, fs, win, first, per_window, 20.0, 450.0)
    np.testing.assert_array_equal(kernel_window_stats(spec, fs, win, first, per_window, 20.0, 450.0), ref)
    np.testing.assert_array_equal(kernel_window_stats(spec, fs, win, first, per_window, 20.0, 450.0, block=37), ref)


@settings(max_examples=60, deadline=None)
@given(n=st.integers(8, 400), nper=st.integers(8, 64), offset=st.integers(0, 7), per_window=st.integers(1, 5),
       low=st.sampled_from([0.0, 20.0, 100.0]), seed=st.integers(0, 2**16), silent=st.booleans(), strided=st.booleans(),
       block=st.integers(1, 9))
def test_same_bits_as_numpy_any_grid(n, nper, offset, per_window, low, seed, silent, strided, block):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(2 * n if strided else n) * 10.0 ** rng.uniform(-3, 3)
    x = x[::2] if strided else x
    if silent:  # a stretch of zeros: windows without power give NaN
        x[: n // 2] = 0.0
    step = nper - nper // 2
    win = get_window("hann", nper)
    n_seg = max(0, (n - offset - nper) // step + 1)
    if n_seg < per_window:
        return
    np.testing.assert_array_equal(hann_segments(x, offset, nper, step, win), numpy_segments(x, offset, nper, step, win))
    spec = np.fft.rfft(numpy_segments(x, offset, nper, step, win), axis=1)
    first = np.arange(0, n_seg - per_window + 1, max(1, per_window // 2))
    fs = 1000.0
    np.testing.assert_array_equal(kernel_window_stats(spec, fs, win, first, per_window, low, 450.0, block),
                                  numpy_window_stats(spec, fs, win, first, per_window, low, 450.0))


def test_segments_in_blocks_into_one_buffer(rng):
    x = rng.standard_normal(1000) + 3.0
    win = get_window("hann", 40)
    ref = numpy_segments(x, 3, 40, 20, win)
    buf = np.full((8, 40), np.nan)
    for s in range(0, ref.shape[0], 8):
        rows = hann_segments(x, 3 + s * 20, 40, 20, win, count=8, out=buf)
        assert rows.base is buf or rows is buf
        np.testing.assert_array_equal(rows, ref[s: s + 8])
    assert hann_segments(x, 0, 40, 20, win, count=0).shape == (0, 40)


def test_squares_cumsum_at_is_numpys(rng):
    x = rng.standard_normal(5000) * 10.0 ** rng.uniform(-3, 3, 5000)
    csq = np.concatenate([[0.0], np.cumsum(x * x)])
    at = np.sort(rng.integers(0, x.size + 1, 300))
    at[:3] = [0, 0, 1]
    at = np.sort(np.append(at, x.size))
    np.testing.assert_array_equal(squares_cumsum_at(x, at), csq[at])
    assert squares_cumsum_at(x, np.empty(0, np.int64)).shape == (0,)
    for bad in ([5, 4], [0, x.size + 1], [-1]):
        with pytest.raises(InvalidInputError, match="non-decreasing"):
            squares_cumsum_at(x, np.array(bad))


def test_no_window_and_bad_arguments():
    win = get_window("hann", 16)
    spec = np.fft.rfft(hann_segments(np.arange(100.0), 0, 16, 8, win), axis=1)
    csum = np.zeros((spec.shape[0] + 1, 4))
    add_band_periodograms(spec, 100.0, win, (1, 5), csum, 0)
    f = np.arange(1.0, 5.0) * 6.25
    assert window_band_stats(csum, np.empty(0, dtype=np.int64), 2, f).shape == (0, 4)
    assert hann_segments(np.zeros(10), 0, 16, 8, win).shape == (0, 16)
    with pytest.raises(InvalidInputError, match="past the last segment"):
        window_band_stats(csum, np.array([spec.shape[0] - 1]), 2, f)
    with pytest.raises(InvalidInputError, match="bins"):
        window_band_stats(csum[:, :1], np.array([0]), 2, f[:1])
    with pytest.raises(InvalidInputError, match="into sums"):
        add_band_periodograms(spec, 100.0, win, (1, 5), csum, 1)  # one row too few
    with pytest.raises(InvalidInputError, match="into sums"):
        add_band_periodograms(spec, 100.0, win, (1, 6), csum, 0)
    with pytest.raises(InvalidInputError, match="window of nper"):
        hann_segments(np.zeros(100), 0, 16, 8, win[:8])
    with pytest.raises(InvalidInputError, match="C-contiguous"):
        hann_segments(np.zeros(100), 0, 16, 8, win, out=np.empty((20, 16))[:, ::2])


def test_pairwise_sum_is_numpys(rng):
    from emgkit.kernels.spectra import _pairwise

    for n in [*range(1000), *range(1900, 1960), 4097, 100_000]:
        a = rng.standard_normal(n + 3) * 10.0 ** rng.uniform(-3, 3, n + 3)
        assert _pairwise(a, 2, n) == np.add.reduce(a[2: 2 + n]), n
