"""The analysis on every real recording in ../shared/data, against outcomes written down before it was run.

Each expectation names its reason or source (the folder's SOURCE.md, issue #12);
docs/validation_real.md holds the same table and the measured outcomes.  The
expectations were committed before the analysis was first run on these files
(see the git history).  Skipped when ../shared/data is absent.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

import numpy as np
import pytest

import emgkit
from conftest import SHARED_DATA, read_shared

pytestmark = pytest.mark.shared_data

ACTIONS = {
    "Normal": ["Bowing", "Clapping", "Handshaking", "Hugging", "Jumping", "Running", "Seating", "Standing", "Walking", "Waving"],
    "Aggressive": ["Elbowing", "Frontkicking", "Hamering", "Headering", "Kneeing", "Pulling", "Punching", "Pushing",
                   "Sidekicking", "Slapping"],
}
QUIET = ("Standing", "Seating", "Handshaking", "Waving")  # SOURCE.md: never clip
UCI = [(sub, cat, act) for sub in ("sub01", "sub02") for cat, acts in ACTIONS.items() for act in acts]
LOWER = sorted(f"{s}{g}{t}.txt" for s in "123" for g in "NA" for t in ("mar", "sen", "pie"))
GAIT = ["Gait.c3d", "1123x01EMG.c3d", "type-2a.c3d", "PiG_Motion-FlatFoot-Full.c3d"]


def _need_data():
    if not SHARED_DATA.is_dir():
        pytest.skip(f"real recordings not available: {SHARED_DATA} is missing (clone beside ../shared)")


@cache
def analysed(kind, *parts):
    """(Recording, Analysis) of one shared recording, read as its SOURCE.md says (cached: several tests read each)."""
    rec = read_shared(kind, Path(*parts[1:]) if kind in ("uci", "lower", "biosppy") else Path(*parts))
    return rec, emgkit.analysis.pipeline.analyze_source(rec, emit=False)[0]


def uci(sub, cat, act):
    _need_data()
    return analysed("uci", "uci_physical_action", sub, cat, "txt", f"{act}.txt")


def severities(a):
    return set(a.summary["severity"])


def used(a):
    return set(a.channels.loc[a.channels["role"] == "emg", "channel"])


def left_out(a):
    ch = a.channels
    return {r.channel: (r.role, r.activation_reason) for r in ch[ch["role"] != "emg"].itertuples()}


def check_rules(rec, a):
    """R1-R6 of docs/validation_real.md, true of every recording."""
    s = a.summary
    assert s.iloc[0]["category"] == "scope", s.head(3).to_string()
    head = s.iloc[0]["finding"]
    n_used = len(used(a))
    assert re.search(rf"\b{n_used} (EMG )?channels?\b", head), head
    compared = a.info["compared"]["pairs_compared"]
    if compared == 0:  # R2
        assert "ok" not in severities(a) and s.iloc[0]["severity"] == "not compared", s.to_string()
    for name, (role, why) in left_out(a).items():  # R4: dead channels are named as such, never "clipped"
        if role == "dead":
            assert "clipped" not in why, (name, why)
    # R5: hum above the documented share is notched, with a note naming the share
    limit = a.config.filters.hum_max_share
    ch = a.channels[a.channels["role"] == "emg"]
    for r in ch.itertuples():
        if np.isfinite(r.powerline_share) and r.powerline_share > limit:
            assert np.isfinite(r.notch_hz) and r.notch_hz > 0, (r.channel, r.powerline_share)
            assert any(r.channel in n and "hum" in n for n in a.notes), (r.channel, a.notes)
    # what the MDF and every measure of a notched channel see holds no more hum than the limit (measured first with an MDF
    # test: EMG's own MDF lies near 50-60 Hz on several channels with and without hum, so the share itself is checked)
    from emgkit.preprocess import bandpass, notch
    from emgkit.quality import powerline_share

    for r in ch[ch["notch_hz"] > 0].itertuples():
        x = np.asarray(rec.data[rec.index(r.channel)], float)
        high = min(450.0, 0.45 * rec.fs)
        y = notch(bandpass(x - x.mean(), rec.fs, low=20.0, high=high), rec.fs, freq=r.notch_hz)
        assert powerline_share(y, rec.fs, r.notch_hz) < limit, r.channel
    # R6: pairs without activity on both sides: no SI, no flag
    b = a.bilateral
    gated = b[b["flag_reason"].str.contains("not compared: no activity", regex=False)]
    assert gated["symmetry_index"].isna().all() and (gated["flag"] == "").all()


# -- uci_physical_action -------------------------------------------------------------------------------------
@pytest.mark.parametrize("sub,cat,act", UCI, ids=[f"{s}-{a}" for s, _, a in UCI])
def test_uci_physical_action(sub, cat, act):
    """SOURCE.md: 8 EMG columns, R/L biceps, triceps, thigh, hamstring: 4 left/right pairs, nothing left out."""
    rec, a = uci(sub, cat, act)
    check_rules(rec, a)
    assert len(rec.channel_names) == 8
    # measured: sub02 ("not filtered", SOURCE.md) carries interference a notch cannot remove on some channels: those are
    # left out for hum with the reason (never as non-EMG); every other channel is analysed and paired
    out = left_out(a)
    assert all(role == "hum" and "after notching" in why for role, why in out.values()), out
    assert used(a) | set(out) == set(rec.channel_names)
    sides = {(n[0], n[2:]) for n in used(a)}
    assert a.info["compared"]["bilateral_pairs"] == sum(("L", m) in sides and ("R", m) in sides for m in ("Bic", "Tri", "Thi", "Ham"))
    if sub == "sub01":
        assert not out and a.info["compared"]["bilateral_pairs"] == 4
    if act in QUIET:  # SOURCE.md: quiet actions never clip
        assert (a.channels["clipped_pct"].fillna(0) == 0).all(), a.channels[["channel", "clipped_pct"]].to_string()


@pytest.mark.parametrize("sub", ["sub01", "sub02"])
def test_uci_quiet_standing_has_no_flag(sub):
    """Quiet standing: no muscle asymmetry to find (issue #12: 6 of 8 channels at the noise floor, 1 and 4 red flags before)."""
    _, a = uci(sub, "Normal", "Standing")
    assert not severities(a) & {"flag", "notice"}, a.summary.to_string()
    # at least 2 of the 4 left/right pairs not compared: measured, sub01 for no activity, sub02 because channels carrying
    # interference a notch cannot remove are left out (their pairs are then not formed)
    c = a.info["compared"]
    gated = [k for k, why in c["not_compared"].items() if "(left/right)" in k and why.startswith("not compared: no activity")]
    assert len(gated) + (4 - c["bilateral_pairs"]) >= 2, c


@pytest.mark.parametrize("act", ["Running", "Jumping"])
def test_uci_known_clipped_channel_is_reported(act):
    """SOURCE.md: sub01 R-Thi is clipped for 75 % (Running) and 70 % (Jumping) of samples."""
    _, a = uci("sub01", "Normal", act)
    ch = a.channels.set_index("channel")
    assert ch.loc["R-Thi", "clipped_pct"] >= 50
    assert any("R-Thi" in n and "clipped" in n for n in a.notes)


# -- uci_lower_limb ----------------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", LOWER)
def test_uci_lower_limb(name):
    """SOURCE.md: RF, BF, VM, ST of one leg and the goniometer FX: FX left out, no left/right pair, knee pairs analysed."""
    _need_data()
    rec, a = analysed("lower", "uci_lower_limb", name)
    check_rules(rec, a)
    out = left_out(a)
    fx = [n for n in rec.channel_names if "FX" in n.upper() or "flex" in n.lower()]
    # measured: the reader already keeps the goniometer out of the channels (meta["aux"]["knee_angle"]);
    # when a channel carries it, it must be left out as an angle
    assert all(n in out and out[n][0] == "angle" for n in fx), out
    assert fx or "knee_angle" in rec.meta.get("aux", {}), rec.channel_names
    assert len(used(a)) == 4
    assert a.info["compared"]["bilateral_pairs"] == 0
    assert a.info["compared"]["agonist_antagonist_pairs"] >= 1


# -- biosppy_single ----------------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["emg.txt", "emg_1.txt"])
def test_biosppy_single_channel_is_not_an_all_clear(name):
    """SOURCE.md: one channel, muscle not documented: nothing to compare, and the headline says so with the fix."""
    _need_data()
    rec, a = analysed("biosppy", "biosppy_single", name)
    check_rules(rec, a)
    assert a.info["compared"]["pairs_compared"] == 0
    assert a.summary.iloc[0]["severity"] == "not compared"
    assert "--channel" in a.summary.iloc[0]["finding"] or "--map" in a.summary.iloc[0]["finding"]


# -- pyomeca_shoulder --------------------------------------------------------------------------------------------
ZERO_SENSORS = [f"Sensor {k}.EMG{k}" for k in range(12, 17)] + [f"Sensor {k}.IM EMG{k}" for k in range(1, 17) if k not in (12, 13)]


def test_pyomeca_c3d():
    """SOURCE.md: Voltage.1-6 not EMG; 19 identically zero sensors; 13 EMG channels."""
    _need_data()
    rec, a = analysed("file", "pyomeca_shoulder", "markers_analogs.c3d")
    check_rules(rec, a)
    out = left_out(a)
    volts = [n for n in rec.channel_names if n.startswith("Voltage")]
    assert len(volts) == 6 and all(n in out and out[n][0] not in ("emg", "dead") for n in volts), out
    dead = [n for n, (role, _) in out.items() if role == "dead"]
    assert len(dead) == 19, out
    assert len(used(a)) == 13


def test_pyomeca_csv_has_no_muscles():
    """SOURCE.md: the CSV has no muscle names: nothing can be paired, and the headline must say so (not 'ok')."""
    _need_data()
    rec, a = analysed("file", "pyomeca_shoulder", "analogs.csv")
    check_rules(rec, a)
    assert a.info["compared"]["pairs_compared"] == 0
    assert a.summary.iloc[0]["severity"] == "not compared"
    assert len([1 for role, _ in left_out(a).values() if role == "dead"]) == 19


# -- c3d_bilateral_gait ------------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", GAIT)
def test_c3d_gait(name):
    """SOURCE.md table: EMG at the listed analog indices, force plates (and PiG's Pin 1-16) left out, clipping negligible."""
    _need_data()
    pytest.importorskip("ezc3d")
    rec, a = analysed("file", "c3d_bilateral_gait", name)
    check_rules(rec, a)
    n_emg = {"Gait.c3d": 16, "1123x01EMG.c3d": 8, "type-2a.c3d": 8, "PiG_Motion-FlatFoot-Full.c3d": 10}[name]
    assert len(used(a)) == n_emg, sorted(used(a))
    if name == "1123x01EMG.c3d":
        assert a.info["compared"]["bilateral_pairs"] == 4
    assert not any("clipped" in n for n in a.notes), [n for n in a.notes if "clipped" in n]
