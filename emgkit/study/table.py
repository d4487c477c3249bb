"""The study table: which recording (or saved result) is which subject's session.

A study table has one row per recording with the columns ``subject``,
``session`` and ``file``, and optionally ``date`` (ISO 8601), ``group``,
``condition`` (the task: sessions of different conditions form separate
series) and ``retest_of`` (the session this row repeats for test-retest
reliability; such rows feed the measurement error only, not the series).
``file`` is a recording (any format :func:`emgkit.read` knows) or the
result of an earlier analysis (a folder holding ``analysis.h5``, or that file);
relative paths are relative to the table's folder.  A BIDS-EMG root (a folder
holding ``dataset_description.json``) is read as a study table too: subject,
session and task from its file names, groups from its ``participants.tsv``
(:mod:`emgkit.study.bids`).

Problems that concern single rows (a missing file, a duplicate session, a
subject with one session, an unknown ``retest_of``) never stop the study: the
row is left out or kept as far as it can be used, and the problem is listed
in the gaps table (:data:`GAP_COLUMNS`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date as _date
from pathlib import Path

from .._atomic import MANIFEST_NAME as RESULTS_MANIFEST  # a folder holding one is a (possibly interrupted) result
from ..errors import FileFormatError, InvalidInputError
from .gaps import GAP_COLUMNS, gap

__all__ = ["StudyTable", "read_study_table", "REQUIRED", "OPTIONAL", "GAP_COLUMNS", "gap"]

REQUIRED = ("subject", "session", "file")
OPTIONAL = ("date", "group", "condition", "retest_of")
RESULT_FILE = "analysis.h5"  # a saved analysis; whether it is complete is its manifest's word (emgkit.study.measures)


@dataclass
class StudyTable:
    """A parsed and checked study table.

    Attributes
    ----------
    rows : pandas.DataFrame
        One row per usable table row: ``line`` (1-based line in the file, the
        header is line 1), ``subject, session, condition, group, date,
        retest_of`` (text; empty when not given), ``file`` (absolute path),
        ``kind`` (``"recording"`` or ``"result"``), ``result`` (the result
        folder for ``"result"`` rows, else empty) and ``order`` (rank of the
        session within its subject and condition, 0 = first).
    gaps : list of dict
        Rows left out or incomplete (:data:`GAP_COLUMNS`).
    ordered_by : str
        How sessions were ordered: ``"date"``, ``"session label"``.
    """

    rows: object
    gaps: list = field(default_factory=list)
    ordered_by: str = "session label"


def _natural_key(label: str):
    """``"ses-2" < "ses-10"``: digit runs compare as numbers."""
    return tuple((0, int(p), "") if p.isdigit() else (1, 0, p.lower()) for p in re.split(r"(\d+)", label) if p)


def _read_frame(table):
    """``(frame, base folder, name for messages, participants file or None, gaps)`` of any accepted table."""
    import pandas as pd

    bids_participants, gaps, where = None, [], None
    if isinstance(table, (str, Path)) and Path(table).expanduser().is_dir():
        from ..formats.bids import is_root
        from .bids import bids_table, participants_file

        path = Path(table).expanduser()
        if not is_root(path):
            raise InvalidInputError(f"{path} is a folder but not a BIDS root (no dataset_description.json in it); give a study "
                                    "table (CSV/TSV with columns subject, session, file) or a BIDS-EMG root")
        frame, gaps = bids_table(path)
        where = list(frame["where"])
        base, name, bids_participants = path.resolve(), f"BIDS root {path}", participants_file(path)
    elif isinstance(table, pd.DataFrame):
        frame, base, name = table.copy(), Path.cwd(), "the study table"
    elif isinstance(table, (list, tuple)):
        frame, base, name = pd.DataFrame(list(table)), Path.cwd(), "the study table"
    elif isinstance(table, (str, Path)):
        path = Path(table).expanduser()
        if not path.is_file():
            raise InvalidInputError(f"study table {path} does not exist; give a CSV with columns subject, session, file")
        sep = "\t" if path.suffix.lower() == ".tsv" else ","
        try:
            frame = pd.read_csv(path, sep=sep, dtype=str, keep_default_na=False, encoding="utf-8-sig")
        except (ValueError, UnicodeDecodeError) as exc:
            raise FileFormatError(f"study table {path} is not a readable CSV/TSV ({type(exc).__name__}: {exc})") from None
        base, name = path.resolve().parent, str(path)
    else:
        raise InvalidInputError(f"a study table is a CSV/TSV path, a pandas DataFrame or a list of dicts, got {type(table).__name__}")
    frame.columns = [str(c).strip().lower() for c in frame.columns]
    missing = [c for c in REQUIRED if c not in frame.columns]
    if missing:
        raise InvalidInputError(f"{name} lacks the column(s) {missing}; it has {list(frame.columns)}. "
                                "A study table needs subject, session, file (optional: date, group, condition, retest_of)")
    for c in OPTIONAL:
        if c not in frame.columns:
            frame[c] = ""
    frame = frame[list(REQUIRED + OPTIONAL)].astype(object).where(frame.notna(), "")
    for c in frame.columns:
        frame[c] = [str(v).strip() for v in frame[c]]
    frame["line"] = range(2, len(frame) + 2)
    frame["where"] = where if where is not None else [f"{name} line {n}" for n in frame["line"]]
    return frame, base, name, bids_participants, gaps


def _locate(file: str, base: Path):
    """``(kind, absolute file, result folder)`` of a ``file`` entry, or None when it does not exist."""
    path = Path(file).expanduser()
    path = (path if path.is_absolute() else base / path).resolve()
    if path.is_dir():  # a result, complete or interrupted (then listed as unreadable when its measures are read)
        is_result = (path / RESULT_FILE).is_file() or (path / RESULTS_MANIFEST).is_file()
        return ("result", str(path), str(path)) if is_result else None
    if path.is_file():
        if path.name == RESULT_FILE:
            return "result", str(path), str(path.parent)
        return "recording", str(path), ""
    return None


def _parse_date(text: str):
    try:
        return _date.fromisoformat(text[:10])
    except ValueError:
        return None


def _order(frame):
    """Rank sessions within (subject, condition): by date when every row of the series has one, else by label."""
    order, by_date = [0] * len(frame), True
    records = frame[["subject", "condition", "session", "date", "line"]].to_dict("records")
    series = {}
    for pos, r in enumerate(records):
        series.setdefault((r["subject"], r["condition"]), []).append(pos)
    for positions in series.values():
        dates = [_parse_date(records[p]["date"]) for p in positions]
        use_dates = all(d is not None for d in dates)
        by_date &= use_dates
        keys = {p: (d if use_dates else _date.min, _natural_key(records[p]["session"]), records[p]["line"]) for p, d in zip(positions, dates)}
        for rank, p in enumerate(sorted(positions, key=keys.__getitem__)):
            order[p] = rank
    frame["order"] = order
    return "date" if by_date and len(frame) else "session label"


def read_study_table(table, *, participants=None) -> StudyTable:
    """Read and check a study table.

    Parameters
    ----------
    table : str, Path, pandas.DataFrame or list of dict
        The table (see module notes); a ``.tsv`` file is read tab-separated,
        a BIDS-EMG root (folder) through :func:`emgkit.study.bids.bids_table`.
    participants : str, Path or pandas.DataFrame, optional
        Group of each subject: columns ``subject`` (or the BIDS name
        ``participant_id``) and ``group``; overrides the table's ``group``.
        Default for a BIDS root: its ``participants.tsv`` when that has a
        ``group`` column.

    Returns
    -------
    StudyTable

    Raises
    ------
    InvalidInputError
        The table is missing, lacks a required column, or has no usable row.
    """
    frame, base, name, bids_participants, gaps = _read_frame(table)
    participants = bids_participants if participants is None else participants
    keep, seen, located = [], {}, []
    for i, r in enumerate(frame.to_dict("records")):
        where = r["where"]
        if not r["subject"] or not r["session"] or not r["file"]:
            empty = [c for c in REQUIRED if not r[c]]
            gaps.append(gap(r["subject"], r["session"], r["condition"], "incomplete row", f"{where}: empty {', '.join(empty)}; row left out"))
            continue
        key = (r["subject"], r["condition"], r["session"])
        if key in seen:
            gaps.append(gap(r["subject"], r["session"], r["condition"], "duplicate session",
                            f"{where} repeats subject {r['subject']!r} session {r['session']!r}"
                            + (f" condition {r['condition']!r}" if r["condition"] else "")
                            + f" of line {seen[key]}; only line {seen[key]} is used (give repeated trials distinct session labels)"))
            continue
        seen[key] = r["line"]
        found = _locate(r["file"], base)
        if found is None:
            gaps.append(gap(r["subject"], r["session"], r["condition"], "missing file",
                            f"{where}: {r['file']!r} is neither a recording nor a result folder holding {RESULT_FILE} "
                            f"(relative paths start at {base}); session left out"))
            continue
        keep.append(i)
        located.append(found)
    frame = frame.iloc[keep].drop(columns="where")
    frame["kind"], frame["file"], frame["result"] = ([f[j] for f in located] for j in range(3)) if located else ([], [], [])
    rows = frame.reset_index(drop=True)
    if rows.empty:
        raise InvalidInputError(f"{name}: no usable row ({len(gaps)} left out: " + "; ".join(g["detail"] for g in gaps[:3])
                                + (" ..." if len(gaps) > 3 else "") + ")")
    rows = _check_retests(rows, gaps)
    if participants is not None:
        _apply_participants(rows, participants, gaps)
    _check_groups(rows, gaps)
    ordered_by = _order(rows)
    for (subject, condition), part in rows[rows["retest_of"] == ""].groupby(["subject", "condition"], sort=False):
        if len(part) == 1:
            gaps.append(gap(subject, part["session"].iloc[0], condition, "one session",
                            f"subject {subject!r}" + (f" condition {condition!r}" if condition else "")
                            + " has a single session: no change can be computed (the subject still counts in group comparisons)"))
    return StudyTable(rows=rows, gaps=gaps, ordered_by=ordered_by)


def _check_retests(rows, gaps):
    sessions = set(zip(rows["subject"], rows["condition"], rows["session"]))
    bad = [i for i, r in rows.iterrows() if r["retest_of"] and (r["subject"], r["condition"], r["retest_of"]) not in sessions]
    for i in bad:
        r = rows.loc[i]
        gaps.append(gap(r["subject"], r["session"], r["condition"], "unknown retest_of",
                        f"line {r['line']}: retest_of {r['retest_of']!r} names no session of subject {r['subject']!r}; row left out"))
    return rows.drop(index=bad).reset_index(drop=True)


def _apply_participants(rows, participants, gaps):
    import pandas as pd

    if isinstance(participants, pd.DataFrame):
        table = participants.copy()
    else:
        path = Path(participants).expanduser()
        if not path.is_file():
            raise InvalidInputError(f"participants table {path} does not exist")
        table = pd.read_csv(path, sep="\t" if path.suffix.lower() == ".tsv" else ",", dtype=str, keep_default_na=False)
    table.columns = [str(c).strip().lower() for c in table.columns]
    id_col = "subject" if "subject" in table.columns else "participant_id" if "participant_id" in table.columns else None
    if id_col is None or "group" not in table.columns:
        raise InvalidInputError(f"a participants table needs the columns subject (or participant_id) and group; it has {list(table.columns)}")
    groups = {str(s).strip(): str(g).strip() for s, g in zip(table[id_col], table["group"])}
    groups.update({k[4:]: v for k, v in list(groups.items()) if k.startswith("sub-")})  # BIDS ids with or without "sub-"
    for subject in sorted(set(rows["subject"]) - set(groups)):
        gaps.append(gap(subject, "", "", "no group", f"subject {subject!r} is not in the participants table; left out of group comparisons"))
    rows["group"] = [groups.get(s, "") for s in rows["subject"]]


def _check_groups(rows, gaps):
    for subject, part in rows.groupby("subject", sort=False):
        named = [g for g in part["group"] if g]
        if len(set(named)) > 1:
            gaps.append(gap(subject, "", "", "conflicting groups",
                            f"subject {subject!r} is in groups {sorted(set(named))}; the first, {named[0]!r}, is used"))
        rows.loc[part.index, "group"] = named[0] if named else ""
