"""Summary tables across the recordings of a batch.

Built from the saved results (``analysis.h5`` of every recording), never from
what a worker returned, so a resumed batch, a local run and a Dask run write
the same summary byte for byte.

Tables
------
recordings (``summary.csv``)
    One row per recording, sorted by relative path: ``recording, status``
    (``"ok"``/``"failed"``), ``duplicate_of`` (the earlier recording whose
    input file is byte-identical to this one's, '' when none: the same data
    under two names would count twice in a group comparison), ``task`` and ``trial`` (the recording's
    ``meta["task"]`` or ``meta["action"]``, and ``meta["trial"]``; '' when
    absent), ``subject, group, session, run, acquisition`` (the recording's
    ``meta`` keys, which the BIDS-EMG reader sets from the file name and
    the data-set readers from theirs, e.g. the UCI lower-limb group, whose
    subjects are numbered within each group; '' when absent), ``n_channels, duration_s, fs_hz, n_cycles, pairs_compared``
    (left/right pairs with a symmetry index plus agonist/antagonist pairs
    with a co-contraction index: 0 means nothing was compared, whatever the
    flag counts say), ``headline`` (the first severity of its summary:
    ``"flag"``, ``"notice"``, ``"ok"`` or ``"not compared"``), ``n_flags,
    n_notices, max_abs_si`` (largest |symmetry index| of the amplitude
    metrics over all muscles, %), ``si_at_max`` (that index with its sign:
    positive = right larger), ``dominant_side`` (``"right"``/``"left"``,
    the side with more activity there), ``max_abs_si_muscle``, then one
    ``max_abs_si.<muscle>`` column per muscle and one
    ``cci_falconer.<side>.<agonist>/<antagonist>`` column (%) per pair and
    side met in the batch, then ``report`` (relative link) and ``error``.
    A batch of paired trials (:mod:`emgkit.batch.pairing`) has one row per pair (``recording`` is the
    pair's name) and adds ``left_file, right_file`` (the two trials' relative paths) after ``status``;
    a file without a partner has a ``failed`` row of its own.
metrics
    Tidy: ``recording, kind`` (``"si"``, ``"cci"``), ``subject`` (muscle, or
    ``agonist/antagonist`` muscles), ``side, metric, value, unit``.
failures (``failures.csv``)
    ``recording, input, step, error_type, message`` (a pair's ``input``: ``LEFT | RIGHT``).
"""

from __future__ import annotations

import json
import math
from pathlib import Path

__all__ = ["recording_rows", "build_summary", "write_summary", "read_summary", "SUMMARY_NAMES", "AMPLITUDE_METRICS"]

SUMMARY_NAMES = {"csv": "summary.csv", "h5": "summary.h5", "html": "summary.html", "failures": "failures.csv"}
AMPLITUDE_METRICS = ("mean", "peak", "rms", "iemg")  # |SI| of these; SI of slopes near zero is unstable
METRIC_COLUMNS = ["recording", "kind", "subject", "side", "metric", "value", "unit"]
FAILURE_COLUMNS = ["recording", "input", "step", "error_type", "message"]
BIDS_COLUMNS = ["subject", "group", "session", "run", "acquisition"]  # meta keys (BIDS entities and the group; '' when absent)
BASE_COLUMNS = ["recording", "status", "duplicate_of", "task", "trial", *BIDS_COLUMNS, "n_channels", "duration_s", "fs_hz", "n_cycles", "pairs_compared",
                "headline", "n_flags", "n_notices", "max_abs_si", "si_at_max", "dominant_side", "max_abs_si_muscle"]
PAIR_COLUMNS = ["left_file", "right_file"]  # a batch of paired trials: the two trials of each row
TEXT_COLUMNS = ("recording", "status", "duplicate_of", *PAIR_COLUMNS, "task", "trial", *BIDS_COLUMNS, "headline", "dominant_side", "max_abs_si_muscle", "report", "error")
INT_COLUMNS = ("n_channels", "n_cycles", "pairs_compared", "n_flags", "n_notices")


def recording_rows(relpath: str, tables: dict, info: dict):
    """Key metrics of one analysed recording.

    Returns
    -------
    row : dict
        The fixed columns of the recordings table (see module notes).
    metrics : list of dict
        Tidy rows: per muscle the SI of each amplitude metric, per pair and
        side the Falconer co-contraction index.
    """
    metrics = []
    bil = tables["bilateral"]
    for r in bil.itertuples(index=False):
        if r.metric in AMPLITUDE_METRICS:
            metrics.append(dict(recording=relpath, kind="si", subject=str(r.muscle), side="", metric=str(r.metric),
                                value=float(r.symmetry_index), unit="%"))
    for r in tables["agonist_antagonist"].itertuples(index=False):
        metrics.append(dict(recording=relpath, kind="cci", subject=f"{r.agonist_muscle}/{r.antagonist_muscle}", side=str(r.side),
                            metric="cci_falconer", value=float(r.cci_falconer), unit="%"))
    best, signed, best_muscle = math.nan, math.nan, ""
    for m in metrics:
        if m["kind"] == "si" and math.isfinite(m["value"]) and (not best_muscle or abs(m["value"]) > best):
            best, signed, best_muscle = abs(m["value"]), m["value"], m["subject"]
    severity = tables["summary"]["severity"]
    meta = info.get("meta") or {}
    compared = (info.get("compared") or {}).get("pairs_compared")
    if compared is None:  # a result saved before the scope row: count what has an index
        compared = len({(m["kind"], m["subject"], m["side"]) for m in metrics if math.isfinite(m["value"])})
    row = dict(recording=relpath, status="ok", duplicate_of="", task=str(meta.get("task") or meta.get("action") or ""),
               trial=str(meta.get("trial") or ""), n_channels=int(info.get("n_channels", 0)),
               duration_s=float(info.get("duration_s", math.nan)), fs_hz=float(info.get("fs", math.nan)),
               n_cycles=int(info.get("n_cycles", 0)), pairs_compared=int(compared), headline=_headline(severity),
               n_flags=int((severity == "flag").sum()), n_notices=int((severity == "notice").sum()), max_abs_si=best,
               si_at_max=signed, dominant_side="right" if signed > 0 else "left" if signed < 0 else "",
               max_abs_si_muscle=best_muscle)
    row.update({k: str(meta.get(k) or "") for k in BIDS_COLUMNS})
    return row, metrics


def _headline(severity) -> str:
    """The recording's headline severity: 'not compared' when nothing was, else its worst finding ('flag', 'notice', 'ok')."""
    values = set(severity)
    for level in ("not compared", "flag", "notice", "ok"):
        if level in values:
            return level
    return ""


def _max_abs(values):
    finite = [abs(v) for v in values if math.isfinite(v)]
    return max(finite) if finite else math.nan


def build_summary(entries):
    """The summary tables from per-recording entries.

    Parameters
    ----------
    entries : list of dict
        In output order; each ``{"result": <process_recording result>,
        "row": ..., "metrics": ...}`` (``row``/``metrics`` from
        :func:`recording_rows`, None for failed recordings).

    Returns
    -------
    recordings, metrics, failures : pandas.DataFrame
    """
    import numpy as np
    import pandas as pd

    all_metrics = [m for e in entries for m in (e["metrics"] or [])]
    muscles = sorted({m["subject"] for m in all_metrics if m["kind"] == "si"})
    pairs = sorted({(m["side"], m["subject"]) for m in all_metrics if m["kind"] == "cci"})
    paired = any("left_file" in e["result"] for e in entries)
    rows, failures = [], []
    for e in entries:
        res = e["result"]
        relpath = res["relpath"]
        if e["row"] is None:
            row = dict(recording=relpath, status="failed", duplicate_of="", task="", trial="", n_channels=0, duration_s=math.nan, fs_hz=math.nan,
                       n_cycles=0, pairs_compared=0, headline="", n_flags=0, n_notices=0, max_abs_si=math.nan,
                       si_at_max=math.nan, dominant_side="", max_abs_si_muscle="", **dict.fromkeys(BIDS_COLUMNS, ""))
            given = res["path"] + (f" | {res['right_path']}" if res.get("right_path") else "")
            failures.append(dict(recording=relpath, input=given, step=res["step"], error_type=res["error_type"], message=res["message"]))
        else:
            row = dict(e["row"])
        if paired:
            row.update(left_file=res.get("left_file", ""), right_file=res.get("right_file", ""))
        mine = e["metrics"] or []
        for muscle in muscles:
            row[f"max_abs_si.{muscle}"] = _max_abs([m["value"] for m in mine if m["kind"] == "si" and m["subject"] == muscle])
        for side, pair in pairs:
            vals = [m["value"] for m in mine if m["kind"] == "cci" and m["subject"] == pair and m["side"] == side]
            row[f"cci_falconer.{side}.{pair}"] = vals[0] if vals else math.nan
        row["report"] = f"{relpath}/report.html" if e["row"] is not None else ""
        row["error"] = f"{res['error_type']} at {res['step']}: {res['message']}" if e["row"] is None else ""
        rows.append(row)
    columns = BASE_COLUMNS[:2] + (PAIR_COLUMNS if paired else []) + BASE_COLUMNS[2:] + [f"max_abs_si.{m}" for m in muscles] + [f"cci_falconer.{s}.{p}" for s, p in pairs] + ["report", "error"]
    recordings = pd.DataFrame({c: [r[c] for r in rows] for c in columns}, columns=columns)
    for c in columns:
        if c in INT_COLUMNS:
            recordings[c] = recordings[c].astype(np.int64)
        elif c in TEXT_COLUMNS:
            recordings[c] = recordings[c].astype(object)
        else:
            recordings[c] = recordings[c].astype(np.float64)
    metrics = pd.DataFrame({c: [m[c] for m in all_metrics] for c in METRIC_COLUMNS}, columns=METRIC_COLUMNS)
    metrics["value"] = metrics["value"].astype(np.float64)
    failures = pd.DataFrame({c: [f[c] for f in failures] for c in FAILURE_COLUMNS}, columns=FAILURE_COLUMNS)
    for frame in (metrics, failures):
        for c in frame.columns:
            if c != "value":
                frame[c] = frame[c].astype(object)
    return recordings, metrics, failures


def write_summary(out, results, folders, config):
    """Read every result, build the summary tables and write them with the summary page.

    Writes ``summary.csv``, ``summary.h5`` (tables ``recordings``,
    ``metrics``, ``failures`` and the configuration), ``failures.csv`` (a
    header alone when nothing failed) and ``summary.html``, each atomically.
    A result that cannot be read back is turned into a failure at step
    ``"summary"`` (``results`` is updated in place).

    Returns
    -------
    pandas.DataFrame
        The recordings table.
    """
    from .._version import __version__
    from ..analysis import H5_NAME
    from ..report_html import PLOTLYJS_NAME
    from ..tables import read_tables, write_csv, write_tables
    from .summary_report import summary_page

    out = Path(out)
    entries = []
    for res in results:
        row = metrics = None
        if res["status"] != "failed":
            try:
                tables, texts, _ = read_tables(folders[res["relpath"]] / H5_NAME)
                row, metrics = recording_rows(res["relpath"], tables, json.loads(texts["info"]))
            except Exception as exc:  # noqa: BLE001 - a damaged result is reported, not fatal
                res.update(status="failed", step="summary", error_type=type(exc).__name__, message=" ".join(str(exc).split()))
        entries.append({"result": res, "row": row, "metrics": metrics})
    _mark_duplicates(entries, folders)
    recordings, metrics, failures = build_summary(entries)
    write_csv(out / SUMMARY_NAMES["csv"], recordings, overwrite=True)
    write_csv(out / SUMMARY_NAMES["failures"], failures, overwrite=True)
    write_tables(out / SUMMARY_NAMES["h5"], {"recordings": recordings, "metrics": metrics, "failures": failures},
                 texts={"config": config.to_toml()}, attrs={"kind": "emgkit-batch-summary", "emgkit_version": __version__},
                 overwrite=True)
    summary_page(out / SUMMARY_NAMES["html"], recordings, metrics, failures, plotlyjs=out / PLOTLYJS_NAME, config=config)
    return recordings


def _mark_duplicates(entries, folders) -> None:
    """Set ``duplicate_of`` of each analysed recording whose input is byte-identical to an earlier one's (SHA-256 of its manifest).

    The same file under two names (UCI lower-limb 1Npie and 2Npie) would count twice in a group comparison.
    """
    from .manifest import read_manifest

    first: dict[str, str] = {}
    for e in entries:
        if e["row"] is None:
            continue
        digest = (read_manifest(folders[e["result"]["relpath"]]) or {}).get("input_sha256")
        if digest:
            e["row"]["duplicate_of"] = first.setdefault(digest, e["row"]["recording"])
            if e["row"]["duplicate_of"] == e["row"]["recording"]:
                e["row"]["duplicate_of"] = ""


def read_summary(out):
    """The ``recordings``, ``metrics`` and ``failures`` tables of a batch's ``summary.h5`` (a dict)."""
    from ..tables import read_tables

    tables, _, _ = read_tables(Path(out) / SUMMARY_NAMES["h5"])
    return tables
