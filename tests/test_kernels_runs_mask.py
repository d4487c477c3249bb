"""kernels.runs_mask (the mask of sample runs) against a plain-NumPy reference built sample by sample."""

import numpy as np
import pytest

from emgkit._chunks import runs_to_mask
from emgkit.errors import InvalidInputError
from emgkit.kernels import runs_mask


def reference(starts, stops, a, b):
    """Sample ``t`` of ``[a, b)`` is True when some run holds it."""
    t = np.arange(a, max(a, b))[:, None]
    return ((t >= np.asarray(starts)[None, :]) & (t < np.asarray(stops)[None, :])).any(axis=1)


@pytest.mark.parametrize("seed", range(5))
def test_runs_mask_matches_the_sample_by_sample_reference(seed):
    rng = np.random.default_rng(seed)
    edges = np.sort(rng.choice(2000, size=2 * rng.integers(0, 40), replace=False))
    starts, stops = edges[0::2], edges[1::2]
    for a, b in [(0, 2000), (0, 1), (1999, 2000), (-5, 30), (1500, 2600), (700, 700), (900, 800)]:
        got = runs_mask(starts, stops, a, b)
        np.testing.assert_array_equal(got, reference(starts, stops, a, b))
        np.testing.assert_array_equal(runs_to_mask(starts, stops, a, b), got)
        assert got.dtype == bool and got.shape == (max(0, b - a),)


def test_runs_mask_runs_cut_by_the_range_and_touching_runs():
    starts, stops = np.array([2, 4, 10]), np.array([4, 6, 12])
    assert runs_mask(starts, stops, 3, 11).tolist() == [True, True, True, False, False, False, False, True]
    assert runs_mask(np.array([], np.int64), np.array([], np.int64), 0, 3).tolist() == [False] * 3


def test_runs_mask_refuses_unequal_starts_and_stops():
    with pytest.raises(InvalidInputError, match="2 starts for 1 stops"):
        runs_mask([1, 5], [3], 0, 10)
