"""kernels.minus_floor_rows (the floor removed from chosen rows, read in place) against NumPy and minus_floor."""

import numpy as np
import pytest

from emgkit.errors import InvalidInputError
from emgkit.kernels import minus_floor, minus_floor_rows


def test_minus_floor_rows_equals_numpy_and_the_copying_kernel():
    rng = np.random.default_rng(3)
    env = np.abs(rng.normal(size=(4, 500)))
    env[2, 7] = np.nan
    floor = np.array([0.5, 0.0, 0.3, 2.0])
    for rows, a, b in [([0, 1, 2, 3], 0, 500), ([2, 0], 3, 40), ([3], 499, 500), ([1, 2], 10, 10)]:
        got = minus_floor_rows(env, rows, a, b, floor)
        ref = np.sqrt(np.maximum(env[rows, a:b] ** 2 - floor[rows, None] ** 2, 0.0))
        np.testing.assert_allclose(got, ref, rtol=1e-15)
        np.testing.assert_array_equal(got, minus_floor(env[rows, a:b], floor[rows]))  # same bits, NaN where NaN
    assert np.isnan(minus_floor_rows(env, [2], 0, 10, floor)[0, 7])
    assert (minus_floor_rows(env, [3], 0, 500, floor) >= 0).all()


@pytest.mark.parametrize("args, match", [
    ((np.zeros((2, 5)), [2], 0, 5, [1.0, 1.0]), "outside 0-1"),
    ((np.zeros((2, 5)), [0], 3, 6, [1.0, 1.0]), r"\[3, 6\) outside"),
    ((np.zeros((2, 5)), [0], 0, 5, [1.0]), "1 floors for 2 channels"),
    ((np.zeros((2, 5), np.float32), [0], 0, 5, [1.0, 1.0]), "C-contiguous"),
])
def test_bad_input_is_refused(args, match):
    with pytest.raises(InvalidInputError, match=match):
        minus_floor_rows(*args)
