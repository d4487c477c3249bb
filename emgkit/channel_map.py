"""Channel maps: the muscle, side and kind of channels whose names do not say them.

A map comes from a TOML file (``--map channels.toml``), from short inline
entries (``--channel "CH1 Raw=L quadriceps"``, repeatable), or from a Python
mapping, and :func:`relabel` applies it to a Recording or an open recording
file.  The file format (also read by ``emgkit convert``)::

    [options]                  # reader options for files that need them (emgkit.read keywords)
    fs = 2000

    [defaults]
    side = "R"                 # side of the channels whose label gives none

    [channels."CH1 Raw"]       # a channel, by its name in the file
    muscle = "quadriceps"      # canonical name or any catalogue synonym
    side = "L"
    name = "L quadriceps"      # optional new name

    [channels."Trig"]
    kind = "trigger"           # declared kind: emg, trigger, angle, force, accelerometer, processed, unknown

    [channels."Voltage.1"]
    drop = true                # leave the channel out

The inline form ``NAME=SPEC`` takes a muscle with an optional side word
(``L quadriceps``, ``biceps right``), a kind (``trigger``) or ``exclude``.
Details and examples: ``docs/channels.md``.
"""

from __future__ import annotations

import difflib
import hashlib
import json
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, overload

from .channels import KINDS, Channel, closest_muscle, lookup_muscle, split_side
from .errors import FileFormatError, InvalidInputError

if TYPE_CHECKING:
    import os
    from typing import TypeAlias

    from ._reader import RecordingFile
    from .recording import Recording

    #: What a channel map may be given as (:func:`as_channel_map`).
    ChannelMapLike: TypeAlias = "ChannelMap | str | os.PathLike[str] | Mapping[str, Any]"

__all__ = ["ChannelMap", "MapEntry", "load_channel_map", "parse_channel_option", "build_channel_map", "as_channel_map",
           "relabel", "drop_declared_non_emg", "propose_map", "reader_options", "add_map_arguments", "map_from_args"]

_TABLES = {"options", "defaults", "channels"}
_ENTRY_KEYS = ("muscle", "side", "kind", "name", "drop")
_DROP_WORDS = ("exclude", "drop")
# words accepted for a kind (inline and in files)
_KIND_ALIASES = {"trig": "trigger", "sync": "trigger", "ttl": "trigger", "footswitch": "trigger", "switch": "trigger",
                 "gonio": "angle", "goniometer": "angle", "acc": "accelerometer", "accel": "accelerometer",
                 "imu": "accelerometer", "gyro": "accelerometer", "envelope": "processed", "env": "processed",
                 "rms": "processed", "onoff": "processed", "load": "force", "torque": "force"}


@dataclass(frozen=True)
class MapEntry:
    """What a map says about one channel (None: nothing; the file's value is kept)."""

    muscle: str | None = None
    side: str | None = None
    kind: str | None = None
    name: str | None = None
    drop: bool = False

    def merged(self, other: "MapEntry", channel: str, sources: str) -> "MapEntry":
        """This entry and ``other`` for the same channel; a field given two different values is an error."""
        values = {}
        for key in _ENTRY_KEYS:
            a, b = getattr(self, key), getattr(other, key)
            if a not in (None, False) and b not in (None, False) and a != b:
                raise InvalidInputError(
                    f"contradictory channel map ({sources}): channel {channel!r} is given {key} {a!r} and {b!r}; "
                    "keep one of them"
                )
            values[key] = a if a not in (None, False) else b
        return _checked(MapEntry(**values), channel, sources)


@dataclass(frozen=True)
class ChannelMap:
    """A checked channel map: entries by channel name, a default side and reader options.

    Build it with :func:`load_channel_map`, :func:`parse_channel_option`,
    :func:`build_channel_map` or :func:`as_channel_map`; apply it with
    :func:`relabel`.
    """

    entries: dict = field(default_factory=dict)
    default_side: str | None = None
    options: dict = field(default_factory=dict)
    source: str = "channel map"

    def merge(self, other: "ChannelMap") -> "ChannelMap":
        """Both maps in one; an entry, default side or option given two different values is an error."""
        known = self.source.split(" and ")
        sources = self.source if other.source in known else f"{self.source} and {other.source}"
        entries = dict(self.entries)
        for name, entry in other.entries.items():
            entries[name] = entries[name].merged(entry, name, sources) if name in entries else entry
        if self.default_side and other.default_side and self.default_side != other.default_side:
            raise InvalidInputError(f"contradictory channel map ({sources}): default side {self.default_side!r} and "
                                    f"{other.default_side!r}")
        for key in set(self.options) & set(other.options):
            if self.options[key] != other.options[key]:
                raise InvalidInputError(f"contradictory channel map ({sources}): reader option {key} is "
                                        f"{self.options[key]!r} and {other.options[key]!r}")
        return ChannelMap(entries, self.default_side or other.default_side, {**self.options, **other.options}, sources)

    def digest(self) -> str:
        """SHA-256 of the map's content (entries, default side, options), for deciding whether results are current."""
        doc = {"entries": {n: [getattr(e, k) for k in _ENTRY_KEYS] for n, e in sorted(self.entries.items())},
               "default_side": self.default_side, "options": self.options}
        return hashlib.sha256(json.dumps(doc, sort_keys=True, default=str).encode()).hexdigest()


# -- building maps ------------------------------------------------------------------------------------------------
def _checked(entry: MapEntry, channel: str, where: str) -> MapEntry:
    """``entry`` with its muscle made canonical and its side normalised; bad values raise one clear error."""
    if entry.drop and any(getattr(entry, k) is not None for k in ("muscle", "side", "kind", "name")):
        raise InvalidInputError(f"{where}: channel {channel!r} is both dropped and mapped; drop it or map it")
    given = muscle = entry.muscle
    if given is not None:
        muscle = lookup_muscle(given)
        if muscle is None:
            close = closest_muscle(given)
            hint = f" (did you mean {close!r}?)" if close else ""
            raise InvalidInputError(
                f"{where}: unknown muscle {entry.muscle!r} for channel {channel!r}{hint}; the known muscles are "
                "listed by emgkit.channels.known_muscles() (add others with emgkit.channels.load_catalogue)"
            )
    side = entry.side
    if side is not None:
        try:
            side = Channel("x", side=side).side
        except InvalidInputError as exc:
            raise InvalidInputError(f"{where}: channel {channel!r}: {exc}") from None
    kind = _KIND_ALIASES.get(str(entry.kind).lower(), entry.kind) if entry.kind is not None else None
    if kind is not None and kind not in KINDS:
        matches = difflib.get_close_matches(str(entry.kind), KINDS + tuple(_KIND_ALIASES), n=1)
        kinds = [_KIND_ALIASES.get(c, c) for c in matches]
        hint = f" (did you mean {kinds[0]!r}?)" if kinds else ""
        raise InvalidInputError(f"{where}: kind {entry.kind!r} for channel {channel!r} is not one of "
                                f"{', '.join(KINDS)}{hint}")
    return replace(entry, muscle=muscle, side=side, kind=kind)


def _entry_from_dict(values: Mapping, channel: str, where: str) -> MapEntry:
    if not isinstance(values, Mapping):
        raise InvalidInputError(f"{where}: [channels.{json.dumps(channel)}] must be a table such as "
                                '{ muscle = "...", side = "L" }')
    bad = sorted(set(values) - set(_ENTRY_KEYS))
    if bad:
        raise InvalidInputError(f"{where}: unknown key(s) {bad} for channel {channel!r}; allowed: {sorted(_ENTRY_KEYS)}")
    if "drop" in values and not isinstance(values["drop"], bool):
        raise InvalidInputError(f"{where}: drop for channel {channel!r} must be true or false, got {values['drop']!r}")
    for key in ("muscle", "side", "kind", "name"):
        if key in values and not (isinstance(values[key], str) and values[key].strip()):
            raise InvalidInputError(f"{where}: {key} for channel {channel!r} must be a non-empty string, got {values[key]!r}")
    return _checked(MapEntry(**{k: values[k] for k in _ENTRY_KEYS if k in values}), channel, where)


def _from_document(doc: Mapping, where: str) -> ChannelMap:
    unknown = sorted(set(doc) - _TABLES)
    if unknown:
        raise InvalidInputError(f"{where}: unknown table(s) {unknown}; a channel map has [options], [defaults] and "
                                '[channels."NAME"]')
    for table in _TABLES:
        if not isinstance(doc.get(table, {}), Mapping):
            raise InvalidInputError(f"{where}: [{table}] must be a table")
    defaults = doc.get("defaults", {})
    bad = sorted(set(defaults) - {"side"})
    if bad:
        raise InvalidInputError(f"{where}: unknown key(s) {bad} in [defaults]; allowed: ['side']")
    side = None
    if "side" in defaults:
        try:
            side = Channel("x", side=defaults["side"]).side
        except InvalidInputError as exc:
            raise InvalidInputError(f"{where}: [defaults] {exc}") from None
    entries = {str(name): _entry_from_dict(values, str(name), where) for name, values in doc.get("channels", {}).items()}
    return ChannelMap(entries, side, dict(doc.get("options", {})), where)


def load_channel_map(path) -> ChannelMap:
    """Read and check a channel-map TOML file (format in the module notes).

    Parameters
    ----------
    path : str or Path

    Returns
    -------
    ChannelMap

    Raises
    ------
    FileNotFoundError
        The file does not exist.
    FileFormatError
        Invalid TOML, unknown tables or keys, a bad side, kind or muscle (the
        closest known muscle is suggested), a channel both dropped and mapped.
    """
    path = Path(path)
    try:
        with path.open("rb") as fh:
            doc = tomllib.load(fh)
    except FileNotFoundError:
        raise FileNotFoundError(f"channel map not found: {path}") from None
    except IsADirectoryError:
        raise FileFormatError(f"channel map {path} is a folder; pass the TOML file") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise FileFormatError(f"{path} is not valid TOML: {exc}") from None
    try:
        return _from_document(doc, path.name)
    except InvalidInputError as exc:
        raise FileFormatError(str(exc)) from None


def parse_channel_option(text: str) -> ChannelMap:
    """One inline entry ``NAME=SPEC`` (``--channel``) as a map.

    ``SPEC`` is a muscle with an optional side word first or last
    (``"L quadriceps"``, ``"biceps right"``, ``"R-Tri"``), a kind
    (``"trigger"``, ``"angle"``, ``"force"``, ``"accelerometer"``,
    ``"processed"``, ``"unknown"``, ``"emg"``, or a common word for one:
    ``trig``, ``sync``, ``footswitch``, ``gonio``, ``acc``, ``imu``,
    ``envelope``, ``rms``, ...), or ``"exclude"`` (leave the channel out).
    ``NAME`` is everything before the last ``=``.

    Examples
    --------
    >>> parse_channel_option("CH1 Raw=L quadriceps").entries["CH1 Raw"]
    MapEntry(muscle='quadriceps', side='L', kind=None, name=None, drop=False)
    >>> parse_channel_option("Trig=trigger").entries["Trig"].kind
    'trigger'
    """
    name, sep, spec = str(text).rpartition("=")
    name, spec = name.strip(), spec.strip()
    where = f"--channel {text!r}"
    if not sep or not name or not spec:
        raise InvalidInputError(f"{where}: expected NAME=MUSCLE (e.g. --channel \"CH1 Raw=L quadriceps\"), "
                                "NAME=KIND (e.g. --channel \"Trig=trigger\") or NAME=exclude")
    return ChannelMap({name: _inline_entry(name, spec, where)}, source="--channel")


def _inline_entry(name: str, spec: str, where: str) -> MapEntry:
    """The entry of an inline spec: ``exclude``, a kind, or a muscle with an optional side word."""
    word = spec.lower()
    if word in _DROP_WORDS:
        return MapEntry(drop=True)
    if word in KINDS or word in _KIND_ALIASES:
        return _checked(MapEntry(kind=word), name, where)
    side, muscle = split_side(spec)
    if lookup_muscle(muscle) is None and lookup_muscle(spec) is not None:
        side, muscle = None, spec  # a muscle phrase that merely ends in a side-like word
    close_kind = difflib.get_close_matches(word, KINDS + _DROP_WORDS + tuple(_KIND_ALIASES), n=1, cutoff=0.75)
    close_kind = [_KIND_ALIASES.get(c, c) for c in close_kind]
    if lookup_muscle(muscle) is None and close_kind:
        raise InvalidInputError(f"{where}: {spec!r} is neither a muscle nor a kind (did you mean {close_kind[0]!r}?)")
    return _checked(MapEntry(muscle=muscle, side=side), name, where)


def build_channel_map(path=None, inline=()) -> ChannelMap | None:
    """The map of a ``--map`` file and ``--channel`` entries together (None when neither is given).

    Raises
    ------
    FileNotFoundError, FileFormatError
        The file is missing or invalid.
    InvalidInputError
        A bad inline entry, or entries that contradict each other or the file
        (the same channel given two muscles, sides, kinds or names).
    """
    maps = ([load_channel_map(path)] if path else []) + [parse_channel_option(t) for t in inline]
    if not maps:
        return None
    out = maps[0]
    for other in maps[1:]:
        out = out.merge(other)
    return out


def as_channel_map(value) -> ChannelMap:
    """A :class:`ChannelMap` from a map, a TOML file path, or a mapping ``{name: spec}``.

    ``spec`` is an inline spec string (``"L quadriceps"``, ``"trigger"``,
    ``"exclude"``) or a dict with the file's keys (``{"muscle": "quadriceps",
    "side": "L"}``).
    """
    if isinstance(value, ChannelMap):
        return value
    if isinstance(value, (str, Path)):
        return load_channel_map(value)
    if isinstance(value, Mapping):
        out = ChannelMap(source="mapping")
        for name, spec in value.items():
            where = f"channel mapping {{{str(name)!r}: {spec!r}}}"
            entry = (_inline_entry(str(name), spec.strip(), where) if isinstance(spec, str)
                     else _entry_from_dict(spec, str(name), where))
            out = out.merge(ChannelMap({str(name): entry}, source="mapping"))
        return out
    raise InvalidInputError(f"a channel map is a TOML file path, a dict {{name: spec}} or a ChannelMap, "
                            f"got {type(value).__name__}")


# -- applying maps ---------------------------------------------------------------------------------------------
def _plan(channels, cmap: ChannelMap, where: str, missing: str):
    """``(rows kept, their new Channels, dropped names, applied names)`` of a map on ``channels``."""
    names = [c.name for c in channels]
    unmatched = [n for n in cmap.entries if n not in names]
    if unmatched and missing == "error":
        detail = []
        for n in unmatched:
            close = difflib.get_close_matches(n, names, n=1)
            detail.append(repr(n) + (f" (did you mean {close[0]!r}?)" if close else ""))
        raise InvalidInputError(f"the channel map ({cmap.source}) names {', '.join(detail)}, not a channel of {where}; "
                                f"its channels are {', '.join(map(repr, names))}")
    rows, out, dropped, applied, by_map = [], [], [], [], set()
    for k, ch in enumerate(channels):
        entry = cmap.entries.get(ch.name)
        if entry is not None:
            applied.append(ch.name)
            if entry.drop:
                dropped.append(ch.name)
                continue
            if entry.name:
                renamed = Channel(entry.name, muscle=entry.muscle, side=entry.side)
                ch = Channel(entry.name, muscle=renamed.muscle or ch.muscle, side=renamed.side or ch.side,
                             kind=entry.kind or ch.kind)
            else:
                ch = Channel(ch.name, muscle=entry.muscle or ch.muscle, side=entry.side or ch.side,
                             kind=entry.kind or ch.kind)
            if entry.muscle or entry.side:
                by_map.add(ch.name)
        if ch.side is None and cmap.default_side is not None:
            ch = Channel(ch.name, muscle=ch.muscle, side=cmap.default_side, kind=ch.kind)
        rows.append(k)
        out.append(ch)
    _check_result(out, dropped, by_map, cmap, where)
    return rows, out, dropped, applied


def _check_result(channels, dropped, by_map, cmap, where):
    if not channels:
        raise InvalidInputError(f"the channel map ({cmap.source}) drops every channel of {where} "
                                f"({', '.join(map(repr, dropped))}); nothing would be left")
    names = [c.name for c in channels]
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        raise InvalidInputError(f"the channel map ({cmap.source}) gives two channels of {where} the name "
                                f"{twice[0]!r}; channel names must stay unique")
    seen = {}
    for ch in channels:
        if ch.muscle is None or ch.kind not in (None, "emg"):
            continue
        key = (ch.muscle, ch.side)
        if key in seen and (ch.name in by_map or seen[key] in by_map):
            side = {"L": "left ", "R": "right "}.get(ch.side, "")
            fix = "" if ch.side else " (give each its side, e.g. 'NAME=L muscle')"
            raise InvalidInputError(f"contradictory channel map ({cmap.source}): channels {seen[key]!r} and {ch.name!r} "
                                    f"of {where} would both be the {side}{ch.muscle}{fix}")
        seen.setdefault(key, ch.name)
    if all(c.kind not in (None, "emg") for c in channels):
        declared = ", ".join(f"{c.name!r} ({c.kind})" for c in channels)
        raise InvalidInputError(f"the channel map ({cmap.source}) leaves no EMG channel in {where}: {declared}"
                                + (f"; dropped {', '.join(map(repr, dropped))}" if dropped else ""))


@overload
def relabel(recording: Recording, channel_map: ChannelMapLike, *, missing: str = "error") -> Recording: ...
@overload
def relabel(recording: RecordingFile, channel_map: ChannelMapLike, *, missing: str = "error") -> RecordingFile: ...
def relabel(recording: Recording | RecordingFile, channel_map: ChannelMapLike, *,
            missing: str = "error") -> Recording | RecordingFile:
    """Apply a channel map: a new Recording (or open file) whose channels carry the map's muscles, sides and kinds.

    Parameters
    ----------
    recording : Recording or RecordingFile
        An in-memory recording, or an open file (``emgkit.open``): the
        result is then a file handle that reads the kept channels on demand
        (closing it closes ``recording``).
    channel_map : ChannelMap, str, Path or dict
        A map (:func:`build_channel_map`), a TOML file, or a dict
        ``{name: spec}`` with inline specs or entry tables, e.g.
        ``{"CH1 Raw": "L quadriceps", "Trig": "trigger", "Aux": "exclude"}``.
    missing : {"error", "ignore"}, default "error"
        What to do with map entries that name no channel of ``recording``.

    Returns
    -------
    Recording or RecordingFile
        Same kind as ``recording``; dropped channels left out; ``meta["channel_map"]``
        records the map's source and the channels it applied to and dropped.

    Raises
    ------
    InvalidInputError
        An entry names a missing channel (closest name suggested), two
        channels would get the same name, or the same muscle and side, or
        the map drops every channel or leaves no channel that may be EMG.

    Examples
    --------
    >>> import numpy as np, emgkit
    >>> rec = emgkit.Recording(np.zeros((2, 100)), 1000, ["CH1 Raw", "CH2 Raw"])
    >>> new = relabel(rec, {"CH1 Raw": "L quadriceps", "CH2 Raw": "trigger"})
    >>> [(c.name, c.muscle, c.side, c.kind) for c in new.channels]
    [('CH1 Raw', 'quadriceps', 'L', None), ('CH2 Raw', None, None, 'trigger')]
    """
    from .recording import Recording

    if missing not in ("error", "ignore"):
        raise InvalidInputError(f"missing must be 'error' or 'ignore', got {missing!r}")
    cmap = as_channel_map(channel_map)
    if isinstance(recording, Recording):
        where = str(recording.meta.get("file") or "the recording")
        rows, channels, dropped, applied = _plan(recording.channels, cmap, where, missing)
        meta = {**recording.meta, "channel_map": _record(cmap, applied, dropped)}
        data = recording.data if len(rows) == recording.n_channels else recording.data[rows]
        return recording.replace(data=data, channels=channels, meta=meta)
    if hasattr(recording, "iter_chunks") and hasattr(recording, "channels"):
        return _relabel_file(recording, cmap, missing)
    raise InvalidInputError(f"relabel needs a Recording or an open emgkit.RecordingFile, got {type(recording).__name__}")


def drop_declared_non_emg(recording):
    """``(recording without the channels declared not EMG, [(name, kind), ...] left out)``.

    Only declared kinds count (``Channel.kind``, from a map); for the kinds
    that content shows, see :func:`emgkit.channel_kinds.classify`.
    """
    out = [(c.name, c.kind) for c in recording.channels if c.kind not in (None, "emg")]
    if not out:
        return recording, []
    keep = [c.name for c in recording.channels if c.kind in (None, "emg")]
    if not keep:
        raise InvalidInputError(f"every channel is declared not EMG ({', '.join(f'{n!r} ({k})' for n, k in out)}); "
                                "nothing is left to analyse")
    return recording.select(keep), out


def _record(cmap, applied, dropped) -> dict:
    return {"source": cmap.source, "applied": sorted(applied), "dropped": list(dropped)}


def _relabel_file(handle, cmap, missing):
    from ._reader import RecordingFile

    where = str(handle.path) if handle.path is not None else "the recording"
    rows, channels, dropped, applied = _plan(handle.channels, cmap, where, missing)
    meta = {**handle.meta, "channel_map": _record(cmap, applied, dropped)}
    return RecordingFile(_Rows(handle, rows), fs=handle.fs, channels=channels, unit=handle.unit, meta=meta,
                         path=handle.path, close=handle.close)


class _Rows:
    """Some rows of an open RecordingFile as a 2-D array-like (channels first) that reads on demand."""

    def __init__(self, handle, rows):
        self._handle, self._rows = handle, list(rows)
        self.shape = (len(self._rows), handle.n_samples)
        self.dtype = handle.dtype if handle.dtype in ("float32", "float64") else "float64"

    def __getitem__(self, key):
        import numpy as np

        selector, cols = key
        picked = self._rows[selector] if isinstance(selector, slice) else [self._rows[r] for r in selector]
        a, b, _ = cols.indices(self.shape[1])
        if b <= a:
            return np.zeros((len(picked), 0), dtype=self.dtype)
        fs = self._handle.fs
        return self._handle.read(channels=picked, start=a / fs, stop=b / fs).data


# -- proposing a map --------------------------------------------------------------------------------------------
def propose_map(channels, kinds=None) -> str | None:
    """A channels.toml to edit for the EMG channels whose label gives no muscle or no side (None: nothing to propose).

    Parameters
    ----------
    channels : sequence of Channel
    kinds : sequence of ChannelKind, optional
        From :func:`emgkit.channel_kinds.classify`; channels whose kind is
        not ``"emg"`` are left out.

    Returns
    -------
    str or None
        TOML text.  Every suggestion is a comment (with the closest known
        muscle when one resembles the label), so the file changes nothing
        until its lines are uncommented and checked.
    """
    kind_of = {k.name: k for k in kinds} if kinds is not None else {}
    lines = []
    for ch in channels:
        k = kind_of.get(ch.name)
        if (k is not None and not k.is_emg) or (ch.muscle and ch.side):
            continue
        key = json.dumps(ch.name, ensure_ascii=False)
        lines.append(f"[channels.{key}]" + (f"  # {k.reason}" if k is not None else ""))
        if ch.muscle:
            lines.append(f"# muscle = {json.dumps(ch.muscle)}  (from the label)")
        else:
            guess = closest_muscle(ch.name)
            what = f"closest known muscle to the label: {guess}" if guess else "no known muscle resembles the label"
            lines.append(f"# muscle = {json.dumps(guess or '')}  # {what}; see emgkit.channels.known_muscles()")
        lines.append(f"# side = {json.dumps(ch.side or 'L')}  # L or R" + ("  (from the label)" if ch.side else ""))
        lines.append("")
    if not lines:
        return None
    head = ["# channels.toml proposed by 'emgkit info': uncomment and correct each muscle and side, then pass",
            "# --map channels.toml (a channel that is not EMG: kind = \"trigger\"; to leave it out: drop = true)", ""]
    return "\n".join(head + lines)


# -- reader options of a map --------------------------------------------------------------------------------------
_OPTION_MODULES = {"c3d": "formats.c3d", "edf": "formats.edf", "text": "formats.text", "nwb": "formats.nwb",
                   "hdf5": "hdf5_foreign", "matlab": "formats.matlab",
                   "bids-emg": "formats.bids"}


def reader_options(fmt_name: str, options: Mapping) -> tuple[dict, list]:
    """The map's ``[options]`` the reader of format ``fmt_name`` takes, and the names it does not (sorted).

    A map shared by files of several formats may hold ``fs`` for text files,
    which a C3D file (that stores its rate) must not be given.
    """
    from importlib import import_module

    if fmt_name == "emgkit-hdf5":
        accepted = ("nonfinite",)
    elif fmt_name in _OPTION_MODULES:
        accepted = import_module(f"emgkit.{_OPTION_MODULES[fmt_name]}").OPTIONS
    else:
        return dict(options), []  # a format registered at run time: pass everything
    return {k: v for k, v in options.items() if k in accepted}, sorted(set(options) - set(accepted))


# -- command line ----------------------------------------------------------------------------------------------
def add_map_arguments(parser) -> None:
    """Add ``--map channels.toml`` and the repeatable ``--channel NAME=SPEC`` to an argparse parser."""
    parser.add_argument("--map", metavar="channels.toml",
                        help="channel map: muscle, side, kind or drop of each channel, by name (docs/channels.md)")
    parser.add_argument("--channel", action="append", default=[], metavar="NAME=SPEC",
                        help="map one channel, repeatable: --channel \"CH1 Raw=L quadriceps\" (muscle and side), "
                             "--channel \"Trig=trigger\" (not EMG: trigger, angle, force, accelerometer, processed, "
                             "unknown), --channel \"Aux=exclude\" (leave it out)")


def map_from_args(args) -> ChannelMap | None:
    """The map given by ``args.map`` and ``args.channel`` (None when neither was given).

    A ``--fs`` on the command line (``args.fs``) becomes the map's reader option ``fs`` (overriding the
    map file's), so it reaches every format that takes a rate and no other.
    """
    cmap = build_channel_map(getattr(args, "map", None), getattr(args, "channel", None) or ())
    fs = getattr(args, "fs", None)
    if fs is None:
        return cmap
    if cmap is None:
        return ChannelMap(options={"fs": float(fs)}, source="--fs")
    return ChannelMap(cmap.entries, cmap.default_side, {**cmap.options, "fs": float(fs)}, cmap.source)
