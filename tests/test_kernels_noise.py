"""The noise-floor removal kernel (emgkit.kernels.noise) against plain NumPy."""

import numpy as np
import pytest

from emgkit.errors import InvalidInputError
from emgkit.kernels import minus_floor
from emgkit.kernels.noise import minus_floor_max


def test_minus_floor_matches_numpy_and_keeps_nan():
    rng = np.random.default_rng(1)
    env = np.abs(rng.normal(size=(2, 1000)))
    env[1, 5] = np.nan
    floor = np.array([0.5, 0.2])
    ref = np.sqrt(np.maximum(env**2 - floor[:, None] ** 2, 0.0))
    got = minus_floor(env, floor)
    np.testing.assert_allclose(got, ref, rtol=1e-15)
    assert np.isnan(got[1, 5]) and (got[~np.isnan(ref)] >= 0).all()


def test_bad_shapes_are_refused():
    with pytest.raises(InvalidInputError, match="floors"):
        minus_floor(np.zeros((2, 3)), [1.0])


def test_minus_floor_max_equals_the_maximum_of_the_removed_rows():
    rng = np.random.default_rng(2)
    env = rng.normal(size=(7, 3000)) * np.array([1.0, 0.1, 1e-3, 5.0, 1.0, 1.0, 1.0])[:, None]  # negative samples too
    env[0, 10:20] = np.nan
    env[4] = np.nan  # no number: -inf, like the reduction's initial value
    env[5, 3] = np.inf
    env[6] = 0.01  # every sample below the floor: 0
    floor = np.array([0.5, 0.2, 0.0, 1.0, 0.3, 0.3, 0.5])
    ref = np.fmax.reduce(minus_floor(env, floor), axis=1, initial=-np.inf)
    got = minus_floor_max(env, floor)
    np.testing.assert_array_equal(got, ref)  # same bits
    assert got[4] == -np.inf and got[5] == np.inf and got[6] == 0.0
    np.testing.assert_array_equal(minus_floor_max(env[:3, :1], floor[:3]), minus_floor(env[:3, :1], floor[:3])[:, 0])
    for n in (2997, 2998, 2999):  # the largest sample in the tail after the 4 lanes
        tail = env[:, :n].copy()
        tail[:, -1] = 9.0
        np.testing.assert_array_equal(minus_floor_max(tail, floor), np.fmax.reduce(minus_floor(tail, floor), axis=1))
    with pytest.raises(InvalidInputError, match="floors"):
        minus_floor_max(env, floor[:2])
