"""Readers for the public text formats: the real files in ../shared/data, and malformed copies."""

from pathlib import Path

import numpy as np
import pytest

import emgkit
from emgkit.datasets import aux_signal, read_opensignals, read_uci_lower_limb, read_uci_physical_action
from emgkit.errors import FileFormatError, InvalidInputError

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
needs_data = pytest.mark.skipif(not DATA.is_dir(), reason=f"real recordings not available: {DATA} is missing")

PA_NAMES = ["R-Bic", "R-Tri", "L-Bic", "L-Tri", "R-Thi", "R-Ham", "L-Thi", "L-Ham"]
PA_MUSCLES = ["biceps_brachii", "triceps_brachii"] * 2 + ["quadriceps", "hamstrings"] * 2
PA_SIDES = ["R", "R", "L", "L", "R", "R", "L", "L"]


def _raw_rows(path, skip=0, sep="\t"):
    """Independent parse of a few rows: the reference values."""
    lines = Path(path).read_text(encoding="latin-1").splitlines()[skip:]
    return [[float(v) for v in ln.split(sep)] for ln in lines[:3]], lines


# -- UCI EMG Physical Action -------------------------------------------------------------------


@needs_data
@pytest.mark.shared_data
def test_physical_action_every_file_loads_with_counts_and_names():
    files = sorted((DATA / "uci_physical_action").glob("sub0*/*/txt/*.txt"))
    assert len(files) == 40
    for path in files:
        rec = read_uci_physical_action(path)
        first, lines = _raw_rows(path)
        assert rec.fs == 1000.0 and rec.unit == "counts"
        assert rec.channel_names == PA_NAMES
        assert [c.muscle for c in rec.channels] == PA_MUSCLES and [c.side for c in rec.channels] == PA_SIDES
        assert rec.n_samples == len([ln for ln in lines if ln.strip()])
        np.testing.assert_array_equal(rec.data[:, :3].T, first)
        assert rec.meta["adc_range"] == [-4000, 4000]
        assert np.abs(rec.data).max() <= 4000
        assert rec.meta["subject"] == path.parts[-4] and rec.meta["action"] == path.stem


@needs_data
@pytest.mark.shared_data
def test_physical_action_clipping_is_detected():
    running = read_uci_physical_action(DATA / "uci_physical_action/sub01/Normal/txt/Running.txt")
    assert running.n_samples == 9964
    assert running.data[4, 0] == 4000 and running.data[5, 0] == -4000  # R-Thi, R-Ham first row: +4000, -4000
    q = running.quality().set_index("channel")
    assert q.loc["R-Thi", "clipped_fraction"] == pytest.approx(0.75, abs=0.02)
    assert "clipped" in q.loc["R-Thi", "issues"]
    standing = read_uci_physical_action(DATA / "uci_physical_action/sub01/Normal/txt/Standing.txt")
    assert standing.quality()["clipped_fraction"].eq(0).all()


# -- UCI lower limb -------------------------------------------------------------------------------------


@needs_data
@pytest.mark.shared_data
def test_lower_limb_every_file_both_dialects():
    files = sorted((DATA / "uci_lower_limb").glob("*.txt"))
    assert len(files) == 18
    for path in files:
        rec = read_uci_lower_limb(path)
        header = path.read_text(encoding="latin-1").splitlines()
        count = int(header[1].split(",")[1].split()[0])
        first, _ = _raw_rows(path, skip=7)
        assert rec.fs == 1000.0 and rec.unit == "mV" and rec.n_channels == 4
        assert [c.muscle for c in rec.channels] == ["rectus_femoris", "biceps_femoris", "vastus_medialis", "semitendinosus"]
        assert all(c.side is None for c in rec.channels)
        assert rec.n_samples == count
        np.testing.assert_allclose(rec.data[:, :3].T, np.array(first)[:, :4])
        angle = rec.meta["aux"]["knee_angle"]
        assert angle["unit"] == "deg" and angle["data"].shape == (rec.n_samples,)
        np.testing.assert_allclose(angle["data"][:3], np.array(first)[:, 4])
        assert rec.meta["subject"] == int(path.stem[0])
        assert rec.meta["group"] == {"N": "normal", "A": "knee_abnormality"}[path.stem[1]]
        if path.stem[1] == "A":
            assert rec.channel_names == ["Recto Femoral", "Biceps Femoral", "Vasto Medial", "EMG Semitendinoso"]
        else:
            assert rec.channel_names == ["RF", "BF", "VM", "ST"]


@needs_data
@pytest.mark.shared_data
def test_lower_limb_name_not_header_trailing_goniometer_rows_and_duplicates():
    amar = read_uci_lower_limb(DATA / "uci_lower_limb/1Amar.txt")
    assert amar.meta["header_file_name"] == "marcha.log"
    assert (amar.meta["subject"], amar.meta["task"], amar.meta["task_code"]) == (1, "gait", "mar")
    nmar = read_uci_lower_limb(DATA / "uci_lower_limb/1Nmar.txt")
    assert nmar.n_samples == 5681 and nmar.meta["trailing_goniometer_rows"] == 19
    assert nmar.meta["aux"]["knee_angle"]["data"][-1] == 7.5
    cropped = nmar.crop(2.0, 3.0)
    np.testing.assert_array_equal(aux_signal(cropped), nmar.meta["aux"]["knee_angle"]["data"][2000:3000])
    a, b = read_uci_lower_limb(DATA / "uci_lower_limb/1Npie.txt"), read_uci_lower_limb(DATA / "uci_lower_limb/2Npie.txt")
    assert np.array_equal(a.data, b.data)
    assert a.meta["duplicate"]["same_data_as"] == "2Npie" and not a.meta["duplicate"]["probably_genuine"]
    assert b.meta["duplicate"]["same_data_as"] == "1Npie" and b.meta["duplicate"]["probably_genuine"]
    sen1, sen2 = read_uci_lower_limb(DATA / "uci_lower_limb/1Nsen.txt"), read_uci_lower_limb(DATA / "uci_lower_limb/2Nsen.txt")
    assert sen1.meta["duplicate"]["probably_genuine"] and not sen2.meta["duplicate"]["probably_genuine"]
    assert "duplicate" not in read_uci_lower_limb(DATA / "uci_lower_limb/3Nsen.txt").meta


# -- BioSPPy / OpenSignals ----------------------------------------------------------------------------


@needs_data
@pytest.mark.shared_data
@pytest.mark.parametrize("name, n, first", [("emg.txt", 100_000, [2055.0, 2056.0, 2055.0]), ("emg_1.txt", 63_880, [2034.0, 2011.0, 2004.0])])
def test_opensignals_biosppy_examples(name, n, first):
    rec = read_opensignals(DATA / "biosppy_single" / name)
    assert rec.fs == 1000.0 and rec.unit == "counts" and rec.channel_names == ["EMG"]
    assert rec.channels[0].muscle is None
    assert rec.n_samples == n
    np.testing.assert_array_equal(rec.data[0, :3], first)
    assert rec.meta["adc_range"] == [0, 4095] and rec.meta["resolution_bits"] == 12


# -- malformed and synthetic files (no shared data needed) -----------------------------------------------


def _write(tmp_path, name, text, newline="\n"):
    path = tmp_path / name
    path.write_bytes(text.replace("\n", newline).encode("latin-1"))
    return path


def test_physical_action_crlf_truncated_last_row_is_dropped(tmp_path):
    rows = "\n".join("\t".join(str(i * 10 + k) for k in range(8)) for i in range(5))
    path = _write(tmp_path, "Walking.txt", rows + "\n1\t2\t3\n", newline="\r\n")
    rec = read_uci_physical_action(path)
    assert rec.n_samples == 5 and rec.meta["dropped_rows"] == 1
    assert rec.data[7, 4] == 47


@pytest.mark.parametrize(
    "text, match",
    [
        ("1\t2\t3\t4\t5\t6\t7\t8\n1\t2\t3\n1\t2\t3\t4\t5\t6\t7\t8\n", r"line 2: 3 field\(s\), expected 8"),
        ("1\t2\t3\t4\t5\t6\t7\t8\n1\t2\tx\t4\t5\t6\t7\t8\n", r"line 2: 'x' is not an integer"),
        ("\n\n", "no data rows"),
    ],
)
def test_physical_action_malformed(tmp_path, text, match):
    with pytest.raises(FileFormatError, match=match):
        read_uci_physical_action(_write(tmp_path, "Bad.txt", text))


LL_HEADER_6 = (
    "File Name: sentado.log\n"
    "Channel 1: 'Recto femoral', 3 values, engineering units: mV, no filters.\n"
    "Channel 2: 'Biceps femoral', 3 values, engineering units: mV, no filters.\n"
    "Channel 3: 'Vasto medial', 3 values, engineering units: mV, no filters.\n"
    "Channel 4: 'Semitendinoso', 3 values, engineering units: mV, no filters.\n"
    "Channel 5: 'Flexo', 3 values, engineering units: deg, no filters.\n"
    "Digitals combined (event=16, d=8, c=4, b=2, a=1): 3 values, .\n"
    "\n"
)


def test_lower_limb_six_column_digital_variant(tmp_path):
    body = "0.1\t0.2\t0.3\t0.4\t10.5\t31\n0.5\t0.6\t0.7\t0.8\t11\t31\n-0.1\t-0.2\t-0.3\t-0.4\t12\t0\n\t\t\t\t12.5\n\t\t\t\t\t\n"
    rec = read_uci_lower_limb(_write(tmp_path, "12Asen.txt", LL_HEADER_6 + body))
    assert rec.channel_names == ["Recto femoral", "Biceps femoral", "Vasto medial", "Semitendinoso"]
    assert [c.muscle for c in rec.channels] == ["rectus_femoris", "biceps_femoris", "vastus_medialis", "semitendinosus"]
    np.testing.assert_allclose(rec.data[:, 1], [0.5, 0.6, 0.7, 0.8])
    assert rec.meta["aux"]["digital"]["data"].tolist() == [31, 31, 0]
    np.testing.assert_allclose(rec.meta["aux"]["knee_angle"]["data"], [10.5, 11, 12])
    assert rec.meta["subject"] == 12 and rec.meta["task"] == "leg_extension_sitting"
    assert rec.meta["trailing_goniometer_rows"] == 1
    np.testing.assert_allclose(aux_signal(rec.crop(0.001, 0.003)), [11, 12])
    assert aux_signal(rec, "digital").tolist() == [31, 31, 0]
    emgkit.write(rec, tmp_path / "ll.h5")
    np.testing.assert_allclose(aux_signal(emgkit.read(tmp_path / "ll.h5")), [10.5, 11, 12])  # lists after HDF5
    with pytest.raises(InvalidInputError, match=r"no auxiliary signal 'emg'.*\['digital', 'knee_angle'\]"):
        aux_signal(rec, "emg")


@pytest.mark.parametrize(
    "name, text, match",
    [
        ("notes.txt", LL_HEADER_6, "expected a UCI lower-limb file name"),
        ("1Nmar.txt", "Channel 1: 'RF'\n", "line 1 should start with 'File Name:'"),
        ("1Nmar.txt", "File Name: x\nChannel one\n\n1\n", r"line 2: expected \"Channel k"),
        ("1Nmar.txt", LL_HEADER_6 + "0.1\t0.2\t0.3\t0.4\t10\t0\n", "header says channel 'Recto femoral' has 3 values but the file has 1"),
        ("1Nmar.txt", LL_HEADER_6 + "0.1\t0.2\t0.3\t0.4\t10\n" * 3, r"line 9: 5 field\(s\), expected 6"),
        ("1Nmar.txt", LL_HEADER_6.replace("units: mV", "units: furlongs", 1), "unknown engineering unit 'furlongs'"),
        ("1Nmar.txt", "File Name: x\nChannel 1: 'RF', 2 values, engineering units: mV, no filters.\n0.1\n0.2\n", r"line 3: expected \"Channel k"),
        ("1Nmar.txt", "File Name: x\nChannel 1: 'RF', 2 values, engineering units: mV, no filters.\n", "never ends"),
    ],
)
def test_lower_limb_malformed(tmp_path, name, text, match):
    with pytest.raises(FileFormatError, match=match):
        read_uci_lower_limb(_write(tmp_path, name, text))


def test_opensignals_multichannel_labels(tmp_path):
    text = (
        "# Simple Text Format\n# Sampling Rate (Hz):= 500.00\n# Resolution:= 10\n# Date:= 2017-03-05T10:00:00.000000\n"
        "# Labels:= L Biceps\tEMG\n1\t2\n3\t4\n5\t6\n"
    )
    rec = read_opensignals(_write(tmp_path, "two.txt", text))
    assert rec.fs == 500.0 and rec.channel_names == ["L Biceps", "EMG"]
    assert (rec.channels[0].muscle, rec.channels[0].side) == ("biceps_brachii", "L")
    np.testing.assert_array_equal(rec.data, [[1, 3, 5], [2, 4, 6]])
    assert rec.meta["adc_range"] == [0, 1023] and rec.meta["date"].startswith("2017-03-05")


@pytest.mark.parametrize(
    "text, match",
    [
        ("1\n2\n", "line 1 should be '# Simple Text Format'"),
        ("# Simple Text Format\n# Labels:= EMG\n1\n", "no '# Sampling Rate"),
        ("# Simple Text Format\n# Sampling Rate (Hz):= fast\n1\n", "Sampling Rate must be a number, got 'fast'"),
        ("# Simple Text Format\n# Sampling Rate (Hz):= 1000\n# Labels:= A\tB\n1\n", "2 labels"),
        ("# Simple Text Format\n# Sampling Rate (Hz):= 1000\n# Labels:= EMG\n1\n2\nabc\n", "line 6: 'abc' is not a number"),
        ("# Simple Text Format\n# Sampling Rate (Hz):= 1000\n", "no samples"),
        ("# Simple Text Format\n# Sampling Rate (Hz):= 1000\n# Resolution:= 12.5\n1\n", "whole number of bits"),
    ],
)
def test_opensignals_malformed(tmp_path, text, match):
    with pytest.raises(FileFormatError, match=match):
        read_opensignals(_write(tmp_path, "bad.txt", text))


def test_missing_file_is_file_not_found(tmp_path):
    with pytest.raises(FileNotFoundError, match="no such file"):
        read_opensignals(tmp_path / "absent.txt")
