"""Pieces of the conditioned signal: raw, band-passed and detection statistics of samples ``[lo, hi)``.

The detector walks the record in cores; each core is read with a margin on
both sides wide enough for the zero-phase filters and moving windows to
forget where the piece starts (:func:`emgkit._chunks.settle_samples`), so
its values on the core agree with those of the whole record to about 1e-14
of the signal's scale.  The last full piece is kept: a later request that
it covers (with the margin that request needs) is served from it.  So a
record walked in one core (the in-memory call) is read, filtered and
conditioned once, and a file walked in many cores holds one piece at a time.
"""

from __future__ import annotations

import numpy as np

from emgkit._chunks import ArraySource, settle_samples

from . import _methods as mt

SCREEN_BLOCK = 1 << 16  # samples per read of a raw source that is only screened (its band-pass is given)


class ArrayView(ArraySource):
    """An in-memory ``(n_channels, n_samples)`` array as a source whose reads are views, not copies.

    For the detector's own reads, which never write into what they read: a
    float64 array is read without copying (other dtypes are converted).
    """

    def read(self, a, b, rows=None) -> np.ndarray:
        """Samples ``a:b`` of ``rows`` (default all), float64, a view when the array is float64."""
        x = self._data[:, a:b] if rows is None else self._data[rows, a:b]
        return np.asarray(x, dtype=np.float64)


def as_source(x, fs):
    """``x`` itself when it is a source, else an :class:`ArrayView` of the array ``x`` sampled at ``fs``."""
    return x if hasattr(x, "read") and hasattr(x, "n_samples") else ArrayView(x, fs)


class Signals:
    """Raw EMG (or an envelope), its band-pass and the statistic of ``kind``, piece by piece.

    Parameters
    ----------
    source : ArraySource or FileSource
        The raw samples (or the user's envelope, for ``kind="envelope"``).
    filtered : ArraySource or FileSource, optional
        The band-passed signal, when the caller already has it: it is read
        instead of band-passing ``source`` again.
    kind : {"tkeo", "rectified", "envelope", "bonato"}
        What the statistic is (:func:`._methods.reference`).
    fs : float
        Sampling rate, Hz.
    band_hz : (float, float) or None
        Band-pass of ``source`` (ignored when ``filtered`` is given; None:
        ``source`` is already band-passed).
    lowpass_hz : float or None
        Low-pass of the tkeo and rectified statistics.
    window : int
        Moving mean of the thresholded statistic, samples (1 = none).
    """

    def __init__(self, source, filtered, kind, fs, band_hz, lowpass_hz, window):
        self.source, self.filtered, self.kind, self.fs, self.window = source, filtered, kind, fs, window
        self.n = int(source.n_samples)
        self.band = None if filtered is not None or band_hz is None or kind == "envelope" else mt.band_sos(fs, band_hz)
        self.band_margin = 0 if self.band is None else settle_samples(self.band)
        self.sos = mt.statistic_sos(fs, lowpass_hz) if kind in ("tkeo", "rectified") else None
        stat = 0 if self.sos is None else 2 + settle_samples(self.sos)  # TKEO reads one neighbour each side
        self.stat_margin = self.band_margin + stat + (window if window > 1 else 0)
        self._last = None

    def piece(self, a, b, margin, rows=None) -> "Piece":
        """Samples around the core ``[a, b)``, accurate on ``[a - margin, b + margin)`` (clipped to the record).

        ``rows`` (channel indices) limits what is read; the kept piece, when
        it covers the request, is returned with all its rows
        (:meth:`Piece.at` maps a channel to its row).
        """
        lo, hi = max(0, a - margin), min(self.n, b + margin)
        last = self._last
        if last is not None and last.lo <= lo and last.hi >= hi:
            return last
        piece = Piece(self, lo, hi, None if rows is None else list(rows))
        if rows is None:
            self._last = piece
        return piece

    def forget(self, *names):
        """Free the kept piece's arrays ``names`` (recomputed if asked for again)."""
        if self._last is not None:
            self._last.forget(*names)


class Piece:
    """Samples ``[lo, hi)`` of the channels ``rows`` (None: all); arrays computed on first use."""

    def __init__(self, signals, lo, hi, rows):
        self.signals, self.lo, self.hi, self.rows = signals, lo, hi, rows
        self._cache = {}

    def at(self, c):
        """Row of channel ``c`` in this piece's arrays."""
        return c if self.rows is None else self.rows.index(c)

    def forget(self, *names):
        """Free the arrays ``names`` ("raw", "y", "ref", "test"); they are recomputed if asked for again."""
        for name in names:
            self._cache.pop(name, None)

    def _get(self, name, make):
        if name not in self._cache:
            self._cache[name] = make()
        return self._cache[name]

    @property
    def raw(self):
        """The source's samples, float64."""
        return self._get("raw", lambda: self.signals.source.read(self.lo, self.hi, self.rows))

    @property
    def y(self):
        """The band-passed signal (the envelope itself for ``kind="envelope"``)."""
        s = self.signals

        def make():
            if s.filtered is not None:
                return s.filtered.read(self.lo, self.hi, self.rows)
            return self.raw if s.band is None else mt.band_pass(self.raw, s.band)

        return self._get("y", make)

    @property
    def ref(self):
        """What the rest level and spread are measured on."""
        return self._get("ref", lambda: mt.reference(self.signals.kind, self.y, self.signals.sos))

    @property
    def test(self):
        """What is compared with the thresholds."""
        return self._get("test", lambda: mt.thresholded(self.ref, self.signals.window))


def cores(n, core):
    """The cores ``(a, b)`` tiling ``[0, n)`` in steps of ``core`` samples."""
    return [(a, min(n, a + core)) for a in range(0, n, core)]
