"""Endurance: median frequency over time per channel, left and right, with the fitted slopes."""

from __future__ import annotations

import numpy as np

from ._style import base_layout, empty_figure, esc, fixed_margins, side_colour

__all__ = ["median_frequency"]


def median_frequency(fatigue_windows, fatigue, *, title="Endurance: median frequency over time"):
    """MDF of each analysis window (used ones solid, excluded hollow) and the least-squares line.

    Excluded windows start hidden (``visible="legendonly"``): one legend entry,
    "excluded windows", shows them all.  In a long record they are most of the
    windows (95 % in a 10-minute, 16-channel test record: 18,000 points that
    buried the used ones and took 0.4 s of the page's drawing).

    Parameters
    ----------
    fatigue_windows : pandas.DataFrame
        ``Analysis.fatigue_windows``.
    fatigue : pandas.DataFrame
        ``Analysis.fatigue`` (``mdf_initial_hz``, ``mdf_slope_hz_per_s``,
        ``mdf_slope_pct_per_min`` and CI per channel).
    """
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    muscles = [m for m in dict.fromkeys(fatigue["muscle"]) if isinstance(m, str)] if len(fatigue) else []
    if not muscles or fatigue_windows.empty:
        return empty_figure(title, "No spectral windows (no active, unclipped stretches long enough).")
    cols = min(3, len(muscles))
    rows = int(np.ceil(len(muscles) / cols))
    fig = make_subplots(rows=rows, cols=cols, subplot_titles=[esc(m.replace("_", " ") or "unknown muscle") for m in muscles],
                        horizontal_spacing=0.07, vertical_spacing=0.14 if rows > 1 else 0.1)
    excluded_legend = True  # one legend entry toggles the excluded windows of every panel
    t0, t1 = float(fatigue_windows["time_s"].min()), float(fatigue_windows["time_s"].max())
    pad = 0.02 * (t1 - t0) or 1.0  # the same time axis in every panel, edge markers not cut in half
    for k, muscle in enumerate(muscles):
        r, c = divmod(k, cols)
        n_used = 0
        for fit in fatigue[fatigue["muscle"] == muscle].itertuples(index=False):
            w = fatigue_windows[fatigue_windows["channel"] == fit.channel]
            colour = side_colour(fit.side)
            side = {"L": "Left", "R": "Right"}.get(fit.side, "")
            used = w["used"].to_numpy(dtype=bool)
            n_used += int(used.sum())
            fig.add_trace(go.Scatter(x=w["time_s"][used], y=w["mdf_hz"][used], mode="markers", marker=dict(color=colour, size=6),
                                     name=f"{side} {esc(fit.channel)}", hovertemplate="%{x:.1f} s: MDF %{y:.1f} Hz<extra></extra>"),
                          row=r + 1, col=c + 1)
            if (~used).any():
                fig.add_trace(go.Scatter(x=w["time_s"][~used], y=w["mdf_hz"][~used], mode="markers", visible="legendonly",
                                         name="excluded windows (hollow)", legendgroup="excluded", showlegend=excluded_legend,
                                         marker=dict(color=colour, size=6, symbol="circle-open"),
                                         hovertext=[f"excluded: {esc(e)}" for e in w["excluded"][~used]], hoverinfo="text"),
                              row=r + 1, col=c + 1)
                excluded_legend = False
            if np.isfinite(fit.mdf_slope_hz_per_s):
                t = np.array([w["time_s"].min(), w["time_s"].max()])
                label = (f"{side} slope {fit.mdf_slope_pct_per_min:+.2f} %/min "
                         f"(95 % CI {fit.mdf_pct_ci_low:+.2f} to {fit.mdf_pct_ci_high:+.2f})")
                fig.add_trace(go.Scatter(x=t, y=fit.mdf_initial_hz + fit.mdf_slope_hz_per_s * t, mode="lines",
                                         line=dict(color=colour, width=2, dash="dash" if fit.side == "L" else "solid"),
                                         name=label, hoverinfo="name"), row=r + 1, col=c + 1)
        if not n_used:
            fig.add_annotation(text="no window used<br>(see 'excluded windows' in the legend)", x=0.5, y=0.5, xref="x domain",
                               yref="y domain", showarrow=False, font=dict(color="#616161"), row=r + 1, col=c + 1)
            fig.update_yaxes(showticklabels=False, row=r + 1, col=c + 1)
        fig.update_xaxes(title_text="time (s)" if r == rows - 1 else None, range=[t0 - pad, t1 + pad], row=r + 1, col=c + 1)
        fig.update_yaxes(title_text="MDF (Hz)" if c == 0 else None, row=r + 1, col=c + 1)
    fig.update_layout(**base_layout(title, height=320 * rows + 140, legend=dict(orientation="h", y=-0.18 if rows == 1 else -0.08)))
    return fixed_margins(fig)
