"""Plotly figures of a study: measures across sessions, body maps of two sessions, group effect sizes.

Figures only draw the study tables (no computation); every text that came
from a file or the study table (subject, session, muscle labels) is escaped.
"""

from __future__ import annotations

import math

from ..figures._style import FLAG_COLOURS, base_layout, empty_figure, esc, rgba

__all__ = ["series_figure", "session_body_map", "effect_sizes", "MEASURE_LABELS", "PALETTE"]

MEASURE_LABELS = {
    "si_mean": "left/right SI of mean amplitude", "si_peak": "left/right SI of peak amplitude",
    "si_rms": "left/right SI of RMS", "si_iemg": "left/right SI of iEMG",
    "cci_falconer": "co-contraction (Falconer CCI)", "cci_side_si": "left/right SI of co-contraction",
    "onset_lr_ms": "onset right - left", "offset_lr_ms": "offset right - left", "duration_lr_ms": "burst duration right - left",
    "mdf_slope_pct_per_min": "median-frequency slope", "mdf_slope_lr_diff": "MDF slope right - left",
}
# colour-blind safe qualitative palette (Okabe & Ito)
MAP_WIDTH = 560  # px of one body map (two side by side)
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000")


def _bands(fig, bands):
    """Shade |y| above each threshold (notice, flag) on both sides of 0."""
    top = 1e6
    for (low, colour), high in zip(bands, [b[0] for b in bands[1:]] + [top]):
        for sign in (1, -1):
            fig.add_hrect(y0=sign * low, y1=sign * high, fillcolor=colour, opacity=0.12, line_width=0, layer="below")


def series_figure(rows, sessions, *, title, unit, bands=()):
    """One measure across sessions: a line per muscle with its 95 % CI and the MDC band around its baseline.

    Parameters
    ----------
    rows : pandas.DataFrame
        Rows of the changes table of one subject, condition and measure
        (``session, muscle, value, se, mdc, baseline_session`` ...).
    sessions : list of str
        Session labels in order (the x axis).
    title, unit : str
    bands : sequence of (threshold, colour)
        |value| ranges to shade (flag bands), increasing thresholds.

    Returns
    -------
    plotly.graph_objects.Figure
    """
    import plotly.graph_objects as go

    if rows.empty:
        return empty_figure(title, "not measured in these sessions")
    fig = go.Figure()
    labels = [esc(s) for s in sessions]
    values = rows["value"].to_numpy(dtype=float)
    for i, (muscle, part) in enumerate(rows.groupby("muscle", sort=True)):
        colour = PALETTE[i % len(PALETTE)]
        x = [esc(s) for s in part["session"]]
        half = [1.96 * s if math.isfinite(s) else None for s in part["se"]]
        fig.add_trace(go.Scatter(
            x=x, y=part["value"], mode="lines+markers", name=esc(muscle).replace("_", " "), line=dict(color=colour),
            error_y=dict(type="data", array=half, visible=True, thickness=1),
            hovertext=[f"{esc(muscle)}<br>session {esc(s)}: {v:.1f} {esc(unit)}<br>verdict: {esc(vd) or '-'}"
                       for s, v, vd in zip(part["session"], part["value"], part["verdict"])],
            hoverinfo="text"))
        base = part[part["session"] == part["baseline_session"]]
        mdc = float(part["mdc"].iloc[0])
        if len(base) and math.isfinite(mdc):
            b = float(base["value"].iloc[0])
            fig.add_trace(go.Scatter(x=labels + labels[::-1], y=[b + mdc] * len(labels) + [b - mdc] * len(labels), mode="lines", fill="toself",
                                     fillcolor=rgba(colour, 0.12), line=dict(width=0), hoverinfo="skip", showlegend=False,
                                     name=f"MDC {esc(muscle)}"))
    if bands:
        _bands(fig, bands)
    finite = values[[math.isfinite(v) for v in values]]
    span = max([abs(v) for v in finite] + [b[0] * 1.2 for b in bands[-1:]] or [1.0]) * 1.15
    fig.update_layout(**base_layout(title, height=380, legend=dict(orientation="h", y=-0.2)))
    fig.update_xaxes(title_text="session", type="category", categoryorder="array", categoryarray=labels)
    fig.update_yaxes(title_text=esc(unit), range=[-span, span] if bands else None, zeroline=True)
    return fig


def _side_pair(label):
    side, _, pair = label.partition(" ")
    agonist, _, antagonist = pair.partition("/")
    return side, agonist, antagonist


def session_body_map(rows, session):
    """The body map of one session: muscles coloured by the SI of mean amplitude, co-contraction links.

    Parameters
    ----------
    rows : pandas.DataFrame
        Changes rows of one subject and condition (all measures).
    session : str
    """
    from ..figures.bodymap import body_map

    here = rows[rows["session"] == session]
    patches = []
    for r in here[here["measure"] == "si_mean"].itertuples(index=False):
        for side in ("L", "R"):
            patches.append({"muscle": r.muscle, "side": side, "value": r.value,
                            "hover": f"<b>{esc(r.muscle.replace('_', ' '))}</b><br>SI of mean amplitude {r.value:+.1f} %"})
    links = []
    for r in here[here["measure"] == "cci_falconer"].itertuples(index=False):
        side, agonist, antagonist = _side_pair(r.muscle)
        if side in ("L", "R"):
            links.append({"muscle_a": agonist, "muscle_b": antagonist, "side": side, "hover": f"{esc(r.muscle)}: CCI {r.value:.1f} %"})
    fig = body_map(patches, links, title=f"Session {esc(session)}")
    fig.update_layout(width=MAP_WIDTH, autosize=False)  # drawn before its neighbour exists: a fixed width, not the container's
    return fig


def effect_sizes(groups, *, title="Group differences: Hedges' g with 95 % CI"):
    """Forest plot of Hedges' g (group b - group a) for every condition, muscle and measure of ``groups``."""
    import plotly.graph_objects as go

    rows = groups[groups["hedges_g"].notna()] if len(groups) else groups
    if rows.empty:
        return empty_figure(title, "no group comparison (fewer than two groups with at least two subjects each)")
    fig = go.Figure()
    for i, ((a, b), part) in enumerate(rows.groupby(["group_a", "group_b"], sort=True)):
        y = [esc(" · ".join(x for x in (c, m.replace("_", " "), MEASURE_LABELS.get(s, s)) if x))
             for c, m, s in zip(part["condition"], part["muscle"], part["measure"])]
        hover = [f"{esc(b)} {r.mean_b:.2f} vs {esc(a)} {r.mean_a:.2f} {esc(r.unit)} (n {r.n_b} vs {r.n_a})<br>"
                 f"difference {r.difference:+.2f} [{r.difference_ci_low:+.2f}, {r.difference_ci_high:+.2f}]<br>g {r.hedges_g:+.2f}"
                 for r in part.itertuples(index=False)]
        fig.add_trace(go.Scatter(
            x=part["hedges_g"], y=y, mode="markers", name=f"{esc(b)} - {esc(a)}", marker=dict(color=PALETTE[i % len(PALETTE)], size=9),
            error_x=dict(type="data", symmetric=False, array=part["hedges_g_ci_high"] - part["hedges_g"],
                         arrayminus=part["hedges_g"] - part["hedges_g_ci_low"], thickness=1),
            hovertext=hover, hoverinfo="text"))
    fig.add_vline(x=0, line=dict(color=FLAG_COLOURS["n/a"], dash="dot"))
    fig.update_layout(**base_layout(title, height=max(320, 26 * len(rows) + 120), legend=dict(orientation="h", y=-0.12)))
    fig.update_xaxes(title_text="Hedges' g (positive: group b higher)")
    fig.update_yaxes(autorange="reversed")
    return fig
