"""Agonist vs antagonist: ensemble overlays with the common (co-contraction) area shaded, and CCI bars."""

from __future__ import annotations

import numpy as np

from ._style import LEFT_COLOUR, RIGHT_COLOUR, SIDE_WORDS, base_layout, empty_figure, esc, fixed_margins, muscle_words, rgba

__all__ = ["cocontraction_overlays", "cci_bars"]

AGONIST_COLOUR = "#1b7837"
ANTAGONIST_COLOUR = "#762a83"


def _common_scale(row, channels) -> float:
    """Factor putting the antagonist's ensemble (in % of its own task reference) on the agonist's reference.

    Without an MVC the co-contraction indices divide both muscles by the
    agonist's task reference (``unit`` "% agonist task ..."); the ensembles
    are each in % of their own, so the antagonist is multiplied by
    ``reference(antagonist) / reference(agonist)``.  With an MVC (or without
    the channels table) each muscle keeps its own reference: 1.
    """
    if channels is None or "agonist" not in str(getattr(row, "unit", "")):
        return 1.0
    ref = dict(zip(channels["channel"], channels["reference"].to_numpy(dtype=float)))
    ag, ant = ref.get(row.agonist, np.nan), ref.get(row.antagonist, np.nan)
    return float(ant / ag) if np.isfinite(ag) and np.isfinite(ant) and ag > 0 else 1.0


def _side_reason(reason, side) -> str:
    """The part of a pair's ``flag_reason`` about one side ("left side: ..."), wrapped for a panel; else all of it."""
    import re
    import textwrap

    word = SIDE_WORDS.get(side, "")
    m = re.search(rf"{word} side: (.*?)(?:; (?:left|right) side: |$)", str(reason or "")) if word else None
    text = m.group(1) if m else str(reason or "no value")
    return "<br>".join(esc(line) for line in textwrap.wrap(text, 60)[:4])


def cocontraction_overlays(ensembles, agonist_antagonist, *, channels=None, title="Agonist vs antagonist over the cycle"):
    """One panel per pair and side: both mean envelopes, their common area ``min(A, B)`` shaded.

    Both curves are drawn on the reference the co-contraction indices use
    (:func:`_common_scale`): without an MVC the antagonist is expressed in %
    of the agonist's task reference, so the shaded area is the one the CCI
    integrates.  A pair whose index was withheld (a muscle at its noise floor,
    clipping, ...) gets a panel that says so instead of curves.

    Parameters
    ----------
    ensembles : pandas.DataFrame
        ``Analysis.ensembles`` (each channel in % of its own task reference, or %MVC).
    agonist_antagonist : pandas.DataFrame
        ``Analysis.agonist_antagonist`` (``side, agonist, antagonist, unit, cci_falconer, flag_reason``...).
    channels : pandas.DataFrame, optional
        ``Analysis.channels`` (``channel, reference``), for the common reference.
    """
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    panels = []
    for row in agonist_antagonist.itertuples(index=False):
        a = ensembles[ensembles["channel"] == row.agonist].sort_values("pct")
        b = ensembles[ensembles["channel"] == row.antagonist].sort_values("pct")
        withheld = not np.isfinite(row.cci_falconer)
        if withheld or (len(a) and len(b) and len(a) == len(b)):
            panels.append((row, a, b, withheld))
    if not panels:
        return empty_figure(title, "No agonist/antagonist pair with repetitions to average.")
    cols = min(2, len(panels))
    rows = int(np.ceil(len(panels) / cols))
    names = [f"{esc(muscle_words(r.agonist_muscle, r.side))} vs {esc(r.antagonist_muscle.replace('_', ' '))}"
             + (" — not measured" if w else f" — CCI {r.cci_falconer:.0f} %") for r, _, _, w in panels]
    fig = make_subplots(rows=rows, cols=cols, subplot_titles=names, horizontal_spacing=0.08,
                        vertical_spacing=0.14 if rows > 1 else 0.1)
    shown_legend = False
    for k, (row, a, b, withheld) in enumerate(panels):
        r, c = divmod(k, cols)
        if withheld:
            sub = fig.get_subplot(r + 1, c + 1)  # the empty panel's middle, in paper coordinates
            fig.add_annotation(text=_side_reason(row.flag_reason, row.side), x=float(np.mean(sub.xaxis.domain)),
                               y=float(np.mean(sub.yaxis.domain)), xref="paper", yref="paper", xanchor="center",
                               yanchor="middle", showarrow=False,
                               font=dict(color="#616161", size=11))
            fig.update_xaxes(visible=False, row=r + 1, col=c + 1)
            fig.update_yaxes(visible=False, row=r + 1, col=c + 1)
            continue
        pct = a["pct"].to_numpy()
        ya, yb = a["mean"].to_numpy(), b["mean"].to_numpy() * _common_scale(row, channels)
        common = np.minimum(ya, yb)
        unit = esc(row.unit if channels is not None and "agonist" in str(row.unit) else a["unit"].iloc[0])
        fig.add_trace(go.Scatter(x=np.concatenate([pct, pct[::-1]]), y=np.concatenate([common, np.zeros_like(common)]),
                                 fill="toself", fillcolor=rgba("#f4a582", 0.55), line=dict(width=0), name="common area",
                                 hoverinfo="skip", showlegend=not shown_legend, legendgroup="common"), row=r + 1, col=c + 1)
        for y, colour, label, ch in ((ya, AGONIST_COLOUR, "agonist", row.agonist), (yb, ANTAGONIST_COLOUR, "antagonist", row.antagonist)):
            fig.add_trace(go.Scatter(x=pct, y=y, line=dict(color=colour, width=2), name=label, legendgroup=label,
                                     showlegend=not shown_legend,
                                     hovertemplate=f"{label} {esc(ch)}<br>%{{x:.0f}} %% cycle: %{{y:.3g}} {unit}<extra></extra>"),
                          row=r + 1, col=c + 1)
        shown_legend = True
        fig.update_xaxes(title_text="% cycle" if r == rows - 1 else None, range=[0, 100], row=r + 1, col=c + 1)
        fig.update_yaxes(title_text=unit if c == 0 else None, rangemode="tozero", row=r + 1, col=c + 1)
    fig.update_layout(**base_layout(title, height=300 * rows + 130, margin=dict(l=60, r=20, t=50, b=90),
                                    legend=dict(orientation="h", x=0, y=0.01, yanchor="bottom", yref="container")))
    return fixed_margins(fig)


def cci_bars(agonist_antagonist, *, title="Co-contraction index (Falconer & Winter) by pair and side"):
    """Grouped bars: CCI per pair, left and right side side by side, with 95 % CI; "not measured" where withheld."""
    import plotly.graph_objects as go

    data = agonist_antagonist
    if data.empty:
        return empty_figure(title, "No agonist/antagonist pairs were recorded.")
    labels = [f"{esc(a.replace('_', ' '))} / {esc(b.replace('_', ' '))}" for a, b in zip(data["agonist_muscle"], data["antagonist_muscle"])]
    measured = np.isfinite(data["cci_falconer"].to_numpy(dtype=float))
    if not measured.any():
        return empty_figure(title, "No co-contraction index could be measured (see the panels above for why).")
    fig = go.Figure()
    for side, colour, name in (("L", LEFT_COLOUR, "Left"), ("R", RIGHT_COLOUR, "Right"), ("", "#757575", "No side")):
        mask = (data["side"] == side).to_numpy()
        if not mask.any():
            continue
        d = data[mask]
        cci = d["cci_falconer"].to_numpy(dtype=float)
        lo, hi = d["cci_falconer_ci_low"].to_numpy(dtype=float), d["cci_falconer_ci_high"].to_numpy(dtype=float)
        ok = np.isfinite(lo) & np.isfinite(hi)
        known = np.isfinite(cci)
        hover = [f"{name}: {lab}<br>CCI {v:.1f} % (Rudolph {r:.3g}, ratio {q:.2f}, overlap {o:.0f} %)<br>flag: {esc(f)} — {esc(t)}"
                 if np.isfinite(v) else f"{name}: {lab}<br>not measured: {_side_reason(why, side)}"
                 for lab, v, r, q, o, f, t, why in zip(np.array(labels)[mask], cci, d["cci_rudolph"], d["ratio"], d["overlap_pct"],
                                                       d["flag"], d["threshold"], d["flag_reason"])]
        fig.add_trace(go.Bar(x=np.array(labels)[mask], y=np.where(known, cci, 0.0), name=name, marker_color=colour,
                             hovertext=hover, hoverinfo="text", text=np.where(known, "", "not measured"), textposition="outside",
                             error_y=dict(type="data", symmetric=False, array=np.where(ok, hi - cci, 0), arrayminus=np.where(ok, cci - lo, 0))))
    fig.update_layout(**base_layout(title, height=380, barmode="group"))
    fig.update_yaxes(title_text="CCI % (0 = no overlap, 100 = identical curves)", range=[0, 100])
    return fig
