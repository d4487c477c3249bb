"""Stage 4: repetitions (cycles) from events, a trigger channel or the envelope; else the whole record."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..errors import InvalidInputError

__all__ = ["Segments", "segment", "CYCLE_RATE_HZ"]

CYCLE_RATE_HZ = 200.0  # envelope rate for finding repetitions (envelopes hold nothing above ~10 Hz); cycle bounds to 5 ms


@dataclass(frozen=True)
class Segments:
    """The intervals every per-repetition value is computed on.

    Attributes
    ----------
    cycles : Cycles
        Candidate cycles, kept and dropped (:mod:`emgkit.cycles`).
    intervals : ndarray, shape (n_intervals, 2)
        Start and stop of each kept cycle in s; the whole record when none was kept.
    samples : ndarray of int, shape (n_intervals, 2)
        The same in samples, within ``[0, n_samples]``.
    """

    cycles: object
    intervals: np.ndarray
    samples: np.ndarray

    @property
    def n_kept(self) -> int:
        return self.cycles.n_kept


def cycle_step(fs) -> int:
    """Keep every ``cycle_step(fs)``-th envelope sample to find repetitions at about :data:`CYCLE_RATE_HZ`."""
    return max(1, int(fs // CYCLE_RATE_HZ))


def segment(selection, detection, store, cfg, notes) -> Segments:
    """Find the repetitions of the recording.

    Parameters
    ----------
    selection : Selection
    detection : Detection
        Flat and silent channels do not shape envelope-found repetitions.
    store : MemoryStore or ScratchStore
        Its envelope at about 200 Hz (``env_every``) is searched for repetitions.
    cfg : Config
    notes : Notes

    Returns
    -------
    Segments
    """
    from .. import cycles as cy

    c = cfg.cycles
    view = selection.view
    meta, fs, n = view.meta, view.fs, view.n_samples
    source = c.source
    if source == "auto":
        source = "events" if meta.get("events") else "trigger" if c.trigger_channel else "envelope"
    duration = n / fs
    if source == "none":
        cycles = cy.Cycles.empty("none", "cycle segmentation is off (cycles.source = 'none')")
    elif source == "events":
        if not meta.get("events"):
            cycles = cy.Cycles.empty("events", "no repetitions found: the recording has no events (meta['events'])")
        else:
            times, used = cy.events_from_meta(meta["events"], c.event_name)
            times = times - float(meta.get("start_s", 0.0))
            label = f"events {used!r}" if used is not None else "events"
            cycles = cy.cycles_from_events(times, duration, max_deviation=c.max_duration_deviation, source=label)
    elif source == "trigger":
        if not c.trigger_channel:
            raise InvalidInputError("cycles.source = 'trigger' needs cycles.trigger_channel (a channel or meta['aux'] signal name)")
        times = cy.events_from_trigger(_trigger_signal(selection, c.trigger_channel), fs, mode=c.trigger_mode,
                                       threshold=c.trigger_threshold, hysteresis=c.hysteresis, refractory_s=c.refractory_s)
        cycles = cy.cycles_from_events(times, duration, max_deviation=c.max_duration_deviation,
                                       source=f"trigger {c.trigger_channel!r} {c.trigger_mode}")
    else:
        use = ~detection.flat & ~detection.silent
        if not use.any():
            cycles = cy.Cycles.empty("envelope peaks", "no repetitions found: no channel has activity")
        else:
            cycles = cy.cycles_from_envelope(_combined(store, np.flatnonzero(use), -(-n // store.step)),
                                             fs / store.step, expected_period_s=c.expected_period_s,
                                             min_prominence=c.min_prominence, max_deviation=c.max_duration_deviation)
    if cycles.n_kept:
        intervals = cycles.bounds
    else:
        intervals = np.array([[0.0, duration]])
        why = cycles.note or f"no complete repetition among {len(cycles.starts_s)} candidates"
        if source != "none":
            notes.add(f"{why}; the whole record is analysed as one interval (no SD or confidence interval)")
    samples = np.clip(np.round(intervals * fs).astype(np.int64), 0, n)
    return Segments(cycles, intervals, samples)


def _combined(store, rows, n_every):
    """The channels' decimated envelopes, each scaled by its 95th percentile, averaged (the combination of
    :func:`emgkit.cycles.cycles_from_envelope`)."""
    total, good = None, 0
    for r in rows:
        row = store.env_every(int(r))
        scale = np.percentile(row, 95)
        if np.isfinite(scale) and scale > 0:
            total = row / scale if total is None else total + row / scale
            good += 1
    return total / good if good else np.zeros(n_every)


def _trigger_signal(selection, name):
    view = selection.view
    if name in selection.excluded or name in selection.names:
        return view.whole_channel(name)
    aux = view.meta.get("aux") or {}
    if name in aux:
        from ..datasets.readers import aux_signal

        return np.asarray(aux_signal(_AuxView(view), name), dtype=np.float64)
    raise InvalidInputError(
        f"cycles.trigger_channel = {name!r} is neither a channel ({selection.names + list(selection.excluded)}) "
        f"nor an auxiliary signal (meta['aux']: {sorted(aux)})"
    )


class _AuxView:
    """The two attributes :func:`emgkit.datasets.readers.aux_signal` reads of a Recording."""

    def __init__(self, view):
        self.meta = view.meta
        self.fs = view.fs
        self.n_samples = view.n_samples
