"""Reading and writing recordings: format dispatch, lazy file handles, atomic writes.

``read``, ``open`` and ``write`` are the public entry points (exported as
``emgkit.read``, ``emgkit.open``, ``emgkit.write``).  ``read`` and ``open``
recognise a file by its **content** (signature bytes and, for HDF5, its
attributes), not by its extension, using the table :data:`FORMATS`: one
:class:`FileFormat` entry per format, each with a ``sniff`` function and a
reader.  Add a format with :func:`register_format`.

Times given to ``read``, ``open(...).read`` and ``iter_chunks`` are in
**seconds** from the start of the file; sample indices appear only in the
values ``iter_chunks`` yields.
"""

from __future__ import annotations

import builtins
import copy
import difflib
import math
import os
import secrets
from dataclasses import dataclass
from importlib import import_module
from pathlib import Path
from typing import Callable, Iterator

import numpy as np

from ._checks import check_fs, check_option
from .channels import Channel
from .errors import FileFormatError, InvalidInputError, OutputExistsError
from .recording import Recording

__all__ = [
    "read",
    "write",
    "open",
    "create",
    "RecordingFile",
    "FileFormat",
    "FORMATS",
    "register_format",
    "detect_format",
    "atomic_output",
]

HDF5_SIGNATURE = b"\x89HDF\r\n\x1a\n"
SNIFF_BYTES = 4096  # bytes handed to every sniff function
LAYOUTS = ("channels_first", "samples_first")
NONFINITE_POLICIES = ("error", "interpolate", "zero")


# -- format table ---------------------------------------------------------------
@dataclass(frozen=True)
class FileFormat:
    """One readable file format.

    Parameters
    ----------
    name : str
        Short identifier (``"emgkit-hdf5"``).
    description : str
        One line shown in errors listing the supported formats.
    sniff : callable ``(path: Path, head: bytes) -> bool``
        True when the file is in this format.  ``head`` holds the first
        :data:`SNIFF_BYTES` bytes.  Must not raise for files of other formats.
    open : callable ``(path: Path, **options) -> RecordingFile``, optional
        Lazy reader.  Formats without one are read whole by ``read`` and
        wrapped in memory by :func:`open`.
    read : callable ``(path, channels, start, stop, **options) -> Recording``, optional
        Direct reader (``start``/``stop`` in seconds).  Defaults to ``open``
        followed by :meth:`RecordingFile.read`.
    """

    name: str
    description: str
    sniff: Callable[[Path, bytes], bool]
    open: Callable[..., "RecordingFile"] | None = None
    read: Callable[..., Recording] | None = None

    def __post_init__(self):
        if self.open is None and self.read is None:
            raise InvalidInputError(f"format {self.name!r} needs an open or a read function")

    def read_file(self, path, channels=None, start=None, stop=None, **options) -> Recording:
        if self.read is not None:
            return self.read(path, channels=channels, start=start, stop=stop, **options)
        with self.open(path, **options) as handle:
            return handle.read(channels=channels, start=start, stop=stop)

    def open_file(self, path, **options) -> "RecordingFile":
        if self.open is not None:
            return self.open(path, **options)
        return RecordingFile.from_recording(self.read(path, channels=None, start=None, stop=None, **options), path=path)


def _lazy(module: str, name: str) -> Callable:
    """A function that imports ``emgkit.<module>.<name>`` on first call (keeps h5py out of ``import emgkit``)."""

    def call(*args, **kwargs):
        return getattr(import_module(f"emgkit.{module}"), name)(*args, **kwargs)

    call.__name__ = call.__qualname__ = f"{module}.{name}"
    return call


def is_hdf5(path: Path, head: bytes) -> bool:
    """True when the HDF5 signature sits at byte 0, 512, 1024, 2048, ... (HDF5 allows a user block before it)."""
    if head.startswith(HDF5_SIGNATURE):
        return True
    size = path.stat().st_size
    offset = 512
    with builtins.open(path, "rb") as fh:
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


# Order matters: the first format whose sniff accepts the file reads it.
# Specific HDF5 flavours (native, later NWB) must come before generic "hdf5".
FORMATS: list[FileFormat] = [
    FileFormat(
        name="emgkit-hdf5",
        description="emgkit native HDF5 (docs/format.md; written by emgkit.write)",
        sniff=lambda path, head: is_hdf5(path, head) and _lazy("hdf5_native", "sniff")(path, head),
        open=_lazy("hdf5_native", "open_native"),
    ),
    FileFormat(
        name="hdf5",
        description=(
            "other HDF5 files incl. MATLAB v7.3 .mat (a 2-D or 1-D numeric dataset; "
            "options dataset=, fs=, labels=, layout=, unit=, scale=, offset=)"
        ),
        sniff=is_hdf5,
        open=_lazy("hdf5_foreign", "open_foreign"),
    ),
]


def register_format(fmt: FileFormat, *, before: str | None = None) -> None:
    """Add a readable format to :data:`FORMATS`.

    Parameters
    ----------
    fmt : FileFormat
        The new entry.  An entry with the same name is replaced in place.
    before : str, optional
        Name of the entry it must be tried before (e.g. ``"hdf5"`` for an
        HDF5 flavour such as NWB).  Appended at the end when omitted.
    """
    if not isinstance(fmt, FileFormat):
        raise InvalidInputError(f"register_format expects a FileFormat, got {type(fmt).__name__}")
    names = [f.name for f in FORMATS]
    if fmt.name in names:
        FORMATS[names.index(fmt.name)] = fmt
        return
    if before is None:
        FORMATS.append(fmt)
        return
    check_option("before", before, names)
    FORMATS.insert(names.index(before), fmt)


def _check_input_path(path) -> Path:
    if not isinstance(path, (str, os.PathLike)):
        raise InvalidInputError(f"path must be a str or os.PathLike, got {type(path).__name__}: {path!r}")
    path = Path(path).expanduser()
    if path.is_dir():
        raise InvalidInputError(f"{path} is a folder, not a recording file; pass one file (emgkit batch reads folders)")
    if not path.exists():
        hint = ""
        if path.parent.is_dir():
            close = difflib.get_close_matches(path.name, [p.name for p in path.parent.iterdir()], n=3)
            if close:
                hint = f"; similar names in {path.parent}: {', '.join(close)}"
        elif str(path.parent) not in ("", "."):
            hint = f"; the folder {path.parent} does not exist either"
        raise FileNotFoundError(f"no such file: {path}{hint}")
    return path


def _describe(path: Path, head: bytes) -> str:
    """What a file of unknown format looks like, for error messages."""
    if not head:
        return "it is empty (0 bytes)"
    magic = {
        b"PK\x03\x04": "a ZIP archive (xlsx/npz/zip?)",
        b"\x1f\x8b": "a gzip-compressed file (decompress it first)",
        b"\x93NUMPY": "a NumPy .npy array (load it with numpy and build an emgkit.Recording)",
        b"MATLAB 5.0 MAT-file": "a MATLAB v5 .mat file (re-save it with save(..., '-v7.3'), which is HDF5)",
        b"\xffBIOSEMI": "a BDF file (BioSemi)",
        b"%PDF": "a PDF document",
        b"\x89PNG": "a PNG image",
        b"CDF\x01": "a netCDF-3 file",
        b"CDF\x02": "a netCDF-3 file",
    }
    for sig, what in magic.items():
        if head.startswith(sig):
            return f"it looks like {what}"
    if head[:8] == b"0       " and len(head) >= 256:
        return "it looks like an EDF/EDF+ file"
    if len(head) >= 512 and head[1] == 0x50 and head[0] >= 2:
        return "it looks like a C3D file"
    text = head.decode("utf-8", errors="replace")
    printable = sum(ch.isprintable() or ch in "\r\n\t" for ch in text)
    if b"\x00" not in head and printable >= 0.95 * len(text):
        first = text.splitlines()[0] if text.splitlines() else ""
        shown = repr(first[:80] + ("..." if len(first) > 80 else ""))
        return f"it looks like text (first line: {shown})"
    return f"it is binary data of an unknown kind (first bytes: {head[:16].hex(' ')})"


def detect_format(path) -> FileFormat:
    """The :class:`FileFormat` that reads ``path``, judged by content.

    Raises
    ------
    FileNotFoundError
        ``path`` does not exist.
    InvalidInputError
        ``path`` is a folder.
    FileFormatError
        No known format matches; the message says what the file looks like
        and lists the supported formats.
    """
    path = _check_input_path(path)
    import_module("emgkit.formats")  # registers the C3D, EDF, text and NWB readers (once)
    with builtins.open(path, "rb") as fh:
        head = fh.read(SNIFF_BYTES)
    for fmt in FORMATS:
        if fmt.sniff(path, head):
            return fmt
    note = ""
    if path.suffix.lower() in (".h5", ".hdf5", ".hdf", ".he5", ".nwb", ".mat"):
        note = f" The name ends in {path.suffix} but the content has no HDF5 signature."
    supported = "; ".join(f"{f.name}: {f.description}" for f in FORMATS)
    raise FileFormatError(f"cannot read {path}: {_describe(path, head)}.{note} Supported formats: {supported}.")


# -- public entry points ------------------------------------------------------
def read(path, channels=None, start=None, stop=None, **options) -> Recording:
    """Read a recording (or a part of it) from a file.

    Parameters
    ----------
    path : str or path-like
        The file.  Its format is recognised from its content (see
        :data:`FORMATS`): emgkit native HDF5, or any other HDF5 file.
    channels : str, int, Channel or sequence of them, optional
        Channels to read, in the order wanted (names or row indices).
        Default: all.
    start, stop : float, optional
        Time range to read, in **seconds** from the start of the file:
        samples ``round(start * fs)`` up to (not including)
        ``round(stop * fs)``.  Default: the whole record.
    **options
        Format-specific.  Foreign HDF5: ``dataset`` (path of the samples),
        ``fs`` (Hz), ``labels`` (channel names), ``layout``
        (``"channels_first"`` or ``"samples_first"``), ``unit``, ``scale``,
        ``offset``.  All formats: ``nonfinite`` (``"error"``,
        ``"interpolate"`` or ``"zero"``, as in :class:`emgkit.Recording`).

    Returns
    -------
    Recording
        ``meta["start_s"]`` holds the time of the first sample read when
        ``start`` is given.

    Raises
    ------
    FileNotFoundError
        The file does not exist.
    FileFormatError
        Unknown, corrupt or truncated file, or a layout emgkit cannot detect
        (the message lists what it found and the option to pass).
    InvalidInputError
        Unknown channel names, a time range outside the record, bad options.

    Examples
    --------
    >>> rec = emgkit.read("trial.h5", channels=["L Biceps", "R Biceps"], start=2.0, stop=5.0)  # doctest: +SKIP
    """
    fmt = detect_format(path)
    return fmt.read_file(Path(path).expanduser(), channels=channels, start=start, stop=stop, **options)


def open(path, **options) -> "RecordingFile":  # noqa: A001 - public name emgkit.open
    """Open a recording file read-only, lazily: nothing is loaded until you read.

    Parameters
    ----------
    path : str or path-like
        The file (any format :func:`read` accepts).
    **options
        As for :func:`read`.

    Returns
    -------
    RecordingFile
        A context manager with ``fs``, ``channels``, ``n_samples``, ...,
        :meth:`RecordingFile.read` for time slices and channel subsets and
        :meth:`RecordingFile.iter_chunks` for streaming.  HDF5 files are read
        from disk on demand; other formats are loaded whole.

    Examples
    --------
    >>> with emgkit.open("long.h5") as f:                        # doctest: +SKIP
    ...     for start, block in f.iter_chunks(60.0, overlap_s=1.0):
    ...         ...
    """
    fmt = detect_format(path)
    return fmt.open_file(Path(path).expanduser(), **options)


def write(rec: Recording, path, overwrite: bool = False) -> Path:
    """Write a Recording as emgkit native HDF5 (schema in ``docs/format.md``).

    The file is written to a temporary file in the same folder
    (``.<name>.tmp-<random>``), flushed to disk and renamed over ``path``, so
    ``path`` is either the complete new file or untouched.

    Parameters
    ----------
    rec : Recording
        The recording; its data is stored in its own dtype (float32/float64).
    path : str or path-like
        Output file (``.h5`` recommended).  Its folder must exist.
    overwrite : bool, default False
        Replace an existing file.

    Returns
    -------
    Path
        The path written.

    Raises
    ------
    OutputExistsError
        ``path`` exists and ``overwrite`` is False.
    InvalidInputError
        ``rec`` is not a Recording, or its meta holds values JSON cannot store.
    """
    if not isinstance(rec, Recording):
        raise InvalidInputError(f"write() expects an emgkit.Recording, got {type(rec).__name__}")
    from .hdf5_native import write_native

    with atomic_output(path, overwrite=overwrite) as tmp:
        write_native(rec, tmp)
    return Path(path).expanduser()


def create(path, fs, channels, *, unit="V", meta=None, dtype="float64", overwrite=False):
    """Write a native HDF5 recording block by block (for records larger than memory).

    Parameters
    ----------
    path : str or path-like
        Output file.
    fs : float > 0
        Sampling rate in Hz.
    channels : sequence of str or Channel
        One per row of the blocks to append.
    unit : str, default "V"
        Amplitude unit.
    meta : dict, optional
        Metadata; may be changed through ``writer.meta`` until the writer closes.
    dtype : {"float64", "float32"}
        Stored sample type.
    overwrite : bool, default False
        Replace an existing file.

    Returns
    -------
    emgkit.hdf5_native.RecordingWriter
        A context manager; ``append(block)`` adds ``(n_channels, k)`` samples.
        The file appears at ``path`` only when the writer closes without error.

    Examples
    --------
    >>> with emgkit.io.create("big.h5", fs=2000, channels=["L BIC", "R BIC"]) as w:  # doctest: +SKIP
    ...     for block in blocks:
    ...         w.append(block)
    """
    from .hdf5_native import RecordingWriter

    return RecordingWriter(path, fs, channels, unit=unit, meta=meta, dtype=dtype, overwrite=overwrite)


# -- atomic output ----------------------------------------------------------------
class atomic_output:
    """Write a file through a temporary sibling that replaces the target on success.

    ``with atomic_output(path) as tmp:`` yields the temporary path
    (``.<name>.tmp-<random>`` in the target's folder).  On normal exit the
    temporary file is fsync'ed and moved over ``path`` (and the folder
    fsync'ed); on any exception it is deleted and ``path`` is untouched.
    Without ``overwrite`` the final move refuses to replace a file that
    appeared meanwhile (hard link where the filesystem supports it).

    Raises
    ------
    OutputExistsError
        ``path`` exists and ``overwrite`` is False.
    InvalidInputError
        ``path`` is a folder.
    FileNotFoundError
        The output folder does not exist.
    """

    def __init__(self, path, *, overwrite=False):
        if not isinstance(path, (str, os.PathLike)):
            raise InvalidInputError(f"path must be a str or os.PathLike, got {type(path).__name__}: {path!r}")
        self.path = Path(path).expanduser()
        self.overwrite = bool(overwrite)
        if self.path.is_dir():
            raise InvalidInputError(f"output path {self.path} is a folder; give a file name such as {self.path / 'recording.h5'}")
        if not self.path.parent.is_dir():
            raise FileNotFoundError(f"output folder does not exist: {self.path.parent} (create it first)")
        if self.path.exists() and not self.overwrite:
            raise OutputExistsError(f"{self.path} already exists; pass overwrite=True to replace it")
        self.tmp = None

    def __enter__(self) -> Path:
        while True:
            tmp = self.path.with_name(f".{self.path.name}.tmp-{secrets.token_hex(4)}")
            try:
                fd = os.open(tmp, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o666)
            except FileExistsError:
                continue
            os.close(fd)
            self.tmp = tmp
            return tmp

    def __exit__(self, exc_type, exc, tb):
        if exc_type is None:
            try:
                self._commit()
            except BaseException:
                self._abort()
                raise
        else:
            self._abort()
        return False

    def _commit(self):
        fd = os.open(self.tmp, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
        if self.overwrite:
            os.replace(self.tmp, self.path)
        else:
            self._move_no_clobber()
        self.tmp = None
        _fsync_folder(self.path.parent)

    def _move_no_clobber(self):
        try:
            os.link(self.tmp, self.path)
        except FileExistsError:
            raise OutputExistsError(
                f"{self.path} was created by someone else while writing; pass overwrite=True to replace it"
            ) from None
        except OSError:  # no hard links on this filesystem: check, then rename
            if self.path.exists():
                raise OutputExistsError(f"{self.path} already exists; pass overwrite=True to replace it") from None
            os.replace(self.tmp, self.path)
        else:
            os.unlink(self.tmp)

    def _abort(self):
        if self.tmp is not None:
            try:
                os.unlink(self.tmp)
            except FileNotFoundError:
                pass
            self.tmp = None


def _fsync_folder(folder: Path) -> None:
    """Persist a rename (POSIX); silently skipped where folders cannot be opened (Windows)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


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

    def _build(self, rows, first, last, record_start) -> Recording:
        data = self._fetch(rows, first, last)
        meta = copy.deepcopy(self._meta)
        if record_start:
            meta["start_s"] = float(meta.get("start_s", 0.0)) + first / self.fs
        scale, offset = self._scale, self._offset
        if not self._integer and (scale is not None or offset is not None):
            data = data * (1.0 if scale is None else scale) + (0.0 if offset is None else offset)
            scale = offset = None
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
            raise InvalidInputError(f"start={start!r}, stop={stop!r} is negative; {span}")
        if first >= n or last > n:
            raise InvalidInputError(f"start={start!r}, stop={stop!r} reaches beyond the end of the record: {span}")
        if first >= last:
            raise InvalidInputError(
                f"start={start!r} s must be before stop={stop!r} s (at least one sample, {1 / self.fs:.6g} s); {span}"
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
