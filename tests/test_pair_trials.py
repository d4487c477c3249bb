"""Paired unilateral trials (emgkit.analyze_pair, ``emgkit analyze LEFT RIGHT --pair-trials``) and their bad input.

Truth: the left trial's working side has EMG of RMS ``A``, the right trial's ``1.2 A`` (the resting side of each
trial is noise only), so the SI of Robinson et al. (1987) is ``200 * 0.2 / 2.2`` = 18.18 %: recovered within
3 percentage points from each side's own bursts (issue #13).
"""

from __future__ import annotations

import math

import numpy as np
import pytest

import emgkit
from emgkit.analysis.pair_trials import pair_files, working_side
from emgkit.datasets import simulate
from emgkit.errors import InvalidInputError
from emgkit.recording import Recording

TRUE_SI = 200 * 0.2 / 2.2
COMMON = dict(n_reps=8, muscles=("biceps_brachii", "triceps_brachii"), noise_uv=3.0, burst_s=1.5, rest_s=2.5)


def _trial(side, amplitude=300.0, fs=1000, seed=1, **kw):
    """A unilateral trial: ``side`` works at ``amplitude`` uV RMS, the other side rests (1/1000 of it: noise only)."""
    if side == "L":
        return simulate(lr_ratio=1e-3, amplitude_uv=amplitude, fs=fs, seed=seed, **{**COMMON, **kw})
    return simulate(lr_ratio=1e3, amplitude_uv=amplitude / 1e3, fs=fs, seed=seed, **{**COMMON, **kw})


@pytest.fixture(scope="module")
def paired():
    return emgkit.analyze_pair(_trial("L", seed=1), _trial("R", 360.0, seed=2))


@pytest.mark.parametrize("metric", ["mean", "peak"])
def test_known_asymmetry_between_trials_is_recovered(paired, metric):
    b = paired.bilateral
    r = b[(b["muscle"] == "biceps_brachii") & (b["metric"] == metric)].iloc[0]
    assert abs(r["symmetry_index"] - TRUE_SI) <= 3.0, r["symmetry_index"]
    assert r["task_structure"] == "paired trials" and r["n_reps"] == 8
    assert r["left_channel"] == "L biceps_brachii" and r["right_channel"] == "R biceps_brachii"


def test_paired_analysis_says_what_it_compared(paired):
    assert paired.info["task_structure"] == "paired trials"
    pt = paired.info["paired_trials"]
    assert "left side" in pt["left_side_found"] and "right side" in pt["right_side_found"]
    assert pt["used_s"] == pytest.approx(34.0)
    assert paired.info["channels"] == ["L biceps_brachii", "L triceps_brachii", "R biceps_brachii", "R triceps_brachii"]


def test_one_unilateral_trial_alone_gives_no_si():
    b = emgkit.analyze(_trial("L")).bilateral
    assert b["symmetry_index"].isna().all() and b["flag_reason"].str.contains("--pair-trials").all()


def test_longer_trial_is_cut_with_a_note():
    a = emgkit.analyze_pair(_trial("L", seed=1), _trial("R", seed=2, n_reps=10))
    assert a.info["paired_trials"]["used_s"] == pytest.approx(34.0)
    assert any("last 8.00 s of" in n and "cut to the shorter" in n for n in a.notes), a.notes


def test_working_side_of_a_one_sided_recording():
    rec = _trial("R", seed=4)
    only_r = Recording(rec.data[2:], rec.fs, rec.channels[2:], unit=rec.unit)
    assert working_side(only_r)[0] == "R"


def test_different_rates_are_refused():
    with pytest.raises(InvalidInputError, match=r"different sampling rates .*1000 Hz.*2000 Hz.*refused, not resampled"):
        emgkit.analyze_pair(_trial("L", fs=1000), _trial("R", fs=2000))


def test_different_muscles_are_refused():
    right = simulate(lr_ratio=1e3, amplitude_uv=0.3, fs=1000, seed=2, **{**COMMON, "muscles": ("biceps_brachii", "deltoid_anterior")})
    with pytest.raises(InvalidInputError, match=r"different muscles .*only in .*\(left\): \['triceps_brachii'\].*\['deltoid_anterior'\]"):
        emgkit.analyze_pair(_trial("L"), right)


def test_both_trials_of_one_side_are_refused():
    with pytest.raises(InvalidInputError, match="both trials work the left side"):
        emgkit.analyze_pair(_trial("L", seed=1), _trial("L", seed=2))


def test_swapped_trials_are_refused_with_the_fix():
    with pytest.raises(InvalidInputError, match="works the right side .*swap"):
        emgkit.analyze_pair(_trial("R", seed=1), _trial("L", seed=2))


def test_not_a_recording_is_refused():
    with pytest.raises(InvalidInputError, match="must be a Recording or a file path, got int"):
        emgkit.analyze_pair(3, _trial("R"))


def test_pair_files_by_name():
    pairs, unpaired = pair_files(["d/sub-01_task-curl_side-L_emg.h5", "d/sub-01_task-curl_side-R_emg.h5", "a_L.csv", "a_R.csv",
                                  "b_L.csv", "c.csv", "sub-02_task-curl_side-R_emg.h5"])
    assert [(p.name, q.name) for p, q in pairs] == [("a_L.csv", "a_R.csv"),
                                                    ("sub-01_task-curl_side-L_emg.h5", "sub-01_task-curl_side-R_emg.h5")]
    reasons = {p.name: why for p, why in unpaired}
    assert reasons["c.csv"].startswith("no side in its name")
    assert "no matching right trial" in reasons["b_L.csv"]
    assert "no matching left trial" in reasons["sub-02_task-curl_side-R_emg.h5"]


def test_cli_pair_trials(tmp_path, capsys):
    from emgkit.cli import main

    left, right = tmp_path / "curl_L.h5", tmp_path / "curl_R.h5"
    emgkit.io.write(_trial("L", seed=1), left)
    emgkit.io.write(_trial("R", 360.0, seed=2), right)
    assert main(["analyze", str(left), str(right), "--pair-trials", "--out", str(tmp_path / "out"), "--quiet"]) == 0
    a = emgkit.load_analysis(tmp_path / "out")
    r = a.bilateral[(a.bilateral["muscle"] == "biceps_brachii") & (a.bilateral["metric"] == "mean")].iloc[0]
    assert abs(r["symmetry_index"] - TRUE_SI) <= 3.0 and r["task_structure"] == "paired trials"


def test_cli_second_file_needs_pair_trials(tmp_path, capsys):
    from emgkit.cli import main

    left = tmp_path / "curl_L.h5"
    emgkit.io.write(_trial("L", seed=1), left)
    code = main(["analyze", str(left), str(left), "--out", str(tmp_path / "out")])
    assert code != 0 and "read only with --pair-trials" in capsys.readouterr().err


def test_cli_task_structure_option(tmp_path):
    from emgkit.cli import main

    path = tmp_path / "sim.h5"
    emgkit.io.write(simulate(n_reps=6, fs=1000, muscles=("biceps_brachii",), lr_ratio=1.2, seed=3), path)
    assert main(["analyze", str(path), "--task-structure", "unilateral", "--out", str(tmp_path / "o"), "--quiet"]) == 0
    a = emgkit.load_analysis(tmp_path / "o")
    assert a.info["task_structure"] == "unilateral" and math.isnan(a.bilateral["symmetry_index"].iloc[0])
    assert np.all(a.bilateral["task_structure"] == "unilateral")


def test_trial_without_activity_says_so_not_swap():
    """A trial in which no left/right pair is active: the message says no side was found (swapping cannot help)."""
    rng = np.random.default_rng(5)
    quiet = Recording(rng.normal(scale=3e-6, size=(4, 20000)), 1000.0,
                      ["L biceps_brachii", "L triceps_brachii", "R biceps_brachii", "R triceps_brachii"], unit="V")
    with pytest.raises(InvalidInputError, match="cannot tell which side works") as err:
        emgkit.analyze_pair(quiet, _trial("R", 360.0, seed=2))
    assert "swap" not in str(err.value)
