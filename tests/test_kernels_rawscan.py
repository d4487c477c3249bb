"""Kernels of the conditioning stage's passes over the raw samples, against NumPy references."""

import numpy as np
import pytest

from emgkit.errors import InvalidInputError
from emgkit.kernels.clipping import add_frame_power


def _frame_power_numpy(spec):
    """Reference: squares of the interleaved real and imaginary parts summed over the frames, then joined."""
    parts = np.square(spec.view(np.float64)).sum(axis=1)
    return parts[:, 0::2] + parts[:, 1::2]


@pytest.mark.parametrize("shape", [(1, 1, 1), (3, 7, 5), (16, 31, 2001), (2, 65, 33)])
def test_frame_power_equals_numpy_bit_for_bit(shape):
    rng = np.random.default_rng(sum(shape))
    spec = rng.standard_normal(shape) * 1e3 + 1j * rng.standard_normal(shape) * 1e-3
    start = rng.standard_normal((shape[0], shape[2]))
    power = start.copy()
    add_frame_power(spec, power)
    np.testing.assert_array_equal(power, start + _frame_power_numpy(spec))


def test_frame_power_of_strided_spectra_and_no_frames():
    rng = np.random.default_rng(3)
    spec = (rng.standard_normal((2, 8, 9)) + 1j * rng.standard_normal((2, 8, 9)))[:, ::2]
    power = np.zeros((2, 9))
    add_frame_power(spec, power)
    np.testing.assert_array_equal(power, _frame_power_numpy(np.ascontiguousarray(spec)))
    add_frame_power(np.zeros((2, 0, 9), complex), power)
    np.testing.assert_array_equal(power, _frame_power_numpy(np.ascontiguousarray(spec)))


@pytest.mark.parametrize("spec, power", [(np.zeros((2, 3, 4)), np.zeros((2, 4))),
                                          (np.zeros((2, 3, 4), complex), np.zeros((2, 5))),
                                          (np.zeros((3, 4), complex), np.zeros((3, 4)))])
def test_frame_power_rejects_bad_shapes(spec, power):
    with pytest.raises(InvalidInputError):
        add_frame_power(spec, power)
