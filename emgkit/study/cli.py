"""``emgkit study STUDY.csv --out DIR``: changes over sessions and group comparisons (wired into :mod:`emgkit.cli`).

Exit codes: 0 every session of the table has a result, 1 some sessions
could not be used (missing files, failed analyses; listed in ``gaps.csv``;
everything else is complete), 2 usage error (no table, bad option or
configuration, scheduler unreachable), 130 interrupted (rerun to resume).
"""

from __future__ import annotations

__all__ = ["add_study_parser", "cli_study"]

EXIT_OK, EXIT_PARTIAL, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130
LOST = ("missing file", "analysis failed", "unreadable result", "incomplete row", "duplicate session", "duplicate data",
        "unknown retest_of")  # gaps that leave a row of the table out


def add_study_parser(subparsers):
    """Add the ``study`` subcommand to an argparse ``subparsers`` object; returns its parser."""
    p = subparsers.add_parser(
        "study",
        help="sessions over time and group comparisons from a study table (subject, session, file)",
        description=(
            "Analyse the recordings of STUDY.csv (or of a BIDS-EMG root) that have no current result (like 'emgkit batch', into DIR/results/), "
            "then write DIR/changes.csv (change of every measure from the baseline session with its CI, MDC and verdict), "
            "DIR/groups.csv (group means, differences, Hedges' g), DIR/subjects.csv, DIR/gaps.csv, one report "
            "DIR/<subject>.html per subject and DIR/study.html. Exit code 0: complete; 1: some sessions unusable; 2: usage error."
        ),
    )
    p.add_argument("table", metavar="STUDY.csv", help="columns subject, session, file; optional date, group, condition, retest_of; "
                   "or a BIDS-EMG root (subject, session, task from its file names, group from participants.tsv)")
    p.add_argument("--out", metavar="DIR", required=True, help="study folder (created if missing)")
    p.add_argument("--participants", metavar="FILE", help="CSV/TSV with subject (or participant_id) and group")
    p.add_argument("--baseline", metavar="SESSION", help="baseline session label (default: each subject's first session)")
    p.add_argument("--reliability", choices=("auto", "within-session", "test-retest"), default="auto",
                   help="SEM behind the MDC: between-repetition variability or retest sessions (auto: retest when marked)")
    p.add_argument("--reference-group", metavar="GROUP", help="group the others are compared with (default: first alphabetically)")
    p.add_argument("--group-sessions", choices=("all", "first", "last"), default="all",
                   help="sessions averaged into each subject's value for the group comparison (default all)")
    p.add_argument("--config", metavar="TOML", help="analysis configuration (see 'emgkit config --show')")
    p.add_argument("--workers", metavar="N", type=int, default=None, help="local worker processes (default: number of cores)")
    p.add_argument("--scheduler", metavar="ADDRESS", help="Dask scheduler address (tcp://host:8786)")
    p.add_argument("--force", action="store_true", help="re-analyse recordings whose results are current")
    p.add_argument("--stream", choices=("auto", "on", "off"), default="auto", help="stream large HDF5 recordings (as in batch)")
    p.add_argument("--no-report", action="store_true", help="write the tables only, no HTML pages")
    p.add_argument("--quiet", "-q", action="store_true", help="print only problems")
    p.set_defaults(func=cli_study)
    return p


def cli_study(args) -> int:
    """Run ``emgkit study``; returns the exit code."""
    import sys
    import time

    from ..batch.progress import Progress
    from ..errors import FileFormatError, InvalidInputError, MissingDependencyError
    from .build import study

    start = time.perf_counter()
    try:
        result = study(args.table, out=args.out, config=args.config, participants=args.participants, baseline=args.baseline,
                       reliability=args.reliability, reference_group=args.reference_group, group_sessions=args.group_sessions,
                       workers=args.workers, scheduler=args.scheduler, force=args.force, stream=args.stream,
                       progress=Progress(verbosity=0 if args.quiet else 1))
    except (InvalidInputError, FileFormatError, MissingDependencyError) as exc:
        print(f"emgkit study: usage error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("\nemgkit study: interrupted; finished analyses are kept, rerun the same command to resume", file=sys.stderr)
        return EXIT_INTERRUPTED
    result.save(args.out)
    if not args.no_report:
        result.report(args.out)
    for g in result.gaps.itertuples(index=False):
        print(f"gap: {g.problem}: {g.detail}", file=sys.stderr)
    if not args.quiet:
        counts = result.changes["verdict"].value_counts()
        info = result.info
        print(f"{info['n_subjects']} subjects, {info['n_sessions']} sessions ({info['analysed']} analysed, {info['reused']} reused); "
              f"changes: {counts.get('improving', 0)} improving, {counts.get('worsening', 0)} worsening, "
              f"{counts.get('within_noise', 0)} within noise; {len(result.groups)} group comparisons; {len(result.gaps)} gaps")
        print(f"wrote {args.out}/changes.csv, groups.csv, subjects.csv, gaps.csv"
              + ("" if args.no_report else ", study.html and one page per subject") + f" in {time.perf_counter() - start:.1f} s")
    return EXIT_PARTIAL if result.gaps["problem"].isin(LOST).any() else EXIT_OK
