"""``emgkit batch --pair-trials``: unilateral trials paired by file name, each pair compared as the two sides (issue #13).

Truth (as tests/test_pair_trials.py): the left trial's working side has EMG of RMS ``A``, the right trial's ``1.2 A``
(every muscle, the resting side of each trial is noise only), so the SI of Robinson et al. (1987) is
``200 * 0.2 / 2.2`` = 18.18 % for each muscle: recovered within 3 percentage points by the mean and RMS metrics
of the pair's results and the batch summary.  The batch also holds a pair with different muscles (refused by
the analysis) and a file without a partner; neither stops it, both are listed with their reason.
"""

from __future__ import annotations

import math
import shutil

import numpy as np
import pandas as pd
import pytest

import emgkit
from emgkit.batch.cli import EXIT_FAILED, EXIT_USAGE, main
from emgkit.batch.discovery import Job
from emgkit.batch.pairing import pair_jobs
from emgkit.batch.runner import run_batch
from emgkit.batch.summary import AMPLITUDE_METRICS, read_summary
from emgkit.datasets import simulate
from emgkit.errors import InvalidInputError
from emgkit.recording import Recording

TRUE_SI = 200 * 0.2 / 2.2
COMMON = dict(n_reps=8, muscles=("biceps_brachii", "triceps_brachii"), noise_uv=3.0, burst_s=1.5, rest_s=2.5)
GOOD = "s1/sub-01_task-curl_side-LR_emg"  # the pair's name: its row and its results folder
GOOD_FILES = ("s1/sub-01_task-curl_side-L_emg.h5", "s1/sub-01_task-curl_side-R_emg.h5")


def _trial(side, amplitude=300.0, seed=1, fs=1000, **kw):
    """A unilateral trial: ``side`` works at ``amplitude`` uV RMS, the other side rests (1/1000 of it: noise only)."""
    if side == "L":
        return simulate(lr_ratio=1e-3, amplitude_uv=amplitude, fs=fs, seed=seed, **{**COMMON, **kw})
    return simulate(lr_ratio=1e3, amplitude_uv=amplitude / 1e3, fs=fs, seed=seed, **{**COMMON, **kw})


def _left_only(rec):
    """The trial's left-side channels alone (a trial that records only the side it works)."""
    rows = [k for k, ch in enumerate(rec.channels) if ch.side == "L"]
    return Recording(rec.data[rows], rec.fs, [rec.channels[k] for k in rows], unit=rec.unit)


def _write(path, rec):
    path.parent.mkdir(parents=True, exist_ok=True)
    emgkit.write(rec, path, overwrite=True)


@pytest.fixture(scope="module")
def batch(tmp_path_factory):
    """A good pair (BIDS-like names), pairs with different muscles, different rates and one side twice, a left trial
    without its right one."""
    root = tmp_path_factory.mktemp("pairs")
    data = root / "data"
    _write(data / GOOD_FILES[0], _trial("L", seed=1))
    _write(data / GOOD_FILES[1], _trial("R", 360.0, seed=2))
    _write(data / "s1" / "kick_L.h5", _trial("L", seed=3))
    _write(data / "s1" / "kick_R.h5", _trial("R", seed=4, muscles=("biceps_brachii", "deltoid_anterior")))
    _write(data / "s2" / "wave_L.h5", _trial("L", seed=5))
    _write(data / "s3" / "jump_L.h5", _trial("L", seed=6, n_reps=3))
    _write(data / "s3" / "jump_R.h5", _trial("R", seed=7, n_reps=3, fs=2000))
    _write(data / "s3" / "hop_L.h5", _left_only(_trial("L", seed=8, n_reps=3)))
    _write(data / "s3" / "hop_R.h5", _left_only(_trial("L", seed=9, n_reps=3)))  # named right, records the left side
    out = root / "out"
    code = main([str(data), "--out", str(out), "--pair-trials", "--workers", "2", "--quiet"])
    return {"root": root, "data": data, "out": out, "code": code}


def test_pair_recovers_the_known_asymmetry(batch):
    a = emgkit.load_analysis(batch["out"] / GOOD)
    assert a.info["task_structure"] == "paired trials"
    assert a.info["paired_trials"]["left"] == GOOD_FILES[0] and a.info["paired_trials"]["right"] == GOOD_FILES[1]
    b = a.bilateral
    for muscle in COMMON["muscles"]:
        for metric in ("mean", "rms"):
            si = b[(b["muscle"] == muscle) & (b["metric"] == metric)]["symmetry_index"].iloc[0]
            assert abs(si - TRUE_SI) <= 3.0, (muscle, metric, si)
    metrics = read_summary(batch["out"])["metrics"]
    mine = metrics[(metrics["recording"] == GOOD) & (metrics["kind"] == "si")]
    for r in mine.itertuples():  # the summary's tidy metrics are the pair's own table
        row = b[(b["muscle"] == r.subject) & (b["metric"] == r.metric)]
        assert r.value == row["symmetry_index"].iloc[0]
    assert len(mine) == 2 * len(AMPLITUDE_METRICS)


def test_summary_row_of_a_pair(batch):
    s = pd.read_csv(batch["out"] / "summary.csv", keep_default_na=False, na_values=[""])
    assert list(s.columns[:4]) == ["recording", "status", "left_file", "right_file"]
    row = s.set_index("recording").loc[GOOD]
    assert row["status"] == "ok" and (row["left_file"], row["right_file"]) == GOOD_FILES
    assert row["task"] == "curl"  # from the task entity of the names (the files do not store one)
    a = emgkit.load_analysis(batch["out"] / GOOD)
    amp = a.bilateral[a.bilateral["metric"].isin(AMPLITUDE_METRICS)]
    for muscle, group in amp.groupby("muscle"):
        assert row[f"max_abs_si.{muscle}"] == np.nanmax(np.abs(group["symmetry_index"]))
    top = amp.loc[amp["symmetry_index"].abs().idxmax()]
    assert row["si_at_max"] == top["symmetry_index"] > 0 and row["dominant_side"] == "right"
    severity = set(a.summary["severity"])
    assert row["headline"] == next(level for level in ("not compared", "flag", "notice", "ok") if level in severity)
    assert row["pairs_compared"] == a.info["compared"]["pairs_compared"] > 0
    assert row["report"] == f"{GOOD}/report.html" and (batch["out"] / GOOD / "report.html").is_file()
    assert "sub-01_task-curl_side-L_emg.h5 + sub-01_task-curl_side-R_emg.h5" in (batch["out"] / GOOD / "report.html").read_text(encoding="utf-8")


def test_unpaired_file_and_refused_pair_are_listed_not_fatal(batch):
    out = batch["out"]
    assert batch["code"] == EXIT_FAILED
    f = pd.read_csv(out / "failures.csv", keep_default_na=False).set_index("recording")
    assert sorted(f.index) == ["s1/kick_LR", "s2/wave_L.h5", "s3/hop_LR", "s3/jump_LR"]
    bad = f.loc["s1/kick_LR"]
    assert (bad["step"], bad["error_type"]) == ("analyze", "InvalidInputError")
    assert "different muscles" in bad["message"] and "s1/kick_L.h5 (left): ['triceps_brachii']" in bad["message"]
    assert bad["input"] == f"{(batch['data'] / 's1/kick_L.h5').resolve()} | {(batch['data'] / 's1/kick_R.h5').resolve()}"
    rates = f.loc["s3/jump_LR"]
    assert rates["step"] == "analyze" and "different sampling rates (s3/jump_L.h5: 1000 Hz, s3/jump_R.h5: 2000 Hz)" in rates["message"]
    assert "not resampled" in rates["message"]
    one_side = f.loc["s3/hop_LR"]
    assert one_side["step"] == "analyze" and "both trials work the left side" in one_side["message"]
    assert "s3/hop_L.h5: it records only the left side" in one_side["message"]
    alone = f.loc["s2/wave_L.h5"]
    assert (alone["step"], alone["error_type"]) == ("pair", "UnpairedTrial")
    assert "no matching right trial" in alone["message"] and "without --pair-trials" in alone["message"]
    s = pd.read_csv(out / "summary.csv", keep_default_na=False).set_index("recording")
    assert dict(s["status"]) == {GOOD: "ok", **dict.fromkeys(["s1/kick_LR", "s2/wave_L.h5", "s3/hop_LR", "s3/jump_LR"], "failed")}
    assert (s.loc["s1/kick_LR", "left_file"], s.loc["s1/kick_LR", "right_file"]) == ("s1/kick_L.h5", "s1/kick_R.h5")
    assert s.loc["s2/wave_L.h5", "error"].startswith("UnpairedTrial at pair: not paired")
    for gone in ("s1/kick_LR", "s3/hop_LR", "s3/jump_LR", "s2"):  # an unpaired file gets no folder at all
        assert not (out / gone).exists(), gone  # nothing that could look like a result
    assert sorted(p.name for p in (out / "s1").iterdir()) == [GOOD.split("/")[1]]  # no folder per trial


def test_rerun_skips_finished_pairs_and_redoes_a_changed_one(batch, tmp_path):
    data, out = tmp_path / "data", tmp_path / "out"  # a copy: the module's batch stays as it was
    shutil.copytree(batch["data"], data)
    shutil.copytree(batch["out"], out)
    folder = out / GOOD
    stamps = {p.name: p.stat().st_mtime_ns for p in folder.iterdir()}
    before = (out / "summary.csv").read_text(encoding="utf-8")
    again = run_batch([data], out, pair_trials=True, workers=1)
    status = {r["relpath"]: r["status"] for r in again.results}
    assert status == {GOOD: "skipped", **dict.fromkeys(["s1/kick_LR", "s2/wave_L.h5", "s3/hop_LR", "s3/jump_LR"], "failed")}
    assert {p.name: p.stat().st_mtime_ns for p in folder.iterdir()} == stamps
    assert (out / "summary.csv").read_text(encoding="utf-8") == before
    _write(data / GOOD_FILES[1], _trial("R", 300.0, seed=2))  # the right trial changes: now no asymmetry
    third = run_batch([data], out, pair_trials=True, workers=1)
    assert {r["relpath"]: r["status"] for r in third.results}[GOOD] == "ok"
    b = emgkit.load_analysis(folder).bilateral
    si = b[(b["muscle"] == "biceps_brachii") & (b["metric"] == "mean")]["symmetry_index"].iloc[0]
    assert abs(si) <= 3.0, si


def test_pairs_are_named_per_folder_and_never_leave_the_output(tmp_path):
    jobs = [Job(r, f"/d/{r}") for r in ("a/x_L.h5", "b/x_R.h5", "c/y_L.h5", "c/y_R.edf", "c/y.h5", "z_side-L_emg.h5",
                                        "z_side-R_emg.h5")]
    pairs, unpaired = pair_jobs(jobs)
    assert [(p.relpath, p.left_file, p.right_file) for p in pairs] == [
        ("c/y_LR", "c/y_L.h5", "c/y_R.edf"), ("z_side-LR_emg", "z_side-L_emg.h5", "z_side-R_emg.h5")]
    assert pairs[0].path == "/d/c/y_L.h5" and pairs[0].right_path == "/d/c/y_R.edf"
    reasons = {j.relpath: why for j, why in unpaired}
    assert set(reasons) == {"a/x_L.h5", "b/x_R.h5", "c/y.h5"}  # trials of different folders are not a pair
    assert "no matching right trial" in reasons["a/x_L.h5"] and reasons["c/y.h5"].startswith("no side in its name")
    with pytest.raises(InvalidInputError, match="share the results folder 'q_LR'"):
        pair_jobs([Job("q_L.h5", "/d/q_L.h5"), Job("q_R.h5", "/d/q_R.h5"), Job("q_LR", "/d/q_LR")])
    # a pair's folder is the input folder's: a name cannot climb out of the output folder
    from emgkit.batch.discovery import output_folder

    assert output_folder(tmp_path, pairs[0].relpath) == (tmp_path / "c" / "y_LR").resolve()


def test_stream_on_with_pairs_is_a_usage_error(tmp_path, capsys):
    _write(tmp_path / "d" / "a_L.h5", _trial("L", seed=6, n_reps=2))
    with pytest.raises(InvalidInputError, match="read whole"):
        run_batch([tmp_path / "d"], tmp_path / "o", pair_trials=True, stream="on")
    assert main([str(tmp_path / "d"), "--out", str(tmp_path / "o"), "--pair-trials", "--stream", "on"]) == EXIT_USAGE
    assert "--stream on does not apply to --pair-trials" in capsys.readouterr().err
    assert not (tmp_path / "o").exists()


def test_pairs_on_dask_equal_the_local_run(batch, tmp_path):
    distributed = pytest.importorskip("distributed", reason="the Dask path needs 'distributed' (pip install 'emgkit[distributed]')")
    data = tmp_path / "data"
    shutil.copytree(batch["data"] / "s1", data / "s1", ignore=shutil.ignore_patterns("kick_*"))
    with distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=False, dashboard_address=None) as cluster:
        result = run_batch([data], tmp_path / "out", scheduler=cluster.scheduler_address, pair_trials=True)
    assert [(r["relpath"], r["status"]) for r in result.results] == [(GOOD, "ok")]
    for name in ("bilateral.csv", "summary.csv", "agonist_antagonist.csv"):
        assert (tmp_path / "out" / GOOD / name).read_text(encoding="utf-8") == (batch["out"] / GOOD / name).read_text(encoding="utf-8")
    assert not math.isnan(result.summary.set_index("recording").loc[GOOD, "max_abs_si"])
