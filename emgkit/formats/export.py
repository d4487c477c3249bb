"""Writing a Recording as CSV or BDF+ (the readers of these formats read the files back).

Every writer goes through :class:`emgkit._atomic.atomic_output`: the file is
complete under its name or absent.

* :func:`write_csv`: a ``time_s`` column (s from the first sample) and one
  column per channel, with the unit in the header (``L Biceps [mV]``) and
  the rate on a ``# fs=`` comment line, so :func:`emgkit.read` needs no
  option; values with 9 significant digits.
* :func:`write_bdf`: BDF+ (24-bit, the EDF flavour BIDS-EMG accepts for
  high-resolution EMG) through pyedflib.  Samples in µV; each channel's
  physical range is ±(its largest |value| rounded up to 3 significant
  digits, so that the 8-character header field holds it uncut), so the
  quantisation step is 2 x bound / (2^24 - 1), about 1.2e-7 of the bound.
  A data record holds a whole number of samples and at most 1 s; its length
  divides the record when possible, otherwise the last record is completed
  with the last sample (the file is then up to 1 s longer).  Events become BDF+ annotations.  Labels are cut to the format's 16
  characters (the full names go to the BIDS channels.tsv).
"""

from __future__ import annotations

import math
import warnings
from fractions import Fraction
from pathlib import Path

import numpy as np

from .._atomic import atomic_output
from ..errors import InvalidInputError
from ..recording import Recording
from ._common import require, volt_factor

__all__ = ["BDF_LABEL_CHARS", "bdf_labels", "write_bdf", "write_csv"]

BDF_LABEL_CHARS = 16
_BDF_DIGITAL = (-8388608, 8388607)


def write_csv(rec: Recording, path, *, overwrite: bool = False) -> Path:
    """Write ``rec`` as comma-separated text (see module notes); returns the path."""
    path = Path(path)
    header = ",".join(["time_s", *(_csv_field(f"{c.name} [{rec.unit}]") for c in rec.channels)])
    table = np.column_stack([np.arange(rec.n_samples) / rec.fs, rec.data.T.astype(np.float64)])
    with atomic_output(path, overwrite=overwrite) as tmp, open(tmp, "w", encoding="utf-8", newline="\n") as fh:
        fh.write(f"# fs={rec.fs!r} Hz; unit={rec.unit}; written by emgkit\n{header}\n")
        np.savetxt(fh, table, delimiter=",", fmt="%.9g")
    return path


def _csv_field(text: str) -> str:
    return '"' + text.replace('"', '""') + '"' if any(ch in text for ch in ',"\n\r') else text


def bdf_labels(rec: Recording) -> list[str]:
    """The channel labels a BDF file of ``rec`` holds: names cut to 16 characters, numbered if that makes twins."""
    labels = [c.name[:BDF_LABEL_CHARS] for c in rec.channels]
    if len(set(labels)) < len(labels):
        labels = [f"{i + 1:02d} {c.name}"[:BDF_LABEL_CHARS] for i, c in enumerate(rec.channels)]
    return labels


def _record_samples(fs: float, n: int) -> tuple[int, float]:
    """Samples per data record and its length in s: a whole number of samples, at most 1 s (or the rate's
    denominator) long, dividing ``n`` when possible so that no padding is needed."""
    frac = Fraction(fs).limit_denominator(1000)
    if abs(float(frac) - fs) > 1e-9 * fs:
        raise InvalidInputError(f"cannot write BDF at {fs!r} Hz: the rate must be a fraction with a small denominator")
    base = frac.numerator  # samples in frac.denominator seconds
    for k in range(base, max(1, base // 50) - 1, -1):
        seconds = k / float(frac)
        if n % k == 0 and len(f"{seconds:g}") <= 8 and abs(float(f"{seconds:g}") * float(frac) - k) < 1e-9:
            return k, float(f"{seconds:g}")
    return base, float(frac.denominator)


def _physical_bound(value: float) -> float | int:
    """``value`` rounded up to 3 significant digits, so that it fits the header's 8 characters uncut."""
    if value <= 0:
        return 1.0
    step = 10.0 ** (math.floor(math.log10(value)) - 2)
    bound = float(f"{math.ceil(value / step) * step:.3g}")
    return int(bound) if bound.is_integer() else bound  # pyedflib writes str(value): "1110000", not "1110000.0"


def write_bdf(rec: Recording, path, *, overwrite: bool = False) -> Path:
    """Write ``rec`` as a BDF+ file (see module notes); returns the path.

    Raises
    ------
    InvalidInputError
        The unit is not a voltage (BDF stores physical units; convert counts
        or a.u. first), or the rate cannot be written.
    MissingDependencyError
        pyedflib is not installed (``pip install "emgkit[edf]"``).
    """
    pyedflib = require("pyedflib", "edf", "BDF")
    factor = volt_factor(rec.unit)
    if factor is None:
        raise InvalidInputError(f"cannot write BDF: the unit {rec.unit!r} is not a voltage (V, mV, uV); "
                                "BDF stores physical values: convert the recording first")
    path = Path(path)
    data = rec.data.astype(np.float64) * (factor / 1e-6)  # µV
    n = data.shape[1]
    per_record, duration = _record_samples(rec.fs, n)
    padded = -(-n // per_record) * per_record
    if padded != n:  # BDF holds whole data records: the last one is completed with its last value
        data = np.concatenate([data, np.repeat(data[:, -1:], padded - n, axis=1)], axis=1)
    headers = []
    for c, row in zip(rec.channels, data):
        bound = _physical_bound(float(np.abs(row).max()) if row.size else 1.0)
        headers.append({"label": c.name[:BDF_LABEL_CHARS], "dimension": "uV", "sample_frequency": rec.fs,
                        "physical_min": -bound, "physical_max": bound, "digital_min": _BDF_DIGITAL[0],
                        "digital_max": _BDF_DIGITAL[1], "transducer": "", "prefilter": ""})
    for h, label in zip(headers, bdf_labels(rec)):
        h["label"] = label
    start = float(rec.meta.get("start_s", 0.0))
    with atomic_output(path, overwrite=overwrite) as tmp:
        writer = pyedflib.EdfWriter(str(tmp), rec.n_channels, file_type=pyedflib.FILETYPE_BDFPLUS)
        try:
            with warnings.catch_warnings():  # pyedflib warns whenever a record length is set; it is chosen above
                warnings.simplefilter("ignore", UserWarning)
                writer.setDatarecordDuration(duration)
            writer.setSignalHeaders(headers)
            for e in rec.meta.get("events") or []:
                writer.writeAnnotation(e["time_s"] - start, e.get("duration_s", -1), e.get("name") or e.get("label"))
            writer.writeSamples(list(np.ascontiguousarray(data)))
        finally:
            writer.close()
    return path
