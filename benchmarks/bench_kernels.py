"""emgkit.kernels on the shared array (out= preallocated), SciPy's sosfiltfilt, and compile/cache costs."""

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

WINDOW_MS = 100.0
ROOT = Path(__file__).resolve().parents[1]

# Run in a fresh interpreter: import, first call (compiles or loads the cache), second call.
_FIRST_CALL = """
import json, sys, time
import numpy as np
shape, window = json.loads(sys.argv[1])
x = np.random.default_rng(0).standard_normal(shape)
t0 = time.perf_counter()
from emgkit.kernels import moving_rms
t1 = time.perf_counter()
moving_rms(x, window)
t2 = time.perf_counter()
moving_rms(x, window)
t3 = time.perf_counter()
print(json.dumps({"import": t1 - t0, "first": t2 - t1, "second": t3 - t2}))
"""


def run(bench):
    from scipy import signal

    from emgkit.kernels import moving_average, moving_rms, rectify, sosfiltfilt, tkeo

    x = bench.emg()
    out = np.empty_like(x)
    out.fill(0.0)  # fault the pages in once, like the copy floor's destination
    window = int(round(WINDOW_MS * 1e-3 * bench.fs))
    sos = signal.butter(4, [20, 450], btype="bandpass", fs=bench.fs, output="sos")

    bench.time("rectify (out=)", lambda: rectify(x, out=out))
    bench.time("rectify (allocating)", lambda: rectify(x), note="includes page faults of a fresh array")
    rms = bench.time(f"moving_rms {WINDOW_MS:g} ms = {window} samples (out=)", lambda: moving_rms(x, window, out=out))
    bench.time(f"moving_average {window} samples (out=)", lambda: moving_average(x, window, out=out))
    bench.time("tkeo (out=)", lambda: tkeo(x, out=out))
    bench.time(
        "sosfiltfilt 4 sections, 20-450 Hz (out=)",
        lambda: sosfiltfilt(sos, x, out=out),
        note=f"{len(sos)}-section Butterworth band-pass",
    )
    bench.time("scipy.signal.sosfiltfilt (same filter)", lambda: signal.sosfiltfilt(sos, x, axis=-1), note="single thread")
    _compile_and_cache(bench, window, rms.seconds)


def _compile_and_cache(bench, window, warm):
    """First call of moving_rms in fresh interpreters: empty cache (compile), then warm cache."""
    name = "moving_rms first call"
    with tempfile.TemporaryDirectory(prefix="emgkit-numba-cache-") as cache:
        env = dict(os.environ, NUMBA_CACHE_DIR=cache)
        runs = []
        for _ in range(2):  # cold, then cached
            proc = subprocess.run(
                [sys.executable, "-c", _FIRST_CALL, json.dumps([list(bench.shape), window])],
                capture_output=True,
                text=True,
                env=env,
                cwd=ROOT,
                timeout=600,
            )
            if proc.returncode != 0:
                bench.skip(name, f"subprocess failed: {proc.stderr.strip().splitlines()[-1:]}")
                return
            runs.append(json.loads(proc.stdout))
    cold, cached = runs
    bench.add(f"{name}, empty cache (compiles)", cold["first"], note=f"import emgkit.kernels {cold['import']:.2f} s")
    bench.add(f"{name}, warm disk cache (loads)", cached["first"], note=f"import emgkit.kernels {cached['import']:.2f} s")
    bench.add(f"{name}, in-process warm call", warm, note="= moving_rms row above")
