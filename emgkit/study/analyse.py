"""Analyse the study's recordings that have no current result, through ``emgkit batch``.

The recordings named by the study table are mirrored as symbolic links in
``OUT/inputs/<relative path>`` (the path below the folder common to all of
them) and that folder is run through :func:`emgkit.batch.run_batch` into
``OUT/results/``: the batch's local processes or Dask cluster, its manifests
(a result is reused while its input, configuration and emgkit version are
unchanged), its failures list and its summary.  Output paths come only from
the recordings' own paths, never from the table's subject or session text.
"""

from __future__ import annotations

import os
from pathlib import Path, PurePosixPath

from ..errors import InvalidInputError
from .table import gap

__all__ = ["analyse_recordings", "INPUTS_DIR", "RESULTS_DIR"]

INPUTS_DIR = "inputs"
RESULTS_DIR = "results"


def _relpaths(files):
    """Relative path of each file below the folder common to all, with hidden parts made visible (``.x`` -> ``_x``)."""
    parents = [os.path.dirname(f) for f in files]
    root = os.path.commonpath(parents) if parents else ""
    out = {}
    for f in files:
        parts = Path(os.path.relpath(f, root)).parts
        out[f] = PurePosixPath(*("_" + p[1:] if p.startswith(".") else p for p in parts)).as_posix()
    return out


def _stage(staging: Path, links: dict) -> None:
    """Make ``staging`` hold exactly ``links`` (relpath -> target) as symbolic links."""
    wanted = {staging.joinpath(*PurePosixPath(rel).parts): Path(target) for rel, target in links.items()}
    if staging.is_dir():
        for root, _, names in os.walk(staging):
            for name in names:
                path = Path(root) / name
                if path.is_symlink() and path not in wanted:
                    path.unlink()
    for link, target in wanted.items():
        link.parent.mkdir(parents=True, exist_ok=True)
        if link.is_symlink() and Path(os.readlink(link)) == target:
            continue
        if link.is_symlink() or link.exists():
            link.unlink()
        link.symlink_to(target)


def analyse_recordings(rows, out, *, config=None, workers=None, scheduler=None, force=False, stream="auto", progress=None):
    """Give every ``"recording"`` row of a study a result folder, analysing only what is not current.

    Parameters
    ----------
    rows : pandas.DataFrame
        :attr:`emgkit.study.table.StudyTable.rows`; its ``result`` column is
        filled in place for the rows analysed successfully.
    out : Path
        Study output folder (``out/inputs`` and ``out/results`` are used).
    config, workers, scheduler, force, stream, progress
        As for :func:`emgkit.batch.run_batch`.

    Returns
    -------
    gaps : list of dict
        Recordings whose analysis failed, with the batch's step and message.
    counts : dict
        ``analysed, reused, failed`` numbers of recordings.
    """
    from ..batch import run_batch

    todo = rows[rows["kind"] == "recording"]
    if todo.empty:
        return [], {"analysed": 0, "reused": 0, "failed": 0}
    files = sorted(set(todo["file"]))
    rel = _relpaths(files)
    if len(set(rel.values())) != len(rel):
        raise InvalidInputError("two recordings of the study map to the same relative path once hidden folders are made visible; rename one")
    out = Path(out)
    try:
        _stage(out / INPUTS_DIR, {r: f for f, r in rel.items()})
    except OSError as exc:
        raise InvalidInputError(f"cannot link the study's recordings into {out / INPUTS_DIR} ({exc}); "
                                "the study folder needs a filesystem with symbolic links") from None
    batch = run_batch([str(out / INPUTS_DIR)], out / RESULTS_DIR, config=config, workers=workers, scheduler=scheduler,
                      pattern="*", force=force, progress=progress, stream=stream)
    by_rel = {r["relpath"]: r for r in batch.results}
    gaps = []
    for i, row in todo.iterrows():
        result = by_rel.get(rel[row["file"]])
        if result is not None and result["status"] != "failed":
            rows.loc[i, "result"] = str((out / RESULTS_DIR).joinpath(*PurePosixPath(rel[row["file"]]).parts))
        else:
            why = f"{result['error_type']} at {result['step']}: {result['message']}" if result else "not found by the batch"
            gaps.append(gap(row["subject"], row["session"], row["condition"], "analysis failed", f"{row['file']}: {why}; session left out"))
    counts = {"analysed": batch.n_done, "reused": batch.n_skipped, "failed": batch.n_failed}
    return gaps, counts
