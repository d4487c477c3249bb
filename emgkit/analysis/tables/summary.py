"""Table ``summary``: what was compared (first row), then ranked findings in plain words (built last).

Before writing the findings, :func:`build` settles the verdicts of the
``bilateral``, ``agonist_antagonist`` and ``timing`` tables with the one rule
of :mod:`emgkit._rule` (their ``flag``, ``flag_reason`` and ``source``
columns), so that every flag and every sentence come from the same numbers.
"""

from __future__ import annotations

import math

import numpy as np

from ... import _findings as fd
from ... import _rule
from ._frame import frame

COLUMNS = ["rank", "severity", "category", "subject", "finding", "value", "unit", "threshold", "source", "metric", "ci_low",
           "ci_high"]


def build(s, tables):
    """The scope row, the findings of the bilateral, agonist/antagonist and timing tables, then the notes.

    The three tables' verdicts are settled first (:func:`emgkit._rule.settle`,
    in place).  ``value``, ``ci_low`` and ``ci_high`` of a finding are those of
    the table row that caused it (its ``metric``), in that table's sign
    convention; the sentence gives them as magnitudes with the direction in
    words.  ``attrs["compared"]`` holds the counts of the scope row (copied into the
    analysis's ``info["compared"]``).
    """
    conf, flags = s.cfg.analysis.confidence, s.cfg.flags
    _rule.settle(tables, flags, conf)
    sc = scope(s, tables)
    rows = fd.summary_rows(tables["bilateral"], tables["agonist_antagonist"], tables["timing"], list(s.notes), scope=sc,
                           flags=flags, confidence=conf)
    out = frame(rows, COLUMNS, ints=("rank",))
    out.attrs["compared"] = sc
    return out


def scope(s, tables) -> dict:
    """How many channels, muscles and pairs were analysed and compared; what was not, with the reason and the fix.

    Returns
    -------
    dict
        ``channels``, ``muscles`` (counts of analysed EMG channels and their
        muscles), ``bilateral_pairs`` / ``agonist_antagonist_pairs`` (pairs
        found), ``bilateral_compared`` / ``agonist_antagonist_compared``
        (pairs with a symmetry index / a co-contraction index, or a timing
        difference),
        ``pairs_compared`` (their sum), ``not_compared`` (pair -> reason),
        ``left_out`` (channel -> reason), ``roles`` (channel -> role of a
        left-out channel), ``not_paired`` (analysed channel in no pair ->
        the fix) and ``task_structure`` (the recording's, :mod:`emgkit.analysis.structure`).
    """
    sel = s.selection
    chans = sel.channels
    b, aa, tm = tables["bilateral"], tables["agonist_antagonist"], tables["timing"]
    timed = {(ca, cb) for ca, cb, m in zip(tm["channel_a"].tolist(), tm["channel_b"].tolist(), tm["mean_ms"].tolist())
             if math.isfinite(m)}
    first, finite = {}, set()  # per (left, right) of the amplitude rows: the first row, and whether any SI is finite
    amp = (b["metric"] != "mdf_slope_pct_per_min").to_numpy(bool)
    si = np.isfinite(b["symmetry_index"].to_numpy(float))
    for k, key in enumerate(zip(b["left_channel"].tolist(), b["right_channel"].tolist())):
        if amp[k]:
            first.setdefault(key, k)
            if si[k]:
                finite.add(key)
    structure, reason = b["task_structure"].tolist(), b["flag_reason"].tolist()
    not_compared = {}
    bil_done = 0
    for p in sel.pairing.bilateral:
        k = first.get((p.left, p.right))
        if k is not None and structure[k] == "unilateral":  # one side at rest (stated or found): not compared
            not_compared[f"{fd.muscle_words(p.muscle)} (left/right)"] = reason[k]
        elif (p.left, p.right) in finite or (p.left, p.right) in timed:
            bil_done += 1
        else:
            not_compared[f"{fd.muscle_words(p.muscle)} (left/right)"] = reason[k] if k is not None else "no amplitude metric"
    aa_done = 0
    for ag, an, cci, why in zip(*(aa[c].tolist() for c in ("agonist", "antagonist", "cci_falconer", "flag_reason"))):
        if math.isfinite(cci) or (ag, an) in timed:
            aa_done += 1
        else:
            not_compared[f"{ag} / {an}"] = why
    paired = {n for p in sel.pairing.bilateral for n in (p.left, p.right)}
    paired |= {n for p in sel.pairing.agonist_antagonist for n in (p.agonist, p.antagonist)}
    not_paired = {c.name: channel_fix(c) for c in chans if c.name not in paired}
    return {
        "channels": len(sel.names),
        "muscles": len({(c.muscle or "") for c in chans if c.muscle}),
        "bilateral_pairs": len(sel.pairing.bilateral),
        "bilateral_compared": bil_done,
        "agonist_antagonist_pairs": len(sel.pairing.agonist_antagonist),
        "agonist_antagonist_compared": aa_done,
        "pairs_compared": bil_done + aa_done,
        "not_compared": not_compared,
        "left_out": dict(sel.excluded),
        "roles": {n: sel.role(n) for n in sel.excluded},
        "not_paired": not_paired,
        "task_structure": s.structure.structure if s.structure is not None else "unknown",
    }


def channel_fix(ch) -> str:
    """How to pair an analysed channel that is in no pair: name its muscle and side."""
    name = str(ch.name).replace('"', "'")
    if not ch.muscle:
        return f'no muscle in its name: give its side and muscle, e.g. --channel "{name}=L quadriceps" (or a --map file)'
    if ch.side not in ("L", "R"):
        return f'no side (L/R) in its name: e.g. --channel "{name}=L {ch.muscle}" (or a --map file)'
    return f"no partner muscle: no {fd.muscle_words(ch.muscle, 'R' if ch.side == 'L' else 'L')} and no antagonist in the recording"
