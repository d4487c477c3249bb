"""Tables with stable dtypes: text as str ('' for missing), counts as int64, flags as bool, the rest float64.

Tables built here save to HDF5/CSV and load back identical (:mod:`emgkit.tables`).
"""

from __future__ import annotations

import math

import numpy as np

__all__ = ["frame", "text", "tidy", "TEXT_COLUMNS"]

TEXT_COLUMNS = {
    "severity", "category", "subject", "finding", "unit", "threshold", "source", "muscle", "metric", "left_channel",
    "right_channel", "normalization", "flag", "flag_reason", "note", "side", "agonist", "antagonist", "agonist_muscle",
    "antagonist_muscle", "joint", "action", "comparison", "channel_a", "channel_b", "channel", "mode", "rms_unit", "reason",
    "excluded", "kind", "partner", "role", "activation_reason", "reference_source", "normalized_unit", "activity", "lines_notched_hz",
    "task_structure", "cycle_reference", "cycle_side", "event",
}


def frame(rows, columns, *, ints=(), bools=()):
    """A DataFrame from a list of row dicts, or from a dict of columns (lists or arrays), with stable dtypes.

    Parameters
    ----------
    rows : list of dict or dict of str -> sequence
    columns : list of str
        Column order.
    ints, bools : tuple of str
        Columns stored as int64 and bool; text columns are those of :data:`TEXT_COLUMNS`.
    """
    import pandas as pd

    data = rows if isinstance(rows, dict) else {c: [r[c] for r in rows] for c in columns}
    out = {}
    for c in columns:
        v = data[c]
        if c in ints:
            out[c] = np.asarray(v, dtype=np.int64)
        elif c in bools:
            out[c] = np.asarray(v, dtype=bool)
        elif c in TEXT_COLUMNS:
            out[c] = v if isinstance(v, pd.arrays.StringArray) else pd.Series([str(x) for x in v], dtype="str")
        else:
            out[c] = np.asarray(v, dtype=np.float64)
    return pd.DataFrame(out, columns=columns)


def text(labels, codes):
    """A text column of :func:`frame` built whole: ``str(labels[i])`` for each ``i`` of ``codes``.

    Parameters
    ----------
    labels : sequence
        The distinct values (each made str once).
    codes : ndarray of int
        Index into ``labels`` of every row.

    Returns
    -------
    pandas.arrays.StringArray
    """
    import pandas as pd

    table = np.empty(len(labels), dtype=object)
    table[:] = [str(x) for x in labels]
    return pd.array(table[np.asarray(codes, dtype=np.intp)], dtype="str")


def tidy(table):
    """A copy of ``table`` with text columns as str ('' for missing) and numbers as float64/int64."""
    import pandas as pd

    out = table.copy()
    for col in out.columns:
        s = out[col]
        if s.dtype == bool:
            continue
        if isinstance(s.dtype, np.dtype) and s.dtype.kind in "iu":
            out[col] = s.astype(np.int64)
        elif isinstance(s.dtype, np.dtype) and s.dtype.kind == "f":
            out[col] = s.astype(np.float64)
        elif s.dtype == "str":  # already str, missing as NaN
            out[col] = s.fillna("")
        else:
            out[col] = pd.Series(["" if (v is None or (isinstance(v, float) and math.isnan(v))) else str(v) for v in s],
                                 dtype="str", index=out.index)
    return out
