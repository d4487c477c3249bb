"""Malformed inputs through every command: a clear refusal in seconds, never a crash, a hang or a blow-up.

The corpus (``tests/malformed_corpus.py``) is generated afresh: over 150
malformed files across every reader (native HDF5, other HDF5, NWB, C3D,
EDF/BDF, text/CSV/OpenSignals/Vicon, special files).  Each goes through
``info``, ``onsets`` and ``convert``; the files emgkit must refuse also
through ``analyze`` and (every third) ``report``; a batch runs over one file
of each kind.  Every run is a child process of ``tests/malformed_runner.py``
(forked from one warm process, so hundreds of runs fit in CI), with its exit
code, wall time and own peak RSS measured.  Each run must:

* exit 2 (a refusal) when the case must be refused, 0 or 2 otherwise;
  never 1 ("unexpected ..."), 99 (a traceback) or a kill (hang);
* on refusal, print one line on stderr that names the file;
* print no traceback and no terminal escape code from the file;
* take under 5 s (a refusal) and under 500 MB peak RSS;
* leave no output behind when refused.

The figures are in docs/reliability.md ("Malformed input").
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from emgkit._text import printable

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import malformed_corpus  # noqa: E402

SHARED = HERE.parents[1] / "shared" / "data"
REFUSAL_SECONDS = 5.0
READ_SECONDS = 60.0  # a damaged file that still reads is analysed in full
RSS_MB = 500.0
ESC = "\x1b"

pytestmark = pytest.mark.slow


def _jobs(cases, out):
    jobs = []
    for k, case in enumerate(cases):
        path = str(case.path)
        commands = [("info", ["info", path]), ("onsets", ["onsets", path]),
                    ("convert", ["convert", path, "--out", str(out / f"convert-{k}")])]
        if case.expect == "refuse":
            commands.append(("analyze", ["analyze", path, "--out", str(out / f"analyze-{k}"), "--quiet"]))
            if k % 3 == 0:
                commands.append(("report", ["report", path, "--out", str(out / f"report-{k}"), "--quiet"]))
        for command, argv in commands:
            timeout = 2 * REFUSAL_SECONDS if case.expect == "refuse" else READ_SECONDS
            jobs.append({"argv": argv, "cwd": str(out), "timeout": timeout, "case": k, "command": command})
    return jobs


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """Every (case, command) run: the case and the runner's measurements."""
    root = tmp_path_factory.mktemp("malformed")
    cases = malformed_corpus.build(root / "corpus", SHARED if SHARED.is_dir() else None)
    out = root / "out"
    out.mkdir()
    jobs = _jobs(cases, out)
    jobs.append(_batch_job(cases, root))
    (root / "jobs.json").write_text(json.dumps(jobs))
    proc = subprocess.run([sys.executable, str(HERE / "malformed_runner.py"), str(root / "jobs.json"),
                           str(root / "results.json")], capture_output=True, text=True, timeout=1200, check=False)
    assert proc.returncode == 0, proc.stderr
    results = json.loads((root / "results.json").read_text())
    return cases, jobs, results, root


def _batch_job(cases, root):
    """A batch over one refused file per reader, plus a valid recording named with a colon."""
    folder = root / "batch-in"
    folder.mkdir()
    seen = set()
    for case in cases:
        if case.expect == "refuse" and case.reader not in seen and case.reader != "special" and case.path.is_file():
            seen.add(case.reader)
            shutil.copy(case.path, folder / f"{case.reader}-{case.path.name}")
    shutil.copy(root / "corpus" / "native_ok.h5", folder / "trial_10:30.h5")
    named = [str(p) for p in sorted(folder.glob("text-*"))]  # a folder search takes binary formats; text is named
    return {"argv": ["batch", str(folder), *named, "--out", str(root / "batch-out"), "--workers", "1", "--quiet"],
            "cwd": str(root), "timeout": 240, "case": -1, "command": "batch", "expected_failures": sorted(seen)}


def _problems(case, job, res):
    """What is wrong with one run (empty when it behaved)."""
    wrong = []
    code, err, out = res["code"], res["stderr"], res["stdout"]
    allowed = {2} if case.expect == "refuse" else {0, 2}
    if res["killed"]:
        wrong.append(f"killed after {res['seconds']:.1f} s (hang)")
    elif code not in allowed:
        wrong.append(f"exit {code}, expected {sorted(allowed)}")
    if "Traceback" in err or "Traceback" in out:
        wrong.append("traceback printed")
    if "unexpected" in err:
        wrong.append("'unexpected' error (a crash turned into a line)")
    if ESC in err or ESC in out:
        wrong.append("escape code printed")
    if res["rss_mb"] > RSS_MB:
        wrong.append(f"peak RSS {res['rss_mb']:.0f} MB")
    limit = REFUSAL_SECONDS if code == 2 else READ_SECONDS
    if res["seconds"] > limit:
        wrong.append(f"{res['seconds']:.1f} s (limit {limit:g} s)")
    if code == 2:
        text = out + err if job["command"] == "convert" else err  # convert lists per-file failures on stdout
        if printable(str(case.path)) not in text and str(case.path) not in text:
            wrong.append(f"the message does not name the file: {text.strip()[:200]!r}")
        if job["command"] != "convert" and len(err.strip().splitlines()) != 1:
            wrong.append(f"{len(err.strip().splitlines())} lines on stderr, expected one")
        target = job["argv"][job["argv"].index("--out") + 1] if "--out" in job["argv"] else None
        if target and Path(target).exists() and any(Path(target).iterdir()):
            wrong.append(f"output left behind in {target}")
    return wrong


def test_corpus_is_large_and_covers_every_reader(runs):
    cases, jobs, _, _ = runs
    readers = {c.reader for c in cases}
    expected = {"native", "hdf5", "nwb", "edf", "text", "special"} | ({"c3d"} if SHARED.is_dir() else set())
    assert expected <= readers
    assert len(cases) >= 150 - (0 if SHARED.is_dir() else 20)
    assert {j["command"] for j in jobs} == {"info", "onsets", "convert", "analyze", "report", "batch"}


def test_every_run_refuses_cleanly_or_reads(runs):
    cases, jobs, results, _ = runs
    failures = []
    for job, res in zip(jobs, results):
        if job["command"] == "batch":
            continue
        case = cases[job["case"]]
        for problem in _problems(case, job, res):
            failures.append(f"{job['command']} {case.name} ({case.path.name}): {problem}")
    assert not failures, f"{len(failures)} bad runs:\n" + "\n".join(failures)


def test_refusals_are_fast_and_small(runs):
    _, jobs, results, _ = runs
    refused = [r for j, r in zip(jobs, results) if j["command"] != "batch" and r["code"] == 2]
    assert len(refused) >= 300
    assert max(r["seconds"] for r in refused) < REFUSAL_SECONDS
    assert max(r["rss_mb"] for r in refused) < RSS_MB


def test_batch_lists_every_refused_file_and_analyses_the_colon_name(runs):
    _, jobs, results, root = runs
    job, res = jobs[-1], results[-1]
    assert job["command"] == "batch"
    assert res["code"] == 1 and not res["killed"], res["stderr"]
    assert "Traceback" not in res["stderr"] and ESC not in res["stderr"]
    import pandas as pd

    failures = pd.read_csv(root / "batch-out" / "failures.csv")
    assert sorted(p.split("-", 1)[0] for p in failures.iloc[:, 0]) == job["expected_failures"]
    assert (root / "batch-out" / "trial_10:30.h5" / "analysis.h5").is_file()


def test_pipe_keeps_its_first_bytes(tmp_path):
    """A CSV given through a pipe (<(cat rec.csv)) is read whole: the same channels and length as the file."""
    if not Path("/bin/bash").exists():
        pytest.skip("needs bash for process substitution")
    rows = "\n".join(f"{k / 1000:.3f},{(k % 7) * 1e-5:.6f},{(k % 5) * 1e-5:.6f}" for k in range(20_000))
    src = tmp_path / "rec.csv"
    src.write_text("time,L Biceps,R Biceps\n" + rows + "\n")
    cmd = f'"{sys.executable}" -m emgkit info <(cat "{src}") | head -4'
    piped = subprocess.run(["/bin/bash", "-c", cmd], capture_output=True, text=True, timeout=120, check=False)
    direct = subprocess.run([sys.executable, "-m", "emgkit", "info", str(src)], capture_output=True, text=True,
                            timeout=120, check=False)
    assert piped.returncode == 0, piped.stderr
    assert piped.stdout.splitlines()[1:4] == direct.stdout.splitlines()[1:4]
    assert "20.000 s" in piped.stdout


def test_fifo_without_writer_is_refused_quickly(tmp_path):
    fifo = tmp_path / "rec.csv"
    os.mkfifo(fifo)
    res = subprocess.run([sys.executable, "-m", "emgkit", "info", str(fifo)], capture_output=True, text=True,
                         timeout=30, check=False)
    assert res.returncode == 2 and str(fifo) in res.stderr and "no data" in res.stderr
