"""quality.LineSpectra: Welch spectra gathered piece by piece (the analysis's conditioning pass feeds them)."""

import numpy as np
import pytest
from scipy import signal

from emgkit import Recording
from emgkit.errors import InvalidInputError
from emgkit.quality import SHARE_BAND_HZ, LineSpectra, scan

FS = 1000.0


def _raw(n=23_456, seed=0):
    rng = np.random.default_rng(seed)
    t = np.arange(n) / FS
    return np.vstack([rng.normal(size=n) + 0.8 * np.sin(2 * np.pi * 50 * t), 0.1 * rng.normal(size=n) + 3.0])


def _gathered(x, cuts, piece):
    spectra = LineSpectra(x.shape[0], x.shape[1], FS, piece=piece)
    for a, b in zip(cuts[:-1], cuts[1:]):
        spectra.push(x[:, a:b])
    return spectra


def test_welch_matches_scipy():
    x = _raw()
    x = x - x.mean(axis=1, keepdims=True)
    f, p = _gathered(x, [0, x.shape[1]], 4096).welch()
    f_ref, p_ref = signal.welch(x, FS, window="hann", nperseg=2000, noverlap=1000, detrend=False)
    np.testing.assert_allclose(f, f_ref)
    np.testing.assert_allclose(p, p_ref, rtol=1e-10, atol=1e-12 * p_ref.max())


@pytest.mark.parametrize("cuts", [[0, 5000, 5001, 12_000, 23_456], [0, 4096, 8192, 23_456], [0, 100, 23_456]])
def test_any_walk_gives_the_same_bits(cuts):
    x = _raw(seed=1)
    exact = _gathered(x, list(range(0, x.shape[1], 4096)) + [x.shape[1]], 4096)
    other = _gathered(x, cuts, 4096)
    np.testing.assert_array_equal(other.power, exact.power)
    assert other.frames.count == exact.frames.count == (x.shape[1] - 2000) // 1000 + 1
    assert other.windowed.room.size == 0  # the windowed frames' memory is let go once every sample is in


def test_scan_with_gathered_spectra_equals_its_own_pass():
    x = _raw(seed=2)
    rec = Recording(x, FS, ["biceps_brachii_L", "biceps_brachii_R"], unit="uV")
    own = scan(rec, chunk=4096).table
    spectra = _gathered(x - x.mean(axis=1, keepdims=True), [0, 7000, x.shape[1]], 4096)
    given = scan(rec, chunk=4096, spectra=spectra).table
    np.testing.assert_array_equal(given["powerline_share"].to_numpy(), own["powerline_share"].to_numpy())
    # first channel: the 50 Hz line's power 0.8^2 / 2 = 0.32 against white noise of variance 1 spread over 0-500 Hz,
    # of which the share band holds (high - low) / 500; the second channel has no line
    low, high = SHARE_BAND_HZ
    expected = 0.32 / (0.32 + (high - low) / 500.0)
    assert own["powerline_share"].iloc[0] == pytest.approx(expected, abs=0.04)
    assert own["powerline_share"].iloc[1] < 0.05


def test_spectra_of_another_shape_are_refused():
    rec = Recording(_raw(), FS, ["biceps_brachii_L", "biceps_brachii_R"], unit="uV")
    with pytest.raises(InvalidInputError, match="1 channels x 100 samples"):
        scan(rec, spectra=LineSpectra(1, 100, FS))
