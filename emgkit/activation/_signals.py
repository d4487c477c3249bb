"""Pieces of the conditioned signal: raw, band-passed and detection statistics of samples ``[lo, hi)``.

The detector walks the record in cores; each core is read with a margin on
both sides wide enough for the zero-phase filters and moving windows to
forget where the piece starts (:func:`emgkit._chunks.settle_samples`), so
its values on the core agree with those of the whole record to about 1e-14
of the signal's scale.  The last full piece is kept: a later request that
it covers (with the margin that request needs) is served from it.  So a
record walked in one core (the in-memory call) is read, filtered and
conditioned once, and a file walked in many cores holds one piece at a time.

The smoothed statistics (tkeo, rectified) of a large piece are never held
whole: :class:`Tiles` computes them a cache-sized tile at a time, into one
reused buffer, with the bits of the whole-piece kernel.  A whole-record
statistic would be a fresh array of the record's size in every detection.
"""

from __future__ import annotations

import numpy as np

from emgkit._chunks import ArraySource, settle_samples

from . import _methods as mt

SCREEN_BLOCK = 1 << 16  # samples per read of a raw source that is only screened (its band-pass is given)
TILE = 1 << 14  # samples per tile of a tiled statistic (rounded down to whole rest-search blocks)
WHOLE_BYTES = 1 << 25  # a piece's statistic up to this size is computed whole; larger ones tile by tile


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
    block : int, default 1
        Samples per rest-search block: the tiles of a tiled statistic start
        at whole blocks from the core they were asked for.
    """

    def __init__(self, source, filtered, kind, fs, band_hz, lowpass_hz, window, block=1):
        self.source, self.filtered, self.kind, self.fs, self.window = source, filtered, kind, fs, window
        self.tile = max(1, TILE // block) * block
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
        piece = Piece(self, lo, hi, None if rows is None else list(rows), a)
        if rows is None:
            self._last = piece
        return piece

    def forget(self, *names):
        """Free the kept piece's arrays ``names`` (recomputed if asked for again)."""
        if self._last is not None:
            self._last.forget(*names)


class Piece:
    """Samples ``[lo, hi)`` of the channels ``rows`` (None: all), read for the core starting at ``origin``.

    Arrays are computed on first use.  The statistic is read through
    :meth:`parts` and :meth:`row`, which tile it when the piece is large.
    """

    def __init__(self, signals, lo, hi, rows, origin):
        self.signals, self.lo, self.hi, self.rows, self.origin = signals, lo, hi, rows, origin
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

    @property
    def tiles(self):
        """The statistic as :class:`Tiles` when it is large and thresholded as it is (no moving mean), else None."""
        s = self.signals
        size = (self.hi - self.lo) * (s.source.n_channels if self.rows is None else len(self.rows)) * 8
        if s.sos is None or s.window > 1 or size <= WHOLE_BYTES:
            return None
        return self._get("tiles", lambda: Tiles(self.y, s.sos, s.kind, self.origin - self.lo, s.tile))

    def parts(self, a, b, *, test=False, ordered=True):
        """The reference statistic (``test``: what is thresholded) on samples ``[a, b)`` in parts ``(start, values)``.

        One part, a view of the whole array; or, for a tiled piece (where the
        two are the same), the tiles, each valid until the next is asked
        for, in time order (``ordered=False``: in any order, cheaper on the
        first walk).
        """
        tiles = self.tiles
        if tiles is None:
            yield a, (self.test if test else self.ref)[:, a - self.lo : b - self.lo]
            return
        for start, values in tiles.parts(a - self.lo, b - self.lo, ordered=ordered):
            yield start + self.lo, values

    def row(self, c, a, b):
        """The reference statistic of channel ``c`` on samples ``[a, b)``, 1-D."""
        r, tiles = self.at(c), self.tiles
        if tiles is None:
            return self.ref[r, a - self.lo : b - self.lo]
        out = np.empty(b - a, self.y.dtype)
        for start, values in tiles.parts(a - self.lo, b - self.lo, rows=slice(r, r + 1)):
            out[start + self.lo - a : start + self.lo - a + values.shape[1]] = values[0]
        return out


class Tiles:
    """A smoothed statistic (``kind`` "tkeo" or "rectified") of ``y``, computed a tile at a time, never whole.

    Tiles start at ``origin`` plus multiples of ``tile`` samples (and at 0).
    The forward filter states at every edge come first; the backward states
    from the first walk from the end.  Then any tile is computed again with
    the bits of :func:`emgkit.kernels.tkeo_envelope` on the whole of ``y``
    (:func:`emgkit.kernels.activation.smoothed_tile`).
    """

    def __init__(self, y, sos, kind, origin, tile):
        from emgkit.kernels.activation import smoothed_states

        n = y.shape[1]
        self.y, self.sos, self.kind = y, sos, kind
        self.edges = np.unique(np.r_[0, np.arange(origin % tile, n, tile), n])
        self.forward = smoothed_states(y, sos, self.edges, kind)
        self.backward = np.empty_like(self.forward)
        self.known = self.edges.size - 1  # backward states are known at edges[known:] (the last: the record's end)
        self.buffer = np.empty((y.shape[0], tile), y.dtype)

    def parts(self, a, b, rows=slice(None), ordered=True):
        """``(start, values)`` of the tiles over ``[a, b)`` (cut to it); see :meth:`Piece.parts`."""
        first = int(np.searchsorted(self.edges, a, side="right")) - 1
        last = int(np.searchsorted(self.edges, b, side="left")) - 1
        if self.known > first + 1:
            for t, values in self._walk_back(first):
                if not ordered and t <= last:
                    yield self._cut(t, values, a, b)
            if not ordered:
                return
        for t in range(first, last + 1):
            yield self._cut(t, self._tile(t, rows)[0], a, b)

    def _walk_back(self, first):
        """Tiles from the last one not yet walked down to ``first``, keeping their backward states."""
        for t in range(self.known - 1, first - 1, -1):
            values, self.backward[:, t] = self._tile(t, slice(None))
            self.known = t
            yield t, values

    def _tile(self, t, rows):
        from emgkit.kernels.activation import smoothed_tile

        end = t + 1 == self.edges.size - 1
        rows_y = self.y[rows]
        return smoothed_tile(rows_y, self.sos, self.edges[t], self.edges[t + 1], self.forward[rows, t],
                             None if end else self.backward[rows, t + 1], statistic=self.kind,
                             out=self.buffer[: rows_y.shape[0]])

    def _cut(self, t, values, a, b):
        s, e = self.edges[t], self.edges[t + 1]
        return max(a, s), values[:, max(a, s) - s : min(b, e) - s]


def cores(n, core):
    """The cores ``(a, b)`` tiling ``[0, n)`` in steps of ``core`` samples."""
    return [(a, min(n, a + core)) for a in range(0, n, core)]
