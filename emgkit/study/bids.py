"""A study table from a BIDS-EMG tree: subject, session and task from the file names.

Every EMG recording of the root (:func:`emgkit.formats.bids.iter_recordings`,
``sub-<s>/[ses-<x>/]emg/sub-<s>[_ses-<x>]_task-<t>[_acq-<a>][_run-<r>]_emg.edf``
or ``.bdf``) becomes one row of the study table:

* ``subject`` the ``sub`` label, ``session`` the ``ses`` label (``"1"`` in a
  tree without sessions: one session per subject);
* ``condition`` the ``task`` label, with `` acq-<a>`` appended when the
  file names an acquisition (another electrode set-up is another series);
* ``date`` the session's ``acq_time`` from ``sub-<s>/sub-<s>_sessions.tsv``
  when that file gives one (sessions are then ordered by date, else by
  label: ``2 < 10``, but ``post < pre``);
* runs: a study follows one recording per subject, session and condition,
  so the lowest ``run`` is used and every further run is listed as an
  ``extra run`` gap;
* groups: the ``group`` column of the root's ``participants.tsv`` when it has
  one (:func:`participants_file`).

Labels come from file names and are only ever used as text, never to build
a path.
"""

from __future__ import annotations

import csv
from pathlib import Path

from .gaps import gap

__all__ = ["bids_table", "participants_file", "NO_SESSION"]

NO_SESSION = "1"  # session label of a recording in a tree without ses- folders
COLUMNS = ["subject", "session", "file", "date", "group", "condition", "retest_of", "where"]


def _tsv_rows(path: Path) -> list[dict]:
    """Rows of a TSV (keys and values stripped); empty when the file is missing or unreadable."""
    try:
        with path.open(encoding="utf-8-sig", newline="") as fh:
            return [{(k or "").strip().lower(): (v or "").strip() for k, v in r.items()} for r in csv.DictReader(fh, delimiter="\t")]
    except (OSError, UnicodeDecodeError, csv.Error):
        return []


def _session_dates(root: Path, subject: str) -> dict:
    """``{session label: acq_time}`` from ``sub-<s>/sub-<s>_sessions.tsv`` (labels without ``ses-``)."""
    rows = _tsv_rows(root / f"sub-{subject}" / f"sub-{subject}_sessions.tsv")
    return {r.get("session_id", "").removeprefix("ses-"): r.get("acq_time", "") for r in rows
            if r.get("session_id") and r.get("acq_time", "n/a") not in ("", "n/a")}


def _run_key(run: str):
    return (0, int(run), run) if run.isdigit() else (1, 0, run)


def participants_file(root) -> Path | None:
    """The root's ``participants.tsv`` when it has a ``group`` column (the groups of a BIDS study), else None."""
    path = Path(root) / "participants.tsv"
    try:
        with path.open(encoding="utf-8-sig", newline="") as fh:
            header = next(csv.reader(fh, delimiter="\t"), [])
    except (OSError, UnicodeDecodeError, csv.Error):
        return None
    return path if "group" in {h.strip().lower() for h in header} else None


def bids_table(root):
    """The study table of a BIDS-EMG root (module notes).

    Parameters
    ----------
    root : path
        A folder holding ``dataset_description.json``.

    Returns
    -------
    frame : pandas.DataFrame
        ``subject, session, file, date, group, condition, retest_of`` (text)
        and ``where`` (the file's path below the root, for messages), sorted
        by subject, session, condition.
    gaps : list of dict
        ``extra run`` rows: recordings left out because an earlier run of the
        same session and condition is used.

    Raises
    ------
    InvalidInputError
        ``root`` is not a BIDS root, or holds no EMG recording.
    """
    import pandas as pd

    from ..formats.bids import iter_recordings

    root = Path(root).expanduser().resolve()
    chosen, gaps, dates = {}, [], {}
    found = sorted(iter_recordings(root), key=lambda item: (str(item[0].parent), _run_key(item[1].get("run", ""))))
    for path, ents in found:
        subject, session = ents.get("subject", ""), ents.get("session", NO_SESSION)
        condition = ents.get("task", "") + (f" acq-{ents['acquisition']}" if "acquisition" in ents else "")
        key = (subject, session, condition)
        where = path.relative_to(root).as_posix()
        if key in chosen:
            first = chosen[key]
            gaps.append(gap(subject, session, condition, "extra run",
                            f"{where} is another run of subject {subject!r} session {session!r} task {condition!r}; "
                            f"only {first['where']} is used (a study follows one recording per session and task: "
                            "to use another run, write a study table naming it)"))
            continue
        if subject not in dates:
            dates[subject] = _session_dates(root, subject)
        chosen[key] = {"subject": subject, "session": session, "file": str(path), "date": dates[subject].get(session, ""),
                       "group": "", "condition": condition, "retest_of": "", "where": where}
    frame = pd.DataFrame(list(chosen.values()), columns=COLUMNS)
    return frame.sort_values(["subject", "session", "condition"], kind="stable").reset_index(drop=True), gaps
