"""C3D (motion-capture) files: the analog EMG channels, their rate, units, scaling and gait events.

Read with ``ezc3d`` (optional extra ``emgkit[c3d]``).  ezc3d converts every
stored analog value to physical units as ``(raw - OFFSET) * SCALE * GEN_SCALE``
(per-channel ``ANALOG:SCALE``/``OFFSET``, DEC/Intel/MIPS processor formats,
integer or float storage); the tests check that against the raw bytes of the
12-bit integer files.

What is read: the analog channels chosen as EMG (see
:func:`emgkit.formats._common.exclusion_reason`; or the ones named by the
caller), ``ANALOG:RATE``, per-channel ``ANALOG:UNITS``, ``LABELS`` and
``DESCRIPTIONS`` (used for muscle and side when the label is cryptic), the
converter range from ``ANALOG:BITS`` for integer files, the ``EVENT`` group
(label, ``Left``/``Right`` context, time) and the first frame's time
(``meta["start_s"]``).  Markers, force-plate channels and rotations are not
read.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..channels import Channel
from ..errors import FileFormatError, InvalidInputError
from .._reader import NONFINITE_POLICIES, RecordingFile
from .._checks import check_option
from ._common import build_channels, check_options, common_unit, exclusion_reason, normalise_unit, require, unique_names
from ._c3d_header import check_declared
from .events import make_event, side_from_text

__all__ = ["sniff_c3d", "open_c3d", "read_c3d"]

OPTIONS = ("emg_only", "group", "nonfinite")
_PROCESSORS = {84: "Intel", 85: "DEC", 86: "MIPS"}


def sniff_c3d(path: Path, head: bytes) -> bool:
    """True for a C3D file: byte 2 is 0x50 and the parameter section starts with a known processor type."""
    if len(head) < 512 or head[1] != 0x50 or head[0] < 2:
        return False
    start = (head[0] - 1) * 512
    if start + 4 <= len(head):
        block = head[start : start + 4]
    else:
        try:
            with open(path, "rb") as fh:
                fh.seek(start)
                block = fh.read(4)
        except OSError:
            return False
    return len(block) == 4 and block[3] in _PROCESSORS


@dataclass
class _Content:
    """What the reader extracted from one C3D file (all analog channels)."""

    path: Path
    analogs: np.ndarray  # (n_analog, n_samples) in physical units
    labels: list
    descriptions: list
    units: list
    fs: float
    start_s: float
    excluded: dict = field(default_factory=dict)  # label -> reason (default EMG selection)
    adc: list = field(default_factory=list)  # per channel [lo, hi] or None
    events: list = field(default_factory=list)
    info: dict = field(default_factory=dict)


def _param(params, group, name, default=None):
    try:
        return params[group][name]["value"]
    except (KeyError, TypeError):
        return default


def _strings(params, group, name, n):
    """A string parameter continued in NAME2, NAME3, ... (C3D stores at most 255 per parameter)."""
    values = list(_param(params, group, name, []) or [])
    k = 2
    while len(values) < n and _param(params, group, f"{name}{k}") is not None:
        values += list(_param(params, group, f"{name}{k}"))
        k += 1
    values = [str(v).strip() for v in values]
    return values[:n] + [""] * (n - len(values))


def _numbers(params, group, name, n, default):
    values = []
    k = 1
    while len(values) < n:
        key = name if k == 1 else f"{name}{k}"
        chunk = _param(params, group, key)
        if chunk is None:
            break
        values += [float(v) for v in np.asarray(chunk, dtype=np.float64).ravel()]
        k += 1
    if not values:
        return [default] * n
    if len(values) == 1 and n > 1:
        return values * n
    return values[:n] + [default] * (n - len(values))


def _check_complete(path: Path, scale_factor: float, n_samples: int) -> None:
    """Raise when the file is shorter than its header's frame count needs (ezc3d silently reads fewer frames)."""
    with open(path, "rb") as fh:
        head = fh.read(512)
        fh.seek((head[0] - 1) * 512 + 3)
        processor = fh.read(1)
    endian = ">" if processor == bytes([86]) else "<"  # MIPS is big-endian
    words = struct.unpack(endian + "10H", head[:20])
    n_points, analog_per_frame, first, last, data_block, per_frame = words[1], words[2], words[3], words[4], words[8], words[9]
    if last == 0xFFFF or last < first:
        return  # frame count kept elsewhere (TRIAL group): ezc3d's count is used
    frames = last - first + 1
    value_bytes = 2 if scale_factor > 0 else 4
    needed = (data_block - 1) * 512 + frames * (n_points * 4 + analog_per_frame) * value_bytes
    size = path.stat().st_size
    if size < needed:
        raise FileFormatError(
            f"{path}: truncated C3D file: the header promises {frames} frames ({frames * max(per_frame, 1)} analog "
            f"samples per channel) in {needed} bytes, the file has {size} bytes ({n_samples} samples). "
            "Copy it again from its source"
        )


def _load(path: Path) -> _Content:
    ezc3d = require("ezc3d", "c3d", "C3D")
    check_declared(path)  # rates and sizes from the parameters, before ezc3d allocates what they say
    try:
        c3d = ezc3d.c3d(str(path))
    except (RuntimeError, OSError, ValueError, IndexError) as exc:
        raise FileFormatError(
            f"{path}: not a readable C3D file ({exc}). It may be truncated or corrupt; copy it again from its source"
        ) from None
    header, params = c3d["header"], c3d["parameters"]
    analogs = np.asarray(c3d["data"]["analogs"], dtype=np.float64)
    if analogs.ndim != 3 or analogs.shape[1] == 0:
        raise FileFormatError(f"{path}: the C3D file has no analog channels (markers only?); there is no EMG to read")
    analogs = analogs[0]
    n_ch, n_samples = analogs.shape
    _check_complete(path, float(c3d.c3d_swig.header().scaleFactor()), n_samples)
    rate = _numbers(params, "ANALOG", "RATE", 1, 0.0)[0]
    fs = rate if rate > 0 else float(header["analogs"]["frame_rate"])
    if not fs > 0:
        raise FileFormatError(f"{path}: no analog sampling rate (ANALOG:RATE and the header frame rate are 0)")
    point_rate = float(header["points"]["frame_rate"]) or fs
    start_s = float(header["points"]["first_frame"]) / point_rate if point_rate > 0 else 0.0

    raw_labels = _strings(params, "ANALOG", "LABELS", n_ch)
    labels = unique_names([lab or f"Analog {k + 1}" for k, lab in enumerate(raw_labels)])
    descriptions = _strings(params, "ANALOG", "DESCRIPTIONS", n_ch)
    units = [normalise_unit(u) for u in _strings(params, "ANALOG", "UNITS", n_ch)]
    content = _Content(path, analogs, labels, descriptions, units, float(fs), start_s)

    # force-plate channels named by FORCE_PLATFORM:CHANNEL (1-based analog indices)
    fp = _param(params, "FORCE_PLATFORM", "CHANNEL")
    fp_rows = set()
    if fp is not None:
        fp_rows = {int(v) - 1 for v in np.asarray(fp).ravel() if 0 < int(v) <= n_ch}
    for k, label in enumerate(labels):
        reason = "force-plate channel (FORCE_PLATFORM:CHANNEL)" if k in fp_rows else exclusion_reason(label, units[k])
        if reason:
            content.excluded[label] = reason

    # converter range (integer storage with ANALOG:BITS only)
    point_scale = _numbers(params, "POINT", "SCALE", 1, float(c3d.c3d_swig.header().scaleFactor()))[0]
    bits = _param(params, "ANALOG", "BITS")
    fmt = _strings(params, "ANALOG", "FORMAT", 1)[0].upper()
    content.adc = [None] * n_ch
    if point_scale > 0 and bits is not None and len(np.ravel(bits)):
        b = int(np.ravel(bits)[0])
        lo, hi = (0, 2**b - 1) if fmt == "UNSIGNED" else (-(2 ** (b - 1)), 2 ** (b - 1) - 1)
        scale = _numbers(params, "ANALOG", "SCALE", n_ch, 1.0)
        offset = _numbers(params, "ANALOG", "OFFSET", n_ch, 0.0)
        gen = _numbers(params, "ANALOG", "GEN_SCALE", 1, 1.0)[0]
        for k in range(n_ch):
            ends = sorted([(lo - offset[k]) * scale[k] * gen, (hi - offset[k]) * scale[k] * gen])
            content.adc[k] = [float(ends[0]), float(ends[1])]

    content.events = _events(params, path)
    manufacturer = {
        key.lower(): " ".join(str(v) for v in np.ravel(_param(params, "MANUFACTURER", key)))
        for key in ("COMPANY", "SOFTWARE", "VERSION_LABEL")
        if _param(params, "MANUFACTURER", key) is not None
    }
    content.info = {
        "format": "c3d",
        "file": path.name,
        "point_rate_hz": point_rate,
        "first_frame": int(header["points"]["first_frame"]),
        "storage": "integer" if point_scale > 0 else "float",
    }
    if manufacturer:
        content.info["manufacturer"] = manufacturer
    return content


def _events(params, path) -> list:
    used = _param(params, "EVENT", "USED")
    n = int(np.ravel(used)[0]) if used is not None and len(np.ravel(used)) else 0
    if n == 0:
        return []
    times = np.asarray(_param(params, "EVENT", "TIMES", []), dtype=np.float64)
    if times.ndim == 1 and times.size == 2 * n:
        times = times.reshape((2, n), order="F")  # [min, s] pairs stored flat
    if times.ndim != 2 or times.shape[0] != 2 or times.shape[1] < n:
        raise FileFormatError(
            f"{path}: EVENT:TIMES has shape {times.shape}, expected (2, {n}) [minutes, seconds] pairs for EVENT:USED = {n}"
        )
    labels = _strings(params, "EVENT", "LABELS", n)
    contexts = _strings(params, "EVENT", "CONTEXTS", n)
    descriptions = _strings(params, "EVENT", "DESCRIPTIONS", n)
    events = [
        make_event(
            round(60.0 * times[0, i] + times[1, i], 6),  # float32 seconds: keep microseconds
            labels[i],
            side=side_from_text(contexts[i]),
            source="c3d EVENT",
            description=descriptions[i],
        )
        for i in range(n)
    ]
    return sorted(events, key=lambda e: e["time_s"])


def _default_rows(content: _Content, emg_only: bool, group) -> list[int]:
    n = len(content.labels)
    if group is not None:
        wanted = str(group).strip().lower()
        devices = [d.split("::", 1)[0].strip() if "::" in d else "" for d in content.descriptions]
        rows = [k for k in range(n) if devices[k].lower() == wanted]
        if not rows:
            found = sorted({d for d in devices if d})
            raise InvalidInputError(
                f"no analog channel of group {group!r} in {content.path}; groups (device names in "
                f"ANALOG:DESCRIPTIONS) found: {found or 'none'}"
            )
        return rows
    if not emg_only:
        return list(range(n))
    rows = [k for k, lab in enumerate(content.labels) if lab not in content.excluded]
    if not rows:
        detail = "; ".join(f"{lab}: {why}" for lab, why in content.excluded.items())
        raise FileFormatError(
            f"{content.path}: no EMG channel found among its {n} analog channels ({detail}). "
            "Name the channels to read with channels=[...] or pass emg_only=False"
        )
    return rows


def _resolve(content: _Content, default: list[int], channels) -> list[int]:
    """Rows for ``channels``: names among all analog labels, integers index the default selection."""
    if channels is None:
        return default
    if isinstance(channels, (str, int, np.integer, Channel)):
        channels = [channels]
    rows = []
    for c in channels:
        if isinstance(c, (bool, np.bool_)):
            raise InvalidInputError(f"channel {c!r} is a boolean; pass names or integer indices")
        if isinstance(c, (int, np.integer)):
            if not -len(default) <= c < len(default):
                raise InvalidInputError(f"channel index {c} out of range for the {len(default)} EMG channels of {content.path}")
            rows.append(default[int(c)])
            continue
        name = c.name if isinstance(c, Channel) else str(c)
        if name not in content.labels:
            import difflib

            hint = difflib.get_close_matches(name, content.labels, n=1)
            extra = f" (did you mean {hint[0]!r}?)" if hint else ""
            raise InvalidInputError(
                f"no analog channel {name!r} in {content.path}{extra}; analog labels: {content.labels}"
            )
        rows.append(content.labels.index(name))
    if len(set(rows)) != len(rows):
        raise InvalidInputError(f"channels {channels!r} name a channel more than once; list each channel once")
    return rows


def _handle(content: _Content, rows: list[int], nonfinite: str) -> RecordingFile:
    labels = [content.labels[r] for r in rows]
    channels, notes = build_channels(labels, [content.descriptions[r] for r in rows])
    try:
        unit, factors = common_unit([content.units[r] for r in rows], str(content.path))
    except InvalidInputError:
        unit, factors = "a.u.", [1.0] * len(rows)
        notes.append("channels of different units read together: unit 'a.u.', see meta['c3d']['units']")
    data = content.analogs[rows]
    if any(f != 1.0 for f in factors):
        data = data * np.asarray(factors)[:, np.newaxis]
    meta = {
        "source": dict(content.info),
        "c3d": {
            "labels": labels,
            "descriptions": [content.descriptions[r] for r in rows],
            "units": [content.units[r] for r in rows],
            "excluded": {lab: why for lab, why in content.excluded.items() if lab not in labels},
        },
    }
    if content.start_s:
        meta["start_s"] = content.start_s
    if content.events:
        meta["events"] = [dict(e) for e in content.events]
    ranges = [content.adc[r] for r in rows]
    if all(r is not None for r in ranges):
        ranges = [[lo * f, hi * f] for (lo, hi), f in zip(ranges, factors)]
        if all(np.allclose(r, ranges[0], rtol=1e-9) for r in ranges):
            meta["adc_range"] = ranges[0]
        else:
            meta["adc_ranges"] = {lab: r for lab, r in zip(labels, ranges)}
    if notes:
        meta["channel_notes"] = notes
    return RecordingFile(
        np.ascontiguousarray(data), fs=content.fs, channels=channels, unit=unit, meta=meta, nonfinite=nonfinite,
        path=content.path,
    )


def open_c3d(path, *, emg_only=True, group=None, nonfinite="error", **unknown) -> RecordingFile:
    """Open a C3D file's EMG channels (the whole file is decoded on opening; reads slice it in memory).

    Parameters
    ----------
    path : Path
        The ``.c3d`` file.
    emg_only : bool, default True
        Keep only the channels the EMG heuristic accepts (module notes);
        ``False`` keeps every analog channel (force plates included).
    group : str, optional
        Keep the channels of one analog device: the part of
        ``ANALOG:DESCRIPTIONS`` before ``::`` (Vicon Nexus, e.g.
        ``"Delsys Trigno EMG 2.0"``), whatever the heuristic says.
    nonfinite : {"error", "interpolate", "zero"}
        Policy for NaN/inf samples.

    Returns
    -------
    RecordingFile
        Unit from ``ANALOG:UNITS`` (voltages converted to the most common one);
        ``meta["start_s"]`` = first frame / point rate (the trial time of the
        first sample); ``meta["events"]`` (schema in
        :mod:`emgkit.formats.events`, times on the trial clock);
        ``meta["adc_range"]`` (``[lo, hi]``, or ``meta["adc_ranges"]`` per
        channel when they differ) for integer files with ``ANALOG:BITS``;
        ``meta["c3d"]`` with the labels, descriptions, units and the excluded
        channels with the reason.
    """
    check_options("C3D", unknown, OPTIONS)
    check_option("nonfinite", nonfinite, NONFINITE_POLICIES)
    content = _load(Path(path))
    return _handle(content, _default_rows(content, bool(emg_only), group), nonfinite)


def read_c3d(path, channels=None, start=None, stop=None, *, emg_only=True, group=None, nonfinite="error", **unknown):
    """Read EMG from a C3D file (see :func:`open_c3d` for the options and ``meta``).

    Parameters
    ----------
    channels : str, int or sequence, optional
        Names are looked up among **all** analog labels (so a channel the
        heuristic left out can be asked for by name); integers index the
        default (EMG) selection.  Default: the EMG selection.
    start, stop : float, optional
        Time range in s from the first sample (not from the trial start).

    Examples
    --------
    >>> rec = emgkit.read("PiG_Motion-FlatFoot-Full.c3d")          # doctest: +SKIP
    >>> rec.channel_names[:2], rec.meta["start_s"]                 # doctest: +SKIP
    (['R_RF', 'R_ST'], 1.47)
    """
    check_options("C3D", unknown, OPTIONS)
    check_option("nonfinite", nonfinite, NONFINITE_POLICIES)
    content = _load(Path(path))
    try:
        default = _default_rows(content, bool(emg_only), group)
    except FileFormatError:
        if channels is None:
            raise
        default = []  # no EMG found, but the caller names the channels
    rows = _resolve(content, default, channels)
    with _handle(content, rows, nonfinite) as handle:
        return handle.read(start=start, stop=stop)
