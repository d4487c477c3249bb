"""The event schema readers write to ``Recording.meta["events"]``.

``meta["events"]`` is a list of dicts sorted by time::

    {"time_s": 2.02,              # float, s, on the recording's clock (see below)
     "label": "Foot Strike",      # str, the event's name as written in the file
     "side": "L",                 # "L", "R" or None (C3D context Left/Right, "left"/"right" in a text)
     "name": "Left Foot Strike",  # str, side word + label (the label alone when it names the side):
                                  #   the key emgkit.cycles groups events by
     "source": "c3d EVENT",       # str, where the event came from
     "duration_s": 0.5,           # optional float, s (EDF+ annotations with a duration)
     "description": "..."}        # optional str

**Clock.**  ``time_s`` is on the same clock as ``meta["start_s"]``: sample
``j`` of the recording is at ``meta.get("start_s", 0) + j / fs`` seconds, so an
event is ``time_s - meta.get("start_s", 0)`` seconds after the first sample.
For C3D this is the trial clock (the C3D ``EVENT:TIMES`` values unchanged,
while ``start_s`` holds the first frame's time); for EDF+ and NWB it is the
file's own clock.  Because slicing a recording moves ``start_s`` and leaves
the events alone, events stay correct after ``read(start=...)`` and
``Recording.crop``.  :func:`emgkit.cycles.events_from_meta` accepts these dicts
(``time_s`` and ``name``), and the analysis subtracts ``start_s``.
"""

from __future__ import annotations

import math
import re

__all__ = ["make_event", "side_from_text", "relative_times"]

_SIDE_WORDS = {
    "left": "L", "l": "L", "lt": "L", "links": "L", "gauche": "L", "izquierdo": "L", "izquierda": "L",
    "right": "R", "r": "R", "rt": "R", "rechts": "R", "droit": "R", "droite": "R", "derecho": "R", "derecha": "R",
}
_SIDE_NAMES = {"L": "Left", "R": "Right"}


def side_from_text(text) -> str | None:
    """``"L"``/``"R"`` from a context or annotation text (``"Left"``, ``"R heel strike"``), else None.

    Only whole words count, and a single-letter ``L``/``R`` only as the first
    word, so ``"General"`` or ``"Rep 3"`` give None.
    """
    words = re.findall(r"[A-Za-z]+", str(text or ""))
    for i, word in enumerate(words):
        side = _SIDE_WORDS.get(word.lower())
        if side is not None and (len(word) > 1 or i == 0):
            return side
    return None


def make_event(time_s, label, *, source, side=None, duration_s=None, description=None) -> dict:
    """One event dict of the schema above (``name`` is derived from ``side`` and ``label``)."""
    time_s = float(time_s)
    if not math.isfinite(time_s):
        raise ValueError(f"event time must be finite, got {time_s!r}")
    label = str(label).strip() or "event"
    event = {
        "time_s": time_s,
        "label": label,
        "side": side,
        "name": f"{_SIDE_NAMES[side]} {label}" if side in _SIDE_NAMES and side_from_text(label) != side else label,
        "source": source,
    }
    if duration_s is not None and math.isfinite(float(duration_s)) and float(duration_s) > 0:
        event["duration_s"] = float(duration_s)
    if description:
        event["description"] = str(description)
    return event


def relative_times(events, start_s=0.0, name=None):
    """Event times in s from a recording's first sample (``time_s - start_s``), optionally of one ``name``.

    Examples
    --------
    >>> ev = [make_event(2.02, "Foot Strike", side="L", source="c3d EVENT")]
    >>> relative_times(ev, start_s=1.47)
    [0.55]
    """
    return [round(e["time_s"] - float(start_s), 12) for e in events if name is None or e.get("name") == name]
