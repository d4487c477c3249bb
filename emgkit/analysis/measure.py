"""Stage 6: per-repetition values of every channel and pair (amplitudes, bursts, co-contraction, timing).

With per-side cycles (:attr:`emgkit.analysis.segment.Segments.by_side`) a channel's amplitudes are also
taken over its own side's cycles (:attr:`Measures.by_side`, :meth:`Measures.reps_of`), and an
agonist/antagonist pair, on one side, over that side's cycles; two channels on different sides compare the
repetitions :meth:`Measures.paired` gives (the sides' cycles paired by their typical lag).

Every value is a reduction over an interval of samples, read piece by piece
from the store (:func:`emgkit.analysis.store.pieces`), so the same code serves
records in memory and records streamed through a scratch file.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from ..noise_floor import subtract_floor
from .store import pieces

__all__ = ["Measures", "Reps", "measure", "burst_values", "AMPLITUDE_METRICS", "FRAGMENTED", "SNR_GAP_DB"]

AMPLITUDE_METRICS = ("mean", "peak", "rms", "iemg", "active_pct", "clipped_pct")
CC_METRICS = ("cci_falconer", "cci_rudolph", "common_area", "ratio", "antagonist_share", "overlap_pct")
FRAGMENTED = 1.5  # more bursts per repetition than this: activity broken up by the detector (low SNR), timing flags become notices
SNR_GAP_DB = 6.0  # bursts whose SNR differs more than this between two channels: their timing difference may be detection bias


@dataclass(frozen=True)
class Measures:
    """Per-repetition values.

    Attributes
    ----------
    values : dict of str -> ndarray, shape (n_channels, n_intervals)
        :data:`AMPLITUDE_METRICS` per channel and interval (NaN for an empty interval).
    units : dict of str -> str
    clip_fraction : ndarray, shape (n_channels, n_intervals)
        Share of clipped samples per channel and interval.
    activity : ndarray, shape (n_channels, n_intervals, 2)
        First onset and last offset (s) of the bursts whose midpoint falls in the interval; NaN without bursts.
    burst_count : ndarray of int, shape (n_channels, n_intervals)
    cocontraction : dict
        ``(side, agonist, antagonist)`` -> dict of ``CC_METRICS`` -> ndarray (n_cycles,) and ``"usable"``, over the
        cycles of the pair's side (:meth:`reps_of` of the agonist).
    snr_db : ndarray, shape (n_channels,)
        20 log10(mean burst amplitude / baseline noise); NaN without bursts.
    cycle_side : tuple of str
        Per channel, the cycles it is measured in: ``"L"``/``"R"`` (its side's own, with per-side cycles) or ``""``
        (the shared ones, whose values are ``values`` and ``clip_fraction``).
    by_side : dict of str -> Reps
        Every channel's values over ``"L"``'s and ``"R"``'s own cycles (empty without per-side cycles).
    intervals, samples : ndarray, shape (n_intervals, 2)
        The shared cycles (s, samples), those of ``values``.
    pairs : callable
        ``pairs(key_a, key_b) -> (ka, kb)``: :meth:`emgkit.analysis.segment.Segments.paired`.
    """

    values: dict
    units: dict
    clip_fraction: np.ndarray
    activity: np.ndarray
    burst_count: np.ndarray
    cocontraction: dict
    snr_db: np.ndarray
    cycle_side: tuple = ()
    by_side: dict = field(default_factory=dict)
    intervals: np.ndarray = None
    samples: np.ndarray = None
    pairs: object = None

    def usable(self, *chans) -> np.ndarray:
        """Intervals usable for indices involving these channels: clipped on none beyond the tolerance."""
        return _usable(self.clip_fraction, chans)

    def reps_of(self, c) -> Reps:
        """The per-repetition values channel ``c`` is compared by: its own side's with per-side cycles, else the shared ones."""
        key = self.cycle_side[c] if self.cycle_side else ""
        if key:
            return self.by_side[key]
        return Reps("", self.intervals, self.samples, self.values, self.clip_fraction)

    def paired(self, i, j):
        """Indices ``(ki, kj)`` into the repetitions of channels ``i`` and ``j`` (:meth:`reps_of`) compared with each other.

        One to one when both use the same cycles; two sides' own cycles are paired by their typical lag
        (:meth:`emgkit.analysis.segment.Segments.paired`).
        """
        keys = (self.cycle_side[i], self.cycle_side[j]) if self.cycle_side else ("", "")
        return self.pairs(*keys)


@dataclass(frozen=True)
class Reps:
    """Per-repetition values of every channel over one set of cycles.

    Attributes
    ----------
    key : str
        ``"L"``/``"R"``: that side's own cycles; ``""``: the shared cycles.
    intervals : ndarray, shape (n_intervals, 2)
        The cycles, s.
    samples : ndarray of int, shape (n_intervals, 2)
    values : dict of str -> ndarray, shape (n_channels, n_intervals)
        :data:`AMPLITUDE_METRICS` per channel and cycle (NaN for an empty interval).
    clip_fraction : ndarray, shape (n_channels, n_intervals)
    """

    key: str
    intervals: np.ndarray
    samples: np.ndarray
    values: dict
    clip_fraction: np.ndarray

    def usable(self, *chans) -> np.ndarray:
        """Cycles usable for indices involving these channels: clipped on none beyond the tolerance."""
        return _usable(self.clip_fraction, chans)


def _usable(clip_fraction, chans):
    from .detect import CLIP_TOLERANCE

    ok = np.ones(clip_fraction.shape[1], dtype=bool)
    for c in chans:
        ok &= ~(clip_fraction[c] > CLIP_TOLERANCE)
    return ok


def measure(selection, detection, segments, norm, store, fs) -> Measures:
    """Reduce every channel and agonist/antagonist pair over every interval.

    Parameters
    ----------
    selection, detection, segments, norm
        Earlier stages.
    store : MemoryStore or ScratchStore
        The band-passed signal (RMS) and the envelope are read from it; amplitudes lose the noise floor with the
        capped rule of :func:`emgkit.noise_floor.subtract_floor` (never down to 0), co-contraction uses ``norm.env``.
    fs : float
        Sampling rate, Hz.

    Returns
    -------
    Measures
    """
    values, clip_fraction = _channel_values(detection, segments.samples, norm, store, fs)
    amp = norm.amp_unit
    units = {"mean": amp, "peak": amp, "rms": amp, "iemg": f"{amp}*s", "active_pct": "%", "clipped_pct": "%"}
    activity, burst_count = _activity(detection.activation, segments)
    cycle_side = tuple(segments.cycle_side(ch.side) for ch in selection.channels)
    by_side = {}
    for key in sorted(set(cycle_side) - {""}):
        intervals, samples = segments.cycles_of(key)
        by_side[key] = Reps(key, intervals, samples, *_channel_values(detection, samples, norm, store, fs))
    ms = Measures(values, units, clip_fraction, activity, burst_count, {}, _burst_snr_db(detection), cycle_side, by_side,
                  segments.intervals, segments.samples, segments.paired)
    for p in selection.pairing.agonist_antagonist:
        i, j = selection.index(p.agonist), selection.index(p.antagonist)
        reps = ms.reps_of(i)  # both muscles of a pair are on one side: that side's cycles
        ms.cocontraction[(p.side, p.agonist, p.antagonist)] = _cocontraction(i, j, reps.usable(i, j), detection, reps.samples,
                                                                          norm, store.piece, fs)
    return ms


def _channel_values(detection, samples, norm, store, fs):
    n_ch, n_int = len(norm.floor), len(samples)
    env_sum, env_max, sq_sum = (np.full((n_ch, n_int), np.nan) for _ in range(3))
    for k, (a, b) in enumerate(samples):
        if b <= a:
            continue
        env_sum[:, k] = env_max[:, k] = sq_sum[:, k] = 0.0
        env_max[:, k] = -np.inf
        for p, q in pieces(int(a), int(b), store.piece):
            env = store.env[:, p:q]
            y = store.filtered[:, p:q]
            env_sum[:, k] += env.sum(axis=1)
            env_max[:, k] = np.maximum(env_max[:, k], env.max(axis=1))
            sq_sum[:, k] += np.einsum("ij,ij->i", y, y)
    a, b = samples[:, 0], samples[:, 1]
    length = np.where(b > a, b - a, np.nan)
    n_active = np.array([detection.active.count(c, a, b) for c in range(n_ch)], dtype=np.float64)
    n_clipped = np.array([detection.clipped.count(c, a, b) for c in range(n_ch)], dtype=np.float64)
    values = _amplitudes(env_sum, env_max, sq_sum, length, norm.floor[:, None], norm.noise_rms[:, None],
                         norm.amp_scale[:, None], fs)
    values["active_pct"] = 100.0 * n_active / length
    values["clipped_pct"] = 100.0 * n_clipped / length
    return values, n_clipped / length


def _amplitudes(env_sum, env_max, sq_sum, length, floor, noise, scale, fs):
    """``mean``, ``peak``, ``rms`` and ``iemg`` of intervals from their sums, the noise floor removed (capped rule).

    Parameters
    ----------
    env_sum, env_max, sq_sum : ndarray
        Sum and maximum of the envelope and sum of squares of the band-passed signal per interval, recording unit.
    length : ndarray
        Samples per interval (NaN for an empty one).
    floor, noise : float or ndarray
        Envelope floor and band-passed noise RMS (:func:`emgkit.noise_floor.subtract_floor`), broadcast to the sums.
    scale : float or ndarray
        Factor to amplitude units.
    fs : float
        Sampling rate, Hz (``iemg`` in unit*s).
    """
    mean = subtract_floor(env_sum / length, floor)
    return {
        "mean": mean * scale,
        "peak": subtract_floor(env_max, floor) * scale,
        "rms": subtract_floor(np.sqrt(sq_sum / length), noise) * scale,
        "iemg": mean * length / fs * scale,
    }


def _activity(act, segments):
    """First onset and last offset of the bursts of each interval (a burst belongs to the interval holding its midpoint)."""
    n_ch, n_int = act.n_channels, len(segments.intervals)
    activity = np.full((n_ch, n_int, 2), np.nan)
    count = np.zeros((n_ch, n_int), dtype=np.int64)
    t0, t1 = segments.intervals[:, 0], segments.intervals[:, 1]
    empty = segments.samples[:, 1] <= segments.samples[:, 0]
    for c in range(n_ch):
        ons, offs = act.onsets[c], act.offsets[c]
        mid = 0.5 * (ons + offs)  # onsets may precede the cycle start
        lo, hi = np.searchsorted(mid, t0, side="left"), np.searchsorted(mid, t1, side="left")
        count[c] = np.where(empty, 0, hi - lo)
        has = count[c] > 0
        activity[c, has, 0] = ons[lo[has]]
        activity[c, has, 1] = offs[hi[has] - 1]
    return activity, count


def _cocontraction(i, j, usable, detection, samples, norm, piece, fs):
    from .. import cocontraction as cc

    out = {m: np.full(len(samples), np.nan) for m in CC_METRICS}
    out["usable"] = usable
    ks = np.flatnonzero(usable & (samples[:, 1] > samples[:, 0]))
    for k, sums in zip(ks, norm.cc_sums((i, j), samples[ks], detection.active, piece)):
        for m, v in cc.indices_from_sums(sums, fs).items():
            out[m][k] = v
    return out


def _burst_snr_db(detection):
    noise = detection.quality["baseline_noise"].to_numpy(float)
    act = detection.activation
    snr = np.full(act.n_channels, np.nan)
    for c in range(act.n_channels):
        amp = act.mean_amplitude[c]
        if amp.size and noise[c] > 0:
            snr[c] = 20 * math.log10(float(np.mean(amp)) / noise[c])
    return snr


def matched_bursts(i, j, detection, segments, ms):
    """Matched bursts of channels ``i`` and ``j`` as rows ``(onset_a, offset_a, onset_b, offset_b, interval)`` and the unpaired count.

    With repetitions, each interval's activity period of one channel is matched
    with the other's; without, bursts are matched by largest overlap.
    """
    if segments.n_kept:
        a, b = ms.activity[i], ms.activity[j]
        fa, fb = np.isfinite(a[:, 0]), np.isfinite(b[:, 0])
        both = np.flatnonzero(fa & fb)
        rows = np.column_stack([a[both, 0], a[both, 1], b[both, 0], b[both, 1], both.astype(np.float64)])
        return rows, int(np.count_nonzero(fa ^ fb))
    act = detection.activation
    oa, fa = act.onsets[i], act.offsets[i]
    ob, fb = act.onsets[j], act.offsets[j]
    out, used, unpaired = [], set(), 0
    for x in range(len(oa)):
        overlap = np.minimum(fa[x], fb) - np.maximum(oa[x], ob)
        cand = [y for y in np.argsort(-overlap) if overlap[y] > 0 and y not in used]
        if cand:
            y = int(cand[0])
            used.add(y)
            out.append((oa[x], fa[x], ob[y], fb[y], 0))
        else:
            unpaired += 1
    unpaired += len(ob) - len(used)
    return np.asarray(out, dtype=np.float64).reshape(-1, 5), unpaired


def burst_values(c, detection, norm, store, fs) -> dict:
    """Amplitudes of every burst of channel ``c``, each over its own samples (for burst-matched comparisons).

    Parameters
    ----------
    c : int
        Channel index.
    detection, norm
        Earlier stages: the bursts (:attr:`Detection.activation`), the noise floor and amplitude scale.
    store : MemoryStore or ScratchStore
        The envelope and band-passed signal are read from it piece by piece.
    fs : float
        Sampling rate, Hz.

    Returns
    -------
    dict of str -> ndarray, shape (n_bursts,)
        ``mean``, ``peak``, ``rms``, ``iemg`` as the per-repetition :data:`AMPLITUDE_METRICS` (noise floor removed,
        amplitude unit; ``iemg`` in unit*s), ``duration_s`` (s) and ``clipped`` (share of clipped samples), one
        value per burst.
    """
    starts, stops = detection.activation.runs(c, fs, store.shape[1])
    n_b = len(starts)
    env_sum, env_max, sq_sum = np.zeros(n_b), np.full(n_b, -np.inf), np.zeros(n_b)
    for k in range(n_b):
        for p, q in pieces(int(starts[k]), int(stops[k]), store.piece):
            env = store.env[c, p:q]
            y = store.filtered[c, p:q]
            env_sum[k] += float(env.sum())
            env_max[k] = max(env_max[k], float(env.max()))
            sq_sum[k] += float(np.dot(y, y))
    length = np.where(stops > starts, stops - starts, np.nan).astype(np.float64)
    values = _amplitudes(env_sum, np.where(np.isfinite(length), env_max, np.nan), sq_sum, length, float(norm.floor[c]),
                         float(norm.noise_rms[c]), float(norm.amp_scale[c]), fs)
    values["duration_s"] = length / fs
    values["clipped"] = detection.clipped.count(c, starts, stops) / length
    return values
