"""Paired unilateral trials in a batch (``emgkit batch --pair-trials``): which files pair, and the work on one pair.

With ``run_batch(..., pair_trials=True)`` the recordings found are paired by file name within each folder
(:func:`emgkit.analysis.pair_trials.pair_files`: a ``side-L``/``side-R`` entity, else a stem ending
``_L``/``_R``; the rest of the name must match) and each pair is analysed with
:func:`emgkit.analysis.pair_trials.pair_source` (the left trial's L channels against the right trial's R
channels) into one results folder named after the pair (:func:`emgkit.analysis.pair_trials.pair_name`):
``s1/curl_L.h5`` + ``s1/curl_R.h5`` -> ``DIR/s1/curl_LR/``.  The folder is built only from the file names,
through :func:`~emgkit.batch.discovery.output_folder` (never outside ``DIR``), and is written like a
recording's: tables and report as one unit, then ``batch.json`` with one SHA-256 of both inputs
(:func:`~emgkit.batch.manifest.inputs_fingerprint`), so a rerun skips a pair whose two files and configuration
are unchanged.

A file without a partner is not analysed: it is a failure at step ``"pair"`` with the reason (no side in its
name, no matching trial of the other side, a second trial of one side).  A pair the analysis refuses (different
muscles, rates or units, both trials of one side) is a failure at step ``"analyze"`` with that message.
Neither stops the batch.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from ..errors import InvalidInputError

__all__ = ["PAIR_STEP", "PairJob", "pair_jobs", "process_pair", "unpaired_result"]

PAIR_STEP = "pair"  # the failure step of a file left without a partner
_TASK_ENTITY = re.compile(r"(?:^|_)task-([A-Za-z0-9]+)(?=_|$)")


@dataclass(frozen=True, order=True)
class PairJob:
    """One pair of trials of a batch.

    Attributes
    ----------
    relpath : str
        The pair's name, POSIX (``"s1/curl_LR"``): its row in the summary and its results folder below the output folder.
    path, right_path : str
        Absolute paths of the left-side and the right-side trial.
    left_file, right_file : str
        Their relative paths in the batch.
    """

    relpath: str
    path: str
    right_path: str
    left_file: str
    right_file: str


def pair_jobs(jobs) -> tuple[list[PairJob], list[tuple]]:
    """Pair a batch's recordings by file name, folder by folder.

    Parameters
    ----------
    jobs : list of emgkit.batch.discovery.Job

    Returns
    -------
    pairs : list of PairJob
        Sorted by name.
    unpaired : list of (Job, str)
        The files left without a partner, with the reason.

    Raises
    ------
    InvalidInputError
        Two pairs, or a pair and another input, would share one name (their results would collide).
    """
    from ..analysis.pair_trials import pair_files, pair_name

    folders: dict[PurePosixPath, list] = {}
    for job in jobs:
        folders.setdefault(PurePosixPath(job.relpath).parent, []).append(job)
    pairs, unpaired = [], []
    for folder, group in folders.items():
        by_name = {PurePosixPath(j.relpath).name: j for j in group}
        found, alone = pair_files(by_name)
        for left, right in found:
            a, b = by_name[left.name], by_name[right.name]
            name = (folder / pair_name(left.name)).as_posix()
            pairs.append(PairJob(relpath=name, path=a.path, right_path=b.path, left_file=a.relpath, right_file=b.relpath))
        unpaired += [(by_name[p.name], why) for p, why in alone]
    names = [p.relpath for p in pairs] + [j.relpath for j, _ in unpaired]
    clash = sorted({n for n in names if names.count(n) > 1})
    if clash:
        raise InvalidInputError(f"paired trials would share the results folder {clash[0]!r} with another input; rename one of them")
    return sorted(pairs), sorted(unpaired, key=lambda item: item[0].relpath)


def _base(task: dict) -> dict:
    return {"relpath": task["relpath"], "path": task["path"], "right_path": task["right_path"], "left_file": task["left_file"],
            "right_file": task["right_file"], "status": "ok", "step": "", "error_type": "", "message": "", "seconds": 0.0, "bytes": 0}


def unpaired_result(job, reason: str) -> dict:
    """The batch result of a file left without a partner: a failure at step ``"pair"`` saying why and what to do."""
    return {"relpath": job.relpath, "path": job.path, "right_path": "", "left_file": "", "right_file": "", "status": "failed", "step": PAIR_STEP, "error_type": "UnpairedTrial",
            "message": f"not paired: {reason}; name the two trials alike but for the side (side-L/side-R entity or _L/_R at the "
            "end of the name), or analyse it without --pair-trials", "seconds": 0.0, "bytes": 0}


def _name_task(relpath: str) -> str:
    m = _TASK_ENTITY.search(PurePosixPath(relpath).stem)
    return m.group(1) if m else ""


def process_pair(task: dict) -> dict:
    """Analyse one pair of trials and write its tables, report and manifest (runs in a worker).

    Parameters
    ----------
    task : dict
        As for :func:`emgkit.batch.runner.process_recording`, with ``path`` the left-side trial and
        ``right_path``, ``left_file``, ``right_file`` (:class:`PairJob`).

    Returns
    -------
    dict
        As :func:`~emgkit.batch.runner.process_recording`'s, plus ``right_path, left_file, right_file``.
        Errors are returned, never raised.
    """
    from ..analysis.pair_trials import pair_source
    from ..config import load_config
    from ..io import read
    from .manifest import _one_line, _remove_if_empty, clear_stale, inputs_fingerprint, save_result, write_manifest

    start = time.perf_counter()
    result = _base(task)
    folder = Path(task["folder"])
    inputs = (task["path"], task["right_path"])
    names = (task["left_file"], task["right_file"])
    step = "prepare"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        clear_stale(folder)
        step = "hash"
        digest, result["bytes"] = inputs_fingerprint(inputs)
        config = load_config(task["config"])
        step = "read"
        mapped = {"channel_map": task["channel_map"]} if task.get("channel_map") is not None else {}
        trials = [read(path, **mapped) for path in inputs]
        for rec, name in zip(trials, names):  # the task entity of the file name when the file does not say
            if not rec.meta.get("task") and _name_task(name):
                rec.meta["task"] = _name_task(name)
        step = "analyze"
        analysis, traces = pair_source(*trials, config=config, traces=True, emit=False, names=names)
        step = "save"
        outputs = save_result(folder, analysis, traces, plotlyjs=task["plotlyjs"],
                              source=f"{PurePosixPath(names[0]).name} + {PurePosixPath(names[1]).name}")
        step = "manifest"
        write_manifest(folder, relpath=task["relpath"], input_sha256=digest, input_bytes=result["bytes"],
                       config_digest=task["config_digest"], outputs=outputs)
    except Exception as exc:  # noqa: BLE001 - every failure is reported in failures.csv, the batch goes on
        result.update(status="failed", step=step, error_type=type(exc).__name__, message=_one_line(exc))
        _remove_if_empty(folder)
    result["seconds"] = time.perf_counter() - start
    return result
