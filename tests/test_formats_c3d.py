"""C3D reader: the real files in ../shared/data (checked against the raw bytes) and files written with ezc3d."""

import struct
import sys
from pathlib import Path

import numpy as np
import pytest

import emgkit
from emgkit.cycles import events_from_meta
from emgkit.errors import FileFormatError, InvalidInputError, MissingDependencyError
from emgkit.io import detect_format

ezc3d = pytest.importorskip("ezc3d")

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
needs_data = pytest.mark.skipif(not DATA.is_dir(), reason=f"real recordings not available: {DATA} is missing")
GAIT = DATA / "c3d_bilateral_gait"

GAIT_LABELS = "LREC RREC LVAS RVAS LGRF RGRF LISC RISC LBIC RBIC LTIB RTIB LSOL RSOL LJUM RJUM".split()
PIG_LABELS = "R_RF R_ST R_TA R_GL R_PE L_RF L_ST L_TA L_GL L_PE".split()


def _raw_analog(path, channel, samples, *, dtype):
    """Independent decoding of stored analog values: header words + data block, no ezc3d.

    Returns the stored numbers (int16 counts or float32) of one analog channel
    (index in ANALOG) at the given sample indices.
    """
    raw = Path(path).read_bytes()
    words = struct.unpack("<10H", raw[:20])
    n_points, analog_per_frame, data_block, per_frame = words[1], words[2], words[8], words[9]
    n_analog = analog_per_frame // per_frame
    size = np.dtype(dtype).itemsize
    frame_bytes = (n_points * 4 + analog_per_frame) * size
    out = []
    for n in samples:
        frame, sub = divmod(int(n), per_frame)
        at = (data_block - 1) * 512 + frame * frame_bytes + n_points * 4 * size + (sub * n_analog + channel) * size
        out.append(np.frombuffer(raw[at : at + size], dtype=dtype)[0])
    return np.asarray(out, dtype=np.float64)


def _analog_param(path, name):
    return np.asarray(ezc3d.c3d(str(path))["parameters"]["ANALOG"][name]["value"], dtype=np.float64).ravel()


# -- real files ------------------------------------------------------------------------------------


@needs_data
@pytest.mark.shared_data
@pytest.mark.parametrize("name, first_emg", [("Gait.c3d", 12), ("type-2a.c3d", 12)])
def test_integer_files_apply_scale_and_offset_per_channel(name, first_emg):
    path = GAIT / name
    rec = emgkit.read(path)
    scale, offset = _analog_param(path, "SCALE"), _analog_param(path, "OFFSET")
    gen = _analog_param(path, "GEN_SCALE")[0]
    samples = [0, 1, 7, 999, rec.n_samples - 1]
    for row in range(rec.n_channels):
        c = first_emg + row
        counts = _raw_analog(path, c, samples, dtype="<i2")
        np.testing.assert_allclose(rec.data[row, samples], (counts - offset[c]) * scale[c] * gen, rtol=1e-12, atol=1e-12)
    assert rec.unit == "V"


@needs_data
@pytest.mark.shared_data
def test_gait_channels_units_and_force_plates_left_out():
    rec = emgkit.read(GAIT / "Gait.c3d")
    assert rec.channel_names == GAIT_LABELS
    assert (rec.fs, rec.n_samples, rec.unit) == (1000.0, 4870, "V")
    assert "start_s" not in rec.meta and "events" not in rec.meta
    assert [c.side for c in rec.channels] == ["L", "R"] * 8
    muscles = [c.muscle for c in rec.channels[::2]]
    assert muscles == ["rectus_femoris", "vastus_lateralis", None, "hamstrings", "biceps_femoris", "tibialis_anterior",
                       "soleus", "gastrocnemius_medialis"]
    assert any("biceps femoris" in note for note in rec.meta["channel_notes"])
    excluded = rec.meta["c3d"]["excluded"]
    assert sorted(excluded) == sorted("F1X F1Y F1Z M1X M1Y M1Z F2X F2Y F2Z M2X M2Y M2Z".split())
    # SOURCE.md: LREC reaches -1.000 V on 3 samples; its 12-bit range is +-2048 counts * 0.0004884 V
    assert rec.data[0].min() == pytest.approx(-1.000244, abs=1e-6)
    assert rec.meta["adc_ranges"]["LREC"][0] == pytest.approx(rec.data[0].min())
    assert np.isfinite(rec.data).all()


@needs_data
@pytest.mark.shared_data
def test_type2a_offset_binary_reaches_plus_minus_five_volts():
    rec = emgkit.read(GAIT / "type-2a.c3d")
    assert rec.channel_names == "RTRE RTTI RTGA RTHA LTRE LTTI LTGA LTHA".split()
    assert (rec.fs, rec.n_samples) == (960.0, 5760)
    rtha = rec.data[rec.channel_names.index("RTHA")]
    assert np.abs(rtha).max() == pytest.approx(5.0, abs=0.01)
    assert abs(rec.data.mean()) < 0.05  # offset 2047 removed: the EMG is centred on 0 V


@needs_data
@pytest.mark.shared_data
def test_elite_float_file_in_millivolts():
    path = GAIT / "1123x01EMG.c3d"
    rec = emgkit.read(path)
    assert rec.n_channels == 8 and rec.unit == "mV" and rec.fs == 1000.0 and rec.n_samples == 4564
    assert rec.channels[1].name == "Right Biceps Femoris Caput Longu"
    assert [(c.muscle, c.side) for c in rec.channels[:2]] == [("rectus_femoris", "R"), ("biceps_femoris", "R")]
    assert [c.side for c in rec.channels] == ["R"] * 4 + ["L"] * 4
    for c in (0, 5):
        np.testing.assert_array_equal(rec.data[c, [0, 10, 4563]], _raw_analog(path, c, [0, 10, 4563], dtype="<f4"))


@needs_data
@pytest.mark.shared_data
def test_pig_events_match_source_and_force_plates():
    path = GAIT / "PiG_Motion-FlatFoot-Full.c3d"
    rec = emgkit.read(path)
    assert rec.channel_names == PIG_LABELS
    assert rec.meta["start_s"] == pytest.approx(1.47)
    excluded = rec.meta["c3d"]["excluded"]
    assert "Pin 1" in excluded and "Pin 16" in excluded and "Fz1" in excluded
    truth = {
        "Left Foot Strike": [2.02, 3.05, 4.05],
        "Right Foot Strike": [1.53, 2.54, 3.57, 4.59],
        "Left Foot Off": [2.65, 3.66],
        "Right Foot Off": [2.12, 3.14, 4.17],
    }
    for name, times in truth.items():
        got, used = events_from_meta(rec.meta["events"], name)
        assert used == name
        np.testing.assert_allclose(got, times, atol=1e-6)
    sides = {e["side"] for e in rec.meta["events"]}
    assert sides == {"L", "R"}
    # the clock: plate 1 loads at the right foot strike 2.54 s, plate 2 at the left one 3.05 s (trial time)
    plates = emgkit.read(path, channels=["Fz1", "Fz2"])
    for row, strike in ((0, 2.54), (1, 3.05)):
        loaded = np.flatnonzero(np.abs(plates.data[row]) > 20)[0]
        assert plates.meta["start_s"] + loaded / plates.fs == pytest.approx(strike, abs=0.02)


@needs_data
@pytest.mark.shared_data
def test_pyomeca_c3d_keeps_emg_sensors_and_drops_voltage_inputs():
    rec = emgkit.read(DATA / "pyomeca_shoulder" / "markers_analogs.c3d")
    assert (rec.fs, rec.n_samples, rec.n_channels, rec.unit) == (2000.0, 11600, 32, "V")
    assert sorted(rec.meta["c3d"]["excluded"]) == [f"Voltage.{k}" for k in range(1, 7)]
    muscles = {c.name: c.muscle for c in rec.channels}
    assert muscles["Delt_ant.EMG1"] == "deltoid_anterior" and muscles["Gd_dors.IM EMG13"] == "latissimus_dorsi"
    assert muscles["Gd_dent.EMG8"] == "serratus_anterior" and muscles["Sensor 12.EMG12"] is None
    zero = [n for n, row in zip(rec.channel_names, rec.data) if not row.any()]
    assert len(zero) == 19 and "Sensor 12.EMG12" in zero


@needs_data
@pytest.mark.shared_data
def test_channels_by_label_group_and_time_slice():
    path = GAIT / "PiG_Motion-FlatFoot-Full.c3d"
    full = emgkit.read(path)
    part = emgkit.read(path, channels=["L_TA", 0], start=1.0, stop=2.0)
    assert part.channel_names == ["L_TA", "R_RF"]
    np.testing.assert_array_equal(part.data[0], full.data[PIG_LABELS.index("L_TA"), 1000:2000])
    assert part.meta["start_s"] == pytest.approx(2.47)
    with pytest.raises(InvalidInputError, match="did you mean 'L_TA'"):
        emgkit.read(path, channels=["L_TAA"])
    everything = emgkit.read(path, emg_only=False)
    assert everything.n_channels == 38 and everything.unit == "a.u."
    shoulder = DATA / "pyomeca_shoulder" / "markers_analogs.c3d"
    group = emgkit.read(shoulder, group="Delsys Trigno EMG 2.0")
    assert group.n_channels == 16 and group.channel_names[0] == "Delt_ant.EMG1"
    with pytest.raises(InvalidInputError, match="Delsys Trigno IMU EMG 2.0"):
        emgkit.read(shoulder, group="Noraxon")


# -- files written with ezc3d -------------------------------------------------------------------------


def _write_c3d(path, labels, data, units, *, first_frame=0, events=(), point_rate=100.0, analog_rate=1000.0):
    c = ezc3d.c3d()
    c["parameters"]["POINT"]["RATE"]["value"] = [point_rate]
    c["parameters"]["POINT"]["LABELS"]["value"] = ["M1"]
    c["parameters"]["ANALOG"]["RATE"]["value"] = [analog_rate]
    c["parameters"]["ANALOG"]["LABELS"]["value"] = list(labels)
    c.add_parameter("ANALOG", "UNITS", list(units))
    n_frames = int(data.shape[1] * point_rate / analog_rate)
    points = np.zeros((4, 1, n_frames))
    points[3] = 1
    c["data"]["points"] = points
    c["data"]["analogs"] = data[np.newaxis]
    del c["data"]["rotations"]
    c["header"]["points"]["first_frame"] = first_frame
    for minutes, seconds, context, label in events:
        c.add_event([minutes, seconds], context=context, label=label)
    c.write(str(path))
    return path


def test_written_file_round_trip_with_events_and_first_frame(tmp_path, rng):
    data = rng.normal(0, 0.2, (3, 2000))
    path = _write_c3d(
        tmp_path / "trial.c3d", ["L Biceps", "R Biceps", "F1X"], data, ["mV", "mV", "N"], first_frame=10,
        events=[(0, 0.35, "Left", "Foot Strike"), (0, 1.6, "Right", "Foot Off"), (0, 0.9, "General", "Start")],
    )
    assert detect_format(path).name == "c3d"
    rec = emgkit.read(path)
    assert rec.channel_names == ["L Biceps", "R Biceps"] and rec.unit == "mV" and rec.fs == 1000.0
    np.testing.assert_allclose(rec.data, data[:2], rtol=1e-6, atol=1e-7)  # stored as float32
    assert rec.meta["c3d"]["excluded"] == {"F1X": "unit 'N' is not a voltage"}
    assert rec.meta["start_s"] == pytest.approx(0.1)
    assert [(e["time_s"], e["name"], e["side"]) for e in rec.meta["events"]] == [
        (0.35, "Left Foot Strike", "L"), (0.9, "Start", None), (1.6, "Right Foot Off", "R")]


def test_lazy_open_and_unknown_option(tmp_path, rng):
    data = rng.normal(0, 1e-4, (2, 1000))
    path = _write_c3d(tmp_path / "a.c3d", ["LTA", "RTA"], data, ["V", "V"])
    with emgkit.open(path) as f:
        assert f.n_channels == 2 and f.duration == pytest.approx(1.0)
        np.testing.assert_allclose(f.read(channels="RTA", start=0.5).data[0], data[1, 500:], rtol=1e-6)
    with pytest.raises(InvalidInputError, match="unknown option.*'fs'"):
        emgkit.read(path, fs=1000)


def test_no_emg_channel_is_a_clear_error(tmp_path, rng):
    path = _write_c3d(tmp_path / "plates.c3d", ["Fx1", "Fz1"], rng.normal(size=(2, 500)), ["N", "N"])
    with pytest.raises(FileFormatError, match="no EMG channel.*Fx1: unit 'N' is not a voltage.*emg_only=False"):
        emgkit.read(path)
    assert emgkit.read(path, channels=["Fz1"]).channel_names == ["Fz1"]


@needs_data
@pytest.mark.shared_data
def test_truncated_and_corrupt_files(tmp_path):
    raw = (GAIT / "Gait.c3d").read_bytes()
    short = tmp_path / "short.c3d"
    short.write_bytes(raw[:200_000])
    with pytest.raises(FileFormatError, match="truncated C3D file: the header promises 487 frames \\(4870 analog samples"):
        emgkit.read(short)
    broken = bytearray(raw)
    broken[600:5000] = bytes(range(256)) * 17 + bytes(range(4400 - 256 * 17))
    bad = tmp_path / "bad.c3d"
    bad.write_bytes(bytes(broken))
    with pytest.raises(FileFormatError, match="not a readable C3D file"):
        emgkit.read(bad)


def test_sniff_rejects_other_files(tmp_path):
    from emgkit.formats.c3d import sniff_c3d

    text = tmp_path / "x.c3d"
    text.write_bytes(b"1,2,3\n" * 200)
    assert not sniff_c3d(text, text.read_bytes()[:4096])
    fake = bytearray(1024)
    fake[0], fake[1] = 2, 0x50  # right magic, but no processor type in the parameter block
    assert not sniff_c3d(text, bytes(fake))


def test_missing_ezc3d_names_the_extra(tmp_path, rng, monkeypatch):
    path = _write_c3d(tmp_path / "a.c3d", ["LTA"], rng.normal(size=(1, 100)), ["V"])
    monkeypatch.setitem(sys.modules, "ezc3d", None)
    with pytest.raises(MissingDependencyError, match=r'pip install "emgkit\[c3d\]"'):
        emgkit.read(path)
