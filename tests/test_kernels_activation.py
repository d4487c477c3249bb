"""Activation kernels against plain Python/NumPy references (hypothesis)."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from scipy import signal

from emgkit.kernels import (
    burst_rms,
    constant_runs,
    equal_runs,
    equal_runs_state,
    filter_runs,
    hysteresis,
    hysteresis_runs,
    hysteresis_state,
    mask_runs,
    r_of_m,
    rectified_envelope,
    row_extremes,
    tkeo_envelope,
    window_quantiles,
)
from emgkit.kernels.activation import smoothed_states, smoothed_tile

masks = arrays(np.bool_, st.integers(0, 60))
signals = arrays(np.float64, st.integers(0, 60), elements=st.floats(0, 10, allow_nan=False))
SETTINGS = settings(max_examples=150, deadline=None)


# -- naive references -------------------------------------------------------------------------
def runs_of(mask):
    out, i, n = [], 0, len(mask)
    while i < n:
        if mask[i]:
            j = i
            while j < n and mask[j]:
                j += 1
            out.append((i, j))
            i = j
        else:
            i += 1
    return out


def naive_hysteresis(x, high, low, hold=1, gains=None, step=1):
    n = len(x)
    g = [1.0] * n if gains is None else [gains[min(i // step, len(gains) - 1)] for i in range(n)]
    above_low = [x[i] > low * g[i] for i in range(n)]
    out = np.zeros(n, bool)
    for a, b in runs_of(above_low):
        best = run = 0
        for i in range(a, b):
            run = run + 1 if x[i] > high * g[i] else 0
            best = max(best, run)
        if best >= hold:
            out[a:b] = True
    return out


def naive_filter_runs(mask, min_gap, min_len):
    m = list(mask)
    runs = runs_of(m)
    for (a0, b0), (a1, b1) in zip(runs, runs[1:]):
        if a1 - b0 < min_gap:
            m[b0:a1] = [True] * (a1 - b0)
    for a, b in runs_of(m):
        if b - a < min_len:
            m[a:b] = [False] * (b - a)
    return np.array(m, bool)


def naive_r_of_m(exceed, r0, m):
    n = len(exceed)
    out = np.zeros(n, bool)
    width = min(m, n)
    for s in range(n - width + 1):
        idx = [k for k in range(s, s + width) if exceed[k]]
        if len(idx) >= r0:
            out[idx[0] : idx[-1] + 1] = True
    return out


def naive_constant_runs(x, min_len):
    out = np.zeros(len(x), bool)
    i = 0
    while i < len(x):
        j = i + 1
        while j < len(x) and x[j] == x[i]:
            j += 1
        out[i:j] = j - i >= min_len
        i = j
    return out


# -- hysteresis ----------------------------------------------------------------------------------
@SETTINGS
@given(signals, st.floats(0, 10), st.floats(0, 1), st.integers(1, 5))
def test_hysteresis_matches_reference(x, high, frac, hold):
    low = high * frac
    np.testing.assert_array_equal(hysteresis(x, high, low, hold=hold), naive_hysteresis(x, high, low, hold))


@SETTINGS
@given(signals, st.floats(0.5, 5), st.integers(1, 7), st.data())
def test_hysteresis_gain_blocks(x, high, step, data):
    n_blocks = max(1, -(-len(x) // step))
    gains = data.draw(arrays(np.float64, n_blocks, elements=st.floats(1, 3)))
    got = hysteresis(x, high, high / 2, gain=gains, gain_step=step)
    np.testing.assert_array_equal(got, naive_hysteresis(x, high, high / 2, 1, gains, step))


def test_hysteresis_rows_and_nan():
    x = np.array([[0, 5, 2, 0.5, 0], [0, 2, 2, 2, 0], [np.nan, 5, np.nan, 5, 5]])
    got = hysteresis(x, np.array([4.0, 1.0, 4.0]), np.array([1.0, 1.0, 1.0]))
    np.testing.assert_array_equal(got, [[0, 1, 1, 0, 0], [0, 1, 1, 1, 0], [0, 1, 0, 1, 1]])
    assert got.dtype == bool and got.shape == x.shape


def test_hysteresis_float32_and_errors():
    x = np.array([0, 3, 3, 0], np.float32)
    np.testing.assert_array_equal(hysteresis(x, 2.0), [0, 1, 1, 0])
    with pytest.raises(ValueError, match="low thresholds must not exceed"):
        hysteresis(x, 1.0, 2.0)
    with pytest.raises(ValueError, match="float32 or float64"):
        hysteresis(np.arange(4), 1.0)
    with pytest.raises(ValueError, match="gain must have shape"):
        hysteresis(np.zeros((2, 4)), 1.0, gain=np.ones((3, 2)), gain_step=2)


def pieces_runs(x, cuts, high, low, hold=1, gains=None, step=1):
    """Runs of :func:`hysteresis_runs` fed the pieces between ``cuts``, the open run closed at the end."""
    state = hysteresis_state(1)
    got = []
    for a, b in zip(cuts[:-1], cuts[1:]):
        counts, starts, stops = hysteresis_runs(x[a:b], int(a), state, high, low, hold=hold, gain=gains, gain_step=step)
        got += list(zip(starts[0, : counts[0]].tolist(), stops[0, : counts[0]].tolist()))
    if state[0, 0] >= 0 and state[0, 2]:
        got.append((int(state[0, 0]), len(x)))
    return got


@settings(max_examples=60, deadline=None)
@given(signals, st.floats(0.5, 8), st.floats(0, 1), st.integers(1, 4), st.integers(1, 5), st.data())
def test_hysteresis_state_carried_across_every_cut(x, high, frac, hold, step, data):
    """Two pieces cut at every position, and many pieces, give the plain reference's runs."""
    gains = data.draw(arrays(np.float64, max(1, -(-len(x) // step)), elements=st.floats(1, 2)))
    want = runs_of(naive_hysteresis(x, high, high * frac, hold, gains, step))
    for k in range(len(x) + 1):
        assert pieces_runs(x, [0, k, len(x)], high, high * frac, hold, gains, step) == want
    cuts = sorted(set(data.draw(st.lists(st.integers(0, len(x)), max_size=8))) | {0, len(x)})
    assert pieces_runs(x, cuts, high, high * frac, hold, gains, step) == want


def test_hysteresis_runs_grow_past_the_first_buffer():
    """Hundreds of runs in one piece (the kernel stops when its buffer fills and resumes from its state)."""
    x = np.tile([0.0, 5.0, 5.0, 0.0, 2.0, 0.0], 300)
    x2 = np.vstack([x, x[::-1], np.zeros_like(x)])
    counts, starts, stops = hysteresis_runs(x2, 0, hysteresis_state(3), 4.0, 1.0)
    for c in range(3):
        assert list(zip(starts[c, : counts[c]], stops[c, : counts[c]])) == runs_of(naive_hysteresis(x2[c], 4.0, 1.0))
    assert counts.tolist() == [300, 300, 0]
    np.testing.assert_array_equal(hysteresis(x2, 4.0, 1.0), [naive_hysteresis(r, 4.0, 1.0) for r in x2])
    with pytest.raises(ValueError, match="hysteresis_state"):
        hysteresis_runs(x2, 0, np.zeros((3, 3)), 4.0)


def test_hysteresis_runs_read_a_column_slice_in_place(rng):
    """Columns of a wider piece (rows contiguous, the array not) give the runs of their copy."""
    piece = np.abs(rng.standard_normal((3, 400))).cumsum(axis=1) % 3.0
    view = piece[:, 50:350]
    assert not view.flags.c_contiguous
    got = hysteresis_runs(view, 50, hysteresis_state(3), 2.0, 1.0, hold=2)
    want = hysteresis_runs(view.copy(), 50, hysteresis_state(3), 2.0, 1.0, hold=2)
    assert got[0].tolist() == want[0].tolist() and got[0].sum() > 10
    for c in range(3):
        np.testing.assert_array_equal(got[1][c, : got[0][c]], want[1][c, : want[0][c]])
        np.testing.assert_array_equal(got[2][c, : got[0][c]], want[2][c, : want[0][c]])
    np.testing.assert_array_equal(hysteresis(piece[:, ::-1][:, 10:90], 2.0, 1.0),
                                  hysteresis(piece[:, ::-1][:, 10:90].copy(), 2.0, 1.0))


def test_hysteresis_runs_grow_when_runs_get_denser():
    """Sparse runs first, then dense ones: the buffers grow more than once, in rows of different densities."""
    sparse = np.tile(np.r_[np.zeros(200), 5.0, 5.0], 40)
    dense = np.tile([0.0, 5.0, 5.0], 3000)
    x2 = np.vstack([np.r_[sparse, dense, 0.0], np.r_[dense, sparse, 0.0], np.r_[sparse, np.zeros(dense.size), 0.0]])
    counts, starts, stops = hysteresis_runs(x2, 7, hysteresis_state(3), 4.0, 1.0)
    for c in range(3):
        want = [(a + 7, b + 7) for a, b in runs_of(naive_hysteresis(x2[c], 4.0, 1.0))]
        assert list(zip(starts[c, : counts[c]], stops[c, : counts[c]])) == want
    assert counts.tolist() == [3040, 3040, 40]


@settings(max_examples=60, deadline=None)
@given(arrays(np.float64, st.integers(0, 30), elements=st.sampled_from([0.0, 1.0, np.nan])), st.integers(1, 4),
       st.data())
def test_equal_runs_state_carried_across_every_cut(x, min_len, data):
    want = naive_constant_runs(x, min_len)
    for cuts in [[0, k, len(x)] for k in range(len(x) + 1)] + [
            sorted(set(data.draw(st.lists(st.integers(0, len(x)), max_size=6))) | {0, len(x)})]:
        state = equal_runs_state(1)
        got = []
        for a, b in zip(cuts[:-1], cuts[1:]):
            counts, starts, stops, values = equal_runs(x[a:b], int(a), state, min_len, final=b == len(x))
            got += list(zip(starts[0, : counts[0]].tolist(), stops[0, : counts[0]].tolist()))
            np.testing.assert_array_equal(x[starts[0, : counts[0]]], values[0, : counts[0]])  # NaN == NaN here
        mask = np.zeros(len(x), bool)
        for start, stop in got:
            assert stop - start >= min_len and not mask[start:stop].any()
            mask[start:stop] = True
        np.testing.assert_array_equal(mask, want)


@settings(max_examples=60, deadline=None)
@given(arrays(np.float64, st.integers(0, 30), elements=st.sampled_from([0.0, 1.0, -2.0, np.nan, np.inf])),
       st.lists(st.integers(0, 30), max_size=5))
def test_equal_runs_keeps_extremes_and_nonfinite_counts(x, cuts):
    """The screening statistics carried in the state: extremes of finite samples, count and first NaN/inf."""
    cuts = sorted({min(c, len(x)) for c in cuts} | {0, len(x)})
    state = equal_runs_state(1)
    for a, b in zip(cuts[:-1], cuts[1:]):
        equal_runs(x[a:b], a, state, 3, final=b == len(x))
    finite = x[np.isfinite(x)]
    bad = np.flatnonzero(~np.isfinite(x))
    expect = [finite.min() if finite.size else np.inf, finite.max() if finite.size else -np.inf, bad.size,
              bad[0] if bad.size else -1]
    np.testing.assert_array_equal(state[2][0], expect)


def test_equal_runs_many_runs_and_rows():
    x = np.vstack([np.repeat(np.arange(100.0), 3), np.arange(300.0)])
    counts, starts, stops, values = equal_runs(x, 10, equal_runs_state(2), 3, final=True)
    assert counts.tolist() == [100, 0]
    np.testing.assert_array_equal(starts[0, :100], 10 + 3 * np.arange(100))
    np.testing.assert_array_equal(values[0, :100], np.arange(100.0))
    with pytest.raises(ValueError, match="equal_runs_state"):
        equal_runs(x, 0, (np.zeros(2), np.zeros(2)), 3)


# -- run filtering and runs ----------------------------------------------------------------------
@SETTINGS
@given(masks, st.integers(0, 6), st.integers(0, 6))
def test_filter_runs_matches_reference(mask, gap, length):
    np.testing.assert_array_equal(filter_runs(mask, gap, length), naive_filter_runs(mask, gap, length))


def test_filter_runs_in_place_and_2d():
    m = np.array([[1, 0, 1, 0, 0, 0, 1], [1, 1, 0, 0, 1, 1, 1]], bool)
    expect = np.array([naive_filter_runs(r, 2, 2) for r in m])
    out = filter_runs(m, 2, 2, out=m)
    assert out is m or np.shares_memory(out, m)
    np.testing.assert_array_equal(m, expect)
    with pytest.raises(ValueError, match="non-negative integer"):
        filter_runs(m, -1, 0)


@SETTINGS
@given(masks)
def test_mask_runs_matches_reference(mask):
    starts, stops = mask_runs(mask)
    assert list(zip(starts.tolist(), stops.tolist())) == runs_of(mask)


def test_mask_runs_2d_sorted_by_channel():
    m = np.array([[0, 1, 1, 0, 1], [1, 0, 0, 0, 0], [0, 0, 0, 0, 0]], bool)
    chan, starts, stops = mask_runs(m)
    assert chan.tolist() == [0, 0, 1] and starts.tolist() == [1, 4, 0] and stops.tolist() == [3, 5, 1]


# -- Bonato r0-of-m ----------------------------------------------------------------------------
@SETTINGS
@given(masks, st.integers(1, 6), st.data())
def test_r_of_m_matches_reference(exceed, m, data):
    r0 = data.draw(st.integers(1, m))
    np.testing.assert_array_equal(r_of_m(exceed, r0, m), naive_r_of_m(exceed, r0, m))


def test_r_of_m_hand_case_and_errors():
    e = np.array([0, 1, 0, 0, 0, 0, 1, 0, 0, 1, 0, 0], bool)
    np.testing.assert_array_equal(r_of_m(e, 2, 4), [0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 0, 0])
    with pytest.raises(ValueError, match="1 <= r0 <= m"):
        r_of_m(e, 5, 4)


# -- screening ------------------------------------------------------------------------------------------
@SETTINGS
@given(arrays(np.float64, st.integers(0, 40), elements=st.sampled_from([0.0, 1.0, 2.0])), st.integers(1, 5))
def test_constant_runs_matches_reference(x, min_len):
    np.testing.assert_array_equal(constant_runs(x, min_len), naive_constant_runs(x, min_len))


@SETTINGS
@given(arrays(np.float64, st.tuples(st.integers(1, 3), st.integers(1, 40)), elements=st.sampled_from([-1.0, 0.0, 2.5])))
def test_row_extremes_matches_numpy(x):
    lo, hi, longest, nonfinite = row_extremes(x)
    assert not nonfinite.any()
    np.testing.assert_array_equal(lo, x.min(axis=1))
    np.testing.assert_array_equal(hi, x.max(axis=1))
    expect = []
    for row in x:
        best = run = 1
        for i in range(1, len(row)):
            run = run + 1 if row[i] == row[i - 1] else 1
            best = max(best, run)
        expect.append(best)
    np.testing.assert_array_equal(longest, expect)


def test_row_extremes_counts_nonfinite():
    x = np.array([[1.0, np.nan, 3.0, np.inf], [2.0, 2.0, 2.0, -1.0]])
    lo, hi, longest, nonfinite = row_extremes(x)
    assert lo.tolist() == [1.0, -1.0] and hi.tolist() == [3.0, 2.0]
    assert longest.tolist() == [1, 3] and nonfinite.tolist() == [2, 0]


# -- smoothed statistics ---------------------------------------------------------------------------
def reference_filtfilt(v, sos):
    """Forward-backward filtering started in the steady state of the first input (no padding)."""
    zi = signal.sosfilt_zi(sos)
    fwd, _ = signal.sosfilt(sos, v, zi=zi * v[0])
    back, _ = signal.sosfilt(sos, fwd[::-1], zi=zi * fwd[-1])
    return np.maximum(back[::-1], 0.0)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("n_channels", [1, 3, 6])
def test_tkeo_envelope_matches_scipy(rng, dtype, n_channels):
    y = rng.standard_normal((n_channels, 3000)).astype(dtype)
    sos = signal.butter(2, 40, fs=1000, output="sos")
    got = tkeo_envelope(y, sos)
    assert got.dtype == dtype and got.shape == y.shape
    y64 = y.astype(np.float64)
    for c in range(n_channels):
        psi = np.abs(y64[c, 1:-1] ** 2 - y64[c, :-2] * y64[c, 2:])
        psi = np.r_[psi[0], psi, psi[-1]]
        tol = 1e-12 if dtype == np.float64 else 1e-5
        np.testing.assert_allclose(got[c], reference_filtfilt(psi, sos), rtol=tol, atol=tol * psi.max())


def test_rectified_envelope_matches_scipy_and_1d(rng):
    y = rng.standard_normal(2000)
    sos = signal.butter(2, 50, fs=2000, output="sos")
    np.testing.assert_allclose(rectified_envelope(y, sos), reference_filtfilt(np.abs(y), sos), rtol=1e-12, atol=1e-13)
    # interior agrees with scipy's padded sosfiltfilt
    interior = slice(300, -300)
    np.testing.assert_allclose(rectified_envelope(y, sos)[interior], signal.sosfiltfilt(sos, np.abs(y))[interior], atol=1e-6)
    with pytest.raises(ValueError, match="one second-order section"):
        rectified_envelope(y, signal.butter(4, 50, fs=2000, output="sos"))


def test_tkeo_envelope_short_inputs():
    sos = signal.butter(2, 40, fs=1000, output="sos")
    assert tkeo_envelope(np.zeros((2, 0)), sos).shape == (2, 0)
    assert np.all(tkeo_envelope(np.ones(2), sos) == 0)


# -- burst amplitudes ----------------------------------------------------------------------------------
def test_burst_rms_matches_numpy(rng):
    y = rng.standard_normal((2, 500))
    chan = np.array([0, 1, 1])
    starts = np.array([10, 0, 480])
    stops = np.array([60, 30, 500])
    window = 7
    peak, mean = burst_rms(y, chan, starts, stops, window)
    for b, (c, s, e) in enumerate(zip(chan, starts, stops)):
        np.testing.assert_allclose(mean[b], np.sqrt(np.mean(y[c, s:e] ** 2)), rtol=1e-12)
        moving = [np.sqrt(np.mean(y[c, max(0, i - 3) : min(500, i - 3 + window)] ** 2)) for i in range(s, e)]
        np.testing.assert_allclose(peak[b], max(moving), rtol=1e-10)
    with pytest.raises(ValueError, match="0 <= start < stop"):
        burst_rms(y, [0], [5], [5], 3)


# -- running low quantiles -----------------------------------------------------------------------------
def naive_window_quantiles(x, width, first, stride, quantile):
    out = []
    for s in range(first, len(x) - width + 1, stride):
        values = np.sort(x[s : s + width][~np.isnan(x[s : s + width])])
        out.append(values[int(quantile / 100.0 * (values.size - 1))] if values.size else np.nan)
    return out


@settings(max_examples=200, deadline=None)
@given(arrays(np.float64, st.integers(0, 80), elements=st.one_of(st.floats(-5, 5), st.just(np.nan), st.just(1.0))),
       st.integers(1, 25), st.integers(0, 5), st.integers(1, 7), st.sampled_from([0.0, 10.0, 25.0, 50.0, 99.9, 100.0]))
def test_window_quantiles_match_sorting(x, width, first, stride, quantile):
    """Exact order statistics of every window (ties, NaN, all-NaN windows), as sorting the non-NaN values gives."""
    got = window_quantiles(np.vstack([x, x[::-1]]), width, first, stride, quantile)
    np.testing.assert_array_equal(got[0], naive_window_quantiles(x, width, first, stride, quantile))
    np.testing.assert_array_equal(got[1], naive_window_quantiles(x[::-1], width, first, stride, quantile))


@pytest.mark.parametrize("width, stride", [(401, 21), (41, 3), (201, 1)])
def test_window_quantiles_long_windows_and_errors(rng, width, stride):
    """Long windows: a drifting level (knots near the previous one), jumps (far from it), NaN stretches and ties."""
    x = rng.standard_normal((4, 6000))
    x[0] += np.r_[np.zeros(3000), np.full(3000, 50.0)]
    x[1, ::7] = np.nan
    x[1, 2000:2600] = np.nan
    x[2] = np.round(x[2])
    x[3] = np.cumsum(x[3])
    got = window_quantiles(x, width, 3, stride, 10.0)
    for c in range(4):
        np.testing.assert_array_equal(got[c], naive_window_quantiles(x[c], width, 3, stride, 10.0))
    assert window_quantiles(x, 7000, 0, 1, 10.0).shape == (4, 0)
    with pytest.raises(ValueError, match="quantile"):
        window_quantiles(x, 5, 0, 1, 101.0)
    with pytest.raises(ValueError, match="stride"):
        window_quantiles(x, 5, 0, 0, 10.0)


# -- the smoothed statistics tile by tile -------------------------------------------------------------
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("statistic", ["tkeo", "rectified"])
@pytest.mark.parametrize("n_channels", [1, 5])
def test_smoothed_tiles_have_the_bits_of_the_whole_kernel(rng, dtype, statistic, n_channels):
    y = rng.standard_normal((n_channels, 5003)).astype(dtype)
    sos = signal.butter(2, 40, fs=2000, output="sos")
    whole = (tkeo_envelope if statistic == "tkeo" else rectified_envelope)(y, sos)
    edges = np.array([0, 1, 700, 2048, 4999, 5003])
    forward = smoothed_states(y, sos, edges, statistic)
    assert forward.shape == (n_channels, edges.size, 2)
    back, backward = None, {}
    for t in range(edges.size - 2, -1, -1):  # first walk: from the end, keeping the backward states
        values, back = smoothed_tile(y, sos, edges[t], edges[t + 1], forward[:, t], back, statistic=statistic)
        assert values.dtype == dtype
        np.testing.assert_array_equal(values, whole[:, edges[t] : edges[t + 1]])
        backward[t] = back
    out = np.empty((1, 4096), dtype)
    for t in range(edges.size - 1):  # then any tile, any rows, into a reused buffer
        b = backward[t + 1] if t + 2 < edges.size else None
        values, _ = smoothed_tile(y[-1:], sos, edges[t], edges[t + 1], forward[-1:, t], None if b is None else b[-1:],
                                  statistic=statistic, out=out)
        np.testing.assert_array_equal(values[0], whole[-1, edges[t] : edges[t + 1]])


def test_smoothed_tile_checks_its_arguments(rng):
    y = rng.standard_normal((2, 100))
    sos = signal.butter(2, 40, fs=2000, output="sos")
    forward = smoothed_states(y, sos, [0, 50, 100])
    with pytest.raises(ValueError, match="backward state"):
        smoothed_tile(y, sos, 0, 50, forward[:, 0])
    with pytest.raises(ValueError, match="shape"):
        smoothed_tile(y, sos, 50, 100, forward[:1, 1])
    with pytest.raises(ValueError, match="out must be"):
        smoothed_tile(y, sos, 50, 100, forward[:, 1], out=np.empty((2, 10)))
    with pytest.raises(ValueError, match="increasing"):
        smoothed_states(y, sos, [0, 50, 50])
    with pytest.raises(ValueError, match="statistic"):
        smoothed_states(y, sos, [0, 100], "bonato")
