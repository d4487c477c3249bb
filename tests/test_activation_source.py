"""detect_source: the analysis's entry point (band-passed signal and clipped runs given), and notes passed explicitly."""

import warnings

import numpy as np
import pytest

from emgkit import Recording, bandpass, clipping
from emgkit._chunks import ArraySource
from emgkit._notes import Notes
from emgkit.activation import detect_activation, detect_source
from emgkit.datasets.simulate import simulate
from emgkit.errors import SignalQualityWarning


def recording():
    """Three channels, one clipped at the converter range (550 uV)."""
    rec = simulate(n_reps=4, muscles=["biceps_brachii"], sides=["L", "R"], adc_range_uv=550, seed=7, fs=2000)
    data = np.vstack([rec.data, simulate(n_reps=3, muscles=["triceps_brachii"], sides=["L"], seed=8, fs=2000,
                                         duration_s=rec.duration).data])
    return data, rec.fs, [*rec.channel_names, "L triceps_brachii"], rec.meta


def quiet(fn, *args, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SignalQualityWarning)
        return fn(*args, **kw)


def assert_same(act, ref):
    assert (act.method, act.statistic, act.n_samples) == (ref.method, ref.statistic, ref.n_samples)
    np.testing.assert_allclose(act.threshold, ref.threshold, rtol=1e-9)
    for c in range(ref.n_channels):
        np.testing.assert_array_equal(act.onsets[c], ref.onsets[c])
        np.testing.assert_array_equal(act.offsets[c], ref.offsets[c])
        assert (act.reason[c], act.notes[c]) == (ref.reason[c], ref.notes[c])
        for name in ("peak", "mean_amplitude", "clipped"):
            np.testing.assert_allclose(getattr(act, name)[c], getattr(ref, name)[c], rtol=1e-9)


@pytest.mark.parametrize("method", ["auto", "bonato"])
@pytest.mark.parametrize("chunk", [None, 3001])
def test_given_band_pass_and_clipping_equal_the_detectors_own(method, chunk):
    """The detector's own clipping is emgkit.clipping's: handing its runs over changes nothing."""
    data, fs, names, meta = recording()
    ref = quiet(detect_activation, Recording(data, fs, names, meta=meta), method=method)
    clipped = clipping.clipped_runs(data, clipping.adc_limits(meta, names))  # the one definition
    assert len(clipped[0][0]) > 0
    for filtered in (bandpass(data, fs), ArraySource(bandpass(data, fs), fs)):
        act = quiet(detect_source, ArraySource(data, fs), names, unit=ref.amplitude_unit, meta=meta, method=method,
                    chunk=chunk, filtered=filtered, clipped=clipped)
        assert_same(act, ref)


def test_the_given_band_pass_is_used_as_is():
    """A channel band-passed differently (a trunk-style 30 Hz corner) is detected on that signal, not re-filtered."""
    data, fs, names, meta = recording()
    y = bandpass(data, fs)
    y[2] = bandpass(data[2], fs, low=30.0)
    act = quiet(detect_source, ArraySource(data, fs), names, meta=meta, filtered=y, band_hz=(20, 450))
    default = quiet(detect_activation, Recording(data, fs, names, meta=meta))
    high = quiet(detect_activation, Recording(data, fs, names, meta=meta), band_hz=(30, 450))
    assert act.threshold[0] == pytest.approx(default.threshold[0], rel=1e-12)
    assert act.threshold[2] == pytest.approx(high.threshold[2], rel=1e-12) != pytest.approx(default.threshold[2])
    np.testing.assert_array_equal(act.onsets[2], high.onsets[2])
    assert act.options["band_hz"] == [20.0, 450.0]


def test_the_given_clipped_runs_replace_the_detectors_scan():
    data, fs, names, meta = recording()
    none = [(np.empty(0, np.int64), np.empty(0, np.int64))] * 3
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no clipping warning: the caller's definition found none
        act = detect_source(ArraySource(data, fs), names, meta=meta, clipped=none)
    assert not any(n.startswith("clipped") for c in range(3) for n in act.notes[c])
    assert all(np.all(act.clipped[c] == 0) for c in range(3))
    on, off = (int(v * fs) for v in (act.onsets[2][0], act.offsets[2][0]))
    mine = list(none)
    mine[2] = (np.array([on, off - 10], np.int64), np.array([on + 100, off], np.int64))
    act = quiet(detect_source, ArraySource(data, fs), names, meta=meta, clipped=mine)
    assert act.clipped[2][0] == pytest.approx(110 / (off - on))
    assert act.notes[2][0].startswith("clipped: ")


def test_notes_collect_caveats_and_nothing_is_warned():
    data, fs, names, meta = recording()
    low = data[:, ::3]  # 667 Hz: below the 1 kHz SENIAM recommends
    notes = Notes()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        act = detect_source(ArraySource(low, fs / 3), names, meta=meta, notes=notes, band_hz=(20, 300))
        detect_activation(Recording(low, fs / 3, names, meta=meta), notes=notes, band_hz=(20, 300))
    texts = list(notes)
    assert len(texts) == 2  # each note kept once
    assert texts[0].startswith("fs = 666.667 Hz is below the 1 kHz") and texts[1].startswith("clipped samples in")
    assert act.n_bursts.min() >= 3


def test_direct_calls_warn_at_the_callers_line():
    data, fs, names, meta = recording()
    with pytest.warns(SignalQualityWarning, match="clipped samples in 'L biceps_brachii'") as got:
        detect_activation(Recording(data, fs, names, meta=meta))
    assert {w.filename for w in got} == {__file__}


def test_threads_keep_their_own_notes():
    """Notes are passed, not collected from the process-wide warning machinery: concurrent calls do not mix them."""
    from concurrent.futures import ThreadPoolExecutor

    data, fs, names, meta = recording()
    clean = Recording(data[2:], fs, names[2:])
    clipped = Recording(data[:2], fs, names[:2], meta=meta)

    def run(rec):
        notes = Notes()
        detect_activation(rec, notes=notes)
        return list(notes)

    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(run, [clean, clipped] * 4))
    assert all(r == [] for r in results[0::2])
    assert all(len(r) == 1 and r[0].startswith("clipped samples in 'L biceps_brachii'") for r in results[1::2])
