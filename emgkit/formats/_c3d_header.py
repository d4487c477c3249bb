"""What a C3D file declares, read from its header and parameter section before ezc3d reads any data.

ezc3d sizes its arrays from the parameters (``ANALOG:RATE``, ``ANALOG:USED``,
the frame count): a 10 KB file whose ``ANALOG:RATE`` says 1e9 makes it
allocate gigabytes before failing.  :func:`check_declared` reads only the
512-byte header and the parameter blocks (a few KB) and refuses a file whose
declarations are impossible or need more bytes than the file has.  The C3D
layout is described at https://www.c3d.org (the C3D User Guide); the same
numbers are read again by ezc3d once the file has passed.
"""

from __future__ import annotations

import math
import struct
from pathlib import Path

from ..errors import FileFormatError

__all__ = ["check_declared", "MAX_ANALOG_RATE"]

MAX_ANALOG_RATE = 1e6  # Hz; no EMG (or other analog) front end samples faster
_MAX_PARAM_BLOCKS = 2048  # 1 MB of parameters: far beyond any real file


def _float(raw: bytes, processor: int) -> float:
    if processor == 86:  # MIPS: big-endian IEEE
        return struct.unpack(">f", raw)[0]
    if processor == 85:  # DEC (VAX F): swap the 16-bit words, IEEE value x 4
        return struct.unpack("<f", raw[2:4] + raw[0:2])[0] / 4.0
    return struct.unpack("<f", raw)[0]


def _params(path: Path, fh, first_block: int) -> tuple[dict, int]:
    """``{(GROUP, NAME): (first value, its byte offset in the file)}`` of the numeric parameters, and the processor type."""
    base = (first_block - 1) * 512 + 4
    fh.seek(base - 4)
    start = fh.read(4)
    if len(start) < 4:
        raise FileFormatError(f"{path}: truncated C3D file: the parameter section is missing; copy it again from its source")
    n_blocks, processor = start[2], start[3]
    body = fh.read(min(max(n_blocks, 1), _MAX_PARAM_BLOCKS) * 512 - 4)
    endian = ">" if processor == 86 else "<"
    groups, params, pos = {}, {}, 0
    while pos + 2 <= len(body):
        n_chars, ident = abs(struct.unpack("b", body[pos : pos + 1])[0]), struct.unpack("b", body[pos + 1 : pos + 2])[0]
        if n_chars == 0 or ident == 0:
            break
        name = body[pos + 2 : pos + 2 + n_chars].decode("ascii", "replace").strip().upper()
        at = pos + 2 + n_chars
        if at + 2 > len(body):
            break
        offset = struct.unpack(endian + "h", body[at : at + 2])[0]
        if ident < 0:
            groups[-ident] = name
        elif at + 4 <= len(body):
            kind, n_dims = struct.unpack("b", body[at + 2 : at + 3])[0], body[at + 3]
            data = at + 4 + n_dims
            size = {1: 1, 2: 2, 4: 4}.get(abs(kind))
            if size is not None and data + size <= len(body) and all(body[at + 4 : data]):
                raw = body[data : data + size]
                value = (_float(raw, processor) if size == 4 else
                         struct.unpack(endian + "h", raw)[0] if size == 2 else raw[0])
                params[(ident, name)] = (value, base + data)
        if offset <= 0:
            break
        pos = at + offset
    return {(groups.get(g, "?"), n): v for (g, n), v in params.items()}, processor


def check_declared(path: Path) -> None:
    """Refuse a C3D file whose header and parameters declare impossible rates or more data than it holds.

    Checked: the file holds the frames its header declares (a truncated
    file can make ezc3d loop), ``ANALOG:RATE`` and ``POINT:RATE`` finite and not negative,
    ``ANALOG:RATE`` at most :data:`MAX_ANALOG_RATE`; ``ANALOG:USED`` times
    the analog samples per frame (``ANALOG:RATE / POINT:RATE``) no more than
    the file's size allows for the frames the header declares.

    Raises
    ------
    FileFormatError
        Naming the file, the parameter and what it says.
    """
    size = path.stat().st_size
    with open(path, "rb") as fh:
        head = fh.read(512)
        if len(head) < 512:
            raise FileFormatError(f"{path}: truncated C3D file ({size} bytes, less than its 512-byte header)")
        found, processor = _params(path, fh, head[0])
    params = {key: value for key, (value, _) in found.items()}
    endian = ">" if processor == 86 else "<"
    words = struct.unpack(endian + "10H", head[:20])
    n_points, first, last, data_block = words[1], words[3], words[4], words[8]
    frames = last - first + 1 if last != 0xFFFF and last >= first else 1
    if last != 0xFFFF and last >= first:  # the header's own count (else kept in the TRIAL group)
        value_bytes = 2 if _float(head[12:16], processor) > 0 else 4
        needed = (max(data_block, 1) - 1) * 512 + frames * (n_points * 4 + words[2]) * value_bytes
        if size < needed:
            raise FileFormatError(
                f"{path}: truncated C3D file: the header promises {frames} frames ({frames * max(words[9], 1)} analog "
                f"samples per channel) in {needed} bytes, the file has {size} bytes; copy it again from its source"
            )
    point_rate = params.get(("POINT", "RATE"), _float(head[20:24], processor))
    analog_rate = params.get(("ANALOG", "RATE"), 0.0)
    used = params.get(("ANALOG", "USED"), 0)
    for name, value in (("POINT:RATE", point_rate), ("ANALOG:RATE", analog_rate)):
        if not math.isfinite(value) or value < 0:
            raise FileFormatError(f"{path}: C3D parameter {name} = {value!r} is not a sampling rate in Hz; "
                                  "the file is corrupt: copy it again from its source")
    if analog_rate > MAX_ANALOG_RATE:
        raise FileFormatError(
            f"{path}: C3D parameter ANALOG:RATE = {analog_rate:g} Hz is beyond any analog front end "
            f"(at most {MAX_ANALOG_RATE:g} Hz); the file is corrupt: correct ANALOG:RATE or copy it again from its source"
        )
    if analog_rate > 0 and point_rate > 0 and used > 0:
        per_frame = used * max(1, round(analog_rate / point_rate))
        value_bytes = 4 if (params.get(("POINT", "SCALE"), -1.0) or -1.0) < 0 else 2
        needed = (max(data_block, 1) - 1) * 512 + frames * (n_points * 4 + per_frame) * value_bytes
        if needed > 4 * size + 2**20:
            raise FileFormatError(
                f"{path}: the C3D parameters declare {frames} frames of {used} analog channels at "
                f"{analog_rate:g} Hz ({needed / 1e6:.4g} MB of samples) but the file has {size / 1e6:.4g} MB; "
                "ANALOG:RATE, ANALOG:USED or the frame count is wrong: copy the file again from its source"
            )
