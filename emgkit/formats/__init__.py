"""The format registry: every file format emgkit reads, and how a file is matched to one.

:data:`FORMATS` is the one list of formats.  :func:`emgkit.read` and
:func:`emgkit.open` (through :func:`detect_format`) try its entries in order
and use the first whose ``sniff`` accepts the file's **content**; the
extensions only explain files that match nothing.

===============  ====================================================  =========================  ========================
name             recognised by                                         reader (module)            extensions
===============  ====================================================  =========================  ========================
``emgkit-hdf5``  HDF5 whose root attribute ``format`` is ``"emgkit"``  ``emgkit.hdf5_native``     .h5 .hdf5
``nwb``          HDF5 whose root says ``neurodata_type = "NWBFile"``   ``emgkit.formats.nwb``     .nwb
``matlab``       header ``MATLAB 5.0 MAT-file`` or ``MATLAB 7.3 ...``  ``emgkit.formats.matlab``  .mat
``hdf5``         any other HDF5 (``.mat`` v7.3 without its header)     ``emgkit.hdf5_foreign``    .h5 .hdf5 .hdf .he5 .mat
``c3d``          byte 2 = 0x50 and a known processor type              ``emgkit.formats.c3d``     .c3d
``bids-emg``     EDF/BDF ``*_emg.*`` in a BIDS root, with sidecars     ``emgkit.formats.bids``    .edf .bdf
``edf``          ``"0       "`` / ``"\\xffBIOSEMI"`` header             ``emgkit.formats.edf``     .edf .bdf
``text``         printable text with digits, not named like the above  ``emgkit.formats.text``    .csv .tsv .txt
===============  ====================================================  =========================  ========================

The readers build on the reader base (:mod:`emgkit._reader`) and never import
:mod:`emgkit.io` or this registry (no import cycle); the registry
imports the readers only when a file needs them (:class:`_Deferred`), so
h5py, pandas, ezc3d and pyedflib load on first use.  What each reader reads
and leaves out: ``docs/format.md`` (HDF5) and ``docs/formats.md``.

Adding a format is one reader module (a ``sniff`` function and an ``open``
and/or ``read`` function, built on :class:`emgkit._reader.RecordingFile`) and
one :class:`FileFormat` line in :data:`FORMATS`; formats from outside
emgkit are added at run time with :func:`register_format`.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import import_module
from pathlib import Path
from typing import Callable

from .._checks import check_option
from .._input import check_input_path, check_meta, check_rate, reader_errors, source_path
from .._reader import RecordingFile, is_hdf5, read_head
from ..errors import FileFormatError, InvalidInputError
from ..recording import Recording

__all__ = ["FileFormat", "FORMATS", "register_format", "detect_format"]


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
        :data:`emgkit._reader.SNIFF_BYTES` bytes.  Must not raise for files
        of other formats.
    open : callable ``(path: Path, **options) -> RecordingFile``, optional
        Lazy reader.  Formats without one are read whole by ``read`` and
        wrapped in memory by :func:`emgkit.open`.
    read : callable ``(path, channels, start, stop, **options) -> Recording``, optional
        Direct reader (``start``/``stop`` in seconds).  Defaults to ``open``
        followed by :meth:`RecordingFile.read`.
    extensions : tuple of str, optional
        Usual file-name endings, lower case with the dot (``(".c3d",)``).
        They never decide the format; they explain files that match nothing
        and keep the text reader from parsing a renamed binary export.
    hdf5 : bool, default False
        The content is HDF5: ``sniff`` is asked only about files carrying the
        HDF5 signature (so h5py is not imported for other files).
    """

    name: str
    description: str
    sniff: Callable[[Path, bytes], bool]
    open: Callable[..., RecordingFile] | None = None
    read: Callable[..., Recording] | None = None
    extensions: tuple[str, ...] = ()
    hdf5: bool = False

    def __post_init__(self):
        if self.open is None and self.read is None:
            raise InvalidInputError(f"format {self.name!r} needs an open or a read function")
        bad = [e for e in self.extensions if not (isinstance(e, str) and e.startswith(".") and e == e.lower())]
        if bad:
            raise InvalidInputError(f"format {self.name!r}: extensions must be lower case and start with '.', got {bad}")

    def read_file(self, path, channels=None, start=None, stop=None, **options) -> Recording:
        """Read ``path`` with this format's reader (see :func:`emgkit.read`).

        The file passes the input gate first (:func:`emgkit._input.check_input_path`);
        every error names it (:func:`emgkit._input.reader_errors`).
        """
        path = check_input_path(path)
        with reader_errors(path, self.name) as source:
            if self.read is not None:
                rec = self.read(source, channels=channels, start=start, stop=stop, **options)
                check_rate(rec.fs, path)
                check_meta(rec.meta, path)
                return rec
            with self.open(source, **options) as handle:
                return handle.read(channels=channels, start=start, stop=stop)

    def open_file(self, path, **options) -> RecordingFile:
        """Open ``path`` lazily with this format's reader, or read it whole into a handle (see :func:`emgkit.open`)."""
        path = check_input_path(path)
        with reader_errors(path, self.name) as source:
            if self.open is not None:
                handle = self.open(source, **options)
            else:
                rec = self.read(source, channels=None, start=None, stop=None, **options)
                handle = RecordingFile.from_recording(rec, path=path)
            handle.path = path
            return handle


@dataclass(frozen=True)
class _Deferred:
    """The function ``name`` of ``module`` (a full module name), imported on its first call."""

    module: str
    name: str

    def __call__(self, *args, **kwargs):
        return self.resolve()(*args, **kwargs)

    def resolve(self) -> Callable:
        """The function itself (imports its module)."""
        return getattr(import_module(self.module), self.name)


def _any_file(path: Path, head: bytes) -> bool:
    """Accept every file (with ``hdf5=True``: every HDF5 file)."""
    return True


# Binary files that no format reads; text named like them is not parsed either.
_UNREAD_BINARY_EXTENSIONS = (".npy", ".npz")
_text_content = _Deferred("emgkit.formats.text", "sniff_text")


def _sniff_text(path: Path, head: bytes) -> bool:
    """Text with digits, unless its name carries another format's extension.

    A text file named ``.h5`` or ``.c3d`` is a renamed export or a mistake:
    :func:`detect_format` explains it instead of parsing it as columns.
    """
    suffix = path.suffix.lower()
    others = {e for f in FORMATS if f.name != "text" for e in f.extensions}
    if suffix in others or suffix in _UNREAD_BINARY_EXTENSIONS:
        return False
    return _text_content(path, head)


# Order matters: the first format whose sniff accepts the file reads it.  HDF5
# flavours (native, NWB) come before generic HDF5; text, which accepts any text
# with digits, comes last.
FORMATS: list[FileFormat] = [
    FileFormat(
        name="emgkit-hdf5",
        description="emgkit native HDF5 (docs/format.md; written by emgkit.write)",
        sniff=_Deferred("emgkit.hdf5_native", "sniff"),
        open=_Deferred("emgkit.hdf5_native", "open_native"),
        extensions=(".h5", ".hdf5"),
        hdf5=True,
    ),
    FileFormat(
        name="nwb",
        description="NWB 2.x (ElectricalSeries or volts TimeSeries; option series=)",
        sniff=_Deferred("emgkit.formats.nwb", "sniff_nwb"),
        open=_Deferred("emgkit.formats.nwb", "open_nwb"),
        extensions=(".nwb",),
        hdf5=True,
    ),
    FileFormat(
        name="matlab",
        description=(
            "MATLAB .mat v5 and v7.3 (numeric variables or struct fields; options variable=, fs=, labels=, "
            "layout=, unit=)"
        ),
        sniff=_Deferred("emgkit.formats.matlab", "sniff_matlab"),
        read=_Deferred("emgkit.formats.matlab", "read_matlab"),
        extensions=(".mat",),
    ),
    FileFormat(
        name="hdf5",
        description=(
            "other HDF5 files, MATLAB v7.3 .mat without its header included (a 2-D or 1-D numeric dataset; "
            "options dataset=, fs=, labels=, layout=, unit=, scale=, offset=)"
        ),
        sniff=_any_file,
        open=_Deferred("emgkit.hdf5_foreign", "open_foreign"),
        extensions=(".h5", ".hdf5", ".hdf", ".he5", ".mat"),
        hdf5=True,
    ),
    FileFormat(
        name="c3d",
        description='C3D motion-capture files, analog EMG channels (pip install "emgkit[c3d]"; options emg_only=, group=)',
        sniff=_Deferred("emgkit.formats.c3d", "sniff_c3d"),
        open=_Deferred("emgkit.formats.c3d", "open_c3d"),
        read=_Deferred("emgkit.formats.c3d", "read_c3d"),
        extensions=(".c3d",),
    ),
    FileFormat(
        name="bids-emg",
        description="BIDS-EMG recordings (*_emg.edf/.bdf below a dataset_description.json) with their sidecars",
        sniff=_Deferred("emgkit.formats.bids", "sniff_bids"),
        read=_Deferred("emgkit.formats.bids", "read_bids"),
    ),
    FileFormat(
        name="edf",
        description='EDF/EDF+/BDF/BDF+ (pip install "emgkit[edf]"; options mixed_rates=, resample_to=, emg_only=)',
        sniff=_Deferred("emgkit.formats.edf", "sniff_edf"),
        open=_Deferred("emgkit.formats.edf", "open_edf"),
        read=_Deferred("emgkit.formats.edf", "read_edf"),
        extensions=(".edf", ".bdf"),
    ),
    FileFormat(
        name="text",
        description=(
            "delimited text: CSV/TSV/TXT columns, Vicon 'Devices' CSV, OpenSignals and the UCI data sets "
            "(options fs=, delimiter=, decimal=, time_column=, labels=, unit=, preset=)"
        ),
        sniff=_sniff_text,
        read=_Deferred("emgkit.formats.text", "read_text"),
        extensions=(".csv", ".tsv", ".txt"),
    ),
]


def register_format(fmt: FileFormat, *, before: str | None = None) -> None:
    """Add a readable format to :data:`FORMATS` at run time.

    Parameters
    ----------
    fmt : FileFormat
        The new entry.  An entry with the same name is replaced in place.
    before : str, optional
        Name of the entry it must be tried before (e.g. ``"hdf5"`` for an
        HDF5 flavour).  Appended at the end when omitted.
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
    path = check_input_path(path)
    source = source_path(path)  # a pipe's private copy
    head = read_head(source)
    hdf5 = is_hdf5(source, head)
    for fmt in FORMATS:
        if (hdf5 or not fmt.hdf5) and fmt.sniff(source, head):
            return fmt
    note = ""
    if path.suffix.lower() in {e for f in FORMATS if f.hdf5 for e in f.extensions}:
        note = f" The name ends in {path.suffix} but the content has no HDF5 signature."
    supported = "; ".join(f"{f.name}: {f.description}" for f in FORMATS)
    raise FileFormatError(f"cannot read {path}: {_describe(head)}.{note} Supported formats: {supported}.")


def _describe(head: bytes) -> str:
    """What a file of unknown format looks like, from its first bytes, for error messages."""
    if not head:
        return "it is empty (0 bytes)"
    magic = {
        b"PK\x03\x04": "a ZIP archive (xlsx/npz/zip?)",
        b"\x1f\x8b": "a gzip-compressed file (decompress it first)",
        b"\x93NUMPY": "a NumPy .npy array (load it with numpy and build an emgkit.Recording)",
        b"MATLAB 5.0 MAT-file": "a MATLAB v5 .mat file (the matlab format reads these: is it in the registry?)",
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
