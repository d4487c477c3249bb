"""The study's HTML pages: one longitudinal report per subject and an index with the group comparison.

Pages work offline: they link ``plotly.min.js`` written once beside them.
Subject ids come from the study table and are untrusted: a page's file name
is the id only when the id is plain (letters, digits, ``_``, ``-``; not a
name the study itself writes), otherwise a cleaned id plus a hash of the
original, and every page must land directly in the output folder.  All
table text is escaped in the HTML.
"""

from __future__ import annotations

import hashlib
import html
import math
import re
from pathlib import Path

from ..errors import InvalidInputError
from .figures import MEASURE_LABELS, effect_sizes, series_figure, session_body_map

__all__ = ["page_name", "in_folder", "write_subject_page", "write_index_page", "finding_sentence", "INDEX_NAME"]

INDEX_NAME = "study.html"
RESERVED = {"study", "changes", "groups", "subjects", "gaps", "plotly.min", "index"}
WINDOWS_RESERVED = {"con", "prn", "aux", "nul", *(f"com{i}" for i in range(1, 10)), *(f"lpt{i}" for i in range(1, 10))}
FIGURES = [("si_mean", "flag"), ("cci_falconer", None), ("onset_lr_ms", "timing"), ("mdf_slope_pct_per_min", None)]
PAGE_CSS = """
body{font-family:Inter,Segoe UI,Helvetica,Arial,sans-serif;margin:0;color:#1f2937;background:#fafaf9}
header{background:#1f2937;color:#f9fafb;padding:18px 28px}header h1{margin:0;font-size:22px;font-weight:600}
header p{margin:4px 0 0;color:#d1d5db;font-size:14px}main{padding:8px 28px 40px;max-width:1400px}
section{background:#fff;border:1px solid #e5e7eb;border-radius:8px;padding:14px 18px;margin:16px 0}
section h2{margin:0 0 8px;font-size:18px}table{border-collapse:collapse;width:100%;font-size:14px}
th,td{text-align:left;padding:6px 8px;border-bottom:1px solid #f3f4f6;vertical-align:top}th{background:#f9fafb}
.improving{color:#1a9850;font-weight:600}.worsening{color:#d73027;font-weight:600}.within_noise{color:#6b7280}
.pair{display:grid;grid-template-columns:repeat(auto-fit,minmax(570px,1fr));gap:12px}.muted{color:#6b7280;font-size:13px}
"""


def _e(value) -> str:
    return html.escape("" if value is None else str(value), quote=True)


def page_name(subject: str, taken=()) -> str:
    """File name of a subject's page: ``<subject>.html`` for plain ids, else a cleaned id with a hash.

    >>> page_name("S01"), page_name("../../etc/passwd")
    ('S01.html', 'etc_passwd-3754d6cb.html')
    """
    clean = re.sub(r"[^A-Za-z0-9_-]+", "_", subject).strip("_")[:60] or "subject"
    if clean != subject or clean.lower() in RESERVED | WINDOWS_RESERVED or clean.lower() in {t.lower() for t in taken}:
        clean = f"{clean}-{hashlib.sha256(subject.encode('utf-8')).hexdigest()[:8]}"
    return f"{clean}.html"


def in_folder(folder: Path, name: str) -> Path:
    """``folder / name``, refusing a name that would land anywhere but directly in ``folder``."""
    path = (folder / name).resolve()
    if path.parent != folder.resolve():
        raise InvalidInputError(f"report name {name!r} would leave {folder}; refusing it")
    return path


def _figure(fig, div_id) -> str:
    import plotly.io as pio

    return pio.to_html(fig, full_html=False, include_plotlyjs=False, div_id=div_id,
                       config={"displaylogo": False, "responsive": True})


def _page(title, subtitle, body) -> str:
    from ..report_html import PLOTLYJS_NAME

    return (f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>{_e(title)}</title><style>{PAGE_CSS}</style>"
            f"<script src='{PLOTLYJS_NAME}'></script></head><body><header><h1>{_e(title)}</h1><p>{subtitle}</p></header>"
            f"<main>{''.join(body)}</main></body></html>")


def _write(path: Path, text: str) -> Path:
    from ..io import atomic_output

    with atomic_output(path, overwrite=True) as tmp:
        Path(tmp).write_text(text, encoding="utf-8")
    return path


def _fmt(v, unit) -> str:
    return f"{v:.1f} {unit}" if math.isfinite(v) else "–"


def finding_sentence(r, first_session, base_value) -> str:
    """Plain words for one series' last change (``r``: its changes row).

    >>> import types
    >>> r = types.SimpleNamespace(muscle="biceps_brachii", measure="si_mean", unit="%", value=9.0, mdc=7.0,
    ...                           verdict="improving", session="8")
    >>> finding_sentence(r, "1", 28.0)
    'biceps brachii, left/right SI of mean amplitude: the gap shrank from 28.0 % to 9.0 % (session 1 to 8), beyond the MDC of 7.0 %.'
    """
    what = f"{r.muscle.replace('_', ' ')}, {MEASURE_LABELS.get(r.measure, r.measure)}"
    span = f"(session {first_session} to {r.session})"
    if r.measure in ("si_mean", "si_peak", "si_rms", "si_iemg", "cci_side_si") or r.measure.endswith(("_lr_ms", "_lr_diff")):
        verb = "the gap shrank" if abs(r.value) < abs(base_value) else "the gap grew"
        numbers = f"from {_fmt(abs(base_value), r.unit)} to {_fmt(abs(r.value), r.unit)}"
    else:
        verb = "fell" if r.value < base_value else "rose"
        numbers = f"from {_fmt(base_value, r.unit)} to {_fmt(r.value, r.unit)}"
    if not r.verdict:
        tail = "no reliability estimate, so no verdict."
    elif r.verdict == "within_noise":
        verb = "changed"
        tail = f"within the MDC of {_fmt(r.mdc, r.unit)} (measurement noise)."
    else:
        tail = f"beyond the MDC of {_fmt(r.mdc, r.unit)}."
    return f"{what}: {verb} {numbers} {span}, {tail}"


def _findings(rows) -> str:
    last = rows[rows["note"] != "baseline"].groupby(["muscle", "measure"], sort=False).tail(1)
    if last.empty:
        return "<p>No change to report: a single session, or no measure present in two sessions.</p>"
    rank = {"improving": 0, "worsening": 0, "within_noise": 1, "": 2}
    last = last.assign(_r=[rank[v] for v in last["verdict"]]).sort_values(["_r", "measure", "muscle"])
    base = rows[rows["note"] == "baseline"].set_index(["muscle", "measure"])["value"]
    items = []
    for r in last.itertuples(index=False):
        sentence = finding_sentence(r, r.baseline_session, float(base.get((r.muscle, r.measure), math.nan)))
        ci = f"change {r.change:+.1f} [{r.change_ci_low:+.1f}, {r.change_ci_high:+.1f}] {r.unit}" if math.isfinite(r.change_ci_low) else ""
        items.append(f"<tr><td class='{_e(r.verdict)}'>{_e(r.verdict.replace('_', ' ') or '–')}</td><td>{_e(sentence)}</td>"
                     f"<td class='muted'>{_e(ci)}</td><td class='muted'>{_e(r.reliability)}</td></tr>")
    return ("<table class='findings'><thead><tr><th>verdict</th><th>finding (last session vs baseline)</th><th>change, 95 % CI</th>"
            "<th>reliability</th></tr></thead><tbody>" + "".join(items) + "</tbody></table>")


def write_subject_page(path, subject, rows, gaps, *, flags) -> Path:
    """Write one subject's longitudinal report.

    Parameters
    ----------
    path : Path
        The page (inside the study folder, beside ``plotly.min.js``).
    subject : str
    rows : pandas.DataFrame
        The subject's rows of the changes table, plus ``order`` (session rank).
    gaps : pandas.DataFrame
        The subject's gaps.
    flags : dict
        ``si_notice_pct, si_flag_pct, timing_ms`` (the configuration's flag thresholds).
    """
    bands = {"flag": [(flags["si_notice_pct"], "#fdae61"), (flags["si_flag_pct"], "#d73027")],
             "timing": [(flags["timing_ms"], "#fdae61")], None: []}
    body = []
    for condition, part in rows.groupby("condition", sort=True):
        sessions = list(dict.fromkeys(part.sort_values("order")["session"]))
        name = f" — {_e(condition)}" if condition else ""
        body.append(f"<section><h2>Findings{name}</h2>{_findings(part)}</section>")
        figs = []
        for k, (measure, band) in enumerate(FIGURES):
            sub = part[part["measure"] == measure]
            unit = sub["unit"].iloc[0] if len(sub) else ""
            title = MEASURE_LABELS[measure][0].upper() + MEASURE_LABELS[measure][1:] + " across sessions (95 % CI; band: MDC around baseline)"
            if len(sub):
                figs.append(_figure(series_figure(sub, sessions, title=title, unit=unit, bands=bands[band]), f"{measure}-{k}-{len(body)}"))
        body.append(f"<section><h2>Across sessions{name}</h2>{''.join(figs) or '<p>No measure to plot.</p>'}</section>")
        if len(sessions) > 1:
            maps = [f"<div>{_figure(session_body_map(part, s), f'map-{i}-{len(body)}')}</div>" for i, s in enumerate((sessions[0], sessions[-1]))]
            body.append(f"<section><h2>First and last session{name}</h2><div class='pair'>{''.join(maps)}</div></section>")
    if len(gaps):
        items = "".join(f"<li><b>{_e(g.problem)}</b>: {_e(g.detail)}</li>" for g in gaps.itertuples(index=False))
        body.append(f"<section><h2>Gaps</h2><ul>{items}</ul></section>")
    group = rows["group"].iloc[0] if len(rows) and rows["group"].iloc[0] else ""
    subtitle = f"{len(set(rows['session']))} sessions" + (f", group {_e(group)}" if group else "") + f" · <a style='color:#d1d5db' href='{INDEX_NAME}'>study index</a>"
    return _write(path, _page(f"Subject {subject}", subtitle, body))


def write_index_page(path, study, pages) -> Path:
    """Write the study index: subjects with links and verdict counts, the group comparison, the gaps.

    Parameters
    ----------
    path : Path
    study : Study
    pages : dict
        Subject -> page file name.
    """
    changes = study.changes
    rows = []
    for subject, name in pages.items():
        part = changes[changes["subject"] == subject]
        counts = part["verdict"].value_counts()
        rows.append(f"<tr><td><a href='{_e(name)}'>{_e(subject)}</a></td><td>{_e(part['group'].iloc[0] if len(part) else '')}</td>"
                    f"<td>{part['session'].nunique()}</td>" + "".join(f"<td>{int(counts.get(v, 0))}</td>" for v in ("improving", "worsening", "within_noise"))
                    + "</tr>")
    body = [("<section><h2>Subjects</h2><table><thead><tr><th>subject</th><th>group</th><th>sessions</th><th>improving</th>"
             "<th>worsening</th><th>within noise</th></tr></thead><tbody>" + "".join(rows) + "</tbody></table>"
             "<p class='muted'>Counts of changes.csv rows (every muscle and measure of every session after the baseline).</p></section>")]
    body.append(f"<section><h2>Groups</h2>{_figure(effect_sizes(study.groups), 'effect-sizes')}"
                "<p class='muted'>Subjects' sessions are averaged first; groups.csv holds means, CIs and differences, subjects.csv the subject values.</p></section>")
    if len(study.gaps):
        items = "".join(f"<tr><td>{_e(g.subject)}</td><td>{_e(g.session)}</td><td>{_e(g.condition)}</td><td>{_e(g.problem)}</td><td>{_e(g.detail)}</td></tr>"
                        for g in study.gaps.itertuples(index=False))
        body.append("<section><h2>Gaps</h2><table><thead><tr><th>subject</th><th>session</th><th>condition</th><th>problem</th>"
                    f"<th>detail</th></tr></thead><tbody>{items}</tbody></table></section>")
    info = study.info
    subtitle = _e(f"{info['n_subjects']} subjects, {info['n_sessions']} sessions; sessions ordered by {info['ordered_by']}; "
                  f"reliability {info['reliability']}")
    return _write(path, _page("Study", subtitle, body))
