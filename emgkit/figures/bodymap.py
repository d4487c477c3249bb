"""Body map: front and back silhouettes with each recorded muscle coloured by its symmetry index."""

from __future__ import annotations

import tomllib
from functools import lru_cache
from importlib import resources

import numpy as np

from ._style import DIVERGING, NEUTRAL, NOT_COMPARABLE, SI_RANGE, base_layout

__all__ = ["body_map", "geometry"]

VIEW_OFFSET = {"front": -30.0, "back": 30.0}  # x of each silhouette's midline


@lru_cache(maxsize=1)
def geometry() -> dict:
    """The shipped outline and muscle patches (``emgkit/data/bodymap.toml``)."""
    with resources.files("emgkit").joinpath("data/bodymap.toml").open("rb") as fh:
        return tomllib.load(fh)


def _plot_x(view: str, side: str, x_body: float) -> float:
    """Body x (towards the subject's right) to plot x: the front view mirrors the subject."""
    sign = 1.0 if side == "R" else -1.0
    mirror = -1.0 if view == "front" else 1.0
    return VIEW_OFFSET[view] + mirror * sign * x_body


def _silhouette(view: str):
    geo = geometry()["outline"]
    half = np.asarray(geo["right_half"], dtype=float)
    xs = np.concatenate([[_plot_x(view, "R", x) for x in half[:, 0]], [_plot_x(view, "L", x) for x in half[::-1, 0]]])
    ys = np.concatenate([half[:, 1], half[::-1, 1]])
    t = np.linspace(0, 2 * np.pi, 48)
    cx, cy = geo["head_center"]
    r = geo["head_radius"]
    return (xs, ys), (VIEW_OFFSET[view] + cx + r * np.cos(t), cy + r * np.sin(t))


def _ellipse(cx, cy, rx, ry, n=28):
    t = np.linspace(0, 2 * np.pi, n)
    return cx + rx * np.cos(t), cy + ry * np.sin(t)


LEGEND = {"not comparable": (NOT_COMPARABLE, "pair not comparable (clipping, no activity, ...): hover for why"),
          "no partner": (NEUTRAL, "no left/right partner recorded")}


def _colour(value, status="compared"):
    import plotly.colors as pc

    if status in LEGEND:
        return LEGEND[status][0]
    if value is None or not np.isfinite(value):
        return NEUTRAL
    scale = pc.get_colorscale(DIVERGING)
    return pc.sample_colorscale(scale, [(np.clip(value, -SI_RANGE, SI_RANGE) + SI_RANGE) / (2 * SI_RANGE)])[0]


def body_map(patches, links=(), *, title="Left/right symmetry by muscle"):
    """Front and back silhouettes with muscles coloured by symmetry index.

    Parameters
    ----------
    patches : iterable of dict
        One per recorded (muscle, side): ``muscle`` (canonical name), ``side``
        (``"L"``/``"R"``), ``value`` (symmetry index in %, NaN/None = grey),
        ``hover`` (HTML shown on hover, escaped by the caller) and optionally
        ``status``: ``"compared"`` (coloured by ``value``), ``"not comparable"``
        (dark grey: paired, but the pair could not be compared) or ``"no partner"``
        (light grey).  The legend names each grey that is drawn.
    links : iterable of dict, optional
        Agonist/antagonist links: ``muscle_a``, ``muscle_b``, ``side`` and
        ``hover``; drawn as dashed lines between the two patches.
    title : str

    Returns
    -------
    plotly.graph_objects.Figure
        Muscles missing from the shipped geometry are listed under the map.
    """
    import plotly.graph_objects as go

    geo = geometry()["muscles"]
    fig = go.Figure()
    for view in ("front", "back"):
        (bx, by), (hx, hy) = _silhouette(view)
        for xs, ys in ((bx, by), (hx, hy)):
            fig.add_trace(go.Scatter(x=xs, y=ys, fill="toself", mode="lines", line=dict(color="#9e9e9e", width=1),
                                     fillcolor="#f3f0ea", hoverinfo="skip", showlegend=False))
        fig.add_annotation(x=VIEW_OFFSET[view], y=100.5, text=view.capitalize(), showarrow=False, font=dict(size=14))
        for side in ("R", "L"):
            fig.add_annotation(x=_plot_x(view, side, 24.0), y=88, text=side, showarrow=False, font=dict(size=13, color="#616161"))
    centres, unplaced, statuses = {}, [], set()
    hx, hy, htext, hcol = [], [], [], []
    for p in patches:
        g = geo.get(p.get("muscle") or "")
        if g is None or p.get("side") not in ("L", "R"):
            unplaced.append(f"{p.get('muscle') or '?'} ({p.get('side') or '-'})")
            continue
        cx = _plot_x(g["view"], p["side"], g["center"][0])
        cy = g["center"][1]
        ex, ey = _ellipse(cx, cy, *g["radii"])
        status = p.get("status", "compared")
        statuses.add(status)
        colour = _colour(p.get("value"), status)
        fig.add_trace(go.Scatter(x=ex, y=ey, fill="toself", mode="lines", line=dict(color="#424242", width=1),
                                 fillcolor=colour, hoverinfo="skip", showlegend=False))
        centres[(p["muscle"], p["side"])] = (cx, cy)
        hx.append(cx), hy.append(cy), htext.append(p.get("hover", "")), hcol.append(p.get("value"))
    for link in links:
        a, b = centres.get((link["muscle_a"], link["side"])), centres.get((link["muscle_b"], link["side"]))
        if a and b:
            fig.add_trace(go.Scatter(x=[a[0], b[0]], y=[a[1], b[1]], mode="lines", line=dict(color="#616161", dash="dot", width=1.5),
                                     hovertext=link.get("hover", ""), hoverinfo="text", showlegend=False))
    values = [np.nan if v is None else float(v) for v in hcol]
    fig.add_trace(go.Scatter(
        x=hx, y=hy, mode="markers", hovertext=htext, hoverinfo="text", showlegend=False,
        marker=dict(size=10, color=values, colorscale=DIVERGING, cmin=-SI_RANGE, cmax=SI_RANGE, opacity=0.01,
                    colorbar=dict(title=dict(text="SI %<br>(+ = right larger)"), len=0.6, thickness=14)),
    ))
    for status, (colour, text) in LEGEND.items():
        if status in statuses:
            fig.add_trace(go.Scatter(x=[None], y=[None], mode="markers", name=text, hoverinfo="skip",
                                     marker=dict(symbol="square", size=13, color=colour, line=dict(color="#424242", width=1))))
    if not hx:
        fig.add_annotation(x=0, y=50, showarrow=False, font=dict(size=13, color="#424242"), bgcolor="rgba(255,255,255,0.85)",
                           text="No recorded muscle has both a known muscle and side to place here")
    if unplaced:
        fig.add_annotation(x=0, y=-5, showarrow=False, font=dict(size=11, color="#616161"),
                           text="not on the map: " + ", ".join(unplaced))
    fig.update_layout(**base_layout(title, height=560, legend=dict(orientation="h", x=0, y=-0.02, yanchor="top")))
    fig.update_xaxes(visible=False, range=[-58, 58])
    fig.update_yaxes(visible=False, range=[-8, 103], scaleanchor="x", scaleratio=1)
    return fig
