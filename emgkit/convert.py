"""``emgkit convert``: any readable file -> emgkit native HDF5, with the channels' muscles and sides reported.

Each input is read with :func:`emgkit.read` (C3D, EDF/BDF, text, NWB, HDF5;
see ``docs/formats.md``), optionally corrected by a channel map, and
written with :func:`emgkit.write` (a temporary file renamed into place, so
an output is complete or absent).  Inputs are never overwritten, even with
``overwrite=True``.

Channel map (``--map channels.toml``)::

    [options]                  # reader options for every input (emgkit.read keywords)
    fs = 2000

    [defaults]
    side = "R"                 # side of the channels whose label gives none

    [channels."LGRF"]          # a channel, by its name in the input file
    muscle = "gluteus_maximus" # canonical name or any catalogue synonym
    side = "L"
    name = "L GMAX"            # optional new name

    [channels."Voltage.1"]
    drop = true                # leave the channel out
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from .channels import Channel
from .errors import EmgkitError, FileFormatError, InvalidInputError, OutputExistsError

__all__ = ["convert", "format_report", "load_channel_map", "apply_channel_map", "Converted", "add_convert_parser", "cli_convert"]

_MAP_TABLES = {"options", "defaults", "channels"}
_CHANNEL_KEYS = {"muscle", "side", "name", "drop"}
_DEFAULT_KEYS = {"side"}


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


# -- channel map ----------------------------------------------------------------------------
def load_channel_map(path) -> dict:
    """Read and check a channel-map TOML file (module notes).

    Returns
    -------
    dict
        ``{"options": {...}, "defaults": {...}, "channels": {name: {...}}, "file": str}``.

    Raises
    ------
    FileNotFoundError
        The file does not exist.
    FileFormatError
        Invalid TOML, unknown tables or keys, a bad side or muscle value.
    """
    path = Path(path)
    try:
        with path.open("rb") as fh:
            doc = tomllib.load(fh)
    except FileNotFoundError:
        raise FileNotFoundError(f"channel map not found: {path}") from None
    except tomllib.TOMLDecodeError as exc:
        raise FileFormatError(f"{path} is not valid TOML: {exc}") from None
    unknown = sorted(set(doc) - _MAP_TABLES)
    if unknown:
        raise FileFormatError(f"{path}: unknown table(s) {unknown}; a channel map has [options], [defaults] and [channels.\"NAME\"]")
    for table in _MAP_TABLES:
        if not isinstance(doc.get(table, {}), dict):
            raise FileFormatError(f"{path}: [{table}] must be a table")
    defaults = doc.get("defaults", {})
    bad = sorted(set(defaults) - _DEFAULT_KEYS)
    if bad:
        raise FileFormatError(f"{path}: unknown key(s) {bad} in [defaults]; allowed: {sorted(_DEFAULT_KEYS)}")
    channels = doc.get("channels", {})
    for name, entry in channels.items():
        if not isinstance(entry, dict):
            raise FileFormatError(f"{path}: [channels.{name!r}] must be a table such as {{ muscle = \"...\", side = \"L\" }}")
        bad = sorted(set(entry) - _CHANNEL_KEYS)
        if bad:
            raise FileFormatError(f"{path}: unknown key(s) {bad} for channel {name!r}; allowed: {sorted(_CHANNEL_KEYS)}")
        if "drop" in entry and not isinstance(entry["drop"], bool):
            raise FileFormatError(f"{path}: drop for channel {name!r} must be true or false, got {entry['drop']!r}")
        for key in ("muscle", "side", "name"):
            if key in entry and not (isinstance(entry[key], str) and entry[key].strip()):
                raise FileFormatError(f"{path}: {key} for channel {name!r} must be a non-empty string, got {entry[key]!r}")
        try:
            Channel(entry.get("name", name), muscle=entry.get("muscle"), side=entry.get("side"))
        except InvalidInputError as exc:
            raise FileFormatError(f"{path}: channel {name!r}: {exc}") from None
    if "side" in defaults:
        try:
            Channel("x", side=defaults["side"])
        except InvalidInputError as exc:
            raise FileFormatError(f"{path}: [defaults] {exc}") from None
    return {"options": dict(doc.get("options", {})), "defaults": dict(defaults), "channels": dict(channels), "file": str(path)}


def apply_channel_map(rec, channel_map: dict):
    """A copy of ``rec`` with the map's drops, renames, muscles and sides applied.

    Returns
    -------
    rec : Recording
    dropped : list of str
    used : set of str
        The map entries that matched a channel.
    """
    entries = channel_map.get("channels", {})
    default_side = channel_map.get("defaults", {}).get("side")
    keep, channels, dropped, used = [], [], [], set()
    for k, ch in enumerate(rec.channels):
        entry = entries.get(ch.name)
        if entry is not None:
            used.add(ch.name)
            if entry.get("drop"):
                dropped.append(ch.name)
                continue
            ch = Channel(entry.get("name", ch.name), muscle=entry.get("muscle", ch.muscle), side=entry.get("side", ch.side))
        if ch.side is None and default_side is not None:
            ch = Channel(ch.name, muscle=ch.muscle, side=default_side)
        keep.append(k)
        channels.append(ch)
    if not keep:
        raise InvalidInputError(f"the channel map drops every channel ({dropped}); nothing would be written")
    meta = dict(rec.meta)
    if entries or default_side:
        meta["channel_map"] = {"file": Path(channel_map.get("file", "")).name, "applied": sorted(used)}
    data = rec.data if len(keep) == rec.n_channels else rec.data[keep]
    return rec.replace(data=data, channels=channels, meta=meta), dropped, used


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
    channel_map : str, Path or dict, optional
        A channel-map TOML file (module notes) or its loaded form
        (:func:`load_channel_map`).
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
        The channel map is invalid.

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
    cmap = channel_map if isinstance(channel_map, dict) or channel_map is None else load_channel_map(channel_map)
    cmap = cmap or {}
    read_options = {**cmap.get("options", {}), **(options or {})}

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
    unused = set(cmap.get("channels", {}))
    for src, out in zip(inputs, outputs):
        result = Converted(input=src)
        try:
            if out.exists() and not overwrite:
                raise OutputExistsError(f"{out} already exists; pass --overwrite (overwrite=True) to replace it")
            fmt = detect_format(src)
            accepted = _reader_options(fmt.name)
            opts = read_options if accepted is None else {k: v for k, v in read_options.items() if k in accepted}
            result.ignored_options = sorted(set(read_options) - set(opts))
            rec = fmt.read_file(src, **opts)
            dropped, used = [], set()
            if cmap:
                rec, dropped, used = apply_channel_map(rec, cmap)
                unused -= used
            out.parent.mkdir(parents=True, exist_ok=True)
            write(rec, out, overwrite=overwrite)
            result.output = out
            result.channels = [(c.name, c.muscle, c.side) for c in rec.channels]
            result.dropped = dropped
            result.fs, result.duration_s, result.unit = rec.fs, rec.duration, rec.unit
            result.n_events = len(rec.meta.get("events") or [])
        except (EmgkitError, OSError, ValueError) as exc:
            result.error = f"{type(exc).__name__}: {exc}"
        results.append(result)
    for r in results:
        r.map_unmatched = sorted(unused)
    return results


def _reader_options(fmt_name: str):
    """Option names the reader of a registered format accepts (None: unknown format, pass everything)."""
    from importlib import import_module

    modules = {"c3d": "formats.c3d", "edf": "formats.edf", "text": "formats.text", "nwb": "formats.nwb",
               "hdf5": "hdf5_foreign"}
    if fmt_name == "emgkit-hdf5":
        return ("nonfinite",)
    if fmt_name not in modules:
        return None
    return import_module(f"emgkit.{modules[fmt_name]}").OPTIONS


def format_report(results: list[Converted]) -> str:
    """Human-readable report: per file the channels with muscle and side, and a summary line."""
    lines = []
    for r in results:
        if not r.ok:
            lines.append(f"{r.input}: FAILED: {r.error}")
            continue
        lines.append(
            f"{r.input} -> {r.output}: {len(r.channels)} channels, {r.fs:g} Hz, {r.duration_s:.3f} s, {r.unit}"
            + (f", {r.n_events} events" if r.n_events else "")
        )
        width = max(len(name) for name, _, _ in r.channels)
        for name, muscle, side in r.channels:
            note = "" if muscle else "   <- no muscle recognised: name it in a --map file"
            lines.append(f"    {name:<{width}}  {muscle or '?':<24} {side or '-'}{note}")
        if r.dropped:
            lines.append(f"    dropped by the map: {', '.join(r.dropped)}")
        if r.ignored_options:
            lines.append(f"    options not used for this format: {', '.join(r.ignored_options)}")
    unmatched = results[0].map_unmatched if results else []
    if unmatched:
        lines.append(f"map entries that matched no channel: {', '.join(unmatched)}")
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
    p.add_argument("--map", metavar="channels.toml", help="channel map: muscles, sides, names, drops, reader options")
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
    results = convert(args.inputs, args.out, channel_map=args.map, options=options, overwrite=args.overwrite, tree=args.tree)
    print(format_report(results))
    return 0 if all(r.ok for r in results) else 1
