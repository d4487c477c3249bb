"""Streaming analysis (emgkit.analyze_file) against the in-memory analysis, and its plumbing (emgkit._chunks)."""

import os
import subprocess
import sys
import warnings

import numpy as np
import pytest
from scipy import signal

import emgkit
from emgkit import _chunks
from emgkit.analysis_stream import analyze_file, wants_streaming
from emgkit.datasets.simulate import simulate
from emgkit.errors import InvalidInputError

RTOL = 1e-9


def assert_same_analysis(ref, got):
    """Every table equal: text exactly, numbers within RTOL (relative, absolute below 1)."""
    for name, a in ref.tables.items():
        b = got.tables[name]
        assert list(a.columns) == list(b.columns), name
        assert a.shape == b.shape, (name, a.shape, b.shape)
        for col in a.columns:
            x, y = a[col].to_numpy(), b[col].to_numpy()
            if a[col].dtype.kind == "f":
                both_nan = np.isnan(x) & np.isnan(y)
                close = np.abs(x - y) <= RTOL * np.maximum(1.0, np.abs(x))
                assert (both_nan | close).all(), (name, col, x[~(both_nan | close)][:3], y[~(both_nan | close)][:3])
            else:
                assert (x == y).all(), (name, col, x[x != y][:3], y[x != y][:3])
    assert ref.notes == got.notes
    assert ref.info == got.info


def quiet(fn, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return fn(*args, **kwargs)


@pytest.fixture(scope="module")
def arm_file(tmp_path_factory):
    rec = simulate(n_reps=6, fs=2000, lr_ratio={"biceps_brachii": 1.4}, powerline_uv=5.0, seed=11)
    path = tmp_path_factory.mktemp("stream") / "arm.h5"
    emgkit.write(rec, path)
    return path


@pytest.mark.parametrize(
    "config, chunk_s",
    [
        (None, 1.3),  # chunk boundaries inside bursts and repetitions
        (None, 7.0),
        (None, 1000.0),  # one chunk: the margins are clipped at both ends of the record
        ({"envelope": {"method": "rms"}, "filters": {"notch_hz": 50.0}}, 2.1),
        ({"cycles": {"source": "none"}}, 2.9),  # the whole record is one interval, read piece by piece
        ({"fatigue": {"mode": "repetitions"}, "normalization": {"method": "peak"}}, 3.7),
        ({"onset": {"method": "hodges"}}, 2.5),
        ({"onset": {"method": "bonato"}}, 2.5),
    ],
)
def test_stream_equals_in_memory(arm_file, config, chunk_s):
    ref = quiet(emgkit.analyze, emgkit.read(arm_file), config=config)
    got = quiet(analyze_file, arm_file, config=config, chunk_s=chunk_s)
    assert_same_analysis(ref, got)


def test_stream_trunk_high_pass_and_clipping(tmp_path):
    rec = simulate(n_reps=5, fs=2000, muscles=["rectus_abdominis", "erector_spinae"], seed=4)
    data = rec.data.copy()
    rail = 0.6 * np.abs(data[0]).max()
    data[0] = np.clip(data[0], -rail, rail)  # a clipped channel: runs at its extremes
    rec = rec.replace(data=data)
    path = tmp_path / "trunk.h5"
    emgkit.write(rec, path)
    cfg = {"filters": {"trunk_low_hz": 30.0}}
    ref = quiet(emgkit.analyze, emgkit.read(path), config=cfg)
    got = quiet(analyze_file, path, config=cfg, chunk_s=1.9)
    assert ref.channels["clipped_pct"].iloc[0] > 0
    assert_same_analysis(ref, got)


def test_stream_reads_the_raw_file_in_bounded_pieces(arm_file, monkeypatch):
    from emgkit.io import RecordingFile

    longest = []
    original = RecordingFile._fetch

    def spy(self, rows, first, last):
        longest.append(last - first)
        return original(self, rows, first, last)

    monkeypatch.setattr(RecordingFile, "_fetch", spy)
    quiet(analyze_file, arm_file, chunk_s=1.0)
    with emgkit.open(arm_file) as handle:
        n = handle.n_samples
    assert longest and max(longest) < n / 2  # never the whole record
    assert max(longest) <= 2000 + 2 * 12000  # one chunk and its settling margins (under 6 s each side)


def test_stream_decodes_the_raw_file_once(arm_file, monkeypatch):
    # the conditioning's second pass reads the scratch copy written by its first (ScratchStore.raw_copy);
    # reading the file twice fetched 2 records plus the channel classification's blocks (0.6 of this short one)
    from emgkit.io import RecordingFile

    fetched = []
    original = RecordingFile._fetch

    def spy(self, rows, first, last):
        fetched.append(len(rows) * (last - first))
        return original(self, rows, first, last)

    monkeypatch.setattr(RecordingFile, "_fetch", spy)
    quiet(analyze_file, arm_file, chunk_s=1.0)
    with emgkit.open(arm_file) as handle:
        size = handle.n_channels * handle.n_samples
    assert size <= sum(fetched) < 2 * size


def test_stream_leaves_input_untouched_and_removes_its_scratch(arm_file, tmp_path):
    before = (arm_file.stat().st_mtime_ns, arm_file.read_bytes())
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    quiet(analyze_file, arm_file, chunk_s=5.0, scratch_dir=scratch)
    assert (arm_file.stat().st_mtime_ns, arm_file.read_bytes()) == before
    assert list(scratch.iterdir()) == []


def test_stream_traces_match_the_report_browser_shape(arm_file):
    res, traces = quiet(analyze_file, arm_file, chunk_s=2.0, traces=True)
    rec = emgkit.read(arm_file)
    from emgkit.decimate import browser_traces

    ref = browser_traces(rec, res.config)
    assert traces["raw"].shape == ref["raw"].shape
    np.testing.assert_array_equal(traces["t_raw"], ref["t_raw"])
    np.testing.assert_array_equal(traces["t_env"], ref["t_env"])
    assert traces["envelope"].shape == ref["envelope"].shape
    assert traces["names"] == rec.channel_names


def test_stream_refuses_bad_chunks(arm_file):
    with pytest.raises(InvalidInputError, match="chunk_s"):
        analyze_file(arm_file, chunk_s=0)


def test_wants_streaming_modes(arm_file, tmp_path, monkeypatch):
    import emgkit.analysis.pipeline as stream

    assert wants_streaming(arm_file, "on") and not wants_streaming(arm_file, "off")
    assert not wants_streaming(arm_file)  # small file
    monkeypatch.setattr(stream, "STREAM_ABOVE_SAMPLES", 1000)
    assert wants_streaming(arm_file)
    csv = tmp_path / "x.csv"
    csv.write_text("t,a\n" + "".join(f"{i / 1000},{np.sin(i)}\n" for i in range(3000)))
    assert not wants_streaming(csv)  # text is read whole anyway
    with pytest.raises(InvalidInputError, match="stream"):
        wants_streaming(arm_file, "sometimes")


def test_cli_analyze_stream_on_equals_off(arm_file, tmp_path):
    outs = {}
    for mode in ("on", "off"):
        out = tmp_path / mode
        proc = subprocess.run([sys.executable, "-m", "emgkit.cli", "report", str(arm_file), "--out", str(out), "--stream", mode, "--quiet"],
                              capture_output=True, text=True, env={**os.environ, "PYTHONWARNINGS": "ignore"})
        assert proc.returncode == 0, proc.stderr
        assert (out / "report.html").stat().st_size > 100_000
        outs[mode] = emgkit.load_analysis(out)
    assert_same_analysis(outs["off"], outs["on"])


# -- plumbing --------------------------------------------------------------------------------------
def test_settle_samples_bounds_the_impulse_response():
    sos = signal.butter(4, [20, 450], "bandpass", fs=2000, output="sos")
    m = _chunks.settle_samples(sos, tol=1e-10)
    h = signal.sosfilt(sos, np.r_[1.0, np.zeros(20 * m)])
    peak = np.abs(h).max()
    assert np.abs(h[m:]).max() <= 1e-10 * peak < np.abs(h[m - 5 : m]).max()
    assert _chunks.settle_samples(signal.butter(2, 6, fs=2000, output="sos")) > m  # slower filter, longer margin


def test_blocks_tile_the_record_with_clipped_margins():
    x = np.arange(30.0).reshape(1, 30)
    got = list(_chunks.blocks(_chunks.ArraySource(x, 10.0), 7, 3))
    assert [(b.a, b.b, b.lo, b.hi) for b in got] == [(0, 7, 0, 10), (7, 14, 4, 17), (14, 21, 11, 24), (21, 28, 18, 30), (28, 30, 25, 30)]
    np.testing.assert_array_equal(np.concatenate([b.data[:, b.core] for b in got], axis=1), x)


def test_blocks_read_ahead_reads_each_span_once_and_stops_when_closed():
    x = np.arange(40.0).reshape(2, 20)
    asked = []

    class Spy(_chunks.ArraySource):
        read_ahead = True  # as FileSource

        def read(self, a, b, rows=None):
            asked.append((a, b))
            return super().read(a, b, rows)

    got = list(_chunks.blocks(Spy(x, 10.0), 6, 2))
    assert asked == [(b.lo, b.hi) for b in got] == [(0, 8), (4, 14), (10, 20), (16, 20)]
    for b in got:
        np.testing.assert_array_equal(b.data, x[:, b.lo : b.hi])
    asked.clear()
    walk = _chunks.blocks(Spy(x, 10.0), 6, 2)
    next(walk)
    walk.close()
    assert asked == [(0, 8), (4, 14)]  # the block read ahead, no further


def test_blocks_read_one_after_the_other_unless_the_source_says_it_may_be_read_ahead():
    """A source that reuses its output buffer (no ``read_ahead``) is never read while the caller holds a block."""
    x = np.arange(40.0).reshape(2, 20)

    class Reusing(_chunks.ArraySource):
        buffer = np.empty((2, 20))

        def read(self, a, b, rows=None):
            out = self.buffer[:, : b - a]
            out[:] = x[:, a:b]
            return out

    import time

    for blk in _chunks.blocks(Reusing(x, 10.0), 6, 2):
        time.sleep(0.05)  # time enough for a read-ahead thread to overwrite the block
        np.testing.assert_array_equal(blk.data, x[:, blk.lo : blk.hi])


def test_blocks_a_failing_read_raises_at_its_block_and_leaves_no_thread():
    import threading

    x = np.arange(40.0).reshape(2, 20)

    class Failing(_chunks.ArraySource):
        read_ahead = True

        def read(self, a, b, rows=None):
            if a >= 10:
                raise OSError("disk gone")
            return super().read(a, b, rows)

    seen = []
    with pytest.raises(OSError, match="disk gone"):
        for blk in _chunks.blocks(Failing(x, 10.0), 6, 2):
            seen.append(blk.a)
    assert seen == [0, 6]
    assert not [t for t in threading.enumerate() if t.name.startswith("emgkit-read-ahead")]


def test_rows_and_run_mask_match_arrays():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((3, 1000))
    rows = _chunks.Rows(x.shape, lambda r, a, b: x[r, a:b], chunk=64)
    np.testing.assert_array_equal(rows[1, 10:500], x[1, 10:500])
    np.testing.assert_array_equal(rows[[2, 0], 5:9], x[[2, 0], 5:9])
    np.testing.assert_array_equal(rows.scaled([1.0, 2.0, 3.0])[:, 0:4], x[:, 0:4] * [[1.0], [2.0], [3.0]])
    np.testing.assert_allclose(_chunks.row_mean(rows), x.mean(axis=1), rtol=1e-13)
    np.testing.assert_array_equal(_chunks.row_max(rows), x.max(axis=1))
    mask = np.zeros((2, 50), dtype=bool)
    mask[0, 3:9] = mask[0, 40:50] = mask[1, 0:1] = True
    runs = _chunks.RunMask([(np.array([3, 40]), np.array([9, 50])), (np.array([0]), np.array([1]))], 50)
    np.testing.assert_array_equal(runs[0, 5:45], mask[0, 5:45])
    np.testing.assert_allclose(runs.fraction(), mask.mean(axis=1))
    runs[1] = True
    assert runs[1, 0:50].all()


def test_batch_stream_on_equals_off(arm_file, tmp_path):
    from emgkit.batch import run_batch

    inputs = tmp_path / "in"
    inputs.mkdir()
    (inputs / "a.h5").write_bytes(arm_file.read_bytes())
    results = {}
    for mode in ("on", "off"):
        batch = quiet(run_batch, [inputs], tmp_path / mode, workers=1, stream=mode)
        assert batch.exit_code == 0 and batch.n_done == 1
        results[mode] = emgkit.load_analysis(tmp_path / mode / "a.h5")
        assert (tmp_path / mode / "a.h5" / "report.html").is_file()
    assert_same_analysis(results["off"], results["on"])
    with pytest.raises(InvalidInputError, match="stream"):
        run_batch([inputs], tmp_path / "bad", workers=1, stream="maybe")


def test_a_file_view_is_read_ahead_and_an_array_view_is_not(arm_file):
    """The pipeline reads through RecordingView.source: it must say what its underlying source says (emgkit._chunks.blocks)."""
    from emgkit.analysis.view import RecordingView

    with emgkit.open(arm_file) as handle:
        assert RecordingView.of_file(handle).source.read_ahead
    assert not RecordingView.of_recording(emgkit.read(arm_file)).source.read_ahead
