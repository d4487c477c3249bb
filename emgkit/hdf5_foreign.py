"""Reading HDF5 files that were not written by emgkit (lab exports, MATLAB v7.3 ``.mat``, ...).

Detection, in this order (every step can be overridden by an option):

1. **Samples** (``dataset=``): the largest 2-D numeric (integer or float)
   dataset; if there is none, the largest 1-D numeric dataset (one channel),
   ignoring 1-D datasets named like time stamps (``time``, ``t``,
   ``timestamps``).  Equal-sized candidates are ambiguous: an error lists them.
2. **Channel labels** (``labels=``): an attribute or a string dataset named
   ``channels``, ``channel_names``, ``channel_labels``, ``labels`` or
   ``ch_names``, looked up on the data set, then among its siblings, then on
   its group, then upwards to the root.  One string holding ``,`` ``;`` tab
   or newline separated names is split.  Without labels channels are named
   ``ch1``, ``ch2``, ...
3. **Layout** (``layout="channels_first"|"samples_first"``): the axis whose
   length equals the number of labels holds the channels; otherwise HDF5
   dimension labels (``channel``/``time``...); otherwise the **shorter axis is
   channels** (recordings have more samples than channels).  A square array
   without labels is an error.
4. **Sampling rate** (``fs=``): an attribute named ``fs``, ``sampling_rate``,
   ``sample_rate``, ``sfreq``, ``srate``, ``rate`` or ``SamplingFrequency``
   on the data set, then on each group up to the root; at each group also a
   scalar numeric dataset of such a name (MATLAB files store ``fs`` so).
5. **Units and integer data**: ``unit=`` or a ``unit``/``units`` attribute on
   the data set (``volts`` -> ``V``, ``millivolts`` -> ``mV``, ``microvolts``
   -> ``uV``).  Integer samples are converted to float64 as
   ``counts * scale + offset`` with ``scale``/``offset`` from the options or
   from scalar attributes ``scale``, ``scale_factor`` or ``conversion`` and
   ``offset`` on the data set (``gain`` is *not* used: vendors use it both as
   a multiplier and as an amplification to divide by; pass ``scale=``).
   Integer data without a scale keep the unit ``"counts"``.  Float data are
   used as stored unless ``scale``/``offset`` are passed; with no unit
   information the unit is ``"a.u."``.

Attribute and dataset names match case-insensitively, ignoring ``_``, ``-``
and spaces.  What was detected, and from where, is recorded in
``meta["source"]``.
"""

from __future__ import annotations

import difflib
import math
import re
from pathlib import Path

import h5py
import numpy as np

from ._checks import check_fs, check_option
from .errors import FileFormatError, InvalidInputError
from .hdf5_native import open_hdf5, show
from ._reader import LAYOUTS, NONFINITE_POLICIES, RecordingFile, check_hdf5_storage

__all__ = ["open_foreign", "OPTIONS"]

OPTIONS = ("dataset", "fs", "labels", "layout", "unit", "scale", "offset", "nonfinite")
FS_NAMES = {"fs", "samplingrate", "samplerate", "sfreq", "srate", "rate", "samplingfrequency"}
LABEL_NAMES = {"channels", "channelnames", "channellabels", "labels", "chnames"}
TIME_NAMES = {"t", "time", "times", "timestamp", "timestamps"}
UNIT_NAMES = {"unit", "units"}
SCALE_NAMES = {"scale", "scalefactor", "conversion"}
OFFSET_NAMES = {"offset"}
CHANNEL_AXIS_WORDS = {"channel", "channels", "ch", "electrode", "electrodes", "sensor", "sensors"}
SAMPLE_AXIS_WORDS = {"time", "times", "sample", "samples", "t"}
UNIT_ALIASES = {
    "v": "V", "volt": "V", "volts": "V",
    "mv": "mV", "millivolt": "mV", "millivolts": "mV",
    "uv": "uV", "µv": "uV", "μv": "uV", "microvolt": "uV", "microvolts": "uV",
}
MAX_LISTED = 40


def _norm(name) -> str:
    return re.sub(r"[\s_\-]", "", str(name).lower())


def open_foreign(
    path,
    *,
    dataset=None,
    fs=None,
    labels=None,
    layout=None,
    unit=None,
    scale=None,
    offset=None,
    nonfinite="error",
    **unknown,
) -> RecordingFile:
    """Open a foreign HDF5 file lazily (see :func:`emgkit.open` and this module's notes).

    Parameters
    ----------
    path : Path
        The file.
    dataset : str, optional
        HDF5 path of the samples (``"/data/emg"``).  Default: detected.
    fs : float > 0, optional
        Sampling rate in Hz.  Default: from attributes.
    labels : sequence of str, optional
        One name per channel.  Default: from attributes or string datasets.
    layout : {"channels_first", "samples_first"}, optional
        Axis order of a 2-D dataset.  Default: detected.
    unit : str, optional
        Amplitude unit of the values returned.
    scale, offset : float, optional
        ``value = stored * scale + offset``.
    nonfinite : {"error", "interpolate", "zero"}
        Policy for NaN/inf samples.

    Raises
    ------
    FileFormatError
        Nothing usable found (the message lists the datasets and attributes
        in the file and the option to pass), wrong dtype, empty data, label
        count not matching the channels, a corrupt file.
    InvalidInputError
        Bad option values or unknown option names.
    """
    path = Path(path)
    if unknown:
        bad = sorted(unknown)
        hints = {b: difflib.get_close_matches(b, OPTIONS, n=1) for b in bad}
        detail = ", ".join(f"{b!r}" + (f" (did you mean {h[0]!r}?)" if h else "") for b, h in hints.items())
        raise InvalidInputError(f"unknown option(s) {detail} for HDF5 files; accepted: {', '.join(OPTIONS)}")
    check_option("nonfinite", nonfinite, NONFINITE_POLICIES)
    if layout is not None:
        check_option("layout", layout, LAYOUTS)
    fs = None if fs is None else check_fs(fs)
    scale, offset = _check_number("scale", scale, nonzero=True), _check_number("offset", offset)
    labels = None if labels is None else _check_labels_option(labels)
    if unit is not None and (not isinstance(unit, str) or not unit.strip()):
        raise InvalidInputError(f"unit must be a non-empty string such as 'V', got {unit!r}")

    f = open_hdf5(path)
    try:
        spec = _Detector(f, path).detect(dataset, fs, labels, layout, unit, scale, offset)
        samples = spec.pop("samples")
        return RecordingFile(samples, nonfinite=nonfinite, path=path, close=f.close, **spec)
    except (OSError, RuntimeError, KeyError) as exc:
        f.close()
        raise FileFormatError(f"{path}: HDF5 error while reading its structure ({exc}); the file may be corrupt") from None
    except BaseException:
        f.close()
        raise


def _check_number(name, value, nonzero=False):
    if value is None:
        return None
    try:
        out = float(value)
    except (TypeError, ValueError):
        raise InvalidInputError(f"{name} must be a number, got {value!r}") from None
    if not math.isfinite(out) or (nonzero and out == 0):
        raise InvalidInputError(f"{name} must be finite{' and non-zero' if nonzero else ''}, got {value!r}")
    return out


def _check_labels_option(labels):
    if isinstance(labels, str):
        raise InvalidInputError(f"labels must be a sequence of names, one per channel, got the string {labels!r}")
    try:
        labels = list(labels)
    except TypeError:
        raise InvalidInputError(f"labels must be a sequence of names, one per channel, got {labels!r}") from None
    if not labels or not all(isinstance(x, str) and x.strip() for x in labels):
        raise InvalidInputError(f"labels must be non-empty strings, one per channel, got {labels!r}")
    return labels


def _labels_from(value):
    """Channel names from an attribute/dataset value, or None when it does not hold strings."""
    arr = np.asarray(value)
    if arr.dtype.kind not in "OSU":
        return None
    if arr.ndim == 2 and 1 in arr.shape:
        arr = arr.reshape(-1)
    if arr.ndim > 1:
        return None
    items = [x.decode("utf-8", "replace") if isinstance(x, bytes) else x for x in arr.reshape(-1).tolist()]
    if not all(isinstance(x, str) for x in items):
        return None
    items = [x.strip().strip("\x00").strip() for x in items]
    if len(items) == 1 and re.search(r"[,;\t\n]", items[0]):
        items = [x.strip() for x in re.split(r"[,;\t\n]", items[0]) if x.strip()]
    return items


def _scalar(value):
    """A finite-or-not float from a numeric scalar or 1-element array, else None."""
    arr = np.asarray(value)
    if arr.dtype.kind not in "iuf" or arr.size != 1:
        return None
    return float(arr.reshape(-1)[0])


class _Detector:
    """Finds samples, labels, layout, rate and units in an open h5py file."""

    def __init__(self, f: h5py.File, path: Path):
        self.f, self.path = f, path
        self.datasets: list[h5py.Dataset] = []
        self.groups: list[h5py.Group] = [f]
        f.visititems(self._collect)

    def _collect(self, name, obj):
        if isinstance(obj, h5py.Dataset):
            self.datasets.append(obj)
        elif isinstance(obj, h5py.Group):
            self.groups.append(obj)

    # -- reporting --------------------------------------------------------------
    def listing(self) -> str:
        lines = [f"  {d.name}  shape {d.shape}  dtype {d.dtype}" for d in self.datasets[:MAX_LISTED]]
        if len(self.datasets) > MAX_LISTED:
            lines.append(f"  ... and {len(self.datasets) - MAX_LISTED} more datasets")
        if not lines:
            lines = ["  (no datasets)"]
        attrs = [f"  {o.name}: {', '.join(sorted(o.attrs))}" for o in [*self.groups, *self.datasets] if len(o.attrs)]
        attrs = attrs[:MAX_LISTED] or ["  (no attributes)"]
        return "\nDatasets found:\n" + "\n".join(lines) + "\nAttributes found:\n" + "\n".join(attrs)

    def fail(self, message: str):
        raise FileFormatError(f"{self.path}: {message}{self.listing()}")

    # -- detection ------------------------------------------------------------------
    def detect(self, dataset, fs, labels, layout, unit, scale, offset) -> dict:
        ds = self._samples(dataset)
        labels, labels_from = (labels, "option labels") if labels is not None else self._labels(ds)
        layout, n_channels = self._layout(ds, labels, labels_from, layout)
        if labels is None:
            labels, labels_from = [f"ch{i + 1}" for i in range(n_channels)], "generated"
        elif len(set(labels)) != len(labels):
            dupes = sorted({x for x in labels if labels.count(x) > 1})
            self.fail(f"duplicate channel labels {dupes} (from {labels_from}); pass labels=[...] with unique names.")
        elif not all(labels):
            self.fail(f"empty channel label(s) in {labels!r} (from {labels_from}); pass labels=[...].")
        fs, fs_from = (fs, "option fs") if fs is not None else self._rate(ds)
        integer = ds.dtype.kind in "iu"
        if integer:
            scale, scale_from = (scale, "option scale") if scale is not None else self._conversion(ds, SCALE_NAMES, "scale")
            offset, _ = (offset, "option offset") if offset is not None else self._conversion(ds, OFFSET_NAMES, "offset")
        else:
            scale_from = "option scale" if scale is not None else None
        unit, unit_from = self._unit(ds, unit, integer and scale is None)
        source = {
            "format": "hdf5",
            "file": self.path.name,
            "dataset": ds.name,
            "layout": layout if ds.ndim == 2 else "single_channel",
            "fs_from": fs_from,
            "labels_from": labels_from,
            "unit_from": unit_from,
        }
        if scale_from:
            source["scale_from"] = scale_from
        return {
            "samples": ds,
            "fs": fs,
            "channels": labels,
            "unit": unit,
            "meta": {"source": source},
            "layout": layout,
            "scale": scale,
            "offset": offset,
        }

    def _samples(self, dataset) -> h5py.Dataset:
        if dataset is not None:
            name = str(dataset)
            obj = self.f.get(name if name.startswith("/") else "/" + name)
            if obj is None:
                self.fail(f"no dataset {name!r} in the file (option dataset).")
            if not isinstance(obj, h5py.Dataset):
                self.fail(f"{name!r} is a group, not a dataset; pass dataset= naming the array of samples.")
            ds = obj
        else:
            numeric = [d for d in self.datasets if d.dtype.kind in "iuf" and d.ndim in (1, 2)]
            two_d = [d for d in numeric if d.ndim == 2]
            one_d = [d for d in numeric if d.ndim == 1 and _norm(d.name.rsplit("/", 1)[-1]) not in TIME_NAMES | FS_NAMES]
            pool = two_d or one_d
            if not pool:
                self.fail(
                    "found no 2-D or 1-D numeric dataset holding EMG samples. "
                    "Pass dataset='/path/to/samples' (and fs=, labels= as needed)."
                )
            largest = max(d.size for d in pool)
            best = [d for d in pool if d.size == largest]
            if len(best) > 1:
                names = ", ".join(f"{d.name} {d.shape}" for d in best)
                self.fail(f"several datasets could hold the samples ({names}); pass dataset= naming one.")
            ds = best[0]
        kind = ds.dtype.kind
        if kind not in "iuf":
            what = {"S": "text", "U": "text", "O": "text or references", "b": "booleans", "c": "complex numbers",
                    "V": "a compound table"}.get(kind, f"dtype {ds.dtype}")
            self.fail(
                f"dataset {ds.name} holds {what} (dtype {ds.dtype}), not numeric samples; "
                "pass dataset= naming an integer or float array."
            )
        if ds.ndim not in (1, 2):
            self.fail(f"dataset {ds.name} has shape {ds.shape}; samples must be 1-D or 2-D (channels x samples).")
        if ds.size == 0:
            self.fail(f"dataset {ds.name} is empty (shape {ds.shape}); it holds no samples.")
        check_hdf5_storage(ds, self.path, self.f)
        return ds

    def _near(self, ds):
        """(kind, object) pairs from the data set outwards: its attrs, sibling datasets, parent attrs, ..."""
        yield "attrs", ds
        group = ds.parent
        while True:
            yield "children", group
            yield "attrs", group
            if group.name == "/":
                return
            group = group.parent

    def _labels(self, ds):
        for kind, obj in self._near(ds):
            if kind == "attrs":
                for key in obj.attrs:
                    if _norm(key) in LABEL_NAMES:
                        found = _labels_from(obj.attrs[key])
                        if found:
                            return found, f"attribute {key!r} of {obj.name}"
            else:
                for key, child in obj.items():
                    if _norm(key) in LABEL_NAMES and isinstance(child, h5py.Dataset) and child.dtype.kind in "OSU":
                        found = _labels_from(child[()])
                        if found:
                            return found, f"dataset {child.name}"
        return None, None

    def _layout(self, ds, labels, labels_from, layout):
        if ds.ndim == 1:
            if labels is not None and len(labels) != 1:
                self.fail(
                    f"{len(labels)} channel labels (from {labels_from}) for the 1-D dataset {ds.name}, "
                    "which holds one channel; pass labels=['name']."
                )
            return "channels_first", 1
        rows, cols = ds.shape
        if layout is not None:
            n = rows if layout == "channels_first" else cols
            if labels is not None and len(labels) != n:
                self.fail(
                    f"{len(labels)} channel labels (from {labels_from}) but {ds.name} {ds.shape} has {n} channels "
                    f"with layout={layout!r}; pass labels=[...] with {n} names."
                )
            return layout, n
        if labels is not None:
            if len(labels) == rows and len(labels) != cols:
                return "channels_first", rows
            if len(labels) == cols and len(labels) != rows:
                return "samples_first", cols
            if len(labels) not in (rows, cols):
                self.fail(
                    f"{len(labels)} channel labels (from {labels_from}) do not match either axis of {ds.name} "
                    f"{ds.shape}; pass labels=[...] with one name per channel (and layout= if needed)."
                )
        axes = [_norm(d.label) for d in ds.dims]
        if axes[0] in CHANNEL_AXIS_WORDS or axes[1] in SAMPLE_AXIS_WORDS:
            return "channels_first", rows
        if axes[1] in CHANNEL_AXIS_WORDS or axes[0] in SAMPLE_AXIS_WORDS:
            return "samples_first", cols
        if rows == cols:
            self.fail(
                f"cannot tell which axis of {ds.name} {ds.shape} holds the channels; "
                "pass layout='channels_first' or layout='samples_first'."
            )
        return ("channels_first", rows) if rows < cols else ("samples_first", cols)

    def _rate(self, ds):
        for kind, obj in self._near(ds):
            found = []
            if kind == "attrs":
                for key in obj.attrs:
                    if _norm(key) in FS_NAMES:
                        found.append((f"attribute {key!r} of {obj.name}", obj.attrs[key]))
            else:
                for key, child in obj.items():
                    if _norm(key) in FS_NAMES and isinstance(child, h5py.Dataset) and child.size == 1:
                        found.append((f"dataset {child.name}", child[()]))
            if not found:
                continue
            values = []
            for where, raw in found:
                value = _scalar(raw)
                if value is None or not math.isfinite(value) or value <= 0:
                    self.fail(f"{where} = {show(raw)} is not a positive sampling rate in Hz; pass fs=<Hz>.")
                values.append(value)
            if len(set(values)) > 1:
                detail = ", ".join(f"{w} = {v:g}" for (w, _), v in zip(found, values))
                self.fail(f"conflicting sampling rates: {detail}; pass fs=<Hz>.")
            return values[0], found[0][0]
        names = "fs, sampling_rate, sample_rate, sfreq, srate, rate, SamplingFrequency"
        self.fail(
            f"no sampling rate found for {ds.name}: looked for attributes named {names} (any case) on it and on "
            "its groups up to the root. Pass fs=<Hz>, e.g. emgkit.read(path, fs=2000) (--fs <Hz> on the command line)."
        )

    def _conversion(self, ds, names, what):
        for key in ds.attrs:
            if _norm(key) in names:
                value = _scalar(ds.attrs[key])
                if value is None or not math.isfinite(value) or (what == "scale" and value == 0):
                    self.fail(
                        f"attribute {key!r} of {ds.name} = {show(ds.attrs[key])} is not a usable scalar {what} "
                        f"(per-channel arrays are not supported); pass {what}=<number>."
                    )
                return value, f"attribute {key!r} of {ds.name}"
        return None, None

    def _unit(self, ds, unit, counts):
        if unit is not None:
            return unit.strip(), "option unit"
        if counts:
            return "counts", "integer samples without scale"
        for key in ds.attrs:
            if _norm(key) in UNIT_NAMES:
                value = ds.attrs[key]
                value = value.decode("utf-8", "replace") if isinstance(value, bytes) else value
                if isinstance(value, str) and value.strip():
                    text = value.strip()
                    return UNIT_ALIASES.get(text.lower(), text), f"attribute {key!r} of {ds.name}"
        return "a.u.", None
