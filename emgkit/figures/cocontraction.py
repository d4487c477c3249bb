"""Agonist vs antagonist: ensemble overlays with the common (co-contraction) area shaded, and CCI bars."""

from __future__ import annotations

import numpy as np

from ._style import LEFT_COLOUR, RIGHT_COLOUR, base_layout, empty_figure, esc, fixed_margins, muscle_words, rgba

__all__ = ["cocontraction_overlays", "cci_bars"]

AGONIST_COLOUR = "#1b7837"
ANTAGONIST_COLOUR = "#762a83"


def cocontraction_overlays(ensembles, agonist_antagonist, *, title="Agonist vs antagonist over the cycle"):
    """One panel per pair and side: both mean envelopes, their common area ``min(A, B)`` shaded.

    Parameters
    ----------
    ensembles : pandas.DataFrame
        ``Analysis.ensembles``.
    agonist_antagonist : pandas.DataFrame
        ``Analysis.agonist_antagonist`` (``side, agonist, antagonist, cci_falconer``...).
    """
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    panels = []
    for row in agonist_antagonist.itertuples(index=False):
        a = ensembles[ensembles["channel"] == row.agonist].sort_values("pct")
        b = ensembles[ensembles["channel"] == row.antagonist].sort_values("pct")
        if len(a) and len(b) and len(a) == len(b):
            panels.append((row, a, b))
    if not panels:
        return empty_figure(title, "No agonist/antagonist pair with repetitions to average.")
    cols = min(2, len(panels))
    rows = int(np.ceil(len(panels) / cols))
    names = [f"{esc(muscle_words(r.agonist_muscle, r.side))} vs {esc(r.antagonist_muscle.replace('_', ' '))}"
             f" — CCI {r.cci_falconer:.0f} %" for r, _, _ in panels]
    fig = make_subplots(rows=rows, cols=cols, subplot_titles=names, horizontal_spacing=0.08,
                        vertical_spacing=0.14 if rows > 1 else 0.1)
    for k, (row, a, b) in enumerate(panels):
        r, c = divmod(k, cols)
        pct = a["pct"].to_numpy()
        ya, yb = a["mean"].to_numpy(), b["mean"].to_numpy()
        common = np.minimum(ya, yb)
        unit = esc(a["unit"].iloc[0])
        fig.add_trace(go.Scatter(x=np.concatenate([pct, pct[::-1]]), y=np.concatenate([common, np.zeros_like(common)]),
                                 fill="toself", fillcolor=rgba("#f4a582", 0.55), line=dict(width=0), name="common area",
                                 hoverinfo="skip", showlegend=k == 0, legendgroup="common"), row=r + 1, col=c + 1)
        for y, colour, label, ch in ((ya, AGONIST_COLOUR, "agonist", row.agonist), (yb, ANTAGONIST_COLOUR, "antagonist", row.antagonist)):
            fig.add_trace(go.Scatter(x=pct, y=y, line=dict(color=colour, width=2), name=label, legendgroup=label, showlegend=k == 0,
                                     hovertemplate=f"{label} {esc(ch)}<br>%{{x:.0f}} %% cycle: %{{y:.3g}} {unit}<extra></extra>"),
                          row=r + 1, col=c + 1)
        fig.update_xaxes(title_text="% cycle" if r == rows - 1 else None, range=[0, 100], row=r + 1, col=c + 1)
        fig.update_yaxes(title_text=unit if c == 0 else None, rangemode="tozero", row=r + 1, col=c + 1)
    fig.update_layout(**base_layout(title, height=300 * rows + 100, legend=dict(orientation="h", y=-0.12 if rows == 1 else -0.06)))
    return fixed_margins(fig)


def cci_bars(agonist_antagonist, *, title="Co-contraction index (Falconer & Winter) by pair and side"):
    """Grouped bars: CCI per pair, left and right side side by side, with 95 % CI."""
    import plotly.graph_objects as go

    data = agonist_antagonist
    if data.empty:
        return empty_figure(title, "No agonist/antagonist pairs were recorded.")
    labels = [f"{esc(a.replace('_', ' '))} / {esc(b.replace('_', ' '))}" for a, b in zip(data["agonist_muscle"], data["antagonist_muscle"])]
    fig = go.Figure()
    for side, colour, name in (("L", LEFT_COLOUR, "Left"), ("R", RIGHT_COLOUR, "Right"), ("", "#757575", "No side")):
        mask = (data["side"] == side).to_numpy()
        if not mask.any():
            continue
        d = data[mask]
        cci = d["cci_falconer"].to_numpy(dtype=float)
        lo, hi = d["cci_falconer_ci_low"].to_numpy(dtype=float), d["cci_falconer_ci_high"].to_numpy(dtype=float)
        ok = np.isfinite(lo) & np.isfinite(hi)
        hover = [f"{name}: {lab}<br>CCI {v:.1f} % (Rudolph {r:.3g}, ratio {q:.2f}, overlap {o:.0f} %)<br>flag: {esc(f)} — {esc(t)}"
                 for lab, v, r, q, o, f, t in zip(np.array(labels)[mask], cci, d["cci_rudolph"], d["ratio"], d["overlap_pct"], d["flag"], d["threshold"])]
        fig.add_trace(go.Bar(x=np.array(labels)[mask], y=cci, name=name, marker_color=colour, hovertext=hover, hoverinfo="text",
                             error_y=dict(type="data", symmetric=False, array=np.where(ok, hi - cci, 0), arrayminus=np.where(ok, cci - lo, 0))))
    fig.update_layout(**base_layout(title, height=380, barmode="group"))
    fig.update_yaxes(title_text="CCI % (0 = no overlap, 100 = identical curves)", range=[0, 100])
    return fig
