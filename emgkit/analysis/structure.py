"""Task structure: whether the two sides of each left/right pair work together, in turn, or one alone.

Found from the bursts of the detection stage (docs/imbalance.md#task-structure):

* **unilateral**: one side at rest throughout while the other works: the quiet side is at its noise floor
  (:mod:`emgkit.analysis.activity`) or its mean activity (envelope above the noise floor, over the whole
  record) is below :data:`REST_RATIO` of the other side's;
* **simultaneous**: the sides' bursts overlap: at least :data:`OVERLAP_SIMULTANEOUS` of the less active
  side's active time falls inside the other side's bursts;
* **alternating**: the sides are active in turn: at most :data:`OVERLAP_ALTERNATING` of it overlaps, and
  each side has at least :data:`MIN_BURSTS` bursts;
* **mixed**: in between;
* ``""``: not classified (both sides without activity).

The recording is unilateral when its unilateral pairs hold at least half of the activity of its classified
pairs (each pair weighted by its more active side's mean activity: the working limb decides; the other limbs
support or balance, so they do different things by design too); otherwise it takes the structure its
classified pairs share, or ``"mixed"``.  A structure stated in ``analysis.task_structure`` is used instead, with a note
for every pair whose bursts say otherwise.  Two trials paired with
:func:`emgkit.analysis.pair_trials.analyze_pair` are ``"paired trials"``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .activity import activity
from .store import pieces

__all__ = ["TaskStructure", "PairStructure", "find_structure", "STRUCTURES", "REST_RATIO", "OVERLAP_SIMULTANEOUS",
           "OVERLAP_ALTERNATING", "MIN_BURSTS", "UNILATERAL_REASON", "UNILATERAL_FOUND", "PAIRED", "timing_withheld",
           "unilateral_reason"]

STRUCTURES = ("simultaneous", "alternating", "unilateral", "mixed")
PAIRED = "paired trials"  # the structure of two unilateral trials compared as sides
REST_RATIO = 0.1  # quiet side's mean activity below this fraction of the other side's: that side is found at rest
OVERLAP_SIMULTANEOUS = 0.5  # share of the less active side's active time inside the other side's bursts: together
OVERLAP_ALTERNATING = 0.2  # at most this share: in turn
MIN_BURSTS = 2  # bursts per side needed to call a pair alternating
_OTHER_SIDE = "compare with the same task done by the other side (--pair-trials)"
_CHECK = "found from the bursts; state the task with --task-structure if this is wrong"
# stated by the user (analysis.task_structure / --task-structure): the design is known
UNILATERAL_REASON = f"unilateral task: one side at rest by design; {_OTHER_SIDE}"
# found from the bursts: what the data show, not a design
UNILATERAL_FOUND = f"unilateral task: one side shows no activity throughout ({_CHECK}); {_OTHER_SIDE}"
_UNILATERAL_RECORDING = (f"unilateral task: the pairs holding most of the activity show one side without activity throughout "
                         f"({_CHECK}); {_OTHER_SIDE}")
BURST_MATCHED = ("alternating", PAIRED)  # structures compared on each side's own bursts
_NO_TIMING = "so its bursts are no response to the task and left/right timing means nothing"
PAIRED_TIMING = ("paired trials: the two sides were recorded in separate trials with no common clock, so left/right "
                 "timing means nothing; each side's own bursts are compared in the bilateral table")


def unilateral_reason(structure, pair) -> str:
    """Why a unilateral pair is not compared: "by design" only when the structure was stated, else what the bursts show.

    Parameters
    ----------
    structure : TaskStructure
    pair : PairStructure
        A pair of ``structure`` whose ``used`` is ``"unilateral"``.
    """
    if structure.stated == "unilateral":
        return UNILATERAL_REASON
    return UNILATERAL_FOUND if pair.found == "unilateral" else _UNILATERAL_RECORDING


def timing_withheld(structure, left, right) -> str:
    """Why the left/right timing of channels ``left`` and ``right`` is not compared ('' when it is).

    Unilateral pairs (one side rests, stated or found) and paired trials (two recordings without a common
    clock) have no left/right timing.

    Parameters
    ----------
    structure : TaskStructure or None
    left, right : str
        Channel names of a left/right pair.
    """
    p = structure.of(left, right) if structure is not None else None
    if p is None:
        return ""
    if p.used == "unilateral":
        head, tail = unilateral_reason(structure, p).rsplit("; ", 1)
        return f"{head}, {_NO_TIMING}; {tail}"
    return PAIRED_TIMING if p.used == PAIRED else ""


@dataclass(frozen=True)
class PairStructure:
    """How the two sides of one left/right pair worked.

    Attributes
    ----------
    muscle, left, right : str
    found : str
        ``"simultaneous"``, ``"alternating"``, ``"unilateral"``, ``"mixed"``, or ``""`` (both sides without activity).
    used : str
        The structure the pair is compared by (``found``, the recording's, or the stated one).
    overlap : float
        Share of the less active side's active time inside the other side's bursts (0-1; NaN without bursts).
    level_ratio : float
        Lower over higher mean activity of the two sides (envelope above the noise floor, whole record; 0-1).
    working : str
        ``"L"`` or ``"R"``: the more active side; ``""`` when neither is active.
    why : str
        The numbers behind ``found``, in a few words.
    """

    muscle: str
    left: str
    right: str
    found: str
    used: str
    overlap: float
    level_ratio: float
    working: str
    why: str


@dataclass(frozen=True)
class TaskStructure:
    """The task structure of a recording.

    Attributes
    ----------
    structure : str
        The structure used: the stated one, or the one found (``"unknown"`` when no pair has activity).
    found : str
        The structure the bursts show.
    stated : str or None
        ``analysis.task_structure`` when it is not ``"auto"``.
    pairs : tuple of PairStructure
    """

    structure: str
    found: str
    stated: str | None
    pairs: tuple

    def of(self, left, right) -> PairStructure | None:
        """The :class:`PairStructure` of the pair of channels ``left`` and ``right`` (None when not a pair)."""
        for p in self.pairs:
            if (p.left, p.right) == (left, right):
                return p
        return None

    def as_dict(self) -> dict:
        """JSON-ready: ``structure``, ``found``, ``stated`` and per pair (by muscle) its fields."""
        return {"structure": self.structure, "found": self.found, "stated": self.stated,
                "pairs": {p.muscle: {"left": p.left, "right": p.right, "found": p.found, "used": p.used,
                                     "overlap": _round(p.overlap), "level_ratio": _round(p.level_ratio),
                                     "working": p.working, "why": p.why} for p in self.pairs}}


def find_structure(s, notes=None) -> TaskStructure:
    """Classify every left/right pair of stages ``s`` and the recording (see the module docstring).

    Parameters
    ----------
    s : Stages
        Needs ``selection``, ``detection``, ``norm``, ``store``, ``cfg`` and ``view``.
    notes : Notes, optional
        Receives a note for each pair whose bursts contradict a stated structure.

    Returns
    -------
    TaskStructure
    """
    stated = s.cfg.analysis.task_structure
    stated = None if stated == "auto" else stated
    if s.view.meta.get("paired_trials"):
        stated = PAIRED
    act = activity(s)
    level = _levels(s)
    found_pairs = []
    for p in s.selection.pairing.bilateral:
        i, j = s.selection.index(p.left), s.selection.index(p.right)
        found_pairs.append((p, *_classify(s, act, level, i, j)))
    weight = [max(level[s.selection.index(p.left)], level[s.selection.index(p.right)]) for p, *_ in found_pairs]
    found = _verdict([f for _, f, *_ in found_pairs], weight)
    structure = stated or found
    pairs = []
    for p, f, overlap, ratio, working, why in found_pairs:
        used = stated or ("unilateral" if found == "unilateral" and f else f)
        pairs.append(PairStructure(p.muscle, p.left, p.right, f, used, overlap, ratio, working, why))
        if notes is not None and stated and stated != PAIRED and f and f != stated:
            notes.add(f"{p.muscle}: the task was stated as {stated} (analysis.task_structure) but its bursts look "
                      f"{f} ({why}); compared as stated: check the task or set analysis.task_structure = 'auto'")
    return TaskStructure(structure, found, stated, tuple(pairs))


def _classify(s, act, level, i, j):
    """``(found, overlap, level_ratio, working, why)`` of the pair of channels ``i`` (left) and ``j`` (right)."""
    li, lj = level[i], level[j]
    hi = max(li, lj)
    ratio = min(li, lj) / hi if hi > 0 else float("nan")
    working = "" if not hi > 0 else "L" if li >= lj else "R"
    overlap = _overlap(s, i, j)
    if act.at_floor[i] and act.at_floor[j]:
        return "", overlap, ratio, "", "both sides without activity"
    one = act.at_floor[i] or act.at_floor[j]
    if ratio < REST_RATIO or (one and not ratio > 0):
        quiet = "left" if (act.at_floor[i] if one else li < lj) else "right"
        return ("unilateral", overlap, ratio, "R" if quiet == "left" else "L",
                f"{quiet} side's mean activity {100 * np.nan_to_num(ratio):.0f} % of the other's (< {100 * REST_RATIO:g} %)"
                + (f", {quiet} side at its noise floor" if one else ""))
    if not np.isfinite(overlap):
        quiet = "left" if act.at_floor[i] or not li else "right"
        return "mixed", overlap, ratio, working, (f"no bursts found on the {quiet} side although its mean activity is "
                                                  f"{100 * ratio:.0f} % of the other's")
    text = f"{100 * overlap:.0f} % of the less active side's active time overlaps the other's bursts"
    if overlap >= OVERLAP_SIMULTANEOUS:
        return "simultaneous", overlap, ratio, working, text
    n_bursts = s.detection.activation.n_bursts
    if overlap <= OVERLAP_ALTERNATING and min(n_bursts[i], n_bursts[j]) >= MIN_BURSTS:
        return "alternating", overlap, ratio, working, text
    return "mixed", overlap, ratio, working, text


def _verdict(found, weight) -> str:
    """The recording's structure from its pairs' (``found``) and their activity (``weight``: the more active side's level)."""
    classified = [(f, w) for f, w in zip(found, weight) if f]
    if not classified:
        return "unknown"
    total = sum(w for _, w in classified)
    if total > 0 and 2 * sum(w for f, w in classified if f == "unilateral") >= total:
        return "unilateral"
    kinds = {f for f, _ in classified}
    return kinds.pop() if len(kinds) == 1 else "mixed"


def _levels(s) -> np.ndarray:
    """Each channel's mean envelope above its noise floor over the whole record (recording unit, >= 0)."""
    store, n = s.store, s.view.n_samples
    total = np.zeros(len(s.selection.names))
    for a, b in pieces(0, n, store.piece):
        total += store.env[:, a:b].sum(axis=1)
    floor = np.nan_to_num(np.asarray(s.norm.floor, dtype=np.float64), nan=0.0)
    return np.maximum(total / max(n, 1) - floor, 0.0)


def _runs(s, c):
    det, n = s.detection, s.view.n_samples
    if det.active.fraction()[c] >= 1.0:
        return np.array([0]), np.array([n])
    return det.activation.runs(c, s.view.fs, n)


def _overlap(s, i, j) -> float:
    """Share of the less active of channels ``i``, ``j``'s active samples that the other is active at too."""
    active = s.detection.active
    ri, rj = _runs(s, i), _runs(s, j)
    ni, nj = int(np.sum(ri[1] - ri[0])), int(np.sum(rj[1] - rj[0]))
    if min(ni, nj) == 0:
        return float("nan")
    both = int(np.sum(active.count(i, rj[0], rj[1])))
    return both / min(ni, nj)


def _round(x):
    return None if not np.isfinite(x) else round(float(x), 4)
