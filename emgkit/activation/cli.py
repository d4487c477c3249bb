"""``emgkit onsets FILE``: the burst table of a recording on the command line.

Importing this module loads nothing but the standard library (the
onset-method registry is pure Python); ``emgkit/cli.py`` calls
:func:`add_onsets_parser` while building its parser, and the subcommand runs
:func:`cli_onsets`.  The methods and their options come from the registry.
"""

from __future__ import annotations

from ._registry import METHODS, OPTIONS, REGISTRY

METHOD_CHOICES = METHODS


def add_onsets_parser(subparsers):
    """Add the ``onsets`` subcommand to an ``argparse`` subparsers object; returns its parser."""
    p = subparsers.add_parser(
        "onsets",
        help="onsets and offsets of muscle activity in every channel (a table of bursts)",
        description=(
            "Detect muscle activity bursts in every channel of FILE and print (or write) one row per burst: "
            "channel, muscle, side, burst, onset_s, offset_s, duration_s, peak, mean_amplitude, clipped. "
            "A per-channel summary (threshold, rest baseline, reason when a channel has no bursts) goes to stderr."
        ),
        epilog="Example: emgkit onsets trial.h5 --method auto --baseline 0 2 --out bursts.csv",
    )
    p.add_argument("file", metavar="FILE", help="recording (HDF5, or sample:NAME for a bundled sample)")
    methods = "; ".join(f"{m.name}: {m.summary}" for m in REGISTRY.values())
    p.add_argument("--method", choices=METHOD_CHOICES, default="auto", help=f"detector (default auto). {methods}")
    p.add_argument("--baseline", nargs=2, type=float, metavar=("START_S", "STOP_S"),
                   help="a rest interval in s (default: the quietest 0.5 s of each channel)")
    p.add_argument("--channels", nargs="+", metavar="NAME", help="channels to analyse (default: all)")
    p.add_argument("--fs", type=float, metavar="HZ",
                   help="sampling rate in Hz, for files that do not store one (text without a time column, MATLAB without fs)")
    keys = "; ".join(f"{name} ({', '.join(m.name for m in REGISTRY.values() if name in m.defaults)})"
                     for name in OPTIONS)
    p.add_argument("--set", dest="options", action="append", default=[], metavar="KEY=VALUE",
                   help="a method option in physical units, repeatable: --set h=6 --set min_gap_ms=100 "
                        f"--set band_hz=20,450 --set track_s=none. Options (methods that take them): {keys}")
    p.add_argument("--out", metavar="TABLE.csv", help="write the burst table here as CSV (default: print it)")
    p.add_argument("--overwrite", action="store_true", help="replace TABLE.csv if it exists")
    from emgkit.channel_map import add_map_arguments

    add_map_arguments(p)  # channels declared not EMG are left out
    p.set_defaults(func=cli_onsets)
    return p


def parse_option(text):
    """``"KEY=VALUE"`` -> ``(key, value)``: none -> None, ``a,b`` -> tuple of numbers, else int or float."""
    from emgkit.errors import InvalidInputError

    key, sep, raw = text.partition("=")
    key, raw = key.strip(), raw.strip()
    if not sep or not key or not raw:
        raise InvalidInputError(f"--set expects KEY=VALUE (e.g. --set h=6), got {text!r}")

    def number(s):
        try:
            return int(s)
        except ValueError:
            try:
                return float(s)
            except ValueError:
                raise InvalidInputError(f"--set {key}: {s!r} is not a number (use none, a number, or a,b)") from None

    if raw.lower() == "none":
        return key, None
    if "," in raw:
        return key, tuple(number(s.strip()) for s in raw.split(","))
    return key, number(raw)


def method_options(args):
    """The ``--set`` options of ``args``, checked against ``args.method``'s entry in the registry (before any file is read)."""
    from ._registry import resolve_options

    options = dict(parse_option(t) for t in args.options)
    resolve_options(args.method, options)
    return options


def cli_onsets(args) -> int:
    """Run ``emgkit onsets``; returns the exit status (errors propagate to the CLI's handler)."""
    import sys
    from pathlib import Path

    from emgkit._text import printable
    from emgkit.activation import detect_activation
    from emgkit.channel_map import drop_declared_non_emg, map_from_args
    from emgkit.errors import OutputExistsError
    from emgkit.io import read

    options = method_options(args)
    path = _resolve(args.file)
    out = Path(args.out) if args.out else None
    if out is not None and out.exists() and not args.overwrite:
        raise OutputExistsError(f"{out} exists; pass --overwrite to replace it")
    cmap = map_from_args(args)
    rec, left_out = drop_declared_non_emg(read(path, channels=args.channels, **({"channel_map": cmap} if cmap else {})))
    baseline = tuple(args.baseline) if args.baseline else None
    act = detect_activation(rec, method=args.method, baseline=baseline, **options)
    frame = act.to_frame()
    _print_summary(act, args.file, sys.stderr)
    if left_out:
        print(f"  left out (declared not EMG): {', '.join(f'{printable(n)} ({k})' for n, k in left_out)}", file=sys.stderr)
    if out is None:
        if "channel" in frame:  # names from the file never reach a terminal raw (stdout may be one)
            frame = frame.assign(channel=[printable(n) for n in frame["channel"]])
        sys.stdout.write(frame.to_csv(index=False, float_format="%.6g"))
    else:
        out.parent.mkdir(parents=True, exist_ok=True)
        frame.to_csv(out, index=False, float_format="%.6g")
        print(f"wrote {out}: {len(frame)} bursts in {act.n_channels} channels", file=sys.stderr)
    return 0


def _resolve(text):
    from emgkit.datasets import resolve_input

    return resolve_input(text)


def _print_summary(act, name, stream):
    """The per-channel summary; names and reasons come from the file, so they are made printable."""
    from emgkit._text import printable

    print(f"{printable(name)}: method {act.method}; statistic: {act.statistic}", file=stream)
    for c, ch in enumerate(act.channels):
        b = act.baseline[c]
        where = str(b) if b is not None else "no baseline"
        status = act.reason[c] or f"{len(act.onsets[c])} bursts, threshold {act.threshold[c]:.4g}"
        print(f"  {printable(ch.name)}: {printable(status)}; {where}", file=stream)
        for note in act.notes[c]:
            print(f"    note: {printable(note)}", file=stream)
