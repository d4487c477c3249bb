"""emgkit batch: discovery, manifests, progress, summary, the command (local pool), kill-and-resume, Dask."""

import io
import json
import math
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import h5py
import numpy as np
import pandas as pd
import pytest

import emgkit
from emgkit.batch.cli import EXIT_FAILED, EXIT_INTERRUPTED, EXIT_OK, EXIT_USAGE, main
from emgkit.batch.discovery import discover, output_folder
from emgkit.batch.manifest import MANIFEST_NAME, clear_stale, file_sha256, is_current, write_manifest
from emgkit.batch.progress import Progress, format_duration
from emgkit.batch.runner import BatchResult, LocalRunner, numba_threads_per_worker, run_batch
from emgkit.batch.summary import build_summary, read_summary, recording_rows
from emgkit.batch.summary_report import summary_page
from emgkit.config import load_config
from emgkit.datasets import simulate
from emgkit.errors import InvalidInputError

TABLE_FILES = ("summary.csv", "bilateral.csv", "agonist_antagonist.csv", "timing.csv", "fatigue.csv", "channels.csv")


def _write_sim(path, seed, **kw):
    path.parent.mkdir(parents=True, exist_ok=True)
    emgkit.write(simulate(duration_s=8, fs=1000, seed=seed, **kw), path, overwrite=True)
    return path


def _csv_texts(out):
    """Every CSV of a batch output folder (relative path -> text), and the summary page's table."""
    return {p.relative_to(out).as_posix(): p.read_text(encoding="utf-8") for p in sorted(Path(out).rglob("*.csv"))}


# -- discovery --------------------------------------------------------------------------------------
def test_discover_folders_files_globs_and_patterns(tmp_path):
    for rel in ("a/x.h5", "a/sub/y.hdf5", "a/.hidden/z.h5", "a/.tmp.h5", "a/notes.txt", "a/t.csv", "b/x.h5"):
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_bytes(b"x")
    jobs = discover([str(tmp_path / "a")])
    assert [j.relpath for j in jobs] == ["sub/y.hdf5", "x.h5"]
    assert jobs[1].path == str((tmp_path / "a" / "x.h5").resolve())
    assert [j.relpath for j in discover([str(tmp_path / "a")], pattern="*.csv")] == ["t.csv"]
    assert [j.relpath for j in discover([str(tmp_path / "a" / "notes.txt")])] == ["notes.txt"]  # named files are always taken
    assert [j.relpath for j in discover([str(tmp_path / "*" / "x.h5")])] == ["a/x.h5", "b/x.h5"]
    assert [j.relpath for j in discover([str(tmp_path / "a" / "**" / "*.h*5")])] == ["sub/y.hdf5", "x.h5"]
    # the same file twice is one job; two files with one relative path collide
    assert len(discover([str(tmp_path / "a"), str(tmp_path / "a" / "x.h5")])) == 2
    with pytest.raises(InvalidInputError, match="share the relative path 'x.h5'"):
        discover([str(tmp_path / "a"), str(tmp_path / "b")])
    with pytest.raises(InvalidInputError, match="does not exist"):
        discover([str(tmp_path / "nope")])
    with pytest.raises(InvalidInputError, match="matches no file"):
        discover([str(tmp_path / "*.edf")])


def test_discover_skips_the_output_folder_inside_an_input(tmp_path):
    (tmp_path / "x.h5").write_bytes(b"x")
    (tmp_path / "results" / "x.h5").mkdir(parents=True)
    (tmp_path / "results" / "x.h5" / "analysis.h5").write_bytes(b"x")
    assert [j.relpath for j in discover([str(tmp_path)], out=tmp_path / "results")] == ["x.h5"]
    assert len(discover([str(tmp_path)])) == 2


def test_output_folder_never_leaves_the_output(tmp_path):
    out = tmp_path / "out"
    assert output_folder(out, "s1/a.h5") == (out / "s1" / "a.h5").resolve()
    for bad in ("../a.h5", "s1/../../a.h5", "/etc/passwd", "", "a\\..\\b"):
        with pytest.raises(InvalidInputError, match="outside|refusing"):
            output_folder(out, bad)
    (out).mkdir()
    (tmp_path / "elsewhere").mkdir()
    (out / "link").symlink_to(tmp_path / "elsewhere")
    with pytest.raises(InvalidInputError, match="outside"):
        output_folder(out, "link/a.h5")


# -- manifest ---------------------------------------------------------------------------------------
def test_manifest_marks_complete_current_results(tmp_path):
    src = tmp_path / "in.bin"
    src.write_bytes(b"abc" * 1000)
    folder = tmp_path / "res"
    folder.mkdir()
    (folder / "analysis.h5").write_bytes(b"12345")
    (folder / "report.html").write_text("<html>")
    import hashlib

    assert file_sha256(src) == hashlib.sha256(b"abc" * 1000).hexdigest()
    assert not is_current(folder, src, "cfg1")  # no manifest yet
    write_manifest(folder, relpath="in.bin", input_sha256=file_sha256(src), input_bytes=3000, config_digest="cfg1",
                   outputs=["analysis.h5", "report.html"])
    assert is_current(folder, src, "cfg1")
    assert not is_current(folder, src, "cfg2")  # another configuration
    src.write_bytes(b"abd" * 1000)  # same size, other content
    assert not is_current(folder, src, "cfg1")
    src.write_bytes(b"abc" * 1000)
    (folder / "report.html").write_text("<html>changed")  # an output replaced or truncated
    assert not is_current(folder, src, "cfg1")
    (folder / "report.html").write_text("<html>")
    assert is_current(folder, src, "cfg1")
    doc = json.loads((folder / MANIFEST_NAME).read_text())
    doc["emgkit_version"] = "0.0.0"
    (folder / MANIFEST_NAME).write_text(json.dumps(doc))
    assert not is_current(folder, src, "cfg1")  # another emgkit version
    # redoing: earlier outputs, the manifest and stale temporaries go
    write_manifest(folder, relpath="in.bin", input_sha256=file_sha256(src), input_bytes=3000, config_digest="cfg1",
                   outputs=["analysis.h5", "report.html"])
    (folder / ".bilateral.csv.tmp-1234abcd").write_text("partial")
    (folder / "keep.txt").write_text("not ours")
    clear_stale(folder)
    assert sorted(p.name for p in folder.iterdir()) == ["keep.txt"]


def test_numba_threads_share_the_cores():
    assert numba_threads_per_worker(1, cores=8) == 8
    assert numba_threads_per_worker(3, cores=8) == 2
    assert numba_threads_per_worker(16, cores=8) == 1
    import numba

    runner = LocalRunner(2)  # the worker initializer sets each worker's share
    try:
        assert runner._pool.submit(numba.get_num_threads).result(timeout=60) == max(1, min(os.cpu_count() // 2, numba.config.NUMBA_NUM_THREADS))
    finally:
        runner.close()


# -- progress -------------------------------------------------------------------------------------
class _Clock:
    def __init__(self):
        self.t = 100.0

    def __call__(self):
        return self.t


def _res(name, status="ok", nbytes=2_000_000, **kw):
    return {"relpath": name, "path": "/x/" + name, "status": status, "step": kw.get("step", ""), "error_type": kw.get("error_type", ""),
            "message": kw.get("message", ""), "seconds": 1.5, "bytes": nbytes}


def test_progress_log_lines_rates_and_eta():
    clock, stream = _Clock(), io.StringIO()
    p = Progress(stream, clock=clock)
    assert not p.bar  # StringIO is not a terminal
    p.start(10, 1)
    p.update(_res("a.h5", "skipped", 0))
    clock.t += 30
    p.update(_res("b.h5"))
    clock.t += 30
    p.update(_res("c.h5"))
    # 2 files in 60 s = 2 files/min, 4 MB / 60 s, 7 left at 2/min = 210 s
    files_min, mb_s, eta = p.rates()
    assert files_min == pytest.approx(2.0) and mb_s == pytest.approx(4 / 60) and eta == pytest.approx(210.0)
    p.update(_res("d.h5", "failed", step="read", error_type="FileFormatError", message="not HDF5"))
    lines = stream.getvalue().splitlines()
    assert lines[0] == "10 recordings found: 9 to analyse, 1 already done (use --force to redo them)"
    assert lines[1].startswith("[2/10] ok b.h5 (1.5 s)")
    assert "2.0 files/min, 0.07 MB/s, ETA 3:30" in lines[2]
    assert lines[3] == "[4/10] FAILED d.h5: FileFormatError at read: not HDF5"
    assert "\r" not in stream.getvalue()
    batch = BatchResult(out=Path("OUT"), results=[_res("a.h5", "skipped"), _res("b.h5"), _res("d.h5", "failed", step="read")])
    p.finish(batch)
    assert "done in 1:00: 1 analysed, 1 skipped, 1 failed" in stream.getvalue()
    assert "1 failure listed in OUT/failures.csv" in stream.getvalue()


def test_progress_bar_on_a_terminal_and_quiet():
    clock, stream = _Clock(), io.StringIO()
    p = Progress(stream, clock=clock, bar=True)
    p.start(4, 0)
    clock.t += 60
    p.update(_res("s1/a.h5"))
    out = stream.getvalue()
    assert "\r\x1b[2K[#####...............] 1/4 files  1.0 files/min, 0.03 MB/s, ETA 3:00" in out and out.rstrip().endswith("s1/a.h5")
    assert "ok s1/a.h5" not in out  # the bar replaces the per-file lines
    quiet = io.StringIO()
    q = Progress(quiet, verbosity=0, clock=clock)
    q.start(2, 0)
    q.update(_res("a.h5"))
    q.update(_res("b.h5", "failed", step="analyze", error_type="InvalidInputError", message="no EMG channel"))
    q.finish(BatchResult(out=Path("O"), results=[_res("a.h5"), _res("b.h5", "failed", step="analyze", error_type="InvalidInputError",
                                                                   message="no EMG channel")]))
    assert quiet.getvalue() == "FAILED b.h5: InvalidInputError at analyze: no EMG channel\n"
    assert format_duration(3725) == "1:02:05" and format_duration(None) == "--:--"


# -- summary tables and page ------------------------------------------------------------------------
def _tables(si, cci, severities):
    bil = pd.DataFrame({"muscle": [m for m, _, _ in si], "metric": [k for _, k, _ in si], "symmetry_index": [v for _, _, v in si]})
    aa = pd.DataFrame({"side": [s for s, _ in cci], "agonist_muscle": ["biceps"] * len(cci), "antagonist_muscle": ["triceps"] * len(cci),
                       "cci_falconer": [v for _, v in cci]})
    return {"bilateral": bil, "agonist_antagonist": aa, "summary": pd.DataFrame({"severity": severities})}


def test_summary_tables_by_hand():
    info = {"n_channels": 4, "duration_s": 8.0, "fs": 1000.0, "n_cycles": 3}
    t1 = _tables([("biceps", "mean", 4.0), ("biceps", "peak", -12.5), ("biceps", "mdf_slope_pct_per_min", 80.0),
                  ("triceps", "mean", math.nan), ("triceps", "rms", 3.0)],
                 [("L", 40.0), ("R", 55.0)], ["flag", "notice", "notice", "info"])
    t2 = _tables([("deltoid", "mean", 20.0)], [], ["ok"])
    r1, m1 = recording_rows("s1/a.h5", t1, info)
    r2, m2 = recording_rows("s2/b.h5", t2, info)
    assert (r1["max_abs_si"], r1["max_abs_si_muscle"], r1["n_flags"], r1["n_notices"]) == (12.5, "biceps", 1, 2)  # slopes are left out
    assert (r1["si_at_max"], r1["dominant_side"], r1["headline"]) == (-12.5, "left", "flag")  # SI < 0: the left side is larger
    assert (r2["si_at_max"], r2["dominant_side"], r2["headline"]) == (20.0, "right", "ok")
    assert r1["pairs_compared"] == 4 and r2["pairs_compared"] == 1  # no scope in info: muscles and sides with an index
    scoped = recording_rows("s4/d.h5", _tables([], [], ["not compared", "info"]),
                            {**info, "compared": {"pairs_compared": 0}, "meta": {"action": "Standing", "trial": "2", "subject": 1, "group": "normal"}})[0]
    assert (scoped["pairs_compared"], scoped["headline"], scoped["task"], scoped["trial"]) == (0, "not compared", "Standing", "2")
    assert (scoped["subject"], scoped["group"]) == ("1", "normal")  # subjects numbered within a group (UCI lower limb) stay apart
    failed = {"relpath": "s3/c.h5", "path": "/data/s3/c.h5", "step": "read", "error_type": "FileFormatError", "message": "truncated"}
    entries = [{"result": {"relpath": "s1/a.h5"}, "row": r1, "metrics": m1}, {"result": {"relpath": "s2/b.h5"}, "row": r2, "metrics": m2},
               {"result": failed, "row": None, "metrics": None}]
    recordings, metrics, failures = build_summary(entries)
    assert list(recordings.columns) == ["recording", "status", "duplicate_of", "task", "trial", "subject", "group", "session", "run", "acquisition",
                                        "n_channels", "duration_s", "fs_hz", "n_cycles",
                                        "pairs_compared", "headline", "n_flags", "n_notices", "max_abs_si", "si_at_max",
                                        "dominant_side", "max_abs_si_muscle", "max_abs_si.biceps", "max_abs_si.deltoid",
                                        "max_abs_si.triceps", "cci_falconer.L.biceps/triceps", "cci_falconer.R.biceps/triceps",
                                        "report", "error"]
    assert recordings["max_abs_si.biceps"].tolist()[0] == 12.5 and recordings["max_abs_si.triceps"].tolist()[0] == 3.0
    assert np.isnan(recordings["max_abs_si.biceps"].tolist()[1]) and recordings["max_abs_si.deltoid"].tolist()[1] == 20.0
    assert recordings["cci_falconer.R.biceps/triceps"].tolist()[0] == 55.0
    assert recordings["status"].tolist() == ["ok", "ok", "failed"]
    assert recordings["report"].tolist() == ["s1/a.h5/report.html", "s2/b.h5/report.html", ""]
    assert recordings["error"].tolist()[2] == "FileFormatError at read: truncated"
    assert failures.to_dict("records") == [{"recording": "s3/c.h5", "input": "/data/s3/c.h5", "step": "read",
                                            "error_type": "FileFormatError", "message": "truncated"}]
    assert len(metrics) == 4 + 2 + 1  # amplitude SI rows + CCI rows


def test_summary_page_escapes_and_links_relatively(tmp_path):
    js = tmp_path / "plotly.min.js"
    js.write_text("/* plotly */")
    evil = "s1/<img src=x onerror=alert(1)> & 'q'.h5"
    rec_row, metrics = recording_rows(evil, _tables([("biceps", "mean", 5.0)], [("L", 30.0)], ["ok"]),
                                      {"n_channels": 2, "duration_s": 1.0, "fs": 1000.0, "n_cycles": 0})
    recordings, metrics, failures = build_summary([{"result": {"relpath": evil}, "row": rec_row, "metrics": metrics}])
    page = summary_page(tmp_path / "summary.html", recordings, metrics, failures, plotlyjs=js).read_text(encoding="utf-8")
    assert "<img src=x" not in page
    assert "href='s1/%3Cimg%20src%3Dx%20onerror%3Dalert%281%29%3E%20%26%20%27q%27.h5/report.html'" in page
    assert "&lt;img src=x onerror=alert(1)&gt; &amp; &#x27;q&#x27;.h5" in page
    assert '<script src="plotly.min.js"></script>' in page
    assert "table.sortable" in page and "localeCompare" in page  # the inline sort
    assert "cdn" not in page.lower() and "https://" not in page.split("<main>")[0]  # no external resources in the head


# -- the command on a mixed folder ------------------------------------------------------------------
@pytest.fixture(scope="module")
def mixed(tmp_path_factory):
    """Good recordings, a truncated HDF5, an HDF5 without a sampling rate, a text file named .h5 and an empty folder."""
    root = tmp_path_factory.mktemp("batch")
    data = root / "data"
    _write_sim(data / "s1" / "walk.h5", 1)
    _write_sim(data / "s1" / "run.h5", 2, lr_ratio=1.4)
    _write_sim(data / "s2" / "walk.h5", 3)
    whole = _write_sim(root / "whole.h5", 4).read_bytes()
    (data / "s2" / "truncated.h5").write_bytes(whole[: len(whole) // 2])
    nofs = _write_sim(data / "s3" / "no_rate.h5", 5)
    with h5py.File(nofs, "r+") as f:
        del f["emg/data"].attrs["fs"]
    (data / "s3" / "notes.h5").write_text("subject notes, not a recording\n")
    (data / "empty").mkdir()
    out = root / "out"
    code = main([str(data), "--out", str(out), "--workers", "2"])
    return {"root": root, "data": data, "out": out, "code": code}


def test_batch_mixed_folder_completes_good_ones_and_lists_bad_ones(mixed):
    out = mixed["out"]
    assert mixed["code"] == EXIT_FAILED
    good = ["s1/run.h5", "s1/walk.h5", "s2/walk.h5"]
    bad = ["s2/truncated.h5", "s3/no_rate.h5", "s3/notes.h5"]
    for rel in good:
        folder = out / rel
        assert {"analysis.h5", "report.html", "batch.json", "bilateral.csv", "config.toml", "info.json"} <= {p.name for p in folder.iterdir()}
        page = (folder / "report.html").read_text(encoding="utf-8")
        depth = rel.count("/") + 1
        assert f'<script src="{"../" * depth}plotly.min.js"></script>' in page  # one shared plotly.js, linked relatively
        assert load_config((folder / "config.toml")).digest() == load_config(None).digest()
    for rel in bad:
        assert not (out / rel).exists()  # nothing left that could look like a result
    assert (out / "plotly.min.js").stat().st_size > 1_000_000
    failures = pd.read_csv(out / "failures.csv", keep_default_na=False)
    assert failures["recording"].tolist() == bad
    assert failures["step"].tolist() == ["read", "read", "read"]
    assert failures["error_type"].tolist() == ["FileFormatError"] * 3
    msg = dict(zip(failures["recording"], failures["message"]))
    assert "fs" in msg["s3/no_rate.h5"] and "sampling rate" in msg["s3/no_rate.h5"]
    assert "no HDF5 signature" in msg["s3/notes.h5"]
    assert failures["input"].tolist() == [str((mixed["data"] / r).resolve()) for r in bad]
    summary = pd.read_csv(out / "summary.csv", keep_default_na=False, na_values=[""])
    assert summary["recording"].tolist() == sorted(good + bad)
    assert dict(zip(summary["recording"], summary["status"])) == {**{r: "ok" for r in good}, **{r: "failed" for r in bad}}


def test_batch_summary_matches_each_recordings_tables(mixed):
    out = mixed["out"]
    tables = read_summary(out)
    rec = tables["recordings"].set_index("recording")
    csv = pd.read_csv(out / "summary.csv")
    assert csv.shape == tables["recordings"].shape
    for rel in ("s1/run.h5", "s1/walk.h5", "s2/walk.h5"):
        result = emgkit.load_analysis(out / rel)
        bil = result.bilateral[result.bilateral["metric"].isin(["mean", "peak", "rms", "iemg"])]
        for muscle, group in bil.groupby("muscle"):
            si = np.abs(group["symmetry_index"].to_numpy())
            want = np.nanmax(si) if np.isfinite(si).any() else np.nan  # a pair not compared (no activity) has no SI
            assert rec.loc[rel, f"max_abs_si.{muscle}"] == want or (np.isnan(want) and np.isnan(rec.loc[rel, f"max_abs_si.{muscle}"]))
        assert rec.loc[rel, "pairs_compared"] == result.info["compared"]["pairs_compared"] > 0
        finite = bil[np.isfinite(bil["symmetry_index"])]
        top = finite.loc[finite["symmetry_index"].abs().idxmax()]
        assert rec.loc[rel, "si_at_max"] == top["symmetry_index"] and rec.loc[rel, "max_abs_si_muscle"] == top["muscle"]
        assert rec.loc[rel, "dominant_side"] == ("right" if top["symmetry_index"] > 0 else "left")
        for r in result.agonist_antagonist.itertuples():
            assert rec.loc[rel, f"cci_falconer.{r.side}.{r.agonist_muscle}/{r.antagonist_muscle}"] == r.cci_falconer
        assert rec.loc[rel, "n_flags"] == (result.summary["severity"] == "flag").sum()
        assert rec.loc[rel, "n_channels"] == 4 and rec.loc[rel, "duration_s"] == 8.0
    # the 1.4 left/right ratio recording is the most asymmetric one
    assert rec["max_abs_si"].idxmax() == "s1/run.h5"
    assert tables["failures"]["recording"].tolist() == ["s2/truncated.h5", "s3/no_rate.h5", "s3/notes.h5"]
    page = (out / "summary.html").read_text(encoding="utf-8")
    assert "href='s1/run.h5/report.html'" in page and "id='recordings-table'" in page and "fig-si" in page and "fig-cci" in page


def test_batch_names_byte_identical_inputs(tmp_path, capsys):
    """The same file under two names (UCI lower-limb 1Npie = 2Npie) is analysed twice and named in the summary and on the console."""
    data = tmp_path / "data"
    first = _write_sim(data / "s1" / "curl.h5", 7)
    (data / "s2").mkdir()
    (data / "s2" / "curl.h5").write_bytes(first.read_bytes())
    _write_sim(data / "s3" / "curl.h5", 8)
    out = tmp_path / "out"
    assert main([str(data), "--out", str(out), "--workers", "1"]) == 0
    said = capsys.readouterr().out
    summary = pd.read_csv(out / "summary.csv", keep_default_na=False)
    assert dict(zip(summary["recording"], summary["duplicate_of"])) == {"s1/curl.h5": "", "s2/curl.h5": "s1/curl.h5", "s3/curl.h5": ""}
    assert "s2/curl.h5 is byte-identical to s1/curl.h5" in said and "s3/curl.h5 is byte" not in said


def test_batch_usage_errors_exit_2(tmp_path, capsys):
    (tmp_path / "empty").mkdir()
    assert main([str(tmp_path / "missing"), "--out", str(tmp_path / "o")]) == EXIT_USAGE
    assert "does not exist" in capsys.readouterr().err
    assert main([str(tmp_path / "empty"), "--out", str(tmp_path / "o")]) == EXIT_USAGE
    err = capsys.readouterr().err
    assert "no recordings found" in err and "they hold" not in err
    texts = tmp_path / "texts"
    (texts / "s1").mkdir(parents=True)
    for name in ("s1/a.txt", "s1/b.TXT", "c.txt", "notes.md", ".hidden.csv"):
        (texts / name).write_text("0 1\n")
    assert main([str(texts), "--out", str(tmp_path / "o")]) == EXIT_USAGE
    assert "they hold 3 .txt files: add --pattern '*.txt'" in capsys.readouterr().err
    assert main([str(tmp_path / "empty"), "--out", str(tmp_path / "o"), "--scheduler", "tcp://127.0.0.1:1", "--workers", "2"]) == EXIT_USAGE
    bad_cfg = tmp_path / "bad.toml"
    bad_cfg.write_text("[flags]\nsi_flag_pct = -3\n")
    assert main([str(tmp_path / "empty"), "--out", str(tmp_path / "o"), "--config", str(bad_cfg)]) == EXIT_USAGE
    assert "si_flag_pct" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exc:
        main([str(tmp_path), "--out", str(tmp_path / "o"), "--workers", "0"])
    assert exc.value.code == EXIT_USAGE
    assert not (tmp_path / "o").exists()


# -- resume ---------------------------------------------------------------------------------------
def test_batch_resume_skips_current_redoes_changed_and_forced(tmp_path):
    data = tmp_path / "data"
    _write_sim(data / "a.h5", 11)
    _write_sim(data / "b.h5", 12)
    out = tmp_path / "out"
    first = run_batch([data], out, workers=1)
    assert [r["status"] for r in first.results] == ["ok", "ok"] and first.exit_code == EXIT_OK
    before = _csv_texts(out)
    stamp = (out / "a.h5" / "analysis.h5").stat().st_mtime_ns
    again = run_batch([data], out, workers=1)
    assert [r["status"] for r in again.results] == ["skipped", "skipped"] and again.exit_code == EXIT_OK
    assert (out / "a.h5" / "analysis.h5").stat().st_mtime_ns == stamp
    assert _csv_texts(out) == before  # the summary rebuilt from the results on disk is the same
    _write_sim(data / "b.h5", 13, lr_ratio=1.5)  # modify one input
    changed = run_batch([data], out, workers=1)
    assert [r["status"] for r in changed.results] == ["skipped", "ok"]
    assert json.loads((out / "b.h5" / MANIFEST_NAME).read_text())["input_sha256"] == file_sha256(data / "b.h5")
    assert (out / "b.h5" / "bilateral.csv").read_text() != before["b.h5/bilateral.csv"]
    assert (out / "summary.csv").read_text() != before["summary.csv"]
    forced = run_batch([data], out, workers=1, force=True)
    assert [r["status"] for r in forced.results] == ["ok", "ok"]
    assert (out / "a.h5" / "analysis.h5").stat().st_mtime_ns != stamp
    assert (out / "a.h5" / "bilateral.csv").read_text() == before["a.h5/bilateral.csv"]


# -- kill and resume --------------------------------------------------------------------------------
def _start_batch(data, out):
    cmd = [sys.executable, "-m", "emgkit.batch.cli", str(data), "--out", str(out), "--workers", "1"]
    # Ctrl-C reaches the batch as in a terminal even when these tests run as a background job, whose children
    # inherit SIGINT ignored (and Python then keeps it ignored)
    return subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))


def _completed(out):
    return len(list(out.rglob(MANIFEST_NAME))) if out.exists() else 0


def _interrupt_after_new_result(proc, out, sig, already):
    """Send ``sig`` as soon as more than ``already`` recordings are complete; returns (exit code, completed at exit, stderr)."""
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline and proc.poll() is None:
        if _completed(out) > already:
            proc.send_signal(sig)
            break
        time.sleep(0.02)
    stdout, stderr = proc.communicate(timeout=60)
    return proc.returncode, _completed(out), stderr


def test_batch_interrupted_then_resumed_equals_an_uninterrupted_run(tmp_path):
    data = tmp_path / "data"
    n = 6
    for k in range(n):
        _write_sim(data / f"s{k % 2}" / f"trial{k}.h5", 20 + k)
    reference = run_batch([data], tmp_path / "ref", workers=2)
    assert reference.exit_code == EXIT_OK
    out = tmp_path / "out"
    code, done, stderr = _interrupt_after_new_result(_start_batch(data, out), out, signal.SIGINT, 0)
    assert code == EXIT_INTERRUPTED, stderr
    assert "rerun the same command to resume" in stderr
    assert 0 < done < n and not (out / "summary.csv").exists()
    for manifest in out.rglob(MANIFEST_NAME):  # every result marked complete is complete
        assert is_current(manifest.parent, data / manifest.parent.relative_to(out), load_config(None).digest())
    code, done2, stderr = _interrupt_after_new_result(_start_batch(data, out), out, signal.SIGTERM, done)
    assert code == EXIT_INTERRUPTED, stderr
    assert done2 < n
    proc = _start_batch(data, out)
    stdout, stderr = proc.communicate(timeout=120)
    assert proc.returncode == EXIT_OK, stderr
    assert f"{n - done2} to analyse, {done2} already done" in stdout
    assert _csv_texts(out) == _csv_texts(tmp_path / "ref")
    assert (out / "summary.h5").read_bytes() == (tmp_path / "ref" / "summary.h5").read_bytes()
    assert not [p for p in out.rglob(".*") if ".tmp-" in p.name]


# -- Dask -----------------------------------------------------------------------------------------
def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_batch_on_a_dask_cluster_equals_the_local_run(mixed, tmp_path):
    distributed = pytest.importorskip("distributed", reason="the Dask path needs 'distributed' (pip install 'emgkit[distributed]')")
    port = _free_port()
    address = f"tcp://127.0.0.1:{port}"
    env = {**os.environ, "DASK_DISTRIBUTED__WORKER__DAEMON": "False"}
    procs = []
    try:
        procs.append(subprocess.Popen([sys.executable, "-m", "dask", "scheduler", "--host", "127.0.0.1", "--port", str(port),
                                       "--no-dashboard"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env))
        for k in range(2):
            procs.append(subprocess.Popen([sys.executable, "-m", "dask", "worker", address, "--nthreads", "1", "--no-dashboard",
                                           "--local-directory", str(tmp_path / f"w{k}"), "--name", f"w{k}"],
                                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env))
        deadline = time.monotonic() + 60
        while True:
            try:
                with distributed.Client(address, timeout=5) as client:
                    client.wait_for_workers(2, timeout=max(1.0, deadline - time.monotonic()))
                break
            except (OSError, TimeoutError):
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.5)
        out = tmp_path / "dask"
        assert main([str(mixed["data"]), "--out", str(out), "--scheduler", address, "--verbose"]) == EXIT_FAILED
    finally:
        for p in reversed(procs):
            p.terminate()
        for p in reversed(procs):
            try:
                p.wait(timeout=20)
            except subprocess.TimeoutExpired:
                p.kill()
    local = _csv_texts(mixed["out"])
    assert len(local) == 3 * 12 + 2  # 12 tables per good recording, summary.csv and failures.csv
    assert _csv_texts(out) == local
    assert (out / "summary.h5").read_bytes() == (mixed["out"] / "summary.h5").read_bytes()
    for rel in ("s1/run.h5", "s2/walk.h5"):
        assert (out / rel / "analysis.h5").read_bytes() == (mixed["out"] / rel / "analysis.h5").read_bytes()


def test_scheduler_without_distributed_is_a_usage_error(tmp_path, monkeypatch, capsys):
    _write_sim(tmp_path / "data" / "a.h5", 1)
    monkeypatch.setitem(sys.modules, "distributed", None)  # as if the extra were not installed
    assert main([str(tmp_path / "data"), "--out", str(tmp_path / "o"), "--scheduler", "tcp://127.0.0.1:8786"]) == EXIT_USAGE
    assert "pip install 'emgkit[distributed]'" in capsys.readouterr().err
    assert not (tmp_path / "o").exists()  # a usage error writes nothing


def test_batch_command_imports_nothing_heavy():
    code = ("import sys, emgkit.batch, emgkit.batch.cli, emgkit.batch.progress, emgkit.batch.discovery; "
            "print(sorted(m for m in ('numba', 'h5py', 'plotly', 'pandas', 'scipy', 'distributed') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert out == "[]"


def test_batch_survives_a_killed_worker(tmp_path):
    psutil = pytest.importorskip("psutil", reason="finding the worker processes needs psutil (installed with distributed)")
    data = tmp_path / "data"
    for k in range(6):
        _write_sim(data / f"r{k}.h5", 40 + k)
    out = tmp_path / "out"
    proc = subprocess.Popen([sys.executable, "-m", "emgkit.batch.cli", str(data), "--out", str(out), "--workers", "2"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    killed = None
    deadline = time.monotonic() + 90
    while killed is None and time.monotonic() < deadline and proc.poll() is None:
        if _completed(out) >= 1:  # workers are up and busy: kill one as the out-of-memory killer would
            workers = [c for c in psutil.Process(proc.pid).children() if "spawn_main" in " ".join(c.cmdline())]
            if workers:
                killed = workers[0].pid
                os.kill(killed, signal.SIGKILL)
        time.sleep(0.02)
    stdout, stderr = proc.communicate(timeout=120)
    assert killed is not None, "the batch ended before a worker could be killed"
    assert proc.returncode == EXIT_OK, stdout + stderr
    assert "a worker process died; retrying" in stdout
    assert _completed(out) == 6
    digest = load_config(None).digest()
    assert all(is_current(out / f"r{k}.h5", data / f"r{k}.h5", digest) for k in range(6))
