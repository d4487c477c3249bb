"""HTML reports: assemble the figures of an :class:`~emgkit.analysis.Analysis` into one offline page.

This module computes nothing: the analysis layer supplies the tables, the
figure modules turn them into plotly figures, and this module lays them out,
escapes every text that came from a file, and writes the page atomically.

plotly.js comes from an official partial bundle shipped in ``emgkit/data``
(plotly.js 4.1.1, MIT licence, ``plotly.js-LICENSE.txt``): ``basic``
(scatter, bar, pie; 1.2 MB) is embedded in a single report, which draws only
scatter and bar traces; ``cartesian`` (adds box, heatmap, ...; 1.5 MB) is the
file a batch writes once and links from every report and its summary page,
whose distributions are box plots.  The full plotly.js (4.8 MB) took a second
to parse on every opening.  Nothing is ever loaded from the internet.

Figures are drawn lazily (:data:`LOADER_JS`): each figure's JSON sits inert
in the page, a figure is drawn as soon as it comes near the viewport, and the
others are drawn one at a time while the page is idle (all at once before
printing), so the first screen does not wait for figures below it.
"""

from __future__ import annotations

import html
import json
import math
import os
import re
from collections.abc import Mapping
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ._text import GLOSSARY, find_term
from ._version import __version__
from .citations import CITATIONS
from .errors import InvalidInputError
from .figures._style import METRIC_WORDS, channel_labels, muscle_words

if TYPE_CHECKING:
    from .analysis import Analysis

__all__ = ["report", "write_plotlyjs", "plotlyjs_bundle", "figure_html", "page_scripts", "PLOTLYJS_NAME", "PLOTLYJS_VERSION",
           "BUNDLE_TRACES"]

PLOTLYJS_NAME = "plotly.min.js"
PLOTLYJS_VERSION = "4.1.1"
# trace types of each shipped bundle (its README); the browser tests check that every figure's traces are in its bundle
BUNDLE_TRACES = {
    "basic": ("bar", "pie", "scatter"),
    "cartesian": ("bar", "box", "contour", "heatmap", "histogram", "histogram2d", "histogram2dcontour", "image", "pie",
                  "scatter", "scatterternary", "violin"),
}
FIGURE_CONFIG = {"displaylogo": False, "responsive": True, "toImageButtonOptions": {"format": "png", "scale": 2}}
MAX_META_ITEMS = 20  # items of a list in the file's metadata shown in the methods section
AMPLITUDE_METRICS = ("mean", "peak", "rms", "iemg")  # SI bars: amplitudes only (an SI of slopes near 0 is unstable)
SEVERITY = {"flag": ("flag", "#d73027", "Flag"), "notice": ("notice", "#f59e0b", "Notice"),
            "ok": ("ok", "#1a9850", "OK"), "info": ("info", "#6b7280", "Note"),
            "not compared": ("not-compared", "#374151", "Not compared")}

CSS = """
body{font-family:Inter,Segoe UI,Helvetica,Arial,sans-serif;margin:0;color:#1f2937;background:#fafaf9}
header{background:#1f2937;color:#f9fafb;padding:18px 28px}
header h1{margin:0;font-size:22px;font-weight:600}
header p{margin:4px 0 0;color:#d1d5db;font-size:14px}
nav{padding:8px 28px;background:#e5e7eb;font-size:14px}
nav a{margin-right:16px;color:#1f2937}
main{padding:8px 28px 40px;max-width:1400px;box-sizing:border-box}
td{overflow-wrap:break-word}
dd,li,p,h1{overflow-wrap:anywhere}
section{background:#fff;border:1px solid #e5e7eb;border-radius:8px;padding:14px 18px;margin:16px 0}
section h2{margin:0 0 8px;font-size:18px}
p.lead{color:#4b5563;margin:0 0 10px;font-size:14px}
table{border-collapse:collapse;width:100%;font-size:14px}
th,td{text-align:left;padding:6px 8px;border-bottom:1px solid #f3f4f6;vertical-align:top}
th{background:#f9fafb;font-weight:600}
.light{display:inline-block;width:14px;height:14px;border-radius:50%;margin-right:6px;vertical-align:-2px}
.badge{font-weight:600}
.muted{color:#6b7280;font-size:13px}
.figure{margin:6px 0 14px}
dl{display:grid;grid-template-columns:minmax(0,max-content) minmax(0,1fr);gap:4px 16px;font-size:14px}
dt{font-weight:600}
dd{margin:0}
pre{white-space:pre-wrap;overflow-wrap:anywhere;font-size:12px;background:#f9fafb;padding:8px}
abbr[title]{text-decoration:underline dotted;cursor:help}
ul.left-out{font-size:14px;margin:0 0 10px}
"""


@lru_cache(maxsize=2)
def plotlyjs_bundle(kind: str = "basic") -> str:
    """The text of a shipped plotly.js partial bundle: ``"basic"`` or ``"cartesian"`` (see :data:`BUNDLE_TRACES`)."""
    if kind not in BUNDLE_TRACES:
        raise InvalidInputError(f"plotly.js bundle {kind!r} is not shipped; choose one of {sorted(BUNDLE_TRACES)}")
    return resources.files("emgkit").joinpath(f"data/plotly-{kind}.min.js").read_text(encoding="utf-8")


def write_plotlyjs(folder) -> Path:
    """Write plotly.js once into ``folder`` for a batch of reports and its summary page; returns its path.

    The file is the ``cartesian`` bundle: the reports need only scatter and
    bar traces, the batch summary page also draws box plots.
    """
    from ._atomic import atomic_output

    path = Path(folder) / PLOTLYJS_NAME
    with atomic_output(path, overwrite=True) as tmp:
        Path(tmp).write_text(plotlyjs_bundle("cartesian"), encoding="utf-8")
    return path


def _e(value) -> str:
    return html.escape("" if value is None else str(value), quote=True)


def _str(value) -> str:
    """A table's text cell, ``""`` for a missing one (None or NaN)."""
    return value if isinstance(value, str) else ""


def _num(value, fmt="{:.1f}") -> str:
    try:
        v = float(value)
    except (TypeError, ValueError):
        return _e(value)
    return "–" if not math.isfinite(v) else fmt.format(v)


def _script_json(text: str) -> str:
    """JSON made safe inside ``<script type="application/json">``: no ``<``, ``>`` or ``&`` left to end the element."""
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def figure_html(fig, div_id: str) -> str:
    """A plotly figure as a placeholder of its final height plus its JSON, drawn by :data:`LOADER_JS`.

    Parameters
    ----------
    fig : plotly.graph_objects.Figure
        With ``layout.height`` set (every emgkit figure sets it; 450 px otherwise).
    div_id : str
        Id of the figure's ``div`` (letters, digits, ``-``); the JSON is ``div_id + "-spec"``.

    Returns
    -------
    str
        HTML: ``div.figure > div.plotly-graph-div`` and an inert ``application/json`` script.
    """
    import plotly.io as pio

    height = fig.layout.height or 450
    return (f'<div class="figure"><div id="{_e(div_id)}" class="plotly-graph-div" data-spec="{_e(div_id)}-spec" '
            f'style="height:{int(height)}px"></div><script type="application/json" id="{_e(div_id)}-spec">'
            f"{_script_json(pio.to_json(fig, validate=False))}</script></div>")


LOADER_JS = """
(function () {
  "use strict";
  var CONFIG = %(config)s;
  var waiting = Array.prototype.slice.call(document.querySelectorAll("div.plotly-graph-div[data-spec]"));
  var observer = null, idleStarted = false;
  var later = window.requestIdleCallback ? function (f) { window.requestIdleCallback(f, {timeout: 1000}); }
                                         : function (f) { setTimeout(f, 20); };
  function failed(div, err) {
    div.textContent = "This figure could not be drawn: " + err;
    console.error("emgkit: figure " + div.id + " could not be drawn: " + err);
  }
  function draw(div) {
    var k = waiting.indexOf(div);
    if (k < 0) { return; }
    waiting.splice(k, 1);
    if (observer) { observer.unobserve(div); }
    try {
      var fig = JSON.parse(document.getElementById(div.getAttribute("data-spec")).textContent);
      Plotly.newPlot(div, fig.data, fig.layout, CONFIG).catch(function (err) { failed(div, err); });
    } catch (err) {
      failed(div, err);
    }
  }
  function drawWhenIdle() {
    if (waiting.length) { draw(waiting[0]); later(drawWhenIdle); }
  }
  function startIdle() {
    if (!idleStarted) { idleStarted = true; later(drawWhenIdle); }
  }
  window.addEventListener("beforeprint", function () { while (waiting.length) { draw(waiting[0]); } });
  if (window.IntersectionObserver) {
    observer = new IntersectionObserver(function (entries) {
      entries.forEach(function (e) { if (e.isIntersecting) { draw(e.target); } });
      startIdle();
    }, {rootMargin: "200px 0px"});
    waiting.forEach(function (div) { observer.observe(div); });
  } else {
    startIdle();
  }
})();
""" % {"config": json.dumps(FIGURE_CONFIG)}


def page_scripts(plotlyjs_tag: str) -> str:
    """The end of a page's ``body``: plotly.js (``<script>`` element), then the figure loader."""
    return f"{plotlyjs_tag}<script>{LOADER_JS}</script>"


def _explain(text: str, seen: set) -> str:
    """Escape ``text`` and mark the first use on the page of each :data:`emgkit._text.GLOSSARY` term with ``<abbr title>``.

    ``seen`` holds the terms already explained (updated in place).  Matching is
    that of :func:`emgkit._text.glossary_terms` (whole words; abbreviations
    case-sensitive); a term overlapping one already marked in ``text`` is left.
    """
    out, spans = _e(text), []
    for term in GLOSSARY:
        if term in seen:
            continue
        m = find_term(term, out, written=_e(term))
        if m and not any(a < m.end() and m.start() < b for a, b, _ in spans):
            spans.append((m.start(), m.end(), term))
            seen.add(term)
    for a, b, term in sorted(spans, reverse=True):
        out = f"{out[:a]}<abbr title='{_e(GLOSSARY[term])}'>{out[a:b]}</abbr>{out[b:]}"
    return out


def _glossary() -> str:
    """Every :data:`emgkit._text.GLOSSARY` term as a definition list (``dl#glossary``), folded away."""
    items = "".join(f"<dt>{_e(k)}</dt><dd>{_e(text)}</dd>" for k, text in GLOSSARY.items())
    return f"<details class='muted'><summary>Terms (also shown on hover)</summary><dl id='glossary'>{items}</dl></details>"


_METRIC_NAMES = {**METRIC_WORDS, "onset": "onset", "offset": "offset", "duration": "burst duration", "cci_side_si": "CCI, left vs right"}


def _size(row, text_html=_e) -> str:
    """A finding's size beside its sentence: ``|value|`` and unit, and the metric it comes from.

    Without its sign: the sentence says the direction in words ("the left side
    switches off 467 ms later"), and a signed copy in the table's convention
    (right − left: −467 ms) beside it would read as a contradiction (issue #13).
    The signed value and its CI are in the summary table (``value``, ``ci_low``, ``ci_high``).
    ``text_html`` turns the unit and metric name into HTML (default: escaped).
    """
    v = row.value
    if not isinstance(v, (int, float)) or not math.isfinite(v):
        return ""
    size = abs(float(v))
    text = f"{size:.0f}" if size.is_integer() or row.unit == "ms" else f"{size:.1f}"
    metric = getattr(row, "metric", "") or ""
    name = _METRIC_NAMES.get(metric, str(metric).replace("_", " ")) if isinstance(metric, str) else ""
    return f"{text} {text_html(row.unit)}" + (f"<br><span class='muted'>{text_html(name)}</span>" if name else "")


def _headline(summary, *, notes=False, seen=None) -> str:
    """The findings table (``notes=False``: the scope row and the findings) or the table of data notes (``notes=True``)."""
    if summary.empty:
        return "" if notes else "<p>No findings: nothing could be compared in this recording.</p>"
    summary = summary[(summary["category"] == "data") == notes]
    if notes and summary.empty:
        return ""
    x = _e if seen is None else (lambda text: _explain(text, seen))  # cells in reading order: first use first
    rows = []
    for r in summary.itertuples(index=False):
        key, colour, label = SEVERITY.get(r.severity, SEVERITY["info"])
        cells = [x(r.category), x(r.finding), _size(r, x)]
        cells.append(f"{x(r.threshold)}<br><span class='muted'>{x(r.source)}</span>" if r.threshold else "")
        rows.append(
            f"<tr class='finding {key}'><td><span class='light' style='background:{colour}'></span>"
            f"<span class='badge'>{label}</span> <span class='muted'>#{_e(r.rank)}</span></td>"
            + "".join(f"<td>{c}</td>" for c in cells) + "</tr>"
        )
    if notes:
        return ("<h3>Notes on the data</h3><table id='notes-table'><thead><tr><th></th><th>kind</th><th>note</th><th></th>"
                "<th></th></tr></thead><tbody>" + "".join(rows) + "</tbody></table>")
    return ("<table id='findings-table'><thead><tr><th>flag</th><th>kind</th><th>finding</th><th>size</th>"
            "<th>threshold and source</th></tr></thead><tbody>" + "".join(rows) + "</tbody></table>")


def _channel_findings(channels, summary) -> dict:
    """Channel -> ranks of the findings that name the channel or, for left/right and co-contraction, its muscle."""
    out = {}
    rows = [r for r in summary.itertuples(index=False) if r.category not in ("scope", "overall")]
    for ch in channels.itertuples(index=False):
        muscle = str(ch.muscle or "")
        hits = []
        for r in rows:
            text = f"{r.subject} {r.finding}"
            words = muscle.replace("_", " ")
            if str(ch.channel) in text or (muscle and r.category != "data" and (muscle in text or words in text)):
                hits.append(int(r.rank))
        out[ch.channel] = hits
    return out


def _channels_table(analysis) -> str:
    """Every channel, used or left out, with kind, clipping, hum, noise and activity, and the findings it affects."""
    ch = analysis.channels
    if ch.empty:
        return ""
    affects = _channel_findings(ch, analysis.summary)
    rows = []
    for r in ch.itertuples(index=False):
        used = r.role == "emg"
        status = "used" if used else f"left out: {r.activation_reason}"
        hum = _num(100 * r.powerline_share, "{:.0f} %") if math.isfinite(r.powerline_share) else "–"
        if used and r.notch_hz and math.isfinite(r.notch_hz) and r.notch_hz > 0:
            hum += f" (notched at {_num(r.notch_hz, '{:g}')} Hz)"
        noise = f"{_num(r.noise_rms, '{:.3g}')} {_e(r.unit)}" if used and math.isfinite(r.noise_rms) else "–"
        found = ", ".join(f"#{k}" for k in affects.get(r.channel, [])) or "–"
        who = muscle_words(r.muscle, r.side) or (f"side {_str(r.side)}, muscle unknown" if _str(r.side) else "–")
        rows.append(
            f"<tr class='channel {'used' if used else 'left-out'}'><td>{_e(r.channel)}</td><td>{_e(who)}</td>"
            f"<td>{_e(r.kind or r.role)}</td><td>{_e(status)}</td>"
            f"<td>{_num(r.clipped_pct, '{:.1f} %') if used else '–'}</td><td>{hum}</td><td>{noise}</td>"
            f"<td>{_e(r.activity) if used else '–'}</td><td>{_e(found)}</td></tr>")
    return ("<h3>Channels</h3><p class='muted'>Used and left out, with what was measured on each; the last column lists "
            "the findings above that involve the channel or its muscle.</p>"
            "<table id='channels-table'><thead><tr><th>channel</th><th>muscle</th><th>kind</th><th>status</th>"
            "<th>clipped</th><th>mains hum</th><th>noise RMS</th><th>activity</th><th>findings</th></tr></thead><tbody>"
            + "".join(rows) + "</tbody></table>")


def _body_map_patches(analysis):
    """Body-map patches (status ``compared``, ``not comparable`` with the reason, or ``no partner``) and pair links."""
    bil = analysis.bilateral
    primary = bil[bil["metric"] == "mean"] if len(bil) else bil
    patches, seen = [], set()
    for r in primary.itertuples(index=False):
        si = r.symmetry_index
        comparable = isinstance(si, (int, float)) and math.isfinite(si)
        lines = [f"{_METRIC_NAMES.get(m, m)}: left {_num(l, '{:.3g}')}, right {_num(rr, '{:.3g}')} {u}, SI {_num(s, '{:+.1f}')} %"
                 for m, l, rr, u, s in bil.loc[bil["muscle"] == r.muscle, ["metric", "left", "right", "unit", "symmetry_index"]].itertuples(index=False)]
        status = "compared" if comparable else "not comparable"
        detail = (f"flag: {_e(r.flag)}<br>" + "<br>".join(_e(x) for x in lines) if comparable
                  else f"pair not comparable: {_e(r.flag_reason or 'no value')}")
        for side, channel in (("L", r.left_channel), ("R", r.right_channel)):
            hover = f"<b>{_e(muscle_words(r.muscle, side))}</b> ({_e(channel)})<br>{detail}"
            patches.append({"muscle": r.muscle, "side": side, "value": si if comparable else None, "hover": hover,
                            "status": status})
            seen.add((r.muscle, side))
    for r in analysis.channels.itertuples(index=False):  # recorded but unpaired: grey
        if r.side in ("L", "R") and (r.muscle, r.side) not in seen and r.muscle:
            patches.append({"muscle": r.muscle, "side": r.side, "value": None, "status": "no partner",
                            "hover": f"<b>{_e(muscle_words(r.muscle, r.side))}</b> ({_e(r.channel)}): no left/right partner"})
    links = [{"muscle_a": r.agonist_muscle, "muscle_b": r.antagonist_muscle, "side": r.side,
              "hover": f"{_e(r.agonist)} / {_e(r.antagonist)}: CCI {_num(r.cci_falconer)} %"}
             for r in analysis.agonist_antagonist.itertuples(index=False)]
    return patches, links


def _named(names, channels) -> list:
    """Channel names with their plain muscle name in front when it is known: ``"left biceps brachii (L bic)"``."""
    labels = channel_labels(channels) if len(channels) else {}
    out = []
    for n in names:
        label = labels.get(n, n)
        out.append(n if label == n else label if label.endswith(f" ({n})") else f"{label} ({n})")
    return out


def _unmapped(channels) -> str:
    """The EMG channels the body map cannot place (muscle or side unknown), and how to name them; ``""`` if none."""
    missing = []
    for r in channels.itertuples(index=False):
        if r.role != "emg":
            continue
        lacks = [w for w, ok in (("muscle", bool(_str(r.muscle))), ("side", r.side in ("L", "R"))) if not ok]
        if lacks:
            missing.append(f"{_e(r.channel)} (no {' or '.join(lacks)})")
    if not missing:
        return ""
    return (f"<p id='bodymap-missing'><b>Not on the map: {len(missing)} EMG channel{'s' if len(missing) != 1 else ''} "
            f"without a known muscle or side</b>: {', '.join(missing)}. Without both, a channel has no left/right partner "
            "or agonist/antagonist pair. Name them with a channel map and run again: "
            "<code>--channel \"NAME=L biceps brachii\"</code> for one channel, or <code>--map channels.toml</code> for "
            "many (see the channels page of the documentation).</p>")


def _bursts_left_out(channels) -> str:
    """Channels without a row in the bursts chart (left out, or no burst detected), each with the reason."""
    items = []
    for r in channels.itertuples(index=False):
        if r.role == "emg" and r.n_bursts > 0:
            continue
        who = muscle_words(r.muscle, r.side)
        name = _e(r.channel) + (f" ({_e(who)})" if who else "")
        if r.role != "emg":
            why = f"left out of the analysis: {_str(r.activation_reason) or _str(r.kind) or r.role}"
        else:
            why = f"no bursts: {_str(r.activation_reason) or 'no activity above the rest level'}"
        items.append(f"<li>{name}: {_e(why)}</li>")
    if not items:
        return ""
    return (f"<p class='muted'>Not in the chart ({len(items)} channel{'s' if len(items) != 1 else ''}):</p>"
            f"<ul class='left-out' id='bursts-left-out'>{''.join(items)}</ul>")


_AMPLITUDE_WORDS = {
    "mvc": "amplitudes in % of the maximum voluntary contraction (MVC) recording",
    "raw": "amplitudes not normalized (in {unit}): left/right amplitude comparisons are indicative only",
    "refused": "amplitude normalization refused (see the notes), amplitudes in {unit}",
}
_COCONTRACTION_WORDS = {
    "mvc": "co-contraction from envelopes in % of the MVC recording",
    "peak": "co-contraction without an MVC: envelopes scaled to a peak in this task (the notes say which)",
    "mean": "co-contraction without an MVC: envelopes scaled to a mean in this task (the notes say which)",
}


def _normalization_words(norm) -> str:
    """``Analysis.info["normalization"]`` in words (a dict of modes and units; anything else shown as text)."""
    if not isinstance(norm, Mapping):
        return "" if norm is None else str(norm)
    unit = norm.get("amplitude_unit") or "the file's unit"
    amp = _AMPLITUDE_WORDS.get(norm.get("amplitude"), f"amplitudes: {norm.get('amplitude')} ({unit})").format(unit=unit)
    cc = _COCONTRACTION_WORDS.get(norm.get("cocontraction"), f"co-contraction: {norm.get('cocontraction')}")
    return f"{amp}; {cc}."


_TITLE_KEYS = (("subject", "subject {}"), ("session", "session {}"), ("task", "{}"), ("action", "{}"), ("trial", "trial {}"),
               ("run", "run {}"))


def _recording_title(meta, source) -> str:
    """What the page is about: the file name, subject, session, task or action, trial and run that are known."""
    meta = meta or {}
    name = source or meta.get("file")
    if not name and isinstance(meta.get("source"), Mapping):
        name = meta["source"].get("file")
    parts = [Path(str(name)).name] if name else []
    for key, fmt in _TITLE_KEYS:
        value = meta.get(key)
        if isinstance(value, (str, int, float)) and str(value).strip():
            text = fmt.format(str(value).strip())
            if text not in parts:
                parts.append(text)
    return " · ".join(parts)


def _plain(value, depth=0) -> str:
    """File metadata as words, not Python reprs: ``{"a": [1, 2]}`` -> ``"a: 1, 2"``; long lists end in "(N more)"."""
    if isinstance(value, Mapping):
        text = "; ".join(f"{k}: {_plain(v, depth + 1)}" for k, v in value.items())
        return f"({text})" if depth else text
    if isinstance(value, (list, tuple)):
        shown = ", ".join(_plain(v, depth + 1) for v in value[:MAX_META_ITEMS])
        shown += f", ... ({len(value) - MAX_META_ITEMS} more)" if len(value) > MAX_META_ITEMS else ""
        return f"({shown})" if depth else shown
    if isinstance(value, float):
        return f"{value:.6g}"
    return str(value)


_NOTCH_CLAUSE = re.compile(r";\s*(no notch|notch [^;]*)\s*$")  # the configuration's notch words at the end of info["filters"]


def _notch_words(channels, cfg_notch_hz) -> str | None:
    """Which used channels were notched at what frequencies, from the channels table (what the analysis did).

    Parameters
    ----------
    channels : pandas.DataFrame
        ``Analysis.channels``: ``notch_hz`` (mains line in Hz, notched with its
        harmonics; 0 when none) and ``lines_notched_hz`` (other lines in Hz).
    cfg_notch_hz : float or None
        ``filters.notch_hz`` of the configuration (a notch on every channel).

    Returns
    -------
    str or None
        ``"notch at 60 Hz and harmonics and 154.0, 307.5 Hz: L_ST; ..."``;
        None when the table is empty or has no notch columns (an analysis
        saved before them): the configuration's words are shown then.
    """
    if channels.empty or "notch_hz" not in channels.columns:
        return None
    used = channels[channels["role"] == "emg"]
    groups: dict = {}
    for r in used.itertuples(index=False):
        parts = [f"{r.notch_hz:g} Hz and harmonics"] if math.isfinite(r.notch_hz) and r.notch_hz > 0 else []
        lines = getattr(r, "lines_notched_hz", "")
        if isinstance(lines, str) and lines.strip():
            parts.append(f"{lines.strip()} Hz")
        groups.setdefault(" and ".join(parts), []).append(str(r.channel))
    rest = groups.pop("", [])
    if not groups:
        return f"no notch on any of the {len(used)} channels" if len(used) != 1 else "no notch"
    why = ("filters.notch_hz" if cfg_notch_hz else
           "the hum rule: interference above filters.hum_max_share, filters.hum_action = 'notch'")
    text = "; ".join(f"notch at {k}: {'all channels' if len(v) == len(used) else ', '.join(v)}" for k, v in groups.items())
    return text + (f"; no notch on the other {len(rest)}" if rest else "") + f" ({why})"


def _filter_words(analysis) -> str:
    """The filters of the methods section: band-pass from ``info["filters"]``, notches per channel from the channels table."""
    base = analysis.info.get("filters")
    notches = _notch_words(analysis.channels, analysis.config.filters.notch_hz)
    if not isinstance(base, str) or notches is None:
        return _str(base)
    return f"{_NOTCH_CLAUSE.sub('', base)}; {notches}"


def _methods(analysis, recording_meta) -> str:
    info = analysis.info
    items = [
        ("emgkit", __version__),
        ("sampling", f"{_num(info.get('fs'), '{:g}')} Hz, {_num(info.get('duration_s'), '{:.2f}')} s, unit {_e(info.get('unit'))}"),
        ("channels", ", ".join(_e(c) for c in info.get("channels", []))),
        ("filters", _e(_filter_words(analysis))),
        ("envelope", _e(info.get("envelope"))),
        ("onset detection", _e(info.get("activation"))),
        ("normalization", _e(_normalization_words(info.get("normalization")))),
        ("repetitions", f"{_e(info.get('n_cycles'))} from {_e(info.get('cycles_source'))}"),
        ("fatigue", _e(info.get("fatigue_mode"))),
        ("electrodes, amplifier", "not recorded in the file: report them with the results (ISEK standards)"),
        ("configuration digest", _e(info.get("config_digest"))),
    ]
    meta = info.get("meta", {}) or recording_meta or {}
    items += [(f"meta: {_e(k)}", _e(_plain(v))) for k, v in meta.items() if k not in ("truth", "processing", "aux")][:30]
    notes = "".join(f"<li>{_e(n)}</li>" for n in analysis.notes)
    refs = "".join(f"<li><b>{_e(k)}</b>: {_e(v)}</li>" for k, v in CITATIONS.items())
    return ("<dl>" + "".join(f"<dt>{k}</dt><dd>{v}</dd>" for k, v in items) + "</dl>"
            + (f"<h3>Notes</h3><ul>{notes}</ul>" if notes else "")
            + f"<h3>Methods and references</h3><ul>{refs}</ul>"
            + "<h3>Configuration</h3><pre>" + _e(analysis.config.to_toml(comments=False)) + "</pre>")


def report(analysis: Analysis, path: str | os.PathLike[str], *, traces: Mapping[str, Any] | None = None, title: str | None = None,
           plotlyjs: str | os.PathLike[str] = "embed", overwrite: bool = True,
           source: str | os.PathLike[str] | None = None) -> Path:
    """Write the interactive HTML report of one analysed recording.

    Parameters
    ----------
    analysis : Analysis
        From :func:`emgkit.analyze` or :func:`emgkit.load_analysis`.
    path : str or Path
        Output ``.html`` file (written to a temporary file, then renamed).
    traces : dict, optional
        Decimated raw EMG and envelopes for the data browser, from
        :func:`emgkit.decimate.browser_traces`; without it the browser is left out.
    title : str, optional
        Page title; default: the recording's file name (``source``, else the
        file name its reader stored), subject, session, task or action, trial
        and run, then "EMG imbalance report".
    plotlyjs : "embed" or path
        ``"embed"``: plotly.js (the ``basic`` bundle, 1.2 MB) inside the page,
        which then works anywhere on its own.  A path to a ``plotly.min.js``
        written by :func:`write_plotlyjs`: the page links it relatively
        (batches share one copy).
    overwrite : bool, default True
    source : str or Path, optional
        The recording's file; its name heads the page (the command line and
        the batch pass it).

    Returns
    -------
    Path
        The written file.
    """
    from ._atomic import atomic_output
    from .figures.bodymap import body_map
    from .figures.cocontraction import cci_bars, cocontraction_overlays
    from .figures.fatigue import median_frequency
    from .figures.raw import raw_browser
    from .figures.symmetry import mirrored_envelopes, symmetry_bars
    from .figures.timing import burst_chart, latency_differences

    path = Path(path)
    if plotlyjs == "embed":
        script = f"<script>{plotlyjs_bundle('basic')}</script>"
    else:
        js = Path(plotlyjs)
        if not js.is_file():
            raise InvalidInputError(f"plotlyjs={plotlyjs!r} is not a file; write it first with emgkit.report_html.write_plotlyjs(folder)")
        rel = os.path.relpath(js.resolve(), path.resolve().parent).replace(os.sep, "/")
        script = f'<script src="{_e(rel)}"></script>'

    meta = analysis.info.get("meta", {}) or {}
    who = _recording_title(meta, source)
    page_title = title or (f"{who} — EMG imbalance report" if who else "EMG imbalance report")
    heading = title or who or "EMG imbalance report"
    seen = set()  # glossary terms already explained on the page
    flags = analysis.config.flags
    patches, links = _body_map_patches(analysis)
    sections = [
        ("findings", "Findings", "The first row says what was compared; then the findings in order of importance. Red: beyond "
         "the flag threshold; amber: beyond the notice threshold. Below: every channel, used or left out.",
         [lambda: _headline(analysis.summary, seen=seen), _glossary(), _channels_table(analysis),
          lambda: _headline(analysis.summary, notes=True, seen=seen)]),
        ("bodymap", "Body map", "Each recorded muscle coloured by its left/right symmetry index (SI, mean activity); "
         "orange: right larger, purple: left larger; light grey: no left/right partner recorded; dark grey: a pair that "
         "could not be compared (hover for why). Dotted lines link agonist/antagonist pairs. Hover for numbers.",
         [body_map(patches, links), _unmapped(analysis.channels)]),
        ("leftright", "Left vs right", "Envelopes over the normalized cycle (mean ± SD across repetitions), right side up, left "
         "side mirrored down, in the amplitudes the symmetry index compares; then the symmetry index of every metric with "
         "its 95 % CI.",
         [mirrored_envelopes(analysis.ensembles, channels=analysis.channels),
          symmetry_bars(analysis.bilateral[analysis.bilateral["metric"].isin(AMPLITUDE_METRICS)],
                        notice=flags.si_notice_pct, flag=flags.si_flag_pct)]),
        ("cocontraction", "Agonist vs antagonist", "Shaded: the area both muscles share (co-contraction). "
         "CCI 0 % = no overlap, 100 % = identical curves (Falconer & Winter 1985). Without an MVC both curves of a pair "
         "are drawn against the agonist's task reference, as the indices are computed; a pair whose index was withheld "
         "says why.",
         [cocontraction_overlays(analysis.ensembles, analysis.agonist_antagonist, channels=analysis.channels),
          cci_bars(analysis.agonist_antagonist)]),
        ("timing", "Timing", "When each muscle switches on and off, and the differences between sides and between partners.",
         [burst_chart(analysis.bursts, analysis.channels), _bursts_left_out(analysis.channels),
          latency_differences(analysis.timing)]),
        ("endurance", "Endurance", "Median frequency falls as a muscle tires (De Luca 1997); compare the slopes of the two sides.",
         [median_frequency(analysis.fatigue_windows, analysis.fatigue)]),
    ]
    if traces is not None:
        sections.append(("raw", "Raw data", "Band-passed EMG (grey, min/max per pixel) and envelope per channel; drag to zoom, "
                         "use the slider below to move.",
                         [raw_browser(traces["t_raw"], traces["raw"], traces["t_env"], traces["envelope"],
                                      _named(traces["names"], analysis.channels), traces["sides"], unit=traces.get("unit", ""))]))
    sections.append(("methods", "Recording and methods", "Everything needed to reproduce these numbers.",
                     [_methods(analysis, meta)]))

    body = []
    for sid, name, lead, parts in sections:  # in page order, so that each term is explained at its first use
        lead_html = _explain(lead, seen)
        figures = iter(range(len(parts)))  # figure ids count figures only: fig-<section>-<k>
        html_parts = [p() if callable(p) else p if isinstance(p, str) else figure_html(p, f"fig-{sid}-{next(figures)}")
                      for p in parts]
        body.append(f"<section id='{sid}'><h2>{_e(name)}</h2><p class='lead'>{lead_html}</p>{''.join(html_parts)}</section>")
    nav = "".join(f"<a href='#{sid}'>{_e(h)}</a>" for sid, h, _, _ in sections)
    subtitle = (("EMG imbalance report · " if heading != "EMG imbalance report" else "")
                + f"{_e(analysis.info.get('n_channels'))} channels · {_num(analysis.info.get('duration_s'), '{:.1f}')} s at "
                f"{_num(analysis.info.get('fs'), '{:g}')} Hz · emgkit {__version__}")
    page = (
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>"
        f"<title>{_e(page_title)}</title><style>{CSS}</style></head><body>"
        f"<header><h1>{_e(heading)}</h1><p>{subtitle}</p></header><nav>{nav}</nav><main>{''.join(body)}</main>"
        f"{page_scripts(script)}</body></html>"
    )
    with atomic_output(path, overwrite=overwrite) as tmp:
        Path(tmp).write_text(page, encoding="utf-8")
    return path
