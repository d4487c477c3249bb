"""Delimited text reader: the shared text files (Vicon CSV, data-set presets) and column files written here."""

from pathlib import Path

import numpy as np
import pytest

import emgkit
from emgkit.datasets import read_opensignals, read_uci_lower_limb, read_uci_physical_action
from emgkit.errors import FileFormatError, InvalidInputError
from emgkit.io import detect_format

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
needs_data = pytest.mark.skipif(not DATA.is_dir(), reason=f"real recordings not available: {DATA} is missing")


# -- real files ---------------------------------------------------------------------------------------


@needs_data
@pytest.mark.shared_data
def test_vicon_devices_csv_matches_its_text_and_the_c3d():
    path = DATA / "pyomeca_shoulder" / "analogs.csv"
    assert detect_format(path).name == "text"
    rec = emgkit.read(path)
    assert (rec.fs, rec.n_samples, rec.n_channels, rec.unit) == (2000.0, 11600, 32, "V")
    assert rec.meta["source"]["preset"] == "vicon_devices" and "start_s" not in rec.meta
    assert sorted(rec.meta["vicon"]["excluded"]) == [f"Voltage.{k}" for k in range(1, 7)]
    lines = path.read_text().splitlines()
    names = lines[3].split(",")
    for line_no in (5, 6, 11604):  # first, second and last data rows
        fields = lines[line_no].split(",")
        for col in ("EMG1", "EMG9", "IM EMG13"):
            expected = float(fields[names.index(col)])
            row = [n.split(".", 1)[1] for n in rec.channel_names].index(col)
            assert rec.data[row, line_no - 5] == expected
    pytest.importorskip("ezc3d")
    c3d = emgkit.read(DATA / "pyomeca_shoulder" / "markers_analogs.c3d")
    by_sensor = {name.split(".", 1)[1]: row for name, row in zip(c3d.channel_names, c3d.data)}
    for name, row in zip(rec.channel_names, rec.data):
        np.testing.assert_allclose(row, by_sensor[name.split(".", 1)[1]], atol=1e-6)


@needs_data
@pytest.mark.shared_data
def test_dataset_files_dispatch_to_their_readers():
    cases = [
        (DATA / "uci_physical_action/sub01/Normal/txt/Walking.txt", read_uci_physical_action),
        (DATA / "uci_lower_limb/1Nmar.txt", read_uci_lower_limb),
        (DATA / "uci_lower_limb/2Asen.txt", read_uci_lower_limb),
        (DATA / "biosppy_single/emg_1.txt", read_opensignals),
    ]
    for path, reader in cases:
        ours, theirs = emgkit.read(path), reader(path)
        assert ours.channel_names == theirs.channel_names and ours.fs == theirs.fs and ours.unit == theirs.unit
        np.testing.assert_array_equal(ours.data, theirs.data)
        assert ours.meta["source"] == theirs.meta["source"]
    part = emgkit.read(cases[0][0], channels=["L-Bic", "R-Bic"], start=1.0, stop=2.0)
    np.testing.assert_array_equal(part.data, cases[0][1](cases[0][0]).data[[2, 0], 1000:2000])
    assert emgkit.read(cases[1][0], fs=1000).fs == 1000.0  # a matching declaration is fine
    with pytest.raises(InvalidInputError, match="fs=2000 Hz contradicts the 1000 Hz"):
        emgkit.read(cases[1][0], fs=2000)
    with pytest.raises(InvalidInputError, match=r"read_uci_lower_limb.*\['decimal'\] apply to plain column files"):
        emgkit.read(cases[1][0], decimal=",")
    with pytest.raises(InvalidInputError, match="not EMG.*meta\\['aux'\\]"):
        emgkit.read(cases[1][0], channels=["FX"])


@needs_data
@pytest.mark.shared_data
def test_renamed_physical_action_file_needs_fs_as_plain_columns(tmp_path):
    copy = tmp_path / "trial.txt"
    copy.write_bytes((DATA / "uci_physical_action/sub01/Normal/txt/Walking.txt").read_bytes())
    with pytest.raises(FileFormatError, match="no sampling rate.*fs=<Hz>"):
        emgkit.read(copy)
    rec = emgkit.read(copy, fs=1000)
    assert rec.channel_names == [f"ch{k}" for k in range(1, 9)] and rec.meta["source"]["delimiter"] == "tab"


# -- written files ------------------------------------------------------------------------------------


def _write(path, text):
    path.write_text(text, encoding="utf-8")
    return path


def test_header_units_time_column_and_aux(tmp_path, rng):
    x = rng.normal(0, 0.3, (3, 800))
    t = 1.5 + np.arange(800) / 2000
    rows = "\n".join(f"{t[i]:.4f},{x[0, i]:.6f},{x[1, i]:.6f},{x[2, i]:.2f}" for i in range(800))
    path = _write(tmp_path / "trial.csv", "Subject: S01\ntime (s),L Biceps (mV),R Biceps [uV],Gonio (deg)\n" + rows + "\n")
    rec = emgkit.read(path)
    assert rec.channel_names == ["L Biceps", "R Biceps"] and rec.unit == "uV"  # one each: the smaller unit
    assert rec.fs == pytest.approx(2000.0) and rec.meta["start_s"] == pytest.approx(1.5)
    np.testing.assert_allclose(rec.data[0], np.round(x[0], 6) * 1e3, atol=1e-9)  # mV -> uV
    np.testing.assert_allclose(rec.data[1], np.round(x[1], 6), atol=1e-12)
    assert [(c.muscle, c.side) for c in rec.channels] == [("biceps_brachii", "L"), ("biceps_brachii", "R")]
    np.testing.assert_allclose(rec.meta["aux"]["Gonio"]["data"], np.round(x[2], 2))
    assert rec.meta["aux"]["Gonio"]["unit"] == "deg" and rec.meta["header"]["Subject"] == "S01"
    assert rec.meta["aux"]["Gonio"]["start_s"] == rec.meta["start_s"]
    src = rec.meta["source"]
    assert (src["delimiter"], src["decimal"], src["names_line"], src["data_line"]) == (",", ".", 2, 3)
    assert src["fs_from"] == "column 'time (s)'"
    with pytest.raises(FileFormatError, match="the fs option says 1000 Hz but the time column gives 2000"):
        emgkit.read(path, fs=1000)
    untimed = emgkit.read(path, fs=1000, time_column=False)  # the time column is then a column in s: aux
    assert untimed.n_channels == 2 and sorted(untimed.meta["aux"]) == ["Gonio", "time"]


def test_decimal_comma_semicolon_and_header_rate(tmp_path, rng):
    x = rng.normal(0, 1, (2, 300))
    rows = "\n".join(f"{x[0, i]:.5f};{x[1, i]:.5f}".replace(".", ",") for i in range(300))
    path = _write(tmp_path / "export.txt", "# Sampling rate (Hz): 1500\nVL_L;VL_R\n" + rows)
    rec = emgkit.read(path)
    assert rec.fs == 1500.0 and rec.unit == "a.u." and rec.channel_names == ["VL_L", "VL_R"]
    assert (rec.meta["source"]["delimiter"], rec.meta["source"]["decimal"]) == (";", ",")
    np.testing.assert_allclose(rec.data, np.round(x, 5), atol=1e-12)
    single = _write(tmp_path / "one.txt", "EMG (uV)\n" + "\n".join(f"{v:.3f}".replace(".", ",") for v in x[0]))
    one = emgkit.read(single, fs=1000)
    assert one.n_channels == 1 and one.unit == "uV"  # the header decides: one column with a decimal comma
    np.testing.assert_allclose(one.data[0], np.round(x[0], 3), atol=1e-12)


def test_headerless_columns_index_and_time_inference(tmp_path, rng):
    x = rng.normal(0, 1, (2, 400))
    plain = _write(tmp_path / "plain.txt", "\n".join(f"{a:.4f}\t{b:.4f}" for a, b in x.T))
    with pytest.raises(FileFormatError, match=r"no sampling rate.*emgkit.read\(path, fs=1000\)"):
        emgkit.read(plain)
    rec = emgkit.read(plain, fs=1000, labels=["L TA", "R TA"], unit="mV")
    assert rec.channel_names == ["L TA", "R TA"] and rec.unit == "mV" and rec.channels[0].muscle == "tibialis_anterior"
    counter = _write(tmp_path / "counter.txt", "\n".join(f"{i}  {a:.4f}  {b:.4f}" for i, (a, b) in enumerate(x.T)))
    rec = emgkit.read(counter, fs=500)
    assert rec.n_channels == 2 and rec.meta["source"]["delimiter"] == "whitespace"
    timed = _write(tmp_path / "timed.csv", "\n".join(f"{i / 1000:.3f},{a:.4f}" for i, a in enumerate(x[0])))
    rec = emgkit.read(timed)
    assert rec.fs == pytest.approx(1000.0) and rec.n_channels == 1
    assert rec.meta["source"]["fs_from"].startswith("first column")


def test_delsys_style_repeated_time_columns_and_trailing_delimiter(tmp_path, rng):
    x = rng.normal(0, 1e-4, (2, 500))
    t = np.arange(500) / 2148.1481
    rows = "\n".join(f"{t[i]:.6f},{x[0, i]:.6e},{t[i]:.6f},{x[1, i]:.6e}," for i in range(500))
    path = _write(tmp_path / "delsys.csv", "X[s],R RF: EMG 1 (V),X[s],L RF: EMG 2 (V),\n" + rows)
    rec = emgkit.read(path)
    assert rec.fs == pytest.approx(2148.1481, rel=1e-4) and rec.unit == "V"
    assert rec.channel_names == ["R RF: EMG 1", "L RF: EMG 2"]
    assert [(c.muscle, c.side) for c in rec.channels] == [("rectus_femoris", "R"), ("rectus_femoris", "L")]
    assert "header" not in rec.meta  # the names line is not read as "key: value"


def test_malformed_text_errors_name_the_line(tmp_path):
    rows = [f"{i},{i * 0.1:.1f},{-i * 0.1:.1f}" for i in range(20)]
    bad_cell = rows.copy()
    bad_cell[12] = "12,1.2,oops"
    path = _write(tmp_path / "cell.csv", "sample,EMG1,EMG2\n" + "\n".join(bad_cell))
    with pytest.raises(FileFormatError, match="data row 13 .*'oops' in column 3 is not a number"):
        emgkit.read(path, fs=1000)
    extra = rows.copy()
    extra[15] = "15,1.5,-1.5,9"
    path = _write(tmp_path / "extra.csv", "sample,EMG1,EMG2\n" + "\n".join(extra))
    with pytest.raises(FileFormatError, match="line 17: 4 fields, expected 3"):
        emgkit.read(path, fs=1000)
    jitter = _write(tmp_path / "jitter.csv", "time,EMG\n" + "\n".join(
        f"{t:.4f},{0.1 * i:.1f}" for i, t in enumerate(np.r_[np.arange(10) / 1000, 0.0125 + np.arange(10) / 1000])))
    with pytest.raises(FileFormatError, match="time column 'time' is not uniform"):
        emgkit.read(jitter)
    words = _write(tmp_path / "notes.txt", "This file has notes only.\nNo numbers in columns here, 42 once.\n")
    with pytest.raises(FileFormatError, match="found no block of rows of numbers"):
        emgkit.read(words)
    gaps = _write(tmp_path / "gaps.csv", "EMG1,EMG2\n" + "\n".join(["0.1,0.2"] * 8 + [",0.3"] + ["0.1,0.2"] * 8))
    with pytest.raises(InvalidInputError, match="non-finite samples.*'EMG1'"):
        emgkit.read(gaps, fs=100)
    assert emgkit.read(gaps, fs=100, nonfinite="interpolate").data[0, 8] == pytest.approx(0.1)
    with pytest.raises(InvalidInputError, match="decimal must be one of"):
        emgkit.read(gaps, fs=100, decimal=";")
    with pytest.raises(InvalidInputError, match="unknown option.*'sep'.*"):
        emgkit.read(gaps, fs=100, sep=",")


def test_sniff_accepts_text_and_rejects_binary(tmp_path):
    from emgkit.formats.text import sniff_text

    assert sniff_text(tmp_path, b"time,emg\n0,1\n")
    assert not sniff_text(tmp_path, b"\x00\x01\x02binary")
    assert not sniff_text(tmp_path, b"no digits at all\n")
    assert not sniff_text(tmp_path, b"")


def test_text_named_like_a_binary_format_is_explained_not_parsed(tmp_path):
    path = tmp_path / "export.h5"
    path.write_text("time,L_BIC\n" + "\n".join(f"{i / 1000:.3f},0.{i}" for i in range(10)))
    with pytest.raises(FileFormatError, match=r"looks like text.*ends in \.h5 .*no HDF5 signature"):
        emgkit.read(path)
    mat = tmp_path / "x.dat"
    mat.write_bytes(b"MATLAB 5.0 MAT-file, Platform: 1 2 3")
    with pytest.raises(FileFormatError, match=r"MATLAB v5 \.mat"):
        emgkit.read(mat)


def _vicon(path, rows, rate=1000, per_frame=10):
    head = ["Devices", str(rate), ",,Imported Noraxon - Sensor A,Imported Noraxon - Sensor B,Imported Trigger - Sync",
            "Frame,Sub Frame,EMG,EMG,1", ",,mV,mV,V"]
    body = [f"{f},{s},{a:.4f},{b:.4f},{t:.1f}" for f, s, a, b, t in rows]
    tail = ["", "Trajectories", "100", "Frame,Sub Frame,X", "1,0,3.0"]
    path.write_text("\r\n".join(head + body + tail) + "\r\n")
    return path


def test_written_vicon_devices_csv(tmp_path, rng):
    x = rng.normal(0, 1, (2, 40))
    rows = [(11 + i // 10, i % 10, x[0, i], x[1, i], 0.0) for i in range(40)]
    rec = emgkit.read(_vicon(tmp_path / "v.csv", rows))
    assert rec.channel_names == ["Sensor A.EMG", "Sensor B.EMG"] and rec.unit == "mV" and rec.fs == 1000.0
    assert rec.meta["start_s"] == pytest.approx(0.1)  # frame 11 (1-based) at 100 Hz
    assert rec.meta["vicon"]["excluded"] == {"Sync.1": "label names a non-EMG signal ('sync')"}
    np.testing.assert_allclose(rec.data, np.round(x, 4), atol=1e-12)
    gap = rows[:15] + rows[16:]
    with pytest.raises(FileFormatError, match="line 21: frame 12 sub frame 6 breaks the sequence"):
        emgkit.read(_vicon(tmp_path / "gap.csv", gap))
    with pytest.raises(InvalidInputError, match="Vicon 'Devices' CSV .*\\['unit'\\]"):
        emgkit.read(tmp_path / "v.csv", unit="V")


def test_names_with_a_units_line_below(tmp_path, rng):
    x = rng.normal(0, 1, (2, 50))
    body = "\n".join(f"{i / 500:.4f}\t{a:.4f}\t{b:.4f}" for i, (a, b) in enumerate(x.T))
    path = _write(tmp_path / "u.txt", "Time\tL_VM\tR_VM\ns\tuV\tuV\n" + body)
    rec = emgkit.read(path)
    assert rec.unit == "uV" and rec.fs == pytest.approx(500.0) and rec.channel_names == ["L_VM", "R_VM"]
    assert rec.channels[1].muscle == "vastus_medialis" and rec.meta["source"]["names_line"] == 1
