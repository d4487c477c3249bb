"""Stage 2: condition each channel once (DC removal, band-pass, notch, trunk high-pass, envelope).

The same code conditions the task recording, MVC trials and rest trials, in
memory (one block: the whole record) or streamed (cores of ``chunk`` samples
read with settling margins, :func:`emgkit._chunks.blocks`): every kept sample
sees the neighbourhood it would see in a whole-record zero-phase filter.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .._chunks import blocks, settle_samples
from ..channels import muscle_region
from ..errors import InvalidInputError

__all__ = ["Band", "RawScan", "choose_band", "condition", "settling_margin", "TRUNK_REGIONS"]

TRUNK_REGIONS = ("trunk_front", "trunk_back")
QUALITY_PIECE = 1 << 16  # samples per piece of the quality scan (8 MB per copy for 16 channels: the allocator reuses
#                          them, where whole-record temporaries are fresh memory every time, 0.3-1 s of page faults)


@dataclass(frozen=True)
class Band:
    """Band-pass corners in Hz and the channels high-passed higher against ECG.

    Attributes
    ----------
    low_hz, high_hz : float
        Corners for limb channels (the upper corner may have been lowered below fs/2).
    trunk : tuple of bool
        Per channel: trunk muscle high-passed at ``trunk_low_hz`` instead of ``low_hz``.
    trunk_low_hz : float or None
    notch : tuple of (float, tuple of float)
        Per channel: ``(mains Hz notched with its harmonics or 0, (other line
        Hz, ...))``, notches set because the channel's hum exceeded
        ``filters.hum_max_share`` (:mod:`emgkit.analysis.hum`).  Empty: no
        channel.  ``filters.notch_hz`` notches every channel anyway.
    """

    low_hz: float
    high_hz: float
    trunk: tuple
    trunk_low_hz: float | None
    notch: tuple = ()

    def notched(self, c) -> float:
        """Mains frequency (Hz) at which channel ``c`` is notched for its hum, 0 when it is not."""
        return float(self.notch[c][0]) if c < len(self.notch) else 0.0

    def lines(self, c) -> tuple:
        """Other line frequencies (Hz) notched on channel ``c``."""
        return tuple(self.notch[c][1]) if c < len(self.notch) else ()

    def notch_freqs(self):
        """Every distinct single-frequency notch (other lines) and mains line of the hum notches, Hz."""
        return ({float(m) for m, _ in self.notch if m}, {float(f) for _, lines in self.notch for f in lines})

    @property
    def corners(self) -> tuple:
        return (self.low_hz, self.high_hz)


def choose_band(cfg, fs, channels, notes) -> Band:
    """Band-pass corners for ``channels`` at rate ``fs`` (Hz); the default upper corner is lowered below fs/2 with a note."""
    f = cfg.filters
    high = f.high_hz
    if high >= fs / 2:
        if high == type(f)().high_hz:
            high = math.floor(0.45 * fs)
            notes.add(f"fs = {fs:g} Hz: band-pass upper corner lowered from {f.high_hz:g} to {high:g} Hz (below fs/2)")
        else:
            raise InvalidInputError(f"filters.high_hz={high:g} Hz must be below fs/2 = {fs / 2:g} Hz; use e.g. {0.45 * fs:g}")
    trunk = tuple(bool(f.trunk_low_hz) and muscle_region(c.muscle) in TRUNK_REGIONS for c in channels)
    if any(trunk):
        names = [c.name for c, t in zip(channels, trunk) if t]
        notes.add(f"trunk channels {names} high-passed at {f.trunk_low_hz:g} Hz against ECG (Drake & Callaghan 2006)")
    return Band(float(f.low_hz), float(high), trunk, f.trunk_low_hz)


@dataclass(frozen=True)
class RawScan:
    """What the conditioning passes learnt of the raw samples on the way.

    Attributes
    ----------
    stats : emgkit.clipping.ChannelStats
        Per-channel extremes, mean (the DC level removed), SD and quantisation step.
    clipped : list of (starts, stops)
        Per channel, the clipped runs (:mod:`emgkit.clipping`), sample indices.
    spectra : emgkit.quality.LineSpectra or None
        Welch spectra of the DC-free raw samples for the quality table's
        powerline share, gathered in the conditioning pass (None for an MVC or rest trial).
    screen : emgkit.activation._screen.Screen or None
        The detector's screen of the raw samples (extremes, non-finite
        samples, dropouts), fed in the first pass (None for an MVC or rest trial).
    """

    stats: object
    clipped: list
    spectra: object = None
    screen: object = None


def condition(view, cfg, band, store, chunk, notes, *, task=True) -> RawScan:
    """Condition every channel of ``view`` into ``store``, ``chunk`` samples at a time.

    The raw samples are read twice (once in memory; streamed, the second
    pass reads the store's raw copy written by the first,
    :meth:`~emgkit.analysis.store.ScratchStore.raw_copy`): a first pass gathers
    each channel's statistics (its mean is the DC offset removed before
    filtering; extremes and quantisation step define clipping) and the
    detector's screen, the second conditions each core, finds its clipped
    runs and gathers the Welch spectra of the quality table's powerline
    share, so that no later stage reads the raw samples again.

    Parameters
    ----------
    view : RecordingView
    cfg : Config
    band : Band
        From :func:`choose_band` for these channels.
    store : MemoryStore or ScratchStore
        Receives the band-passed signal and its envelope.
    chunk : int
        Core length in samples; ``>= n_samples`` conditions the record in one block.
    notes : Notes
        Receives the filters' caveats (a rate below 1 kHz).
    task : bool, default True
        Also gather the detector's screen and the powerline spectra (False
        for an MVC or rest trial: no bursts are detected, no quality tabled).

    Returns
    -------
    RawScan
    """
    from ..activation._screen import Screen
    from ..clipping import ClipScan, StatsScan, adc_limits
    from ..quality import LineSpectra

    n = view.n_samples
    source = view.source
    first = StatsScan(view.n_channels)
    adc = adc_limits(view.meta, view.channel_names)
    spectra = LineSpectra(view.n_channels, n, view.fs, piece=min(chunk, QUALITY_PIECE)) if task else None
    screen = Screen(view.n_channels, n, view.fs, adc, clipped_later=True) if task else None
    if chunk >= n:
        x = source.read(0, n)
        first.push(x)
        if screen is not None:
            screen.add(0, x)
        stats = first.result()
        clip = ClipScan(stats, adc)
        clip.push(x)
        x -= stats.mean[:, None]
        for a in range(0, n, QUALITY_PIECE) if spectra is not None else ():
            spectra.push(x[:, a : a + QUALITY_PIECE])
        store.write(0, n, *condition_block(x, cfg, band, view.fs, notes))
        return RawScan(stats, clip.result(), spectra, screen)
    copy = store.raw_copy(view.fs)
    for blk in blocks(source, chunk):
        first.push(blk.data)
        if screen is not None:
            screen.add(blk.a, blk.data)
        if copy is not None:
            copy.write(blk.a, blk.data)
    stats = first.result()
    clip = ClipScan(stats, adc)
    for blk in blocks(source if copy is None else copy, chunk, settling_margin(cfg, band, view.fs)):
        clip.push(blk.data[:, blk.core])
        centred = blk.data - stats.mean[:, None]
        if spectra is not None:
            spectra.push(centred[:, blk.core])
        y, env = condition_block(centred, cfg, band, view.fs, notes)
        store.write(blk.a, blk.b, y[:, blk.core], env[:, blk.core])
    if copy is not None:
        store.drop_raw()
    return RawScan(stats, clip.result(), spectra, screen)


def condition_block(x, cfg, band, fs, notes):
    """Band-passed (and notched) EMG and its envelope from DC-free raw EMG ``x`` (n_channels, n), float64.

    A linear envelope is written over ``x`` when C-contiguous (no fresh memory for it).
    """
    from ..envelope import linear_envelope, rms_envelope
    from ..preprocess import bandpass, notch

    f, e = cfg.filters, cfg.envelope
    trunk = np.asarray(band.trunk, dtype=bool)
    if not trunk.any():
        y = bandpass(x, fs, low=band.low_hz, high=band.high_hz, order=f.order, notes=notes)
    else:
        y = np.empty_like(x)
        if (~trunk).any():
            y[~trunk] = bandpass(x[~trunk], fs, low=band.low_hz, high=band.high_hz, order=f.order, notes=notes)
        y[trunk] = bandpass(x[trunk], fs, low=band.trunk_low_hz, high=band.high_hz, order=f.order, notes=notes)
    if f.notch_hz:
        y = notch(y, fs, freq=f.notch_hz)
    for c, (mains, lines) in enumerate(band.notch):
        if mains:
            y[c] = notch(y[c], fs, freq=mains)
        for line in lines:
            y[c] = notch(y[c], fs, freq=line, harmonics=1)
    if e.method == "linear":
        env = linear_envelope(y, fs, cutoff=e.cutoff_hz, order=e.order, out=x if x.flags.c_contiguous else None)
    else:
        env = rms_envelope(y, fs, window_ms=e.rms_window_ms)
    return y, np.asarray(env, dtype=np.float64)


def settling_margin(cfg, band, fs) -> int:
    """Samples read beyond each core so that band-pass, notch and envelope have settled on it."""
    from scipy.signal import butter

    from ..envelope import winter_correction
    from ..preprocess import notch_sos

    f, e = cfg.filters, cfg.envelope
    lows = [band.low_hz] + ([band.trunk_low_hz] if any(band.trunk) else [])
    total = max(settle_samples(butter(f.order, [low, band.high_hz], btype="band", fs=fs, output="sos")) for low in lows)
    mains, lines = band.notch_freqs()
    worst = 0
    for line in {float(v) for v in (f.notch_hz, *mains) if v}:
        sos, _ = notch_sos(fs, line)
        worst = max(worst, sum(settle_samples(section[None]) for section in sos))  # the notches run one after another
    per_line = [settle_samples(notch_sos(fs, line, 1)[0]) for line in lines]
    total += worst + sum(sorted(per_line, reverse=True)[:12])  # a channel has at most 12 other lines (hum.MAX_LINES)
    if e.method == "linear":
        total += settle_samples(butter(e.order, e.cutoff_hz / winter_correction(e.order), fs=fs, output="sos"))
    else:
        total += int(round(e.rms_window_ms * 1e-3 * fs)) + 1
    return total + 8
