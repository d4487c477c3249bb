"""The emgkit command line: fast help, clear errors, the foundation's commands."""

import subprocess
import sys

import pytest

from emgkit import cli


def run(*args):
    return subprocess.run([sys.executable, "-m", "emgkit.cli", *args], capture_output=True, text=True)


def test_help_and_version_load_nothing_heavy():
    code = (
        "import sys\nfrom emgkit import cli\n"
        "try:\n    cli.main(['--help'])\nexcept SystemExit:\n    pass\n"
        "print([m for m in ('numba', 'h5py', 'plotly', 'pandas', 'scipy') if m in sys.modules])"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip().endswith("[]"), out
    res = run("--version")
    assert res.returncode == 0 and res.stdout.startswith("emgkit ")


def test_no_command_prints_help_and_exits_2(capsys):
    assert cli.main([]) == cli.EXIT_USAGE
    assert "COMMAND" in capsys.readouterr().out


def test_missing_file_is_one_clear_line(tmp_path):
    res = run("info", str(tmp_path / "nope.h5"))
    assert res.returncode == cli.EXIT_USAGE
    assert "Traceback" not in res.stderr
    assert "nope.h5" in res.stderr and res.stderr.startswith("emgkit info: error:")


def test_unknown_sample_lists_available():
    res = run("info", "sample:nope")
    assert res.returncode == cli.EXIT_USAGE
    assert "curls" in res.stderr and "Traceback" not in res.stderr


def test_info_on_bundled_sample():
    res = run("info", "sample:curls")
    assert res.returncode == 0, res.stderr
    assert "fs" in res.stdout and "biceps_brachii" in res.stdout and "clipped" in res.stdout


def test_simulate_then_info(tmp_path):
    out = tmp_path / "sim.h5"
    res = run("simulate", str(out), "--duration", "5", "--fs", "1000", "--seed", "3")
    assert res.returncode == 0, res.stderr
    import emgkit

    rec = emgkit.read(out)
    assert rec.fs == 1000 and rec.duration == pytest.approx(5.0)
    assert "truth" in rec.meta
    res = run("simulate", str(out))
    assert res.returncode == cli.EXIT_USAGE and "overwrite" in res.stderr


def test_report_needs_fs_for_files_without_one_and_refuses_to_overwrite(tmp_path):
    import h5py
    import numpy as np

    src = tmp_path / "nofs.h5"
    with h5py.File(src, "w") as f:
        f["emg"] = np.random.default_rng(0).standard_normal((2, 3000))
    out = tmp_path / "out"
    res = run("report", str(src), "--out", str(out), "--quiet")
    assert res.returncode == cli.EXIT_USAGE and "no sampling rate" in res.stderr and "Traceback" not in res.stderr
    res = run("analyze", str(src), "--out", str(out), "--fs", "1000", "--quiet")
    assert res.returncode == 0, res.stderr
    assert (out / "analysis.h5").exists()
    stamp = (out / "analysis.h5").stat().st_mtime_ns
    res = run("analyze", str(src), "--out", str(out), "--fs", "1000", "--quiet")
    assert res.returncode == 0, res.stderr  # the same command: its complete result is kept (docs/reliability.md)
    assert (out / "analysis.h5").stat().st_mtime_ns == stamp
    res = run("analyze", str(src), "--out", str(out), "--fs", "2000", "--quiet")
    assert res.returncode == cli.EXIT_USAGE and "pass --overwrite" in res.stderr  # another request: refused
    res = run("report", str(src), "--out", str(out), "--fs", "1000", "--quiet", "--overwrite")
    assert res.returncode == 0, res.stderr
    assert (out / "report.html").stat().st_size > 1_000_000


def test_closed_pipe_is_not_an_error():
    proc = subprocess.Popen([sys.executable, "-m", "emgkit.cli", "config", "--show"], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    proc.stdout.close()  # the reader is gone before emgkit writes, like `| head -0`
    stderr = proc.stderr.read()
    assert proc.wait() == 0 and "error" not in stderr.lower(), stderr
