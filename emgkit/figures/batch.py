"""Batch summary figures: how symmetry and co-contraction are distributed across recordings."""

from __future__ import annotations

from ._style import FLAG_COLOURS, LEFT_COLOUR, NEUTRAL, RIGHT_COLOUR, base_layout, empty_figure, esc, rgba

__all__ = ["si_distribution", "cci_distribution"]


def si_distribution(metrics, *, metric="mean", notice=10.0, flag=15.0,
                    title="Symmetry index across recordings (positive: right larger)"):
    """Per muscle, every recording's symmetry index as a point over a box plot, with the flag bands.

    Parameters
    ----------
    metrics : pandas.DataFrame
        The batch's tidy metrics (:func:`emgkit.batch.summary.build_summary`):
        ``recording, kind, subject, side, metric, value, unit``.
    metric : str
        Amplitude metric whose SI is shown (``"mean"``, ``"peak"``, ``"rms"``, ``"iemg"``).
    notice, flag : float
        |SI| thresholds in % drawn as shaded bands.

    Returns
    -------
    plotly.graph_objects.Figure
    """
    import numpy as np
    import plotly.graph_objects as go

    data = metrics[(metrics["kind"] == "si") & (metrics["metric"] == metric)] if len(metrics) else metrics
    data = data[np.isfinite(data["value"].to_numpy(float))] if len(data) else data
    if not len(data):
        return empty_figure(title, "No recording had a muscle on both sides to compare.")
    muscles = sorted(set(data["subject"]))
    fig = go.Figure()
    for muscle in muscles:
        d = data[data["subject"] == muscle]
        label = esc(muscle.replace("_", " ") or "(unnamed)")
        fig.add_trace(go.Box(
            x=d["value"], y=[label] * len(d), name=label, orientation="h", boxpoints="all", jitter=0.4, pointpos=0,
            marker=dict(color=NEUTRAL, size=7, line=dict(color="#424242", width=1)), line=dict(color="#616161"),
            fillcolor=rgba("#9e9e9e", 0.15), customdata=[esc(r) for r in d["recording"]],
            hovertemplate=f"%{{customdata}}<br>{label}: SI %{{x:+.1f}} %<extra></extra>", showlegend=False,
        ))
    for lo, hi, colour in ((notice, flag, FLAG_COLOURS["notice"]), (flag, 1e9, FLAG_COLOURS["flag"])):
        for sign in (1, -1):
            fig.add_vrect(x0=sign * lo, x1=sign * min(hi, 200), fillcolor=colour, opacity=0.08, line_width=0, layer="below")
    fig.add_vline(x=0, line=dict(color="#757575", width=1))
    fig.add_annotation(text="◀ left larger", x=0, xref="x", xanchor="right", y=1.02, yref="paper", showarrow=False,
                       font=dict(color=LEFT_COLOUR, size=12))
    fig.add_annotation(text="right larger ▶", x=0, xref="x", xanchor="left", y=1.02, yref="paper", showarrow=False,
                       font=dict(color=RIGHT_COLOUR, size=12))
    span = max(float(np.nanmax(np.abs(data["value"].to_numpy(float)))) * 1.1, flag * 1.5)
    fig.update_xaxes(title_text=f"symmetry index of the {esc(metric)} amplitude (%)", range=[-span, span], zeroline=False)
    fig.update_layout(**base_layout(title, height=120 + 60 * len(muscles)))
    return fig


def cci_distribution(metrics, *, title="Co-contraction (Falconer CCI) across recordings"):
    """Per agonist/antagonist pair, every recording's CCI on each side (left and right side by side).

    Parameters
    ----------
    metrics : pandas.DataFrame
        The batch's tidy metrics (rows of ``kind == "cci"``).

    Returns
    -------
    plotly.graph_objects.Figure
    """
    import numpy as np
    import plotly.graph_objects as go

    data = metrics[metrics["kind"] == "cci"] if len(metrics) else metrics
    data = data[np.isfinite(data["value"].to_numpy(float))] if len(data) else data
    if not len(data):
        return empty_figure(title, "No agonist/antagonist pair was analysed in any recording.")
    pairs = sorted(set(data["subject"]))
    fig = go.Figure()
    sides = [s for s in ("L", "R") if (data["side"] == s).any()] + sorted(set(data["side"]) - {"L", "R"})
    for side in sides:
        d = data[data["side"] == side]
        colour = {"L": LEFT_COLOUR, "R": RIGHT_COLOUR}.get(side, NEUTRAL)
        name = {"L": "left", "R": "right"}.get(side, esc(side) or "no side")
        labels = [esc(p.replace("_", " ")) for p in d["subject"]]
        fig.add_trace(go.Box(
            x=labels, y=d["value"], name=name, orientation="v", boxpoints="all", jitter=0.4, pointpos=0,
            marker=dict(color=colour, size=7), line=dict(color=colour), fillcolor=rgba(colour, 0.15),
            customdata=[esc(r) for r in d["recording"]],
            hovertemplate=f"%{{customdata}}<br>%{{x}} ({name}): CCI %{{y:.1f}} %<extra></extra>",
        ))
    fig.update_yaxes(title_text="CCI (%)", rangemode="tozero")
    fig.update_layout(**base_layout(title, height=420, boxmode="group", legend=dict(orientation="h", y=1.08, x=1, xanchor="right")))
    fig.update_xaxes(categoryorder="array", categoryarray=[esc(p.replace("_", " ")) for p in pairs])
    return fig
