"""Raw data browser: every channel's raw EMG and envelope, stacked, zoomable, with a range slider."""

from __future__ import annotations

from ._style import base_layout, esc, side_colour

__all__ = ["raw_browser"]


def raw_browser(t_raw, raw, t_env, envelope, names, sides, *, unit="", title="Raw EMG and envelope"):
    """Stacked channels sharing one time axis.

    Parameters
    ----------
    t_raw : ndarray, shape (m,)
        Times in s of the (decimated) raw samples.
    raw : ndarray, shape (n_channels, m)
        Decimated raw (band-passed) EMG; see :func:`emgkit.decimate.minmax_decimate`.
    t_env, envelope : ndarray
        Times and decimated envelope, shape (n_channels, k).
    names, sides : sequence of str
        Channel names (untrusted, escaped here) and sides.
    unit : str
        Amplitude unit.
    """
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    n = len(names)
    fig = make_subplots(rows=n, cols=1, shared_xaxes=True, vertical_spacing=min(0.02, 0.3 / max(n, 1)),
                        subplot_titles=[esc(x) for x in names])
    for i, (name, side) in enumerate(zip(names, sides)):
        fig.add_trace(go.Scatter(x=t_raw, y=raw[i], mode="lines", line=dict(color="#9e9e9e", width=0.7), name=f"{esc(name)} raw",
                                 hoverinfo="skip", showlegend=False), row=i + 1, col=1)
        fig.add_trace(go.Scatter(x=t_env, y=envelope[i], mode="lines", line=dict(color=side_colour(side), width=1.6),
                                 name=f"{esc(name)} envelope", showlegend=False,
                                 hovertemplate=f"{esc(name)}<br>%{{x:.3f}} s: %{{y:.3g}} {esc(unit)}<extra></extra>"), row=i + 1, col=1)
        fig.update_yaxes(title_text=esc(unit), title_font=dict(size=10), tickfont=dict(size=9), row=i + 1, col=1)
    fig.update_xaxes(title_text="time (s)", rangeslider=dict(visible=True, thickness=0.04), row=n, col=1)
    fig.update_annotations(font_size=11)
    fig.update_layout(**base_layout(title, height=110 * n + 160, showlegend=False, margin=dict(l=70, r=20, t=60, b=40)))
    return fig
