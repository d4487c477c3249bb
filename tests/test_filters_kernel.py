"""emgkit.kernels.sosfiltfilt against scipy.signal.sosfiltfilt (its defaults, axis=-1)."""

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy import signal

from emgkit.errors import InvalidInputError
from emgkit.kernels import sosfiltfilt

FS = 2000.0
DESIGNS = {
    "band4": signal.butter(4, [20, 450], "bandpass", fs=FS, output="sos"),  # 4 sections
    "band8": signal.butter(8, [20, 450], "bandpass", fs=FS, output="sos"),  # 8 sections: 2 groups
    "low2": signal.butter(2, 6, fs=FS, output="sos"),  # 1 section (linear envelope)
    "low1": signal.butter(1, 10, fs=FS, output="sos"),  # first order: shorter padding
    "high5": signal.butter(5, 30, "highpass", fs=FS, output="sos"),  # 3 sections, one first-order
    "stop": signal.butter(3, [45, 55], "bandstop", fs=FS, output="sos"),
    "notch": signal.tf2sos(*signal.iirnotch(50, 30, fs=FS)),
    "cheby": signal.cheby1(6, 1, [30, 300], "bandpass", fs=FS, output="sos"),  # 6 sections
}


def padlen_of(sos):
    ntaps = 2 * len(sos) + 1 - min((sos[:, 2] == 0).sum(), (sos[:, 5] == 0).sum())
    return 3 * ntaps


def scipy_reference(sos, x):
    return signal.sosfiltfilt(sos, np.asarray(x, dtype=np.float64), axis=-1)


def assert_matches_scipy(y, x, sos, dtype):
    expected = scipy_reference(sos, x)
    assert y.dtype == dtype and y.shape == np.shape(x)
    scale = float(np.max(np.abs(np.asarray(x, dtype=np.float64))))
    if dtype == np.float64:
        np.testing.assert_allclose(y, expected, rtol=1e-12, atol=1e-12 * scale)
    else:  # the float64 result rounded once
        np.testing.assert_allclose(y, expected, rtol=2e-7, atol=1e-7 * scale)


@pytest.mark.parametrize("name", sorted(DESIGNS))
@pytest.mark.parametrize("channels", [None, 1, 3, 8, 11])  # 1-D, one-thread-per-row and SIMD-lane paths
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_equals_scipy(rng, name, channels, dtype):
    sos = DESIGNS[name]
    shape = (3001,) if channels is None else (channels, 3001)
    x = (rng.standard_normal(shape) + 0.3).astype(dtype)  # with a DC offset to remove
    assert_matches_scipy(sosfiltfilt(sos, x), x, sos, dtype)


@st.composite
def filter_cases(draw):
    sos = DESIGNS[draw(st.sampled_from(sorted(DESIGNS)))]
    dtype = draw(st.sampled_from([np.float32, np.float64]))
    n = padlen_of(sos) + draw(st.one_of(st.integers(1, 3), st.integers(1, 1500)))
    channels = draw(st.one_of(st.none(), st.integers(1, 10)))
    layout = draw(st.sampled_from(["contiguous", "step2", "fortran"]))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    base = (rng.standard_normal((1 if channels is None else channels, n)) * draw(st.sampled_from([1e-5, 1.0, 1e4])))
    base = base.astype(dtype)
    if layout == "step2":
        wide = np.zeros((base.shape[0], 2 * n), dtype)
        wide[:, ::2] = base
        x = wide[:, ::2]
    elif layout == "fortran":
        x = np.asfortranarray(base)
    else:
        x = base
    return sos, (x if channels is not None else x[0]), dtype, draw(st.booleans())


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=filter_cases())
def test_equals_scipy_property(case):
    sos, x, dtype, use_out = case
    out = np.full(x.shape, np.nan, dtype) if use_out else None
    y = sosfiltfilt(sos, x, out=out)
    if use_out:
        assert y is out
    assert_matches_scipy(y, x, sos, dtype)


@pytest.mark.parametrize("lanes", [True, False])
@pytest.mark.parametrize("channels", [1, 5, 8, 9, 17])
def test_both_code_paths(rng, monkeypatch, lanes, channels):
    """SIMD-lane groups and one-channel-per-thread give scipy's answer for any channel count."""
    from emgkit.kernels import filters

    monkeypatch.setattr(filters, "_LANE_GROUP_COST", 0.0 if lanes else float("inf"))
    assert filters._lanes_pay_off(channels) is lanes
    x = rng.standard_normal((channels, 700))
    for name in ("band4", "band8", "low2"):
        assert_matches_scipy(sosfiltfilt(DESIGNS[name], x), x, DESIGNS[name], np.float64)
        assert_matches_scipy(sosfiltfilt(DESIGNS[name], x.astype(np.float32)), x.astype(np.float32), DESIGNS[name], np.float32)


def test_channels_are_independent(rng):
    sos = DESIGNS["band4"]
    x = rng.standard_normal((9, 2000)) * np.arange(1, 10)[:, None]
    stacked = sosfiltfilt(sos, x)
    for c in range(9):
        np.testing.assert_allclose(stacked[c], sosfiltfilt(sos, x[c]), rtol=1e-13, atol=1e-13 * c)
    assert not np.allclose(stacked[0], stacked[1])


def test_out_may_be_the_input(rng):
    sos = DESIGNS["band4"]
    x = rng.standard_normal((2, 1000))
    expected = scipy_reference(sos, x)
    assert sosfiltfilt(sos, x, out=x) is x
    np.testing.assert_allclose(x, expected, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("name", ["band4", "low1", "high5"])
def test_shortest_signal_and_padlen_error(rng, name):
    sos = DESIGNS[name]
    padlen = padlen_of(sos)
    x = rng.standard_normal(padlen + 1)
    assert_matches_scipy(sosfiltfilt(sos, x), x, sos, np.float64)
    with pytest.raises(ValueError):  # scipy refuses the same length
        signal.sosfiltfilt(sos, x[:padlen])
    with pytest.raises(InvalidInputError, match=rf"x has {padlen} samples.*pads {padlen} samples.*{padlen + 1} samples or more"):
        sosfiltfilt(sos, x[:padlen])
    with pytest.raises(InvalidInputError, match="x has 0 samples"):
        sosfiltfilt(sos, np.zeros((3, 0)))


def test_bad_sos_and_signal():
    x = np.zeros(200)
    with pytest.raises(InvalidInputError, match=r"shape \(n_sections, 6\).*got shape \(6,\)"):
        sosfiltfilt(np.ones(6), x)
    with pytest.raises(InvalidInputError, match=r"got shape \(0, 6\)"):
        sosfiltfilt(np.zeros((0, 6)), x)
    bad = DESIGNS["low2"].copy()
    bad[0, 3] = 2.0
    with pytest.raises(InvalidInputError, match=r"a0 coefficients.*\[2.0\]"):
        sosfiltfilt(bad, x)
    bad[0, 3] = 1.0
    bad[0, 4] = np.nan
    with pytest.raises(InvalidInputError, match="NaN or inf"):
        sosfiltfilt(bad, x)
    with pytest.raises(InvalidInputError, match="float32 or float64"):
        sosfiltfilt(DESIGNS["low2"], np.arange(200))
    with pytest.raises(InvalidInputError, match=r"shape \(200,\)"):
        sosfiltfilt(DESIGNS["low2"], x, out=np.zeros(100))


def test_passband_sine_survives_and_phase_is_zero():
    fs = 2000
    t = np.arange(4 * fs) / fs
    x = np.sin(2 * np.pi * 100 * t) + 0.5 * np.sin(2 * np.pi * 3 * t) + np.sin(2 * np.pi * 800 * t)
    y = sosfiltfilt(DESIGNS["band4"], x)[fs:-fs]
    np.testing.assert_allclose(y, np.sin(2 * np.pi * 100 * t)[fs:-fs], atol=0.01)


@pytest.mark.parametrize("name", ["low2", "low1", "band4", "high5"])
@pytest.mark.parametrize("channels", [None, 1, 3, 11])  # 1-D, one-thread-per-row and SIMD-lane paths
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_rectify_is_filtering_the_absolute_value(rng, name, channels, dtype):
    sos = DESIGNS[name]
    shape = (2001,) if channels is None else (channels, 2001)
    x = (rng.standard_normal(shape) - 0.2).astype(dtype)
    y = sosfiltfilt(sos, x, rectify=True)
    assert_matches_scipy(y, np.abs(x), sos, dtype)
    np.testing.assert_array_equal(y, sosfiltfilt(sos, np.abs(x)))  # the fused read changes nothing
    assert np.any(x < 0)  # the input itself is left alone


@pytest.mark.parametrize("channels", [1, 3, 16])  # one-thread-per-row and SIMD-lane paths
def test_one_section_alone_equals_it_beside_identity_sections(rng, channels):
    """The one-section path gives the very bits of the four-section cascade padded with identity sections."""
    from emgkit.kernels import filters

    sos = DESIGNS["low2"]
    x = rng.standard_normal((channels, 5000))
    zi = signal.sosfilt_zi(sos)
    coef, z = filters._grouped(sos, zi)
    assert coef.shape == (1, 1, 5) and z.shape == (1, 1, 2)
    coef4, zi4 = np.zeros((1, 4, 5)), np.zeros((1, 4, 2))
    coef4[0, :, 0] = 1.0  # identity sections: y = x, state 0
    coef4[0, 0], zi4[0, 0] = coef[0, 0], z[0, 0]
    padlen = padlen_of(sos)
    for kernel, extra in ((filters._lanes_f64, (filters._LANES,)), (filters._rows_f64, ())):
        padded = filters._run(kernel, x, None, coef4, zi4, padlen, *extra, False)
        np.testing.assert_array_equal(filters._run(kernel, x, None, coef, z, padlen, *extra, False), padded)
        np.testing.assert_array_equal(filters._run(kernel, x, None, coef, z, padlen, *extra, True),
                                      filters._run(kernel, np.abs(x), None, coef4, zi4, padlen, *extra, False))
