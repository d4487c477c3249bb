"""Where the conditioned signals live: in memory, or in a scratch HDF5 file for recordings larger than memory.

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

import numpy as np

from .._chunks import Rows

__all__ = ["MemoryStore", "ScratchStore", "pieces"]

H5_CHUNK = 1 << 14  # samples per HDF5 chunk of the scratch signals (one channel each: 128 kB)
H5_CACHE = 16 << 20  # bytes of HDF5 chunk cache per scratch signal


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

    def close(self) -> None:
        """Nothing to release."""


class ScratchStore:
    """Conditioned signals in a scratch HDF5 file (removed by the caller with its folder).

    Parameters
    ----------
    path : Path
        Scratch file to create.
    n_channels, n_samples, step : int
    piece : int
        Samples per piece when later stages walk the signals.
    fs : float
        Sampling rate, Hz.
    """

    def __init__(self, path, n_channels, n_samples, step, piece, fs):
        import h5py

        self.fs = float(fs)
        self.shape = (int(n_channels), int(n_samples))
        self.step = int(step)
        self.piece = max(1, int(piece))
        n = self.shape[1]
        self._h5 = h5py.File(path, "w", rdcc_nbytes=H5_CACHE, rdcc_nslots=10007)
        chunks = (1, max(1, min(n, H5_CHUNK)))
        self._filtered = self._h5.create_dataset("filtered", shape=self.shape, dtype="f8", chunks=chunks)
        self._env = self._h5.create_dataset("env", shape=self.shape, dtype="f8", chunks=chunks)
        n_dec = -(-n // self.step)
        self._every = self._h5.create_dataset("env_every", shape=(self.shape[0], n_dec), dtype="f8",
                                              chunks=(1, max(1, min(n_dec, H5_CHUNK))))
        self.filtered = _rows(self._filtered, self.piece)
        self.env = _rows(self._env, self.piece)

    def write(self, a, b, filtered, env) -> None:
        """Store samples ``[a, b)`` of both signals (and the decimated envelope samples that fall in them)."""
        self._filtered[:, a:b] = filtered
        self._env[:, a:b] = env
        step = self.step
        first = -(-a // step) * step
        if first < b:
            self._every[:, first // step : -(-b // step)] = env[:, first - a :: step]

    def env_every(self, row) -> np.ndarray:
        """Every ``step``-th envelope sample of channel ``row``."""
        return self._every[row, :]

    def filtered_source(self):
        """The band-passed signal as a chunked source (``fs``, ``n_channels``, ``n_samples``, ``read(a, b, rows)``)."""
        return _RowsSource(self.filtered, self.fs)

    def close(self) -> None:
        """Close the scratch file."""
        if self._h5 is not None:
            self._h5.close()
            self._h5 = None


class _RowsSource:
    def __init__(self, rows, fs):
        self._rows = rows
        self.fs = float(fs)
        self.n_channels, self.n_samples = rows.shape

    def read(self, a, b, rows=None):
        return np.asarray(self._rows[list(range(self.n_channels)) if rows is None else list(rows), a:b], dtype=np.float64)


def _rows(dataset, piece) -> Rows:
    n_ch = dataset.shape[0]

    def read(rows, a, b):
        if list(rows) == list(range(n_ch)):
            return dataset[:, a:b]
        return np.stack([dataset[int(r), a:b] for r in rows]) if len(rows) else np.empty((0, b - a))

    return Rows(dataset.shape, read, piece)


def pieces(start, stop, piece):
    """``(a, b)`` pieces of at most ``piece`` samples tiling ``[start, stop)``."""
    return ((a, min(stop, a + piece)) for a in range(start, stop, piece))
