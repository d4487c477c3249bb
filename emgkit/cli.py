"""The ``emgkit`` command line.

Importing this module loads only argparse: every subcommand imports what it
needs when it runs, so ``emgkit --help`` is instant and compiles nothing.
An input ``sample:NAME`` names a bundled sample recording (``emgkit info sample:curls``).
"""

from __future__ import annotations

import argparse
import sys
import warnings

from ._version import __version__

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


def _cmd_info(args) -> int:
    import pandas as pd

    import emgkit
    from emgkit._text import printable
    from emgkit.channel_kinds import classify
    from emgkit.channel_map import map_from_args, propose_map
    from emgkit.datasets import resolve_input
    from emgkit.figures._style import muscle_words

    cmap = map_from_args(args)
    rec = emgkit.read(resolve_input(args.file), channel_map=cmap)  # None: no map
    kinds = classify(rec)
    proposal = propose_map(rec.channels, kinds)
    if args.propose_map:
        print(proposal or "# every EMG channel's label names its muscle and side: no map is needed")
        return EXIT_OK
    print(f"file      {printable(args.file)}")
    print(f"channels  {rec.n_channels}")
    print(f"fs        {rec.fs:g} Hz")
    print(f"duration  {rec.duration:.3f} s ({rec.n_samples} samples)")
    print(f"unit      {printable(rec.unit)}")
    for key in ("subject", "session", "task", "run", "acquisition", "trial"):
        if key in rec.meta:
            print(f"{key:<9} {printable(rec.meta[key])}")
    print()
    print("kind of each channel (only emg channels enter EMG statistics; rules in docs/channels.md)")
    for line in _kind_lines(rec, kinds, fs_given=args.fs is not None):
        print(line)
    unknown = [c for c, k in zip(rec.channels, kinds) if k.is_emg and not c.muscle]
    if unknown:
        from emgkit.channels import closest_muscle, split_side

        def hint(name):
            close = closest_muscle(split_side(name)[1]) or closest_muscle(name)
            return f"closest known: {close}" if close else "no known muscle is close"

        print("  muscle names not recognised (emgkit.channels.known_muscles() lists the known ones; "
              "--channel NAME=SPEC sets one):")
        for c in unknown:
            print(f"    {printable(c.name)}: {hint(c.name)}")
    if proposal:
        for line in _unnamed_lines(rec.channels, kinds):
            print(line)
    for line in _not_read_lines(rec.meta):
        print(line)
    print()
    quality = rec.quality()
    quality["channel"] = [printable(n) for n in quality["channel"]]
    quality["muscle"] = [printable(muscle_words(m)) or "-" for m in quality["muscle"]]  # text for people: "biceps brachii"
    quality["side"] = [printable(v) if isinstance(v, str) and v else "-" for v in quality["side"]]
    with pd.option_context("display.width", 200, "display.max_columns", 20, "display.max_rows", 500):
        print(quality.to_string(index=False, float_format=lambda v: f"{v:.4g}"))
    return EXIT_OK


def _kind_lines(rec, kinds, *, fs_given: bool) -> list[str]:
    """``info``'s kind of each channel, one line per channel; a message that does not depend on the channel's
    samples (the sampling rate, a label word, a declaration) is one line naming every channel it applies to."""
    from emgkit._text import printable
    from emgkit.figures._style import muscle_words

    def reason(c, k):
        text = k.reason.replace(c.muscle, muscle_words(c.muscle)) if c.muscle else k.reason
        if k.basis == "rate":
            text += " - is --fs right?" if fs_given else " - is the file's sampling rate right?"
        return printable(text)

    groups: dict = {}
    for c, k in zip(rec.channels, kinds):
        key = (k.kind, reason(c, k)) if k.basis != "content" else (k.kind, reason(c, k), c.name)
        groups.setdefault(key, []).append(printable(c.name))
    labels = {key: (names[0] if len(names) == 1 else
                    f"all {len(names)} channels" if len(names) == len(kinds) else f"{', '.join(names)} ({len(names)} channels)")
              for key, names in groups.items()}
    width = max((len(names[0]) for names in groups.values() if len(names) == 1), default=0)
    return [f"  {labels[key]:<{width}}  {key[0]:<13} {key[1]}" for key in groups]


def _unnamed_lines(channels, kinds) -> list[str]:
    """``info``'s hint for the EMG channels whose label gives no side, no muscle, or neither: one line per group."""
    from emgkit._text import printable

    emg = [c for c, k in zip(channels, kinds) if k.is_emg]
    groups = (("without a muscle or side", [c for c in emg if not c.muscle and not c.side], lambda c: "L quadriceps"),
              ("without a side", [c for c in emg if c.muscle and not c.side], lambda c: f"L {c.muscle}"),
              ("without a muscle", [c for c in emg if not c.muscle and c.side], lambda c: f"{c.side} quadriceps"))
    lines = [f"  {len(group)} EMG channel(s) {what} ({', '.join(printable(c.name) for c in group)}): "
             f"--channel \"{printable(group[0].name)}={example(group[0])}\" names one"
             for what, group, example in groups if group]
    if lines:
        lines[-1] += ("; 'emgkit info FILE --propose-map > channels.toml' writes a map to edit and pass with "
                      "--map channels.toml")
    return lines


def _not_read_lines(meta) -> list[str]:
    """``info``'s list of the file's channels not read as EMG, by kind and reason: those its reader left out
    (``meta[FORMAT]["excluded"]``) and the signals kept beside the EMG (``meta["aux"]``)."""
    from emgkit._text import printable
    from emgkit.channel_kinds import _label_kind, _unit_kind

    def kind_of(label, unit="", why=""):
        if "force-plate" in why:
            return "force"
        return ((_unit_kind(unit) if unit else None) or _label_kind(label) or ("unknown",))[0]

    left: dict = {}
    for part in meta.values():
        excluded = part.get("excluded") if isinstance(part, dict) else None
        for name, why in (excluded.items() if isinstance(excluded, dict) else ()):
            left.setdefault((kind_of(name, why=str(why)), printable(why)), []).append(printable(name))
    hint = " (Python: emgkit.read(FILE, emg_only=False) reads them)" if left else ""
    aux = meta.get("aux")
    for key, signal in (aux.items() if isinstance(aux, dict) else ()):
        signal = signal if isinstance(signal, dict) else {}
        label, unit = str(signal.get("label", key)), str(signal.get("unit", "") or "")
        why = f"kept beside the EMG as meta['aux'][{key!r}]" + (f" ({unit})" if unit else "")
        why += f": {signal['note']}" if signal.get("note") else ""
        left.setdefault((kind_of(label, unit), printable(why)), []).append(printable(label))
    if not left:
        return []
    n = sum(len(v) for v in left.values())
    return ([f"  {n} more channel(s) in the file, not read as EMG{hint}"]
            + [f"    {kind:<13} {why}: {', '.join(names)}" for (kind, why), names in left.items()])


def _cmd_simulate(args) -> int:
    import emgkit
    from emgkit.datasets import simulate

    rec = simulate(duration_s=args.duration, fs=args.fs, snr_db=args.snr, seed=args.seed)
    emgkit.write(rec, args.out, overwrite=args.overwrite)
    print(f"wrote {args.out}: {rec.n_channels} channels, {rec.duration:g} s at {rec.fs:g} Hz (seed {args.seed})")
    return EXIT_OK


def _cmd_show_versions(args) -> int:
    from ._versions import show_versions

    show_versions(as_json=args.json)
    return EXIT_OK


def _cmd_completion(args) -> int:
    from .completion import completion_script

    print(completion_script(build_parser(), args.shell), end="")
    return EXIT_OK


def _epilog() -> str:
    """Where the documentation is, online and in this installation (standard library only: --help stays instant)."""
    from ._versions import DOCS_URL_VARIABLE, docs_dir, docs_url

    pages = docs_dir()
    offline = (f"the same pages as Markdown files shipped with emgkit, readable offline, in\n  {pages}"
               if pages is not None else "the Markdown pages are in docs/ of the source distribution")
    return (
        "FILE may be sample:NAME for a bundled sample (curls, squats, trunk).\n\n"
        f"documentation: {docs_url()}  (set {DOCS_URL_VARIABLE} for another address)\n"
        f"offline: {offline}\n"
        "bug reports: include the output of 'emgkit show-versions'"
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="emgkit",
        description="Surface EMG analysis built around muscle imbalance (agonist/antagonist, left/right, timing, fatigue).",
        epilog=_epilog(),
        formatter_class=argparse.RawDescriptionHelpFormatter,  # keeps the epilog's lines
    )
    parser.add_argument("--version", action="version", version=f"emgkit {__version__}")
    parser.add_argument("--debug", action="store_true", help="show full tracebacks on errors")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    p = sub.add_parser("info", help="channels, muscles, sides, kinds, rate, duration and signal quality of a recording")
    p.add_argument("file", metavar="FILE")
    from .channel_map import add_map_arguments

    add_map_arguments(p)
    p.add_argument("--fs", type=float, metavar="HZ",
                   help="sampling rate in Hz, for files that do not store one (text without a time column, MATLAB without fs)")
    p.add_argument("--propose-map", action="store_true",
                   help="print a channels.toml for the EMG channels whose names give no muscle or side, and stop")
    p.set_defaults(func=_cmd_info)

    p = sub.add_parser("simulate", help="write a simulated recording with known ground truth (HDF5)")
    p.add_argument("out", metavar="OUT.h5")
    p.add_argument("--duration", type=float, default=60.0, help="length in s (default 60)")
    p.add_argument("--fs", type=float, default=2000.0, help="sampling rate in Hz (default 2000)")
    p.add_argument("--snr", type=float, default=20.0, help="signal-to-noise ratio in dB (default 20)")
    p.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    p.add_argument("--overwrite", action="store_true", help="replace OUT.h5 if it exists")
    p.set_defaults(func=_cmd_simulate)

    from .analysis_cli import add_analyze_parser, add_config_parser, add_report_parser

    add_analyze_parser(sub)
    add_report_parser(sub)
    add_config_parser(sub)

    from .activation.cli import add_onsets_parser
    from .convert import add_convert_parser

    from .batch.cli import add_batch_parser

    add_onsets_parser(sub)
    add_convert_parser(sub)
    add_batch_parser(sub)
    from .study.cli import add_study_parser

    add_study_parser(sub)

    p = sub.add_parser("show-versions", help="versions of emgkit, Python, the platform and the libraries (for bug reports)")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(func=_cmd_show_versions)

    p = sub.add_parser("completion", help="print a shell completion script for emgkit (bash or zsh)",
                       description="Print a completion script. Bash: emgkit completion bash > "
                                   "~/.local/share/bash-completion/completions/emgkit ; "
                                   "Zsh: add eval \"$(emgkit completion zsh)\" to ~/.zshrc")
    p.add_argument("shell", choices=("bash", "zsh"))
    p.set_defaults(func=_cmd_completion)
    return parser


def main(argv=None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return EXIT_USAGE
    try:
        with warnings.catch_warnings():
            if not args.debug:  # a raw Python warning never reaches the terminal: it becomes a log record
                warnings.showwarning = _log_warning
            return args.func(args)
    except KeyboardInterrupt:
        print("emgkit: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # output piped into head/less that closed early: not an error
        sys.stdout = None
        return EXIT_OK
    except Exception as exc:  # one clear line instead of a traceback
        if args.debug:
            raise
        from ._text import printable
        from .errors import EmgkitError

        known = isinstance(exc, (EmgkitError, OSError))
        kind = "error" if known else f"unexpected {type(exc).__name__}"
        print(f"emgkit {args.command}: {kind}: {printable(exc)}", file=sys.stderr)
        if not known:
            print("  (rerun with --debug for the traceback and please report it)", file=sys.stderr)
            return EXIT_FAILED
        return EXIT_USAGE  # a refused input, option or output: nothing was done


def _log_warning(message, category, filename, lineno, file=None, line=None):
    """``warnings.showwarning`` for the command line: the warning as an ``emgkit`` log record (not shown by default)."""
    import logging

    logging.getLogger("emgkit").info("%s: %s", category.__name__, message)


if __name__ == "__main__":
    sys.exit(main())
