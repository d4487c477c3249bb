"""EDF/EDF+/BDF reader on files written with pyedflib (physical units, rates, annotations, BIDS sidecars)."""

import json
import sys

import numpy as np
import pytest

import emgkit
from emgkit.errors import FileFormatError, InvalidInputError, MissingDependencyError
from emgkit.io import detect_format

pyedflib = pytest.importorskip("pyedflib")


def _header(label, fs, dim="uV", pmin=-5000.0, pmax=5000.0, prefilter="HP:10Hz LP:500Hz", bdf=False):
    return {
        "label": label, "dimension": dim, "sample_frequency": fs, "physical_min": pmin, "physical_max": pmax,
        "digital_min": -8388608 if bdf else -32768, "digital_max": 8388607 if bdf else 32767,
        "prefilter": prefilter, "transducer": "AgAgCl",
    }


def _write(path, headers, signals, annotations=(), file_type=None, patient=None):
    file_type = pyedflib.FILETYPE_EDFPLUS if file_type is None else file_type
    w = pyedflib.EdfWriter(str(path), len(headers), file_type=file_type)
    try:
        w.setSignalHeaders(headers)
        if patient:
            w.setPatientName(patient)
        w.writeSamples([np.asarray(s, dtype=np.float64) for s in signals])
        for onset, duration, text in annotations:
            w.writeAnnotation(onset, duration, text)
    finally:
        w.close()
    return path


def _truth(path):
    """Independent read of every signal with pyedflib itself (physical values)."""
    r = pyedflib.EdfReader(str(path))
    try:
        return {r.getLabel(i): r.readSignal(i) for i in range(r.signals_in_file)}
    finally:
        r.close()


def test_edf_plus_physical_values_units_events_and_aux(tmp_path, rng):
    sig = [rng.normal(0, 200, 5000), rng.normal(0, 0.2, 5000), 30 * np.sin(np.arange(5000) / 300)]
    path = _write(
        tmp_path / "curl.edf",
        [_header("EMG L Biceps", 1000, "uV", prefilter="HP:10Hz N:50Hz"), _header("EMG R Biceps", 1000, "mV", -5, 5, "N:50Hz"),
         _header("Gonio", 1000, "deg", -180, 180)],
        sig,
        annotations=[(2.5, 0.75, "Right rep start"), (1.25, -1, "rep start")],
        patient="Jane_Doe",
    )
    assert detect_format(path).name == "edf"
    rec = emgkit.read(path)
    truth = _truth(path)
    assert rec.channel_names == ["EMG L Biceps", "EMG R Biceps"] and rec.fs == 1000.0 and rec.unit == "uV"
    np.testing.assert_array_equal(rec.data[0], truth["EMG L Biceps"])
    np.testing.assert_allclose(rec.data[1], truth["EMG R Biceps"] * 1000.0, rtol=1e-12)  # mV -> uV
    np.testing.assert_allclose(rec.data[0], sig[0], atol=5000 / 32767)  # within one 16-bit step of what was written
    assert [(c.muscle, c.side) for c in rec.channels] == [("biceps_brachii", "L"), ("biceps_brachii", "R")]
    assert rec.meta["adc_range"] == pytest.approx([-5000.0, 5000.0])  # +-5 mV is +-5000 uV: one range for both
    assert rec.meta["powerline_hz"] == 50.0
    assert [(e["time_s"], e["name"], e["side"], e.get("duration_s")) for e in rec.meta["events"]] == [
        (1.25, "rep start", None, None), (2.5, "Right rep start", "R", 0.75)]
    np.testing.assert_array_equal(rec.meta["aux"]["Gonio"]["data"], truth["Gonio"])
    assert rec.meta["edf"]["excluded"] == {"Gonio": "unit 'deg' is not a voltage"}
    assert "Jane" not in repr(rec.meta)  # patient identification is never copied


def test_bdf_24_bit_and_lazy_slices(tmp_path, rng):
    sig = rng.normal(0, 300, (3, 4096))
    path = _write(tmp_path / "a.bdf", [_header(f"EMG {k}", 2048, bdf=True) for k in ("RTA", "LTA", "RGL")], sig,
                  file_type=pyedflib.FILETYPE_BDF)
    assert detect_format(path).name == "edf"
    truth = _truth(path)
    with emgkit.open(path) as f:
        assert f.fs == 2048.0 and f.n_samples == 4096 and f.meta["source"]["format"] == "bdf"
        part = f.read(channels=["EMG RGL", "EMG RTA"], start=0.5, stop=1.25)
    np.testing.assert_array_equal(part.data[0], truth["EMG RGL"][1024:2560])
    np.testing.assert_array_equal(part.data[1], truth["EMG RTA"][1024:2560])
    assert part.meta["start_s"] == pytest.approx(0.5)
    np.testing.assert_allclose(part.data[1], sig[0, 1024:2560], atol=10000 / 2**24)
    assert part.meta["adc_range"] == [-5000.0, 5000.0]


def test_mixed_rates_refused_by_default_resampled_on_request(tmp_path):
    t_hi, t_lo = np.arange(4000) / 2000, np.arange(1000) / 500
    sig = [100 * np.sin(2 * np.pi * 7 * t_hi), 100 * np.sin(2 * np.pi * 7 * t_lo)]
    path = _write(tmp_path / "mixed.edf", [_header("EMG RVL", 2000), _header("EMG LVL", 500)], sig)
    with pytest.raises(FileFormatError, match=r"different sampling rates \(500 Hz: EMG LVL; 2000 Hz: EMG RVL\).*mixed_rates='resample'"):
        emgkit.read(path)
    rec = emgkit.read(path, mixed_rates="resample")
    assert rec.fs == 2000.0 and rec.n_samples == 4000
    assert rec.meta["resampled"]["from_hz"] == {"EMG LVL": 500.0}
    inner = slice(200, 3800)  # away from the edges, the 7 Hz sine comes back up-sampled
    np.testing.assert_allclose(rec.data[1, inner], sig[0][inner], atol=0.5)
    down = emgkit.read(path, resample_to=500)
    assert down.fs == 500.0 and down.n_samples == 1000
    np.testing.assert_allclose(down.data[0, 50:950], sig[1][50:950], atol=0.5)
    one_rate = emgkit.read(path, channels=["EMG LVL"])  # naming the signals of one rate needs no resampling
    assert one_rate.fs == 500.0 and one_rate.n_samples == 1000
    with pytest.raises(InvalidInputError, match="no signal 'EMG LV' .*did you mean"):
        emgkit.read(path, channels=["EMG LV"])
    with pytest.raises(InvalidInputError, match="mixed_rates must be one of 'error', 'resample'"):
        emgkit.read(path, mixed_rates="drop")


def test_edf_plus_signal_types_select_emg(tmp_path, rng):
    path = _write(tmp_path / "psg.edf", [_header("EEG Fpz-Cz", 200), _header("EMG Chin", 200), _header("ECG", 200)],
                  rng.normal(0, 50, (3, 600)))
    rec = emgkit.read(path)
    assert rec.channel_names == ["EMG Chin"]
    assert rec.meta["edf"]["excluded"]["EEG Fpz-Cz"] == "EDF+ signal type 'EEG', not EMG"
    assert emgkit.read(path, emg_only=False).n_channels == 3
    assert emgkit.read(path, channels=["ECG", "EMG Chin"]).channel_names == ["ECG", "EMG Chin"]
    ranges = _write(tmp_path / "ranges.edf", [_header("EMG A", 200, pmin=-1000, pmax=1000), _header("EMG B", 200)],
                    rng.normal(0, 50, (2, 400)))
    rec = emgkit.read(ranges)
    assert "adc_range" not in rec.meta
    assert rec.meta["adc_ranges"] == {"EMG A": [-1000.0, 1000.0], "EMG B": [-5000.0, 5000.0]}


def test_bids_sidecars_give_powerline_types_muscles_and_sides(tmp_path, rng):
    path = _write(tmp_path / "sub-01_task-squat_emg.edf", [_header("VL1", 1000), _header("VL2", 1000), _header("ECG", 1000)],
                  rng.normal(0, 50, (3, 1000)))
    (tmp_path / "sub-01_task-squat_emg.json").write_text(json.dumps(
        {"PowerLineFrequency": 60, "EMGPlacementScheme": "SENIAM", "EMGReference": "bipolar"}))
    (tmp_path / "sub-01_task-squat_channels.tsv").write_text(
        "name\ttype\tunits\tmuscle\tside\nVL1\tEMG\tuV\tvastus lateralis\tL\nVL2\tEMG\tuV\tvastus_lateralis\tR\n"
        "ECG\tECG\tuV\tn/a\tn/a\n")
    rec = emgkit.read(path)
    assert rec.channel_names == ["VL1", "VL2"]
    assert [(c.muscle, c.side) for c in rec.channels] == [("vastus_lateralis", "L"), ("vastus_lateralis", "R")]
    assert rec.meta["powerline_hz"] == 60.0
    assert rec.meta["bids"] == {"EMGPlacementScheme": "SENIAM", "EMGReference": "bipolar"}
    assert rec.meta["edf"]["excluded"] == {"ECG": "channels.tsv type 'ECG'"}


def test_malformed_and_missing_library(tmp_path, rng, monkeypatch):
    path = _write(tmp_path / "ok.edf", [_header("EMG A", 1000)], [rng.normal(0, 10, 2000)])
    short = tmp_path / "short.edf"
    short.write_bytes(path.read_bytes()[:-1000])
    with pytest.raises(FileFormatError, match="not a readable EDF/BDF file.*truncated"):
        emgkit.read(short)
    bad_header = tmp_path / "bad.edf"
    raw = bytearray(path.read_bytes())
    raw[184:192] = b"999     "  # header size that does not match the signal count
    bad_header.write_bytes(bytes(raw))
    from emgkit.formats.edf import sniff_edf

    assert sniff_edf(path, path.read_bytes()[:4096]) and not sniff_edf(bad_header, bytes(raw[:4096]))
    with pytest.raises(InvalidInputError, match="unknown option.*'fs'"):
        emgkit.read(path, fs=1000)
    monkeypatch.setitem(sys.modules, "pyedflib", None)
    with pytest.raises(MissingDependencyError, match=r'pip install "emgkit\[edf\]"'):
        emgkit.read(path)
