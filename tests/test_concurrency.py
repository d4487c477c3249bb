"""Concurrency: two batches on one output folder; emgkit.analyze from 4 threads; two saves into one folder."""

import subprocess
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pandas as pd

import emgkit
from emgkit.analysis import TABLES
from emgkit.batch.manifest import MANIFEST_NAME
from emgkit.batch.runner import run_batch
from emgkit.datasets import simulate


def _tree(folder):
    folder = Path(folder)
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_two_batches_on_one_folder_both_end_cleanly_with_every_recording(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    for k in range(3):
        emgkit.write(simulate(duration_s=8, fs=1000, seed=90 + k), data / f"r{k}.h5")
    (data / "bad.h5").write_bytes(b"not a recording")
    ref = run_batch([data], tmp_path / "ref", workers=1)
    assert ref.n_failed == 1
    out = tmp_path / "out"
    cmd = [sys.executable, "-m", "emgkit.batch.cli", str(data), "--out", str(out), "--workers", "1"]
    procs = [subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(2)]
    outs = [p.communicate(timeout=240) for p in procs]
    assert [p.returncode for p in procs] == [1, 1], outs  # 1: bad.h5 failed, listed; no other error
    assert sum("being written by another emgkit batch; waiting" in o for o, _ in outs) == 1, outs
    assert sum("4 to analyse, 0 already done" in o for o, _ in outs) == 1, outs  # the first analyses everything ...
    assert sum("1 to analyse, 3 already done" in o for o, _ in outs) == 1, outs  # ... the second waits, then resumes
    failures = pd.read_csv(out / "failures.csv")
    assert list(failures["recording"]) == ["bad.h5"]
    assert _tree(out) == _tree(tmp_path / "ref")
    assert len(list(out.rglob(MANIFEST_NAME))) == 3 and not [p for p in out.rglob(".*") if ".tmp-" in p.name]


def _recordings():
    """Four distinct recordings whose analyses carry different notes (rate under 1 kHz, clipping, imbalance)."""
    return [
        simulate(duration_s=10, fs=2000, seed=1),
        simulate(duration_s=10, fs=500, seed=2, lr_ratio=1.5),  # fs below 1 kHz: a note of its own
        simulate(duration_s=10, fs=1000, seed=3, adc_range_uv=400.0),  # clipped
        simulate(duration_s=10, fs=1000, seed=4, powerline_uv=40.0, onset_delay_s=0.08),
    ]


def test_analyze_from_4_threads_equals_one_thread(tmp_path):
    recs = _recordings()
    alone = [emgkit.analyze(r) for r in recs]
    assert len({tuple(a.notes) for a in alone}) == 4  # distinct notes, so a note moved between them would show
    barrier = threading.Barrier(4)

    def run(rec):
        barrier.wait()
        return emgkit.analyze(rec)

    for _ in range(3):
        with ThreadPoolExecutor(4) as pool:
            together = list(pool.map(run, recs))
        for a, b in zip(alone, together):
            assert b.notes == a.notes
            for name in TABLES:
                pd.testing.assert_frame_equal(getattr(b, name), getattr(a, name), check_exact=True)


def test_two_threads_saving_into_one_folder_leave_one_whole_analysis(tmp_path):
    a, b = (emgkit.analyze(r) for r in _recordings()[:2])
    a.save(tmp_path / "a")
    b.save(tmp_path / "b")
    barrier = threading.Barrier(2)

    def save(result):
        barrier.wait()
        result.save(tmp_path / "both", overwrite=True)

    threads = [threading.Thread(target=save, args=(r,)) for r in (a, b)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    loaded = emgkit.load_analysis(tmp_path / "both")  # one writer at a time: whichever came last, whole
    assert _tree(tmp_path / "both") in (_tree(tmp_path / "a"), _tree(tmp_path / "b"))
    assert loaded.notes in (a.notes, b.notes)
