"""The command line's inputs: python -m emgkit, --fs wherever a file is read, shell completion."""

import shutil
import subprocess
import sys

import numpy as np
import pytest

from emgkit.cli import EXIT_USAGE, build_parser, main


@pytest.fixture
def csv_no_rate(tmp_path, rng):
    """A text file with no time column and no rate: it needs --fs."""
    path = tmp_path / "t.csv"
    np.savetxt(path, rng.standard_normal((2000, 2)) * 1e-4, delimiter=",", header="L Biceps,R Biceps", comments="")
    return path


def test_python_dash_m_emgkit_runs_the_cli():
    proc = subprocess.run([sys.executable, "-m", "emgkit", "--version"], capture_output=True, text=True, check=False)
    assert proc.returncode == 0 and proc.stdout.startswith("emgkit ")


@pytest.mark.parametrize("command", ["info", "onsets", "analyze", "report", "convert", "batch"])
def test_every_command_that_reads_a_file_takes_fs(command):
    sub = build_parser()._subparsers._group_actions[0].choices[command]
    assert "--fs" in {flag for a in sub._actions for flag in a.option_strings}


def test_info_needs_fs_for_a_text_file_and_takes_it(csv_no_rate, capsys):
    assert main(["info", str(csv_no_rate)]) == EXIT_USAGE  # a refused input
    assert "no sampling rate" in capsys.readouterr().err
    assert main(["info", str(csv_no_rate), "--fs", "500"]) == 0
    out = capsys.readouterr().out
    assert "fs        500 Hz" in out and "duration  4.000 s" in out


def test_fs_is_not_forced_on_a_file_that_stores_its_rate(capsys):
    assert main(["info", "sample:curls", "--fs", "123"]) == 0
    assert "fs        123 Hz" not in capsys.readouterr().out


def test_onsets_takes_fs(csv_no_rate, tmp_path, capsys):
    out = tmp_path / "bursts.csv"
    assert main(["onsets", str(csv_no_rate), "--fs", "1000", "--out", str(out)]) == 0
    assert out.read_text().startswith("channel,muscle,side,burst,onset_s")


def test_batch_takes_fs(csv_no_rate, tmp_path):
    out = tmp_path / "out"
    code = main(["batch", str(csv_no_rate), "--out", str(out), "--fs", "1000", "--workers", "1", "--quiet"])
    assert code == 0, (out / "failures.csv").read_text() if (out / "failures.csv").exists() else ""
    assert (out / "t.csv" / "report.html").exists()


@pytest.mark.skipif(shutil.which("bash") is None, reason="bash is not installed")
def test_bash_completion_completes_commands_options_and_choices(tmp_path, capsys):
    assert main(["completion", "bash"]) == 0
    script = tmp_path / "emgkit.bash"
    script.write_text(capsys.readouterr().out)

    def complete(*words):
        words = ["emgkit", *words]
        cmd = (f"source {script}; COMP_WORDS=({' '.join(repr(w) for w in words)}); COMP_CWORD={len(words) - 1}; "
               '_emgkit_complete; printf "%s\\n" "${COMPREPLY[@]}"')
        return subprocess.run(["bash", "-c", cmd], capture_output=True, text=True, check=True).stdout.split()

    assert "info" in complete("in") and "onsets" in complete("on")
    assert "--fs" in complete("info", "--f")
    assert sorted(complete("batch", "x", "--stream", "")) == ["auto", "off", "on"]
    assert complete("completion", "x", "--nope") == []


def test_zsh_completion_wraps_the_bash_function(capsys):
    assert main(["completion", "zsh"]) == 0
    out = capsys.readouterr().out
    assert "bashcompinit" in out and "complete -o filenames -o bashdefault -F _emgkit_complete emgkit" in out
