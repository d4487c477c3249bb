"""Paired unilateral trials: a left-side trial and the matching right-side trial compared as the two sides.

One unilateral trial says nothing about left/right imbalance (one side rests by design,
:mod:`emgkit.analysis.structure`).  The same task done once by each side does: the working side of the
left trial (its L channels) and of the right trial (its R channels) are analysed together, each on its own
bursts (burst-matched, as an alternating task: the two trials share no timeline), with task structure
``"paired trials"`` (docs/imbalance.md#paired-unilateral-trials).

Rules:

* both trials at the same sampling rate and in the same unit; trials at different rates are **refused**
  (not resampled), so that both sides pass the same filters at the same rate;
* the working side of each trial is the side it has channels of, or, with both sides recorded, the
  more active side of its unilateral pairs; a left trial working the right side (or two trials of one side)
  is an error;
* the same muscles on both working sides, else an error naming the difference;
* the longer trial is cut to the shorter one's length (a note says how much was left out);
* batch: files are paired by name (:func:`pair_files`): ``..._side-L_...`` with ``..._side-R_...``
  (BIDS-like entity), or a stem ending ``_L`` / ``_R``; the rest of the name must match.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any, Union

import numpy as np

from ..errors import InvalidInputError

if TYPE_CHECKING:
    from ..recording import Recording
    from .pipeline import ConfigLike, Mvc, Pairs
    from .result import Analysis

Trial = Union["Recording", str, os.PathLike]

__all__ = ["analyze_pair", "pair_source", "pair_files", "pair_name", "working_side"]

_SIDE_ENTITY = re.compile(r"(^|_)side-([LR])(?=_|$)", re.IGNORECASE)
_SIDE_SUFFIX = re.compile(r"_([LR])$", re.IGNORECASE)
_SHARED_META = ("subject", "session", "task", "run", "acquisition", "action", "category", "group")


def analyze_pair(left: Trial, right: Trial, *, pairs: Pairs = None, mvc: Mvc = None, config: ConfigLike = None,
                 **options: Any) -> Analysis:
    """Compare a left-side unilateral trial with the matching right-side trial as left and right.

    Parameters
    ----------
    left, right : Recording, str or Path
        The trial done by the left side and the one done by the right side (same task, same muscles).
    pairs, mvc, config
        As in :func:`emgkit.analyze` (MVC channels are matched by name, else muscle and side).
    **options
        Reader options for paths (e.g. ``fs``).

    Returns
    -------
    Analysis
        Its ``bilateral`` rows compare the left trial's L channels with the right trial's R channels on
        each side's own bursts; ``info["task_structure"]`` is ``"paired trials"`` and
        ``info["paired_trials"]`` names the trials.

    Raises
    ------
    InvalidInputError
        Trials at different rates or in different units, a trial working the other side (or both the same
        side), different muscles on the two working sides, no muscle-and-side channel.

    Examples
    --------
    >>> import emgkit
    >>> res = emgkit.analyze_pair("task-curl_side-L.h5", "task-curl_side-R.h5")  # doctest: +SKIP
    >>> res.bilateral[["muscle", "metric", "symmetry_index", "flag"]]  # doctest: +SKIP
    """
    return pair_source(left, right, pairs=pairs, mvc=mvc, config=config, emit=True, **options)[0]


def pair_source(left, right, *, pairs=None, mvc=None, config=None, traces=False, emit=True, names=None, **options):
    """:func:`analyze_pair` for the command line and batch: returns ``(Analysis, traces or None)``.

    ``names``: how messages name the two trials (default: their file names); the batch gives relative paths.
    """
    from ..config import load_config
    from .pipeline import analyze_source

    cfg = load_config(config)
    trials = [_recording(x, options) for x in (left, right)]
    names = list(names) if names else [_name(left, "left trial"), _name(right, "right trial")]
    _check_same(trials, names)
    sides = [working_side(rec, cfg) for rec in trials]
    for (side, why), name in zip(sides, names):
        if not side:
            raise InvalidInputError(f"{name}: cannot tell which side works ({why}): give a trial in which the working "
                                    "side's muscles are active, or analyse it on its own (emgkit analyze)")
    for want, (side, why), name in zip("LR", sides, names):
        if side != want:
            other = names[1] if want == "L" else names[0]
            if sides[0][0] == sides[1][0]:
                raise InvalidInputError(
                    f"both trials work the {_word(side)} side ({names[0]}: {sides[0][1]}; {names[1]}: {sides[1][1]}): "
                    "give a left-side trial and a right-side trial of the same task")
            raise InvalidInputError(f"{name} works the {_word(side)} side ({why}), not the {_word(want)}: give the "
                                    f"left-side trial first (swap {name} and {other})")
    rows = [[c for c, ch in enumerate(rec.channels) if ch.side == s and ch.muscle] for rec, s in zip(trials, "LR")]
    muscles = [[trials[k].channels[c].muscle for c in rows[k]] for k in range(2)]
    if sorted(muscles[0]) != sorted(muscles[1]):
        only_l, only_r = sorted(set(muscles[0]) - set(muscles[1])), sorted(set(muscles[1]) - set(muscles[0]))
        raise InvalidInputError(
            f"the two trials record different muscles on their working sides: only in {names[0]} (left): "
            f"{only_l or 'none'}; only in {names[1]} (right): {only_r or 'none'}; use trials with the same "
            "electrodes, or leave the extra channels out (pairs.exclude in the configuration)")
    n = min(trials[0].n_samples, trials[1].n_samples)
    data = np.vstack([trials[k].data[rows[k], :n] for k in range(2)])
    channels = [trials[k].channels[c] for k in range(2) for c in rows[k]]
    info = {"left": names[0], "right": names[1], "left_s": trials[0].n_samples / trials[0].fs,
            "right_s": trials[1].n_samples / trials[1].fs, "used_s": n / trials[0].fs,
            "left_side_found": sides[0][1], "right_side_found": sides[1][1]}
    from ..recording import Recording

    combined = Recording(data, trials[0].fs, channels, unit=trials[0].unit, meta={**_common_meta(trials), "paired_trials": info})
    result, shown = analyze_source(combined, pairs=pairs, mvc=mvc, config=cfg, traces=traces, emit=emit)
    result.info["paired_trials"] = info
    cut = max(trials[0].n_samples, trials[1].n_samples) - n
    if cut:
        longer = names[0] if trials[0].n_samples > n else names[1]
        result.notes.append(f"paired trials: the last {cut / trials[0].fs:.2f} s of {longer} were left out "
                            f"(the longer trial is cut to the shorter one's {n / trials[0].fs:.2f} s)")
    return result, shown


def working_side(rec, cfg=None) -> tuple[str, str]:
    """The side a unilateral trial works, and why: ``("L" | "R" | "", reason)``.

    The only side the trial has muscle channels of; with both sides, the more active side of its pairs found
    unilateral (:mod:`emgkit.analysis.structure`), else of all its left/right pairs (weighted by activity).
    """
    from .pipeline import analyze_source

    sides = {ch.side for ch in rec.channels if ch.muscle and ch.side in ("L", "R")}
    if not sides:
        raise InvalidInputError("a trial has no channel with a muscle and a side (L/R): name them, e.g. "
                                "--channel \"CH1=L biceps_brachii\" (or a --map file)")
    if len(sides) == 1:
        side = sides.pop()
        return side, f"it records only the {_word(side)} side"
    a = analyze_source(rec, config=cfg, emit=False)[0]
    pairs = a.info.get("task_structure_detail", {}).get("pairs", {})
    uni = [p for p in pairs.values() if p["found"] == "unilateral" and p["working"]]
    use = uni or [p for p in pairs.values() if p["working"]]
    if not use:
        return "", "no left/right pair has activity"
    votes = {s: sum(1 for p in use if p["working"] == s) for s in "LR"}
    side = "L" if votes["L"] >= votes["R"] else "R"
    kind = "unilateral pairs" if uni else "left/right pairs (none found unilateral)"
    return side, f"the {_word(side)} side is the more active in {votes[side]} of {len(use)} {kind}"


def pair_files(paths) -> tuple[list, list]:
    """Pair trial files by name: ``side-L``/``side-R`` entities, or stems ending ``_L``/``_R``.

    Parameters
    ----------
    paths : iterable of str or Path

    Returns
    -------
    (list of (Path, Path), list of (Path, str))
        ``(left, right)`` pairs, and the files left unpaired with the reason.
    """
    keyed, unpaired = {}, []
    for p in map(Path, paths):
        key = _trial_key(p)
        if key is None:
            unpaired.append((p, "no side in its name (side-L/side-R entity or _L/_R suffix)"))
            continue
        stem, side = key
        if (stem, side) in keyed:
            unpaired.append((p, f"a second {_word(side)} trial of {stem!r} ({keyed[(stem, side)].name})"))
            continue
        keyed[(stem, side)] = p
    pairs = []
    for (stem, side), p in sorted(keyed.items(), key=lambda kv: (kv[0][0], kv[0][1])):
        if side == "R":
            if (stem, "L") not in keyed:
                unpaired.append((p, f"no matching left trial of {stem!r}"))
            continue
        if (stem, "R") in keyed:
            pairs.append((p, keyed[(stem, "R")]))
        else:
            unpaired.append((p, f"no matching right trial of {stem!r}"))
    return pairs, unpaired


def pair_name(path) -> str | None:
    """The name of the pair a trial file belongs to: its stem with the side written ``LR``, or None without a side.

    ``sub-01_task-curl_side-L_emg.h5`` -> ``sub-01_task-curl_side-LR_emg``; ``curl_R.edf`` -> ``curl_LR``.
    Both trials of a pair (:func:`pair_files`) give the same name.
    """
    key = _trial_key(Path(path))
    if key is None:
        return None
    stem = key[0]
    return stem.replace("side-*", "side-LR", 1) if "side-*" in stem else stem[:-1] + "LR"


def _trial_key(path):
    """``(name with its side replaced by *, side)`` of a trial file, or None when its name has no side."""
    base = path.stem
    m = _SIDE_ENTITY.search(base)
    if m:
        return _SIDE_ENTITY.sub(r"\1side-*", base, count=1), m.group(2).upper()
    m = _SIDE_SUFFIX.search(base)
    if m:
        return base[: m.start()] + "_*", m.group(1).upper()
    return None


def _recording(x, options):
    from ..recording import Recording

    if isinstance(x, Recording):
        return x
    if isinstance(x, (str, Path)):
        from ..io import read

        return read(x, **options)
    raise InvalidInputError(f"a trial must be a Recording or a file path, got {type(x).__name__}")


def _name(x, fallback):
    return Path(x).name if isinstance(x, (str, Path)) else str(x.meta.get("source") or x.meta.get("trial") or fallback)


def _common_meta(trials):
    """The descriptive meta keys (subject, session, task, ...) on which both trials agree: the pair's own."""
    a, b = (rec.meta for rec in trials)
    return {k: a[k] for k in _SHARED_META if isinstance(a.get(k), (str, int, float)) and a.get(k) == b.get(k)}


def _check_same(trials, names):
    a, b = trials
    if a.fs != b.fs:
        raise InvalidInputError(
            f"the trials have different sampling rates ({names[0]}: {a.fs:g} Hz, {names[1]}: {b.fs:g} Hz): paired "
            "trials are refused, not resampled, so that both sides pass the same filters at the same rate; resample "
            "one trial to the other's rate first (e.g. scipy.signal.resample_poly) or record both at one rate")
    if a.unit != b.unit:
        raise InvalidInputError(f"the trials are in different units ({names[0]}: {a.unit!r}, {names[1]}: {b.unit!r}): "
                                "convert one to the other's unit first")


def _word(side):
    return {"L": "left", "R": "right"}.get(side, "no")
