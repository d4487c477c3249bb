"""emgkit convert --to csv|bdf|nwb|bids: every output read back by emgkit's own reader of that format."""

import numpy as np
import pytest

import emgkit
from emgkit.cli import main
from emgkit.convert import convert
from emgkit.formats.events import make_event
from emgkit.io import detect_format


@pytest.fixture
def src(tmp_path, rng):
    """An emgkit HDF5 recording in mV with events, 2.5 s at 1 kHz."""
    events = [make_event(0.5, "Foot Strike", side="L", source="test"), make_event(1.5, "Foot Off", side="R", source="test")]
    rec = emgkit.Recording(rng.standard_normal((2, 2500)) * 0.2, 1000.0, ["L Rectus Femoris", "R Rectus Femoris"],
                           unit="mV", meta={"events": events})
    path = tmp_path / "walk.h5"
    emgkit.write(rec, path)
    return path, rec


def test_csv_round_trip(src, tmp_path):
    path, rec = src
    (result,) = convert([path], tmp_path / "out", to="csv")
    assert result.ok and result.output == tmp_path / "out" / "walk.csv" and detect_format(result.output).name == "text"
    back = emgkit.read(result.output)
    assert back.fs == 1000.0 and back.unit == "mV" and back.channel_names == rec.channel_names
    np.testing.assert_allclose(back.data, rec.data, rtol=1e-8, atol=1e-12)  # 9 significant digits


def test_bdf_round_trip(src, tmp_path):
    pytest.importorskip("pyedflib", reason="BDF needs pyedflib: pip install 'emgkit[edf]'")
    path, rec = src
    (result,) = convert([path], tmp_path / "out", to="bdf")
    assert result.ok and detect_format(result.output).name == "edf"
    back = emgkit.read(result.output)
    assert back.fs == 1000.0 and back.unit == "uV" and back.n_samples == rec.n_samples
    step = 2 * np.abs(rec.data).max() * 1e3 / (2**24 - 1) * 1.01  # 24-bit over ±bound (bound >= max |x|, +0.1 %)
    np.testing.assert_allclose(back.data, rec.data * 1e3, atol=2 * step)
    assert [(e["time_s"], e["name"]) for e in back.meta["events"]] == [(0.5, "Left Foot Strike"), (1.5, "Right Foot Off")]


def test_nwb_round_trip(src, tmp_path):
    pytest.importorskip("pynwb", reason="NWB export needs pynwb: pip install 'emgkit[nwb]'")
    path, rec = src
    (result,) = convert([path], tmp_path / "out", to="nwb")
    assert result.ok, result.error
    assert detect_format(result.output).name == "nwb"
    back = emgkit.read(result.output)
    assert back.fs == 1000.0 and back.unit == "V" and back.channel_names == rec.channel_names
    np.testing.assert_allclose(back.data, rec.data * 1e-3, rtol=1e-12)
    assert [e["time_s"] for e in back.meta["events"]] == [0.5, 1.5]


def test_unit_that_is_not_a_voltage_fails_that_input_only(tmp_path, rng):
    pytest.importorskip("pyedflib", reason="BDF needs pyedflib")
    bad = tmp_path / "counts.h5"
    emgkit.write(emgkit.Recording(rng.standard_normal((1, 100)), 100.0, ["EMG"], unit="a.u."), bad)
    (result,) = convert([bad], tmp_path / "out", to="bdf")
    assert not result.ok and "not a voltage" in result.error and not (tmp_path / "out" / "counts.bdf").exists()


def test_cli_to_option_and_progress_lines(src, tmp_path, capsys):
    path, _ = src
    other = tmp_path / "other.h5"
    other.write_bytes(path.read_bytes())
    assert main(["convert", str(path), str(other), "--out", str(tmp_path / "csv"), "--to", "csv"]) == 0
    captured = capsys.readouterr()
    assert (tmp_path / "csv" / "walk.csv").exists() and (tmp_path / "csv" / "other.csv").exists()
    lines = [x for x in captured.err.splitlines() if x.startswith("[")]
    assert lines[0].startswith("[1/2] ok ") and lines[1].startswith("[2/2] ok ")


def test_a_large_single_file_gets_reading_and_writing_lines(src, tmp_path, capsys, monkeypatch):
    import emgkit.convert as conv

    path, _ = src
    monkeypatch.setattr(conv, "STEP_LINES_ABOVE_BYTES", 0)  # every file counts as large here
    assert main(["convert", str(path), "--out", str(tmp_path / "o"), "--to", "csv"]) == 0
    err = capsys.readouterr().err.splitlines()
    assert err[0].startswith("  reading walk.h5 (emgkit-hdf5, ") and "writing csv" in err[1]
    assert err[2].startswith("[1/1] ok walk.h5")


def test_a_small_single_file_prints_no_progress(src, tmp_path, capsys):
    path, _ = src
    assert main(["convert", str(path), "--out", str(tmp_path / "o"), "--to", "csv"]) == 0
    assert capsys.readouterr().err == ""
