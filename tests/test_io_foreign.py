"""Foreign HDF5 files: layout, rate, label and unit detection, explicit overrides, clear errors."""

import h5py
import numpy as np
import pytest

import emgkit
from emgkit import FileFormatError, InvalidInputError

LABELS = ["L Biceps", "R Biceps", "L Triceps", "R Triceps"]


def _make(path, data, *, name="emg", group=None, data_attrs=None, group_attrs=None, root_attrs=None, extra=None, userblock=0):
    """Write an HDF5 file with one samples dataset and optional attributes/extra datasets."""
    kwargs = {"userblock_size": userblock} if userblock else {}
    with h5py.File(path, "w", **kwargs) as f:
        where = f.require_group(group) if group else f
        ds = where.create_dataset(name, data=data)
        ds.attrs.update(data_attrs or {})
        where.attrs.update(group_attrs or {})
        f.attrs.update(root_attrs or {})
        for key, value in (extra or {}).items():
            f.create_dataset(key, data=value)
    return path


@pytest.fixture
def emg(rng):
    """(channels, samples) float64 test signal."""
    return rng.standard_normal((4, 3000))


# -- layout --------------------------------------------------------------------------------------
@pytest.mark.parametrize("samples_first", [False, True])
def test_both_orientations_by_shorter_axis(tmp_path, emg, samples_first):
    stored = emg.T if samples_first else emg
    path = _make(tmp_path / "o.h5", stored, data_attrs={"fs": 1000.0})
    rec = emgkit.read(path)
    np.testing.assert_array_equal(rec.data, emg)
    assert rec.channel_names == ["ch1", "ch2", "ch3", "ch4"] and rec.fs == 1000.0
    src = rec.meta["source"]
    assert src["layout"] == ("samples_first" if samples_first else "channels_first")
    assert src["dataset"] == "/emg" and src["fs_from"] == "attribute 'fs' of /emg" and src["labels_from"] == "generated"


def test_label_count_decides_orientation_over_axis_length(tmp_path, rng):
    data = rng.standard_normal((3, 5))  # 5 channels x 3 samples stored samples-first
    path = _make(tmp_path / "l.h5", data, data_attrs={"fs": 10, "labels": ["a", "b", "c", "d", "e"]})
    rec = emgkit.read(path)
    assert rec.n_channels == 5 and rec.n_samples == 3
    np.testing.assert_array_equal(rec.data, data.T)


def test_dimension_labels_decide_orientation(tmp_path, rng):
    data = rng.standard_normal((50, 20))  # more channels than samples, but labelled
    path = tmp_path / "d.h5"
    with h5py.File(path, "w") as f:
        ds = f.create_dataset("x", data=data)
        ds.dims[0].label, ds.dims[1].label = "channel", "time"
        ds.attrs["fs"] = 100
    rec = emgkit.read(path)
    assert rec.data.shape == (50, 20)


@pytest.mark.parametrize("layout", ["channels_first", "samples_first"])
def test_explicit_layout_for_square_data(tmp_path, rng, layout):
    data = rng.standard_normal((6, 6))
    path = _make(tmp_path / "s.h5", data, data_attrs={"fs": 10})
    with pytest.raises(FileFormatError, match="cannot tell which axis of /emg \\(6, 6\\) holds the channels; pass layout="):
        emgkit.read(path)
    rec = emgkit.read(path, layout=layout)
    np.testing.assert_array_equal(rec.data, data if layout == "channels_first" else data.T)


def test_one_dimensional_dataset_is_one_channel(tmp_path, rng):
    x = rng.standard_normal(500)
    path = _make(tmp_path / "one.h5", x, name="EMG", data_attrs={"srate": 500}, extra={"time": np.arange(2000) / 500})
    rec = emgkit.read(path, labels=["R TA"])
    np.testing.assert_array_equal(rec.data, x[np.newaxis])
    assert rec.channels[0].muscle == "tibialis_anterior" and rec.meta["source"]["layout"] == "single_channel"


# -- sampling rate ------------------------------------------------------------------------------
@pytest.mark.parametrize("where", ["dataset", "group", "root"])
@pytest.mark.parametrize("attr", ["fs", "sampling_rate", "sample_rate", "sfreq", "srate", "rate", "SamplingFrequency", "SAMPLING RATE", "Fs"])
def test_rate_found_on_dataset_group_or_root(tmp_path, emg, where, attr):
    attrs = {attr: 1500.0}
    path = _make(
        tmp_path / "r.h5", emg.T, group="session/trial", name="data",
        data_attrs=attrs if where == "dataset" else None,
        group_attrs=attrs if where == "group" else None,
        root_attrs=attrs if where == "root" else None,
    )
    rec = emgkit.read(path)
    assert rec.fs == 1500.0
    owner = {"dataset": "/session/trial/data", "group": "/session/trial", "root": "/"}[where]
    assert rec.meta["source"]["fs_from"] == f"attribute {attr!r} of {owner}"


def test_nearest_rate_wins_and_explicit_fs_overrides(tmp_path, emg):
    path = _make(tmp_path / "n.h5", emg, group="g", data_attrs={"fs": 2000}, root_attrs={"fs": 1000})
    assert emgkit.read(path).fs == 2000
    rec = emgkit.read(path, fs=4000)
    assert rec.fs == 4000 and rec.meta["source"]["fs_from"] == "option fs"


def test_matlab_v73_style_file_with_user_block_and_fs_dataset(tmp_path, rng):
    data = rng.standard_normal((2, 800))  # MATLAB writes a (samples x channels) variable transposed
    path = _make(tmp_path / "m.mat", data, name="emg", extra={"fs": np.array([[2000.0]])}, userblock=512)
    rec = emgkit.read(path)
    assert rec.fs == 2000.0 and rec.meta["source"]["fs_from"] == "dataset /fs"
    np.testing.assert_array_equal(rec.data, data)


# -- labels ---------------------------------------------------------------------------------------
def test_labels_from_dataset_attribute(tmp_path, emg):
    path = _make(tmp_path / "a.h5", emg, data_attrs={"fs": 1000, "ch_names": LABELS})
    rec = emgkit.read(path)
    assert rec.channel_names == LABELS and rec.channels[3].muscle == "triceps_brachii"
    assert rec.meta["source"]["labels_from"] == "attribute 'ch_names' of /emg"


def test_labels_from_sibling_string_dataset_bytes(tmp_path, emg):
    path = _make(
        tmp_path / "s.h5", emg.T, group="rec", group_attrs={"SampleRate": 1000},
        extra={"rec/channel_names": np.array([x.encode() for x in LABELS], dtype="S12")},
    )
    rec = emgkit.read(path)
    assert rec.channel_names == LABELS and rec.meta["source"]["labels_from"] == "dataset /rec/channel_names"
    np.testing.assert_array_equal(rec.data, emg)


def test_labels_in_one_delimited_string_on_the_root(tmp_path, emg):
    path = _make(tmp_path / "d.h5", emg.T, root_attrs={"fs": 1000, "Channels": "L Biceps; R Biceps; L Triceps; R Triceps"})
    assert emgkit.read(path).channel_names == LABELS


def test_explicit_dataset_labels_and_channel_subset(tmp_path, rng, emg):
    other = rng.standard_normal((3, 10000))  # larger: would be picked automatically
    path = _make(tmp_path / "x.h5", emg.T, name="emg", root_attrs={"fs": 1000}, extra={"acc": other})
    assert emgkit.read(path).meta["source"]["dataset"] == "/acc"
    rec = emgkit.read(path, dataset="emg", labels=LABELS, channels=["R Triceps", "L Biceps"], start=0.5, stop=1.0)
    np.testing.assert_array_equal(rec.data, emg[[3, 0], 500:1000])
    assert rec.meta["source"]["labels_from"] == "option labels" and rec.meta["start_s"] == 0.5


def test_lazy_reads_of_samples_first_data_equal_memory(tmp_path, rng):
    data = rng.standard_normal((20000, 5)).astype(np.float32)
    path = tmp_path / "c.h5"
    with h5py.File(path, "w") as f:
        f.create_dataset("emg", data=data, chunks=(4096, 1), compression="gzip").attrs["fs"] = 2000
    with emgkit.open(path) as h:
        assert (h.n_channels, h.n_samples, h.dtype) == (5, 20000, np.float32)
        part = h.read([4, 1, 2], 2.0, 3.5)
        np.testing.assert_array_equal(part.data, data[4000:7000, [4, 1, 2]].T)
        blocks = [b.data for _, b in h.iter_chunks(4.0)]
        np.testing.assert_array_equal(np.concatenate(blocks, axis=1), data.T)


# -- units and integer data ----------------------------------------------------------------------
def test_integer_counts_with_scale_and_offset_attributes(tmp_path, rng):
    counts = rng.integers(-2000, 2000, size=(2, 1000), dtype=np.int16)
    path = _make(tmp_path / "i.h5", counts, data_attrs={"fs": 1000, "scale_factor": 0.5, "Offset": -1.0, "units": "microvolts"})
    rec = emgkit.read(path)
    np.testing.assert_array_equal(rec.data, counts * 0.5 - 1.0)
    assert rec.unit == "uV" and rec.meta["adc"] == {"dtype": "int16", "scale": 0.5, "offset": -1.0}
    assert rec.meta["source"]["scale_from"] == "attribute 'scale_factor' of /emg"


def test_integer_counts_without_scale_stay_counts_and_gain_is_ignored(tmp_path, rng):
    counts = rng.integers(0, 4096, size=(2, 1000), dtype=np.uint16)
    path = _make(tmp_path / "c.h5", counts, data_attrs={"fs": 1000, "gain": 1000.0, "unit": "V"})
    rec = emgkit.read(path)
    np.testing.assert_array_equal(rec.data, counts.astype(np.float64))
    assert rec.unit == "counts"
    rec = emgkit.read(path, scale=2e-3, offset=1.0, unit="mV")
    np.testing.assert_array_equal(rec.data, counts * 2e-3 + 1.0)
    assert rec.unit == "mV"


def test_float_data_units_and_explicit_scale(tmp_path, emg):
    path = _make(tmp_path / "f.h5", emg.astype(np.float32), data_attrs={"fs": 1000, "unit": "volts", "scale": 10.0})
    rec = emgkit.read(path)
    assert rec.unit == "V" and rec.data.dtype == np.float32
    np.testing.assert_array_equal(rec.data, emg.astype(np.float32))  # scale attribute not applied to floats
    rec = emgkit.read(path, scale=1000.0, unit="mV")
    np.testing.assert_array_equal(rec.data, emg.astype(np.float32) * np.float32(1000.0))
    assert emgkit.read(_make(tmp_path / "u.h5", emg, data_attrs={"fs": 1})).unit == "a.u."


def test_nonfinite_samples_need_a_policy(tmp_path, emg):
    emg = emg.copy()
    emg[2, 100] = np.nan
    path = _make(tmp_path / "nan.h5", emg, data_attrs={"fs": 1000})
    with pytest.raises(InvalidInputError, match="non-finite samples .*'ch3'.*nonfinite='interpolate'"):
        emgkit.read(path)
    rec = emgkit.read(path, nonfinite="interpolate")
    assert rec.data[2, 100] == pytest.approx((emg[2, 99] + emg[2, 101]) / 2)
    assert rec.meta["nonfinite"]["channels"] == {"ch3": {"samples": 1, "longest_gap_s": 0.001}}


def test_nwb_like_file_does_not_break(tmp_path, rng):
    data = rng.standard_normal((2000, 3))
    path = tmp_path / "s.nwb"
    with h5py.File(path, "w") as f:
        f.attrs["nwb_version"] = "2.6.0"
        es = f.create_group("acquisition/ElectricalSeries")
        es.create_dataset("data", data=data).attrs.update({"conversion": 1.0, "unit": "volts"})
        es.create_dataset("starting_time", data=0.0).attrs["rate"] = 1000.0
        f.create_dataset("general/extracellular_ephys/electrodes/location", data=["biceps", "triceps", "deltoid"])
    with pytest.raises(FileFormatError, match="no sampling rate found for /acquisition/ElectricalSeries/data.*Pass fs="):
        emgkit.read(path)
    rec = emgkit.read(path, fs=1000)
    np.testing.assert_array_equal(rec.data, data.T)
    assert rec.unit == "V"


def test_foreign_files_are_opened_read_only(tmp_path, emg, monkeypatch):
    path = _make(tmp_path / "ro.h5", emg, data_attrs={"fs": 1000})
    modes = []
    real = h5py.File
    monkeypatch.setattr(h5py, "File", lambda name, mode="r", *a, **k: modes.append(mode) or real(name, mode, *a, **k))
    with emgkit.open(path) as f:
        assert f._source.file.mode == "r"
    emgkit.read(path)
    assert set(modes) == {"r"}


# -- errors ------------------------------------------------------------------------------------------
def test_missing_rate_lists_datasets_attributes_and_option(tmp_path, emg):
    path = _make(tmp_path / "nofs.h5", emg, group="trial", data_attrs={"units": "mV"}, root_attrs={"subject": "S1"}, extra={"notes": "hello"})
    with pytest.raises(FileFormatError) as err:
        emgkit.read(path)
    text = str(err.value)
    assert "no sampling rate found for /trial/emg" in text and "Pass fs=<Hz>" in text
    assert "/trial/emg  shape (4, 3000)  dtype float64" in text and "/notes  shape ()  dtype object" in text
    assert "/: subject" in text and "/trial/emg: units" in text


@pytest.mark.parametrize(
    "data, kwargs, match",
    [
        (np.array(["a", "b", "c"], dtype="S1"), {}, "found no 2-D or 1-D numeric dataset.*Pass dataset="),
        (np.array([["a", "b"], ["c", "d"]], dtype="S1"), {"dataset": "/emg"}, r"/emg holds text \(dtype \|S1\), not numeric samples"),
        (np.zeros((2, 3), dtype=np.complex128), {"dataset": "emg"}, "holds complex numbers"),
        (np.zeros((2, 3), dtype=bool), {"dataset": "emg"}, "holds booleans"),
        (np.zeros((4, 0)), {}, r"dataset /emg is empty \(shape \(4, 0\)\)"),
        (np.zeros((2, 3, 4)), {"dataset": "emg"}, r"has shape \(2, 3, 4\); samples must be 1-D or 2-D"),
        (np.zeros((2, 30)), {"dataset": "/nothing"}, "no dataset '/nothing' in the file"),
        (np.zeros((2, 30)), {"labels": ["a", "b", "c"]}, r"3 channel labels \(from option labels\) do not match either axis of /emg \(2, 30\)"),
        (np.zeros((2, 30)), {"labels": ["a", "b", "c"], "layout": "channels_first"}, "3 channel labels .* has 2 channels with layout='channels_first'"),
        (np.zeros(30), {"labels": ["a", "b"]}, "2 channel labels .* 1-D dataset /emg, which holds one channel"),
    ],
)
def test_bad_foreign_files(tmp_path, data, kwargs, match):
    path = _make(tmp_path / "bad.h5", data, data_attrs={"fs": 100})
    with pytest.raises(FileFormatError, match=match):
        emgkit.read(path, **kwargs)


@pytest.mark.parametrize(
    "data_attrs, root_attrs, match",
    [
        ({"fs": 100, "labels": ["a", "b", "c"]}, {}, r"3 channel labels \(from attribute 'labels' of /emg\) do not match either axis"),
        ({"fs": 100, "labels": ["a", "a"]}, {}, r"duplicate channel labels \['a'\] .*pass labels="),
        ({"fs": -100}, {}, "attribute 'fs' of /emg = -100 is not a positive sampling rate in Hz; pass fs="),
        ({"fs": "fast"}, {}, "attribute 'fs' of /emg = 'fast' is not a positive sampling rate"),
        ({"fs": 100, "rate": 200}, {}, "conflicting sampling rates: .*pass fs="),
        ({"fs": 100, "scale": [1.0, 2.0]}, {}, r"attribute 'scale' of /emg = \[1.0, 2.0\] is not a usable scalar scale .*pass scale="),
    ],
)
def test_bad_foreign_attributes(tmp_path, data_attrs, root_attrs, match):
    path = _make(tmp_path / "bad.h5", np.zeros((2, 50), dtype=np.int16), data_attrs=data_attrs, root_attrs=root_attrs)
    with pytest.raises(FileFormatError, match=match):
        emgkit.read(path)


def test_ambiguous_and_group_datasets(tmp_path, rng):
    path = tmp_path / "amb.h5"
    with h5py.File(path, "w") as f:
        f["a/emg"] = rng.standard_normal((2, 100))
        f["b/emg"] = rng.standard_normal((100, 2))
        f.attrs["fs"] = 100
    with pytest.raises(FileFormatError, match=r"several datasets could hold the samples \(/a/emg \(2, 100\), /b/emg \(100, 2\)\); pass dataset="):
        emgkit.read(path)
    with pytest.raises(FileFormatError, match="'a' is a group, not a dataset"):
        emgkit.read(path, dataset="a")
    np.testing.assert_array_equal(emgkit.read(path, dataset="/b/emg").data.shape, (2, 100))


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"sampling_rate": 100}, r"unknown option\(s\) 'sampling_rate' for HDF5 files; accepted: dataset, fs"),
        ({"label": ["a"]}, r"'label' \(did you mean 'labels'\?\)"),
        ({"fs": 0}, "fs must be a positive, finite sampling rate"),
        ({"layout": "rows"}, "layout must be one of 'channels_first', 'samples_first'"),
        ({"labels": "a,b"}, "labels must be a sequence of names"),
        ({"labels": ["a", ""]}, "labels must be non-empty strings"),
        ({"scale": 0}, "scale must be finite and non-zero"),
        ({"offset": "x"}, "offset must be a number"),
        ({"unit": ""}, "unit must be a non-empty string"),
    ],
)
def test_bad_foreign_options(tmp_path, emg, kwargs, match):
    path = _make(tmp_path / "o.h5", emg, data_attrs={"fs": 100})
    with pytest.raises(InvalidInputError, match=match):
        emgkit.read(path, **kwargs)


def test_big_endian_samples_are_converted_to_native_floats(tmp_path, emg):
    path = _make(tmp_path / "be.h5", emg.astype(">f8"), data_attrs={"fs": 100})
    rec = emgkit.read(path)
    assert rec.data.dtype == np.float64 and rec.data.dtype.isnative
    np.testing.assert_array_equal(rec.data, emg)
