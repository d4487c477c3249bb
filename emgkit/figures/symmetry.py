"""Left vs right: mirrored ensemble envelopes per muscle and symmetry-index bars."""

from __future__ import annotations

import numpy as np

from ._style import FLAG_COLOURS, LEFT_COLOUR, METRIC_WORDS, RIGHT_COLOUR, base_layout, empty_figure, esc, fixed_margins, rgba

__all__ = ["mirrored_envelopes", "symmetry_bars"]


def _amplitude_scale(ensembles, channels):
    """Channel -> (factor, unit) putting each ensemble on the amplitudes the symmetry index compares.

    Ensembles in % of each channel's own task reference (``%peak``, ``%mean``)
    would draw both sides at the same height whatever their difference;
    multiplied by ``reference / 100`` (``Analysis.channels``) they are back in
    the recording's unit, as the left/right table compares them.  Ensembles
    in %MVC, or without the channels table, are kept as they are.
    """
    if channels is None or not len(ensembles):
        return {}
    units = dict(zip(ensembles["channel"], ensembles["unit"]))
    out = {}
    for r in channels.itertuples(index=False):
        unit = str(units.get(r.channel, ""))
        ref = float(r.reference) if isinstance(r.reference, (int, float)) else np.nan
        if unit.startswith("%") and "MVC" not in unit and np.isfinite(ref) and ref > 0:
            out[r.channel] = (ref / 100.0, str(r.unit))
    return out


def mirrored_envelopes(ensembles, *, channels=None, title="Left vs right: envelope over the cycle (mean ± SD)"):
    """Per muscle, the right side's envelope above the axis and the left side's mirrored below.

    Parameters
    ----------
    ensembles : pandas.DataFrame
        ``Analysis.ensembles``: ``channel, muscle, side, unit, pct, mean, sd, n_cycles``.
    channels : pandas.DataFrame, optional
        ``Analysis.channels`` (``channel, reference, unit``): ensembles in % of
        each channel's own task reference are drawn back in the recording's
        unit (:func:`_amplitude_scale`), so the two sides differ as the
        symmetry index says.

    Returns
    -------
    plotly.graph_objects.Figure
    """
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    data = ensembles[ensembles["side"].isin(["L", "R"])] if len(ensembles) else ensembles
    muscles = [m for m in dict.fromkeys(data["muscle"]) if m] if len(data) else []
    muscles = [m for m in muscles if set(data.loc[data["muscle"] == m, "side"]) == {"L", "R"}]
    if not muscles:
        return empty_figure(title, "No muscle recorded on both sides with repetitions to average.")
    cols = min(3, len(muscles))
    rows = int(np.ceil(len(muscles) / cols))
    fig = make_subplots(rows=rows, cols=cols, subplot_titles=[esc(m.replace("_", " ")) for m in muscles],
                        horizontal_spacing=0.07, vertical_spacing=0.12 if rows > 1 else 0.1)
    scale = _amplitude_scale(data, channels)
    for k, muscle in enumerate(muscles):
        r, c = divmod(k, cols)
        for side, sign, colour in (("R", 1.0, RIGHT_COLOUR), ("L", -1.0, LEFT_COLOUR)):
            d = data[(data["muscle"] == muscle) & (data["side"] == side)].sort_values("pct")
            if d.empty:
                continue
            factor, unit_text = scale.get(d["channel"].iloc[0], (1.0, d["unit"].iloc[0]))
            pct, mean, sd = d["pct"].to_numpy(), d["mean"].to_numpy() * factor, np.nan_to_num(d["sd"].to_numpy()) * factor
            unit = esc(unit_text)
            name = f"{'Right' if side == 'R' else 'Left'} ({esc(d['channel'].iloc[0])}, n={int(d['n_cycles'].iloc[0])})"
            band_x = np.concatenate([pct, pct[::-1]])
            band_y = sign * np.concatenate([mean + sd, np.clip(mean - sd, 0, None)[::-1]])
            fig.add_trace(go.Scatter(x=band_x, y=band_y, fill="toself", fillcolor=rgba(colour, 0.2), line=dict(width=0),
                                     hoverinfo="skip", showlegend=False), row=r + 1, col=c + 1)
            fig.add_trace(go.Scatter(x=pct, y=sign * mean, line=dict(color=colour, width=2), name=name,
                                     legendgroup=side, showlegend=False,
                                     customdata=np.stack([mean, sd], axis=-1),
                                     hovertemplate=f"{name}<br>%{{x:.0f}} %% cycle: %{{customdata[0]:.3g}} ± %{{customdata[1]:.2g}} {unit}<extra></extra>"),
                          row=r + 1, col=c + 1)
        fig.add_hline(y=0, line=dict(color="#757575", width=1), row=r + 1, col=c + 1)
        fig.update_yaxes(title_text=f"L ↓   R ↑ ({unit})" if c == 0 else None, row=r + 1, col=c + 1)
        fig.update_xaxes(title_text="% cycle" if r == rows - 1 else None, range=[0, 100], row=r + 1, col=c + 1)
    fig.update_layout(**base_layout(title, height=300 * rows + 80, showlegend=False))
    return fixed_margins(fig)


def symmetry_bars(bilateral, *, notice=10.0, flag=15.0, title="Symmetry index by muscle and metric"):
    """Horizontal bars of SI (positive = right larger) with their 95 % CI and the flag bands.

    Parameters
    ----------
    bilateral : pandas.DataFrame
        ``Analysis.bilateral``.
    notice, flag : float
        Thresholds (|SI| in %) drawn as bands; the table's own ``threshold`` and
        ``source`` are shown on hover.
    """
    import plotly.graph_objects as go

    data = bilateral[np.isfinite(bilateral["symmetry_index"].to_numpy(dtype=float))] if len(bilateral) else bilateral
    if data.empty:
        return empty_figure(title, "No symmetry index could be computed (no left/right pairs with activity).")
    labels = [f"{esc(m.replace('_', ' '))} · {esc(METRIC_WORDS.get(k, k.replace('_', ' ')))}" for m, k in zip(data["muscle"], data["metric"])]
    si = data["symmetry_index"].to_numpy(dtype=float)
    lo = data["si_ci_low"].to_numpy(dtype=float)
    hi = data["si_ci_high"].to_numpy(dtype=float)
    has_ci = np.isfinite(lo) & np.isfinite(hi)
    colours = [FLAG_COLOURS.get(f, FLAG_COLOURS["n/a"]) for f in data["flag"]]
    hover = [
        f"{lab}<br>SI {s:+.1f} %  (left {l:.3g}, right {r:.3g} {esc(u)})<br>flag: {esc(f)} — {esc(t)} ({esc(src)})"
        for lab, s, l, r, u, f, t, src in zip(labels, si, data["left"], data["right"], data["unit"], data["flag"],
                                             data["threshold"], data["source"])
    ]
    bound = max(flag * 2, float(np.nanmax(np.abs(np.concatenate([si, lo[has_ci], hi[has_ci]])))) * 1.1)
    fig = go.Figure()
    for lim, alpha in ((flag, 0.10), (notice, 0.12)):
        fig.add_vrect(x0=-bound, x1=-lim, fillcolor=rgba("#d73027", alpha), line_width=0, layer="below")
        fig.add_vrect(x0=lim, x1=bound, fillcolor=rgba("#d73027", alpha), line_width=0, layer="below")
    fig.add_trace(go.Bar(
        y=labels, x=si, orientation="h", marker_color=colours, hovertext=hover, hoverinfo="text",
        error_x=dict(type="data", symmetric=False, array=np.where(has_ci, hi - si, 0), arrayminus=np.where(has_ci, si - lo, 0),
                     color="#424242", thickness=1.2),
    ))
    fig.add_vline(x=0, line=dict(color="#424242", width=1))
    fig.update_layout(**base_layout(title, height=max(260, 28 * len(labels) + 120), showlegend=False))
    fig.update_xaxes(title_text=f"SI % (← left larger | right larger →); bands: |SI| > {notice:g} % notice, > {flag:g} % flag",
                     range=[-bound, bound], zeroline=False)
    fig.update_yaxes(autorange="reversed")
    return fig
