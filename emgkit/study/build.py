"""``emgkit.study``: a study table in, per-subject changes and group comparisons out.

:func:`study` reads the table (:mod:`~emgkit.study.table`), analyses the
recordings without a current result through the batch machinery
(:mod:`~emgkit.study.analyse`), reads the followed measures of every session
(:mod:`~emgkit.study.measures`), and builds the changes
(:mod:`~emgkit.study.changes`) and the group comparison
(:mod:`~emgkit.study.groups`) into a :class:`Study`.
"""

from __future__ import annotations

import math
import time
from pathlib import Path

from ..errors import InvalidInputError
from .table import GAP_COLUMNS, gap

__all__ = ["Study", "study", "OUTPUT_NAMES"]

OUTPUT_NAMES = {"changes": "changes.csv", "groups": "groups.csv", "subjects": "subjects.csv", "gaps": "gaps.csv"}
ROW_COLUMNS = ["line", "subject", "condition", "session", "order", "group", "retest_of"]


class Study:
    """Sessions over time and groups of a study (built by :func:`study`).

    Attributes
    ----------
    rows : pandas.DataFrame
        The study table's usable rows (:class:`~emgkit.study.table.StudyTable`),
        with ``result`` (the analysis folder of each session).
    measures : pandas.DataFrame
        One row per session, muscle (or pair) and measure: the row's
        ``subject, condition, session, order, group, retest_of`` and
        ``family, muscle, measure, unit, value, se, n, better``
        (:mod:`emgkit.study.measures`), only the values the analysis judged.
    skipped : pandas.DataFrame
        The values the analysis did not judge (columns of ``measures`` and
        ``reason``): never part of a series; each session's are a
        ``not judged`` row of ``gaps``.
    changes : pandas.DataFrame
        ``subject, session, muscle, measure, value, change, change_ci_low,
        change_ci_high, mdc, verdict`` then ``unit, condition, group,
        baseline_session, se, sem, reliability, note``
        (:mod:`emgkit.study.changes`).
    subjects : pandas.DataFrame
        One value per subject, condition, muscle and measure (the mean over
        its sessions), the input of the group comparison.
    groups : pandas.DataFrame
        Every group against the reference group (:mod:`emgkit.study.groups`).
    gaps : pandas.DataFrame
        ``subject, session, condition, problem, detail``: what was left out or
        is incomplete, and why.
    info : dict
        ``n_subjects, n_sessions, analysed, reused, failed, ordered_by,
        reliability, baseline, reference_group, group_sessions, flags, seconds``.
    """

    def __init__(self, *, rows, measures, changes, subjects, groups, gaps, info, skipped=None):
        self.rows, self.measures, self.changes, self.skipped = rows, measures, changes, skipped
        self.subjects, self.groups, self.gaps, self.info = subjects, groups, gaps, info

    def __repr__(self):
        counts = self.changes["verdict"].value_counts()
        return (f"<Study {self.info['n_subjects']} subjects, {self.info['n_sessions']} sessions: "
                f"{counts.get('improving', 0)} improving, {counts.get('worsening', 0)} worsening, "
                f"{counts.get('within_noise', 0)} within noise; {len(self.groups)} group comparisons; {len(self.gaps)} gaps>")

    def save(self, folder) -> dict:
        """Write ``changes.csv``, ``groups.csv``, ``subjects.csv`` and ``gaps.csv`` into ``folder`` (atomically).

        Returns
        -------
        dict
            Table name -> path.
        """
        from ..tables import write_csv

        folder = Path(folder).expanduser()
        folder.mkdir(parents=True, exist_ok=True)
        return {name: write_csv(folder / file, getattr(self, name), overwrite=True) for name, file in OUTPUT_NAMES.items()}

    def report(self, folder, *, subjects=None) -> dict:
        """Write one longitudinal page per subject (``folder/<subject>.html``) and the index ``folder/study.html``.

        Parameters
        ----------
        folder : str or Path
            Output folder (created if missing); ``plotly.min.js`` is written
            beside the pages, so they work offline.
        subjects : list of str, optional
            Only these subjects' pages (the index is always written).

        Returns
        -------
        dict
            Subject -> page path (file names: :func:`emgkit.study.report.page_name`).
        """
        from ..report_html import write_plotlyjs
        from .report import INDEX_NAME, in_folder, page_name, write_index_page, write_subject_page

        folder = Path(folder).expanduser()
        folder.mkdir(parents=True, exist_ok=True)
        write_plotlyjs(folder)
        names, taken = {}, set()
        for subject in sorted(set(self.rows["subject"])):
            names[subject] = page_name(subject, taken)
            taken.add(names[subject][:-5])
        wanted = list(names) if subjects is None else [s for s in subjects if s in names]
        missing = [] if subjects is None else [s for s in subjects if s not in names]
        if missing:
            raise InvalidInputError(f"no subject {missing[0]!r} in the study; subjects are {sorted(names)[:10]}")
        order = self.measures.drop_duplicates(["subject", "condition", "session"]).set_index(["subject", "condition", "session"])["order"]
        written = {}
        for subject in wanted:
            rows = self.changes[self.changes["subject"] == subject]
            rows = rows.assign(order=[order.get((subject, c, s), 0) for c, s in zip(rows["condition"], rows["session"])])
            gaps = self.gaps[self.gaps["subject"] == subject]
            written[subject] = write_subject_page(in_folder(folder, names[subject]), subject, rows, gaps, flags=self.info["flags"])
        write_index_page(in_folder(folder, INDEX_NAME), self, names)
        return written


def _duplicate_data_gaps(rows, measures):
    """Sessions whose measures are all identical to an earlier row's (the same data under two names): keep the first.

    Every value is a float from a different recording unless the data are the
    same, so equal sets of values mean a copied file (or the same file twice).
    """
    gaps, first, drop = [], {}, []
    lines = rows.set_index("line")
    for line, part in measures.groupby("line", sort=True):
        key = tuple(sorted(zip(part["muscle"], part["measure"], part["value"])))
        if key not in first:
            first[key] = line
            continue
        r, o = lines.loc[line], lines.loc[first[key]]
        gaps.append(gap(r["subject"], r["session"], r["condition"], "duplicate data",
                        f"line {line} ({r['file']}) holds the same data as line {first[key]} (subject {o['subject']!r} "
                        f"session {o['session']!r}): every measure is identical; counted once, from line {first[key]}"))
        drop.append(line)
    return rows[~rows["line"].isin(drop)].reset_index(drop=True), measures[~measures["line"].isin(drop)].reset_index(drop=True), gaps


def _skipped_gaps(skipped) -> list[dict]:
    """One ``not judged`` gap per session, family and reason of the values the analysis did not judge.

    ``skipped`` is the frame of :func:`_collect_measures` (rows of
    :func:`~emgkit.study.measures.split_measures` with their session).
    """
    from .._rule import num

    groups = {}
    for m in skipped.itertuples(index=False):
        value = f" {num(m.value, m.unit)} {m.unit}" if math.isfinite(m.value) else ""
        groups.setdefault((m.line, m.family, m.reason), (m, []))[1].append(f"{m.muscle} {m.measure}{value}")
    return [gap(m.subject, m.session, m.condition, "not judged",
                f"{family}: {', '.join(items)}: {why}; not judged by the analysis, so left out of this session "
                "(no change, no verdict)")
            for (_, family, why), (m, items) in groups.items()]


def _collect_measures(rows, gaps):
    """The measures of every row with a result, and those not judged (two frames); gaps for results that cannot be read."""
    import pandas as pd

    from .measures import MEASURE_COLUMNS, SKIPPED_COLUMNS, read_session

    columns = {c: [] for c in ROW_COLUMNS + MEASURE_COLUMNS}
    skipped_rows = []
    for r in rows.itertuples(index=False):
        try:
            found, skipped = read_session(r.result)
        except Exception as exc:  # noqa: BLE001 - one damaged result is a gap, not the end of the study
            gaps.append(gap(r.subject, r.session, r.condition, "unreadable result", f"{r.result}: {type(exc).__name__}: {exc}"))
            continue
        if not found:
            gaps.append(gap(r.subject, r.session, r.condition, "no measures",
                            f"{r.file}: the analysis judged no left/right, co-contraction, timing or fatigue value "
                            + ("(its values are listed as 'not judged')" if skipped else "(see its pairing table)")))
        skipped_rows += [{**{c: getattr(r, c) for c in ROW_COLUMNS}, **m} for m in skipped]
        for m in found:
            for c in ROW_COLUMNS:
                columns[c].append(getattr(r, c))
            for c in MEASURE_COLUMNS:
                columns[c].append(m[c])
    frame = pd.DataFrame(columns)
    for c in ("value", "se", "n"):
        frame[c] = frame[c].astype(float)
    return frame, pd.DataFrame(skipped_rows, columns=ROW_COLUMNS + SKIPPED_COLUMNS)


def study(table, *, out=None, config=None, participants=None, baseline=None, reliability="auto", better=None,
          reference_group=None, group_sessions="all", workers=None, scheduler=None, force=False, stream="auto",
          progress=None) -> Study:
    """Follow a study's subjects over sessions and compare its groups.

    Parameters
    ----------
    table : str, Path, pandas.DataFrame or list of dict
        The study table: ``subject, session, file`` and optional ``date,
        group, condition, retest_of`` (:mod:`emgkit.study.table`).  ``file``
        is a recording or an existing result folder (``analysis.h5``).
    out : str or Path, optional
        Study folder; recordings are analysed into ``out/results/`` (needed
        when the table names recordings).  Results there whose input and
        configuration are unchanged are reused, not recomputed.
    config : None, path, dict or Config
        Analysis configuration of the recordings analysed (as ``emgkit
        batch --config``); its flag thresholds are drawn in the reports.
    participants : str, Path or DataFrame, optional
        ``subject`` (or ``participant_id``) and ``group`` of each subject.
    baseline : str, optional
        Baseline session label (default: each subject's first session).
    reliability : {"auto", "within-session", "test-retest"}, default "auto"
        Source of the SEM behind each MDC (:mod:`emgkit.study.reliability`).
    better : dict, optional
        Measure -> ``"zero"``, ``"lower"`` or ``"higher"`` (healthier direction).
    reference_group : str, optional
        Group the others are compared with (default: first in sorted order).
    group_sessions : {"all", "first", "last"}, default "all"
        Sessions averaged into each subject's value for the group comparison.
    workers, scheduler, force, stream, progress
        As for :func:`emgkit.batch.run_batch` (local processes or a Dask
        cluster; ``force`` redoes current results).

    Returns
    -------
    Study
        Call :meth:`Study.save` and :meth:`Study.report` to write the tables and pages.

    Raises
    ------
    InvalidInputError
        No usable row, a missing required column, bad options, a reference
        group not in the table, or recordings to analyse without ``out``.
    """
    import pandas as pd

    from ..config import load_config
    from .analyse import analyse_recordings
    from .changes import compute_changes, muscle_set_gaps
    from .groups import compare_groups, subject_values
    from .table import read_study_table

    start = time.perf_counter()
    cfg = load_config(config)
    parsed = read_study_table(table, participants=participants)
    rows, gaps = parsed.rows, list(parsed.gaps)
    table_groups = sorted({g for g in rows["group"] if g})
    if reference_group is not None and reference_group not in table_groups:  # a typo is a usage error, found before any analysis
        raise InvalidInputError(f"reference group {reference_group!r} is not in the study table; its groups are {table_groups}")
    counts = {"analysed": 0, "reused": 0, "failed": 0}
    if (rows["kind"] == "recording").any():
        if out is None:
            raise InvalidInputError("the study table names recordings: give out= (the study folder their results go to)")
        found, counts = analyse_recordings(rows, Path(out).expanduser(), config=cfg, workers=workers, scheduler=scheduler,
                                           force=force, stream=stream, progress=progress)
        gaps += found
    rows = rows[rows["result"] != ""].reset_index(drop=True)
    measures, skipped = _collect_measures(rows, gaps)
    rows, measures, found = _duplicate_data_gaps(rows, measures)
    gaps += found
    skipped = skipped[skipped["line"].isin(rows["line"])].reset_index(drop=True)  # not those of a duplicate left out
    gaps += _skipped_gaps(skipped)
    changes, found = compute_changes(measures, baseline=baseline, reliability=reliability, better=better)
    gaps += found + muscle_set_gaps(measures, skipped)
    subjects = subject_values(measures, sessions=group_sessions)
    if reference_group is not None and reference_group not in set(subjects["group"]):
        gaps.append(gap("", "", "", "no reference group", f"no session of the reference group {reference_group!r} could be used: "
                                                           "no group comparison"))
        groups = compare_groups(subjects.iloc[:0])
    else:
        groups = compare_groups(subjects, reference=reference_group)
    if len(subjects) and subjects["group"].nunique() < 2:
        gaps.append(gap("", "", "", "one group", f"all grouped subjects are in group {subjects['group'].iloc[0]!r}: no comparison"))
    flags = {"si_notice_pct": cfg.flags.si_notice_pct, "si_flag_pct": cfg.flags.si_flag_pct, "timing_ms": cfg.flags.timing_ms}
    info = dict(n_subjects=int(rows["subject"].nunique()), n_sessions=len(rows), **counts, ordered_by=parsed.ordered_by,
                reliability=reliability, baseline=baseline or "first session", reference_group=reference_group or
                (groups["group_a"].iloc[0] if len(groups) else ""), group_sessions=group_sessions, flags=flags,
                seconds=time.perf_counter() - start)
    return Study(rows=rows, measures=measures, changes=changes, subjects=subjects, groups=groups,
                 gaps=pd.DataFrame(gaps, columns=GAP_COLUMNS), info=info, skipped=skipped)
