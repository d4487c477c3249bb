"""Native HDF5 I/O: round trips, lazy slices, streaming, atomic writes, format dispatch, bad files."""

import json
import os
import stat
import subprocess
import sys
import tracemalloc

import h5py
import numpy as np
import pytest

import emgkit
import emgkit.hdf5_native as native
import emgkit.io as eio
from emgkit import Channel, FileFormatError, InvalidInputError, OutputExistsError, Recording

NASTY_NAMES = [
    "L Biceps",
    "R_BIC",
    "<img src=x onerror=alert(1)>",
    "../../etc",
    "Zweiköpfiger Armmuskel – links ✓",
    "肱二头肌 R",
]


def _rec(rng, dtype=np.float64, n_channels=6, n_samples=5000, fs=2000.0, meta=None):
    data = rng.standard_normal((n_channels, n_samples)).astype(dtype) * 1e-4
    names = (NASTY_NAMES * 3)[:n_channels] if n_channels <= len(NASTY_NAMES) else [f"EMG {i}" for i in range(n_channels)]
    return Recording(data, fs, names, unit="mV", meta=meta)


def _temps(folder):
    return [p.name for p in folder.iterdir() if ".tmp-" in p.name]


# -- round trips ------------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_round_trip_is_exact(tmp_path, rng, dtype):
    chans = [Channel(n) for n in NASTY_NAMES[:5]] + [Channel("sensor 7", muscle="Rectus femoris", side="left")]
    rec = Recording(rng.standard_normal((6, 3001)).astype(dtype), 1234.5, chans, unit="uV")
    out = emgkit.write(rec, tmp_path / "r.h5")
    back = emgkit.read(out)
    assert back.data.dtype == dtype
    np.testing.assert_array_equal(back.data, rec.data)
    assert back.fs == 1234.5 and back.unit == "uV"
    assert back.channels == rec.channels
    assert back.channels[5] == Channel("sensor 7", "rectus_femoris", "L")
    assert back.channels[0].muscle == "biceps_brachii" and back.channels[0].side == "L"
    assert back.channel_names[2] == "<img src=x onerror=alert(1)>"
    assert back.meta == {}


def test_meta_round_trip_with_numpy_nested_and_truth(tmp_path, rng):
    meta = {
        "subject": "S01",
        "session": np.int64(3),
        "gain": np.float32(0.25),
        "flags": (True, np.bool_(False)),
        "truth": {
            "onsets_s": {"L Biceps": np.array([0.5, 2.5]), "R_BIC": np.array([0.55, 2.6])},
            "lr_ratio": {"biceps_brachii": 1.3},
            "mask": np.array([[1, 0], [0, 1]], dtype=np.int8),
            "missing": np.nan,
            "limits": [-np.inf, np.inf],
            7: "int key",
        },
        "events": [{"label": "rep", "t_s": 1.0}, {"label": "rep", "t_s": np.float64(3.0)}],
    }
    rec = _rec(rng, meta=meta)
    emgkit.write(rec, tmp_path / "m.h5")
    back = emgkit.read(tmp_path / "m.h5").meta
    assert back["subject"] == "S01" and back["session"] == 3 and type(back["session"]) is int
    assert back["gain"] == 0.25 and back["flags"] == [True, False]
    truth = back["truth"]
    assert truth["onsets_s"] == {"L Biceps": [0.5, 2.5], "R_BIC": [0.55, 2.6]}
    assert truth["lr_ratio"] == {"biceps_brachii": 1.3}
    assert truth["mask"] == [[1, 0], [0, 1]]
    assert np.isnan(truth["missing"]) and truth["limits"] == [-np.inf, np.inf]
    assert truth["7"] == "int key"
    assert back["events"] == [{"label": "rep", "t_s": 1.0}, {"label": "rep", "t_s": 3.0}]
    assert set(back) == set(meta)


def test_schema_v1_on_disk(tmp_path, rng):
    rec = _rec(rng, n_samples=40000, meta={"truth": {"x": np.nan}, "events": []})
    emgkit.write(rec, tmp_path / "s.h5")
    with h5py.File(tmp_path / "s.h5", "r") as f:
        assert f.attrs["format"] == "emgkit" and f.attrs["format_version"] == 1
        assert f.attrs["emgkit_version"] == emgkit.__version__
        assert f.attrs["created"].endswith("Z") and len(f.attrs["created"]) == 20
        ds = f["emg/data"]
        assert ds.shape == (6, 40000) and ds.dtype == np.float64
        assert ds.chunks == (1, native.CHUNK_SAMPLES)
        assert (ds.compression, ds.compression_opts, ds.shuffle, ds.fletcher32) == ("gzip", 4, True, True)  # analog noise
        assert ds.attrs["fs"] == 2000.0 and ds.attrs["unit"] == "mV"
        assert [d.label for d in ds.dims] == ["channel", "sample"]
        assert list(f["emg/channels/name"].asstr()[()]) == rec.channel_names
        assert list(f["emg/channels/muscle"].asstr()[()])[:2] == ["biceps_brachii", "biceps_brachii"]
        assert list(f["emg/channels/side"].asstr()[()])[:3] == ["L", "R", ""]

        def strict(token):
            raise AssertionError(f"non-standard JSON token {token}")

        meta = json.loads(f["meta"].asstr()[()], parse_constant=strict)
        assert meta == {"truth": {"x": {"$float": "NaN"}}}
        assert json.loads(f["events"].asstr()[()]) == []


@pytest.mark.parametrize("streamed", [False, True])
def test_adc_quantized_data_is_stored_unshuffled_and_small(tmp_path, rng, streamed):
    counts = np.round(rng.standard_normal((8, 50000)) * 300)
    rec = Recording(counts * 1e-6, 2000, [f"c{i}" for i in range(8)])  # 1 uV steps, as converted ADC data
    path = tmp_path / "q.h5"
    if streamed:
        with eio.create(path, fs=2000, channels=rec.channels) as w:
            w.append(rec.data)
    else:
        emgkit.write(rec, path)
    with h5py.File(path, "r") as f:
        assert f["emg/data"].shuffle is False
    with h5py.File(tmp_path / "shuffled.h5", "w") as f:
        f.create_dataset("d", data=rec.data, chunks=(1, native.CHUNK_SAMPLES), shuffle=True, **native.COMPRESSION)
    assert path.stat().st_size < 0.7 * (tmp_path / "shuffled.h5").stat().st_size
    assert path.stat().st_size < 0.4 * rec.data.nbytes
    np.testing.assert_array_equal(emgkit.read(path).data, rec.data)
    assert native.use_shuffle(rng.standard_normal((8, 50000)))


def test_short_record_gets_a_chunk_no_longer_than_itself(tmp_path, rng):
    rec = _rec(rng, n_samples=10)
    emgkit.write(rec, tmp_path / "s.h5")
    with h5py.File(tmp_path / "s.h5", "r") as f:
        assert f["emg/data"].chunks == (1, 10)
    np.testing.assert_array_equal(emgkit.read(tmp_path / "s.h5").data, rec.data)


def test_unstorable_meta_value_is_named_and_nothing_written(tmp_path, rng):
    rec = _rec(rng, meta={"truth": {"z": 1 + 2j}})
    with pytest.raises(InvalidInputError, match=r"meta\['truth'\]\['z'\] is a complex"):
        emgkit.write(rec, tmp_path / "c.h5")
    assert list(tmp_path.iterdir()) == []


def test_meta_json_helpers_are_inverse():
    meta = {"a": [1.5, float("nan"), float("-inf")], "b": {"c": None, "d": "x"}}
    text = native.meta_to_json(meta)
    assert "NaN" not in text.replace('"NaN"', "")
    back = native.meta_from_json(text)
    assert np.isnan(back["a"][1]) and back["a"][2] == -np.inf and back["b"] == meta["b"]


# -- partial reads ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    "channels, start, stop",
    [
        (None, None, None),
        (None, 0.5, 1.25),
        (["../../etc", "L Biceps"], None, 0.001),
        ([4, 0, 2], 1.0, None),
        ("R_BIC", 2.0, 2.4995),
        ([-1], 0.0, 2.5),
        ([Channel("R_BIC"), "<img src=x onerror=alert(1)>"], 0.1234, 0.9876),
    ],
)
def test_slices_and_subsets_equal_in_memory_slicing(tmp_path, rng, channels, start, stop):
    rec = _rec(rng, n_samples=5000)
    emgkit.write(rec, tmp_path / "s.h5")
    got = emgkit.read(tmp_path / "s.h5", channels=channels, start=start, stop=stop)
    want = rec if channels is None else rec.select(channels)
    a = 0 if start is None else round(start * rec.fs)
    b = rec.n_samples if stop is None else round(stop * rec.fs)
    np.testing.assert_array_equal(got.data, want.data[:, a:b])
    assert got.channels == want.channels
    if start is not None:
        assert got.meta["start_s"] == a / rec.fs
        np.testing.assert_array_equal(got.data, want.crop(start, stop).data)
    else:
        assert "start_s" not in got.meta


def test_open_handle_properties_and_reads(tmp_path, rng):
    rec = _rec(rng, dtype=np.float32, meta={"subject": "S2"})
    emgkit.write(rec, tmp_path / "h.h5")
    with emgkit.open(tmp_path / "h.h5") as f:
        assert (f.fs, f.unit, f.n_channels, f.n_samples) == (2000.0, "mV", 6, 5000)
        assert f.duration == 2.5 and f.channels == rec.channels and f.dtype == np.float32
        assert f.meta == {"subject": "S2"}
        f.meta["subject"] = "changed"  # a copy: the handle is unaffected
        assert f.meta == {"subject": "S2"}
        part = f.read(["R_BIC"], 1.0, 1.5)
        np.testing.assert_array_equal(part.data, rec.data[1:2, 2000:3000])
        assert "6 ch x 5000 samples" in repr(f)
    assert f.closed
    with pytest.raises(InvalidInputError, match="is closed"):
        f.read()


def test_iter_chunks_tiles_the_record_with_overlap(tmp_path, rng):
    rec = _rec(rng, n_samples=5003)
    emgkit.write(rec, tmp_path / "c.h5")
    with emgkit.open(tmp_path / "c.h5") as f:
        blocks = list(f.iter_chunks(0.5, overlap_s=0.01, channels=["R_BIC", "L Biceps"]))
    chunk, overlap = 1000, 20
    assert [s for s, _ in blocks] == [0, 980, 1980, 2980, 3980, 4980]
    cores = []
    for k, (start, block) in enumerate(blocks):
        info = block.meta["chunk"]
        assert info["index"] == k and info["start_sample"] == start
        assert info["core_start_sample"] == k * chunk
        assert info["core_stop_sample"] == min(5003, (k + 1) * chunk)
        stop = min(5003, (k + 1) * chunk + overlap)
        np.testing.assert_array_equal(block.data, rec.data[[1, 0], start:stop])
        assert block.meta["start_s"] == start / rec.fs and block.channel_names == ["R_BIC", "L Biceps"]
        cores.append(block.data[:, info["core_start_sample"] - start : info["core_stop_sample"] - start])
    np.testing.assert_array_equal(np.concatenate(cores, axis=1), rec.data[[1, 0]])


def test_iter_chunks_longer_than_record_and_bad_arguments(tmp_path, rng):
    rec = _rec(rng, n_samples=100)
    emgkit.write(rec, tmp_path / "c.h5")
    with emgkit.open(tmp_path / "c.h5") as f:
        [(start, block)] = list(f.iter_chunks(60.0, overlap_s=5.0))
        assert start == 0 and block.n_samples == 100
        with pytest.raises(InvalidInputError, match="chunk_s must be a positive duration in seconds"):
            f.iter_chunks(0)
        with pytest.raises(InvalidInputError, match="shorter than one sample"):
            f.iter_chunks(1e-5)
        with pytest.raises(InvalidInputError, match="overlap_s must be a zero or positive"):
            f.iter_chunks(1.0, overlap_s=-1)


class _Spy:
    """Wraps an h5py.Dataset and counts the samples each slice returns."""

    def __init__(self, ds):
        self.ds, self.shape, self.dtype, self.elements = ds, ds.shape, ds.dtype, []

    def __getitem__(self, key):
        out = self.ds[key]
        self.elements.append(out.size)
        return out


def test_reading_a_slice_does_not_load_the_file(tmp_path):
    n = 2**21  # 4 channels x 2 M float32 = 32 MiB in memory
    t = np.arange(n, dtype=np.float32)
    with eio.create(tmp_path / "big.h5", fs=2000, channels=["a", "b", "c", "d"], dtype="float32") as w:
        for lo in range(0, n, 2**19):
            block = np.sin(t[lo : lo + 2**19] * 0.01)
            w.append(np.stack([block, 2 * block, 3 * block, 4 * block]))
    with emgkit.open(tmp_path / "big.h5") as f:
        f._source = spy = _Spy(f._source)
        tracemalloc.start()
        part = f.read(channels=["c"], start=500.0, stop=500.5)
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        assert spy.elements == [1000]
        np.testing.assert_array_equal(part.data[0], 3 * np.sin(t[10**6 : 10**6 + 1000] * 0.01))
        assert peak < 1_000_000, f"reading 1000 samples allocated {peak} bytes"
        # the measurement can see a whole-file load
        tracemalloc.start()
        f.read()
        _, peak_all = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        assert peak_all > 32 * 2**20


def test_inputs_are_opened_read_only(tmp_path, rng, monkeypatch):
    rec = _rec(rng)
    path = emgkit.write(rec, tmp_path / "ro.h5")
    os.chmod(path, stat.S_IRUSR | stat.S_IRGRP | stat.S_IROTH)
    modes = []
    real_file = h5py.File

    def spy(name, mode="r", *args, **kwargs):
        modes.append(mode)
        return real_file(name, mode, *args, **kwargs)

    monkeypatch.setattr(h5py, "File", spy)
    try:
        np.testing.assert_array_equal(emgkit.read(path).data, rec.data)
        with emgkit.open(path) as f:
            assert f._source.file.mode == "r"
            f.read(start=1.0)
    finally:
        os.chmod(path, 0o644)
    assert modes and set(modes) == {"r"}


# -- writing ----------------------------------------------------------------------------------
def test_write_refuses_to_overwrite_unless_asked(tmp_path, rng):
    first, second = _rec(rng), _rec(rng, dtype=np.float32)
    path = tmp_path / "o.h5"
    emgkit.write(first, path)
    before = path.read_bytes()
    with pytest.raises(OutputExistsError, match=r"o\.h5 already exists; pass overwrite=True"):
        emgkit.write(second, path)
    assert path.read_bytes() == before and _temps(tmp_path) == []
    emgkit.write(second, path, overwrite=True)
    np.testing.assert_array_equal(emgkit.read(path).data, second.data)


@pytest.mark.parametrize("where", ["meta", "fsync", "replace"])
def test_failed_write_leaves_previous_file_and_no_temp(tmp_path, rng, monkeypatch, where):
    path = tmp_path / "a.h5"
    old = _rec(rng)
    emgkit.write(old, path)
    before = path.read_bytes()

    def boom(*args, **kwargs):
        raise RuntimeError(f"simulated failure in {where}")

    target = {"meta": (native, "_write_meta"), "fsync": (os, "fsync"), "replace": (os, "replace")}[where]
    monkeypatch.setattr(*target, boom)
    with pytest.raises(RuntimeError, match="simulated failure"):
        emgkit.write(_rec(rng, dtype=np.float32), path, overwrite=True)
    monkeypatch.undo()
    assert path.read_bytes() == before and _temps(tmp_path) == []
    np.testing.assert_array_equal(emgkit.read(path).data, old.data)


def test_failed_first_write_leaves_nothing(tmp_path, rng, monkeypatch):
    monkeypatch.setattr(native, "_write_channels", lambda *a: (_ for _ in ()).throw(KeyboardInterrupt()))
    with pytest.raises(KeyboardInterrupt):
        emgkit.write(_rec(rng), tmp_path / "new.h5")
    assert list(tmp_path.iterdir()) == []


def test_write_bad_targets(tmp_path, rng):
    rec = _rec(rng)
    with pytest.raises(InvalidInputError, match="is a folder"):
        emgkit.write(rec, tmp_path)
    with pytest.raises(FileNotFoundError, match="output folder does not exist: .*missing"):
        emgkit.write(rec, tmp_path / "missing" / "x.h5")
    with pytest.raises(InvalidInputError, match="expects an emgkit.Recording, got ndarray"):
        emgkit.write(rec.data, tmp_path / "x.h5")


def test_atomic_output_refuses_file_created_meanwhile(tmp_path):
    path = tmp_path / "race.txt"
    with pytest.raises(OutputExistsError, match="created by someone else"):
        with eio.atomic_output(path) as tmp:
            tmp.write_text("mine")
            path.write_text("theirs")
    assert path.read_text() == "theirs" and _temps(tmp_path) == []


def test_streaming_writer_equals_in_memory_write(tmp_path, rng):
    data = rng.standard_normal((3, 40000))
    sizes = [1, 999, 16384, 5000, 17616]
    with eio.create(tmp_path / "w.h5", fs=1000, channels=["L TA", "R TA", "x"], unit="uV", meta={"a": 1}) as w:
        lo = 0
        for size in sizes:
            w.append(data[:, lo : lo + size])
            lo += size
        assert w.n_samples == 40000
        w.meta["truth"] = {"done": True}
        assert not w.path.exists()
    back = emgkit.read(tmp_path / "w.h5")
    np.testing.assert_array_equal(back.data, data)
    assert back.meta == {"a": 1, "truth": {"done": True}} and back.unit == "uV"
    assert back.channels[0] == Channel("L TA") and _temps(tmp_path) == []


def test_streaming_writer_errors_leave_nothing(tmp_path):
    with pytest.raises(ZeroDivisionError):
        with eio.create(tmp_path / "w.h5", fs=1000, channels=["a"]) as w:
            w.append(np.zeros((1, 10)))
            1 / 0
    with pytest.raises(InvalidInputError, match="no samples were appended"):
        with eio.create(tmp_path / "w.h5", fs=1000, channels=["a"]):
            pass
    with eio.create(tmp_path / "w.h5", fs=1000, channels=["a", "b"]) as w:
        with pytest.raises(InvalidInputError, match=r"shape \(2, k\)"):
            w.append(np.zeros(10))
        with pytest.raises(InvalidInputError, match="non-finite samples .*'b'"):
            w.append(np.array([[0.0], [np.nan]]))
        w.abort()
    with pytest.raises(InvalidInputError, match="dtype must be 'float32' or 'float64'"):
        eio.create(tmp_path / "w.h5", fs=1000, channels=["a"], dtype="int16")
    assert list(tmp_path.iterdir()) == []


# -- bad input files ----------------------------------------------------------------------------
def test_missing_file_and_folder(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"no such file: .*nope\.h5"):
        emgkit.read(tmp_path / "nope.h5")
    (tmp_path / "trial1.h5").write_bytes(b"")
    with pytest.raises(FileNotFoundError, match="similar names .*trial1.h5"):
        emgkit.read(tmp_path / "trial2.h5")
    with pytest.raises(InvalidInputError, match="is a folder, not a recording file"):
        emgkit.read(tmp_path)
    with pytest.raises(InvalidInputError, match="path must be a str or os.PathLike"):
        emgkit.read(42)


def test_text_with_h5_name(tmp_path):
    path = tmp_path / "export.h5"
    path.write_text("time,L_BIC,R_BIC\n0.000,0.1,0.2\n")
    with pytest.raises(FileFormatError, match=r"looks like text \(first line: 'time,L_BIC,R_BIC'\).*ends in \.h5 .*no HDF5 signature.*Supported formats: emgkit-hdf5"):
        emgkit.read(path)


@pytest.mark.parametrize(
    "content, match",
    [(b"", "it is empty"), (b"MATLAB 5.0 MAT-file, Platform", r"MATLAB v5 \.mat file but SciPy could not read it"), (bytes(range(256)) * 2, "binary data")],
)
def test_other_unreadable_contents(tmp_path, content, match):
    path = tmp_path / "x.dat"
    path.write_bytes(content)
    with pytest.raises(FileFormatError, match=match):
        emgkit.read(path)


@pytest.mark.parametrize("keep", [0.5, 0.98, 0.01])
def test_truncated_file(tmp_path, rng, keep):
    path = emgkit.write(_rec(rng, n_samples=20000), tmp_path / "t.h5")
    size = path.stat().st_size
    with open(path, "r+b") as fh:
        fh.truncate(int(size * keep))
    with pytest.raises(FileFormatError, match="HDF5 cannot open it .*truncated.*copy it again"):
        emgkit.read(path)


def test_corrupt_samples_are_detected(tmp_path, rng):
    rec = _rec(rng, n_samples=40000)
    path = emgkit.write(rec, tmp_path / "c.h5")
    with h5py.File(path, "r") as f:
        offset = f["emg/data"].id.get_chunk_info_by_coord((3, 0)).byte_offset  # channel 3, first chunk
    with open(path, "r+b") as fh:
        fh.seek(offset + 100)
        fh.write(b"\xff" * 32)
    with pytest.raises(FileFormatError, match="could not read samples 0 to 40000.*corrupt"):
        emgkit.read(path)
    np.testing.assert_array_equal(emgkit.read(path, channels=[0, 1]).data, rec.data[:2])


def _edit(path, fn):
    with h5py.File(path, "r+") as f:
        fn(f)


@pytest.mark.parametrize(
    "edit, match",
    [
        (lambda f: f.attrs.__setitem__("format_version", 2), r"format_version 2, newer than this emgkit .* reads \(up to 1\); upgrade"),
        (lambda f: f.attrs.__delitem__("format_version"), "missing or invalid format_version"),
        (lambda f: f["emg/data"].attrs.__delitem__("fs"), "no 'fs' attribute"),
        (lambda f: f["emg/data"].attrs.__setitem__("fs", -5.0), "fs=-5.0 is not a positive sampling rate"),
        (lambda f: f["emg/data"].attrs.__delitem__("unit"), "no 'unit' string attribute"),
        (lambda f: f.__delitem__("emg/data"), "without the /emg/data dataset"),
        (lambda f: f.__delitem__("emg/channels/name"), "without /emg/channels/name"),
        (lambda f: _replace_string(f, "meta", "{not json"), "/meta is not valid JSON"),
        (lambda f: _replace_string(f, "emg/channels/name", ["a", "a"]), "duplicate channel names"),
        (lambda f: _replace_string(f, "emg/channels/side", ["L"]), "has 1 entries for 2 channels"),
    ],
)
def test_malformed_native_files(tmp_path, rng, edit, match):
    path = emgkit.write(_rec(rng, n_channels=2), tmp_path / "n.h5")
    _edit(path, edit)
    with pytest.raises(FileFormatError, match=match):
        emgkit.read(path)


def _replace_string(f, name, value):
    del f[name]
    f.create_dataset(name, data=value, dtype=h5py.string_dtype())


def test_native_file_with_wrong_dtype(tmp_path, rng):
    path = emgkit.write(_rec(rng, n_channels=2), tmp_path / "n.h5")
    with h5py.File(path, "r+") as f:
        attrs = dict(f["emg/data"].attrs)
        del f["emg/data"]
        f["emg/data"] = np.array([["a", "b"], ["c", "d"]], dtype="S1")
        f["emg/data"].attrs.update({k: v for k, v in attrs.items() if k != "DIMENSION_LABELS"})
    with pytest.raises(FileFormatError, match="must be a 2-D float32/float64.*dtype \\|S1"):
        emgkit.read(path)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"start": -0.1}, "is negative; the record lasts 2.5 s"),
        ({"stop": 3.0}, "beyond the end of the record: the record lasts 2.5 s .*start/stop are in seconds"),
        ({"start": 2.5}, "beyond the end"),
        ({"start": 1000}, "beyond the end"),
        ({"start": 1.0, "stop": 1.0}, r"start=1.0 s must be before stop=1.0 s"),
        ({"start": 2.0, "stop": 1.0}, "must be before"),
        ({"start": "soon"}, "start must be a time in seconds, got 'soon'"),
        ({"stop": float("nan")}, "stop must be a finite time"),
        ({"channels": ["L Biceps", "Left Bicep", "X"]}, r"unknown channel\(s\) 'Left Bicep' \(did you mean 'L Biceps'\?\), 'X' .*available channels: \['L Biceps', 'R_BIC'"),
        ({"channels": [7]}, "channel index 7 out of range for 6 channels"),
        ({"channels": ["R_BIC", 1]}, r"channels \['R_BIC'\] requested more than once"),
        ({"channels": []}, "channels is empty"),
        ({"fs": 1000}, "option\\(s\\) fs apply to foreign HDF5 files.*native file"),
        ({"nonfinite": "drop"}, "nonfinite must be one of"),
    ],
)
def test_bad_read_arguments(tmp_path, rng, kwargs, match):
    path = emgkit.write(_rec(rng), tmp_path / "b.h5")
    with pytest.raises(InvalidInputError, match=match):
        emgkit.read(path, **kwargs)


# -- format table -----------------------------------------------------------------------------
@pytest.fixture
def formats_restored():
    """The format registry as it was before the test (register_format changes it for the whole process)."""
    saved = list(eio.FORMATS)
    yield
    eio.FORMATS[:] = saved


def test_register_format_dispatches_by_content(tmp_path, formats_restored):
    def read_toy(path, channels=None, start=None, stop=None, fs=100.0):
        values = [float(x) for x in path.read_text().split()[1:]]
        rec = Recording(np.array([values]), fs, ["toy"])
        return rec.crop(start, stop) if start is not None or stop is not None else rec

    toy = eio.FileFormat("toy", "toy text", sniff=lambda p, head: head.startswith(b"TOY\n"), read=read_toy)
    eio.register_format(toy, before="hdf5")
    names = [f.name for f in eio.FORMATS]
    assert names.index("toy") == names.index("hdf5") - 1
    path = tmp_path / "data.h5"  # the name lies; the content decides
    path.write_text("TOY\n1 2 3 4\n")
    assert eio.detect_format(path) is toy
    np.testing.assert_array_equal(emgkit.read(path, fs=2.0, start=0.5).data, [[2.0, 3.0, 4.0]])
    with emgkit.open(path) as f:  # no lazy reader: loaded whole, same interface
        assert f.n_samples == 4 and f.read(start=0.01, stop=0.03).data.tolist() == [[2.0, 3.0]]
    other = tmp_path / "other.bin"
    other.write_text("nothing\n")
    with pytest.raises(FileFormatError, match="toy: toy text"):
        emgkit.read(other)
    with pytest.raises(InvalidInputError, match="before must be one of"):
        eio.register_format(eio.FileFormat("x", "x", sniff=lambda p, h: False, read=read_toy), before="hdf")


def test_hdf5_signature_after_user_block(tmp_path):
    path = tmp_path / "ub.h5"
    with h5py.File(path, "w", userblock_size=1024) as f:
        f["x"] = np.zeros((2, 10))
    head = path.read_bytes()[:4096]
    assert not head.startswith(eio.HDF5_SIGNATURE) and eio.is_hdf5(path, head)
    assert eio.detect_format(path).name == "hdf5"


def test_registry_lists_every_format_once_in_detection_order():
    assert [f.name for f in eio.FORMATS] == ["emgkit-hdf5", "nwb", "matlab", "hdf5", "c3d", "bids-emg", "edf", "text"]
    for fmt in eio.FORMATS:  # every reader named in the table exists (imported here, not at registration)
        for function in (fmt.sniff, fmt.open, fmt.read):
            if hasattr(function, "resolve"):
                assert callable(function.resolve()), (fmt.name, function)
    with pytest.raises(InvalidInputError, match="extensions must be lower case"):
        eio.FileFormat("x", "x", sniff=lambda p, h: False, read=lambda p: None, extensions=("C3D",))


TEXT = "time,L_BIC\n" + "\n".join(f"{i / 1000:.3f},0.{i}" for i in range(10))


@pytest.mark.parametrize("name", ["x.c3d", "x.EDF", "x.nwb", "x.mat", "x.npy"])
def test_text_named_like_another_format_is_explained_not_parsed(tmp_path, name):
    path = tmp_path / name
    path.write_text(TEXT)
    with pytest.raises(FileFormatError, match=r"looks like text \(first line: 'time,L_BIC'\)"):
        emgkit.read(path)


@pytest.mark.parametrize("name", ["x.csv", "x.dat", "x.emt", "x"])
def test_text_with_any_other_name_is_text(tmp_path, name):
    path = tmp_path / name
    path.write_text(TEXT)
    assert eio.detect_format(path).name == "text"


def test_detecting_a_non_hdf5_file_does_not_load_h5py(tmp_path):
    path = tmp_path / "x.csv"
    path.write_text(TEXT)
    code = f"import sys, emgkit.io; emgkit.io.detect_format({str(path)!r}); print('h5py' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip() == "False"
