"""Screening of raw channels, piece by piece: non-finite samples, flat channels, dropouts, clipping.

:class:`Screen` is fed the record's cores in order and keeps only what the
detector needs: per-channel extremes, the count and first index of
non-finite samples, runs of identical samples long enough to be dropouts
(constant for >= 50 ms: never a rest baseline) and the statistics of the
one clipping definition (:mod:`emgkit.clipping`), whose clipped runs come
from a second read of the raw record unless the caller already has them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from emgkit import clipping
from emgkit.errors import InvalidInputError

DROPOUT_MIN_S = 0.05  # constant runs this long are dropouts / digital silence, never a rest baseline
BLOCK = clipping.DEFAULT_CHUNK  # samples per push into the clipping statistics


@dataclass(frozen=True)
class Screened:
    """What the screen found, per channel.

    Attributes
    ----------
    flat : ndarray of bool, shape (n_channels,)
        The channel is constant.
    clipped : list of (starts, stops)
        Clipped runs (int64 sample indices, sorted, disjoint).
    exclude : list of (starts, stops)
        Runs never used as rest: clipped runs and dropouts.
    notes : list of list of str
    """

    flat: np.ndarray
    clipped: list
    exclude: list
    notes: list

    def clipped_fraction(self, n):
        """Share of each channel's ``n`` samples in clipped runs."""
        return np.array([run_total(*runs) / n for runs in self.clipped])


class Screen:
    """The screen of a record fed core by core.

    Parameters
    ----------
    n_channels, n_samples : int
    fs : float
        Sampling rate, Hz.
    adc_limits : ndarray, shape (n_channels, 2), optional
        Converter limits per channel (NaN: unknown; :func:`emgkit.clipping.adc_limits`).
    clipped : list of (starts, stops), optional
        Clipped runs the caller already found with :mod:`emgkit.clipping`:
        used as given (no clipping statistics are kept).
    runs : bool, default True
        Look for clipping and dropouts (False: extremes and non-finite
        samples only, for an envelope).
    clipped_later : bool, default False
        The clipped runs will be given with :meth:`use_clipped` before
        :meth:`finish` (a conditioning pass that screens the raw samples
        while it finds them): no clipping statistics are kept.
    """

    def __init__(self, n_channels, n_samples, fs, adc_limits=None, clipped=None, *, runs=True, clipped_later=False):
        from emgkit.kernels import equal_runs_state

        self.n, self.adc, self.given, self.find_runs = int(n_samples), adc_limits, clipped, runs
        self.shape = (int(n_channels), int(n_samples))
        self.min_dropout = dropout_samples(fs) if runs else int(n_samples) + 1
        self.state = equal_runs_state(n_channels)  # its stats hold the extremes and NaN/inf counts
        self.clip_stats = clipping.StatsScan(n_channels) if runs and clipped is None and not clipped_later else None
        self.runs = [[] for _ in range(n_channels)]  # constant runs >= min_dropout, arrays (k, 2)

    def use_clipped(self, clipped) -> None:
        """The clipped runs found by the caller (per channel ``(starts, stops)``), used by :meth:`finish`."""
        self.given = clipped

    @property
    def lo(self):
        """Minimum of each channel's finite samples so far."""
        return self.state[2][:, 0]

    @property
    def hi(self):
        """Maximum of each channel's finite samples so far."""
        return self.state[2][:, 1]

    def add(self, a, x):
        """Samples ``a : a + x.shape[1]`` of every channel (the next core)."""
        from emgkit.kernels import equal_runs

        counts, starts, stops, _ = equal_runs(x, a, self.state, self.min_dropout, final=a + x.shape[1] == self.n)
        for c in np.flatnonzero(counts):
            self.runs[c].append(np.c_[starts[c, : counts[c]], stops[c, : counts[c]]])
        if self.clip_stats is not None:
            for b in range(0, x.shape[1], BLOCK):
                self.clip_stats.push(x[:, b : b + BLOCK])

    def finish(self, names, fs, source, core) -> Screened:
        """The screen of the whole record (clipping read again from ``source``, ``core`` samples at most, unless given).

        Raises InvalidInputError naming the channel and first sample of any NaN/inf.
        """
        bad_count, bad_first = self.state[2][:, 2].astype(np.int64), self.state[2][:, 3].astype(np.int64)
        rows = np.flatnonzero(bad_count).tolist()
        if rows:
            raise nonfinite_error(names, rows, bad_count[rows[:5]].tolist(), bad_first[rows[:5]].tolist())
        flat = self.lo == self.hi
        empty = (np.zeros(0, np.int64), np.zeros(0, np.int64))
        if self.given is not None:
            given = [tuple(np.asarray(v, np.int64) for v in runs) for runs in self.given]
        elif self.clip_stats is not None:
            given = clipping.scan(source, self.adc, stats=self.clip_stats.result(), chunk=min(BLOCK, core))[1]
        else:
            given = [empty] * len(names)
        clipped, exclude, notes = [], [], []
        for c, found in enumerate(self.runs):
            clip = empty if flat[c] else given[c]
            constant = as_runs(np.concatenate(found)) if found and not flat[c] else empty
            drop = as_runs(np.c_[constant][covered(*constant, *clip) < constant[1] - constant[0]])
            pairs = np.r_[np.c_[clip[0], clip[1]], np.c_[drop[0], drop[1]]]
            clipped.append(clip)
            exclude.append(as_runs(pairs[np.argsort(pairs[:, 0], kind="stable")]))
            notes.append(screen_notes(run_total(*clip), run_total(*drop), self.n, fs))
        return Screened(flat, clipped, exclude, notes)


def as_runs(pairs):
    """``(starts, stops)`` int64 arrays from rows ``(start, stop)``."""
    arr = np.asarray(pairs, dtype=np.int64).reshape(-1, 2)
    return arr[:, 0].copy(), arr[:, 1].copy()


def run_total(starts, stops):
    """Samples covered by disjoint runs."""
    return int(np.sum(np.asarray(stops) - np.asarray(starts)))


def covered(a, b, starts, stops):
    """Samples of the runs ``starts:stops`` (sorted, disjoint) inside each ``[a[i], b[i])``."""
    if starts.size == 0:
        return np.zeros(np.shape(a), np.int64)
    cum = np.r_[0, np.cumsum(stops - starts)]

    def before(t):  # run samples < t: whole runs before the last one starting before t, and part of that one
        j = np.searchsorted(starts, t, side="left")
        last = np.maximum(j - 1, 0)
        return np.where(j > 0, cum[last] + np.minimum(t, stops[last]) - starts[last], 0)

    return before(np.asarray(b)) - before(np.asarray(a))


def nonfinite_error(names, rows, counts, firsts):
    """The error for NaN/inf samples: channel ``names[rows[i]]`` has ``counts[i]``, the first at ``firsts[i]``."""
    details = [f"{names[r]!r} ({k} samples, first at sample {f})" for r, k, f in zip(rows[:5], counts, firsts)]
    return InvalidInputError(
        f"non-finite samples (NaN/inf) in channel(s) {', '.join(details)}; onset detection needs a gap-free "
        "signal: build the Recording with nonfinite='interpolate' (gaps <= 10 ms) or crop the gap out"
    )


def dropout_samples(fs):
    """Shortest constant run counted as a dropout, in samples."""
    return max(clipping.MIN_RUN + 1, int(round(DROPOUT_MIN_S * fs)))


def screen_notes(n_clipped, n_dropout, n, fs):
    """Notes of one channel with ``n_clipped`` clipped and ``n_dropout`` dropout samples out of ``n``."""
    notes = []
    frac = n_clipped / n
    if frac > 0:
        notes.append(f"clipped: {100 * frac:.2g} % of samples in runs of >= {clipping.MIN_RUN} at a rail "
                     "(a converter limit, or an extreme the signal piles up at)")
    if n_dropout:
        notes.append(
            f"dropouts: {n_dropout / fs:.3g} s of constant signal (runs >= {dropout_samples(fs) / fs * 1e3:.0f} ms) "
            "kept out of the baseline"
        )
    return notes


def quantisation_step(source, c, core, adc=None):
    """Smallest amplitude step of channel ``c``: the ADC scale if known, else the smallest gap between its values.

    The distinct values are gathered core by core (few for quantised data,
    where a digital-silence baseline occurs).
    """
    from emgkit._chunks import blocks

    if adc and adc.get("scale"):
        return abs(float(adc["scale"]))
    values = np.empty(0)
    for blk in blocks(source, core, rows=[c]):
        values = np.union1d(values, blk.data[0])
    return float(np.diff(values).min()) if values.size >= 2 else 0.0
