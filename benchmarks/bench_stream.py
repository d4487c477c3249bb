"""Streaming analysis of one HDF5 file vs reading it alone and vs the in-memory analysis (MB/s, same tables)."""

import shutil
import tempfile
import warnings
from pathlib import Path

import numpy as np

MUSCLES = ("biceps_brachii", "triceps_brachii", "rectus_femoris", "biceps_femoris",
           "tibialis_anterior", "gastrocnemius_medialis", "deltoid_anterior", "deltoid_posterior")


def run(bench):
    import emgkit
    from emgkit.analysis_stream import analyze_file
    from emgkit.datasets import simulate

    n_channels, n = bench.shape
    duration = n / bench.fs
    rec = simulate(duration_s=duration, fs=bench.fs, muscles=MUSCLES[: max(1, n_channels // 2)], sides=("L", "R"), seed=5)
    folder = Path(tempfile.mkdtemp(prefix="emgkit-bench-stream-"))
    try:
        path = folder / "rec.h5"
        emgkit.write(rec, path)
        mb = rec.n_channels * rec.n_samples * 8 / 1e6  # float64 samples analysed
        label = f"{rec.n_channels} ch x {duration / 60:.1f} min, {mb:.0f} MB of samples"
        chunk_s = min(60.0, duration / 4)

        def read_alone():
            with emgkit.open(path) as f:
                for _, block in f.iter_chunks(chunk_s):
                    np.asarray(block.data)

        floor = bench.time(f"read the file alone in {chunk_s:g} s chunks ({label})", read_alone, reference=True)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            out = {}
            stream = bench.time("analyze_file (streamed)", lambda: out.update(s=analyze_file(path, chunk_s=chunk_s)), repeat=1)
            memory = bench.time("analyze(read(file)) (in memory)", lambda: out.update(m=emgkit.analyze(emgkit.read(path))), repeat=1)
        worst = _worst_difference(out["m"], out["s"])
        stream.note = (f"{mb / stream.seconds:.1f} MB/s; {stream.seconds / floor.seconds:.0f}x reading alone; "
                       f"largest table difference vs in memory {worst:.1e} (relative)")
        memory.note = f"{mb / memory.seconds:.1f} MB/s"
        floor.note = f"{mb / floor.seconds:.0f} MB/s"
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _worst_difference(ref, got):
    worst = 0.0
    for name, a in ref.tables.items():
        b = got.tables[name]
        for col in a.columns:
            if a[col].dtype.kind == "f":
                x, y = a[col].to_numpy(), b[col].to_numpy()
                ok = np.isfinite(x) & np.isfinite(y)
                if ok.any():
                    worst = max(worst, float(np.max(np.abs(x[ok] - y[ok]) / np.maximum(1.0, np.abs(x[ok])))))
    return worst
