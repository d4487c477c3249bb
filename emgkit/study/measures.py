"""The measures a study follows, read from saved analyses.

Each analysed session contributes one row per muscle (or pair) and measure,
with the session's value, its standard error and the direction that counts
as healthier:

================================  =======  ====================================  ========================
measure                           unit     value and standard error (SE)         healthier
================================  =======  ====================================  ========================
``si_mean, si_peak, si_rms,``     %        ``bilateral.symmetry_index``;         towards 0
``si_iemg``                                SE = ``si_sd / sqrt(n_reps)``
``cci_falconer`` (per side)       %        ``agonist_antagonist.cci_falconer``;  lower
                                           SE = ``cci_falconer_sd / sqrt(n)``
``cci_side_si`` (per pair)        %        left vs right CCI symmetry index;     towards 0
                                           SE by the delta method
``onset_lr_ms, offset_lr_ms,``    ms       ``timing`` right - left ``mean_ms``;  towards 0
``duration_lr_ms``                         SE = ``sd_ms / sqrt(n)``
``mdf_slope_pct_per_min``         %/min    ``fatigue`` MDF slope; SE = CI        higher (less decline)
(per channel)                              half-width / t(0.975, n_used - 2)
``mdf_slope_lr_diff``             %/min    right - left MDF slope;               towards 0
                                           SE = sqrt(SE_R^2 + SE_L^2)
================================  =======  ====================================  ========================

Agonist/antagonist *timing* has no healthier direction (an antagonist that
switches on later than its agonist is normal), so it is not followed.

A session's value is read only when the analysis judged it (:func:`split_measures`);
the others are *skipped*, with the analysis' reason, and the study lists them as
gaps, never as a change.  A left/right row (``bilateral`` amplitude or MDF
slope, ``agonist_antagonist`` left vs right, ``timing`` left/right) is judged
when its ``flag`` holds a verdict (``flag``, ``notice`` or ``ok``; ``""``
is :data:`emgkit._rule.NA`: unilateral task, paired-trial timing, a pair at
the noise floor, slopes from too short a record, ...), as
:func:`emgkit._findings.judged` counts it.  The two values the analysis never
gives a verdict follow the analysis' own marks: a side's Falconer CCI is read
when the analysis computed it (not at the noise floor, not flat), a channel's
MDF slope when the ``fatigue`` row's ``note`` does not say its comparable
windows span less than ``fatigue.min_span_s``.  The left/right MDF slope
difference is read when the ``bilateral`` slope row of that muscle is judged.

Tables are read from the CSV copies that :meth:`emgkit.Analysis.save` writes
beside ``analysis.h5`` (about 0.3 ms per result instead of 50 ms for the
whole HDF5 file), and only from a folder whose ``manifest.json`` says
"complete" and lists every CSV read with the SHA-256 of the bytes read and
``analysis.h5`` with its size.  Anything else (an interrupted save, a folder
without or with a damaged manifest, a CSV not listed or changed since the
manifest was written: a folder mixing two analyses) goes through
:func:`emgkit.analysis.load_analysis`, which reads a listed ``analysis.h5``
whose every file matches its hash and refuses the rest with its message.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import math
from functools import lru_cache
from pathlib import Path

__all__ = ["read_measures", "read_session", "extract_measures", "split_measures", "MEASURE_COLUMNS", "SKIPPED_COLUMNS",
           "BETTER", "AMPLITUDE_METRICS", "TABLES_USED"]

MEASURE_COLUMNS = ["family", "muscle", "measure", "unit", "value", "se", "n", "better"]
SKIPPED_COLUMNS = MEASURE_COLUMNS + ["reason"]  # a value the analysis did not judge, and why (in a few words)
AMPLITUDE_METRICS = ("mean", "peak", "rms", "iemg")
TABLES_USED = ("bilateral", "agonist_antagonist", "timing", "fatigue")
# direction of a healthier value: "zero" (towards 0: symmetry), "lower", "higher"
BETTER = {**{f"si_{m}": "zero" for m in AMPLITUDE_METRICS}, "cci_falconer": "lower", "cci_side_si": "zero",
          "onset_lr_ms": "zero", "offset_lr_ms": "zero", "duration_lr_ms": "zero",
          "mdf_slope_pct_per_min": "higher", "mdf_slope_lr_diff": "zero"}


def _f(value) -> float:
    """A table cell as float (CSV text or a number); NaN when empty or not a number."""
    try:
        return float(value)
    except (TypeError, ValueError):
        return math.nan


def _t(value) -> str:
    """A table cell as text; empty for missing values (None, NaN, empty CSV cell)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return str(value)


def _se_of_mean(sd, n) -> float:
    return sd / math.sqrt(n) if n >= 2 and math.isfinite(sd) else math.nan


def _row(family, muscle, measure, unit, value, se, n):
    return {"family": family, "muscle": muscle, "measure": measure, "unit": unit, "value": value, "se": se, "n": n,
            "better": BETTER[measure]}


@lru_cache(maxsize=None)
def _t975(dof: float) -> float:
    from scipy.stats import t as student_t

    return float(student_t.ppf(0.975, dof))


def _slope_se(r) -> float:
    n_used = _f(r["n_used"])
    half = (_f(r["mdf_pct_ci_high"]) - _f(r["mdf_pct_ci_low"])) / 2
    if not (n_used >= 3 and math.isfinite(half)):
        return math.nan
    return half / _t975(n_used - 2)  # the analysis' own t quantile (effective n may be smaller: SE is then conservative)


def _si_se(left, right, se_left, se_right) -> float:
    """SE of SI = 200 (R - L) / (R + L) by the delta method: dSI/dR = 400 L/(R+L)^2, dSI/dL = -400 R/(R+L)^2."""
    total = left + right
    if not total:
        return math.nan
    return 400.0 / total**2 * math.hypot(left * se_right, right * se_left)


def _judged(r) -> str:
    """``""`` when the analysis gave row ``r`` a verdict, else why not (a few words of its ``flag_reason``).

    A row without a ``flag`` field (a hand-made table that holds values only) carries no judgement to respect: read.
    """
    from .._findings import NA, _why_not

    return "" if "flag" not in r or _t(r["flag"]) != NA else _why_not([_t(r.get("flag_reason"))])


def _slope_judged(r) -> str:
    """``""`` unless the ``fatigue`` row's slope spans too little time to be judged (its ``note`` says so), else why."""
    from .._findings import _SPAN, _why_not

    note = _t(r.get("note"))
    return _why_not([note]) if _SPAN.search(note) else ""


def extract_measures(tables) -> list[dict]:
    """The followed measures of one analysis that the analysis judged (rows with :data:`MEASURE_COLUMNS`).

    Parameters
    ----------
    tables : dict of str -> list of dict
        ``bilateral, agonist_antagonist, timing, fatigue`` as records (CSV
        text or numbers; empty or NaN = missing).

    Returns
    -------
    list of dict
        Rows whose value is finite; ``se`` may be NaN (a single repetition).
        The values not judged are left out (:func:`split_measures` lists them).
    """
    return split_measures(tables)[0]


def split_measures(tables) -> tuple[list[dict], list[dict]]:
    """The followed measures of one analysis: those it judged, and those it did not (module notes).

    Parameters
    ----------
    tables : dict of str -> list of dict
        As for :func:`extract_measures`.

    Returns
    -------
    read : list of dict
        Judged rows with a finite value (:data:`MEASURE_COLUMNS`).
    skipped : list of dict
        Rows of :data:`SKIPPED_COLUMNS`: the measures the analysis did not
        judge or could not compute, ``value`` as the analysis gave it (NaN
        when withheld) and ``reason`` in a few words.
    """
    out, skipped = [], []

    def take(row, why=""):
        if why:
            skipped.append({**row, "reason": why})
        elif math.isfinite(row["value"]):
            out.append(row)

    for r in tables["bilateral"]:
        if r["metric"] in AMPLITUDE_METRICS:
            n = _f(r["n_reps"])
            take(_row("left/right", _t(r["muscle"]), f"si_{r['metric']}", "%", _f(r["symmetry_index"]), _se_of_mean(_f(r["si_sd"]), n), n),
                 _judged(r))
    slope_rows = {_t(r["muscle"]): r for r in tables["bilateral"] if r["metric"] == "mdf_slope_pct_per_min"}
    by_pair = {}
    for r in tables["agonist_antagonist"]:
        side, pair = _t(r["side"]), f"{_t(r['agonist_muscle']) or _t(r['agonist'])}/{_t(r['antagonist_muscle']) or _t(r['antagonist'])}"
        n = _f(r["n_reps"])
        cci, se = _f(r["cci_falconer"]), _se_of_mean(_f(r["cci_falconer_sd"]), n)
        undefined = "" if math.isfinite(cci) else (_judged(r) or "not computed")
        take(_row("co-contraction", f"{side} {pair}".strip(), "cci_falconer", "%", cci, se, n), undefined)
        by_pair.setdefault(pair, {})[side] = (cci, se, n, r)
    for pair, sides in by_pair.items():
        if "L" in sides and "R" in sides:
            (left, se_l, n_l, r), (right, se_r, n_r, _) = sides["L"], sides["R"]
            si = 200.0 * (right - left) / (right + left) if right + left else math.nan
            take(_row("co-contraction", pair, "cci_side_si", "%", si, _si_se(left, right, se_l, se_r), min(n_l, n_r)), _judged(r))
    for r in tables["timing"]:
        if r["comparison"] == "left_right" and r["metric"] in ("onset", "offset", "duration"):
            n = _f(r["n"])
            take(_row("timing", _t(r["muscle"]), f"{r['metric']}_lr_ms", "ms", _f(r["mean_ms"]), _se_of_mean(_f(r["sd_ms"]), n), n),
                 _judged(r))
    slopes = {}
    for r in tables["fatigue"]:
        side, muscle = _t(r["side"]), _t(r["muscle"])
        label = f"{side} {muscle}".strip() if muscle else _t(r["channel"])
        value, se, n = _f(r["mdf_slope_pct_per_min"]), _slope_se(r), _f(r["n_used"])
        short = _slope_judged(r)
        why = short if math.isfinite(value) else (f"no slope: {_t(r.get('reason'))}" if _t(r.get("reason")) else "")
        take(_row("fatigue", label, "mdf_slope_pct_per_min", "%/min", value, se, n), why)
        if muscle and side in ("L", "R"):
            slopes.setdefault(muscle, {})[side] = (value, se, n)
    for muscle, sides in slopes.items():
        if "L" in sides and "R" in sides:
            (left, se_l, n_l), (right, se_r, n_r) = sides["L"], sides["R"]
            row = slope_rows.get(muscle)
            why = _judged(row) if row is not None else "no left/right slope row in the analysis"
            take(_row("fatigue", muscle, "mdf_slope_lr_diff", "%/min", right - left, math.hypot(se_l, se_r), min(n_l, n_r)), why)
    return out, skipped


def _listed_csvs(folder: Path, h5_name: str):
    """The CSVs of :data:`TABLES_USED` as records when the folder's manifest vouches for them (module notes), else None."""
    from .._atomic import MANIFEST_NAME

    try:
        doc = json.loads((folder / MANIFEST_NAME).read_text(encoding="utf-8"))
        files = doc["files"] if doc.get("state") == "complete" and doc.get("result", "emgkit-analysis") == "emgkit-analysis" else None
        if not isinstance(files, dict) or (folder / h5_name).stat().st_size != files[h5_name]["bytes"]:
            return None
        tables = {}
        for name in TABLES_USED:
            data = (folder / f"{name}.csv").read_bytes()
            if hashlib.sha256(data).hexdigest() != files[f"{name}.csv"]["sha256"]:
                return None
            tables[name] = list(csv.DictReader(io.StringIO(data.decode("utf-8"), newline="")))
        return tables
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None


def read_measures(folder) -> list[dict]:
    """The followed measures of the analysis saved in ``folder`` that it judged (see module notes and :func:`read_session`)."""
    return read_session(folder)[0]


def read_session(folder) -> tuple[list[dict], list[dict]]:
    """The measures of the analysis saved in ``folder``, judged and skipped (:func:`split_measures`; module notes).

    Raises
    ------
    FileNotFoundError
        No ``analysis.h5`` in ``folder``, or no ``manifest.json`` beside it.
    FileFormatError
        The result is damaged, or is not a complete result: an interrupted
        save, or a file that differs from its manifest.
    """
    from ..analysis import H5_NAME, analysis_state, load_analysis
    from ..errors import FileFormatError

    folder = Path(folder)
    tables = _listed_csvs(folder, H5_NAME)
    if tables is None and analysis_state(folder) == "writing":  # also when the save was killed before analysis.h5
        raise FileFormatError(f"{folder} holds an interrupted save (killed while writing), not a complete result; "
                              "analyse its recording again")
    if tables is None:
        analysis = load_analysis(folder)  # checks the manifest and every hash: refuses what is not one complete result
        tables = {name: getattr(analysis, name).to_dict("records") for name in TABLES_USED}
    return split_measures(tables)
