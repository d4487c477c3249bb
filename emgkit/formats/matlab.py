"""MATLAB ``.mat`` files: v5 (MATLAB's default ``save``) with SciPy, v7.3 (HDF5) with h5py.

Both versions are read into the same flat list of *variables*: every
top-level variable, and every field of a (scalar) struct as ``s.field``
(nested structs as ``s.a.b``).  A variable is shown with MATLAB's shape
(rows x columns), whatever the version stores on disk.

What becomes what:

* **Samples** (option ``variable=``): the one numeric matrix with more than
  one row and column; without one, the numeric vectors (N x 1 or 1 x N) of
  the greatest length, one channel each, named by their variable (or field)
  name.  Vectors named like a time vector (``t``, ``time``, ``times``,
  ``timestamps``) or a rate are never samples.  Several matrices are
  ambiguous: the message lists the variables found and the option to pass.
  ``variable=`` names a matrix, a vector, a struct (its vector fields become
  the channels) or several names separated by commas (vectors of one length).
* **Orientation** (option ``layout=``): MATLAB users store ``samples x
  channels`` or ``channels x samples``; the axis whose length equals the
  number of labels holds the channels, otherwise the **shorter axis is
  channels** (recordings have more samples than channels); a square matrix
  without labels is an error.  ``meta["source"]["layout"]`` says which.
* **Sampling rate** (option ``fs=``, ``--fs``): a numeric scalar named
  ``fs``, ``Fs``, ``SampleRate``, ``SamplingRate``, ``srate``, ``sfreq``,
  ``rate`` or ``SamplingFrequency`` (case, ``_`` and spaces ignored), at the
  top level or in a struct; else a uniform time vector (s).  Candidates that
  disagree are an error listing them (pass ``fs=``).
* **Channel names** (option ``labels=``): a cell array of strings (or a char
  matrix, one name per row) named ``labels``, ``channels``,
  ``channel_names``, ``channel_labels``, ``ch_names``, ``names`` or
  ``muscles`` with one entry per channel; else the vectors' variable names;
  else ``ch1``, ``ch2``, ...
* **Unit** (option ``unit=``): a string variable ``unit``/``units``; else
  ``"a.u."`` (MATLAB files do not say).

Every other variable (strings, cell arrays, struct arrays, logical arrays)
is left out; ``meta["source"]["other_variables"]`` lists every variable not read as samples.  The whole file is
read into memory (``.mat`` files are seldom larger than memory; convert a
large one to emgkit HDF5 once with ``emgkit convert``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .._checks import check_fs, check_option
from .._reader import LAYOUTS, NONFINITE_POLICIES, RecordingFile
from ..errors import FileFormatError, InvalidInputError
from ._common import build_channels, check_options, normalise_unit, uniform_rate

__all__ = ["OPTIONS", "read_matlab", "sniff_matlab"]

OPTIONS = ("variable", "fs", "labels", "layout", "unit", "nonfinite")
V5_MAGIC = b"MATLAB 5.0 MAT-file"
V73_MAGIC = b"MATLAB 7.3 MAT-file"
FS_NAMES = {"fs", "samplerate", "samplingrate", "srate", "sfreq", "rate", "samplingfrequency", "samplefrequency"}
TIME_NAMES = {"t", "time", "times", "timestamp", "timestamps"}
LABEL_NAMES = {"labels", "label", "channels", "channelnames", "channellabels", "chnames", "names", "muscles"}
UNIT_NAMES = {"unit", "units"}
MAX_LISTED = 30


def sniff_matlab(path: Path, head: bytes) -> bool:
    """A MATLAB v5 or v7.3 file: its 128-byte header starts with ``MATLAB 5.0``/``MATLAB 7.3 MAT-file``."""
    return head.startswith((V5_MAGIC, V73_MAGIC))


@dataclass
class _Var:
    """One variable: its dotted name, its value as MATLAB shows it, and a short description."""

    name: str
    value: object  # np.ndarray (numeric, 2-D as in MATLAB), str, list of str, or None (unsupported)
    kind: str  # "numeric", "text", "cellstr", "other"
    what: str  # "double 2000x4", "char", "struct array 1x3", ...


def _key(name: str) -> str:
    return re.sub(r"[\s_\-]", "", name.rsplit(".", 1)[-1].lower())


# -- loading v5 ------------------------------------------------------------------------------------
def _load_v5(path: Path) -> list[_Var]:
    from scipy.io import loadmat

    try:
        doc = loadmat(str(path), squeeze_me=False, struct_as_record=True, mat_dtype=False)
    except Exception as exc:  # noqa: BLE001 - SciPy raises many kinds (IndexError, ValueError, ...) on a damaged file
        raise FileFormatError(
            f"{path} is a MATLAB v5 .mat file but SciPy could not read it ({exc}); it may be truncated: "
            "copy it again from its source"
        ) from None
    out: list[_Var] = []
    for name, value in doc.items():
        if not name.startswith("__"):
            _walk_v5(name, value, out)
    return out


def _walk_v5(name, value, out):
    if isinstance(value, np.ndarray) and value.dtype.names:  # struct (array)
        if value.size == 1:
            record = value.reshape(-1)[0]
            for field in value.dtype.names:
                _walk_v5(f"{name}.{field}", record[field], out)
        else:
            out.append(_Var(name, None, "other", f"struct array {'x'.join(map(str, value.shape))}"))
        return
    if isinstance(value, np.ndarray) and value.dtype.kind == "U":
        text = [str(row).rstrip() for row in value.reshape(-1)]
        out.append(_Var(name, text[0] if len(text) == 1 else text, "text" if len(text) == 1 else "cellstr", "char"))
        return
    if isinstance(value, np.ndarray) and value.dtype == object:  # cell array
        items = [v for v in value.reshape(-1, order="F")]
        if items and all(isinstance(v, np.ndarray) and v.dtype.kind == "U" for v in items):
            labels = ["".join(np.asarray(v).reshape(-1)).strip() if v.size else "" for v in items]
            out.append(_Var(name, labels, "cellstr", f"cell {'x'.join(map(str, value.shape))} of strings"))
        else:
            out.append(_Var(name, None, "other", f"cell {'x'.join(map(str, value.shape))}"))
        return
    _numeric(name, np.asarray(value), out)


def _numeric(name, arr, out):
    shape = "x".join(map(str, arr.shape))
    if arr.dtype.kind in "iuf" and arr.ndim <= 2:
        out.append(_Var(name, arr.reshape(arr.shape if arr.ndim == 2 else (1, -1)), "numeric", f"{arr.dtype} {shape}"))
    else:
        kind = {"b": "logical", "c": "complex"}.get(arr.dtype.kind, str(arr.dtype))
        out.append(_Var(name, None, "other", f"{kind} {shape}"))


# -- loading v7.3 ----------------------------------------------------------------------------------
def _load_v73(path: Path) -> list[_Var]:
    import h5py

    out: list[_Var] = []
    try:
        with h5py.File(path, "r") as f:
            for name in f:
                if not name.startswith("#"):
                    _walk_v73(f, name, f[name], out)
    except OSError as exc:
        raise FileFormatError(
            f"{path} is a MATLAB v7.3 .mat file but its HDF5 content could not be read ({exc}); it may be truncated: "
            "copy it again from its source"
        ) from None
    return out


def _attr_text(obj, key):
    value = obj.attrs.get(key)
    return value.decode() if isinstance(value, bytes) else (str(value) if value is not None else None)


def _chars(ds) -> str:
    codes = np.asarray(ds[()]).reshape(-1, order="F") if ds.attrs.get("MATLAB_empty") is None else []
    return "".join(chr(int(c)) for c in codes).strip()


def _walk_v73(f, name, obj, out):
    import h5py

    cls = _attr_text(obj, "MATLAB_class")
    if isinstance(obj, h5py.Group):
        if cls not in (None, "struct"):
            out.append(_Var(name, None, "other", cls))
            return
        for field in obj:
            _walk_v73(f, f"{name}.{field}", obj[field], out)
        return
    shape = "x".join(map(str, obj.shape[::-1]))
    if cls == "char":
        out.append(_Var(name, _chars(obj), "text", "char"))
        return
    if cls == "cell" or obj.dtype == h5py.ref_dtype:
        refs = np.asarray(obj[()]).reshape(-1, order="F")
        items = [f[r] for r in refs]
        if items and all(isinstance(i, h5py.Dataset) and _attr_text(i, "MATLAB_class") == "char" for i in items):
            out.append(_Var(name, [_chars(i) for i in items], "cellstr", f"cell {shape} of strings"))
        else:
            out.append(_Var(name, None, "other", f"cell {shape}"))
        return
    if cls == "logical" or obj.attrs.get("MATLAB_empty") is not None:
        out.append(_Var(name, None, "other", f"{cls or 'empty'} {shape}"))
        return
    # HDF5 holds MATLAB's column-major matrix transposed: (columns, rows)
    _numeric(name, np.asarray(obj[()]).T, out)


# -- reading ---------------------------------------------------------------------------------------
def read_matlab(path, channels=None, start=None, stop=None, *, variable=None, fs=None, labels=None, layout=None,
                unit=None, nonfinite="error", **unknown):
    """Read a MATLAB v5 or v7.3 ``.mat`` file (rules in this module's notes).

    Parameters
    ----------
    path : Path
        The file.
    channels, start, stop
        As in :meth:`emgkit.RecordingFile.read` (start/stop in s).
    variable : str, optional
        The samples: a variable or struct field (``"data"``, ``"trial.emg"``),
        a struct, or comma-separated vector names.  Default: detected.
    fs : float > 0, optional
        Sampling rate in Hz.  Default: a rate variable or a time vector.
    labels : sequence of str, optional
        One name per channel.  Default: a cell array of labels or the
        vectors' names.
    layout : {"channels_first", "samples_first"}, optional
        Orientation of a matrix (``channels_first``: one row per channel).
    unit : str, optional
        Amplitude unit (default: a ``unit`` variable, else ``"a.u."``).
    nonfinite : {"error", "interpolate", "zero"}
        Policy for NaN/inf samples.

    Returns
    -------
    Recording
        ``meta["source"]`` records the format, the variable(s), the layout
        and where the rate and names came from, and the variables left out.

    Raises
    ------
    FileFormatError
        No numeric variable, several candidate matrices or rates, no rate,
        a label count that does not match; each message lists the variables
        found and the option that settles it.
    """
    check_options("MATLAB", unknown, OPTIONS)
    check_option("nonfinite", nonfinite, NONFINITE_POLICIES)
    if layout is not None:
        check_option("layout", layout, LAYOUTS)
    fs = None if fs is None else check_fs(fs)
    if unit is not None and (not isinstance(unit, str) or not unit.strip()):
        raise InvalidInputError(f"unit must be a non-empty string such as 'V' or 'mV', got {unit!r}")
    path = Path(path)
    with open(path, "rb") as fh:
        head = fh.read(128)
    version = "7.3" if head.startswith(V73_MAGIC) else "5"
    found = _load_v73(path) if version == "7.3" else _load_v5(path)
    spec = _Select(path, found, version).select(variable, fs, labels, layout, unit)
    handle = RecordingFile(spec.pop("samples"), nonfinite=nonfinite, path=path, **spec)
    with handle:
        return handle.read(channels=channels, start=start, stop=stop)


class _Select:
    """Picks samples, rate, names and unit among a file's variables."""

    def __init__(self, path: Path, found: list[_Var], version: str):
        self.path, self.found, self.version = path, found, version
        self.by_name = {v.name: v for v in found}

    def listing(self) -> str:
        shown = [f"{v.name} ({v.what})" for v in self.found[:MAX_LISTED]]
        more = f" and {len(self.found) - MAX_LISTED} more" if len(self.found) > MAX_LISTED else ""
        return ", ".join(shown) + more if shown else "none"

    def fail(self, what: str, fix: str):
        raise FileFormatError(
            f"{self.path} (MATLAB v{self.version}): {what}. Variables found: {self.listing()}. {fix}"
        )

    def select(self, variable, fs, labels, layout, unit) -> dict:
        numeric = [v for v in self.found if v.kind == "numeric"]
        signals = [v for v in numeric if max(v.value.shape) > 1 and _key(v.name) not in FS_NAMES | TIME_NAMES]
        chosen = self._chosen(variable, signals)
        if len(chosen) == 1 and min(chosen[0].value.shape) > 1:
            matrix, names = chosen[0].value, None
        else:
            matrix = np.stack([v.value.reshape(-1) for v in chosen])
            names = [v.name.rsplit(".", 1)[-1] for v in chosen]
        labels, labels_from = self._labels(labels, matrix, names)
        samples, used_layout = self._orient(matrix, names, labels, layout)
        n_channels, n_samples = samples.shape
        if labels is not None and len(labels) != n_channels:
            self.fail(f"{len(labels)} labels ({labels_from}) for {n_channels} channels",
                      "Pass labels= with one name per channel, or layout= if the matrix is the other way round.")
        rate, fs_from = self._rate(fs, n_samples)
        unit, unit_from = self._unit(unit)
        channels, notes = build_channels(labels if labels is not None else [f"ch{i + 1}" for i in range(n_channels)])
        used = {v.name for v in chosen}
        others = [f"{v.name} ({v.what})" for v in self.found if v.name not in used]
        source = {
            "format": f"MATLAB v{self.version}",
            "variables": [v.name for v in chosen],
            "layout": used_layout,
            "fs_from": fs_from,
            "labels_from": labels_from if labels is not None else "generated",
            "unit_from": unit_from,
            "other_variables": others,
        }
        if notes:
            source["channel_notes"] = notes
        return {"samples": samples, "fs": rate, "channels": channels, "unit": unit, "meta": {"source": source},
                "layout": "channels_first"}

    def _chosen(self, variable, signals) -> list[_Var]:
        if variable is not None:
            return self._named(variable)
        if not signals:
            self.fail("no numeric variable holds samples (text, cell arrays and scalars cannot be EMG)",
                      "Save the signals as a numeric matrix or vectors (double or single).")
        matrices = [v for v in signals if min(v.value.shape) > 1]
        if len(matrices) > 1:
            self.fail(f"{len(matrices)} numeric matrices could be the samples ({', '.join(v.name for v in matrices)})",
                      "Name the one to read: --option variable=NAME (variable='NAME' in Python).")
        if matrices:
            return matrices
        longest = max(max(v.value.shape) for v in signals)
        return [v for v in signals if max(v.value.shape) == longest]

    def _named(self, variable) -> list[_Var]:
        if not isinstance(variable, str) or not variable.strip():
            raise InvalidInputError(f"variable must be a variable name such as 'emg' or 'trial.emg', got {variable!r}")
        names = [n.strip() for n in variable.split(",") if n.strip()]
        picked = []
        for name in names:
            if name in self.by_name:
                picked.append(self.by_name[name])
                continue
            fields = [v for v in self.found if v.name.startswith(name + ".") and v.kind == "numeric"
                      and max(v.value.shape) > 1 and min(v.value.shape) == 1 and _key(v.name) not in FS_NAMES | TIME_NAMES]
            if not fields:
                self.fail(f"variable={name!r} is not in the file", "Pass one of the variables found.")
            length = max(max(v.value.shape) for v in fields)
            picked.extend(v for v in fields if max(v.value.shape) == length)
        bad = [v for v in picked if v.kind != "numeric"]
        if bad:
            self.fail(f"variable {bad[0].name!r} is {bad[0].what}, not numeric samples", "Pass a numeric variable.")
        if len(picked) > 1:
            lengths = {v.name: max(v.value.shape) for v in picked}
            if any(min(v.value.shape) > 1 for v in picked) or len(set(lengths.values())) > 1:
                self.fail(f"the variables {lengths} are not vectors of one length",
                          "Pass one matrix, or vectors of the same length.")
        return picked

    def _labels(self, labels, matrix, names):
        if labels is not None:
            if isinstance(labels, str):
                labels = [s.strip() for s in re.split(r"[,;\t\n]", labels) if s.strip()]
            return [str(s) for s in labels], "option labels"
        counts = {len(names)} if names is not None else set(matrix.shape)
        for v in self.found:
            if v.kind == "cellstr" and _key(v.name) in LABEL_NAMES and len(v.value) in counts:
                return list(v.value), f"variable {v.name}"
        if names is not None:
            return names, "variable names"
        return None, None

    def _orient(self, matrix, names, labels, layout):
        if names is not None:
            return matrix, "one variable per channel"
        rows, cols = matrix.shape
        if layout is None:
            if labels is not None and rows != cols and len(labels) in (rows, cols):
                layout = "channels_first" if len(labels) == rows else "samples_first"
            elif rows == cols:
                self.fail(f"the matrix is square ({rows}x{cols}): rows and columns cannot be told apart",
                          "Pass layout='channels_first' (one row per channel) or 'samples_first' (one column per channel).")
            else:
                layout = "channels_first" if rows < cols else "samples_first"
        samples = matrix if layout == "channels_first" else matrix.T
        return np.ascontiguousarray(samples), layout

    def _rate(self, fs, n_samples):
        if fs is not None:
            return fs, "option fs"
        found = {}
        for v in self.found:
            if v.kind == "numeric" and v.value.size == 1 and _key(v.name) in FS_NAMES:
                value = float(v.value.reshape(-1)[0])
                if np.isfinite(value) and value > 0:
                    found[f"variable {v.name}"] = value
        for v in self.found:
            if v.kind == "numeric" and min(v.value.shape) == 1 and _key(v.name) in TIME_NAMES and v.value.size == n_samples:
                rate, problem = uniform_rate(v.value.reshape(-1))
                if problem is None:
                    found[f"time vector {v.name}"] = float(rate)
        values = sorted({round(r, 6) for r in found.values()})
        if not found:
            self.fail("no sampling rate (no variable fs/Fs/SampleRate/srate and no uniform time vector)",
                      "Pass the rate: --fs HZ (fs=HZ in Python).")
        if len(values) > 1 and max(values) / min(values) > 1 + 1e-6:
            listed = ", ".join(f"{k} = {v:g} Hz" for k, v in found.items())
            self.fail(f"several candidate sampling rates disagree ({listed})", "Pass the right one: --fs HZ (fs=HZ).")
        where, rate = next(iter(found.items()))
        return check_fs(rate), where

    def _unit(self, unit):
        if unit is not None:
            return normalise_unit(unit) or unit, "option unit"
        for v in self.found:
            if v.kind == "text" and _key(v.name) in UNIT_NAMES and v.value:
                return normalise_unit(v.value) or "a.u.", f"variable {v.name}"
        return "a.u.", "not stated (a.u.)"
