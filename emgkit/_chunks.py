"""Time-chunked access to long signals: the plumbing of the streaming analysis.

A *source* hands out samples ``[a, b)`` of every channel as float64, from
memory (:class:`ArraySource`) or from an open file (:class:`FileSource`).
Streaming code walks the record in *cores* that tile it exactly once, each
read with a *margin* on both sides so that zero-phase filters and sliding
windows see the same neighbourhood as they would on the whole record
(:func:`blocks`).  :func:`settle_samples` says how wide that margin must be
for an IIR filter: the length after which its impulse response has decayed
below a tolerance, so that a filter started inside the margin agrees with
the whole-record filter on the core to that tolerance.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .errors import InvalidInputError

SETTLE_TOL = 1e-14  # impulse-response tail, relative to its peak, below which a filter has forgotten its start


@dataclass(frozen=True)
class Block:
    """One step of a chunked walk: core ``[a, b)`` read as ``[lo, hi)``; ``data`` holds samples ``lo:hi``."""

    a: int
    b: int
    lo: int
    hi: int
    data: np.ndarray

    @property
    def core(self) -> slice:
        """Slice of ``data`` (last axis) that holds the core."""
        return slice(self.a - self.lo, self.b - self.lo)


class ArraySource:
    """A (n_channels, n_samples) array seen as a source."""

    def __init__(self, data, fs):
        self._data = np.asarray(data)
        if self._data.ndim != 2:
            raise InvalidInputError(f"a source needs (n_channels, n_samples) data, got shape {self._data.shape}")
        self.fs = float(fs)
        self.n_channels, self.n_samples = self._data.shape

    def read(self, a, b, rows=None) -> np.ndarray:
        """Samples ``a:b`` of ``rows`` (default all) as a new float64 array."""
        if rows is None or list(rows) == list(range(self.n_channels)):
            return np.array(self._data[:, a:b], dtype=np.float64)  # one copy of a view
        return np.asarray(self._data[rows, a:b], dtype=np.float64)  # fancy indexing copies already


class FileSource:
    """Channels ``rows`` of an open :class:`emgkit.io.RecordingFile` seen as a source (values in its unit)."""

    read_ahead = True  # every read returns a new array and may run in a second thread (:func:`blocks`)

    def __init__(self, handle, rows=None):
        self._handle = handle
        self._rows = list(range(handle.n_channels)) if rows is None else list(rows)
        self.fs = handle.fs
        self.n_channels = len(self._rows)
        self.n_samples = handle.n_samples

    def read(self, a, b, rows=None) -> np.ndarray:
        """Samples ``a:b`` of ``rows`` (indices into this source's channels; default all) as float64."""
        use = self._rows if rows is None else [self._rows[r] for r in rows]
        return np.array(self._handle._build(use, a, b, record_start=False, share_meta=True).data, dtype=np.float64)


def blocks(source, chunk, margin=0, *, rows=None):
    """Walk ``source`` in cores of ``chunk`` samples, each read with ``margin`` samples either side.

    Parameters
    ----------
    source : ArraySource, FileSource or any object with ``read(a, b, rows)`` and ``n_samples``
    chunk : int >= 1
        Core length in samples (the last core is shorter).
    margin : int >= 0
        Extra samples read before and after each core, clipped at the record's ends.
    rows : optional
        Channels to read (default all).

    Yields
    ------
    Block

    Notes
    -----
    With more than one block and a source whose ``read_ahead`` is true
    (:class:`FileSource`: each read returns a new array and may run in another
    thread), the next block is read in a second thread while the caller works
    on the current one (HDF5 decompression and file reads release the GIL), so
    one block more is held in memory.  The samples are the same as read one
    after the other.  Other sources (arrays in memory, a caller's own source
    that may reuse its output buffer) are read one block after the other.
    """
    from concurrent.futures import ThreadPoolExecutor

    n = source.n_samples
    chunk = max(1, int(chunk))
    spans = [(a, min(n, a + chunk), max(0, a - margin), min(n, a + chunk + margin)) for a in range(0, n, chunk)]
    if len(spans) < 2 or not getattr(source, "read_ahead", False):
        for a, b, lo, hi in spans:
            yield Block(a, b, lo, hi, source.read(lo, hi, rows))
        return
    with ThreadPoolExecutor(1, thread_name_prefix="emgkit-read-ahead") as reader:
        ahead = reader.submit(source.read, spans[0][2], spans[0][3], rows)
        for k, (a, b, lo, hi) in enumerate(spans):
            data = ahead.result()
            if k + 1 < len(spans):
                ahead = reader.submit(source.read, spans[k + 1][2], spans[k + 1][3], rows)
            yield Block(a, b, lo, hi, data)


def settle_samples(sos, tol=SETTLE_TOL) -> int:
    """Samples after which the impulse response of ``sos`` stays below ``tol`` times its peak.

    A zero-phase filter (forward and backward pass) run on a block that
    extends this many samples beyond a core on each side agrees with the
    filter run on the whole record to about ``tol`` of the signal's scale
    on that core.

    Parameters
    ----------
    sos : ndarray, shape (n_sections, 6)
        Second-order sections (stable).
    tol : float, default 1e-14

    Returns
    -------
    int
    """
    from scipy.signal import sosfilt, sos2zpk

    _, poles, _ = sos2zpk(sos)
    radius = float(np.max(np.abs(poles))) if poles.size else 0.0
    if radius >= 1.0:
        raise InvalidInputError("settle_samples needs a stable filter (all poles inside the unit circle)")
    if radius == 0.0:
        return int(2 * len(sos))
    guess = int(math.ceil(math.log(tol) / math.log(radius)))
    n = 4 * guess + 16 * len(sos) + 16
    h = sosfilt(sos, np.r_[1.0, np.zeros(n - 1)])
    big = np.flatnonzero(np.abs(h) > tol * np.max(np.abs(h)))
    return int(big[-1]) + 1 if big.size else 1


class Rows:
    """A (n_channels, n_samples) signal that is read piece by piece, never whole.

    ``x[c, a:b]``, ``x[:, a:b]`` and ``x[[i, j], a:b]`` return arrays;
    :meth:`scaled` gives a view multiplied per row.  Reductions over a whole
    row walk it in pieces (:func:`row_max`, :func:`row_mean`).

    Parameters
    ----------
    shape : (int, int)
    read : callable
        ``read(rows, a, b)`` -> ndarray ``(len(rows), b - a)`` for a list of rows.
    chunk : int
        Piece length used by the reductions, in samples.
    """

    def __init__(self, shape, read, chunk):
        self.shape = (int(shape[0]), int(shape[1]))
        self._read = read
        self.chunk = int(chunk)

    def __getitem__(self, key):
        rows, cols = key if isinstance(key, tuple) else (key, slice(None))
        if not isinstance(cols, slice) or cols.step not in (None, 1):
            raise InvalidInputError("a streamed signal is read by row and contiguous time slice only")
        a, b, _ = cols.indices(self.shape[1])
        if isinstance(rows, (int, np.integer)):
            return self._read([int(rows)], a, max(a, b))[0]
        picked = list(range(self.shape[0]))[rows] if isinstance(rows, slice) else [int(r) for r in rows]
        return self._read(picked, a, max(a, b))

    def scaled(self, factors) -> "Rows":
        """This signal with row ``c`` multiplied by ``factors[c]``."""
        f = np.asarray(factors, dtype=np.float64)
        return Rows(self.shape, lambda rows, a, b: self._read(rows, a, b) * f[rows][:, None], self.chunk)

    def pieces(self):
        """Yield ``(a, b, values)`` of every row over the record in pieces of ``chunk`` samples."""
        rows = list(range(self.shape[0]))
        for a in range(0, self.shape[1], self.chunk):
            b = min(self.shape[1], a + self.chunk)
            yield a, b, self._read(rows, a, b)


def _values(x):
    return (v for _, _, v in x.pieces()) if isinstance(x, Rows) else iter((np.asarray(x, dtype=np.float64),))


def row_max(x) -> np.ndarray:
    """Maximum of every row of an array or :class:`Rows`, NaN ignored (NaN for an all-NaN row)."""
    out = np.full(x.shape[0], -np.inf)
    for v in _values(x):
        out = np.maximum(out, np.fmax.reduce(v, axis=1, initial=-np.inf))  # fmax skips NaN, without a masked copy
    return np.where(np.isneginf(out), np.nan, out)


def row_mean(x) -> np.ndarray:
    """Mean of every row of an array or :class:`Rows`."""
    total = np.zeros(x.shape[0])
    for v in _values(x):
        total += v.sum(axis=1)
    return total / x.shape[1]


class RunMask:
    """A (n_channels, n_samples) boolean mask held as runs ``[start, stop)`` per channel (sorted, not overlapping).

    ``m[c, a:b]`` rebuilds that piece; :meth:`fraction` gives each row's
    share of True samples without building the mask.
    """

    def __init__(self, runs, n_samples):
        self.n = int(n_samples)
        self._runs = [(np.asarray(s, dtype=np.int64), np.asarray(e, dtype=np.int64)) for s, e in runs]
        self.shape = (len(self._runs), self.n)

    def __getitem__(self, key):
        c, cols = key
        a, b, _ = cols.indices(self.n)
        return runs_to_mask(*self._runs[int(c)], a, b)

    def __setitem__(self, c, value):
        """``m[c] = True`` marks every sample of row ``c`` (the only assignment a run mask takes)."""
        if value is not True:
            raise InvalidInputError("a run mask row can only be set wholly True")
        self._runs[int(c)] = (np.array([0], dtype=np.int64), np.array([self.n], dtype=np.int64))

    def count(self, c, starts, stops) -> np.ndarray:
        """True samples of row ``c`` within each range ``[starts[k], stops[k])`` (ranges may overlap)."""
        s, e = self._runs[int(c)]
        cum = np.concatenate([[0], np.cumsum(e - s)])

        def covered(t):  # True samples before t: whole runs starting at or before t, less the part of the last at or after t
            j = np.searchsorted(s, t, side="right")
            return cum[j] - np.where(j > 0, np.maximum(e[np.maximum(j - 1, 0)] - t, 0), 0) if s.size else np.zeros_like(t)

        return covered(np.asarray(stops, dtype=np.int64)) - covered(np.asarray(starts, dtype=np.int64))

    def fraction(self) -> np.ndarray:
        """Share of True samples in every row."""
        return np.array([float(np.sum(e - s)) / self.n if self.n else 0.0 for s, e in self._runs])


def runs_to_mask(starts, stops, a, b):
    """Samples ``[a, b)`` of the boolean mask whose True samples are the runs ``[starts[i], stops[i])``.

    Parameters
    ----------
    starts, stops : array_like of int
        Sorted, non-overlapping half-open runs (one channel of a
        :class:`RunMask`, e.g. from :func:`emgkit.quality_stream.clipped_runs_stream`).
    a, b : int
        Sample range to rebuild.

    Returns
    -------
    ndarray of bool, shape (max(0, b - a),)

    Examples
    --------
    >>> runs_to_mask([2, 7], [4, 9], 3, 8)
    array([ True, False, False, False,  True])
    """
    from .kernels import runs_mask  # numba loads on first use, not with this module

    return runs_mask(starts, stops, a, b)
