"""The result of onset/offset detection: bursts per channel, thresholds, baselines and reasons."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from emgkit._checks import check_fs
from emgkit.channels import Channel
from emgkit.errors import InvalidInputError

__all__ = ["Activation", "Baseline", "PerChannel"]


@dataclass(frozen=True)
class Baseline:
    """The rest period a channel's threshold was computed from.

    Attributes
    ----------
    start_s, stop_s : float
        The rest window, in s from the start of the record.
    source : {"user", "auto"}
        ``"user"``: the interval passed as ``baseline``; ``"auto"``: the
        quietest window of the detection statistic.
    level, spread : float
        Location and scale of the detection statistic in that window (mean
        and SD, or median and 1.4826 MAD), in the statistic's unit.
    note : str
        Anything adjusted (e.g. a zero spread floored at the quantisation step).
    """

    start_s: float
    stop_s: float
    source: str
    level: float
    spread: float
    note: str = ""

    def __str__(self):
        how = "given rest" if self.source == "user" else "auto: quietest window"
        return f"{how} {self.start_s:.3f}-{self.stop_s:.3f} s" + (f" ({self.note})" if self.note else "")


class PerChannel(Sequence):
    """Read-only per-channel values, indexed by position or by channel name.

    ``act.onsets[0]`` and ``act.onsets["L biceps_brachii"]`` are the same array.
    """

    def __init__(self, names, values):
        self._names = list(names)
        self._values = tuple(values)
        if len(self._names) != len(self._values):
            raise InvalidInputError(f"{len(self._values)} values for {len(self._names)} channels")

    def __getitem__(self, key):
        if isinstance(key, str):
            try:
                return self._values[self._names.index(key)]
            except ValueError:
                raise KeyError(f"no channel named {key!r}; channels are {self._names}") from None
        if isinstance(key, Channel):
            return self[key.name]
        return self._values[key]

    def __len__(self):
        return len(self._values)

    def keys(self):
        """Channel names, in order."""
        return list(self._names)

    def items(self):
        """``(channel name, value)`` pairs, in order."""
        return list(zip(self._names, self._values))

    def __repr__(self):
        return "PerChannel({" + ", ".join(f"{n!r}: {v!r}" for n, v in self.items()) + "})"


class Activation:
    """Muscle activity bursts per channel, with how they were found.

    Made by :func:`emgkit.detect_activation` and
    :func:`emgkit.activation.detect`; not usually built by hand.

    Attributes
    ----------
    onsets, offsets : PerChannel of ndarray
        ``onsets[c]`` and ``offsets[c]`` are 1-D float64 arrays in s for
        channel ``c`` (index or name): sorted, the same length, each onset
        before its offset.  A burst covers ``[onset, offset)``.
    channels : list of Channel
    fs : float
        Sampling rate of the signal the bursts were detected on, Hz.
    n_samples : int
        Its length in samples (``duration = n_samples / fs``).
    threshold : ndarray, shape (n_channels,)
        Detection threshold per channel, in the unit of :attr:`statistic`
        (NaN when the channel was not analysed).
    threshold_low : ndarray, shape (n_channels,)
        The lower (localisation) threshold of hysteresis methods; equals
        ``threshold`` for single-threshold methods.
    baseline : PerChannel of Baseline or None
        Rest window and its statistics per channel; None when no baseline
        could be used (see :attr:`reason`).
    reason : PerChannel of str or None
        Why a channel has no bursts (``"flat: ..."``, ``"no rest: ..."``,
        ``"no activity: ..."``), else None.  ``"no rest: the quietest window
        ... was not rest: ..."``: bursts riding on tonic activity were mostly
        missed, so the ones found are withheld (use ``method="tonic"``).
    method : str
        Detector used (``"tkeo"``, ``"hodges"``, ``"bonato"``, ``"tonic"``,
        or the detector ``"auto"`` resolved to, e.g. ``"auto (tkeo-hysteresis)"``).
    statistic : str
        What was thresholded, with its unit.
    options : dict
        Every option in effect, in physical units (ms, s, Hz).
    amplitude_unit : str
        Unit of the ``peak`` and ``mean_amplitude`` burst values.
    peak, mean_amplitude : PerChannel of ndarray
        Per burst: highest and mean value of the amplitude envelope (50 ms
        moving RMS of the conditioned signal, or the given envelope).
    clipped : PerChannel of ndarray
        Per burst: fraction of its samples in clipped runs (0 when none).
    notes : PerChannel of tuple of str
        Per channel: warnings that did not stop detection (clipping, dropouts).
    """

    def __init__(self, *, channels, fs, n_samples, onsets, offsets, threshold, threshold_low, baseline, reason,
                 method, statistic, options, amplitude_unit, peak, mean_amplitude, clipped=None, notes=None):
        self.channels = list(channels)
        names = [c.name for c in self.channels]
        self.fs = check_fs(fs)
        self.n_samples = int(n_samples)
        n = len(names)
        onsets = [np.asarray(v, dtype=np.float64).reshape(-1) for v in onsets]
        offsets = [np.asarray(v, dtype=np.float64).reshape(-1) for v in offsets]
        for name, on, off in zip(names, onsets, offsets):
            if on.shape != off.shape or np.any(on >= off) or np.any(np.diff(on) <= 0) or np.any(on[1:] < off[:-1]):
                raise InvalidInputError(f"channel {name!r}: onsets and offsets must be sorted, paired and non-overlapping")
        self.onsets = PerChannel(names, onsets)
        self.offsets = PerChannel(names, offsets)
        self.threshold = np.asarray(threshold, dtype=np.float64).reshape(n)
        self.threshold_low = np.asarray(threshold_low, dtype=np.float64).reshape(n)
        self.baseline = PerChannel(names, baseline)
        self.reason = PerChannel(names, reason)
        self.method = str(method)
        self.statistic = str(statistic)
        self.options = dict(options)
        self.amplitude_unit = str(amplitude_unit)
        self.peak = PerChannel(names, [np.asarray(v, dtype=np.float64) for v in peak])
        self.mean_amplitude = PerChannel(names, [np.asarray(v, dtype=np.float64) for v in mean_amplitude])
        if clipped is None:
            clipped = [np.zeros(len(v)) for v in onsets]
        self.clipped = PerChannel(names, [np.asarray(v, dtype=np.float64) for v in clipped])
        self.notes = PerChannel(names, [tuple(v) for v in (notes or [()] * n)])

    # -- views --------------------------------------------------------------------
    @property
    def channel_names(self) -> list[str]:
        return [c.name for c in self.channels]

    @property
    def n_channels(self) -> int:
        return len(self.channels)

    @property
    def duration(self) -> float:
        """Length of the analysed record in s."""
        return self.n_samples / self.fs

    @property
    def n_bursts(self) -> np.ndarray:
        """Number of bursts per channel, shape (n_channels,)."""
        return np.array([len(v) for v in self.onsets], dtype=np.int64)

    def durations(self, channel) -> np.ndarray:
        """Burst durations of one channel (index or name), s."""
        return self.offsets[channel] - self.onsets[channel]

    def mask(self, fs=None, n=None) -> np.ndarray:
        """Boolean activity mask, shape (n_channels, n).

        Parameters
        ----------
        fs : float > 0, optional
            Rate of the mask in Hz (default: the detection rate :attr:`fs`).
        n : int >= 0, optional
            Samples per channel (default: the record length at ``fs``).

        Returns
        -------
        ndarray of bool
            ``mask[c, k]`` is True when ``onset <= k / fs < offset`` for a
            burst of channel ``c``.

        Examples
        --------
        >>> import numpy as np
        >>> from emgkit.activation import detect
        >>> env = np.r_[np.ones(1000), 10 * np.ones(500), np.ones(1000)] + 0.01 * np.sin(np.arange(2500))
        >>> act = detect(env, fs=1000, baseline=(0.0, 0.8))
        >>> m = act.mask()
        >>> m.shape, int(m.sum())
        ((1, 2500), 500)
        """
        fs = self.fs if fs is None else check_fs(fs)
        if n is None:
            n = int(round(self.duration * fs))
        if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 0:
            raise InvalidInputError(f"n must be a non-negative number of samples, got {n!r}")
        out = np.zeros((self.n_channels, int(n)), dtype=bool)
        for c in range(self.n_channels):
            for a, b in zip(*self.runs(c, fs, n)):
                out[c, a:b] = True
        return out

    def runs(self, c, fs, n):
        """Bursts of channel ``c`` as sample runs ``(starts, stops)`` at rate ``fs`` in a record of ``n`` samples.

        Sample ``k`` is in a run when ``onset <= k / fs < offset`` (the rows of :meth:`mask`).
        """
        # first sample k with k / fs >= t
        starts = np.clip(np.ceil(self.onsets[c] * fs - 1e-9).astype(np.int64), 0, n)
        stops = np.clip(np.ceil(self.offsets[c] * fs - 1e-9).astype(np.int64), 0, n)
        return starts, stops

    def to_frame(self):
        """Tidy table of bursts, one row per burst.

        Returns
        -------
        pandas.DataFrame
            Columns ``channel, muscle, side, burst`` (1-based within the
            channel), ``onset_s, offset_s, duration_s``, ``peak`` and
            ``mean_amplitude`` (in :attr:`amplitude_unit`), ``clipped``
            (fraction of the burst in clipped runs).  Channels without bursts
            have no rows (see :meth:`summary`).
        """
        import pandas as pd

        cols = {k: [] for k in ("channel", "muscle", "side", "burst", "onset_s", "offset_s", "duration_s",
                                "peak", "mean_amplitude", "clipped")}
        for c, ch in enumerate(self.channels):
            k = len(self.onsets[c])
            cols["channel"] += [ch.name] * k
            cols["muscle"] += [ch.muscle] * k
            cols["side"] += [ch.side] * k
            cols["burst"] += list(range(1, k + 1))
            cols["onset_s"] += self.onsets[c].tolist()
            cols["offset_s"] += self.offsets[c].tolist()
            cols["duration_s"] += (self.offsets[c] - self.onsets[c]).tolist()
            cols["peak"] += self.peak[c].tolist()
            cols["mean_amplitude"] += self.mean_amplitude[c].tolist()
            cols["clipped"] += self.clipped[c].tolist()
        frame = pd.DataFrame(cols)
        frame = frame.astype({"burst": "int64", "onset_s": "float64", "offset_s": "float64", "duration_s": "float64",
                              "peak": "float64", "mean_amplitude": "float64", "clipped": "float64"})
        frame.attrs.update({"method": self.method, "amplitude_unit": self.amplitude_unit, "fs": self.fs})
        return frame

    def summary(self):
        """One row per channel: bursts, threshold, baseline and reason.

        Returns
        -------
        pandas.DataFrame
            Columns ``channel, muscle, side, n_bursts, active_s, threshold,
            threshold_low, baseline_source, baseline_start_s, baseline_stop_s,
            baseline_level, baseline_spread, reason, notes``.
        """
        import pandas as pd

        rows = []
        for c, ch in enumerate(self.channels):
            b = self.baseline[c]
            rows.append({
                "channel": ch.name,
                "muscle": ch.muscle,
                "side": ch.side,
                "n_bursts": len(self.onsets[c]),
                "active_s": float(np.sum(self.offsets[c] - self.onsets[c])),
                "threshold": self.threshold[c],
                "threshold_low": self.threshold_low[c],
                "baseline_source": b.source if b else None,
                "baseline_start_s": b.start_s if b else np.nan,
                "baseline_stop_s": b.stop_s if b else np.nan,
                "baseline_level": b.level if b else np.nan,
                "baseline_spread": b.spread if b else np.nan,
                "reason": self.reason[c],
                "notes": "; ".join(self.notes[c]),
            })
        return pd.DataFrame(rows)

    def __repr__(self):
        parts = []
        for c, name in enumerate(self.channel_names[:6]):
            reason = self.reason[c]
            parts.append(f"{name}: {len(self.onsets[c])}" + (f" ({reason.split(':')[0]})" if reason else ""))
        more = ", ..." if self.n_channels > 6 else ""
        return f"<Activation {self.method}, {self.n_channels} ch, {self.duration:.2f} s: {', '.join(parts)}{more}>"
