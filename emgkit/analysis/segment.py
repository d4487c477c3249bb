"""Stage 4: repetitions (cycles) from events, a trigger channel or the envelope; else the whole record.

Per-side cycles (docs/science.md#per-side-cycles): when the cycle events are
side-specific (C3D "Left/Right Foot Strike", or ``cycles.trigger_channel_left``
and ``cycles.trigger_channel_right``), each side's channels also get the cycles
of their own side's events (:attr:`Segments.by_side`); the shared cycles
(:attr:`Segments.intervals`) stay those of the one event kind used before.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np

from ..errors import InvalidInputError

__all__ = ["Segments", "SideCycles", "segment", "pair_cycles", "CYCLE_RATE_HZ"]

_SIDE_WORD = {"L": "left", "R": "right"}
_CONTACT = re.compile(r"\b(foot|heel) ?strike\b|\b(initial|foot|heel) ?contact\b|\bheel ?down\b")

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
    by_side : dict of str -> SideCycles
        ``"L"``/``"R"`` -> the cycles of that side's own events; empty when one rule cycles every channel.
    rule : str
        How channels were cycled, one sentence for the notes and the tables.
    fallback : str
        Non-empty when the cycle events are side-specific but only one side has them: which side falls back
        to which events (left/right timing is then not compared).
    """

    cycles: object
    intervals: np.ndarray
    samples: np.ndarray
    by_side: dict = field(default_factory=dict)
    rule: str = ""
    fallback: str = ""

    @property
    def n_kept(self) -> int:
        return self.cycles.n_kept

    @property
    def per_side(self) -> bool:
        """Whether the left and the right channels each have cycles of their own side's events."""
        return "L" in self.by_side and "R" in self.by_side

    def for_side(self, side):
        """``(intervals, samples, event)`` of a channel on ``side``: its own side's cycles, else the shared ones.

        ``event`` names the events the cycles start at (``""`` for cycles not made from named events).
        """
        own = self.by_side.get(side)
        if own is not None:
            return own.intervals, own.samples, own.event
        return self.intervals, self.samples, _event_of(self.cycles.source)

    def cycle_side(self, side) -> str:
        """Which cycles a channel on ``side`` is measured in: ``side`` with per-side cycles, else ``""`` (the shared ones)."""
        return side if self.per_side and side in self.by_side else ""

    def cycles_of(self, key):
        """``(intervals, samples)`` of the cycles :meth:`cycle_side` named ``key`` (``""``: the shared cycles)."""
        own = self.by_side[key] if key else self
        return own.intervals, own.samples

    def paired(self, key_a, key_b):
        """Indices ``(ka, kb)`` of the cycles of ``key_a`` and ``key_b`` (:meth:`cycle_side` keys) compared with each other.

        The same cycles pair one to one; two sides' own cycles are paired by their typical lag (:func:`pair_cycles`).
        """
        ia, ib = self.cycles_of(key_a)[0], self.cycles_of(key_b)[0]
        if key_a == key_b:
            k = np.arange(len(ia), dtype=np.int64)
            return k, k
        return pair_cycles(ia[:, 0], ib[:, 0])


@dataclass(frozen=True)
class SideCycles:
    """One side's own cycles.

    Attributes
    ----------
    side : str
        ``"L"`` or ``"R"``.
    event : str
        The events (or trigger channel) the cycles start at, e.g. ``"Left Foot Strike"``.
    cycles : Cycles
        Candidates, kept and dropped.
    intervals : ndarray, shape (n_kept, 2)
        Kept cycles in s (no row when none is kept: that side then has no cycles).
    samples : ndarray of int, shape (n_kept, 2)
    """

    side: str
    event: str
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
        triggers = c.trigger_channel or c.trigger_channel_left or c.trigger_channel_right
        source = "events" if meta.get("events") else "trigger" if triggers else "envelope"
    duration = n / fs
    by_side = {}
    if source == "none":
        cycles = cy.Cycles.empty("none", "cycle segmentation is off (cycles.source = 'none')")
    elif source == "events":
        if not meta.get("events"):
            cycles = cy.Cycles.empty("events", "no repetitions found: the recording has no events (meta['events'])")
        else:
            kinds = side_kinds(meta["events"])
            name = c.event_name
            if c.per_side == "auto" and name is not None and name not in kinds:
                name = next((k for k, (label, side) in kinds.items() if side and label == _label_key(name)), name)
            elif c.per_side == "auto" and name is None:  # a gait cycle starts at initial contact (Perry & Burnfield 2010)
                name = next((k for k, (label, side) in kinds.items() if side and _CONTACT.search(label)), None)
            times, used = cy.events_from_meta(meta["events"], name)
            start = float(meta.get("start_s", 0.0))
            label = f"events {used!r}" if used is not None else "events"
            cycles = cy.cycles_from_events(times - start, duration, max_deviation=c.max_duration_deviation, source=label)
            if c.per_side == "auto" and used in kinds and kinds[used][1]:
                own = {side: k for k, (lab, side) in kinds.items() if side and lab == kinds[used][0]}
                for side, kind in own.items():
                    t, _ = cy.events_from_meta(meta["events"], kind)
                    by_side[side] = _side(side, kind, cy.cycles_from_events(t - start, duration, max_deviation=c.max_duration_deviation,
                                                                            source=f"events {kind!r}"), fs, n)
    elif source == "trigger":
        sided = {side: ch for side, ch in (("L", c.trigger_channel_left), ("R", c.trigger_channel_right)) if ch}
        if not c.trigger_channel and not sided:
            raise InvalidInputError("cycles.source = 'trigger' needs cycles.trigger_channel (a channel or meta['aux'] signal name), "
                                    "or cycles.trigger_channel_left and cycles.trigger_channel_right (one per side)")
        if c.per_side == "auto":
            for side, ch in sided.items():
                by_side[side] = _side(side, ch, _trigger_cycles(selection, ch, c, fs, duration), fs, n)
        if c.trigger_channel:
            cycles = _trigger_cycles(selection, c.trigger_channel, c, fs, duration)
        else:  # the first side's trigger is the shared one
            first = next(iter(sided))
            cycles = by_side[first].cycles if first in by_side else _trigger_cycles(selection, sided[first], c, fs, duration)
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
    rule, fallback = _rule(cycles, by_side, selection, notes)
    return Segments(cycles, intervals, samples, by_side, rule, fallback)


def _side(side, event, cycles, fs, n) -> SideCycles:
    intervals = cycles.bounds
    return SideCycles(side, event, cycles, intervals, np.clip(np.round(intervals * fs).astype(np.int64), 0, n))


def _trigger_cycles(selection, name, c, fs, duration):
    from .. import cycles as cy

    times = cy.events_from_trigger(_trigger_signal(selection, name), fs, mode=c.trigger_mode, threshold=c.trigger_threshold,
                                   hysteresis=c.hysteresis, refractory_s=c.refractory_s)
    return cy.cycles_from_events(times, duration, max_deviation=c.max_duration_deviation, source=f"trigger {name!r} {c.trigger_mode}")


def _rule(cycles, by_side, selection, notes):
    """The sentence saying how channels were cycled, and the fallback message when only one side has its own events."""
    shared = _event_of(cycles.source) or cycles.source
    if not by_side:
        return (f"one rule for every channel: cycles of {shared}" if cycles.n_kept else ""), ""
    own = ", ".join(f"{_SIDE_WORD[k]} channels on {v.event!r} ({v.n_kept} cycle{'s' * (v.n_kept != 1)})"
                    for k, v in sorted(by_side.items()))
    if len(by_side) == 2:
        rule = (f"own cycles per side: {own}; left/right timing is compared in each side's own cycle "
                "(ms from its own event, % of its own cycle), amplitudes and co-contraction per repetition are taken over "
                "each side's own cycles, and left/right pairs the two sides' cycles by their typical lag")
        notes.add(f"per-side cycles: {own}; left/right timing is measured from each side's own event")
        for k, v in sorted(by_side.items()):
            if not v.n_kept:
                notes.add(f"{_SIDE_WORD[k]} side: no complete cycle of {v.event!r} ({v.cycles.note or 'every candidate dropped'}); "
                          f"{_SIDE_WORD[k]} channels have no cycles of their own and left/right timing is not compared")
        return rule, ""
    (have, v), = by_side.items()
    other = "R" if have == "L" else "L"
    sides = {ch.side for ch in selection.channels}
    fallback = (f"the cycle events are side-specific but only the {_SIDE_WORD[have]} side has them ({v.event!r}): "
                f"{_SIDE_WORD[other]} channels fall back to the {_SIDE_WORD[have]} side's cycles, which would add the phase shift "
                f"between the sides to every {_SIDE_WORD[other]} timing, so left/right timing is not compared; give the "
                f"{_SIDE_WORD[other]} side's events (or set cycles.per_side = 'off' to time every channel from {v.event!r})")
    if other in sides:
        notes.add(fallback)
    return f"one side's events only: every channel on {v.event!r}", fallback if other in sides else ""


def side_kinds(events) -> dict:
    """Event kinds of ``meta["events"]`` in order: name -> ``(label key, side)``; side ``"L"``/``"R"`` or None.

    A kind's side is its events' ``side`` (the reader's context), else a side word in its name
    (:func:`emgkit.formats.events.side_from_text`); its label key is the name without the side word, lower case,
    so that ``"Left Foot Strike"`` and ``"Right Foot Strike"`` share the key ``"foot strike"``.
    """
    from ..cycles import _NAME_KEYS
    from ..formats.events import side_from_text

    kinds = {}
    if isinstance(events, dict):
        for key in events:
            kinds[str(key)] = (_label_key(str(key)), side_from_text(key))
    elif isinstance(events, (list, tuple)):
        for e in events:
            if not isinstance(e, dict):
                return {}
            nkey = next((k for k in _NAME_KEYS if k in e), None)
            if nkey is None:
                continue
            name = str(e[nkey])
            side = e.get("side") if e.get("side") in ("L", "R") else side_from_text(name)
            kinds.setdefault(name, (_label_key(name), side))
    return kinds


def _label_key(name) -> str:
    """``name`` without its side word (``"Left Foot Strike"`` -> ``"foot strike"``)."""
    from ..formats.events import side_from_text

    words = [w for w in re.split(r"[\s_\-]+", str(name)) if w]
    for i, w in enumerate(words):
        if side_from_text(w) is not None and (len(w) > 1 or i == 0):
            del words[i]
            break
    return " ".join(words).lower()


def _event_of(source) -> str:
    """The event (or trigger) name of a cycles source label (``"events 'Left Foot Strike'"`` -> ``Left Foot Strike``)."""
    m = re.match(r"(?:events|trigger) '(.*?)'", str(source))
    return m.group(1) if m else ""


def pair_cycles(starts_a, starts_b):
    """Indices ``(ka, kb)`` pairing the cycles of a with those of b by their typical lag, in order, one to one.

    The lag is the median, over the cycles of a, of the gap to the nearest start of b (about half a stride
    between the legs in gait, about 0 for simultaneous triggers); each cycle of a is then paired with the cycle
    of b starting nearest to its start plus that lag.  Starts are sorted, so the pairs keep the cycles' order;
    when several cycles of a land on the same cycle of b, the closest keeps it and the others stay unpaired.

    Parameters
    ----------
    starts_a, starts_b : array_like, shape (n_a,), (n_b,)
        Cycle starts in s, sorted.

    Returns
    -------
    ka, kb : ndarray of int
        Paired indices into ``starts_a`` and ``starts_b``.
    """
    a, b = np.asarray(starts_a, float), np.asarray(starts_b, float)
    if not (a.size and b.size):
        return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64)
    lag = float(np.median(b[_nearest(b, a)] - a))
    kb = _nearest(b, a + lag)
    gap = np.abs(a + lag - b[kb])
    keep = np.ones(a.size, dtype=bool)
    for y in np.unique(kb):
        rows = np.flatnonzero(kb == y)
        keep[rows] = False
        keep[rows[np.argmin(gap[rows])]] = True
    return np.flatnonzero(keep).astype(np.int64), kb[keep].astype(np.int64)


def _nearest(b, x):
    """Index of the value of sorted ``b`` nearest to each ``x`` (ties: the earlier)."""
    right = np.clip(np.searchsorted(b, x), 0, b.size - 1)
    left = np.clip(right - 1, 0, b.size - 1)
    return np.where(np.abs(x - b[left]) <= np.abs(x - b[right]), left, right)


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
