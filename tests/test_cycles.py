"""Repetition segmentation, time normalization and ensembles (docs/science.md#repetitions-and-cycles)."""

import numpy as np
import pytest

from emgkit.cycles import (
    Cycles,
    cycles_from_envelope,
    cycles_from_events,
    ensemble,
    estimate_period,
    events_from_meta,
    events_from_trigger,
    time_normalize,
)
from emgkit.errors import InvalidInputError


def test_events_from_meta_shapes():
    t, name = events_from_meta([2.0, 1.0, 3.0])
    assert t.tolist() == [1.0, 2.0, 3.0] and name is None
    t, name = events_from_meta({"heel_strike": [1.0, 2.1], "toe_off": [1.6]})
    assert name == "heel_strike" and t.tolist() == [1.0, 2.1]
    t, name = events_from_meta({"heel_strike": [1.0], "toe_off": [1.6, 2.6]}, "toe_off")
    assert t.tolist() == [1.6, 2.6]
    t, name = events_from_meta([{"time_s": 1.5, "label": "rep"}, {"time": 0.5, "label": "rep"}, {"onset_s": 9, "name": "x"}])
    assert name == "rep" and t.tolist() == [0.5, 1.5]
    with pytest.raises(InvalidInputError, match="no events named 'foo'"):
        events_from_meta({"a": [1.0]}, "foo")
    with pytest.raises(InvalidInputError, match="has no time"):
        events_from_meta([{"label": "x"}])
    with pytest.raises(InvalidInputError, match="number of seconds"):
        events_from_meta(["soon"])


def test_trigger_rising_falling_with_hysteresis_and_refractory(rng):
    fs = 100.0
    x = np.tile(np.r_[np.zeros(50), np.ones(50)], 4) + rng.normal(0, 0.02, 400)
    assert events_from_trigger(x, fs).tolist() == pytest.approx([0.5, 1.5, 2.5, 3.5])
    assert events_from_trigger(x, fs, mode="falling").tolist() == pytest.approx([1.0, 2.0, 3.0])
    # a glitch right after an edge is ignored thanks to the refractory period
    y = x.copy()
    y[53:56] = 0.0
    assert events_from_trigger(y, fs, refractory_s=0.2).tolist() == pytest.approx([0.5, 1.5, 2.5, 3.5])
    assert events_from_trigger(np.ones(100), fs).size == 0


def test_trigger_extrema_on_goniometer():
    fs = 100.0
    t = np.arange(1000) / fs
    angle = 45 - 40 * np.cos(2 * np.pi * 0.5 * t)  # maxima at 1, 3, 5, 7, 9 s
    assert events_from_trigger(angle, fs, mode="maxima", refractory_s=1.0).tolist() == pytest.approx([1, 3, 5, 7, 9])
    assert events_from_trigger(angle, fs, mode="minima", refractory_s=1.0).tolist() == pytest.approx([2, 4, 6, 8])


def test_cycles_from_events_drops_partial_and_irregular():
    c = cycles_from_events([1.0, 2.0, 3.0, 3.4, 4.4], duration_s=5.0)
    assert c.bounds.tolist() == [[1.0, 2.0], [2.0, 3.0], [3.4, 4.4]]
    assert c.reasons[0].startswith("partial") and c.reasons[-1].startswith("partial")
    assert "off the median" in c.reasons[3]
    frame = c.to_frame()
    assert frame["cycle"].tolist() == [0, 1, 2, 0, 3, 0]
    empty = cycles_from_events([1.0], 5.0)
    assert empty.n_kept == 0 and "two consecutive events" in empty.note


def _bursts(fs, n, period, burst, lead):
    env = np.zeros(n)
    t = np.arange(n) / fs
    on = lead
    onsets = []
    while on + burst < n / fs:
        env[(t >= on) & (t < on + burst)] = 1.0
        onsets.append(on)
        on += period
    return env, onsets


def test_cycles_from_envelope_finds_repetitions(rng):
    fs = 500.0
    env, onsets = _bursts(fs, int(26 * fs), 4.0, 2.0, 2.0)
    noisy = env + 0.05 * rng.random(env.size)
    assert estimate_period(noisy, fs) == pytest.approx(4.0, abs=0.05)
    c = cycles_from_envelope(noisy, fs)
    assert c.n_kept >= 5
    starts = c.bounds[:, 0]
    # each kept cycle starts shortly before a burst onset and lasts one period
    for s in starts:
        assert min(abs(s - o) for o in onsets) < 0.25
    assert np.allclose(np.diff(c.bounds, axis=1), 4.0, atol=0.1)


def test_no_repetitions_in_a_single_hold(rng):
    fs = 500.0
    env = np.r_[np.zeros(1000), np.ones(10000), np.zeros(1000)] + 0.01 * rng.random(12000)
    c = cycles_from_envelope(env, fs)
    assert c.n_kept == 0 and "no repetitions found" in c.note
    assert isinstance(c, Cycles)


def test_time_normalize_and_ensemble():
    x = np.arange(11.0)
    assert time_normalize(x, 1, 0, 10, 3).tolist() == [0.0, 5.0, 10.0]
    y = np.vstack([x, 2 * x])
    out = time_normalize(y, 1, 2, 6, 5)
    assert out.tolist() == [[2, 3, 4, 5, 6], [4, 6, 8, 10, 12]]
    assert time_normalize(x, 1, 0.5, 1.5, 3).tolist() == pytest.approx([0.5, 1.0, 1.5])
    curves, mean, sd = ensemble(np.arange(20.0), 1, [[0, 9], [10, 19]], n_points=2)
    assert mean.tolist() == [5.0, 14.0] and sd.tolist() == pytest.approx([np.sqrt(50)] * 2)
    _, mean1, sd1 = ensemble(np.arange(20.0), 1, [[0, 9]], n_points=2)
    assert np.isnan(sd1).all() and mean1.tolist() == [0.0, 9.0]  # < 2 cycles: no SD band
    with pytest.raises(InvalidInputError, match="inside the record"):
        time_normalize(x, 1, 5, 20)
