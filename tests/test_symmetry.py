"""Symmetry indices against their formulas (docs/science.md#left-right-symmetry) on hand-computed cases."""

import math
import warnings

import numpy as np
import pytest

from emgkit.errors import InvalidInputError
from emgkit.symmetry import (
    limb_symmetry_index,
    normalized_symmetry_index,
    symmetry_angle,
    symmetry_index,
    undefined_reason,
)


def test_symmetry_index_hand_values():
    # (R - L) / (0.5 (R + L)) * 100
    assert symmetry_index(100.0, 120.0) == pytest.approx(20 / 110 * 100)
    assert symmetry_index(120.0, 100.0) == pytest.approx(-20 / 110 * 100)  # positive = right larger
    assert symmetry_index(50.0, 50.0) == 0.0
    assert symmetry_index(0.0, 10.0) == pytest.approx(200.0)
    assert symmetry_index(10.0, 0.0) == pytest.approx(-200.0)


def test_symmetry_index_undefined_is_nan_without_warnings():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert math.isnan(symmetry_index(0.0, 0.0))
        assert math.isnan(symmetry_index(-3.0, 3.0))
        assert math.isnan(symmetry_index(np.nan, 3.0))
        out = symmetry_index(np.array([0.0, 1.0, -1.0]), np.array([0.0, 3.0, 1.0]))
    assert np.isnan(out[0]) and out[1] == pytest.approx(100.0) and np.isnan(out[2])


def test_arrays_broadcast_and_scalars_stay_scalars():
    assert isinstance(symmetry_index(1, 2), float)
    out = symmetry_index([10.0, 20.0], 15.0)
    assert isinstance(out, np.ndarray) and out.shape == (2,)
    assert out.tolist() == pytest.approx([5 / 12.5 * 100, -5 / 17.5 * 100])
    with pytest.raises(InvalidInputError, match="broadcast"):
        symmetry_index([1.0, 2.0], [1.0, 2.0, 3.0])
    with pytest.raises(InvalidInputError, match="numbers"):
        symmetry_index("a", 1.0)


@pytest.mark.parametrize(
    "left, right, expected",
    [
        (1.0, 1.0, 0.0),
        (1.0, 2.0, (45 - math.degrees(math.atan(0.5))) / 90 * 100),
        (2.0, 1.0, (45 - math.degrees(math.atan(2.0))) / 90 * 100),
        (1.0, 0.0, -50.0),  # atan2 keeps R = 0 finite
        (0.0, 1.0, 50.0),
        (-1.0, -1.0, 0.0),  # 45 - (-135) = 180 > 90: minus 180
        (-1.0, 1.0, 100.0),
        (1.0, -1.0, -100.0),
    ],
)
def test_symmetry_angle_hand_values(left, right, expected):
    assert symmetry_angle(left, right) == pytest.approx(expected)


def test_symmetry_angle_bounded_and_nan_when_both_zero():
    rng = np.random.default_rng(3)
    a, b = rng.normal(size=(2, 1000)) * 10
    sa = symmetry_angle(a, b)
    assert np.all(np.abs(sa) <= 100 + 1e-12)
    assert math.isnan(symmetry_angle(0.0, 0.0))
    # same sign as SI for positive values (both: positive = right larger)
    pos = rng.uniform(0.1, 10, size=(2, 200))
    assert np.all(np.sign(symmetry_angle(*pos)) == np.sign(symmetry_index(*pos)))


def test_limb_symmetry_index():
    assert limb_symmetry_index(85.0, 100.0) == pytest.approx(85.0)
    assert math.isnan(limb_symmetry_index(5.0, 0.0))
    assert limb_symmetry_index([50.0, 100.0], 100.0).tolist() == [50.0, 100.0]


def test_normalized_symmetry_index():
    # min 10, max 14: L' = (10, 12) -> (0, .5); R' = (14, 12) -> (1, .5)
    assert normalized_symmetry_index([10, 12], [14, 12]).tolist() == pytest.approx([100.0, 0.0])
    out = normalized_symmetry_index([1.0, 2.0], [2.0, 1.0], lo=0.0, hi=4.0)
    assert out.tolist() == pytest.approx([25.0, -25.0])
    assert np.isnan(normalized_symmetry_index([3.0, 3.0], [3.0, 3.0])).all()
    rng = np.random.default_rng(1)
    assert np.all(np.abs(normalized_symmetry_index(rng.normal(size=50), rng.normal(size=50))) <= 100)


def test_undefined_reason():
    assert "both sides are 0" in undefined_reason(0.0, 0.0)
    assert "opposite sign" in undefined_reason(-2.0, 2.0)
    assert "left value is missing" in undefined_reason(np.nan, 1.0)
    assert undefined_reason(1.0, 2.0) == ""
    assert "uninvolved side is 0" in undefined_reason(3.0, 0.0, index="lsi")
