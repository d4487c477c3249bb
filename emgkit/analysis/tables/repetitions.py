"""Table ``repetitions``: every per-repetition value, tidy (one row per repetition, channel or pair, and metric).

Rows come in blocks: channel values (amplitudes, then burst timing), the
per-repetition SI of every bilateral pair, the co-contraction indices of
every agonist/antagonist pair, then the timing differences of every pair
(with per-side cycles, numbered and timed in the first channel's own side's
cycles: ``cycle``, ``start_s`` and ``stop_s`` are that side's).  With per-side
cycles a channel's burst timing (``onset_ms``, ``offset_ms``, ``burst_ms``) is
also in its own side's cycles (its first onset at or after the event), its
amplitudes in the shared ones.
"""

from __future__ import annotations

import numpy as np

from ..measure import AMPLITUDE_METRICS, CC_METRICS
from . import agonist_antagonist, bilateral, timing
from ._frame import frame, text

COLUMNS = ["cycle", "start_s", "stop_s", "kind", "side", "muscle", "channel", "partner", "metric", "value", "unit"]
_FIXED = ("kind", "side", "muscle", "channel", "partner")  # one value per block


class _Block:
    """Columns gathered block by block: numbers in arrays, text as labels and codes (built whole at the end)."""

    def __init__(self, intervals):
        self.intervals = intervals
        self.parts = []

    def add(self, ks, kind, side, muscle, channel, partner, metrics, values, units, intervals=None):
        """Rows for repetitions ``ks`` x ``metrics`` (repetition-major); ``values`` shape (len(ks), len(metrics)).

        ``intervals``: the cycles ``ks`` index (default: the shared ones; a channel's own side's cycles with per-side cycles).
        """
        ks = np.asarray(ks, dtype=np.int64)
        m = len(metrics)
        self.add_rows(np.repeat(ks, m), kind, side, muscle, channel, partner, metrics, np.tile(np.arange(m), ks.size),
                      np.asarray(values, dtype=np.float64).reshape(-1), units, intervals)

    def add_rows(self, k_rep, kind, side, muscle, channel, partner, metrics, col, values, units, intervals=None):
        """One row per element of ``k_rep`` (repetition index), ``col`` and ``values``.

        Row ``i`` has metric ``metrics[col[i]]`` and unit ``units[col[i]]``.
        """
        if not len(k_rep):
            return
        ivl = self.intervals if intervals is None else intervals
        self.parts.append(({"cycle": k_rep + 1, "start_s": ivl[k_rep, 0], "stop_s": ivl[k_rep, 1],
                            "value": np.asarray(values, dtype=np.float64)},
                           (kind, side or "", muscle or "", channel, partner), list(metrics), list(units), col))

    def table(self):
        if not self.parts:
            return frame({c: [] for c in COLUMNS}, COLUMNS, ints=("cycle",))
        data = {c: np.concatenate([p[0][c] for p in self.parts]) for c in ("cycle", "start_s", "stop_s", "value")}
        block = np.repeat(np.arange(len(self.parts)), [len(p[4]) for p in self.parts])
        for f, c in enumerate(_FIXED):
            data[c] = text([p[1][f] for p in self.parts], block)
        first = np.cumsum([0] + [len(p[2]) for p in self.parts[:-1]])  # each block's labels follow the previous ones'
        codes = np.concatenate([p[4] + k for p, k in zip(self.parts, first)])
        data["metric"] = text([x for p in self.parts for x in p[2]], codes)
        data["unit"] = text([x for p in self.parts for x in p[3]], codes)
        return frame(data, COLUMNS, ints=("cycle",))


def build(s):
    """Every per-repetition value of the channels and pairs."""
    out = _Block(s.segments.intervals)
    ms = s.measures
    names = [*AMPLITUDE_METRICS, "onset_ms", "offset_ms", "burst_ms"]
    units = [*(ms.units[m] for m in AMPLITUDE_METRICS), "ms", "ms", "ms"]
    n_amp = len(AMPLITUDE_METRICS)
    act = s.detection.activation
    for c, ch in enumerate(s.selection.channels):
        reps = ms.reps_of(c)  # the channel's own side's cycles with per-side cycles, else the shared ones
        ivl = reps.intervals
        if reps.key:  # burst timing from the own side's event: its first onset at or after it
            on, off = timing.own_activity(act.onsets[c], act.offsets[c], ivl)
        else:
            on, off = ms.activity[c, :, 0], ms.activity[c, :, 1]
        t0 = ivl[:, 0]
        nonempty = np.flatnonzero(reps.samples[:, 1] > reps.samples[:, 0])
        table = np.column_stack([*(reps.values[m][c] for m in AMPLITUDE_METRICS), (on - t0) * 1e3, (off - t0) * 1e3,
                                 (off - on) * 1e3]).reshape(len(ivl), len(names))
        # every repetition's amplitudes, then its burst timing where it had bursts
        count = n_amp + 3 * np.isfinite(on[nonempty])
        k_rep = np.repeat(nonempty, count)
        col = np.arange(k_rep.size) - np.repeat(np.cumsum(count) - count, count)
        out.add_rows(k_rep, "channel", ch.side, ch.muscle, ch.name, "", names, col, table[k_rep, col], units, ivl)
    for p in s.selection.pairing.bilateral:
        ki, _, ri, _ = bilateral.rep_pairs(s, s.selection.index(p.left), s.selection.index(p.right))
        for metric in s.cfg.analysis.amplitude_metrics:
            usable, _, _, si = bilateral.si_reps(s, p, metric)
            out.add(ki[usable], "bilateral", "L/R", p.muscle, p.left, p.right, [f"si_{metric}"], si[:, None], ["%"], ri.intervals)
    for p in s.selection.pairing.agonist_antagonist:
        i, j = s.selection.index(p.agonist), s.selection.index(p.antagonist)
        cc = ms.cocontraction[(p.side, p.agonist, p.antagonist)]
        if agonist_antagonist.undefined_reason(s, i, j, cc["usable"]):
            continue
        reps = ms.reps_of(i)  # the pair's side's cycles
        ks = np.flatnonzero(cc["usable"] & (reps.samples[:, 1] > reps.samples[:, 0]))
        unit = s.norm.pair_unit  # co-contraction units of a pair (common reference without an MVC)
        units = {"cci_falconer": "%", "cci_rudolph": unit, "common_area": f"{unit}*s", "ratio": "", "antagonist_share": "%",
                 "overlap_pct": "%"}
        muscle = f"{s.selection.channels[i].muscle} / {s.selection.channels[j].muscle}"
        out.add(ks, "agonist_antagonist", p.side, muscle, p.agonist, p.antagonist, CC_METRICS,
                np.column_stack([cc[m][ks] for m in CC_METRICS]), [units[m] for m in CC_METRICS], reps.intervals)
    if s.segments.n_kept or s.segments.per_side:
        for comparison, side, muscle, a_name, b_name in timing.comparisons(s):
            mt = timing.matched(s, a_name, b_name)
            if mt.withheld:
                continue
            ks = mt.rows[:, 4].astype(np.int64)
            for metric, values in mt.deltas_ms().items():
                out.add(ks, comparison, side, muscle, a_name, b_name, [f"delta_{metric}_ms"], values[:, None], ["ms"],
                        mt.intervals_a)
    return out.table()
