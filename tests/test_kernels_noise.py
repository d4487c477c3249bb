"""The noise-floor removal kernel (emgkit.kernels.noise) against plain NumPy."""

import numpy as np
import pytest

from emgkit.errors import InvalidInputError
from emgkit.kernels import minus_floor


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
