"""Issue #12 rules on simulations with known truth: mains hum, activity gating, dead channels, the headline, bad input.

Each test builds a recording whose truth is known (hum share, silent or dead
channels, unnamed channels) and checks what the analysis says about it.
"""

from __future__ import annotations

import math
import subprocess
import sys
import warnings

import numpy as np
import pytest

import emgkit
from emgkit import Channel
from emgkit.analysis import analyze
from emgkit.analysis.activity import Activity
from emgkit.datasets import simulate
from emgkit.errors import InvalidInputError
from emgkit.quality import assess


def quiet(rec, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return analyze(rec, **kw)


def scope(res):
    row = res.summary.iloc[0]
    assert row["category"] == "scope"
    return row


# -- mains hum --------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("hum_uv", [0.0, 10.0, 30.0, 100.0, 300.0])
def test_hum_above_the_share_is_notched_with_a_note(hum_uv):
    """Hum at several shares: a channel is notched exactly when its measured share exceeds filters.hum_max_share."""
    rec = simulate(n_reps=4, fs=2000, lr_ratio={"biceps_brachii": 1.3}, powerline_uv=hum_uv, seed=3)
    share = assess(rec)["powerline_share"].to_numpy(float)  # the truth: what the hum puts in the 20-450 Hz band
    res = quiet(rec)
    limit = res.config.filters.hum_max_share
    ch = res.channels.set_index("channel")
    for name, s in zip(rec.channel_names, share):
        notched = ch.loc[name, "notch_hz"] == 50.0
        assert notched == (s > limit), (name, s, ch.loc[name, "notch_hz"])
        assert ch.loc[name, "powerline_share"] == pytest.approx(s, abs=0.02)
        note = [n for n in res.notes if n.startswith(f"{name}: mains hum")]
        assert bool(note) == notched
        if notched:
            assert f"{100 * ch.loc[name, 'powerline_share']:.0f} %" in note[0]


def test_notched_hum_leaves_the_findings_of_the_clean_recording():
    """The SI and the median frequency of a hum-laden recording, once notched, are those of the same recording without hum."""
    clean = quiet(simulate(n_reps=5, fs=2000, lr_ratio={"biceps_brachii": 1.3}, seed=7))
    hum = quiet(simulate(n_reps=5, fs=2000, lr_ratio={"biceps_brachii": 1.3}, powerline_uv=300, seed=7))
    assert (hum.channels["notch_hz"] == 50).all()
    pick = "muscle == 'biceps_brachii' and metric == 'mean'"
    assert hum.bilateral.query(pick)["symmetry_index"].iloc[0] == pytest.approx(
        clean.bilateral.query(pick)["symmetry_index"].iloc[0], abs=3.0)
    mdf_hum = hum.fatigue.set_index("channel")["mdf_initial_hz"]
    mdf_clean = clean.fatigue.set_index("channel")["mdf_initial_hz"]
    assert mdf_hum.isna().equals(mdf_clean.isna()) and mdf_hum.notna().any()
    assert (abs(mdf_hum - mdf_clean).dropna() < 10).all(), (mdf_hum, mdf_clean)
    assert (abs(mdf_hum.dropna() - 50) > 2).all()


def test_hum_action_exclude_leaves_the_channel_out_with_the_reason():
    rec = simulate(n_reps=4, fs=2000, powerline_uv=300, seed=3)
    res = quiet(rec, config={"filters": {"hum_action": "exclude"}})
    out = res.channels[res.channels["role"] == "hum"]
    assert len(out) == 4 and out["activation_reason"].str.contains("mains hum").all()
    assert "left out" in out["activation_reason"].iloc[0] and not np.isfinite(out["reference"]).any()
    assert scope(res)["severity"] == "not compared"
    assert "No usable EMG in any channel" in scope(res)["finding"] and "ok" not in set(res.summary["severity"])


# -- activity gating --------------------------------------------------------------------------------------------
def noise_only(rec, names, gains, rng):
    """``rec`` with the channels ``names`` replaced by electrode noise only (Gaussian, RMS 10 uV times the gain)."""
    data = rec.data.copy()
    for name, g in zip(names, gains):
        data[rec.index(name)] = rng.normal(0.0, 10e-6 * g, rec.n_samples)
    return rec.replace(data=data)


def test_silent_pair_is_not_compared(rng):
    """Both triceps at the noise floor with different gains: raw SI would be ~40 %; gated, no SI, no CCI, no flag."""
    rec = noise_only(simulate(n_reps=5, fs=2000, seed=11), ["L triceps_brachii", "R triceps_brachii"], [1.0, 1.5], rng)
    res = quiet(rec)
    tri = res.bilateral[res.bilateral["muscle"] == "triceps_brachii"]
    assert tri["symmetry_index"].isna().all() and (tri["flag"] == "").all()
    assert tri["flag_reason"].str.startswith("not compared: no activity").all()
    assert res.channels.set_index("channel").loc["L triceps_brachii", "activity"].startswith("no activity")
    bic = res.bilateral.query("muscle == 'biceps_brachii' and metric == 'mean'").iloc[0]
    assert math.isfinite(bic["symmetry_index"])  # the active pair is still compared
    assert "triceps brachii (left/right)" in scope(res)["finding"] and "1 of 2 left/right pairs" in scope(res)["finding"]
    assert not res.summary["subject"].str.contains("triceps").any()


def test_all_silent_recording_says_nothing_was_compared(rng):
    rec = simulate(n_reps=4, fs=2000, seed=2)
    rec = noise_only(rec, rec.channel_names, [1.0, 1.3, 0.8, 1.6], rng)
    res = quiet(rec)
    assert res.info["compared"]["pairs_compared"] == 0
    assert scope(res)["severity"] == "not compared" and "ok" not in set(res.summary["severity"])
    assert res.agonist_antagonist["cci_falconer"].isna().all()
    assert not set(res.summary["severity"]) & {"flag", "notice"}


def test_difference_within_the_noise_is_not_flagged():
    """Hand-computed: floors 3 and 4 (combine to 5): a difference of 4.9 is within the noise, 5.1 is not."""
    act = Activity(np.zeros(2, bool), np.full(2, 5.0), np.array([3.0, 4.0]), ["", ""])
    assert "within the noise" in act.within_noise(0, 1, 10.0, 14.9, 1.0, 1.0)
    assert act.within_noise(0, 1, 10.0, 15.1, 1.0, 1.0) == ""
    assert "within the noise" in act.within_noise(0, 1, 20.0, 29.8, 2.0, 2.0)  # amplitude units: floors scale too (6, 8 -> 10)
    assert act.within_noise(0, 1, 10.0, math.nan, 1.0, 1.0) == ""


# -- dead channels ----------------------------------------------------------------------------------------------
def with_channels(rec, rows, names):
    return emgkit.Recording(np.vstack([rec.data, *rows]), rec.fs, [*rec.channels, *map(Channel, names)], unit=rec.unit)


def test_dead_channels_are_named_and_left_out():
    rec = simulate(n_reps=4, fs=2000, seed=1)
    n = rec.n_samples
    res = quiet(with_channels(rec, [np.zeros(n), np.full(n, 0.25)], ["L deltoid_anterior", "R deltoid_anterior"]))
    ch = res.channels.set_index("channel")
    for name in ("L deltoid_anterior", "R deltoid_anterior"):
        assert ch.loc[name, "role"] == "dead" and ch.loc[name, "activation_reason"].startswith("dead: constant")
        assert "clipped" not in ch.loc[name, "activation_reason"]
    assert "deltoid_anterior" not in set(res.bilateral["muscle"])
    assert "2 channels dead" in scope(res)["finding"]


def test_nonfinite_and_overflowing_channels_are_dead():
    rec = simulate(n_reps=4, fs=2000, seed=1)
    data = rec.data.copy()
    data[0] = np.nan  # a channel the file held as NaN throughout, repaired to 0 on reading
    bad = emgkit.Recording(data, rec.fs, rec.channels, unit=rec.unit, nonfinite="zero")
    res = quiet(bad)
    assert "non-finite" in res.channels.set_index("channel").loc["L biceps_brachii", "activation_reason"]
    data = rec.data.copy()
    data[2] *= 1e305  # a wrong scale factor: squares overflow
    res = quiet(emgkit.Recording(data, rec.fs, rec.channels, unit=rec.unit))
    why = res.channels.set_index("channel").loc["R biceps_brachii", "activation_reason"]
    assert why.startswith("dead: overflowing") and "biceps_brachii" not in set(res.bilateral["muscle"])


def test_all_dead_recording_has_no_ok_row_and_exits_0(tmp_path):
    rec = emgkit.Recording(np.zeros((4, 8000)), 1000.0, ["L biceps", "R biceps", "L triceps", "R triceps"], unit="V")
    res = quiet(rec)
    assert list(res.summary["severity"]) == ["not compared"]
    assert res.summary["finding"].iloc[0].startswith("No usable EMG in any channel: L biceps: dead: constant")
    assert (res.channels["role"] == "dead").all() and res.info["compared"]["pairs_compared"] == 0
    path = tmp_path / "flat.h5"
    emgkit.write(rec, path)
    out = subprocess.run([sys.executable, "-m", "emgkit.cli", "analyze", str(path), "--out", str(tmp_path / "res")],
                         capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert "[NOT COMPARED] No usable EMG in any channel" in out.stdout and "[ok" not in out.stdout
    assert emgkit.load_analysis(tmp_path / "res").summary["severity"].tolist() == ["not compared"]


# -- the headline -----------------------------------------------------------------------------------------------
def test_unnamed_channels_give_no_all_clear_and_name_the_fix(tmp_path):
    """Issue #12's false all-clear: channels without a muscle in their names were not paired, yet the summary said ok."""
    sim = simulate(n_reps=4, fs=1000, muscles=("quadriceps",), sides=("L", "R"), seed=0)
    rec = emgkit.Recording(sim.data, sim.fs, ["CH1 Raw", "CH2 Raw"], unit=sim.unit)
    res = quiet(rec)
    top = scope(res)
    assert top["severity"] == "not compared" and "ok" not in set(res.summary["severity"])
    assert "Analysed 2 EMG channels (0 muscles named)" in top["finding"]
    assert '--channel "CH1 Raw=L quadriceps"' in top["finding"]
    path = tmp_path / "game.h5"
    emgkit.write(rec, path)
    out = subprocess.run([sys.executable, "-m", "emgkit.cli", "analyze", str(path), "--out", str(tmp_path / "a")],
                         capture_output=True, text=True)
    assert out.returncode == 0 and "[NOT COMPARED] Analysed 2 EMG channels" in out.stdout, out.stdout + out.stderr
    fixed = subprocess.run([sys.executable, "-m", "emgkit.cli", "analyze", str(path), "--out", str(tmp_path / "b"),
                            "--channel", "CH1 Raw=L quadriceps", "--channel", "CH2 Raw=R quadriceps"],
                           capture_output=True, text=True)
    assert fixed.returncode == 0 and "(1 muscle named): 1 of 1 left/right pair and" in fixed.stdout, fixed.stdout + fixed.stderr
    assert "[NOT COMPARED]" not in fixed.stdout


def test_scope_counts_channels_muscles_and_pairs():
    res = quiet(simulate(n_reps=4, fs=2000, seed=1))
    c = res.info["compared"]
    assert (c["channels"], c["muscles"], c["bilateral_pairs"], c["agonist_antagonist_pairs"]) == (4, 2, 2, 2)
    assert c["pairs_compared"] == 4 and scope(res)["severity"] == "info"
    assert scope(res)["finding"].startswith("Analysed 4 EMG channels (2 muscles named): 2 of 2 left/right pairs and 2 of 2")


# -- bad input --------------------------------------------------------------------------------------------------
def test_every_channel_non_emg_is_one_clear_error():
    n = 6000
    t = np.arange(n)
    trig = np.where(t % 1000 < 50, 5.0, 0.0)
    angle = 30 * np.sin(2 * np.pi * t / 2000)
    rec = emgkit.Recording(np.vstack([trig, angle]), 1000.0, ["Trigger", "Knee angle"], unit="V")
    with pytest.raises(InvalidInputError, match="no EMG channel left to analyse") as err:
        analyze(rec)
    assert "\n" not in str(err.value) and "Trigger" in str(err.value)


@pytest.mark.parametrize("args,message", [
    (["--channel", "CH9 Raw=L quadriceps"], "CH9 Raw"),
    (["--channel", "CH1 Raw=L quadriceps", "--channel", "CH1 Raw=R quadriceps"], "is given side 'L' and 'R'"),
])
def test_bad_maps_on_analyze_are_one_line(tmp_path, args, message):
    sim = simulate(n_reps=3, fs=1000, muscles=("quadriceps",), sides=("L", "R"), seed=0)
    path = tmp_path / "rec.h5"
    emgkit.write(emgkit.Recording(sim.data, sim.fs, ["CH1 Raw", "CH2 Raw"], unit=sim.unit), path)
    out = subprocess.run([sys.executable, "-m", "emgkit.cli", "analyze", str(path), "--out", str(tmp_path / "o"), *args],
                         capture_output=True, text=True)
    lines = out.stderr.strip().splitlines()
    assert out.returncode != 0 and len(lines) == 1 and lines[0].startswith("emgkit analyze: "), out.stderr
    assert message in lines[0] and "Traceback" not in out.stderr


def test_hum_notches_stream_like_the_whole_record(tmp_path):
    """Notched channels (mains and another line) give the same tables streamed in chunks as in memory."""
    from emgkit.analysis import analyze_file

    rec = simulate(n_reps=4, fs=2000, powerline_uv=100, seed=9)
    t = np.arange(rec.n_samples) / rec.fs
    data = rec.data.copy()
    data[0] += 80e-6 * np.sin(2 * np.pi * 92.0 * t)  # a non-mains line on one channel
    rec = rec.replace(data=data)
    path = tmp_path / "hum.h5"
    emgkit.write(rec, path)
    whole = quiet(rec)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        streamed = analyze_file(path, chunk_s=3.0)
    ch = whole.channels.set_index("channel")
    assert "92.0" in ch.loc["L biceps_brachii", "lines_notched_hz"] and ch.loc["L biceps_brachii", "notch_hz"] == 50
    for name in ("bilateral", "agonist_antagonist", "channels"):
        a, b = whole.tables[name], streamed.tables[name]
        num = a.select_dtypes("number").columns
        np.testing.assert_allclose(a[num].to_numpy(float), b[num].to_numpy(float), rtol=1e-6, atol=1e-9, equal_nan=True)


def test_line_detector_finds_known_lines_on_a_smooth_spectrum(rng):
    """Hand-built spectrum: a smooth EMG-like shape plus lines at 30.5 and 92 Hz (10 % and 5 % of the band power)."""
    from emgkit.analysis.hum import line_spectrum_lines

    f = np.arange(0, 500.5, 0.5)
    p = f * np.exp(-f / 60.0) * (1 + 0.1 * rng.standard_normal(f.size))
    band = (f >= 20) & (f <= 450)
    total = p[band].sum()
    p[f == 30.5] += 0.10 / 0.85 * total
    p[f == 92.0] += 0.05 / 0.85 * total
    p[f == 100.0] += 0.5 * total  # a mains harmonic: left to the mains share
    lines, share = line_spectrum_lines(f, p, 1000.0, 50.0)
    assert lines == (30.5, 92.0)
    near = band & ((np.abs(f - 30.5) <= 0.5) | (np.abs(f - 92.0) <= 0.5))  # each line with one bin either side
    assert share == pytest.approx(p[near].sum() / p[band].sum(), rel=1e-9)
    assert 0.10 < share < 0.13  # the two lines' 15 % of the EMG power, over a band that also holds the mains spike
    assert line_spectrum_lines(f, f * np.exp(-f / 60.0), 1000.0, 50.0) == ((), 0.0)  # smooth: no line


def test_a_line_a_notch_cannot_remove_leaves_the_channel_out():
    """A 92 Hz tone whose frequency wanders +-2 Hz (period 3 s) is caught as a line, notched, still there: left out."""
    rec = simulate(n_reps=4, fs=2000, seed=4)
    t = np.arange(rec.n_samples) / rec.fs
    phase = 2 * np.pi * 92.0 * t + (2.0 * 3.0) * np.sin(2 * np.pi * t / 3.0)  # FM: +-2 Hz around 92 Hz
    data = rec.data.copy()
    data[0] += 300e-6 * np.sin(phase)
    res = quiet(rec.replace(data=data))
    row = res.channels.set_index("channel").loc["L biceps_brachii"]
    assert row["role"] == "hum" and "after notching" in row["activation_reason"], row["activation_reason"]
    assert "biceps_brachii" not in set(res.bilateral["muscle"])  # its pair is not formed
    assert (res.channels.set_index("channel").loc[["L triceps_brachii", "R biceps_brachii"], "role"] == "emg").all()


def test_no_emg_message_names_a_shared_reason_once():
    """Every channel refused for the same reason (a rate too low for EMG): one reason, the fix once, all channels counted."""
    rng = np.random.default_rng(3)
    rec = emgkit.Recording(rng.normal(size=(4, 2000)), 100.0, ["L biceps", "R biceps", "L triceps", "R triceps"])
    with pytest.raises(InvalidInputError, match="no EMG channel left to analyse") as err:
        analyze(rec)
    msg = str(err.value)
    assert msg.count("too low for raw EMG") == 1 and "all 4 channels" in msg, msg
    assert msg.count("--channel") == 2 and "named biceps_brachii" not in msg, msg
