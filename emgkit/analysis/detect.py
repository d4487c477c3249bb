"""Stage 3: when each muscle is active, which samples are clipped, and how good each channel is."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .._chunks import RunMask
from .condition import QUALITY_PIECE

__all__ = ["CLIP_NOTE_FRACTION", "CLIP_TOLERANCE", "Detection", "detect"]

CLIP_TOLERANCE = 0.01  # a repetition with more than 1 % clipped samples on a channel is left out of that channel's indices
CLIP_NOTE_FRACTION = 0.001  # channels with more clipped samples than this get a note


@dataclass(frozen=True)
class Detection:
    """Bursts, activity and clipping of the analysed channels.

    Attributes
    ----------
    activation : Activation
        Bursts per channel (:func:`emgkit.detect_activation`).
    active : RunMask
        Samples inside bursts; every sample of a channel the detector found
        active throughout.
    clipped : RunMask
        Samples in clipped runs.
    quality : DataFrame
        :func:`emgkit.quality.assess` of the raw channels.
    flat, silent : ndarray of bool, shape (n_channels,)
        Flat (disconnected or unused) channels; channels without bursts that
        are not active throughout.
    """

    activation: object
    active: RunMask
    clipped: RunMask
    quality: object
    flat: np.ndarray
    silent: np.ndarray


def detect(selection, cfg, band, store, raw, chunk, notes) -> Detection:
    """Detect bursts, clipped runs and channel quality of the selected channels.

    Parameters
    ----------
    selection : Selection
    cfg : Config
    band : Band
    store : MemoryStore or ScratchStore
        The band-passed signal the detector and the baseline-noise measure read (nothing is filtered again).
    raw : RawScan
        Statistics, clipped runs, the detector's screen and powerline spectra of the raw samples (not read again).
    chunk : int
        Samples per read of the raw recording.
    notes : Notes

    Returns
    -------
    Detection
    """
    from .. import quality as q
    from ..activation import detect_source

    view = selection.view
    source = view.source
    n, fs = view.n_samples, view.fs
    on = cfg.onset
    act = detect_source(source, view.channels, unit=view.unit, meta=view.meta, method=on.method, baseline=on.baseline,
                        chunk=chunk, notes=notes, filtered=store.filtered_source(), clipped=raw.clipped, screen=raw.screen,
                        band_hz=band.corners,
                        **on.options())
    quality = q.scan(source, view.channels, unit=view.unit, meta=view.meta, chunk=min(chunk, QUALITY_PIECE), stats=raw.stats,
                     clipped=raw.clipped, highpassed=store.filtered_source(), spectra=raw.spectra).table
    clipped = RunMask(raw.clipped, n)
    active = RunMask([act.runs(c, fs, n) for c in range(len(selection.names))], n)
    flat = quality["flat"].to_numpy(bool)
    reasons = [act.reason[c] or "" for c in range(len(selection.names))]
    silent = np.array([not len(act.onsets[c]) and not r.startswith("no rest") for c, r in enumerate(reasons)])
    for c, r in enumerate(reasons):
        if r.startswith("no rest"):  # active throughout: amplitudes and spectra still mean something
            active[c] = True
            notes.add(f"{selection.names[c]}: the detector found no rest ({r}); the channel is treated as active throughout")
    fraction = clipped.fraction()
    for c in np.flatnonzero(fraction > CLIP_NOTE_FRACTION):
        notes.add(
            f"{selection.names[c]}: {100 * fraction[c]:.1f} % of samples clipped; repetitions with more than "
            f"{100 * CLIP_TOLERANCE:g} % clipped samples are left out of its indices, clipped windows out of its spectra"
        )
    return Detection(act, active, clipped, quality, flat, silent)
