"""Issue #14: reader messages point at what works today (v5 .mat files are read; the command line takes --fs)."""

import pytest

import emgkit
from emgkit.errors import FileFormatError
from emgkit.formats import _describe


def test_v5_mat_description_no_longer_asks_to_resave_as_v73():
    text = _describe(b"MATLAB 5.0 MAT-file, Platform: GLNXA64" + b"\x00" * 100)
    assert "MATLAB v5" in text and "v7.3" not in text and "re-save" not in text


def test_text_without_rate_names_the_fs_option(tmp_path):
    path = tmp_path / "emg.csv"
    path.write_text("a,b\n" + "".join(f"{k % 7},{k % 5}\n" for k in range(50)))
    with pytest.raises(FileFormatError, match=r"no sampling rate.*--fs <Hz>.*fs=<Hz>"):
        emgkit.read(path)
