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
        x = self._data[:, a:b] if rows is None else self._data[rows, a:b]
        return np.array(x, dtype=np.float64)


class FileSource:
    """Channels ``rows`` of an open :class:`emgkit.io.RecordingFile` seen as a source (values in its unit)."""

    def __init__(self, handle, rows=None):
        self._handle = handle
        self._rows = list(range(handle.n_channels)) if rows is None else list(rows)
        self.fs = handle.fs
        self.n_channels = len(self._rows)
        self.n_samples = handle.n_samples

    def read(self, a, b, rows=None) -> np.ndarray:
        """Samples ``a:b`` of ``rows`` (indices into this source's channels; default all) as float64."""
        use = self._rows if rows is None else [self._rows[r] for r in rows]
        return np.array(self._handle._build(use, a, b, record_start=False).data, dtype=np.float64)


def blocks(source, chunk, margin=0, *, rows=None, start=0, stop=None):
    """Walk ``source`` in cores of ``chunk`` samples, each read with ``margin`` samples either side.

    Parameters
    ----------
    source : ArraySource or FileSource
    chunk : int >= 1
        Core length in samples (the last core is shorter).
    margin : int >= 0
        Extra samples read before and after each core, clipped at ``start`` and ``stop``.
    rows : optional
        Channels to read (default all).
    start, stop : int
        Part of the record walked (default all of it).

    Yields
    ------
    Block
    """
    stop = source.n_samples if stop is None else stop
    chunk = max(1, int(chunk))
    for a in range(start, stop, chunk):
        b = min(stop, a + chunk)
        lo, hi = max(start, a - margin), min(stop, b + margin)
        yield Block(a, b, lo, hi, source.read(lo, hi, rows))


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
