"""Repetitions and cycles: segmentation, time normalization, ensemble averages (docs/science.md#repetitions-and-cycles).

Cycle starts come from one of:

* **events** stored with the recording (``Recording.meta["events"]``; see
  :func:`events_from_meta` for the accepted shapes), e.g. heel strikes or
  annotations converted from C3D / EDF+;
* a **trigger channel** (footswitch, trigger pulse: threshold crossings with
  hysteresis and a refractory period) or a **goniometer** (angle minima or
  maxima): :func:`events_from_trigger`;
* the **envelope itself**: peaks of the channels' combined envelope at least
  half a period apart, standing out by a share of its range; a cycle starts
  where the envelope rises towards its peak: :func:`cycles_from_envelope`.

Candidate cycles that are partial (cut by the record's start or end) or whose
duration is more than 20 % off the median are dropped, with the reason kept.
Kept cycles are time-normalized to 101 points (0-100 %) by linear
interpolation (:func:`time_normalize`) and averaged (:func:`ensemble`); with
fewer than 2 cycles there is no SD.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ._checks import check_fs, check_option
from ._chunks import Rows
from .errors import InvalidInputError

__all__ = [
    "Cycles",
    "events_from_meta",
    "events_from_trigger",
    "estimate_period",
    "cycles_from_events",
    "cycles_from_envelope",
    "time_normalize",
    "ensemble",
]

RISE_LEVEL = 0.25  # a cycle starts where the envelope last rises through 25 % of its trough-to-peak height
_TIME_KEYS = ("time_s", "onset_s", "time", "t", "onset")
_NAME_KEYS = ("name", "label", "type", "description", "event")


@dataclass(frozen=True)
class Cycles:
    """Candidate cycles and which of them are kept.

    Attributes
    ----------
    starts_s, stops_s : ndarray, shape (n_candidates,)
        Cycle bounds in s.
    kept : ndarray of bool, shape (n_candidates,)
        Cycles used for the analysis.
    reasons : ndarray of str, shape (n_candidates,)
        Why a candidate was dropped (``""`` when kept).
    source : str
        Where the cycles came from (``"events 'heel_strike'"``,
        ``"trigger 'FSW' rising"``, ``"envelope peaks"``, ``"none"``).
    note : str
        What happened when no cycle could be found.
    """

    starts_s: np.ndarray
    stops_s: np.ndarray
    kept: np.ndarray
    reasons: np.ndarray
    source: str
    note: str = ""

    @property
    def n_kept(self) -> int:
        """Number of kept cycles."""
        return int(self.kept.sum())

    @property
    def bounds(self) -> np.ndarray:
        """Kept cycles as ``(n_kept, 2)`` ``[start_s, stop_s]``."""
        return np.stack([self.starts_s[self.kept], self.stops_s[self.kept]], axis=1).reshape(-1, 2)

    def to_frame(self):
        """Table ``cycle, start_s, stop_s, duration_s, kept, reason`` (``cycle`` numbers the kept ones from 1, 0 = dropped)."""
        import pandas as pd

        number = np.where(self.kept, np.cumsum(self.kept), 0)
        return pd.DataFrame(
            {
                "cycle": number.astype(np.int64),
                "start_s": self.starts_s.astype(np.float64),
                "stop_s": self.stops_s.astype(np.float64),
                "duration_s": (self.stops_s - self.starts_s).astype(np.float64),
                "kept": self.kept.astype(bool),
                "reason": self.reasons.astype(str),
            }
        )

    @classmethod
    def empty(cls, source: str, note: str) -> "Cycles":
        """No cycles, with the reason."""
        z = np.empty(0)
        return cls(z, z.copy(), np.empty(0, dtype=bool), np.empty(0, dtype=str), source, note)


# -- events -------------------------------------------------------------------------------
def events_from_meta(events, name=None):
    """Event times in s from ``Recording.meta["events"]``.

    Parameters
    ----------
    events : list or dict
        Accepted shapes: a list of times in s; a dict ``{name: [times...]}``;
        or a list of dicts each with a time (``time_s``, ``onset_s``,
        ``time``, ``t`` or ``onset``, in s) and optionally a name (``name``,
        ``label``, ``type``, ``description`` or ``event``).
    name : str, optional
        Which events start a cycle.  Default: the only kind, or the first kind
        in the file.

    Returns
    -------
    times : ndarray, shape (n_events,)
        Sorted event times in s.
    used : str or None
        The event name used (None for unnamed events).

    Raises
    ------
    InvalidInputError
        Unknown shape, missing times, or ``name`` not among the events (the
        message lists the names found).

    Examples
    --------
    >>> events_from_meta({"heel_strike": [1.0, 2.1], "toe_off": [1.6]})
    (array([1. , 2.1]), 'heel_strike')
    """
    groups: dict = {}
    if isinstance(events, dict):
        for key, value in events.items():
            groups[str(key)] = _times(value, f"events[{key!r}]")
    elif isinstance(events, (list, tuple, np.ndarray)):
        items = list(events)
        if all(isinstance(e, dict) for e in items) and items:
            for i, e in enumerate(items):
                tkey = next((k for k in _TIME_KEYS if k in e), None)
                if tkey is None:
                    raise InvalidInputError(f"event {i} {e!r} has no time; give one of the keys {list(_TIME_KEYS)} in s")
                nkey = next((k for k in _NAME_KEYS if k in e), None)
                label = None if nkey is None else str(e[nkey])
                groups.setdefault(label, []).append(_time(e[tkey], f"event {i}"))
        else:
            groups[None] = _times(items, "events")
    else:
        raise InvalidInputError(f"meta['events'] must be a list of times, a dict name -> times or a list of event dicts, got {type(events).__name__}")
    if not groups:
        return np.empty(0), name
    if name is None:
        used = next(iter(groups))
    elif name in groups:
        used = name
    else:
        found = [g for g in groups if g is not None]
        raise InvalidInputError(f"no events named {name!r}; the recording has events {found or '(unnamed)'}")
    return np.sort(np.asarray(groups[used], dtype=np.float64)), used


def _time(value, where):
    try:
        t = float(value)
    except (TypeError, ValueError):
        raise InvalidInputError(f"{where}: event time must be a number of seconds, got {value!r}") from None
    if not math.isfinite(t):
        raise InvalidInputError(f"{where}: event time must be finite, got {value!r}")
    return t


def _times(values, where):
    if isinstance(values, (int, float, np.number)):
        values = [values]
    return [_time(v, where) for v in values]


def events_from_trigger(x, fs, *, mode="rising", threshold=None, hysteresis=0.1, refractory_s=0.25):
    """Cycle-start events from a trigger, footswitch or goniometer signal.

    Parameters
    ----------
    x : array_like, shape (n_samples,)
        The trigger channel, in its own unit.
    fs : float > 0
        Sampling rate in Hz.
    mode : {"rising", "falling", "minima", "maxima"}, default "rising"
        ``"rising"``/``"falling"``: threshold crossings with hysteresis (a
        Schmitt trigger: an event when the signal passes ``threshold + h/2``
        after having been below ``threshold - h/2``; mirrored for falling).
        ``"minima"``/``"maxima"``: local extrema (goniometer angle) standing out
        by at least ``h``.
    threshold : float, optional
        Level in the signal's unit; default halfway between its 5th and 95th
        percentiles.
    hysteresis : float in [0, 1), default 0.1
        ``h`` as a fraction of the 5th-95th percentile range.
    refractory_s : float >= 0, default 0.25
        Events closer than this to the previous kept event are ignored, s.

    Returns
    -------
    ndarray, shape (n_events,)
        Event times in s.

    Examples
    --------
    >>> import numpy as np
    >>> x = np.tile(np.r_[np.zeros(50), np.ones(50)], 3)
    >>> events_from_trigger(x, fs=100)
    array([0.5, 1.5, 2.5])
    """
    fs = check_fs(fs)
    check_option("mode", mode, ("rising", "falling", "minima", "maxima"))
    x = np.asarray(x, dtype=np.float64)
    if x.ndim != 1:
        raise InvalidInputError(f"the trigger signal must be 1-D, got shape {x.shape}")
    if not np.isfinite(x).all():
        raise InvalidInputError("the trigger signal has NaN or inf samples; repair them first")
    if x.size < 3:
        return np.empty(0)
    lo, hi = np.percentile(x, [5, 95])
    span = hi - lo
    if span <= 0:
        return np.empty(0)
    h = float(hysteresis) * span
    refractory = int(round(float(refractory_s) * fs))
    if mode in ("minima", "maxima"):
        from scipy.signal import find_peaks

        sig = x if mode == "maxima" else -x
        idx, _ = find_peaks(sig, prominence=max(h, 1e-12 * span), distance=max(1, refractory))
        return idx / fs
    sig = x if mode == "rising" else -x
    thr = (0.5 * (lo + hi) if threshold is None else float(threshold)) * (1 if mode == "rising" else -1)
    up, down = thr + h / 2, thr - h / 2
    events = []
    armed = sig[0] < down if h > 0 else sig[0] <= thr
    last = -np.inf
    for i in range(1, sig.size):
        v = sig[i]
        if not armed:
            if v < down or (h == 0 and v <= thr):
                armed = True
        elif v > up or (h == 0 and v > thr):
            if i - last >= refractory:
                events.append(i)
                last = i
            armed = False
    return np.asarray(events, dtype=np.float64) / fs


# -- cycles -------------------------------------------------------------------------------
def _drop_irregular(starts, stops, reasons, max_deviation):
    reasons = reasons.copy()
    complete = reasons == ""
    durations = stops - starts
    if complete.any():
        median = float(np.median(durations[complete]))
        off = complete & (np.abs(durations - median) > max_deviation * median)
        for i in np.flatnonzero(off):
            reasons[i] = f"duration {durations[i]:.3f} s is more than {max_deviation * 100:.0f} % off the median {median:.3f} s"
    return reasons


def cycles_from_events(events_s, duration_s, *, max_deviation=0.2, source="events"):
    """Cycles between consecutive events; the pieces before the first and after the last are partial.

    Parameters
    ----------
    events_s : array_like
        Cycle-start times in s.
    duration_s : float
        Record length in s (events outside ``[0, duration_s]`` are ignored).
    max_deviation : float > 0, default 0.2
        Cycles whose duration is more than this fraction off the median are dropped.
    source : str
        Label stored in :attr:`Cycles.source`.

    Returns
    -------
    Cycles

    Examples
    --------
    >>> c = cycles_from_events([1.0, 2.0, 3.0, 3.4, 4.4], duration_s=5.0)
    >>> c.bounds.tolist()
    [[1.0, 2.0], [2.0, 3.0], [3.4, 4.4]]
    """
    ev = np.sort(np.asarray(events_s, dtype=np.float64).ravel())
    ev = ev[(ev >= 0) & (ev <= duration_s)]
    if ev.size < 2:
        return Cycles.empty(source, f"{ev.size} event(s) in the record: a cycle needs two consecutive events")
    starts = [0.0] if ev[0] > 0 else []
    stops = [ev[0]] if ev[0] > 0 else []
    reasons = ["partial: before the first event"] if ev[0] > 0 else []
    starts += list(ev[:-1])
    stops += list(ev[1:])
    reasons += [""] * (ev.size - 1)
    if ev[-1] < duration_s:
        starts.append(ev[-1])
        stops.append(duration_s)
        reasons.append("partial: after the last event")
    starts, stops = np.asarray(starts), np.asarray(stops)
    reasons = _drop_irregular(starts, stops, np.asarray(reasons, dtype=object), max_deviation)
    kept = reasons == ""
    return Cycles(starts, stops, kept.astype(bool), reasons.astype(str), source)


def _combined(env):
    """Channels' envelopes, each scaled by its 95th percentile, averaged: every muscle counts alike."""
    env = np.asarray(env, dtype=np.float64)
    rows = env[np.newaxis] if env.ndim == 1 else env
    scale = np.percentile(rows, 95, axis=1)
    good = np.isfinite(scale) & (scale > 0)
    if not good.any():
        return np.zeros(rows.shape[1])
    return (rows[good] / scale[good, np.newaxis]).mean(axis=0)


def estimate_period(env, fs, *, min_s=0.25, max_s=None):
    """Repetition period of an envelope from its autocorrelation, or None when it is not periodic.

    Parameters
    ----------
    env : array_like, shape (n_samples,) or (n_channels, n_samples)
        Envelope(s); several channels are combined (each scaled to its 95th percentile).
    fs : float > 0
        Sampling rate in Hz.
    min_s, max_s : float
        Range of periods searched, s (default 0.25 s to a third of the record).

    Returns
    -------
    float or None
        The lag of the first clear autocorrelation peak (at least half the
        highest peak and above 0.2), in s.
    """
    from scipy.signal import fftconvolve, find_peaks

    fs = check_fs(fs)
    x = _combined(env)
    n = x.size
    max_s = n / fs / 3 if max_s is None else float(max_s)
    lo, hi = int(round(min_s * fs)), min(n - 1, int(round(max_s * fs)))
    if hi <= lo + 2:
        return None
    step = max(1, int(fs // 100))  # 100 Hz is plenty for a period
    y = x[::step] - x[::step].mean()
    denom = float(np.dot(y, y))
    if denom <= 0:
        return None
    ac = fftconvolve(y, y[::-1], mode="full")[y.size - 1 :] / denom
    lo_d, hi_d = max(1, lo // step), min(ac.size - 1, hi // step)
    seg = ac[lo_d : hi_d + 1]
    peaks, props = find_peaks(seg, prominence=0.05)
    if peaks.size == 0:
        return None
    heights = seg[peaks]
    ok = (heights >= 0.5 * heights.max()) & (heights > 0.2)
    if not ok.any():
        return None
    return float((peaks[np.argmax(ok)] + lo_d) * step / fs)


def cycles_from_envelope(env, fs, *, expected_period_s=None, min_prominence=0.3, max_deviation=0.2):
    """Cycles around the peaks of the (combined) envelope.

    Parameters
    ----------
    env : array_like, shape (n_samples,) or (n_channels, n_samples)
        Envelope(s), non-negative; several channels are combined, each scaled
        to its 95th percentile.
    fs : float > 0
        Sampling rate in Hz.
    expected_period_s : float, optional
        Repetition period; default :func:`estimate_period`.  Peaks must be at
        least half a period apart.
    min_prominence : float in (0, 1], default 0.3
        Least prominence of a peak as a fraction of the smoothed envelope's
        5th-95th percentile range.
    max_deviation : float > 0, default 0.2
        Cycles more than this fraction off the median duration are dropped.

    Returns
    -------
    Cycles
        Cycle ``k`` starts where the envelope (smoothed over a tenth of the
        period) last rises through 25 % of the height from the preceding
        trough to peak ``k``, so a repetition starts with its movement, and
        ends where cycle ``k + 1`` starts (the last one lasts the median
        period).  A cycle cut by the record's start or end is partial.
    """
    from scipy.ndimage import uniform_filter1d
    from scipy.signal import find_peaks

    fs = check_fs(fs)
    x = _combined(env)
    n = x.size
    source = "envelope peaks"
    period = estimate_period(x, fs) if expected_period_s is None else float(expected_period_s)
    if period is None:
        return Cycles.empty(source, "no repetitions found: the envelope has no periodic pattern (give cycles.expected_period_s or events)")
    width = max(1, int(round(period * fs / 4)))
    smooth = uniform_filter1d(x, width, mode="nearest")
    lo, hi = np.percentile(smooth, [5, 95])
    if not hi > lo:
        return Cycles.empty(source, "no repetitions found: the envelope is flat")
    peaks, _ = find_peaks(smooth, distance=max(1, int(round(0.5 * period * fs))), prominence=min_prominence * (hi - lo))
    if peaks.size == 0:
        return Cycles.empty(source, "no repetitions found: no envelope peak stands out")
    fine = uniform_filter1d(x, max(1, int(round(period * fs / 10))), mode="nearest")
    span = int(round(period * fs))
    starts, partial = [], []
    for k, p in enumerate(peaks):
        a = peaks[k - 1] if k else max(0, p - span)
        trough = int(np.argmin(fine[a : p + 1])) + a
        level = fine[trough] + RISE_LEVEL * (fine[p] - fine[trough])
        below = np.flatnonzero(fine[trough : p + 1] <= level)
        start = trough + int(below[-1])
        starts.append(start)
        partial.append(start == 0 or fine[trough] > fine[p] - min_prominence * (hi - lo) * 0.5)
    starts = np.asarray(starts)
    median = float(np.median(np.diff(starts))) if starts.size > 1 else float(span)
    stops = np.append(starts[1:], starts[-1] + int(round(median)))
    reasons = np.array([""] * starts.size, dtype=object)
    for k in range(starts.size):
        if partial[k]:
            reasons[k] = "partial: cut by the record's start" if k == 0 else "no rest before this peak: merged with the previous repetition"
    if stops[-1] > n - 1:
        stops[-1] = n - 1
        reasons[-1] = reasons[-1] or "partial: cut by the record's end"
    starts_s, stops_s = starts / fs, stops / fs
    reasons = _drop_irregular(starts_s, stops_s, reasons, max_deviation)
    kept = reasons == ""
    return Cycles(starts_s, stops_s, kept.astype(bool), reasons.astype(str), source)


# -- time normalization -------------------------------------------------------------------
def time_normalize(x, fs, start_s, stop_s, n_points=101):
    """Resample ``x`` over ``[start_s, stop_s]`` onto ``n_points`` evenly spaced instants (0-100 %).

    Parameters
    ----------
    x : array_like or Rows, shape (..., n_samples)
        Signal(s) on the record's time base (sample ``i`` at ``i / fs`` s).
        A :class:`~emgkit._chunks.Rows` is read over the cycle only, or at
        the samples used only if it has ``take(samples)`` (every row at those
        samples, e.g. :class:`emgkit.analysis.normalise.FloorRemoved`).
    fs : float > 0
        Sampling rate in Hz.
    start_s, stop_s : float
        The cycle, in s, inside the record.
    n_points : int >= 2, default 101
        Points of the normalized cycle (101 gives 0, 1, ..., 100 %).

    Returns
    -------
    ndarray, shape (..., n_points)
        Linear interpolation of ``x`` at ``start_s + k (stop_s - start_s) / (n_points - 1)``.

    Examples
    --------
    >>> import numpy as np
    >>> time_normalize(np.arange(11.0), fs=1, start_s=0, stop_s=10, n_points=3)
    array([ 0.,  5., 10.])
    """
    fs = check_fs(fs)
    x = x if isinstance(x, Rows) else np.asarray(x, dtype=np.float64)
    n = x.shape[-1]
    if isinstance(n_points, bool) or not isinstance(n_points, (int, np.integer)) or n_points < 2:
        raise InvalidInputError(f"n_points must be an integer >= 2, got {n_points!r}")
    if not (0 <= start_s < stop_s <= (n - 1) / fs + 1e-9):
        raise InvalidInputError(f"cycle {start_s}-{stop_s} s must lie inside the record (0-{(n - 1) / fs:g} s) with start < stop")
    pos = np.linspace(start_s * fs, min(stop_s * fs, n - 1), int(n_points))
    i0 = np.floor(pos).astype(np.int64)
    i1 = np.minimum(i0 + 1, n - 1)
    w = pos - i0
    if isinstance(x, Rows):  # read only the samples used (``take``), else only the cycle
        if hasattr(x, "take"):
            both = x.take(np.concatenate([i0, i1]))
            return both[:, : i0.size] * (1 - w) + both[:, i0.size :] * w
        first = int(i0.min())
        x, i0, i1 = x[:, first : int(i1.max()) + 1], i0 - first, i1 - first
    return x[..., i0] * (1 - w) + x[..., i1] * w


def ensemble(x, fs, bounds, n_points=101):
    """Time-normalized cycles of ``x`` and their mean and SD.

    Parameters
    ----------
    x : array_like, shape (n_channels, n_samples) or (n_samples,)
        Signals (e.g. normalized envelopes).
    fs : float > 0
        Sampling rate in Hz.
    bounds : array_like, shape (n_cycles, 2)
        Cycles ``[start_s, stop_s]`` (e.g. :attr:`Cycles.bounds`).
    n_points : int, default 101

    Returns
    -------
    curves : ndarray, shape (n_cycles, ..., n_points)
    mean : ndarray, shape (..., n_points)
        NaN when there is no cycle.
    sd : ndarray, shape (..., n_points)
        Sample SD (ddof 1); NaN with fewer than 2 cycles (no SD band).

    Examples
    --------
    >>> import numpy as np
    >>> curves, mean, sd = ensemble(np.arange(20.0), fs=1, bounds=[[0, 9], [10, 19]], n_points=2)
    >>> mean.tolist(), sd.tolist()
    ([5.0, 14.0], [7.0710678118654755, 7.0710678118654755])
    """
    x = x if isinstance(x, Rows) else np.asarray(x, dtype=np.float64)
    b = np.asarray(bounds, dtype=np.float64).reshape(-1, 2)
    shape = x.shape[:-1] + (int(n_points),)
    if b.shape[0] == 0:
        return np.empty((0,) + shape), np.full(shape, np.nan), np.full(shape, np.nan)
    curves = np.stack([time_normalize(x, fs, s, e, n_points) for s, e in b])
    mean = curves.mean(axis=0)
    sd = curves.std(axis=0, ddof=1) if b.shape[0] >= 2 else np.full(shape, np.nan)
    return curves, mean, sd
