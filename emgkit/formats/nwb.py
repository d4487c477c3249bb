"""NWB (Neurodata Without Borders) files: EMG in an ``ElectricalSeries`` or a volts ``TimeSeries``, read with h5py.

Follows the NWB 2.x HDF5 layout (docs/science.md#metadata-conventions), without pynwb:

* ``data`` is time x channels (or 1-D for one channel); volts =
  ``data * conversion * channel_conversion[channel] + offset`` (``offset``
  from NWB 2.4, 0 before; ``channel_conversion`` optional);
* time: ``starting_time`` with its ``rate`` attribute, or ``timestamps``,
  which must be uniform to half a sample (the rate is ``(n - 1) / span``);
  ``meta["start_s"]`` is the first sample's time;
* channel names: the rows of the electrodes table that the series'
  ``electrodes`` region points to, from its ``label`` column, else
  ``channel_name``/``name``, else ``location`` when unique, else
  ``ch<id>``; the ``location`` text also serves to parse muscle and side;
* events: every ``AnnotationSeries`` (text + timestamps) and the
  ``/intervals/trials`` table (``trial`` events with their duration).

Not read: ``resolution``, ``filtering``, electrode positions, spike and
processed series other than the one chosen, ``pynwb`` extensions.
"""

from __future__ import annotations

from pathlib import Path

import h5py
import numpy as np

from .._checks import check_option
from ..errors import FileFormatError, InvalidInputError
from ..hdf5_native import open_hdf5
from .._reader import NONFINITE_POLICIES, RecordingFile, check_hdf5_storage, is_hdf5
from ._common import build_channels, check_options, uniform_rate, unique_names
from .events import make_event, side_from_text

__all__ = ["sniff_nwb", "open_nwb"]

OPTIONS = ("series", "nonfinite")
_VOLTS = {"volt", "volts", "v"}


def _text(value) -> str:
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    if isinstance(value, np.ndarray) and value.size == 1:
        return _text(value.reshape(-1)[0])
    return str(value) if value is not None else ""


def sniff_nwb(path: Path, head: bytes) -> bool:
    """True for an HDF5 file whose root says ``neurodata_type = "NWBFile"`` (as pynwb and MatNWB write).

    HDF5 files that only imitate the layout are left to the generic HDF5 reader.
    """
    if not is_hdf5(path, head):
        return False
    try:
        with h5py.File(path, "r", locking="best-effort") as f:
            return _text(f.attrs.get("neurodata_type")) == "NWBFile"
    except Exception:  # unreadable files are diagnosed by the reader that accepts them
        return False


class _Samples:
    """Channels-first float64 view of an NWB ``data`` dataset (time x channels) with its conversion applied."""

    def __init__(self, ds, gains, offset):
        self._ds, self._gains, self._offset = ds, np.asarray(gains, dtype=np.float64), float(offset)
        n_ch = 1 if ds.ndim == 1 else ds.shape[1]
        self.shape = (n_ch, ds.shape[0])
        self.dtype = np.dtype(np.float64)

    def __getitem__(self, key):
        rows, cols = key
        if self._ds.ndim == 1:
            block = np.asarray(self._ds[cols], dtype=np.float64)[np.newaxis, :]
            picked = [0]
        else:
            block = np.asarray(self._ds[cols, rows], dtype=np.float64).T
            picked = range(self.shape[0])[rows] if isinstance(rows, slice) else rows
        block *= self._gains[list(picked)][:, np.newaxis]
        if self._offset:
            block += self._offset
        return block


def _series_candidates(f: h5py.File) -> list[h5py.Group]:
    found = []

    def visit(name, obj):
        if not isinstance(obj, h5py.Group):
            return
        kind = _text(obj.attrs.get("neurodata_type"))
        if kind == "ElectricalSeries" and "data" in obj:
            found.append(obj)
        elif kind == "TimeSeries" and "data" in obj and _text(obj["data"].attrs.get("unit")).lower() in _VOLTS:
            found.append(obj)

    f.visititems(visit)
    return found


def _choose(f, series, path) -> h5py.Group:
    candidates = _series_candidates(f)
    listing = ", ".join(g.name for g in candidates) or "none"
    if series is not None:
        name = str(series)
        hits = [g for g in candidates if g.name == name or g.name.rsplit("/", 1)[-1] == name]
        if not hits:
            raise InvalidInputError(f"no ElectricalSeries or volts TimeSeries {name!r} in {path}; found: {listing}")
        return hits[0]
    if not candidates:
        raise FileFormatError(
            f"{path}: an NWB file without an ElectricalSeries or a TimeSeries in volts: there is no EMG to read"
        )
    if len(candidates) == 1:
        return candidates[0]
    emg = [g for g in candidates if "emg" in g.name.lower() or "emg" in _text(g.attrs.get("description")).lower()]
    if len(emg) == 1:
        return emg[0]
    raise FileFormatError(f"{path}: several series could hold the EMG ({listing}); pass series='<name or path>'")


def _scalar_attr(obj, name, default):
    if name not in obj.attrs:
        return default
    value = np.asarray(obj.attrs[name])
    if value.size != 1 or value.dtype.kind not in "iuf":
        raise FileFormatError(f"attribute {name!r} of {obj.name} must be one number, got {value!r}")
    return float(value.reshape(-1)[0])


def _time_base(group, n_samples, path):
    """(fs, start_s, where) from starting_time + rate or from uniform timestamps."""
    if "starting_time" in group:
        st = group["starting_time"]
        rate = _scalar_attr(st, "rate", None)
        if rate is None or not rate > 0:
            raise FileFormatError(f"{path}: {st.name} has no positive 'rate' attribute (Hz)")
        return rate, float(np.asarray(st[()]).reshape(-1)[0]), "starting_time + rate"
    if "timestamps" in group:
        t = np.asarray(group["timestamps"][()], dtype=np.float64).reshape(-1)
        if t.size != n_samples:
            raise FileFormatError(f"{path}: {group.name}/timestamps has {t.size} values for {n_samples} samples")
        if t.size < 2:
            raise FileFormatError(f"{path}: {group.name} has fewer than 2 timestamps; the rate cannot be known")
        fs, problem = uniform_rate(t)
        if problem:
            raise FileFormatError(
                f"{path}: {group.name}/timestamps are not uniform: {problem}; emgkit needs a constant sampling rate"
            )
        return fs, float(t[0]), "timestamps (uniform)"
    raise FileFormatError(f"{path}: {group.name} has neither starting_time (with rate) nor timestamps")


def _electrode_names(f, group, n_ch, path):
    """(names, locations) of the series' channels from the electrodes table."""
    if "electrodes" not in group:
        return None, None
    region = group["electrodes"]
    rows = np.asarray(region[()], dtype=np.int64).reshape(-1)
    if rows.size != n_ch:
        raise FileFormatError(f"{path}: {region.name} lists {rows.size} electrodes for {n_ch} data columns")
    ref = region.attrs.get("table")
    table = f[ref] if isinstance(ref, h5py.Reference) and ref else f.get("/general/extracellular_ephys/electrodes")
    if table is None:
        return None, None

    def column(name):
        if name not in table or not isinstance(table[name], h5py.Dataset) or table[name].dtype.kind not in "OSU":
            return None
        values = [_text(v).strip() for v in table[name][()]]
        if rows.max(initial=-1) >= len(values) or rows.min(initial=0) < 0:
            raise FileFormatError(f"{path}: {region.name} points past the {len(values)} rows of {table.name}")
        return [values[r] for r in rows]

    locations = column("location")
    for name in ("label", "channel_name", "name", "electrode_name"):
        values = column(name)
        if values and all(values) and len(set(values)) == len(values):
            return values, locations
    if locations and all(locations) and len(set(locations)) == len(locations):
        return locations, locations
    ids = np.asarray(table["id"][()]).reshape(-1) if "id" in table else np.arange(rows.max() + 1)
    return [f"ch{int(ids[r])}" for r in rows], locations


def _events(f) -> list:
    events = []

    def visit(name, obj):
        if isinstance(obj, h5py.Group) and _text(obj.attrs.get("neurodata_type")) == "AnnotationSeries":
            if "data" in obj and "timestamps" in obj:
                texts = [_text(v) for v in obj["data"][()]]
                times = np.asarray(obj["timestamps"][()], dtype=np.float64).reshape(-1)
                for t, text in zip(times, texts):
                    if np.isfinite(t):
                        events.append(make_event(t, text, side=side_from_text(text), source=f"nwb {obj.name}"))

    f.visititems(visit)
    trials = f.get("/intervals/trials")
    if isinstance(trials, h5py.Group) and "start_time" in trials:
        starts = np.asarray(trials["start_time"][()], dtype=np.float64).reshape(-1)
        stops = np.asarray(trials["stop_time"][()], dtype=np.float64).reshape(-1) if "stop_time" in trials else None
        for i, t in enumerate(starts):
            duration = None if stops is None else stops[i] - t
            events.append(make_event(t, "trial", source="nwb /intervals/trials", duration_s=duration))
    return sorted(events, key=lambda e: e["time_s"])


def open_nwb(path, *, series=None, nonfinite="error", **unknown) -> RecordingFile:
    """Open the EMG series of an NWB file lazily (samples are read from disk when sliced).

    Parameters
    ----------
    path : Path
        The ``.nwb`` file.
    series : str, optional
        Name or HDF5 path of the ``ElectricalSeries`` / volts ``TimeSeries``.
        Default: the only one, or the only one whose name or description
        mentions EMG.
    nonfinite : {"error", "interpolate", "zero"}
        Policy for NaN/inf samples.

    Returns
    -------
    RecordingFile
        Unit ``"V"``; ``meta["start_s"]`` (the series' first sample time on
        the session clock), ``meta["events"]``, ``meta["nwb"]`` (series path,
        description, electrode locations, session start time).

    Raises
    ------
    FileFormatError
        No EMG series or several without ``series=``, missing time base,
        non-uniform timestamps, data of the wrong shape or type.
    """
    check_options("NWB", unknown, OPTIONS)
    check_option("nonfinite", nonfinite, NONFINITE_POLICIES)
    path = Path(path)
    f = open_hdf5(path)
    try:
        handle = _open(f, path, series, nonfinite)
    except (OSError, RuntimeError, KeyError) as exc:
        f.close()
        raise FileFormatError(f"{path}: HDF5 error while reading the NWB structure ({exc}); the file may be corrupt") from None
    except BaseException:
        f.close()
        raise
    return handle


def _open(f, path, series, nonfinite) -> RecordingFile:
    group = _choose(f, series, path)
    ds = group["data"]
    if ds.dtype.kind not in "iuf" or ds.ndim not in (1, 2) or ds.size == 0:
        raise FileFormatError(
            f"{path}: {ds.name} has shape {ds.shape} and dtype {ds.dtype}; NWB EMG data must be a non-empty "
            "numeric array of time x channels"
        )
    check_hdf5_storage(ds, path, f)
    n_samples = ds.shape[0]
    n_ch = 1 if ds.ndim == 1 else ds.shape[1]
    unit = _text(ds.attrs.get("unit", "volts")).lower()
    if unit not in _VOLTS:
        raise FileFormatError(f"{path}: {ds.name} has unit {unit!r}; NWB electrical series are in volts")
    conversion = _scalar_attr(ds, "conversion", 1.0)
    offset = _scalar_attr(ds, "offset", 0.0)
    gains = np.full(n_ch, conversion)
    if "channel_conversion" in group:
        cc = np.asarray(group["channel_conversion"][()], dtype=np.float64).reshape(-1)
        if cc.size != n_ch:
            raise FileFormatError(f"{path}: {group.name}/channel_conversion has {cc.size} values for {n_ch} channels")
        gains = gains * cc
    fs, start_s, time_from = _time_base(group, n_samples, path)
    names, locations = _electrode_names(f, group, n_ch, path)
    if names is None:
        names = [group.name.rsplit("/", 1)[-1]] if n_ch == 1 else [f"ch{i + 1}" for i in range(n_ch)]
    channels, notes = build_channels(unique_names(names), locations)
    meta = {
        "source": {
            "format": "nwb",
            "file": path.name,
            "series": group.name,
            "time_from": time_from,
            "nwb_version": _text(f.attrs.get("nwb_version")),
        },
        "nwb": {"description": _text(group.attrs.get("description"))},
    }
    if locations:
        meta["nwb"]["locations"] = locations
    if "session_start_time" in f:
        meta["nwb"]["session_start_time"] = _text(f["session_start_time"][()])
    if start_s:
        meta["start_s"] = start_s
    events = _events(f)
    if events:
        meta["events"] = events
    if notes:
        meta["channel_notes"] = notes
    return RecordingFile(_Samples(ds, gains, offset), fs=fs, channels=channels, unit="V", meta=meta,
                         nonfinite=nonfinite, path=path, close=f.close)
