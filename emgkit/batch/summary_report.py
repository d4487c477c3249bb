"""The batch summary page (``DIR/summary.html``): every recording's key metrics, distributions, failures.

One offline page: a table of recordings x key metrics that sorts on a click
(a few lines of inline JavaScript, no external resources), the SI and CCI
distributions across recordings (:mod:`emgkit.figures.batch`), the failures
with their reasons, and relative links to each recording's ``report.html``.
plotly.js is linked from the batch's shared ``plotly.min.js`` and the figures
are drawn by the reports' lazy loader (:func:`emgkit.report_html.figure_html`).  Every text
that came from a file name or a file is HTML-escaped; link targets are also
URL-quoted.
"""

from __future__ import annotations

import html
import math
import os
from pathlib import Path
from urllib.parse import quote

from .._version import __version__

__all__ = ["summary_page"]

SORT_JS = """
document.querySelectorAll('table.sortable th').forEach(function(th, col){
  th.addEventListener('click', function(){
    var table = th.closest('table'), body = table.tBodies[0];
    var asc = th.getAttribute('data-dir') !== 'asc';
    table.querySelectorAll('th').forEach(function(h){ h.removeAttribute('data-dir'); });
    th.setAttribute('data-dir', asc ? 'asc' : 'desc');
    var rows = Array.prototype.slice.call(body.rows);
    rows.sort(function(a, b){
      var x = a.cells[col].getAttribute('data-v'), y = b.cells[col].getAttribute('data-v');
      var nx = parseFloat(x), ny = parseFloat(y);
      var c;
      if (x === '' || y === '') { c = (x === '') - (y === ''); return c; }
      if (!isNaN(nx) && !isNaN(ny)) { c = nx - ny; } else { c = x.localeCompare(y); }
      return asc ? c : -c;
    });
    rows.forEach(function(r){ body.appendChild(r); });
  });
});
"""

EXTRA_CSS = """
table.sortable th{cursor:pointer;white-space:nowrap}
table.sortable th[data-dir=asc]::after{content:' ▲'}
table.sortable th[data-dir=desc]::after{content:' ▼'}
td.num{text-align:right;font-variant-numeric:tabular-nums}
tr.failed td{background:#fef2f2}
.scroll{overflow-x:auto}
"""

LABELS = {"recording": "recording", "status": "status", "left_file": "left trial", "right_file": "right trial", "task": "task", "trial": "trial", "n_channels": "channels",
          "duration_s": "duration (s)", "fs_hz": "rate (Hz)", "n_cycles": "repetitions", "pairs_compared": "pairs compared",
          "headline": "headline", "n_flags": "flags", "n_notices": "notices", "max_abs_si": "max |SI| (%)",
          "si_at_max": "SI at max (%, + = right larger)", "dominant_side": "larger side", "max_abs_si_muscle": "muscle of max |SI|"}


def _e(value) -> str:
    return html.escape("" if value is None else str(value), quote=True)


def _href(relpath: str) -> str:
    """A relative link, URL-quoted part by part, then HTML-escaped."""
    return _e("/".join(quote(part, safe="") for part in relpath.split("/")))


def _label(column: str) -> str:
    if column in LABELS:
        return LABELS[column]
    if column.startswith("max_abs_si."):
        return "max |SI| " + column.split(".", 1)[1].replace("_", " ") + " (%)"
    if column.startswith("cci_falconer."):
        _, side, pair = column.split(".", 2)
        return f"CCI {side} " + pair.replace("_", " ") + " (%)"
    return column


def _cell(column, value):
    if isinstance(value, float) or (hasattr(value, "dtype") and getattr(value.dtype, "kind", "") == "f"):
        v = float(value)
        if not math.isfinite(v):
            return "<td class='num' data-v=''>–</td>"
        return f"<td class='num' data-v='{v!r}'>{v:.1f}</td>"
    if isinstance(value, (int,)) or hasattr(value, "dtype"):
        return f"<td class='num' data-v='{int(value)}'>{int(value)}</td>"
    return f"<td data-v='{_e(value)}'>{_e(value)}</td>"


def _recordings_table(recordings) -> str:
    columns = [c for c in recordings.columns if c not in ("report", "error")]
    head = "".join(f"<th title='click to sort'>{_e(_label(c))}</th>" for c in columns)
    rows = []
    for rec in recordings.to_dict("records"):
        cells = []
        for c in columns:
            if c == "recording":
                name = _e(rec[c])
                inner = f"<a href='{_href(rec['report'])}'>{name}</a>" if rec["report"] else name
                cells.append(f"<td data-v='{name}'>{inner}</td>")
            elif c == "status" and rec["status"] == "failed":
                cells.append(f"<td data-v='failed' title='{_e(rec['error'])}'>failed</td>")
            else:
                cells.append(_cell(c, rec[c]))
        rows.append(f"<tr class='{_e(rec['status'])}'>{''.join(cells)}</tr>")
    return (f"<div class='scroll'><table class='sortable' id='recordings-table'><thead><tr>{head}</tr></thead>"
            f"<tbody>{''.join(rows)}</tbody></table></div>")


def _failures_table(failures) -> str:
    if not len(failures):
        return "<p>Every recording was analysed.</p>"
    rows = "".join(
        f"<tr><td>{_e(f['recording'])}</td><td>{_e(f['step'])}</td><td>{_e(f['error_type'])}</td><td>{_e(f['message'])}</td></tr>"
        for f in failures.to_dict("records")
    )
    return ("<table class='sortable' id='failures-table'><thead><tr><th>recording</th><th>step</th><th>error</th><th>message</th>"
            f"</tr></thead><tbody>{rows}</tbody></table>")


def summary_page(path, recordings, metrics, failures, *, plotlyjs, config=None) -> Path:
    """Write the batch summary page.

    Parameters
    ----------
    path : str or Path
        Output ``summary.html`` (written atomically).
    recordings, metrics, failures : pandas.DataFrame
        Tables of :func:`emgkit.batch.summary.build_summary`.
    plotlyjs : str or Path
        The batch's ``plotly.min.js`` (linked relatively; must exist).
    config : Config, optional
        For the SI notice/flag thresholds (defaults otherwise).

    Returns
    -------
    Path
    """
    from .._atomic import atomic_output
    from ..config import load_config
    from ..figures.batch import cci_distribution, si_distribution
    from ..report_html import CSS, figure_html, page_scripts

    path = Path(path)
    flags = load_config(config).flags
    rel = os.path.relpath(Path(plotlyjs).resolve(), path.resolve().parent).replace(os.sep, "/")
    script = f'<script src="{_e(rel)}"></script>'
    n_failed = int((recordings["status"] == "failed").sum())
    n = len(recordings)
    sections = [
        ("recordings", "Recordings", "Click a column to sort; click a recording to open its report.", _recordings_table(recordings)),
        ("symmetry", "Left/right symmetry", "Each point is one recording; shaded: beyond the notice and flag thresholds.",
         figure_html(si_distribution(metrics, notice=flags.si_notice_pct, flag=flags.si_flag_pct), "fig-si")),
        ("cocontraction", "Co-contraction", "Each point is one recording and side.", figure_html(cci_distribution(metrics), "fig-cci")),
        ("failures", f"Failures ({n_failed})", "Recordings that could not be analysed, with the step that failed (also in failures.csv).",
         _failures_table(failures)),
    ]
    nav = "".join(f"<a href='#{sid}'>{_e(h)}</a>" for sid, h, _, _ in sections)
    body = "".join(f"<section id='{sid}'><h2>{_e(h)}</h2><p class='lead'>{_e(lead)}</p>{part}</section>" for sid, h, lead, part in sections)
    page = (
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width, initial-scale=1'><title>EMG batch summary</title>"
        f"<style>{CSS}{EXTRA_CSS}</style></head><body>"
        f"<header><h1>EMG batch summary</h1><p>{n} recording{'s' if n != 1 else ''}, {n - n_failed} analysed, {n_failed} failed · "
        f"emgkit {_e(__version__)}</p></header><nav>{nav}</nav><main>{body}</main><script>{SORT_JS}</script>"
        f"{page_scripts(script)}</body></html>"
    )
    with atomic_output(path, overwrite=True) as tmp:
        Path(tmp).write_text(page, encoding="utf-8")
    return path
