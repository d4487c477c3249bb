"""emgkit's native HDF5 schema, version 1 (specification: ``docs/format.md``).

Layout::

    /                    attrs format="emgkit", format_version=1, emgkit_version, created (UTC ISO 8601)
    /emg/data            (n_channels, n_samples) float32|float64, chunks (1, 16384),
                         gzip level 4 (+ shuffle when it helps) + fletcher32; attrs fs (Hz), unit
    /emg/channels/name   (n_channels,) variable-length UTF-8 strings
    /emg/channels/muscle (n_channels,) canonical muscle name or ""
    /emg/channels/side   (n_channels,) "L", "R" or ""
    /emg/channels/kind   (n_channels,) declared kind ("emg", "trigger", ...) or ""; optional (older files lack it)
    /meta                scalar UTF-8 string: JSON object (Recording.meta without "events")
    /events              scalar UTF-8 string: JSON of meta["events"] (only when present)

Use :func:`emgkit.write`, :func:`emgkit.read` and :func:`emgkit.open`; this
module holds the schema-specific parts they call.
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
import json
import math
import zlib
from collections.abc import Mapping
from pathlib import Path, PurePath

import h5py
import numpy as np

from ._checks import check_fs, check_option
from ._version import __version__
from .errors import FileFormatError, InvalidInputError
from .channels import Channel
from ._atomic import atomic_output
from ._reader import NONFINITE_POLICIES, RecordingFile, check_hdf5_storage, is_hdf5
from .recording import Recording

__all__ = [
    "FORMAT_NAME",
    "FORMAT_VERSION",
    "CHUNK_SAMPLES",
    "use_shuffle",
    "sniff",
    "open_hdf5",
    "open_native",
    "write_native",
    "RecordingWriter",
    "meta_to_json",
    "meta_from_json",
]

FORMAT_NAME = "emgkit"
FORMAT_VERSION = 1
# One channel x 16384 samples per chunk (128 KiB of float64, 64 KiB of float32):
# a channel subset reads only its own chunks, a time slice only the chunks it
# overlaps, and a 1 s window at 2 kHz decompresses 8 s per channel, not the file.
CHUNK_SAMPLES = 2**14
# deflate is built into every HDF5 library (MATLAB, R, Julia, h5py, HDFView);
# fletcher32 checksums every chunk, so corrupted bytes raise instead of reading as samples.
COMPRESSION = {"compression": "gzip", "compression_opts": 4, "fletcher32": True}
SHUFFLE_PROBE_ROWS = 4
STRING = h5py.string_dtype("utf-8")
# chunk cache per opened file: keeps one chunk per channel across consecutive time blocks
CACHE_BYTES = 16 * 2**20
CACHE_SLOTS = 10007


# -- opening -----------------------------------------------------------------------
def open_hdf5(path) -> h5py.File:
    """Open an HDF5 file read-only, turning HDF5 failures into :class:`FileFormatError`."""
    path = Path(path)
    try:
        return h5py.File(path, "r", locking="best-effort", rdcc_nbytes=CACHE_BYTES, rdcc_nslots=CACHE_SLOTS)
    except (FileNotFoundError, PermissionError, IsADirectoryError):
        raise
    except OSError as exc:
        raise FileFormatError(
            f"{path} starts like an HDF5 file but HDF5 cannot open it ({exc}). It is probably truncated or "
            "corrupt (an interrupted copy, download or write); copy it again from its source"
        ) from None


def sniff(path: Path, head: bytes) -> bool:
    """True for an HDF5 file whose root attribute ``format`` is ``"emgkit"``."""
    if not is_hdf5(path, head):
        return False
    try:
        with h5py.File(path, "r", locking="best-effort") as f:
            return _as_str(f.attrs.get("format")) == FORMAT_NAME
    except Exception:  # unreadable files are diagnosed by the reader that accepts them
        return False


def show(value) -> str:
    """An attribute value for messages: plain Python repr, long arrays shortened."""
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    if isinstance(value, (np.ndarray, np.generic)):
        value = np.asarray(value).tolist()
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def _as_str(value):
    """An HDF5 string attribute (str, bytes or 1-element array) as str, else None."""
    if isinstance(value, np.ndarray) and value.size == 1:
        value = value.reshape(()).item()
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace")
    return value if isinstance(value, str) else None


# -- reading --------------------------------------------------------------------------
def open_native(path, *, nonfinite="error", **options) -> RecordingFile:
    """Open a native emgkit HDF5 file lazily (see :func:`emgkit.open`).

    Parameters
    ----------
    path : Path
        The file.
    nonfinite : {"error", "interpolate", "zero"}
        Policy for NaN/inf samples in what is read.

    Raises
    ------
    FileFormatError
        Missing or malformed parts of the schema, a newer ``format_version``,
        a corrupt file.
    InvalidInputError
        Options meant for foreign HDF5 files (``dataset``, ``fs``, ...).
    """
    path = Path(path)
    if options:
        raise InvalidInputError(
            f"option(s) {', '.join(sorted(options))} apply to foreign HDF5 files; {path} is an emgkit native file, "
            "which stores its sampling rate, channels and layout itself (accepted option: nonfinite)"
        )
    check_option("nonfinite", nonfinite, NONFINITE_POLICIES)
    f = open_hdf5(path)
    try:
        ds, fs, channels, unit, meta = _parse(f, path)
        return RecordingFile(
            ds, fs=fs, channels=channels, unit=unit, meta=meta, layout="channels_first",
            nonfinite=nonfinite, path=path, close=f.close,
        )
    except (OSError, RuntimeError, KeyError) as exc:
        f.close()
        raise FileFormatError(f"{path}: the emgkit file is corrupt ({exc}); copy it again from its source") from None
    except InvalidInputError as exc:  # e.g. duplicate channel names in the file
        f.close()
        raise FileFormatError(f"{path}: {exc}") from None
    except BaseException:
        f.close()
        raise


def _parse(f: h5py.File, path: Path):
    _check_version(f, path)
    ds = f.get("emg/data")
    if not isinstance(ds, h5py.Dataset):
        raise FileFormatError(f"{path}: emgkit file without the /emg/data dataset (format_version 1 requires it)")
    if ds.ndim != 2 or ds.dtype not in (np.float32, np.float64):
        raise FileFormatError(
            f"{path}: /emg/data must be a 2-D float32/float64 (n_channels, n_samples) array, "
            f"got shape {ds.shape} dtype {ds.dtype}"
        )
    if ds.shape[0] == 0 or ds.shape[1] == 0:
        raise FileFormatError(f"{path}: /emg/data is empty (shape {ds.shape}); the file holds no samples")
    check_hdf5_storage(ds, path, f)
    if "fs" not in ds.attrs:
        raise FileFormatError(
            f"{path}: /emg/data has no 'fs' attribute (sampling rate in Hz), which the schema requires (docs/format.md); "
            "add it with h5py (f['emg/data'].attrs['fs'] = <Hz>) or write the recording again with emgkit.write"
        )
    try:
        fs = check_fs(ds.attrs["fs"])
    except InvalidInputError:
        raise FileFormatError(
            f"{path}: /emg/data attribute fs={show(ds.attrs['fs'])} is not a positive sampling rate in Hz (one number); "
            "rewrite the file with the rate it was sampled at (emgkit.write(rec) stores one number)"
        ) from None
    unit = _as_str(ds.attrs.get("unit"))
    if not unit:
        raise FileFormatError(
            f"{path}: /emg/data has no 'unit' string attribute (e.g. 'V'), which the schema requires (docs/format.md); "
            "add it with h5py (f['emg/data'].attrs['unit'] = 'V') or write the recording again with emgkit.write"
        )
    channels = _read_channels(f, path, ds.shape[0])
    meta = {}
    if "meta" in f:
        meta = _read_json(f, "meta", path)
        if not isinstance(meta, dict):
            raise FileFormatError(f"{path}: /meta must hold a JSON object, got {type(meta).__name__}")
    if "events" in f:
        meta["events"] = _read_json(f, "events", path)
    return ds, fs, channels, unit, meta


def _check_version(f, path):
    raw = f.attrs.get("format_version")
    try:
        version = int(np.asarray(raw).reshape(-1)[0])
        if version != np.asarray(raw).reshape(-1)[0]:
            raise ValueError
    except (TypeError, ValueError, IndexError):
        raise FileFormatError(
            f"{path}: emgkit file with a missing or invalid format_version attribute ({show(raw)}); expected an integer"
        ) from None
    if version > FORMAT_VERSION:
        raise FileFormatError(
            f"{path} uses emgkit format_version {version}, newer than this emgkit {__version__} reads "
            f"(up to {FORMAT_VERSION}); upgrade emgkit (pip install -U emgkit)"
        )
    if version < 1:
        raise FileFormatError(f"{path}: invalid emgkit format_version {version}; versions start at 1")


def _strings(f, name, path, n):
    ds = f.get(name)
    if not isinstance(ds, h5py.Dataset) or ds.ndim != 1 or ds.dtype.kind not in "OSU":
        raise FileFormatError(f"{path}: /{name} must be a 1-D string dataset")
    if ds.shape[0] != n:
        raise FileFormatError(f"{path}: /{name} has {ds.shape[0]} entries for {n} channels in /emg/data")
    return [s.decode("utf-8", "replace") if isinstance(s, bytes) else str(s) for s in ds[()].tolist()]


def _read_channels(f, path, n):
    if "emg/channels/name" not in f:
        raise FileFormatError(f"{path}: emgkit file without /emg/channels/name (channel names)")
    names = _strings(f, "emg/channels/name", path, n)
    muscles = _strings(f, "emg/channels/muscle", path, n) if "emg/channels/muscle" in f else [""] * n
    sides = _strings(f, "emg/channels/side", path, n) if "emg/channels/side" in f else [""] * n
    kinds = _strings(f, "emg/channels/kind", path, n) if "emg/channels/kind" in f else [""] * n
    try:
        return [Channel(name, muscle=m or None, side=s or None, kind=k or None)
                for name, m, s, k in zip(names, muscles, sides, kinds)]
    except InvalidInputError as exc:
        raise FileFormatError(f"{path}: bad channel table: {exc}") from None


def _read_json(f, name, path):
    ds = f[name]
    if not isinstance(ds, h5py.Dataset) or ds.shape != () or ds.dtype.kind not in "OSU":
        raise FileFormatError(f"{path}: /{name} must be a scalar string dataset holding JSON")
    text = ds[()]
    try:
        if isinstance(text, bytes):
            text = text.decode("utf-8")
        return meta_from_json(text)
    except UnicodeDecodeError as exc:
        raise FileFormatError(f"{path}: /{name} is not UTF-8 text ({exc.reason} at byte {exc.start}); "
                              "the file is corrupt: copy it again from its source") from None
    except (json.JSONDecodeError, RecursionError) as exc:
        raise FileFormatError(f"{path}: /{name} is not valid JSON ({exc})") from None


# -- metadata as JSON -----------------------------------------------------------------
_NONFINITE = {"NaN": math.nan, "Infinity": math.inf, "-Infinity": -math.inf}


def meta_to_json(meta) -> str:
    """Encode metadata as strict JSON (RFC 8259).

    NumPy arrays become (nested) lists, NumPy scalars Python numbers, tuples
    and sets lists, dates ISO 8601 strings, paths strings, dataclasses
    objects; integer dict keys become strings.  Non-finite floats, which
    JSON lacks, are written as ``{"$float": "NaN"}`` (or ``"Infinity"``,
    ``"-Infinity"``) and restored by :func:`meta_from_json`.

    Raises
    ------
    InvalidInputError
        A value JSON cannot hold (bytes, complex, arbitrary objects), naming
        where it sits, e.g. ``meta['truth']['ratio']``.
    """
    return json.dumps(_json_safe(meta, "meta"), ensure_ascii=False, allow_nan=False)


def meta_from_json(text: str):
    """Decode :func:`meta_to_json` output (restores non-finite floats)."""
    return json.loads(text, object_hook=_restore_float)


def _restore_float(obj):
    if len(obj) == 1 and "$float" in obj and obj["$float"] in _NONFINITE:
        return _NONFINITE[obj["$float"]]
    return obj


def _json_safe(obj, where):
    if obj is None or isinstance(obj, (bool, str)):
        return obj
    if isinstance(obj, int):
        return int(obj)
    if isinstance(obj, float):
        if math.isfinite(obj):
            return float(obj)
        return {"$float": "NaN" if math.isnan(obj) else ("Infinity" if obj > 0 else "-Infinity")}
    if isinstance(obj, np.ndarray):
        if obj.dtype.kind in "cSV":
            raise InvalidInputError(f"{where} is an array of {obj.dtype}, which JSON cannot store; convert it first")
        return _json_safe(obj.tolist(), where)
    if isinstance(obj, np.generic):
        return _json_safe(obj.item(), where)
    if isinstance(obj, Mapping):
        out = {}
        for key, value in obj.items():
            if isinstance(key, (int, np.integer)) and not isinstance(key, (bool, np.bool_)):
                key = str(int(key))
            elif not isinstance(key, str):
                raise InvalidInputError(
                    f"{where} has a key {key!r} of type {type(key).__name__}; metadata keys must be strings (or integers)"
                )
            out[str(key)] = _json_safe(value, f"{where}[{key!r}]")
        return out
    if isinstance(obj, (list, tuple)):
        return [_json_safe(v, f"{where}[{i}]") for i, v in enumerate(obj)]
    if isinstance(obj, (set, frozenset)):
        items = [_json_safe(v, f"{where}[...]") for v in obj]
        try:
            return sorted(items)
        except TypeError:
            return items
    if isinstance(obj, (_dt.datetime, _dt.date, _dt.time)):
        return obj.isoformat()
    if isinstance(obj, PurePath):
        return str(obj)
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return _json_safe(dataclasses.asdict(obj), where)
    raise InvalidInputError(
        f"{where} is a {type(obj).__name__} ({obj!r:.60}), which cannot be stored as JSON; "
        "convert it to numbers, strings, lists or dicts before writing"
    )


def _split_meta(meta):
    """(JSON of meta without "events", JSON of meta["events"] or None); validates before a file is touched."""
    rest = {key: value for key, value in meta.items() if key != "events"}
    events = None
    if "events" in meta:
        events = json.dumps(_json_safe(meta["events"], "meta['events']"), ensure_ascii=False, allow_nan=False)
    return meta_to_json(rest), events


# -- writing -----------------------------------------------------------------------------
def _write_header(f: h5py.File) -> None:
    f.attrs["format"] = FORMAT_NAME
    f.attrs["format_version"] = np.int64(FORMAT_VERSION)
    f.attrs["emgkit_version"] = __version__
    f.attrs["created"] = _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _describe_data(ds: h5py.Dataset, fs: float, unit: str) -> None:
    ds.attrs["fs"] = np.float64(fs)
    ds.attrs["unit"] = unit
    ds.dims[0].label = "channel"
    ds.dims[1].label = "sample"


def _write_channels(group: h5py.Group, channels) -> None:
    table = group.create_group("channels")
    table.create_dataset("name", data=[c.name for c in channels], dtype=STRING)
    table.create_dataset("muscle", data=[c.muscle or "" for c in channels], dtype=STRING)
    table.create_dataset("side", data=[c.side or "" for c in channels], dtype=STRING)
    table.create_dataset("kind", data=[c.kind or "" for c in channels], dtype=STRING)


def _write_meta(f: h5py.File, meta_json: str, events_json: str | None) -> None:
    f.create_dataset("meta", data=meta_json, dtype=STRING)
    if events_json is not None:
        f.create_dataset("events", data=events_json, dtype=STRING)


def use_shuffle(data: np.ndarray) -> bool:
    """Whether the shuffle filter makes deflate smaller on a sample of ``data`` (channels first).

    Shuffle stores the first bytes of every value together, then the second
    bytes, ...: analog or filtered floats compress ~10 % better so.  Values
    converted from ADC counts repeat the same few hundred 8-byte patterns,
    which deflate finds only unshuffled (2-3x smaller files).  The probe
    compresses one chunk of up to 4 channels, from the middle of the record,
    both ways.
    """
    rows = np.unique(np.linspace(0, data.shape[0] - 1, SHUFFLE_PROBE_ROWS).astype(int))
    start = max(0, data.shape[1] // 2 - CHUNK_SAMPLES // 2)
    plain = shuffled = 0
    for row in rows:
        values = np.ascontiguousarray(data[row, start : start + CHUNK_SAMPLES])
        plain += len(zlib.compress(values.tobytes(), COMPRESSION["compression_opts"]))
        planes = values.view(np.uint8).reshape(-1, values.itemsize).T
        shuffled += len(zlib.compress(planes.tobytes(), COMPRESSION["compression_opts"]))
    return shuffled < plain


def write_native(rec: Recording, path) -> None:
    """Write ``rec`` to ``path`` in schema v1 (no atomicity; :func:`emgkit.write` adds it)."""
    meta_json, events_json = _split_meta(rec.meta)
    n_samples = rec.n_samples
    with h5py.File(path, "w") as f:
        _write_header(f)
        group = f.create_group("emg")
        ds = group.create_dataset(
            "data", data=rec.data, chunks=(1, min(CHUNK_SAMPLES, n_samples)), shuffle=use_shuffle(rec.data), **COMPRESSION
        )
        _describe_data(ds, rec.fs, rec.unit)
        _write_channels(group, rec.channels)
        _write_meta(f, meta_json, events_json)


class RecordingWriter:
    """Native HDF5 written block by block; created by :func:`emgkit.io.create`.

    The samples go to a temporary file beside ``path``; :meth:`close` writes
    the metadata and renames it to ``path``.  Leaving a ``with`` block by an
    exception, or :meth:`abort`, deletes the temporary file instead.

    Attributes
    ----------
    meta : dict
        Stored at :meth:`close`; may be edited until then.
    """

    def __init__(self, path, fs, channels, *, unit="V", meta=None, dtype="float64", overwrite=False):
        self.fs = check_fs(fs)
        channels = list(channels) if not isinstance(channels, (str, Channel)) else [channels]
        self.channels = Recording._check_channels(channels, (len(channels), 1))
        if not self.channels:
            raise InvalidInputError("create() needs at least one channel")
        if not isinstance(unit, str) or not unit:
            raise InvalidInputError(f"unit must be a non-empty string such as 'V' or 'mV', got {unit!r}")
        if str(np.dtype(dtype)) not in ("float32", "float64"):
            raise InvalidInputError(f"dtype must be 'float32' or 'float64', got {dtype!r}")
        self.dtype = np.dtype(dtype)
        self.meta = dict(meta or {})
        _split_meta(self.meta)  # fail now, not after hours of appending
        self._pending: list[np.ndarray] = []
        self._pending_samples = 0
        self._written = 0
        self.unit = unit
        self._ds = None  # created at the first flush, once the shuffle probe has data
        self._out = atomic_output(path, overwrite=overwrite)
        tmp = self._out.__enter__()
        try:
            self._file = h5py.File(tmp, "w")
            _write_header(self._file)
            _write_channels(self._file.create_group("emg"), self.channels)
        except BaseException:
            self._discard()
            raise
        self._open = True

    @property
    def path(self) -> Path:
        """Final file name."""
        return self._out.path

    @property
    def n_samples(self) -> int:
        """Samples appended so far."""
        return self._written + self._pending_samples

    def append(self, block) -> None:
        """Add samples.

        Parameters
        ----------
        block : array_like, shape (n_channels, k)
            The next ``k`` samples of every channel (cast to the writer's dtype).
        """
        if not self._open:
            raise InvalidInputError("the writer is closed; create a new one with emgkit.io.create")
        arr = np.asarray(block)
        if arr.ndim != 2 or arr.shape[0] != len(self.channels):
            raise InvalidInputError(
                f"block must have shape ({len(self.channels)}, k) (channels first), got {arr.shape}"
            )
        if arr.dtype.kind not in "iuf":
            raise InvalidInputError(f"block must hold real numbers, got dtype {arr.dtype}")
        arr = np.ascontiguousarray(arr, dtype=self.dtype)
        bad = ~np.isfinite(arr)
        if bad.any():
            row = int(np.flatnonzero(bad.any(axis=1))[0])
            raise InvalidInputError(
                f"block has non-finite samples (first in channel {self.channels[row].name!r}); "
                "repair them first (emgkit.Recording(..., nonfinite='interpolate'))"
            )
        if arr.shape[1]:
            self._pending.append(arr)
            self._pending_samples += arr.shape[1]
        if self._pending_samples >= CHUNK_SAMPLES:
            self._flush(whole_chunks=True)

    def _flush(self, whole_chunks):
        if not self._pending:
            return
        data = np.concatenate(self._pending, axis=1) if len(self._pending) > 1 else self._pending[0]
        take = data.shape[1] - data.shape[1] % CHUNK_SAMPLES if whole_chunks else data.shape[1]
        if take and self._ds is None:
            self._ds = self._file["emg"].create_dataset(
                "data", shape=(len(self.channels), 0), maxshape=(len(self.channels), None), dtype=self.dtype,
                chunks=(1, CHUNK_SAMPLES), shuffle=use_shuffle(data), **COMPRESSION,
            )
            _describe_data(self._ds, self.fs, self.unit)
        if take:
            self._ds.resize(self._written + take, axis=1)
            self._ds[:, self._written : self._written + take] = data[:, :take]
            self._written += take
        rest = data[:, take:]
        self._pending = [rest] if rest.shape[1] else []
        self._pending_samples = rest.shape[1]

    def close(self) -> Path:
        """Write the remaining samples and the metadata, and move the file to ``path``."""
        if not self._open:
            return self.path
        try:
            self._flush(whole_chunks=False)
            if self._written == 0:
                raise InvalidInputError(f"no samples were appended; {self.path} was not written")
            meta_json, events_json = _split_meta(self.meta)
            _write_meta(self._file, meta_json, events_json)
            self._file.close()
        except BaseException:
            self._discard()
            raise
        self._open = False
        self._out.__exit__(None, None, None)  # fsync + rename (removes the temporary file if that fails)
        return self.path

    def abort(self) -> None:
        """Discard everything written; ``path`` is left as it was."""
        if self._open:
            self._discard()

    def _discard(self):
        self._open = False
        file = getattr(self, "_file", None)
        if file is not None:
            try:
                file.close()
            except Exception:
                pass
        self._out._abort()

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb):
        if exc_type is None:
            self.close()
        else:
            self.abort()
        return False

    def __del__(self):
        if getattr(self, "_open", False):
            self.abort()
