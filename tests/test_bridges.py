"""Bridges to MNE, xarray (pyomeca's conventions) and pandas: round trips and clear refusals."""

import numpy as np
import pandas as pd
import pytest

import emgkit
from emgkit import InvalidInputError
from emgkit.bridges import from_dataframe, from_mne, from_xarray
from emgkit.formats.events import make_event


@pytest.fixture
def rec(rng):
    """Two EMG channels in mV, one declared trigger, two events, a start time."""
    data = rng.standard_normal((3, 1500))
    channels = [emgkit.Channel("L Biceps"), emgkit.Channel("R Biceps"), emgkit.Channel("Sync", kind="trigger")]
    events = [make_event(10.2, "Foot Strike", side="L", source="test", duration_s=0.25),
              make_event(10.9, "Foot Off", side="R", source="test")]
    return emgkit.Recording(data, 500.0, channels, unit="mV", meta={"start_s": 10.0, "events": events})


# -- pandas -------------------------------------------------------------------------------------------
def test_dataframe_round_trip(rec):
    df = rec.to_dataframe()
    assert list(df.columns) == rec.channel_names and df.index.name == "time_s"
    np.testing.assert_allclose(df.index.to_numpy(), 10.0 + np.arange(1500) / 500.0)
    np.testing.assert_array_equal(df.to_numpy().T, rec.data)
    back = from_dataframe(df)
    np.testing.assert_array_equal(back.data, rec.data)
    assert back.fs == 500.0 and back.unit == "mV" and back.channels == rec.channels
    assert back.meta["start_s"] == 10.0 and back.meta["events"] == rec.meta["events"]


def test_dataframe_rate_from_the_index_and_clear_errors(rng):
    t = np.arange(200) / 250.0
    df = pd.DataFrame({"LTA": rng.standard_normal(200), "RTA": rng.standard_normal(200)}, index=t)
    back = from_dataframe(df)
    assert back.fs == pytest.approx(250.0) and back.channels[1].muscle == "tibialis_anterior"
    with pytest.raises(InvalidInputError, match="no rate: pass fs"):
        from_dataframe(df.reset_index(drop=True))
    with pytest.raises(InvalidInputError, match=r"column\(s\) \['note'\] are not numeric"):
        from_dataframe(df.assign(note="x"), fs=250)
    jittered = df.set_axis(t + np.r_[0, 0.003, np.zeros(198)], axis=0)
    with pytest.raises(InvalidInputError, match="not uniformly sampled"):
        from_dataframe(jittered)


# -- xarray -------------------------------------------------------------------------------------------
def test_xarray_round_trip_with_pyomeca_conventions(rec):
    xr = pytest.importorskip("xarray", reason="xarray is not installed (pip install 'emgkit[interop]')")
    da = rec.to_xarray()
    assert isinstance(da, xr.DataArray) and da.dims == ("channel", "time")
    assert da.attrs["rate"] == 500.0 and da.attrs["units"] == "mV"
    assert list(da["channel"].values) == rec.channel_names
    np.testing.assert_allclose(da["time"].values[:2], [10.0, 10.002])
    back = from_xarray(da.transpose("time", "channel"))  # either dimension order
    np.testing.assert_array_equal(back.data, rec.data)
    assert back.fs == 500.0 and back.unit == "mV" and back.channel_names == rec.channel_names
    assert [(c.muscle, c.side) for c in back.channels] == [(c.muscle, c.side) for c in rec.channels]


def test_xarray_as_pyomeca_builds_it(rng):
    xr = pytest.importorskip("xarray", reason="xarray is not installed (pip install 'emgkit[interop]')")
    data = rng.standard_normal((2, 300))
    # what pyomeca.Analogs(...) returns: dims channel/time, time from 0 with endpoint=False, attrs rate and units
    da = xr.DataArray(data, dims=("channel", "time"),
                      coords={"channel": ["Delt_ant", "Delt_post"], "time": np.linspace(0, 300 / 1000, 300, endpoint=False)},
                      attrs={"rate": 1000.0, "units": "V", "first_frame": 0, "last_frame": 299})
    back = from_xarray(da)
    assert back.fs == 1000.0 and back.unit == "V" and "start_s" not in back.meta
    with pytest.raises(InvalidInputError, match=r"dims \('channel', 'time'\)"):
        from_xarray(da.rename({"channel": "axis"}))
    no_rate = da.copy()
    no_rate.attrs = {}
    assert from_xarray(no_rate).fs == pytest.approx(1000.0)


# -- MNE ----------------------------------------------------------------------------------------------
def test_mne_round_trip_volts_types_and_annotations(rec):
    mne = pytest.importorskip("mne", reason="MNE is not installed (pip install 'emgkit[interop]')")
    raw = rec.to_mne()
    assert isinstance(raw, mne.io.BaseRaw)
    assert raw.get_channel_types() == ["emg", "emg", "stim"]
    np.testing.assert_allclose(raw.get_data(), rec.data * 1e-3)  # mV -> V
    assert list(raw.annotations.description) == ["Left Foot Strike", "Right Foot Off"]
    np.testing.assert_allclose(raw.annotations.onset, [0.2, 0.9])
    np.testing.assert_allclose(raw.annotations.duration, [0.25, 0.0])
    back = from_mne(raw)
    assert back.channel_names == ["L Biceps", "R Biceps"] and back.unit == "V" and back.fs == 500.0
    np.testing.assert_allclose(back.data, rec.data[:2] * 1e-3)
    assert [(e["time_s"], e["name"]) for e in back.meta["events"]] == [(0.2, "Left Foot Strike"), (0.9, "Right Foot Off")]
    assert from_mne(raw, picks=["Sync"]).n_channels == 1


def test_mne_raw_without_emg_is_one_clear_error(rng):
    mne = pytest.importorskip("mne", reason="MNE is not installed (pip install 'emgkit[interop]')")
    info = mne.create_info(["Fz", "Cz", "ECG"], 250.0, ch_types=["eeg", "eeg", "ecg"])
    raw = mne.io.RawArray(rng.standard_normal((3, 500)) * 1e-5, info, verbose="error")
    with pytest.raises(InvalidInputError, match=r"no EMG channels \(channel types: ecg x1, eeg x2\).*set_channel_types"):
        from_mne(raw)


def test_to_mne_refuses_a_unit_that_is_not_a_voltage(rec):
    pytest.importorskip("mne", reason="MNE is not installed (pip install 'emgkit[interop]')")
    with pytest.raises(InvalidInputError, match="'a.u.', not a voltage"):
        rec.replace(unit="a.u.").to_mne()


def test_missing_optional_library_is_named(monkeypatch, rec):
    import builtins

    real = builtins.__import__

    def fake(name, *args, **kwargs):
        if name == "xarray":
            raise ImportError(name)
        return real(name, *args, **kwargs)

    monkeypatch.delitem(__import__("sys").modules, "xarray", raising=False)
    monkeypatch.setattr(builtins, "__import__", fake)
    with pytest.raises(emgkit.MissingDependencyError, match=r'pip install "emgkit\[interop\]"'):
        rec.to_xarray()
