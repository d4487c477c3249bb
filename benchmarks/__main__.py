"""Command line of the benchmark harness: discover ``bench_*.py`` groups, run, report."""

import argparse
import importlib
import os
import pkgutil
import sys
import time
from pathlib import Path

import numpy as np

from ._harness import Bench, machine_info, report

HERE = Path(__file__).resolve().parent


def discover():
    """``{group: module name}`` for every ``bench_<group>.py`` beside this file, sorted."""
    names = sorted(m.name for m in pkgutil.iter_modules([str(HERE)]) if m.name.startswith("bench_"))
    return {name[len("bench_") :]: f"{__package__}.{name}" for name in names}


def _description(module_name):
    doc = importlib.import_module(module_name).__doc__ or ""
    return doc.strip().splitlines()[0] if doc.strip() else ""


def parse_args(argv, groups):
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks",
        description="Time emgkit's kernels and pipeline against a memory copy, NumPy/SciPy, NeuroKit2 and BioSPPy.",
    )
    parser.add_argument("--only", metavar="NAME[,NAME]", help=f"groups to run (of: {', '.join(groups)})")
    parser.add_argument("--quick", action="store_true", help="small arrays (4 ch x 20 s): a smoke test")
    parser.add_argument("--repeat", type=int, default=None, help="timed runs per measurement (default 5, quick 2)")
    parser.add_argument("--json", metavar="PATH", help="where to write the JSON (default benchmarks/results/<time>.json)")
    parser.add_argument("--list", action="store_true", help="list the groups and exit")
    args = parser.parse_args(argv)
    if args.only:
        wanted = [g.strip() for g in args.only.split(",") if g.strip()]
        unknown = [g for g in wanted if g not in groups]
        if unknown:
            parser.error(f"unknown group(s) {', '.join(unknown)}; available: {', '.join(groups)}")
        args.groups = wanted
    else:
        args.groups = list(groups)
    if args.repeat is not None and args.repeat < 1:
        parser.error(f"--repeat must be >= 1, got {args.repeat}")
    return args


def main(argv=None):
    groups = discover()
    args = parse_args(sys.argv[1:] if argv is None else argv, groups)
    if args.list:
        for group, module in groups.items():
            print(f"{group:<12s} {_description(module)}")
        return 0
    bench = Bench(quick=args.quick, repeat=args.repeat or (2 if args.quick else 5))
    load_before = list(os.getloadavg()) if hasattr(os, "getloadavg") else None
    print(f"data: {bench.shape[0]} ch x {bench.shape[1]} samples at {bench.fs:g} Hz (float64)", flush=True)
    x = bench.emg()

    bench.group = "floor"
    print("[floor]")
    copy = np.empty_like(x)
    bench.time("memory copy (np.copyto, preallocated)", lambda: np.copyto(copy, x))
    del copy
    for group in args.groups:
        bench.group = group
        print(f"[{group}]", flush=True)
        importlib.import_module(groups[group]).run(bench)

    stamp = time.strftime("%Y%m%d-%H%M%S")
    json_path = args.json or HERE / "results" / f"{stamp}{'-quick' if args.quick else ''}.json"
    config = {
        "command": "python -m benchmarks " + " ".join(sys.argv[1:] if argv is None else argv),
        "shape": list(bench.shape),
        "fs": bench.fs,
        "dtype": "float64",
        "repeat": bench.repeat,
        "quick": bench.quick,
        "groups": args.groups,
        "load_average_before": load_before,
    }
    report(bench.rows, machine_info(), config, json_path=json_path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
