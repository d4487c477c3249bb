"""Where the conditioned signals live: in memory, or in scratch files for recordings larger than memory.

This is the only code that differs between the in-memory and the streaming
analysis.  A store keeps three signals that the conditioning stage writes
core by core and every later stage reads back piece by piece:

* ``filtered``: band-passed EMG, (n_channels, n_samples);
* ``env``: its envelope, (n_channels, n_samples);
* every ``step``-th envelope sample (:meth:`env_every`), for finding
  repetitions at about 200 Hz (:data:`emgkit.analysis.segment.CYCLE_RATE_HZ`).

Reading ``store.filtered[rows, a:b]`` gives an array in both kinds of store;
:func:`pieces` walks a sample range in pieces of at most ``store.piece``
samples, so that memory stays bounded when the store is a file.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from .._chunks import Rows

__all__ = ["MemoryStore", "RawCopy", "ScratchStore", "pieces"]



class MemoryStore:
    """Conditioned signals as NumPy arrays; a piece is the whole record.

    Parameters
    ----------
    n_channels, n_samples, step : int
        Shape of the signals; ``env_every`` keeps every ``step``-th envelope sample.
    """

    def __init__(self, n_channels, n_samples, step):
        self.shape = (int(n_channels), int(n_samples))
        self.step = int(step)
        self.piece = max(1, self.shape[1])
        self.filtered = np.zeros(self.shape)
        self.env = np.zeros(self.shape)

    def write(self, a, b, filtered, env) -> None:
        """Store samples ``[a, b)`` of both signals (the whole record's arrays are kept as they are, not copied)."""
        if (a, b) == (0, self.shape[1]) and filtered.shape == env.shape == self.shape:
            self.filtered, self.env = np.asarray(filtered, dtype=np.float64), np.asarray(env, dtype=np.float64)
            return
        self.filtered[:, a:b] = filtered
        self.env[:, a:b] = env

    def env_every(self, row) -> np.ndarray:
        """Every ``step``-th envelope sample of channel ``row``."""
        return self.env[row, :: self.step]

    def filtered_source(self):
        """The band-passed signal for readers of chunked sources (the array itself)."""
        return self.filtered

    def raw_copy(self, fs):
        """None: in memory the raw record is one block, read once (:meth:`ScratchStore.raw_copy`)."""
        return None

    def close(self) -> None:
        """Nothing to release."""


class ScratchStore:
    """Conditioned signals in scratch files beside ``path`` (removed by the caller with its folder).

    Each signal is one raw file of float64 samples, channel after channel
    (row ``c``'s samples ``[a, b)`` are one contiguous byte range), written
    and read with ``pwrite``/``preadv`` straight into NumPy arrays: no HDF5
    chunk assembly per read (about 0.5 ms each, 2-4 ms for a piece of 16
    channels) and no memory map whose pages would count in the process's
    resident memory.  The operating system's page cache does the buffering.

    Parameters
    ----------
    path : Path
        Scratch name; the files are ``path`` with the suffixes ``.filtered``,
        ``.env`` and ``.env_every``.
    n_channels, n_samples, step : int
    piece : int
        Samples per piece when later stages walk the signals.
    fs : float
        Sampling rate, Hz.

    Attributes
    ----------
    on_write : callable or None
        Called with ``b`` after each :meth:`write` of samples ``[a, b)`` (the
        streaming analysis's progress); None by default.
    """

    def __init__(self, path, n_channels, n_samples, step, piece, fs):
        self.on_write = None
        self.fs = float(fs)
        self.shape = (int(n_channels), int(n_samples))
        self.step = int(step)
        self.piece = max(1, int(piece))
        self._path = Path(path)
        n_dec = -(-self.shape[1] // self.step)
        self._files = {}
        try:
            for name, width in (("filtered", self.shape[1]), ("env", self.shape[1]), ("env_every", n_dec)):
                self._files[name] = _RawFile(Path(f"{path}.{name}"), self.shape[0], width)
        except BaseException:
            self.close()
            raise
        self.filtered = _rows(self._files["filtered"], self.piece)
        self.env = _rows(self._files["env"], self.piece)

    def write(self, a, b, filtered, env) -> None:
        """Store samples ``[a, b)`` of both signals (and the decimated envelope samples that fall in them)."""
        self._files["filtered"].write(a, filtered)
        self._files["env"].write(a, env)
        step = self.step
        first = -(-a // step) * step
        if first < b:
            self._files["env_every"].write(first // step, np.asarray(env)[:, first - a :: step])
        if self.on_write is not None:
            self.on_write(b)

    def env_every(self, row) -> np.ndarray:
        """Every ``step``-th envelope sample of channel ``row``."""
        every = self._files["env_every"]
        return every.read([int(row)], 0, every.width)[0]

    def filtered_source(self):
        """The band-passed signal as a chunked source (``fs``, ``n_channels``, ``n_samples``, ``read(a, b, rows)``)."""
        return _RowsSource(self.filtered, self.fs)

    def raw_copy(self, fs):
        """A scratch copy of the raw samples, so that the conditioning reads the recording's file only once.

        The first pass over the file writes each core to it; the second pass
        (cores with settling margins) reads it back instead of decoding the
        file again (a compressed HDF5 file decodes at about 400 MB/s here, a
        page-cached scratch file reads at several GB/s).  It takes
        ``8 x channels x samples`` bytes of disk until :meth:`drop_raw`.

        Returns
        -------
        RawCopy
        """
        self.drop_raw()
        self._files["raw"] = _RawFile(Path(f"{self._path}.raw"), *self.shape)
        return RawCopy(self._files["raw"], fs)

    def drop_raw(self) -> None:
        """Close and delete the raw copy, if any (its disk space is free for the conditioned signals)."""
        raw = self._files.pop("raw", None)
        if raw is not None:
            raw.close()
            Path(f"{self._path}.raw").unlink(missing_ok=True)

    def close(self) -> None:
        """Close the scratch files."""
        for f in self._files.values():
            f.close()
        self._files = {}


class _RawFile:
    """A (rows, width) float64 array in a file, row-major, read and written by byte ranges."""

    def __init__(self, path, rows, width):
        import os
        import threading

        self.rows, self.width = int(rows), int(width)
        self._lock = threading.Lock()
        self._fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o600)
        os.ftruncate(self._fd, 8 * self.rows * self.width)  # sparse until written

    def write(self, a, values) -> None:
        import os

        values = np.asarray(values, dtype=np.float64)
        for r in range(values.shape[0]):
            data, at = memoryview(np.ascontiguousarray(values[r])).cast("B"), 8 * (r * self.width + a)
            while data:
                done = os.pwrite(self._fd, data, at)
                data, at = data[done:], at + done

    def read(self, rows, a, b) -> np.ndarray:
        """Samples ``[a, b)`` of channels ``rows``, a new (len(rows), b - a) array."""
        out = np.empty((len(rows), max(0, b - a)))
        for i, r in enumerate(rows):
            view, at = memoryview(out[i]).cast("B"), 8 * (int(r) * self.width + a)
            while len(view):
                done = self._pread(view, at)
                if done <= 0:
                    raise OSError(f"scratch file ended early at byte {at}")
                view, at = view[done:], at + done
        return out

    def _pread(self, view, at) -> int:
        import os

        if hasattr(os, "preadv"):
            return os.preadv(self._fd, [view], at)
        with self._lock:  # no positional read (Windows): seek and read, one thread at a time
            os.lseek(self._fd, at, os.SEEK_SET)
            data = os.read(self._fd, len(view))
            view[: len(data)] = data
            return len(data)

    def close(self) -> None:
        import os

        if self._fd is not None:
            os.close(self._fd)
            self._fd = None


class RawCopy:
    """The raw samples in a scratch file, written core by core and then read as a source (``read(a, b, rows)``)."""

    read_ahead = False  # a page-cached read is faster than handing it to a thread

    def __init__(self, file, fs):
        self._file = file
        self.fs = float(fs)
        self.n_channels, self.n_samples = file.rows, file.width

    def write(self, a, values) -> None:
        """Samples ``[a, a + values.shape[1])`` of every channel."""
        self._file.write(a, values)

    def read(self, a, b, rows=None) -> np.ndarray:
        """Samples ``a:b`` of ``rows`` (default all) as a new float64 array."""
        return self._file.read(range(self.n_channels) if rows is None else rows, a, b)


class _RowsSource:
    def __init__(self, rows, fs):
        self._rows = rows
        self.fs = float(fs)
        self.n_channels, self.n_samples = rows.shape

    def read(self, a, b, rows=None):
        return np.asarray(self._rows[list(range(self.n_channels)) if rows is None else list(rows), a:b], dtype=np.float64)


def _rows(dataset, piece) -> Rows:
    """``dataset`` (a :class:`_RawFile`) read piece by piece, through a one-piece cache of the rows last asked for.

    Later stages read short stretches in time order (a repetition of two
    channels, a batch of fatigue windows of one channel), and each HDF5 read
    costs a system call per row; so a read of at most ``piece``
    samples is served from the cached piece ``[a, a + piece)`` of the same
    rows that holds it (read anew when none does).  Copies are returned, as
    HDF5 reads are; a read that ends where a piece read anew would end (a
    whole piece: walks piece by piece) is returned as read, without a copy,
    and the cached piece stays.  Each thread has its own cache (the fatigue
    stage reads channels in threads).
    """
    import threading

    n = dataset.width
    local = threading.local()
    fetch = dataset.read

    def read(rows, a, b):
        rows = list(rows)
        if b - a > piece:
            return fetch(rows, a, b)
        key, lo, hi, x = getattr(local, "piece", (None, 0, 0, None))
        if key != rows or not (lo <= a and b <= hi):
            lo, hi = a, min(n, a + piece)
            if b == hi:
                return fetch(rows, a, b)
            x = fetch(rows, lo, hi)
            local.piece = (rows, lo, hi, x)
        return x[:, a - lo: b - lo].copy()

    return Rows((dataset.rows, dataset.width), read, piece)


def pieces(start, stop, piece):
    """``(a, b)`` pieces of at most ``piece`` samples tiling ``[start, stop)``."""
    return ((a, min(stop, a + piece)) for a in range(start, stop, piece))
