"""``emgkit convert``: any readable file -> emgkit HDF5, CSV, BDF+, NWB or a BIDS-EMG tree, with muscles and sides reported.

Each input is read with :func:`emgkit.read` (C3D, EDF/BDF, text, NWB,
MATLAB, HDF5; see ``docs/formats.md``), optionally corrected by a channel
map, and written in the format ``to`` (a temporary file renamed into place,
so an output is complete or absent):

=========  ===============================================  ============================================
``to``     output                                           writer
=========  ===============================================  ============================================
``h5``     ``OUT/<stem>.h5`` (default)                      :func:`emgkit.write` (docs/format.md)
``csv``    ``OUT/<stem>.csv``                               :func:`emgkit.formats.export.write_csv`
``bdf``    ``OUT/<stem>.bdf`` (BDF+, µV)                    :func:`emgkit.formats.export.write_bdf`
``nwb``    ``OUT/<stem>.nwb`` (ElectricalSeries, pynwb)     :func:`emgkit.formats.nwb_write.write_nwb`
``bids``   ``OUT/sub-*/[ses-*/]emg/*_emg.bdf`` + sidecars   :func:`emgkit.formats.bids_write.write_bids`
=========  ===============================================  ============================================

Each writer's file is read back by emgkit's reader of that format.  Inputs
are never overwritten, even with ``overwrite=True``.

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
from .channel_map import (
    add_map_arguments,
    as_channel_map,
    map_from_args,
    reader_options,
    relabel,
)
from .errors import EmgkitError, InvalidInputError, OutputExistsError

__all__ = ["BIDS_ENTITIES", "TARGETS", "Converted", "add_convert_parser", "cli_convert", "convert", "format_report"]

TARGETS = {"h5": ".h5", "csv": ".csv", "bdf": ".bdf", "nwb": ".nwb", "bids": None}  # --to -> file extension
BIDS_ENTITIES = ("subject", "session", "task", "acquisition", "run")
STEP_LINES_ABOVE_BYTES = 50_000_000  # emgkit convert prints reading/writing lines for inputs above 50 MB


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
def _outputs(inputs: list[Path], out_dir: Path, tree: bool, suffix: str = ".h5") -> list[Path]:
    if tree and len(inputs) > 1:
        root = Path(os.path.commonpath([str(p.parent) for p in inputs]))
    else:
        root = None
    outs = []
    for p in inputs:
        rel = p.parent.relative_to(root) if root is not None else Path()
        outs.append(out_dir / rel / f"{p.stem}{suffix}")
    return outs


def _label(value) -> str:
    """A BIDS label from text read in a file: letters and digits only."""
    import re

    return re.sub(r"[^A-Za-z0-9]", "", str(value))


def _bids_labels(rec, src: Path, given: dict) -> dict:
    """BIDS entities of one recording: ``given`` (command line) over the recording's ``meta`` over defaults."""
    from .formats.bids import check_entity_label

    labels = {}
    for key in BIDS_ENTITIES:
        if given.get(key) is not None:
            labels[key] = check_entity_label(key, given[key])
        elif rec.meta.get(key) not in (None, "") and _label(rec.meta[key]):
            labels[key] = _label(rec.meta[key])
    labels.setdefault("subject", "01")
    labels.setdefault("task", _label(rec.meta.get("trial") or src.stem) or "unknown")
    return labels


def _step(progress, text: str) -> None:
    """Tell ``progress`` what the conversion of one file is doing, if it listens (``step(text)``)."""
    if progress is not None and hasattr(progress, "step"):
        progress.step(text)


def _write(rec, out: Path, to: str, overwrite: bool) -> None:
    from .formats.export import write_bdf, write_csv
    from .io import write

    if to == "h5":
        write(rec, out, overwrite=overwrite)
    elif to == "csv":
        write_csv(rec, out, overwrite=overwrite)
    elif to == "bdf":
        write_bdf(rec, out, overwrite=overwrite)
    else:
        from .formats.nwb_write import write_nwb

        write_nwb(rec, out, overwrite=overwrite)


def convert(inputs, out_dir, *, to="h5", bids=None, channel_map=None, options=None, overwrite=False, tree=False,
            progress=None) -> list[Converted]:
    """Convert recordings to emgkit HDF5, CSV, BDF+, NWB files or a BIDS-EMG tree in ``out_dir``.

    Parameters
    ----------
    inputs : path or sequence of paths
        Files in any format :func:`emgkit.read` recognises.
    out_dir : path
        Output folder (created when missing).  Each input becomes
        ``<out_dir>/<stem>.<to>``; with ``to="bids"`` the folder is the BIDS
        root and each input ``sub-<s>/[ses-<x>/]emg/<entities>_emg.bdf``.
    to : {"h5", "csv", "bdf", "nwb", "bids"}, default "h5"
        Output format (module notes).
    bids : dict, optional
        BIDS labels ``subject``, ``session``, ``task``, ``acquisition``,
        ``run`` for ``to="bids"``; default: the recording's ``meta`` (subject
        ``01`` and the file's stem as task when it has none).
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
    progress : emgkit.batch.progress.Progress-like, optional
        Told ``start(total, 0)`` and ``update(result)`` after each input (the
        command line passes batch's progress display).

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
    import time

    from ._checks import check_option
    from .io import detect_format

    check_option("to", to, tuple(TARGETS))
    given = dict(bids or {})
    unknown = sorted(set(given) - set(BIDS_ENTITIES))
    if unknown:
        raise InvalidInputError(f"unknown BIDS entities {unknown}; accepted: {', '.join(BIDS_ENTITIES)}")
    if given:
        from .formats.bids import check_entity_label

        given = {k: check_entity_label(k, v) for k, v in given.items() if v is not None}
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

    outputs = _outputs(inputs, out_dir, tree, TARGETS[to] or ".bdf")
    seen = {}
    for src, out in zip(inputs, [] if to == "bids" else outputs):
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
    if progress is not None:
        progress.start(len(inputs), 0)
    for src, out in zip(inputs, outputs):
        result = Converted(input=src)
        began = time.perf_counter()
        try:
            if to != "bids" and out.exists() and not overwrite:
                raise OutputExistsError(f"{out} already exists; pass --overwrite (overwrite=True) to replace it")
            fmt = detect_format(src)
            opts, result.ignored_options = reader_options(fmt.name, read_options)
            _step(progress, f"reading {src.name} ({fmt.name}, {src.stat().st_size / 1e6:.1f} MB)")
            rec = fmt.read_file(src, **opts)
            _step(progress, f"read {src.name}: {rec.n_channels} channels x {rec.n_samples} samples in "
                            f"{time.perf_counter() - began:.1f} s; writing {to}")
            dropped = []
            if cmap:
                rec = relabel(rec, cmap, missing="ignore")
                dropped = rec.meta["channel_map"]["dropped"]
                unused -= set(rec.meta["channel_map"]["applied"])
            if to == "bids":
                from .formats.bids_write import bids_path, write_bids

                labels = _bids_labels(rec, src, given)
                out = bids_path(out_dir, **labels)
                if os.path.normcase(os.path.realpath(out)) in input_keys:
                    raise InvalidInputError(f"the output {out} is an input file; choose another --out folder")
                write_bids(rec, out_dir, overwrite=overwrite, **labels)
            else:
                out.parent.mkdir(parents=True, exist_ok=True)
                _write(rec, out, to, overwrite)
            result.output = out
            result.channels = [(c.name, c.muscle, c.side) for c in rec.channels]
            result.kinds = [c.kind for c in rec.channels]
            result.dropped = dropped
            result.fs, result.duration_s, result.unit = rec.fs, rec.duration, rec.unit
            result.n_events = len(rec.meta.get("events") or [])
        except (EmgkitError, OSError, ValueError) as exc:
            result.error = f"{type(exc).__name__}: {exc}"
        results.append(result)
        if progress is not None:
            progress.update({"relpath": src.name, "status": "ok" if result.ok else "failed",
                             "seconds": time.perf_counter() - began, "bytes": src.stat().st_size if src.is_file() else 0,
                             "step": "convert", "error_type": (result.error or "").split(":", 1)[0],
                             "message": (result.error or "").split(": ", 1)[-1]})
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
            f"{r.input} -> {r.output}: {len(r.channels)} channels, {r.fs:g} Hz, {r.duration_s:.3f} s, {printable(r.unit)}"
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
        help="convert C3D, EDF/BDF, text, NWB, MATLAB or HDF5 recordings to emgkit HDF5, CSV, BDF, NWB or BIDS-EMG",
        description=(
            "Read each INPUT (format recognised by content), apply an optional channel map, and write "
            "OUT/<name>.h5 (emgkit native HDF5; --to csv|bdf|nwb for those formats; --to bids for a BIDS-EMG tree "
            "in OUT), written atomically. Inputs are never overwritten."
        ),
    )
    p.add_argument("inputs", nargs="+", metavar="INPUT", help="files to convert")
    p.add_argument("--out", required=True, metavar="DIR", help="output folder (created when missing; the BIDS root with --to bids)")
    p.add_argument("--to", choices=tuple(TARGETS), default="h5",
                   help="output format: h5 (emgkit HDF5, default), csv, bdf (BDF+, uV), nwb, bids (BIDS-EMG tree)")
    for key in BIDS_ENTITIES:
        p.add_argument(f"--{key}", metavar="LABEL",
                       help=f"BIDS {key} label with --to bids (letters and digits; default: from the recording)")
    add_map_arguments(p)
    p.add_argument("--fs", type=float, metavar="HZ", help="sampling rate for text files without a time column")
    p.add_argument(
        "--option", action="append", default=[], metavar="KEY=VALUE", type=_option_arg(argparse),
        help="reader option (repeatable), e.g. --option mixed_rates=resample --option decimal=,",
    )
    p.add_argument("--tree", action="store_true", help="mirror the inputs' folders under DIR (for repeated file names)")
    p.add_argument("--overwrite", action="store_true", help="replace existing outputs (never inputs)")
    p.add_argument("--quiet", action="store_true", help="no progress lines on stderr (the report of what was converted "
                   "still goes to stdout)")
    p.set_defaults(func=cli_convert)
    return p


def _option_arg(argparse):
    def parse(text):
        try:
            return _option(text)
        except ValueError as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None

    return parse


class _Lines:
    """Progress of a conversion on stderr: one line per finished input (done/total, time, elapsed), and for
    inputs above :data:`STEP_LINES_ABOVE_BYTES` a line when reading starts and when writing starts; nothing with
    ``quiet`` (``--quiet``)."""

    def __init__(self, inputs, quiet=False):
        import os

        self.quiet = bool(quiet)
        self.large = any(os.path.getsize(p) > STEP_LINES_ABOVE_BYTES for p in inputs if os.path.isfile(p))

    def step(self, text: str) -> None:
        import sys

        if self.large and not self.quiet:
            print(f"  {printable(text)}", file=sys.stderr, flush=True)

    def start(self, total: int, skipped: int) -> None:
        import time

        self.total, self.done, self.t0 = total, 0, time.perf_counter()

    def update(self, result: dict) -> None:
        import sys
        import time

        self.done += 1
        if self.quiet or (self.total == 1 and not self.large):
            return  # quiet, or one small file: the report says it all
        what = "ok" if result["status"] == "ok" else f"FAILED ({result['error_type']})"
        elapsed = time.perf_counter() - self.t0
        left = elapsed / self.done * (self.total - self.done)
        print(f"[{self.done}/{self.total}] {what} {printable(result['relpath'])} ({result['seconds']:.1f} s; "
              f"{elapsed:.0f} s elapsed, about {left:.0f} s left)", file=sys.stderr, flush=True)


def cli_convert(args) -> int:
    """Run ``emgkit convert``; prints the report; exit code 0 when every input converted, 2 when none did
    (every input refused), 1 when some did."""
    options = dict(args.option)
    if args.fs is not None:
        options["fs"] = args.fs
    bids = {k: getattr(args, k) for k in BIDS_ENTITIES if getattr(args, k, None) is not None}
    progress = _Lines(args.inputs, quiet=args.quiet)
    results = convert(args.inputs, args.out, to=args.to, bids=bids, channel_map=map_from_args(args), options=options,
                      overwrite=args.overwrite, tree=args.tree, progress=progress)
    print(format_report(results))
    converted = sum(r.ok for r in results)
    return 0 if converted == len(results) else 2 if converted == 0 else 1
