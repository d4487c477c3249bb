"""Faults: kill -9 at each write step of analyze, report and batch, then the same command; parent killed; Dask workers lost.

The kills use the ``EMGKIT_FAULT_KILL_AT`` hook (emgkit._atomic.fault_point): every temporary file written
and every rename is a numbered step, counted across a command and its workers; the chosen step SIGKILLs the
whole process group, as a power cut would.  "Byte-identical" means: the same file names, and every file's
bytes equal to those of an uninterrupted run of the same command (no output embeds a time or a path of the
output folder, so nothing is excluded).  See docs/reliability.md.
"""

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

import emgkit
from emgkit._atomic import FAULT_ENV, MANIFEST_NAME
from emgkit.batch.manifest import MANIFEST_NAME as BATCH_MANIFEST
from emgkit.datasets import simulate

CLI = "import sys; from emgkit.cli import main; sys.exit(main(sys.argv[1:]))"


def _cmd(*args):
    return [sys.executable, "-c", CLI, *map(str, args)]


def _run(cmd, *, kill_at=None, counter=None, timeout=180):
    env = dict(os.environ)
    env.pop(FAULT_ENV, None)
    if counter is not None:
        env[FAULT_ENV] = f"{kill_at or 0}:{counter}"
    return subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=timeout, start_new_session=True)


def _tree(folder):
    """Relative path -> bytes of every file under ``folder``."""
    folder = Path(folder)
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def _temporaries(folder):
    return [p for p in Path(folder).rglob(".*") if ".tmp-" in p.name]


def _steps(cmd, counter):
    """Run ``cmd`` uninterrupted, counting its write steps in the file ``counter``; returns the step labels."""
    done = _run(cmd, counter=counter)
    assert done.returncode in (0, 1), done.stderr
    return counter.read_text().splitlines()


def _chosen(n, stride):
    """Steps 1..n every ``stride`` (odd: both 'written, not renamed' and 'renamed' steps), plus the last two."""
    return sorted(set(range(1, n + 1, stride)) | {n - 1, n})


def _sim(path, seed, **kw):
    path.parent.mkdir(parents=True, exist_ok=True)
    emgkit.write(simulate(duration_s=8, fs=1000, seed=seed, **kw), path, overwrite=True)
    return path


def _accepted_only_if_whole(out, reference):
    """After a kill: load_analysis refuses the folder, or the folder is the reference's (never a mixed result)."""
    try:
        emgkit.load_analysis(out)
    except (FileNotFoundError, ValueError):
        return "refused"
    files = _tree(out)
    ref = _tree(reference)
    for name, facts in __import__("json").loads(files[MANIFEST_NAME]).get("files", {}).items():
        assert files[name] == ref[name], f"{name} accepted but not the new analysis's"
    return "accepted"


# -- analyze and report: kill at each write step, then the same command --------------------------------
@pytest.mark.slow
def test_report_killed_at_each_write_step_then_rerun_is_byte_identical(tmp_path):
    ref = tmp_path / "ref"
    steps = _steps(_cmd("report", "sample:curls", "--out", ref, "--quiet"), tmp_path / "count-all")
    assert len(steps) >= 2 * 17 and steps[-1] == f"{MANIFEST_NAME} renamed"
    reference = _tree(ref)
    outcomes = {}
    for k in _chosen(len(steps), 5):
        out = tmp_path / f"k{k}"
        cmd = _cmd("report", "sample:curls", "--out", out, "--quiet")
        killed = _run(cmd, kill_at=k, counter=tmp_path / f"count{k}")
        assert killed.returncode == -signal.SIGKILL, (k, steps[k - 1], killed.stderr)
        outcomes[steps[k - 1]] = _accepted_only_if_whole(out, ref)
        again = _run(cmd)  # the very same command, no --overwrite
        assert again.returncode == 0, (k, steps[k - 1], again.stderr)
        assert not _temporaries(out), (k, steps[k - 1])
        assert _tree(out) == reference, (k, steps[k - 1])
    assert outcomes[f"{MANIFEST_NAME} renamed"] == "accepted"
    assert sum(v == "refused" for v in outcomes.values()) == len(outcomes) - 1  # any earlier kill: not a result


@pytest.mark.slow
def test_analyze_killed_then_rerun_and_overwrite_with_another_recording_never_mixes(tmp_path):
    other = _sim(tmp_path / "other.h5", 7, lr_ratio=1.6)
    ref_a, ref_b = tmp_path / "ref_a", tmp_path / "ref_b"
    steps = _steps(_cmd("analyze", "sample:curls", "--out", ref_a, "--quiet"), tmp_path / "count-a")
    assert _run(_cmd("report", other, "--out", ref_b, "--quiet")).returncode == 0
    for k in (1, len(steps) // 2, len(steps) - 2):
        out = tmp_path / f"a{k}"
        cmd = _cmd("analyze", "sample:curls", "--out", out, "--quiet")
        assert _run(cmd, kill_at=k, counter=tmp_path / f"ca{k}").returncode == -signal.SIGKILL
        assert _run(cmd).returncode == 0
        assert _tree(out) == _tree(ref_a) and not _temporaries(out)
    # a complete analysis of curls (no report), then --overwrite with another recording and its report, killed mid-save
    n = len(_steps(_cmd("report", other, "--out", tmp_path / "count-b", "--quiet"), tmp_path / "count-b.txt"))
    for k in (3, n // 2, n - 3):
        out = tmp_path / f"o{k}"
        assert _run(_cmd("analyze", "sample:curls", "--out", out, "--quiet")).returncode == 0
        cmd = _cmd("report", other, "--out", out, "--quiet", "--overwrite")
        assert _run(cmd, kill_at=k, counter=tmp_path / f"co{k}").returncode == -signal.SIGKILL
        assert _accepted_only_if_whole(out, ref_b) == "refused"  # new CSVs beside the old analysis.h5: refused
        assert _run(cmd).returncode == 0
        assert _tree(out) == _tree(ref_b) and not _temporaries(out)


def test_load_analysis_refuses_a_mixed_or_interrupted_folder(tmp_path):
    rec = simulate(duration_s=8, fs=1000, seed=3)
    a = emgkit.analyze(rec)
    b = emgkit.analyze(simulate(duration_s=8, fs=1000, seed=4, lr_ratio=1.5))
    folder = a.save(tmp_path / "res")
    assert emgkit.load_analysis(folder).bilateral.equals(a.bilateral)
    keep = (folder / "bilateral.csv").read_bytes()
    b.save(tmp_path / "b")
    (folder / "bilateral.csv").write_bytes((tmp_path / "b" / "bilateral.csv").read_bytes())  # a CSV of another analysis
    with pytest.raises(ValueError, match="differs from the one listed"):
        emgkit.load_analysis(folder)
    (folder / "bilateral.csv").write_bytes(keep)
    text = (folder / MANIFEST_NAME).read_text().replace('"complete"', '"writing"')
    (folder / MANIFEST_NAME).write_text(text)  # what a save killed midway leaves
    with pytest.raises(ValueError, match="interrupted save"):
        emgkit.load_analysis(folder)
    with pytest.raises(FileExistsError):
        a.save(tmp_path / "b")  # a complete analysis is not replaced without overwrite
    a.save(folder)  # an interrupted one is
    (folder / ".report.html.tmp-0123abcd").write_text("half")
    b.save(folder, overwrite=True)  # another analysis: the stale temporary goes, nothing of a is left
    assert not _temporaries(folder)
    assert emgkit.load_analysis(folder).bilateral.equals(b.bilateral)
    assert _tree(folder) == _tree(tmp_path / "b")


def test_temporaries_and_a_legacy_report_are_removed_but_nothing_else(tmp_path):
    from emgkit._atomic import folder_lock, remove_temporaries

    folder = tmp_path / "res"
    folder.mkdir()
    for name in (".a.csv.tmp-0123abcd", ".report.html.tmp-deadbeef", ".hidden", "a.tmp-0123abcd", ".x.tmp-123", "notes.txt"):
        (folder / name).write_text("x")
    with folder_lock(folder):
        with pytest.raises(FileExistsError, match="another emgkit process"):
            with folder_lock(folder, wait=False):
                pass
        assert sorted(remove_temporaries(folder)) == [".a.csv.tmp-0123abcd", ".report.html.tmp-deadbeef"]
    assert sorted(p.name for p in folder.iterdir()) == [".hidden", ".x.tmp-123", "a.tmp-0123abcd", "notes.txt"]
    (folder / "analysis.h5").write_bytes(b"")  # a folder from before manifests, with its report
    (folder / "report.html").write_text("old")
    result = emgkit.analyze(simulate(duration_s=8, fs=1000, seed=5))
    with pytest.raises(FileExistsError):
        result.save(folder)
    result.save(folder, overwrite=True)
    assert not (folder / "report.html").exists() and (folder / "notes.txt").exists()  # the old report is not left beside
    assert emgkit.load_analysis(folder).notes == result.notes


# -- batch: kill at write steps, then the same command --------------------------------------------------
def _batch(data, out, *more):
    return [sys.executable, "-m", "emgkit.batch.cli", str(data), "--out", str(out), "--workers", "1", "--quiet", *more]


@pytest.mark.slow
def test_batch_killed_at_write_steps_then_rerun_is_byte_identical(tmp_path):
    data = tmp_path / "data"
    _sim(data / "a.h5", 1)
    _sim(data / "s" / "b.h5", 2, lr_ratio=1.4)
    (data / "bad.h5").write_bytes(b"not hdf5")
    ref = tmp_path / "ref"
    steps = _steps(_batch(data, ref), tmp_path / "count-all")
    reference = _tree(ref)
    assert "failures.csv" in reference and b"bad.h5" in reference["failures.csv"]
    n = len(steps)
    chosen = sorted({2, n // 4, n // 2 + 1, 3 * n // 4, n - 5, n})
    for k in chosen:
        out = tmp_path / f"k{k}"
        killed = _run(_batch(data, out), kill_at=k, counter=tmp_path / f"c{k}")
        assert killed.returncode == -signal.SIGKILL, (k, steps[k - 1], killed.stderr)
        again = _run(_batch(data, out))
        assert again.returncode == 1, (k, steps[k - 1], again.stderr)  # 1: bad.h5 is listed as a failure
        assert not _temporaries(out), (k, steps[k - 1])
        assert _tree(out) == reference, (k, steps[k - 1])


# -- the batch's parent killed: its workers and the resource tracker go too ------------------------------
def test_killing_the_batch_parent_leaves_no_worker_behind(tmp_path):
    psutil = pytest.importorskip("psutil", reason="finding the worker processes needs psutil (installed with distributed)")
    data = tmp_path / "data"
    for k in range(4):
        _sim(data / f"r{k}.h5", 60 + k)
    out = tmp_path / "out"
    proc = subprocess.Popen([sys.executable, "-m", "emgkit.batch.cli", str(data), "--out", str(out), "--workers", "2"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    children = []
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and proc.poll() is None:
        children = psutil.Process(proc.pid).children(recursive=True)
        if sum("spawn_main" in " ".join(c.cmdline()) for c in children) >= 2:
            break
        time.sleep(0.05)
    assert proc.poll() is None and len(children) >= 3, "the workers did not start"  # 2 workers + the resource tracker
    proc.kill()
    proc.wait(timeout=10)
    gone, alive = psutil.wait_procs(children, timeout=15)
    assert not alive, [" ".join(p.cmdline()) for p in alive]
    again = subprocess.run(_batch(data, out), capture_output=True, text=True, timeout=180)
    assert again.returncode == 0, again.stderr
    assert len(list(out.rglob(BATCH_MANIFEST))) == 4 and not _temporaries(out)


# -- Dask: every worker lost ---------------------------------------------------------------------------------
def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.slow
def test_dask_cluster_losing_every_worker_lists_the_unfinished_recordings(tmp_path):
    distributed = pytest.importorskip("distributed", reason="the Dask path needs 'distributed' (pip install 'emgkit[distributed]')")
    data = tmp_path / "data"
    n = 6
    for k in range(n):
        _sim(data / f"r{k}.h5", 80 + k)
    port = _free_port()
    address = f"tcp://127.0.0.1:{port}"
    env = {**os.environ, "DASK_DISTRIBUTED__WORKER__DAEMON": "False"}
    quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL, "env": env}
    scheduler = subprocess.Popen([sys.executable, "-m", "dask", "scheduler", "--host", "127.0.0.1", "--port", str(port),
                                  "--no-dashboard"], **quiet)
    workers = [subprocess.Popen([sys.executable, "-m", "dask", "worker", address, "--nthreads", "1", "--no-dashboard", "--no-nanny",
                                 "--local-directory", str(tmp_path / f"w{k}"), "--name", f"w{k}"], **quiet) for k in range(2)]
    batch = None
    try:
        with distributed.Client(address, timeout=30) as client:
            client.wait_for_workers(2, timeout=60)
        out = tmp_path / "out"
        batch = subprocess.Popen([sys.executable, "-m", "emgkit.batch.cli", str(data), "--out", str(out), "--scheduler", address,
                                  "--dask-timeout", "5"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        done = lambda: len(list(out.rglob(BATCH_MANIFEST))) if out.exists() else 0  # noqa: E731
        deadline = time.monotonic() + 120
        while done() < 1 and time.monotonic() < deadline and batch.poll() is None:
            time.sleep(0.05)
        workers[0].kill()  # one worker lost: its task goes to the other
        first = done()
        while done() < first + 1 and time.monotonic() < deadline and batch.poll() is None:
            time.sleep(0.05)
        workers[1].kill()  # and then the last one
        lost_at = time.monotonic()
        stdout, stderr = batch.communicate(timeout=60)
        ended = time.monotonic() - lost_at
    finally:
        if batch is not None and batch.poll() is None:
            batch.kill()
        for p in [*workers, scheduler]:
            p.kill()
            p.wait(timeout=20)
    analysed = done()
    assert 2 <= analysed < n, stdout + stderr
    assert batch.returncode == 1, stdout + stderr
    assert ended < 5 + 15, (ended, stdout, stderr)  # the documented timeout, plus time to write the summary
    import pandas as pd

    failures = pd.read_csv(out / "failures.csv")
    assert len(failures) == n - analysed and set(failures["step"]) == {"worker"}, failures
    assert failures["message"].str.contains("no Dask worker").all()
    assert sorted(failures["recording"]) == sorted(f"r{k}.h5" for k in range(n) if not (out / f"r{k}.h5" / BATCH_MANIFEST).exists())
