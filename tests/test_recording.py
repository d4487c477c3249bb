import numpy as np
import pytest

from emgkit import Channel, Recording
from emgkit.errors import InvalidInputError, SignalQualityWarning


def test_properties(rng):
    data = rng.standard_normal((3, 2500))
    rec = Recording(data, fs=500, channels=["L Biceps", "R Biceps", "R Triceps"], meta={"subject": "s1"})
    assert (rec.n_channels, rec.n_samples, rec.duration) == (3, 2500, 5.0)
    np.testing.assert_array_equal(rec.times, np.arange(2500) / 500)
    assert rec.data is data  # float64 C-contiguous: no copy
    assert [c.side for c in rec.channels] == ["L", "R", "R"]
    assert rec.meta["subject"] == "s1"


def test_dtypes_and_contiguity(rng):
    f32 = rng.standard_normal((2, 100)).astype(np.float32)
    assert Recording(f32, 100, ["a", "b"]).data.dtype == np.float32
    strided = rng.standard_normal((100, 2)).T  # F-ordered view
    rec = Recording(strided, 100, ["a", "b"])
    assert rec.data.flags.c_contiguous
    np.testing.assert_array_equal(rec.data, strided)


def test_integer_adc_conversion():
    counts = np.array([[0, 2048, 4095]], dtype=np.int16)
    rec = Recording(counts, 1000, ["EMG"], unit="mV", scale=0.5, offset=-1024)
    np.testing.assert_allclose(rec.data, [[-1024.0, 0.0, 1023.5]])
    assert rec.data.dtype == np.float64
    assert rec.meta["adc"] == {"dtype": "int16", "scale": 0.5, "offset": -1024.0}
    with pytest.raises(InvalidInputError, match="scale/offset convert integer"):
        Recording(np.zeros((1, 3)), 1000, ["EMG"], scale=2.0)


@pytest.mark.parametrize("fs", [0, -1, float("nan"), float("inf"), "fast", None])
def test_bad_fs(fs):
    with pytest.raises(InvalidInputError, match="fs must be"):
        Recording(np.zeros((1, 10)), fs, ["a"])


def test_bad_shapes():
    with pytest.raises(InvalidInputError, match=r"data\[np.newaxis, :\]"):
        Recording(np.zeros(10), 100, ["a"])
    with pytest.raises(InvalidInputError, match="3-D"):
        Recording(np.zeros((1, 2, 3)), 100, ["a"])
    with pytest.raises(InvalidInputError, match="empty"):
        Recording(np.zeros((1, 0)), 100, ["a"])
    with pytest.raises(InvalidInputError, match="pass data.T"):
        Recording(np.zeros((100, 2)), 100, ["a", "b"])
    with pytest.raises(InvalidInputError, match="3 channel names for 2 data rows"):
        Recording(np.zeros((2, 100)), 100, ["a", "b", "c"])
    with pytest.raises(InvalidInputError, match=r"duplicate channel names \['a'\]"):
        Recording(np.zeros((2, 100)), 100, ["a", "a"])
    with pytest.raises(InvalidInputError, match="numeric array"):
        Recording(np.array([[1, "x"]], dtype=object), 100, ["a"])


def test_nonfinite_error_names_channels():
    data = np.ones((2, 50))
    data[1, 7] = np.nan
    data[1, 9] = np.inf
    with pytest.raises(InvalidInputError, match=r"'b': 2 samples \(first at sample 7\).*nonfinite='interpolate'"):
        Recording(data, 100, ["a", "b"])


def test_nonfinite_interpolate_and_zero_are_reported():
    data = np.tile(np.arange(50, dtype=float), (2, 1))
    data[0, 10:12] = np.nan
    original = data.copy()
    rec = Recording(data, 1000, ["a", "b"], nonfinite="interpolate")
    np.testing.assert_allclose(rec.data[0], np.arange(50))  # linear ramp restored exactly
    np.testing.assert_array_equal(data, original, err_msg="caller's array must not be modified")
    assert rec.meta["nonfinite"]["channels"]["a"] == {"samples": 2, "longest_gap_s": 0.002}
    rec = Recording(data, 1000, ["a", "b"], nonfinite="zero")
    assert rec.data[0, 10] == 0 and rec.data[0, 12] == 12
    long_gap = original.copy()
    long_gap[0, 5:30] = np.nan
    with pytest.warns(SignalQualityWarning, match="25.0 ms gap"):
        Recording(long_gap, 1000, ["a", "b"], nonfinite="interpolate")
    with pytest.raises(InvalidInputError, match="Did you mean 'zero'"):
        Recording(data, 1000, ["a", "b"], nonfinite="zeros")


def test_select_crop_replace(rng):
    rec = Recording(rng.standard_normal((3, 1000)), 100, ["L Biceps", "R Biceps", "x"], meta={"k": [1]})
    sub = rec.select(["x", 0])
    assert sub.channel_names == ["x", "L Biceps"]
    np.testing.assert_array_equal(sub.data, rec.data[[2, 0]])
    cropped = rec.crop(1.0, 2.5)
    np.testing.assert_array_equal(cropped.data, rec.data[:, 100:250])
    assert cropped.meta["start_s"] == 1.0
    new = rec.replace(data=rec.data * 2)
    new.meta["k"].append(2)
    assert rec.meta["k"] == [1], "replace() must deep-copy meta"
    with pytest.raises(InvalidInputError, match="no channel named 'nope'"):
        rec.select("nope")
    with pytest.raises(InvalidInputError, match="outside the record"):
        rec.crop(5, 20)
    assert isinstance(rec.channels[0], Channel)
    assert "3 ch x 1000 samples @ 100 Hz" in repr(rec)
