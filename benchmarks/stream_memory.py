"""Peak memory and throughput of the streaming analysis on a recording larger than memory allows in-memory.

Writes a simulated bilateral arm recording of ``--gb`` gigabytes (16 channels of
float64 at 2 kHz by default: 4 GB is about 4.3 hours) with :func:`emgkit.io.create`,
then, each in a fresh process so that peak resident memory (``ru_maxrss``) is
its own:

* ``read``: every sample read once in 60 s chunks (the floor: reading the file alone);
* ``stream``: :func:`emgkit.analysis_stream.analyze_file` (tables equal to the in-memory path);
* ``memory`` (with ``--in-memory``): ``emgkit.analyze(emgkit.read(path))``, only for small files.

Usage::

    python -m benchmarks.stream_memory --gb 4 [--dir /tmp] [--keep] [--chunk-s 20]
    python -m benchmarks.stream_memory --file long.h5      # an existing recording instead

Prints and returns a JSON line with MB/s of each run (of the file on disk and of
its float64 samples), the ratio stream/read, the CPU time of each run (all
threads; other jobs on the machine disturb it far less than wall time) and the
peak resident memory of each process (``VmHWM``).  Not part of ``python -m benchmarks`` (it takes
minutes and needs ``--gb`` x 3 of free disk: the file and the scratch signals).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

FS = 2000.0
MUSCLES = ["biceps_brachii", "triceps_brachii", "brachioradialis", "deltoid_anterior",
           "deltoid_posterior", "pectoralis_major", "trapezius_upper", "latissimus_dorsi"]
TILE_S = 240.0  # simulated once, then repeated with fresh noise: generation stays fast for hours of data


def make_recording(path: Path, gigabytes: float, seed=0) -> dict:
    """Write ``gigabytes`` of 16-channel float64 EMG; returns its shape."""
    import emgkit
    from emgkit.datasets.simulate import simulate

    tile = simulate(duration_s=TILE_S, fs=FS, muscles=MUSCLES, lr_ratio={"biceps_brachii": 1.3}, seed=seed)
    n_ch = tile.n_channels
    total = int(gigabytes * 1e9 / (8 * n_ch))
    rng = np.random.default_rng(seed)
    noise = float(np.median(np.abs(tile.data))) * 0.2
    with emgkit.io.create(path, FS, tile.channels, unit=tile.unit, overwrite=True) as writer:
        done = 0
        while done < total:
            k = min(tile.n_samples, total - done)
            writer.append(tile.data[:, :k] + noise * rng.standard_normal((n_ch, k)))
            done += k
    return {"n_channels": n_ch, "n_samples": total, "bytes": path.stat().st_size}


CHILD = r"""
import json, sys, time, warnings
mode, path, chunk_s = sys.argv[1], sys.argv[2], float(sys.argv[3])

def peak_mb():  # VmHWM: this process's peak resident set (ru_maxrss would carry the parent's over exec)
    with open("/proc/self/status") as f:
        return next(int(line.split()[1]) for line in f if line.startswith("VmHWM:")) / 1024

import numpy as np, emgkit
from emgkit.analysis_stream import analyze_file
start_rss = peak_mb()
t, cpu = time.perf_counter(), time.process_time()
with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    if mode == "read":
        total = 0.0
        with emgkit.open(path) as f:
            for _, block in f.iter_chunks(chunk_s):
                total += float(np.asarray(block.data)[:, :1].sum())
    elif mode == "stream":
        res = analyze_file(path, chunk_s=chunk_s)
    else:
        res = emgkit.analyze(emgkit.read(path))
seconds, cpu = time.perf_counter() - t, time.process_time() - cpu  # cpu: all threads of the process
print(json.dumps({"mode": mode, "seconds": seconds, "cpu_seconds": cpu, "peak_rss_mb": peak_mb(), "rss_after_import_mb": start_rss}))
"""


def run_child(mode, path, chunk_s):
    out = subprocess.run([sys.executable, "-c", CHILD, mode, str(path), str(chunk_s)], capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m benchmarks.stream_memory", description=__doc__.splitlines()[0])
    parser.add_argument("--gb", type=float, default=4.0, help="size of the simulated recording, GB (default 4)")
    parser.add_argument("--dir", default=None, help="folder for the file and the scratch (default: system temp)")
    parser.add_argument("--chunk-s", type=float, default=20.0, help="streaming chunk, s (default 20, as analyze_file)")
    parser.add_argument("--in-memory", action="store_true", help="also time the in-memory analysis (small files only)")
    parser.add_argument("--keep", action="store_true", help="keep the recording afterwards")
    parser.add_argument("--file", help="use this recording (kept) instead of simulating one")
    args = parser.parse_args(argv)
    folder = Path(tempfile.mkdtemp(prefix="emgkit-bench-", dir=args.dir))
    t = time.perf_counter()
    if args.file:
        import emgkit

        path = Path(args.file)
        with emgkit.open(path) as f:
            shape = {"n_channels": f.n_channels, "n_samples": f.n_samples, "bytes": path.stat().st_size}
    else:
        path = folder / "long.h5"
        shape = make_recording(path, args.gb)
    print(f"using {path} ({shape['bytes'] / 1e9:.2f} GB, {shape['n_channels']} ch x {shape['n_samples']} samples) "
          f"in {time.perf_counter() - t:.0f} s", flush=True)
    # the first run compiles the kernels into Numba's cache, so the timed runs measure work, not compilation
    run_child("stream", make_small(folder), args.chunk_s)
    results = {"file_gb": shape["bytes"] / 1e9, "samples_gb": shape["n_channels"] * shape["n_samples"] * 8 / 1e9, **shape,
               "chunk_s": args.chunk_s}
    modes = ["read", "stream"] + (["memory"] if args.in_memory else [])
    for mode in modes:
        r = run_child(mode, path, args.chunk_s)
        r["mb_per_s"] = shape["bytes"] / 1e6 / r["seconds"]  # of the file on disk
        r["sample_mb_per_s"] = results["samples_gb"] * 1e3 / r["seconds"]  # of float64 samples
        results[mode] = r
        print(json.dumps(r), flush=True)
    results["stream_vs_read"] = results["stream"]["seconds"] / results["read"]["seconds"]
    print(json.dumps(results))
    for p in folder.iterdir():
        if p != path or not args.keep:
            p.unlink()
    if not any(folder.iterdir()):
        folder.rmdir()
    return results


def make_small(folder: Path) -> Path:
    import emgkit
    from emgkit.datasets.simulate import simulate

    small = folder / "warmup.h5"
    emgkit.write(simulate(duration_s=20.0, fs=FS, muscles=MUSCLES[:2], seed=1), small, overwrite=True)
    return small


if __name__ == "__main__":
    main()
