"""Co-contraction indices against their formulas (docs/science.md#co-contraction)."""

import math

import numpy as np
import pytest

from emgkit.cocontraction import (
    activation_ratio,
    antagonist_share,
    cocontraction_index,
    common_area,
    temporal_overlap,
)
from emgkit.errors import InvalidInputError

A = np.array([0.0, 50.0, 100.0, 50.0])
B = np.array([0.0, 25.0, 25.0, 25.0])


def test_falconer_hand_value():
    # 2 * sum(min) / sum(A + B) * 100 = 2 * 75 / 275 * 100
    assert cocontraction_index(A, B) == pytest.approx(2 * 75 / 275 * 100)
    assert cocontraction_index(A, A) == pytest.approx(100.0)  # identical curves
    assert cocontraction_index([10.0, 0.0], [0.0, 10.0]) == 0.0  # no overlap


def test_rudolph_hand_value():
    # per sample (lower / higher) * (lower + higher), 0 where both are 0, averaged
    per = [0.0, 25 / 50 * 75, 25 / 100 * 125, 25 / 50 * 75]
    assert cocontraction_index(A, B, "rudolph") == pytest.approx(np.mean(per))
    # amplitude-driven: scaling both scales the index, Falconer is unchanged
    assert cocontraction_index(2 * A, 2 * B, "rudolph") == pytest.approx(2 * np.mean(per))
    assert cocontraction_index(2 * A, 2 * B) == pytest.approx(cocontraction_index(A, B))


def test_against_plain_loop(rng):
    a, b = rng.uniform(0, 80, size=(2, 3, 500))
    a[:, :50] = 0
    fal = cocontraction_index(a, b)
    rud = cocontraction_index(a, b, method="rudolph")
    assert fal.shape == rud.shape == (3,)
    for k in range(3):
        lo, hi = np.minimum(a[k], b[k]), np.maximum(a[k], b[k])
        assert fal[k] == pytest.approx(2 * lo.sum() / (a[k] + b[k]).sum() * 100, rel=1e-12)
        loop = [(l / h) * (l + h) if h > 0 else 0.0 for l, h in zip(lo, hi)]
        assert rud[k] == pytest.approx(np.mean(loop), rel=1e-12)


def test_both_silent_is_nan_never_a_division_error():
    z = np.zeros(10)
    with np.errstate(all="raise"):
        assert math.isnan(cocontraction_index(z, z))
        assert math.isnan(cocontraction_index(z, z, "rudolph"))
        assert math.isnan(common_area(z, z, fs=100))
        assert math.isnan(activation_ratio(z, z))
        assert math.isnan(antagonist_share(z, z))
    assert math.isnan(activation_ratio(A, np.zeros(4)))  # silent antagonist


def test_scalars():
    assert cocontraction_index(5.0, 5.0) == 100.0
    assert cocontraction_index(30.0, 10.0, "rudolph") == pytest.approx(10 / 30 * 40)


def test_common_area_ratio_share():
    assert common_area([10.0, 20.0], [30.0, 5.0], fs=10) == pytest.approx((10 + 5) / 10)
    assert activation_ratio([40.0, 60.0], [10.0, 10.0]) == 5.0
    assert antagonist_share([30.0], [10.0]) == 25.0
    assert antagonist_share(A, B) == pytest.approx(B.mean() / (A.mean() + B.mean()) * 100)


def test_temporal_overlap():
    assert temporal_overlap([True, True, False, False], [False, True, True, False]) == 25.0
    out = temporal_overlap(np.ones((2, 4), bool), np.array([[1, 1, 0, 0], [0, 0, 0, 0]], bool))
    assert out.tolist() == [50.0, 0.0]
    with pytest.raises(InvalidInputError, match="boolean"):
        temporal_overlap([1, 0], [1, 0])


def test_bad_input():
    with pytest.raises(InvalidInputError, match="same shape"):
        cocontraction_index(np.ones(3), np.ones(4))
    with pytest.raises(InvalidInputError, match="non-negative"):
        cocontraction_index([-1.0, 2.0], [1.0, 2.0])
    with pytest.raises(InvalidInputError, match="method must be one of"):
        cocontraction_index(A, B, method="falconr")
    with pytest.raises(InvalidInputError, match="empty"):
        cocontraction_index(np.empty(0), np.empty(0))


def test_indices_from_sums_of_pieces_equal_the_functions_on_the_whole_interval():
    from emgkit.cocontraction import indices_from_sums, interval_sums

    rng = np.random.default_rng(3)
    a, b = rng.uniform(0, 100, 1001), rng.uniform(0, 40, 1001)
    a[100:200] = 0.0
    b[150:260] = 0.0
    on_a, on_b = a > 20, b > 10
    sums = sum(interval_sums(a[p : p + 97], b[p : p + 97], on_a[p : p + 97], on_b[p : p + 97]) for p in range(0, 1001, 97))
    got = indices_from_sums(sums, fs=500.0)
    want = {
        "cci_falconer": cocontraction_index(a, b, "falconer"),
        "cci_rudolph": cocontraction_index(a, b, "rudolph"),
        "common_area": common_area(a, b, 500.0),
        "ratio": activation_ratio(a, b),
        "antagonist_share": antagonist_share(a, b),
        "overlap_pct": temporal_overlap(on_a, on_b),
    }
    assert got.keys() == want.keys()
    for key, value in want.items():
        assert got[key] == pytest.approx(value, rel=1e-12), key
    silent = indices_from_sums(interval_sums(np.zeros(5), np.zeros(5), np.zeros(5, bool), np.zeros(5, bool)), fs=1.0)
    assert np.isnan(silent["cci_falconer"]) and np.isnan(silent["ratio"]) and silent["overlap_pct"] == 0.0
