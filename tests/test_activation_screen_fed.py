"""detect_source with the screen fed by the caller (the analysis's conditioning pass) equals its own screening."""

import numpy as np
import pytest

from emgkit._chunks import ArraySource
from emgkit.activation import detect_source
from emgkit.activation._screen import Screen
from emgkit.clipping import adc_limits, scan
from emgkit.datasets.simulate import simulate
from emgkit.errors import InvalidInputError
from emgkit.preprocess import bandpass


def _case():
    rec = simulate(n_reps=4, muscles=["biceps_brachii"], sides=["L", "R"], fs=1000, seed=3)
    x = rec.data.copy()
    x[0, 3000:3400] = x[0, 3000]  # a dropout: 400 ms of one value
    x[1, 5000:5100] = x[1].max() * 1.5  # a clipped stretch at a new rail
    return rec, x


def _detect(rec, x, chunk, fed):
    source = ArraySource(x, rec.fs)
    clipped = scan(source, adc_limits(rec.meta, rec.channel_names))[1]
    filtered = bandpass(x - x.mean(axis=1, keepdims=True), rec.fs, low=20, high=450)
    screen = None
    if fed:
        screen = Screen(*x.shape, rec.fs, adc_limits(rec.meta, rec.channel_names), clipped_later=True)
        for a in range(0, x.shape[1], 1234):  # any walk: the runs carry over
            screen.add(a, x[:, a : a + 1234])
    return detect_source(source, rec.channels, unit=rec.unit, meta=rec.meta, chunk=chunk, filtered=filtered,
                         clipped=clipped, screen=screen, notes=None)


@pytest.mark.parametrize("chunk", [None, 4000])
def test_fed_screen_gives_the_same_bursts_and_notes(chunk):
    rec, x = _case()
    with pytest.warns(Warning):
        own = _detect(rec, x, chunk, fed=False)
    with pytest.warns(Warning):
        fed = _detect(rec, x, chunk, fed=True)
    for name in rec.channel_names:
        np.testing.assert_array_equal(fed.onsets[name], own.onsets[name])
        np.testing.assert_array_equal(fed.offsets[name], own.offsets[name])
        np.testing.assert_array_equal(fed.threshold, own.threshold)
        assert fed.reason[name] == own.reason[name] and fed.notes[name] == own.notes[name]
    assert any("dropout" in t or "silence" in t for t in own.notes[rec.channel_names[0]])  # the screen found the dropout
    assert len(own.onsets[rec.channel_names[0]]) >= 3


def test_a_screen_of_another_record_is_refused():
    rec, x = _case()
    source = ArraySource(x, rec.fs)
    clipped = scan(source, adc_limits(rec.meta, rec.channel_names))[1]
    with pytest.raises(InvalidInputError, match="screen must be the Screen of this source's 2 x"):
        detect_source(source, rec.channels, clipped=clipped, screen=Screen(2, 10, rec.fs, clipped_later=True))
    with pytest.raises(InvalidInputError, match="clipped runs"):
        detect_source(source, rec.channels, screen=Screen(*x.shape, rec.fs, clipped_later=True))
