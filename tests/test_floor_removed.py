"""normalise.FloorRemoved (the envelope without its noise floor, computed where read) against the whole removed array."""

import numpy as np

from emgkit._chunks import Rows, row_max
from emgkit.analysis.normalise import FloorRemoved, env_max
from emgkit.cycles import ensemble, time_normalize
from emgkit.kernels import minus_floor


def _env():
    rng = np.random.default_rng(5)
    env = np.abs(rng.normal(size=(3, 5000))) * np.array([1.0, 0.2, 3.0])[:, None]
    env[1, 100:140] = np.nan
    return env, np.array([0.4, 0.0, 1.5])


def _both(env, floor):
    """The same removal over an array in memory and over a streamed (piecewise) envelope."""
    streamed = Rows(env.shape, lambda r, a, b: env[r, a:b], 701)
    return FloorRemoved(env, floor), FloorRemoved(streamed, floor)


def test_reads_take_and_row_max_equal_the_whole_removed_array():
    env, floor = _env()
    whole = minus_floor(env, floor)
    cols = np.array([4999, 0, 17, 17, 2500])
    for x in _both(env, floor):
        np.testing.assert_array_equal(x[:, 10:900], whole[:, 10:900])
        np.testing.assert_array_equal(x[[2, 0], 3:7], whole[[2, 0], 3:7])
        np.testing.assert_array_equal(x.take(cols), whole[:, cols])
        np.testing.assert_array_equal(x.row_max(), row_max(whole))
        np.testing.assert_array_equal(env_max(x), row_max(whole))
    env[0] = np.nan
    np.testing.assert_array_equal(FloorRemoved(env, floor).row_max(), row_max(minus_floor(env, floor)))  # NaN row: NaN
    assert np.isnan(FloorRemoved(env, floor).row_max()[0])


def test_time_normalisation_reads_the_same_bits():
    env, floor = _env()
    whole = minus_floor(env, floor)
    bounds = np.array([[0.0, 1.2345], [1.3, 2.0], [2.0, 2.4995]])
    for x in _both(env, floor):
        np.testing.assert_array_equal(time_normalize(x, 2000.0, 0.1, 1.7, 101), time_normalize(whole, 2000.0, 0.1, 1.7, 101))
        for got, ref in zip(ensemble(x, 2000.0, bounds, 51), ensemble(whole, 2000.0, bounds, 51)):
            np.testing.assert_array_equal(got, ref)


def test_cc_sums_in_memory_and_streamed_equal_pair_sums_per_piece():
    from emgkit._chunks import RunMask
    from emgkit.analysis.normalise import Normalisation
    from emgkit.kernels import pair_sums

    env, floor = _env()
    env[1, 100:140] = 0.3
    active = RunMask([([10, 900], [400, 4000]), ([0], [2500]), ([], [])], env.shape[1])
    spans = np.array([[0, 5000], [300, 1301], [4000, 4001]])
    whole = minus_floor(env, floor) * np.array([2.0, 2.0, 2.0])[:, None]  # without an MVC: the agonist's scale
    for x in _both(env, floor):
        norm = Normalisation(floor, floor, x, np.full(3, 50.0), [""] * 3, np.ones(3), "V", "raw", np.full(3, 2.0), "%peak", "peak")
        for piece in (5000, 333):
            got = norm.cc_sums((0, 1), spans, active, piece)
            for k, (a, b) in enumerate(spans):
                step = b - a if isinstance(x.raw, np.ndarray) else piece  # memory: one piece
                ref = sum(pair_sums(whole[0, p:min(b, p + step)], whole[1, p:min(b, p + step)], active[0, p:min(b, p + step)],
                                    active[1, p:min(b, p + step)]) for p in range(a, b, step))
                np.testing.assert_array_equal(got[k], ref)


def test_normalisation_ensemble_is_computed_once_and_equals_cycles_ensemble():
    from emgkit.analysis.normalise import Normalisation

    env, floor = _env()
    x = FloorRemoved(env, floor)
    norm = Normalisation(floor, floor, x, np.ones(3), [""] * 3, np.ones(3), "V", "raw", np.ones(3), "%peak", "peak")
    bounds = np.array([[0.0, 1.0], [1.2, 2.4]])
    first = norm.ensemble(2000.0, bounds, 101)
    assert norm.ensemble(2000.0, bounds.copy(), 101) is first  # same intervals: not computed again
    for got, ref in zip(first, ensemble(x, 2000.0, bounds, 101)):
        np.testing.assert_array_equal(got, ref)
    assert norm.ensemble(2000.0, bounds, 51)[1].shape == (3, 51)
