"""Co-contraction and fatigue on real recordings (issue #13), against outcomes written down before the change was run.

The expectations below (each with its reason) were committed before the
co-contraction normalisation without MVC and the comparable-window fatigue rule
were first run on these files; the measured outcomes are in
docs/validation_real.md.  Skipped when ../shared/data is absent.

Recordings (../shared/data, each folder's SOURCE.md):

* ``uci_lower_limb/*sen.txt``: seated knee extension (quadriceps agonist,
  hamstrings antagonist), 3-5 repetitions; ``*mar.txt``: walking; ``*pie.txt``:
  standing knee flexion.  N = normal knee, A = knee pathology, subjects 1-3.
  ``1Nsen``/``2Nsen`` hold identical data (SOURCE.md), so they are one recording.
* ``biosppy_single/emg_1.txt``: one channel, clear bursts separated by rest.

Expectations
------------
E1 (seated knee extension, CCI)
    Every knee-extension pair (agonist rectus femoris or vastus medialis,
    antagonist biceps femoris or semitendinosus) of every ``*sen`` file has
    either no CCI, withheld with a reason naming the antagonist at its noise
    floor, or a Falconer CCI below 35 %.  Reason: issue #13 measured the
    hamstrings at 1/6-1/10 of the quadriceps' raw RMS in these files; on one
    common reference, Falconer's CCI of an antagonist that stays below the
    agonist is ``2 * sum(B) / sum(A + B)``, i.e. 2r / (1 + r) = 18-29 % for
    r = 1/10-1/6; 35 % leaves room for envelope shape.  Before this change they
    read 79-87 %.
E2 (indices in range)
    Every Falconer CCI and both ends of its confidence interval lie in
    0-100 % in every lower-limb file (the index's range; issue #13 saw 114 %).
E3 (walking vs sitting)
    The hamstrings co-activate with the quadriceps around heel strike in
    walking (late swing to loading response; Perry & Burnfield 2010, Winter
    2009), while in seated knee extension they are near silent: the median
    Falconer CCI of the knee-extension pairs in ``*mar`` exceeds that of the
    same subject's ``*sen`` file in at least 5 of the 6 subject/group file
    pairs (one may fail: 3-5 repetitions per file, duplicates in N).
E4 (knee pathology vs normal walking)
    No group difference is asserted: 3 subjects per group cannot show one.
    Published work finds higher co-contraction with knee pathology (e.g. knee
    osteoarthritis, Lewek, Rudolph & Snyder-Mackler 2004), so the direction
    A >= N is expected but only recorded, never tested.
F1 (fatigue windows, mechanical)
    In every file analysed here, each channel's windows used for the MDF
    slope have an RMS of at least ``fatigue.min_level_fraction`` of the
    channel's contraction level (``fatigue.contraction_rms``), and every window
    left out for its level says so ("low activation").
F2 (intermittent tasks mix levels)
    In the intermittent tasks (``*sen``, ``*pie``, biosppy ``emg_1``) at least
    one channel has windows left out for low activation: issue #13 found
    low-level and contraction windows mixed (MDF vs window RMS r = 0.51).
F3 (less dependence on level)
    Over the channels where windows were left out for their level and a slope
    exists with and without the rule, the |Pearson r| of MDF against window
    RMS on the used windows is lower with the rule in at least half of them:
    restricting the windows to comparable levels removes the level-driven
    part of the MDF (De Luca 1997; issue #13).
F4 (slopes not steeper)
    Over the same channels the median |MDF slope| (%/min) with the rule is not
    larger than without it: issue #13 measured -27.7 %/min on mixed windows
    against -17.5 %/min on comparable ones.
F5 (the issue's recording; added after F1-F4 were measured, before this was run)
    The issue does not name the recording behind -27.7 vs -17.5 %/min.  If a
    channel of the shared intermittent recordings (UCI physical action, the
    lower-limb walking files) has a slope of -27.7 +- 0.5 %/min on mixed
    windows (the rule off), its slope with the rule lies within 5 %/min of
    -17.5 %/min, the issue's value on comparable windows.  Skipped if no
    channel matches.
"""

from __future__ import annotations

from functools import cache

import numpy as np
import pytest

import emgkit
from conftest import SHARED_DATA, read_shared

pytestmark = pytest.mark.shared_data

SUBJECTS = [(s, g) for s in "123" for g in "NA"]
EXTENSORS = ("rectus_femoris", "vastus_medialis")
FLEXORS = ("biceps_femoris", "semitendinosus")
INTERMITTENT = [("lower", f"{s}{g}{t}.txt") for s, g in SUBJECTS for t in ("sen", "pie")] + [("biosppy", "emg_1.txt")]
CCI_LIMIT = 35.0  # E1
LEVEL_FRACTION = 0.5  # the default fatigue.min_level_fraction (F1)


def _need_data():
    if not SHARED_DATA.is_dir():
        pytest.skip(f"real recordings not available: {SHARED_DATA} is missing (clone beside ../shared)")


@cache
def analysed(kind, name, level_rule=True):
    """Analysis of one shared recording; ``level_rule=False`` counts windows of any level (the rule off)."""
    _need_data()
    config = None if level_rule else {"fatigue": {"min_level_fraction": 0.0}}
    return emgkit.analysis.pipeline.analyze_source(read_shared(kind, name), config=config, emit=False)[0]


def _extension_pairs(res):
    aa = res.agonist_antagonist
    return aa[aa["agonist_muscle"].isin(EXTENSORS) & aa["antagonist_muscle"].isin(FLEXORS)]


# Measured after the expectations were committed: E1 held in 1N/2N (17-32 %) and 3N's ST pairs (withheld: ST at its
# noise floor), and failed in 1A, 3N (RF/VM-BF) and 3A: there the hamstrings are not near silent (quadriceps/hamstring
# raw envelope ratio 1.8-4.8, antagonist share 17-35 %), and Falconer's CCI on one reference follows that share.  Kept
# as strict expected failures so that a change in either direction shows.
_E1_MISSED = "measured: hamstrings at 1/2-1/5 of the quadriceps here, not near silent (docs/validation_real.md, issue #13)"
E1_CASES = [pytest.param(s, g, marks=pytest.mark.xfail(strict=True, reason=_E1_MISSED)) if s + g in ("1A", "3N", "3A")
            else (s, g) for s, g in SUBJECTS]


@pytest.mark.parametrize("subject,group", E1_CASES)
def test_seated_extension_cci_is_low_or_withheld(subject, group):  # E1
    rows = _extension_pairs(analysed("lower", f"{subject}{group}sen.txt"))
    assert len(rows) == 4, rows[["agonist", "antagonist"]]
    for r in rows.itertuples():
        if np.isfinite(r.cci_falconer):
            assert r.cci_falconer < CCI_LIMIT, (r.agonist, r.antagonist, r.cci_falconer, r.note)
        else:
            assert "noise floor" in r.flag_reason and r.antagonist in r.flag_reason, (r.agonist, r.antagonist, r.flag_reason)


@pytest.mark.parametrize("task", ["sen", "mar", "pie"])
def test_cci_and_its_interval_in_range(task):  # E2
    for subject, group in SUBJECTS:
        aa = analysed("lower", f"{subject}{group}{task}.txt").agonist_antagonist
        for col in ("cci_falconer", "cci_falconer_ci_low", "cci_falconer_ci_high"):
            v = aa[col].to_numpy(float)
            v = v[np.isfinite(v)]
            assert ((v >= 0) & (v <= 100)).all(), (subject, group, task, col, v)


def _median_cci(name):
    v = _extension_pairs(analysed("lower", name))["cci_falconer"].to_numpy(float)
    v = v[np.isfinite(v)]
    return float(np.median(v)) if v.size else 0.0  # withheld (antagonist at noise level) counts as no co-contraction


def test_walking_cci_exceeds_seated_extension():  # E3
    higher = {(s, g): _median_cci(f"{s}{g}mar.txt") > _median_cci(f"{s}{g}sen.txt") for s, g in SUBJECTS}
    assert sum(higher.values()) >= 5, higher


@pytest.mark.parametrize("kind,name", INTERMITTENT)
def test_used_windows_are_at_a_comparable_level(kind, name):  # F1
    res = analysed(kind, name)
    frac = LEVEL_FRACTION
    fw, fat = res.fatigue_windows, res.fatigue.set_index("channel")
    for ch, w in fw.groupby("channel"):
        level = fat.loc[ch, "contraction_rms"]
        used = w[w["used"]]
        if len(used):
            assert (used["rms"] >= frac * level * (1 - 1e-9)).all(), (name, ch)
        low = w[w["excluded"].str.startswith("low activation")]
        assert (low["rms"] < frac * level).all(), (name, ch)
        assert int(fat.loc[ch, "n_low_level"]) == len(low)


def _paired_channels():
    """(name, channel, with rule, without rule) of every intermittent channel with low-level windows left out."""
    out = []
    for kind, name in INTERMITTENT:
        on, off = analysed(kind, name), analysed(kind, name, level_rule=False)
        for ch, n_low in zip(on.fatigue["channel"], on.fatigue["n_low_level"]):
            if n_low > 0:
                out.append((name, ch, on, off))
    return out


def test_intermittent_tasks_have_low_level_windows():  # F2
    assert _paired_channels(), "no intermittent channel had a window left out for its level"


def _r(res, ch):
    w = res.fatigue_windows
    w = w[(w["channel"] == ch) & w["used"]]
    return abs(float(np.corrcoef(w["mdf_hz"], w["rms"])[0, 1])) if len(w) >= 3 else np.nan


def _slope(res, ch):
    return float(res.fatigue.set_index("channel").loc[ch, "mdf_slope_pct_per_min"])


_F34_MISSED = ("measured: these records last 11-39 s (emg_1's bursts leave 2-3 usable windows), so MDF slopes carry 95 % "
               "intervals of +-23 to +-400 %/min (most beyond +-100) with or without the rule, and leaving windows out makes them noisier, not "
               "less level-dependent (docs/validation_real.md)")


def test_level_dependence_of_mdf_drops():  # F3: missed (9 of 20) when first measured; 10 of 20 since the detector's missed-rhythm check (exactly half)
    pairs = [(_r(on, ch), _r(off, ch)) for _, ch, on, off in _paired_channels()]
    pairs = [(a, b) for a, b in pairs if np.isfinite(a) and np.isfinite(b)]
    if not pairs:
        pytest.skip("no channel has enough windows with and without the level rule")
    assert sum(a < b for a, b in pairs) >= len(pairs) / 2, pairs


@pytest.mark.xfail(strict=True, reason=_F34_MISSED)
def test_slopes_not_steeper_on_comparable_windows():  # F4
    pairs = [(_slope(on, ch), _slope(off, ch)) for _, ch, on, off in _paired_channels()]
    pairs = [(a, b) for a, b in pairs if np.isfinite(a) and np.isfinite(b)]
    if not pairs:
        pytest.skip("no channel has a slope with and without the level rule")
    on, off = np.abs(np.array(pairs)).T
    assert np.median(on) <= np.median(off), pairs


PHYSICAL = [("uci", f"{sub}/{cat}/txt/{act}.txt") for sub in ("sub01", "sub02")
            for cat, acts in {"Normal": ["Bowing", "Clapping", "Handshaking", "Hugging", "Jumping", "Running", "Seating", "Standing",
                                         "Walking", "Waving"],
                              "Aggressive": ["Elbowing", "Frontkicking", "Hamering", "Headering", "Kneeing", "Pulling", "Punching",
                                             "Pushing", "Sidekicking", "Slapping"]}.items() for act in acts]


@cache
def _physical(name, level_rule=True):
    from emgkit.datasets import readers

    _need_data()
    config = None if level_rule else {"fatigue": {"min_level_fraction": 0.0}}
    rec = readers.read_uci_physical_action(SHARED_DATA / "uci_physical_action" / name)
    return emgkit.analysis.pipeline.analyze_source(rec, config=config, emit=False)[0]


def test_issue_recording_slope_on_comparable_windows():  # F5
    found = []
    for kind, name in PHYSICAL + [("lower", f"{s}{g}mar.txt") for s, g in SUBJECTS]:
        get = _physical if kind == "uci" else (lambda n, rule=True: analysed("lower", n, rule))
        off = get(name, False).fatigue.set_index("channel")["mdf_slope_pct_per_min"]
        for ch in off.index[np.abs(off.to_numpy(float) + 27.7) <= 0.5]:
            found.append((name, ch, float(get(name).fatigue.set_index("channel").loc[ch, "mdf_slope_pct_per_min"])))
    if not found:
        pytest.skip("no shared channel has the issue's mixed-window slope of -27.7 %/min")
    assert any(abs(v + 17.5) <= 5 for *_, v in found), found

