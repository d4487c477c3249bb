"""Clipping (emgkit.clipping): hand-computed cases, simulated rails with jitter and quantisation, clean EMG,
flat channels, converter limits, pieces against the whole array, and a plain NumPy reference."""

import numpy as np
import pytest

from emgkit import clipping
from emgkit.clipping import (ClipScan, StatsScan, adc_limits, channel_stats, clipped_mask, clipped_runs, runs_of,
                             scan)
from emgkit.datasets import simulate
from emgkit.errors import InvalidInputError


# -- a plain NumPy/Python reference of the definition (module docstring) ----------------------------------------
def _long(mask, min_run):
    out = np.zeros(mask.size, dtype=bool)
    i = 0
    while i < mask.size:
        if mask[i]:
            j = i
            while j < mask.size and mask[j]:
                j += 1
            if j - i >= min_run:
                out[i:j] = True
            i = j
        else:
            i += 1
    return out


def reference_mask(x, adc=None, min_run=3):
    rows = np.atleast_2d(np.asarray(x, dtype=np.float64))
    out = np.zeros(rows.shape, dtype=bool)
    for c, row in enumerate(rows):
        lo, hi = row.min(), row.max()
        steps = np.abs(np.diff(row))
        steps = steps[steps > 0]
        step = steps.min() if steps.size else 0.0
        flat = lo == hi or (steps.size and row.std() <= step)
        span = hi - lo
        tol = min(max(0.005 * span, 4.5 * step), 0.1 * span)
        a_lo, a_hi = (np.nan, np.nan) if adc is None else np.broadcast_to(np.asarray(adc, float), (rows.shape[0], 2))[c]
        top = row >= a_hi - tol if not np.isnan(a_hi) else np.zeros(row.size, bool)
        bottom = row <= a_lo + tol if not np.isnan(a_lo) else np.zeros(row.size, bool)
        if not flat:
            band, near = row >= hi - tol, row >= hi - 2 * tol
            if band.sum() >= max(10, min_run) and band.sum() >= 4 * (near.sum() - band.sum()):
                top |= band
            band, near = row <= lo + tol, row <= lo + 2 * tol
            if band.sum() >= max(10, min_run) and band.sum() >= 4 * (near.sum() - band.sum()):
                bottom |= band
        out[c] = _long(top, min_run) | _long(bottom, min_run)
    return out[0] if np.ndim(x) == 1 else out


def _side_truth(y, rail):
    """Per side, runs of >= 3 samples that were beyond the rail before clipping."""
    return np.array([_long(r >= t, 3) | _long(r <= -t, 3) for r, t in zip(y, rail[:, 0])])


# -- hand-computed cases ---------------------------------------------------------------------------------------
def test_hand_computed_rail_with_jitter():
    # 20 samples oscillating between -1 and 1 (steps of 0.5), then a plateau at 10 jittering by 0.02
    body = np.tile([0.0, 0.5, 1.0, 0.5, 0.0, -0.5, -1.0, -0.5], 4)
    plateau = np.array([10.0, 9.98, 10.0, 9.99, 10.0, 9.98, 10.0, 10.0, 9.99, 10.0, 9.98, 10.0])
    x = np.concatenate((body, plateau, body, [9.99, 10.0], body))
    # span 11, step 0.01: tolerance max(0.055, 0.045) = 0.055; 14 samples within it, none in (0.055, 0.11]
    st = channel_stats(x)
    assert st.tolerance[0] == pytest.approx(0.055) and st.step[0] == pytest.approx(0.01)
    starts, stops = clipped_runs(x)
    np.testing.assert_array_equal(starts, [32])  # the 2-sample visit is too short to be a clipping run
    np.testing.assert_array_equal(stops, [44])


def test_exact_equality_misses_the_jittering_rail_this_definition_does_not(rng):
    """The issue's case: a rail at +-5.49 mV jittering by a few LSB, 4.7 % of samples within 0.5 % of it."""
    x = simulate(n_reps=8, fs=2000, seed=5).data[0].astype(np.float64)
    rail, lsb = 5.49, 11.0 / 2**16  # mV; 16-bit over +-5.5 mV
    x = x * rail / np.quantile(np.abs(x), 1 - 0.047)  # 4.7 % of samples beyond the rail
    beyond = np.abs(x) >= rail
    y = np.where(beyond, np.sign(x) * (rail - rng.integers(0, 4, x.size) * lsb), x)  # jitter 0-3 LSB below it
    y = np.round(y / lsb) * lsb
    within = np.abs(np.abs(y) - rail) <= 0.005 * rail
    assert 0.046 < within.mean() < 0.050
    at_extreme = (y == y.max()) | (y == y.min())
    assert _long(at_extreme, 3).mean() < 0.002  # runs of exactly equal extreme values: a few, not the 4.7 %
    mask = clipped_mask(y)
    np.testing.assert_array_equal(mask, reference_mask(y))
    truth = _side_truth(x[None], np.array([[rail]]))[0]
    assert mask[truth].all()
    assert mask.mean() > 0.6 * within.mean()  # the rest are visits of 1-2 samples, too short for a clipping run
    assert not mask[np.abs(np.abs(y) - rail) > 0.005 * 11].any()


@pytest.mark.parametrize("level", [0.5, 0.3, 0.1])
@pytest.mark.parametrize("jitter_lsb", [0, 2, 4])
@pytest.mark.parametrize("bits", [None, 12, 16])
def test_simulated_rails_with_jitter_and_quantisation(level, jitter_lsb, bits, rng):
    x = simulate(n_reps=6, fs=2000, seed=3).data.astype(np.float64)
    peak = np.abs(x).max(axis=1, keepdims=True)
    rail = level * peak
    beyond = np.abs(x) >= rail
    lsb = 2 * peak / 2 ** (bits or 16)
    y = np.where(beyond, np.sign(x) * (rail - rng.integers(0, jitter_lsb + 1, x.shape) * lsb), x)
    if bits:
        y = np.round(y / lsb) * lsb
    mask = clipped_mask(y)
    np.testing.assert_array_equal(mask, reference_mask(y))
    truth = _side_truth(x, rail)
    assert mask[truth].mean() == 1.0  # every run beyond the rail is found
    extra = mask & ~truth
    assert (extra.sum(axis=1) < 0.1 * truth.sum(axis=1)).all()  # natural samples within the tolerance of the rail
    tol = channel_stats(y).tolerance[:, None]
    assert not (extra & (np.abs(y) < rail - tol - lsb)).any()  # (rounding moves the observed rail by <= 1/2 LSB)


@pytest.mark.parametrize("fs", [1000, 2000, 4000, 10000])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_clean_emg_peaks_are_not_clipping(fs, seed):
    rec = simulate(n_reps=4, fs=fs, seed=seed)
    assert not clipped_mask(rec.data).any()
    # quantised to 12 bits over its own span: still no rail
    x = rec.data.astype(np.float64)
    lsb = (x.max(axis=1, keepdims=True) - x.min(axis=1, keepdims=True)) / 4095
    assert not clipped_mask(np.round(x / lsb) * lsb).any()


@pytest.mark.parametrize("fs_over_f", [20.3, 200.3, 2000.3])
def test_a_sine_piles_up_at_its_peaks_but_less_than_a_rail(fs_over_f, rng):
    # a sine spends most of its time near its extremes (band ratio 1 / (sqrt 2 - 1) = 2.41 < 4): not clipping
    t = np.arange(200_000)
    x = np.sin(2 * np.pi * t / fs_over_f)
    assert not clipped_mask(x).any()
    assert not clipped_mask(x + 0.01 * rng.standard_normal(t.size)).any()
    assert clipped_mask(np.clip(1.2 * x, -1, 1)).mean() > 0.3  # a sine driven 20 % beyond the rail is


def test_flat_channels_are_flat_not_clipped(rng):
    n = 5000
    constant = np.full(n, 2048.0)
    toggling = 2048 + rng.integers(0, 2, n).astype(float)  # one ADC step: disconnected input
    railed = np.full(n, 4095.0)
    x = np.stack([constant, toggling, railed, np.zeros(n)])
    st = channel_stats(x)
    assert st.flat.tolist() == [True, True, True, True]
    assert not clipped_mask(x).any()
    mask = clipped_mask(x, adc_range=[0, 4095])
    assert mask[2].all() and mask[3].all() and not mask[:2].any()  # on a converter limit, a flat channel is clipped


def test_converter_limits_catch_a_brief_saturation_the_extremes_do_not(rng):
    x = rng.standard_normal(20_000)
    x = x / np.abs(x).max() * 3.9
    x[5000:5004] = 4.0  # one 4-sample visit: too few to be a pile-up at the observed maximum
    assert not clipped_mask(x).any()
    mask = clipped_mask(x, adc_range=[-4, 4])
    np.testing.assert_array_equal(np.flatnonzero(mask), np.arange(5000, 5004))
    np.testing.assert_array_equal(mask, reference_mask(x, [-4, 4]))


def test_an_amplifier_rail_inside_the_converter_range_is_still_found(rng):
    x = simulate(n_reps=6, fs=2000, seed=4).data[0].astype(np.float64)
    rail = np.quantile(np.abs(x), 0.97)  # the amplifier saturates here, inside a converter range 3x wider
    y = np.clip(x, -rail, rail)
    mask = clipped_mask(y, adc_range=[-3 * rail, 3 * rail])
    np.testing.assert_array_equal(mask, clipped_mask(y))
    assert mask[_side_truth(x[None], np.array([[rail]]))[0]].all()


def test_per_channel_converter_limits(rng):
    x = np.stack([rng.uniform(-1, 1, 3000) for _ in range(3)])
    x[:, 100:110] = 0.999  # near the top of a [-1, 1] converter
    adc = np.array([[-1.0, 1.0], [np.nan, np.nan], [-5.0, 5.0]])
    mask = clipped_mask(x, adc_range=adc)
    assert mask[0, 100:110].all() and not mask[1:].any()
    np.testing.assert_array_equal(mask, reference_mask(x, adc))


def test_adc_limits_from_metadata():
    names = ["LREC", "RREC", "LVAS"]
    got = adc_limits({"adc_range": [-5, 5], "adc_ranges": {"RREC": [-1, 1]}}, names)
    np.testing.assert_array_equal(got, [[-5, 5], [-1, 1], [-5, 5]])
    got = adc_limits({"adc_ranges": {"LVAS": [0, 4095]}}, names)
    assert np.isnan(got[:2]).all() and got[2].tolist() == [0, 4095]
    assert np.isnan(adc_limits({}, names)).all()
    with pytest.raises(InvalidInputError, match=r"meta\['adc_ranges'\]\['RREC'\] must have lo < hi"):
        adc_limits({"adc_ranges": {"RREC": [1, -1]}}, names)
    with pytest.raises(InvalidInputError, match="must map channel names"):
        adc_limits({"adc_ranges": [[-1, 1]]}, names)


# -- pieces == whole -------------------------------------------------------------------------------------------
def _railed(rng, n_ch=4, n=30_000):
    x = rng.laplace(0, 1, (n_ch, n))
    x[1] = np.clip(x[1], -2.0, 2.5)
    x[2] = np.round(np.clip(x[2], -1.5, 1.5) * 50) / 50
    x[3] = 7.0  # flat
    return x


@pytest.mark.parametrize("seed", range(6))
def test_pieces_at_random_splits_equal_the_whole(seed):
    rng = np.random.default_rng(seed)
    x = _railed(rng)
    adc = [-2.0, 3.0] if seed % 2 else None
    cuts = np.sort(rng.choice(np.arange(1, x.shape[1]), size=rng.integers(1, 40), replace=False))
    cuts = np.concatenate(([0], cuts, np.repeat(cuts[:1], 2), [x.shape[1]]))  # empty pieces included
    cuts.sort()
    first = StatsScan(x.shape[0])
    for a, b in zip(cuts[:-1], cuts[1:]):
        first.push(x[:, a:b])
    st = first.result()
    whole = channel_stats(x)
    for field in ("lo", "hi", "step"):
        np.testing.assert_array_equal(getattr(st, field), getattr(whole, field))
    np.testing.assert_allclose(st.mean, whole.mean, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(st.sd, whole.sd, rtol=1e-12)
    second = ClipScan(st, adc)
    for a, b in zip(cuts[:-1], cuts[1:]):
        second.push(x[:, a:b])
    got = second.result()
    want = clipped_runs(x, adc)
    assert sum(s.size for s, _ in want) > 0
    for (s, e), (ws, we) in zip(got, want):
        np.testing.assert_array_equal(s, ws)
        np.testing.assert_array_equal(e, we)
    np.testing.assert_array_equal(clipped_mask(x, adc), reference_mask(x, adc))


def test_scan_of_a_source_equals_the_whole():
    from emgkit._chunks import ArraySource

    x = _railed(np.random.default_rng(7))
    st, runs = scan(ArraySource(x, 1000.0), chunk=997)
    for (s, e), (ws, we) in zip(runs, clipped_runs(x)):
        np.testing.assert_array_equal(s, ws)
        np.testing.assert_array_equal(e, we)
    _, again = scan(ArraySource(x, 1000.0), chunk=5000, stats=st)
    assert all(np.array_equal(a[0], b[0]) for a, b in zip(runs, again))


def test_a_run_open_across_many_pieces():
    x = np.concatenate((np.tile([0.0, 1, -1], 100), np.full(50, 9.0), np.tile([0.0, 1, -1], 100)))
    scan_ = ClipScan(channel_stats(x[None]))
    for a in range(0, x.size, 7):
        scan_.push(x[None, a:a + 7])
    (s, e), = scan_.result()
    assert s.tolist() == [300] and e.tolist() == [350]


def test_the_statistics_stay_exact_far_from_zero():
    x = 1e6 + np.tile([0.0, 1.0], 5000)[None]
    st = channel_stats(x)
    assert st.sd[0] == pytest.approx(0.5, rel=1e-12) and st.mean[0] == pytest.approx(1e6 + 0.5, rel=1e-15)


# -- small utilities and errors -------------------------------------------------------------------------------
def test_one_dimensional_in_one_dimensional_out():
    x = np.concatenate((np.tile([0.0, 1, -1], 50), np.full(20, 5.0)))
    s, e = clipped_runs(x)
    assert s.tolist() == [150] and e.tolist() == [170]
    assert clipped_mask(x).shape == x.shape and clipped_mask(x[None]).shape == (1, x.size)


def test_runs_of_a_mask():
    m = np.array([[True, True, False, True], [False, False, False, False]])
    (s0, e0), (s1, e1) = runs_of(m)
    assert s0.tolist() == [0, 3] and e0.tolist() == [2, 4] and s1.size == 0 and e1.size == 0


@pytest.mark.parametrize("kwargs, match", [(dict(adc_range=[4, -4]), "lo < hi"), (dict(adc_range="x"), "adc_range must be"),
                                           (dict(adc_range=[[0, 1]] * 3), r"one \[lo, hi\] row per channel \(2\)"),
                                           (dict(min_run=0), "min_run must be"), (dict(min_run=2.5), "min_run must be")])
def test_bad_options(kwargs, match):
    with pytest.raises(InvalidInputError, match=match):
        clipped_mask(np.zeros((2, 10)), **kwargs)


def test_bad_shapes_and_chunks():
    with pytest.raises(InvalidInputError, match="1-D or"):
        clipped_mask(np.zeros((2, 2, 2)))
    with pytest.raises(InvalidInputError, match="chunk must be"):
        clipping.check_chunk(0)


# -- the kernels (emgkit.kernels: stats_update, band_runs, window_min_ms) against NumPy loops -------------------
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from emgkit.kernels import band_runs, stats_state, stats_update, window_min_ms  # noqa: E402
from emgkit.kernels.clipping import STATS_COLUMNS  # noqa: E402


def _signal(draw, max_n=40):
    n_rows = draw(st.integers(1, 3))
    n = draw(st.integers(0, max_n))
    levels = draw(st.integers(2, 6))  # few levels: plateaus and ties at the extremes are common
    x = np.array(draw(st.lists(st.integers(0, levels), min_size=n_rows * n, max_size=n_rows * n)), dtype=np.float64)
    x = x.reshape(n_rows, n) * 0.5
    dtype = draw(st.sampled_from([np.float64, np.float32]))
    if draw(st.booleans()):  # strided rows
        x = np.repeat(x, 2, axis=1)[:, ::2]
    return x.astype(dtype, copy=False)


@st.composite
def signals(draw):
    return _signal(draw)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(signals(), st.integers(1, 4))
def test_stats_kernel_against_numpy(x, cut):
    state = stats_state(x.shape[0])
    for a in range(0, x.shape[1], cut):
        stats_update(x[:, a:a + cut], state)
    got = dict(zip(STATS_COLUMNS, state.T))
    x64 = x.astype(np.float64)
    assert (got["count"] == x.shape[1]).all()
    if x.shape[1] == 0:
        return
    np.testing.assert_array_equal(got["lo"], x64.min(axis=1))
    np.testing.assert_array_equal(got["hi"], x64.max(axis=1))
    np.testing.assert_allclose(got["s1"], (x64 - x64[:, :1]).sum(axis=1), atol=1e-12)
    np.testing.assert_allclose(got["s2"], ((x64 - x64[:, :1]) ** 2).sum(axis=1), atol=1e-12)
    d = np.abs(np.diff(x64, axis=1))
    want = np.array([row[row > 0].min() if (row > 0).any() else np.inf for row in d])
    np.testing.assert_array_equal(got["step"], want)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(signals(), st.integers(1, 5), st.integers(1, 4), st.data())
def test_band_kernel_against_numpy(x, cut, min_run, data):
    n_rows, n = x.shape
    thr = np.array([[data.draw(st.sampled_from([np.nan, 1.0, 2.0, 2.5])) for _ in range(4)] for _ in range(n_rows)])
    thr[:, 1::2] -= 1.5  # bottoms below the tops
    inner = thr[:, :2] + np.array([-0.5, 0.5])
    counts = np.zeros((n_rows, 4), dtype=np.int64)
    open_start = np.full((n_rows, 4), -1, dtype=np.int64)
    runs = [[[] for _ in range(4)] for _ in range(n_rows)]
    for a in range(0, n, cut):
        first, starts, stops = band_runs(x[:, a:a + cut], thr, inner, open_start, a, min_run, counts)
        for r in range(n_rows):
            for k in range(4):
                runs[r][k] += list(zip(starts[first[r, k]:first[r, k + 1]], stops[first[r, k]:first[r, k + 1]]))
    x64 = x.astype(np.float64)
    for r in range(n_rows):
        for k in range(4):
            band = x64[r] >= thr[r, k] if k % 2 == 0 else x64[r] <= thr[r, k]
            want = [(s, e) for s, e in zip(*runs_of(band)[0]) if e - s >= min_run and e < n]  # closed runs
            assert runs[r][k] == want
            last_start = runs_of(band)[0][0][-1] if band.size and band[-1] else -1  # the run still open at the end
            assert open_start[r, k] == last_start
            if k < 2:
                near = x64[r] >= inner[r, k] if k == 0 else x64[r] <= inner[r, k]
                assert counts[r, k] == band.sum() and counts[r, k + 2] == (near & ~band).sum()


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(signals(), st.integers(1, 6), st.integers(1, 6), st.data())
def test_window_kernel_against_numpy(x, w, hop, data):
    n = x.shape[1]
    if n < w:
        with pytest.raises(InvalidInputError, match="do not fit"):
            window_min_ms(x, w, hop, 1)
        return
    k = data.draw(st.integers(1, (n - w) // hop + 1))
    x64 = x.astype(np.float64)
    want = [min(np.mean(row[j * hop:j * hop + w] ** 2) for j in range(k)) for row in x64]
    np.testing.assert_allclose(window_min_ms(x, w, hop, k), want, rtol=1e-12, atol=1e-15)


# -- the shared real recordings: outcomes written down from each SOURCE.md before running -------------------------
def test_real_recordings(shared_data):
    import emgkit
    from emgkit.datasets.readers import read_opensignals, read_uci_lower_limb, read_uci_physical_action

    def fractions(rec):
        return dict(zip(rec.channel_names, rec.quality()["clipped_fraction"]))

    action = shared_data / "uci_physical_action" / "sub01" / "Normal" / "txt"
    running = read_uci_physical_action(action / "Running.txt")
    got = fractions(running)  # SOURCE.md: R-Thi at exactly +-4000 on 75 % of samples
    x = running.data[running.channel_names.index("R-Thi")]
    assert got["R-Thi"] == pytest.approx(np.mean(np.abs(x) >= 4000), abs=0.01)
    legs = [running.channel_names.index(n) for n in ("R-Thi", "R-Ham", "L-Thi", "L-Ham")]
    own, adc = clipped_mask(running.data), clipped_mask(running.data, running.meta["adc_range"])
    np.testing.assert_array_equal(own[legs], adc[legs])  # heavy clipping: found without the converter range too
    assert adc.sum() - own.sum() < 20  # a few rare hits of +-4000 (R-Bic: 4 samples) count only at the known limit
    for quiet in ("Standing", "Seating", "Handshaking"):  # SOURCE.md: quiet actions never clip
        assert max(fractions(read_uci_physical_action(action / f"{quiet}.txt")).values()) == 0
    gait = emgkit.read(shared_data / "c3d_bilateral_gait" / "Gait.c3d")
    assert "adc_ranges" in gait.meta and max(fractions(gait).values()) < 0.001  # "clipping is negligible"
    shoulder = emgkit.read(shared_data / "pyomeca_shoulder" / "markers_analogs.c3d")
    q = shoulder.quality()
    assert q["flat"].sum() == 19 and (q["clipped_fraction"] == 0).all()  # 19 all-zero channels: flat, not clipped
    for name in ("emg.txt", "emg_1.txt"):
        assert max(fractions(read_opensignals(shared_data / "biosppy_single" / name)).values()) == 0
    assert max(fractions(read_uci_lower_limb(shared_data / "uci_lower_limb" / "3Amar.txt")).values()) == 0
