"""NWB reader on minimal NWB 2.x files written here with h5py (the layout pynwb writes)."""

import h5py
import numpy as np
import pytest

import emgkit
from emgkit.errors import FileFormatError, InvalidInputError
from emgkit.io import detect_format

STR = h5py.string_dtype()


def _nwb(path, *, data, conversion=1e-6, offset=0.0, channel_conversion=None, rate=2000.0, starting_time=0.0,
         timestamps=None, labels=("L Biceps", "R Biceps", "L Triceps", "R Triceps"), locations=None,
         series="EMG", extra_series=(), annotations=None, trials=None, label_column="label", description="surface EMG"):
    """A minimal NWB file: root attributes, electrodes table, one ElectricalSeries in /acquisition."""
    with h5py.File(path, "w") as f:
        f.attrs["neurodata_type"] = "NWBFile"
        f.attrs["namespace"] = "core"
        f.attrs["nwb_version"] = "2.7.0"
        f.create_dataset("session_start_time", data="2026-11-26T10:00:00+01:00", dtype=STR)
        table = f.create_group("general/extracellular_ephys/electrodes")
        table.attrs["neurodata_type"] = "DynamicTable"
        n = len(labels)
        table.create_dataset("id", data=np.arange(n))
        if label_column:
            table.create_dataset(label_column, data=list(labels), dtype=STR)
        table.create_dataset("location", data=list(locations or ["upper arm"] * n), dtype=STR)
        for name in [series, *extra_series]:
            g = f.create_group(f"acquisition/{name}")
            g.attrs["neurodata_type"] = "ElectricalSeries"
            g.attrs["description"] = description if name == series else "other"
            ds = g.create_dataset("data", data=data)
            ds.attrs["conversion"] = conversion
            ds.attrs["offset"] = offset
            ds.attrs["unit"] = "volts"
            region = g.create_dataset("electrodes", data=np.arange(data.shape[1] if data.ndim == 2 else 1))
            region.attrs["table"] = table.ref
            if channel_conversion is not None:
                g.create_dataset("channel_conversion", data=channel_conversion)
            if timestamps is None:
                st = g.create_dataset("starting_time", data=starting_time)
                st.attrs["rate"] = rate
                st.attrs["unit"] = "seconds"
            else:
                g.create_dataset("timestamps", data=timestamps)
        if annotations:
            a = f.create_group("acquisition/reps")
            a.attrs["neurodata_type"] = "AnnotationSeries"
            a.create_dataset("data", data=[text for _, text in annotations], dtype=STR)
            a.create_dataset("timestamps", data=[t for t, _ in annotations])
        if trials:
            t = f.create_group("intervals/trials")
            t.attrs["neurodata_type"] = "TimeIntervals"
            t.create_dataset("start_time", data=[a for a, _ in trials])
            t.create_dataset("stop_time", data=[b for _, b in trials])
    return path


def test_electrical_series_conversion_names_and_time(tmp_path, rng):
    counts = rng.integers(-3000, 3000, size=(3000, 4), dtype=np.int16)
    gains = np.array([1.0, 1.0, 2.0, 0.5])
    path = _nwb(tmp_path / "s.nwb", data=counts, conversion=1e-6, offset=1e-5, channel_conversion=gains,
                starting_time=12.5, annotations=[(13.0, "Left rep"), (14.2, "rep")], trials=[(12.5, 13.9), (14.0, 15.5)])
    assert detect_format(path).name == "nwb"
    rec = emgkit.read(path)
    expected = counts.T.astype(np.float64) * 1e-6 * gains[:, np.newaxis] + 1e-5
    np.testing.assert_allclose(rec.data, expected, rtol=1e-12, atol=1e-18)
    assert (rec.fs, rec.unit, rec.n_channels) == (2000.0, "V", 4)
    assert rec.channel_names == ["L Biceps", "R Biceps", "L Triceps", "R Triceps"]
    assert [(c.muscle, c.side) for c in rec.channels][2] == ("triceps_brachii", "L")
    assert rec.meta["start_s"] == 12.5 and rec.meta["source"]["series"] == "/acquisition/EMG"
    assert [(e["time_s"], e["name"], e.get("duration_s")) for e in rec.meta["events"]] == [
        (12.5, "trial", pytest.approx(1.4)), (13.0, "Left rep", None), (14.0, "trial", pytest.approx(1.5)),
        (14.2, "rep", None)]
    with emgkit.open(path) as f:
        part = f.read(channels=["R Triceps", "L Biceps"], start=0.25, stop=0.5)
    np.testing.assert_allclose(part.data, expected[[3, 0], 500:1000], rtol=1e-12, atol=1e-18)
    assert part.meta["start_s"] == pytest.approx(12.75)


def test_uniform_timestamps_and_locations_as_names(tmp_path, rng):
    data = rng.normal(0, 1, (1000, 2))
    t = 3.0 + np.arange(1000) / 1000.0
    path = _nwb(tmp_path / "t.nwb", data=data, conversion=1.0, timestamps=t, labels=("a", "b"),
                locations=["right rectus femoris", "left rectus femoris"], label_column=None)
    rec = emgkit.read(path)
    assert rec.fs == pytest.approx(1000.0) and rec.meta["start_s"] == 3.0
    assert rec.channel_names == ["right rectus femoris", "left rectus femoris"]
    assert [(c.muscle, c.side) for c in rec.channels] == [("rectus_femoris", "R"), ("rectus_femoris", "L")]
    jitter = t.copy()
    jitter[500:] += 0.0007
    bad = _nwb(tmp_path / "j.nwb", data=data, timestamps=jitter, labels=("a", "b"))
    with pytest.raises(FileFormatError, match="timestamps are not uniform: the step to sample 500 is 0.0017 s"):
        emgkit.read(bad)


def test_several_series_and_missing_series(tmp_path, rng):
    data = rng.normal(0, 1, (100, 2))
    path = _nwb(tmp_path / "two.nwb", data=data, series="raw", extra_series=("filtered",), labels=("a", "b"),
                description="recording")
    with pytest.raises(FileFormatError, match="several series.*/acquisition/filtered.*series="):
        emgkit.read(path)
    assert emgkit.read(path, series="filtered").meta["source"]["series"] == "/acquisition/filtered"
    with pytest.raises(InvalidInputError, match="no ElectricalSeries or volts TimeSeries 'emg'"):
        emgkit.read(path, series="emg")
    emg = _nwb(tmp_path / "emg.nwb", data=data, series="EMG_raw", extra_series=("LFP",), labels=("a", "b"))
    assert emgkit.read(emg).meta["source"]["series"] == "/acquisition/EMG_raw"
    empty = tmp_path / "empty.nwb"
    with h5py.File(empty, "w") as f:
        f.attrs["neurodata_type"] = "NWBFile"
        f.attrs["nwb_version"] = "2.7.0"
    with pytest.raises(FileFormatError, match="without an ElectricalSeries"):
        emgkit.read(empty)


def test_volts_timeseries_single_channel(tmp_path, rng):
    x = rng.normal(0, 1e-4, 500)
    path = tmp_path / "ts.nwb"
    with h5py.File(path, "w") as f:
        f.attrs["neurodata_type"] = "NWBFile"
        f.attrs["nwb_version"] = "2.7.0"
        g = f.create_group("acquisition/RVL")
        g.attrs["neurodata_type"] = "TimeSeries"
        ds = g.create_dataset("data", data=x)
        ds.attrs["unit"] = "volts"
        ds.attrs["conversion"] = 1.0
        st = g.create_dataset("starting_time", data=0.0)
        st.attrs["rate"] = 1000.0
    rec = emgkit.read(path)
    assert rec.channel_names == ["RVL"] and rec.channels[0].muscle == "vastus_lateralis"
    np.testing.assert_array_equal(rec.data[0], x)


def test_malformed_series(tmp_path, rng):
    data = rng.normal(0, 1, (100, 2))
    path = _nwb(tmp_path / "m.nwb", data=data, labels=("a", "b"))
    with h5py.File(path, "a") as f:
        del f["acquisition/EMG/starting_time"]
    with pytest.raises(FileFormatError, match="neither starting_time.*nor timestamps"):
        emgkit.read(path)
    wrong = _nwb(tmp_path / "w.nwb", data=data, labels=("a", "b"), channel_conversion=np.ones(3))
    with pytest.raises(FileFormatError, match="channel_conversion has 3 values for 2 channels"):
        emgkit.read(wrong)
    with pytest.raises(InvalidInputError, match="unknown option.*'fs'"):
        emgkit.read(wrong, fs=100)
