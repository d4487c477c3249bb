"""kernels.pair_sums against emgkit.cocontraction.interval_sums (plain NumPy): the same seven sums, bit for bit."""

import numpy as np
import pytest

from emgkit.cocontraction import interval_sums
from emgkit.errors import InvalidInputError
from emgkit.kernels import pair_sums


def _case(rng, n):
    a = np.abs(rng.normal(size=n)) * rng.uniform(0.1, 100)
    b = np.abs(rng.normal(size=n)) * rng.uniform(0.1, 100)
    return a, b, rng.random(n) < 0.6, rng.random(n) < 0.4


@pytest.mark.parametrize("n", [1, 2, 7, 8, 9, 127, 128, 129, 255, 1000, 4097, 8000, 65536, 100_003])
def test_pair_sums_equal_the_numpy_sums_bit_for_bit(n):
    rng = np.random.default_rng(n)
    a, b, on_a, on_b = _case(rng, n)
    b[: n // 3] = 0.0  # silent antagonist: Rudolph's term is 0 where both are 0
    a[: n // 5] = 0.0
    np.testing.assert_array_equal(pair_sums(a, b, on_a, on_b), interval_sums(a, b, on_a, on_b))


def test_nan_propagates_like_numpy():
    rng = np.random.default_rng(1)
    a, b, on_a, on_b = _case(rng, 500)
    a[10] = np.nan
    got, ref = pair_sums(a, b, on_a, on_b), interval_sums(a, b, on_a, on_b)
    np.testing.assert_array_equal(got, ref)
    assert np.isnan(got[:4]).all() and got[4] == b.sum() and got[5] == 500 and got[6] == np.sum(on_a & on_b)


def test_hand_computed_sums():
    got = pair_sums(np.array([1.0, 3.0, 0.0]), np.array([2.0, 1.0, 0.0]), [True, True, False], [True, False, True])
    # min: 1 + 1 + 0; total: 3 + 4 + 0; Rudolph: 1/2*3 + 1/3*4 + 0; sums 4 and 3; 3 samples; 1 sample both active
    np.testing.assert_allclose(got, [2.0, 7.0, 1.5 + 4.0 / 3.0, 4.0, 3.0, 3.0, 1.0], rtol=1e-15)


@pytest.mark.parametrize("args, match", [
    (([1.0, -1.0], [1.0, 1.0], [True, True], [True, True]), "non-negative"),
    (([1.0], [1.0, 1.0], [True], [True]), "1, 2, 1 and 1 samples"),
    (([], [], [], []), "empty"),
])
def test_bad_input_is_refused(args, match):
    with pytest.raises(InvalidInputError, match=match):
        pair_sums(*[np.asarray(v) for v in args])


def test_pair_sums_spans_equal_pair_sums_of_the_removed_and_scaled_rows():
    from emgkit.kernels import minus_floor
    from emgkit.kernels.cocontraction import pair_sums_spans

    rng = np.random.default_rng(7)
    env = np.abs(rng.normal(size=(4, 20_000))) * np.array([1.0, 3.0, 0.5, 2.0])[:, None]
    env[2, 500:520] = np.nan
    on = rng.random((4, 20_000)) < 0.5
    floor, scale = np.array([0.3, 1.0, 0.2, 0.0]), np.array([25.0, 0.7])
    spans = np.array([[0, 1], [10, 138], [400, 9000], [8000, 20_000], [0, 20_000]])
    for rows in [(0, 1), (2, 3), (3, 0)]:
        for f in (floor, None):
            got = pair_sums_spans(env, rows, f, scale, on[rows[0]], on[rows[1]], spans[:, 0], spans[:, 1])
            for k, (a, b) in enumerate(spans):
                e = env[list(rows), a:b] if f is None else minus_floor(env[list(rows), a:b], f[list(rows)])
                e = e * scale[:, None]
                np.testing.assert_array_equal(got[k], pair_sums(e[0], e[1], on[rows[0], a:b], on[rows[1], a:b]))
    assert pair_sums_spans(env, (0, 1), floor, scale, on[0], on[1], [], []).shape == (0, 7)
    with pytest.raises(InvalidInputError, match="non-empty"):
        pair_sums_spans(env, (0, 1), floor, scale, on[0], on[1], [5], [5])
    with pytest.raises(InvalidInputError, match="non-negative"):
        pair_sums_spans(-env, (0, 1), None, scale, on[0], on[1], [0], [10])


def test_pair_sums_spans_at_and_below_the_floor_and_one_interval_per_call():
    from emgkit.kernels import minus_floor
    from emgkit.kernels.cocontraction import pair_sums_spans

    rng = np.random.default_rng(8)
    env = np.abs(rng.normal(size=(2, 3000)))
    env[0, :300] = 0.5  # exactly at the floor: 0
    env[1, 100:400] = 0.0
    env[0, 1000:1010] = np.nan
    on = rng.random((2, 3000)) < 0.5
    floor, scale = np.array([0.5, 0.25]), np.array([2.0, 3.0])
    spans = np.array([[0, 300], [0, 3000], [950, 1200], [2999, 3000]])
    e = minus_floor(env, floor) * scale[:, None]
    want = [pair_sums(e[0, a:b], e[1, a:b], on[0, a:b], on[1, a:b]) for a, b in spans]
    np.testing.assert_array_equal(pair_sums_spans(env, (0, 1), floor, scale, on[0], on[1], spans[:, 0], spans[:, 1]), want)
    for k, (a, b) in enumerate(spans):  # one interval: the serial kernel
        np.testing.assert_array_equal(pair_sums_spans(env, (0, 1), floor, scale, on[0], on[1], [a], [b])[0], want[k])
    assert want[0][0] == 0.0 and np.isnan(want[2][0])
