"""Reading and writing recordings: the public entry points of the file layer.

``read``, ``open`` and ``write`` are exported as ``emgkit.read``,
``emgkit.open``, ``emgkit.write``; ``create`` writes a native file block by
block.  ``read`` and ``open`` recognise a file by its **content** (signature
bytes and, for HDF5, its attributes), not by its extension, using the format
registry :data:`FORMATS` (:mod:`emgkit.formats`, where every format is listed
and :func:`register_format` adds one).

This module only dispatches; the pieces live below it and are re-exported
here: the reader base :mod:`emgkit._reader` (:class:`RecordingFile`,
:func:`is_hdf5`), atomic writes :mod:`emgkit._atomic` (:class:`atomic_output`)
and the registry.  Readers import those modules, never this one, so the file
layer has no import cycle.

Times given to ``read``, ``open(...).read`` and ``iter_chunks`` are in
**seconds** from the start of the file; sample indices appear only in the
values ``iter_chunks`` yields.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ._atomic import atomic_output
from ._reader import HDF5_SIGNATURE, LAYOUTS, NONFINITE_POLICIES, SNIFF_BYTES, RecordingFile, is_hdf5
from .errors import InvalidInputError
from .formats import FORMATS, FileFormat, detect_format, register_format
from .recording import Recording

if TYPE_CHECKING:
    from .channels import Channel

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
    "is_hdf5",
    "HDF5_SIGNATURE",
    "SNIFF_BYTES",
    "LAYOUTS",
    "NONFINITE_POLICIES",
]


def read(path: str | os.PathLike[str], channels: str | int | Channel | Sequence[str | int | Channel] | None = None,
         start: float | None = None, stop: float | None = None, **options: Any) -> Recording:
    """Read a recording (or a part of it) from a file.

    Parameters
    ----------
    path : str or path-like
        The file.  Its format is recognised from its content (see
        :data:`FORMATS`): emgkit native HDF5, NWB, any other HDF5, C3D,
        EDF/BDF or delimited text.
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
        ``offset``; the other formats' options are listed in
        ``docs/formats.md``.  All formats: ``nonfinite`` (``"error"``,
        ``"interpolate"`` or ``"zero"``, as in :class:`emgkit.Recording`), and
        ``channel_map`` (a channels.toml path, a dict ``{name: spec}`` or a
        :class:`emgkit.channel_map.ChannelMap`): applied with
        :func:`emgkit.channel_map.relabel` before ``channels``, ``start`` and
        ``stop`` select (so ``channels`` are names after the map); the map's
        ``[options]`` that this format takes are reader options.

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
    if options.get("channel_map") is not None:
        with open(path, **options) as handle:
            return handle.read(channels=channels, start=start, stop=stop)
    options.pop("channel_map", None)
    fmt = detect_format(path)
    return fmt.read_file(Path(path).expanduser(), channels=channels, start=start, stop=stop, **options)


def open(path: str | os.PathLike[str], **options: Any) -> RecordingFile:  # noqa: A001 - public name emgkit.open
    """Open a recording file read-only, lazily: nothing is loaded until you read.

    Parameters
    ----------
    path : str or path-like
        The file (any format :func:`read` accepts).
    **options
        As for :func:`read` (``channel_map`` included: the handle then shows
        the relabelled channels and reads only the kept ones).

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
    channel_map = options.pop("channel_map", None)
    if channel_map is None:
        return fmt.open_file(Path(path).expanduser(), **options)
    from .channel_map import as_channel_map, reader_options, relabel

    channel_map = as_channel_map(channel_map)
    handle = fmt.open_file(Path(path).expanduser(), **{**reader_options(fmt.name, channel_map.options)[0], **options})
    try:
        return relabel(handle, channel_map)
    except BaseException:
        handle.close()
        raise


def write(rec: Recording, path: str | os.PathLike[str], overwrite: bool = False) -> Path:
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
