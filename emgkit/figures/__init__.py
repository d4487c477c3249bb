"""Plotly figures: each function maps computed tables to a ``plotly.graph_objects.Figure``.

No computation happens here (that is the analysis layer's job); the functions are
reusable in notebooks.  One module per kind of figure.
"""
