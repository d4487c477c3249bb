"""Delimited text: vendor CSV/TXT exports, plain columns, Vicon "Devices" CSV and the shared data sets' texts.

Which parser reads a text file (``preset=`` forces one):

* ``"opensignals"``: line 1 is ``# Simple Text Format`` ->
  :func:`emgkit.datasets.read_opensignals`;
* ``"uci_lower_limb"``: line 1 ``File Name:``, line 2 ``Channel ...`` ->
  :func:`emgkit.datasets.read_uci_lower_limb`;
* ``"uci_physical_action"``: a file named after one of the data set's 20
  actions whose first row is 8 tab-separated integers ->
  :func:`emgkit.datasets.read_uci_physical_action`;
* ``"vicon_devices"``: a Vicon Nexus CSV export whose first field is
  ``Devices`` (rate, device names, column names, units, then rows);
* ``"columns"``: anything else, parsed as below.

Plain columns (``"columns"``):

1. **Dialect**: the delimiter (``,`` ``;`` tab ``|`` or runs of spaces) and
   decimal mark (``.`` or ``,``) that split the last 40 non-blank lines into
   the same number of numeric fields (80 % of them at least), the most fields winning; a header line
   with the same number of fields breaks ties (``1,5`` alone is ambiguous:
   pass ``decimal=","``).
2. **Data start**: the first line that begins 6 consecutive numeric rows.
   The lines above are the header: ``key: value`` / ``key = value`` /
   ``key<delimiter>value`` lines (a sampling rate under a key such as
   ``Sampling Rate (Hz)``, ``fs``, ``Sample rate``, ``Frequency``), the
   column names (the last header line with as many fields as the data) and
   an optional units line below them.
3. **Units** from the names (``EMG (mV)``, ``EMG [uV]``, ``EMG_mV``) or the
   units line; ``unit=`` overrides.  Columns in another unit (deg, N, g, %)
   or named for another signal (trigger, footswitch, goniometer) go to
   ``meta["aux"]``.
4. **Time**: a column named ``time``/``t``/``timestamp`` or with a time unit
   (``X[s]``, ``Time (ms)``) gives the rate (it must be uniform to half a
   sample) and ``meta["start_s"]``; a column named ``sample``/``index``/
   ``frame`` is dropped.  Without names, an increasing, uniform first
   column is a sample counter (step 1) or time in s (rate 100 Hz-100 kHz).
   ``fs=`` (Hz) or a header rate are used otherwise and checked against the
   time column; with neither, reading fails and asks for ``fs=``.
"""

from __future__ import annotations

import io as _io
import re
from pathlib import Path

import numpy as np

from .._checks import check_fs, check_option
from ..errors import FileFormatError, InvalidInputError
from .._reader import NONFINITE_POLICIES, RecordingFile
from ..recording import Recording
from ._common import (
    build_channels,
    check_options,
    common_unit,
    exclusion_reason,
    normalise_unit,
    parse_number,
    uniform_rate,
    unique_names,
    volt_factor,
)

__all__ = ["sniff_text", "read_text", "PRESETS"]

PRESETS = ("columns", "vicon_devices", "opensignals", "uci_lower_limb", "uci_physical_action")
OPTIONS = ("preset", "fs", "delimiter", "decimal", "time_column", "labels", "unit", "emg_only", "encoding", "nonfinite")
_GENERIC_ONLY = ("fs", "delimiter", "decimal", "time_column", "labels", "unit", "encoding")
PHYSICAL_ACTIONS = {
    "Bowing", "Clapping", "Handshaking", "Hugging", "Jumping", "Running", "Seating", "Standing", "Walking", "Waving",
    "Elbowing", "Frontkicking", "Hamering", "Headering", "Kneeing", "Pulling", "Punching", "Pushing", "Sidekicking",
    "Slapping",
}
DELIMITERS = {",": ",", ";": ";", "\t": "\t", "tab": "\t", "|": "|", " ": " ", "space": " ", "whitespace": " "}
_DIALECTS = [(",", "."), (";", ","), (";", "."), ("\t", "."), ("\t", ","), ("|", "."), (" ", "."), (" ", ",")]
_NUMBER = {
    ".": re.compile(r"^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$"),
    ",": re.compile(r"^[+-]?(?:\d+(?:,\d*)?|,\d+)(?:[eE][+-]?\d+)?$"),
}
_MISSING = {"", "nan", "+nan", "-nan", "na", "n/a", "null", "inf", "+inf", "-inf"}
_TIME_NAMES = {"time", "t", "times", "timestamp", "timestamps", "seconds", "sec", "elapsed time", "time s", "x"}
_INDEX_NAMES = {"sample", "samples", "index", "idx", "n", "nr", "no", "sample number", "sample nr", "frame", "frames",
                "sub frame", "subframe", "sample #", "#"}
_TIME_UNITS = {"s": 1.0, "sec": 1.0, "secs": 1.0, "seconds": 1.0, "ms": 1e-3, "msec": 1e-3, "us": 1e-6, "µs": 1e-6,
               "min": 60.0}
_FS_KEY = re.compile(r"sampl\w*(rate|freq\w*)|^(fs|srate|rate|frequency|freq|samplerate|samplingrate)$")
HEAD_ROWS = 6  # numeric rows in a row that start the data
SNIFF_LINES = 40


# -- sniffing ---------------------------------------------------------------------------------------
_OTHER_MAGIC = (b"MATLAB 5.0 MAT-file", b"%PDF", b"PK\x03\x04", b"\x89HDF", b"{\\rtf", b"<?xml", b"<!DOCTYPE", b"<html")


def sniff_text(path: Path, head: bytes) -> bool:
    """True for text (no NUL byte, >= 95 % printable) that contains digits.

    Declines content starting with another format's signature (MATLAB v5
    header, PDF, ZIP, XML/HTML), so that :func:`emgkit.io.detect_format`
    explains it.  Text *named* like a binary format (``.h5``, ``.c3d``, ...)
    is declined by the format registry (:mod:`emgkit.formats`), which knows
    every format's extensions.
    """
    if not head or b"\x00" in head:
        return False
    if head.lstrip(b"\xef\xbb\xbf").startswith(_OTHER_MAGIC):
        return False
    text = head.decode("utf-8", errors="replace").lstrip("\ufeff")
    if not text.strip():
        return False
    printable = sum(ch.isprintable() or ch in "\r\n\t" for ch in text)
    return printable >= 0.95 * len(text) and any(ch.isdigit() for ch in text)


def _decode(raw: bytes, encoding, path) -> tuple[str, str]:
    if b"\x00" in raw[:4096]:
        raise FileFormatError(f"{path}: binary content (NUL bytes); not a text file")
    if encoding is not None:
        try:
            return raw.decode(encoding), encoding
        except (UnicodeDecodeError, LookupError) as exc:
            raise FileFormatError(f"{path}: cannot decode the text as {encoding!r} ({exc})") from None
    try:
        return raw.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError:
        return raw.decode("latin-1"), "latin-1"


def _detect_preset(path: Path, lines: list[str]) -> str:
    first = next((ln for ln in lines if ln.strip()), "")
    if first.strip().lower().startswith("# simple text format"):
        return "opensignals"
    if lines and lines[0].startswith("File Name:") and len(lines) > 1 and lines[1].lstrip().lower().startswith("channel"):
        return "uci_lower_limb"
    if re.split(r"[,;\t]", first, maxsplit=1)[0].strip() == "Devices":
        return "vicon_devices"
    if path.stem in PHYSICAL_ACTIONS and re.match(r"^-?\d+(\t-?\d+){7}\s*$", first):
        return "uci_physical_action"
    return "columns"


# -- public entry ---------------------------------------------------------------------------------
MAX_LINE_CHARS = 1_000_000  # a line of 1,024 channels of 20-digit values is 21 kB


def read_text(path, channels=None, start=None, stop=None, **options) -> Recording:
    """Read a delimited text file (see the module notes for the detection rules).

    Parameters
    ----------
    path : Path
        The text file.
    channels, start, stop
        As in :func:`emgkit.read` (names, indices; seconds).
    preset : {"columns", "vicon_devices", "opensignals", "uci_lower_limb", "uci_physical_action"}, optional
        Force a parser instead of detecting it.
    fs : float > 0, optional
        Sampling rate in Hz, when the file has no time column or rate line.
        For files that state their rate (presets, time column, header) it
        must agree with it within 1 %.
    delimiter : {",", ";", "\\t" or "tab", "|", " " or "whitespace"}, optional
        Field separator.  Default: sniffed.
    decimal : {".", ","}, optional
        Decimal mark.  Default: sniffed.
    time_column : str, int or False, optional
        The column holding time in s (name or index); ``False``: none.
    labels : sequence of str, optional
        Names for the data columns (time/index columns excluded).
    unit : str, optional
        Amplitude unit of every data column.
    emg_only : bool, default True
        Move columns in non-voltage units or named for other signals to
        ``meta["aux"]``; ``False`` keeps all of them as channels.
    encoding : str, optional
        Text encoding.  Default: UTF-8, else Latin-1.
    nonfinite : {"error", "interpolate", "zero"}
        Policy for empty cells and NaN/inf values.

    Returns
    -------
    Recording
        ``meta["source"]`` says how the file was parsed (preset, delimiter,
        decimal, header line, where fs came from).

    Raises
    ------
    FileFormatError
        No numeric rows, rows with the wrong number of fields or a
        non-numeric cell (the line is named), a non-uniform time column, no
        sampling rate.
    InvalidInputError
        Bad options, or generic options given for a data-set preset.

    Examples
    --------
    >>> rec = emgkit.read("trial.csv", fs=2000)                 # doctest: +SKIP
    >>> rec = emgkit.read("export.txt", decimal=",", unit="mV")  # doctest: +SKIP
    """
    check_options("text", options, OPTIONS)
    path = Path(path)
    preset = options.get("preset")
    nonfinite = check_option("nonfinite", options.get("nonfinite", "error"), NONFINITE_POLICIES)
    raw = path.read_bytes()
    text, encoding = _decode(raw, options.get("encoding"), path)
    lines = text.splitlines()
    longest = max(range(len(lines)), key=lambda k: len(lines[k]), default=0)
    if lines and len(lines[longest]) > MAX_LINE_CHARS:
        raise FileFormatError(
            f"{path}: line {longest + 1} has {len(lines[longest]):,} characters, more than the {MAX_LINE_CHARS:,} "
            "a row of samples can need; the file is not a table of samples (or its line ends are missing)"
        )
    if not any(ln.strip() for ln in lines):
        raise FileFormatError(f"{path}: the file holds no text (only blank lines)")
    if preset is None:
        preset = _detect_preset(path, lines)
    check_option("preset", preset, PRESETS)
    if preset in ("opensignals", "uci_lower_limb", "uci_physical_action"):
        given = sorted(k for k in _GENERIC_ONLY if options.get(k) is not None and k != "fs")
        if given or options.get("emg_only") is not None:
            raise InvalidInputError(
                f"{path.name} is read by emgkit.datasets.read_{preset}, which knows its layout, rate and units; "
                f"the option(s) {given or ['emg_only']} apply to plain column files only "
                "(pass preset='columns' to parse it as plain columns)"
            )
        from ..datasets.readers import read_opensignals, read_uci_lower_limb, read_uci_physical_action

        reader = {"opensignals": read_opensignals, "uci_lower_limb": read_uci_lower_limb,
                  "uci_physical_action": read_uci_physical_action}[preset]
        rec = reader(path)  # its meta (citation in meta["source"]) is kept as is
        _check_declared_fs(rec, options.get("fs"), path, preset)
        return _select(rec, path, channels, start, stop)
    elif preset == "vicon_devices":
        extra = sorted(k for k in _GENERIC_ONLY if options.get(k) is not None and k not in ("encoding", "fs"))
        if extra:
            raise InvalidInputError(f"{path.name} is a Vicon 'Devices' CSV with its own rate, names and units; "
                                    f"option(s) {extra} are not used for it (pass preset='columns' to override)")
        rec = _read_vicon(path, lines, options.get("emg_only", True) is not False, nonfinite)
        _check_declared_fs(rec, options.get("fs"), path, preset)
    else:
        rec = _read_columns(path, lines, options, nonfinite)
    rec.meta["source"]["encoding"] = encoding
    return _select(rec, path, channels, start, stop)


def _check_declared_fs(rec, fs, path, preset):
    """An ``fs=`` given for a file that states its own rate must agree with it (1 %)."""
    if fs is not None and abs(check_fs(fs) - rec.fs) > 0.01 * rec.fs:
        raise InvalidInputError(
            f"fs={fs!r} Hz contradicts the {rec.fs:g} Hz that {path.name} ({preset}) is recorded at; "
            "leave fs out for this file"
        )


def _select(rec: Recording, path, channels, start, stop) -> Recording:
    if channels is None and start is None and stop is None:
        return rec
    aux = rec.meta.get("aux") or {}
    wanted = [channels] if isinstance(channels, str) else (channels or [])
    for name in wanted:
        if not isinstance(name, str) or name in rec.channel_names:
            continue
        for key, entry in aux.items():
            if name in (key, entry.get("label")):
                raise InvalidInputError(
                    f"column {name!r} of {path} is not EMG (unit {entry.get('unit')!r}); it is kept in "
                    f"meta['aux'][{key!r}]. Pass emg_only=False (plain column files) to read it as a channel"
                )
    return RecordingFile.from_recording(rec, path=path).read(channels=channels, start=start, stop=stop)


# -- plain columns ------------------------------------------------------------------------------------
def _split(line: str, delim: str) -> list[str]:
    if delim == " ":
        return line.split()
    return [f.strip().strip('"').strip("'").strip() for f in line.split(delim)]


def _is_number(field: str, dec: str) -> bool:
    return bool(_NUMBER[dec].match(field))


def _numeric_row(fields, dec) -> bool:
    numeric = [_is_number(f, dec) for f in fields]
    return any(numeric) and all(n or f.lower() in _MISSING for n, f in zip(numeric, fields))


def _fields(line, delim, trailing):
    fields = _split(line, delim)
    if trailing and fields and fields[-1] == "":
        fields = fields[:-1]
    return fields


def _sniff_dialect(lines, delimiter, decimal, path):
    body = [ln for ln in lines if ln.strip()]
    sample = body[-SNIFF_LINES:]
    candidates = []
    for delim, dec in _DIALECTS:
        if delimiter is not None and delim != delimiter:
            continue
        if decimal is not None and dec != decimal:
            continue
        if delim == dec:
            continue
        trailing = delim != " " and all(ln.rstrip().endswith(delim) for ln in sample)
        split = [_fields(ln, delim, trailing) for ln in sample]
        counts = [len(f) for f in split]
        k = max(set(counts), key=counts.count)
        good = sum(len(f) == k and _numeric_row(f, dec) for f in split)
        if good < 0.8 * len(split):  # a stray bad row is reported by the parser, with its line
            continue
        start = _data_start(lines, delim, dec, k, trailing)
        if start is None:
            continue
        header = [_fields(ln, delim, trailing) for ln in lines[:start] if ln.strip()]
        named = bool(header) and len(header[-1]) == k
        candidates.append(((named, k), (delim, dec, k, trailing, start)))
    if not candidates:
        shown = repr(sample[-1][:80]) if sample else "(none)"
        forced = "" if delimiter is None and decimal is None else f" with delimiter={delimiter!r}, decimal={decimal!r}"
        raise FileFormatError(
            f"{path}: found no block of rows of numbers with a constant number of fields{forced} "
            f"(last line: {shown}). emgkit reads columns separated by , ; tab | or spaces with a . or , decimal mark "
            "(in Python, emgkit.read's delimiter= and decimal= choose among them when the guess fails); check that the "
            "file holds a table of numbers, one sample per row, at least a few rows long"
        )
    candidates.sort(key=lambda c: c[0], reverse=True)
    return candidates[0][1]


def _data_start(lines, delim, dec, k, trailing):
    run, first = 0, None
    for i, ln in enumerate(lines):
        if not ln.strip():
            continue
        fields = _fields(ln, delim, trailing)
        if len(fields) == k and _numeric_row(fields, dec):
            if run == 0:
                first = i
            run += 1
            if run >= HEAD_ROWS:
                return first
        else:
            run = 0
    return first if run else None


def _split_unit(name: str) -> tuple[str, str]:
    """``"EMG (mV)"`` -> ``("EMG", "mV")``; ``"EMG_uV"`` -> ``("EMG", "uV")``; no unit -> ``(name, "")``."""
    m = re.match(r"^(.*?)\s*[\(\[\{]\s*([^\)\]\}]*?)\s*[\)\]\}]\s*$", name)
    if m and _known_unit(m.group(2)):
        return m.group(1).strip(), normalise_unit(m.group(2))
    m = re.match(r"^(.*\S)[\s_\-]+(?:in[\s_]+)?(V|mV|uV|µV|μV|nV|ms|s|deg|N)$", name)
    if m:
        return m.group(1).strip(), normalise_unit(m.group(2))
    return name.strip(), ""


def _known_unit(text: str) -> bool:
    unit = normalise_unit(text)
    return bool(unit) and (volt_factor(unit) is not None or unit.lower() in _TIME_UNITS or unit.lower() in (
        "deg", "n", "nm", "g", "%", "counts", "a.u.", "au", "rad", "mm", "hz", "kg", "°"))


def _unit_line(fields) -> bool:
    return all(not f or _known_unit(f) for f in fields) and any(fields)


def _header_info(header_lines, delim, dec, k, trailing):
    """(column names or None, units or None, {key: (value, unit)}, names line index or None)."""
    meta, names, units, names_at = {}, None, None, None
    rows = [(i, _fields(ln, delim, trailing)) for i, ln in enumerate(header_lines) if ln.strip()]
    k_rows = [(i, f) for i, f in rows if len(f) == k and not _numeric_row(f, dec)]
    taken = set()
    if k_rows:
        i, fields = k_rows[-1]
        if _unit_line(fields) and len(k_rows) > 1:
            units = fields
            names_at, names = k_rows[-2]
            taken = {i, names_at}
        else:
            names_at, names = i, fields
            taken = {i}
        names = [n.lstrip("#").strip() for n in names]
    for i, fields in rows:
        if i in taken:
            continue
        line = header_lines[i].strip().lstrip("#%;/").strip()
        m = re.match(r"^([^:=()]+?)\s*(?:\(([^)]*)\))?\s*(?::=|:|=)\s*(.+)$", line)
        if m:
            meta[m.group(1).strip()] = (m.group(3).strip(), (m.group(2) or "").strip())
        elif len([f for f in fields if f]) == 2 and not _is_number(fields[0], dec) and parse_number(fields[1]) is not None:
            key, unit = _split_unit(fields[0])
            meta[key] = (fields[1], unit)
    return names, units, meta, names_at


def _header_rate(meta):
    for key, (value, unit) in meta.items():
        norm = re.sub(r"[^a-z]", "", key.lower())
        if _FS_KEY.search(norm) or _FS_KEY.search(key.lower().strip()):
            number = parse_number(value)
            if number is None:
                continue
            if unit.lower() == "khz":
                number *= 1000.0
            if number > 0:
                return number, key
    return None, None


def _uniform_rate(t, path, label):
    fs, problem = uniform_rate(t)
    if problem:
        raise FileFormatError(
            f"{path}: the time column {label!r} is not uniform: {problem}. emgkit needs a constant rate: resample "
            "the data first, or pass time_column=False and fs=<Hz> if the times are wrong"
        )
    return fs


def _read_table(body_text, delim, dec, k, first_line, path):
    import pandas as pd

    sep = r"\s+" if delim == " " else re.escape(delim) if delim == "|" else delim
    try:
        frame = pd.read_csv(_io.StringIO(body_text), sep=sep, decimal=dec, header=None,
                            skip_blank_lines=True, engine="c" if delim != "|" else "python", quotechar='"')
    except pd.errors.ParserError as exc:
        m = re.search(r"Expected (\d+) fields in line (\d+), saw (\d+)", str(exc))
        if m:
            raise FileFormatError(
                f"{path}, line {int(m.group(2)) + first_line - 1}: {m.group(3)} fields, expected {m.group(1)}"
            ) from None
        raise FileFormatError(f"{path}: could not parse the data rows ({exc})") from None
    except ValueError as exc:
        raise FileFormatError(f"{path}: could not parse the data rows ({exc})") from None
    if frame.shape[1] != k:
        raise FileFormatError(
            f"{path}, line {first_line}: {frame.shape[1]} fields, expected {k} like the rest of the data"
        )
    for col in frame.columns:
        if not pd.api.types.is_numeric_dtype(frame[col]):
            text = frame[col].astype(str).str.strip()
            numbers = pd.to_numeric(text.str.replace(dec, ".", regex=False) if dec == "," else text, errors="coerce")
            bad = frame[col].notna() & numbers.isna() & ~text.str.lower().isin(_MISSING)
            if bad.any():
                row = int(np.flatnonzero(bad.to_numpy())[0])
                raise FileFormatError(
                    f"{path}, data row {row + 1} (line {first_line + row} if there are no blank lines): "
                    f"{frame[col].iloc[row]!r} in column {col + 1} is not a number"
                )
            frame[col] = numbers
    return frame.to_numpy(dtype=np.float64).T


def _read_columns(path, lines, options, nonfinite) -> Recording:
    delimiter = options.get("delimiter")
    if delimiter is not None:
        if delimiter not in DELIMITERS:
            raise InvalidInputError(f"delimiter must be one of {sorted(DELIMITERS)}, got {delimiter!r}")
        delimiter = DELIMITERS[delimiter]
    decimal = options.get("decimal")
    if decimal is not None:
        check_option("decimal", decimal, (".", ","))
    fs_option = None if options.get("fs") is None else check_fs(options["fs"])
    delim, dec, k, trailing, start = _sniff_dialect(lines, delimiter, decimal, path)
    names, units_line, header, names_at = _header_info(lines[:start], delim, dec, k, trailing)
    body = lines[start:]
    if trailing:
        body = [ln.rstrip()[:-1] if ln.rstrip().endswith(delim) else ln for ln in body]
    table = _read_table("\n".join(body), delim, dec, k, start + 1, path)

    split = [_split_unit(n) for n in names] if names else [("", "")] * k
    raw_bases = [b for b, _ in split]
    bases = unique_names([b or f"ch{i + 1}" for i, b in enumerate(raw_bases)]) if names else [f"ch{i + 1}" for i in range(k)]
    units = [u for _, u in split]
    if units_line:
        units = [normalise_unit(u) or units[i] for i, u in enumerate(units_line)]

    # time and index columns
    time_col, index_cols, time_from = None, [], None
    option_time = options.get("time_column")
    if option_time is not None and option_time is not False:
        if isinstance(option_time, (int, np.integer)) and not isinstance(option_time, bool):
            if not -k <= option_time < k:
                raise InvalidInputError(f"time_column={option_time} is out of range for {k} columns")
            time_col = int(option_time) % k
        else:
            wanted = str(option_time)
            matches = [i for i in range(k) if wanted in (bases[i], names[i] if names else None)]
            if not matches:
                raise InvalidInputError(f"time_column={wanted!r} is not a column of {path}; columns: {names or bases}")
            time_col = matches[0]
        time_from = "option time_column"
    elif option_time is None:
        for i in range(k):
            base = raw_bases[i].lower().strip()
            if names and (base in _TIME_NAMES or (units[i].lower() in _TIME_UNITS and base in ("x", "", "time", "t"))):
                if time_col is None:
                    time_col, time_from = i, f"column {names[i]!r}"
                else:
                    index_cols.append(i)  # further time columns (one per sensor in some exports)
            elif names and base in _INDEX_NAMES:
                index_cols.append(i)
        if not names and k > 1:
            first = table[0]
            step = np.diff(first)
            if first.size > 2 and np.all(np.isfinite(first)) and np.all(step > 0):
                if np.all(step == 1) and np.all(first == np.round(first)):
                    index_cols.append(0)
                else:
                    rate = (first.size - 1) / (first[-1] - first[0])
                    if 100 <= rate <= 100_000:
                        time_col, time_from = 0, "first column (increasing and uniform: time in s)"

    fs, fs_from, start_s = None, None, None
    header_fs, header_key = _header_rate(header)
    if time_col is not None:
        scale = _TIME_UNITS.get(units[time_col].lower(), 1.0) if units[time_col] else 1.0
        t = table[time_col] * scale
        t_fs = _uniform_rate(t, path, names[time_col] if names else f"column {time_col + 1}")
        for other, where in ((fs_option, "fs option"), (header_fs, f"header {header_key!r}")):
            if other is not None and abs(other - t_fs) > 0.01 * other:
                raise FileFormatError(
                    f"{path}: the {where} says {other:g} Hz but the time column gives {t_fs:.6g} Hz; "
                    "pass time_column=False to ignore the time column, or fix the rate"
                )
        fs, fs_from = (fs_option, "option fs") if fs_option else (header_fs, f"header {header_key!r}") if header_fs else (t_fs, time_from)
        if abs(t[0]) > 0.5 / fs:
            start_s = float(t[0])
    elif fs_option is not None:
        if header_fs is not None and abs(header_fs - fs_option) > 0.01 * fs_option:
            raise FileFormatError(f"{path}: fs={fs_option:g} contradicts the header {header_key!r} = {header_fs:g} Hz")
        fs, fs_from = fs_option, "option fs"
    elif header_fs is not None:
        fs, fs_from = header_fs, f"header {header_key!r}"
    else:
        raise FileFormatError(
            f"{path}: no sampling rate: no time column and no rate in the header. Pass --fs <Hz> on the command "
            "line (emgkit info FILE --fs 1000), or fs=<Hz> in Python (emgkit.read(path, fs=1000))"
        )

    data_cols = [i for i in range(k) if i != time_col and i not in index_cols]
    if not data_cols:
        raise FileFormatError(f"{path}: the file has only time/index columns ({names or bases}); no signal to read")
    col_names = [bases[i] for i in data_cols]
    labels = options.get("labels")
    if labels is not None:
        if isinstance(labels, str) or len(list(labels)) != len(data_cols):
            raise InvalidInputError(
                f"labels must give one name per data column ({len(data_cols)}: {col_names}), got {labels!r}"
            )
        col_names = unique_names([str(x) for x in labels])
    col_units = [normalise_unit(options["unit"]) if options.get("unit") else units[i] for i in data_cols]

    emg_only = options.get("emg_only", True) is not False
    keep, aux = [], {}
    for j, i in enumerate(data_cols):
        reason = exclusion_reason(col_names[j], col_units[j], generic_inputs=False) if emg_only else None
        if reason is None:
            keep.append(j)
        else:
            aux[col_names[j]] = {"data": table[i].copy(), "unit": col_units[j] or "a.u.", "label": col_names[j], "note": reason}
    if not keep:
        listed = ", ".join(f"{n} ({v['note']})" for n, v in aux.items())
        raise FileFormatError(
            f"{path}: no EMG column: {listed}; "
            "pass emg_only=False to read them as channels"
        )
    unit, factors = common_unit([col_units[j] or "a.u." for j in keep], str(path))
    data = np.stack([table[data_cols[j]] * f for j, f in zip(keep, factors)])
    channels, notes = build_channels([col_names[j] for j in keep])
    source = {
        "format": "text",
        "preset": "columns",
        "file": path.name,
        "delimiter": {"\t": "tab", " ": "whitespace"}.get(delim, delim),
        "decimal": dec,
        "data_line": start + 1,
        "fs_from": fs_from,
    }
    if names_at is not None:
        source["names_line"] = names_at + 1
    if time_col is not None:
        source["time_column"] = names[time_col] if names else time_col
    meta = {"source": source}
    if header:
        meta["header"] = {key: value for key, (value, _) in header.items()}
    if start_s is not None:
        meta["start_s"] = start_s
        for entry in aux.values():
            entry["start_s"] = start_s  # time of aux["data"][0], on the clock of meta["start_s"]
    if aux:
        meta["aux"] = aux
    if notes:
        meta["channel_notes"] = notes
    return Recording(np.ascontiguousarray(data), fs, channels, unit=unit, meta=meta, nonfinite=nonfinite)


# -- Vicon Nexus "Devices" CSV ---------------------------------------------------------------------------
def _read_vicon(path, lines, emg_only, nonfinite) -> Recording:
    if len(lines) < 6:
        raise FileFormatError(f"{path}: a Vicon 'Devices' CSV needs 5 header lines and data; the file has {len(lines)} lines")
    delim = max((",", ";", "\t"), key=lines[3].count)
    rate = parse_number(_split(lines[1], delim)[0])
    if rate is None or not rate > 0:
        raise FileFormatError(f"{path}, line 2: expected the sampling rate in Hz, got {lines[1][:40]!r}")
    devices, names, units = (_split(lines[i], delim) for i in (2, 3, 4))
    while names and not names[-1]:
        names.pop()
    k = len(names)
    lower = [n.lower() for n in names]
    if "frame" not in lower or "sub frame" not in lower:
        raise FileFormatError(f"{path}, line 4: expected 'Frame' and 'Sub Frame' columns in a Vicon Devices CSV, got {names[:4]}")
    end = 5
    while end < len(lines) and any(_split(lines[end], delim)):
        end += 1
    table = _read_table("\n".join(lines[5:end]), delim, ".", k, 6, path)
    frame, sub = table[lower.index("frame")], table[lower.index("sub frame")]
    if not (np.all(np.isfinite(frame)) and np.all(np.isfinite(sub))):
        raise FileFormatError(f"{path}: empty Frame/Sub Frame cells in the Devices section")
    per_frame = int(sub.max()) + 1
    index = (frame - frame[0]) * per_frame + sub - sub[0]
    gaps = np.flatnonzero(index != np.arange(index.size))
    if gaps.size:
        row = int(gaps[0])
        raise FileFormatError(
            f"{path}, line {6 + row}: frame {frame[row]:g} sub frame {sub[row]:g} breaks the sequence "
            f"({per_frame} sub frames per frame): rows are missing, so samples would be misplaced in time"
        )
    device, labels, chan_units = "", [], []
    cols = [i for i in range(k) if lower[i] not in ("frame", "sub frame")]
    for i in range(k):
        if i < len(devices) and devices[i]:
            device = devices[i]
        if i in cols:
            short = re.sub(r"^Imported\s+", "", device).rsplit(" - ", 1)[-1].strip()
            labels.append(f"{short}.{names[i]}" if short else names[i])
            chan_units.append(normalise_unit(units[i]) if i < len(units) else "")
    labels = unique_names(labels)
    keep, excluded = [], {}
    for j, lab in enumerate(labels):
        reason = exclusion_reason(lab, chan_units[j]) if emg_only else None
        if reason is None:
            keep.append(j)
        else:
            excluded[lab] = reason
    if not keep:
        raise FileFormatError(f"{path}: no EMG column ({excluded}); pass emg_only=False to read every column")
    unit, factors = common_unit([chan_units[j] or "a.u." for j in keep], str(path))
    data = np.stack([table[cols[j]] * f for j, f in zip(keep, factors)])
    channels, notes = build_channels([labels[j] for j in keep])
    meta = {
        "source": {
            "format": "text",
            "preset": "vicon_devices",
            "file": path.name,
            "point_rate_hz": rate / per_frame,
            "first_frame": int(frame[0]),
        },
        "vicon": {"excluded": excluded},
    }
    first = ((frame[0] - 1) * per_frame + sub[0]) / rate
    if first:
        meta["start_s"] = float(first)
    if notes:
        meta["channel_notes"] = notes
    return Recording(np.ascontiguousarray(data), rate, channels, unit=unit, meta=meta, nonfinite=nonfinite)
