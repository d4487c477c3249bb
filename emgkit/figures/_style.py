"""Shared look of emgkit figures: colours, scales, layout defaults."""

from .._findings import METRIC_WORDS, SIDE_WORDS  # noqa: F401  (re-exported for the figures)
from .._findings import muscle_words as _findings_words

# ColorBrewer PuOr: diverging and colour-blind safe; purple = left larger, orange = right larger
DIVERGING = "PuOr_r"
SI_RANGE = 30.0  # colour scale spans -30 % ... +30 % symmetry index
LEFT_COLOUR = "#5e3c99"  # purple
RIGHT_COLOUR = "#e66101"  # orange
NEUTRAL = "#bdbdbd"  # body map: recorded, no left/right partner
NOT_COMPARABLE = "#525252"  # body map: paired, but the pair could not be compared (clipping, no activity, ...)
FLAG_COLOURS = {"ok": "#1a9850", "notice": "#fdae61", "flag": "#d73027", "n/a": "#969696"}
FONT = dict(family="Inter, Segoe UI, Helvetica, Arial, sans-serif", size=13)


def base_layout(title: str, **extra) -> dict:
    """Layout defaults every emgkit figure starts from."""
    layout = dict(
        title=dict(text=title, x=0.01, xanchor="left"),
        font=FONT,
        template="plotly_white",
        margin=dict(l=60, r=20, t=50, b=45),
        hoverlabel=dict(namelength=-1),
    )
    layout.update(extra)
    return layout


def esc(text) -> str:
    """Escape untrusted text (channel names, ids) for plotly labels, which accept a little HTML."""
    import html

    return html.escape("" if text is None else str(text), quote=True)


def muscle_words(muscle, side=None) -> str:
    """A muscle as a reader says it: ``("biceps_brachii", "L")`` -> ``"left biceps brachii"``; ``""`` when unknown.

    The wording of the findings (:func:`emgkit._findings.muscle_words`), so that
    figures and sentences name a muscle the same way.  Not escaped.
    """
    if not isinstance(muscle, str) or not muscle:
        return ""
    return _findings_words(muscle, side)


def channel_labels(channels) -> dict:
    """Channel name -> plain label for figures: ``"left biceps brachii"`` when the muscle and side are known.

    Parameters
    ----------
    channels : pandas.DataFrame
        ``Analysis.channels`` (``channel, muscle, side``).

    Returns
    -------
    dict
        Unescaped labels.  A channel without a muscle keeps its own name; two
        channels with the same muscle and side get their names in brackets, so
        every label is unique.
    """
    plain = {r.channel: muscle_words(r.muscle, r.side) for r in channels.itertuples(index=False)}
    count = {}
    for label in plain.values():
        count[label] = count.get(label, 0) + 1
    return {ch: (ch if not label else label if count[label] == 1 else f"{label} ({ch})") for ch, label in plain.items()}


def side_colour(side) -> str:
    return {"L": LEFT_COLOUR, "R": RIGHT_COLOUR}.get(side, NEUTRAL)


def rgba(hex_colour: str, alpha: float) -> str:
    h = hex_colour.lstrip("#")
    r, g, b = (int(h[i : i + 2], 16) for i in (0, 2, 4))
    return f"rgba({r},{g},{b},{alpha})"


def empty_figure(title: str, message: str):
    """A figure that says why there is nothing to show (better than a blank panel)."""
    import plotly.graph_objects as go

    fig = go.Figure()
    fig.add_annotation(text=esc(message), showarrow=False, x=0.5, y=0.5, xref="paper", yref="paper", font=dict(size=14, color="#616161"))
    fig.update_layout(**base_layout(title, height=220))
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False)
    return fig


def fixed_margins(fig):
    """Turn off plotly's automatic margins on every axis of ``fig``; returns ``fig``.

    For figures whose axes carry only numbers and short titles, drawn inside
    the margins of :func:`base_layout`.  With ``automargin`` (the template's
    default) plotly lays a figure out again for every axis that might need
    more room, which doubled the drawing time of the 8-panel figures of a
    16-channel report.  Axes that show text read from files (channel or
    muscle names as categories) keep it, so long names are not cut off.
    """
    fig.update_xaxes(automargin=False)
    fig.update_yaxes(automargin=False)
    return fig
