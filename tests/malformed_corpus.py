"""A freshly generated corpus of malformed recordings, one list of cases over every reader emgkit has.

:func:`build` writes the files into a folder and returns one :class:`Case`
per file: its reader family, and whether emgkit must **refuse** it (exit
code 2 and one line naming the file) or may read it (``"either"``: read when
the damage leaves a valid recording, refused otherwise; never a crash, a
hang or a blow-up).  Everything is generated from seeded random numbers and
hand-made byte edits; the C3D cases patch copies of the shared real files
(``../shared/data/c3d_bilateral_gait``) and are left out when those are absent.

The cases follow the hostile inputs of issue 18: wrong metadata types (``fs``
as ``[1000, 2000]``, ``True``, 0; ``powerline_hz`` 0; NaN event times),
datasets that declare far more than the file holds, 200,000 channels, a 20 MB
line of text, 1e20 integers, a Vicon CSV at 1e12 Hz, 32 overwritten bytes,
truncations, C3D parameters such as ``ANALOG:RATE = 1e9``, special files
(folder, FIFO without a writer, device, link loop, dangling link) and escape
codes in names.
"""

from __future__ import annotations

import json
import os
import shutil
import struct
from dataclasses import dataclass
from pathlib import Path

import h5py
import numpy as np

import emgkit

ESC = "\x1b"
NAMES = ["L Biceps", "R Biceps", "L Triceps", "R Triceps"]


@dataclass
class Case:
    """One malformed input: ``expect`` is ``"refuse"`` (exit 2) or ``"either"`` (exit 0 or 2)."""

    name: str
    path: Path
    reader: str
    expect: str = "refuse"


def _signal(rng, n_ch=4, fs=1000.0, seconds=6.0):
    t = np.arange(int(fs * seconds)) / fs
    bursts = (np.sin(2 * np.pi * 0.5 * t) > 0.3).astype(float)
    return rng.normal(0, 1, (n_ch, t.size)) * (0.05 + bursts) * 1e-4


def _native(path, rng, *, names=NAMES, meta=None, n_ch=4):
    rec = emgkit.Recording(_signal(rng, n_ch), 1000.0, names, unit="V", meta=meta or {})
    return emgkit.write(rec, path, overwrite=True)


def _edit_native(path, edit):
    with h5py.File(path, "r+") as f:
        edit(f)
    return path


def _set_attr(name, value):
    def edit(f):
        f[name].attrs["fs"] = value
    return edit


def _replace(name, value):
    def edit(f):
        del f[name]
        f[name] = value
    return edit


def _native_cases(d: Path, rng) -> list[Case]:
    cases = []
    base = _native(d / "native_ok.h5", rng)
    good = base.read_bytes()

    def copy(name):
        p = d / name
        p.write_bytes(good)
        return p

    for label, value in [("list", np.array([1000.0, 2000.0])), ("bool", True), ("zero", 0.0), ("negative", -5.0),
                         ("nan", np.nan), ("inf", np.inf), ("text", "fast"), ("huge", 1e300)]:
        p = _edit_native(copy(f"native_fs_{label}.h5"), _set_attr("emg/data", value))
        cases.append(Case(f"native fs={label}", p, "native"))
    p = copy("native_fs_missing.h5")
    _edit_native(p, lambda f: f["emg/data"].attrs.__delitem__("fs"))
    cases.append(Case("native fs missing", p, "native"))
    for label, value in [("zero", 0), ("49", 49), ("text", "50"), ("bool", True), ("nan", float("nan"))]:
        p = _native(d / f"native_powerline_{label}.h5", rng, meta={"powerline_hz": value})
        cases.append(Case(f"native powerline_hz={label}", p, "native"))
    for label, value in [("nan", float("nan")), ("inf", float("inf"))]:
        p = _native(d / f"native_event_{label}.h5", rng, meta={"events": [{"time_s": value, "label": "rep", "name": "rep"}]})
        cases.append(Case(f"native event time {label}", p, "native"))
    # bytes overwritten at places spread over the file (superblock, object headers, chunks, strings)
    for k, frac in enumerate(np.linspace(0.0, 0.97, 12)):
        data = bytearray(good)
        at = int(frac * (len(data) - 32))
        data[at : at + 32] = bytes(rng.integers(0, 256, 32, dtype=np.uint8))
        p = d / f"native_overwritten_{k}.h5"
        p.write_bytes(bytes(data))
        cases.append(Case(f"native 32 bytes overwritten at {at}", p, "native", "either"))
    for k, frac in enumerate([0.0, 0.01, 0.1, 0.5, 0.9, 0.999]):
        p = d / f"native_truncated_{k}.h5"
        p.write_bytes(good[: int(frac * len(good))])
        cases.append(Case(f"native truncated to {frac:.1%}", p, "native"))
    for label, value in [("ints", np.zeros((4, 100), "i4")), ("text", np.array([b"a", b"b", b"c", b"d"])),
                         ("3d", np.zeros((4, 10, 10))), ("empty", np.zeros((4, 0)))]:
        p = copy(f"native_data_{label}.h5")

        def edit(f, value=value):
            fs = f["emg/data"].attrs["fs"]
            del f["emg/data"]
            f["emg/data"] = value
            f["emg/data"].attrs["fs"] = fs
            f["emg/data"].attrs["unit"] = "V"
        cases.append(Case(f"native data {label}", _edit_native(p, edit), "native"))
    p = copy("native_huge_chunked.h5")

    def huge(f):
        del f["emg/data"]
        ds = f.create_dataset("emg/data", shape=(4, 2**40), dtype="f8", chunks=(4, 4096))
        ds.attrs["fs"], ds.attrs["unit"] = 1000.0, "V"
    cases.append(Case("native declares 32 TB in unwritten chunks", _edit_native(p, huge), "native"))
    for label, text in [("not_json", "{nope"), ("not_utf8", b"\xff\xfe{}"), ("deep", "[" * 100_000 + "]" * 100_000),
                        ("list", "[1, 2]")]:
        p = copy(f"native_meta_{label}.h5")
        cases.append(Case(f"native meta {label}", _edit_native(p, _replace("meta", np.bytes_(text) if isinstance(text, bytes)
                                                                               else text)), "native"))
    p = copy("native_names_short.h5")
    cases.append(Case("native fewer names than rows", _edit_native(p, _replace("emg/channels/name", np.array([b"a"]))),
                      "native"))
    nan = _signal(rng)
    nan[1, 100:110] = np.nan
    p = d / "native_nan_samples.h5"
    emgkit.write(emgkit.Recording(nan, 1000.0, NAMES, nonfinite="zero"), p, overwrite=True)
    _edit_native(p, lambda f: f["emg/data"].__setitem__((1, slice(100, 110)), np.nan))
    cases.append(Case("native NaN samples", p, "native"))
    p = d / "native_ansi_names.h5"
    _native(p, rng, names=[f"L Biceps{ESC}[2J", f"R Biceps{ESC}]0;pwned\a", "L Triceps\r", "R Triceps\x9b31m"],
            meta={"subject": f"S1{ESC}[31m"})
    cases.append(Case("native escape codes in names", p, "native", "either"))
    # 200,000 channels with repeated names: the duplicate check must stay linear
    p = d / "native_200k_channels.h5"
    with h5py.File(p, "w") as f:
        f.attrs["format"], f.attrs["format_version"] = "emgkit", 1
        ds = f.create_dataset("emg/data", data=np.zeros((200_000, 4), "f4"))
        ds.attrs["fs"], ds.attrs["unit"] = 1000.0, "V"
        f.create_dataset("emg/channels/name", data=np.array([f"ch{k % 100_000}" for k in range(200_000)], dtype="S"))
    cases.append(Case("native 200,000 channels, repeated names", p, "native"))
    return cases


def _foreign(path, data, **attrs):
    with h5py.File(path, "w") as f:
        ds = f.create_dataset("emg", data=data)
        for k, v in attrs.items():
            ds.attrs[k] = v
    return path


def _foreign_cases(d: Path, rng) -> list[Case]:
    x = _signal(rng)
    cases = []
    for label, value in [("list", [1000.0, 2000.0]), ("bool", True), ("zero", 0), ("nan", np.nan), ("text", "fast"),
                         ("negative", -1000.0)]:
        cases.append(Case(f"hdf5 fs={label}", _foreign(d / f"hdf5_fs_{label}.h5", x, fs=value), "hdf5"))
    cases.append(Case("hdf5 no fs", _foreign(d / "hdf5_no_fs.h5", x), "hdf5"))
    cases.append(Case("hdf5 text samples", _foreign(d / "hdf5_text.h5", np.array([b"a", b"b"]), fs=1000.0), "hdf5"))
    cases.append(Case("hdf5 3-D samples", _foreign(d / "hdf5_3d.h5", np.zeros((2, 3, 4)), fs=1000.0), "hdf5"))
    cases.append(Case("hdf5 empty samples", _foreign(d / "hdf5_empty.h5", np.zeros((2, 0)), fs=1000.0), "hdf5"))
    cases.append(Case("hdf5 complex samples", _foreign(d / "hdf5_complex.h5", x[:2] + 1j, fs=1000.0), "hdf5"))
    with h5py.File(d / "hdf5_no_data.h5", "w") as f:
        f.attrs["note"] = "nothing"
    cases.append(Case("hdf5 without datasets", d / "hdf5_no_data.h5", "hdf5"))
    with h5py.File(d / "hdf5_huge.h5", "w") as f:
        ds = f.create_dataset("emg", shape=(8, 2**39), dtype="f4", chunks=(8, 8192))
        ds.attrs["fs"] = 1000.0
    cases.append(Case("hdf5 16 TB declared, no chunk written", d / "hdf5_huge.h5", "hdf5"))
    with h5py.File(d / "hdf5_contiguous_unwritten.h5", "w") as f:
        ds = f.create_dataset("emg", shape=(8, 4_000_000), dtype="f8")
        ds.attrs["fs"] = 1000.0
    cases.append(Case("hdf5 contiguous dataset never written", d / "hdf5_contiguous_unwritten.h5", "hdf5"))
    with h5py.File(d / "hdf5_external_link.h5", "w") as f:
        f["emg"] = h5py.ExternalLink("hdf5_huge.h5", "/emg")
    cases.append(Case("hdf5 external link to a 16 TB declaration", d / "hdf5_external_link.h5", "hdf5"))
    with h5py.File(d / "hdf5_two_candidates.h5", "w") as f:
        f["a"], f["b"] = x, x
        f.attrs["fs"] = 1000.0
    cases.append(Case("hdf5 two equal candidate datasets", d / "hdf5_two_candidates.h5", "hdf5"))
    p = _foreign(d / "hdf5_labels_ansi.h5", x, fs=1000.0, labels=[f"L Biceps{ESC}[2J", "R Biceps", "L Tri", "R Tri"])
    cases.append(Case("hdf5 escape codes in labels", p, "hdf5", "either"))
    p = _foreign(d / "hdf5_ints_1e18.h5", np.full((2, 5000), 10**18, "i8"), fs=1000.0)
    cases.append(Case("hdf5 int64 near overflow", p, "hdf5", "either"))
    p = _foreign(d / "hdf5_scale_zero.h5", x, fs=1000.0, scale=0.0)
    cases.append(Case("hdf5 scale 0 on float samples (not applied to floats)", p, "hdf5", "either"))
    p = d / "hdf5_truncated.h5"
    p.write_bytes(_foreign(d / "hdf5_full.h5", x, fs=1000.0).read_bytes()[:3000])
    cases.append(Case("hdf5 truncated", p, "hdf5"))
    return cases


def _nwb(path, *, data, rate=2000.0, trials=None, extra=None):
    with h5py.File(path, "w") as f:
        f.attrs["neurodata_type"], f.attrs["nwb_version"] = "NWBFile", "2.6.0"
        f.attrs["namespace"] = "core"
        g = f.create_group("acquisition/EMG")
        g.attrs["neurodata_type"], g.attrs["namespace"] = "ElectricalSeries", "core"
        ds = g.create_dataset("data", data=data)
        ds.attrs["conversion"], ds.attrs["offset"], ds.attrs["unit"] = 1e-6, 0.0, "volts"
        st = g.create_dataset("starting_time", data=0.0)
        st.attrs["rate"], st.attrs["unit"] = rate, "seconds"
        if trials is not None:
            t = f.create_group("intervals/trials")
            t.attrs["neurodata_type"] = "TimeIntervals"
            t["start_time"], t["stop_time"] = trials, np.asarray(trials) + 1.0
            t["id"] = np.arange(len(trials))
        if extra:
            extra(f)
    return path


def _nwb_cases(d: Path, rng) -> list[Case]:
    x = (_signal(rng).T * 1e6).astype("f4")
    cases = [
        Case("nwb rate 0", _nwb(d / "nwb_rate_zero.nwb", data=x, rate=0.0), "nwb"),
        Case("nwb rate nan", _nwb(d / "nwb_rate_nan.nwb", data=x, rate=np.nan), "nwb"),
        Case("nwb rate 1e12", _nwb(d / "nwb_rate_huge.nwb", data=x, rate=1e12), "nwb"),
        Case("nwb NaN trial starts", _nwb(d / "nwb_trials_nan.nwb", data=x, trials=[np.nan, 2.0]), "nwb", "either"),
        Case("nwb text data", _nwb(d / "nwb_text.nwb", data=np.array([b"a", b"b"])), "nwb"),
        Case("nwb empty data", _nwb(d / "nwb_empty.nwb", data=np.zeros((0, 4), "f4")), "nwb"),
    ]

    def huge(f):
        del f["acquisition/EMG/data"]
        f["acquisition/EMG"].create_dataset("data", shape=(2**40, 4), dtype="f4", chunks=(8192, 4))
    cases.append(Case("nwb 16 TB declared, unwritten", _nwb(d / "nwb_huge.nwb", data=x, extra=huge), "nwb"))

    def no_rate(f):
        del f["acquisition/EMG/starting_time"]
    cases.append(Case("nwb no time base", _nwb(d / "nwb_no_rate.nwb", data=x, extra=no_rate), "nwb"))
    return cases


def _edf(path, *, n_records=4, fs=1000, dim="uV", pmin=-5000, pmax=5000, dmin=-32768, dmax=32767, labels=("L Biceps",
         "R Biceps"), n_records_field=None, ns_field=None, bdf=False, rng=None):
    """A hand-written EDF (or BDF) file: 1-s records, header fields as given (possibly invalid)."""
    ns = len(labels)
    width = 3 if bdf else 2

    def field(values, size):
        return "".join(str(v)[:size].ljust(size) for v in values)
    header = ("\xffBIOSEMI" if bdf else "0").ljust(8)[:8]
    header += "X X X X".ljust(80) + "Startdate X X X X".ljust(80) + "01.01.26" + "00.00.00"
    header += str(256 * (ns + 1)).ljust(8) + ("24BIT" if bdf else "").ljust(44)
    header += str(n_records if n_records_field is None else n_records_field).ljust(8) + "1".ljust(8)
    header += str(ns if ns_field is None else ns_field).ljust(4)
    header += field(labels, 16) + field(["AgAgCl"] * ns, 80) + field([dim] * ns, 8)
    header += field([pmin] * ns, 8) + field([pmax] * ns, 8) + field([dmin] * ns, 8) + field([dmax] * ns, 8)
    header += field(["HP:10Hz"] * ns, 80) + field([fs] * ns, 8) + field([""] * ns, 32)
    raw = header.encode("latin-1")
    rng = rng or np.random.default_rng(0)
    samples = rng.integers(-3000, 3000, n_records * fs * ns)
    if bdf:
        body = b"".join(int(v & 0xFFFFFF).to_bytes(3, "little") for v in samples)
    else:
        body = samples.astype("<i2").tobytes()
    assert width in (2, 3)
    path.write_bytes(raw + body)
    return path


def _edf_cases(d: Path, rng) -> list[Case]:
    cases = [Case("edf valid control", _edf(d / "edf_ok.edf", rng=rng), "edf", "either")]
    for label, kw in [("records_minus1", {"n_records_field": -1}), ("records_huge", {"n_records_field": 99999999}),
                      ("records_text", {"n_records_field": "many"}), ("signals_zero", {"ns_field": 0}),
                      ("signals_huge", {"ns_field": 9999}), ("fs_zero", {"fs": 0}),
                      ("fs_huge", {"fs": 99999999, "n_records": 0}), ("phys_equal", {"pmin": 5, "pmax": 5}),
                      ("dig_equal", {"dmin": 0, "dmax": 0}), ("phys_text", {"pmin": "low"})]:
        cases.append(Case(f"edf {label}", _edf(d / f"edf_{label}.edf", rng=rng, **kw), "edf"))
    good = (d / "edf_ok.edf").read_bytes()
    for k, frac in enumerate([0.02, 0.3, 0.6, 0.95]):
        p = d / f"edf_truncated_{k}.edf"
        p.write_bytes(good[: int(frac * len(good))])
        cases.append(Case(f"edf truncated to {frac:.0%}", p, "edf", "either" if frac > 0.9 else "refuse"))
    cases.append(Case("edf escape codes in labels", _edf(d / "edf_ansi.edf", rng=rng, labels=(f"L Bic{ESC}[2J", "R Bic")),
                      "edf", "either"))
    cases.append(Case("bdf valid control", _edf(d / "bdf_ok.bdf", rng=rng, bdf=True), "edf", "either"))
    cases.append(Case("bdf records huge", _edf(d / "bdf_records_huge.bdf", rng=rng, bdf=True, n_records_field=10**7),
                      "edf"))
    return cases


def _text(path, text):
    path.write_bytes(text.encode("utf-8") if isinstance(text, str) else text)
    return path


def _rows(rng, n=3000, cols=2, fmt="{:.6f}"):
    x = _signal(rng, cols, seconds=n / 1000.0) * 1e6
    return "\n".join(",".join(fmt.format(v) for v in row) for row in x.T)


def _vicon(rate, rows):
    head = ["Devices", str(rate), ",,Imported Noraxon - Sensor A,Imported Noraxon - Sensor B",
            "Frame,Sub Frame,EMG,EMG", ",,mV,mV"]
    return "\r\n".join(head + rows) + "\r\n"


def _text_cases(d: Path, rng) -> list[Case]:
    body = _rows(rng)
    vicon_rows = [f"{1 + i // 10},{i % 10},{a:.4f},{b:.4f}" for i, (a, b) in enumerate(rng.normal(0, 1, (3000, 2)))]
    cases = [
        Case("csv empty", _text(d / "csv_empty.csv", ""), "text"),
        Case("csv header only", _text(d / "csv_header_only.csv", "L Biceps,R Biceps\n"), "text"),
        Case("csv one 20 MB line", _text(d / "csv_long_line.csv", "1," * 10_000_000 + "1\n"), "text"),
        Case("csv 20 MB line of letters", _text(d / "csv_long_letters.csv", "a" * 20_000_000 + "\n1,2\n"), "text"),
        Case("csv 1e20 integers", _text(d / "csv_1e20.csv", "time,L Biceps,R Biceps\n" + "\n".join(
            f"{k / 1000:.3f},{10**20 + k},{-(10**20) - k}" for k in range(3000))), "text", "either"),
        Case("csv 1e20 integers, no time", _text(d / "csv_1e20_plain.csv", "L Biceps,R Biceps\n" + "\n".join(
            f"{10**20 + k},{-(10**20) - k}" for k in range(3000))), "text"),
        Case("csv 1e400 values", _text(d / "csv_1e400.csv", "a,b\n" + "\n".join("1e400,-1e400" for _ in range(3000))),
             "text"),
        Case("csv NaN values", _text(d / "csv_nan.csv", "a,b\n" + "\n".join("nan,1" for _ in range(3000))), "text"),
        Case("csv ragged rows", _text(d / "csv_ragged.csv", "a,b\n1,2\n3\n4,5,6\n" * 500), "text"),
        Case("csv binary garbage", _text(d / "csv_garbage.csv", bytes(rng.integers(0, 256, 5000, dtype=np.uint8))),
             "text"),
        Case("csv NUL bytes", _text(d / "csv_nul.csv", "a,b\n" + "1,2\n" * 100 + "\x00" * 100), "text"),
        Case("csv escape codes in header", _text(d / "csv_ansi.csv", f"time,L Biceps{ESC}[2J,R Biceps{ESC}]0;x\a\n"
             + "\n".join(f"{k / 1000:.3f},{a:.6f},{b:.6f}" for k, (a, b) in enumerate(rng.normal(0, 1, (3000, 2))))),
             "text", "either"),
        Case("csv time column constant", _text(d / "csv_time_const.csv", "time,a\n" + "\n".join(
            f"0.0,{v:.5f}" for v in rng.normal(0, 1, 3000))), "text"),
        Case("csv time column reversed", _text(d / "csv_time_back.csv", "time,a\n" + "\n".join(
            f"{(3000 - k) / 1000:.3f},{v:.5f}" for k, v in enumerate(rng.normal(0, 1, 3000)))), "text"),
        Case("csv time step 1e-12 s", _text(d / "csv_time_tiny.csv", "time,a\n" + "\n".join(
            f"{k * 1e-12:.15e},{v:.5f}" for k, v in enumerate(rng.normal(0, 1, 3000)))), "text"),
        Case("csv no fs, plain columns", _text(d / "csv_plain.csv", "L Biceps,R Biceps\n" + body), "text"),
        Case("csv one row", _text(d / "csv_one_row.csv", "time,a\n0,1\n"), "text"),
        Case("csv 200,000 columns", _text(d / "csv_200k_columns.csv", ",".join(f"c{k % 1000}" for k in range(200_000))
                                          + "\n" + ",".join("1" for _ in range(200_000)) + "\n"), "text"),
        Case("csv invalid UTF-8", _text(d / "csv_latin1.csv", b"a\xff,b\xfe\n" + b"1,2\n" * 100), "text"),
        Case("tsv mixed delimiters", _text(d / "tsv_mixed.tsv", "a\tb,c;d\n" + "1\t2,3;4\n" * 200), "text"),
    ]
    for label, rate in [("1e12", "1e12"), ("zero", "0"), ("nan", "nan"), ("negative", "-100"), ("text", "fast"),
                        ("inf", "inf")]:
        cases.append(Case(f"vicon rate {label}", _text(d / f"vicon_rate_{label}.csv", _vicon(rate, vicon_rows)), "text"))
    cases.append(Case("vicon no rows", _text(d / "vicon_no_rows.csv", _vicon(1000, [])), "text"))
    cases.append(Case("vicon ragged rows", _text(d / "vicon_ragged.csv", _vicon(1000, ["1,0,1.0", "1,1"] * 50)), "text"))
    stf = "# Simple Text Format\n# Sampling Rate (Hz):= {rate}\n# Resolution:= 12\n# Labels:= EMG\n"
    for label, rate in [("zero", "0"), ("nan", "nan"), ("huge", "1e300"), ("text", "fast"), ("list", "[1000, 2000]")]:
        p = _text(d / f"opensignals_rate_{label}.txt", stf.format(rate=rate) + "\n".join(str(int(v)) for v in
                                                                                         rng.integers(0, 4095, 3000)))
        cases.append(Case(f"opensignals rate {label}", p, "text"))
    cases.append(Case("opensignals no samples", _text(d / "opensignals_empty.txt", stf.format(rate=1000)), "text"))
    return cases


def _c3d_param_offsets(path):
    from emgkit.formats._c3d_header import _params

    with open(path, "rb") as fh:
        head = fh.read(512)
        found, processor = _params(path, fh, head[0])
    return found, processor


def _c3d_cases(d: Path, rng, shared: Path | None) -> list[Case]:
    src = shared / "c3d_bilateral_gait" / "1123x01EMG.c3d" if shared else None
    if src is None or not src.is_file():
        return []
    good = src.read_bytes()
    found, processor = _c3d_param_offsets(src)
    cases = []
    for label, key, value in [("analog_rate_1e9", ("ANALOG", "RATE"), 1e9), ("analog_rate_nan", ("ANALOG", "RATE"), np.nan),
                              ("analog_rate_negative", ("ANALOG", "RATE"), -1000.0),
                              ("analog_rate_inf", ("ANALOG", "RATE"), np.inf),
                              ("point_rate_nan", ("POINT", "RATE"), np.nan),
                              ("analog_rate_zero", ("ANALOG", "RATE"), 0.0)]:
        data = bytearray(good)
        _, at = found[key]
        data[at : at + 4] = struct.pack("<f", value)
        cases.append(Case(f"c3d {label}", _text(d / f"c3d_{label}.c3d", bytes(data)), "c3d",
                          "either" if label == "analog_rate_zero" else "refuse"))
    data = bytearray(good)
    _, at = found[("ANALOG", "USED")]
    data[at : at + 2] = struct.pack("<h", 32000)
    cases.append(Case("c3d ANALOG:USED 32000", _text(d / "c3d_used_huge.c3d", bytes(data)), "c3d"))
    for k, frac in enumerate([0.002, 0.01, 0.2, 0.5, 0.9]):
        cases.append(Case(f"c3d truncated to {frac:.1%}", _text(d / f"c3d_truncated_{k}.c3d", good[: int(frac * len(good))]),
                          "c3d"))
    for k, at in enumerate([2, 16, 520, 600, 1100, 5000, 40000, 100000]):
        data = bytearray(good)
        data[at : at + 32] = bytes(rng.integers(0, 256, 32, dtype=np.uint8))
        cases.append(Case(f"c3d 32 bytes overwritten at {at}", _text(d / f"c3d_overwritten_{k}.c3d", bytes(data)), "c3d",
                          "either"))
    return cases


def _special_cases(d: Path) -> list[Case]:
    cases = []
    (d / "a_folder.h5").mkdir(exist_ok=True)
    cases.append(Case("a folder named .h5", d / "a_folder.h5", "special"))
    fifo = d / "fifo_no_writer.csv"
    if not fifo.exists():
        os.mkfifo(fifo)
    cases.append(Case("FIFO without a writer", fifo, "special"))
    cases.append(Case("a character device", Path("/dev/zero"), "special"))
    loop = d / "loop.h5"
    if not loop.is_symlink():
        os.symlink(loop.name, loop)
    cases.append(Case("symbolic link loop", loop, "special"))
    dangling = d / "dangling.h5"
    if not dangling.is_symlink():
        os.symlink("nowhere.h5", dangling)
    cases.append(Case("dangling symbolic link", dangling, "special"))
    cases.append(Case("missing file", d / "missing.h5", "special"))
    cases.append(Case("empty .h5", _text(d / "empty.h5", b""), "special"))
    cases.append(Case("text named .h5", _text(d / "text_named.h5", "a,b\n1,2\n"), "special"))
    cases.append(Case("npy array", _text(d / "array.npy", b"\x93NUMPY" + b"\x00" * 100), "special"))
    cases.append(Case("zip archive", _text(d / "archive.csv", b"PK\x03\x04" + b"\x00" * 100), "special"))
    cases.append(Case("HDF5 signature only", _text(d / "sig_only.h5", b"\x89HDF\r\n\x1a\n"), "special"))
    return cases


def build(folder, shared=None) -> list[Case]:
    """Write the corpus into ``folder`` (created) and return its cases (C3D ones only when ``shared`` holds the gait C3D)."""
    d = Path(folder)
    if d.exists():
        shutil.rmtree(d)
    d.mkdir(parents=True)
    rng = np.random.default_rng(20261205)
    cases = (_native_cases(d, rng) + _foreign_cases(d, rng) + _nwb_cases(d, rng) + _edf_cases(d, rng)
             + _text_cases(d, rng) + _c3d_cases(d, rng, shared) + _special_cases(d))
    (d / "cases.json").write_text(json.dumps([[c.name, str(c.path), c.reader, c.expect] for c in cases], indent=1))
    return cases
