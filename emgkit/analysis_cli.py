"""Command-line handlers of ``emgkit analyze``, ``emgkit report`` and ``emgkit config`` (wired into :mod:`emgkit.cli`).

Only argparse is imported at module level: the analysis stack loads when the
command runs, so ``emgkit --help`` stays instant.
"""

from __future__ import annotations

__all__ = ["add_analyze_parser", "cli_analyze", "add_report_parser", "cli_report", "add_config_parser", "cli_config"]

EXIT_OK = 0


def _add_analysis_arguments(p):
    p.add_argument("file", metavar="FILE", help="recording (emgkit HDF5, or any format emgkit.read understands)")
    p.add_argument("right_file", metavar="RIGHT_FILE", nargs="?",
                   help="with --pair-trials: the right-side trial of the same task (FILE is the left-side trial)")
    p.add_argument("--pair-trials", action="store_true",
                   help="compare two unilateral trials as the two sides: FILE's left channels with RIGHT_FILE's right "
                   "channels, each on its own bursts (same rate, unit and muscles needed)")
    add_config_choice(p, "--task-structure", "analysis", "task_structure",
                      "how the two sides work in the task (overrides analysis.task_structure; default: found from "
                      "the bursts); unilateral: no left/right comparison")
    add_config_choice(p, "--cycles-per-side", "cycles", "per_side")
    p.add_argument("--out", metavar="DIR", required=True, help="output folder (created if missing)")
    p.add_argument("--config", metavar="TOML", help="analysis configuration (see 'emgkit config --show')")
    p.add_argument("--mvc", metavar="FILE", action="append", default=[],
                   help="MVC recording for amplitude normalization (repeat for 2-3 trials: the best one counts)")
    p.add_argument("--rest", metavar="FILE",
                   help="rest recording of the same electrodes (muscles relaxed): each channel's noise floor is measured "
                   "on it (conditioned like FILE; channels matched by name, else muscle and side) and subtracted unless it "
                   "is muscle-like or above FILE's quietest level; not with --rest-interval or --pair-trials")
    p.add_argument("--rest-interval", metavar=("T0", "T1"), nargs=2, type=float,
                   help="a rest within FILE, s from its start: the noise floor is measured there (sets "
                   "normalization.rest_interval; the onset detector's baseline is onset.baseline in --config)")
    p.add_argument("--pair", metavar="A,B", action="append", default=[],
                   help="explicit pair of channel names: left,right or agonist,antagonist (repeatable)")
    p.add_argument("--fs", type=float, metavar="HZ",
                   help="sampling rate in Hz, for files that do not store it (text columns, some HDF5)")
    p.add_argument("--overwrite", action="store_true", help="replace the results of an earlier analysis in DIR")
    p.add_argument("--stream", choices=("auto", "on", "off"), default="auto",
                   help="analyse the file in time chunks without loading it whole (same results); auto: HDF5 files "
                   "holding more than 50 million samples over all channels (default auto)")
    p.add_argument("--quiet", action="store_true", help="print nothing but errors (no progress line either; progress "
                   "is drawn on stderr only when it is a terminal)")
    from .channel_map import add_map_arguments

    add_map_arguments(p)


def add_config_choice(p, flag, section, name, help=None):
    """Add ``flag`` to parser ``p``, its choices read from the configuration option ``section.name``.

    Without ``help``, the option's own documentation and default are shown.
    """
    import dataclasses

    from .config import _SECTIONS

    option = next(f for f in dataclasses.fields(_SECTIONS[section]) if f.name == name)
    p.add_argument(flag, choices=option.metadata["choices"],
                   help=help or f"overrides {section}.{name} (default {option.default}): {option.metadata['doc']}")


def config_from_args(config, args):
    """``config`` with the options the command line overrides (--task-structure, --cycles-per-side, --rest-interval).

    Raises
    ------
    emgkit.errors.InvalidInputError
        An override the configuration refuses (e.g. a rest interval that ends before it starts).
    """
    if getattr(args, "task_structure", None):
        config = config.replace(analysis={"task_structure": args.task_structure})
    if getattr(args, "cycles_per_side", None):
        config = config.replace(cycles={"per_side": args.cycles_per_side})
    if getattr(args, "rest_interval", None):
        config = config.replace(normalization={"rest_interval": list(args.rest_interval)})
    return config


def add_analyze_parser(subparsers):
    """Add the ``analyze`` subcommand to an argparse ``subparsers`` object; returns its parser."""
    p = subparsers.add_parser(
        "analyze",
        help="imbalance analysis of a recording: left/right, agonist/antagonist, timing, fatigue tables",
        description=(
            "Analyse muscle imbalance in one recording and write the tables (HDF5 + CSV), the configuration used "
            "and a summary into DIR. FILE may be sample:NAME for a bundled sample."
        ),
    )
    _add_analysis_arguments(p)
    p.set_defaults(func=cli_analyze)
    return p


def add_report_parser(subparsers):
    """Add the ``report`` subcommand: the analysis tables plus the interactive HTML report."""
    p = subparsers.add_parser(
        "report",
        help="analyse a recording and write its interactive HTML report (plus the analysis tables)",
        description=(
            "Analyse muscle imbalance in one recording and write DIR/report.html (self-contained, works offline) "
            "beside the analysis tables. FILE may be sample:NAME for a bundled sample."
        ),
    )
    _add_analysis_arguments(p)
    p.set_defaults(func=cli_report)
    return p


def _resolve(text):
    from .datasets import resolve_input

    return resolve_input(text)


def run_analysis(args, *, traces=False):
    """Read, analyse and save as the command line asked; returns ``(analysis, folder, traces)`` (traces None unless asked)."""
    from pathlib import Path

    from .analysis import analysis_state, analyze_source
    from .channel_map import map_from_args
    from .config import load_config
    from .errors import InvalidInputError, OutputExistsError
    from .io import read

    config = config_from_args(load_config(args.config), args)
    if args.rest and args.rest_interval:
        raise InvalidInputError("--rest (a rest recording) and --rest-interval (a rest within FILE) were both given: "
                                "the noise floor comes from one rest; drop one of them")
    if args.rest and args.pair_trials:
        raise InvalidInputError("--rest is not taken with --pair-trials (two trials, one rest file would fit neither); "
                                "give --rest-interval, a rest within each trial, instead")
    if bool(args.right_file) != bool(args.pair_trials):
        raise InvalidInputError("--pair-trials needs two files, LEFT_FILE RIGHT_FILE" if args.pair_trials else
                                f"a second file ({args.right_file}) is read only with --pair-trials (two unilateral trials)")
    path = _resolve(args.file)
    cmap = map_from_args(args)
    request = _request(args, path, config, cmap, traces)
    # say so before spending time on the analysis; an interrupted save (killed) is simply redone, and the same
    # command's own complete result (killed after its last write) is kept as it is
    if not args.overwrite and Path(args.out).is_dir() and analysis_state(args.out) in ("complete", "legacy"):
        done = _own_result(args.out, request, traces)
        if done is not None:
            return done, Path(args.out), None
        raise OutputExistsError(f"{args.out} holds an earlier analysis; pass --overwrite to replace it, or choose another --out")
    if args.fs is not None:  # --fs 0 is refused, not ignored
        from ._checks import check_fs
        from .errors import InvalidInputError

        try:
            check_fs(args.fs)
        except InvalidInputError as exc:
            raise InvalidInputError(f"--fs {args.fs:g}: {exc}") from None
    options = {**({"fs": args.fs} if args.fs is not None else {}), **({"channel_map": cmap} if cmap is not None else {})}
    mvc = [read(_resolve(m), **options) for m in args.mvc] or None
    rest = read(_resolve(args.rest), **options) if args.rest else None
    pairs = None
    if args.pair:
        pairs = []
        for text in args.pair:
            parts = [p.strip() for p in text.split(",")]
            if len(parts) != 2 or not all(parts):
                raise InvalidInputError(f"--pair takes two channel names separated by a comma, got {text!r}")
            pairs.append(tuple(parts))
    from .batch.progress import StepProgress

    progress = StepProgress(verbosity=0 if args.quiet else 1)  # stderr, on a terminal only
    try:
        if args.pair_trials:
            from .analysis.pair_trials import pair_source

            result, shown = pair_source(path, _resolve(args.right_file), pairs=pairs, mvc=mvc, config=config,
                                        traces=traces, emit=False, **options)
        else:
            result, shown = analyze_source(path, stream=args.stream, pairs=pairs, mvc=mvc, config=config, traces=traces,
                                           emit=False, progress=progress, rest=rest, **options)
        extra = None
        if traces:  # the report is part of the same all-or-nothing save (manifest written after it)
            from .report_html import report

            extra = {"report.html": lambda out: report(result, out, traces=shown, overwrite=True, source=path)}
        progress("writing the results" + (" and the report" if traces else ""))
        folder = result.save(args.out, overwrite=args.overwrite, extra=extra, request=request)
    finally:
        progress.close()
    return result, folder, shown


def _request(args, path, config, cmap, traces):
    """Digest of what the command was asked: command, input and MVC bytes, configuration, options, emgkit version."""
    import hashlib
    import json
    import os
    from pathlib import Path

    from ._atomic import sha256_file
    from ._version import __version__

    def ident(p):
        p = Path(p)
        return sha256_file(p) if p.is_file() else os.path.abspath(p)  # not resolve(): a link loop is diagnosed by the reader

    doc = {"report": bool(traces), "input": ident(path), "mvc": [ident(_resolve(m)) for m in args.mvc], "config": config.digest(),
           "pairs": list(args.pair), "fs": args.fs,
           "right": ident(_resolve(args.right_file)) if args.right_file else None, "map": cmap.digest() if cmap is not None else None, "version": __version__,
           **({"rest": ident(_resolve(args.rest))} if args.rest else {})}
    return hashlib.sha256(json.dumps(doc, sort_keys=True).encode()).hexdigest()


def _own_result(folder, request, traces):
    """The analysis in ``folder`` when it is this very request's complete, intact result; else None."""
    from ._atomic import check_results
    from .analysis import load_analysis

    try:
        doc = check_results(folder, need=("report.html",) if traces else ())
    except (OSError, ValueError):
        return None
    return load_analysis(folder) if doc.get("request") == request else None


def _print_summary(args, result):
    """The ranked summary on the terminal; its first row says what was compared ("not compared" when nothing was).

    Text from the file (channel names in the findings) is made printable
    (:func:`emgkit._text.printable`): no terminal escape codes reach the screen.
    """
    from ._text import printable

    if not args.quiet:
        info = result.info
        print(f"analysed {printable(args.file)}: {info['n_channels']} EMG channels, {info['duration_s']:.1f} s at {info['fs']:g} Hz, "
              f"{result.info['n_cycles']} repetitions ({printable(result.info['cycles_source'])})")
        for row in result.summary.itertuples(index=False):
            mark = {"flag": "FLAG  ", "notice": "notice", "ok": "ok    ", "info": "info  ",
                    "not compared": "NOT COMPARED"}.get(row.severity, row.severity)
            print(f"  {row.rank:>2}. [{mark}] {printable(row.finding)}")



def cli_analyze(args) -> int:
    """Run ``emgkit analyze``: read, analyse, save, print the ranked summary; returns the exit code."""
    result, folder, _ = run_analysis(args)
    _print_summary(args, result)
    if not args.quiet:
        print(f"tables written to {folder} (analysis.h5 and one CSV per table)")
    return EXIT_OK


def cli_report(args) -> int:
    """Run ``emgkit report``: the analysis of ``emgkit analyze`` plus ``DIR/report.html``."""
    result, folder, _ = run_analysis(args, traces=True)
    path = folder / "report.html"  # written inside the save (or kept: the same command's complete result)
    _print_summary(args, result)
    if not args.quiet:
        print(f"report written to {path} (open it in a browser; it works offline)")
    return EXIT_OK


def add_config_parser(subparsers):
    """Add the ``config`` subcommand (``emgkit config --show [--config FILE]``)."""
    p = subparsers.add_parser("config", help="print the analysis configuration (defaults, or a TOML file merged over them)")
    p.add_argument("--show", action="store_true", help="print the effective configuration as TOML (the default action)")
    p.add_argument("--config", metavar="TOML", help="configuration file to merge over the defaults")
    p.add_argument("--no-comments", action="store_true", help="leave out the explanation of each setting")
    p.set_defaults(func=cli_config)
    return p


def cli_config(args) -> int:
    """Print the effective configuration as TOML."""
    from .config import load_config

    print(load_config(args.config).to_toml(comments=not args.no_comments), end="")
    return EXIT_OK
