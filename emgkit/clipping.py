"""Clipping: the one definition, for whole arrays and for signals read in pieces.

A sample is **clipped** when it belongs to a run of at least ``MIN_RUN``
consecutive samples that all lie within a tolerance of the same *rail*:

* the converter limits, when known (``meta["adc_range"]``, or per channel
  ``meta["adc_ranges"]``; :func:`adc_limits`), always count as rails;
* the channel's own observed maximum and minimum count as rails when they are
  *hit repeatedly*: the band within the tolerance of the extreme holds at
  least ``PILE_MIN`` samples and ``PILE_RATIO`` times as many as the
  equally wide band just inside it.  A saturated amplifier piles samples up at its rail; a natural
  EMG peak thins out towards its top (a smooth peak gives a ratio of at most
  ``1 / (sqrt(2) - 1) = 2.41``, a sine wave exactly that).  Observed extremes
  are tested whether or not the converter limits are known, because an
  amplifier can saturate inside the converter's range.

The tolerance of a channel is ``max(REL_TOL * span, LSB_TOL * step)``, at
most ``MAX_TOL * span`` (``span = max - min``; ``step`` the smallest non-zero
difference between consecutive samples, the quantisation step of integer
data): a rail that jitters by a few LSB, or by up to 0.5 % of the signal's
span, is still a rail.  A *flat* channel
(constant, or a standard deviation no larger than ``step``) is flat, not
clipped, unless it sits on a converter limit.

Two passes, each over the samples in order and in pieces of any length:
pass 1 (:class:`StatsScan`) gives the per-channel statistics
(:class:`ChannelStats`: extremes, mean, SD, step); pass 2
(:class:`ClipScan`) marks the candidate bands, counts their samples and
collects their runs, carrying a run that is open at a piece's end into the
next piece.  The result does not depend on where the pieces are split.
:func:`clipped_runs` and :func:`clipped_mask` run both passes on a whole
array; :func:`scan` runs them on a chunked source.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .errors import InvalidInputError

__all__ = [
    "MIN_RUN", "REL_TOL", "LSB_TOL", "MAX_TOL", "PILE_RATIO", "PILE_MIN", "ChannelStats", "StatsScan", "ClipScan", "adc_limits",
    "channel_stats", "clipped_runs", "clipped_mask", "runs_of", "scan",
]

MIN_RUN = 3  # samples: shortest run at a rail that counts as clipping (a real signal rarely dwells 3 samples at its extreme)
REL_TOL = 0.005  # tolerance around a rail, as a share of the channel's span (max - min): absorbs LSB jitter of >= 10-bit data
LSB_TOL = 4.5  # ... and at least 4.5 quantisation steps: 4 LSB of jitter; bands of whole levels {0..4} vs {5..9}
MAX_TOL = 0.1  # ... but never more than a tenth of the span: a rail band never reaches into the body of the signal
PILE_RATIO = 4.0  # an observed extreme is a rail when its band holds >= 4x the samples of the band inside it (smooth peak: <= 2.41)
PILE_MIN = 10  # samples: ... and holds at least 10 (the top of one natural peak at 1-2 kHz holds fewer)
DEFAULT_CHUNK = 1 << 16  # samples per piece when a scanner walks a source


@dataclass(frozen=True)
class ChannelStats:
    """Per-channel statistics of pass 1 (arrays of shape ``(n_channels,)``).

    Attributes
    ----------
    n : int
        Samples per channel.
    lo, hi : ndarray of float64
        Minimum and maximum (NaN or inf when the channel holds NaN/inf).
    mean : ndarray of float64
        Mean (the DC level removed by centring), in the signal's unit.
    sd : ndarray of float64
        Population standard deviation (RMS about the mean), in the unit.
    step : ndarray of float64
        Smallest non-zero ``|x[i + 1] - x[i]|`` (the quantisation step of
        integer data); inf when the channel is constant.
    """

    n: int
    lo: np.ndarray
    hi: np.ndarray
    mean: np.ndarray
    sd: np.ndarray
    step: np.ndarray

    @property
    def finite(self) -> np.ndarray:
        """True for channels without NaN/inf samples."""
        return np.isfinite(self.lo) & np.isfinite(self.hi)

    @property
    def flat(self) -> np.ndarray:
        """Constant, or varying only at quantisation level (SD at most one step): disconnected or unused."""
        return (self.lo == self.hi) | (np.isfinite(self.step) & (self.sd <= self.step)) | (self.n < 2)

    @property
    def tolerance(self) -> np.ndarray:
        """Distance from a rail within which a sample counts as at the rail, in the unit (0 for a flat channel)."""
        step = np.where(np.isfinite(self.step), self.step, 0.0)
        span = self.hi - self.lo
        return np.minimum(np.maximum(REL_TOL * span, LSB_TOL * step), MAX_TOL * span)


class StatsScan:
    """Pass 1: :class:`ChannelStats` from consecutive pieces of a ``(n_channels, n_samples)`` signal.

    One compiled pass per piece (:func:`emgkit.kernels.stats_update`);
    extremes and step are exact wherever the record is split, sums agree
    to rounding.

    Examples
    --------
    >>> s = StatsScan(1)
    >>> s.push(np.array([[0.0, 2.0]])); s.push(np.array([[2.0, 3.0]]))
    >>> st = s.result()
    >>> st.lo, st.hi, st.mean, st.step
    (array([0.]), array([3.]), array([1.75]), array([1.]))
    """

    def __init__(self, n_channels):
        from .kernels import stats_state

        self._state = stats_state(n_channels)
        self.n = 0

    def push(self, piece) -> None:
        """Add the next ``(n_channels, m)`` samples (m >= 0)."""
        from .kernels import stats_update

        x = _floats(piece)
        if x.shape[1]:
            stats_update(x, self._state)
            self.n += x.shape[1]

    def result(self) -> ChannelStats:
        """The statistics of every sample pushed so far."""
        from .kernels.clipping import STATS_COLUMNS

        st = dict(zip(STATS_COLUMNS, self._state.T))
        n = max(self.n, 1)
        m1 = st["s1"] / n
        finite = np.isfinite(m1)  # a NaN or inf sample makes the sums non-finite
        lo, hi = np.where(finite, st["lo"], np.nan), np.where(finite, st["hi"], np.nan)
        with np.errstate(invalid="ignore"):
            var = np.maximum(st["s2"] / n - m1 * m1, 0.0)
        constant = lo == hi  # centres to exact zeros (no rounding residue)
        mean = np.where(constant, lo, st["shift"] + m1)
        return ChannelStats(self.n, lo, hi, mean, np.where(constant, 0.0, np.sqrt(var)), st["step"].copy())


class ClipScan:
    """Pass 2: the clipped runs of consecutive pieces, given the statistics of pass 1.

    Parameters
    ----------
    stats : ChannelStats
        Of the same samples (:class:`StatsScan`).
    adc_range : (lo, hi) or array of shape (n_channels, 2), optional
        Converter limits in the signal's unit, one pair for all channels or
        one row per channel (NaN row: unknown); :func:`adc_limits` reads them
        from a Recording's metadata.
    min_run : int >= 1, default 3
        Shortest run at a rail that counts as clipping, in samples.

    Notes
    -----
    Each piece is one compiled pass (:func:`emgkit.kernels.band_runs`) over
    four candidate bands per channel: within the tolerance of the observed
    maximum and minimum (their samples and those of the equally wide bands
    just inside are counted for the pile-up test) and of the converter
    limits.  A run still open at a piece's end continues into the next.
    """

    def __init__(self, stats, adc_range=None, *, min_run=MIN_RUN):
        self.stats = stats
        self.min_run = _check_min_run(min_run)
        n_ch = stats.lo.size
        adc = _check_range(adc_range, n_ch)
        tol = stats.tolerance
        flat = stats.flat
        # candidate bands: observed top, observed bottom, converter top, converter bottom (NaN: no band)
        obs_hi = np.where(flat, np.nan, stats.hi - tol)
        obs_lo = np.where(flat, np.nan, stats.lo + tol)
        self._thr = np.ascontiguousarray(np.stack([obs_hi, obs_lo, adc[:, 1] - tol, adc[:, 0] + tol], axis=1))
        self._inner = np.ascontiguousarray(np.stack([stats.hi - 2 * tol, stats.lo + 2 * tol], axis=1))
        self._counts = np.zeros((n_ch, 4), dtype=np.int64)  # samples in the observed bands, then in the bands inside
        self._open = np.full((n_ch, 4), -1, dtype=np.int64)
        self._runs = [[([], []) for _ in range(4)] for _ in range(n_ch)]
        self.n = 0

    def push(self, piece) -> None:
        """Scan the next ``(n_channels, m)`` samples."""
        from .kernels import band_runs

        x = _floats(piece)
        if not x.shape[1]:
            return
        first, starts, stops = band_runs(x, self._thr, self._inner, self._open, self.n, self.min_run, self._counts)
        if starts.size:
            for c, k in zip(*np.nonzero(first[:, 1:] > first[:, :-1])):
                a, b = first[c, k], first[c, k + 1]
                self._runs[c][k][0].append(starts[a:b])
                self._runs[c][k][1].append(stops[a:b])
        self.n += x.shape[1]

    def rails(self) -> np.ndarray:
        """Which observed extremes are rails, shape ``(n_channels, 2)`` (top, bottom): hit repeatedly."""
        band, inner = self._counts[:, :2], self._counts[:, 2:]
        return (band >= max(PILE_MIN, self.min_run)) & (band >= PILE_RATIO * inner) & ~np.isnan(self._thr[:, :2])

    def result(self):
        """Per channel, ``(starts, stops)`` int64 arrays of the clipped samples ``[start, stop)``: sorted, merged."""
        rails = self.rails()
        out = []
        for c in range(len(self._runs)):
            parts = []
            for side in (0, 1):
                if rails[c, side]:
                    # the two bands of a side are nested: keep the wider one
                    t_obs, t_adc = self._thr[c, side], self._thr[c, side + 2]
                    wider = np.isnan(t_adc) or (t_obs <= t_adc if side == 0 else t_obs >= t_adc)
                    parts.append(self._band(c, side if wider else side + 2))
                else:
                    parts.append(self._band(c, side + 2))
            out.append(_merge(parts))
        return out

    def _band(self, c, k):
        """Runs of band ``k`` of channel ``c``, the run still open at the end included when long enough."""
        starts, stops = list(self._runs[c][k][0]), list(self._runs[c][k][1])
        start = self._open[c, k]
        if start >= 0 and self.n - start >= self.min_run:
            starts.append(np.array([start]))
            stops.append(np.array([self.n]))
        if not starts:
            return np.zeros(0, np.int64), np.zeros(0, np.int64)
        return np.concatenate(starts).astype(np.int64), np.concatenate(stops).astype(np.int64)


def _merge(parts):
    """Union of sorted runs ``(starts, stops)`` lists, merged so that no two runs touch or overlap."""
    starts = np.concatenate([p[0] for p in parts]) if parts else np.zeros(0, np.int64)
    stops = np.concatenate([p[1] for p in parts]) if parts else np.zeros(0, np.int64)
    if starts.size == 0:
        return starts.astype(np.int64), stops.astype(np.int64)
    order = np.argsort(starts, kind="stable")
    starts, stops = starts[order], stops[order]
    reach = np.maximum.accumulate(stops)
    new = np.concatenate(([True], starts[1:] > reach[:-1]))  # a run that starts after every earlier run ended
    idx = np.flatnonzero(new)
    return starts[idx].astype(np.int64), np.maximum.reduceat(stops, idx).astype(np.int64)


def adc_limits(meta, names):
    """Converter limits of every channel from a Recording's metadata.

    Parameters
    ----------
    meta : dict
        ``meta["adc_ranges"]`` (``{channel name: [lo, hi]}``, set by the C3D
        and EDF readers when channels differ) wins for the channels it names;
        ``meta["adc_range"]`` (``[lo, hi]``) applies to the others.
    names : sequence of str
        Channel names, one per row.

    Returns
    -------
    ndarray of float64, shape (n_channels, 2)
        ``[lo, hi]`` per channel in the signal's unit; NaN where unknown.
    """
    names = list(names)
    out = np.full((len(names), 2), np.nan)
    common = meta.get("adc_range")
    if common is not None:
        out[:] = _check_range(common, len(names))
    per = meta.get("adc_ranges") or {}
    if not isinstance(per, dict):
        raise InvalidInputError(f"meta['adc_ranges'] must map channel names to [lo, hi], got {per!r}")
    for i, name in enumerate(names):
        if name in per:
            out[i] = _check_range(per[name], 1, what=f"meta['adc_ranges'][{name!r}]")[0]
    return out


def channel_stats(x) -> ChannelStats:
    """:class:`ChannelStats` of a whole ``(n_channels, n_samples)`` or 1-D array (pass 1 in one piece)."""
    rows = _rows(x)
    scan_ = StatsScan(rows.shape[0])
    scan_.push(rows)
    return scan_.result()


def clipped_runs(x, adc_range=None, *, min_run=MIN_RUN, stats=None):
    """Clipped samples of a whole signal as runs ``[start, stop)``.

    Parameters
    ----------
    x : array_like, shape (n_samples,) or (n_channels, n_samples)
        Raw signal in any unit (before filtering: filters smear flat tops).
    adc_range : (lo, hi) or array of shape (n_channels, 2), optional
        Converter limits in the unit of ``x`` (NaN row: unknown);
        :func:`adc_limits` reads them from metadata.
    min_run : int >= 1, default 3
        Shortest run at a rail that counts as clipping, in samples.
    stats : ChannelStats, optional
        Pass-1 statistics of ``x`` when already known.

    Returns
    -------
    (starts, stops) or list of (starts, stops)
        int64 arrays of half-open sample intervals, sorted and merged; one
        pair for 1-D ``x``, a list with one pair per channel for 2-D.

    Examples
    --------
    A converter limit of 5 with a rail jittering by 0.01:

    >>> x = np.array([0.0, 1, -1, 5, 4.99, 5, 2, -2, 5, 5, 5, 0, 1, -1, 2])
    >>> clipped_runs(x, adc_range=(-5, 5))
    (array([3, 8]), array([ 6, 11]))

    Without it, the observed maximum counts only when samples pile up there
    (``PILE_MIN``): here 20 samples, in 4 runs of 3 and 4 visits of 2 (too
    short to be clipping runs).

    >>> y = np.tile([0.0, 5, 5, 5, 1, -2, 4.99, 5, 3], 4)
    >>> clipped_runs(y)[0]
    array([ 1, 10, 19, 28])
    """
    rows = _rows(x)
    scan_ = ClipScan(stats if stats is not None else channel_stats(rows), adc_range, min_run=min_run)
    scan_.push(rows)
    runs = scan_.result()
    return runs[0] if np.ndim(x) == 1 else runs


def clipped_mask(x, adc_range=None, *, min_run=MIN_RUN, stats=None):
    """Mark the clipped samples of a whole signal (the runs of :func:`clipped_runs` as a mask).

    Parameters
    ----------
    x : array_like, shape (n_samples,) or (n_channels, n_samples)
        Raw signal in any unit.
    adc_range : (lo, hi) or array of shape (n_channels, 2), optional
        Converter limits in the unit of ``x``.
    min_run : int >= 1, default 3
        Shortest run at a rail that counts as clipping, in samples.
    stats : ChannelStats, optional
        Pass-1 statistics of ``x`` when already known.

    Returns
    -------
    ndarray of bool, same shape as ``x``

    Examples
    --------
    >>> clipped_mask(np.array([0.0, 4.98, 5, 5, 1, -2, 5, 5, 3, -1]), adc_range=(-5, 5))
    array([False,  True,  True,  True, False, False, False, False, False,
           False])
    """
    rows = _rows(x)
    runs = clipped_runs(rows, adc_range, min_run=min_run, stats=stats)
    out = np.zeros(rows.shape, dtype=bool)
    for c, (starts, stops) in enumerate(runs):
        edges = np.zeros(rows.shape[1] + 1, dtype=np.int64)
        np.add.at(edges, starts, 1)
        np.add.at(edges, stops, -1)
        out[c] = np.cumsum(edges[:-1]) > 0
    return out[0] if np.ndim(x) == 1 else out


def runs_of(mask):
    """Runs of True in every row of a boolean mask.

    Parameters
    ----------
    mask : array_like of bool, shape (n,) or (n_rows, n)

    Returns
    -------
    list of (starts, stops)
        Per row (one entry for a 1-D mask), int64 arrays of half-open
        intervals ``[start, stop)``, sorted and merged.

    Examples
    --------
    >>> runs_of(np.array([False, True, True, False, True]))
    [(array([1, 4]), array([3, 5]))]
    """
    out = []
    for row in np.atleast_2d(np.asarray(mask, dtype=bool)):
        edges = np.flatnonzero(np.diff(np.concatenate(([False], row, [False])).astype(np.int8)))
        out.append((edges[::2].astype(np.int64), edges[1::2].astype(np.int64)))
    return out


def scan(source, adc_range=None, *, min_run=MIN_RUN, chunk=DEFAULT_CHUNK, stats=None):
    """Both passes over a chunked source: its statistics and its clipped runs.

    Parameters
    ----------
    source : object with ``n_channels``, ``n_samples`` and ``read(a, b)``
        Raw samples, e.g. :class:`emgkit._chunks.ArraySource` or ``FileSource``;
        ``read(a, b)`` returns samples ``[a, b)`` of every channel.
    adc_range : (lo, hi) or array of shape (n_channels, 2), optional
        Converter limits, as for :func:`clipped_runs`.
    min_run : int >= 1, default 3
    chunk : int >= 1, default 65536
        Samples per read.
    stats : ChannelStats, optional
        Pass-1 statistics when already known (pass 1 is then skipped).

    Returns
    -------
    stats : ChannelStats
    runs : list of (starts, stops)
        Per channel, equal to ``clipped_runs(all samples, adc_range, min_run=min_run)``.
    """
    chunk = check_chunk(chunk)
    n = source.n_samples
    if stats is None:
        first = StatsScan(source.n_channels)
        for a in range(0, n, chunk):
            first.push(source.read(a, min(n, a + chunk)))
        stats = first.result()
    second = ClipScan(stats, adc_range, min_run=min_run)
    for a in range(0, n, chunk):
        second.push(source.read(a, min(n, a + chunk)))
    return stats, second.result()


def check_chunk(chunk) -> int:
    """``chunk`` as a positive int, else InvalidInputError naming it."""
    if isinstance(chunk, bool) or not isinstance(chunk, (int, np.integer)) or chunk < 1:
        raise InvalidInputError(f"chunk must be a positive whole number of samples, got {chunk!r}")
    return int(chunk)


def _check_min_run(min_run):
    if isinstance(min_run, bool) or not isinstance(min_run, (int, np.integer)) or min_run < 1:
        raise InvalidInputError(f"min_run must be a positive whole number of samples, got {min_run!r}")
    return int(min_run)


def _check_range(adc_range, n_channels, what="adc_range"):
    """``adc_range`` as an ``(n_channels, 2)`` float array (NaN rows: unknown)."""
    if adc_range is None:
        return np.full((n_channels, 2), np.nan)
    try:
        arr = np.array(adc_range, dtype=np.float64)
    except (TypeError, ValueError):
        raise InvalidInputError(f"{what} must be [lo, hi] in the signal's unit, got {adc_range!r}") from None
    if arr.shape == (2,):
        arr = np.tile(arr, (n_channels, 1))
    if arr.shape != (n_channels, 2):
        raise InvalidInputError(
            f"{what} must be [lo, hi] or one [lo, hi] row per channel ({n_channels}), got shape {arr.shape}")
    known = ~np.isnan(arr).any(axis=1)
    if not (arr[known, 0] < arr[known, 1]).all():
        raise InvalidInputError(f"{what} must have lo < hi, got {adc_range!r}")
    return arr


def _floats(piece):
    """A piece as a 2-D float32/float64 array (other dtypes converted to float64)."""
    x = np.asarray(piece)
    return x if x.dtype in (np.float32, np.float64) else x.astype(np.float64)


def _rows(x):
    arr = np.asarray(x)
    if arr.ndim not in (1, 2):
        raise InvalidInputError(f"x must be 1-D or (n_channels, n_samples), got shape {arr.shape}")
    return arr[np.newaxis] if arr.ndim == 1 else arr
