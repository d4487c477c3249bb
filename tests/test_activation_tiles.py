"""The detector's statistic computed tile by tile (large pieces) gives the detection of the whole-piece statistic."""

import warnings

import numpy as np
import pytest

from emgkit._chunks import ArraySource
from emgkit.activation import _signals, detect_source
from emgkit.datasets.simulate import simulate


@pytest.fixture(scope="module")
def record():
    rec = simulate(n_reps=6, muscles=["biceps_brachii", "triceps_brachii"], sides=["L", "R"], seed=5, fs=2000,
                   duration_s=40)
    return ArraySource(rec.data, rec.fs), rec.channel_names


def detection(record, **options):
    source, names = record
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return detect_source(source, names, **options)


def assert_identical(got, want):
    for c in range(len(want.onsets)):
        np.testing.assert_array_equal(got.onsets[c], want.onsets[c])
        np.testing.assert_array_equal(got.offsets[c], want.offsets[c])
        assert (got.threshold[c], got.threshold_low[c], got.reason[c]) == (want.threshold[c], want.threshold_low[c],
                                                                           want.reason[c])
        assert got.baseline[c] == want.baseline[c]
        np.testing.assert_array_equal(got.peak[c], want.peak[c])


@pytest.mark.parametrize("options", [
    {},  # auto: tkeo, hysteresis, tracked rest level
    {"method": "tkeo"},
    {"method": "hodges", "window_ms": 0},  # the rectified statistic without a moving mean
    {"method": "tkeo", "baseline": (1.0, 9.0)},  # a rest window longer than a tile
    {"chunk": 30000},  # pieces walked in time order before the backward states are known
])
def test_tiled_statistic_gives_the_same_detection(record, monkeypatch, options):
    want = detection(record, **options)
    monkeypatch.setattr(_signals, "WHOLE_BYTES", 0)  # every piece tiled
    monkeypatch.setattr(_signals, "TILE", 3000)
    assert_identical(detection(record, **options), want)


def test_small_pieces_and_moving_means_are_not_tiled(record):
    signals = _signals.Signals(record[0], None, "rectified", 2000.0, (20.0, 450.0), 50.0, 100, 200)
    assert signals.piece(0, 80000, 0).tiles is None  # a moving mean needs the statistic whole
    signals = _signals.Signals(record[0], None, "tkeo", 2000.0, (20.0, 450.0), 50.0, 1, 200)
    assert signals.piece(0, 80000, 0).tiles is None  # 2.6 MB: whole
    assert signals.tile == 16200
