"""The walk of the detector over a chunked source: screen, rest, thresholds, test, amplitudes.

The record is walked in cores (one core for a record in memory); every
piece is read with margins (:mod:`._signals`).  The passes:

1. every piece: the screen of the raw samples (:class:`._screen.Screen`),
   and block means and maximum of the reference statistic;
2. the rest windows (the user's, or the quietest), measured; thresholds (or
   Bonato's whitening) per channel;
3. every piece again: the detector's test with its state carried across
   pieces (hysteresis, or Bonato's r0-of-m), then runs merged and filtered,
   and an automatic rest window checked for activity (:mod:`._rhythm`);
4. the pieces holding bursts: their amplitudes.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from emgkit._notes import warn
from emgkit.clipping import adc_limits
from emgkit.errors import InvalidInputError

from . import _baseline as bl
from ._baseline import EDGE_S, judge
from ._methods import low_rate_note, window_length
from ._result import Activation
from ._rhythm import missed_rhythm, tonic_levels
from ._screen import Screen, covered, quantisation_step
from ._signals import SCREEN_BLOCK, Signals, cores

AMPLITUDE_WINDOW_MS = 50.0  # moving RMS giving each burst's peak amplitude


@dataclass(frozen=True)
class Plan:
    """What one detection computes: the statistic ``kind``, its options and how the result describes it."""

    kind: str  # "tkeo", "rectified", "bonato" (raw EMG) or "envelope" (a given envelope)
    robust: bool
    power: int  # the statistic scales with amplitude ** power
    opts: dict
    label: str  # Activation.method
    statistic: str  # Activation.statistic
    edge_s: float  # filter transient kept out of automatic baselines, s
    tracking: str = "rise"  # a tracked rest level only raises thresholds ("rise") or scales them both ways ("follow")


def run(source, channels, unit, meta, plan, baseline, chunk, notes, filtered=None, clipped=None, screen=None) -> Activation:
    """Detection of ``plan`` over ``source`` in pieces of ``chunk`` samples (None: one piece); see the module.

    ``screen``: a :class:`._screen.Screen` the caller already fed every raw
    sample (with ``clipped`` runs given): the raw samples are not screened again.
    """
    from ._bonato import Bonato
    from ._threshold import SpreadFloor, Threshold, envelope_floor

    fs, n, opts = float(source.fs), int(source.n_samples), plan.opts
    names = [c.name for c in channels]
    envelope = plan.kind == "envelope"
    user = bl.parse_user_baseline(baseline, names, n / fs)
    check_length(n, fs, opts, user, plan.edge_s)
    block = bl.block_length(opts["baseline_s"], fs)
    core = core_length(n, chunk, block, even=plan.kind == "bonato")
    signals = Signals(source, filtered, plan.kind, fs, opts.get("band_hz"), opts.get("lowpass_hz"),
                      window_length(opts.get("window_ms"), fs), block)
    if signals.band is not None and low_rate_note(fs):
        warn(low_rate_note(fs), notes)

    fed = screen is not None
    if fed:
        screen.use_clipped(clipped)
    else:
        screen = Screen(len(names), n, fs, None if envelope else adc_limits(meta, names), clipped, runs=not envelope)
    means, peak = _scan_reference(signals, None if fed else screen, core, block)
    screened = screen.finish(names, fs, source, core)
    if envelope:
        _check_non_negative(screen.lo, names)
    else:
        warn_clipping(screened.clipped_fraction(n), names, notes)
    _exclude_blocks(means, block, screened.exclude)
    windows = bl.pick_windows(means, block, n, fs, user, plan.edge_s)

    quant = Quantisation(lambda c: quantisation_step(source, c, core, None if envelope else meta.get("adc")))
    if plan.kind == "bonato":
        detector = Bonato(signals, opts, quant)
    else:
        floor = envelope_floor(quant) if envelope else SpreadFloor(plan.kind, plan.power, fs, opts, quant, plan.robust)
        detector = Threshold(signals, opts, plan.robust, floor, core, names, notes, follow=plan.tracking == "follow")
    results = detector.calibrate(windows, means, block, peak, screened.flat)
    if plan.kind == "bonato":
        signals.forget("ref")  # y^2 served the rest search only
    for a, b in cores(n, core):
        detector.scan(a, b, signals.piece(a, b, detector.margin))
    power = 2 if plan.kind in ("tkeo", "bonato") else 1  # of the statistic the block means are of
    checked = [results[c]["reason"] is None and user[c] is None and plan.tracking == "rise" for c in range(len(names))]
    tonic = tonic_levels(means, block, fs) if any(checked) else None
    for c, (starts, stops) in enumerate(detector.runs()):
        if checked[c]:
            results[c]["reason"] = missed_rhythm(means[c], block, fs, windows[c], starts, stops, detector.rate, power,
                                                 tonic[c])
        if results[c]["reason"] is None:
            judge(results[c], starts, stops, max(n // detector.rate, 1), user[c] is None)

    onsets = [np.asarray(r["starts"], dtype=np.int64) * detector.rate for r in results]
    offsets = [np.minimum(np.asarray(r["stops"], dtype=np.int64) * detector.rate, n) for r in results]
    amplitudes = _envelope_amplitudes if envelope else _burst_amplitudes
    peaks, means_amp = amplitudes(signals, onsets, offsets, core)
    clip_fr = [covered(s, e, *screened.clipped[c]) / np.maximum(e - s, 1) for c, (s, e) in enumerate(zip(onsets, offsets))]
    return assemble(results, onsets, offsets, peaks, means_amp, channels, fs, n, plan.label, plan.statistic, opts,
                    unit, clip_fr, screened.notes)


def _scan_reference(signals, screen, core, block):
    """Pass 1: the screen of every core (unless ``screen`` is None), and block means and maximum of the reference statistic per channel."""
    n = signals.n
    k = n // block
    means, peak = None, None
    for a, b in cores(n, core):
        piece = signals.piece(a, b, signals.stat_margin)
        if screen is None:  # screened already
            pass
        elif signals.filtered is None:  # the raw piece is read for its band-pass anyway
            screen.add(a, piece.raw[:, a - piece.lo : b - piece.lo])
            piece.forget("raw")
        else:  # only screened: small reads
            for s, e in cores(b - a, SCREEN_BLOCK):
                screen.add(a + s, signals.source.read(a + s, a + e))
        for s, ref in piece.parts(a, b, ordered=False):
            if means is None:
                means, peak = np.empty((ref.shape[0], k)), np.full(ref.shape[0], -np.inf)
            peak = np.maximum(peak, ref.max(axis=1))
            first, m = s // block, (min(s + ref.shape[1], k * block) - s) // block
            if m > 0:
                means[:, first : first + m] = ref[:, : m * block].reshape(-1, m, block).mean(axis=2, dtype=np.float64)
    return means, peak


def _exclude_blocks(means, block, exclude):
    """Set to NaN the block means touching any run of ``exclude`` (clipping, dropouts): never rest."""
    k = means.shape[1]
    for c, (starts, stops) in enumerate(exclude):
        inside = starts // block < k
        touched = np.zeros(k + 1, np.int64)
        np.add.at(touched, starts[inside] // block, 1)
        np.add.at(touched, np.minimum(k, (stops[inside] - 1) // block + 1), -1)
        means[c, np.cumsum(touched[:k]) > 0] = np.nan


def _burst_amplitudes(signals, onsets, offsets, core):
    """Peak 50 ms moving RMS and RMS of the band-passed signal over each burst, piece by piece."""
    from emgkit.kernels import burst_rms

    window = max(1, int(round(AMPLITUDE_WINDOW_MS * 1e-3 * signals.fs)))
    best = [np.zeros(s.size) for s in onsets]
    power = [np.zeros(s.size) for s in onsets]
    for a, b, piece, hits in _pieces_with_bursts(signals, onsets, offsets, core, signals.band_margin + window):
        chan = np.concatenate([np.full(idx.size, piece.at(c), np.int64) for c, idx in hits])
        i0 = np.concatenate([np.maximum(onsets[c][idx], a) for c, idx in hits])
        i1 = np.concatenate([np.minimum(offsets[c][idx], b) for c, idx in hits])
        peak, mean = burst_rms(piece.y, chan, i0 - piece.lo, i1 - piece.lo, window)
        at = 0
        for c, idx in hits:
            part = slice(at, at + idx.size)
            best[c][idx] = np.maximum(best[c][idx], peak[part])
            power[c][idx] += mean[part] ** 2 * (i1[part] - i0[part])
            at += idx.size
    return best, [np.sqrt(p / np.maximum(e - s, 1)) for p, s, e in zip(power, onsets, offsets)]


def _envelope_amplitudes(signals, onsets, offsets, core):
    """Highest and mean value of the thresholded envelope within each burst."""
    best = [np.full(s.size, -np.inf) for s in onsets]
    total = [np.zeros(s.size) for s in onsets]
    for a, b, piece, hits in _pieces_with_bursts(signals, onsets, offsets, core, signals.stat_margin):
        for c, idx in hits:
            row = piece.test[piece.at(c)]
            for i in idx:
                seg = row[max(onsets[c][i], a) - piece.lo : min(offsets[c][i], b) - piece.lo]
                best[c][i] = max(best[c][i], float(seg.max()))
                total[c][i] += float(seg.sum(dtype=np.float64))
    return best, [t / np.maximum(e - s, 1) for t, s, e in zip(total, onsets, offsets)]


def _pieces_with_bursts(signals, onsets, offsets, core, margin):
    """Yield ``(a, b, piece, hits)`` for the cores holding bursts; ``hits`` lists ``(channel, burst indices)``."""
    for a, b in cores(signals.n, core):
        hits = [(c, np.flatnonzero((s < b) & (offsets[c] > a))) for c, s in enumerate(onsets)]
        hits = [(c, idx) for c, idx in hits if idx.size]
        if hits:
            yield a, b, signals.piece(a, b, margin, rows=[c for c, _ in hits]), hits


# -- checks and helpers ---------------------------------------------------------------------------------------
# -- checks and helpers ---------------------------------------------------------------------------------------
def core_length(n, chunk, block, *, even=False):
    """Samples per piece: the whole record for ``chunk=None``, else whole rest-search blocks (an even number if asked)."""
    if chunk is None:
        return max(n, 1)
    if isinstance(chunk, bool) or not isinstance(chunk, (int, np.integer)) or chunk < 1:
        raise InvalidInputError(f"chunk must be a positive number of samples, got {chunk!r}")
    if chunk >= n:
        return max(n, 1)
    unit = 2 * block if even and block % 2 else block
    return max(unit, int(chunk) // unit * unit)


def check_length(n, fs, opts, user, edge_s=EDGE_S):
    """InvalidInputError for a record too short for the rest search (or the band-pass)."""
    duration = n / fs
    if any(u is None for u in user):
        need = opts["baseline_s"] + 2 * edge_s
        if duration < need:
            raise InvalidInputError(
                f"the record lasts {duration:.3f} s ({n} samples), shorter than the {opts['baseline_s']:g} s automatic "
                f"rest window plus {edge_s:g} s filter edges at each end ({need:.3f} s); pass a longer record, "
                "a shorter baseline_s, or baseline=(start_s, stop_s)"
            )
    if opts.get("band_hz") is not None and n < 64:
        raise InvalidInputError(
            f"the record has {n} samples; the band-pass filter needs at least 64 ({64 / fs:.3f} s at {fs:g} Hz)"
        )


def _check_non_negative(lowest, names):
    if np.any(lowest < 0):
        c = int(np.argmax(lowest < 0))
        raise InvalidInputError(
            f"an envelope must be non-negative; channel {names[c]!r} has values down to {lowest[c]:.3g}. "
            "Rectify and smooth the signal first, or pass the raw signal with conditioned=False"
        )


def warn_clipping(fractions, names, notes=None):
    """Report channels with more than 0.1 % of their samples (``fractions``) in clipped runs."""
    bad = [f"{names[c]!r} ({100 * fractions[c]:.2g} %)" for c in np.flatnonzero(fractions > 1e-3)]
    if bad:
        warn(f"clipped samples in {', '.join(bad)}: amplitudes there are biased; clipped runs are kept out of the "
             "baseline, and each burst reports its clipped fraction", notes)


class Quantisation:
    """Quantisation step per channel, ``step(c)``, computed only when a zero-spread baseline needs it."""

    def __init__(self, step):
        self.step, self.cache = step, {}

    def __call__(self, c):
        if c not in self.cache:
            self.cache[c] = self.step(c)
        return self.cache[c]


def assemble(found, onsets, offsets, peaks, means, channels, fs, n, method, statistic, opts, unit, clip_fr, notes):
    """The :class:`Activation` of per-channel results, bursts in samples and burst amplitudes."""
    opts = {k: (list(v) if isinstance(v, tuple) else v) for k, v in opts.items()}
    return Activation(
        channels=channels, fs=fs, n_samples=n, onsets=[s / fs for s in onsets], offsets=[e / fs for e in offsets],
        threshold=[r["threshold"] for r in found], threshold_low=[r["threshold_low"] for r in found],
        baseline=[r["baseline"] for r in found], reason=[r["reason"] for r in found], method=method,
        statistic=statistic, options=opts, amplitude_unit=unit, peak=peaks, mean_amplitude=means, clipped=clip_fr,
        notes=notes,
    )
