"""Run many ``emgkit`` commands, each in a child process of its own, measuring exit code, time and peak memory.

Used by ``tests/test_malformed.py``: starting Python and importing emgkit,
NumPy, pandas and h5py for each of hundreds of runs would take minutes, so
this process imports them once and **forks** one child per command.  Each
child runs ``emgkit.cli.main(argv)`` with its stdout and stderr sent to
files and ends with ``os._exit(code)`` (an exception escaping ``main`` is
printed as a traceback and ends it with code 99).  The parent reads each
child's own peak resident memory from ``os.wait4`` (``ru_maxrss``) and kills
a child that runs past its time limit (reported as ``"killed": true``).

Usage: ``python tests/malformed_runner.py JOBS.json RESULTS.json``; JOBS is a
list of ``{"argv": [...], "cwd": "...", "timeout": seconds}``.
"""

from __future__ import annotations

import json
import os
import resource
import signal
import sys
import time
import traceback


# GNU OpenMP aborts a forked child of a process that used it; numba's own workqueue layer survives fork()
os.environ.setdefault("NUMBA_THREADING_LAYER", "workqueue")


def _preload():
    """Import what the commands import, so each child starts warm (the children share these pages)."""
    import h5py  # noqa: F401
    import pandas  # noqa: F401
    import scipy.signal  # noqa: F401

    import emgkit
    import emgkit.analysis_cli  # noqa: F401
    import emgkit.convert  # noqa: F401
    from emgkit import cli

    cli.build_parser()
    # compile the activation kernels once here: every child inherits them instead of compiling its own
    import numpy as np

    from emgkit.activation import detect_activation

    rng = np.random.default_rng(0)
    detect_activation(emgkit.Recording(rng.normal(0, 1e-4, (2, 8000)), 1000.0, ["L Biceps", "R Biceps"]))
    for optional in ("ezc3d", "pyedflib"):
        try:
            __import__(optional)
        except ImportError:
            pass
    return emgkit


def _child(job, out_path, err_path) -> None:
    out = os.open(out_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    err = os.open(err_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.dup2(out, 1)
    os.dup2(err, 2)
    code = 99
    try:
        os.chdir(job.get("cwd") or ".")
        limit = 4 * 2**30  # a safety net for the machine; the test's ceiling is far lower
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
        from emgkit import cli

        code = cli.main(job["argv"])
    except SystemExit as exc:  # argparse usage errors
        code = exc.code if isinstance(exc.code, int) else 2
    except BaseException:
        traceback.print_exc()
        code = 99
    finally:
        try:
            sys.stdout.flush()
            sys.stderr.flush()
        except Exception:  # noqa: S110 - a closed stream: nothing left to flush
            pass
        os._exit(code if isinstance(code, int) else 99)


def run(jobs, workdir):
    results = []
    base_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    for k, job in enumerate(jobs):
        out_path, err_path = os.path.join(workdir, f"{k}.out"), os.path.join(workdir, f"{k}.err")
        t0 = time.monotonic()
        pid = os.fork()
        if pid == 0:
            _child(job, out_path, err_path)
        killed = False
        while True:
            done, status, usage = os.wait4(pid, os.WNOHANG)
            if done:
                break
            if time.monotonic() - t0 > job.get("timeout", 60):
                os.kill(pid, signal.SIGKILL)
                killed = True
                done, status, usage = os.wait4(pid, 0)
                break
            time.sleep(0.005)
        elapsed = time.monotonic() - t0
        with open(out_path, encoding="utf-8", errors="replace") as fh:
            stdout = fh.read(200_000)
        with open(err_path, encoding="utf-8", errors="replace") as fh:
            stderr = fh.read(200_000)
        results.append({
            "argv": job["argv"],
            "code": os.waitstatus_to_exitcode(status),
            "killed": killed,
            "seconds": elapsed,
            "rss_mb": usage.ru_maxrss / 1024,
            "parent_rss_mb": base_kb / 1024,
            "stdout": stdout,
            "stderr": stderr,
        })
    return results


def main(argv):
    jobs_file, results_file = argv
    with open(jobs_file, encoding="utf-8") as fh:
        jobs = json.load(fh)
    _preload()
    workdir = os.path.dirname(os.path.abspath(results_file))
    results = run(jobs, workdir)
    with open(results_file, "w", encoding="utf-8") as fh:
        json.dump(results, fh)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
