"""Timing, synthetic data, machine description and reporting for ``python -m benchmarks``."""

from __future__ import annotations

import gc
import json
import os
import platform
import time
from dataclasses import asdict, dataclass, field
from importlib import metadata
from pathlib import Path

import numpy as np

FS = 2000.0  # Hz
FULL_SHAPE = (16, int(600 * FS))  # 16 channels x 10 min at 2 kHz
QUICK_SHAPE = (4, int(20 * FS))  # 4 channels x 20 s: a smoke test
SLOW_RUN_S = 1.0  # a call slower than this is repeated at most 3 times


@dataclass
class Row:
    """One measurement: best-of-N wall time in seconds, or a skip with its reason."""

    group: str
    name: str
    seconds: float | None = None
    times: list = field(default_factory=list)
    note: str = ""
    skipped: str = ""
    reference: bool = False


class Bench:
    """What a benchmark module's ``run(bench)`` receives.

    Attributes
    ----------
    fs : float
        Sampling rate of the synthetic data in Hz.
    shape : tuple
        ``(n_channels, n_samples)`` of the synthetic data.
    repeat : int
        Timed runs per measurement (best is kept).
    quick : bool
        Smoke-test mode (small arrays).
    """

    def __init__(self, *, quick=False, repeat=5):
        self.quick = quick
        self.repeat = repeat
        self.fs = FS
        self.shape = QUICK_SHAPE if quick else FULL_SHAPE
        self.rows: list[Row] = []
        self.group = ""
        self._signals = {}

    # -- data ---------------------------------------------------------------
    def emg(self, dtype=np.float64):
        """The shared synthetic EMG, ``(n_channels, n_samples)`` C-contiguous (cached; do not modify)."""
        key = np.dtype(dtype)
        if key not in self._signals:
            if np.dtype(np.float64) not in self._signals:
                self._signals[np.dtype(np.float64)] = synthetic_emg(self.shape, self.fs)
            self._signals[key] = self._signals[np.dtype(np.float64)].astype(key)
        return self._signals[key]

    # -- measurements ----------------------------------------------------------
    def time(self, name, func, *, note="", reference=False, warmup=True, repeat=None):
        """Best-of-``repeat`` wall time of ``func()``; records and returns the Row.

        One untimed warm-up call first (JIT compilation, caches) unless
        ``warmup=False``.  Calls slower than 1 s are repeated at most 3 times.
        """
        repeat = repeat or self.repeat
        if warmup:
            func()
        times = []
        for i in range(repeat):
            gc.collect()
            gc.disable()
            try:
                start = time.perf_counter()
                func()
                times.append(time.perf_counter() - start)
            finally:
                gc.enable()
            if times[-1] > SLOW_RUN_S and i + 1 >= 3:
                break
        row = Row(self.group, name, min(times), times, note, reference=reference)
        self.rows.append(row)
        print(f"  {name:<52s} {row.seconds:10.4f} s", flush=True)
        return row

    def add(self, name, seconds, *, note="", times=None):
        """Record a time measured elsewhere (e.g. in a subprocess)."""
        row = Row(self.group, name, seconds, list(times or [seconds]), note)
        self.rows.append(row)
        print(f"  {name:<52s} {seconds:10.4f} s", flush=True)
        return row

    def skip(self, name, reason):
        """Record that ``name`` was not measured, and why."""
        self.rows.append(Row(self.group, name, skipped=reason))
        print(f"  {name:<52s}    skipped: {reason}", flush=True)


def import_biosppy(module="tools"):
    """``biosppy.signals.<module>``, or raise the import error.

    BioSPPy 2.2 imports ``peakutils`` at package import for its ECG code
    only; when that is missing an empty stand-in module is registered (in
    this process only) so the EMG and ``tools`` functions can be timed.
    """
    import importlib
    import sys
    import types

    try:
        import peakutils  # noqa: F401
    except ImportError:
        sys.modules.setdefault("peakutils", types.ModuleType("peakutils"))
    return importlib.import_module(f"biosppy.signals.{module}")


def synthetic_emg(shape, fs, seed=0):
    """Seeded EMG-like test signal in volts: bursts of noise, a noise floor, hum and offset.

    Each channel gets 1-2 s activation bursts (raised-cosine edges, channel-
    specific amplitude) every 3-5 s on a 5 uV noise floor, plus 50 Hz
    interference and a DC offset, so filters and envelopes have real work.
    """
    n_channels, n = shape
    rng = np.random.default_rng(seed)
    amplitude = np.full(shape, 5e-6)
    for c in range(n_channels):
        peak = 1e-4 * (1 + c % 4)
        onset = rng.uniform(0.5, 2.0) * fs
        while onset < n:
            length = int(rng.uniform(1.0, 2.0) * fs)
            ramp = min(int(0.2 * fs), length // 2)
            burst = np.ones(length)
            edge = 0.5 - 0.5 * np.cos(np.pi * np.arange(ramp) / ramp)
            burst[:ramp] = edge
            burst[length - ramp :] = edge[::-1]
            start = int(onset)
            stop = min(n, start + length)
            amplitude[c, start:stop] += peak * burst[: stop - start]
            onset += length + rng.uniform(1.0, 3.0) * fs
    x = rng.standard_normal(shape)
    x *= amplitude
    t = np.arange(n) / fs
    x += 2e-5 * np.sin(2 * np.pi * 50.0 * t + rng.uniform(0, 2 * np.pi, (n_channels, 1)))
    x += rng.uniform(-1e-3, 1e-3, (n_channels, 1))
    return x


def machine_info():
    """CPU model, cores, load and library versions for the JSON record (call after the runs)."""
    model = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as fh:
            for line in fh:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    versions = {}
    for dist in ("numpy", "scipy", "numba", "llvmlite", "emgkit", "neurokit2", "biosppy"):
        try:
            versions[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            versions[dist] = None
    import numba

    return {
        "cpu_model": model,
        "logical_cpus": os.cpu_count(),
        "usable_cpus": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count(),
        "numba_threads": numba.get_num_threads(),
        "numba_threading_layer": _threading_layer(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "load_average": list(os.getloadavg()) if hasattr(os, "getloadavg") else None,
        "versions": versions,
    }


def _threading_layer():
    """Numba's threading layer, known once a parallel kernel has run (call this last)."""
    import numba

    try:
        return numba.threading_layer()
    except ValueError:
        return None


def report(rows, machine, config, *, json_path):
    """Print the table and write the JSON record; returns the JSON-ready dict."""
    floor = next((r.seconds for r in rows if r.group == "floor" and r.seconds), None)
    ref = next((r for r in rows if r.reference and r.seconds), None)
    ref_label = f"{ref.name.split()[0]}/t" if ref else "ref/t"
    print()
    print(
        f"{config['shape'][0]} ch x {config['shape'][1]} samples float64 at {config['fs']:g} Hz; "
        f"best of {config['repeat']}; {machine['cpu_model']}, {machine['usable_cpus']} CPUs"
    )
    gw = max([len("group")] + [len(r.group) for r in rows])
    nw = max([len("benchmark")] + [len(r.name) for r in rows])
    header = f"{'group':<{gw}s} {'benchmark':<{nw}s} {'seconds':>9s} {'x copy':>8s} {ref_label:>12s}  note"
    print(header)
    print("-" * len(header))
    records = []
    for r in rows:
        ratio = r.seconds / floor if (floor and r.seconds) else None
        speedup = ref.seconds / r.seconds if (ref and r.seconds) else None
        rec = asdict(r)
        rec["median_seconds"] = float(np.median(r.times)) if r.times else None
        rec["x_copy"] = ratio
        rec["speedup_vs_reference"] = speedup
        records.append(rec)
        if r.skipped:
            print(f"{r.group:<{gw}s} {r.name:<{nw}s} {'-':>9s} {'':>8s} {'':>12s}  skipped: {r.skipped}")
            continue
        ratio_s = f"{ratio:8.2f}" if ratio is not None else f"{'':>8s}"
        speed_s = f"{speedup:12.2f}" if speedup is not None else f"{'':>12s}"
        print(f"{r.group:<{gw}s} {r.name:<{nw}s} {r.seconds:9.4f} {ratio_s} {speed_s}  {r.note}")
    result = {
        "command": config["command"],
        "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "machine": machine,
        "config": config,
        "floor_seconds": floor,
        "reference": ref.name if ref else None,
        "results": records,
    }
    json_path = Path(json_path)
    json_path.parent.mkdir(parents=True, exist_ok=True)
    json_path.write_text(json.dumps(result, indent=2, default=float) + "\n", encoding="utf-8")
    print(f"\nwrote {json_path}")
    return result
