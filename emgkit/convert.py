"""``emgkit convert``: any readable file -> emgkit native HDF5, with the channels' muscles and sides reported.

Each input is read with :func:`emgkit.read` (C3D, EDF/BDF, text, NWB, HDF5;
see ``docs/formats.md``), optionally corrected by a channel map, and
written with :func:`emgkit.write` (a temporary file renamed into place, so
an output is complete or absent).  Inputs are never overwritten, even with
``overwrite=True``.

Channel map: ``--map channels.toml`` and ``--channel NAME=SPEC``
(:mod:`emgkit.channel_map`, format in ``docs/channels.md``): muscles, sides,
kinds, new names and dropped channels, and ``[options]`` (reader options for
every input that takes them).  One map serves every input: an entry that
matches no channel of an input is reported, not an error.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from ._text import printable
from .channel_map import add_map_arguments, as_channel_map, map_from_args, reader_options, relabel
from .errors import EmgkitError, InvalidInputError, OutputExistsError

__all__ = ["convert", "format_report", "Converted", "add_convert_parser", "cli_convert"]


@dataclass
class Converted:
    """What happened to one input.

    Attributes
    ----------
    input : Path
    output : Path or None
        The file written (None when the input failed).
    channels : list of (name, muscle, side)
        The channels written, muscle/side None when unknown.
    kinds : list of str or None
        The declared kind of each channel written (None: not declared).
    dropped : list of str
        Channels left out by the map.
    fs : float or None
        Sampling rate in Hz.
    duration_s : float or None
    unit : str or None
    n_events : int
    ignored_options : list of str
        Reader options this input's format does not take (e.g. ``fs`` for a C3D file).
    map_unmatched : list of str
        Channel-map entries that matched no channel in any input (same list on every result).
    error : str or None
        Why the input was not converted.
    """

    input: Path
    output: Path | None = None
    channels: list = field(default_factory=list)
    kinds: list = field(default_factory=list)
    dropped: list = field(default_factory=list)
    fs: float | None = None
    duration_s: float | None = None
    unit: str | None = None
    n_events: int = 0
    ignored_options: list = field(default_factory=list)
    map_unmatched: list = field(default_factory=list)
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


# -- conversion -------------------------------------------------------------------------------------
def _outputs(inputs: list[Path], out_dir: Path, tree: bool) -> list[Path]:
    if tree and len(inputs) > 1:
        root = Path(os.path.commonpath([str(p.parent) for p in inputs]))
    else:
        root = None
    outs = []
    for p in inputs:
        rel = p.parent.relative_to(root) if root is not None else Path()
        outs.append(out_dir / rel / f"{p.stem}.h5")
    return outs


def convert(inputs, out_dir, *, channel_map=None, options=None, overwrite=False, tree=False) -> list[Converted]:
    """Convert recordings to emgkit native HDF5 files in ``out_dir``.

    Parameters
    ----------
    inputs : path or sequence of paths
        Files in any format :func:`emgkit.read` recognises.
    out_dir : path
        Output folder (created when missing).  Each input becomes
        ``<out_dir>/<stem>.h5``.
    channel_map : str, Path, dict or ChannelMap, optional
        A channels.toml file, a dict ``{name: spec}`` or a
        :class:`emgkit.channel_map.ChannelMap` (:func:`emgkit.channel_map.as_channel_map`).
    options : dict, optional
        Reader options for every input (``fs``, ``mixed_rates``, ...); they
        override the map's ``[options]``.
    overwrite : bool, default False
        Replace existing **outputs**.  An output that is one of the inputs
        is refused regardless.
    tree : bool, default False
        Mirror the inputs' folders (relative to their common parent) under
        ``out_dir``, for inputs that share a file name.

    Returns
    -------
    list of Converted
        One per input, in order; failed inputs carry ``error`` and do not
        stop the others.

    Raises
    ------
    InvalidInputError
        Before anything is written: no inputs, an input that is a folder,
        two inputs mapping to one output, an output that is an input.
    FileFormatError
        The channel map file is invalid (an invalid dict map: InvalidInputError).

    Examples
    --------
    >>> results = convert(["Gait.c3d", "trial.edf"], "converted")  # doctest: +SKIP
    >>> [(r.output.name, r.channels[0]) for r in results]          # doctest: +SKIP
    [('Gait.h5', ('LREC', 'rectus_femoris', 'L')), ('trial.h5', ...)]
    """
    from .io import detect_format, write

    if isinstance(inputs, (str, os.PathLike)):
        inputs = [inputs]
    inputs = [Path(p).expanduser() for p in inputs]
    if not inputs:
        raise InvalidInputError("no input files given")
    for p in inputs:
        if p.is_dir():
            raise InvalidInputError(f"{p} is a folder; pass the files to convert (e.g. with a shell glob: {p}/*.c3d)")
    out_dir = Path(out_dir).expanduser()
    if out_dir.exists() and not out_dir.is_dir():
        raise InvalidInputError(f"--out {out_dir} exists and is not a folder")
    cmap = None if channel_map is None else as_channel_map(channel_map)
    read_options = {**(cmap.options if cmap else {}), **(options or {})}

    outputs = _outputs(inputs, out_dir, tree)
    seen = {}
    for src, out in zip(inputs, outputs):
        key = os.path.normcase(os.path.abspath(out))
        if key in seen:
            raise InvalidInputError(
                f"{seen[key]} and {src} would both be written to {out}; pass tree=True (--tree) to mirror their "
                "folders, or convert them into different folders"
            )
        seen[key] = src
    input_keys = {os.path.normcase(os.path.realpath(p)) for p in inputs}
    for src, out in zip(inputs, outputs):
        if os.path.normcase(os.path.realpath(out)) in input_keys:
            raise InvalidInputError(
                f"the output {out} is an input file; emgkit never overwrites its inputs: choose another --out folder"
            )

    results = []
    unused = set(cmap.entries if cmap else ())
    for src, out in zip(inputs, outputs):
        result = Converted(input=src)
        try:
            if out.exists() and not overwrite:
                raise OutputExistsError(f"{out} already exists; pass --overwrite (overwrite=True) to replace it")
            fmt = detect_format(src)
            opts, result.ignored_options = reader_options(fmt.name, read_options)
            rec = fmt.read_file(src, **opts)
            dropped = []
            if cmap:
                rec = relabel(rec, cmap, missing="ignore")
                dropped = rec.meta["channel_map"]["dropped"]
                unused -= set(rec.meta["channel_map"]["applied"])
            out.parent.mkdir(parents=True, exist_ok=True)
            write(rec, out, overwrite=overwrite)
            result.output = out
            result.channels = [(c.name, c.muscle, c.side) for c in rec.channels]
            result.kinds = [c.kind for c in rec.channels]
            result.dropped = dropped
            result.fs, result.duration_s, result.unit = rec.fs, rec.duration, rec.unit
            result.n_events = len(rec.meta.get("events") or [])
        except (EmgkitError, OSError, ValueError) as exc:
            result.error = f"{type(exc).__name__}: {exc}"
        results.append(result)
    for r in results:
        r.map_unmatched = sorted(unused)
    return results


def format_report(results: list[Converted]) -> str:
    """Human-readable report: per file the channels with muscle and side, and a summary line."""
    lines = []
    for r in results:
        if not r.ok:
            lines.append(f"{r.input}: FAILED: {printable(r.error)}")
            continue
        lines.append(
            f"{r.input} -> {r.output}: {len(r.channels)} channels, {r.fs:g} Hz, {r.duration_s:.3f} s, {r.unit}"
            + (f", {r.n_events} events" if r.n_events else "")
        )
        width = max(len(printable(name)) for name, _, _ in r.channels)
        for (name, muscle, side), kind in zip(r.channels, r.kinds):
            if kind not in (None, "emg"):
                note = f"   ({kind}, declared by the map)"
            else:
                note = "" if muscle else "   <- no muscle recognised: name it with --channel or a --map file"
            lines.append(f"    {printable(name):<{width}}  {muscle or '?':<24} {side or '-'}{note}")
        if r.dropped:
            lines.append(f"    dropped by the map: {', '.join(map(printable, r.dropped))}")
        if r.ignored_options:
            lines.append(f"    options not used for this format: {', '.join(r.ignored_options)}")
    unmatched = results[0].map_unmatched if results else []
    if unmatched:
        lines.append(f"map entries that matched no channel: {', '.join(map(printable, unmatched))}")
    ok = sum(r.ok for r in results)
    lines.append(f"converted {ok} of {len(results)} file(s)" + (f"; {len(results) - ok} failed" if ok < len(results) else ""))
    return "\n".join(lines)


# -- command line ------------------------------------------------------------------------------------
def _option(text: str):
    if "=" not in text:
        raise ValueError(f"--option expects KEY=VALUE, got {text!r}")
    key, value = (s.strip() for s in text.split("=", 1))
    lowered = value.lower()
    if lowered in ("true", "false"):
        return key, lowered == "true"
    if lowered in ("none", "null"):
        return key, None
    for cast in (int, float):
        try:
            return key, cast(value)
        except ValueError:
            pass
    return key, value


def add_convert_parser(subparsers):
    """Add the ``convert`` sub-command to an ``argparse`` sub-parser set; returns its parser."""
    import argparse

    p = subparsers.add_parser(
        "convert",
        help="convert C3D, EDF/BDF, text, NWB or HDF5 recordings to emgkit HDF5, reporting muscles and sides",
        description=(
            "Read each INPUT (format recognised by content), apply an optional channel map, and write "
            "OUT/<name>.h5 (emgkit native HDF5, written atomically). Inputs are never overwritten."
        ),
    )
    p.add_argument("inputs", nargs="+", metavar="INPUT", help="files to convert")
    p.add_argument("--out", required=True, metavar="DIR", help="output folder (created when missing)")
    add_map_arguments(p)
    p.add_argument("--fs", type=float, metavar="HZ", help="sampling rate for text files without a time column")
    p.add_argument(
        "--option", action="append", default=[], metavar="KEY=VALUE", type=_option_arg(argparse),
        help="reader option (repeatable), e.g. --option mixed_rates=resample --option decimal=,",
    )
    p.add_argument("--tree", action="store_true", help="mirror the inputs' folders under DIR (for repeated file names)")
    p.add_argument("--overwrite", action="store_true", help="replace existing outputs (never inputs)")
    p.set_defaults(func=cli_convert)
    return p


def _option_arg(argparse):
    def parse(text):
        try:
            return _option(text)
        except ValueError as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None

    return parse


def cli_convert(args) -> int:
    """Run ``emgkit convert``; prints the report; exit code 0 when every input converted, 1 otherwise."""
    options = dict(args.option)
    if args.fs is not None:
        options["fs"] = args.fs
    results = convert(args.inputs, args.out, channel_map=map_from_args(args), options=options, overwrite=args.overwrite,
                      tree=args.tree)
    print(format_report(results))
    return 0 if all(r.ok for r in results) else 1
