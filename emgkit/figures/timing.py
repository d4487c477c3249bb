"""Timing: a Gantt-like burst chart per channel and onset-latency differences with their CI."""

from __future__ import annotations

import numpy as np

from ._style import FLAG_COLOURS, base_layout, channel_labels, empty_figure, esc, muscle_words, side_colour

__all__ = ["burst_chart", "latency_differences"]


def burst_chart(bursts, channels, *, title="Muscle activity: detected bursts"):
    """Horizontal bars from onset to offset for every channel with bursts; drag across the chart to zoom in.

    Rows are labelled with the plain muscle name (``"left biceps brachii"``)
    when the channel's muscle and side are known, else with the channel's
    name.  Channels without a burst have no row: the report lists them with
    the reason under the chart.  No range slider: it drew every bar a second
    time in a strip too thin to read, and took half of this figure's drawing
    time in a 16-channel report.

    Parameters
    ----------
    bursts : pandas.DataFrame
        ``Analysis.bursts`` (``channel, side, onset_s, offset_s, duration_s``...).
    channels : pandas.DataFrame
        ``Analysis.channels`` (order of the rows, muscle and side of each channel).
    """
    import plotly.graph_objects as go

    with_bursts = set(bursts["channel"]) if len(bursts) else set()
    order = list(channels["channel"]) if len(channels) else list(dict.fromkeys(bursts["channel"]))
    names = [n for n in order if n in with_bursts]
    if not names:
        return empty_figure(title, "No bursts were detected in any channel (the list below says why).")
    plain = channel_labels(channels) if len(channels) else {}
    labels = {n: esc(plain.get(n, n)) for n in names}
    named = {n: labels[n] if plain.get(n, n) == n or plain[n].endswith(f" ({n})") else f"{labels[n]} ({esc(n)})"
             for n in names}  # hover: the channel's own name once, never 'X (X)'
    fig = go.Figure()
    for side in ("L", "R", ""):
        d = bursts[bursts["side"].fillna("") == side]
        d = d[d["channel"].isin(labels)]
        if d.empty:
            continue
        hover = [f"{named[c]}<br>{on:.3f}–{off:.3f} s ({dur * 1e3:.0f} ms)" for c, on, off, dur in
                 zip(d["channel"], d["onset_s"], d["offset_s"], d["duration_s"])]
        fig.add_trace(go.Bar(y=[labels[c] for c in d["channel"]], x=d["duration_s"], base=d["onset_s"], orientation="h",
                             marker_color=side_colour(side), name={"L": "Left", "R": "Right"}.get(side, "No side"),
                             hovertext=hover, hoverinfo="text"))
    fig.update_layout(**base_layout(title, height=max(240, 26 * len(names) + 120), barmode="overlay"))
    fig.update_yaxes(categoryorder="array", categoryarray=[labels[n] for n in names][::-1])
    fig.update_xaxes(title_text="time (s) · drag to zoom, double-click to see all")
    return fig


def latency_differences(timing, *, title="Timing differences (mean and 95 % CI)"):
    """Dots with CI for every onset/offset comparison; the detector-error band is shaded.

    Parameters
    ----------
    timing : pandas.DataFrame
        ``Analysis.timing``.
    """
    import plotly.graph_objects as go

    data = timing[np.isfinite(timing["mean_ms"].to_numpy(dtype=float))] if len(timing) else timing
    if data.empty:
        return empty_figure(title, "No paired bursts to compare.")
    kind = {"left_right": "R − L", "agonist_antagonist": "antag − ag"}
    labels = [f"{esc(muscle_words(m, s) or m)} · {esc(str(k).replace('_', ' '))} ({kind.get(c, esc(c))})"
              for m, s, k, c in zip(data["muscle"], data["side"], data["metric"], data["comparison"])]
    mean = data["mean_ms"].to_numpy(dtype=float)
    lo, hi = data["ci_low_ms"].to_numpy(dtype=float), data["ci_high_ms"].to_numpy(dtype=float)
    ok = np.isfinite(lo) & np.isfinite(hi)
    hover = [f"{lab}<br>{m:+.1f} ms (95 % CI {a:+.1f} to {b:+.1f}), n = {n}, unpaired {u}<br>flag: {esc(f)} — {esc(t)}"
             for lab, m, a, b, n, u, f, t in zip(labels, mean, lo, hi, data["n"], data["n_unpaired"], data["flag"], data["threshold"])]
    fig = go.Figure()
    fig.add_vrect(x0=-20, x1=20, fillcolor="rgba(120,120,120,0.12)", line_width=0, layer="below",
                  annotation_text="±20 ms: within detector error", annotation_position="top left")
    fig.add_trace(go.Scatter(x=mean, y=labels, mode="markers", hovertext=hover, hoverinfo="text",
                             marker=dict(size=10, color=[FLAG_COLOURS.get(f, FLAG_COLOURS["n/a"]) for f in data["flag"]]),
                             error_x=dict(type="data", symmetric=False, array=np.where(ok, hi - mean, 0),
                                          arrayminus=np.where(ok, mean - lo, 0), color="#424242")))
    fig.add_vline(x=0, line=dict(color="#424242", width=1))
    fig.update_layout(**base_layout(title, height=max(240, 28 * len(labels) + 120), showlegend=False))
    fig.update_xaxes(title_text="difference (ms); positive: later on the right / antagonist later")
    fig.update_yaxes(autorange="reversed")
    return fig
