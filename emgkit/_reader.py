"""The reader base: what every file reader builds on, so readers never import :mod:`emgkit.io`.

* :class:`RecordingFile`: the lazy, read-only handle every reader returns
  (samples sliced from any array-like, e.g. an ``h5py.Dataset``).
* :func:`check_input_path` and :func:`read_head`: the checks on an input file
  before any reader sees it, and the first :data:`SNIFF_BYTES` bytes handed
  to every sniff function.  Checks on the input itself (its kind, what it
  declares against what it holds) belong here, before any data is read.
* :func:`is_hdf5`: the HDF5 signature test (with a user block before it).
* :data:`LAYOUTS`, :data:`NONFINITE_POLICIES`: option values shared by readers.

The format registry (:mod:`emgkit.formats`) and :mod:`emgkit.io` import this
module; the readers (:mod:`emgkit.hdf5_native`, :mod:`emgkit.hdf5_foreign`,
``emgkit/formats/*``) import it and nothing above it.  Writing goes through
:mod:`emgkit._atomic`.
"""

from __future__ import annotations

import copy
import difflib
import math
from pathlib import Path
from typing import Iterator

import numpy as np

from ._checks import check_fs, check_option
from ._input import check_input_path, check_meta, check_rate, source_path
from .channels import Channel
from .errors import FileFormatError, InvalidInputError
from .recording import NONFINITE_POLICIES, Recording

__all__ = [
    "RecordingFile",
    "check_input_path",
    "check_hdf5_storage",
    "read_head",
    "is_hdf5",
    "HDF5_SIGNATURE",
    "SNIFF_BYTES",
    "LAYOUTS",
    "NONFINITE_POLICIES",
]

HDF5_SIGNATURE = b"\x89HDF\r\n\x1a\n"
SNIFF_BYTES = 4096  # bytes handed to every sniff function
LAYOUTS = ("channels_first", "samples_first")


# -- the input file -------------------------------------------------------------------
# check_input_path (the input gate: file kinds, pipes, link loops) lives in emgkit._input.


def check_hdf5_storage(ds, where, file) -> None:
    """Refuse an HDF5 dataset that declares more samples than the file holds, before reading any.

    A dataset may declare any shape: chunks never written read as fill
    values, an external link or external raw storage points at another file,
    a virtual dataset assembles others.  Reading such a dataset would allocate
    (or stream) what it declares (terabytes from a 10 KB file), so it is
    refused: contiguous storage must hold ``ds.nbytes``, a chunked dataset
    must have every chunk written.  ``file`` is the ``h5py.File`` the reader
    opened (a dataset found through an external link lives in another).

    Raises
    ------
    FileFormatError
        Naming ``where`` (the file), the dataset, what it declares and holds.
    """
    name, declared = ds.name, f"{ds.shape} {ds.dtype} ({ds.nbytes / 1e6:.6g} MB)"
    fix = "the file is incomplete or corrupt; copy it again from its source, or write the data into the file itself"
    if ds.file.id != file.id or ds.is_virtual or ds.external:
        what = "a virtual dataset" if ds.is_virtual else "stored in another file"
        raise FileFormatError(f"{where}: dataset {name} {declared} is {what}; emgkit reads only samples stored in the "
                              "file itself: copy the data into it")
    if ds.chunks is None:
        held = ds.id.get_storage_size()
        if held < ds.nbytes:
            raise FileFormatError(f"{where}: dataset {name} declares {declared} but the file holds {held} bytes of "
                                  f"it; {fix}")
        return
    expected = 1
    for size, chunk in zip(ds.shape, ds.chunks):
        expected *= -(-size // chunk)
    written = ds.id.get_num_chunks()
    if written < expected:
        raise FileFormatError(f"{where}: dataset {name} declares {declared} in {expected} chunks but only {written} "
                              f"are written; {fix}")


def read_head(path: Path) -> bytes:
    """The first :data:`SNIFF_BYTES` bytes of ``path`` (fewer for a shorter file; a pipe's copy for a pipe)."""
    with open(source_path(path), "rb") as fh:
        return fh.read(SNIFF_BYTES)


def is_hdf5(path: Path, head: bytes) -> bool:
    """True when the HDF5 signature sits at byte 0, 512, 1024, 2048, ... (HDF5 allows a user block before it)."""
    if head.startswith(HDF5_SIGNATURE):
        return True
    path = source_path(path)
    size = path.stat().st_size
    offset = 512
    with open(path, "rb") as fh:
        while offset + len(HDF5_SIGNATURE) <= size:
            if offset + len(HDF5_SIGNATURE) <= len(head):
                found = head[offset : offset + len(HDF5_SIGNATURE)] == HDF5_SIGNATURE
            else:
                fh.seek(offset)
                found = fh.read(len(HDF5_SIGNATURE)) == HDF5_SIGNATURE
            if found:
                return True
            offset *= 2
    return False


# -- lazy handle ----------------------------------------------------------------------
class RecordingFile:
    """A read-only recording on disk (or in memory) that loads only what is asked for.

    Returned by :func:`emgkit.open`; use it as a context manager.  The
    samples come from ``source``, any 2-D (or 1-D, single channel) array-like
    supporting NumPy slicing, such as an ``h5py.Dataset``: each read slices
    it, so only the requested time range and channels are read from disk.

    Parameters
    ----------
    source : array-like, shape (n_channels, n_samples), (n_samples, n_channels) or (n_samples,)
        The samples, as stored.
    fs : float > 0
        Sampling rate in Hz.
    channels : sequence of str or Channel
        One per channel of ``source``.
    unit : str, default "V"
        Amplitude unit of the values returned (after ``scale``/``offset``).
    meta : dict, optional
        Metadata copied into every Recording read.
    layout : {"channels_first", "samples_first"}
        Axis order of a 2-D ``source``.
    scale, offset : float, optional
        ``value = stored * scale + offset``.  For integer sources this is the
        Recording's ADC conversion (reported in ``meta["adc"]``).
    nonfinite : {"error", "interpolate", "zero"}
        Passed to every :class:`Recording` built.
    path : Path, optional
        File name used in messages.
    close : callable, optional
        Called once by :meth:`close` (e.g. closes the HDF5 file).
    """

    def __init__(
        self,
        source,
        *,
        fs,
        channels,
        unit="V",
        meta=None,
        layout="channels_first",
        scale=None,
        offset=None,
        nonfinite="error",
        path=None,
        close=None,
    ):
        self._source = source
        self._layout = check_option("layout", layout, LAYOUTS)
        self._nonfinite = check_option("nonfinite", nonfinite, NONFINITE_POLICIES)
        shape = tuple(source.shape)
        if len(shape) == 1:
            n_channels, n_samples = 1, shape[0]
        elif len(shape) == 2:
            n_channels, n_samples = shape if self._layout == "channels_first" else shape[::-1]
        else:
            raise InvalidInputError(f"source must be 1-D or 2-D, got shape {shape}")
        self._n_samples = int(n_samples)
        self.fs = check_fs(fs)
        chans = Recording._check_channels(channels, (n_channels, n_samples))
        self.channels = chans
        if not isinstance(unit, str) or not unit:
            raise InvalidInputError(f"unit must be a non-empty string such as 'V' or 'mV', got {unit!r}")
        self.unit = unit
        self._meta = dict(meta or {})
        self._scale, self._offset = scale, offset
        self._integer = np.issubdtype(np.dtype(source.dtype), np.integer)
        self.path = Path(path) if path is not None else None
        check_rate(self.fs, self._where())
        check_meta(self._meta, self._where())
        self._closer = close
        self._closed = False

    @classmethod
    def from_recording(cls, rec: Recording, path=None) -> "RecordingFile":
        """Wrap an in-memory Recording (for formats that cannot be read lazily)."""
        return cls(rec.data, fs=rec.fs, channels=rec.channels, unit=rec.unit, meta=rec.meta, path=path)

    # -- description ---------------------------------------------------------
    @property
    def n_channels(self) -> int:
        """Number of channels."""
        return len(self.channels)

    @property
    def n_samples(self) -> int:
        """Samples per channel."""
        return self._n_samples

    @property
    def duration(self) -> float:
        """Length in seconds (``n_samples / fs``)."""
        return self._n_samples / self.fs

    @property
    def channel_names(self) -> list[str]:
        return [c.name for c in self.channels]

    @property
    def meta(self) -> dict:
        """A copy of the file's metadata."""
        return copy.deepcopy(self._meta)

    @property
    def dtype(self) -> np.dtype:
        """Sample type as stored."""
        return np.dtype(self._source.dtype)

    @property
    def closed(self) -> bool:
        return self._closed

    def __repr__(self):
        where = f" {self.path.name}" if self.path else ""
        state = " (closed)" if self._closed else ""
        return (
            f"<RecordingFile{where}{state}: {self.n_channels} ch x {self.n_samples} samples @ {self.fs:g} Hz "
            f"({self.duration:.2f} s, {self.unit}, stored {self.dtype})>"
        )

    # -- reading ---------------------------------------------------------------
    def read(self, channels=None, start=None, stop=None) -> Recording:
        """Read a time slice of some channels.

        Parameters
        ----------
        channels : str, int, Channel or sequence of them, optional
            Channels in the order wanted.  Default: all.
        start, stop : float, optional
            Time range in **seconds** (samples ``round(start * fs)`` to
            ``round(stop * fs)``, stop excluded).  Default: whole record.

        Returns
        -------
        Recording
            Only the requested samples are read from disk.  When ``start`` is
            given, ``meta["start_s"]`` is the time of the first sample.
        """
        rows = self._rows(channels)
        first, last = self._sample_range(start, stop)
        return self._build(rows, first, last, record_start=start is not None)

    def iter_chunks(self, chunk_s, overlap_s=0.0, *, channels=None) -> Iterator[tuple[int, Recording]]:
        """Stream the record in consecutive time blocks, each padded by an overlap on both sides.

        Block ``k`` has the *core* samples ``[k * chunk, (k + 1) * chunk)``
        (``chunk = round(chunk_s * fs)``; the last core is shorter), extended
        by ``overlap = round(overlap_s * fs)`` samples before and after,
        clipped at the record's edges.  The cores tile the record exactly
        once, so a streaming analysis filters each padded block and keeps its
        core.

        Parameters
        ----------
        chunk_s : float > 0
            Core length in seconds (at least one sample).
        overlap_s : float >= 0, default 0
            Padding on each side in seconds (e.g. a filter's settling time).
        channels : optional
            As in :meth:`read`.

        Returns
        -------
        iterator of (start_sample, block)
            ``start_sample`` (int) is the index in the file of the block's
            first sample; ``block`` (Recording) has ``block.meta["start_s"]``,
            its start time in seconds, and
            ``block.meta["chunk"]`` holds ``index``, ``start_sample``,
            ``core_start_sample`` and ``core_stop_sample`` (file sample
            indices); the core is
            ``block.data[:, core_start_sample - start_sample : core_stop_sample - start_sample]``.
        """
        chunk = _positive_samples("chunk_s", chunk_s, self.fs, minimum=1)
        overlap = _positive_samples("overlap_s", overlap_s, self.fs, minimum=0)
        return self._chunks(self._rows(channels), chunk, overlap)

    def _chunks(self, rows, chunk, overlap):
        n = self._n_samples
        for index, core_start in enumerate(range(0, n, chunk)):
            core_stop = min(n, core_start + chunk)
            first, last = max(0, core_start - overlap), min(n, core_stop + overlap)
            block = self._build(rows, first, last, record_start=True)
            block.meta["chunk"] = {
                "index": index,
                "start_sample": first,
                "core_start_sample": core_start,
                "core_stop_sample": core_stop,
            }
            yield first, block

    def _build(self, rows, first, last, record_start, *, share_meta=False) -> Recording:
        """Samples ``first:last`` of ``rows`` as a Recording; ``share_meta`` hands over the file's metadata uncopied
        (for readers that only take the samples: a deep copy per piece costs more than the read)."""
        data = self._fetch(rows, first, last)
        meta = self._meta if share_meta else copy.deepcopy(self._meta)
        if record_start:
            meta["start_s"] = float(meta.get("start_s", 0.0)) + first / self.fs
        scale, offset = self._scale, self._offset
        if not self._integer and (scale is not None or offset is not None):
            data = data * (1.0 if scale is None else scale) + (0.0 if offset is None else offset)
            scale = offset = None
        try:
            return Recording(
                data,
                self.fs,
                [self.channels[r] for r in rows],
                unit=self.unit,
                meta=meta,
                scale=scale,
                offset=offset,
                nonfinite=self._nonfinite,
            )
        except InvalidInputError as exc:  # e.g. NaN samples: say which file holds them
            if self.path is None or str(self.path) in str(exc):
                raise
            raise InvalidInputError(f"{self.path}: {exc}") from None

    def _fetch(self, rows, first, last) -> np.ndarray:
        """Samples ``first:last`` of ``rows`` as a (len(rows), last - first) array, rows in the given order."""
        if self._closed:
            raise InvalidInputError(f"{self._where()} is closed; read inside the `with emgkit.open(...)` block")
        wanted = sorted(rows)
        if wanted == list(range(self.n_channels)):
            selector = slice(None)
        elif wanted == list(range(wanted[0], wanted[-1] + 1)):
            selector = slice(wanted[0], wanted[-1] + 1)
        else:
            selector = wanted  # h5py needs increasing indices; reordered below
        try:
            if len(self._source.shape) == 1:
                block = np.asarray(self._source[first:last])[np.newaxis, :]
            elif self._layout == "channels_first":
                block = np.asarray(self._source[selector, first:last])
            else:
                block = np.asarray(self._source[first:last, selector]).T
        except OSError as exc:
            raise FileFormatError(
                f"{self._where()}: could not read samples {first} to {last}: {exc}. "
                "The file is probably truncated or corrupt; copy it again from its source"
            ) from None
        if list(rows) != wanted:
            block = block[[wanted.index(r) for r in rows]]
        return np.ascontiguousarray(block)

    def _rows(self, channels) -> list[int]:
        if channels is None:
            return list(range(self.n_channels))
        if isinstance(channels, (str, int, np.integer, Channel)):
            channels = [channels]
        try:
            channels = list(channels)
        except TypeError:
            raise InvalidInputError(
                f"channels must be a name, an index or a sequence of them, got {type(channels).__name__}"
            ) from None
        if not channels:
            raise InvalidInputError("channels is empty; pass None to read all channels or at least one name")
        names = self.channel_names
        rows, unknown = [], []
        for c in channels:
            if isinstance(c, (bool, np.bool_)):
                raise InvalidInputError(f"channel {c!r} is a boolean; pass names or integer indices")
            if isinstance(c, (int, np.integer)):
                if not -self.n_channels <= c < self.n_channels:
                    raise InvalidInputError(f"channel index {c} out of range for {self.n_channels} channels")
                rows.append(int(c) % self.n_channels)
                continue
            name = c.name if isinstance(c, Channel) else c
            if name in names:
                rows.append(names.index(name))
            else:
                unknown.append(name)
        if unknown:
            hints = {u: difflib.get_close_matches(str(u), names, n=1) for u in unknown}
            detail = ", ".join(f"{u!r}" + (f" (did you mean {h[0]!r}?)" if h else "") for u, h in hints.items())
            raise InvalidInputError(f"unknown channel(s) {detail} in {self._where()}; available channels: {names}")
        dupes = sorted({names[r] for r in rows if rows.count(r) > 1})
        if dupes:
            raise InvalidInputError(f"channels {dupes} requested more than once; list each channel once")
        return rows

    def _sample_range(self, start, stop) -> tuple[int, int]:
        n, dur = self._n_samples, self.duration
        first = 0 if start is None else _time_to_sample("start", start, self.fs)
        last = n if stop is None else _time_to_sample("stop", stop, self.fs)
        span = f"the record lasts {dur:.6g} s ({n} samples at {self.fs:g} Hz); start/stop are in seconds"
        if first < 0 or last < 0:
            raise InvalidInputError(f"{self._where()}: start={start!r}, stop={stop!r} is negative; {span}")
        if first >= n or last > n:
            raise InvalidInputError(f"{self._where()}: start={start!r}, stop={stop!r} reaches beyond the end of the record: {span}")
        if first >= last:
            raise InvalidInputError(
                f"{self._where()}: start={start!r} s must be before stop={stop!r} s (at least one sample, {1 / self.fs:.6g} s); {span}"
            )
        return first, last

    def _where(self) -> str:
        return str(self.path) if self.path is not None else "the recording"

    # -- lifetime ---------------------------------------------------------------
    def close(self) -> None:
        """Release the file (idempotent)."""
        if not self._closed:
            self._closed = True
            if self._closer is not None:
                self._closer()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False

    def __del__(self):
        try:
            self.close()
        except Exception:
            pass


def _time_to_sample(name, seconds, fs) -> int:
    try:
        value = float(seconds)
    except (TypeError, ValueError):
        raise InvalidInputError(f"{name} must be a time in seconds, got {seconds!r}") from None
    if not math.isfinite(value):
        raise InvalidInputError(f"{name} must be a finite time in seconds, got {seconds!r}")
    return int(round(value * fs))


def _positive_samples(name, seconds, fs, *, minimum) -> int:
    try:
        value = float(seconds)
    except (TypeError, ValueError):
        raise InvalidInputError(f"{name} must be a duration in seconds, got {seconds!r}") from None
    if not math.isfinite(value) or value < 0 or (minimum > 0 and value <= 0):
        bound = "positive" if minimum > 0 else "zero or positive"
        raise InvalidInputError(f"{name} must be a {bound} duration in seconds, got {seconds!r}")
    samples = int(round(value * fs))
    if samples < minimum:
        raise InvalidInputError(f"{name}={seconds!r} s is shorter than one sample at {fs:g} Hz ({1 / fs:.6g} s)")
    return samples
