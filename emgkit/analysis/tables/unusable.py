"""The tables of an analysis in which no channel is usable EMG: empty, but for the channels, pairing and summary.

Every channel was left out (dead, mains hum with ``hum_action = "exclude"``,
not EMG or excluded) and at least one was dead: the summary's single row says
"No usable EMG in any channel: ..." with severity ``"not compared"`` and no
``ok`` row; the channels table lists every channel with the reason.
"""

from __future__ import annotations

from ... import _findings as fd
from . import agonist_antagonist, bilateral, ensembles, fatigue, fatigue_windows, repetitions, summary, timing
from ._frame import frame, tidy
from .channels import COLUMNS as CHANNEL_COLUMNS
from .channels import left_out_rows

__all__ = ["build_unusable"]

BURST_COLUMNS = ["channel", "muscle", "side", "burst", "cycle", "onset_s", "offset_s", "duration_s", "peak",
                 "mean_amplitude", "clipped"]


def build_unusable(u):
    """``(tables, scope)`` of :class:`emgkit.analysis.pipeline.Unusable` ``u``."""
    import pandas as pd

    from ...cycles import Cycles

    empty = {name: frame([], mod.COLUMNS, ints=ints, bools=bools) for name, mod, ints, bools in (
        ("bilateral", bilateral, ("n_reps",), ()), ("agonist_antagonist", agonist_antagonist, ("n_reps",), ()),
        ("timing", timing, ("n", "n_unpaired"), ()), ("fatigue", fatigue, ("n_windows", "n_used"), ()),
        ("fatigue_windows", fatigue_windows, ("window",), ("used",)), ("repetitions", repetitions, ("cycle",), ()),
        ("ensembles", ensembles, ("n_cycles",), ()))}
    bursts = pd.DataFrame({c: pd.Series([], dtype="int64" if c in ("burst", "cycle") else "float64") for c in BURST_COLUMNS})
    sel = u.selection
    sc = {"channels": 0, "muscles": 0, "bilateral_pairs": 0, "bilateral_compared": 0, "agonist_antagonist_pairs": 0,
          "agonist_antagonist_compared": 0, "pairs_compared": 0, "not_compared": {}, "left_out": dict(sel.excluded),
          "roles": {n: sel.role(n) for n in sel.excluded}, "not_paired": {}}
    rows = [fd.scope_row(sc)]
    rows[0].pop("_key")
    rows[0]["rank"] = 1
    tables = {
        **empty,
        "cycles": Cycles.empty("none", "no usable EMG channel").to_frame(),
        "bursts": tidy(bursts),
        "channels": frame(left_out_rows(sel, u.view, u.view.unit), CHANNEL_COLUMNS, ints=("n_bursts",), bools=("flat",)),
        "pairing": sel.pairing.to_frame(),
        "summary": frame(rows, summary.COLUMNS, ints=("rank",)),
    }
    return tables, sc
