"""Readers for the text formats of public sEMG data sets.

Each reader returns a :class:`emgkit.Recording` with the sampling rate, channel
names, muscles, sides and units stated by the data set (see ``docs/datasets.md``
for every quirk handled), and raises :class:`emgkit.errors.FileFormatError`
naming the file, the line and what was expected when the text does not match.

* :func:`read_uci_physical_action`: UCI "EMG Physical Action" (Theodoridis,
  University of Essex), 8 channels of ADC counts at 1000 Hz.
* :func:`read_uci_lower_limb`: UCI "EMG dataset in Lower Limb" (BASAN / UMNG,
  Bogota), 4 EMG channels in mV plus a knee goniometer at 1000 Hz.
* :func:`read_opensignals`: BioSPPy / OpenSignals "Simple Text Format" files
  (header with sampling rate, resolution and labels; 12-bit ADC counts).
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np

from emgkit.channels import Channel
from emgkit.errors import FileFormatError, InvalidInputError
from emgkit.recording import Recording

__all__ = ["read_uci_physical_action", "read_uci_lower_limb", "read_opensignals", "aux_signal"]

# -- UCI EMG Physical Action ------------------------------------------------------------

PHYSICAL_ACTION_FS = 1000.0  # not in the files; from the data set's acquisition logs (SOURCE.md)
PHYSICAL_ACTION_ADC_RANGE = [-4000.0, 4000.0]  # counts; the data clip at exactly +-4000
PHYSICAL_ACTION_CHANNELS = (
    ("R-Bic", "biceps_brachii", "R"),
    ("R-Tri", "triceps_brachii", "R"),
    ("L-Bic", "biceps_brachii", "L"),
    ("L-Tri", "triceps_brachii", "L"),
    ("R-Thi", "quadriceps", "R"),
    ("R-Ham", "hamstrings", "R"),
    ("L-Thi", "quadriceps", "L"),
    ("L-Ham", "hamstrings", "L"),
)


def read_uci_physical_action(path) -> Recording:
    """Read one file of the UCI "EMG Physical Action" data set.

    Parameters
    ----------
    path : str or Path
        A ``<Action>.txt`` file: 8 tab-separated integer columns, no header,
        no time column, CRLF line endings.

    Returns
    -------
    Recording
        8 channels ``R-Bic, R-Tri, L-Bic, L-Tri, R-Thi, R-Ham, L-Thi, L-Ham``
        (biceps/triceps brachii, quadriceps ("thigh") and hamstrings, right and
        left), fs = 1000 Hz, unit ``"counts"`` (no scale to mV is published),
        ``meta["adc_range"] = [-4000, 4000]`` (the converter limit: samples
        there are clipped), ``meta["subject"]`` (``"sub01"``), ``meta["action"]``
        and ``meta["category"]`` (``"Normal"``/``"Aggressive"``) when the path
        follows the data set's ``sub0N/<Category>/txt/<Action>.txt`` layout.

    Raises
    ------
    FileFormatError
        When a row (other than a truncated last row, which is dropped and
        counted in ``meta["dropped_rows"]``) does not hold 8 integers.

    Notes
    -----
    The rate is not in the files: 1000 Hz comes from the data set's Biometrics
    DataLog headers (10,000 samples in 10 s); some published code assumes
    4 kHz, wrongly.  Vigorous leg actions clip for up to 75 % of the samples
    (sub01 Running R-Thi): check ``rec.quality()`` before analysing amplitude.

    Examples
    --------
    >>> rec = read_uci_physical_action("sub01/Normal/txt/Running.txt")  # doctest: +SKIP
    >>> rec.quality()[["channel", "clipped_fraction"]]  # doctest: +SKIP
    """
    path = Path(path)
    lines = _read_lines(path, "ascii")
    rows, dropped = _split_rows(lines, path, n_cols=8, first_line=1, sep="\t", allow_short_tail=True)
    data = _to_array(rows, path, first_line=1, dtype=np.int32).T
    meta = {
        "source": "UCI EMG Physical Action Data Set (Theodoridis, University of Essex; doi:10.24432/C53W49)",
        "file": path.name,
        "adc_range": list(PHYSICAL_ACTION_ADC_RANGE),
        "fs_source": "data set acquisition logs (not stored in the file)",
        "action": path.stem,
    }
    parts = path.parts
    if len(parts) >= 4 and parts[-2] == "txt":
        meta["category"] = parts[-3]
        meta["subject"] = parts[-4]
    if dropped:
        meta["dropped_rows"] = dropped
    channels = [Channel(name, muscle=muscle, side=side) for name, muscle, side in PHYSICAL_ACTION_CHANNELS]
    return Recording(data, PHYSICAL_ACTION_FS, channels, unit="counts", meta=meta)


# -- UCI EMG dataset in Lower Limb --------------------------------------------------------------

LOWER_LIMB_FS = 1000.0  # Biometrics DataLOG MWX8 (data set description)
LOWER_LIMB_TASKS = {"mar": "gait", "sen": "leg_extension_sitting", "pie": "leg_flexion_standing"}
LOWER_LIMB_GROUPS = {"N": "normal", "A": "knee_abnormality"}
# identical data in the distributed data set (SOURCE.md); the first of each pair is probably a stand-in
LOWER_LIMB_DUPLICATES = {
    "1Npie": ("2Npie", False),
    "2Npie": ("1Npie", True),
    "1Nsen": ("2Nsen", True),
    "2Nsen": ("1Nsen", False),
}
_LL_NAME = re.compile(r"^(\d+)([NA])(mar|sen|pie)$", re.IGNORECASE)
_LL_CHANNEL = re.compile(
    r"^Channel\s+(\d+):\s*'([^']*)',\s*(\d+)\s+values,\s*engineering units:\s*([^,]+)(?:,(.*))?$", re.IGNORECASE
)
_LL_DIGITAL = re.compile(r"^Digitals combined\b.*?:\s*(\d+)\s+values", re.IGNORECASE)


def read_uci_lower_limb(path) -> Recording:
    """Read one file of the UCI "EMG dataset in Lower Limb".

    Parameters
    ----------
    path : str or Path
        A file named ``<subject><N|A><task>.txt`` (e.g. ``2Nsen.txt``): a header
        (``File Name:`` line, one ``Channel k: 'NAME', N values, engineering
        units: mV|deg, ...`` line per column, an optional ``Digitals combined``
        line, a blank line), then tab-separated rows.

    Returns
    -------
    Recording
        The EMG columns (unit ``"mV"``): rectus femoris, biceps femoris,
        vastus medialis and semitendinosus of the one recorded leg (side
        ``None``; the data set does not state which leg), named as in the
        file (``'RF'`` or ``'Recto Femoral'``), fs = 1000 Hz.  The goniometer
        is not EMG and is kept out of ``data``: ``meta["aux"]["knee_angle"]``
        holds ``{"data": ndarray (n_samples,) in deg, aligned with the EMG,
        "unit": "deg", "label": ..., "note": ...}``, and the digital event code
        column of the 6-column variant is ``meta["aux"]["digital"]``;
        :func:`aux_signal` returns them aligned with the (possibly cropped) data.
        ``meta`` also has ``subject`` (int), ``group`` (``"normal"`` or
        ``"knee_abnormality"``), ``task`` and ``task_code`` parsed from the
        file **name** (the ``File Name:`` line is unreliable; it is kept as
        ``meta["header_file_name"]``), and for the known duplicate files
        ``meta["duplicate"] = {"same_data_as": ..., "probably_genuine": bool}``.

    Raises
    ------
    FileFormatError
        For a missing or malformed header, a file name that does not follow
        the data set's pattern, rows with the wrong number of fields, or an
        EMG row count that disagrees with the header.

    Notes
    -----
    Handles both header dialects (channels 4-8 with Spanish names in the A
    files, 1-5 with abbreviations in the N files), the variant with a sixth
    "Digitals combined" column, and the trailing rows of several N files that
    hold only a goniometer value (``\\t\\t\\t\\t7.5``; the goniometer was
    sampled at 50 Hz and up-sampled, so it runs past the EMG).  Those rows,
    and a final tabs-only row, are dropped and counted in
    ``meta["trailing_goniometer_rows"]``.  ``1Npie``/``2Npie`` and
    ``1Nsen``/``2Nsen`` hold identical data: never count both as trials.

    Examples
    --------
    >>> rec = read_uci_lower_limb("uci_lower_limb/1Nmar.txt")  # doctest: +SKIP
    >>> angle = rec.meta["aux"]["knee_angle"]["data"]  # doctest: +SKIP
    """
    path = Path(path)
    match = _LL_NAME.match(path.stem)
    if match is None:
        raise FileFormatError(
            f"{path.name}: expected a UCI lower-limb file name <subject><N|A><mar|sen|pie>.txt such as 2Nsen.txt; "
            "subject, group and task are taken from the name"
        )
    subject, group, task = int(match.group(1)), match.group(2).upper(), match.group(3).lower()
    lines = _read_lines(path, "latin-1")
    columns, header_name, n_header = _lower_limb_header(lines, path)
    n_cols = len(columns)

    body = lines[n_header:]
    while body and not body[-1].strip("\t "):
        body.pop()  # final tabs-only line(s)
    n_full = len(body)
    while n_full and body[n_full - 1].split("\t", 1)[0].strip() == "":
        n_full -= 1
    trailing = len(body) - n_full
    rows, _ = _split_rows(body[:n_full], path, n_cols=n_cols, first_line=n_header + 1, sep="\t")
    table = _to_array(rows, path, first_line=n_header + 1, dtype=np.float64)

    emg_idx = [i for i, c in enumerate(columns) if c["kind"] == "emg"]
    if not emg_idx:
        raise FileFormatError(f"{path}: no EMG (mV) channel in the header; found {[c['label'] for c in columns]}")
    for i in emg_idx:
        if columns[i]["count"] != table.shape[0]:
            raise FileFormatError(
                f"{path}: the header says channel {columns[i]['label']!r} has {columns[i]['count']} values but the file "
                f"has {table.shape[0]} full rows (truncated or edited file?)"
            )
    channels = [Channel(columns[i]["label"]) for i in emg_idx]
    unnamed = [c.name for c in channels if c.muscle is None]
    if unnamed:
        raise FileFormatError(f"{path}: EMG channel labels {unnamed} name no known muscle")

    aux = {}
    for i, col in enumerate(columns):
        if col["kind"] == "angle":
            aux["knee_angle"] = {
                "data": table[:, i].copy(),
                "unit": col["unit"],
                "label": col["label"],
                "note": "knee flexion-extension goniometer, sampled at 50 Hz and up-sampled to 1000 Hz by the logger",
            }
        elif col["kind"] == "digital":
            aux["digital"] = {
                "data": table[:, i].astype(np.int16),
                "unit": "code",
                "label": col["label"],
                "note": "digital inputs combined as event=16, d=8, c=4, b=2, a=1",
            }
    meta = {
        "source": "UCI EMG dataset in Lower Limb (BASAN / Universidad Militar Nueva Granada, 2012-2013)",
        "file": path.name,
        "subject": subject,
        "group": LOWER_LIMB_GROUPS[group],
        "task": LOWER_LIMB_TASKS[task],
        "task_code": task,
        "header_file_name": header_name,
        "limb": "one leg (side not documented)",
        "aux": aux,
    }
    if trailing:
        meta["trailing_goniometer_rows"] = trailing
    key = f"{subject}{group}{task}"
    if key in LOWER_LIMB_DUPLICATES:
        other, genuine = LOWER_LIMB_DUPLICATES[key]
        meta["duplicate"] = {
            "same_data_as": other,
            "probably_genuine": genuine,
            "note": f"{key} and {other} hold identical data in the distributed data set; do not count both as trials",
        }
    data = np.ascontiguousarray(table[:, emg_idx].T)
    return Recording(data, LOWER_LIMB_FS, channels, unit="mV", meta=meta)


def _lower_limb_header(lines, path):
    """Columns (label, unit, kind, count), the File Name value, and the number of header lines."""
    if not lines or not lines[0].startswith("File Name:"):
        first = lines[0][:60] if lines else "(empty file)"
        raise FileFormatError(f"{path}: line 1 should start with 'File Name:', got {first!r}; not a UCI lower-limb file")
    header_name = lines[0].split(":", 1)[1].strip()
    columns = []
    for k in range(1, len(lines)):
        line = lines[k].strip()
        if not line:
            if not columns:
                raise FileFormatError(f"{path}: no 'Channel k: ...' lines before the blank line at line {k + 1}")
            return columns, header_name, k + 1
        ch = _LL_CHANNEL.match(line)
        dig = _LL_DIGITAL.match(line)
        if ch:
            unit = ch.group(4).strip()
            kind = "angle" if unit.lower().startswith("deg") else "emg" if unit.lower() in ("mv", "uv", "v") else None
            if kind is None:
                raise FileFormatError(f"{path}, line {k + 1}: unknown engineering unit {unit!r} (expected mV or deg)")
            columns.append({"label": ch.group(2).strip(), "unit": unit, "kind": kind, "count": int(ch.group(3))})
        elif dig:
            columns.append({"label": "Digitals combined", "unit": "code", "kind": "digital", "count": int(dig.group(1))})
        else:
            raise FileFormatError(
                f"{path}, line {k + 1}: expected \"Channel k: 'NAME', N values, engineering units: U, ...\", "
                f"'Digitals combined ...' or a blank line; got {line[:80]!r}"
            )
    raise FileFormatError(f"{path}: the header never ends (no blank line before the data)")


def aux_signal(rec: Recording, name: str = "knee_angle") -> np.ndarray:
    """A non-EMG signal kept in ``rec.meta["aux"]``, aligned with ``rec.data``.

    Readers keep signals that are not EMG (the lower-limb goniometer, digital
    event codes) out of ``data`` and store them whole in ``meta["aux"]``.
    This returns the part that matches the recording's samples, also after
    :meth:`Recording.crop` (which records the crop start in ``meta["start_s"]``)
    and after an HDF5 round trip (which stores the arrays as lists).

    Parameters
    ----------
    rec : Recording
        A recording from a reader that fills ``meta["aux"]``.
    name : str, default "knee_angle"
        Key in ``meta["aux"]`` (``"knee_angle"`` in deg, ``"digital"``).

    Returns
    -------
    ndarray, shape (n_samples,)

    Examples
    --------
    >>> rec = read_uci_lower_limb("uci_lower_limb/1Nmar.txt").crop(1.0, 2.0)  # doctest: +SKIP
    >>> aux_signal(rec).shape  # doctest: +SKIP
    (1000,)
    """
    aux = rec.meta.get("aux", {})
    if name not in aux:
        raise InvalidInputError(f"no auxiliary signal {name!r} in meta['aux']; available: {sorted(aux) or 'none'}")
    values = np.asarray(aux[name]["data"])
    start = int(round(float(rec.meta.get("start_s", 0.0)) * rec.fs))
    if values.ndim != 1 or start + rec.n_samples > values.size:
        raise InvalidInputError(
            f"meta['aux'][{name!r}] holds {values.size} samples, too few for samples {start}-{start + rec.n_samples} "
            "of this recording (was it resampled?)"
        )
    return values[start : start + rec.n_samples]


# -- BioSPPy / OpenSignals Simple Text Format ------------------------------------------------------

_STF_FIELD = re.compile(r"^#\s*([^:=]+?)\s*(?:\(([^)]*)\))?\s*:=\s*(.*)$")


def read_opensignals(path) -> Recording:
    """Read a BioSPPy / OpenSignals "Simple Text Format" file.

    Parameters
    ----------
    path : str or Path
        Text file whose header lines start with ``#``: ``# Simple Text Format``,
        ``# Sampling Rate (Hz):= 1000.00``, ``# Resolution:= 12``,
        ``# Labels:= EMG`` (tab-separated for several columns), optionally
        ``# Date:=`` and ``# Data Type:=``; then one row of values per sample.

    Returns
    -------
    Recording
        One channel per label (names kept; ``"EMG"`` names no muscle),
        unit ``"counts"``, fs from the header, ``meta["resolution_bits"]``,
        ``meta["adc_range"] = [0, 2**resolution - 1]`` (``[0, 4095]`` for 12
        bits; raw counts around mid-scale, so subtract the baseline before
        rectifying) and ``meta["date"]`` when present.

    Raises
    ------
    FileFormatError
        Without the sampling-rate line, with a non-numeric rate, resolution or
        sample, or when the number of columns disagrees with the labels.

    Examples
    --------
    >>> rec = read_opensignals("biosppy_single/emg_1.txt")  # doctest: +SKIP
    >>> rec.fs, rec.meta["adc_range"]  # doctest: +SKIP
    (1000.0, [0.0, 4095.0])
    """
    path = Path(path)
    lines = _read_lines(path, "utf-8")
    header = {}
    n_header = 0
    for line in lines:
        if not line.startswith("#"):
            break
        n_header += 1
        field = _STF_FIELD.match(line.strip())
        if field:
            header[field.group(1).strip().lower()] = field.group(3).strip()
    if n_header == 0 or "simple text format" not in lines[0].lower():
        raise FileFormatError(f"{path}: line 1 should be '# Simple Text Format'; not a BioSPPy/OpenSignals text file")
    if "sampling rate" not in header:
        raise FileFormatError(f"{path}: no '# Sampling Rate (Hz):= ...' header line; the rate cannot be guessed")
    fs = _header_number(header["sampling rate"], "Sampling Rate", path)
    if not fs > 0:
        raise FileFormatError(f"{path}: Sampling Rate must be positive, got {header['sampling rate']!r}")
    labels = [s.strip() for s in header.get("labels", "").split("\t") if s.strip()]
    body = lines[n_header:]
    while body and not body[-1].strip():
        body.pop()
    if not body:
        raise FileFormatError(f"{path}: the header is followed by no samples")
    n_cols = len(body[0].split())
    if not labels:
        labels = [f"ch{i + 1}" for i in range(n_cols)]
    if len(labels) != n_cols:
        raise FileFormatError(
            f"{path}: {len(labels)} labels {labels} but {n_cols} column(s) in line {n_header + 1}; "
            "the Labels line must name every column (tab-separated)"
        )
    rows, _ = _split_rows(body, path, n_cols=n_cols, first_line=n_header + 1, sep=None)
    data = _to_array(rows, path, first_line=n_header + 1, dtype=np.float64).T
    meta = {"source": "BioSPPy / OpenSignals Simple Text Format", "file": path.name}
    if "resolution" in header:
        bits = _header_number(header["resolution"], "Resolution", path)
        if bits != int(bits) or not 1 <= bits <= 32:
            raise FileFormatError(f"{path}: Resolution must be a whole number of bits, got {header['resolution']!r}")
        meta["resolution_bits"] = int(bits)
        meta["adc_range"] = [0.0, float(2 ** int(bits) - 1)]
    for key in ("date", "data type"):
        if key in header:
            meta[key.replace(" ", "_")] = header[key]
    names = _unique(labels)
    return Recording(np.ascontiguousarray(data), fs, names, unit="counts", meta=meta)


# -- shared text plumbing ----------------------------------------------------------------------


def _read_lines(path, encoding):
    """Lines of a text file without line endings (LF or CRLF)."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise FileNotFoundError(f"no such file: {path}") from None
    if b"\x00" in raw[:4096]:
        raise FileFormatError(f"{path}: binary content (NUL bytes); expected a text file")
    try:
        text = raw.decode(encoding)
    except UnicodeDecodeError as exc:
        raise FileFormatError(f"{path}: not {encoding} text ({exc.reason} at byte {exc.start})") from None
    return text.splitlines()


def _split_rows(lines, path, *, n_cols, first_line, sep, allow_short_tail=False):
    """Fields of every non-empty line; a wrong field count is an error except a short last row if allowed.

    Returns ``(rows, dropped)``, ``dropped`` the number of short trailing rows removed.
    """
    rows = [ln.split(sep) if sep is None else ln.rstrip("\r").split(sep) for ln in lines]
    end = len(rows)
    while end and not any(f.strip() for f in rows[end - 1]):
        end -= 1  # trailing blank lines
    dropped = 0
    if allow_short_tail:
        while end and len(rows[end - 1]) < n_cols:
            end -= 1
            dropped += 1
    rows = rows[:end]
    for k, fields in enumerate(rows):
        if len(fields) != n_cols:
            raise FileFormatError(
                f"{path}, line {first_line + k}: {len(fields)} field(s), expected {n_cols}: {lines[k][:80]!r}"
            )
    if not rows:
        raise FileFormatError(f"{path}: no data rows")
    return rows, dropped


def _to_array(rows, path, *, first_line, dtype):
    try:
        return np.array(rows, dtype=dtype)
    except ValueError:
        for k, fields in enumerate(rows):
            for f in fields:
                try:
                    np.array(f, dtype=dtype)
                except ValueError:
                    kind = "an integer" if np.issubdtype(dtype, np.integer) else "a number"
                    raise FileFormatError(f"{path}, line {first_line + k}: {f.strip()!r} is not {kind}") from None
        raise


def _header_number(text, what, path):
    try:
        return float(text.replace(",", "."))
    except ValueError:
        raise FileFormatError(f"{path}: {what} must be a number, got {text!r}") from None


def _unique(labels):
    """Labels made unique by numbering repeats (``EMG``, ``EMG 2``)."""
    seen, out = {}, []
    for lab in labels:
        seen[lab] = seen.get(lab, 0) + 1
        out.append(lab if seen[lab] == 1 else f"{lab} {seen[lab]}")
    return out
