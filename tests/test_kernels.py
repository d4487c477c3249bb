"""emgkit.kernels envelope kernels against plain NumPy references.

rectify, moving_average, moving_rms and tkeo are checked on hypothesis-drawn
inputs (lengths 0, 1, 2 and up, windows from 1 to past the record's end, odd
and even, float32/float64, strided views, 1-D and 2-D, ``out=``), on
hand-computed cases, and on a 10**7-sample drift case.  One test re-runs the
kernels with NUMBA_DISABLE_JIT=1 to prove they stay plain-Python compatible.
"""

import json
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from emgkit.errors import InvalidInputError
from emgkit.kernels import moving_average, moving_rms, rectify, tkeo

SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


# -- plain references ------------------------------------------------------------
def ref_window_mean(x, window, square):
    """Direct loop: mean over i - window//2 ... i - window//2 + window - 1, cut at the ends."""
    x = np.asarray(x, dtype=np.float64)
    n = x.shape[-1]
    v = x * x if square else x
    out = np.empty_like(x)
    half = window // 2
    for i in range(n):
        lo, hi = max(0, i - half), min(n, i - half + window)
        out[..., i] = v[..., lo:hi].sum(axis=-1) / (hi - lo)
    return np.sqrt(out) if square else out


def ref_tkeo(x):
    x = np.asarray(x, dtype=np.float64)
    out = np.zeros_like(x)
    if x.shape[-1] >= 3:
        out[..., 1:-1] = x[..., 1:-1] ** 2 - x[..., :-2] * x[..., 2:]
        out[..., 0] = out[..., 1]
        out[..., -1] = out[..., -2]
    return out


def assert_close(actual, expected64, x, dtype, power=1):
    """float64: 1e-12 relative; float32: the float64 result rounded once.

    ``power`` is the unit's power of x (1 for means and RMS, 2 for TKEO); the
    absolute slack, for results near 0, scales with max|x| ** power.
    """
    assert actual.dtype == dtype and actual.shape == expected64.shape
    scale = float(np.max(np.abs(np.asarray(x, dtype=np.float64)), initial=0.0)) ** power
    rtol = 1e-12 if dtype == np.float64 else 2e-7
    np.testing.assert_allclose(actual, expected64, rtol=rtol, atol=1e-13 * scale + 1e-300)


# -- hypothesis inputs ------------------------------------------------------------
@st.composite
def signals(draw, max_len=40):
    """(x, dtype): 1-D or 2-D float32/float64, C-contiguous, every other sample, or Fortran-ordered."""
    dtype = draw(st.sampled_from([np.float32, np.float64]))
    n = draw(st.one_of(st.sampled_from([0, 1, 2, 3]), st.integers(0, max_len)))
    channels = draw(st.one_of(st.none(), st.integers(1, 3)))
    layout = draw(st.sampled_from(["contiguous", "step2", "fortran"]))
    scale = draw(st.sampled_from([1e-6, 1.0, 1e3]))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    base = (rng.standard_normal((1 if channels is None else channels, n)) * scale).astype(dtype)
    if layout == "step2":
        wide = np.zeros((base.shape[0], 2 * n), dtype)
        wide[:, ::2] = base
        x = wide[:, ::2]
    elif layout == "fortran":
        x = np.asfortranarray(base)
    else:
        x = base
    return (x if channels is not None else x[0]), dtype


# -- rectify ------------------------------------------------------------------------
@SETTINGS
@given(data=signals(), use_out=st.booleans())
def test_rectify_matches_abs(data, use_out):
    x, dtype = data
    out = np.empty(x.shape, dtype) if use_out else None
    y = rectify(x, out=out)
    if use_out:
        assert y is out
    assert y.dtype == dtype and y.shape == x.shape
    np.testing.assert_array_equal(y, np.abs(x))


def test_rectify_in_place_and_strided_out(rng):
    x = rng.standard_normal((3, 50))
    expected = np.abs(x)
    assert rectify(x, out=x) is x
    np.testing.assert_array_equal(x, expected)
    big = np.zeros((3, 100))
    y = rectify(-x, out=big[:, ::2])
    np.testing.assert_array_equal(y, expected)
    np.testing.assert_array_equal(big[:, 1::2], 0)


# -- moving mean / RMS ----------------------------------------------------------------
@SETTINGS
@given(data=signals(), window=st.integers(1, 50), use_out=st.booleans())
def test_moving_rms_matches_direct_windows(data, window, use_out):
    x, dtype = data
    out = np.full(x.shape, np.nan, dtype) if use_out else None
    y = moving_rms(x, window, out=out)
    if use_out:
        assert y is out
    assert_close(y, ref_window_mean(x, window, square=True), x, dtype)


@SETTINGS
@given(data=signals(), window=st.integers(1, 50), use_out=st.booleans())
def test_moving_average_matches_direct_windows(data, window, use_out):
    x, dtype = data
    out = np.full(x.shape, np.nan, dtype) if use_out else None
    y = moving_average(x, window, out=out)
    if use_out:
        assert y is out
    assert_close(y, ref_window_mean(x, window, square=False), x, dtype)


@pytest.mark.parametrize("segment", ["default", "two blocks"])
@pytest.mark.parametrize("window", [1, 2, 5, 20, 21, 64, 199, 200, 201, 5000, 10**9])
@pytest.mark.parametrize("func, square", [(moving_rms, True), (moving_average, False)])
def test_moving_windows_on_longer_records(rng, monkeypatch, func, square, window, segment):
    # long enough for the blocked path and both record edges; "two blocks" streams the
    # row through the smallest segment buffer, so segment seams land everywhere
    from emgkit.kernels import envelope

    if segment != "default":
        monkeypatch.setattr(envelope, "_SEGMENT_SAMPLES", 1)
    x = rng.standard_normal((2, 3001)) * np.array([[1.0], [50.0]])
    x[1, 1500:1520] = 1e4
    assert_close(func(x, window), ref_window_mean(x, window, square), x, np.float64)


def test_moving_rms_parallel_tasks_on_one_long_channel(rng):
    # one channel long enough to be cut into several tasks: compare at the task seams too
    x = rng.standard_normal(600_001)
    y = moving_rms(x, 200)
    idx = np.r_[0:300, 131_000:131_200, 299_900:300_100, 599_700:600_001]
    half = 100
    ref = np.array([np.sqrt(np.mean(x[max(0, i - half) : i - half + 200] ** 2)) for i in idx])
    np.testing.assert_allclose(y[idx], ref, rtol=1e-12)


def test_moving_hand_computed():
    np.testing.assert_allclose(moving_average(np.array([1.0, 2.0, 3.0, 4.0]), 3), [1.5, 2.0, 3.0, 3.5])
    # even window: 1 sample before, the sample itself (window//2 = 1 before, 0 after)
    np.testing.assert_allclose(moving_average(np.array([1.0, 2.0, 3.0, 4.0]), 2), [1.0, 1.5, 2.5, 3.5])
    np.testing.assert_allclose(moving_rms(np.array([3.0, -4.0, 0.0]), 2), [3.0, np.sqrt(12.5), np.sqrt(8.0)])
    # a window longer than the record averages everything present
    x = np.array([1.0, 2.0, 6.0])
    np.testing.assert_allclose(moving_average(x, 100), [3.0, 3.0, 3.0])
    np.testing.assert_allclose(moving_rms(x, 1), [1.0, 2.0, 6.0])


def test_moving_channels_are_independent(rng):
    x = rng.standard_normal((4, 500)) * np.array([[1.0], [2.0], [1e-3], [1e3]])
    stacked = moving_rms(x, 25)
    for c in range(4):
        np.testing.assert_array_equal(stacked[c], moving_rms(x[c], 25))
    assert not np.allclose(stacked[0], stacked[1])


def test_moving_out_overlapping_input(rng):
    x = rng.standard_normal(1000)
    expected = ref_window_mean(x, 31, square=True)
    assert moving_rms(x, 31, out=x) is x
    np.testing.assert_allclose(x, expected, rtol=1e-12)


def test_nan_only_reaches_windows_that_contain_it(rng):
    x = rng.standard_normal(1000)
    x[500] = np.nan
    y = moving_rms(x, 50)  # output i covers i - 25 ... i + 24
    assert np.isnan(y[476:526]).all()
    assert np.isfinite(y[:476]).all() and np.isfinite(y[526:]).all()


@pytest.mark.slow
def test_no_drift_after_huge_artifact():
    """10**7 samples: 1e6 artifact, then 1e-3 noise; error vs direct windows < 1e-9 everywhere."""
    n, window = 10_000_000, 200
    rng = np.random.default_rng(7)
    x = rng.standard_normal(n) * 1e-3
    x[2_000_000:2_004_000] = rng.standard_normal(4000) * 1e6
    y = moving_rms(x, window)
    avg = moving_average(np.abs(x), window)
    ms_ref = _direct_window_sums(x * x, window)
    abs_ref = _direct_window_sums(np.abs(x), window)
    counts = _window_counts(n, window)
    rms_ref = np.sqrt(ms_ref / counts)
    assert np.max(np.abs(y - rms_ref) / rms_ref) < 1e-9
    assert np.max(np.abs(avg - abs_ref / counts) / (abs_ref / counts)) < 1e-9
    # the test can fail: a running (cumulative) sum does drift here
    cs = np.concatenate([[0.0], np.cumsum(x * x)])
    half = window // 2
    i = np.arange(n)
    running = (cs[np.minimum(i - half + window, n)] - cs[np.maximum(i - half, 0)]) / counts
    assert np.nanmax(np.abs(np.sqrt(np.maximum(running, 0)) - rms_ref) / rms_ref) > 1e-9


def _window_counts(n, window):
    i = np.arange(n)
    half = window // 2
    return (np.minimum(i - half + window, n) - np.maximum(i - half, 0)).astype(np.float64)


def _direct_window_sums(v, window, block=4096):
    """Exact-enough window sums: cumulative sums restarted every ``block`` outputs.

    Within a block every partial sum stays small unless the block holds the
    artifact; those few blocks are summed window by window instead.
    """
    n = v.shape[0]
    half = window // 2
    padded = np.concatenate([np.zeros(half), v, np.zeros(window)])
    n_blocks = -(-n // block)
    padded = np.concatenate([padded, np.zeros(n_blocks * block + window - padded.shape[0] + 1)])
    views = np.lib.stride_tricks.sliding_window_view(padded, block + window - 1)[::block][:n_blocks]
    cs = np.concatenate([np.zeros((n_blocks, 1)), np.cumsum(views, axis=1)], axis=1)
    t = np.arange(block)
    sums = (cs[:, t + window] - cs[:, t]).reshape(-1)[:n]
    peak = views.max(axis=1)
    for b in np.flatnonzero(peak > 1e3 * np.median(peak)):
        direct = np.lib.stride_tricks.sliding_window_view(views[b], window).sum(axis=1)[:block]
        sums[b * block : min(n, (b + 1) * block)] = direct[: min(n, (b + 1) * block) - b * block]
    return sums


# -- TKEO --------------------------------------------------------------------------------
@SETTINGS
@given(data=signals(), use_out=st.booleans())
def test_tkeo_matches_reference(data, use_out):
    x, dtype = data
    out = np.full(x.shape, np.nan, dtype) if use_out else None
    y = tkeo(x, out=out)
    if use_out:
        assert y is out
    assert_close(y, ref_tkeo(x), x, dtype, power=2)


def test_tkeo_hand_computed_and_short_records():
    np.testing.assert_array_equal(tkeo(np.array([1.0, 2.0, 3.0, 5.0])), [1.0, 1.0, -1.0, -1.0])
    # a sinusoid's TKEO is A**2 * sin(w)**2 at every interior sample
    w, a = 0.3, 2.0
    y = tkeo(a * np.sin(w * np.arange(100)))
    np.testing.assert_allclose(y, (a * np.sin(w)) ** 2, rtol=1e-12)
    for n in (0, 1, 2):
        np.testing.assert_array_equal(tkeo(np.ones(n)), np.zeros(n))


def test_tkeo_long_channel_task_seams(rng):
    x = rng.standard_normal((2, 400_003))
    np.testing.assert_allclose(tkeo(x), ref_tkeo(x), rtol=1e-12, atol=1e-12)


def test_tkeo_out_overlapping_input(rng):
    x = rng.standard_normal(300)
    expected = ref_tkeo(x)
    assert tkeo(x, out=x) is x
    np.testing.assert_allclose(x, expected, rtol=1e-12)


# -- shapes and errors ------------------------------------------------------------------
@pytest.mark.parametrize("shape", [(0,), (3, 0), (0, 5)])
def test_empty_inputs(shape):
    x = np.zeros(shape)
    for y in (rectify(x), moving_rms(x, 3), moving_average(x, 3), tkeo(x)):
        assert y.shape == shape and y.dtype == np.float64


@pytest.mark.parametrize("func", [rectify, tkeo, lambda x, out=None: moving_rms(x, 3, out=out)])
def test_bad_inputs(func):
    with pytest.raises(InvalidInputError, match="float32 or float64.*int64.*astype"):
        func(np.arange(10))
    with pytest.raises(InvalidInputError, match=r"1-D \(n_samples,\) or 2-D.*3-D shape \(2, 2, 2\)"):
        func(np.zeros((2, 2, 2)))
    with pytest.raises(InvalidInputError, match=r"shape \(10,\) and dtype float64, got shape \(9,\)"):
        func(np.zeros(10), out=np.zeros(9))
    with pytest.raises(InvalidInputError, match="dtype float32"):
        func(np.zeros(10), out=np.zeros(10, np.float32))
    ro = np.zeros(10)
    ro.flags.writeable = False
    with pytest.raises(InvalidInputError, match="read-only"):
        func(np.zeros(10), out=ro)


@pytest.mark.parametrize("window", [0, -3, 2.5, True, "10", None])
def test_bad_windows(window):
    with pytest.raises(InvalidInputError, match="window must be a whole number of samples >= 1"):
        moving_rms(np.zeros(10), window)
    with pytest.raises(InvalidInputError, match="window must be a whole number of samples >= 1"):
        moving_average(np.zeros(10), window)


def test_numpy_integer_window_accepted():
    np.testing.assert_allclose(moving_average(np.arange(5.0), np.int64(3)), [0.5, 1.0, 2.0, 3.0, 3.5])


# -- pure-Python path -------------------------------------------------------------------
_PURE_SCRIPT = textwrap.dedent(
    """
    import json, numpy as np
    from scipy.signal import butter
    from emgkit.kernels import filters, moving_average, moving_rms, rectify, sosfiltfilt, tkeo
    rng = np.random.default_rng(3)
    x = rng.standard_normal((7, 90))
    sos = butter(4, [20, 450], "band", fs=2000, output="sos")
    res = {
        "rectify": rectify(x).tolist(),
        "rms": moving_rms(x, 25).tolist(),
        "rms_short": moving_rms(x[:2], 4).tolist(),
        "avg": moving_average(x.astype(np.float32), 10).astype(float).tolist(),
        "tkeo": tkeo(x[0]).tolist(),
    }
    for path, cost in (("lanes", 0.0), ("rows", float("inf"))):
        filters._LANE_GROUP_COST = cost
        res["filt_" + path] = sosfiltfilt(sos, x).tolist()
    print(json.dumps(res))
    """
)


def test_kernels_run_as_plain_python():
    """NUMBA_DISABLE_JIT=1 runs the kernels' Python source: same answers as the compiled code."""
    from scipy import signal
    from scipy.signal import butter

    env = dict(os.environ, NUMBA_DISABLE_JIT="1")
    proc = subprocess.run([sys.executable, "-c", _PURE_SCRIPT], capture_output=True, text=True, env=env, timeout=300)
    assert proc.returncode == 0, proc.stderr
    pure = {k: np.array(v) for k, v in json.loads(proc.stdout).items()}
    rng = np.random.default_rng(3)
    x = rng.standard_normal((7, 90))
    sos = butter(4, [20, 450], "band", fs=2000, output="sos")
    np.testing.assert_array_equal(pure["rectify"], rectify(x))
    np.testing.assert_allclose(pure["rms"], moving_rms(x, 25), rtol=1e-14)
    np.testing.assert_allclose(pure["rms_short"], moving_rms(x[:2], 4), rtol=1e-14)
    np.testing.assert_allclose(pure["avg"], moving_average(x.astype(np.float32), 10), rtol=1e-6)
    np.testing.assert_allclose(pure["tkeo"], tkeo(x[0]), rtol=1e-14)
    expected = signal.sosfiltfilt(sos, x, axis=-1)  # both compiled paths equal it (test_filters_kernel)
    np.testing.assert_allclose(pure["filt_lanes"], expected, rtol=1e-13, atol=1e-14)
    np.testing.assert_allclose(pure["filt_rows"], expected, rtol=1e-13, atol=1e-14)


@pytest.mark.parametrize("given, expected", [(None, "PASSIVE"), ("ACTIVE", "ACTIVE")])
def test_openmp_threads_sleep_between_kernels_unless_the_user_says(given, expected):
    """Importing the kernels sets OMP_WAIT_POLICY=PASSIVE (spinning OpenMP threads took a streamed analysis's core), keeping a user's value."""
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if k != "OMP_WAIT_POLICY"}
    if given is not None:
        env["OMP_WAIT_POLICY"] = given
    code = "import os; from emgkit.kernels import rectify; print(os.environ['OMP_WAIT_POLICY'])"
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True).stdout
    assert out.strip() == expected


def test_batch_workers_start_numba_threads_after_the_openmp_setting():
    """A batch worker sets Numba's thread count (which loads OpenMP) only after kernels/_jit.py set OMP_WAIT_POLICY."""
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if k != "OMP_WAIT_POLICY"}
    code = ("import os, numba\n"
            "seen = []\n"
            "numba.set_num_threads = lambda n: seen.append(os.environ.get('OMP_WAIT_POLICY'))\n"
            "from emgkit.batch.runner import _set_numba_threads\n"
            "_set_numba_threads(1)\n"
            "print(seen)\n")
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True).stdout
    assert out.strip() == "['PASSIVE']"
