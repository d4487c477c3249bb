"""analyze(): recovered imbalance on simulated recordings, table contracts, save/load, bad input, real data."""

import math
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import emgkit
from emgkit.analysis import TABLES, Analysis, analyze, load_analysis
from emgkit.cocontraction import cocontraction_index
from emgkit.datasets import simulate
from emgkit.errors import InvalidInputError, OutputExistsError, SignalQualityWarning

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "data"
GAUSS_MAV = math.sqrt(2 / math.pi)  # mean |x| / RMS of Gaussian EMG: the linear envelope's plateau per unit RMS


def _quiet(fn, *args, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SignalQualityWarning)
        return fn(*args, **kw)


def _mvc_values(rec):
    """Exact MVC references from the simulator truth: envelope plateau of each channel at level 1."""
    return {name: ch["amplitude_v"] * GAUSS_MAV for name, ch in rec.meta["truth"]["channels"].items()}


def _ideal(rec, name, n):
    """The truth activation envelope of a channel in %MVC (level x 100, raised-cosine ramps)."""
    ch = rec.meta["truth"]["channels"][name]
    env = np.zeros(n)
    t = np.arange(n) / rec.fs
    for (on, off), level in zip(ch["bursts"], ch["levels"]):
        u = np.clip(np.minimum(t - on, off - t) / ch["ramp_s"], 0, 1)
        env = np.where((t > on) & (t < off), level * 0.5 * (1 - np.cos(np.pi * u)), env)
    return 100 * env


@pytest.fixture(scope="module")
def curls():
    rec = simulate(n_reps=6, fs=2000, lr_ratio={"biceps_brachii": 1.3}, onset_delay_s={"biceps_brachii": 0.06},
                   cocontraction=0.3, snr_db=30, seed=11)
    return rec, _quiet(analyze, rec, mvc=_mvc_values(rec))


def test_tables_have_the_issue_columns(curls):
    _, res = curls
    assert isinstance(res, Analysis)
    assert {"muscle", "metric", "left", "right", "symmetry_index", "symmetry_angle", "flag"} <= set(res.bilateral.columns)
    assert {"side", "agonist", "antagonist", "cci_falconer", "cci_rudolph", "ratio", "flag"} <= set(res.agonist_antagonist.columns)
    for t in TABLES:
        assert isinstance(getattr(res, t), pd.DataFrame), t
    assert {"threshold", "source"} <= set(res.bilateral.columns)
    flagged = res.bilateral[res.bilateral["flag"].isin(["flag", "notice"])]
    assert (flagged["source"].str.len() > 0).all() and (flagged["threshold"].str.len() > 0).all()
    assert list(res.summary["rank"]) == list(range(1, len(res.summary) + 1))


def test_recovers_cycles_and_timing(curls):
    rec, res = curls
    assert res.info["n_cycles"] == 6
    onset = res.timing.query("comparison == 'left_right' and muscle == 'biceps_brachii' and metric == 'onset'").iloc[0]
    assert onset["mean_ms"] == pytest.approx(60, abs=15)
    assert onset["ci_low_ms"] > 20 and onset["flag"] == "flag"
    tri = res.timing.query("comparison == 'left_right' and muscle == 'triceps_brachii' and metric == 'onset'").iloc[0]
    assert abs(tri["mean_ms"]) < 25


def test_mvc_normalized_amplitudes_and_cocontraction(curls):
    rec, res = curls
    b = res.bilateral.query("muscle == 'biceps_brachii' and metric == 'mean'").iloc[0]
    # normalized to each side's own MVC, the 1.3 amplitude ratio (a gain-like difference) disappears
    assert b["unit"] == "%MVC" and abs(b["symmetry_index"]) < 5 and b["flag"] == "ok"
    cyc = res.cycles[res.cycles["kept"]]
    for row in res.agonist_antagonist.itertuples():
        expected_f, expected_r = [], []
        for a, e in zip(cyc["start_s"], cyc["stop_s"]):
            s = slice(int(round(a * rec.fs)), int(round(e * rec.fs)))
            A, B = _ideal(rec, row.agonist, rec.n_samples)[s], _ideal(rec, row.antagonist, rec.n_samples)[s]
            expected_f.append(cocontraction_index(A, B))
            expected_r.append(cocontraction_index(A, B, "rudolph"))
        assert row.cci_falconer == pytest.approx(np.mean(expected_f), abs=6)
        assert row.cci_rudolph == pytest.approx(np.mean(expected_r), abs=4)


def test_raw_amplitude_ratio_without_normalization():
    rec = simulate(n_reps=5, fs=2000, lr_ratio={"biceps_brachii": 1.3}, snr_db=30, seed=12)
    res = _quiet(analyze, rec)
    b = res.bilateral.query("muscle == 'biceps_brachii' and metric == 'mean'").iloc[0]
    assert b["symmetry_index"] == pytest.approx(0.3 / 1.15 * 100, abs=4)
    assert b["flag"] == "flag" and "indicative only" in b["note"]
    assert any("not normalized" in n for n in res.notes)
    top = res.summary.iloc[1]  # row 1 says what was compared (scope)
    assert res.summary.iloc[0]["category"] == "scope"
    assert top["severity"] == "flag" and "biceps brachii" in top["finding"] and "right side" in top["finding"]


def test_save_and_load_identically(curls, tmp_path):
    _, res = curls
    folder = res.save(tmp_path / "out")
    for name in TABLES:
        assert (folder / f"{name}.csv").is_file()
    assert (folder / "analysis.h5").is_file() and (folder / "config.toml").is_file()
    back = load_analysis(folder)
    for name in TABLES:
        pd.testing.assert_frame_equal(getattr(back, name), getattr(res, name), check_exact=True)
    assert back.config == res.config and back.info == res.info and back.notes == res.notes
    assert load_analysis(folder / "analysis.h5").bilateral.equals(res.bilateral)
    with pytest.raises(OutputExistsError, match="overwrite=True"):
        res.save(folder)
    res.save(folder, overwrite=True)
    csv = pd.read_csv(folder / "bilateral.csv")
    assert list(csv.columns) == list(res.bilateral.columns)


def test_missing_partner_is_reported():
    rec = simulate(n_reps=3, fs=1000, seed=3).select(["L biceps_brachii", "R biceps_brachii", "L triceps_brachii"])
    res = _quiet(analyze, rec)
    unp = res.pairing.query("status == 'unpaired'")
    assert "no right-side channel of triceps_brachii" in " ".join(unp["reason"])
    assert set(res.bilateral["muscle"]) == {"biceps_brachii"}
    assert list(res.agonist_antagonist["side"]) == ["L"]


def test_both_sides_silent_gives_nan_with_reason():
    rec = simulate(n_reps=3, fs=1000, cocontraction=0.0, seed=4)  # triceps silent on both sides
    res = _quiet(analyze, rec)
    tri = res.bilateral.query("muscle == 'triceps_brachii' and metric == 'mean'").iloc[0]
    assert math.isnan(tri["symmetry_index"]) and "not compared: no activity" in tri["flag_reason"]
    assert "no bursts" in tri["flag_reason"] and tri["flag"] == ""
    assert tri["flag"] == ""


def test_different_gains_without_normalization_warn():
    rec = simulate(n_reps=3, fs=1000, seed=5)
    data = rec.data.copy()
    data[rec.index("R biceps_brachii")] *= 4.0  # an amplifier with 4x the gain on the right
    rec = rec.replace(data=data)
    with pytest.warns(SignalQualityWarning, match="different amplifier gains"):
        res = analyze(rec)
    assert any("baseline noise differs" in n for n in res.notes)


def test_mvc_recording_at_another_rate_is_resampled_or_refused():
    rec = simulate(n_reps=3, fs=2000, seed=6)
    mvc = simulate(n_reps=1, burst_s=3.0, fs=1000, agonists=["biceps_brachii", "triceps_brachii"], seed=7)
    res = _quiet(analyze, rec, mvc=mvc)
    assert any("resampled from 1000 to 2000 Hz" in n for n in res.notes)
    assert (res.channels.query("role == 'emg'")["reference_source"].str.startswith("MVC")).all()
    with pytest.raises(InvalidInputError, match="sampled at 1000 Hz and the task at 2000 Hz"):
        _quiet(analyze, rec, mvc=mvc, config={"normalization": {"resample_mvc": False}})
    with pytest.raises(InvalidInputError, match="needs mvc="):
        analyze(rec, config={"normalization": {"method": "mvc"}})
    with pytest.raises(InvalidInputError, match="no value for channel"):
        analyze(rec, mvc={"L biceps_brachii": 1.0})


def test_task_normalization_refuses_amplitude_si():
    rec = simulate(n_reps=3, fs=1000, lr_ratio={"biceps_brachii": 1.5}, seed=8)
    res = _quiet(analyze, rec, config={"normalization": {"method": "peak"}})
    amp = res.bilateral[res.bilateral["metric"].isin(["mean", "peak"])]
    assert amp["symmetry_index"].isna().all()
    assert amp["flag_reason"].str.contains("erases left/right amplitude").all()
    assert res.timing["mean_ms"].notna().any()  # timing kept


def test_no_repetitions_whole_record():
    rec = simulate(muscles=["biceps_brachii", "triceps_brachii"], schedule=[(1.0, 9.0)], fs=1000, seed=9)
    res = _quiet(analyze, rec)
    assert res.info["n_cycles"] == 0 and res.cycles["kept"].sum() == 0
    assert any("no repetitions found" in n for n in res.notes)
    b = res.bilateral.query("metric == 'mean'")
    assert (b["n_reps"] == 1).all() and b["si_sd"].isna().all()
    assert res.ensembles.empty


def test_explicit_pairs_and_exclusion():
    rec = simulate(n_reps=3, fs=1000, seed=10)
    res = _quiet(analyze, rec, pairs=[("R biceps_brachii", "L biceps_brachii"), ("R biceps_brachii", "R triceps_brachii")],
                 config={"pairs": {"auto": False, "exclude": ["L triceps_brachii"]}})
    assert set(zip(res.bilateral["left_channel"], res.bilateral["right_channel"])) == {("L biceps_brachii", "R biceps_brachii")}
    assert list(zip(res.agonist_antagonist["agonist"], res.agonist_antagonist["antagonist"])) == [("R biceps_brachii", "R triceps_brachii")]
    assert res.pairing.query("status == 'excluded'")["channel_a"].tolist() == ["L triceps_brachii"]
    assert "L triceps_brachii" not in set(res.fatigue["channel"])
    with pytest.raises(InvalidInputError, match="crosses sides"):
        analyze(rec, pairs={"agonist_antagonist": [("L biceps_brachii", "R triceps_brachii")]})
    with pytest.raises(InvalidInputError, match="excluded by the configuration"):
        analyze(rec, pairs=[("L triceps_brachii", "L biceps_brachii")], config={"pairs": {"exclude": ["L triceps_brachii"]}})
    with pytest.raises(InvalidInputError, match="not a channel"):
        analyze(rec, pairs=[("L biceps", "R biceps_brachii")])
    with pytest.raises(InvalidInputError, match="needs a Recording"):
        analyze(rec.data)


def test_trigger_channel_segments_cycles():
    rec = simulate(n_reps=4, fs=1000, seed=13)
    trig = np.zeros(rec.n_samples)
    for on, off in rec.meta["truth"]["schedule"]["bursts"]:
        trig[int((on - 0.5) * rec.fs):int(off * rec.fs)] = 5.0
    data = np.vstack([rec.data, trig[None]])
    rec2 = emgkit.Recording(data, rec.fs, [*rec.channels, emgkit.Channel("Trigger")], meta={k: v for k, v in rec.meta.items()})
    res = _quiet(analyze, rec2, config={"cycles": {"trigger_channel": "Trigger", "source": "trigger"}})
    assert res.info["cycles_source"].startswith("trigger") and res.info["n_cycles"] == 3
    starts = res.cycles.query("kept")["start_s"].to_numpy()
    assert np.allclose(starts, [on - 0.5 for on, _ in rec.meta["truth"]["schedule"]["bursts"][:3]], atol=0.01)
    assert "Trigger" not in set(res.fatigue["channel"])


def test_meta_events_segment_cycles():
    rec = simulate(n_reps=4, fs=1000, seed=14)
    rec.meta["events"] = {"rep_start": [on - 0.5 for on, _ in rec.meta["truth"]["schedule"]["bursts"]]}
    res = _quiet(analyze, rec)
    assert res.info["cycles_source"] == "events 'rep_start'" and res.info["n_cycles"] == 3


def test_cli_analyze_and_config_show(tmp_path, capsys):
    import argparse

    from emgkit.analysis_cli import add_analyze_parser, add_config_parser

    rec = simulate(n_reps=3, fs=1000, seed=15)
    path = emgkit.write(rec, tmp_path / "rec.h5")
    parser = argparse.ArgumentParser(prog="emgkit")
    sub = parser.add_subparsers(dest="command")
    add_analyze_parser(sub)
    add_config_parser(sub)
    args = parser.parse_args(["analyze", str(path), "--out", str(tmp_path / "res")])
    assert args.func(args) == 0
    out = capsys.readouterr().out
    assert "tables written to" in out and "1." in out
    assert load_analysis(tmp_path / "res").info["n_channels"] == 4
    args = parser.parse_args(["config", "--show"])
    assert args.func(args) == 0
    assert "[flags]" in capsys.readouterr().out


# -- real recordings (regression, skipped without ../shared/data) ----------------------------------
def _shared(sub):
    path = SHARED / sub
    if not path.exists():
        pytest.skip(f"real recordings not available: {path} is missing")
    return path


def test_uci_physical_action_end_to_end():
    from emgkit.datasets import read_uci_physical_action

    rec = read_uci_physical_action(_shared("uci_physical_action/sub01/Normal/txt/Waving.txt"))
    res = _quiet(analyze, rec)
    assert set(res.bilateral["muscle"]) == {"biceps_brachii", "triceps_brachii", "quadriceps", "hamstrings"}
    assert len(res.agonist_antagonist) == 4 and res.info["n_cycles"] >= 5
    arm = res.bilateral.query("muscle == 'biceps_brachii' and metric == 'mean'").iloc[0]
    assert arm["right"] > arm["left"] > 0  # the right arm waves
    assert (res.bilateral.query("metric != 'mdf_slope_pct_per_min'")["symmetry_index"].dropna().abs() <= 200).all()
    # one arm waves, the other rests: a unilateral task, so no left/right SI at all (issue #13)
    assert res.info["task_structure"] == "unilateral" and res.bilateral["symmetry_index"].isna().all()
    assert (res.agonist_antagonist["cci_falconer"].dropna().between(0, 100)).all()

    run = read_uci_physical_action(_shared("uci_physical_action/sub01/Normal/txt/Running.txt"))
    res = _quiet(analyze, run)
    legs = res.bilateral.query("muscle == 'quadriceps' and metric == 'mean'").iloc[0]
    assert math.isnan(legs["symmetry_index"]) and "clipped" in legs["flag_reason"]  # 70 % clipped: never silently analysed
    assert any("clipped" in n for n in res.notes)


def test_uci_lower_limb_knee_pairs():
    from emgkit.datasets import read_uci_lower_limb

    rec = read_uci_lower_limb(_shared("uci_lower_limb/1Nsen.txt"))
    res = _quiet(analyze, rec, config={"cycles": {"trigger_channel": "knee_angle", "source": "trigger",
                                                     "trigger_mode": "maxima", "refractory_s": 1.0}})
    pairs = set(zip(res.agonist_antagonist["agonist_muscle"], res.agonist_antagonist["antagonist_muscle"]))
    assert pairs == {("rectus_femoris", "biceps_femoris"), ("rectus_femoris", "semitendinosus"),
                     ("vastus_medialis", "biceps_femoris"), ("vastus_medialis", "semitendinosus")}
    assert res.bilateral.empty and (res.pairing.query("kind == 'bilateral'")["reason"].str.contains("no side")).all()
    assert res.agonist_antagonist["cci_falconer"].between(0, 100).all()
    assert res.info["cycles_source"].startswith("trigger 'knee_angle'")
