"""``emgkit batch``: analyse many recordings, locally or on a Dask cluster (wired into :mod:`emgkit.cli`).

Exit codes: 0 every recording has a result, 1 some failed (listed in
``failures.csv``; the others are complete), 2 usage error (nothing to
analyse, bad option or configuration, scheduler unreachable), 130
interrupted (Ctrl-C or SIGTERM; rerun the same command to resume).
A second batch on the same ``--out`` waits for the first one to finish.
"""

from __future__ import annotations

__all__ = ["EXIT_FAILED", "EXIT_INTERRUPTED", "EXIT_OK", "EXIT_USAGE", "add_batch_parser", "cli_batch", "main"]

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130


def _positive_int(text):
    import argparse

    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a positive integer, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be a positive integer, got {value}")
    return value


def add_batch_parser(subparsers):
    """Add the ``batch`` subcommand to an argparse ``subparsers`` object; returns its parser."""
    p = subparsers.add_parser(
        "batch",
        help="analyse many recordings (files, folders, globs): tables and report per recording plus a summary",
        description=(
            "Analyse every recording in INPUTS and write the tables and report.html of each into "
            "DIR/<relative path of the input>/, then DIR/summary.csv, summary.h5, summary.html and failures.csv. "
            "Recordings whose results are complete and whose input and configuration are unchanged are skipped "
            "(--force redoes them). Exit code 0: all analysed; 1: some failed; 2: usage error."
        ),
    )
    p.add_argument("inputs", metavar="INPUT", nargs="+", help="recording file, folder (searched recursively) or glob pattern")
    p.add_argument("--out", metavar="DIR", required=True, help="output folder (created if missing)")
    p.add_argument("--workers", metavar="N", type=_positive_int, default=None,
                   help="local worker processes (default: number of cores)")
    p.add_argument("--scheduler", metavar="ADDRESS",
                   help="Dask scheduler address (tcp://host:8786): run on that cluster instead of local processes")
    p.add_argument("--dask-timeout", metavar="S", type=float, default=None,
                   help="with --scheduler: seconds the cluster may have no worker before the unfinished recordings are "
                   "listed in failures.csv (default 60)")
    p.add_argument("--config", metavar="TOML", help="analysis configuration for every recording (see 'emgkit config --show')")
    from ..analysis_cli import add_config_choice

    add_config_choice(p, "--task-structure", "analysis", "task_structure",
                      "how the two sides work in every recording's task (overrides analysis.task_structure; default: "
                      "found from each recording's bursts)")
    add_config_choice(p, "--cycles-per-side", "cycles", "per_side")
    p.add_argument("--pair-trials", action="store_true",
                   help="pair unilateral trials by file name in each folder (side-L/side-R entity, or _L/_R at the end of the name; "
                   "the rest of the name alike) and compare each pair as the two sides, into DIR/<folder>/<name with the side "
                   "as LR>/; files without a partner are listed in failures.csv (step 'pair')")
    p.add_argument("--rest-interval", metavar=("T0", "T1"), nargs=2, type=float,
                   help="a rest within every recording, s from its start: the noise floors are measured there (sets "
                   "normalization.rest_interval); a rest recording (--rest) is taken by analyze and report only")
    p.add_argument("--pattern", metavar="GLOB",
                   help="file names to take from folders (default: *.h5 *.hdf5 *.nwb *.mat *.edf *.bdf *.c3d)")
    p.add_argument("--fs", type=float, metavar="HZ",
                   help="sampling rate in Hz for files that do not store one (given to every format that takes a rate)")
    p.add_argument("--force", action="store_true", help="redo recordings whose results are already current")
    from ..channel_map import add_map_arguments

    add_map_arguments(p)
    p.add_argument("--stream", choices=("auto", "on", "off"), default="auto",
                   help="analyse recordings in time chunks without loading them whole (same tables); auto: HDF5 files "
                   "holding more than 50 million samples over all channels (default auto)")
    noise = p.add_mutually_exclusive_group()
    noise.add_argument("--quiet", "-q", action="store_true", help="print only failures")
    noise.add_argument("--verbose", "-v", action="store_true", help="also list skipped recordings and the workers used")
    p.set_defaults(func=cli_batch)
    return p


def cli_batch(args) -> int:
    """Run ``emgkit batch``; returns the exit code."""
    import signal
    import sys

    from .._text import printable
    from ..channel_map import map_from_args
    from ..analysis_cli import config_from_args
    from ..config import load_config
    from ..errors import FileFormatError, InvalidInputError, MissingDependencyError
    from .progress import Progress
    from .runner import run_batch

    if args.scheduler and args.workers is not None:
        print("emgkit batch: usage error: --workers sets local processes; with --scheduler the cluster's workers run the batch",
              file=sys.stderr)
        return EXIT_USAGE
    try:
        config = load_config(args.config)
    except (InvalidInputError, FileFormatError, OSError) as exc:
        print(f"emgkit batch: usage error: configuration {args.config}: {printable(exc)}", file=sys.stderr)
        return EXIT_USAGE
    try:
        config = config_from_args(config, args)
    except InvalidInputError as exc:
        print(f"emgkit batch: usage error: {printable(exc)}", file=sys.stderr)
        return EXIT_USAGE
    try:
        channel_map = map_from_args(args)
    except (InvalidInputError, FileFormatError, OSError) as exc:
        print(f"emgkit batch: usage error: channel map: {printable(exc)}", file=sys.stderr)
        return EXIT_USAGE
    progress = Progress(verbosity=0 if args.quiet else 2 if args.verbose else 1)

    def _terminate(signum, frame):
        raise KeyboardInterrupt(f"signal {signum}")

    previous = signal.signal(signal.SIGTERM, _terminate)
    try:
        batch = run_batch(args.inputs, args.out, config=config, workers=args.workers, scheduler=args.scheduler,
                          pattern=args.pattern, force=args.force, progress=progress, stream=args.stream,
                          channel_map=channel_map, dask_timeout=args.dask_timeout, pair_trials=args.pair_trials)
    except (InvalidInputError, MissingDependencyError) as exc:
        print(f"emgkit batch: usage error: {printable(exc)}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("\nemgkit batch: interrupted; finished recordings are complete, rerun the same command to resume", file=sys.stderr)
        return EXIT_INTERRUPTED
    finally:
        signal.signal(signal.SIGTERM, previous)
    return batch.exit_code


def main(argv=None) -> int:
    """``python -m emgkit.batch.cli INPUT... --out DIR``: the batch command on its own (same as ``emgkit batch``)."""
    import argparse
    import sys

    parser = argparse.ArgumentParser(prog="emgkit")
    add_batch_parser(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(["batch", *(sys.argv[1:] if argv is None else argv)])
    return args.func(args)


if __name__ == "__main__":
    raise SystemExit(main())
