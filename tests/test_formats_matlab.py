"""MATLAB .mat files: v5 written by SciPy and v7.3 written by h5py the way MATLAB lays them out.

The v7.3 writer below follows MATLAB's layout (checked against files saved with ``save -v7.3``): a 512-byte
user block whose text starts with ``MATLAB 7.3 MAT-file``, each variable an HDF5 dataset holding the
column-major matrix transposed, a ``MATLAB_class`` attribute, char arrays as uint16 codes, structs as groups
and cell arrays as object references into ``#refs#``.
"""

import subprocess
import sys

import h5py
import numpy as np
import pytest
import scipy.io as sio

import emgkit
from emgkit import FileFormatError
from emgkit.io import detect_format

LABELS = ["L Biceps", "R Biceps", "L Triceps"]


@pytest.fixture
def x(rng):
    """(samples, channels) as MATLAB users store them."""
    return rng.standard_normal((3000, 3))


def _cell(strings):
    return np.array(strings, dtype=object)


# -- v7.3 writer (h5py, MATLAB's layout) ----------------------------------------------------------
def _header():
    text = b"MATLAB 7.3 MAT-file, Platform: GLNXA64, Created on: Sat Dec  5 10:00:00 2026 HDF5 schema 1.00 ."
    return text.ljust(116, b" ") + b"\x00" * 8 + b"\x00\x02IM"


def _put(f, where, name, value):
    if isinstance(value, dict):
        g = where.create_group(name)
        g.attrs["MATLAB_class"] = np.bytes_("struct")
        for k, v in value.items():
            _put(f, g, k, v)
    elif isinstance(value, str):
        ds = where.create_dataset(name, data=np.array([[ord(c)] for c in value], dtype=np.uint16))
        ds.attrs["MATLAB_class"] = np.bytes_("char")
    elif isinstance(value, list):  # cell array of strings
        refs = f.require_group("#refs#")
        out = []
        for i, s in enumerate(value):
            ds = refs.create_dataset(f"{name}_{i}", data=np.array([[ord(c)] for c in s], dtype=np.uint16))
            ds.attrs["MATLAB_class"] = np.bytes_("char")
            out.append(ds.ref)
        ds = where.create_dataset(name, data=np.array([out], dtype=h5py.ref_dtype).T)
        ds.attrs["MATLAB_class"] = np.bytes_("cell")
    else:
        arr = np.atleast_2d(np.asarray(value))
        ds = where.create_dataset(name, data=arr.T)  # column-major: HDF5 sees the transpose
        ds.attrs["MATLAB_class"] = np.bytes_({"f": "double", "i": "int32", "u": "uint16"}[arr.dtype.kind])


def savemat73(path, variables):
    with h5py.File(path, "w", userblock_size=512) as f:
        for name, value in variables.items():
            _put(f, f, name, value)
    with open(path, "r+b") as fh:
        fh.write(_header())
    return path


def _save(version, path, variables):
    if version == "7.3":
        return savemat73(path, variables)
    sio.savemat(path, {k: (_cell(v) if isinstance(v, list) else v) for k, v in variables.items()})
    return path


VERSIONS = ["5", "7.3"]


# -- layouts --------------------------------------------------------------------------------------
@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize("samples_first", [True, False])
def test_matrix_either_way_round_with_fs_and_cell_labels(tmp_path, x, version, samples_first):
    stored = x if samples_first else x.T
    path = _save(version, tmp_path / "m.mat", {"emg": stored, "fs": 2000.0, "labels": LABELS})
    assert detect_format(path).name == "matlab"
    rec = emgkit.read(path)
    np.testing.assert_array_equal(rec.data, x.T)
    assert rec.fs == 2000.0 and rec.channel_names == LABELS and rec.channels[2].muscle == "triceps_brachii"
    src = rec.meta["source"]
    assert src["format"] == f"MATLAB v{version}" and src["variables"] == ["emg"]
    assert src["layout"] == ("samples_first" if samples_first else "channels_first")
    assert src["fs_from"] == "variable fs" and src["labels_from"] == "variable labels"


@pytest.mark.parametrize("version", VERSIONS)
def test_struct_fields_become_channels_rate_from_time_vector(tmp_path, x, version):
    t = np.arange(3000) / 1500.0
    trial = {"LTA": x[:, 0], "RTA": x[:, 1], "time": t, "unit": "mV"}
    path = _save(version, tmp_path / "s.mat", {"trial": trial, "subject": "S01"})
    rec = emgkit.read(path)
    assert rec.channel_names == ["LTA", "RTA"] and rec.unit == "mV"
    assert [(c.muscle, c.side) for c in rec.channels] == [("tibialis_anterior", "L"), ("tibialis_anterior", "R")]
    np.testing.assert_allclose(rec.fs, 1500.0)
    np.testing.assert_array_equal(rec.data, x[:, :2].T)
    assert rec.meta["source"]["fs_from"] == "time vector trial.time"


@pytest.mark.parametrize("version", VERSIONS)
def test_top_level_vectors_and_fs_option(tmp_path, x, version):
    path = _save(version, tmp_path / "v.mat", {"Deltoid_emg": x[:, 0], "Biceps": x[:, 1], "gain": np.array([1.0, 2.0])})
    with pytest.raises(FileFormatError, match=r"no sampling rate.*Variables found: .*Deltoid_emg.*--fs"):
        emgkit.read(path)
    rec = emgkit.read(path, fs=1000)
    assert sorted(rec.channel_names) == ["Biceps", "Deltoid_emg"] and rec.meta["source"]["fs_from"] == "option fs"
    assert rec.n_samples == 3000


@pytest.mark.parametrize("version", VERSIONS)
def test_variable_option_picks_one_of_several_matrices(tmp_path, x, version):
    path = _save(version, tmp_path / "two.mat", {"raw": x, "filtered": 2 * x, "Fs": 1000})
    with pytest.raises(FileFormatError, match=r"2 numeric matrices .*\(raw, filtered\)|2 numeric matrices .*\(filtered, raw\)"):
        emgkit.read(path)
    rec = emgkit.read(path, variable="filtered")
    np.testing.assert_array_equal(rec.data, 2 * x.T)


# -- bad input: one clear line ----------------------------------------------------------------------
@pytest.mark.parametrize("version", VERSIONS)
def test_no_numeric_variables(tmp_path, version):
    path = _save(version, tmp_path / "txt.mat", {"note": "hello", "names": ["a", "b"]})
    with pytest.raises(FileFormatError, match=r"no numeric variable holds samples.*note \(char\)"):
        emgkit.read(path)


@pytest.mark.parametrize("version", VERSIONS)
def test_several_candidate_rates(tmp_path, x, version):
    path = _save(version, tmp_path / "r.mat", {"emg": x, "fs": 1000.0, "SampleRate": 2000.0})
    with pytest.raises(FileFormatError, match=r"several candidate sampling rates disagree.*(1000 Hz.*2000 Hz|2000 Hz.*1000 Hz)"):
        emgkit.read(path)
    assert emgkit.read(path, fs=2000).fs == 2000


def test_square_matrix_needs_layout(tmp_path, rng):
    path = _save("5", tmp_path / "sq.mat", {"emg": rng.standard_normal((4, 4)), "fs": 100})
    with pytest.raises(FileFormatError, match="square"):
        emgkit.read(path)
    assert emgkit.read(path, layout="samples_first").n_channels == 4


def test_truncated_v5_is_one_clear_error(tmp_path, x):
    path = _save("5", tmp_path / "t.mat", {"emg": x, "fs": 1000})
    path.write_bytes(path.read_bytes()[:300])
    with pytest.raises(FileFormatError, match=r"MATLAB v5 \.mat file but SciPy could not read it"):
        emgkit.read(path)


def test_cli_exit_2_and_one_line(tmp_path):
    path = _save("5", tmp_path / "txt.mat", {"note": "hello"})
    proc = subprocess.run([sys.executable, "-m", "emgkit", "info", str(path)], capture_output=True, text=True, check=False)
    assert proc.returncode == 2  # a refused input (emgkit.cli: EXIT_USAGE)
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "no numeric variable" in lines[0]
