"""Bounded symmetry-index intervals, the left/right co-contraction interval and an honest all-clear on real recordings.

Expectations written down (and committed) before the change was run on ../shared/data (issue #13, helper L):

L1  No SI interval lies outside the index's range -200..200 % in any real recording (physical action 40,
    lower limb 18, gait 4): the SI is bounded by its definition (Robinson et al. 1987), and the interval is
    now computed on the log ratio ln(R/L) and mapped back (docs/science.md, "Bounded intervals of the SI").
L2  Each bilateral amplitude interval equals the hand-computed one from the repetitions table: the t-interval
    of atanh(SI/200) = ln(R/L)/2 over the per-repetition SI, mapped back by 200 tanh(.) (rows compared
    repetition by repetition; burst-matched rows are not in the repetitions table).
L3  Every co-contraction pair compared left vs right with at least two paired repetitions has a finite
    interval (cci_side_si_ci_low/high) inside -200..200 %; the UCI physical-action files have left and right
    biceps/triceps and thigh/hamstrings, so most of their 40 files hold such pairs (expected: at least 20).
L4  sub01 Bowing, biceps: the MDF slope difference (443 %/min earlier) is not judged (flag ''), because the
    physical-action records last about 10 s, shorter than fatigue.min_span_s = 30 s; no physical-action
    summary holds a fatigue finding.
L5  An all-clear row never names a category none of whose rows was judged: in the physical-action files
    fatigue is never judged, so an all-clear there says "fatigue not judged" and never claims fatigue.

Skipped when ../shared/data is absent.
"""

from __future__ import annotations

import math
from functools import cache

import numpy as np
import pytest
from scipy.stats import t as student_t

import emgkit
from conftest import SHARED_DATA, read_shared

pytestmark = pytest.mark.shared_data

ACTIONS = ["Bowing", "Clapping", "Handshaking", "Hugging", "Jumping", "Running", "Seating", "Standing", "Walking", "Waving",
           "Elbowing", "Frontkicking", "Hamering", "Headering", "Kneeing", "Pulling", "Punching", "Pushing", "Sidekicking",
           "Slapping"]
CATEGORY = {a: ("Normal" if k < 10 else "Aggressive") for k, a in enumerate(ACTIONS)}
PHYSICAL = [("uci", f"{sub}/{CATEGORY[a]}/txt/{a}.txt") for sub in ("sub01", "sub02") for a in ACTIONS]
LOWER = [("lower", f"{s}{g}{t}.txt") for s in "123" for g in "NA" for t in ("mar", "sen", "pie")]
GAIT = [("c3d", f"c3d_bilateral_gait/{n}") for n in ("Gait.c3d", "1123x01EMG.c3d", "type-2a.c3d", "PiG_Motion-FlatFoot-Full.c3d")]
ALL = PHYSICAL + LOWER + GAIT
CONF = 0.95


def _need_data():
    if not SHARED_DATA.is_dir():
        pytest.skip(f"real recordings not available: {SHARED_DATA} is missing (clone beside ../shared)")


@cache
def analysed(kind, rel):
    return emgkit.analysis.pipeline.analyze_source(read_shared(kind, rel), emit=False)[0]


def _by_hand(si):
    """The bounded interval written out: t-interval of atanh(SI/200), mapped back by 200 tanh."""
    z = np.arctanh(np.asarray(si, float) / 200.0)
    n = z.size
    half = student_t.ppf(0.5 + CONF / 2, n - 1) * z.std(ddof=1) / math.sqrt(n)
    return 200.0 * math.tanh(z.mean() - half), 200.0 * math.tanh(z.mean() + half)


@pytest.mark.parametrize("kind,rel", ALL, ids=[r for _, r in ALL])
def test_si_intervals_stay_in_range(kind, rel):
    _need_data()
    a = analysed(kind, rel)
    b = a.bilateral[a.bilateral["metric"] != "mdf_slope_pct_per_min"]
    for lo_col, hi_col, t in (("si_ci_low", "si_ci_high", b), ("cci_side_si_ci_low", "cci_side_si_ci_high", a.agonist_antagonist)):
        lo, hi = t[lo_col].to_numpy(float), t[hi_col].to_numpy(float)
        ok = np.isfinite(lo) & np.isfinite(hi)
        assert np.all(lo[ok] >= -200.0) and np.all(hi[ok] <= 200.0), (rel, t.loc[ok, [lo_col, hi_col]])  # L1
        assert np.all(lo[ok] <= hi[ok]), rel
    reps = a.repetitions
    for r in b.itertuples(index=False):  # L2
        if r.task_structure in ("alternating", "paired trials") or r.n_reps < 2 or not math.isfinite(r.si_ci_low):
            continue
        si = reps[(reps["kind"] == "bilateral") & (reps["channel"] == r.left_channel) & (reps["partner"] == r.right_channel)
                  & (reps["metric"] == f"si_{r.metric}")]["value"].to_numpy(float)
        si = si[np.isfinite(si)]
        if si.size != r.n_reps or np.any(np.abs(si) >= 200.0):
            continue
        assert (r.si_ci_low, r.si_ci_high) == pytest.approx(_by_hand(si), abs=1e-6), (rel, r.muscle, r.metric)


def test_cocontraction_side_intervals_in_physical_action():
    _need_data()
    with_ci = 0
    for kind, rel in PHYSICAL:
        aa = analysed(kind, rel).agonist_antagonist
        for r in aa.itertuples(index=False):
            if math.isfinite(r.cci_side_si) and r.flag != "":
                lo, hi = r.cci_side_si_ci_low, r.cci_side_si_ci_high
                if math.isfinite(lo):
                    assert -200.0 <= lo <= hi <= 200.0, (rel, r)
                    with_ci += 1
    assert with_ci >= 20  # L3 (rows: two per pair)


def test_short_records_are_not_judged_for_fatigue():
    _need_data()
    a = analysed("uci", "sub01/Normal/txt/Bowing.txt")
    slope = a.bilateral[(a.bilateral["muscle"].str.contains("biceps")) & (a.bilateral["metric"] == "mdf_slope_pct_per_min")]
    assert len(slope) == 1 and slope["flag"].iloc[0] == "", slope  # L4
    assert "not judged" in slope["flag_reason"].iloc[0]
    for kind, rel in PHYSICAL:
        s = analysed(kind, rel).summary
        assert "fatigue" not in set(s["category"]), rel  # L4
        for text in s.loc[s["category"] == "overall", "finding"]:  # L5
            assert "fatigue not judged" in text, (rel, text)
            assert "co-contraction, timing or fatigue difference" not in text, (rel, text)
