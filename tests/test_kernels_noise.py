"""Noise-floor kernels (emgkit.kernels.noise) against plain NumPy references, whole and in pieces."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from emgkit.errors import InvalidInputError
from emgkit.kernels import min_window_mean, minus_floor, quiet_sums


def window_means(x, w):
    return np.array([[x[c, k : k + w].mean() for k in range(x.shape[1] - w + 1)] for c in range(x.shape[0])])


def reference_quiet(env, y, first, last, w, level):
    """Quiet samples of the whole record from explicit window means: sums of env, y**2 and the count."""
    means = window_means(env[:, first : last + w - 1], w)
    out = np.zeros((env.shape[0], 3))
    for c in range(env.shape[0]):
        mask = np.zeros(env.shape[1], bool)
        for k in np.flatnonzero(means[c] <= level[c]):
            mask[first + k : first + k + w] = True
        out[c] = env[c, mask].sum(), (y[c, mask] ** 2).sum(), mask.sum()
    return out


@settings(max_examples=60, deadline=None)
@given(n=st.integers(5, 80), w=st.integers(1, 5), seed=st.integers(0, 10_000), piece=st.integers(1, 40))
def test_quiet_sums_in_pieces_equal_the_reference(n, w, seed, piece):
    rng = np.random.default_rng(seed)
    env = np.abs(rng.normal(size=(3, n))) + rng.integers(0, 2, size=(3, n)) * 3.0  # quiet and loud stretches
    y = rng.normal(size=(3, n))
    first, last = 1, n - w  # window starts [first, last)
    if last <= first:
        return
    level = 1.25 * min_window_mean(env[:, first : last + w - 1], w)
    np.testing.assert_allclose(level / 1.25, window_means(env[:, first : last + w - 1], w).min(axis=1), rtol=1e-12)
    got = np.zeros((3, 3))
    for a in range(first, last + w - 1, piece):  # the walk of emgkit.analysis.normalise.noise_floor
        b = min(last + w - 1, a + piece)
        lo, hi = max(first, a - w + 1), min(last, b)
        got += quiet_sums(env[:, lo : hi + w - 1], y[:, a:b], a - lo, hi - lo, w, level)
    np.testing.assert_allclose(got, reference_quiet(env, y, first, last, w, level), rtol=1e-12, atol=1e-12)


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
    with pytest.raises(InvalidInputError, match="window"):
        min_window_mean(np.zeros((1, 3)), 4)
    with pytest.raises(InvalidInputError, match="do not fit"):
        quiet_sums(np.zeros((1, 5)), np.zeros((1, 9)), 0, 3, 3, [1.0])
    with pytest.raises(InvalidInputError, match="floors"):
        minus_floor(np.zeros((2, 3)), [1.0])
