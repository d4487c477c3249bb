"""EDF, EDF+, BDF and BDF+ files (clinical and wearable systems; EMG-BIDS), read with ``pyedflib``.

Optional extra ``emgkit[edf]``.  What is read: every ordinary signal's
samples in physical units (pyedflib maps digital to physical values with
the header's physical/digital minimum and maximum), its label, physical
dimension, sampling rate, physical range (-> ``meta["adc_range"]``: a sample
at the physical minimum or maximum is at the converter limit), prefilter
text (a notch ``N:50Hz`` -> ``meta["powerline_hz"]``) and transducer; the
EDF+/BDF+ annotations (-> ``meta["events"]``); the start date and time.
Patient fields (name, code, birth date, sex) are **not** copied, so a
converted file carries no patient identification.

Signal selection: signals whose physical dimension is not a voltage (or
blank/counts) are not EMG.  If some labels follow the EDF+ convention of a
type prefix (``"EMG RBic"``, ``"EEG Fz"``, ``"ECG"``), only the ``EMG``
ones are kept.  Non-EMG signals at the EMG's rate go to ``meta["aux"]``; the
others are listed in ``meta["edf"]["excluded"]``.

Mixed sampling rates among the EMG signals are refused by default
(``mixed_rates="error"``: the message lists the rates); with
``mixed_rates="resample"`` every signal is resampled to the highest rate
(or ``resample_to``) by polyphase filtering (``scipy.signal.resample_poly``).

EMG-BIDS sidecars next to the file are used when present:
``<stem>.json`` (``PowerLineFrequency`` -> ``meta["powerline_hz"]``,
``EMGPlacementScheme``, ``EMGReference`` -> ``meta["bids"]``) and
``<stem without _emg>_channels.tsv`` (``type`` selects the ``EMG`` rows;
``muscle``/``target_muscle`` and ``side`` columns set the channels'
muscle and side).
"""

from __future__ import annotations

import csv
import difflib
import json
import math
import re
from fractions import Fraction
from pathlib import Path

import numpy as np

from .._checks import check_fs, check_option
from ..channels import Channel
from ..errors import FileFormatError, InvalidInputError
from .._reader import NONFINITE_POLICIES, RecordingFile
from ._common import build_channels, check_options, common_unit, normalise_unit, require, volt_factor
from .events import make_event, side_from_text

__all__ = ["sniff_edf", "open_edf", "read_edf"]

OPTIONS = ("mixed_rates", "resample_to", "emg_only", "nonfinite")
MIXED_RATES = ("error", "resample")
_EDF_TYPES = {
    "eeg", "ecg", "ekg", "eog", "emg", "resp", "sao2", "spo2", "temp", "pos", "light", "sound", "event", "ms",
    "mep", "erg", "sens", "dc", "ies", "cpap", "hr", "flow", "acc", "gyro",
}
_FILETYPES = {0: "edf", 1: "edf+", 2: "bdf", 3: "bdf+"}
_COUNT_UNITS = ("counts", "count", "a.u.", "au", "adu", "raw")


def sniff_edf(path: Path, head: bytes) -> bool:
    """True for EDF/EDF+ (version ``"0       "``) or BDF/BDF+ (``"\\xffBIOSEMI"``) with a consistent header size."""
    if len(head) < 256 or head[:8] not in (b"0       ", b"\xffBIOSEMI"):
        return False
    try:
        header_bytes = int(head[184:192].decode("ascii").strip())
        n_signals = int(head[252:256].decode("ascii").strip())
    except (UnicodeDecodeError, ValueError):
        return False
    return n_signals >= 0 and header_bytes == 256 * (n_signals + 1)


class _Signals:
    """Array-like view (n_channels, n_samples) of some EDF signals, read from disk on slicing."""

    def __init__(self, reader, indices, n_samples, factors):
        self._reader, self._indices, self._factors = reader, list(indices), list(factors)
        self.shape = (len(self._indices), int(n_samples))
        self.dtype = np.dtype(np.float64)

    def __getitem__(self, key):
        rows, cols = key
        rows = range(self.shape[0])[rows] if isinstance(rows, slice) else rows
        first, last, _ = cols.indices(self.shape[1])
        out = np.empty((len(rows), max(0, last - first)))
        for i, r in enumerate(rows):
            out[i] = self._reader.readSignal(self._indices[r], first, last - first)
            if self._factors[r] != 1.0:
                out[i] *= self._factors[r]
        return out


def _powerline(prefilter: str) -> float | None:
    m = re.search(r"\b(?:N|notch)\s*[:=]?\s*(\d+(?:\.\d+)?)\s*hz", prefilter or "", re.IGNORECASE)
    return float(m.group(1)) if m else None


def _bids(path: Path) -> tuple[dict, dict]:
    """(sidecar JSON, {channel name: row}) of an EMG-BIDS file, empty when absent."""
    sidecar, rows = {}, {}
    js = path.with_suffix(".json")
    if js.is_file():
        try:
            sidecar = json.loads(js.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise FileFormatError(f"{js}: the EMG-BIDS sidecar is not valid JSON ({exc})") from None
        if not isinstance(sidecar, dict):
            raise FileFormatError(f"{js}: the EMG-BIDS sidecar must hold a JSON object")
    stem = path.stem[: -len("_emg")] if path.stem.endswith("_emg") else path.stem
    tsv = path.with_name(f"{stem}_channels.tsv")
    if tsv.is_file():
        with tsv.open(encoding="utf-8", newline="") as fh:
            table = list(csv.DictReader(fh, delimiter="\t"))
        if table and "name" not in table[0]:
            raise FileFormatError(f"{tsv}: an EMG-BIDS channels.tsv needs a 'name' column; found {list(table[0])}")
        rows = {r["name"].strip(): r for r in table}
    return sidecar, rows


def _bids_value(row: dict, *keys):
    for key in keys:
        value = (row.get(key) or "").strip()
        if value and value.lower() != "n/a":
            return value
    return None


def open_edf(path, *, mixed_rates="error", resample_to=None, emg_only=True, nonfinite="error", _only=None,
             **unknown) -> RecordingFile:
    """Open an EDF/EDF+/BDF/BDF+ file (samples are read from disk when sliced, unless resampled).

    Parameters
    ----------
    path : Path
        The file.
    mixed_rates : {"error", "resample"}, default "error"
        What to do when the EMG signals have different sampling rates.
    resample_to : float > 0, optional
        Resample every signal to this rate in Hz (implies ``"resample"``).
        Default: the highest rate among the signals, when resampling.
    emg_only : bool, default True
        Apply the signal selection of the module notes; ``False`` keeps every
        signal with a voltage or blank unit.
    nonfinite : {"error", "interpolate", "zero"}
        Policy for NaN/inf samples.

    Returns
    -------
    RecordingFile
        ``meta`` holds ``events`` (EDF+ annotations; ``time_s`` from the
        file's first sample, ``duration_s`` when given), ``adc_range`` (or
        ``adc_ranges`` per channel when the physical ranges differ),
        ``powerline_hz`` when a notch prefilter or a BIDS sidecar states it,
        ``start_datetime``, ``aux`` and ``edf`` (per-signal details).

    Raises
    ------
    FileFormatError
        Not an EDF/BDF file or not compliant (truncated: pyedflib checks the
        size against the header), no EMG signal, mixed rates without
        ``mixed_rates="resample"``, a rate ratio that is not a simple fraction.
    """
    check_options("EDF/BDF", unknown, OPTIONS)
    check_option("mixed_rates", mixed_rates, MIXED_RATES)
    check_option("nonfinite", nonfinite, NONFINITE_POLICIES)
    target = None if resample_to is None else check_fs(resample_to)
    pyedflib = require("pyedflib", "edf", "EDF/BDF")
    path, only = Path(path), _only
    try:
        reader = pyedflib.EdfReader(str(path))
    except OSError as exc:
        raise FileFormatError(
            f"{path}: not a readable EDF/BDF file ({exc}). A 'Filesize' complaint means the file is truncated; "
            "copy it again from its source"
        ) from None
    try:
        handle = _open(reader, path, mixed_rates, target, bool(emg_only), nonfinite, only)
    except BaseException:
        reader.close()
        raise
    return handle


def read_edf(path, channels=None, start=None, stop=None, **options):
    """Read an EDF/BDF file (options and ``meta`` as in :func:`open_edf`).

    ``channels`` given as names are looked up among **all** signals before the
    rate check, so the signals of one rate of a mixed-rate file can be read
    without resampling, and a non-EMG signal can be asked for by name.
    Integers index the default (EMG) selection.
    """
    names = [channels] if isinstance(channels, str) else channels
    only = list(names) if names is not None and all(isinstance(c, str) for c in names) else None
    with open_edf(path, _only=only, **options) as handle:
        return handle.read(channels=channels, start=start, stop=stop)


def _open(reader, path, mixed_rates, target, emg_only, nonfinite, only=None) -> RecordingFile:
    n = reader.signals_in_file
    kind = _FILETYPES.get(reader.filetype, "edf")
    labels = [reader.getLabel(i).strip() for i in range(n)]
    units = [normalise_unit(reader.getPhysicalDimension(i)) for i in range(n)]
    rates = [float(reader.getSampleFrequency(i)) for i in range(n)]
    counts = [int(c) for c in reader.getNSamples()]
    prefilters = [reader.getPrefilter(i).strip() for i in range(n)]
    for i in range(n):  # pyedflib returns raw digital values when a range is empty: refuse instead of mislabelling them
        dmin, dmax = reader.getDigitalMinimum(i), reader.getDigitalMaximum(i)
        pmin, pmax = reader.getPhysicalMinimum(i), reader.getPhysicalMaximum(i)
        if not dmax > dmin or not (math.isfinite(pmin) and math.isfinite(pmax)) or pmin == pmax:
            raise FileFormatError(
                f"{path}: signal {i + 1} ({labels[i]!r}) has digital range [{dmin}, {dmax}] and physical range "
                f"[{pmin}, {pmax}]; both must be non-empty to convert samples to {units[i] or 'physical units'}: "
                "the header is corrupt, correct it or copy the file again from its source"
            )
    sidecar, bids_rows = _bids(path)

    excluded, emg, non_emg = {}, [], []
    typed = [lab.split()[0].lower() in _EDF_TYPES if lab.split() else False for lab in labels]
    use_types = emg_only and any(typed)
    for i, lab in enumerate(labels):
        row = bids_rows.get(lab)
        bids_type = (row.get("type") or "").strip() if row is not None else ""
        if emg_only and bids_type:
            reason = None if bids_type.upper() == "EMG" else f"channels.tsv type {bids_type!r}"
        elif units[i] and volt_factor(units[i]) is None and units[i].lower() not in _COUNT_UNITS:
            reason = f"unit {units[i]!r} is not a voltage"
        elif use_types and lab.split()[0].lower() != "emg":
            reason = f"EDF+ signal type {lab.split()[0]!r}, not EMG"
        else:
            reason = None
        if reason is None:
            emg.append(i)
        else:
            non_emg.append(i)
            excluded[lab] = reason
    if only is not None:  # the caller names the signals: any signal, in file order
        missing = [name for name in only if name not in labels]
        if missing:
            hint = difflib.get_close_matches(missing[0], labels, n=1)
            extra = f" (did you mean {hint[0]!r}?)" if hint else ""
            raise InvalidInputError(f"no signal {missing[0]!r} in {path}{extra}; signals: {labels}")
        emg = [i for i in range(n) if labels[i] in only]
        non_emg = [i for i in non_emg if i not in emg]
        excluded = {labels[i]: excluded[labels[i]] for i in non_emg}
    if not emg:
        raise FileFormatError(
            f"{path}: no EMG signal among its {n} signals ({'; '.join(f'{k}: {v}' for k, v in excluded.items()) or 'none'}); "
            "pass emg_only=False to read every voltage signal"
        )
    emg_rates = sorted({rates[i] for i in emg})
    if len(emg_rates) > 1 and target is None and mixed_rates == "error":
        groups = "; ".join(f"{r:g} Hz: {', '.join(labels[i] for i in emg if rates[i] == r)}" for r in emg_rates)
        raise FileFormatError(
            f"{path}: the EMG signals have different sampling rates ({groups}). emgkit never pairs samples across "
            "rates: read the signals of one rate with channels=[...], or pass mixed_rates='resample' "
            f"(polyphase resampling to {emg_rates[-1]:g} Hz, or resample_to=<Hz>)"
        )
    fs = target if target is not None else emg_rates[-1]

    channel_labels = [labels[i] for i in emg]
    channels, notes = build_channels(channel_labels)
    for k, i in enumerate(emg):
        row = bids_rows.get(labels[i])
        if row is not None:
            muscle = _bids_value(row, "muscle", "target_muscle")
            side = _bids_value(row, "side")
            if muscle or side:
                channels[k] = Channel(channels[k].name, muscle=muscle or channels[k].muscle, side=side or channels[k].side)
                notes.append(f"{labels[i]}: muscle/side from {path.stem}_channels.tsv")
    unit, factors = common_unit([units[i] or "a.u." for i in emg], str(path))

    meta = {
        "source": {"format": kind, "file": path.name},
        "edf": {
            "signals": {
                labels[i]: {
                    "fs": rates[i],
                    "unit": units[i],
                    "physical_range": [float(reader.getPhysicalMinimum(i)), float(reader.getPhysicalMaximum(i))],
                    "prefilter": prefilters[i],
                    "transducer": reader.getTransducer(i).strip(),
                }
                for i in emg
            },
            "excluded": dict(excluded),
        },
    }
    try:
        meta["start_datetime"] = reader.getStartdatetime().isoformat()
    except (ValueError, OSError):
        pass
    equipment = reader.getEquipment().strip()
    if equipment:
        meta["source"]["equipment"] = equipment
    ranges = [sorted([reader.getPhysicalMinimum(i) * f, reader.getPhysicalMaximum(i) * f]) for i, f in zip(emg, factors)]
    if all(np.allclose(r, ranges[0], rtol=1e-9) for r in ranges):
        meta["adc_range"] = [float(v) for v in ranges[0]]
    else:
        meta["adc_ranges"] = {labels[i]: [float(v) for v in r] for i, r in zip(emg, ranges)}
    lines = {_powerline(prefilters[i]) for i in emg} - {None}
    if isinstance(sidecar.get("PowerLineFrequency"), (int, float)):
        lines = {float(sidecar["PowerLineFrequency"])}
    if len(lines) == 1:
        meta["powerline_hz"] = lines.pop()
    bids = {k: sidecar[k] for k in ("EMGPlacementScheme", "EMGReference", "RecordingType", "SoftwareFilters") if k in sidecar}
    if bids:
        meta["bids"] = bids
    if notes:
        meta["channel_notes"] = notes

    onsets, durations, texts = reader.readAnnotations()
    events = [
        make_event(t, text, side=side_from_text(text), source=f"{kind} annotation", duration_s=d)
        for t, d, text in zip(onsets, durations, texts)
        if math.isfinite(float(t))
    ]
    if events:
        meta["events"] = sorted(events, key=lambda e: e["time_s"])

    resample = len(emg_rates) > 1 or fs != emg_rates[0]
    n_samples = max(counts[i] for i in emg) if not resample else None
    aux = {}
    for i in non_emg:  # goniometers, footswitches, accelerometers at the EMG's rate: usable as triggers
        if volt_factor(units[i]) is None and rates[i] == fs and not resample and counts[i] == n_samples:
            aux[labels[i]] = {
                "data": reader.readSignal(i),
                "unit": units[i],
                "label": labels[i],
                "note": excluded.get(labels[i], ""),
            }
    if aux:
        meta["aux"] = aux

    if not resample:
        if len({counts[i] for i in emg}) > 1:
            raise FileFormatError(f"{path}: signals at {fs:g} Hz have different sample counts {[counts[i] for i in emg]}")
        source = _Signals(reader, emg, n_samples, factors)
        return RecordingFile(source, fs=fs, channels=channels, unit=unit, meta=meta, nonfinite=nonfinite, path=path,
                             close=reader.close)
    data = [_resample(reader.readSignal(i) * f, rates[i], fs, labels[i], path) for i, f in zip(emg, factors)]
    length = min(len(x) for x in data)
    meta["resampled"] = {
        "fs": fs,
        "method": "scipy.signal.resample_poly (polyphase, Kaiser window)",
        "from_hz": {labels[i]: rates[i] for i in emg if rates[i] != fs},
    }
    reader.close()
    return RecordingFile(np.ascontiguousarray(np.stack([x[:length] for x in data])), fs=fs, channels=channels, unit=unit,
                         meta=meta, nonfinite=nonfinite, path=path)


def _resample(x, rate, fs, label, path):
    if rate == fs:
        return x
    ratio = Fraction(fs / rate).limit_denominator(1000)
    if abs(float(ratio) - fs / rate) > 1e-9 * fs / rate:
        raise FileFormatError(
            f"{path}: cannot resample {label!r} from {rate:g} Hz to {fs:g} Hz: the ratio is not a fraction with a "
            "denominator up to 1000; pass resample_to=<Hz> with a simpler ratio"
        )
    from scipy.signal import resample_poly

    return resample_poly(x, ratio.numerator, ratio.denominator)

