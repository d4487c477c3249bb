"""Issue #14: progress of a long single-file job (streamed analysis) on stderr, like batch's bar; stdout stays clean."""

import functools
import io
import re
import sys

import pytest

import emgkit
from emgkit import cli
from emgkit.batch import progress as progress_module
from emgkit.batch.progress import StepProgress, bar


class Terminal(io.StringIO):
    def isatty(self):
        return True


class Clock:
    def __init__(self):
        self.t = 0.0

    def __call__(self):
        return self.t


def test_bar_is_batch_bar():
    assert bar(0.0) == "[" + "." * 20 + "]" and bar(1.0) == "[" + "#" * 20 + "]" and bar(0.5).count("#") == 10
    assert bar(2.0) == bar(1.0) and bar(-1) == bar(0)


def test_step_progress_line_eta_throttle_and_clear():
    out, clock = Terminal(), Clock()
    p = StepProgress(out, clock=clock)
    clock.t = 5.0
    p("filtering", 0.0)  # the step starts at t = 5 s
    clock.t = 15.0
    p("filtering", 0.25)  # 10 s for a quarter: 30 s left
    line = out.getvalue().split("\r\x1b[2K")[-1]
    assert line.startswith(bar(0.25) + "  25 % filtering  0:15 elapsed") and line.endswith("step ETA 0:30"), line
    clock.t = 15.05
    p("filtering", 0.3)  # within 0.1 s of the last line: not drawn
    assert "30 %" not in out.getvalue()
    p("filtering", 1.0)  # the end of a step is always drawn
    assert "100 % filtering" in out.getvalue()
    p("detecting bursts")
    assert out.getvalue().split("\r\x1b[2K")[-1] == "detecting bursts  0:15 elapsed"
    p.close()
    assert out.getvalue().endswith("\r\x1b[2K")


@pytest.mark.parametrize("kind", ["pipe", "quiet"])
def test_step_progress_silent_off_a_terminal_and_when_quiet(kind):
    out = io.StringIO() if kind == "pipe" else Terminal()
    p = StepProgress(out, verbosity=0 if kind == "quiet" else 1)
    p("filtering", 0.5)
    p.close()
    assert out.getvalue() == ""


@pytest.fixture(scope="module")
def long_file(tmp_path_factory):
    rec = emgkit.datasets.simulate(duration_s=30, fs=1000, seed=11)
    path = tmp_path_factory.mktemp("progress") / "long.h5"
    emgkit.write(rec, path)
    return path


def test_streamed_analysis_shows_progress_on_stderr_only(long_file, tmp_path, capsys, monkeypatch):
    import emgkit.analysis.pipeline as pipeline

    monkeypatch.setattr(pipeline, "DEFAULT_CHUNK_S", 3.0)  # 10 chunks of the 30 s record
    # every update drawn: on an idle machine the 10 chunks take less than the bar's 0.1 s between lines
    monkeypatch.setattr(progress_module, "StepProgress", functools.partial(StepProgress, min_interval_s=0.0))
    terminal = Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    assert cli.main(["analyze", str(long_file), "--out", str(tmp_path / "a"), "--stream", "on"]) == 0
    err, out = terminal.getvalue(), capsys.readouterr().out
    shown = [int(x) for x in re.findall(r"\]\s+(\d+) % filtering", err)]
    assert len(shown) >= 2 and shown == sorted(shown) and shown[-1] == 100, err
    for step in ("detecting bursts", "finding repetitions", "spectra (fatigue)", "building the tables", "writing the results"):
        assert step in err
    assert err.endswith("\r\x1b[2K")  # the line is cleared before the results are printed
    assert "\r" not in out and "filtering" not in out and "\x1b" not in out
    assert out.startswith(f"analysed {long_file}")


def test_no_progress_when_quiet_or_not_a_terminal(long_file, tmp_path, capsys, monkeypatch):
    import emgkit.analysis.pipeline as pipeline

    monkeypatch.setattr(pipeline, "DEFAULT_CHUNK_S", 3.0)
    assert cli.main(["analyze", str(long_file), "--out", str(tmp_path / "a"), "--stream", "on"]) == 0
    assert "\r" not in capsys.readouterr().err  # stderr is not a terminal here
    terminal = Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    assert cli.main(["analyze", str(long_file), "--out", str(tmp_path / "b"), "--stream", "on", "--quiet"]) == 0
    assert terminal.getvalue() == "" and capsys.readouterr().out == ""


def test_convert_progress_lines_go_with_quiet(long_file, tmp_path, capsys, monkeypatch):
    import emgkit.convert as conv

    monkeypatch.setattr(conv, "STEP_LINES_ABOVE_BYTES", 0)  # the input counts as large: reading/writing lines
    assert cli.main(["convert", str(long_file), "--out", str(tmp_path / "a"), "--to", "csv"]) == 0
    loud = capsys.readouterr()
    assert "reading long.h5" in loud.err and "[1/1] ok long.h5" in loud.err and "reading" not in loud.out
    assert cli.main(["convert", str(long_file), "--out", str(tmp_path / "b"), "--to", "csv", "--quiet"]) == 0
    quiet = capsys.readouterr()
    assert quiet.err == "" and quiet.out == loud.out.replace(str(tmp_path / "a"), str(tmp_path / "b"))
